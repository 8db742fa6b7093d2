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
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import modelspec
from modelspec.cli import main
from modelspec.data import check_arrays, tied_lengths
from modelspec.errors import DataError
from modelspec.registry import BACKENDS

from .strategies import specs
from .test_reliability_commands import EXAMPLES
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


# --- a separate validation set -------------------------------------------------------------------


@pytest.mark.keras
def test_keras_fit_ignores_validation_split_given_validation_data():
    """The rule `--val-data` follows, checked on real Keras: with both, fit trains on every
    sample (4 steps of 8, not 2) and validates on the data given."""
    keras = pytest.importorskip("keras")
    spec = modelspec.loads("inputs: {x: {shape: [3]}}\nlayers:\n  - {type: Dense, units: 1, name: y}\n"
                           "training: {loss: mse, optimizer: sgd}\n")  # fmt: skip
    model = spec.to_keras()
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 3)), rng.normal(size=(32, 1))
    history = model.fit(x, y, batch_size=8, validation_split=0.5, validation_data=(x[:5], y[:5]), verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 4
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(x[:5], y[:5], verbose=0), rel=1e-6)


@pytest.mark.keras
@pytest.mark.torch
def test_val_data_is_the_validation_set_on_both_back_ends():
    pytest.importorskip("keras")
    pytest.importorskip("torch")
    spec = two_heads()  # validation_split 0.25: ignored, with a note
    model, module = spec.to_keras(compile=False), spec.to_torch()
    modelspec.transfer_weights(model, module)
    runs = {}
    for backend, built in (("keras", model), ("torch", module)):
        lines: list[str] = []
        runs[backend] = spec.train(arrays(64, 0), backend, model=built, val_data=arrays(24, 1), epochs=2,
                                   progress=False, echo=lines.append)  # fmt: skip
        assert lines[0] == "note: validation_split 0.25 ignored: validation data is given"
    keras_run, torch_run = runs["keras"], runs["torch"]
    assert keras_run.evaluated_on == torch_run.evaluated_on == "validation data"
    assert "val_kind_accuracy" in keras_run.history[0]
    for k, t in zip(keras_run.history, torch_run.history):
        assert list(k) == list(t)
        np.testing.assert_allclose(list(t.values()), list(k.values()), rtol=1e-4, atol=1e-5)
    assert int(model.optimizer.iterations.numpy()) == 2 * 4  # every one of the 64 samples, batches of 16
    evaluated = model.evaluate([arrays(24, 1)["tokens"], arrays(24, 1)["values"]],
                               [arrays(24, 1)["level"], arrays(24, 1)["kind"]], batch_size=16, verbose=0,
                               return_dict=True)  # fmt: skip
    for name, value in keras_run.evaluation.items():
        assert value == pytest.approx(evaluated[name], rel=1e-6)


# --- evaluate and predict a saved model ----------------------------------------------------------


