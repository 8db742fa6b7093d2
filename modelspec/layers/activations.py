"""Activations as layers, with their arguments: ReLU, LeakyReLU, ELU, Softmax (`keras.layers`).

Element-wise (Softmax: along `axis`), any input shape, output of the input's shape. Keras'
formulas: `keras.activations.relu` (threshold, clipping at `max_value`, `negative_slope` below
the threshold), `leaky_relu`, `elu`, `softmax`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field
from typing_extensions import override

from ..params import P
from .base import Layer, Shape, ShapeError, format_shape, register

NonNegative = Annotated[float, Field(ge=0)]


class _Elementwise(Layer):
    @override
    def output_shape(self, x: Shape) -> Shape:
        return x


@register
class ReLU(_Elementwise):
    """`max_value` if x >= max_value; x if threshold < x < max_value (up to `max_value`, when
    given); `negative_slope * (x - threshold)` below the threshold (0 at the threshold)."""

    type: Literal["ReLU"] = "ReLU"
    max_value: P[NonNegative] | None = None
    negative_slope: P[NonNegative] = 0.0
    threshold: P[NonNegative] = 0.0


@register
class LeakyReLU(_Elementwise):
    """x for x >= 0, `negative_slope * x` below (Keras 3's default slope is 0.3; the `leaky_relu`
    activation's is 0.2)."""

    type: Literal["LeakyReLU"] = "LeakyReLU"
    negative_slope: P[NonNegative] = 0.3


@register
class ELU(_Elementwise):
    """x for x > 0, `alpha * (exp(x) - 1)` otherwise."""

    type: Literal["ELU"] = "ELU"
    alpha: P[float] = 1.0


@register
class Softmax(_Elementwise):
    """`exp(x) / sum(exp(x))` along `axis` (counted with the batch as 0; -1: the last)."""

    type: Literal["Softmax"] = "Softmax"
    axis: P[int] = -1

    @override
    def final_activation(self) -> str | None:
        # Keras keeps the input as the output's logits (`_keras_logits`) whatever the axis
        return "softmax"

    @override
    def output_shape(self, x: Shape) -> Shape:
        if not -len(x) <= self.axis <= len(x) or self.axis == 0:
            raise ShapeError(
                f"Softmax axis {self.axis} is out of range for input {format_shape(x)} "
                f"(axes 1..{len(x)} or -1..-{len(x)}; 0 is the batch)"
            )
        return x
