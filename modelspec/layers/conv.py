"""Convolutions: Conv1D, Conv2D, Conv3D (with `groups`) and Conv1DTranspose, Conv2DTranspose,
Conv3DTranspose. The depthwise and separable kinds, on the same window, are in `separable.py`.

Inputs are channels last: (length, channels) for 1-D, (height, width, channels) for 2-D,
(depth, height, width, channels) for 3-D. Output lengths follow Keras exactly: `valid`
((n - span) // stride + 1), `same` and `causal` (ceil(n / stride)), and Keras' transposed-
convolution rule (`_get_output_shape_given_tf_padding` in keras/src/backend/common/backend_utils.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import NonNegativeInt, PositiveInt, model_validator
from typing_extensions import override

from ..params import P
from .base import (
    Activation,
    Layer,
    Shape,
    ShapeError,
    Weight,
    as_tuple,
    conv_output_length,
    dilated_span,
    expect_rank,
    known_dim,
    register,
)
from .options import ActivityOptions, BiasOptions, KernelOptions, declared

MAX_EXTENT = 2**24  # strides times the dilated kernel's span, per axis (`Window.check_extent`)

# One value per spatial axis, or one int for all of them (Keras' `standardize_tuple`). `Ints` is
# what the shared classes declare; each kind narrows it to its rank through an `Axes*` base.
Ints = PositiveInt | tuple[PositiveInt, ...]
if TYPE_CHECKING:  # to mypy one type: a field's type must be the same in every base declaring it
    Ints1 = Ints
    Ints2 = Ints
    Ints3 = Ints
else:
    Ints1 = PositiveInt | tuple[PositiveInt]
    Ints2 = PositiveInt | tuple[PositiveInt, PositiveInt]
    Ints3 = PositiveInt | tuple[PositiveInt, PositiveInt, PositiveInt]
Pads = NonNegativeInt | tuple[NonNegativeInt, ...]  # output_padding: 0 allowed, as Keras allows it


class Window(Layer):
    """What every convolution shares: a kernel window sliding over the spatial axes, Keras' lengths.
    Subclasses declare the fields (`kernel_size`, `strides`, `padding`, `dilation_rate`, ...) and
    take their rank, layout and per-rank field types from an `Axes1D`/`Axes2D`/`Axes3D` base."""

    rank: ClassVar[int] = 2
    layout: ClassVar[str] = "(height, width, channels)"
    has_weights = True

    @model_validator(mode="after")
    def _check_tuples(self) -> Window:
        for name in ("kernel_size", "strides", "dilation_rate", "output_padding"):
            value = getattr(self, name, None)
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
        spatial = tuple(self.length(n, axis) for axis, n in enumerate(x[:-1]))
        return (*spatial, self.output_channels(channels))

    def length(self, n: int | None, axis: int) -> int | None:
        """The output length along spatial axis `axis` for an input length `n` (None: unknown),
        by Keras' rule for this padding."""
        k, s, d = (self.axes(name)[axis] for name in ("kernel_size", "strides", "dilation_rate"))
        self.check_extent(k, s, d)
        return conv_output_length(n, k, s, self.padding, d)  # type: ignore[attr-defined]

    def check_extent(self, kernel: int, stride: int, dilation: int) -> None:
        """`ShapeError` when the stride times the dilated kernel's span is over `MAX_EXTENT`:
        TensorFlow's oneDNN convolution overflows its offsets from about 2**28 (a kernel of 2
        with strides 2**27 fails, and takes the next convolutions down with it; 2**28
        segfaults), so modelspec keeps 16 times below."""
        span = dilated_span(kernel, dilation)
        if stride * span > MAX_EXTENT:
            raise ShapeError(
                f"{self.type} strides {stride} times its window of {span} cells is "
                f"{stride * span}, over {MAX_EXTENT} (2**24): TensorFlow's convolution fails "
                "from about 2**28"
            )

    def output_channels(self, channels: int) -> int:
        """The number of output channels for `channels` input channels."""
        raise NotImplementedError

    @override
    def final_activation(self) -> str | None:
        return self.activation  # type: ignore[attr-defined]


