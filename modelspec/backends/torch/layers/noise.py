"""Torch lowerings of the noise kinds: SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout,
AlphaDropout. Each is a weightless submodule, so it follows the model's `train()`/`eval()`.

SpatialDropout is torch's `nn.Dropout1d/2d/3d` on channels-first data: one draw per (sample,
channel), kept ones scaled by 1 / (1 - rate), which is Keras' mask (batch, 1, ..., channels).
AlphaDropout without `noise_shape` is torch's `nn.AlphaDropout`, which computes Keras' formula
(the same a, b and saturation value); with one it is `noise.MaskDropout` on channels-last data,
where Keras' `noise_shape` entries name the axes. `seed` is honoured as far as it can be: torch
draws from its own generator (`torch.manual_seed`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from typing_extensions import override

from ....layers import noise
from ..lowering import ANY, CHANNELS_FIRST, CHANNELS_LAST, LOWERINGS, Emitter, Lowering, Site
from ..noise import GaussianDropout, GaussianNoise, MaskDropout
from ..runtime import nn


class _Noise(Lowering):
    """A submodule called on the node's one input, element-wise (any layout) unless said."""

    layout = ANY

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        return e.module(x)


@LOWERINGS.register(noise.SpatialDropout1D, noise.SpatialDropout2D, noise.SpatialDropout3D)
class SpatialDropout(_Noise):
    """`nn.Dropout1d`/`nn.Dropout2d`/`nn.Dropout3d`, channels first."""

    layout = CHANNELS_FIRST
    arguments = ("rate", "seed")

    @override
    def module(self) -> Any:
        return (nn.Dropout1d, nn.Dropout2d, nn.Dropout3d)[self.layer.rank - 1](self.layer.rate)


@LOWERINGS.register(noise.GaussianNoise)
class GaussianNoiseLowering(_Noise):
    """`noise.GaussianNoise`: additive N(0, stddev^2) in training."""

    arguments = ("stddev", "seed")

    @override
    def module(self) -> Any:
        return GaussianNoise(self.layer.stddev)


@LOWERINGS.register(noise.GaussianDropout)
class GaussianDropoutLowering(_Noise):
    """`noise.GaussianDropout`: multiplicative N(1, rate / (1 - rate)) in training."""

    arguments = ("rate", "seed")

    @override
    def module(self) -> Any:
        return GaussianDropout(self.layer.rate)


class ShapedDropout(_Noise):
    """`nn.Dropout` (`nn.AlphaDropout` when `alpha`), or with `noise_shape` `MaskDropout` on
    channels-last data, where Keras' entries name the axes: Dropout's and AlphaDropout's."""

    arguments = ("rate", "noise_shape", "seed")
    alpha: ClassVar[bool] = False

    def __init__(self, layer: Any, site: Site) -> None:
        super().__init__(layer, site)
        if layer.noise_shape is not None:
            self.layout = CHANNELS_LAST

    @override
    def module(self) -> Any:
        if self.layer.noise_shape is None:
            return (nn.AlphaDropout if self.alpha else nn.Dropout)(self.layer.rate)
        return MaskDropout(self.layer.rate, self.layer.noise_shape, alpha=self.alpha)


@LOWERINGS.register(noise.AlphaDropout)
class AlphaDropout(ShapedDropout):
    """`nn.AlphaDropout` (Keras' formula), or `MaskDropout(alpha=True)` with `noise_shape`."""

    alpha = True
