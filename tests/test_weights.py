"""Weights files (`modelspec.weights`): safetensors keyed NODE/WEIGHT in Keras' layout, written
from a real Keras model or torch module and loaded into either, every problem reported at once."""

import json
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import modelspec
from modelspec import weights
from modelspec.cli import main

from .conftest import ROOT

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy")  # TF's

IMAGE = """\
name: tiny_image
inputs:
  x: {shape: [6, 6, 2]}
blocks:
  residual:
    inputs: [x]
    layers:
      conv_a: {type: Conv2D, filters: 3, kernel_size: 1, inputs: x}
      add:    {type: Add, inputs: [conv_a, x]}
    outputs: [add]
layers:
  conv1: {type: Conv2D, filters: 3, kernel_size: 3, inputs: x}
  bn:    {type: BatchNormalization, inputs: conv1}
  res:   {block: residual, repeat: 2, inputs: bn}
  flat:  {type: Flatten, inputs: res}
  out:   {type: Dense, units: 2, inputs: flat}
"""
IMAGE_KEYS = {
    "conv1/kernel", "conv1/bias", "bn/gamma", "bn/beta", "bn/moving_mean", "bn/moving_variance",
    "res_1_conv_a/kernel", "res_1_conv_a/bias", "res_2_conv_a/kernel", "res_2_conv_a/bias",
    "out/kernel", "out/bias",
}  # fmt: skip

TEXT = """\
name: tiny_text
inputs:
  a: {shape: [5], dtype: int32}
  b: {shape: [5], dtype: int32}
layers:
  embed:   {type: Embedding, input_dim: 20, output_dim: 4, inputs: a}
  embed_b: {shares: embed, inputs: b}
  lstm:    {type: LSTM, units: 3, inputs: embed}
  lstm_b:  {shares: lstm, inputs: embed_b}
  both:    {type: Concatenate, inputs: [lstm, lstm_b]}
  out:     {type: Dense, units: 2, inputs: both}
"""
TEXT_KEYS = {"embed/embeddings", "lstm/kernel", "lstm/recurrent_kernel", "lstm/bias", "out/kernel", "out/bias"}

DENSE = "name: d\ninputs: {x: {shape: [3]}}\nlayers:\n  - {type: Dense, units: 2, name: d}\n  - {type: Dropout, rate: 0.5, name: drop}\n"


@pytest.fixture
def frameworks():
    """The randomisers of the fidelity tests (Keras' moving variances kept positive)."""
    pytest.importorskip("keras")
    pytest.importorskip("torch")
    from .test_fidelity import randomise_keras, randomise_torch

    return randomise_keras, randomise_torch


def outputs(spec, model):
    from modelspec.backends.check import random_inputs
    from modelspec.registry import backend_of

    return backend_of(model).run(model, spec.graph, random_inputs(spec.graph, seed=3))


@pytest.mark.keras
@pytest.mark.torch
@pytest.mark.parametrize("text, keys", [(IMAGE, IMAGE_KEYS), (TEXT, TEXT_KEYS)], ids=["image", "text"])
def test_keras_to_file_to_torch_and_back(text, keys, frameworks, tmp_path):
    randomise_keras, randomise_torch = frameworks
    spec = modelspec.loads(text)
    rng = np.random.default_rng(0)
    model = spec.to_keras(compile=False)
    randomise_keras(model, rng)  # Keras' own set_weights: moving statistics far from 0 and 1 too
    path = tmp_path / "w.safetensors"
    spec.save_weights(model, path)
    stored = weights.read(path)
    assert set(stored) == keys  # the owners only, by expanded name; no `shares:` node
    assert stored["out/kernel"].shape == spec.graph.node("out").weights["kernel"].shape  # (in, units)
    module = spec.to_torch(weights=path)
    for k, t in zip(outputs(spec, model), outputs(spec, module)):
        np.testing.assert_allclose(t, k, atol=1e-5, rtol=1e-5)
    again = tmp_path / "again.safetensors"
    weights.write(again, weights.of_model(module, spec), spec.name)  # torch back to Keras' layout
    assert all(np.array_equal(a, stored[key]) for key, a in weights.read(again).items())

    randomise_torch(module, rng)  # and the other way: torch -> file -> Keras
    spec.save_weights(module, path)
    fresh = spec.to_keras(compile=False, weights=path)
    for k, t in zip(outputs(spec, fresh), outputs(spec, module)):
        np.testing.assert_allclose(k, t, atol=1e-5, rtol=1e-5)
    assert not np.allclose(outputs(spec, fresh)[0], outputs(spec, model)[0])  # new weights took


