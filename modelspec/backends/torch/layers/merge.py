"""Torch lowerings of the merging kinds: Add, Subtract, Multiply, Average, Concatenate (inline)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import reduce
from typing import Any, ClassVar

from typing_extensions import override

from ....layers import merge
from ..lowering import ANY, LOWERINGS, Emitter, Lowering
from ..runtime import torch


class _Chain(Lowering):
    """`x1 op x2 op ...`, element-wise with broadcasting, in whichever layout the inputs share."""

    layout = ANY
    op: ClassVar[Callable[..., Any]] = operator.add

    @override
    def emit(self, e: Emitter, *xs: Any) -> Any:
        return reduce(lambda a, b: e.fn(type(self).op, a, b), xs)


@LOWERINGS.register(merge.Add)
class Add(_Chain):
    """`x1 + x2 + ...`."""

    op = operator.add


@LOWERINGS.register(merge.Subtract)
class Subtract(_Chain):
    """`x1 - x2`."""

    op = operator.sub


@LOWERINGS.register(merge.Multiply)
class Multiply(_Chain):
    """`x1 * x2 * ...`."""

    op = operator.mul


@LOWERINGS.register(merge.Average)
class Average(_Chain):
    """The sum divided by the number of inputs."""

    @override
    def emit(self, e: Emitter, *xs: Any) -> Any:
        return e.fn(operator.truediv, super().emit(e, *xs), len(xs))


@LOWERINGS.register(merge.Maximum)
class Maximum(_Chain):
    """`torch.maximum` of the first two, then of that and the next, ..."""

    op = torch.maximum


@LOWERINGS.register(merge.Minimum)
class Minimum(_Chain):
    """`torch.minimum`, chained as Maximum."""

    op = torch.minimum


@LOWERINGS.register(merge.Concatenate)
class Concatenate(Lowering):
    """`torch.cat` along the torch dimension that holds Keras' `axis`, in any layout."""

    layout = ANY
    arguments = ("axis",)

    @override
    def emit(self, e: Emitter, *xs: Any) -> Any:
        return e.fn(torch.cat, list(xs), dim=e.dim(self.layer.axis))
