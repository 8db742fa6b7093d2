"""What a newcomer writes out of Keras' or Python's habits, and what to tell them instead.

`hint(error, path, owner, value_at)` words one Pydantic error of a spec (already walked to the
path as written, `modelspec.diagnostics`) when it is such a habit:

- `shape: [None, 28, 28, 1]`: the batch is left out of a shape, and YAML's null is `null`;
- `input_shape: [784]` (or `batch_input_shape`, `input_dim`) on a node: a shape goes on a model
  input, and a node's `inputs` names the tensors it reads;
- `lr:` and the other names older Keras gave an argument (`nb_filter`, `border_mode`, ...);
  `lr` beside `optimizer:` belongs in it;
- `kernel_size: (3, 3)`: YAML has no tuples (in a `{...}` mapping it even splits one at its
  comma into a value `(3` and a key `3)`), so a list is written `[3, 3]`;
- a layer's arguments beside a wrapper's `layer:` (TimeDistributed, Bidirectional): they go
  inside it (and the wrapped layer's "missing required field" is that same mistake).

It returns None where it has nothing better to say than the plain wording, and "" for an error
another problem of the same mistake already says (a piece of a split tuple).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

ValueAt = Callable[[tuple], Any]
"""The value written at a path of the document (None where there is none)."""

RENAMED = {
    "lr": "learning_rate",
    "nb_filter": "filters",
    "output_dim": "units",
    "nb_epoch": "epochs",
    "init": "kernel_initializer",
    "W_regularizer": "kernel_regularizer",
    "b_regularizer": "bias_regularizer",
    "W_constraint": "kernel_constraint",
    "b_constraint": "bias_constraint",
    "subsample": "strides",
    "subsample_length": "strides",
    "border_mode": "padding",
    "filter_length": "kernel_size",
    "pool_length": "pool_size",
    "bias": "use_bias",
    "p": "rate",
    "dropout_rate": "rate",
}
"""Names an argument has had in Keras (its 1.x names, and shorthands), by the name it has here."""

SHAPE_ARGUMENTS = ("input_shape", "batch_input_shape", "batch_shape", "input_dim")
"""What Keras takes on a layer for the model's input shape."""

_TUPLE = re.compile(r"^\s*\((.*)\)\s*$", re.DOTALL)


def hint(error: Any, path: tuple, owner: type[BaseModel] | None, value_at: ValueAt) -> str | None:
    """The message for Pydantic `error` at `path` (its last key owned by `owner`) when it is a
    newcomer's habit; None: no hint; "": another problem of the same mistake says it."""
    kind, given = error["type"], error.get("input")
    if kind == "extra_forbidden" and path:
        return _unknown_field(str(path[-1]), path, owner, value_at)
    if kind == "missing" and len(path) >= 2 and path[-2] == "layer":
        beside = value_at(path[:-2])
        if isinstance(beside, dict) and path[-1] in beside:
            return ""  # written beside `layer:`: that problem says where it goes
    if isinstance(given, str) and given.strip() == "None":
        return _python_none(path, value_at)
    if isinstance(given, str) and kind.endswith(("_parsing", "_type")):
        written = _tuple_written(given, path, value_at)
        if written is not None:
            items = [item.strip() for item in written.strip()[1:-1].split(",")]
            listed = ", ".join(items[:-1] if items and not items[-1] else items)
            return f"{written} is text to YAML, which has no tuples: write a list, [{listed}]"
    return None


def _fields(model: type[BaseModel] | None) -> dict[str, str]:
    """Field names as written in YAML (aliases where set) -> attribute names."""
    if model is None:
        return {}
    return {(f.alias or name): name for name, f in model.model_fields.items()}