def test_the_file_is_safetensors_keyed_node_weight_with_no_pickle(tmp_path):
    path = tmp_path / "w.safetensors"
    arrays = {"d/kernel": np.arange(6, dtype="float16").reshape(3, 2), "d/bias": np.array([1, 2], "int64")}
    weights.write(path, arrays, "d")
    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])  # a JSON header, then raw numbers: nothing to unpickle
    assert header.pop("__metadata__") == {"format": "modelspec", "spec": "d"}
    assert set(header) == {"d/kernel", "d/bias"}
    assert {k: (h["dtype"], h["shape"]) for k, h in header.items()} == {"d/kernel": ("F16", [3, 2]), "d/bias": ("I64", [2])}
    assert len(data) == 8 + size + sum(a.nbytes for a in arrays.values())
    back = weights.read(path)
    assert all(back[k].dtype == a.dtype and np.array_equal(back[k], a) for k, a in arrays.items())  # dtype kept
    assert [p.name for p in tmp_path.iterdir()] == ["w.safetensors"]  # written atomically, no temporary left


@pytest.mark.torch
def test_every_problem_is_reported_at_once_naming_node_and_weight():
    pytest.importorskip("torch")
    spec = modelspec.loads(DENSE, "spec.yaml")
    bad = {
        "d/kernel": np.zeros((4, 2), "float32"),  # the layer takes (3, 2); d/bias missing
        "d/gamma": np.zeros(2, "float32"),        # no such weight of node d
        "dd/bias": np.zeros(2, "float32"),        # no such node
        "drop/kernel": np.zeros(1, "float32"),    # a node without weights
        "bias": np.zeros(2, "float32"),           # not NODE/WEIGHT
    }  # fmt: skip
    with pytest.raises(modelspec.DataError) as info:
        spec.to_torch(weights=bad)
    assert info.value.problems == [
        "spec.yaml:4:5: layers.0: node 'd' (Dense), weight 'kernel': shape (4, 2) in the weights given, "
        "but the layer takes (3, 2)",
        "spec.yaml:4:5: layers.0: node 'd' (Dense), weight 'bias': missing from the weights given "
        "(no key 'd/bias'); the layer takes (2,)",
        "spec.yaml:4:5: layers.0: node 'd' (Dense), weight 'gamma': 'd/gamma' (shape (2,)) in the weights "
        "given, but the layer has no such weight (it has kernel, bias)",
        "spec.yaml:5:5: layers.1: node 'drop' (Dropout), weight 'kernel': 'drop/kernel' (shape (1,)) in the "
        "weights given, but the layer has no weights",
        "'dd/bias' (shape (2,)) in the weights given: the spec has no node 'dd' (did you mean 'd'?)",
        "'bias' (shape (2,)) in the weights given: a key is NODE/WEIGHT",
    ]


def test_a_shared_node_is_no_owner_and_a_file_is_named():
    spec = modelspec.loads(TEXT, "text.yaml")
    arrays = {f"{n.name}/{w}": np.zeros(t.shape, "float32") for n in spec.graph.nodes if not n.shared
              for w, t in n.weights.items()}  # fmt: skip
    assert set(weights.by_node(spec.graph, arrays)) == {"embed", "lstm", "out"}
    arrays["embed_b/embeddings"] = arrays["embed/embeddings"]
    with pytest.raises(modelspec.DataError, match=r"^node 'embed_b' \(Embedding\), weight 'embeddings': "
                       r"'embed_b/embeddings' \(shape \(20, 4\)\) in w.safetensors, but the node shares the "
                       r"weights of 'embed' \(key 'embed/embeddings'\)$"):  # fmt: skip
        weights.by_node(spec.graph, arrays, source="w.safetensors")


