"""Weight transfer between the Keras model and the torch module built from one spec.

Both sides are read and set through their back ends' `get_weights`/`set_weights` (the registry's
entry points), by node and by the core's weight names (`Layer.weights()`: kernel, bias,
recurrent_kernel, gamma, ...), which are also the order Keras keeps a layer's weights in; the
torch side converts those to and from its own parameters through each kind's lowering
(`torch/weights.py`). A shared layer is one instance, so it is copied once. Weights files
(`modelspec.weights`) go through the same two entry points.
"""

from __future__ import annotations

import weakref
from typing import Any

from ..graph import Graph, Node
from ..registry import backend_of
from . import BackendError

_ORIGINS: weakref.WeakKeyDictionary[Any, Graph] = weakref.WeakKeyDictionary()


def remember(model: Any, graph: Graph) -> Any:
    """Record the graph a model was built from, so `transfer_weights` needs only the models."""
    try:
        _ORIGINS[model] = graph
    except TypeError:  # not weak-referenceable: the caller passes the spec instead
        pass
    return model


def weight_owners(graph: Graph) -> list[Node]:
    """One node per layer instance that has weights: the node that owns them."""
    return [n for n in graph.nodes if not n.shared and n.weights]


def transfer_weights(src: Any, dst: Any, spec: Any = None) -> None:
    """Copy every weight of `src` into `dst`: a Keras model into the torch module built from the
    same spec, or the other way. `spec` (a Spec or Graph) is needed only for models that were
    not built by `Spec.to_keras()`/`Spec.to_torch()` in this process."""
    graph = _graph(spec) or _ORIGINS.get(src) or _ORIGINS.get(dst)
    if graph is None:
        raise BackendError(
            "transfer_weights: pass spec=... (these models were not built by modelspec here)"
        )
    source, target = backend_of(src), backend_of(dst)
    if source is target:
        kinds = f"{type(src).__name__} -> {type(dst).__name__}"
        raise BackendError(f"transfer_weights copies Keras -> torch or torch -> Keras, got {kinds}")
    target.set_weights(dst, graph, source.get_weights(src, graph))


def check_shapes(node: Node, shapes: list[tuple], side: str) -> None:
    """`BackendError` unless a model's weights of `node` (`side` names the model) have the
    shapes of the spec's, in its order: the model was built from another spec."""
    want = [w.shape for w in node.weights.values()]
    got = [tuple(s) for s in shapes]
    if got != want:
        raise BackendError(
            f"node {node.name!r} ({node.kind}): {side} holds weights of shapes {got}, "
            f"the spec gives {dict(zip(node.weights, want))}"
        )


def _graph(spec: Any) -> Graph | None:
    if spec is None:
        return None
    return spec if isinstance(spec, Graph) else spec.graph
