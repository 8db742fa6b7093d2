"""Pooling: Max/AveragePooling1D/2D over windows, GlobalMax/AveragePooling1D/2D over all steps.

Window pooling keeps the channels and shrinks the spatial axes as a convolution with the same
window would (`strides` defaults to `pool_size`, as in Keras). Global pooling leaves (channels,),
or with `keepdims` (1, channels) / (1, 1, channels).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import PositiveInt

from ..params import P
from .base import Layer, Shape, as_tuple, conv_output_length, expect_rank, register

IntOrPair = PositiveInt | tuple[PositiveInt, PositiveInt]


class _Pooling(Layer):
    rank: ClassVar[int] = 2
    layout: ClassVar[str] = "(height, width, channels)"
    keeps_dtype = True

    pool_size: P[IntOrPair] = 2
    strides: P[IntOrPair] | None = None
    padding: P[Literal["valid", "same"]] = "valid"

    def output_shape(self, x: Shape) -> Shape:
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


@register
class MaxPooling1D(_Pooling1D):
    """The maximum over windows of `pool_size` steps."""

    type: Literal["MaxPooling1D"] = "MaxPooling1D"


@register
class AveragePooling1D(_Pooling1D):
    """The mean over windows of `pool_size` steps (with `same` padding: over the real cells only)."""

    type: Literal["AveragePooling1D"] = "AveragePooling1D"


@register
class MaxPooling2D(_Pooling):
    """The maximum over `pool_size` windows of (height, width)."""

    type: Literal["MaxPooling2D"] = "MaxPooling2D"


@register
class AveragePooling2D(_Pooling):
    """The mean over `pool_size` windows (with `same` padding: over the real cells only)."""

    type: Literal["AveragePooling2D"] = "AveragePooling2D"


class _GlobalPooling(Layer):
    rank: ClassVar[int] = 2
    layout: ClassVar[str] = "(height, width, channels)"
    keeps_dtype = True

    keepdims: P[bool] = False

    def output_shape(self, x: Shape) -> Shape:
        expect_rank(self, x, self.rank + 1, self.layout)
        return (*(1,) * self.rank, x[-1]) if self.keepdims else (x[-1],)


@register
class GlobalAveragePooling1D(_GlobalPooling):
    """The mean over all steps: (length, channels) -> (channels,)."""

    type: Literal["GlobalAveragePooling1D"] = "GlobalAveragePooling1D"
    rank = 1
    layout = "(length, channels)"


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
