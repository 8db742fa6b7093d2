"""Preprocessing layers that compute on floats: Rescaling and Normalization (`keras.layers`).

Both are element-wise, of any input shape, output of the input's shape in float32 (integer
inputs are cast first, as Keras casts them). Keras' sources:
`keras/src/layers/preprocessing/rescaling.py` and `normalization.py`.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import model_validator
from typing_extensions import TypeAliasType, override

from ..params import P
from .base import ONES, ZEROS, Layer, Shape, ShapeError, Weight, format_shape, register
from .dtypes import ALL_DTYPES
from .normalization import axis_positions

# A value Keras broadcasts: a number, or nested lists of numbers (a NumPy array's `tolist()`).
Values = TypeAliasType("Values", "float | tuple[Values, ...]")


@register
class Rescaling(Layer):
    """`x * scale + offset`, each a number or a list of one value per channel (the last axis;
    a list of one value stands for every channel), as Keras broadcasts them."""

    type: Literal["Rescaling"] = "Rescaling"
    input_dtypes = ALL_DTYPES
    scale: P[float] | tuple[float, ...]
    offset: P[float] | tuple[float, ...] = 0.0
    supports_masking = True  # a mask passes on

    @override
    def output_shape(self, x: Shape) -> Shape:
        """The input's shape; `ShapeError` for a list whose length is neither 1 nor the channels'
        (Keras would broadcast the input up to it, unlike the shape it declares)."""
        for name in ("scale", "offset"):
            value = getattr(self, name)
            if isinstance(value, tuple) and len(value) != 1 and len(value) != x[-1]:
                have = "an unknown number of" if x[-1] is None else str(x[-1])
                raise ShapeError(
                    f"Rescaling {name} has {len(value)} values for input {format_shape(x)} with "
                    f"{have} channels (the last axis): give one value, or one per channel"
                )
        return x


@register
class Normalization(Layer):
    """`(x - mean) / max(sqrt(variance), 1e-7)`, or with `invert` `mean + x * max(sqrt(variance),
    1e-7)`, with a mean and a variance per index of the kept axes `axis` (counted with the batch
    as 0; -1: the last; None: one mean and variance for every value).

    `mean` and `variance` given (a number, or nested lists that Keras broadcasts to the kept
    axes' shape, aligning their last dimensions): they are constants, and Keras creates no
    weight. Not given: Keras creates the non-trainable weights `mean` (zeros) and `variance`
    (ones), of the kept axes' shape, and `count` (an int64 scalar, unused), which `adapt` or
    loaded weights fill; `adapted(data)` computes the values as Keras' `adapt` does.
    """

    type: Literal["Normalization"] = "Normalization"
    input_dtypes = ALL_DTYPES
    supports_masking = True  # a mask passes on
    axis: P[int] | tuple[int, ...] | None = -1
    mean: Values | None = None
    variance: Values | None = None
    invert: P[bool] = False
    has_weights = True

    @model_validator(mode="after")
    def _statistics_together(self) -> Normalization:
        if (self.mean is None) != (self.variance is None):
            raise ValueError("mean and variance must be given together (or neither)")
        if self.mean is not None:
            try:
                mean = np.asarray(self.mean, dtype=np.float64)
                variance = np.asarray(self.variance, dtype=np.float64)
            except ValueError:
                raise ValueError("mean and variance must be numbers or rectangular lists") from None
            if mean.shape != variance.shape:
                raise ValueError(
                    f"mean and variance must have the same shape, got {mean.shape} and "
                    f"{variance.shape}"
                )
            if mean.ndim > len(self.axes):
                raise ValueError(
                    f"mean has rank {mean.ndim}, more than the {len(self.axes)} axes it is for "
                    f"(axis={self.axis})"
                )
            if (variance < 0).any():
                raise ValueError("variance must not be negative")
        return self

    @property
    def axes(self) -> tuple[int, ...]:
        """`axis` as Keras standardises it: a tuple (empty for None)."""
        if self.axis is None:
            return ()
        return (self.axis,) if isinstance(self.axis, int) else tuple(self.axis)

    def kept_axes(self, x: Shape) -> tuple[int, ...]:
        """The kept axes counted with the batch as 0, sorted; `ShapeError` for the batch, an axis
        out of range, twice the same axis or one of unknown length."""
        kept = tuple(sorted(axis_positions(self, x, self.axes)))
        for a in kept:
            if x[a - 1] is None:
                raise ShapeError(
                    f"Normalization needs a known length on kept axis {a}, got input "
                    f"{format_shape(x)}"
                )
        return kept

    def statistics_shape(self, x: Shape) -> tuple[int, ...]:
        """The shape of the mean and the variance: the kept axes' lengths."""
        return tuple(x[a - 1] for a in self.kept_axes(x))  # type: ignore[misc]

    def broadcast_shape(self, x: Shape) -> tuple[int, ...]:
        """Keras' `_broadcast_shape` without the batch: the kept lengths, 1 elsewhere."""
        kept = self.kept_axes(x)
        return tuple(n if a in kept else 1 for a, n in enumerate(x, start=1))  # type: ignore[misc]

    def constants(self, x: Shape) -> tuple[np.ndarray, np.ndarray]:
        """The given mean and variance (float32) with their dimensions placed on the kept axes
        as Keras' `build` places them (aligned from the last; batch included, as 1), ready to
        broadcast to `broadcast_shape`; `ShapeError` if they do not broadcast to it."""
        shape = (1, *self.broadcast_shape(x))
        kept = self.kept_axes(x)
        out = []
        for value in (self.mean, self.variance):
            array = np.asarray(value, dtype=np.float32)
            expanded = [1] * len(shape)
            for i in range(1, array.ndim + 1):  # Keras aligns the last dimensions, right to left
                expanded[kept[-i]] = array.shape[-i]
            if any(e not in (1, n) for e, n in zip(expanded, shape)):
                raise ShapeError(
                    f"Normalization mean and variance of shape {array.shape} do not broadcast to "
                    f"the kept axes' lengths {self.statistics_shape(x)}"
                )
            out.append(array.reshape(expanded))
        return out[0], out[1]

    @override
    def output_shape(self, x: Shape) -> Shape:
        if self.mean is not None:
            self.constants(x)
        else:
            self.kept_axes(x)
        return x

    def weights(self, x: Shape) -> dict[str, Weight]:
        """Without given statistics, Keras' non-trainable `mean`, `variance` (the kept axes'
        lengths) and `count` (a scalar); with them, none."""
        if self.mean is not None:
            return {}
        shape = self.statistics_shape(x)
        return {
            "mean": Weight(shape, ZEROS, trainable=False),
            "variance": Weight(shape, ONES, trainable=False),
            "count": Weight((), ZEROS, trainable=False),
        }

    def adapted(self, data: Any) -> Normalization:
        """This layer with the `mean` and `variance` Keras' `adapt(data)` computes from one array
        (batch first): NumPy's mean and (biased) variance over every axis but the kept ones, in
        the array's own precision, rounded to float32 as Keras stores them, as nested lists."""
        array = np.asarray(data)
        kept = self.kept_axes(tuple(array.shape[1:]))
        reduce = tuple(a for a in range(array.ndim) if a not in kept)
        mean = np.mean(array, axis=reduce).astype(np.float32).tolist()
        variance = np.var(array, axis=reduce).astype(np.float32).tolist()
        return type(self).model_validate({**self.model_dump(), "mean": mean, "variance": variance})

    def adapted_weights(self, data: Any) -> dict[str, np.ndarray]:
        """Keras' weights after `adapt(data)` (for a layer without given statistics): `mean`
        and `variance` as `adapted` computes them, and `count`, which Keras' `adapt` leaves 0. For
        the torch module's `set_keras_weights`, or Keras' `set_weights` followed by
        `finalize_state()` (Keras computes from copies of the statistics that it makes)."""
        done = self.adapted(data)
        return {
            "mean": np.asarray(done.mean, dtype=np.float32),
            "variance": np.asarray(done.variance, dtype=np.float32),
            "count": np.zeros((), dtype=np.int64),
        }
