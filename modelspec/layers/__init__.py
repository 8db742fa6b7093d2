"""The layer catalogue. Importing this package registers every kind in `REGISTRY`."""

from . import core  # noqa: F401  (registers by import)
from .base import ACTIVATIONS, REGISTRY, Layer, Shape, ShapeError, Weight, format_shape, register

__all__ = ["ACTIVATIONS", "REGISTRY", "Layer", "Shape", "ShapeError", "Weight", "format_shape", "register"]
