"""Torch lowerings of the merging kinds, inline: the element-wise ones, Concatenate and Dot."""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import reduce
from typing import Any

from typing_extensions import override

from ....layers import merge
from ..lowering import ANY, LOWERINGS, Emitter, Lowering, spread
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
    broadcasting, in whichever layout the inputs share. The output's mask is the OR of the
    inputs' (the core gives it one only when every input has one); Maximum, Minimum and Multiply
    read the masks as Keras' merges do (`_masked_extremum`, `_masked_product`)."""

    layout = ANY

    @override
    def mask(self, e: Emitter, *xs: Any) -> Any:
        return reduce(lambda a, b: e.fn(torch.logical_or, a, b), e.masks)

    @override
    def emit(self, e: Emitter, *xs: Any) -> Any:
        op = next(op for kind, op in CHAINED.items() if isinstance(self.layer, kind))
        keeps = [None if m is None else spread(e, m) for m in e.masks]
        if any(k is not None for k in keeps) and isinstance(self.layer, merge.Multiply):
            return self._masked_product(e, xs, keeps)
        if any(k is not None for k in keeps) and op in (torch.maximum, torch.minimum):
            return self._masked_extremum(e, op, xs, keeps)
        out = reduce(lambda a, b: e.fn(op, a, b), xs)
        return (
            e.fn(operator.truediv, out, len(xs)) if isinstance(self.layer, merge.Average) else out
        )

    @staticmethod
    def _masked_product(e: Emitter, xs: tuple[Any, ...], keeps: list[Any]) -> Any:
        """Keras' Multiply: a masked position counts as 1; where every input has a mask, the
        product is 0 where all are masked."""
        factors = [x if k is None else e.fn(torch.where, k, x, 1.0) for x, k in zip(xs, keeps)]
        out = reduce(lambda a, b: e.fn(operator.mul, a, b), factors)
        return out if e.mask is None else e.fn(torch.where, spread(e, e.mask), out, 0.0)

    @staticmethod
    def _masked_extremum(e: Emitter, op: Any, xs: tuple[Any, ...], keeps: list[Any]) -> Any:
        """Keras' `_apply_merge_op_and_or_mask`, step by step: a masked position of an input takes
        the running result, one of the running result (while every input so far has a mask)
        takes the input's value, and the running mask is the OR of those masks."""
        out, running = xs[0], keeps[0]
        for x, keep in zip(xs[1:], keeps[1:]):
            if keep is not None:
                x = e.fn(torch.where, keep, x, out)
            if running is not None:
                out = e.fn(torch.where, running, out, x)
            both = keep is not None and running is not None
            running = e.fn(torch.logical_or, running, keep) if both else None
            out = e.fn(op, out, x)
        return out


@LOWERINGS.register(merge.Concatenate)
class Concatenate(Lowering):
    """`torch.cat` along the torch dimension that holds Keras' `axis`, in any layout. The mask
    (Keras' `Concatenate.compute_mask`): an unmasked input counts as all true; along the
    channels the OR of the inputs' masks, along another axis their concatenation."""

    layout = ANY
    arguments = ("axis",)

    @override
    def mask(self, e: Emitter, *xs: Any) -> Any:
        masks = []
        for x, m in zip(xs, e.masks):
            if m is None:  # all true, of the input's shape without the channels
                m = e.fn(torch.ones_like, e.method(x, "select", e.dim(-1), 0), dtype=torch.bool)
            masks.append(m)
        rank = len(self.site.shape) + 1
        axis = self.layer.axis % rank  # the batch is 0; a mask has every axis but the channels
        if axis == rank - 1:
            return reduce(lambda a, b: e.fn(torch.logical_or, a, b), masks)
        return e.fn(torch.cat, masks, dim=axis)

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
