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

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """x (batch, channels, ...), channels first -> the same shape; batch statistics in training
        (updating the moving ones), the moving statistics in inference. `mask` (broadcastable to
        x, boolean) limits the batch statistics to the positions it keeps (`_masked_moments`).
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
        if mask is None:
            var, mean = torch.var_mean(x, dims, correction=0, keepdim=True)
        else:
            var, mean = self._masked_moments(x, mask.expand_as(x), dims)
        with torch.no_grad():
            self.running_mean.lerp_(mean.flatten(), 1 - self.momentum)
            self.running_var.lerp_(var.flatten(), 1 - self.momentum)
        # by hand, not F.batch_norm(training=True), which refuses a batch of one sample (Keras takes it)
        y = (x - mean) * torch.rsqrt(var + self.epsilon)
        shape = (1, -1, *[1] * (x.dim() - 2))
        if self.weight is not None:
            y = y * self.weight.view(shape)
        return y + self.bias.view(shape) if self.bias is not None else y

    @staticmethod
    def _masked_moments(x: Tensor, keep: Tensor, dims: list[int]) -> tuple[Tensor, Tensor]:
        """Keras' `BatchNormalization._moments` with a mask: the mean and biased variance of the
        kept positions, each sum divided by (count + 1e-7)."""
        count = keep.to(x.dtype).sum(dims, keepdim=True) + 1e-7
        mean = torch.where(keep, x, 0.0).sum(dims, keepdim=True) / count
        var = torch.where(keep, x - mean, 0.0).square().sum(dims, keepdim=True) / count
        return var, mean


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
    einsum kernels. An `attention_mask` (batch, Tq, Tv) and the inputs' implicit masks (Keras'
    query, value and key masks) are one attention mask, applied as Keras does (`_attend`).
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
        query_mask: Tensor | None = None,
        value_mask: Tensor | None = None,
        key_mask: Tensor | None = None,
    ) -> Tensor:
        """query (batch, ..., Tq, Dq), value (batch, ..., Tv, Dv), key (batch, ..., Tv, Dk) -> (batch,
        ..., Tq, output_dim); value defaults to query and key to value, as Keras calls the layer.
        The masks (batch, Tq) and (batch, Tv), of inputs of rank 3, become one attention mask
        (`_attend`).
        """
        value = query if value is None else value
        key = value if key is None else key
        shape = query.shape[:-1]
        q = self._heads(self.query(query), self.key_dim)
        k = self._heads(self.key(key), self.key_dim)
        v = self._heads(self.value(value), self.value_dim)
        masks = (attention_mask, query_mask, value_mask, key_mask)
        if any(m is not None for m in masks):
            out = self._attend(q, k, v, *masks)
        else:
            p = self.dropout if self.training else 0.0
            out = F.scaled_dot_product_attention(
                q, k, v, dropout_p=p, is_causal=self.causal, scale=1 / math.sqrt(self.key_dim)
            )
        out = out.transpose(1, 2).flatten(2)  # (batch, positions, heads * value_dim)
        return self.output(out.reshape(*shape, out.shape[-1]))

    def _attend(
        self,
        q: Tensor,
        k: Tensor,
        v: Tensor,
        attention_mask: Tensor | None,
        query_mask: Tensor | None,
        value_mask: Tensor | None,
        key_mask: Tensor | None,
    ) -> Tensor:
        """Attention under Keras' mask `attention_mask & query_mask[:, :, None] & value_mask[:,
        None, :] & key_mask[:, None, :]` (& causal; `attention_mask` (batch, Tq, Tv) nonzero where
        a query step may attend: Keras casts it to bool), as Keras computes it: without dropout
        its fused dot-product attention sets the masked scores to -0.7 * 3.38953e38 (a row with no
        step left attends evenly to every step); with dropout its Softmax layer sets them to -1e9
        and zeroes their weights after (such a row attends to none)."""
        keep = None if attention_mask is None else attention_mask.bool()
        for mask, axis in ((query_mask, -1), (value_mask, -2), (key_mask, -2)):
            if mask is not None:
                mask = mask.unsqueeze(axis)
                keep = mask if keep is None else keep & mask
        assert keep is not None  # called with at least one mask
        if self.causal:
            keep = (
                keep & torch.ones(q.shape[2], k.shape[2], dtype=torch.bool, device=q.device).tril()
            )
        keep = keep.unsqueeze(1)  # (batch, 1 for every head, Tq, Tv)
        scale = 1 / math.sqrt(self.key_dim)
        if self.dropout == 0:
            scores = torch.matmul(q, k.transpose(-2, -1)) * scale
            weights = torch.softmax(torch.where(keep, scores, -0.7 * 3.38953e38), -1)
        else:
            scores = torch.matmul(q * scale, k.transpose(-2, -1))
            weights = torch.softmax(torch.where(keep, scores, -1e9), -1)
            weights = torch.where(keep, weights, 0.0)
            weights = F.dropout(weights, self.dropout) if self.training else weights
        return torch.matmul(weights, v)

    def _heads(self, x: Tensor, size: int) -> Tensor:
        """(batch, *positions, heads * size) -> (batch, heads, positions, size)."""
        x = x.flatten(1, -2) if x.dim() > 3 else x
        return x.unflatten(-1, (self.num_heads, size)).transpose(1, 2)


class ScoredAttention(nn.Module):
    """Keras' Attention (`mode` "dot" or "concat") and AdditiveAttention (`mode` "additive") on
    query (batch, Tq, d), value (batch, Tv, dv), key (batch, Tv, d) -> (batch, Tq, dv).

    Scores: dot `q @ k^T` (times `scale`); concat `concat_score_weight * sum(tanh(scale * (q +
    k)))`; additive `sum(scale * tanh(q + k))`, each sum over features. A causal mask and the
    value's mask (a `value_mask` (batch, Tv), nonzero for the value steps that take part: Keras
    casts it to bool) lower the scores they leave out by 1e9 (Keras' `scores - 1e9`), then
    softmax over Tv, dropout while training, times value; the query's mask (batch, Tq) zeroes
    the output at masked query steps. `scale` and `concat_score_weight` are parameters when
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
        query_mask: Tensor | None = None,
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
        out = torch.matmul(weights, value)
        return out if query_mask is None else torch.where(query_mask.unsqueeze(-1), out, 0.0)
