"""Issue 17, part 4: the messages a new user met (`modelspec.hints`), a duplicate key hiding
nothing else, and the same for any generated spec with such a habit in it (`habits`)."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings

import modelspec
from modelspec.cli import main

from .conftest import bad_input, problems
from .habits import DUPLICATE_PROBLEM, habits

RAW = ("Input should be a valid", "missing required field 'layer'")  # Pydantic's words, a wrong path


def test_a_batch_written_in_a_shape_says_it_is_left_out_and_that_null_is_null():
    assert problems("""\
        inputs: {x: {shape: [None, 28, 28, 1]}}
        layers: [{type: Flatten}]
        """) == [
        "spec.yaml:1:22: inputs.x.shape.0: `None` is not a size: a shape leaves the batch out "
        "(Keras' (None, 28, 28, 1) is [28, 28, 1] here), and a size not known until run time is "
        "YAML's null, `null` (`None` is the text 'None')"
    ]


def test_none_elsewhere_says_that_yamls_null_is_null():
    assert problems("""\
        inputs: {x: {shape: [3, None]}}
        layers: [{type: Dense, units: None}]
        """) == [
        "spec.yaml:1:25: inputs.x.shape.1: `None` is the text 'None': a size not known until run "
        "time is YAML's null, `null`",
        "spec.yaml:2:31: layers.0.units: `None` is the text 'None': YAML's null is `null` (or `~`)",
    ]


def test_an_input_shape_on_a_node_says_where_a_shape_goes_and_what_inputs_takes():
    assert problems("""\
        inputs: {x: {shape: [784]}}
        layers: [{type: Dense, units: 10, input_shape: [784]}]
        """) == [
        "spec.yaml:2:35: layers.0.input_shape: unknown field 'input_shape': a shape goes on a model "
        "input, the batch left out (`inputs: {x: {shape: [784]}}` at the top of the spec); a node's "
        "`inputs` names the tensors it reads, and its shape follows from them"
    ]
    found = problems("""\
        inputs: {x: {shape: [784]}}
        layers: [{type: Dense, units: 10, batch_input_shape: [null, 784]}, {type: Dense, units: 1, input_dim: 7}]
        """)
    assert ["shape: [784]}}" in found[0], "shape: [7]}}" in found[1]] == [True, True]
    assert not any("did you mean 'inputs'" in p for p in found)


def test_lr_suggests_learning_rate():
    assert problems("""\
        inputs: {x: {shape: [4]}}
        layers: [{type: Dense, units: 1}]
        training: {loss: mse, optimizer: {type: adam, lr: 0.01}}
        """) == ["spec.yaml:3:47: training.optimizer.lr: unknown field 'lr' (did you mean 'learning_rate'?)"]
    assert problems("""\
        inputs: {x: {shape: [4]}}
        layers: [{type: Dense, units: 1}]
        training: {loss: mse, lr: 0.01}
        """) == [
        "spec.yaml:3:23: training.lr: unknown field 'lr': the learning rate is the optimizer's "
        "(`optimizer: {type: adam, learning_rate: 0.01}`)"
    ]


def test_keras_older_argument_names_suggest_todays():
    found = problems("""\
        inputs: {x: {shape: [8, 3]}}
        layers: [{type: Conv1D, nb_filter: 4, kernel_size: 3, border_mode: same}]
        """)
    assert "unknown field 'nb_filter' (did you mean 'filters'?)" in found[0]
    assert "unknown field 'border_mode' (did you mean 'padding'?)" in found[1]


@pytest.mark.parametrize("node", [
    "  - {type: Conv2D, filters: 3, kernel_size: (3, 3)}",  # YAML splits it: `(3` and a key `3)`
    "  - {type: Conv2D, filters: 3, kernel_size: (3, 3), strides: 1}",
    "  - type: Conv2D\n    filters: 3\n    kernel_size: (3, 3)",  # the text '(3, 3)'
    "  - type: Conv2D\n    filters: 3\n    kernel_size: (3,3)",
])  # fmt: skip
def test_a_python_tuple_says_yaml_has_none_and_how_a_list_is_written(node):
    found = problems(f"inputs: {{x: {{shape: [28, 28, 1]}}}}\nlayers:\n{node}\n")
    assert len(found) == 1, found  # no second problem for the key `3)`
    assert found[0].endswith("layers.0.kernel_size: (3, 3) is text to YAML, which has no tuples: "
                             "write a list, [3, 3]") or found[0].endswith("(3,3) is text to YAML, "
                             "which has no tuples: write a list, [3, 3]")  # fmt: skip


def test_arguments_beside_a_wrappers_layer_say_they_go_inside_it():
    assert problems("""\
        inputs: {x: {shape: [10, 28, 28, 1]}}
        layers:
          - type: TimeDistributed
            layer: {type: Conv2D}
            filters: 3
            kernel_size: 3
        """) == [
        "spec.yaml:5:5: layers.0.filters: unknown field 'filters': an argument of the wrapped Conv2D "
        "goes inside `layer:` (`layer: {type: Conv2D, filters: 3, ...}`), not beside it",
        "spec.yaml:6:5: layers.0.kernel_size: unknown field 'kernel_size': an argument of the wrapped "
        "Conv2D goes inside `layer:` (`layer: {type: Conv2D, kernel_size: 3, ...}`), not beside it",
    ]
    assert problems("""\
        inputs: {x: {shape: [10, 4]}}
        layers: [{type: Bidirectional, layer: {type: LSTM}, units: 3}]
        """) == [
        "spec.yaml:2:53: layers.0.units: unknown field 'units': an argument of the wrapped LSTM goes "
        "inside `layer:` (`layer: {type: LSTM, units: 3, ...}`), not beside it"
    ]


def test_a_wrapped_layers_own_mistake_is_named_inside_layer():
    # a discriminated union (Bidirectional's `layer`) is walked into: not "missing field 'layer'"
    assert problems("""\
        inputs: {x: {shape: [10, 4]}}
        layers: [{type: Bidirectional, layer: {type: LSTM}}]
        """) == ["spec.yaml:2:39: layers.0.layer.units: missing required field 'units'"]


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


# --- the class stays fixed: any spec with a habit in it ------------------------------------------


def _problems(text: str) -> list[str]:
    with pytest.raises(modelspec.SpecError) as info:
        modelspec.loads(text, "gen.yaml")
    return [str(p) for p in info.value.problems]


@bad_input
@given(habits())
def test_a_habit_gets_its_located_hint_and_a_duplicate_key_hides_nothing(habit):
    found = _problems(habit.text)
    assert all(p.startswith("gen.yaml:") and p.split(":")[1] != "0" for p in found), found
    at_path = [p for p in found if p.split(": ", 2)[1:2] == [habit.path]]
    assert at_path and habit.words in at_path[0], (habit.how, found)
    assert not [p for p in found if any(words in p for words in RAW)], found
    if habit.duplicated:
        others = _problems(habit.plain)
        last = len(habit.text.splitlines())
        assert found == [*others, f"gen.yaml:{last}:1: name: {DUPLICATE_PROBLEM}"]


@settings(max_examples=max(1, settings().max_examples // 3))  # each example runs the CLI twice
@given(habits(max_nodes=3))
def test_render_draws_a_spec_with_a_habit_and_reports_it_as_validate_does(habit):
    with tempfile.TemporaryDirectory() as folder:
        spec, drawing = Path(folder) / "gen.yaml", Path(folder) / "gen.dot"
        spec.write_text(habit.text)
        said = {}
        for command in (["validate", str(spec)], ["render", str(spec), "-o", str(drawing)]):
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                assert main(command) == 1
            said[command[0]] = err.getvalue()
        assert said["render"] == said["validate"] and drawing.read_text().startswith("digraph")
