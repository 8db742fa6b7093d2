"""Keras' initializers, drawn with torch's random generator (`torch.manual_seed` governs them).

A fresh torch module starts from the distributions a fresh Keras layer starts from: every weight
the core declares for the layer (`Layer.weights()`: Keras' shape and initializer) is drawn as
Keras draws it, then converted to the torch layout by the kind's lowering (`Lowering.to_torch`),
so the fans, the orthogonal structure and the gate order come out as Keras'. One draw function
per Keras initializer name (`keras.initializers`):

| initializer | distribution |
|---|---|
| glorot_uniform | U(-l, l), l = sqrt(6 / (fan_in + fan_out)), fans as Keras' `compute_fans` |
| orthogonal | Q of the QR decomposition of a normal matrix, signs fixed by R's diagonal |
| random_uniform | U(minval, maxval) |
| zeros, ones | constants |
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


def glorot_uniform(shape: tuple[int, ...]) -> Any:
    """Keras' GlorotUniform: U(-l, l), l = sqrt(6 / (fan_in + fan_out)) with `fans`."""
    fan_in, fan_out = fans(shape)
    limit = math.sqrt(6.0 / max(1.0, fan_in + fan_out))
    return torch.empty(shape).uniform_(-limit, limit)


def orthogonal(shape: tuple[int, ...]) -> Any:
    """Keras' Orthogonal: rows = prod(shape[:-1]), columns = shape[-1]; Q of a normal matrix."""
    rows, cols = math.prod(shape[:-1]), shape[-1]
    q, r = torch.linalg.qr(torch.randn(max(rows, cols), min(rows, cols)))
    q = q * torch.sign(torch.diagonal(r))
    return (q.T if rows < cols else q).reshape(shape).contiguous()


def random_uniform(shape: tuple[int, ...], minval: float = -0.05, maxval: float = 0.05) -> Any:
    """Keras' RandomUniform: U(minval, maxval), by default U(-0.05, 0.05)."""
    return torch.empty(shape).uniform_(minval, maxval)


DRAWS: dict[str, Callable[..., Any]] = {
    "glorot_uniform": glorot_uniform,
    "orthogonal": orthogonal,
    "random_uniform": random_uniform,
    "zeros": lambda shape: torch.zeros(shape),
    "ones": lambda shape: torch.ones(shape),
}