@pytest.mark.keras
@pytest.mark.torch
def test_evaluate_and_predict_give_the_same_figures_from_either_back_ends_file(files, capsys):
    """Train with Keras and save; copy its weights into a torch file (`compile --weights`); both
    files evaluate to Keras' own `model.evaluate(..., return_dict=True)` figures and predict the
    same arrays, by output name."""
    pytest.importorskip("keras")
    pytest.importorskip("torch")
    spec = two_heads()
    trained = spec.train(files / "train.npz", "keras", epochs=1, **QUIET)
    trained.save(files / "m.keras")
    spec.save_weights(trained.model, files / "w.safetensors")
    assert main(["compile", str(files / "spec.yaml"), "--backend", "torch", "-o", str(files / "m.pt"),
                 "--weights", str(files / "w.safetensors")]) == 0  # fmt: skip
    test = arrays(24, 1)
    keras_figures = trained.model.evaluate([test["tokens"], test["values"]], [test["level"], test["kind"]],
                                           batch_size=16, verbose=0, return_dict=True)  # fmt: skip
    figures = {}
    for suffix in (".keras", ".pt"):
        capsys.readouterr()
        assert main(["evaluate", str(files / f"m{suffix}"), "--data", str(files / "test.npz"), "--json"]) == 0
        figures[suffix] = json.loads(capsys.readouterr().out)
        assert list(figures[suffix]) == ["loss", "level_loss", "kind_loss", "level_mae", "kind_accuracy"]
        for name, value in figures[suffix].items():
            assert value == pytest.approx(float(keras_figures[name]), rel=2e-5, abs=1e-6), (suffix, name)
        assert main(["predict", str(files / f"m{suffix}"), "--data", str(files / "x.npz"),
                     "-o", str(files / f"pred{suffix}.npz")]) == 0  # fmt: skip
    with np.load(files / "pred.keras.npz") as k, np.load(files / "pred.pt.npz") as t:
        assert k.files == t.files == ["level", "kind"] and k["kind"].shape == (24, 3)
        for name in k.files:
            np.testing.assert_allclose(t[name], k[name], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(k["kind"], trained.model.predict([test["tokens"], test["values"]], verbose=0)[1],
                                   rtol=1e-6)  # fmt: skip
    capsys.readouterr()
    assert main(["evaluate", str(files / "m.pt"), "--data", str(files / "test.npz")]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[1].split() == ["figure", "value"] and table[3].split()[0] == "loss"
    # the same in Python
    saved = modelspec.load_model(files / "m.pt")
    assert saved.backend == "torch" and saved.resume.epoch == 0
    assert modelspec.evaluate(saved, arrays(24, 1)) == pytest.approx(figures[".pt"], rel=1e-6)
    np.testing.assert_array_equal(modelspec.predict(files / "m.pt", files / "x.npz")["level"],
                                  np.load(files / "pred.pt.npz")["level"])  # fmt: skip


@pytest.mark.parametrize("backend, suffix", BOTH)
def test_a_model_without_training_predicts_but_does_not_evaluate(backend, suffix, files, capsys):
    pytest.importorskip(backend)
    (files / "bare.yaml").write_text(textwrap.dedent(TWO_HEADS).split("training:")[0])
    path = str(files / f"bare{suffix}")
    assert main(["compile", str(files / "bare.yaml"), "--backend", backend, "-o", path]) == 0
    assert main(["predict", path, "--data", str(files / "x.npz"), "-o", str(files / "p.npz")]) == 0
    with np.load(files / "p.npz") as predicted:
        assert predicted["level"].shape == (24, 1)
    capsys.readouterr()
    assert main(["evaluate", path, "--data", str(files / "test.npz")]) == 1
    err = capsys.readouterr().err
    assert f"modelspec: error: {path}: spec 'two_heads' has no `training:` section" in err
    assert "Traceback" not in err and err.count("\n") == 1


@pytest.mark.torch
def test_bad_model_files_and_arguments_are_one_line_errors(files, capsys):
    pytest.importorskip("torch")
    (files / "junk.pt").write_bytes(b"no pickle")
    (files / "junk.keras").write_bytes(b"no zip")
    cases = [
        (["evaluate", str(files / "model.h5"), "--data", str(files / "test.npz")], 2, "a model file ends in .keras or .pt"),
        (["evaluate", str(files / "none.pt"), "--data", str(files / "test.npz")], 1, "none.pt: no such file"),
        (["evaluate", str(files / "junk.pt"), "--data", str(files / "test.npz")], 1, "junk.pt: not a model file modelspec wrote"),
        (["predict", str(files / "junk.pt"), "--data", str(files / "x.npz"), "-o", str(files / "p.txt")], 2,
         "predictions are written as an .npz file"),
        (["train", "--data", str(files / "train.npz")], 2, "train needs a SPEC and --backend (or --resume MODEL)"),
    ]  # fmt: skip
    for argv, status, message in cases:
        capsys.readouterr()
        assert main(argv) == status, argv
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err and "internal error" not in err


# --- resuming with the optimizer's state ---------------------------------------------------------


@pytest.mark.parametrize("backend, suffix", BOTH)
def test_a_resumed_run_equals_an_uninterrupted_one(backend, suffix, tmp_path):
    """1 epoch saved, then resumed to 2, gives the weights and the history of 2 epochs in one run
    (the same seed): the optimizer's moments and step count, and the batch order's generator,
    come back from the file, and with a Dropout its masks go on as they would have (torch's
    generator, Keras' seed generators, which Keras does not save)."""
    pytest.importorskip(backend)
    text = textwrap.dedent(TWO_HEADS).replace("inputs: trunk}", "inputs: drop}")
    spec = modelspec.loads(text.replace("  level:", "  drop: {type: Dropout, rate: 0.3, inputs: trunk}\n  level:", 1))
    assert spec.graph.node("drop").kind == "Dropout"
    whole = spec.train(arrays(48), backend, epochs=2, **QUIET)
    part = spec.train(arrays(48), backend, epochs=1, **QUIET)
    part.save(tmp_path / f"m{suffix}")
    BACKENDS[backend].release()
    saved = modelspec.load_model(tmp_path / f"m{suffix}")
    assert saved.resume.epoch == 1 and len(saved.resume.history) == 1
    lines: list[str] = []
    rest = saved.train(arrays(48), epochs=2, progress=False, echo=lines.append)
    assert [line.split(":")[0] for line in lines] == ["epoch 2/2"]
    assert rest.initial_epoch == 1 and len(rest.history) == 2
    for a, b in zip(whole.history, rest.history):
        assert a == pytest.approx(b, rel=1e-6, abs=1e-7)
    expected, got = weights_of(backend, whole.model, spec.graph), weights_of(backend, rest.model, spec.graph)
    for name, value in expected.items():
        np.testing.assert_allclose(got[name], value, rtol=1e-6, atol=1e-7, err_msg=name)
    if backend == "torch":  # the same resume with a new optimizer differs: the test sees its state
        again = modelspec.load_model(tmp_path / f"m{suffix}")
        fresh = again.spec.train(arrays(48), backend, model=again.model, resume=replace(again.resume, optimizer=None),
                                 epochs=2, **QUIET)  # fmt: skip
        assert not np.allclose(weights_of(backend, fresh.model, spec.graph)["trunk/kernel"], expected["trunk/kernel"],
                               rtol=1e-4)  # fmt: skip
    rest.save(tmp_path / f"m{suffix}")
    history = json.loads((tmp_path / f"m{suffix}.history.json").read_text())
    assert len(history["history"]["loss"]) == 2


@pytest.mark.parametrize("backend, suffix", BOTH)
def test_cli_resume_continues_the_file_and_checks_its_arguments(backend, suffix, files, capsys):
    pytest.importorskip(backend)
    path = str(files / f"m{suffix}")
    base = ["--data", str(files / "train.npz")]
    assert main(["train", str(files / "spec.yaml"), *base, "--backend", backend, "--epochs", "1", "-o", path]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", path, *base, "--epochs", "2", "-o", path]) == 0
    out = capsys.readouterr().out
    assert "epoch 2/2: loss" in out and "epoch 1/" not in out
    assert modelspec.load_model(path).resume.epoch == 2
    other = "torch" if backend == "keras" else "keras"
    for argv, message in [
        (["--epochs", "2"], "has trained 2 epochs: --epochs N is the final epoch when resuming"),
        (["--backend", other, "--epochs", "3"], f"is a {backend} model, not a {other} one"),
        ([str(files / "spec.yaml")], "give a SPEC or --resume MODEL, not both"),
    ]:
        assert main(["train", "--resume", path, *base, *argv]) == 2
        assert message in capsys.readouterr().err


@pytest.mark.keras
def test_a_compiled_keras_file_reloads_its_optimizer_without_a_warning(tmp_path):
    """Keras' loader builds the optimizer of a compiled model (`compile_from_config`) and then
    loads the saved variables: an optimizer saved unbuilt held 2 (iterations, learning rate)
    against 16, and Keras skipped them with a warning. save_keras builds it, so they match."""
    keras = pytest.importorskip("keras")
    spec = two_heads()
    model = spec.to_keras()
    assert len(model.optimizer.variables) == 2  # unbuilt: iterations, learning rate
    BACKENDS["keras"].save(model, tmp_path / "m.keras", spec.to_yaml())
    assert len(model.optimizer.variables) == 16  # Adam: 2 + 2 moments per weight (7 weights)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = keras.models.load_model(tmp_path / "m.keras")
    assert len(loaded.optimizer.variables) == 16


@pytest.mark.torch
def test_a_torch_file_carries_the_optimizer_state(tmp_path):
    torch = pytest.importorskip("torch")
    result = two_heads().train(arrays(64), "torch", epochs=1, **QUIET)
    result.save(tmp_path / "m.pt")
    payload = torch.load(tmp_path / "m.pt", weights_only=True)
    assert payload["optimizer"]["iterations"] == 3  # 48 training samples in batches of 16
    assert json.loads(payload["training"])["epoch"] == 1
    velocity = payload["optimizer"]["state"][0]["velocity"]
    assert velocity.shape == (20, 4) and float(velocity.abs().sum()) > 0  # the Embedding's table


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


@pytest.mark.torch
def test_train_says_which_arrays_it_leaves_out():
    pytest.importorskip("torch")
    lines: list[str] = []
    two_heads().train({**arrays(), "extra": np.zeros(100)}, "torch", epochs=1, progress=False, echo=lines.append)
    assert lines[0].startswith("warning: array 'extra' is not used")


@settings(max_examples=max(10, settings().max_examples // 2), deadline=None)
@given(data=specs(), length=st.integers(1, 12))
def test_the_shape_rules_take_any_actual_lengths(data, length):
    """Any generated spec, its unknown lengths given one actual length: the data check runs the
    shape rules on it and gives problems as lines (an input too short for a layer), never
    another exception; the inputs' own shapes are the spec's with that length."""
    graph = modelspec.loads(yaml.safe_dump(data, sort_keys=False)).graph
    x = {name: np.zeros((2, *(length if d is None else d for d in t.shape)), t.dtype) for name, t in graph.inputs.items()}
    problems = tied_lengths(graph, x, {})
    assert all(isinstance(p, str) and "cannot take the lengths" in p for p in problems)
    if not any(None in t.shape for t in graph.inputs.values()):
        assert problems == []


@pytest.mark.torch
@pytest.mark.parametrize("example", sorted(name for name, (_, output) in EXAMPLES.items() if output))
def test_every_example_validate_accepts_evaluates_and_predicts(example, tmp_path, capsys):
    """Issue 17's examples that train (odd names, params): the trained file evaluates and predicts
    (exit 0, no internal error), its predictions named after the output."""
    pytest.importorskip("torch")
    text, output = EXAMPLES[example]
    (tmp_path / "spec.yaml").write_text(textwrap.dedent(text))
    x = np.random.default_rng(0).integers(0, 6, (8, 4)).astype("float32")
    np.savez(tmp_path / "d.npz", x=x, **{output: np.zeros((8, 4, 2) if output == "e" else (8, 3), "float32")})
    np.savez(tmp_path / "x.npz", x=x)
    model, data = str(tmp_path / "t.pt"), str(tmp_path / "d.npz")
    assert main(["train", str(tmp_path / "spec.yaml"), "--data", data, "--backend", "torch", "-o", model]) == 0
    assert main(["evaluate", model, "--data", data]) == 0
    assert main(["predict", model, "--data", str(tmp_path / "x.npz"), "-o", str(tmp_path / "p.npz")]) == 0
    assert main(["train", "--resume", model, "--data", data, "--epochs", "2"]) == 0
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err, err
    with np.load(tmp_path / "p.npz") as predicted:
        assert predicted.files == [output]


@pytest.mark.torch
def test_a_problem_of_the_validation_data_says_so(files, capsys):
    pytest.importorskip("torch")
    bad = arrays(24, 1)
    bad.pop("values")
    np.savez(files / "val.npz", **bad)
    argv = ["train", str(files / "spec.yaml"), "--data", str(files / "train.npz"), "--backend", "torch"]
    assert main([*argv, "--val-data", str(files / "val.npz")]) == 1
    assert capsys.readouterr().err == ("modelspec: error: validation data: array 'values' (model input) is missing; "
                                       "the data holds 'tokens', 'level', 'kind'\n")  # fmt: skip
