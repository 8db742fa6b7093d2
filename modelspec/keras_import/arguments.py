"""One Keras layer's config as a spec node's arguments: Keras' serialized values made plain, and
what equals the kind's default left out.

The kinds take Keras' argument names, so most of a config carries over as it is; what needs
work is Keras' serialization (initializers, regularizers and constraints as `{class_name,
config}` objects, the dtype policy, tuples written as lists) and the arguments the kinds do not
model. Those are taken only at the value Keras gives them by default (`KERAS_DEFAULTS`, read from
`get_config()` of fresh Keras 3.15 layers; `tests/test_import.py` checks the table against Keras
for every kind), or when they do not change what the layer computes (`IGNORED`); any other value
is a problem the importer reports.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from ..layers import REGISTRY, Layer
from ..naming import keras_name

# Config keys every Keras layer has that are no arguments of a kind: the node's name is its
# key (or `name:`), and a float32 policy is every spec's dtype.
METADATA = frozenset({"name", "trainable", "dtype"})

# Arguments the kinds do not model, at the value a fresh Keras layer has: taken at that value
# only (`data_format: channels_first`, a synchronized BatchNormalization, ... are problems).
KERAS_DEFAULTS: dict[str, Any] = {
    "data_format": "channels_last",
    "synchronized": False,
    "renorm": False,
    "renorm_clipping": None,
    "quantization_config": None,
    "lora_rank": None,
    "stateful": False,
    "zero_output_for_mask": False,
    "rms_scaling": False,
    "use_gate": False,
    "output_shape": None,
    "attention_axes": None,
    "sliding_window": None,
}

# Arguments that change how a layer runs, not what it computes: left out at any value.
# `renorm_momentum` counts only with `renorm` (refused above); `unroll` runs a recurrent layer's
# steps as one graph; `seed` seeds a layer's dropout draws, which a spec leaves to training.
IGNORED = frozenset({"renorm_momentum", "unroll", "seed"})

# Arguments that hold a layer (a wrapper's), imported as a nested spec layer.
WRAPPED = frozenset({"layer"})

# Keras classes whose snake-case name is not the name Keras (and a spec) gives them.
_OPTION_NAMES = {"L1L2": "l1_l2"}

# Initializer, regularizer and constraint arguments Keras serializes at their default.
_OPTION_DEFAULTS: dict[str, Any] = {"seed": None, "input_axes": None, "output_axes": None}


def plain(value: Any) -> Any:
    """A Keras config value as spec data: a serialized initializer, regularizer or constraint
    (`{"class_name": "HeNormal", "config": {...}}`) as `he_normal` or `{type: ..., args}`, and
    tuples as lists."""
    if isinstance(value, dict) and "class_name" in value and "config" in value:
        config = value["config"] if isinstance(value["config"], dict) else {}
        args = {
            k: plain(v)
            for k, v in config.items()
            if k != "name" and not (k in _OPTION_DEFAULTS and v == _OPTION_DEFAULTS[k])
        }
        name = _OPTION_NAMES.get(str(value["class_name"])) or keras_name(str(value["class_name"]))
        return {"type": name, **args} if args else name
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def dtype_name(value: Any) -> str | None:
    """The dtype a Keras config gives (a name, or a `DTypePolicy` object): `float32`, ..."""
    if isinstance(value, dict):
        config = value.get("config")
        value = config.get("name") if isinstance(config, dict) else None
    return value if isinstance(value, str) else None


def built_defaults(kind: str, config: dict[str, Any], shapes: list[Any]) -> dict[str, Any]:
    """`config` less the arguments Keras fills in when it builds the layer, at that value (a
    MultiHeadAttention's `attention_axes`: every axis between the batch and the features of its
    query, `shapes[0]` with the batch, which is what the kind computes), and with the values
    Keras rewrites in its own form (`output_shape=7` kept as `(7,)`) as the spec writes them."""
    config = dict(config)
    if kind != "MultiHeadAttention":
        return config
    axes = config.get("attention_axes")
    if axes is not None and shapes and list(axes) == list(range(1, len(shapes[0]) - 1)):
        del config["attention_axes"]
    output_shape = config.get("output_shape")
    if isinstance(output_shape, (list, tuple)) and len(output_shape) == 1:
        config["output_shape"] = output_shape[0]  # Keras keeps `output_shape=7` as (7,)
    return config


class Unsupported(ValueError):
    """A layer config no kind can take as it is; the message says what, for a user."""


def node_arguments(
    kind: str, config: dict[str, Any], input_dtypes: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The arguments of a spec node of `kind` for a Keras layer config, those at the kind's
    default left out (`{"filters": 64, "kernel_size": [3, 3], "padding": "same"}`).

    Raises `Unsupported` (every reason at once) for a Keras dtype other than the float dtype the
    node computes in from inputs of `input_dtypes` (float32 by default), a frozen layer,
    an argument no kind models at a value other than Keras' default, or values the kind refuses.
    """
    cls = REGISTRY[kind]
    reasons: list[str] = []
    dtype = dtype_name(config.get("dtype", "float32")) or "float32"
    if config.get("trainable", True) is False:
        reasons.append("trainable: false (a frozen layer; specs train every weight)")
    args: dict[str, Any] = {}
    fields = arguments_of(cls)
    for key, value in config.items():
        if key in METADATA or (key in IGNORED and key not in fields):
            continue
        if key in WRAPPED and key in fields:
            args[key] = wrapped_layer(value, kind)
        elif key == "backward_layer" and _mirrors(value, config.get("layer")):
            continue  # Keras writes out the backward copy of `layer` it makes by default
        elif key in fields:
            args[key] = plain(value)
        elif key in KERAS_DEFAULTS:
            if value != KERAS_DEFAULTS[key]:
                reasons.append(f"{key}={value!r} (only {KERAS_DEFAULTS[key]!r} is supported)")
        else:
            reasons.append(f"argument {key!r}={_short(value)} has no counterpart in the spec")
    if reasons:
        raise Unsupported("; ".join(reasons))
    kept = without_defaults(cls, args)
    computed = cls.model_validate(kept).output_dtype(*(input_dtypes or ("float32",)))
    if computed.startswith("float") and computed != dtype:
        raise Unsupported(
            f"dtype {dtype}: from {' and '.join(input_dtypes or ('float32',))} inputs its node "
            f"computes in {computed}"
        )
    return kept


