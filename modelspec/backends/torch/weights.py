"""Keras weights <-> torch parameters, one mapping per layer kind.

`keras_to_torch(layer, weights)` takes a layer's weights by the names the core gives them
(`Layer.weights()`: `kernel`, `recurrent_kernel`, `bias`, `gamma`, `query_kernel`, ...; Keras'
variable names, prefixed by the sublayer) and returns the torch module's `state_dict` entries (`weight`, `weight_ih`,
`running_var`, `query.weight`, ...); `torch_to_keras` is its inverse. Arrays may be numpy arrays
or torch tensors; the result is of the same kind, possibly a view. The builder uses these to
give a fresh module Keras' initial values; weight transfer between the back ends uses them too.

| kind | Keras -> torch |
|---|---|
| Dense | kernel (I, U) -> weight = kernel.T (U, I); bias -> bias |
| Conv1D, Conv2D, Conv2DTranspose | kernel (*k, a, b) -> weight (b, a, *k) |
| Embedding | embeddings -> weight |
| LSTM, SimpleRNN | kernel.T -> weight_ih, recurrent_kernel.T -> weight_hh, bias -> bias |
| GRU | as LSTM with gate blocks z, r, h reordered to r, z, n; reset_after: bias[0] -> bias_ih, bias[1] -> bias_hh |
| BatchNormalization | gamma, beta, moving_mean, moving_variance -> weight, bias, running_mean, running_var |
| LayerNormalization | gamma, beta -> weight, bias |
| MultiHeadAttention | p_kernel -> p.weight (heads flattened, transposed), p_bias -> p.bias, for p in query, key, value, output |
| Bidirectional | the wrapped kind's mapping: forward_<name> -> forward_layer.<param>, backward_ likewise |
"""

from __future__ import annotations

from typing import Any, Callable

from ...layers import Layer

Arrays = dict[str, Any]
MAPPINGS: dict[str, tuple[Callable[[Layer, Arrays], Arrays], Callable[[Layer, Arrays], Arrays]]] = {}


def keras_to_torch(layer: Layer, weights: Arrays) -> Arrays:
    """The torch `state_dict` entries of a layer, from its Keras weights (named as the core names them)."""
    return MAPPINGS[layer.type][0](layer, weights) if layer.type in MAPPINGS else {}


def torch_to_keras(layer: Layer, params: Arrays) -> Arrays:
    """A layer's Keras weights, named as the core names them, from its torch `state_dict` entries."""
    return MAPPINGS[layer.type][1](layer, params) if layer.type in MAPPINGS else {}


def set_keras_weights(module: Any, layer_name: str, layer: Layer, weights: Arrays) -> None:
    """Load Keras weights (numpy arrays or tensors, by the core's names) into the submodule of
    layer instance `layer_name` of a module `to_torch` built. Names and shapes must all match."""
    import torch

    target = submodule(module, layer_name)
    own = target.state_dict()
    state = {}
    for name, value in keras_to_torch(layer, weights).items():
        like = own.get(name)
        dtype = like.dtype if like is not None else None
        state[name] = torch.as_tensor(value.copy() if hasattr(value, "flags") else value, dtype=dtype)
    target.load_state_dict(state)


def get_keras_weights(module: Any, layer_name: str, layer: Layer) -> dict[str, Any]:
    """The Keras weights (numpy arrays, by the core's names) of layer instance `layer_name`."""
    params = {k: v.detach().cpu() for k, v in submodule(module, layer_name).state_dict().items()}
    return {k: v.numpy().copy() for k, v in torch_to_keras(layer, params).items()}


def submodule(module: Any, layer_name: str) -> Any:
    """The torch submodule holding layer instance `layer_name` (usually the attribute of that name)."""
    return module.get_submodule(module.meta["modelspec"]["modules"][layer_name])


def mapping(*kinds: str):
    """Register `(to_torch, to_keras)` for kinds: decorate a function returning the pair."""

    def decorate(make):
        pair = make()
        for kind in kinds:
            MAPPINGS[kind] = pair
        return make

    return decorate


def _permute(a: Any, axes: tuple[int, ...]) -> Any:
    return a.permute(*axes) if hasattr(a, "permute") else a.transpose(axes)


def _stack(arrays: list[Any]) -> Any:
    if hasattr(arrays[0], "permute"):
        import torch

        return torch.stack(arrays)
    import numpy as np

    return np.stack(arrays)


def _renamed(names: dict[str, str], weights: Arrays,
             convert: Callable[[str, Any], Any] = lambda name, a: a) -> Arrays:  # fmt: skip
    """`names` maps source name -> target name; weights missing from `weights` are skipped."""
    return {target: convert(source, weights[source]) for source, target in names.items() if source in weights}


@mapping("Dense")
def _dense():
    def transpose(name, a):
        return a.T if name in ("kernel", "weight") else a

    return (lambda layer, w: _renamed({"kernel": "weight", "bias": "bias"}, w, transpose),
            lambda layer, p: _renamed({"weight": "kernel", "bias": "bias"}, p, transpose))  # fmt: skip


