"""Torch lowering rules: one per layer kind, from a layer config to a submodule and its call.

A rule takes `(config, site)` (the concrete layer config; the node's name, input and output
types) and returns a `Lowering`: `module` makes the layer instance's submodule (None for
weightless kinds, which are written inline), `emit(e, *inputs)` writes the node's computation
with the `Emitter` `e` and returns its result, and `layout` says whether the inputs must be
channels-last (Keras' layout, the default), channels-first (what torch's convolutions, pooling
and batch norm read) or either (element-wise work, which stays in its input's layout).

Every argument of the config is honoured or refused: a rule names the fields it honours, and any
other field is a `BackendError` naming the node, the kind and this back end (a field added to a
kind later is refused until its rule says how it lowers).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce
from typing import Any, Callable, NoReturn

from ...graph import TensorType
from ...layers import Layer
from .. import BackendError, RuleTable, import_framework
from .modules import BatchNorm, LayerNorm, MultiHeadAttention
from .recurrent import KINDS as RECURRENT
from .recurrent import Bidirectional

torch = import_framework("torch")
nn = torch.nn
F = torch.nn.functional

RULES = RuleTable("torch")
CHANNELS_LAST, CHANNELS_FIRST, ANY = "channels_last", "channels_first", "any"


@dataclass
class Site:
    """Where a rule is applied: the node's name (for messages) and its tensors' types."""

    name: str
    inputs: list[TensorType]
    output: TensorType

    @property
    def shape(self) -> tuple:
        """The first input's shape (batch excluded)."""
        return self.inputs[0].shape


@dataclass
class Lowering:
    emit: Callable[..., Any]
    module: Callable[[], Any] | None = None
    layout: str = CHANNELS_LAST
    casts: bool = True  # inputs are cast to the node's dtype first (Keras' autocast)


def refuse(config: Layer, site: Site, what: str) -> NoReturn:
    raise BackendError(
        f"node {site.name!r}: layer kind {config.type}: {what} is not supported by the torch back end"
    )


def honour(config: Layer, site: Site, *fields: str, **only: Any) -> None:
    """Refuse every field of the config that is not in `fields`, and a field in `only` set to
    anything but the value given there."""
    for name in type(config).model_fields:
        value = getattr(config, name)
        if name != "type" and name not in fields and (name not in only or value != only[name]):
            refuse(config, site, f"argument {name}={value!r}")


def ntuple(value: Any, n: int) -> tuple[int, ...]:
    return (value,) * n if isinstance(value, int) else tuple(value)


# --- core --------------------------------------------------------------------------------------


@RULES.register("Dense")
def dense(config: Layer, site: Site) -> Lowering:
    honour(config, site, "units", "activation", "use_bias")
    return Lowering(
        module=lambda: nn.Linear(site.shape[-1], config.units, bias=config.use_bias),
        emit=lambda e, x: e.activation(e.module(x), config.activation),
    )


@RULES.register("Activation")
def activation(config: Layer, site: Site) -> Lowering:
    honour(config, site, "activation")
    return Lowering(layout=ANY, emit=lambda e, x: e.activation(x, config.activation))


@RULES.register("Dropout")
def dropout(config: Layer, site: Site) -> Lowering:
    honour(config, site, "rate", "seed")  # seed: torch draws from its own generator
    return Lowering(layout=ANY, module=lambda: nn.Dropout(config.rate), emit=lambda e, x: e.module(x))


@RULES.register("Flatten")
def flatten(config: Layer, site: Site) -> Lowering:
    honour(config, site)  # Keras flattens in (H, W, C) order: flatten channels-last data
    return Lowering(emit=lambda e, x: e.method(x, "flatten", 1))


@RULES.register("Reshape")
def reshape(config: Layer, site: Site) -> Lowering:
    honour(config, site, "target_shape")
    shape = site.output.shape
    if None not in shape:
        return Lowering(emit=lambda e, x: e.method(x, "reshape", -1, *shape))
    target = tuple(-1 if d is None else d for d in shape)
    return Lowering(emit=lambda e, x: e.method(e.method(x, "flatten", 1), "unflatten", 1, target))


@RULES.register("Permute")
def permute(config: Layer, site: Site) -> Lowering:
    honour(config, site, "dims")
    return Lowering(emit=lambda e, x: e.method(x, "permute", 0, *config.dims))


@RULES.register("Embedding")
def embedding(config: Layer, site: Site) -> Lowering:
    honour(config, site, "input_dim", "output_dim", mask_zero=False)  # masks are not propagated
    integer = site.inputs[0].dtype.startswith("int")
    return Lowering(
        module=lambda: nn.Embedding(config.input_dim, config.output_dim),
        emit=lambda e, x: e.module(x if integer else e.method(x, "long")),
        casts=False,
    )


# --- merging -----------------------------------------------------------------------------------


def _merge(combine: Callable[[Any, list], Any], *fields: str):
    def rule(config: Layer, site: Site) -> Lowering:
        honour(config, site, *fields)
        return Lowering(layout=ANY, emit=lambda e, *xs: combine(e, list(xs)))

    return rule


def _chain(function: Callable[..., Any]):
    return lambda e, xs: reduce(lambda a, b: e.fn(function, a, b), xs)


