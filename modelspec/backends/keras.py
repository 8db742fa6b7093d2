"""The Keras back end: the complete graph as a Keras 3 functional model (TensorFlow back end).

`to_keras` walks the graph's nodes once, in their topological order. Each layer instance (a
node's `layer_name`: shared layers are one instance called at several nodes) is made once by
the lowering of its kind (`keras_lowerings.LOWERINGS`, found by class) and named after the node that owns it, so every name in the
model is the spec's, never Keras' `dense_7` counters. Every tensor Keras builds is checked
against the shape, dtype and mask (whether it carries one) the core inferred: a disagreement
is a `BackendError`, not a model that differs from its spec. The graph's training plan becomes `model.compile`, every per-output
setting keyed by output name.

Importing this module imports TensorFlow and Keras (`modelspec[keras]`); the core never does.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
from collections.abc import Mapping
from typing import Any

from ..document import LossKind, OptimizerKind
from ..files import write_atomic
from ..graph import Graph, Node, producer
from ..limits import memory_checked
from ..registry import BACKENDS
from . import BackendError
from .keras_lowerings import LOWERINGS, keras
from .transfer import check_shapes, weight_owners

__all__ = [
    "LOWERINGS",
    "compile_model",
    "get_weights",
    "load_keras",
    "mismatches",
    "read_saved",
    "release",
    "save_keras",
    "set_weights",
    "to_keras",
]

FLOATS = ("float16", "bfloat16", "float32", "float64")


def to_keras(graph: Graph, compile: bool = True) -> Any:
    """A `keras.Model` of the complete graph (`Spec.graph`): inputs and outputs in the spec's
    order, named as in the spec; `BackendError` saying their size when its weights do not fit in
    memory (`limits.memory_checked`)."""
    with memory_checked(graph, "keras"):
        return _to_keras(graph, compile)


def _to_keras(graph: Graph, compile: bool) -> Any:
    inputs = {
        name: keras.Input(shape=t.shape, dtype=t.dtype, name=name)
        for name, t in graph.inputs.items()
    }
    tensors: dict[str, Any] = dict(inputs)
    layers: dict[str, Any] = {}
    for node in graph.nodes:
        if node.layer_name not in layers:
            layers[node.layer_name] = _lower(graph, node)
        keywords = node.layer.by_role(
            {role: [tensors[t] for t in ts] for role, ts in node.keywords.items()}
        )
        outputs = _apply(node, layers[node.layer_name], [tensors[t] for t in node.inputs], keywords)
        tensors.update(zip(node.tensors, outputs, strict=True))
    outputs = [_output(graph, name, tensors[name]) for name in graph.outputs]
    model = keras.Model(
        inputs=_one_or_list(list(inputs.values())), outputs=_one_or_list(outputs), name=graph.name
    )
    if compile and graph.training is not None:
        compile_model(model, graph)
    return model


def refusals(graph: Graph) -> list[tuple[str, str]]:
    """(node, message) for every layer instance this back end cannot build as the spec says
    (each owner's Keras layer is made, not called); empty when it builds them all."""
    out = []
    for node in graph.nodes:
        if node.shared:
            continue
        try:
            _lower(graph, node)
        except BackendError as exc:
            out.append((node.name, exc.what))
    return out


def _one_or_list(tensors: list[Any]) -> Any:
    """One tensor as itself (`model(x)` takes and returns a tensor, as Keras users expect)."""
    return tensors[0] if len(tensors) == 1 else tensors


def _lower(graph: Graph, node: Node) -> Any:
    """The Keras layer of the instance `node.layer_name`, made from its owner's config."""
    owner = graph.node(node.layer_name)
    dtype = owner.output.dtype if owner.output.dtype in FLOATS else None
    return LOWERINGS.lookup(owner.layer, owner.name).build(owner.layer, owner.name, dtype)


def _apply(node: Node, layer: Any, tensors: list[Any], keywords: dict[str, Any]) -> list[Any]:
    """The node's output tensors (one per output, in order), each checked against the core's type."""
    try:
        out = LOWERINGS.lookup(node.layer, node.name).call(node.layer, layer, tensors, keywords)
    except (ValueError, TypeError) as exc:
        raise BackendError(
            f"node {node.name!r}: layer kind {node.kind}: Keras refused the call "
            f"({' '.join(str(exc).split())}) in the keras back end"
        ) from None
    outputs = list(out) if node.extra_outputs else [out]
    for tensor, got, want in zip(node.tensors, outputs, node.tensors.values(), strict=True):
        got_shape, got_dtype = tuple(got.shape), keras.backend.standardize_dtype(got.dtype)
        if want is None or got_shape != (None, *want.shape) or got_dtype != want.dtype:
            raise BackendError(
                f"node {node.name!r}: layer kind {node.kind}: the keras back end built "
                f"{got_shape[1:]} {got_dtype} for {tensor!r} where modelspec inferred "
                f"{want} (a bug in modelspec: please report it with the spec)"
            )
        if (getattr(got, "_keras_mask", None) is not None) != want.masked:
            raise BackendError(
                f"node {node.name!r}: layer kind {node.kind}: the keras back end built "
                f"{tensor!r} {'without' if want.masked else 'with'} a mask where modelspec "
                f"inferred {'one' if want.masked else 'none'} (a bug in modelspec: please "
                "report it with the spec)"
            )
    return outputs


def _output(graph: Graph, name: str, tensor: Any) -> Any:
    """The output tensor, from a layer named `name`: Keras names outputs after their layers.

    A node that applies a shared layer has no layer of its own, and a node's outputs after the
    first (`enc.state_h`) share its layer's name, so such an output passes through an `Identity`
    layer named after it (no weights, no computation).
    """
    if name in graph.inputs:  # an output may be a model input
        return tensor
    if graph.node(producer(name)).shared or name != producer(name):
        return keras.layers.Identity(name=name)(tensor)
    return tensor


# --- training: model.compile ---------------------------------------------------------------

OPTIMIZERS = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD", "rmsprop": "RMSprop"}
LOSSES = {
    "mse": "MeanSquaredError",
    "mae": "MeanAbsoluteError",
    "mape": "MeanAbsolutePercentageError",
    "huber": "Huber",
    "binary_crossentropy": "BinaryCrossentropy",
    "categorical_crossentropy": "CategoricalCrossentropy",
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
}


def compile_model(model: Any, graph: Graph) -> None:
    """`model.compile` per the graph's training plan: losses, weights, metrics by output name."""
    plan = graph.training_plan()  # DataError without a `training:` section
    names = list(model.output_names)
    if names != [o.name for o in plan.outputs]:  # cannot happen: `_output` names every output
        raise BackendError(
            f"keras back end: output names {names} differ from the spec's {graph.outputs}"
        )
    metrics = {o.name: list(o.metrics) for o in plan.outputs if o.metrics}
    model.compile(
        optimizer=_optimizer(plan.optimizer),
        loss={o.name: _loss(o.loss) for o in plan.outputs},
        loss_weights={o.name: o.weight for o in plan.outputs},
        metrics=metrics or None,
    )


# keras.losses.Huber's base class, which serialises its function's arguments (not exported).
_LossFunctionWrapper = keras.losses.Huber.__mro__[1]
assert _LossFunctionWrapper.__name__ == "LossFunctionWrapper"


def _optimizer(config: OptimizerKind) -> Any:
    """The Keras optimizer of the plan's optimizer config (its fields are Keras' arguments)."""
    cls = getattr(keras.optimizers, OPTIMIZERS[config.type])
    return cls(**config.model_dump(exclude={"type"}))


def _loss(loss: LossKind) -> Any:
    """The Keras loss object of a plan's loss (its fields, `from_logits` or huber's `delta`, are
    the Keras class's arguments), so that a saved model keeps them."""
    kwargs = loss.model_dump(exclude={"type"})
    if (
        loss.type == "huber"
    ):  # keras.losses.Huber.get_config drops delta: a saved model would forget it
        return _LossFunctionWrapper(keras.losses.huber, name="huber_loss", **kwargs)
    return getattr(keras.losses, LOSSES[loss.type])(**kwargs)


# --- clients of the result -------------------------------------------------------------------


MODELSPEC_MEMBER = "modelspec.json"  # the spec and the training state, beside Keras' own files


def save_keras(
    model: Any,
    path: str | os.PathLike,
    source: str | None = None,
    state: Mapping[str, Any] | None = None,
) -> None:
    """`model.save(path)` (weights, compile config, optimizer variables: built first when it has
    none yet, as loading builds them), atomically
    (`files.write_atomic`); `ValueError` unless `path` ends in `.keras`. The archive also holds
    `modelspec.json`: `{"spec": source (the spec's text), "training": state, "seed_generators":
    ...}` (`state`: where training stopped, `TrainResult.state`; the state of every random seed
    generator of the model's layers, Dropout's, which Keras does not save), which `read_saved`
    reads and Keras' loader ignores."""
    BACKENDS["keras"].check_path(path)
    seeds = [v.numpy().tolist() for v in seed_generator_states(model)]
    extra = json.dumps(
        {"format": "modelspec", "spec": source, "training": state, "seed_generators": seeds}
    )

    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and not optimizer.built:
        # Keras' loader builds a compiled model's optimizer (`compile_from_config`) before it
        # loads the saved variables: an unbuilt one saved 2 (iterations, learning rate) against
        # the 16 (Adam, 7 weights) it then has, which Keras skipped with a warning. Built here,
        # not at compile: a model that is only checked or run carries no moments.
        optimizer.build(model.trainable_variables)

    def write(tmp: str) -> None:
        model.save(tmp, overwrite=True)
        with zipfile.ZipFile(tmp, "a") as archive:
            archive.writestr(MODELSPEC_MEMBER, extra)

    write_atomic(path, write)


def load_keras(path: str | os.PathLike) -> Any:
    """The model `save_keras` wrote."""
    return keras.models.load_model(os.fspath(path))


def read_saved(path: str | os.PathLike) -> tuple[Any, str | None, dict | None, Any]:
    """The registry's `read_saved`: (model, the spec's text, the training state, the optimizer
    state) of a `.keras` file `save_keras` wrote. The model comes compiled when it was saved
    compiled, its optimizer's variables loaded: the resume state is then
    `{"seed_generators": [...]}` (the optimizer is the model's; its layers' seed generators are
    set from these by the trainer, `restore_seed_generators`), else None. The spec's text is None for a file without `modelspec.json`."""
    try:
        model = load_keras(path)
    except FileNotFoundError:
        raise
    except Exception as exc:  # noqa: BLE001  (whatever a foreign file makes Keras' loader raise)
        why = " ".join(str(exc).split())[:200]
        raise BackendError(
            f"{os.fspath(path)}: not a model file modelspec wrote (Keras cannot read it: {why})"
        ) from None
    with zipfile.ZipFile(os.fspath(path)) as archive:
        names = archive.namelist()
        extra = json.loads(archive.read(MODELSPEC_MEMBER)) if MODELSPEC_MEMBER in names else {}
    compiled = getattr(model, "optimizer", None) is not None and model.compiled
    resume = {"seed_generators": extra.get("seed_generators")} if compiled else None
    return model, extra.get("spec"), extra.get("training"), resume


def seed_generator_states(model: Any) -> list[Any]:
    """The state variables of the model's random seed generators (a Dropout's, a recurrent
    layer's dropout), in the model's order: Keras saves none of them, so a reloaded model would
    draw other dropout masks than the saved one went on to draw."""
    return [v for v in model.variables if v.path.endswith("seed_generator_state")]


def restore_seed_generators(model: Any, states: list[Any] | None) -> None:
    """Set the model's seed generators to `states` (what `save_keras` stored), when there are as
    many; a file without them (or of another model) leaves the loaded ones."""
    variables = seed_generator_states(model)
    if states is not None and len(states) == len(variables):
        for variable, value in zip(variables, states, strict=True):
            variable.assign(value)


def release() -> None:
    """Free Keras' global state of the models built so far (a search builds one per trial)."""
    keras.backend.clear_session()


def mismatches(model: Any, graph: Graph) -> list[str]:
    """Where the Keras model's figures differ from the core's inference (empty: none)."""
    out = []
    seen = {t.name: t for t in model.inputs}
    for name, t in graph.inputs.items():
        k = seen.get(name)
        if k is None:
            out.append(f"input {name}: missing")
        elif (
            tuple(k.shape) != (None, *t.shape)
            or keras.backend.standardize_dtype(k.dtype) != t.dtype
        ):
            out.append(f"input {name}: keras {tuple(k.shape)} {k.dtype}, spec {t.shape} {t.dtype}")
    if [t.name for t in model.inputs] != list(graph.inputs):
        out.append(f"inputs: keras {[t.name for t in model.inputs]}, spec {list(graph.inputs)}")
    if list(model.output_names) != list(graph.outputs):
        out.append(f"outputs: keras {model.output_names}, spec {graph.outputs}")
    for name, k in zip(graph.outputs, model.outputs):
        want = graph.tensor_type(name)
        if want is None or tuple(k.shape) != (None, *want.shape):
            out.append(f"output {name}: keras {tuple(k.shape)}, spec {want}")
    for node in graph.nodes:
        if node.shared:
            continue
        layer = model.get_layer(node.layer_name)
        theirs = sorted((tuple(w.shape), w.trainable) for w in layer.weights)
        ours = sorted((tuple(w.shape), w.trainable) for w in node.weights.values())
        if theirs != ours:
            out.append(f"node {node.name} ({node.kind}): keras weights {theirs}, spec {ours}")
    counts = (_count(model.trainable_weights), _count(model.non_trainable_weights))
    if counts != (graph.trainable_params, graph.non_trainable_params):
        out.append(
            f"params (trainable, non-trainable): keras {counts}, "
            f"spec {(graph.trainable_params, graph.non_trainable_params)}"
        )
    return out


def _count(weights: list[Any]) -> int:
    return sum(math.prod(w.shape) for w in weights)


# --- weights by node (the registry's get_weights / set_weights) ------------------------------


def get_weights(model: Any, graph: Graph) -> dict[str, dict[str, Any]]:
    """Each weight-owning node's weights in `model` (numpy arrays by the core's names, in Keras'
    order); `BackendError` when the model was not built from `graph`."""
    out = {}
    for node in weight_owners(graph):
        arrays = _layer(model, node).get_weights()
        check_shapes(node, [a.shape for a in arrays], "the Keras model")
        out[node.name] = dict(zip(node.weights, arrays))
    return out


def set_weights(model: Any, graph: Graph, weights: dict[str, dict[str, Any]]) -> None:
    """Set each weight-owning node's layer to `weights[node]` (by the core's names, Keras'
    layout: checked by `weights.by_node`); `BackendError` when the model is not `graph`'s."""
    for node in weight_owners(graph):
        layer = _layer(model, node)
        check_shapes(node, [tuple(w.shape) for w in layer.weights], "the Keras model")
        layer.set_weights([weights[node.name][name] for name in node.weights])
        # Keras' Normalization computes from copies of its statistics that `finalize_state`
        # makes (its `adapt` and loading call it); set_weights alone leaves the old ones
        if hasattr(layer, "finalize_state"):
            layer.finalize_state()


def _layer(model: Any, node: Node) -> Any:
    try:
        return model.get_layer(node.layer_name)
    except ValueError:
        raise BackendError(
            f"node {node.name!r} ({node.kind}): the Keras model has no layer of that name"
        ) from None