@mapping("Conv1D", "Conv2D", "Conv2DTranspose")
def _conv():
    def to_torch(layer, w):
        def convert(name, a):
            n = a.ndim - 2  # spatial rank
            return _permute(a, (n + 1, n, *range(n))) if name == "kernel" else a

        return _renamed({"kernel": "weight", "bias": "bias"}, w, convert)

    def to_keras(layer, p):
        def convert(name, a):
            n = a.ndim - 2
            return _permute(a, (*range(2, n + 2), 1, 0)) if name == "weight" else a

        return _renamed({"weight": "kernel", "bias": "bias"}, p, convert)

    return to_torch, to_keras


@mapping("Embedding")
def _embedding():
    return (lambda layer, w: _renamed({"embeddings": "weight"}, w),
            lambda layer, p: _renamed({"weight": "embeddings"}, p))  # fmt: skip


@mapping("BatchNormalization")
def _batch_norm():
    names = {"gamma": "weight", "beta": "bias", "moving_mean": "running_mean",
             "moving_variance": "running_var"}  # fmt: skip
    back = {v: k for k, v in names.items()}
    return lambda layer, w: _renamed(names, w), lambda layer, p: _renamed(back, p)


@mapping("LayerNormalization")
def _layer_norm():
    return (lambda layer, w: _renamed({"gamma": "weight", "beta": "bias"}, w),
            lambda layer, p: _renamed({"weight": "gamma", "bias": "beta"}, p))  # fmt: skip


def _gate_order(layer: Layer, units: int) -> list[int] | None:
    """Index that reorders Keras' GRU gate blocks z, r, h into torch's r, z, n (its own inverse)."""
    if layer.type != "GRU":
        return None
    u = units
    return [*range(u, 2 * u), *range(u), *range(2 * u, 3 * u)]


@mapping("LSTM", "GRU", "SimpleRNN")
def _recurrent():
    def to_torch(layer, w):
        order = _gate_order(layer, layer.units)

        def gates(a):  # Keras (n, gates * U) -> torch (gates * U, n)
            return (a if order is None else a[:, order]).T

        out = {"weight_ih": gates(w["kernel"]), "weight_hh": gates(w["recurrent_kernel"])}
        if "bias" in w:
            b = w["bias"] if order is None else w["bias"][..., order]
            if b.ndim == 2:  # GRU reset_after: input and recurrent biases
                out.update(bias_ih=b[0], bias_hh=b[1])
            else:
                out["bias"] = b
        return out

    def to_keras(layer, p):
        order = _gate_order(layer, layer.units)

        def gates(a):
            return a.T if order is None else a.T[:, order]

        out = {"kernel": gates(p["weight_ih"]), "recurrent_kernel": gates(p["weight_hh"])}
        if "bias_ih" in p:
            out["bias"] = _stack([p["bias_ih"], p["bias_hh"]])[..., order]
        elif "bias" in p:
            out["bias"] = p["bias"] if order is None else p["bias"][order]
        return out

    return to_torch, to_keras


@mapping("MultiHeadAttention")
def _attention():
    parts = ("query", "key", "value", "output")

    def to_torch(layer, w):
        out = {}
        for part in parts:
            kernel, bias = w[f"{part}_kernel"], w.get(f"{part}_bias")
            if part == "output":  # (heads, value_dim, D) -> (D, heads * value_dim)
                out[f"{part}.weight"] = kernel.reshape(-1, kernel.shape[-1]).T
            else:  # (D, heads, dim) -> (heads * dim, D)
                out[f"{part}.weight"] = kernel.reshape(kernel.shape[0], -1).T
            if bias is not None:
                out[f"{part}.bias"] = bias.reshape(-1)
        return out

    def to_keras(layer, p):
        heads, key_dim = layer.num_heads, layer.key_dim
        value_dim = layer.value_dim or key_dim
        out = {}
        for part in parts:
            weight, bias = p[f"{part}.weight"], p.get(f"{part}.bias")
            dim = value_dim if part in ("value", "output") else key_dim
            if part == "output":
                out[f"{part}_kernel"] = weight.T.reshape(heads, dim, weight.shape[0])
            else:
                out[f"{part}_kernel"] = weight.T.reshape(weight.shape[1], heads, dim)
            if bias is not None:
                out[f"{part}_bias"] = bias if part == "output" else bias.reshape(heads, dim)
        return out

    return to_torch, to_keras


@mapping("Bidirectional")
def _bidirectional():
    """The wrapped kind's mapping, twice: `forward_<name>` -> `forward_layer.<param>`."""
    sides = {"forward": "forward_layer", "backward": "backward_layer"}

    def to_torch(layer, w):
        out = {}
        for side, attribute in sides.items():
            mine = {k[len(side) + 1 :]: a for k, a in w.items() if k.startswith(side + "_")}
            out.update({f"{attribute}.{k}": a for k, a in keras_to_torch(layer.layer, mine).items()})
        return out

    def to_keras(layer, p):
        out = {}
        for side, attribute in sides.items():
            mine = {k[len(attribute) + 1 :]: a for k, a in p.items() if k.startswith(attribute + ".")}
            out.update({f"{side}_{k}": a for k, a in torch_to_keras(layer.layer, mine).items()})
        return out

    return to_torch, to_keras
