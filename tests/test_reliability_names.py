"""Issue 17, part 1: what `validate` accepts, both back ends build and run; what they cannot
take is refused at its line. Names (keywords, `self`, a final newline, block instances) and
dtypes; values are in `test_reliability_names_values.py`."""


import pytest

import modelspec

from .conftest import problems
from .reliability import both_back_ends_run, saved_and_loaded

# --- names --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["def", "class", "is", "None", "lambda", "self"])
@pytest.mark.parametrize("form", ["graph", "sequential", "block instance", "block node", "input"])
@pytest.mark.keras
@pytest.mark.torch
def test_a_keyword_or_self_names_anything_and_both_back_ends_run(name, form, tmp_path):
    texts = {
        "graph": f"""\
            inputs: {{x: {{shape: [4]}}}}
            layers:
              {name}: {{type: Dense, units: 3, inputs: x}}
              out: {{type: Dense, units: 2, inputs: {name}}}
              again: {{shares: out, inputs: {name}}}
            outputs: [out, again, {name}]
            """,
        "sequential": f"""\
            inputs: {{x: {{shape: [4]}}}}
            layers:
              - {{type: Dense, units: 3, name: {name}}}
              - {{type: Dense, units: 2}}
            """,
        "block instance": f"""\
            inputs: {{x: {{shape: [3, 4]}}}}
            blocks:
              cell:
                inputs: [x]
                layers:
                  rnn: {{type: LSTM, units: 3, return_state: true, inputs: x}}
                  out: {{type: Dense, units: 2, inputs: rnn.state_h}}
                outputs: [rnn, out]
            layers:
              {name}: {{block: cell, inputs: x}}
              z: {{type: Dense, units: 2, inputs: {name}.out}}
            outputs: [z, {name}.rnn]
            """,
        "block node": f"""\
            inputs: {{x: {{shape: [4]}}}}
            blocks:
              cell:
                inputs: [x]
                layers:
                  {name}: {{type: Dense, units: 4, inputs: x}}
                  add: {{type: Add, inputs: [{name}, x]}}
            layers:
              b: {{block: cell, inputs: x, repeat: 2}}
            """,
        "input": f"""\
            inputs: {{{name}: {{shape: [4]}}, y: {{shape: [4]}}}}
            layers:
              d: {{type: Add, inputs: [{name}, y]}}
            outputs: [d, {name}]
            """,
    }
    spec = both_back_ends_run(texts[form])
    import keyword

    assert not any(
        keyword.iskeyword(m) for m in spec.to_torch().meta["modelspec"]["modules"].values()
    )
    saved_and_loaded(spec, tmp_path)


@pytest.mark.parametrize(
    "key, where, message",
    [
        ('"d\\n": {type: Dense, units: 3, inputs: x}', "3:3: layers.'d\\n'", "node name 'd\\n'"),
        ('"1d": {type: Dense, units: 3, inputs: x}', "3:3: layers.1d", "node name '1d'"),
    ],
)
def test_a_node_name_must_be_an_identifier_and_a_final_newline_is_no_exception(key, where, message):
    found = problems(f"inputs: {{x: {{shape: [4]}}}}\nlayers:\n  {key}\n")
    rule = "must be an identifier (letters, digits and _, not starting with a digit)"
    assert found == [f"spec.yaml:{where}: {message} {rule}"]
    assert "\n" not in found[0]


def test_names_ending_in_a_newline_are_refused_everywhere():
    found = problems(
        """\
        inputs: {"x\\n": {shape: [4]}}
        layers:
          - {type: Dense, units: 3, name: "d\\n"}
        """
    )
    rule = "must be an identifier (letters, digits and _, not starting with a digit)"
    assert found == [
        f"spec.yaml:1:10: inputs.'x\\n': input name 'x\\n' {rule}",
        f"spec.yaml:3:5: layers.0: node name 'd\\n' {rule}",
    ]


@pytest.mark.parametrize("name", ["a.b", "a/b", "a b", "a:b", "a-b", "1a", "a\\n", ""])
def test_a_block_instance_name_must_be_an_identifier(name):
    found = problems(
        f"""\
        inputs: {{x: {{shape: [4]}}}}
        blocks:
          cell:
            inputs: [x]
            layers:
              d: {{type: Dense, units: 3, inputs: x}}
        layers:
          "{name}": {{block: cell, inputs: x}}
        """
    )
    shown = name.replace("\\n", "\n")
    assert found[0].startswith("spec.yaml:8:3: layers.")
    assert f"block instance name {shown!r} must be an identifier" in found[0]
    assert all("\n" not in p for p in found)


