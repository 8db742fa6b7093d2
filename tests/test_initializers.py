"""Every Keras initializer a spec may name is drawn from the same distribution in torch, and
reaches both back ends from the layer's arguments."""

import numpy as np
import pytest

import modelspec
from modelspec.layers.option_kinds import (
    CONSTRAINT_KINDS,
    INITIALIZER_ALIASES,
    INITIALIZER_KINDS,
    REGULARIZER_KINDS,
)
from modelspec.layers.options import INITIALIZERS, initializer

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.keras, pytest.mark.torch]

SHAPE = (3, 40, 60)  # fan_in 120, fan_out 180: the fans matter
ARGUMENTS = {"constant": {"value": 0.3}, "random_normal": {"mean": 0.5, "stddev": 0.2},
             "random_uniform": {"minval": -0.1, "maxval": 0.3}, "truncated_normal": {"mean": -0.2, "stddev": 0.1},
             "orthogonal": {"gain": 1.5}, "identity": {"gain": 2.0},
             "variance_scaling": {"scale": 3.0, "mode": "fan_out", "distribution": "uniform"}}  # fmt: skip
VARIANCE_SCALING = [{"mode": m, "distribution": d} for m in ("fan_in", "fan_avg")
                    for d in ("truncated_normal", "untruncated_normal")]  # fmt: skip


def _draws(name: str, args: dict):
    from modelspec.backends.torch.init import draw

    shape = (50, 70) if name in ("identity", "orthogonal") else SHAPE
    random = "seed" in INITIALIZERS[name].model_fields
    config = {"class_name": name, "config": {**args, **({"seed": 1} if random else {})}}  # deterministic
    theirs = np.asarray(keras.initializers.get(config)(shape))
    torch.manual_seed(0)
    ours = draw(initializer(INITIALIZERS[name](type=name, **args)), shape).numpy()
    return theirs, ours


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
def test_each_initializer_draws_from_keras_distribution(name):
    theirs, ours = _draws(name, ARGUMENTS.get(name, {}))
    assert ours.shape == theirs.shape and ours.dtype == np.float32
    if name in ("zeros", "ones", "constant", "identity"):
        np.testing.assert_array_equal(ours, theirs)
        return
    if name == "orthogonal":  # gain * Q: orthonormal rows (50 < 70) scaled by the gain
        np.testing.assert_allclose(ours @ ours.T, 1.5**2 * np.eye(50), atol=1e-4)
        np.testing.assert_allclose(theirs @ theirs.T, 1.5**2 * np.eye(50), atol=1e-4)
        return
    # 7,200 values each: moments within a few standard errors, the same bounds
    np.testing.assert_allclose(ours.mean(), theirs.mean(), atol=4 * theirs.std() / np.sqrt(theirs.size) * 1.5)
    np.testing.assert_allclose(ours.std(), theirs.std(), rtol=0.05)
    np.testing.assert_allclose([ours.min(), ours.max()], [theirs.min(), theirs.max()],
                               atol=0.1 * (theirs.max() - theirs.min()))  # fmt: skip


@pytest.mark.parametrize("args", VARIANCE_SCALING, ids=lambda a: f"{a['mode']}-{a['distribution']}")
def test_variance_scaling_modes_and_distributions(args):
    theirs, ours = _draws("variance_scaling", args)
    np.testing.assert_allclose(ours.std(), theirs.std(), rtol=0.05)
    np.testing.assert_allclose(np.abs(ours).max(), np.abs(theirs).max(), rtol=0.25)


def test_initializer_arguments_reach_both_back_ends():
    spec = modelspec.loads("""
inputs: {x: {shape: [4]}}
layers:
  - {type: Dense, units: 3, name: d, kernel_initializer: {type: constant, value: 0.25}, bias_initializer: ones}
  - {type: LSTM, units: 2, name: r, kernel_initializer: zeros, recurrent_initializer: {type: identity, gain: 0.5},
     bias_initializer: {type: constant, value: 0.1}}
""".replace("shape: [4]", "shape: [5, 4]"))
    model, module = spec.to_keras(compile=False), spec.to_torch()
    from modelspec.backends.torch import get_keras_weights

    for layer in ("d", "r"):
        for (name, mine), theirs in zip(get_keras_weights(module, layer).items(), model.get_layer(layer).get_weights()):
            np.testing.assert_allclose(mine, theirs, err_msg=f"{layer}.{name}")
    bias = model.get_layer("r").get_weights()[2]  # unit_forget_bias: ones for the forget gate
    np.testing.assert_allclose(bias, [0.1, 0.1, 1, 1, 0.1, 0.1, 0.1, 0.1])


OPTION_NAMES = [
    *(("kernel_initializer", name) for name in sorted(INITIALIZER_KINDS) + sorted(INITIALIZER_ALIASES)),
    *(("kernel_regularizer", name) for name in sorted(REGULARIZER_KINDS)),
    *(("kernel_constraint", name) for name in sorted(CONSTRAINT_KINDS)),
]


@pytest.mark.parametrize("field, name", OPTION_NAMES, ids=[n for _, n in OPTION_NAMES])
def test_every_option_name_alone_builds_in_keras_as_its_default(field, name):
    # Keras itself cannot take `constant` (no `value`) or `l1_l2` by name: once validated, both
    # failed to build; each name is now given to Keras as its class with the defaults.
    spec = modelspec.loads(f"inputs: {{x: {{shape: [3, 3]}}}}\nlayers: [{{type: Dense, units: 3, {field}: {name}}}]\n")
    layer = spec.to_keras(compile=False).layers[-1]
    option = getattr(layer, field)
    kind = {**INITIALIZER_KINDS, **REGULARIZER_KINDS, **CONSTRAINT_KINDS}[INITIALIZER_ALIASES.get(name, name)]
    assert type(option).__name__ == kind.keras_class
    for argument, default in kind.defaults.items():  # Keras keeps some as float32, Identity's gain unlisted
        value = getattr(option, argument)
        assert (value if isinstance(default, str) else float(value)) == pytest.approx(default), argument
