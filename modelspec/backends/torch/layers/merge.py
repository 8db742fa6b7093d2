"""Torch lowerings of the merging kinds, inline: the element-wise ones, Concatenate and Dot."""

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


@LOWERINGS.register(merge.Dot)
class Dot(Lowering):
    """One `torch.einsum` summing the two axes (Keras' `batch_dot`: x's other axes, then y's);
    with `normalize`, each input first times `clamp(rsqrt(sum(x**2)), max=1e7)` along its axis, as
    Keras' `ops.normalize`. A result of the batch alone is made (batch, 1), as Keras does."""

    arguments = ("axes", "normalize")

    @override
    def emit(self, e: Emitter, x: Any, y: Any) -> Any:
        shapes = [t.shape for t in self.site.inputs]
        a, b = self.layer.batch_axes(*shapes)
        if self.layer.normalize:
            x, y = (self._normalized(e, v, axis) for v, axis in ((x, a), (y, b)))
        letters = iter("bcdefghijklmnopqrstuvwxyz")
        xs = ["a"] + [next(letters) for _ in shapes[0]]
        ys = ["a"] + [next(letters) for _ in shapes[1]]
        ys[b] = xs[a]
        kept = [c for c in xs if c != xs[a]] + [c for c in ys[1:] if c != xs[a]]
        out = e.fn(torch.einsum, f"{''.join(xs)},{''.join(ys)}->{''.join(kept)}", x, y)
        return e.method(out, "unsqueeze", 1) if len(kept) == 1 else out

    @staticmethod
    def _normalized(e: Emitter, x: Any, axis: int) -> Any:
        squares = e.fn(torch.sum, e.fn(torch.square, x), dim=axis, keepdim=True)
        return e.fn(operator.mul, x, e.fn(torch.clamp, e.fn(torch.rsqrt, squares), max=1e7))
