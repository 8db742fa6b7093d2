"""Torch lowerings of Conv1D/2D/3D and Conv1DTranspose/2D/3D (the depthwise and separable kinds:
`separable.py`).

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
    """A window's kernel, kernel_size, strides and dilation_rate per axis. Keras' kernel
    (*k, in, out) is torch's weight (out, in, *k); both transposed kinds store (*k, out, in) in
    Keras and (in, out, *k) in torch: the same permutation."""

    layout = CHANNELS_FIRST

    def __init__(self, layer: Any, site: Site) -> None:
        super().__init__(layer, site)
        self.kernel, self.stride = self.axes("kernel_size"), self.axes("strides")
        self.dilation = self.axes("dilation_rate")

    def axes(self, name: str) -> tuple[int, ...]:
        """The layer's field `name`, one value per spatial axis."""
        return ntuple(getattr(self.layer, name), self.layer.rank)

    @override
    def to_torch(self, weights: Arrays) -> Arrays:
        return renamed(
            {"kernel": "weight", "bias": "bias"},
            weights,
            lambda name, a: kernel_to_torch(a) if name == "kernel" else a,
        )

    @override
    def to_keras(self, params: Arrays) -> Arrays:
        return renamed(
            {"weight": "kernel", "bias": "bias"},
            params,
            lambda name, a: kernel_to_keras(a) if name == "weight" else a,
        )


def kernel_to_torch(a: Any) -> Any:
    """A Keras kernel (*k, in, out) as torch's weight (out, in, *k)."""
    n = a.ndim - 2  # spatial rank
    return permuted(a, (n + 1, n, *range(n)))


def kernel_to_keras(a: Any) -> Any:
    """A torch weight (out, in, *k) as Keras' kernel (*k, in, out)."""
    n = a.ndim - 2
    return permuted(a, (*range(2, n + 2), 1, 0))


class Windowed(_Kernel):
    """A convolution computed on Keras' padding: `same` and `causal` as the module docstring says
    (`causal`: (kernel_size - 1) * dilation_rate cells before, none after), then the module and
    the activation. Subclasses make the module."""

    def __init__(self, layer: Any, site: Site) -> None:
        super().__init__(layer, site)
        self.padding, self.pre = same_padding(
            site.shape[:-1], self.kernel, self.stride, self.dilation, layer.padding
        )

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        x = pre_pad(e, x, self.pre, self.kernel, self.stride, self.dilation)
        return e.activation(e.module(x), self.layer.activation)


@LOWERINGS.register(conv.Conv1D, conv.Conv2D, conv.Conv3D)
class Conv(Windowed):
    """`nn.Conv1d`/`nn.Conv2d`/`nn.Conv3d` on channels-first data, `groups` as Keras' (torch's
    filter f reads channel group f // (filters / groups), as TensorFlow's grouped convolution)."""

    arguments = (
        "filters",
        "kernel_size",
        "strides",
        "padding",
        "dilation_rate",
        "groups",
        "activation",
        "use_bias",
    )

    @override
    def module(self) -> Any:
        cls = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[self.layer.rank - 1]
        return cls(
            self.site.shape[-1],
            self.layer.filters,
            self.kernel,
            self.stride,
            self.padding,
            self.dilation,
            groups=self.layer.groups,
            bias=self.layer.use_bias,
        )


@LOWERINGS.register(conv.Conv1DTranspose, conv.Conv2DTranspose, conv.Conv3DTranspose)
class ConvTranspose(_Kernel):
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
        for axis, (s, d) in enumerate(zip(self.stride, self.dilation)):
            full = (self.kernel[axis] - 1) * d + 1  # the full output's length for an input of 1
            out = layer.length(1, axis)  # the core's (Keras') output length for that input
            before = max(full - out, 0) // 2 if layer.padding == "same" else 0
            self.extra.append(max(0, before + out - full))  # cells past the full output's end
            if self.extra[-1] >= max(
                s, d
            ):  # torch's limit; Keras' output_padding < s keeps below it
                self.refuse(
                    f"output_padding={layer.output_padding!r} with strides={layer.strides!r}"
                )
            after = full + self.extra[-1] - before - out
            self.padding.append(min(before, after))
            self.crops.append((before - self.padding[-1], after - self.padding[-1]))

    @override
    def module(self) -> Any:
        cls = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)[self.layer.rank - 1]
        return cls(
            self.site.shape[-1],
            self.layer.filters,
            self.kernel,
            self.stride,
            tuple(self.padding),
            tuple(self.extra),
            bias=self.layer.use_bias,
            dilation=self.dilation,
        )

    @override
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
