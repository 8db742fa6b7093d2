"""Core layers: Dense, Dropout, Activation, Identity, Flatten, Reshape, Permute, Embedding, Masking.

Dense, Dropout, Activation and Identity pass a mask on (Keras' `supports_masking`); Flatten,
Reshape and Permute drop it; Embedding with `mask_zero` and Masking make one.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, PositiveInt, model_validator
from typing_extensions import override

from ..params import P
from .base import Activation as ActivationName
from .base import (
    Layer,
    Shape,
    ShapeError,
    Weight,
    expect_rank,
    format_shape,
    known_dim,
    register,
)
from .dropout import NoiseShape, Rate, check_noise_shape
from .dtypes import ALL_DTYPES
from .options import ActivityOptions, BiasOptions, EmbeddingsOptions, KernelOptions, declared


@register
class Dense(Layer, KernelOptions, BiasOptions, ActivityOptions):
    """`activation(inputs @ kernel + bias)` on the last axis: (..., d) -> (..., units)."""

    type: Literal["Dense"] = "Dense"
    input_dtypes = ALL_DTYPES
    units: P[PositiveInt]
    activation: P[ActivationName] = "linear"
    use_bias: P[bool] = True
    has_weights = True
    supports_masking = True

    @override
    def final_activation(self) -> str | None:
        return self.activation

    @override
    def output_shape(self, x: Shape) -> Shape:
        known_dim(self, x[-1], "last dimension (input features)")
        return (*x[:-1], self.units)

    def weights(self, x: Shape) -> dict[str, Weight]:
        """Kernel (d, units) and, with `use_bias`, bias (units,); `ShapeError` if d is unknown."""
        d = known_dim(self, x[-1], "last dimension (input features)")
        out = {"kernel": declared(self, "kernel", (d, self.units))}
        if self.use_bias:
            out["bias"] = declared(self, "bias", (self.units,))
        return out


@register
class Dropout(Layer):
    """Zeroes a `rate` fraction of inputs during training, scaling the rest by 1 / (1 - rate).

    `noise_shape` is Keras' shape of the keep mask, batch included as its first entry: entry i
    stands for input axis i (batch = 0), null for that axis's size, and the mask is broadcast
    against the input from the right; `[null, 1, null]` on (batch, steps, features) drops each
    feature for all steps alike. Each entry must be null, 1 or its axis's length (the batch's:
    null or 1), and null entries need the full length (`layers.dropout.check_noise_shape`).
    """

    type: Literal["Dropout"] = "Dropout"
    min_rank = 0  # a rank-0 input (one number per sample) is fine in Keras and torch
    rate: P[Rate]
    noise_shape: P[NoiseShape] | None = None
    seed: P[int] | None = None
    keeps_dtype = True
    supports_masking = True

    @override
    def returns_its_input(self) -> bool:
        return True  # in inference

    @override
    def output_shape(self, x: Shape) -> Shape:
        check_noise_shape(self, self.noise_shape, x)
        return x


@register
class Activation(Layer):
    """Applies an activation function element-wise (softmax: over the last axis)."""

    type: Literal["Activation"] = "Activation"
    min_rank = 0  # a rank-0 input (one number per sample) is fine in Keras and torch
    activation: P[ActivationName]
    supports_masking = True

    @override
    def returns_its_input(self) -> bool:
        return self.activation == "linear"  # `keras.activations.linear` returns x itself

    @override
    def final_activation(self) -> str | None:
        return self.activation

    @override
    def output_shape(self, x: Shape) -> Shape:
        return x


@register
class Identity(Layer):
    """Its input, unchanged (a named point in the graph): (...) -> (...)."""

    type: Literal["Identity"] = "Identity"
    min_rank = 0  # a rank-0 input (one number per sample) is fine in Keras and torch
    input_dtypes = ALL_DTYPES
    keeps_dtype = True
    supports_masking = True

    @override
    def returns_its_input(self) -> bool:
        return True

    @override
    def output_shape(self, x: Shape) -> Shape:
        return x


@register
class Flatten(Layer):
    """Flattens all but the batch axis, in channels-last order: (d1, ..., dn) -> (d1*...*dn,)."""

    type: Literal["Flatten"] = "Flatten"
    input_dtypes = ALL_DTYPES
    keeps_dtype = True

    @override
    def output_shape(self, x: Shape) -> Shape:
        return (None,) if None in x else (math.prod(x),)  # type: ignore[arg-type]


@register
class Reshape(Layer):
    """Reshapes to `target_shape` (batch excluded); one entry may be -1, inferred from the rest."""

    type: Literal["Reshape"] = "Reshape"
    min_rank = 0  # a rank-0 input (one number per sample) is fine in Keras and torch
    input_dtypes = ALL_DTYPES
    target_shape: list[P[Annotated[int, Field(ge=-1)]]] = Field(min_length=1)
    keeps_dtype = True

    @model_validator(mode="after")
    def _one_unknown(self) -> Reshape:
        dims = [d for d in self.target_shape if isinstance(d, int)]
        if dims.count(-1) > 1:
            raise ValueError("target_shape may contain -1 only once")
        if 0 in dims:
            raise ValueError("target_shape entries must be positive or -1")
        return self

    def output_shape(self, x: Shape) -> Shape:
        """`target_shape` with -1 filled in; `ShapeError` if the input's size does not fit it. With an
        unknown input dimension the -1 stays unknown (None), and the sizes are not checked.
        """
        target = list(self.target_shape)
        known = math.prod(d for d in target if d != -1)
        if None in x:
            return tuple(None if d == -1 else d for d in target)
        size = math.prod(x)  # type: ignore[arg-type]
        if -1 in target:
            if size % known:
                raise ShapeError(
                    f"Reshape cannot fit {size} values of {format_shape(x)} into "
                    f"target_shape {tuple(target)}: {size} is not a multiple of {known}"
                )
            return tuple(size // known if d == -1 else d for d in target)
        if known != size:
            raise ShapeError(
                f"Reshape target_shape {tuple(target)} holds {known} values but the "
                f"input {format_shape(x)} has {size}"
            )
        return tuple(target)


@register
class Permute(Layer):
    """Permutes the non-batch axes; `dims` counts from 1 as in Keras: (2, 1) swaps the two axes."""

    type: Literal["Permute"] = "Permute"
    input_dtypes = ALL_DTYPES
    dims: list[PositiveInt] = Field(min_length=1)
    keeps_dtype = True

    @model_validator(mode="after")
    def _is_permutation(self) -> Permute:
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"dims must be a permutation of 1..{len(self.dims)}, got {self.dims}")
        return self

    @override
    def output_shape(self, x: Shape) -> Shape:
        expect_rank(self, x, len(self.dims))
        return tuple(x[d - 1] for d in self.dims)


@register
class Embedding(Layer, EmbeddingsOptions, ActivityOptions):
    """Looks up integer indices in a (input_dim, output_dim) table: (...) -> (..., output_dim).

    With `mask_zero` the output carries the mask `ids != 0` (shape: the input's), Keras'
    `compute_mask`; a mask its input carries ends here.
    """

    type: Literal["Embedding"] = "Embedding"
    min_rank = 0  # a rank-0 input (one number per sample) is fine in Keras and torch
    input_dtypes = ALL_DTYPES
    input_dim: P[PositiveInt]
    output_dim: P[PositiveInt]
    mask_zero: bool = False
    has_weights = True

    @override
    def output_shape(self, x: Shape) -> Shape:
        return (*x, self.output_dim)

    @override
    def compute_mask(self, masks: tuple[bool, ...], x: Shape) -> bool:
        return self.mask_zero

    def weights(self, x: Shape) -> dict[str, Weight]:
        """`embeddings` (input_dim, output_dim), Keras' default initializer `uniform`
        (RandomUniform(-0.05, 0.05)).
        """
        return {"embeddings": declared(self, "embeddings", (self.input_dim, self.output_dim))}


@register
class Masking(Layer):
    """Masks the steps whose features all equal `mask_value`: the output carries the mask
    `any(x != mask_value)` over the last axis, and those steps are set to 0 (Keras 3's
    `where(mask, x, 0)`): (..., d) -> (..., d), float32. A mask its input carries is replaced.
    """

    type: Literal["Masking"] = "Masking"
    mask_value: P[float] = 0.0
    supports_masking = True

    @override
    def output_shape(self, x: Shape) -> Shape:
        if not x:
            raise ShapeError("Masking needs inputs of rank 1 or more (features), batch excluded")
        return x

    @override
    def compute_mask(self, masks: tuple[bool, ...], x: Shape) -> bool:
        return True
