"""Tensors as a Keras model config writes them: `keras_history` triples (layer, call, output)
within one model, and the spec tensors the importer made of them."""

from __future__ import annotations

from typing import Any

from .arguments import Unsupported

History = tuple[str, int, int]


def history(value: Any) -> History | None:
    """The (layer, call, output) a serialized Keras tensor comes from, or None."""
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        h = (value.get("config") or {}).get("keras_history")
        if isinstance(h, (list, tuple)) and len(h) == 3:
            return (str(h[0]), int(h[1]), int(h[2]))
    return None


class Downstream(Unsupported):
    """A call reads what a layer the importer could not take computes: the problem is that
    layer's, reported already, or (`pending`, an op's) reported now, when data first reads it;
    an op read only as a mask (Keras' implicit masks, which a spec recomputes) is never reported."""

    def __init__(self, layer: str, pending: str = "") -> None:
        super().__init__(layer)
        self.pending = pending


def failed(produced: dict[History, str], layer: str, call: int, pending: str = "") -> None:
    """Mark the outputs of `layer`'s call `call` as not imported (`pending`: the problem, for an
    op, to report if data reads it)."""
    produced[(layer, call, -1)] = pending


def resolve(value: Any, produced: dict[History, str]) -> str:
    """The spec tensor a serialized Keras tensor is; `Downstream` if it comes from a layer
    that was not imported."""
    h = history(value)
    if h is not None and h in produced:
        return produced[h]
    if h is not None and (h[0], h[1], -1) in produced:
        raise Downstream(h[0], produced[(h[0], h[1], -1)])
    raise Unsupported(f"reads a tensor that no earlier layer of the model makes ({h})")
