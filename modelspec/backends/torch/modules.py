"""Torch modules with Keras semantics, for the kinds torch has no exact native module for.

Dense, Conv*, Embedding and Dropout lower to torch's own modules (their lowerings: `layers/`); recurrent
layers live in `recurrent.py`. Each module here holds exactly the weights its Keras layer holds.
"""

from __future__ import annotations

import math
from typing import Any

from typing_extensions import override

from .runtime import F, nn, torch

Tensor = Any  # torch.Tensor (Any to the type checker, as torch is)


class BatchNorm(nn.Module):
    """Keras' BatchNormalization over channel axis 1 of its input (channels-first, or (batch, C)).

    Inference: `(x - moving_mean) / sqrt(moving_variance + epsilon) * gamma + beta`. Training
    normalises with the batch's biased variance and moves the running statistics as Keras does:
    `moving = moving * momentum + batch * (1 - momentum)`, with the *biased* variance (torch's
    BatchNorm uses the unbiased one and the opposite meaning of momentum).
    """

    def __init__(
        self,
        features: int,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
    ) -> None:
        super().__init__()
        self.features, self.momentum, self.epsilon = features, momentum, epsilon
        self.weight = nn.Parameter(torch.ones(features)) if scale else None
        self.bias = nn.Parameter(torch.zeros(features)) if center else None
        self.register_buffer("running_mean", torch.zeros(features))
        self.register_buffer("running_var", torch.ones(features))

    @override
    def extra_repr(self) -> str:
        return f"{self.features}, momentum={self.momentum}, epsilon={self.epsilon}"

    def forward(self, x: Tensor) -> Tensor:
        """x (batch, channels, ...), channels first -> the same shape; batch statistics in training
        (updating the moving ones), the moving statistics in inference.
        """
        if not self.training:
            return F.batch_norm(
                x,
                self.running_mean,
                self.running_var,
                self.weight,
                self.bias,
                False,
                0.0,
                self.epsilon,
            )
        dims = [0, *range(2, x.dim())]
        var, mean = torch.var_mean(x, dims, correction=0, keepdim=True)
        with torch.no_grad():
            self.running_mean.lerp_(mean.flatten(), 1 - self.momentum)
            self.running_var.lerp_(var.flatten(), 1 - self.momentum)
        # by hand, not F.batch_norm(training=True), which refuses a batch of one sample (Keras takes it)
        y = (x - mean) * torch.rsqrt(var + self.epsilon)
        shape = (1, -1, *[1] * (x.dim() - 2))
        if self.weight is not None:
            y = y * self.weight.view(shape)
        return y + self.bias.view(shape) if self.bias is not None else y


class LayerNorm(nn.Module):
    """Keras' LayerNormalization over the last `len(shape)` axes, gamma and beta each optional."""

    def __init__(
        self, shape: tuple[int, ...], epsilon: float = 1e-3, center: bool = True, scale: bool = True
    ) -> None:
        super().__init__()
        self.shape, self.epsilon = tuple(shape), epsilon
        self.weight = nn.Parameter(torch.ones(self.shape)) if scale else None
        self.bias = nn.Parameter(torch.zeros(self.shape)) if center else None

    @override
    def extra_repr(self) -> str:
        return f"{self.shape}, epsilon={self.epsilon}"

    @override
    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, self.shape, self.weight, self.bias, self.epsilon)


