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

from pydantic import Field
from typing_extensions import override

from ..params import P
from .base import Layer, Shape, expect_rank, register
from .dropout import NoiseShape, Rate, check_noise_shape
from .reshaping import VOLUME


class _Noise(Layer):
    """The identity in shape and dtype, for inputs of any rank."""

    keeps_dtype = True
    min_rank = 0
    supports_masking = True  # a mask passes on (Keras' Dropout and noise layers)
    seed: P[int] | None = None

    @override
    def returns_its_input(self) -> bool:
        return True  # in inference

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
