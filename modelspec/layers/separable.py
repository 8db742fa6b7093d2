"""Depthwise and separable convolutions: DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D,
SeparableConv2D, on the convolutions' window (`conv.Window`: Keras' lengths, channels last).

A depthwise convolution convolves each input channel with its own `depth_multiplier` kernels and
mixes no channels: output channel `i * m + j` comes from input channel i (TensorFlow's
`depthwise_conv2d`). A separable convolution is that, then a 1x1 convolution to `filters`
(`pointwise_kernel`), then the bias. Unlike Conv1D/2D, Keras takes strides and dilation_rate
above 1 together here (keras/src/layers/convolutional/base_depthwise_conv.py,
base_separable_conv.py); none of them takes `causal` padding.
"""

from __future__ import annotations

from typing import Literal

from pydantic import PositiveInt
from typing_extensions import override

from ..params import P
from .base import Activation, Shape, Weight, known_dim, register
from .conv import Axes1D, Axes2D, Ints, Window
from .options import ActivityOptions, BiasOptions, DepthwiseOptions, PointwiseOptions, declared


def depthwise_kernel(layer: Window, x: Shape) -> tuple[int, Weight]:
    """(input channels, the `depthwise_kernel` weight (*kernel_size, channels, depth_multiplier))."""
    channels = known_dim(layer, x[-1], "channel dimension (last axis)")
    shape = (*layer.axes("kernel_size"), channels, layer.depth_multiplier)  # type: ignore[attr-defined]
    return channels, declared(layer, "depthwise_kernel", shape, options="depthwise")


class _Depthwise(Window, DepthwiseOptions, BiasOptions, ActivityOptions):
    """(*spatial, c) -> (*new spatial, c * depth_multiplier); `depthwise_kernel` and bias."""

    kernel_size: P[Ints]
    strides: P[Ints] = 1
    padding: P[Literal["valid", "same"]] = "valid"
    depth_multiplier: P[PositiveInt] = 1
    dilation_rate: P[Ints] = 1
    activation: P[Activation] = "linear"
    use_bias: P[bool] = True

    @override
    def output_channels(self, channels: int) -> int:
        return channels * self.depth_multiplier

    def weights(self, x: Shape) -> dict[str, Weight]:
        """`depthwise_kernel` (*kernel_size, channels, depth_multiplier) and bias
        (channels * depth_multiplier,)."""
        channels, kernel = depthwise_kernel(self, x)
        out = {"depthwise_kernel": kernel}
        if self.use_bias:
            out["bias"] = declared(self, "bias", (self.output_channels(channels),))
        return out


@register
class DepthwiseConv1D(Axes1D, _Depthwise):
    """Depthwise 1-D convolution: (length, c) -> (new_length, c * depth_multiplier).
    Kernel (k, c, depth_multiplier)."""

    type: Literal["DepthwiseConv1D"] = "DepthwiseConv1D"


@register
class DepthwiseConv2D(Axes2D, _Depthwise):
    """Depthwise 2-D convolution: (h, w, c) -> (new_h, new_w, c * depth_multiplier).
    Kernel (kh, kw, c, depth_multiplier)."""

    type: Literal["DepthwiseConv2D"] = "DepthwiseConv2D"


class _Separable(Window, DepthwiseOptions, PointwiseOptions, BiasOptions, ActivityOptions):
    """(*spatial, c) -> (*new spatial, filters): the depthwise step, then the pointwise one."""

    filters: P[PositiveInt]
    kernel_size: P[Ints]
    strides: P[Ints] = 1
    padding: P[Literal["valid", "same"]] = "valid"
    dilation_rate: P[Ints] = 1
    depth_multiplier: P[PositiveInt] = 1
    activation: P[Activation] = "linear"
    use_bias: P[bool] = True

    @override
    def output_channels(self, channels: int) -> int:
        return self.filters

    def weights(self, x: Shape) -> dict[str, Weight]:
        """`depthwise_kernel` (*kernel_size, c, depth_multiplier), `pointwise_kernel`
        (1, ..., c * depth_multiplier, filters) and bias (filters,), in Keras' order."""
        channels, kernel = depthwise_kernel(self, x)
        pointwise = (*(1,) * self.rank, channels * self.depth_multiplier, self.filters)
        pointwise_kernel = declared(self, "pointwise_kernel", pointwise, options="pointwise")
        out = {"depthwise_kernel": kernel, "pointwise_kernel": pointwise_kernel}
        if self.use_bias:
            out["bias"] = declared(self, "bias", (self.filters,))
        return out


@register
class SeparableConv1D(Axes1D, _Separable):
    """Separable 1-D convolution: (length, c) -> (new_length, filters). Kernels (k, c, m) and
    (1, c * m, filters)."""

    type: Literal["SeparableConv1D"] = "SeparableConv1D"


@register
class SeparableConv2D(Axes2D, _Separable):
    """Separable 2-D convolution: (h, w, c) -> (new_h, new_w, filters). Kernels (kh, kw, c, m)
    and (1, 1, c * m, filters)."""

    type: Literal["SeparableConv2D"] = "SeparableConv2D"
