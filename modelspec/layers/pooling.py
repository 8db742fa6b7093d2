"""Pooling: Max/AveragePooling1D/2D/3D over windows, GlobalMax/AveragePooling1D/2D/3D over all cells.

Window pooling keeps the channels and shrinks the spatial axes as a convolution with the same
window would (`strides` defaults to `pool_size`, as in Keras; `same` average pooling divides by
the real cells only, as Keras does). Global pooling leaves (channels,), or with `keepdims` a
size-1 axis per spatial axis: (1, channels), (1, 1, channels), (1, 1, 1, channels). Each family
shares one rule, which reads the spatial rank from the class (`rank`). Keras' `pool_size` has a
default for max pooling only: average pooling must be given one. Only GlobalAveragePooling1D
takes a mask (it averages the unmasked steps); the others drop it, as Keras does.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import PositiveInt
from typing_extensions import override

from ..params import P
from .base import Layer, Shape, as_tuple, conv_output_length, expect_rank, register
from .reshaping import VOLUME

Sizes = PositiveInt | tuple[PositiveInt, ...]  # one value for every axis, or one per axis
IntOrOne = PositiveInt | tuple[PositiveInt]
IntOrPair = PositiveInt | tuple[PositiveInt, PositiveInt]
IntOrTriple = PositiveInt | tuple[PositiveInt, PositiveInt, PositiveInt]
Padding = Literal["valid", "same"]


class _Pooling(Layer):
    """The window rule; each rank's base narrows `pool_size` and `strides` to its tuple length."""

    rank: ClassVar[int] = 2
    layout: ClassVar[str] = "(height, width, channels)"
    keeps_dtype = True

    pool_size: P[Sizes] = 2
    strides: P[Sizes] | None = None
    padding: P[Padding] = "valid"

    def output_shape(self, x: Shape) -> Shape:
        """(*spatial, channels) -> (*pooled spatial, channels), each length as a convolution with
        kernel `pool_size` and stride `strides` (default: `pool_size`) gives it."""
        expect_rank(self, x, self.rank + 1, self.layout)
        pool = as_tuple(self.pool_size, self.rank)
        strides = pool if self.strides is None else as_tuple(self.strides, self.rank)
        spatial = (
            conv_output_length(n, k, s, self.padding) for n, k, s in zip(x[:-1], pool, strides)
        )
        return (*spatial, x[-1])


class _Pooling1D(_Pooling):
    rank = 1
    layout = "(length, channels)"
    pool_size: P[IntOrOne] = 2
    strides: P[IntOrOne] | None = None


class _Pooling2D(_Pooling):
    pool_size: P[IntOrPair] = 2
    strides: P[IntOrPair] | None = None


class _Pooling3D(_Pooling):
    rank = 3
    layout = VOLUME
    pool_size: P[IntOrTriple] = (2, 2, 2)
    strides: P[IntOrTriple] | None = None


@register
class MaxPooling1D(_Pooling1D):
    """The maximum over windows of `pool_size` steps."""

    type: Literal["MaxPooling1D"] = "MaxPooling1D"


@register
class AveragePooling1D(_Pooling1D):
    """The mean over windows of `pool_size` steps (with `same` padding: over the real cells only)."""

    type: Literal["AveragePooling1D"] = "AveragePooling1D"
    pool_size: P[IntOrOne]


@register
class MaxPooling2D(_Pooling2D):
    """The maximum over `pool_size` windows of (height, width)."""

    type: Literal["MaxPooling2D"] = "MaxPooling2D"


@register
class AveragePooling2D(_Pooling2D):
    """The mean over `pool_size` windows (with `same` padding: over the real cells only)."""

    type: Literal["AveragePooling2D"] = "AveragePooling2D"
    pool_size: P[IntOrPair]


@register
class MaxPooling3D(_Pooling3D):
    """The maximum over `pool_size` windows of (depth, height, width):
    (d, h, w, c) -> (d', h', w', c)."""

    type: Literal["MaxPooling3D"] = "MaxPooling3D"
    input_dtypes = ("float32",)  # TensorFlow has no MaxPool3D of float64, nor of float16 on CPU


@register
class AveragePooling3D(_Pooling3D):
    """The mean over `pool_size` windows of (depth, height, width) (with `same` padding: over
    the real cells only): (d, h, w, c) -> (d', h', w', c)."""

    type: Literal["AveragePooling3D"] = "AveragePooling3D"
    input_dtypes = ("float32",)  # TensorFlow's CPU has no AvgPool3D of float16 or float64
    pool_size: P[IntOrTriple]


class _GlobalPooling(Layer):
    rank: ClassVar[int] = 2
    layout: ClassVar[str] = "(height, width, channels)"
    keeps_dtype = True

    keepdims: P[bool] = False

    def output_shape(self, x: Shape) -> Shape:
        """(*spatial, channels) -> (channels,), or with `keepdims` (*(1,) * rank, channels)."""
        expect_rank(self, x, self.rank + 1, self.layout)
        return (*(1,) * self.rank, x[-1]) if self.keepdims else (x[-1],)


@register
class GlobalAveragePooling1D(_GlobalPooling):
    """The mean over all steps: (length, channels) -> (channels,). With a mask, the mean over the
    unmasked steps (Keras: `sum(where(mask, x, 0)) / sum(mask)`, NaN where all are masked); the
    output carries no mask."""

    type: Literal["GlobalAveragePooling1D"] = "GlobalAveragePooling1D"
    rank = 1
    layout = "(length, channels)"
    supports_masking = True
    reads_mask = True

    @override
    def compute_mask(self, masks: tuple[bool, ...], x: Shape) -> bool:
        return False


@register
class GlobalMaxPooling1D(_GlobalPooling):
    """The maximum over all steps: (length, channels) -> (channels,)."""

    type: Literal["GlobalMaxPooling1D"] = "GlobalMaxPooling1D"
    rank = 1
    layout = "(length, channels)"


@register
class GlobalAveragePooling2D(_GlobalPooling):
    """The mean over height and width: (h, w, channels) -> (channels,)."""

    type: Literal["GlobalAveragePooling2D"] = "GlobalAveragePooling2D"


@register
class GlobalMaxPooling2D(_GlobalPooling):
    """The maximum over height and width: (h, w, channels) -> (channels,)."""

    type: Literal["GlobalMaxPooling2D"] = "GlobalMaxPooling2D"


@register
class GlobalAveragePooling3D(_GlobalPooling):
    """The mean over depth, height and width: (d, h, w, channels) -> (channels,)."""

    type: Literal["GlobalAveragePooling3D"] = "GlobalAveragePooling3D"
    rank = 3
    layout = VOLUME


@register
class GlobalMaxPooling3D(_GlobalPooling):
    """The maximum over depth, height and width: (d, h, w, channels) -> (channels,)."""

    type: Literal["GlobalMaxPooling3D"] = "GlobalMaxPooling3D"
    rank = 3
    layout = VOLUME
