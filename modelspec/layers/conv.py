"""Convolutions: Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D.

Inputs are channels last: (length, channels) for 1-D, (height, width, channels) for 2-D.
Output lengths follow Keras exactly: `valid` ((n - span) // stride + 1), `same` and `causal`
(ceil(n / stride)), and Keras' transposed-convolution rule.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import NonNegativeInt, PositiveInt, model_validator
from typing_extensions import override

from ..params import P
from .base import (
    GLOROT_UNIFORM,
    ZEROS,
    Activation,
    Layer,
    Shape,
    ShapeError,
    Weight,
    as_tuple,
    conv_output_length,
    expect_rank,
    known_dim,
    register,
)

IntOrPair = PositiveInt | tuple[PositiveInt, PositiveInt]
Side = NonNegativeInt | tuple[NonNegativeInt, NonNegativeInt]  # both ends alike, or (before, after)


class _Window(Layer):
    """What every convolution shares: a kernel window sliding over the image, Keras' lengths.
    Subclasses declare the fields (`kernel_size`, `strides`, `padding`, `dilation_rate`, ...)."""

    rank: ClassVar[int] = 2
    layout: ClassVar[str] = "(height, width, channels)"
    has_weights = True

    @model_validator(mode="after")
    def _check_tuples(self) -> _Window:
        for name in ("kernel_size", "strides", "dilation_rate"):
            value = getattr(self, name)
            if isinstance(value, tuple) and len(value) != self.rank:
                raise ValueError(f"{name} needs {self.rank} values, got {value}")
        return self

    def axes(self, name: str) -> tuple[int, ...]:
        """The field `name` as one value per spatial axis (1 on every axis while it is an unset `${param}`)."""
        value = getattr(self, name)
        return as_tuple(value, self.rank) if isinstance(value, (int, tuple)) else (1,) * self.rank

    def output_shape(self, x: Shape) -> Shape:
        """(*spatial, channels) -> (*new spatial, `output_channels(channels)`), each length by `length`;
        `ShapeError` for a wrong rank or an unknown channel dimension.
        """
        expect_rank(self, x, self.rank + 1, self.layout)
        channels = known_dim(self, x[-1], "channel dimension (last axis)")
        kernel, strides, dilation = (
            self.axes(n) for n in ("kernel_size", "strides", "dilation_rate")
        )
        spatial = tuple(
            self.length(n, k, s, d) for n, k, s, d in zip(x[:-1], kernel, strides, dilation)
        )
        return (*spatial, self.output_channels(channels))

    def length(self, n: int | None, k: int, s: int, d: int) -> int | None:
        """The output length along one axis of input length `n` (None: unknown), kernel `k`, stride `s`
        and dilation `d`, by Keras' rule for this padding.
        """
        return conv_output_length(n, k, s, self.padding, d)  # type: ignore[attr-defined]

    def output_channels(self, channels: int) -> int:
        """The number of output channels for `channels` input channels."""
        raise NotImplementedError

    @override
    def final_activation(self) -> str | None:
        return self.activation  # type: ignore[attr-defined]


class _Conv(_Window):
    filters: P[PositiveInt]
    kernel_size: P[IntOrPair]
    strides: P[IntOrPair] = 1
    padding: P[Literal["valid", "same"]] = "valid"
    dilation_rate: P[IntOrPair] = 1
    activation: P[Activation] = "linear"
    use_bias: P[bool] = True

    @model_validator(mode="after")
    def _not_strided_and_dilated(self) -> _Conv:
        strides, dilation = self.axes("strides"), self.axes("dilation_rate")
        concrete = isinstance(self.strides, (int, tuple)) and isinstance(
            self.dilation_rate, (int, tuple)
        )
        if concrete and max(strides) > 1 and max(dilation) > 1:
            raise ValueError(
                f"strides > 1 with dilation_rate > 1 is not supported (Keras refuses "
                f"it): strides={self.strides}, dilation_rate={self.dilation_rate}"
            )
        return self

    @override
    def output_channels(self, channels: int) -> int:
        return self.filters

    def weights(self, x: Shape) -> dict[str, Weight]:
        """Kernel (*kernel_size, channels, filters) and bias (filters,), as Keras' `Conv` builds them."""
        out = {"kernel": Weight((*self.axes("kernel_size"), x[-1], self.filters), GLOROT_UNIFORM)}  # type: ignore[arg-type]
        if self.use_bias:
            out["bias"] = Weight((self.filters,), ZEROS)
        return out


