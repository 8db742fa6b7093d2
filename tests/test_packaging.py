"""What the installed package ships for its users' tools."""

from importlib import resources


def test_the_package_ships_py_typed_for_type_checkers():
    assert (resources.files("modelspec") / "py.typed").is_file()
