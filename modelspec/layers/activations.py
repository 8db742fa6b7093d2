"""Activations as layers, with their arguments: ReLU, LeakyReLU, ELU, Softmax, PReLU (`keras.layers`).

Element-wise (Softmax: along `axis`), any input shape, output of the input's shape; a mask
passes on (Softmax refuses one). Keras' formulas: `keras.activations.relu` (threshold, clipping
at `max_value`, `negative_slope` below the threshold), `leaky_relu`, `elu`, `softmax`; PReLU's
`relu(x) - alpha * relu(-x)` with a learned `alpha` (`keras/src/layers/activations/prelu.py`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, PositiveInt, field_validator
from typing_extensions import override

from ..params import P
from .base import (
    Layer,
    Shape,
    ShapeError,
    Weight,
    format_shape,
    refuse_mask,
    register,
)
from .dtypes import NUMBER_DTYPES
from .options import AlphaOptions, declared

NonNegative = Annotated[float, Field(ge=0)]


class _Elementwise(Layer):
    supports_masking = True  # a mask passes on
    min_rank = 0  # element-wise: one number per sample too

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
    input_dtypes = NUMBER_DTYPES
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
    reads_mask = True

    @override
    def compute_mask(self, masks: tuple[bool, ...], x: Shape) -> bool:
        if masks[0]:  # Keras 3.15: "The `mask` must be broadcastable to `inputs`" at run time
            refuse_mask(
                self,
                "Keras' Softmax applies a mask along its own axis, broadcast from the last "
                "axis (a step mask does not fit there: Keras fails at run time); use "
                "Activation(softmax), which passes the mask on",
            )
        return False

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


@register
class PReLU(_Elementwise, AlphaOptions):
    """x for x >= 0, `alpha * x` below, with `alpha` learned: one value per input cell, shared
    along `shared_axes` (counted from 1, the batch being 0). Keras' `alpha` has the input's shape
    with a 1 on each shared axis: `shared_axes=[1, 2]` on (height, width, channels) learns
    (1, 1, channels); `alpha_initializer` is Keras' default, zeros (the layer starts as a relu).
    """

    type: Literal["PReLU"] = "PReLU"
    shared_axes: tuple[PositiveInt, ...] | None = None
    has_weights = True

    @field_validator("shared_axes", mode="before")
    @classmethod
    def _one_axis_is_a_list(cls, value: object) -> object:
        # Keras takes one axis as itself; negative axes are refused by PositiveInt, since Keras
        # writes a 1 at `shape[axis - 1]`: -1 would share the second last axis, not the last.
        return [value] if isinstance(value, int) else value

    @override
    def output_shape(self, x: Shape) -> Shape:
        self.weights(x)
        return x

    def weights(self, x: Shape) -> dict[str, Weight]:
        """`alpha`, of the input's shape with 1 on each shared axis; `ShapeError` for an axis
        beyond the input's rank or an unshared axis of unknown length."""
        shared = set(self.shared_axes or ())
        if shared and max(shared) > len(x):
            raise ShapeError(
                f"PReLU shared_axes {list(self.shared_axes or ())} are out of range for input "
                f"{format_shape(x)} (axes 1..{len(x)}; 0 is the batch)"
            )
        shape = tuple(1 if axis in shared else n for axis, n in enumerate(x, start=1))
        if None in shape:
            raise ShapeError(
                f"PReLU needs a known length on every axis it does not share, got input "
                f"{format_shape(x)} with shared_axes {list(self.shared_axes or ())}"
            )
        return {"alpha": declared(self, "alpha", shape)}  # type: ignore[arg-type]
