"""Torch modules for Keras' noise layers that torch has no native module for.

Each is the identity in eval mode and draws what Keras draws in training mode: GaussianNoise
adds N(0, stddev^2), GaussianDropout multiplies by N(1, rate / (1 - rate)), and `MaskDropout` is
Keras' Dropout or AlphaDropout with a keep mask of Keras' `noise_shape` (torch's `nn.Dropout` and
`nn.AlphaDropout` draw one mask value per element only). None has weights. Their lowerings:
`layers/noise.py` and `layers/core.py`.
"""

from __future__ import annotations

import math
from typing import Any

from typing_extensions import override

from .runtime import nn, torch

Tensor = Any  # torch.Tensor (Any to the type checker, as torch is)

SELU_SATURATION = -1.0507009873554804934193349852946 * 1.6732632423543772848170429916717


class GaussianNoise(nn.Module):
    """`x + N(0, stddev^2)` in training, `x` in eval (Keras' GaussianNoise)."""

    def __init__(self, stddev: float) -> None:
        super().__init__()
        self.stddev = stddev

    @override
    def extra_repr(self) -> str:
        return f"stddev={self.stddev}"

    def forward(self, x: Tensor) -> Tensor:
        """x plus fresh noise in training; x itself in eval."""
        if not self.training or self.stddev == 0:
            return x
        return x + torch.randn_like(x) * self.stddev


class GaussianDropout(nn.Module):
    """`x * N(1, rate / (1 - rate))` in training, `x` in eval (Keras' GaussianDropout)."""

    def __init__(self, rate: float) -> None:
        super().__init__()
        self.rate = rate
        self.stddev = math.sqrt(rate / (1.0 - rate))

    @override
    def extra_repr(self) -> str:
        return f"rate={self.rate}"

    def forward(self, x: Tensor) -> Tensor:
        """x times fresh noise of mean 1 in training; x itself in eval."""
        if not self.training or self.rate == 0:
            return x
        return x * (torch.randn_like(x) * self.stddev + 1.0)


class MaskDropout(nn.Module):
    """Keras' Dropout (`alpha=False`) or AlphaDropout (`alpha=True`) whose keep mask has Keras'
    `noise_shape` over channels-last inputs: entry i is input axis i (batch = 0), None takes that
    axis's size, and the mask broadcasts from the right, as Keras' `_get_concrete_noise_shape`
    and TensorFlow's broadcasting do. An element is kept where `uniform >= rate`, as in Keras.

    Dropout: `x * keep / (1 - rate)`. AlphaDropout: `a * (x * keep + s * (1 - keep)) + b`, with
    s = SELU's saturation value, a = ((1 - rate)(1 + rate * s^2))^-1/2, b = -a * s * rate.
    """

    def __init__(self, rate: float, noise_shape: tuple[int | None, ...], alpha: bool) -> None:
        super().__init__()
        self.rate, self.noise_shape, self.alpha = rate, tuple(noise_shape), alpha

    @override
    def extra_repr(self) -> str:
        kind = ", alpha" if self.alpha else ""
        return f"rate={self.rate}, noise_shape={self.noise_shape}{kind}"

    def forward(self, x: Tensor) -> Tensor:
        """x with a fresh mask in training; x itself in eval."""
        if not self.training or self.rate == 0:
            return x
        shape = [x.shape[i] if n is None else n for i, n in enumerate(self.noise_shape)]
        keep = (torch.rand(shape, device=x.device) >= self.rate).to(x.dtype)
        if not self.alpha:
            return x * (1.0 / (1.0 - self.rate)) * keep
        s, p = SELU_SATURATION, self.rate
        a = ((1 - p) * (1 + p * s**2)) ** -0.5
        return a * (x * keep + s * (1 - keep)) - a * s * p
