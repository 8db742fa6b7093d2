"""Torch lowerings of the core kinds: Dense, Activation, Dropout, Flatten, Reshape, Permute,
Embedding, Masking (the masks pass on by the default `Lowering.mask`)."""

from __future__ import annotations

from typing import Any

from typing_extensions import override

from ....layers import core
from ..lowering import (
    ANY,
    LOWERINGS,
    Arrays,
    Emitter,
    Lowering,
    renamed,
    spread,
)
from ..runtime import nn, torch
from .noise import ShapedDropout


def _transposed(name: str, a: Any) -> Any:
    return a.T if name in ("kernel", "weight") else a


@LOWERINGS.register(core.Dense)
class Dense(Lowering):
    """`nn.Linear`; Keras' kernel (in, units) is torch's weight transposed (units, in)."""

    arguments = ("units", "activation", "use_bias")

    @override
    def module(self) -> Any:
        return nn.Linear(self.site.shape[-1], self.layer.units, bias=self.layer.use_bias)

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        return e.activation(e.module(x), self.layer.activation)

    @override
    def to_torch(self, weights: Arrays) -> Arrays:
        return renamed({"kernel": "weight", "bias": "bias"}, weights, _transposed)

    @override
    def to_keras(self, params: Arrays) -> Arrays:
        return renamed({"weight": "kernel", "bias": "bias"}, params, _transposed)


@LOWERINGS.register(core.Activation)
class Activation(Lowering):
    """The activation function applied inline, in any layout (softmax over the channels)."""

    layout = ANY
    arguments = ("activation",)

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        return e.activation(x, self.layer.activation)


@LOWERINGS.register(core.Dropout)
class Dropout(ShapedDropout):
    """`nn.Dropout`, or with `noise_shape` `noise.MaskDropout` on channels-last data; `seed` is
    honoured as far as it can be: torch draws from its own generator."""


@LOWERINGS.register(core.Identity)
class Identity(Lowering):
    """No code at all: the node's tensor is its input's."""

    layout = ANY

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        return x


@LOWERINGS.register(core.Flatten)
class Flatten(Lowering):
    """Keras flattens in (H, W, C) order: the input is taken channels-last."""

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        return e.method(x, "flatten", 1)


@LOWERINGS.register(core.Reshape)
class Reshape(Lowering):
    """`reshape`, or with an unknown dimension `flatten` then `unflatten` (torch infers one -1)."""

    arguments = ("target_shape",)

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        shape = self.site.output.shape
        if None not in shape:
            return e.method(x, "reshape", -1, *shape)
        target = tuple(-1 if d is None else d for d in shape)
        return e.method(e.method(x, "flatten", 1), "unflatten", 1, target)


@LOWERINGS.register(core.Permute)
class Permute(Lowering):
    """`permute`, batch kept first; Keras counts `dims` from 1, so they are torch's dimensions."""

    arguments = ("dims",)

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        return e.method(x, "permute", 0, *self.layer.dims)


@LOWERINGS.register(core.Embedding)
class Embedding(Lowering):
    """`nn.Embedding` on integer ids (float ids are truncated, as Keras casts them); with
    `mask_zero` the output's mask is `ids.ne(0)`, read from the ids as given (Keras' too)."""

    arguments = ("input_dim", "output_dim", "mask_zero")
    casts = False

    @override
    def mask(self, e: Emitter, x: Any) -> Any:
        return e.method(x, "ne", 0)

    @override
    def module(self) -> Any:
        return nn.Embedding(self.layer.input_dim, self.layer.output_dim)

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        integer = self.site.inputs[0].dtype.startswith("int")
        return e.module(x if integer else e.method(x, "long"))

    @override
    def to_torch(self, weights: Arrays) -> Arrays:
        return renamed({"embeddings": "weight"}, weights)

    @override
    def to_keras(self, params: Arrays) -> Arrays:
        return renamed({"weight": "embeddings"}, params)


@LOWERINGS.register(core.Masking)
class Masking(Lowering):
    """The mask `x.ne(mask_value).any(channels)`; the masked steps set to 0 with `torch.where`
    (Keras 3's `where`, not a product: an inf or nan there becomes 0 too), in any layout."""

    layout = ANY
    arguments = ("mask_value",)

    @override
    def mask(self, e: Emitter, x: Any) -> Any:
        return e.method(e.method(x, "ne", self.layer.mask_value), "any", e.dim(-1))

    @override
    def emit(self, e: Emitter, x: Any) -> Any:
        return e.fn(torch.where, spread(e, e.mask), x, 0.0)
