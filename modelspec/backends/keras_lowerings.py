"""Keras lowerings: one per layer kind, from a layer config to a Keras 3 layer and its call.

Every kind in the catalogue is named after the Keras layer it stands for and takes that layer's
arguments under the same names, so most kinds share one lowering (`SameName`) that hands the
config's fields to the Keras class by name. Each field is checked against the arguments the
Keras class accepts: a field Keras has no argument for is a `BackendError` naming the node, the
kind and this back end, never dropped.

A lowering is a `KerasLowering` subclass registered for the core's layer class in `LOWERINGS`
(found by class, as the torch back end's are): `build(config, name, dtype)` makes the layer from
the concrete config, the Keras layer name (the node that owns the weights) and the dtype policy
the IR asks for (None: Keras' default); `call(config, layer, tensors, keywords)` applies it to a
node's input tensors (one tensor, a list for merges, query/value/key for attention) and its
inputs by keyword role (`initial_state=[h, c]`, `attention_mask=m`), and returns what Keras
returns (a list for a layer of several outputs).

TensorFlow and Keras are imported when this module is, and only modelspec.backends.keras
imports it.
"""

from __future__ import annotations

import inspect
import os
from functools import cache
from typing import Any, NoReturn

from pydantic import BaseModel
from typing_extensions import override

from ..layers import (
    Layer,
    activations,
    attention,
    conv,
    core,
    merge,
    noise,
    normalization,
    pooling,
    preprocessing,
    recurrent,
    reshaping,
    separable,
    wrappers,
)
from ..layers.options import OPTION_FIELDS, keras_value
from ..naming import keras_name
from . import BackendError, import_framework
from .lowerings import Lowerings

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
if os.environ["KERAS_BACKEND"] == "tensorflow":
    import_framework("tensorflow")  # say `modelspec[keras]` if TensorFlow itself is missing
keras = import_framework("keras")


def refuse(config: Layer, name: str, what: str) -> NoReturn:
    """`BackendError` naming the node, the layer kind and `what` Keras does not support."""
    what = f"{what} is not supported by the keras back end"
    raise BackendError(f"node {name!r}: layer kind {config.type}: {what}", what)


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
        if field == "type" or field in skip:
            continue
        value = getattr(config, attribute)
        if field not in accepted:
            refuse(
                config,
                name,
                f"argument {field}={value!r} (keras.layers.{cls.__name__} has no such argument)",
            )
        out[field] = _plain(value, config, name, field)
    return out


def _plain(value: Any, config: Layer, name: str, field: str) -> Any:
    if field in OPTION_FIELDS:  # an initializer, regularizer or constraint: Keras' config of it
        return keras_value(value)
    if isinstance(value, BaseModel):
        refuse(config, name, f"argument {field} as a nested config ({value!r})")
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v, config, name, field) for v in value)
    return value


def construct(
    cls: type,
    config: Layer,
    name: str,
    dtype: str | None,
    call_arguments: tuple[str, ...] = (),
    **fixed: Any,
) -> Any:
    """`cls(**config fields, **fixed)`, with Keras' own refusals turned into `BackendError`; the
    fields in `call_arguments` are the layer call's (`use_causal_mask`), not the constructor's."""
    kwargs = {**arguments(config, name, cls, skip=(*fixed, *call_arguments)), **fixed}
    if dtype is not None:
        kwargs["dtype"] = dtype
    try:
        return cls(name=name, **kwargs)
    except (ValueError, TypeError) as exc:
        refuse(config, name, f"these arguments ({_oneline(exc)})")


def _oneline(exc: Exception) -> str:
    return " ".join(str(exc).split())


# --- the lowerings ---------------------------------------------------------------------------


class KerasLowering:
    """One kind's Keras lowering. Subclasses override `build`, and `call` when the layer is not
    called on one tensor (or a list, for kinds that take several)."""

    @classmethod
    def build(cls, config: Layer, name: str, dtype: str | None) -> Any:
        """The Keras layer for `config`, named `name`, computing in `dtype` (None: Keras' default);
        `BackendError` for an argument it cannot take.
        """
        raise NotImplementedError

    @classmethod
    def call(cls, config: Layer, layer: Any, tensors: list[Any], keywords: dict[str, Any]) -> Any:
        """The layer applied to the node's input tensors, in the node's input order (one tensor for
        a kind of one input, else the list), and its keyword roles as the call's keywords.
        """
        inputs = tensors[0] if config.max_inputs == 1 else list(tensors)
        return layer(inputs, **keywords)


LOWERINGS: Lowerings[type[KerasLowering]] = Lowerings("keras")


