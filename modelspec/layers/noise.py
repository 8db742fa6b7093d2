"""Noise and regularisation: SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout, AlphaDropout.

Keras' `keras.layers.regularization`. Each is the identity at inference and draws fresh noise at
every training step; none has weights, and the output keeps the input's shape and dtype. `seed`
is Keras' argument (a back end with its own generator, as torch, draws from that instead).

`noise_shape` (Dropout, AlphaDropout) is the shape of the random keep mask, as Keras reads it:
entry i stands for input axis i *counting the batch as axis 0*, None takes that axis's size, and
the mask is then broadcast against the input from the right (NumPy's rule). So for inputs
(batch, steps, features), `[null, 1, null]` keeps or drops each feature for all steps alike.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, PositiveInt
from typing_extensions import override

from ..params import P
from .base import Layer, Shape, ShapeError, expect_rank, format_shape, register
from .reshaping import VOLUME

# Keras takes 0 <= rate <= 1; a rate of 1 is refused: Keras' GaussianDropout and AlphaDropout
# divide by zero in training with it, and its Dropout returns zeros (no use in a model).
Rate = Annotated[float, Field(ge=0, lt=1)]
NoiseShape = tuple[PositiveInt | None, ...]


def check_noise_shape(layer: Layer, noise_shape: NoiseShape | None, x: Shape) -> None:
    """`ShapeError` unless Keras' mask of `noise_shape` fits inputs (batch, *x) in training
    without growing them: one entry per input axis at most; each entry None, 1 or that axis's
    length (Keras fails in training on any other); the batch entry None or 1 (the spec fixes no
    batch size); a None entry only in a full-length noise_shape (Keras reads None as the size of
    the axis counted from the left while it broadcasts from the right)."""
    if noise_shape is None or isinstance(noise_shape, str):  # str: an unset ${param}
        return
    axes = (None, *x)  # batch first, as Keras counts
    offset = len(axes) - len(noise_shape)
    where = f"{layer.type} noise_shape {_listed(noise_shape)} for inputs {format_shape(x, True)}"
    if offset < 0:
        raise ShapeError(f"{where}: one entry per input axis at most, batch first")
    for axis, entry in enumerate(noise_shape, start=offset):
        if entry is None and offset:
            raise ShapeError(
                f"{where}: null entries need one entry per input axis, batch first "
                f"({len(axes)} entries)"
            )
        if entry is None or entry == 1:
            continue
        if axis == 0:
            raise ShapeError(f"{where}: the batch entry must be null or 1")
        if axes[axis] != entry:
            length = "of unknown length" if axes[axis] is None else f"of length {axes[axis]}"
            raise ShapeError(f"{where}: axis {axis} is {length}, its entry must be null or 1")


def _listed(noise_shape: NoiseShape) -> str:
    return "[" + ", ".join("null" if d is None else str(d) for d in noise_shape) + "]"


class _Noise(Layer):
    """The identity in shape and dtype, for inputs of any rank."""

    keeps_dtype = True
    seed: P[int] | None = None

    @override
    def output_shape(self, x: Shape) -> Shape:
        return x


class _SpatialDropout(_Noise):
    """Keras' Dropout with the mask (batch, 1, ..., 1, channels): whole feature maps are
    dropped, the kept ones scaled by 1 / (1 - rate). Channels last (Keras' `data_format` is not
    taken)."""

    rank: ClassVar[int] = 2
    layout: ClassVar[str] = "(height, width, channels)"
    rate: P[Rate]

    @override
    def output_shape(self, x: Shape) -> Shape:
        expect_rank(self, x, self.rank + 1, self.layout)
        return x


@register
class SpatialDropout1D(_SpatialDropout):
    """Drops whole features, for all steps alike: (steps, channels) -> the same."""

    type: Literal["SpatialDropout1D"] = "SpatialDropout1D"
    rank = 1
    layout = "(steps, channels)"


@register
class SpatialDropout2D(_SpatialDropout):
    """Drops whole 2-D feature maps: (height, width, channels) -> the same."""

    type: Literal["SpatialDropout2D"] = "SpatialDropout2D"


@register
class SpatialDropout3D(_SpatialDropout):
    """Drops whole 3-D feature maps: (depth, height, width, channels) -> the same."""

    type: Literal["SpatialDropout3D"] = "SpatialDropout3D"
    rank = 3
    layout = VOLUME


@register
class GaussianNoise(_Noise):
    """Adds zero-centred Gaussian noise of standard deviation `stddev` (Keras takes 0..1)."""

    type: Literal["GaussianNoise"] = "GaussianNoise"
    stddev: P[Annotated[float, Field(ge=0, le=1)]]


@register
class GaussianDropout(_Noise):
    """Multiplies by Gaussian noise of mean 1 and standard deviation sqrt(rate / (1 - rate))."""

    type: Literal["GaussianDropout"] = "GaussianDropout"
    rate: P[Rate]


@register
class AlphaDropout(_Noise):
    """Dropout for SELU networks: a dropped input becomes SELU's saturation value
    -scale * alpha (-1.7581), then `a * x + b` with a = ((1 - rate)(1 + rate * 1.7581^2))^-1/2
    and b = 1.7581 * a * rate, so a standard normal input keeps mean 0 and variance 1. The keep
    mask has `noise_shape` (the module docstring says how Keras reads it; None: the input's)."""

    type: Literal["AlphaDropout"] = "AlphaDropout"
    rate: P[Rate]
    noise_shape: P[NoiseShape] | None = None

    @override
    def output_shape(self, x: Shape) -> Shape:
        check_noise_shape(self, self.noise_shape, x)
        return x
