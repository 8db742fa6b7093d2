"""Torch lowerings of DepthwiseConv1D/2D and SeparableConv1D/2D, on the convolutions' padding
(`conv.Windowed`: Keras' `same` padding, asymmetric where Keras' is).

A depthwise convolution is torch's grouped convolution with one group per channel,
`nn.Conv1d/2d(c, c * m, groups=c)`: torch's output channel `i * m + j` reads input channel i, as
TensorFlow's depthwise convolution. Keras' `depthwise_kernel` (*k, c, m) is torch's weight
(c * m, 1, *k). torch takes strides and dilation together, as Keras does for these kinds.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from typing_extensions import override

from ....layers import separable
from ..lowering import LOWERINGS, Arrays, permuted, renamed
from ..runtime import nn
from .conv import Windowed, kernel_to_keras, kernel_to_torch

DEPTHWISE_ARGUMENTS: tuple[str, ...] = (
    "kernel_size",
    "strides",
    "padding",
    "depth_multiplier",
    "dilation_rate",
    "activation",
    "use_bias",
)


def depthwise_to_torch(a: Any) -> Any:
    """Keras' depthwise kernel (*k, c, m) as torch's grouped weight (c * m, 1, *k)."""
    n = a.ndim - 2
    *kernel, c, m = a.shape
    return permuted(a, (n, n + 1, *range(n))).reshape(c * m, 1, *kernel)


def depthwise_to_keras(a: Any, multiplier: int) -> Any:
    """torch's grouped weight (c * m, 1, *k) as Keras' depthwise kernel (*k, c, m)."""
    out, _, *kernel = a.shape
    n = len(kernel)
    return permuted(a.reshape(out // multiplier, multiplier, *kernel), (*range(2, n + 2), 0, 1))


@LOWERINGS.register(separable.DepthwiseConv1D, separable.DepthwiseConv2D)
class DepthwiseConv(Windowed):
    """`nn.Conv1d/2d(c, c * depth_multiplier, groups=c)`."""

    arguments = DEPTHWISE_ARGUMENTS

    def depthwise(self, bias: bool) -> Any:
        """The grouped convolution of the depthwise step, with Keras' padding as `Windowed` computed it."""
        channels = self.site.shape[-1]
        return (nn.Conv1d, nn.Conv2d)[self.layer.rank - 1](
            channels,
            channels * self.layer.depth_multiplier,
            self.kernel,
            self.stride,
            self.padding,
            self.dilation,
            groups=channels,
            bias=bias,
        )

    @override
    def module(self) -> Any:
        return self.depthwise(self.layer.use_bias)

    @override
    def to_torch(self, weights: Arrays) -> Arrays:
        return renamed(
            {"depthwise_kernel": "weight", "bias": "bias"},
            weights,
            lambda name, a: depthwise_to_torch(a) if name == "depthwise_kernel" else a,
        )

    @override
    def to_keras(self, params: Arrays) -> Arrays:
        m = self.layer.depth_multiplier
        return renamed(
            {"weight": "depthwise_kernel", "bias": "bias"},
            params,
            lambda name, a: depthwise_to_keras(a, m) if name == "weight" else a,
        )


@LOWERINGS.register(separable.SeparableConv1D, separable.SeparableConv2D)
class SeparableConv(DepthwiseConv):
    """`nn.Sequential(depthwise=<the depthwise convolution, no bias>, pointwise=<a 1x1 convolution
    to filters, with the bias>)`, as Keras computes it (TensorFlow's `separable_conv2d`)."""

    arguments = ("filters", *DEPTHWISE_ARGUMENTS)

    @override
    def module(self) -> Any:
        conv = (nn.Conv1d, nn.Conv2d)[self.layer.rank - 1]
        pointwise = conv(
            self.site.shape[-1] * self.layer.depth_multiplier,
            self.layer.filters,
            1,
            bias=self.layer.use_bias,
        )
        return nn.Sequential(OrderedDict(depthwise=self.depthwise(False), pointwise=pointwise))

    @override
    def to_torch(self, weights: Arrays) -> Arrays:
        convert = {"depthwise_kernel": depthwise_to_torch, "pointwise_kernel": kernel_to_torch}
        names = {
            "depthwise_kernel": "depthwise.weight",
            "pointwise_kernel": "pointwise.weight",
            "bias": "pointwise.bias",
        }
        return renamed(names, weights, lambda name, a: convert.get(name, _same)(a))

    @override
    def to_keras(self, params: Arrays) -> Arrays:
        m = self.layer.depth_multiplier
        names = {
            "depthwise.weight": "depthwise_kernel",
            "pointwise.weight": "pointwise_kernel",
            "pointwise.bias": "bias",
        }
        convert = {
            "depthwise.weight": lambda a: depthwise_to_keras(a, m),
            "pointwise.weight": kernel_to_keras,
        }
        return renamed(names, params, lambda name, a: convert.get(name, _same)(a))


def _same(a: Any) -> Any:
    return a
