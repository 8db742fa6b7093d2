"""Torch lowerings of the attention kinds (their modules: `../modules.py`)."""

from __future__ import annotations

from typing import Any

from typing_extensions import override

from ....layers import attention
from ..lowering import LOWERINGS, Arrays, Emitter, Lowering
from ..modules import MultiHeadAttention as Module
from ..modules import ScoredAttention

PARTS = ("query", "key", "value", "output")


@LOWERINGS.register(attention.MultiHeadAttention)
class MultiHeadAttention(Lowering):
    """Inputs query, value, key (value defaults to query, key to value), as Keras calls it.
    Keras' einsum kernels: query/key (D, heads, key_dim), value (Dv, heads, value_dim) and output
    (heads, value_dim, D) are `nn.Linear` weights with the heads flattened, transposed."""

    arguments = (
        "num_heads",
        "key_dim",
        "value_dim",
        "dropout",
        "use_bias",
        "output_shape_",
        "use_causal_mask",
    )

    @override
    def module(self) -> Any:
        inputs, cfg = self.site.inputs, self.layer
        query, value = inputs[0].shape[-1], inputs[min(1, len(inputs) - 1)].shape[-1]
        key = inputs[2].shape[-1] if len(inputs) > 2 else value
        assert query and value and key  # the core refuses unknown feature sizes
        return Module(
            query,
            value,
            key,
            num_heads=cfg.num_heads,
            key_dim=cfg.key_dim,
            value_dim=cfg.value_dim,
            output_dim=self.site.output.shape[-1],
            use_bias=cfg.use_bias,
            dropout=cfg.dropout,
            causal=cfg.use_causal_mask,
        )

    @override
    def emit(self, e: Emitter, *xs: Any, attention_mask: Any = None) -> Any:
        # Keras' call(query=, value=): one input is both, and so is its implicit mask
        masks = e.masks if len(xs) > 1 else [e.masks[0], e.masks[0]]
        named = {**dict(zip(("query_mask", "value_mask", "key_mask"), masks)),
                 "attention_mask": attention_mask}  # fmt: skip
        return e.module(*xs, **{name: m for name, m in named.items() if m is not None})

    @override
    def to_torch(self, weights: Arrays) -> Arrays:
        out = {}
        for part in PARTS:
            kernel, bias = weights[f"{part}_kernel"], weights.get(f"{part}_bias")
            if part == "output":  # (heads, value_dim, D) -> (D, heads * value_dim)
                out[f"{part}.weight"] = kernel.reshape(-1, kernel.shape[-1]).T
            else:  # (D, heads, dim) -> (heads * dim, D)
                out[f"{part}.weight"] = kernel.reshape(kernel.shape[0], -1).T
            if bias is not None:
                out[f"{part}.bias"] = bias.reshape(-1)
        return out

    @override
    def to_keras(self, params: Arrays) -> Arrays:
        heads, key_dim = self.layer.num_heads, self.layer.key_dim
        value_dim = self.layer.value_dim or key_dim
        out = {}
        for part in PARTS:
            weight, bias = params[f"{part}.weight"], params.get(f"{part}.bias")
            dim = value_dim if part in ("value", "output") else key_dim
            if part == "output":
                out[f"{part}_kernel"] = weight.T.reshape(heads, dim, weight.shape[0])
            else:
                out[f"{part}_kernel"] = weight.T.reshape(weight.shape[1], heads, dim)
            if bias is not None:
                out[f"{part}_bias"] = bias if part == "output" else bias.reshape(heads, dim)
        return out


@LOWERINGS.register(attention.Attention, attention.AdditiveAttention)
class Attention(Lowering):
    """`ScoredAttention` on query, value(, key); its `scale` and `concat_score_weight` are Keras'
    weights of those names and shapes. Dropout draws from torch's generator (`seed` is Keras')."""

    arguments = ("use_scale", "score_mode", "dropout", "seed", "use_causal_mask")

    @override
    def module(self) -> Any:
        cfg = self.layer
        additive = isinstance(cfg, attention.AdditiveAttention)
        scale = self.layer.weights(*(t.shape for t in self.site.inputs)).get("scale")
        return ScoredAttention(
            "additive" if additive else cfg.score_mode,
            scale.shape if scale is not None else None,
            concat=not additive and cfg.score_mode == "concat",
            dropout=cfg.dropout,
            causal=cfg.use_causal_mask,
        )

    @override
    def emit(self, e: Emitter, *xs: Any, value_mask: Any = None) -> Any:
        # Keras' mask=[None, value_mask] replaces the implicit masks (the core gives the output
        # none then); the key's is never read
        named = (
            {"value_mask": value_mask}
            if value_mask is not None
            else dict(zip(("query_mask", "value_mask"), e.masks))
        )
        return e.module(*xs, **{name: m for name, m in named.items() if m is not None})

    @override
    def to_torch(self, weights: Arrays) -> Arrays:
        return dict(weights)

    @override
    def to_keras(self, params: Arrays) -> Arrays:
        return dict(params)