class Axes1D(Layer):
    """A 1-D window: (length, channels); kernel_size, strides, dilation_rate one int (or a list of one)."""

    rank: ClassVar[int] = 1
    layout: ClassVar[str] = "(length, channels)"
    kernel_size: P[Ints1]
    strides: P[Ints1] = 1
    dilation_rate: P[Ints1] = 1


class Axes2D(Layer):
    """A 2-D window: (height, width, channels); kernel_size, strides, dilation_rate an int or a pair."""

    rank: ClassVar[int] = 2
    layout: ClassVar[str] = "(height, width, channels)"
    kernel_size: P[Ints2]
    strides: P[Ints2] = 1
    dilation_rate: P[Ints2] = 1


class Axes3D(Layer):
    """A 3-D window: (depth, height, width, channels); kernel_size, strides, dilation_rate an int or
    a triple."""

    rank: ClassVar[int] = 3
    layout: ClassVar[str] = "(depth, height, width, channels)"
    kernel_size: P[Ints3]
    strides: P[Ints3] = 1
    dilation_rate: P[Ints3] = 1


class _Conv(Window, KernelOptions, BiasOptions, ActivityOptions):
    """A kernel with `filters` outputs: the convolutions and their transposes."""

    filters: P[PositiveInt]
    kernel_size: P[Ints]
    strides: P[Ints] = 1
    padding: P[Literal["valid", "same"]] = "valid"
    dilation_rate: P[Ints] = 1
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

    def kernel_shape(self, channels: int) -> tuple[int, ...]:
        """Keras' kernel shape for `channels` input channels."""
        raise NotImplementedError

    def weights(self, x: Shape) -> dict[str, Weight]:
        """Kernel (`kernel_shape`) and bias (filters,), as Keras builds them."""
        channels = known_dim(self, x[-1], "channel dimension (last axis)")
        out = {"kernel": declared(self, "kernel", self.kernel_shape(channels))}
        if self.use_bias:
            out["bias"] = declared(self, "bias", (self.filters,))
        return out


