"""Training data is checked against the spec before any framework is imported; `modelspec train`
trains on either back end, saves the model and its history; the whole loop (split, shuffled
batches, validation) gives the same history on both back ends from the same weights."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import modelspec
from modelspec.cli import main
from modelspec.data import check_arrays, read_npz
from modelspec.errors import DataError
from modelspec.logs import log_names
from modelspec.training import batch_order, history_path

from .conftest import ROOT

TWO_HEADS = """
    name: two_heads
    inputs:
      tokens: {shape: [5], dtype: int32}
      values: {shape: [3]}
    layers:
      embed: {type: Embedding, input_dim: 20, output_dim: 4, inputs: tokens}
      pooled: {type: GlobalAveragePooling1D, inputs: embed}
      joined: {type: Concatenate, inputs: [pooled, values]}
      trunk: {type: Dense, units: 8, activation: tanh, inputs: joined}
      level: {type: Dense, units: 1, inputs: trunk}
      kind: {type: Dense, units: 3, activation: softmax, inputs: trunk}
    outputs: [level, kind]
    training:
      optimizer: {type: adam, learning_rate: 0.01}
      loss: {level: mse, kind: sparse_categorical_crossentropy}
      metrics: {level: [mae], kind: [accuracy]}
      epochs: 3
      batch_size: 16
      validation_split: 0.25
      seed: 3
