"""The torch lowerings of the built-in kinds, one module per module of `modelspec/layers/`.
Importing this package registers them all in `lowering.LOWERINGS`."""

from ..lowering import LOWERINGS
from . import attention, conv, core, merge, normalization, pooling, recurrent  # noqa: F401  (registers)

__all__ = ["LOWERINGS"]
