"""What a new user's tryout of the training workflow found (issue 18), each now a test: callback
files in a folder not made yet, one history per model file, a resumed mixed-precision model,
sample weights at evaluation and negative ones."""

import json
import textwrap

import numpy as np
import pytest

import modelspec
from modelspec.cli import main
from modelspec.errors import DataError

QUIET = dict(progress=False, echo=lambda line: None)
WEIGHTED = """
    inputs: {x: {shape: [4]}}
    layers:
      price: {type: Dense, units: 1, inputs: x}
    training:
      loss: mse
      epochs: 1
      batch_size: 8
      sample_weight: {price: price_weight}
"""


def _data(n: int = 16, weight: float = 1.0) -> dict:
    rng = np.random.default_rng(0)
    return {"x": rng.normal(size=(n, 4)).astype("float32"), "price": rng.normal(size=(n, 1)).astype("float32"),
            "price_weight": np.full(n, weight, "float32")}  # fmt: skip


@pytest.mark.torch
def test_a_checkpoint_and_a_csv_log_in_folders_not_made_yet_are_written(tmp_path, monkeypatch):
    """Keras' ModelCheckpoint makes its folder; so do ours, CSVLogger's too (was: the first
    epoch's save failed with the name of a hidden temporary file)."""
    pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)
    spec = modelspec.loads(textwrap.dedent(WEIGHTED) + "  callbacks:\n"
                           "    - {type: ModelCheckpoint, filepath: 'ck/e{epoch}/m.pt', monitor: loss}\n"
                           "    - {type: CSVLogger, filename: logs/deep/log.csv}\n")  # fmt: skip
    spec.train(_data(), "torch", **QUIET)
    assert (tmp_path / "ck" / "e1" / "m.pt").is_file() and (tmp_path / "logs" / "deep" / "log.csv").is_file()


@pytest.mark.torch
def test_a_callback_folder_that_cannot_be_made_is_one_line_before_training(tmp_path, capsys):
    (tmp_path / "afile").write_text("not a folder")
    spec = tmp_path / "spec.yaml"
    spec.write_text(textwrap.dedent(WEIGHTED) + f"  callbacks: [{{type: CSVLogger, filename: '{tmp_path}/afile/log.csv'}}]\n")
    np.savez(tmp_path / "d.npz", **_data())
    assert main(["train", str(spec), "--data", str(tmp_path / "d.npz"), "--backend", "torch"]) == 1
    err = capsys.readouterr().err
    assert f"CSVLogger filename: cannot write in {tmp_path}/afile (" in err and "epoch 1" not in err, err


@pytest.mark.torch
def test_each_model_file_has_its_own_history(tmp_path):
    """`-o m.pt` and `-o m.keras` beside it once shared `m.history.json`, the later one winning."""
    pytest.importorskip("torch")
    result = modelspec.loads(textwrap.dedent(WEIGHTED)).train(_data(), "torch", **QUIET)
    assert result.save(tmp_path / "m.pt") == tmp_path / "m.pt.history.json"
    assert json.loads((tmp_path / "m.pt.history.json").read_text())["backend"] == "torch"


@pytest.mark.torch
def test_a_resumed_model_keeps_the_dtype_policy_it_trained_under(tmp_path):
    pytest.importorskip("torch")
    from modelspec.saved import load_model

    spec = modelspec.loads(textwrap.dedent(WEIGHTED).replace("epochs: 1", "epochs: 1\n  seed: 3"))
    spec.train(_data(), "torch", dtype_policy="mixed_bfloat16", **QUIET).save(tmp_path / "m.pt")
    saved = load_model(tmp_path / "m.pt")
    assert saved.resume.dtype_policy == "mixed_bfloat16"
    resumed = saved.train(_data(), epochs=2, **QUIET)
    whole = spec.train(_data(), "torch", dtype_policy="mixed_bfloat16", epochs=2, **QUIET)
    assert resumed.dtype_policy == "mixed_bfloat16"
    for (name, a), b in zip(resumed.model.state_dict().items(), whole.model.state_dict().values()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7, err_msg=name)


@pytest.mark.torch
def test_evaluate_weighs_by_the_sample_weights_the_data_holds_and_needs_none(tmp_path):
    """As Keras' `evaluate` (and `validation_data`): weighted only when given weights."""
    pytest.importorskip("torch")
    result = modelspec.loads(textwrap.dedent(WEIGHTED)).train(_data(), "torch", **QUIET)
    result.save(tmp_path / "m.pt")
    test = _data(8)
    plain = modelspec.evaluate(tmp_path / "m.pt", {k: v for k, v in test.items() if k != "price_weight"})
    doubled = modelspec.evaluate(tmp_path / "m.pt", {**test, "price_weight": np.full(8, 2.0, "float32")})
    assert doubled["loss"] == pytest.approx(2 * plain["loss"], rel=1e-6)


def test_negative_sample_weights_are_refused_as_negative_class_weights_are():
    spec = modelspec.loads(textwrap.dedent(WEIGHTED))
    from modelspec.data import check_arrays

    with pytest.raises(DataError, match=r"array 'price_weight': sample weights are at least 0, got -1"):
        check_arrays(spec.graph, _data(weight=-1.0))
