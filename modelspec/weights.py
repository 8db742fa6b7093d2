"""Weights files: a model's weights in one framework-neutral safetensors file, no pickle.

A tensor is keyed `NODE/WEIGHT`: NODE the node that owns the layer instance, as `spec.graph.nodes`
names it (a block's nodes by their expanded names, `res_1_conv_a`; a `shares:` node owns none),
WEIGHT the core's name for it (`Layer.weights()`: `kernel`, `recurrent_kernel`, `moving_variance`),
in Keras' layout (a Dense kernel is (in, units)) and in the model's dtype. The header's metadata is
`{"format": "modelspec", "spec": NAME}`.

    write("w.safetensors", of_model(model, spec), spec.name)   # what spec.save_weights does
    spec.to_torch(weights="w.safetensors")                     # any back end reads it back

`by_node` checks arrays against a graph and reports every missing, mis-shaped or unknown weight at
once (`DataError`, one line each, at the node's line in the spec when given `locate`).
This module imports no framework: safetensors' numpy API is imported when a file is read or
written, and a model's weights are read through the back end that built it (`modelspec.registry`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .errors import DataError, Location, Problem, did_you_mean
from .files import write_atomic
from .graph import Graph, Node
from .layers.base import format_shape

FORMAT = "modelspec"
"""The `format` the metadata of a weights file names."""

Source = str | os.PathLike | Mapping[str, Any]
"""Weights as the loaders take them: a weights file's path, or arrays by key (as `read` gives them)."""

ByNode = dict[str, dict[str, np.ndarray]]
"""Node name -> weight name -> array, each node's weights in its `weights()` order."""


def key(node: str, weight: str) -> str:
    """The key of weight `weight` of node `node` in a weights file: `NODE/WEIGHT`."""
    return f"{node}/{weight}"