class MultiHeadAttention(nn.Module):
    """Keras' MultiHeadAttention: project query, key and value to `num_heads` heads, attend with
    scale 1/sqrt(key_dim) over every axis between batch and features (flattened into one), and
    project the heads back. Projections are `nn.Linear`s named as the core names their weights
    (`query`, `key`, `value`, `output`); the lowering (`layers/attention.py`) reshapes Keras'
    einsum kernels. An `attention_mask` (batch, Tq, Tv), nonzero where a query step may attend
    (Keras casts it to bool), sets the other scores to -1e9 before the softmax, as Keras does
    (so a row with no step left attends to all alike), after the causal mask if there is one.
    """

    def __init__(
        self,
        query_dim: int,
        value_dim_in: int,
        key_dim_in: int,
        *,
        num_heads: int,
        key_dim: int,
        value_dim: int | None = None,
        output_dim: int | None = None,
        use_bias: bool = True,
        dropout: float = 0.0,
        causal: bool = False,
    ) -> None:
        super().__init__()
        value_dim = value_dim or key_dim
        self.num_heads, self.key_dim, self.value_dim = num_heads, key_dim, value_dim
        self.dropout, self.causal = dropout, causal
        self.query = nn.Linear(query_dim, num_heads * key_dim, bias=use_bias)
        self.key = nn.Linear(key_dim_in, num_heads * key_dim, bias=use_bias)
        self.value = nn.Linear(value_dim_in, num_heads * value_dim, bias=use_bias)
        self.output = nn.Linear(num_heads * value_dim, output_dim or query_dim, bias=use_bias)

    @override
    def extra_repr(self) -> str:
        return f"num_heads={self.num_heads}, key_dim={self.key_dim}, value_dim={self.value_dim}"

    def forward(
        self,
        query: Tensor,
        value: Tensor | None = None,
        key: Tensor | None = None,
        attention_mask: Tensor | None = None,
    ) -> Tensor:
        """query (batch, ..., Tq, Dq), value (batch, ..., Tv, Dv), key (batch, ..., Tv, Dk) -> (batch,
        ..., Tq, output_dim); value defaults to query and key to value, as Keras calls the layer.
        """
        value = query if value is None else value
        key = value if key is None else key
        shape = query.shape[:-1]
        q = self._heads(self.query(query), self.key_dim)
        k = self._heads(self.key(key), self.key_dim)
        v = self._heads(self.value(value), self.value_dim)
        p = self.dropout if self.training else 0.0
        scale = 1 / math.sqrt(self.key_dim)
        if attention_mask is None:
            out = F.scaled_dot_product_attention(
                q, k, v, dropout_p=p, is_causal=self.causal, scale=scale
            )
        else:  # by hand: SDPA gives NaN for a row with no step left, Keras a uniform row
            keep = attention_mask.bool().unsqueeze(1)  # (batch, 1: every head, Tq, Tv)
            if self.causal:
                keep = (
                    keep & torch.ones(keep.shape[-2:], dtype=torch.bool, device=keep.device).tril()
                )
            scores = torch.matmul(q, k.transpose(-2, -1)) * scale
            weights = torch.softmax(scores.masked_fill(~keep, -1e9), dim=-1)
            out = torch.matmul(F.dropout(weights, p) if p > 0 else weights, v)
        out = out.transpose(1, 2).flatten(2)  # (batch, positions, heads * value_dim)
        return self.output(out.reshape(*shape, out.shape[-1]))

    def _heads(self, x: Tensor, size: int) -> Tensor:
        """(batch, *positions, heads * size) -> (batch, heads, positions, size)."""
        x = x.flatten(1, -2) if x.dim() > 3 else x
        return x.unflatten(-1, (self.num_heads, size)).transpose(1, 2)


class ScoredAttention(nn.Module):
    """Keras' Attention (`mode` "dot" or "concat") and AdditiveAttention (`mode` "additive") on
    query (batch, Tq, d), value (batch, Tv, dv), key (batch, Tv, d) -> (batch, Tq, dv).

    Scores: dot `q @ k^T` (times `scale`); concat `concat_score_weight * sum(tanh(scale * (q +
    k)))`; additive `sum(scale * tanh(q + k))`, each sum over features. A causal mask and a
    `value_mask` (batch, Tv), nonzero for the value steps that take part (Keras casts it to bool),
    lower the scores they leave out by 1e9 (Keras' `scores - 1e9`), then softmax over Tv,
    dropout while training, times value. `scale` and `concat_score_weight` are parameters when
    Keras has them.
    """

    def __init__(
        self, mode: str, scale: tuple[int, ...] | None, concat: bool, dropout: float, causal: bool
    ) -> None:
        super().__init__()
        self.mode, self.dropout, self.causal = mode, dropout, causal
        self.scale = nn.Parameter(torch.ones(scale)) if scale is not None else None
        self.concat_score_weight = nn.Parameter(torch.ones(())) if concat else None

    def forward(
        self,
        query: Tensor,
        value: Tensor,
        key: Tensor | None = None,
        value_mask: Tensor | None = None,
    ) -> Tensor:
        """The attended values, as the class docstring says."""
        key = value if key is None else key
        if self.mode == "dot":
            scores = torch.matmul(query, key.transpose(-2, -1))
            scores = scores if self.scale is None else scores * self.scale
        else:
            summed = query.unsqueeze(-2) + key.unsqueeze(-3)  # (batch, Tq, Tv, d)
            if self.mode == "additive":
                terms = (
                    torch.tanh(summed) if self.scale is None else self.scale * torch.tanh(summed)
                )
                scores = terms.sum(-1)
            else:
                summed = summed if self.scale is None else self.scale * summed
                scores = self.concat_score_weight * torch.tanh(summed).sum(-1)
        keep = None if value_mask is None else value_mask.bool().unsqueeze(-2)  # (batch, 1, Tv)
        if self.causal:
            steps = scores.shape[-2:]
            causal = torch.ones(steps, dtype=torch.bool, device=scores.device).tril()
            keep = causal if keep is None else keep & causal
        if keep is not None:
            scores = torch.where(keep, scores, scores - 1e9)
        weights = torch.softmax(scores, dim=-1)
        if self.training and self.dropout > 0:
            weights = F.dropout(weights, self.dropout)
        return torch.matmul(weights, value)
