"""Torch lowerings of Rescaling (inline) and Normalization.

Both compute on channels-last input (their per-channel values broadcast along the last axis).
A Normalization given its `mean` and `variance` writes them into the forward code as constants,
as Keras holds them (no weight); without them it holds Keras' `mean`, `variance` and `count` as
buffers (non-trainable, of Keras' shapes, `count` int64), which loaded Keras weights fill.
"""

from __future__ import annotations

from typing import Any

from typing_extensions import override

from ....layers import preprocessing
from ..functions import normalization, rescale
from ..lowering import ANY, CHANNELS_LAST, LOWERINGS, Arrays, Emitter, Lowering, renamed
from ..runtime import nn, torch


@LOWERINGS.register(preprocessing.Rescaling)
class Rescaling(Lowering):
    """`x * scale + offset` in any layout for numbers; channels-last for per-channel lists."""

    arguments = ("scale", "offset")

    def __init__(self, layer: Any, site: Any) -> None:
        super().__init__(layer, site)
        per_channel = any(isinstance(v, tuple) for v in (layer.scale, layer.offset))
        self.layout = CHANNELS_LAST if per_channel else ANY

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        scale, offset = (
            list(v) if isinstance(v, tuple) else v for v in (self.layer.scale, self.layer.offset)
        )
        return e.fn(rescale, x, scale, offset)


class Statistics(nn.Module):
    """Keras' Normalization weights as buffers, in Keras' names and shapes: `mean` (zeros),
    `variance` (ones), `count` (an int64 scalar Keras keeps and never reads)."""

    def __init__(self, shape: tuple[int, ...], broadcast: tuple[int, ...], invert: bool) -> None:
        super().__init__()
        self.broadcast, self.invert = broadcast, invert
        self.register_buffer("mean", torch.zeros(shape))
        self.register_buffer("variance", torch.ones(shape))
        self.register_buffer("count", torch.zeros((), dtype=torch.int64))

    @override
    def extra_repr(self) -> str:
        return f"{tuple(self.mean.shape)}, invert={self.invert}"

    def forward(self, x: Any) -> Any:
        """x (batch, ...) channels last -> the same shape, normalised."""
        return normalization(x, self.mean, self.variance, self.broadcast, self.invert)


@LOWERINGS.register(preprocessing.Normalization)
class Normalization(Lowering):
    """`functions.normalization` with the given constants inline, or `Statistics`."""

    arguments = ("axis", "mean", "variance", "invert")

    @property
    def broadcast(self) -> tuple[int, ...]:
        """The statistics' shape for channels-last input, batch included (Keras' `_broadcast_shape`)."""
        return (1, *self.layer.broadcast_shape(self.site.shape))

    @override
    def module(self) -> Any:
        if self.layer.mean is not None:
            return None
        shape = self.layer.statistics_shape(self.site.shape)
        return Statistics(shape, self.broadcast, self.layer.invert)

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        if self.layer.mean is None:
            return e.module(x)
        mean, variance = self.layer.constants(self.site.shape)  # broadcast by the arithmetic
        args = (mean.tolist(), variance.tolist(), mean.shape, self.layer.invert)
        return e.fn(normalization, x, *args)

    @override
    def to_torch(self, weights: Arrays) -> Arrays:
        return renamed({n: n for n in ("mean", "variance", "count")}, weights)

    @override
    def to_keras(self, params: Arrays) -> Arrays:
        return renamed({n: n for n in ("mean", "variance", "count")}, params)