def read(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The arrays of the safetensors file at `path`, by key, in the dtypes stored. `DataError`
    (one line) for a file that is missing, unreadable, a directory, or not safetensors."""
    import safetensors
    import safetensors.numpy

    name = os.fspath(path)
    try:
        data = Path(name).read_bytes()
    except OSError as exc:
        raise DataError([f"{name}: cannot read weights file: {exc.strerror or exc}"]) from None
    try:
        return dict(safetensors.numpy.load(data))
    except (safetensors.SafetensorError, ValueError, TypeError) as exc:
        reason = " ".join(str(exc).split())
        raise DataError(
            [
                f"{name}: not a safetensors weights file ({reason}); `modelspec.weights.write` writes one"
            ]
        ) from None


def write(path: str | os.PathLike, arrays: Mapping[str, Any], spec_name: str = "") -> None:
    """Write `arrays` (key -> array, as `of_model` gives them) to `path` as safetensors,
    atomically (`files.write_atomic`), their dtypes kept; the metadata names the format and
    `spec_name`. Safetensors holds only numbers: no pickle, nothing runs when it is read."""
    import safetensors.numpy

    # np.ascontiguousarray makes a 0-d array 1-d (a Normalization's `count` came back (1,))
    tensors = {str(k): np.ascontiguousarray(v).reshape(np.shape(v)) for k, v in arrays.items()}
    metadata = {"format": FORMAT, "spec": spec_name}
    write_atomic(path, safetensors.numpy.save(tensors, metadata=metadata))


def by_node(
    graph: Graph,
    arrays: Mapping[str, Any],
    locate: Callable[[tuple], Location] | None = None,
    source: str = "the weights given",
) -> ByNode:
    """`arrays` (key -> array) checked against `graph` and grouped by node: every weight of every
    node that owns weights, with exactly the shape its layer takes; no key left over.

    `DataError` lists every problem at once, one line each naming the node, the weight, the shape
    found and the shape the layer takes: a weight missing or of another shape, a key naming no
    node, a node without that weight, a `shares:` node (its owner's key holds the weights), a key
    that is not `NODE/WEIGHT`. `locate` (a node's spec path -> its position, as
    `Document.locate`) puts each line at its node; `source` names the arrays (a file's path).
    """
    found = {str(k): np.asarray(v) for k, v in arrays.items()}
    nodes = {n.name: n for n in graph.nodes}
    order = {name: i for i, name in enumerate(nodes)}
    problems: list[
        tuple[int, str]
    ] = []  # (node's place in the graph, line): a node's lines together
    out: ByNode = {}

    def say(node: Node | None, message: str) -> None:
        if node is None:
            problems.append((len(order), message))
        else:
            line = (
                message if locate is None else str(Problem(locate(node.path), node.path, message))
            )
            problems.append((order[node.name], line))

    owners = {n.name: n for n in graph.nodes if not n.shared and n.weights}
    for node in owners.values():
        out[node.name] = {}
        for weight, declared in node.weights.items():
            array = found.pop(key(node.name, weight), None)
            where = f"node {node.name!r} ({node.kind}), weight {weight!r}"
            takes = f"the layer takes {format_shape(declared.shape)}"
            if array is None:
                say(
                    node,
                    f"{where}: missing from {source} (no key {key(node.name, weight)!r}); {takes}",
                )
            elif array.shape != declared.shape:
                say(node, f"{where}: shape {format_shape(array.shape)} in {source}, but {takes}")
            elif array.dtype.kind not in "biuf":
                say(node, f"{where}: {array.dtype} in {source}, not numbers; {takes} of floats")
            else:
                out[node.name][weight] = array
    for name, array in found.items():
        say(*_leftover(name, format_shape(array.shape), nodes, owners, source))
    if problems:
        raise DataError(line for _, line in sorted(problems, key=lambda p: p[0]))
    return out


def _leftover(
    name: str, shape: str, nodes: dict[str, Node], owners: dict[str, Node], source: str
) -> tuple[Node | None, str]:
    """Why key `name` (of an array of `shape`) fits no weight, and the node to put it at."""
    node_name, slash, weight = name.partition("/")
    found = f"{name!r} (shape {shape}) in {source}"
    if not slash or not node_name or not weight:
        return None, f"{found}: a key is NODE/WEIGHT"
    node = nodes.get(node_name)
    if node is None:
        return None, f"{found}: the spec has no node {node_name!r}{did_you_mean(node_name, owners)}"
    head = f"node {node.name!r} ({node.kind}), weight {weight!r}: {found}"
    if node.shared:
        owner = key(node.layer_name, weight)
        return (
            node,
            f"{head}, but the node shares the weights of {node.layer_name!r} (key {owner!r})",
        )
    if not node.weights:
        return node, f"{head}, but the layer has no weights"
    hint = did_you_mean(weight, node.weights)
    return (
        node,
        f"{head}, but the layer has no such weight (it has {', '.join(node.weights)}){hint}",
    )


def flatten(weights: Mapping[str, Mapping[str, Any]]) -> dict[str, np.ndarray]:
    """Node -> weight -> array as one mapping key -> array (`NODE/WEIGHT`), the inverse of `by_node`."""
    return {key(n, w): np.asarray(a) for n, ws in weights.items() for w, a in ws.items()}


def of_model(model: Any, spec: Any) -> dict[str, np.ndarray]:
    """The weights of `model` (a Keras model or torch module built from `spec`, a Spec or its
    Graph) by key `NODE/WEIGHT`, in Keras' layout and the model's dtypes: what `write` takes.
    `BackendError` for an object no back end built, or a model of another spec."""
    from .registry import backend_of

    graph = spec if isinstance(spec, Graph) else spec.graph
    return flatten(backend_of(model).get_weights(model, graph))


def checked(
    graph: Graph,
    weights: Source,
    locate: Callable[[tuple], Location] | None = None,
) -> ByNode:
    """`weights` (a weights file's path, or arrays by key as `read` gives them) read and checked
    against `graph` by `by_node` (`DataError` listing every problem)."""
    if isinstance(weights, (str, os.PathLike)):
        return by_node(graph, read(weights), locate, os.fspath(weights))
    return by_node(graph, weights, locate)
