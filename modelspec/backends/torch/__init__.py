"""The PyTorch back end: the graph IR as a native `torch.nn.Module` with Keras' semantics.

    module = modelspec.load("specs/stock_lstm.yaml").to_torch()
    price, direction = module(prices)          # or module(prices=prices)
    print(module.code)                         # the generated forward pass

The module is a `torch.fx.GraphModule` whose submodules are named after the spec's nodes. It
takes and returns tensors in Keras' shapes (channels last) and computes what the Keras model
computes (`../../shared/semantics.md` lists where the two frameworks differ and how). Layout:
`builder.py`; the contract of a kind's lowering (its submodule, the code it emits, its weights
between Keras' layout and torch's): `lowering.py`; one lowering per kind in `layers/`, a module
per module of `modelspec/layers/`; Keras-semantics modules: `modules.py`, `recurrent.py`;
Keras' initializers: `init.py`; Keras weights in and out of a built module: `weights.py`.

torch is imported when one of these functions runs, never when this package is imported.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Mapping
from typing import Any

from ...files import write_atomic
from ...registry import BACKENDS
from .. import import_framework

__all__ = [
    "LOWERINGS",
    "count_params",
    "get_keras_weights",
    "get_weights",
    "load_torch",
    "read_saved",
    "refusals",
    "release",
    "save",
    "save_torch",
    "set_keras_weights",
    "set_weights",
    "submodule",
    "to_torch",
]
_LAZY = {
    "LOWERINGS": "layers",
    "set_keras_weights": "weights",
    "get_keras_weights": "weights",
    "submodule": "weights",
}


def __getattr__(name: str) -> Any:
    """The names that need torch (the lowerings, the weight mappings) are imported on first use."""
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def to_torch(graph: Any) -> Any:
    """A `torch.fx.GraphModule` of the graph, in eval mode, initialised as Keras initialises;
    `BackendError` saying their size when its weights do not fit in memory
    (`limits.memory_checked`)."""
    from ...limits import memory_checked
    from .builder import to_torch as build

    with memory_checked(graph, "torch"):
        return build(graph)


def refusals(graph: Any) -> list[tuple[str, str]]:
    """(node, message) for every node whose lowering refuses its layer (an argument or kind torch
    cannot compute exactly); empty when every node lowers. Builds no module."""
    from .. import BackendError
    from . import layers  # noqa: F401  (registers the built-in kinds' lowerings)
    from .lowering import Site, lowering_for

    out = []
    for node in graph.nodes:
        site = Site(node.name, [graph.tensor_type(t) for t in node.inputs], node.output)
        try:
            lowering_for(node.layer, site)
        except BackendError as exc:
            out.append((node.name, exc.what))
    return out


def get_weights(module: Any, graph: Any) -> dict[str, dict[str, Any]]:
    """The registry's `get_weights`: each weight-owning node's weights in `module`, converted by
    its lowering to Keras' layout (numpy arrays by the core's names); `BackendError` when the
    module was not built from `graph`."""
    from .. import BackendError
    from ..transfer import check_shapes, weight_owners
    from .weights import get_keras_weights

    out = {}
    for node in weight_owners(graph):
        try:
            weights = get_keras_weights(module, node.layer_name)
        except (KeyError, AttributeError) as exc:
            raise BackendError(
                f"node {node.name!r} ({node.kind}): not in the torch module ({exc})"
            ) from None
        arrays = {name: weights[name] for name in node.weights if name in weights}
        check_shapes(node, [a.shape for a in arrays.values()], "the torch module")
        out[node.name] = arrays
    return out


def set_weights(module: Any, graph: Any, weights: dict[str, dict[str, Any]]) -> None:
    """The registry's `set_weights`: each weight-owning node's submodule set to `weights[node]`
    (Keras' layout, by the core's names; its lowering converts them); `BackendError` when the
    module is not `graph`'s."""
    from .. import BackendError
    from ..transfer import weight_owners
    from .weights import set_keras_weights

    for node in weight_owners(graph):
        try:
            set_keras_weights(module, node.layer_name, weights[node.name])
        except (KeyError, RuntimeError, ValueError) as exc:
            raise BackendError(
                f"node {node.name!r} ({node.kind}): the torch module does not match the spec: {exc}"
            ) from None


