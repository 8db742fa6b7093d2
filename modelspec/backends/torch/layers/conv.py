"""Torch lowerings of Conv1D, Conv2D, Conv2DTranspose and DepthwiseConv2D.

Keras' `padding="same"` is honoured for every stride and kernel: symmetric padding goes into the
torch module, asymmetric padding (the odd cell after, as Keras does it) is an explicit `F.pad`
in the generated code, and padding that depends on a length unknown until run time is computed
by `functions.pad_same`.
"""

from __future__ import annotations

import operator
from typing import Any

from typing_extensions import override

from ....layers import conv
from ..functions import pad_same, pad_sizes
from ..lowering import (
    CHANNELS_FIRST,
    LOWERINGS,
    Arrays,
    Emitter,
    Lowering,
    Site,
    ntuple,
    permuted,
    renamed,
)
from ..runtime import F, nn

Padding = tuple[tuple[int, ...], Any]  # (padding for the torch op, None | F.pad list | "dynamic")


def same_padding(
    lengths: tuple[int | None, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    padding: str,
) -> Padding:
    """(padding for the torch op, what to do before it: None, a static F.pad list, or "dynamic")."""
    n = len(kernel)
    if padding == "valid":
        return (0,) * n, None
    if padding == "causal":
        return (0,) * n, [(kernel[0] - 1) * dilation[0], 0]
    pads = pad_sizes(lengths, kernel, stride, dilation)
    if pads is None:
        return (0,) * n, "dynamic"
    before, after = pads[0::2][::-1], pads[1::2][::-1]  # F.pad lists the last axis first
    if before == after:
        return tuple(before), None
    return (0,) * n, pads


def pre_pad(
    e: Emitter,
    x: Any,
    pre: Any,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    value: float = 0.0,
) -> Any:
    """`x` padded as `same_padding` said (nothing, a constant `F.pad`, or `pad_same` at run time)."""
    if pre is None or (pre != "dynamic" and not any(pre)):
        return x
    if pre == "dynamic":
        return e.fn(pad_same, x, kernel, stride, dilation, **({"value": value} if value else {}))
    return e.fn(F.pad, x, tuple(pre), value=value) if value else e.fn(F.pad, x, tuple(pre))


class _Kernel(Lowering):
    """Kernel (*k, in, out) in Keras is torch's weight (out, in, *k); both transposed kinds
    store (*k, out, in) in Keras and (in, out, *k) in torch: the same permutation."""

    layout = CHANNELS_FIRST

    def __init__(self, layer: Any, site: Site) -> None:
        super().__init__(layer, site)
        self.kernel, self.stride = self.axes("kernel_size"), self.axes("strides")
        self.dilation = self.axes("dilation_rate")

    def axes(self, name: str) -> tuple[int, ...]:
        return ntuple(getattr(self.layer, name), self.layer.rank)

    def to_torch(self, weights: Arrays) -> Arrays:
        def convert(name: str, a: Any) -> Any:
            n = a.ndim - 2  # spatial rank
            return permuted(a, (n + 1, n, *range(n))) if name == "kernel" else a

        return renamed({"kernel": "weight", "bias": "bias"}, weights, convert)

    def to_keras(self, params: Arrays) -> Arrays:
        def convert(name: str, a: Any) -> Any:
            n = a.ndim - 2
            return permuted(a, (*range(2, n + 2), 1, 0)) if name == "weight" else a

        return renamed({"weight": "kernel", "bias": "bias"}, params, convert)


@LOWERINGS.register(conv.Conv1D, conv.Conv2D)
class Conv(_Kernel):
    """`nn.Conv1d`/`nn.Conv2d` on channels-first data; `same` and `causal` padding as the
    module docstring says (`causal`: (kernel_size - 1) * dilation_rate cells before, none after).
    """

    arguments = (
        "filters",
        "kernel_size",
        "strides",
        "padding",
        "dilation_rate",
        "activation",
        "use_bias",
    )

    def __init__(self, layer: Any, site: Site) -> None:
        super().__init__(layer, site)
        self.padding, self.pre = same_padding(
            site.shape[:-1], self.kernel, self.stride, self.dilation, layer.padding
        )

    @override
    def module(self) -> Any:
        cls = (nn.Conv1d, nn.Conv2d)[self.layer.rank - 1]
        return cls(
            self.site.shape[-1],
            self.layer.filters,
            self.kernel,
            self.stride,
            self.padding,
            self.dilation,
            bias=self.layer.use_bias,
        )

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        x = pre_pad(e, x, self.pre, self.kernel, self.stride, self.dilation)
        return e.activation(e.module(x), self.layer.activation)


@LOWERINGS.register(conv.DepthwiseConv2D)
class DepthwiseConv2D(Conv):
    """`nn.Conv2d(c, c * m, groups=c)`: torch's output channel `i * m + j` reads input channel i,
    as TensorFlow's depthwise convolution. Keras' kernel (kh, kw, c, m) is torch's weight
    (c * m, 1, kh, kw)."""

    arguments = (
        "kernel_size",
        "strides",
        "padding",
        "depth_multiplier",
        "dilation_rate",
        "activation",
        "use_bias",
    )

    @override
    def module(self) -> Any:
        channels = self.site.shape[-1]
        return nn.Conv2d(
            channels,
            self.site.output.shape[-1],
            self.kernel,
            self.stride,
            self.padding,
            self.dilation,
            groups=channels,
            bias=self.layer.use_bias,
        )

    @override
    def to_torch(self, weights: Arrays) -> Arrays:
        def convert(name: str, a: Any) -> Any:
            if name != "depthwise_kernel":
                return a
            kh, kw, c, m = a.shape
            return permuted(a, (2, 3, 0, 1)).reshape(c * m, 1, kh, kw)

        return renamed({"depthwise_kernel": "weight", "bias": "bias"}, weights, convert)

    @override
    def to_keras(self, params: Arrays) -> Arrays:
        m = self.layer.depth_multiplier

        def convert(name: str, a: Any) -> Any:
            if name != "weight":
                return a
            out, _, kh, kw = a.shape
            return permuted(a.reshape(out // m, m, kh, kw), (2, 3, 0, 1))

        return renamed({"weight": "depthwise_kernel", "bias": "bias"}, params, convert)


@LOWERINGS.register(conv.Conv2DTranspose)
class Conv2DTranspose(_Kernel):
    """Keras' transposed convolution (TensorFlow's conv_transpose with padding SAME or VALID) is
    the window [before, before + out) of the full output, (n - 1) * s + span long with zeros past
    its end: `valid` starts it at 0, `same` at max(full - out, 0) // 2. Measured from each end,
    the window does not depend on n. torch's `padding` crops both ends alike, `output_padding`
    extends the end, and a slice takes the rest when the two ends differ."""

    arguments = (
        "filters",
        "kernel_size",
        "strides",
        "padding",
        "activation",
        "use_bias",
        "dilation_rate",
        "output_padding",
    )

    def __init__(self, layer: Any, site: Site) -> None:
        super().__init__(layer, site)
        self.padding, self.extra, self.crops = [], [], []
        for k, s, d in zip(self.kernel, self.stride, self.dilation):
            full = (k - 1) * d + 1  # the full output's length for an input of length 1
            out = layer.length(1, k, s, d)  # the core's (Keras') output length for that input
            before = max(full - out, 0) // 2 if layer.padding == "same" else 0
            self.extra.append(
                max(0, before + out - full)
            )  # cells needed past the full output's end
            if self.extra[-1] >= max(s, d):
                self.refuse(
                    f"output_padding={layer.output_padding!r} with strides={layer.strides!r}"
                )
            after = full + self.extra[-1] - before - out
            self.padding.append(min(before, after))
            self.crops.append((before - self.padding[-1], after - self.padding[-1]))

    @override
    def module(self) -> Any:
        return nn.ConvTranspose2d(
            self.site.shape[-1],
            self.layer.filters,
            self.kernel,
            self.stride,
            tuple(self.padding),
            tuple(self.extra),
            bias=self.layer.use_bias,
            dilation=self.dilation,
        )

    def emit(self, e: Emitter, x: Any) -> Any:
        """The module, then a slice that crops what torch's symmetric `padding` left, then the activation."""
        y = e.module(x)
        if any(a or b for a, b in self.crops):
            window = (
                slice(None),
                slice(None),
                *(slice(a, -b if b else None) for a, b in self.crops),
            )
            y = e.fn(operator.getitem, y, window)
        return e.activation(y, self.layer.activation)
