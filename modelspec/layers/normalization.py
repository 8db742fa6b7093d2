"""Normalization: BatchNormalization and LayerNormalization, with Keras' defaults.

Both normalise along `axis` (default the last, the channels) and learn a scale `gamma` and an
offset `beta` of that axis' size. BatchNormalization also keeps moving statistics, which Keras
counts as non-trainable parameters (torch holds them as buffers).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field
from typing_extensions import override

from ..params import P
from .base import Layer, Shape, ShapeError, Weight, format_shape, known_dim, register
from .options import MovingOptions, NormalizationOptions, declared

Positive = Annotated[float, Field(gt=0)]


class _Normalization(Layer, NormalizationOptions):
    axis: P[int] = -1
    epsilon: P[Positive] = 1e-3
    center: P[bool] = True
    scale: P[bool] = True
    has_weights = True

    @override
    def output_shape(self, x: Shape) -> Shape:
        self.features(x)
        return x

    def features(self, x: Shape) -> int:
        """The size of the normalised axis (`axis` counts from 1, or from -1 at the end; 0 is the
        batch); `ShapeError` if it is out of range or unknown.
        """
        if not -len(x) <= self.axis < len(x) + 1 or self.axis == 0:
            raise ShapeError(
                f"{self.type} axis {self.axis} is out of range for input "
                f"{format_shape(x)} (axes 1..{len(x)} or -1..-{len(x)}; 0 is the batch)"
            )
        index = self.axis - 1 if self.axis > 0 else self.axis
        return known_dim(self, x[index], f"size along axis {self.axis}")

    def weights(self, x: Shape) -> dict[str, Weight]:
        """`gamma` (with `scale`) and `beta` (with `center`), each of the normalised axis' size."""
        n = self.features(x)
        out = {}
        if self.scale:
            out["gamma"] = declared(self, "gamma", (n,))
        if self.center:
            out["beta"] = declared(self, "beta", (n,))
        return out


@register
class BatchNormalization(_Normalization, MovingOptions):
    """`gamma * (x - mean) / sqrt(var + epsilon) + beta` with batch statistics in training and
    moving ones (`moving = momentum * moving + (1 - momentum) * batch`) in inference."""

    type: Literal["BatchNormalization"] = "BatchNormalization"
    momentum: P[Annotated[float, Field(ge=0, le=1)]] = 0.99

    def weights(self, x: Shape) -> dict[str, Weight]:
        """`gamma` and `beta` as LayerNormalization's, and the non-trainable `moving_mean` (zeros) and
        `moving_variance` (ones), each of the normalised axis' size.
        """
        n = self.features(x)
        stats = {
            "moving_mean": declared(self, "moving_mean", (n,), trainable=False),
            "moving_variance": declared(self, "moving_variance", (n,), trainable=False),
        }
        return {**super().weights(x), **stats}


@register
class LayerNormalization(_Normalization):
    """`gamma * (x - mean) / sqrt(var + epsilon) + beta`, statistics over `axis` of each sample."""

    type: Literal["LayerNormalization"] = "LayerNormalization"
