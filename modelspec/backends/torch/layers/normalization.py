"""Torch lowerings of BatchNormalization, LayerNormalization, GroupNormalization (Keras'
semantics: `modules.py`, `GroupNorm` below) and UnitNormalization (inline).

BatchNormalization and GroupNormalization normalise torch dim 1, the channels of channels-first
data: when `axis` is the last (the channels) their input comes channels-first; another axis is
moved to dim 1 and back, in whichever layout the input has. LayerNormalization normalises the
last axes: its axes (in their positions' order) are moved there first when they are not.
"""

from __future__ import annotations

from typing import Any, ClassVar

from typing_extensions import override

from ....layers import normalization
from ..functions import unit_normalize
from ..lowering import (
    ANY,
    CHANNELS_FIRST,
    CHANNELS_LAST,
    LOWERINGS,
    Arrays,
    Emitter,
    Lowering,
    renamed,
    spread,
)
from ..modules import BatchNorm, LayerNorm
from ..runtime import F, nn, torch


class GroupNorm(nn.Module):
    """Keras' GroupNormalization over channel axis 1: `F.group_norm`, gamma and beta each optional
    (torch's `nn.GroupNorm` has both or neither)."""

    def __init__(
        self, groups: int, channels: int, epsilon: float, center: bool, scale: bool
    ) -> None:
        super().__init__()
        self.groups, self.epsilon = groups, epsilon
        self.weight = nn.Parameter(torch.ones(channels)) if scale else None
        self.bias = nn.Parameter(torch.zeros(channels)) if center else None

    @override
    def extra_repr(self) -> str:
        return f"groups={self.groups}, epsilon={self.epsilon}"

    def forward(self, x: Any) -> Any:
        """x (batch, channels, ...) -> the same shape."""
        return F.group_norm(x, self.groups, self.weight, self.bias, self.epsilon)


class _Normalization(Lowering):
    arguments: ClassVar[tuple[str, ...]] = ("axis", "epsilon", "center", "scale")
    names: ClassVar[dict[str, str]] = {"gamma": "weight", "beta": "bias"}

    @property
    def rank(self) -> int:
        """The input's rank, batch included."""
        return len(self.site.shape) + 1

    def as_keras_rounds(self, e: Emitter, out: Any) -> Any:
        """`out` (float32) as Keras returns it for this input: its Layer- and
        GroupNormalization turn autocast off and compute in at least float32, then round the
        result to the input's float dtype before casting it to float32, so a float16 input's
        result is rounded to float16."""
        if self.site.inputs[0].dtype != "float16":
            return out
        return e.method(e.method(out, "to", torch.float16), "to", torch.float32)

    @override
    def to_torch(self, weights: Arrays) -> Arrays:
        return renamed(self.names, weights)

    @override
    def to_keras(self, params: Arrays) -> Arrays:
        return renamed({v: k for k, v in self.names.items()}, params)


class _OnChannels(_Normalization):
    """A module that normalises torch dim 1: the input comes channels-first when the axis is the
    channels, and is moved otherwise. A kind that reads a mask (BatchNormalization, in training)
    gets it as the module's second argument, with a size-1 channel axis, moved alike."""

    def __init__(self, layer: Any, site: Any) -> None:
        super().__init__(layer, site)
        self.layout = CHANNELS_FIRST if self.axis == self.rank - 1 else ANY

    @property
    def axis(self) -> int:
        """The normalised axis, counted with the batch as 0."""
        return int(self.layer.axis) % self.rank

    def channels(self) -> int:
        """The normalised axis' length."""
        size = self.site.shape[self.axis - 1]
        assert size is not None  # the core refuses an unknown size along the axis
        return size

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        # BatchNormalization's training statistics (GroupNormalization reads no mask)
        keep = None if e.masks[0] is None else spread(e, e.masks[0])
        if e.dim(self.axis) == 1:
            return e.module(x) if keep is None else e.module(x, keep)
        x = e.method(x, "movedim", e.dim(self.axis), 1)
        if keep is not None:
            keep = e.method(keep, "movedim", e.dim(self.axis), 1)
        moved = e.module(x) if keep is None else e.module(x, keep)
        return e.method(moved, "movedim", 1, e.dim(self.axis))