# Per-axis arguments, where Keras reads one number as that number on every axis (and a pair
# per axis for padding and cropping): `kernel_size: [3, 3]` is `3`, `padding: [[1, 1], [1, 1]]`
# is `1`.
PER_AXIS = frozenset(
    {"kernel_size", "strides", "dilation_rate", "pool_size", "padding", "cropping", "size",
     "output_padding", "axis"}
)  # fmt: skip


def wrapped_layer(value: Any, wrapper: str) -> dict[str, Any]:
    """A wrapper's serialized `layer` as a nested spec layer (`{type: LSTM, units: 8}`).
    Bidirectional sets its layers' `zero_output_for_mask` to their `return_sequences` whatever
    they had (`keras.layers.Bidirectional`), so that setting is not the wrapped layer's."""
    if not (isinstance(value, dict) and isinstance(value.get("config"), dict)):
        raise Unsupported(f"a wrapped layer written as {_short(value)}")
    kind = str(value.get("class_name"))
    if kind not in REGISTRY:
        raise Unsupported(f"it wraps a {kind}, a kind modelspec does not have")
    forced = {"zero_output_for_mask"} if wrapper == "Bidirectional" else set()
    config = {k: v for k, v in value["config"].items() if k != "name" and k not in forced}
    return {"type": kind, **node_arguments(kind, config)}


def _mirrors(backward: Any, forward: Any) -> bool:
    """Whether `backward` is the copy of `forward` Keras' Bidirectional makes by default."""
    try:
        b, f = dict(backward["config"]), dict(forward["config"])
    except (KeyError, TypeError):
        return False
    b.pop("name", None), f.pop("name", None)
    flipped = b.pop("go_backwards", False) != f.pop("go_backwards", False)
    return flipped and _without_ids(b) == _without_ids(f)


def _without_ids(value: Any) -> Any:
    """A serialized config without the `shared_object_id`s a saved `.keras` file gives each
    object (the forward and backward layers' initializers get different ones)."""
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k != "shared_object_id"}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def arguments_of(cls: type[Layer]) -> dict[str, FieldInfo]:
    """A kind's arguments by the name a spec (and Keras) gives them: a field's alias if it has one
    (MultiHeadAttention's `output_shape`)."""
    return {info.alias or name: info for name, info in cls.model_fields.items()}


def without_defaults(cls: type[Layer], args: dict[str, Any]) -> dict[str, Any]:
    """`args` less those at the kind's default, per-axis ones written once when every axis
    takes the same value; `Unsupported` if the kind refuses them."""
    kept = {}
    for key, value in args.items():
        if key in PER_AXIS:
            value = _uniform(value)
        field = arguments_of(cls)[key]
        if not field.is_required() and value == _plain_default(field.default):
            continue
        kept[key] = value
    try:
        layer = cls.model_validate(kept)
    except ValidationError as exc:
        raise Unsupported(_validation_reasons(exc)) from None
    except ValueError as exc:
        raise Unsupported(str(exc)) from None
    options = [
        k for k, v in kept.items() if isinstance(v, dict) and "type" in v and k not in WRAPPED
    ]
    for key in options:
        option = _simplest_option(getattr(layer, key), kept[key])
        if option == _plain_default(cls.model_fields[key].default):
            del kept[key]
        else:
            kept[key] = option
    return kept


def _simplest_option(option: Any, value: dict[str, Any]) -> Any:
    """An initializer, regularizer or constraint without the arguments at its defaults:
    `{type: orthogonal, gain: 1.0}` -> `orthogonal`."""
    if not isinstance(option, BaseModel):
        return value
    fields = type(option).model_fields
    args = {
        k: v
        for k, v in value.items()
        if k != "type"
        and not (k in fields and not fields[k].is_required() and v == fields[k].default)
    }
    return {"type": value["type"], **args} if args else value["type"]


def _uniform(value: Any) -> Any:
    """The one number a nested list of it stands for (`[[1, 1], [1, 1]]` -> 1), else `value`."""
    leaves: list[Any] = []

    def walk(v: Any) -> None:
        if isinstance(v, (list, tuple)):
            for item in v:
                walk(item)
        else:
            leaves.append(v)

    walk(value)
    if (
        isinstance(value, (list, tuple))
        and leaves
        and all(type(v) is int and v == leaves[0] for v in leaves)
    ):
        return leaves[0]
    return value


def _plain_default(default: Any) -> Any:
    """A field's default as spec data (tuples as lists, per-axis defaults as their number)."""
    if isinstance(default, (list, tuple)):
        return _uniform([_plain_default(v) for v in default])
    return default


def _validation_reasons(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"])
        parts.append(f"{where}: {error['msg']}" if where else error["msg"])
    return "; ".join(parts)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