@LOWERINGS.register(
    core.Dense,
    core.Dropout,
    core.Activation,
    core.Flatten,
    core.Reshape,
    core.Permute,
    core.Embedding,
    core.Masking,
    conv.Conv1D,
    conv.Conv2D,
    conv.Conv3D,
    conv.Conv1DTranspose,
    conv.Conv2DTranspose,
    conv.Conv3DTranspose,
    separable.DepthwiseConv1D,
    separable.DepthwiseConv2D,
    separable.SeparableConv1D,
    separable.SeparableConv2D,
    reshaping.ZeroPadding1D,
    reshaping.ZeroPadding2D,
    reshaping.ZeroPadding3D,
    reshaping.Cropping1D,
    reshaping.Cropping2D,
    reshaping.Cropping3D,
    reshaping.UpSampling1D,
    reshaping.UpSampling2D,
    reshaping.UpSampling3D,
    reshaping.RepeatVector,
    core.Identity,
    activations.ReLU,
    activations.LeakyReLU,
    activations.ELU,
    activations.Softmax,
    activations.PReLU,
    pooling.MaxPooling1D,
    pooling.MaxPooling2D,
    pooling.AveragePooling1D,
    pooling.AveragePooling2D,
    pooling.MaxPooling3D,
    pooling.AveragePooling3D,
    pooling.GlobalAveragePooling1D,
    pooling.GlobalAveragePooling2D,
    pooling.GlobalAveragePooling3D,
    pooling.GlobalMaxPooling1D,
    pooling.GlobalMaxPooling2D,
    pooling.GlobalMaxPooling3D,
    noise.SpatialDropout1D,
    noise.SpatialDropout2D,
    noise.SpatialDropout3D,
    noise.GaussianNoise,
    noise.GaussianDropout,
    noise.AlphaDropout,
    normalization.BatchNormalization,
    normalization.LayerNormalization,
    normalization.GroupNormalization,
    normalization.UnitNormalization,
    preprocessing.Rescaling,
    preprocessing.Normalization,
    merge.Concatenate,
    merge.Add,
    merge.Subtract,
    merge.Multiply,
    merge.Average,
    merge.Maximum,
    merge.Minimum,
    merge.Dot,
    recurrent.LSTM,
    recurrent.GRU,
    recurrent.SimpleRNN,
)
class SameName(KerasLowering):
    """The Keras layer of the same name, given every field of the config by name."""

    @override
    @classmethod
    def build(cls, config: Layer, name: str, dtype: str | None) -> Any:
        return construct(getattr(keras.layers, config.type), config, name, dtype)


@LOWERINGS.register(recurrent.Bidirectional, wrappers.TimeDistributed)
class Wrapper(KerasLowering):
    """The Keras wrapper of the same name around the nested layer, which its own lowering
    builds and names as Keras would."""

    @override
    @classmethod
    def build(cls, config: Layer, name: str, dtype: str | None) -> Any:
        inner = config.layer  # type: ignore[attr-defined]
        layer = LOWERINGS.lookup(inner, name).build(inner, keras_name(inner.type), dtype)
        return construct(getattr(keras.layers, config.type), config, name, dtype, layer=layer)


@LOWERINGS.register(attention.MultiHeadAttention)
class MultiHeadAttention(KerasLowering):
    """Called as `layer(query=, value=, key=, use_causal_mask=)`: value defaults to query, key
    to value."""

    @override
    @classmethod
    def build(cls, config: Layer, name: str, dtype: str | None) -> Any:
        return construct(keras.layers.MultiHeadAttention, config, name, dtype, ("use_causal_mask",))

    @override
    @classmethod
    def call(cls, config: Layer, layer: Any, tensors: list[Any], keywords: dict[str, Any]) -> Any:
        query, value, key = (*tensors, None, None)[:3]
        value = query if value is None else value
        causal = config.use_causal_mask  # type: ignore[attr-defined]
        return layer(query=query, value=value, key=key, use_causal_mask=causal, **keywords)


@LOWERINGS.register(attention.Attention, attention.AdditiveAttention)
class Attention(KerasLowering):
    """Called on [query, value(, key)] with `use_causal_mask=`, a call argument in Keras, and
    `mask=[None, value_mask]` for a value mask (no query mask: Keras would hand it on to the
    layers after as the output's mask)."""

    @override
    @classmethod
    def build(cls, config: Layer, name: str, dtype: str | None) -> Any:
        keras_class = getattr(keras.layers, config.type)
        return construct(keras_class, config, name, dtype, ("use_causal_mask",))

    @override
    @classmethod
    def call(cls, config: Layer, layer: Any, tensors: list[Any], keywords: dict[str, Any]) -> Any:
        causal = config.use_causal_mask  # type: ignore[attr-defined]
        value_mask = keywords.get("value_mask")
        mask = None if value_mask is None else [None, value_mask]
        return layer(list(tensors), mask=mask, use_causal_mask=causal)
