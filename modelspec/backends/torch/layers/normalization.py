"""Torch lowerings of BatchNormalization and LayerNormalization (Keras' semantics: `modules.py`)."""

from __future__ import annotations

from typing import Any, ClassVar

from typing_extensions import override

from ....layers import normalization
from ..lowering import (
    ANY,
    CHANNELS_FIRST,
    CHANNELS_LAST,
    LOWERINGS,
    Arrays,
    Emitter,
    Lowering,
    renamed,
)
from ..modules import BatchNorm, LayerNorm


class _Normalization(Lowering):
    arguments: ClassVar[tuple[str, ...]] = ("axis", "epsilon", "center", "scale")
    names: ClassVar[dict[str, str]] = {"gamma": "weight", "beta": "bias"}

    @property
    def axis(self) -> int:
        """The normalised axis, counted with the batch as 0."""
        return self.layer.axis % self.rank

    @property
    def rank(self) -> int:
        return len(self.site.shape) + 1

    def features(self) -> int:
        size = self.site.shape[self.axis - 1]
        assert size is not None  # the core refuses an unknown size along the axis
        return size

    def to_torch(self, weights: Arrays) -> Arrays:
        return renamed(self.names, weights)

    def to_keras(self, params: Arrays) -> Arrays:
        return renamed({v: k for k, v in self.names.items()}, params)


@LOWERINGS.register(normalization.BatchNormalization)
class BatchNormalization(_Normalization):
    """Normalises torch dim 1: the channels of channels-first data when `axis` is the last (the
    default); another axis is moved to dim 1 and back, in whichever layout its input has."""

    arguments: ClassVar[tuple[str, ...]] = (*_Normalization.arguments, "momentum")
    names: ClassVar[dict[str, str]] = {
        **_Normalization.names,
        "moving_mean": "running_mean",
        "moving_variance": "running_var",
    }

    def __init__(self, layer: Any, site: Any) -> None:
        super().__init__(layer, site)
        self.layout = CHANNELS_FIRST if self.axis == self.rank - 1 else ANY

    @override
    def module(self) -> Any:
        cfg = self.layer
        return BatchNorm(self.features(), cfg.momentum, cfg.epsilon, cfg.center, cfg.scale)

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        if e.dim(self.axis) == 1:
            return e.module(x)
        moved = e.module(e.method(x, "movedim", e.dim(self.axis), 1))
        return e.method(moved, "movedim", 1, e.dim(self.axis))


@LOWERINGS.register(normalization.LayerNormalization)
class LayerNormalization(_Normalization):
    """Normalises the last axis (`axis` moved there first when it is another)."""

    layout = CHANNELS_LAST

    @override
    def module(self) -> Any:
        return LayerNorm(
            (self.features(),), self.layer.epsilon, self.layer.center, self.layer.scale
        )

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        if self.axis == self.rank - 1:
            return e.module(x)
        return e.method(e.module(e.method(x, "movedim", self.axis, -1)), "movedim", -1, self.axis)
