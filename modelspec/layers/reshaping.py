"""Reshaping without weights: ZeroPadding1D/2D, Cropping1D/2D, UpSampling1D/2D, RepeatVector.

Keras' `keras.layers.reshaping`. Inputs are channels last: (steps, features) for the 1-D kinds,
(height, width, channels) for the 2-D ones; a length unknown until run time (None) stays unknown.
The output keeps the input's dtype.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import NonNegativeInt, PositiveInt
from typing_extensions import override

from ..params import P
from .base import Layer, Shape, as_tuple, expect_rank, register

IntOrPair = PositiveInt | tuple[PositiveInt, PositiveInt]
Pair = tuple[NonNegativeInt, NonNegativeInt]  # (before, after) along one axis
Side = NonNegativeInt | Pair  # one axis: both ends alike, or (before, after)


def sides(value: int | tuple, rank: int) -> tuple[tuple[int, int], ...]:
    """Keras' forms of padding and cropping, as (before, after) per spatial axis: an int for
    every side; in 1-D a pair (before, after); in 2-D a pair of entries, one per axis (height,
    width), each an int (both ends) or a pair."""
    if isinstance(value, int):
        return ((value, value),) * rank
    if rank == 1:
        return ((value[0], value[1]),)
    return tuple((p[0], p[1]) for p in (as_tuple(v, 2) for v in value))


class _Sides(Layer):
    """Padding (`grows` 1) or cropping (-1) of each spatial axis by (before, after) cells."""

    rank: ClassVar[int] = 2
    layout: ClassVar[str] = "(height, width, channels)"
    grows: ClassVar[int] = 1
    keeps_dtype = True

    def sides(self) -> tuple[tuple[int, int], ...]:
        """(before, after) per spatial axis, as Keras standardises the argument."""
        raise NotImplementedError

    @override
    def output_shape(self, x: Shape) -> Shape:
        """A length of `n` becomes `n + before + after` (padding) or `n - before - after`
        (cropping, which must leave at least one cell: the resolver says the input is too small)."""
        expect_rank(self, x, self.rank + 1, self.layout)
        spatial = (
            None if n is None else n + self.grows * (a + b)
            for n, (a, b) in zip(x[:-1], self.sides())
        )
        return (*spatial, x[-1])


@register
class ZeroPadding1D(_Sides):
    """Zeros before and after the steps: (steps, features) -> (steps + before + after, features).
    `padding`: an int for both ends, or (before, after)."""

    type: Literal["ZeroPadding1D"] = "ZeroPadding1D"
    padding: P[NonNegativeInt | Pair] = 1
    rank = 1
    layout = "(steps, features)"

    @override
    def sides(self) -> tuple[tuple[int, int], ...]:
        return sides(self.padding, 1)


@register
class ZeroPadding2D(_Sides):
    """Zeros around the image: (h, w, c) -> (h + top + bottom, w + left + right, c).

    `padding` as Keras takes it: an int for all four sides, (height, width) for symmetric
    padding, or ((top, bottom), (left, right)); each of the two entries may be an int or a pair.
    """

    type: Literal["ZeroPadding2D"] = "ZeroPadding2D"
    padding: P[NonNegativeInt | tuple[Side, Side]] = (1, 1)

    @override
    def sides(self) -> tuple[tuple[int, int], ...]:
        return sides(self.padding, 2)


@register
class Cropping1D(_Sides):
    """Cells cut from the start and the end of the steps: (steps, features) ->
    (steps - start - end, features). `cropping`: an int for both ends, or (start, end)."""

    type: Literal["Cropping1D"] = "Cropping1D"
    cropping: P[NonNegativeInt | Pair] = (1, 1)
    rank = 1
    layout = "(steps, features)"
    grows = -1

    @override
    def sides(self) -> tuple[tuple[int, int], ...]:
        return sides(self.cropping, 1)


@register
class Cropping2D(_Sides):
    """Rows and columns cut from the image's edges: (h, w, c) -> (h - top - bottom, w - left -
    right, c). `cropping`: an int, (height, width), or ((top, bottom), (left, right))."""

    type: Literal["Cropping2D"] = "Cropping2D"
    cropping: P[NonNegativeInt | tuple[Side, Side]] = ((0, 0), (0, 0))
    grows = -1

    @override
    def sides(self) -> tuple[tuple[int, int], ...]:
        return sides(self.cropping, 2)


@register
class UpSampling1D(Layer):
    """Each step repeated `size` times: (steps, features) -> (steps * size, features)."""

    type: Literal["UpSampling1D"] = "UpSampling1D"
    size: P[PositiveInt] = 2
    keeps_dtype = True

    @override
    def output_shape(self, x: Shape) -> Shape:
        expect_rank(self, x, 2, "(steps, features)")
        return (None if x[0] is None else x[0] * self.size, x[1])


@register
class UpSampling2D(Layer):
    """Repeats rows and columns: (h, w, c) -> (h * size[0], w * size[1], c)."""

    type: Literal["UpSampling2D"] = "UpSampling2D"
    size: P[IntOrPair] = 2
    interpolation: P[Literal["nearest", "bilinear"]] = "nearest"
    keeps_dtype = True

    @override
    def output_shape(self, x: Shape) -> Shape:
        expect_rank(self, x, 3, "(height, width, channels)")
        sh, sw = as_tuple(self.size, 2)
        return (None if x[0] is None else x[0] * sh, None if x[1] is None else x[1] * sw, x[2])


@register
class RepeatVector(Layer):
    """The input repeated `n` times along a new axis: (features,) -> (n, features)."""

    type: Literal["RepeatVector"] = "RepeatVector"
    n: P[PositiveInt]
    keeps_dtype = True

    @override
    def output_shape(self, x: Shape) -> Shape:
        expect_rank(self, x, 1, "(features,)")
        return (self.n, x[0])
