"""The torch lowerings of the built-in kinds, one module per module of `modelspec/layers/`.
Importing this package registers them all in `lowering.LOWERINGS`."""

from ..lowering import LOWERINGS
from . import (  # noqa: F401  (registers)
    activations,
    attention,
    conv,
    core,
    merge,
    noise,
    normalization,
    pooling,
    preprocessing,
    recurrent,
    reshaping,
    separable,
    wrappers,
)

__all__ = ["LOWERINGS"]
