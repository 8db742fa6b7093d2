"""Torch lowerings of the reshaping kinds (1-D, 2-D, 3-D): padding, cropping, upsampling, RepeatVector.

Padding and cropping work in whichever layout the input is in; `F.pad` lists the last axis
first, so its pads are the spatial axes' (before, after) in reverse order, behind the channels'
(0, 0) when the channels are last.
"""

from __future__ import annotations

import operator
from typing import Any

from typing_extensions import override

from ....layers import reshaping
from ..lowering import ANY, CHANNELS_FIRST, LOWERINGS, Emitter, Lowering, ntuple
from ..runtime import F


@LOWERINGS.register(reshaping.ZeroPadding1D, reshaping.ZeroPadding2D, reshaping.ZeroPadding3D)
class ZeroPadding(Lowering):
    """`F.pad` with zeros."""

    layout = ANY
    arguments = ("padding",)

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        pads = [p for before_after in reversed(self.layer.sides()) for p in before_after]
        channels = [] if e.layout == CHANNELS_FIRST else [0, 0]
        return e.fn(F.pad, x, (*channels, *pads))


@LOWERINGS.register(reshaping.Cropping1D, reshaping.Cropping2D, reshaping.Cropping3D)
class Cropping(Lowering):
    """A slice of the spatial axes: `x[:, a:-b, ...]` (`a:` when nothing is cut at the end)."""

    layout = ANY
    arguments = ("cropping",)

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        window: list[slice] = [slice(None)] * e.rank
        for dim, (start, end) in zip(e.spatial(), self.layer.sides()):
            window[dim] = slice(start, -end if end else None)
        return e.fn(operator.getitem, x, tuple(window))


@LOWERINGS.register(reshaping.UpSampling1D, reshaping.UpSampling3D)
class Repeat(Lowering):
    """Each cell repeated `size[i]` times along spatial axis i: `repeat_interleave` per axis
    (Keras' `ops.repeat`), in any layout; an axis of size 1 is left alone."""

    layout = ANY
    arguments = ("size",)

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        for dim, size in zip(e.spatial(), ntuple(self.layer.size, self.layer.rank)):
            if size > 1:
                x = e.method(x, "repeat_interleave", size, dim)
        return x


@LOWERINGS.register(reshaping.UpSampling2D)
class UpSampling2D(Lowering):
    """Nearest: rows and columns repeated. Bilinear: half-pixel centres, as TensorFlow resizes."""

    layout = CHANNELS_FIRST
    arguments = ("size", "interpolation")

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        scale = tuple(float(s) for s in ntuple(self.layer.size, 2))
        extra = {"align_corners": False} if self.layer.interpolation == "bilinear" else {}
        return e.fn(F.interpolate, x, scale_factor=scale, mode=self.layer.interpolation, **extra)


@LOWERINGS.register(reshaping.RepeatVector)
class RepeatVector(Lowering):
    """(batch, features) -> (batch, n, features): a new axis, repeated."""

    arguments = ("n",)

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        return e.method(e.method(x, "unsqueeze", 1), "repeat", 1, self.layer.n, 1)
