"""MultiHeadAttention, as Keras builds it (`keras.layers.MultiHeadAttention`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, PositiveInt
from typing_extensions import override

from ..params import P
from .base import (
    GLOROT_UNIFORM,
    ZEROS,
    Layer,
    Shape,
    ShapeError,
    Weight,
    format_shape,
    known_dim,
    register,
)


@register
class MultiHeadAttention(Layer):
    """Scaled dot-product attention with `num_heads` heads of size `key_dim`.

    Inputs: [query, value] or [query, value, key] (key defaults to value); one input is
    self-attention. query (..., Tq, Dq), value (..., Tv, Dv) -> (..., Tq, output_shape or Dq).
    Each projection is an einsum kernel: query/key (D, heads, key_dim), value (Dv, heads,
    value_dim), output (heads, value_dim, Dq).
    """

    type: Literal["MultiHeadAttention"] = "MultiHeadAttention"
    num_heads: P[PositiveInt]
    key_dim: P[PositiveInt]
    value_dim: P[PositiveInt] | None = None
    dropout: P[Annotated[float, Field(ge=0, lt=1)]] = 0.0
    use_bias: P[bool] = True
    output_shape_: P[PositiveInt] | None = Field(None, alias="output_shape")
    max_inputs = 3
    has_weights = True

    def _shapes(self, inputs: tuple[Shape, ...]) -> tuple[Shape, Shape, Shape]:
        query = inputs[0]
        value = inputs[1] if len(inputs) > 1 else query
        key = inputs[2] if len(inputs) > 2 else value
        for role, shape in (("query", query), ("value", value), ("key", key)):
            if len(shape) < 2:
                raise ShapeError(
                    f"MultiHeadAttention needs {role} of rank 2 or more "
                    f"(steps, features), got {format_shape(shape)}"
                )
            known_dim(self, shape[-1], f"{role} feature dimension")
        if len(value) != len(key) or (None not in (value[-2], key[-2]) and value[-2] != key[-2]):
            raise ShapeError(
                f"MultiHeadAttention needs value and key with the same steps, got "
                f"value {format_shape(value)} and key {format_shape(key)}"
            )
        return query, value, key

    @override
    def output_shape(self, *inputs: Shape) -> Shape:
        query, _, _ = self._shapes(inputs)
        return (*query[:-1], self.output_shape_ or query[-1])

    def weights(self, *inputs: Shape) -> dict[str, Weight]:
        """`query_kernel`, `key_kernel`, `value_kernel`, `output_kernel` and, with `use_bias`, their
        biases, in the shapes the class docstring gives (Keras' `EinsumDense` layouts).
        """
        query, value, key = self._shapes(inputs)
        heads, kd = self.num_heads, self.key_dim
        vd = self.value_dim or kd
        out_dim = self.output_shape_ or query[-1]
        projections = {
            "query": ((query[-1], heads, kd), (heads, kd)),
            "key": ((key[-1], heads, kd), (heads, kd)),
            "value": ((value[-1], heads, vd), (heads, vd)),
            "output": ((heads, vd, out_dim), (out_dim,)),
        }
        out = {}
        for name, (kernel, bias) in projections.items():
            out[f"{name}_kernel"] = Weight(kernel, GLOROT_UNIFORM)  # type: ignore[arg-type]
            if self.use_bias:
                out[f"{name}_bias"] = Weight(bias, ZEROS)  # type: ignore[arg-type]
        return out
