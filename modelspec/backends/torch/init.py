"""Keras' initializers, drawn with torch's random generator (`torch.manual_seed` governs them).

A fresh torch module starts from the distributions a fresh Keras layer starts from: every weight
the core declares for the layer (`Layer.weights()`: Keras' shape and initializer) is drawn as
Keras draws it, then converted to the torch layout by the kind's lowering (`Lowering.to_torch`),
so the fans, the orthogonal structure and the gate order come out as Keras'. One draw function
per Keras initializer name (`keras.initializers`):

| initializer | distribution |
|---|---|
| variance_scaling (and glorot_*, he_*, lecun_*: its scale, mode, distribution) | a normal truncated at 2 stddev, a normal, or a uniform, of variance scale / fan; fans as Keras' `compute_fans` |
| orthogonal | gain times Q of the QR decomposition of a normal matrix, signs fixed by R's diagonal |
| random_normal, random_uniform, truncated_normal | N(mean, stddev), U(minval, maxval), N truncated at 2 stddev |
| zeros, ones, constant, identity | constants; gain times the identity matrix |
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ...layers import Concatenation, Initializer, Layer, Shape
from .. import BackendError
from .runtime import torch


def keras_initial_weights(layer: Layer, inputs: list[Shape]) -> dict[str, Any]:
    """Fresh values for every weight the core declares for `layer` (Keras' shapes, the core's
    names), for these input shapes; `BackendError` for an initializer with no draw function."""
    return {name: draw(w.initializer, w.shape) for name, w in layer.weights(*inputs).items()}


def draw(initializer: Initializer | Concatenation, shape: tuple[int, ...]) -> Any:
    """A tensor of `shape` drawn from `initializer`; `BackendError` for an initializer this back
    end has no draw function for."""
    if isinstance(initializer, Concatenation):
        pieces = [draw(init, (*shape[:-1], n)) for init, n in initializer.parts]
        return torch.cat(pieces, -1)
    function = DRAWS.get(initializer.name)
    if function is None:
        raise BackendError(
            f"initializer {initializer.name!r} is not supported by the torch back end"
        )
    return function(shape, **initializer.kwargs)


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """Keras' `compute_fans`: the last two axes are (in, out); the axes before them multiply both
    (a scalar: 1 and 1; a vector: its length twice)."""
    if not shape:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def variance_scaling(
    shape: tuple[int, ...],
    scale: float = 1.0,
    mode: str = "fan_in",
    distribution: str = "truncated_normal",
) -> Any:
    """Keras' VarianceScaling: `scale` over the fan (`mode`: fan_in, fan_out, fan_avg, each at
    least 1), then a normal of stddev sqrt(scale) / 0.8796... truncated at 2 stddev
    (`truncated_normal`), a normal of stddev sqrt(scale) (`untruncated_normal`), or U(-l, l) with
    l = sqrt(3 * scale) (`uniform`)."""
    fan_in, fan_out = fans(shape)
    fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[mode]
    scale /= max(1.0, fan)
    if distribution == "truncated_normal":
        return truncated_normal(shape, 0.0, math.sqrt(scale) / 0.87962566103423978)
    if distribution == "untruncated_normal":
        return random_normal(shape, 0.0, math.sqrt(scale))
    limit = math.sqrt(3.0 * scale)
    return random_uniform(shape, -limit, limit)


def truncated_normal(shape: tuple[int, ...], mean: float = 0.0, stddev: float = 0.05) -> Any:
    """Keras' TruncatedNormal: a normal of `mean` and `stddev`, values beyond 2 stddev drawn
    again (torch's `trunc_normal_` on [mean - 2 stddev, mean + 2 stddev]: the same law)."""
    out = torch.empty(shape)
    return torch.nn.init.trunc_normal_(out, mean, stddev, mean - 2 * stddev, mean + 2 * stddev)


def random_normal(shape: tuple[int, ...], mean: float = 0.0, stddev: float = 0.05) -> Any:
    """Keras' RandomNormal: N(mean, stddev**2)."""
    return torch.empty(shape).normal_(mean, stddev)


def random_uniform(shape: tuple[int, ...], minval: float = -0.05, maxval: float = 0.05) -> Any:
    """Keras' RandomUniform: U(minval, maxval), by default U(-0.05, 0.05)."""
    return torch.empty(shape).uniform_(minval, maxval)


def orthogonal(shape: tuple[int, ...], gain: float = 1.0) -> Any:
    """Keras' Orthogonal: rows = prod(shape[:-1]), columns = shape[-1]; `gain` times the Q of a
    normal matrix's QR decomposition, signs fixed by R's diagonal."""
    rows, cols = math.prod(shape[:-1]), shape[-1]
    q, r = torch.linalg.qr(torch.randn(max(rows, cols), min(rows, cols)))
    q = q * torch.sign(torch.diagonal(r))
    return gain * (q.T if rows < cols else q).reshape(shape).contiguous()


def identity(shape: tuple[int, ...], gain: float = 1.0) -> Any:
    """Keras' Identity: `gain` times the identity matrix (2-D shapes only, as Keras)."""
    if len(shape) != 2:
        raise BackendError(f"the identity initializer takes 2-D weights only, got shape {shape}")
    return gain * torch.eye(*shape)


def _scaled(scale: float, mode: str, distribution: str) -> Callable[..., Any]:
    return lambda shape: variance_scaling(shape, scale, mode, distribution)


DRAWS: dict[str, Callable[..., Any]] = {
    "zeros": lambda shape: torch.zeros(shape),
    "ones": lambda shape: torch.ones(shape),
    "constant": lambda shape, value=0.0: torch.full(shape, float(value)),
    "identity": identity,
    "orthogonal": orthogonal,
    "random_normal": random_normal,
    "random_uniform": random_uniform,
    "truncated_normal": truncated_normal,
    "variance_scaling": variance_scaling,
    "glorot_normal": _scaled(1.0, "fan_avg", "truncated_normal"),
    "glorot_uniform": _scaled(1.0, "fan_avg", "uniform"),
    "he_normal": _scaled(2.0, "fan_in", "truncated_normal"),
    "he_uniform": _scaled(2.0, "fan_in", "uniform"),
    "lecun_normal": _scaled(1.0, "fan_in", "truncated_normal"),
    "lecun_uniform": _scaled(1.0, "fan_in", "uniform"),
}
