"""Normalization: BatchNormalization, LayerNormalization, GroupNormalization, UnitNormalization.

Each normalises along `axis` (counted with the batch as 0, -1 the last: by default the
channels). The first three learn a scale `gamma` and an offset `beta` (with `scale` and
`center`); BatchNormalization also keeps moving statistics, which Keras counts as non-trainable
parameters (torch holds them as buffers). Keras' sources: `keras/src/layers/normalization/`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator
from typing_extensions import override

from ..params import P
from .base import Layer, Shape, ShapeError, Weight, format_shape, known_dim, register
from .dtypes import ALL_DTYPES
from .options import MovingOptions, NormalizationOptions, declared

Positive = Annotated[float, Field(gt=0)]
Axes = P[int] | Annotated[tuple[P[int], ...], Field(min_length=1)]  # one axis, or a list of them


def axis_positions(layer: Layer, x: Shape, axes: tuple[int, ...], what: str = "axis") -> list[int]:
    """`axes` counted with the batch as 0 (a negative one from the end), in the order given;
    `ShapeError` for the batch, an axis out of range or the same axis twice."""
    rank = len(x) + 1
    if any(not -rank < a < rank for a in axes) or any(a % rank == 0 for a in axes):
        shown = axes[0] if len(axes) == 1 else list(axes)
        raise ShapeError(
            f"{layer.type} {what} {shown} is out of range for input {format_shape(x)} "
            f"(axes 1..{len(x)} or -1..-{len(x)}; 0 is the batch)"
        )
    positions = [a % rank for a in axes]
    if len(set(positions)) < len(positions):
        raise ShapeError(f"{layer.type} {what} {list(axes)} names an axis twice")
    return positions


def _as_axes(value: int | tuple[int, ...]) -> tuple[int, ...]:
    return (value,) if isinstance(value, int) else tuple(value)


class _Normalization(Layer, NormalizationOptions):
    axis: P[int] = -1
    epsilon: P[Positive] = 1e-3
    center: P[bool] = True
    scale: P[bool] = True
    has_weights = True
    supports_masking = True  # a mask passes on

    @override
    def output_shape(self, x: Shape) -> Shape:
        self.weight_shape(x)
        return x

    def weight_shape(self, x: Shape) -> tuple[int, ...]:
        """The shape of `gamma` and `beta`: the normalised axis' length; `ShapeError` if the axis
        is out of range or its length unknown."""
        (position,) = axis_positions(self, x, (self.axis,))
        return (known_dim(self, x[position - 1], f"size along axis {self.axis}"),)

    def weights(self, x: Shape) -> dict[str, Weight]:
        """`gamma` (with `scale`) and `beta` (with `center`), of `weight_shape`."""
        shape = self.weight_shape(x)
        out = {}
        if self.scale:
            out["gamma"] = declared(self, "gamma", shape)
        if self.center:
            out["beta"] = declared(self, "beta", shape)
        return out


@register
class BatchNormalization(_Normalization, MovingOptions):
    """`gamma * (x - mean) / sqrt(var + epsilon) + beta` with batch statistics in training and
    moving ones (`moving = momentum * moving + (1 - momentum) * batch`) in inference. `axis` is
    one axis: Keras 3's layer takes `int(axis)` (a list is a TypeError there)."""

    type: Literal["BatchNormalization"] = "BatchNormalization"
    input_dtypes = ALL_DTYPES
    momentum: P[Annotated[float, Field(ge=0, le=1)]] = 0.99
    reads_mask = True  # in training, the batch statistics are those of the unmasked steps

    def weights(self, x: Shape) -> dict[str, Weight]:
        """`gamma` and `beta` as LayerNormalization's, and the non-trainable `moving_mean` (zeros) and
        `moving_variance` (ones), each of the normalised axis' size.
        """
        shape = self.weight_shape(x)
        stats = {
            "moving_mean": declared(self, "moving_mean", shape, trainable=False),
            "moving_variance": declared(self, "moving_variance", shape, trainable=False),
        }
        return {**super().weights(x), **stats}


@register
class LayerNormalization(_Normalization):
    """`gamma * (x - mean) / sqrt(var + epsilon) + beta`, statistics of each sample over `axis`,
    one axis or a list. Keras sorts the list as written (`sorted([-1, 1])` is `[-1, 1]`) and
    gives `gamma` and `beta` the lengths of the axes in that order (`axis=[-1, 1]` on (4, 5, 3):
    (3, 4)), reshaped to the axes' positions when it computes."""

    type: Literal["LayerNormalization"] = "LayerNormalization"
    axis: Axes = -1  # type: ignore[assignment]

    def positions(self, x: Shape) -> list[int]:
        """The normalised axes, counted with the batch as 0, in Keras' (sorted) order."""
        return axis_positions(self, x, tuple(sorted(_as_axes(self.axis))))

    @override
    def weight_shape(self, x: Shape) -> tuple[int, ...]:
        return tuple(known_dim(self, x[p - 1], f"size along axis {p}") for p in self.positions(x))


@register
class GroupNormalization(_Normalization):
    """The channels of `axis` in `groups` groups of equal size; each sample's values of a group
    (every other axis but the batch) normalised together: `gamma * (x - mean) / sqrt(var +
    epsilon) + beta`, `gamma` and `beta` per channel. `groups=-1`: one channel per group
    (instance normalization). Keras' default is 32 groups."""

    type: Literal["GroupNormalization"] = "GroupNormalization"
    groups: P[Annotated[int, Field(ge=-1)]] = 32

    @field_validator("groups")
    @classmethod
    def _positive_or_instance(cls, value: int) -> int:
        if value == 0:
            raise ValueError("groups must be a positive integer, or -1 for instance normalization")
        return value

    def group_count(self, x: Shape) -> int:
        """The number of groups (`groups`, the channels for -1); `ShapeError` unless it divides
        the channels."""
        (channels,) = self.weight_shape(x)
        groups = channels if self.groups == -1 else self.groups
        if channels % groups:
            raise ShapeError(
                f"GroupNormalization groups={groups} must divide the {channels} channels along "
                f"axis {self.axis} of input {format_shape(x)}"
            )
        return groups

    @override
    def output_shape(self, x: Shape) -> Shape:
        self.group_count(x)
        return x


@register
class UnitNormalization(Layer):
    """`x / max(||x||, 1e-12)`, the L2 norm over `axis` (one axis or a list), computed as Keras
    does: `x * min(rsqrt(sum(x^2)), 1e12)`. No weights."""

    type: Literal["UnitNormalization"] = "UnitNormalization"
    axis: Axes = -1
    supports_masking = True  # a mask passes on

    def positions(self, x: Shape) -> list[int]:
        """The axes of the norm, counted with the batch as 0."""
        return axis_positions(self, x, _as_axes(self.axis))

    @override
    def output_shape(self, x: Shape) -> Shape:
        self.positions(x)
        return x
