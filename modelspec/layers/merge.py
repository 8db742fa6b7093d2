"""Merges: Concatenate along an axis; Add, Subtract, Multiply, Average, Maximum, Minimum
element-wise; Dot, the dot product along an axis of each of two inputs.

Element-wise merges need inputs of one rank whose dimensions agree, where a 1 broadcasts and
None (unknown) matches anything, as in Keras.

Masks (Keras' `Merge.compute_mask`): an element-wise merge's output carries the OR of its inputs'
masks when every input carries one, else none; Maximum, Minimum and Multiply also read them
(a masked position takes the other inputs' value, or 1 for Multiply). Concatenate's output
carries a mask when any input does (an unmasked input counts as all true). Dot drops them.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from typing_extensions import override

from ..params import P
from .base import Layer, Shape, ShapeError, format_shape, register


@register
class Concatenate(Layer):
    """Joins inputs along `axis` (default the last); every other dimension must agree."""

    type: Literal["Concatenate"] = "Concatenate"
    axis: P[int] = -1
    min_inputs = 2
    max_inputs = None
    supports_masking = True

    @override
    def compute_mask(self, masks: tuple[bool, ...], *inputs: Shape) -> bool:
        return any(masks)

    @override
    def output_shape(self, *inputs: Shape) -> Shape:
        rank = len(inputs[0])
        shapes = lambda: ", ".join(format_shape(s) for s in inputs)
        if any(len(s) != rank for s in inputs):
            raise ShapeError(f"Concatenate needs inputs of one rank, got {shapes()}")
        if not (-rank <= self.axis <= rank) or self.axis == 0:
            raise ShapeError(f"Concatenate axis {self.axis} is out of range for inputs {shapes()}")
        axis = self.axis - 1 if self.axis > 0 else rank + self.axis
        out: list[int | None] = []
        for i in range(rank):
            dims = [s[i] for s in inputs]
            if i == axis:
                out.append(None if None in dims else sum(dims))  # type: ignore[arg-type]
                continue
            known = {d for d in dims if d is not None}
            if len(known) > 1:
                raise ShapeError(
                    f"Concatenate along axis {self.axis} needs the other dimensions "
                    f"to agree, got {shapes()}"
                )
            out.append(known.pop() if known else None)
        return tuple(out)


class _Elementwise(Layer):
    min_inputs = 2
    max_inputs: ClassVar[int | None] = None
    supports_masking = True

    @override
    def compute_mask(self, masks: tuple[bool, ...], *inputs: Shape) -> bool:
        return all(masks)

    def output_shape(self, *inputs: Shape) -> Shape:
        shapes = lambda: " and ".join(format_shape(s) for s in inputs)
        if len({len(s) for s in inputs}) > 1:
            raise ShapeError(f"{self.type} needs inputs of the same rank, got {shapes()}")
        out: list[int | None] = []
        for dims in zip(*inputs):
            known = {d for d in dims if d is not None and d != 1}
            if len(known) > 1:
                raise ShapeError(f"{self.type} needs inputs of the same shape, got {shapes()}")
            if known:
                out.append(known.pop())
            else:
                out.append(None if None in dims else 1)
        return tuple(out)


@register
class Add(_Elementwise):
    """The element-wise sum of its inputs."""

    type: Literal["Add"] = "Add"


@register
class Subtract(_Elementwise):
    """The first input minus the second."""

    type: Literal["Subtract"] = "Subtract"
    min_inputs = 2
    max_inputs = 2


@register
class Multiply(_Elementwise):
    """The element-wise product of its inputs."""

    type: Literal["Multiply"] = "Multiply"
    reads_mask = True


@register
class Average(_Elementwise):
    """The element-wise mean of its inputs."""

    type: Literal["Average"] = "Average"


@register
class Maximum(_Elementwise):
    """The element-wise maximum of its inputs."""

    type: Literal["Maximum"] = "Maximum"
    reads_mask = True


@register
class Minimum(_Elementwise):
    """The element-wise minimum of its inputs."""

    type: Literal["Minimum"] = "Minimum"
    reads_mask = True


@register
class Dot(Layer):
    """The dot product of two inputs along one axis of each (Keras' `batch_dot`).

    `axes` counts the batch as axis 0, as Keras does (which it cannot be): an int for both inputs
    (negative: from the end) or one per input. x (..., n, ...) and y (..., n, ...) -> x's other
    axes then y's other axes, (1,) when none is left. `normalize` L2-normalizes both along the
    axis first (`x * min(rsqrt(sum(x**2)), 1e7)`, Keras' `ops.normalize`): cosine proximity.
    """

    type: Literal["Dot"] = "Dot"
    axes: P[int | tuple[int, int]]
    normalize: P[bool] = False
    min_inputs = 2
    max_inputs = 2
    supports_masking = True  # and drops the masks: Keras' Dot.compute_mask returns None

    @override
    def compute_mask(self, masks: tuple[bool, ...], x: Shape, y: Shape) -> bool:
        return False

    def batch_axes(self, x: Shape, y: Shape) -> tuple[int, int]:
        """The two axes, batch counted as 0 and made non-negative, as `batch_dot` resolves them."""
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        return axes[0] % (len(x) + 1), axes[1] % (len(y) + 1)

    @override
    def output_shape(self, x: Shape, y: Shape) -> Shape:
        if not x or not y:
            raise ShapeError("Dot needs inputs of rank 1 or more (batch excluded)")
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        if any(not (-r - 1 <= a <= r) for a, r in zip(axes, (len(x), len(y)))):
            raise ShapeError(f"Dot axes {self.axes} out of range for {format_shape(x)} and "
                             f"{format_shape(y)} (axes count the batch as 0)")  # fmt: skip
        a, b = self.batch_axes(x, y)
        if 0 in (a, b):
            raise ShapeError(f"Dot axes {self.axes}: the batch axis (0) cannot be summed over")
        if x[a - 1] != y[b - 1]:
            raise ShapeError(f"Dot along axes {self.axes} needs equal sizes there, got "
                             f"{format_shape(x)} and {format_shape(y)}")  # fmt: skip
        out = (*x[: a - 1], *x[a:], *y[: b - 1], *y[b:])
        return out or (1,)
