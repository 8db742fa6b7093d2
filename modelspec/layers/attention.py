"""Attention kinds, as Keras builds them: MultiHeadAttention, Attention (Luong's dot-product)
and AdditiveAttention (Bahdanau's).

Inputs are [query, value] or [query, value, key], the key defaulting to the value, as Keras'
layers are called; by role, `{query: q, value: v, key: k}`. `use_causal_mask` (a call argument in
Keras) lets query step i attend to value steps 0..i only. Masks are inputs by role, read as Keras
reads them (any dtype; nonzero means "attend"): MultiHeadAttention's `attention_mask` (Tq, Tv),
Attention's and AdditiveAttention's `value_mask` (Tv,) (Keras' `mask=[None, value_mask]`).

Implicit masks (Keras' `_keras_mask`, from an Embedding with `mask_zero` or a Masking upstream):
each kind reads them and its output carries the query's. Attention and AdditiveAttention lower
the scores of masked value steps by 1e9 (the key's mask is not read) and zero the output at
masked query steps; given a `value_mask`, they read that alone (Keras' `mask=[None,
value_mask]` replaces the implicit masks) and the output carries none. MultiHeadAttention ANDs
the query's (per row), value's and key's (per column) masks with its `attention_mask` and the
causal mask into one attention mask; a row with no step left attends evenly to every value step
where Keras uses its fused dot-product attention (no dropout) and to none (the output is the
output projection's bias) otherwise. Implicit masks need inputs of rank 2 (steps, features).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, NonNegativeInt, PositiveInt
from typing_extensions import override

from ..params import P
from .base import (
    GLOROT_UNIFORM,
    ONES,
    Layer,
    Role,
    Shape,
    ShapeError,
    Weight,
    format_shape,
    known_dim,
    refuse_mask,
    register,
)
from .dtypes import ALL_DTYPES, NUMBER_DTYPES
from .options import ActivityOptions, BiasOptions, KernelOptions, declared

QUERY = Role("query", "the query sequence (Tq, features)", required=True)
KEY = Role("key", "the key sequence (Tv, features), the value by default")


def _mask_fits(mask: Shape, want: Shape) -> bool:
    """Whether a mask of shape `mask` fits `want` (a None on either side matches any length)."""
    return len(mask) == len(want) and all(None in (m, w) or m == w for m, w in zip(mask, want))


@register
class MultiHeadAttention(Layer, KernelOptions, BiasOptions, ActivityOptions):
    """Scaled dot-product attention with `num_heads` heads of size `key_dim`.

    Inputs: [query, value] or [query, value, key] (key defaults to value); one input is
    self-attention. query (..., Tq, Dq), value (..., Tv, Dv) -> (..., Tq, output_shape or Dq).
    Each projection is an einsum kernel: query/key (D, heads, key_dim), value (Dv, heads,
    value_dim), output (heads, value_dim, Dq).
    """

    type: Literal["MultiHeadAttention"] = "MultiHeadAttention"
    input_dtypes = ALL_DTYPES
    num_heads: P[PositiveInt]
    key_dim: P[PositiveInt]
    value_dim: P[PositiveInt] | None = None
    dropout: P[Annotated[float, Field(ge=0, lt=1)]] = 0.0
    use_bias: P[bool] = True
    output_shape_: P[PositiveInt] | None = Field(None, alias="output_shape")
    use_causal_mask: P[bool] = False
    max_inputs = 3
    has_weights = True
    roles = (
        QUERY,
        Role("value", "the value sequence (Tv, features), the query by default"),
        KEY,
        Role("attention_mask", "where each query step may attend (Tq, Tv)", keyword=True),
    )
    supports_masking = True
    reads_mask = True
    clears_input_masks = True  # `set_keras_mask(query, None)`, value's and key's likewise

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
    def output_shape(self, *inputs: Shape, attention_mask: Shape | None = None) -> Shape:
        query, value, _ = self._shapes(inputs)
        for what, given in (
            ("use_causal_mask", self.use_causal_mask),
            ("attention_mask", attention_mask is not None),
        ):
            if given and (len(query) != 2 or len(value) != 2):
                raise ShapeError(
                    f"MultiHeadAttention {what} needs query and value of rank 2 "
                    f"(steps, features), got {format_shape(query)} and {format_shape(value)}",
                    role="attention_mask" if what == "attention_mask" else None,
                )
        if attention_mask is not None and not _mask_fits(attention_mask, (query[0], value[0])):
            raise ShapeError(
                f"MultiHeadAttention attention_mask must be of shape (query steps, value steps) "
                f"= {format_shape((query[0], value[0]))}, got {format_shape(attention_mask)}",
                role="attention_mask",
            )
        return (*query[:-1], self.output_shape_ or query[-1])

    @override
    def compute_mask(
        self, masks: tuple[bool, ...], *inputs: Shape, attention_mask: Shape | None = None
    ) -> bool:
        # Keras fills query_mask, value_mask and key_mask from the inputs and ANDs them with
        # attention_mask; the output carries the query's
        if any(masks) and any(len(shape) != 2 for shape in self._shapes(inputs)):
            refuse_mask(
                self,
                "Keras combines masks into one attention mask (query steps by value steps) "
                "for inputs of rank 2 (steps, features) only, batch excluded",
            )
        return masks[0]

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
            out[f"{name}_kernel"] = declared(self, f"{name}_kernel", kernel, options="kernel")  # type: ignore[arg-type]
            if self.use_bias:
                out[f"{name}_bias"] = declared(self, f"{name}_bias", bias, options="bias")  # type: ignore[arg-type]
        return out


class _ScoredAttention(Layer):
    """Attention over [query, value(, key)] of shapes (Tq, d), (Tv, dv), (Tv, d) -> (Tq, dv):
    scores (Tq, Tv) from query and key, softmax over Tv (dropout on it while training), times
    value. What Attention and AdditiveAttention share; subclasses say how scores are made."""

    dropout: P[Annotated[float, Field(ge=0, lt=1)]] = 0.0
    seed: P[NonNegativeInt] | None = None
    use_causal_mask: P[bool] = False
    min_inputs = 2
    max_inputs = 3
    has_weights = True
    roles = (
        QUERY,
        Role("value", "the value sequence (Tv, features)", required=True),
        KEY,
        Role("value_mask", "which value steps take part (Tv,)", keyword=True),
    )
    supports_masking = True
    reads_mask = True

    @override
    def compute_mask(
        self, masks: tuple[bool, ...], *inputs: Shape, value_mask: Shape | None = None
    ) -> bool:
        # Keras' call(mask=[None, value_mask]) replaces the inputs' implicit masks: none is
        # read, and the output carries none (Attention.compute_mask: mask[0], None)
        return masks[0] and value_mask is None

    @override
    def output_shape(self, *inputs: Shape, value_mask: Shape | None = None) -> Shape:
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        for role, shape in (("query", query), ("value", value), ("key", key)):
            if len(shape) != 2:
                raise ShapeError(
                    f"{self.type} needs {role} of rank 2 (steps, features), got {format_shape(shape)}"
                )
        known_dim(self, query[-1], "query feature dimension")
        if query[-1] != key[-1]:
            raise ShapeError(
                f"{self.type} needs query and key of one feature size, got query "
                f"{format_shape(query)} and key {format_shape(key)}"
            )
        if None not in (value[0], key[0]) and value[0] != key[0]:
            raise ShapeError(
                f"{self.type} needs value and key with the same steps, got value "
                f"{format_shape(value)} and key {format_shape(key)}"
            )
        if value_mask is not None and not _mask_fits(value_mask, (value[0],)):
            raise ShapeError(
                f"{self.type} value_mask must be of shape (value steps,) = "
                f"{format_shape((value[0],))}, got {format_shape(value_mask)}",
                role="value_mask",
            )
        return (query[0], value[-1])


@register
class Attention(_ScoredAttention):
    """Dot-product attention (Luong): scores = query . key (times the scalar weight `scale` with
    `use_scale`); `score_mode: concat`: `concat_score_weight * sum(tanh(scale * (q + k)))` over
    features. Weights: `scale` () and `concat_score_weight` (), both initialized to ones."""

    type: Literal["Attention"] = "Attention"
    use_scale: P[bool] = False
    score_mode: P[Literal["dot", "concat"]] = "dot"

    def weights(self, *inputs: Shape) -> dict[str, Weight]:
        """`scale` () with `use_scale`, `concat_score_weight` () with `score_mode: concat`."""
        out = {}
        if self.use_scale:
            out["scale"] = Weight((), ONES)
        if self.score_mode == "concat":
            out["concat_score_weight"] = Weight((), ONES)
        return out


@register
class AdditiveAttention(_ScoredAttention):
    """Additive attention (Bahdanau): scores = sum(scale * tanh(q + k)) over features, with the
    weight `scale` (d,) drawn glorot-uniform when `use_scale` (the default)."""

    type: Literal["AdditiveAttention"] = "AdditiveAttention"
    input_dtypes = NUMBER_DTYPES
    use_scale: P[bool] = True

    def weights(self, *inputs: Shape) -> dict[str, Weight]:
        """`scale` (query features,) with `use_scale`."""
        features = known_dim(self, inputs[0][-1], "query feature dimension")
        return {"scale": Weight((features,), GLOROT_UNIFORM)} if self.use_scale else {}
