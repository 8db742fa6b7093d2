"""Weight transfer between the Keras model and the torch module built from one spec.

Both sides are read through the core's weight names (`Layer.weights()`: kernel, bias,
recurrent_kernel, gamma, ...), which are also the order Keras keeps a layer's weights in; the
torch side converts those to and from its own parameters through each kind's lowering (`torch/weights.py`).
A shared layer is one instance, so it is copied once.
"""

from __future__ import annotations

import weakref
from typing import Any

from ..graph import Graph, Node
from . import BackendError

_ORIGINS: weakref.WeakKeyDictionary[Any, Graph] = weakref.WeakKeyDictionary()


def remember(model: Any, graph: Graph) -> Any:
    """Record the graph a model was built from, so `transfer_weights` needs only the models."""
    try:
        _ORIGINS[model] = graph
    except TypeError:  # not weak-referenceable: the caller passes the spec instead
        pass
    return model


def is_torch(model: Any) -> bool:
    """Whether `model` looks like a torch module (it has `state_dict` and `named_parameters`)."""
    return hasattr(model, "state_dict") and hasattr(model, "named_parameters")


def is_keras(model: Any) -> bool:
    """Whether `model` looks like a Keras model (it has `get_layer` and `get_weights`)."""
    return hasattr(model, "get_layer") and hasattr(model, "get_weights")


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
    if is_keras(src) and is_torch(dst):
        keras_model, torch_module, to_torch = src, dst, True
    elif is_torch(src) and is_keras(dst):
        keras_model, torch_module, to_torch = dst, src, False
    else:
        kinds = f"{type(src).__name__} -> {type(dst).__name__}"
        raise BackendError(f"transfer_weights copies Keras -> torch or torch -> Keras, got {kinds}")
    from .torch.weights import get_keras_weights, set_keras_weights

    for node in weight_owners(graph):
        keras_layer = _keras_layer(keras_model, node)
        names = list(node.weights)
        if to_torch:
            arrays = keras_layer.get_weights()
            _check(node, names, [a.shape for a in arrays], "the Keras model")
            try:
                set_keras_weights(torch_module, node.layer_name, dict(zip(names, arrays)))
            except (KeyError, RuntimeError, ValueError) as exc:
                raise BackendError(
                    f"node {node.name!r} ({node.kind}): the torch module does not "
                    f"match the spec: {exc}"
                ) from None
        else:
            try:
                weights = get_keras_weights(torch_module, node.layer_name)
            except (KeyError, AttributeError) as exc:
                raise BackendError(
                    f"node {node.name!r} ({node.kind}): not in the torch module ({exc})"
                ) from None
            arrays = [weights[name] for name in names if name in weights]
            _check(node, names, [a.shape for a in arrays], "the torch module")
            keras_layer.set_weights(arrays)
            # Keras' Normalization computes from copies of its statistics that `finalize_state`
            # makes (its `adapt` and loading call it); set_weights alone leaves the old ones
            if hasattr(keras_layer, "finalize_state"):
                keras_layer.finalize_state()


def _graph(spec: Any) -> Graph | None:
    if spec is None:
        return None
    return spec if isinstance(spec, Graph) else spec.graph


def _keras_layer(model: Any, node: Node) -> Any:
    try:
        return model.get_layer(node.layer_name)
    except ValueError:
        raise BackendError(
            f"node {node.name!r} ({node.kind}): the Keras model has no layer of that name"
        ) from None


def _check(node: Node, names: list[str], shapes: list[tuple], side: str) -> None:
    want = [w.shape for w in node.weights.values()]
    got = [tuple(s) for s in shapes]
    if got != want:
        raise BackendError(
            f"node {node.name!r} ({node.kind}): {side} holds weights of shapes {got}, "
            f"the spec gives {dict(zip(names, want))}"
        )
