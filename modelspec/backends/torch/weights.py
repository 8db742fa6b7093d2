"""Keras weights in and out of a module `to_torch` built, through each layer's lowering.

A layer's weights are named as the core names them (`Layer.weights()`: `kernel`,
`recurrent_kernel`, `bias`, `gamma`, `query_kernel`, ...: Keras' variable names, prefixed by the
sublayer) and laid out as Keras lays them out; the lowering that built the layer's submodule
(`Lowering.to_torch` / `to_keras`) converts them to and from the submodule's `state_dict`
(`weight`, `weight_ih`, `running_var`, `query.weight`, ...). Weight transfer between the back
ends uses these.
"""

from __future__ import annotations

from typing import Any

from .lowering import Arrays, Lowering


def set_keras_weights(module: Any, layer_name: str, weights: Arrays) -> None:
    """Load Keras weights (numpy arrays or tensors, by the core's names) into the submodule of
    layer instance `layer_name` of a module `to_torch` built. Names and shapes must all match
    (`RuntimeError` from `load_state_dict` otherwise; `KeyError` for an unknown layer)."""
    import torch

    target = submodule(module, layer_name)
    own = target.state_dict()
    state = {}
    for name, value in lowering(module, layer_name).to_torch(weights).items():
        like = own.get(name)
        dtype = like.dtype if like is not None else None
        state[name] = torch.as_tensor(
            value.copy() if hasattr(value, "flags") else value, dtype=dtype
        )
    target.load_state_dict(state)


def get_keras_weights(module: Any, layer_name: str) -> dict[str, Any]:
    """The Keras weights (numpy arrays, by the core's names) of layer instance `layer_name`."""
    params = {k: v.detach().cpu() for k, v in submodule(module, layer_name).state_dict().items()}
    return {k: v.numpy().copy() for k, v in lowering(module, layer_name).to_keras(params).items()}


def submodule(module: Any, layer_name: str) -> Any:
    """The torch submodule holding layer instance `layer_name` (usually the attribute of that name)."""
    return module.get_submodule(module.meta["modelspec"]["modules"][layer_name])


def lowering(module: Any, layer_name: str) -> Lowering:
    """The lowering that built the submodule of layer instance `layer_name`."""
    return module.meta["modelspec"]["lowerings"][layer_name]
