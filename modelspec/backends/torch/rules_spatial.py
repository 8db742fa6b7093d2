"""Torch lowering rules for convolution, pooling and resampling (channels-first inside the module).

Keras' `padding="same"` is honoured for every stride and kernel: symmetric padding goes into the
torch module, asymmetric padding (the odd cell after, as Keras does it) is an explicit
`F.pad` in the generated code, and padding that depends on a length unknown until run time is
computed by `functions.pad_same`. Max pooling pads with -inf; average pooling divides by the
number of real cells (`functions.avg_pool_same`).
"""

from __future__ import annotations

import operator
from typing import Any

from ...layers import Layer
from .functions import avg_pool_same, pad_same, pad_sizes
from .rules import ANY, CHANNELS_FIRST, RULES, F, Lowering, Site, honour, nn, ntuple, refuse

# kind -> number of spatial axes
CONV = {"Conv1D": 1, "Conv2D": 2}
POOL = {"MaxPooling1D": 1, "MaxPooling2D": 2, "AveragePooling1D": 1, "AveragePooling2D": 2}
GLOBAL_POOL = {"GlobalAveragePooling1D": 1, "GlobalAveragePooling2D": 2, "GlobalMaxPooling1D": 1,
               "GlobalMaxPooling2D": 2}  # fmt: skip


def _padding(config: Layer, site: Site, kernel, stride, dilation) -> tuple[tuple[int, ...], Any]:
    """(padding for the torch op, what to do before it: None, a static F.pad list, or "dynamic")."""
    n = len(kernel)
    if config.padding == "valid":
        return (0,) * n, None
    if config.padding == "causal":
        return (0,) * n, [(kernel[0] - 1) * dilation[0], 0]
    pads = pad_sizes(site.shape[:-1], kernel, stride, dilation)
    if pads is None:
        return (0,) * n, "dynamic"
    before, after = pads[0::2][::-1], pads[1::2][::-1]  # F.pad lists the last axis first
    if before == after:
        return tuple(before), None
    return (0,) * n, pads


def _pre_pad(e, x, pre, kernel, stride, dilation, value: float = 0.0):
    if pre is None or (pre != "dynamic" and not any(pre)):
        return x
    if pre == "dynamic":
        return e.fn(pad_same, x, kernel, stride, dilation, **({"value": value} if value else {}))
    return e.fn(F.pad, x, tuple(pre), value=value) if value else e.fn(F.pad, x, tuple(pre))


@RULES.register(*CONV)
def conv(config: Layer, site: Site) -> Lowering:
    honour(config, site, "filters", "kernel_size", "strides", "padding", "dilation_rate", "activation",
           "use_bias")  # fmt: skip
    n = CONV[config.type]
    kernel, stride = ntuple(config.kernel_size, n), ntuple(config.strides, n)
    dilation = ntuple(config.dilation_rate, n)
    padding, pre = _padding(config, site, kernel, stride, dilation)
    cls = (nn.Conv1d, nn.Conv2d)[n - 1]

    def emit(e, x):
        x = _pre_pad(e, x, pre, kernel, stride, dilation)
        return e.activation(e.module(x), config.activation)

    return Lowering(
        layout=CHANNELS_FIRST,
        module=lambda: cls(site.shape[-1], config.filters, kernel, stride, padding, dilation,
                           bias=config.use_bias),  # fmt: skip
        emit=emit,
    )


@RULES.register("Conv2DTranspose")
def conv_transpose(config: Layer, site: Site) -> Lowering:
    """Keras' transposed convolution (TensorFlow's conv_transpose with padding SAME or VALID) is
    the window [before, before + out) of the full output, (n - 1) * s + span long with zeros past
    its end: `valid` starts it at 0, `same` at max(full - out, 0) // 2. Measured from each end,
    the window does not depend on n. torch's `padding` crops both ends alike, `output_padding`
    extends the end, and a slice takes the rest when the two ends differ."""
    honour(config, site, "filters", "kernel_size", "strides", "padding", "activation", "use_bias",
           "dilation_rate", "output_padding")  # fmt: skip
    kernel, stride = ntuple(config.kernel_size, 2), ntuple(config.strides, 2)
    dilation = ntuple(config.dilation_rate, 2)
    padding, extra, crops = [], [], []
    for k, s, d in zip(kernel, stride, dilation):
        full = (k - 1) * d + 1  # the full output's length for an input of length 1
        out = config.length(1, k, s, d)  # the core's (Keras') output length for that input
        before = max(full - out, 0) // 2 if config.padding == "same" else 0
        extra.append(max(0, before + out - full))  # cells needed past the full output's end
        if extra[-1] >= max(s, d):
            refuse(config, site, f"output_padding={config.output_padding!r} with strides={config.strides!r}")
        after = full + extra[-1] - before - out
        padding.append(min(before, after))
        crops.append((before - padding[-1], after - padding[-1]))
    def emit(e, x):
        y = e.module(x)
        if any(a or b for a, b in crops):
            window = (slice(None), slice(None), *(slice(a, -b if b else None) for a, b in crops))
            y = e.fn(operator.getitem, y, window)
        return e.activation(y, config.activation)

    return Lowering(
        layout=CHANNELS_FIRST,
        module=lambda: nn.ConvTranspose2d(site.shape[-1], config.filters, kernel, stride, tuple(padding),
                                          tuple(extra), bias=config.use_bias, dilation=dilation),  # fmt: skip
        emit=emit,
    )


@RULES.register(*POOL)
def pool(config: Layer, site: Site) -> Lowering:
    honour(config, site, "pool_size", "strides", "padding")
    n = POOL[config.type]
    kernel = ntuple(config.pool_size, n)
    stride = ntuple(config.strides, n) if config.strides is not None else kernel
    ones = (1,) * n
    _, pre = _padding(config, site, kernel, stride, ones)
    if pre is None and config.padding == "same":  # symmetric: still explicit, pooling pads differently
        pre = pad_sizes(site.shape[:-1], kernel, stride, ones)
    if config.type.startswith("Max"):
        function = (F.max_pool1d, F.max_pool2d)[n - 1]

        def emit(e, x):
            x = _pre_pad(e, x, pre, kernel, stride, ones, value=float("-inf"))
            return e.fn(function, x, kernel_size=kernel, stride=stride)

    else:
        function = (F.avg_pool1d, F.avg_pool2d)[n - 1]

        def emit(e, x):
            if pre is None or (pre != "dynamic" and not any(pre)):
                return e.fn(function, x, kernel_size=kernel, stride=stride)
            return e.fn(avg_pool_same, x, kernel, stride, None if pre == "dynamic" else list(pre))

    return Lowering(layout=CHANNELS_FIRST, emit=emit)


@RULES.register(*GLOBAL_POOL)
def global_pool(config: Layer, site: Site) -> Lowering:
    honour(config, site, "keepdims")
    method = "mean" if "Average" in config.type else "amax"
    return Lowering(layout=ANY, emit=lambda e, x: e.method(x, method, e.spatial(), keepdim=config.keepdims))


@RULES.register("UpSampling2D")
def upsampling(config: Layer, site: Site) -> Lowering:
    """Nearest: rows and columns repeated. Bilinear: half-pixel centres, as TensorFlow resizes."""
    honour(config, site, "size", "interpolation")
    scale = tuple(float(s) for s in ntuple(config.size, 2))
    extra = {"align_corners": False} if config.interpolation == "bilinear" else {}
    return Lowering(
        layout=CHANNELS_FIRST,
        emit=lambda e, x: e.fn(F.interpolate, x, scale_factor=scale, mode=config.interpolation, **extra),
    )
