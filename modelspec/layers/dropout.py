"""What every dropout kind shares (Dropout in `core`, the noise kinds in `noise`): its rate and
Keras' reading of `noise_shape`. A module of its own, so a spec of Dropout imports no noise kind."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, PositiveInt

from .base import Layer, Shape, ShapeError, format_shape

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