"""


def two_heads() -> modelspec.Spec:
    return modelspec.loads(textwrap.dedent(TWO_HEADS), "two_heads.yaml")


def arrays(n: int = 100, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    tokens = rng.integers(0, 20, size=(n, 5)).astype("int32")
    values = rng.normal(size=(n, 3)).astype("float32")
    return {"tokens": tokens, "values": values, "level": values.sum(1), "kind": tokens[:, 0] % 3}


# --- the data, checked by the core ---------------------------------------------------------------


def problems(data) -> list[str]:
    with pytest.raises(DataError) as info:
        check_arrays(two_heads().graph, data)
    return info.value.problems


def test_good_data_is_cast_and_shaped():
    checked = check_arrays(two_heads().graph, arrays())
    assert checked.y["level"].shape == (100, 1)  # (N,) is accepted for an output of shape (1,)
    assert checked.y["kind"].dtype == np.int64 and checked.x["values"].dtype == np.float32
    train, val = checked.split(0.25)
    assert len(train) == 75 and len(val) == 25  # Keras' split: the last quarter, unshuffled
    np.testing.assert_array_equal(val.x["values"], arrays()["values"][75:])


def test_every_data_problem_names_the_array_with_expected_and_actual_shapes():
    data = arrays()
    data["values"] = data["values"][:, :2]
    data["tokens"] = data["tokens"].astype("float32")
    data["kinds"] = data.pop("kind")
    data["level"] = np.zeros((101, 2))
    assert problems(data) == [
        "array 'tokens': expected integer values of shape (N, 5), got float32 of shape (100, 5)",
        "array 'values': expected numeric values of shape (N, 3), got float32 of shape (100, 2)",
        "array 'level': expected numeric values of shape (N, 1) or (N,), got float64 of shape (101, 2)",
        "array 'kind' (target of output) is missing (did you mean 'kinds'?); the data holds "
        "'tokens', 'values', 'level', 'kinds'",
        "arrays differ in length (samples): tokens has 100, values has 100, level has 101",
    ]


def test_lengths_and_class_targets():
    data = arrays()
    data["kind"] = data["kind"][:90]
    assert problems(data) == ["arrays differ in length (samples): tokens has 100, values has 100, "
                              "level has 100, kind has 90"]  # fmt: skip
    data = arrays()
    data["kind"] = np.eye(3)[data["kind"]]  # one-hot where the loss wants class ids
    assert problems(data) == ["array 'kind': expected integer class values of shape (N,) or (N, 1), "
                              "got float64 of shape (100, 3)"]  # fmt: skip
    data["kind"] = np.array(["a"] * 100)
    assert "got <U1 of shape (100,)" in problems(data)[0]


def test_npz_reading_refuses_pickles_and_other_files(tmp_path):
    np.savez(tmp_path / "objects.npz", tokens=np.array([{"a": 1}], dtype=object))
    (tmp_path / "text.npz").write_text("not a zip")
    for name in ("objects.npz", "text.npz", "missing.npz"):
        with pytest.raises(DataError) as info:
            read_npz(tmp_path / name)
        assert info.value.problems[0].startswith(str(tmp_path / name))


def test_batches_and_names():
    rng = np.random.default_rng(0)
    batches = batch_order(10, 4, True, rng)
    assert [len(b) for b in batches] == [4, 4, 2] and sorted(np.concatenate(batches)) == list(range(10))
    assert [list(b) for b in batch_order(5, 2, False, rng)] == [[0, 1], [2, 3], [4]]
    assert log_names(two_heads().graph) == ["loss", "level_loss", "kind_loss", "level_mae", "kind_accuracy"]


def test_bad_data_fails_before_any_framework_is_imported(tmp_path):
    data = arrays()
    data.pop("values")
    np.savez(tmp_path / "data.npz", **data)
    (tmp_path / "spec.yaml").write_text(textwrap.dedent(TWO_HEADS))
    code = ("import sys\nfrom modelspec.cli import main\n"
            f"rc = main(['train', {str(tmp_path / 'spec.yaml')!r}, '--data', {str(tmp_path / 'data.npz')!r}, "
            "'--backend', 'torch'])\n"
            "print(rc, sorted(m for m in ('torch', 'tensorflow', 'keras') if m in sys.modules))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.split("\n")[-2] == "1 []"
    assert "modelspec: error: array 'values' (model input) is missing" in out.stderr
    assert "Traceback" not in out.stderr


# --- training on the back ends ---------------------------------------------------------------------


@pytest.mark.keras
@pytest.mark.torch
def test_the_whole_loop_gives_one_history_on_both_back_ends():
    """Split, seeded shuffling, three epochs with validation: same figures from the same weights."""
    pytest.importorskip("keras")
    pytest.importorskip("torch")
    spec = two_heads()
    model, module = spec.to_keras(compile=False), spec.to_torch()
    modelspec.transfer_weights(model, module)
    quiet = dict(progress=False, echo=lambda line: None)
    keras_run = spec.train(arrays(), "keras", model=model, **quiet)
    torch_run = spec.train(arrays(), "torch", model=module, **quiet)
    assert list(keras_run.history[0]) == list(torch_run.history[0]) == [
        "loss", "level_loss", "kind_loss", "level_mae", "kind_accuracy",
        "val_loss", "val_level_loss", "val_kind_loss", "val_level_mae", "val_kind_accuracy",
    ]  # fmt: skip
    for k, t in zip(keras_run.history, torch_run.history):
        np.testing.assert_allclose(list(t.values()), list(k.values()), rtol=1e-4, atol=1e-5)
    assert keras_run.history[-1]["loss"] < keras_run.history[0]["loss"]
    assert keras_run.evaluated_on == "validation split"


@pytest.mark.torch
def test_a_seed_makes_torch_training_repeatable():
    pytest.importorskip("torch")
    runs = [two_heads().train(arrays(), "torch", progress=False, echo=lambda line: None) for _ in range(2)]
    assert runs[0].history == runs[1].history


@pytest.mark.parametrize("backend, suffix", [("keras", ".keras"), ("torch", ".pt")])
def test_cli_train_saves_the_model_and_its_history(backend, suffix, tmp_path, capsys):
    pytest.importorskip(backend)
    np.savez(tmp_path / "data.npz", **arrays())
    (tmp_path / "spec.yaml").write_text(textwrap.dedent(TWO_HEADS))
    out = tmp_path / f"model{suffix}"
    assert main(["train", str(tmp_path / "spec.yaml"), "--data", str(tmp_path / "data.npz"), "--backend", backend,
                 "--epochs", "2", "-o", str(out)]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "epoch 2/2: loss " in printed
    header = ["epoch", "loss", "level_loss", "kind_loss", "level_mae", "kind_accuracy", "val_loss"]
    assert header in [line.split()[:7] for line in printed.splitlines()]  # the metrics table
    assert "evaluation on the validation split: loss " in printed
    history = json.loads(history_path(out).read_text())
    assert history["backend"] == backend and len(history["history"]["val_loss"]) == 2
    assert history["evaluation"]["loss"] == pytest.approx(history["history"]["val_loss"][-1], rel=1e-5)
    if backend == "torch":
        reloaded = modelspec.load_torch(out)
        assert sum(p.numel() for p in reloaded.parameters()) == two_heads().graph.params
    else:
        import keras

        assert keras.saving.load_model(out).count_params() == two_heads().graph.params


def test_cli_train_usage_and_spec_errors(tmp_path, capsys):
    np.savez(tmp_path / "data.npz", **arrays())
    (tmp_path / "spec.yaml").write_text(textwrap.dedent(TWO_HEADS))
    args = ["train", str(tmp_path / "spec.yaml"), "--data", str(tmp_path / "data.npz"), "--backend"]
    assert main([*args, "torch", "-o", str(tmp_path / "model.keras")]) == 2
    assert "a torch model file ends in .pt, got" in capsys.readouterr().err
    for unwritable in (tmp_path / "no" / "model.pt", "/proc/model.pt"):
        assert main([*args, "torch", "-o", str(unwritable)]) == 2
        assert f"cannot write '{unwritable}'" in capsys.readouterr().err
    assert main([*args[:3], str(tmp_path / "nope.npz"), "--backend", "keras"]) == 1
    assert "nope.npz: no such file" in capsys.readouterr().err
    untrained = textwrap.dedent(TWO_HEADS).split("training:")[0]
    (tmp_path / "spec.yaml").write_text(untrained)
    assert main([*args, "torch"]) == 1
    assert "has no `training:` section" in capsys.readouterr().err


def test_values_no_back_end_can_train_on_are_refused():
    data = arrays()
    data["tokens"][3, 2] = 20  # the Embedding's input_dim is 20
    data["kind"][5] = -1
    data["values"][0, 0] = np.nan
    assert problems(data) == [
        "array 'tokens': token ids (the Embedding's input_dim) must lie in [0, 20), got 0 to 20",
        "array 'values': 1 NaN or infinite values",
        "array 'kind': class ids (the output's units) must lie in [0, 3), got -1 to 2",
    ]


def test_a_single_npy_or_other_file_is_named_as_such(tmp_path):
    np.save(tmp_path / "one.npy", np.zeros(3))
    (tmp_path / "text.npz").write_text("hello")
    for name in ("one.npy", "text.npz"):
        with pytest.raises(DataError, match=r"not an \.npz file"):
            read_npz(tmp_path / name)


def test_unknown_lengths_keep_their_targets_shape():
    spec = modelspec.loads(textwrap.dedent("""
        inputs: {x: {shape: [null, 3]}}
        layers:
          - {type: GRU, units: 4, return_sequences: true}
          - {type: Dense, units: 1, name: out}
        training: {loss: mse}
    """))
    checked = check_arrays(spec.graph, {"x": np.zeros((4, 6, 3)), "out": np.zeros((4, 6))})
    assert checked.y["out"].shape == (4, 6, 1)
