"""Torch lowerings of the activation layers: ReLU, LeakyReLU, ELU, Softmax (inline), PReLU.

ReLU lowers to the plainest torch function that computes Keras' formula for its arguments:
`torch.relu`, `F.relu6`, `F.leaky_relu`, else `functions.keras_relu` (Keras' `relu` with a
threshold and a clip, step by step as Keras computes it).
"""

from __future__ import annotations

from typing import Any

from typing_extensions import override

from ....layers import activations
from ..functions import keras_relu
from ..lowering import ANY, LOWERINGS, Arrays, Emitter, Lowering, renamed
from ..runtime import F, nn, torch


class _Elementwise(Lowering):
    layout = ANY


@LOWERINGS.register(activations.ReLU)
class ReLU(_Elementwise):
    """Keras' `activations.relu(x, negative_slope, max_value, threshold)`."""

    arguments = ("max_value", "negative_slope", "threshold")

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        slope, top, threshold = (
            self.layer.negative_slope,
            self.layer.max_value,
            self.layer.threshold,
        )
        if threshold == 0 and slope == 0 and top is None:
            return e.fn(torch.relu, x)
        if threshold == 0 and slope == 0 and top == 6:
            return e.fn(F.relu6, x)
        if threshold == 0 and top is None:
            return e.fn(F.leaky_relu, x, slope)
        return e.fn(keras_relu, x, negative_slope=slope, max_value=top, threshold=threshold)


@LOWERINGS.register(activations.LeakyReLU)
class LeakyReLU(_Elementwise):
    """`F.leaky_relu` with the layer's slope."""

    arguments = ("negative_slope",)

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        return e.fn(F.leaky_relu, x, self.layer.negative_slope)


@LOWERINGS.register(activations.ELU)
class ELU(_Elementwise):
    """`F.elu` with the layer's alpha."""

    arguments = ("alpha",)

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        return e.fn(F.elu, x, self.layer.alpha)


@LOWERINGS.register(activations.Softmax)
class Softmax(_Elementwise):
    """`torch.softmax` along the layer's axis, wherever that axis is in the input's layout; the
    builder records its input as the output's logits, as Keras keeps them."""

    arguments = ("axis",)

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        return e.activation(x, "softmax", axis=self.layer.axis)


class KerasPReLU(nn.Module):
    """Keras' PReLU on channels-last input: `relu(x) - alpha * relu(-x)`, `alpha` broadcast from
    Keras' shape (the input's, with 1 on each shared axis)."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.alpha = nn.Parameter(torch.zeros(shape))

    @override
    def extra_repr(self) -> str:
        return f"alpha={tuple(self.alpha.shape)}"

    def forward(self, x: Any) -> Any:
        """x (batch, ...) channels last -> the same shape."""
        return torch.relu(x) - self.alpha * torch.relu(-x)


@LOWERINGS.register(activations.PReLU)
class PReLU(Lowering):
    """`KerasPReLU`, its `alpha` named and shaped as Keras'."""

    arguments = ("shared_axes",)

    @override
    def module(self) -> Any:
        return KerasPReLU(self.layer.weights(self.site.shape)["alpha"].shape)

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        return e.module(x)

    @override
    def to_torch(self, weights: Arrays) -> Arrays:
        return renamed({"alpha": "alpha"}, weights)

    @override
    def to_keras(self, params: Arrays) -> Arrays:
        return renamed({"alpha": "alpha"}, params)
