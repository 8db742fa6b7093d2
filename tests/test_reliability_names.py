"""Issue 17, part 1: what `validate` accepts, both back ends build and run; what they cannot
take is refused at its line. Names (keywords, `self`, a final newline, block instances),
dtypes, and values (params, non-finite floats, integers out of the back ends' range)."""

import textwrap

import pytest

import modelspec

from .conftest import problems

keras_marks = [pytest.mark.keras, pytest.mark.torch]


def both_back_ends_run(text: str) -> modelspec.Spec:
    """The spec of `text`, built by both back ends, run on the same inputs, and found equal."""
    pytest.importorskip("keras")
    pytest.importorskip("torch")
    from modelspec.backends.check import check

    spec = modelspec.loads(textwrap.dedent(text), "spec.yaml")
    report = check(spec)
    assert report.ok, str(report)
    return spec


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

    assert not any(keyword.iskeyword(m) for m in spec.to_torch().meta["modelspec"]["modules"].values())
    saved_and_loaded(spec, tmp_path)


def saved_and_loaded(spec: modelspec.Spec, folder) -> None:
    """`compile` writes the spec's model with each back end, and each file loads back."""
    import keras

    from modelspec.backends.torch import load_torch
    from modelspec.cli import main

    source = folder / "spec.yaml"
    source.write_text(spec.to_yaml())
    assert main(["compile", str(source), "--backend", "torch", "-o", str(folder / "m.pt")]) == 0
    assert main(["compile", str(source), "--backend", "keras", "-o", str(folder / "m.keras")]) == 0
    load_torch(folder / "m.pt")
    keras.saving.load_model(folder / "m.keras")


@pytest.mark.parametrize(
    "key, where, message",
    [
        ('"d\\n": {type: Dense, units: 3, inputs: x}', "3:3: layers.'d\\n'", "node name 'd\\n'"),
        ('"1d": {type: Dense, units: 3, inputs: x}', "3:3: layers.1d", "node name '1d'"),
    ],
)
def test_a_node_name_must_be_an_identifier_and_a_final_newline_is_no_exception(key, where, message):
    found = problems(f"inputs: {{x: {{shape: [4]}}}}\nlayers:\n  {key}\n")
    assert found == [
        f"spec.yaml:{where}: {message} must be an identifier (letters, digits and _, "
        "not starting with a digit)"
    ]
    assert "\n" not in found[0]


def test_names_ending_in_a_newline_are_refused_everywhere():
    found = problems(
        """\
        inputs: {"x\\n": {shape: [4]}}
        layers:
          - {type: Dense, units: 3, name: "d\\n"}
        """
    )
    assert found == [
        "spec.yaml:1:10: inputs.'x\\n': input name 'x\\n' must be an identifier (letters, digits "
        "and _, not starting with a digit)",
        "spec.yaml:3:5: layers.0: node name 'd\\n' must be an identifier (letters, digits and _, "
        "not starting with a digit)",
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
