"""Torch lowerings of the pooling kinds (channels-first inside; global pooling in any layout).

Max pooling pads with -inf; average pooling divides by the number of real cells
(`functions.avg_pool_same`), as Keras does with `padding="same"`.
"""

from __future__ import annotations

import operator
from typing import Any

from typing_extensions import override

from ....layers import pooling
from ..functions import avg_pool_same, pad_sizes
from ..lowering import ANY, CHANNELS_FIRST, LOWERINGS, Emitter, Lowering, Site, ntuple, spread
from ..runtime import F, torch
from .conv import pre_pad, same_padding


class _Pooling(Lowering):
    layout = CHANNELS_FIRST
    arguments = ("pool_size", "strides", "padding")

    def __init__(self, layer: Any, site: Site) -> None:
        super().__init__(layer, site)
        n = layer.rank
        self.kernel = ntuple(layer.pool_size, n)
        self.stride = ntuple(layer.strides, n) if layer.strides is not None else self.kernel
        self.ones = (1,) * n
        _, self.pre = same_padding(
            site.shape[:-1], self.kernel, self.stride, self.ones, layer.padding
        )
        if (
            self.pre is None and layer.padding == "same"
        ):  # symmetric: still explicit, pooling pads differently
            self.pre = pad_sizes(site.shape[:-1], self.kernel, self.stride, self.ones)

    @property
    def padded(self) -> bool:
        return not (self.pre is None or (self.pre != "dynamic" and not any(self.pre)))


@LOWERINGS.register(pooling.MaxPooling1D, pooling.MaxPooling2D, pooling.MaxPooling3D)
class MaxPooling(_Pooling):
    """`max_pool1d/2d/3d`, `same` padding done first with -inf (Keras pads max pooling so)."""

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        function = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[self.layer.rank - 1]
        x = pre_pad(e, x, self.pre, self.kernel, self.stride, self.ones, value=float("-inf"))
        return e.fn(function, x, kernel_size=self.kernel, stride=self.stride)


@LOWERINGS.register(pooling.AveragePooling1D, pooling.AveragePooling2D, pooling.AveragePooling3D)
class AveragePooling(_Pooling):
    """`avg_pool1d/2d/3d`; with padding, `avg_pool_same`, which divides by the real cells."""

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        if not self.padded:
            function = (F.avg_pool1d, F.avg_pool2d, F.avg_pool3d)[self.layer.rank - 1]
            return e.fn(function, x, kernel_size=self.kernel, stride=self.stride)
        pads = None if self.pre == "dynamic" else list(self.pre)
        return e.fn(avg_pool_same, x, self.kernel, self.stride, pads)


@LOWERINGS.register(
    pooling.GlobalAveragePooling1D, pooling.GlobalAveragePooling2D, pooling.GlobalAveragePooling3D
)
class GlobalAveragePooling(Lowering):
    """The mean over the spatial dimensions, in any layout (`keepdims` kept as size-1 axes)."""

    layout = ANY
    arguments = ("keepdims",)
    method = "mean"

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        if e.masks[0] is not None:  # GlobalAveragePooling1D's (the only kind here to read one)
            return self._masked_mean(e, x, spread(e, e.masks[0]))
        return e.method(x, self.method, e.spatial(), keepdim=self.layer.keepdims)

    def _masked_mean(self, e: Emitter, x: Any, keep: Any) -> Any:
        """Keras' `sum(where(mask, x, 0)) / sum(mask)` over the steps (NaN where none is left)."""
        steps, keepdim = e.spatial(), self.layer.keepdims
        total = e.method(e.fn(torch.where, keep, x, 0.0), "sum", steps, keepdim=keepdim)
        weights = e.method(keep, "to", getattr(torch, self.site.inputs[0].dtype))
        count = e.method(weights, "sum", steps, keepdim=keepdim)
        return e.fn(operator.truediv, total, count)


@LOWERINGS.register(
    pooling.GlobalMaxPooling1D, pooling.GlobalMaxPooling2D, pooling.GlobalMaxPooling3D
)
class GlobalMaxPooling(GlobalAveragePooling):
    """The maximum (`amax`) over the spatial dimensions, in any layout (over every step even
    where a mask arrives: Keras' GlobalMaxPooling1D drops masks)."""

    method = "amax"