def test_reading_and_checking_import_no_framework(tmp_path):
    code = textwrap.dedent(f"""
        import sys, numpy as np, modelspec
        from modelspec import weights
        spec = modelspec.loads({DENSE!r})
        weights.write({str(tmp_path / "w.safetensors")!r}, {{"d/kernel": np.ones((3, 2)), "d/bias": np.ones(2)}})
        weights.checked(spec.graph, {str(tmp_path / "w.safetensors")!r})
        print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'keras', 'tensorflow')))
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_bad_weights_file_is_one_line_and_exit_1(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text(DENSE)
    (tmp_path / "junk.safetensors").write_bytes(b"not a safetensors file at all")
    for name, reason in [("missing.safetensors", "cannot read weights file: No such file or directory"),
                         ("junk.safetensors", "not a safetensors weights file (Error while deserializing"),
                         (".", "cannot read weights file: Is a directory")]:  # fmt: skip
        with pytest.raises(modelspec.DataError) as info:
            weights.read(tmp_path / name)
        assert info.value.problems[0].startswith(f"{tmp_path / name}: {reason}"), info.value.problems
    pytest.importorskip("torch")
    result = subprocess.run(
        [sys.executable, "-m", "modelspec", "compile", str(spec), "--backend", "torch", "-o",
         str(tmp_path / "m.pt"), "--weights", str(tmp_path / "junk.safetensors")],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()  # safetensors' own reason in the middle
    assert line.startswith(f"modelspec: error: {tmp_path / 'junk.safetensors'}: not a safetensors weights file (")
    assert line.endswith("); `modelspec.weights.write` writes one")
    assert not (tmp_path / "m.pt").exists()
    for name, reason in [("missing.safetensors", "No such file or directory"), (".", "Is a directory")]:
        assert main(["compile", str(spec), "--backend", "torch", "-o", str(tmp_path / "m.pt"),
                     "--weights", str(tmp_path / name)]) == 1  # fmt: skip
        assert capsys.readouterr().err.splitlines() == [
            f"modelspec: error: {tmp_path / name}: cannot read weights file: {reason}"
        ]


@pytest.mark.keras
@pytest.mark.torch
def test_compile_and_check_with_weights(frameworks, tmp_path, monkeypatch, capsys):
    import keras

    from modelspec.backends import check as check_module

    spec_path = tmp_path / "spec.yaml"
    spec_path.write_text(TEXT)
    spec = modelspec.load(spec_path)
    model = spec.to_keras(compile=False)
    frameworks[0](model, np.random.default_rng(1))
    path = tmp_path / "w.safetensors"
    spec.save_weights(model, path)
    stored = weights.read(path)

    assert main(["compile", str(spec_path), "--backend", "torch", "-o", str(tmp_path / "m.pt"), "--weights", str(path)]) == 0
    assert main(["compile", str(spec_path), "--backend", "keras", "-o", str(tmp_path / "m.keras"), "--weights", str(path)]) == 0
    for built in (modelspec.load_torch(tmp_path / "m.pt"), keras.models.load_model(tmp_path / "m.keras")):
        assert all(np.array_equal(a, stored[k]) for k, a in weights.of_model(built, spec).items())

    seen = []
    for runner in ("run_keras", "run_torch"):
        real = getattr(check_module, runner)
        monkeypatch.setattr(check_module, runner, lambda m, *a, real=real: seen.append(m) or real(m, *a))
    assert main(["check", str(spec_path), "--weights", str(path)]) == 0
    assert "tiny_text: both back ends agree" in capsys.readouterr().out
    assert len(seen) == 2  # both back ends ran with the file's weights, not Keras' random ones
    for built in seen:
        assert all(np.array_equal(a, stored[k]) for k, a in weights.of_model(built, spec).items())

    stored["lstm/bias"] = stored["lstm/bias"][:5]
    del stored["out/bias"]
    weights.write(path, stored)
    assert main(["check", str(spec_path), "--weights", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"modelspec: error: {spec_path}:8:12: layers.lstm: node 'lstm' (LSTM), weight 'bias': shape (5,) in "
        f"{path}, but the layer takes (12,)",
        f"modelspec: error: {spec_path}:11:12: layers.out: node 'out' (Dense), weight 'bias': missing from "
        f"{path} (no key 'out/bias'); the layer takes (2,)",
    ]


def test_of_model_refuses_what_no_back_end_built():
    spec = modelspec.loads(DENSE)
    with pytest.raises(modelspec.BackendError, match="got dict"):
        weights.of_model({}, spec)
