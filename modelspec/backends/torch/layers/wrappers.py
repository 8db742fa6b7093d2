"""Torch lowering of TimeDistributed: the wrapped kind's own lowering, the steps folded into the batch."""

from __future__ import annotations

from typing import Any

from typing_extensions import override

from ....graph import TensorType
from ....layers import wrappers
from ..lowering import CHANNELS_FIRST, LOWERINGS, Arrays, Emitter, Lowering, Site, lowering_for


def _step(t: TensorType) -> TensorType:
    return TensorType(t.shape[1:], t.dtype)


@LOWERINGS.register(wrappers.TimeDistributed)
class TimeDistributed(Lowering):
    """(batch, steps, ...) -> `flatten(0, 1)` -> the wrapped layer's computation on (batch *
    steps, ...) -> `unflatten(0, (batch, -1))`: what Keras computes step by step, in one call.
    The submodule and its weights are the wrapped layer's."""

    arguments = ("layer",)

    def __init__(self, layer: Any, site: Site) -> None:
        super().__init__(layer, site)
        self.step = Site(site.name, [_step(t) for t in site.inputs], _step(site.output))
        self.inner = lowering_for(layer.layer, self.step)

    @override
    def module(self) -> Any:
        return self.inner.module()

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        batch = e.method(x, "size", 0)
        folded = e.method(x, "flatten", 0, 1)
        layout = CHANNELS_FIRST if self.inner.layout == CHANNELS_FIRST else e.layout
        step_rank = len(self.step.shape) + 1
        if layout == CHANNELS_FIRST and step_rank > 2:
            folded = e.method(folded, "permute", 0, step_rank - 1, *range(1, step_rank - 1))
        out = self.inner.emit(e.framed(self.step, layout), folded)
        out_rank = len(self.step.output.shape) + 1
        if layout == CHANNELS_FIRST and out_rank > 2:
            out = e.method(out, "permute", 0, *range(2, out_rank), 1)
        return e.method(out, "unflatten", 0, (batch, -1))

    @override
    def to_torch(self, weights: Arrays) -> Arrays:
        return self.inner.to_torch(weights)

    @override
    def to_keras(self, params: Arrays) -> Arrays:
        return self.inner.to_keras(params)
