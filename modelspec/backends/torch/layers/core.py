"""Torch lowerings of the core kinds: Dense, Activation, Dropout, Flatten, Reshape, Permute, Embedding."""

from __future__ import annotations

from typing import Any, ClassVar

from ....layers import core
from ..lowering import ANY, LOWERINGS, Arrays, Emitter, Lowering, renamed
from ..runtime import nn


def _transposed(name: str, a: Any) -> Any:
    return a.T if name in ("kernel", "weight") else a


@LOWERINGS.register(core.Dense)
class Dense(Lowering):
    """`nn.Linear`; Keras' kernel (in, units) is torch's weight transposed (units, in)."""

    arguments = ("units", "activation", "use_bias")

    def module(self) -> Any:
        return nn.Linear(self.site.shape[-1], self.layer.units, bias=self.layer.use_bias)

    def emit(self, e: Emitter, x: Any) -> Any:
        return e.activation(e.module(x), self.layer.activation)

    def to_torch(self, weights: Arrays) -> Arrays:
        return renamed({"kernel": "weight", "bias": "bias"}, weights, _transposed)

    def to_keras(self, params: Arrays) -> Arrays:
        return renamed({"weight": "kernel", "bias": "bias"}, params, _transposed)


@LOWERINGS.register(core.Activation)
class Activation(Lowering):
    layout = ANY
    arguments = ("activation",)

    def emit(self, e: Emitter, x: Any) -> Any:
        return e.activation(x, self.layer.activation)


@LOWERINGS.register(core.Dropout)
class Dropout(Lowering):
    """`nn.Dropout`; `seed` is honoured as far as it can be: torch draws from its own generator."""

    layout = ANY
    arguments = ("rate", "seed")

    def module(self) -> Any:
        return nn.Dropout(self.layer.rate)

    def emit(self, e: Emitter, x: Any) -> Any:
        return e.module(x)


@LOWERINGS.register(core.Flatten)
class Flatten(Lowering):
    """Keras flattens in (H, W, C) order: the input is taken channels-last."""

    def emit(self, e: Emitter, x: Any) -> Any:
        return e.method(x, "flatten", 1)


@LOWERINGS.register(core.Reshape)
class Reshape(Lowering):
    arguments = ("target_shape",)

    def emit(self, e: Emitter, x: Any) -> Any:
        shape = self.site.output.shape
        if None not in shape:
            return e.method(x, "reshape", -1, *shape)
        target = tuple(-1 if d is None else d for d in shape)
        return e.method(e.method(x, "flatten", 1), "unflatten", 1, target)


@LOWERINGS.register(core.Permute)
class Permute(Lowering):
    arguments = ("dims",)

    def emit(self, e: Emitter, x: Any) -> Any:
        return e.method(x, "permute", 0, *self.layer.dims)


@LOWERINGS.register(core.Embedding)
class Embedding(Lowering):
    """`nn.Embedding` on integer ids (float ids are truncated, as Keras casts them); masks are
    not propagated, so `mask_zero` is refused."""

    arguments = ("input_dim", "output_dim")
    fixed: ClassVar[dict[str, Any]] = {"mask_zero": False}
    casts = False

    def module(self) -> Any:
        return nn.Embedding(self.layer.input_dim, self.layer.output_dim)

    def emit(self, e: Emitter, x: Any) -> Any:
        integer = self.site.inputs[0].dtype.startswith("int")
        return e.module(x if integer else e.method(x, "long"))

    def to_torch(self, weights: Arrays) -> Arrays:
        return renamed({"embeddings": "weight"}, weights)

    def to_keras(self, params: Arrays) -> Arrays:
        return renamed({"weight": "embeddings"}, params)
