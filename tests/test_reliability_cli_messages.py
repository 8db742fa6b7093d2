"""Issue 17, part 4: the messages a new user met (`modelspec.hints`), a duplicate key hiding
nothing else, and the same for any generated spec with such a habit in it (`habits`)."""

from __future__ import annotations

import pytest

import modelspec
from modelspec.cli import main

from .conftest import problems


def test_a_duplicate_key_hides_no_other_problem():
    assert problems("""\
        inputs: {x: {shape: [4]}}
        layers:
          a: {type: Dense, units: 2, inputs: x}
          a: {type: Dense, units: 3, inputs: x}
          b: {type: Dense, unitz: 3, inputs: a}
          c: {type: Dense, units: 0, inputs: b}
        name: one
        name: two
        """) == [
        "spec.yaml:4:3: layers.a: duplicate key 'a'",
        "spec.yaml:5:20: layers.b.unitz: unknown field 'unitz' (did you mean 'units'?)",
        "spec.yaml:6:27: layers.c.units: Input should be greater than 0",
        "spec.yaml:8:1: name: duplicate key 'name'",
    ]


def test_a_spec_valid_but_for_a_duplicate_key_is_invalid_and_renders(tmp_path, capsys):
    spec = tmp_path / "twice.yaml"
    spec.write_text("inputs: {x: {shape: [4]}}\nlayers: [{type: Dense, units: 2, units: 3}]\n")
    with pytest.raises(modelspec.SpecError, match="duplicate key 'units'"):
        modelspec.load(spec)
    assert main(["render", str(spec), "-o", str(tmp_path / "twice.dot")]) == 1
    assert "layers.0.units: duplicate key 'units'" in capsys.readouterr().err
