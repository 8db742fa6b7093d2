"""Keras' default initializers, drawn with torch's random generator (`torch.manual_seed` governs them).

A fresh torch module starts from the distributions a fresh Keras layer starts from: every weight
the core lists for the layer (`Layer.weights()`, in Keras' shape) is drawn as Keras draws it, then
converted to the torch layout by the kind's mapping in `weights.py`, so the fans, the orthogonal
structure and the gate order come out as Keras'. Keras' defaults, by weight name:

| weight | initializer |
|---|---|
| kernel (Dense, Conv*, the attention projections) | glorot_uniform: U(-l, l), l = sqrt(6 / (fan_in + fan_out)) |
| recurrent_kernel | orthogonal |
| bias | zeros; LSTM: ones for the forget gate (`unit_forget_bias`) |
| embeddings | U(-0.05, 0.05) |
| gamma, moving_variance | ones |
| beta, moving_mean | zeros |
"""

from __future__ import annotations

import math
from typing import Any

from ...layers import Layer, Shape
from .. import import_framework

torch = import_framework("torch")


def keras_initial_weights(layer: Layer, inputs: list[Shape]) -> dict[str, Any]:
    """Fresh values for every weight the core lists for `layer`, in Keras' shapes, by the core's names."""
    cell = layer.layer if layer.type == "Bidirectional" else layer  # type: ignore[attr-defined]
    return {name: _draw(cell, name, w.shape) for name, w in layer.weights(*inputs).items()}


def _draw(layer: Layer, name: str, shape: tuple[int, ...]) -> Any:
    if name.endswith("recurrent_kernel"):
        return orthogonal(shape)
    if name.endswith("kernel"):
        return glorot_uniform(shape)
    if name.endswith("embeddings"):
        return torch.empty(shape).uniform_(-0.05, 0.05)
    if name.endswith(("gamma", "moving_variance")):
        return torch.ones(shape)
    value = torch.zeros(shape)  # bias, beta, moving_mean
    if name.endswith("bias") and layer.type == "LSTM" and layer.unit_forget_bias:  # type: ignore
        units = shape[-1] // 4
        value[units : 2 * units] = 1.0  # Keras: bias = [zeros(U), ones(U), zeros(2U)]
    return value


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """Keras' `compute_fans`: the last two axes are (in, out); the axes before them multiply both."""
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def glorot_uniform(shape: tuple[int, ...]) -> Any:
    fan_in, fan_out = fans(shape)
    limit = math.sqrt(6.0 / max(1.0, fan_in + fan_out))
    return torch.empty(shape).uniform_(-limit, limit)


def orthogonal(shape: tuple[int, ...]) -> Any:
    """Keras' Orthogonal: rows = prod(shape[:-1]), columns = shape[-1]; Q of a normal matrix."""
    rows, cols = math.prod(shape[:-1]), shape[-1]
    q, r = torch.linalg.qr(torch.randn(max(rows, cols), min(rows, cols)))
    q = q * torch.sign(torch.diagonal(r))
    return (q.T if rows < cols else q).reshape(shape).contiguous()
