"""The layer catalogue. Importing this package registers every kind in `REGISTRY`."""

from . import (  # noqa: F401  (registers)
    activations,
    attention,
    conv,
    core,
    merge,
    normalization,
    pooling,
    preprocessing,
    recurrent,
    reshaping,
)
from .base import (
    ACTIVATIONS,
    REGISTRY,
    Concatenation,
    Initializer,
    Layer,
    Shape,
    ShapeError,
    Weight,
    format_shape,
    register,
)

__all__ = [
    "ACTIVATIONS",
    "REGISTRY",
    "Concatenation",
    "Initializer",
    "Layer",
    "Shape",
    "ShapeError",
    "Weight",
    "format_shape",
    "register",
]
