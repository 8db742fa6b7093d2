"""Both back ends are one model: on generated specs nobody wrote by hand, the core, Keras and
torch agree on output shapes and parameter counts, and after a weight transfer (either way)
on outputs, within float32 tolerance. `modelspec check` passes on every example spec."""

import numpy as np
import pytest
import yaml
from hypothesis import given, note

import modelspec
from modelspec.backends.check import random_inputs, run_keras, run_torch, tolerance
from modelspec.cli import main

from .conftest import SPECS
from .odd_specs import odd_specs

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.keras, pytest.mark.torch]


def randomise_keras(model, rng) -> None:
    """Random values everywhere (not just the initializers' zeros), positive variances."""
    for layer in model.layers:
        values = []
        for variable in layer.weights:
            shape = tuple(variable.shape)
            if "variance" in variable.path:
                values.append(np.asarray(rng.uniform(0.5, 1.5, shape), variable.dtype))
            else:
                values.append(np.asarray(rng.normal(size=shape) * 0.4, variable.dtype))  # () too
        if values:
            layer.set_weights(values)
            if hasattr(layer, "finalize_state"):  # Normalization computes from copies of its statistics
                layer.finalize_state()


def randomise_torch(module, rng) -> None:
    with torch.no_grad():
        for name, tensor in [*module.named_parameters(), *module.named_buffers()]:
            if tensor.dtype.is_floating_point:
                if "running_var" in name:
                    values = rng.uniform(0.5, 1.5, tuple(tensor.shape))
                else:
                    values = rng.normal(size=tuple(tensor.shape)) * 0.4
                tensor.copy_(torch.from_numpy(np.asarray(values, "float32")))  # () too


def compatible(core: tuple, actual: tuple) -> bool:
    return len(core) == len(actual) and all(c is None or c == a for c, a in zip(core, actual))


def assert_one_model(spec, seed: int) -> None:
    graph = spec.graph
    rng = np.random.default_rng(seed)
    model, module = spec.to_keras(compile=False), spec.to_torch()
    from modelspec.backends.torch import count_params

    keras_counts = (sum(int(np.prod(w.shape)) for w in model.trainable_weights),
                    sum(int(np.prod(w.shape)) for w in model.non_trainable_weights))  # fmt: skip
    assert keras_counts == count_params(module) == (graph.trainable_params, graph.non_trainable_params)

    inputs = random_inputs(graph, seed=seed)
    tol = tolerance(graph)  # float32's rounding, or float16's where the model computes in it
    close = dict(atol=tol, rtol=tol)
    randomise_keras(model, rng)
    modelspec.transfer_weights(model, module)
    keras_out, torch_out = run_keras(model, graph, inputs), run_torch(module, graph, inputs)
    for name, k, t in zip(graph.outputs, keras_out, torch_out):
        core = graph.tensor_type(name).shape
        assert compatible(core, k.shape[1:]) and k.shape == t.shape, (name, core, k.shape, t.shape)
        assert str(k.dtype) == str(t.dtype) == graph.tensor_type(name).dtype, (name, k.dtype, t.dtype)
        k, t = k.astype("float64"), t.astype("float64")  # booleans and integers compare too
        np.testing.assert_allclose(t, k, **close, err_msg=f"keras -> torch, output {name}")

    fresh = spec.to_keras(compile=False)
    randomise_torch(module, rng)
    modelspec.transfer_weights(module, fresh)
    for name, k, t in zip(graph.outputs, run_keras(fresh, graph, inputs), run_torch(module, graph, inputs)):
        k, t = k.astype("float64"), t.astype("float64")
        np.testing.assert_allclose(k, t, **close, err_msg=f"torch -> keras, output {name}")


@given(odd_specs(max_nodes=6))
def test_generated_specs_are_one_model_in_both_back_ends(data):
    """Any valid spec, odd names, every dtype and extreme values included, builds and runs
    forward in both back ends as one model (`odd_specs`)."""
    text = yaml.safe_dump(data, sort_keys=False)
    note(text)
    keras.backend.clear_session()
    assert_one_model(modelspec.loads(text), seed=len(text))


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_check_passes_on_every_example(path, capsys):
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "both back ends agree" in out and "max |keras - torch|" in out


def test_check_exits_1_on_a_disagreement(monkeypatch, capsys):
    from modelspec.backends import check as check_module

    real = check_module.run_torch
    monkeypatch.setattr(check_module, "run_torch", lambda *a: [x + 1 for x in real(*a)])
    assert main(["check", str(SPECS[0])]) == 1
    assert "DISAGREEMENT" in capsys.readouterr().out


def test_transfer_refuses_models_of_another_spec():
    a = modelspec.loads("inputs: {x: {shape: [4]}}\nlayers: [{type: Dense, units: 3, name: d}]\n")
    b = modelspec.loads("inputs: {x: {shape: [5]}}\nlayers: [{type: Dense, units: 3, name: d}]\n")
    with pytest.raises(modelspec.BackendError, match=r"node 'd' \(Dense\): the torch module does not match the spec"):
        modelspec.transfer_weights(b.to_keras(), a.to_torch())


def test_shared_layers_transfer_once():
    spec = modelspec.load(next(p for p in SPECS if p.stem == "shared_embedding"))
    assert_one_model(spec, seed=1)