def count_params(module: Any) -> tuple[int, int]:
    """(trainable, non-trainable) as Keras counts them: buffers (BatchNorm's moving statistics)
    and frozen parameters are non-trainable."""
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in module.parameters() if not p.requires_grad)
    return trainable, frozen + sum(b.numel() for b in module.buffers())


def save_torch(
    module: Any,
    spec_yaml_text: str,
    path: str | os.PathLike,
    optimizer: Mapping[str, Any] | None = None,
    state: Mapping[str, Any] | None = None,
    rng_state: Any = None,
) -> None:
    """Write `{"modelspec": spec text, "state_dict": ...}` with `torch.save`, atomically
    (`files.write_atomic`: the mode of any other artifact); a trained module's file also holds
    `"optimizer"` (the optimizer's `state_dict`, `optimizers.KerasOptimizer`), `"training"`
    (`state`, where training stopped, as JSON text) and `"rng_state"` (torch's generator, which
    draws the dropout masks), which `read_saved` reads back. The tensors are written from the
    CPU, so a module trained on a GPU loads on a machine without one."""
    torch = import_framework("torch")
    weights = {k: v.detach().cpu() for k, v in module.state_dict().items()}
    payload: dict[str, Any] = {"modelspec": spec_yaml_text, "state_dict": weights}
    if optimizer is not None:
        payload["optimizer"] = _on_cpu(optimizer)
    if state is not None:
        payload["training"] = json.dumps(state)
    if rng_state is not None:
        payload["rng_state"] = rng_state
    write_atomic(path, lambda tmp: torch.save(payload, tmp))


def _on_cpu(value: Any) -> Any:
    """`value` (an optimizer's `state_dict`: nested dicts and lists) with every tensor on the CPU."""
    if hasattr(value, "cpu") and hasattr(value, "device"):
        return value.detach().cpu()
    if isinstance(value, Mapping):
        return {k: _on_cpu(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_on_cpu(v) for v in value)
    return value


def save(module: Any, path: str | os.PathLike, source: str | None) -> None:
    """The registry's `save(model, path, source)`: `save_torch`, refusing a path without `.pt`."""
    BACKENDS["torch"].check_path(path)
    save_torch(module, source or "", path)


def release() -> None:
    """Nothing to free: torch keeps no global state per module built."""


def load_torch(path: str | os.PathLike) -> Any:
    """The module `save_torch` wrote: rebuilt from the embedded spec, its weights loaded, in eval
    mode, on the CPU (`.to(device)` moves it), whatever device wrote the file."""
    torch = import_framework("torch")
    from ... import loads

    data = torch.load(os.fspath(path), weights_only=True, map_location="cpu")
    module = loads(data["modelspec"], source=os.fspath(path)).to_torch()
    module.load_state_dict(data["state_dict"])
    return module.eval()


def read_saved(path: str | os.PathLike) -> tuple[Any, str | None, dict | None, Any]:
    """The registry's `read_saved`: (module, the spec's text, the training state, the resume
    state: `{"optimizer": its state_dict, "rng_state": torch's generator}` or None for a file
    without an optimizer) of a `.pt` file `save_torch` wrote; `BackendError` for a file it did
    not write."""
    from .. import BackendError

    torch = import_framework("torch")
    try:
        data = torch.load(os.fspath(path), weights_only=True, map_location="cpu")
    except FileNotFoundError:
        raise
    except Exception as exc:  # noqa: BLE001  (whatever a foreign file makes torch's unpickler raise)
        raise BackendError(
            f"{os.fspath(path)}: not a model file modelspec wrote (torch cannot read it: "
            f"{type(exc).__name__})"
        ) from None
    if not isinstance(data, dict) or "modelspec" not in data or "state_dict" not in data:
        raise BackendError(f"{os.fspath(path)}: not a model file modelspec wrote (no spec in it)")
    from ... import loads

    module = loads(data["modelspec"], source=os.fspath(path)).to_torch()
    module.load_state_dict(data["state_dict"])
    training = json.loads(data["training"]) if "training" in data else None
    resume = None
    if "optimizer" in data:
        resume = {"optimizer": data["optimizer"], "rng_state": data.get("rng_state")}
    return module.eval(), data["modelspec"], training, resume
