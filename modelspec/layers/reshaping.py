"""Reshaping without weights: ZeroPadding1D/2D/3D, Cropping1D/2D/3D, UpSampling1D/2D/3D, RepeatVector.

Keras' `keras.layers.reshaping`. Inputs are channels last: (steps, features) for the 1-D kinds,
(height, width, channels) for the 2-D ones, (depth, height, width, channels) for the 3-D ones;
a length unknown until run time (None) stays unknown. The output keeps the input's dtype. The
kinds of one family share one rule, which reads the spatial rank from the class (`rank`).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import NonNegativeInt, PositiveInt
from typing_extensions import override

from ..params import P
from .base import Layer, Shape, as_tuple, expect_rank, register

IntOrPair = PositiveInt | tuple[PositiveInt, PositiveInt]
IntOrTriple = PositiveInt | tuple[PositiveInt, PositiveInt, PositiveInt]
Pair = tuple[NonNegativeInt, NonNegativeInt]  # (before, after) along one axis
Side = NonNegativeInt | Pair  # one axis: both ends alike, or (before, after)
VOLUME = "(depth, height, width, channels)"


def sides(value: int | tuple, rank: int) -> tuple[tuple[int, int], ...]:
    """Keras' forms of padding and cropping, as (before, after) per spatial axis: an int for
    every side; in 1-D a pair (before, after); in 2-D and 3-D one entry per axis ((height, width)
    or (depth, height, width)), each an int (both ends) or a pair."""
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
class ZeroPadding3D(_Sides):
    """Zeros around the volume: (d, h, w, c) -> (d + before + after, ..., c) on each of depth,
    height and width. `padding`: an int for all six sides, (depth, height, width) for symmetric
    padding per axis, or ((before, after),) * 3; each entry may be an int or a pair."""

    type: Literal["ZeroPadding3D"] = "ZeroPadding3D"
    padding: P[NonNegativeInt | tuple[Side, Side, Side]] = ((1, 1), (1, 1), (1, 1))
    rank = 3
    layout = VOLUME

    @override
    def sides(self) -> tuple[tuple[int, int], ...]:
        return sides(self.padding, 3)


@register
class Cropping3D(_Sides):
    """Cells cut from the volume's faces: (d, h, w, c) -> (d - before - after, ..., c) on each
    of depth, height and width. `cropping`: an int, (depth, height, width), or
    ((before, after),) * 3, each entry an int or a pair."""

    type: Literal["Cropping3D"] = "Cropping3D"
    cropping: P[NonNegativeInt | tuple[Side, Side, Side]] = ((1, 1), (1, 1), (1, 1))
    rank = 3
    layout = VOLUME
    grows = -1

    @override
    def sides(self) -> tuple[tuple[int, int], ...]:
        return sides(self.cropping, 3)


class _UpSampling(Layer):
    """Each cell repeated `size[i]` times along spatial axis i: a length n becomes n * size[i]."""

    rank: ClassVar[int] = 2
    layout: ClassVar[str] = "(height, width, channels)"
    keeps_dtype = True

    @override
    def output_shape(self, x: Shape) -> Shape:
        expect_rank(self, x, self.rank + 1, self.layout)
        sizes = as_tuple(self.size, self.rank)  # type: ignore[attr-defined]
        return (*(None if n is None else n * s for n, s in zip(x[:-1], sizes)), x[-1])


@register
class UpSampling1D(_UpSampling):
    """Each step repeated `size` times: (steps, features) -> (steps * size, features)."""

    type: Literal["UpSampling1D"] = "UpSampling1D"
    size: P[PositiveInt] = 2
    rank = 1
    layout = "(steps, features)"


@register
class UpSampling2D(_UpSampling):
    """Repeats rows and columns: (h, w, c) -> (h * size[0], w * size[1], c)."""

    type: Literal["UpSampling2D"] = "UpSampling2D"
    size: P[IntOrPair] = 2
    interpolation: P[Literal["nearest", "bilinear"]] = "nearest"


@register
class UpSampling3D(_UpSampling):
    """Repeats each cell along depth, height and width (Keras' `ops.repeat`, nearest only):
    (d, h, w, c) -> (d * size[0], h * size[1], w * size[2], c). `size`: an int or a triple."""

    type: Literal["UpSampling3D"] = "UpSampling3D"
    size: P[IntOrTriple] = (2, 2, 2)
    rank = 3
    layout = VOLUME


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
