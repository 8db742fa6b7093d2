"""Keras ops applied to tensors in a functional model (`x + 3`, `x * (1 / 6)`, `ops.relu(x)`) as
the spec nodes that compute exactly what they do.

Keras 3 records such a call as an operation from `keras.src.ops` in the model's config, its
arguments as written: tensors and numbers. Between two tensors, `add`, `subtract`, `multiply`,
`maximum` and `minimum` are the merge kinds of those names (which broadcast as the ops do);
with a number, they are a `Rescaling`, `x * scale + offset`, whose float32 arithmetic gives the
op's own result: `x + c` is `x * 1 + c`, `c - x` is `x * -1 + c`, `x * c` is `x * c + 0`. Division
by a number is taken only where `x * (1 / c)` is exactly `x / c` (c a power of two). An op with an
activation's name (`relu`, `sigmoid`, `hard_sigmoid`, ...) is an `Activation`.
"""

from __future__ import annotations

import math
from typing import Any

from ..layers import ACTIVATIONS
from .arguments import Unsupported
from .tensors import history, resolve

_MERGES = {"Add": "Add", "Subtract": "Subtract", "Multiply": "Multiply",
           "Maximum": "Maximum", "Minimum": "Minimum"}  # fmt: skip
# The arguments an activation applied by name takes (`keras.activations`' defaults): an op with
# others (`ops.softmax(x, axis=1)`, `ops.gelu(x)`, approximate by default) is another function.
_BY_NAME: dict[str, dict[str, Any]] = {
    "softmax": {"axis": -1}, "log_softmax": {"axis": -1}, "sparsemax": {"axis": -1},
    "leaky_relu": {"negative_slope": 0.2}, "elu": {"alpha": 1.0}, "celu": {"alpha": 1.0},
    "gelu": {"approximate": False}, "hard_shrink": {"threshold": 0.5},
    "soft_shrink": {"threshold": 0.5}, "squareplus": {"b": 4},
}  # fmt: skip
_AFFINE = ("Add", "Subtract", "Multiply", "TrueDivide", "Divide")
# Keras' op class names that apply an activation of the same (snake-case) name.
_ACTIVATION_OPS = {"".join(p.capitalize() for p in a.split("_")): a for a in ACTIVATIONS}


def op_node(
    class_name: str, config: dict[str, Any], inbound: dict[str, Any], produced: dict[Any, str]
) -> tuple[str, dict[str, Any], list[str]]:
    """(kind, arguments, input tensors) of the node computing one op call (`config`: the op's
    own arguments, `ops.softmax(x, axis=1)`'s axis); `Unsupported` for an op no kind computes
    exactly."""
    args = list(inbound.get("args") or [])
    extra = {k: v for k, v in config.items() if k != "name"}
    if class_name in _ACTIVATION_OPS:
        name = _ACTIVATION_OPS[class_name]
        expected = _BY_NAME.get(name, {})
        if any(k not in expected or v != expected[k] for k, v in extra.items()):
            raise Unsupported(
                f"op {class_name} with {extra}: the activation {name!r} by name computes it with "
                f"{_BY_NAME.get(name) or 'no arguments'}"
            )
    elif extra:
        raise Unsupported(f"op {class_name} with arguments {extra} is not supported")
    if inbound.get("kwargs"):
        raise Unsupported(f"op {class_name} with keyword arguments {sorted(inbound['kwargs'])}")
    tensors = [resolve(a, produced) for a in args if history(a) is not None]
    numbers = [a for a in args if history(a) is None]
    if class_name in _ACTIVATION_OPS and len(tensors) == 1 and not numbers:
        return "Activation", {"activation": _ACTIVATION_OPS[class_name]}, tensors
    if class_name not in _MERGES and class_name not in _AFFINE:
        raise Unsupported(f"op {class_name} has no layer kind that computes it")
    if len(args) != 2:
        raise Unsupported(f"op {class_name} of {len(args)} arguments is not supported")
    if len(tensors) == 2 and class_name in _MERGES:
        return _MERGES[class_name], {}, tensors
    if len(tensors) == 1 and len(numbers) == 1 and _is_number(numbers[0]):
        c = float(numbers[0])
        tensor_first = history(args[0]) is not None
        scale_offset = _affine(class_name, c, tensor_first)
        if scale_offset is not None:
            scale, offset = scale_offset
            rescaling: dict[str, Any] = {"scale": scale}
            if offset != 0.0:
                rescaling["offset"] = offset
            return "Rescaling", rescaling, tensors
    if class_name in ("TrueDivide", "Divide") and len(numbers) == 1:
        raise Unsupported(
            f"op {class_name} by {numbers[0]!r}: x * (1 / c) rounds differently from x / c in "
            "float32 unless c is a power of two; write the model's op as a multiplication"
        )
    raise Unsupported(f"op {class_name} with arguments {_describe(args)} is not supported")


def _affine(op: str, c: float, tensor_first: bool) -> tuple[float, float] | None:
    """(scale, offset) with `x * scale + offset` == the op, exactly in float32, or None."""
    if op == "Add":
        return 1.0, c
    if op == "Multiply":
        return c, 0.0
    if op == "Subtract":
        return (1.0, -c) if tensor_first else (-1.0, c)
    if op in ("TrueDivide", "Divide") and tensor_first and c != 0.0:
        mantissa, _ = math.frexp(c)
        if abs(mantissa) == 0.5:  # a power of two: its reciprocal is exact
            return 1.0 / c, 0.0
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _describe(args: list[Any]) -> str:
    return "(" + ", ".join("tensor" if history(a) else repr(a) for a in args) + ")"