def _unknown_field(
    key: str, path: tuple, owner: type[BaseModel] | None, value_at: ValueAt
) -> str | None:
    known = _fields(owner)
    value = value_at(path)
    if key in SHAPE_ARGUMENTS:
        return (
            f"unknown field {key!r}: a shape goes on a model input, the batch left out "
            f"(`inputs: {{x: {{shape: {_flow(_shape_of(key, value))}}}}}` at the top of the "
            "spec); a node's `inputs` names the tensors it reads, and its shape follows from them"
        )
    if key in ("lr", "learning_rate") and "optimizer" in known and "learning_rate" not in known:
        rate = value if isinstance(value, (int, float)) else 0.001
        return (
            f"unknown field {key!r}: the learning rate is the optimizer's "
            f"(`optimizer: {{type: adam, learning_rate: {rate}}}`)"
        )
    wrapped = _wrapped(path, known, value_at)
    if wrapped is not None and key in wrapped[1]:
        kind = wrapped[0]
        return (
            f"unknown field {key!r}: an argument of the wrapped {kind} goes inside `layer:` "
            f"(`layer: {{type: {kind}, {key}: {_flow(value)}, ...}}`), not beside it"
        )
    if _tuple_piece(path, value_at):
        return ""
    renamed = RENAMED.get(key)
    if renamed in known:
        return f"unknown field {key!r} (did you mean {renamed!r}?)"
    return None


def _wrapped(path: tuple, known: dict[str, str], value_at: ValueAt) -> tuple[str, set] | None:
    """The kind a wrapper node at `path[:-1]` wraps (`layer: {type: ...}`) and its fields."""
    if "layer" not in known:
        return None
    from .layers import REGISTRY

    layer = value_at(path[:-1] + ("layer",))
    kind = layer.get("type") if isinstance(layer, dict) else None
    if not isinstance(kind, str) or kind not in REGISTRY:
        return None
    return kind, set(_fields(REGISTRY[kind])) - {"type"}


def _shape_of(key: str, value: Any) -> Any:
    """The shape of a model input, batch left out, from what Keras' `key` was given."""
    if key == "input_dim":
        return [value]
    if key.startswith("batch") and isinstance(value, list):
        return value[1:]
    return value


def _python_none(path: tuple, value_at: ValueAt) -> str:
    """`None` where YAML's null was meant; in a model input's shape, the batch Keras writes."""
    shape = value_at(path[:-1]) if len(path) >= 2 else None
    if path[-2:-1] != ("shape",) or not isinstance(shape, list):
        return "`None` is the text 'None': YAML's null is `null` (or `~`)"
    if path[-1] != 0:
        return "`None` is the text 'None': a size not known until run time is YAML's null, `null`"
    sizes = [None if s == "None" else s for s in shape]
    keras = "(" + ", ".join("None" if s is None else str(s) for s in sizes) + ")"
    return (
        f"`None` is not a size: a shape leaves the batch out (Keras' {keras} is "
        f"{_flow(sizes[1:])} here), and a size not known until run time is YAML's null, `null` "
        "(`None` is the text 'None')"
    )


def _flow(value: Any) -> str:
    """`value` as a spec writes it on one line: `[28, 28, 1]`, `null`, `relu`."""
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _tuple_written(given: str, path: tuple, value_at: ValueAt) -> str | None:
    """`(3, 3)` when `given` is a tuple written as in Python: the whole of it, or the first piece
    of one a `{...}` mapping split at its commas (`(3`, then keys `3)` without a value)."""
    if _TUPLE.match(given):
        return given.strip()
    if not given.lstrip().startswith("(") or ")" in given or not path:
        return None
    pieces = _pieces(value_at(path[:-1]), path[-1])
    if not pieces or not pieces[-1].rstrip().endswith(")"):
        return None
    return ", ".join([given.strip(), *(p.strip() for p in pieces)])


def _pieces(mapping: Any, key: Any) -> list[str]:
    """The keys after `key` in `mapping` with no value, up to the first that ends in `)`: the
    rest of a tuple YAML split at its commas."""
    if not isinstance(mapping, dict) or key not in mapping:
        return []
    keys = list(mapping)
    pieces = []
    for later in keys[keys.index(key) + 1 :]:
        if mapping[later] is not None:
            break
        pieces.append(later)
        if later.rstrip().endswith(")"):
            break
    return pieces


def _tuple_piece(path: tuple, value_at: ValueAt) -> bool:
    """Whether the unknown key at `path` is a piece of a split tuple (see `_tuple_written`)."""
    mapping = value_at(path[:-1])
    if not isinstance(mapping, dict) or mapping.get(path[-1], "") is not None:
        return False
    return any(
        isinstance(value, str)
        and value.lstrip().startswith("(")
        and ")" not in value
        and path[-1] in _pieces(mapping, key)
        for key, value in mapping.items()
    )
