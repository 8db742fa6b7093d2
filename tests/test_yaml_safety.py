"""YAML is loaded safely: no Python tags, bounded aliases, no duplicate keys, located errors."""

import pytest

import modelspec
from modelspec.yamlio import parse, write_atomic

from .conftest import problems

VALID_BODY = """\
inputs: {x: {shape: [4]}}
layers:
  - {type: Dense, units: 2}
"""


def test_python_tags_are_rejected_with_their_location():
    found = problems("inputs: !!python/object/apply:os.system ['echo pwned']\n" + "layers: []\n")
    assert found == ["spec.yaml:1:9: inputs: tag tag:yaml.org,2002:python/object/apply:os.system is not allowed"]


def test_custom_tags_are_rejected():
    (found,) = problems("name: !secret x\n" + VALID_BODY)
    assert "tag !secret is not allowed" in found and found.startswith("spec.yaml:1:7:")


def test_alias_bomb_fails_fast():
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    (found,) = problems("\n".join(lines) + "\n")
    assert "document too large or too deeply nested" in found


def test_small_aliases_are_fine():
    text = "defaults: &d {type: Dense, units: 3}\n"
    doc = parse(text + "x: *d\n")
    assert doc.data["x"] == {"type": "Dense", "units": 3}


def test_duplicate_keys_are_an_error():
    found = problems(
        """\
        inputs: {x: {shape: [4]}}
        layers:
          a: {type: Dense, units: 2, inputs: x}
          a: {type: Dense, units: 3, inputs: x}
        """
    )
    assert found == ["spec.yaml:4:3: layers.a: duplicate key 'a'"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "spec.yaml:1:1: <document>: the document is empty"),
        ("# only a comment\n", "spec.yaml:1:1: <document>: the document is empty"),
        ("- a\n- b\n", "spec.yaml:1:1: <document>: a spec must be a mapping, got list"),
        ("just text\n", "spec.yaml:1:1: <document>: a spec must be a mapping, got str"),
        ("a: [1, 2\n", "spec.yaml:2:1: <document>: invalid YAML: "),  # wording: libyaml's or PyYAML's
    ],
)
def test_empty_non_mapping_and_malformed_documents(text, message):
    (found,) = problems(text)
    assert found.startswith(message) and (found == message or "',' or ']'" in found)


def test_missing_file_is_a_spec_error(tmp_path):
    with pytest.raises(modelspec.SpecError) as info:
        modelspec.load(tmp_path / "nope.yaml")
    assert "cannot read file" in str(info.value)


def test_write_atomic_leaves_no_partial_file(tmp_path):
    target = tmp_path / "out.txt"
    write_atomic(target, "old")

    with pytest.raises(TypeError):
        write_atomic(target, 42)  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