class _Convolution(_Conv):
    """Conv1D/2D/3D: `groups` splits channels and filters into that many independent convolutions,
    group g's filters reading group g's channels (both must divide by `groups`, as Keras requires).
    """

    groups: P[PositiveInt] = 1

    @model_validator(mode="after")
    def _filters_divide_into_groups(self) -> _Convolution:
        concrete = isinstance(self.filters, int) and isinstance(self.groups, int)
        if concrete and self.filters % self.groups:
            raise ValueError(
                f"filters must divide evenly into groups (Keras requires it): "
                f"filters={self.filters}, groups={self.groups}"
            )
        return self

    @override
    def output_channels(self, channels: int) -> int:
        if channels % self.groups:
            raise ShapeError(
                f"{self.type} needs input channels divisible by groups={self.groups}, "
                f"got {channels} channels"
            )
        return self.filters

    @override
    def kernel_shape(self, channels: int) -> tuple[int, ...]:
        """(*kernel_size, channels // groups, filters)."""
        return (*self.axes("kernel_size"), channels // self.groups, self.filters)


@register
class Conv1D(Axes1D, _Convolution):
    """1-D convolution over (length, channels) -> (new_length, filters). `causal` padding pads
    (kernel_size - 1) * dilation_rate on the left only. Kernel (k, channels // groups, filters)."""

    type: Literal["Conv1D"] = "Conv1D"
    padding: P[Literal["valid", "same", "causal"]] = "valid"  # type: ignore[assignment]


@register
class Conv2D(Axes2D, _Convolution):
    """2-D convolution over (height, width, channels) -> (new_height, new_width, filters).
    Kernel (kh, kw, channels // groups, filters)."""

    type: Literal["Conv2D"] = "Conv2D"


@register
class Conv3D(Axes3D, _Convolution):
    """3-D convolution over (depth, height, width, channels) -> (new_d, new_h, new_w, filters).
    Kernel (kd, kh, kw, channels // groups, filters)."""

    type: Literal["Conv3D"] = "Conv3D"


class _Transposed(_Conv):
    """A transposed convolution (the gradient of the convolution): upsamples by `strides`. Kernel
    (*kernel_size, filters, channels), output channels before input ones, as Keras stores it.
    `output_padding` (an int or one per axis, each below its stride) sets the lengths exactly."""

    output_padding: P[Pads] | None = None

    @override
    def length(self, n: int | None, axis: int) -> int | None:
        """Keras' rule: without `output_padding`, `(n - 1) * s + max(span, s)` for `valid` and
        `n * s` for `same`; with it, `(n - 1) * s + span + output_padding` for `valid` and
        `(n - 1) * s + span % 2 + output_padding` for `same` (span: the dilated kernel's length).
        """
        k, s, d = (self.axes(name)[axis] for name in ("kernel_size", "strides", "dilation_rate"))
        self.check_extent(k, s, d)
        if n is None:
            return None
        span = dilated_span(k, d)
        pad = None if self.output_padding is None else self.axes("output_padding")[axis]
        if self.padding == "valid":
            return (n - 1) * s + (max(span, s) if pad is None else span + pad)
        return n * s if pad is None else (n - 1) * s + span % 2 + pad

    @override
    def output_shape(self, x: Shape) -> Shape:
        """The convolution's shape rule with the transposed lengths; `ShapeError` for an
        `output_padding` not smaller than `strides` on some axis (Keras refuses it), and for
        `same` padding with output_padding 0 on an axis whose dilated kernel spans an even
        number of cells: Keras' length there, (n - 1) * s, is not one that a `same` convolution
        maps back to n, and TensorFlow's conv_transpose fails at run time.
        """
        if self.output_padding is not None:
            pads, strides = self.axes("output_padding"), self.axes("strides")
            if any(p >= s for p, s in zip(pads, strides)):
                raise ShapeError(
                    f"{self.type} output_padding {self.output_padding} must be "
                    f"smaller than strides {self.strides}"
                )
            kernel, dilation = self.axes("kernel_size"), self.axes("dilation_rate")
            spans = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
            if self.padding == "same" and any(p == 0 and n % 2 == 0 for p, n in zip(pads, spans)):
                raise ShapeError(
                    f"{self.type} with padding same cannot take output_padding 0 on an axis "
                    f"whose kernel spans an even number of cells (spans {tuple(spans)}, "
                    f"output_padding {self.output_padding}): TensorFlow cannot compute Keras' "
                    "length (n - 1) * strides there; give 1 or more, or leave output_padding unset"
                )
        return super().output_shape(x)

    @override
    def kernel_shape(self, channels: int) -> tuple[int, ...]:
        """(*kernel_size, filters, channels)."""
        return (*self.axes("kernel_size"), self.filters, channels)


@register
class Conv1DTranspose(Axes1D, _Transposed):
    """Transposed 1-D convolution: (length, channels) -> (new_length, filters). Kernel (k, filters, channels)."""

    type: Literal["Conv1DTranspose"] = "Conv1DTranspose"


@register
class Conv2DTranspose(Axes2D, _Transposed):
    """Transposed 2-D convolution: (h, w, channels) -> (new_h, new_w, filters).
    Kernel (kh, kw, filters, channels)."""

    type: Literal["Conv2DTranspose"] = "Conv2DTranspose"


@register
class Conv3DTranspose(Axes3D, _Transposed):
    """Transposed 3-D convolution: (d, h, w, channels) -> (new_d, new_h, new_w, filters).
    Kernel (kd, kh, kw, filters, channels)."""

    type: Literal["Conv3DTranspose"] = "Conv3DTranspose"
