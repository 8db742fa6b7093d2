"""Keras lowering rules: one per layer kind, from a layer config to a Keras 3 layer.

Every kind in the catalogue is named after the Keras layer it stands for and takes that layer's
arguments under the same names, so most rules hand the config's fields to the Keras class by
name. Each field is checked against the arguments the Keras class accepts: a field Keras has no
argument for is a `BackendError` naming the node, the kind and this back end, never dropped.

A rule takes `(config, name, dtype)`: the concrete layer config, the Keras layer name (the node
that owns the weights) and the dtype policy the IR asks for (None: Keras' default). `call` applies
a built layer to a node's input tensors (one tensor, a list for merges, query/value/key for
attention).

TensorFlow and Keras are imported when this module is, and only modelspec.backends.keras
imports it.
"""

from __future__ import annotations

import inspect
import os
import re
from functools import cache
from typing import Any, NoReturn

from pydantic import BaseModel

from ..layers import Layer
from . import BackendError, RuleTable, import_framework

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
if os.environ["KERAS_BACKEND"] == "tensorflow":
    import_framework("tensorflow")  # say `modelspec[keras]` if TensorFlow itself is missing
keras = import_framework("keras")

RULES = RuleTable("keras")

# Fields that are arguments of the layer's call, not of its constructor.
CALL_ARGUMENTS = {"MultiHeadAttention": ("use_causal_mask", "return_attention_scores")}


def refuse(config: Layer, name: str, what: str) -> NoReturn:
    raise BackendError(
        f"node {name!r}: layer kind {config.type}: {what} is not supported by the keras back end"
    )


@cache
def keras_arguments(cls: type) -> frozenset[str]:
    """The keyword arguments a Keras layer class accepts, its own and its base classes'."""
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        names.update(p.name for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL))
        if klass is keras.layers.Layer or not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return frozenset(names - {"self", "name", "dtype"})


def arguments(config: Layer, name: str, cls: type, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The config's fields as keyword arguments of the Keras class `cls`, by name."""
    accepted = keras_arguments(cls)
    out = {}
    for attribute, info in type(config).model_fields.items():
        field = info.alias or attribute  # the name as written, which is Keras' (output_shape)
        if field == "type" or field in skip or field in CALL_ARGUMENTS.get(config.type, ()):
            continue
        value = getattr(config, attribute)
        if field not in accepted:
            refuse(config, name, f"argument {field}={value!r} (keras.layers.{cls.__name__} has no such argument)")
        out[field] = _plain(value, config, name, field)
    return out


def _plain(value: Any, config: Layer, name: str, field: str) -> Any:
    if isinstance(value, BaseModel):
        refuse(config, name, f"argument {field} as a nested config ({value!r})")
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v, config, name, field) for v in value)
    return value


def construct(cls: type, config: Layer, name: str, dtype: str | None, **fixed: Any) -> Any:
    """`cls(**config fields, **fixed)`, with Keras' own refusals turned into `BackendError`."""
    kwargs = {**arguments(config, name, cls, skip=tuple(fixed)), **fixed}
    if dtype is not None:
        kwargs["dtype"] = dtype
    try:
        return cls(name=name, **kwargs)
    except (ValueError, TypeError) as exc:
        refuse(config, name, f"these arguments ({_oneline(exc)})")


def _oneline(exc: Exception) -> str:
    return " ".join(str(exc).split())


def snake(kind: str) -> str:
    """Keras' default layer name for a class: `SimpleRNN` -> `simple_rnn`, `LSTM` -> `lstm`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", kind).lower()


# --- the rules -------------------------------------------------------------------------------


@RULES.register(
    "Dense", "Dropout", "Activation",
    "Flatten", "Reshape", "Permute",
    "Conv1D", "Conv2D", "Conv2DTranspose",
    "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
    "UpSampling2D",
    "BatchNormalization", "LayerNormalization",
    "Embedding",
    "Concatenate", "Add", "Subtract", "Multiply", "Average",
)  # fmt: skip
def same_name(config: Layer, name: str, dtype: str | None) -> Any:
    """The Keras layer of the same name, given every field of the config by name."""
    return construct(getattr(keras.layers, config.type), config, name, dtype)


@RULES.register("LSTM", "GRU", "SimpleRNN")
def recurrent(config: Layer, name: str, dtype: str | None) -> Any:
    """A recurrent layer producing one tensor: states and batch-bound state are refused."""
    for flag in ("return_state", "stateful"):
        if getattr(config, flag, False):
            refuse(config, name, f"{flag}=True (a node produces one tensor, for any batch size)")
    return construct(getattr(keras.layers, config.type), config, name, dtype)


@RULES.register("Bidirectional")
def bidirectional(config: Layer, name: str, dtype: str | None) -> Any:
    """Wraps the nested recurrent layer, lowered by its own rule and named as Keras would."""
    inner = getattr(config, "layer", None)
    if not isinstance(inner, Layer):
        refuse(config, name, f"layer={inner!r} (a nested recurrent layer config is needed)")
    layer = RULES.rule(inner.type, name)(inner, snake(inner.type), dtype)
    return construct(keras.layers.Bidirectional, config, name, dtype, layer=layer)


@RULES.register("MultiHeadAttention")
def attention(config: Layer, name: str, dtype: str | None) -> Any:
    if getattr(config, "return_attention_scores", False):
        refuse(config, name, "return_attention_scores=True (a node produces one tensor)")
    return construct(keras.layers.MultiHeadAttention, config, name, dtype)


def call(config: Layer, layer: Any, tensors: list[Any]) -> Any:
    """Apply a built Keras layer to a node's input tensors, as its kind is called."""
    if config.type == "MultiHeadAttention":
        query, value, key = (*tensors, None, None)[:3]
        extra = {k: getattr(config, k) for k in CALL_ARGUMENTS["MultiHeadAttention"] if hasattr(config, k)}
        return layer(query=query, value=query if value is None else value, key=key, **extra)
    if config.max_inputs == 1:
        return layer(tensors[0])
    return layer(list(tensors))