@LOWERINGS.register(normalization.BatchNormalization)
class BatchNormalization(_OnChannels):
    """`BatchNorm` (Keras' moving statistics and momentum) over the axis."""

    arguments: ClassVar[tuple[str, ...]] = (*_Normalization.arguments, "momentum")
    names: ClassVar[dict[str, str]] = {
        **_Normalization.names,
        "moving_mean": "running_mean",
        "moving_variance": "running_var",
    }

    @override
    def module(self) -> Any:
        cfg = self.layer
        return BatchNorm(self.channels(), cfg.momentum, cfg.epsilon, cfg.center, cfg.scale)


@LOWERINGS.register(normalization.GroupNormalization)
class GroupNormalization(_OnChannels):
    """`GroupNorm`: `F.group_norm` reduces a group's channels and every other non-batch axis, as
    Keras' reshape into (..., groups, channels // groups) does."""

    arguments: ClassVar[tuple[str, ...]] = (*_Normalization.arguments, "groups")

    @override
    def module(self) -> Any:
        cfg = self.layer
        groups = cfg.group_count(self.site.shape)
        return GroupNorm(groups, self.channels(), cfg.epsilon, cfg.center, cfg.scale)

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        return self.as_keras_rounds(e, super().emit(e, x))


@LOWERINGS.register(normalization.LayerNormalization)
class LayerNormalization(_Normalization):
    """`LayerNorm` over the last axes, the normalised ones moved there (in their positions'
    order) when they are not. Keras' gamma and beta, shaped by the axes in Keras' sorted order,
    are reshaped to the positions' order, as Keras reshapes them to compute."""

    layout = CHANNELS_LAST

    @property
    def positions(self) -> list[int]:
        """The normalised axes, counted with the batch as 0, in the order of the positions."""
        return sorted(self.layer.positions(self.site.shape))

    @property
    def trailing(self) -> list[int]:
        """Where the normalised axes sit once moved to the end."""
        return list(range(self.rank - len(self.positions), self.rank))

    def shape(self) -> tuple[int, ...]:
        """The normalised axes' lengths in their positions' order (torch's weight shape)."""
        return tuple(self.site.shape[p - 1] for p in self.positions)  # type: ignore[misc]

    @override
    def module(self) -> Any:
        return LayerNorm(self.shape(), self.layer.epsilon, self.layer.center, self.layer.scale)

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        positions, trailing = self.positions, self.trailing
        if positions == trailing:
            return self.as_keras_rounds(e, e.module(x))
        if len(positions) == 1:
            positions, trailing = positions[0], trailing[0]  # type: ignore[assignment]
        moved = e.module(e.method(x, "movedim", positions, trailing))
        return self.as_keras_rounds(e, e.method(moved, "movedim", trailing, positions))

    @override
    def to_torch(self, weights: Arrays) -> Arrays:
        return renamed(self.names, weights, lambda _, a: a.reshape(self.shape()))

    @override
    def to_keras(self, params: Arrays) -> Arrays:
        keras_shape = self.layer.weight_shape(self.site.shape)
        back = {v: k for k, v in self.names.items()}
        return renamed(back, params, lambda _, a: a.reshape(keras_shape))


@LOWERINGS.register(normalization.UnitNormalization)
class UnitNormalization(Lowering):
    """`functions.unit_normalize` over the axes, wherever they are in the input's layout."""

    layout = ANY
    arguments = ("axis",)

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        dims = tuple(e.dim(p) for p in self.layer.positions(self.site.shape))
        return e.fn(unit_normalize, x, dims)