RULES.register("Add")(_merge(_chain(operator.add)))
RULES.register("Subtract")(_merge(_chain(operator.sub)))
RULES.register("Multiply")(_merge(_chain(operator.mul)))
RULES.register("Average")(_merge(lambda e, xs: e.fn(operator.truediv, _chain(operator.add)(e, xs), len(xs))))


@RULES.register("Concatenate")
def concatenate(config: Layer, site: Site) -> Lowering:
    honour(config, site, "axis")
    return Lowering(layout=ANY, emit=lambda e, *xs: e.fn(torch.cat, list(xs), dim=e.dim(config.axis)))


# --- normalization -------------------------------------------------------------------------------


def _normalized_axis(config: Layer, site: Site) -> tuple[int, int]:
    """(Keras axis counted with the batch as 0, rank with the batch) of a normalization layer."""
    rank = len(site.shape) + 1
    return config.axis % rank, rank


@RULES.register("BatchNormalization")
def batch_norm(config: Layer, site: Site) -> Lowering:
    """Normalises torch dim 1: the channels of channels-first data when `axis` is the last (the
    default); another axis is moved to dim 1 and back, in whichever layout its input has."""
    honour(config, site, "axis", "momentum", "epsilon", "center", "scale")
    axis, rank = _normalized_axis(config, site)
    layout = CHANNELS_FIRST if axis == rank - 1 else ANY

    def emit(e, x):
        if e.dim(axis) == 1:
            return e.module(x)
        moved = e.module(e.method(x, "movedim", e.dim(axis), 1))
        return e.method(moved, "movedim", 1, e.dim(axis))

    return Lowering(
        layout=layout,
        module=lambda: BatchNorm(site.shape[axis - 1], config.momentum, config.epsilon, config.center,
                                 config.scale),  # fmt: skip
        emit=emit,
    )


@RULES.register("LayerNormalization")
def layer_norm(config: Layer, site: Site) -> Lowering:
    """Normalises the last axis (`axis` moved there first when it is another)."""
    honour(config, site, "axis", "epsilon", "center", "scale")
    axis, rank = _normalized_axis(config, site)

    def emit(e, x):
        if axis == rank - 1:
            return e.module(x)
        return e.method(e.module(e.method(x, "movedim", axis, -1)), "movedim", -1, axis)

    return Lowering(
        module=lambda: LayerNorm((site.shape[axis - 1],), config.epsilon, config.center, config.scale),
        emit=emit,
    )


# --- recurrent and attention --------------------------------------------------------------------

RECURRENT_FIELDS = ("units", "activation", "recurrent_activation", "use_bias", "return_sequences",
                    "go_backwards", "dropout", "recurrent_dropout", "reset_after",
                    "unit_forget_bias")  # fmt: skip


def recurrent_module(config: Layer, site: Site, input_size: int, go_backwards: bool) -> Any:
    honour(config, site, *RECURRENT_FIELDS)
    options = dict(activation=config.activation, use_bias=config.use_bias, go_backwards=go_backwards,
                   return_sequences=config.return_sequences, dropout=config.dropout,
                   recurrent_dropout=config.recurrent_dropout)  # fmt: skip
    if config.type != "SimpleRNN":
        options["recurrent_activation"] = config.recurrent_activation
    if config.type == "GRU":
        options["reset_after"] = config.reset_after
    return RECURRENT[config.type](input_size, config.units, **options)


@RULES.register("LSTM", "GRU", "SimpleRNN")
def recurrent(config: Layer, site: Site) -> Lowering:
    honour(config, site, *RECURRENT_FIELDS)
    return Lowering(
        module=lambda: recurrent_module(config, site, site.shape[-1], config.go_backwards),
        emit=lambda e, x: e.module(x),
    )


@RULES.register("Bidirectional")
def bidirectional(config: Layer, site: Site) -> Lowering:
    honour(config, site, "layer", "merge_mode")
    inner = config.layer
    honour(inner, site, *RECURRENT_FIELDS)

    def make() -> Any:
        forward = recurrent_module(inner, site, site.shape[-1], inner.go_backwards)
        backward = recurrent_module(inner, site, site.shape[-1], not inner.go_backwards)
        return Bidirectional(forward, backward, config.merge_mode)

    return Lowering(module=make, emit=lambda e, x: e.module(x))


@RULES.register("MultiHeadAttention")
def attention(config: Layer, site: Site) -> Lowering:
    """Inputs query, value, key (value defaults to query, key to value), as Keras calls it."""
    honour(config, site, "num_heads", "key_dim", "value_dim", "dropout", "use_bias", "output_shape_")
    query, value = site.inputs[0].shape, site.inputs[min(1, len(site.inputs) - 1)].shape
    key = site.inputs[2].shape if len(site.inputs) > 2 else value
    return Lowering(
        module=lambda: MultiHeadAttention(
            query[-1], value[-1], key[-1], num_heads=config.num_heads, key_dim=config.key_dim,
            value_dim=config.value_dim, output_dim=site.output.shape[-1], use_bias=config.use_bias,
            dropout=config.dropout),  # fmt: skip
        emit=lambda e, *xs: e.module(*xs),
    )
