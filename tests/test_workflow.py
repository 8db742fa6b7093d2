"""The seed workflow around training, on both back ends: a separate validation set, `evaluate` and
`predict` of a saved model (either back end's file, the same figures for the same weights),
resuming a saved model with its optimizer state (k + m epochs equal k + m uninterrupted), and
the data check's tied unknown lengths and unused arrays."""

import json
import textwrap
import warnings
from dataclasses import replace

import numpy as np
import pytest

import modelspec
from modelspec.cli import main
from modelspec.data import check_arrays
from modelspec.errors import DataError
from modelspec.registry import BACKENDS

from .test_training import TWO_HEADS, arrays, two_heads

QUIET = dict(progress=False, echo=lambda line: None)
BOTH = [pytest.param("keras", ".keras", marks=pytest.mark.keras), pytest.param("torch", ".pt", marks=pytest.mark.torch)]


def weights_of(backend: str, model, graph) -> dict:
    return {f"{n}/{k}": v for n, ws in BACKENDS[backend].get_weights(model, graph).items() for k, v in ws.items()}


@pytest.fixture
def files(tmp_path):
    (tmp_path / "spec.yaml").write_text(textwrap.dedent(TWO_HEADS))
    np.savez(tmp_path / "train.npz", **arrays(64, 0))
    np.savez(tmp_path / "test.npz", **arrays(24, 1))
    test = arrays(24, 1)
    np.savez(tmp_path / "x.npz", tokens=test["tokens"], values=test["values"])
    return tmp_path


# --- the data check ------------------------------------------------------------------------------

SEQUENCE = """
    inputs: {x: {shape: [null, 4]}}
    layers:
      - {type: Dense, units: 2, name: y}
    training: {loss: mse}
"""


def test_unknown_lengths_tied_between_an_input_and_its_target_must_match():
    """Issue 18 item 7: a Dense per step of a `[null, 4]` sequence gives a target of the input's
    length; another length is a data error naming both arrays, before any framework."""
    graph = modelspec.loads(textwrap.dedent(SEQUENCE)).graph
    with pytest.raises(DataError) as info:
        check_arrays(graph, {"x": np.zeros((8, 5, 4)), "y": np.zeros((8, 6, 2))})
    assert info.value.problems == [
        "array 'y' has shape (8, 6, 2), but for 'x' of shape (8, 5, 4) the spec's output 'y' has shape (N, 5, 2): "
        "the unknown (null) lengths of an input and of its target must match"
    ]
    assert check_arrays(graph, {"x": np.zeros((8, 5, 4)), "y": np.zeros((8, 5, 2))}).y["y"].shape == (8, 5, 2)
    conv = modelspec.loads(textwrap.dedent(SEQUENCE).replace("Dense, units: 2", "Conv1D, filters: 2, kernel_size: 3"))
    with pytest.raises(DataError) as info:
        check_arrays(conv.graph, {"x": np.zeros((8, 2, 4)), "y": np.zeros((8, 2, 2))})
    assert info.value.problems == ["input 'x' of shape (8, 2, 4): node 'y' cannot take the lengths: "
                                   "Conv1D would output (0, 2) from (2, 4): input too small"]  # fmt: skip
    with pytest.raises(DataError, match=r"for 'x' of shape \(8, 6, 4\) the spec's output 'y' has shape \(N, 4, 2\)"):
        check_arrays(conv.graph, {"x": np.zeros((8, 6, 4)), "y": np.zeros((8, 6, 2))})


def test_the_sequence_length_error_is_a_data_error_on_the_command_line(tmp_path, capsys):
    (tmp_path / "seq.yaml").write_text(textwrap.dedent(SEQUENCE))
    np.savez(tmp_path / "d.npz", x=np.zeros((8, 5, 4)), y=np.zeros((8, 6, 2)))
    assert main(["train", str(tmp_path / "seq.yaml"), "--data", str(tmp_path / "d.npz"), "--backend", "torch"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("modelspec: error: array 'y' has shape (8, 6, 2), but for 'x' of shape (8, 5, 4)")
    assert "internal error" not in err


def test_an_array_the_spec_does_not_use_is_a_warning():
    data = {**arrays(), "weights": np.ones(100), "lvl": np.zeros(100)}
    checked = check_arrays(two_heads().graph, data)
    assert checked.warnings == [
        "warning: array 'weights' is not used: the spec reads 'tokens', 'values', 'level', 'kind'",
        "warning: array 'lvl' is not used: the spec reads 'tokens', 'values', 'level', 'kind'",
    ]
    inputs_only = check_arrays(two_heads().graph, {"tokens": data["tokens"], "values": data["values"]}, targets=False)
    assert inputs_only.y == {} and inputs_only.warnings == []


@pytest.mark.keras
def test_a_compiled_keras_file_reloads_its_optimizer_without_a_warning(tmp_path):
    """Keras' loader builds the optimizer of a compiled model (`compile_from_config`) and then
    loads the saved variables: an optimizer saved unbuilt held 2 (iterations, learning rate)
    against 16, and Keras skipped them with a warning. compile_model builds it, so they match."""
    keras = pytest.importorskip("keras")
    spec = two_heads()
    model = spec.to_keras()
    assert len(model.optimizer.variables) == 16  # Adam: 2 + 2 moments per weight (7 weights)
    BACKENDS["keras"].save(model, tmp_path / "m.keras", spec.to_yaml())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = keras.models.load_model(tmp_path / "m.keras")
    assert len(loaded.optimizer.variables) == 16
