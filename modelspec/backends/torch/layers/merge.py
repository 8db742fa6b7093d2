"""Torch lowerings of the merging kinds: Add, Subtract, Multiply, Average, Concatenate (inline)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import reduce
from typing import Any

from typing_extensions import override

from ....layers import merge
from ..lowering import ANY, LOWERINGS, Emitter, Lowering
from ..runtime import torch

# Each element-wise merge is one binary torch operation, chained over the inputs.
CHAINED: dict[type, Callable[..., Any]] = {
    merge.Add: operator.add,
    merge.Subtract: operator.sub,
    merge.Multiply: operator.mul,
    merge.Average: operator.add,  # then divided by the number of inputs
    merge.Maximum: torch.maximum,
    merge.Minimum: torch.minimum,
}


@LOWERINGS.register(*CHAINED)
class Chain(Lowering):
    """`x1 op x2 op ...` (Average: the sum over the number of inputs), element-wise with
    broadcasting, in whichever layout the inputs share."""

    layout = ANY

    @override
    def emit(self, e: Emitter, *xs: Any) -> Any:
        op = next(op for kind, op in CHAINED.items() if isinstance(self.layer, kind))
        out = reduce(lambda a, b: e.fn(op, a, b), xs)
        return (
            e.fn(operator.truediv, out, len(xs)) if isinstance(self.layer, merge.Average) else out
        )


@LOWERINGS.register(merge.Concatenate)
class Concatenate(Lowering):
    """`torch.cat` along the torch dimension that holds Keras' `axis`, in any layout."""

    layout = ANY
    arguments = ("axis",)

    @override
    def emit(self, e: Emitter, *xs: Any) -> Any:
        return e.fn(torch.cat, list(xs), dim=e.dim(self.layer.axis))