# --- dtypes -------------------------------------------------------------------------------

DTYPES = ["float32", "float64", "float16", "int32", "int64", "bool"]


@pytest.mark.parametrize(
    "kind, args", [("Dropout", "rate: 0.5"), ("MaxPooling1D", ""), ("ZeroPadding1D", "")]
)
@pytest.mark.parametrize("dtype", ["int32", "bool"])
def test_an_integer_or_boolean_input_into_dropout_pooling_or_padding_is_refused_at_its_line(
    kind, args, dtype
):
    found = problems(
        f"""\
        inputs: {{x: {{shape: [4, 3], dtype: {dtype}}}}}
        layers:
          - {{type: {kind}, {args}}}
        """
    )
    hint = (
        "Keras hands an integer or boolean input to a layer uncast; make floats of it first "
        "(a Rescaling of scale 1 casts it to float32)"
    )
    assert found == [f"spec.yaml:3:5: layers.0: {kind} takes float inputs, got {dtype}: {hint}"]


def test_the_input_of_several_at_fault_is_named():
    found = problems(
        """\
        inputs: {a: {shape: [3]}, b: {shape: [3], dtype: int64}}
        layers:
          s: {type: Add, inputs: [a, b]}
        """
    )
    assert found[0].startswith(
        "spec.yaml:3:3: layers.s: Add takes float inputs, got int64 for input 2:"
    )


def test_a_rescaling_makes_floats_of_integers_for_the_kinds_that_take_floats():
    both_back_ends_run(
        """\
        inputs: {x: {shape: [4, 3], dtype: int32}}
        layers:
          - {type: Rescaling, scale: 1}
          - {type: MaxPooling1D}
          - {type: Dropout, rate: 0.5}
        """
    )


def test_3d_pooling_takes_float32_only():
    found = problems(
        """\
        inputs: {x: {shape: [4, 4, 4, 2], dtype: float64}}
        layers:
          - {type: MaxPooling3D}
        """
    )
    assert found == ["spec.yaml:3:5: layers.0: MaxPooling3D takes float32 inputs, got float64"]


def _one_kind_cases() -> list:
    """For each kind, its first case of float32 inputs (`kind_cases`) once per other dtype
    (float32 itself: the kind cases' own tests)."""
    from .kind_cases import CASES

    out = []
    for kind in sorted(CASES):
        floats = [
            c
            for c in CASES[kind]
            if all(i.get("dtype", "float32") == "float32" for i in c["inputs"].values())
        ]
        out += [pytest.param(floats[0], d, id=f"{kind}-{d}") for d in DTYPES[1:] if floats]
    return out


@pytest.mark.keras
@pytest.mark.torch
@pytest.mark.parametrize("case, dtype", _one_kind_cases())
def test_every_kind_takes_a_dtype_in_both_back_ends_alike_or_refuses_it(case, dtype):
    """Each kind's inputs of each dtype: refused where the kind says it does not take it, else
    built and run by both back ends, with the same values and the core's dtype in both."""
    import copy

    import numpy as np
    import yaml

    from modelspec.backends.check import random_inputs, run_keras, run_torch, tolerance

    pytest.importorskip("keras")
    pytest.importorskip("torch")
    data = copy.deepcopy(case)
    for spec_input in data["inputs"].values():
        spec_input["dtype"] = dtype
    text = yaml.safe_dump(data, sort_keys=False)
    try:
        spec = modelspec.loads(text, "spec.yaml")
    except modelspec.SpecError as exc:
        assert ["takes" in p.message and f"got {dtype}" in p.message for p in exc.errors] == [True]
        return
    graph = spec.graph
    model, module = spec.to_keras(compile=False), spec.to_torch()
    modelspec.transfer_weights(model, module)
    inputs = random_inputs(graph, seed=1)
    atol = tolerance(graph)
    for name, k, t in zip(
        graph.outputs, run_keras(model, graph, inputs), run_torch(module, graph, inputs)
    ):
        assert str(k.dtype) == str(t.dtype) == graph.tensor_type(name).dtype, name
        np.testing.assert_allclose(t.astype("float64"), k.astype("float64"), atol=atol, rtol=atol)