@register
class Conv1D(_Conv):
    """1-D convolution over (length, channels) -> (new_length, filters). `causal` padding pads
    (kernel_size - 1) * dilation_rate on the left only."""

    type: Literal["Conv1D"] = "Conv1D"
    padding: P[Literal["valid", "same", "causal"]] = "valid"  # type: ignore[assignment]
    rank = 1
    layout = "(length, channels)"


@register
class Conv2D(_Conv):
    """2-D convolution over (height, width, channels) -> (new_height, new_width, filters)."""

    type: Literal["Conv2D"] = "Conv2D"


@register
class Conv2DTranspose(_Conv):
    """Transposed 2-D convolution (the gradient of Conv2D): upsamples by `strides`.
    Kernel (kh, kw, filters, channels), as Keras stores it."""

    type: Literal["Conv2DTranspose"] = "Conv2DTranspose"
    output_padding: P[IntOrPair] | None = None

    def length(self, n: int | None, k: int, s: int, d: int) -> int | None:
        """Keras' `deconv_output_length`: without `output_padding`, `n * s + max(span - s, 0)` for
        `valid` and `n * s` for `same`; with it, `(n - 1) * s + span - 2 * pad + output_padding`.
        """
        if n is None:
            return None
        span = k + (k - 1) * (d - 1)
        if self.output_padding is None:
            return n * s + max(span - s, 0) if self.padding == "valid" else n * s
        out_pad = as_tuple(self.output_padding, 2)[0]
        pad = span // 2 if self.padding == "same" else 0
        return (n - 1) * s + span - 2 * pad + out_pad

    def output_shape(self, x: Shape) -> Shape:
        """The convolution's shape rule with the transposed lengths; `ShapeError` for an
        `output_padding` not smaller than `strides`, or one that differs between the two axes.
        """
        if self.output_padding is not None:
            pads = as_tuple(self.output_padding, 2)
            if any(p >= s for p, s in zip(pads, self.axes("strides"))):
                raise ShapeError(
                    f"Conv2DTranspose output_padding {self.output_padding} must be "
                    f"smaller than strides {self.strides}"
                )
            if pads[0] != pads[1]:
                raise ShapeError("Conv2DTranspose: give output_padding as one int for both axes")
        return super().output_shape(x)

    def weights(self, x: Shape) -> dict[str, Weight]:
        """Kernel (kh, kw, filters, channels), output channels before input ones (Keras' layout for a
        transposed convolution), and bias (filters,).
        """
        out = {"kernel": Weight((*self.axes("kernel_size"), self.filters, x[-1]), GLOROT_UNIFORM)}  # type: ignore[arg-type]
        if self.use_bias:
            out["bias"] = Weight((self.filters,), ZEROS)
        return out


@register
class DepthwiseConv2D(_Window):
    """Each input channel convolved with its own `depth_multiplier` kernels, no mixing across
    channels: (h, w, c) -> (new_h, new_w, c * depth_multiplier), output channel `i * m + j` from
    input channel i (TensorFlow's `depthwise_conv2d`). Kernel (kh, kw, c, depth_multiplier).
    Unlike Conv2D, Keras takes strides and dilation_rate above 1 together."""

    type: Literal["DepthwiseConv2D"] = "DepthwiseConv2D"
    kernel_size: P[IntOrPair]
    strides: P[IntOrPair] = 1
    padding: P[Literal["valid", "same"]] = "valid"
    depth_multiplier: P[PositiveInt] = 1
    dilation_rate: P[IntOrPair] = 1
    activation: P[Activation] = "linear"
    use_bias: P[bool] = True

    @override
    def output_channels(self, channels: int) -> int:
        return channels * self.depth_multiplier

    def weights(self, x: Shape) -> dict[str, Weight]:
        """`depthwise_kernel` (kh, kw, channels, depth_multiplier) and bias (channels * depth_multiplier,)."""
        channels = known_dim(self, x[-1], "channel dimension (last axis)")
        kernel = (*self.axes("kernel_size"), channels, self.depth_multiplier)
        out = {"depthwise_kernel": Weight(kernel, GLOROT_UNIFORM)}
        if self.use_bias:
            out["bias"] = Weight((self.output_channels(channels),), ZEROS)
        return out
