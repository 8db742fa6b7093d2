"""A Keras model's config (`model.get_config()`) as spec data: the list form for a Sequential
model, the graph form for a functional one.

Keras 3 writes a functional model as its layers in call order, each with `inbound_nodes`: one
entry per call, whose `args` and `kwargs` hold the tensors it read as `keras_history` triples
(layer, call, output). Each call becomes a node named after its layer (a later call of one
layer: a `shares:` node); a model used as a layer is written out in place, its own layers
becoming nodes; Keras ops applied to tensors (`x + 3`) become the nodes that compute them
(`ops.py`). Whatever no kind expresses is collected, every problem at once, as `problems`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..layers import REGISTRY, Layer
from ..naming import keras_name
from .arguments import Unsupported, built_defaults, dtype_name, node_arguments
from .ops import op_node
from .tensors import Downstream, History, failed, history, resolve

MODELS = frozenset({"Functional", "Sequential", "Model"})


@dataclass
class Imported:
    """A Keras model as spec data. `data`: the document (plain YAML data); `layers`: each node
    -> the path of Keras names to the layer or op it calls (`("stem", "stem_conv")` inside a
    nested model), so its weights and figures can be read from the model; `problems`: what no
    kind expresses, one line each, named by the Keras layer's name and class."""

    data: dict[str, Any]
    layers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    text: str = ""  # the spec's YAML, once validated

    def named(self, node_names: list[str]) -> dict[str, tuple[str, ...]]:
        """`layers` by node name, given the spec's nodes in order (the list form's nodes are
        known by position until the spec names them)."""
        return {
            node_names[int(k[1:])] if k.startswith("#") else k: path
            for k, path in self.layers.items()
        }


def import_config(config: dict[str, Any]) -> Imported:
    """Spec data for a Keras model config: what `model.get_config()` returns, or the
    `{"class_name": ..., "config": ...}` object of `model.to_json()` and a `.keras` file."""
    class_name = "Functional"
    if "config" in config and "class_name" in config:
        class_name, config = str(config["class_name"]), config["config"]
    elif isinstance(config, dict) and "layers" in config and "input_layers" not in config:
        class_name = "Sequential"  # a Sequential model's get_config(): no input_layers
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise Unsupported("this is not a Keras model config (no `layers` list)")
    if any(isinstance(n, list) for e in config["layers"] for n in (e.get("inbound_nodes") or [])):
        raise Unsupported("a Keras 2 (tf.keras) config: import models saved by Keras 3")
    walker = _Walker()
    name = spec_name(str(config.get("name") or "model"))
    if class_name == "Sequential":
        data = walker.sequential(name, config)
    else:
        data = walker.functional(name, config)
    last = len(walker.order)
    problems = sorted(walker.problems, key=lambda p: walker.order.get(p.split(" ")[0], last))
    return Imported(data, walker.owners, problems)


class _Walker:
    def __init__(self) -> None:
        self.nodes: dict[str, dict[str, Any]] = {}
        self.inputs: dict[str, dict[str, Any]] = {}
        self.owners: dict[str, tuple[str, ...]] = {}
        self.problems: list[str] = []
        self.first_call: dict[tuple[str, ...], str] = {}  # Keras layer path -> its first node
        self.layers_of: dict[str, Layer] = {}  # node -> its layer, for the calls that share it
        self.op_names: set[str] = set()  # Keras names of the ops a config applies
        self.order: dict[str, int] = {}  # Keras name -> its place in the config, for problems

    # --- the two forms -----------------------------------------------------------------------

    def sequential(self, name: str, config: dict[str, Any]) -> dict[str, Any]:
        entries = list(config["layers"])
        if entries and entries[0].get("class_name") == "InputLayer":
            first = entries.pop(0)
            input_name = self.add_input(first)
        elif config.get("build_input_shape"):
            input_name = "input_layer"
            self.inputs[input_name] = {"shape": list(config["build_input_shape"])[1:]}
        else:
            self.problems.append(
                f"Sequential model {name!r}: its input shape is unknown (build it first)"
            )
            input_name = "input_layer"
        if any(e.get("class_name") in MODELS for e in entries):
            # a model used as a layer is written out in place: the graph form holds it
            chained, last = self._chained(entries)
            produced: dict[History, str] = {("", 0, 0): input_name}
            self.model({"layers": chained}, (), produced, call=0)
            return {"modelspec": 1, "name": name, "inputs": self.inputs, "layers": self.nodes,
                    "outputs": [produced.get(last, "?")]}  # fmt: skip
        layers: list[dict[str, Any]] = []
        dtype = self.inputs.get(input_name, {}).get("dtype", "float32")
        for entry in entries:
            node = self.layer_node(entry, (self._name(entry),), (dtype,))
            if node is None:
                continue
            kind = node["type"]
            args = {k: v for k, v in node.items() if k != "type"}
            dtype = REGISTRY[kind].model_validate(args).output_dtype(dtype)
            default = keras_name(kind)
            own = self._name(entry)
            if not _is_default_name(own, default):
                node["name"] = own
            # named by position until the spec names its nodes (`Imported.named`)
            self.owners[f"#{len(layers)}"] = (own,)
            layers.append(node)
        return {"modelspec": 1, "name": name, "inputs": self.inputs, "layers": layers}

    def functional(self, name: str, config: dict[str, Any]) -> dict[str, Any]:
        produced: dict[History, str] = {}
        self.model(config, (), produced, call=0)
        outputs = []
        for h in _triples(config.get("output_layers")):
            pending = produced.get((h[0], h[1], -1))
            if pending and pending not in self.problems:  # an op the model outputs
                self.problems.append(pending)
            outputs.append(produced.get(h, "?"))
        order = [produced.get(h) for h in _triples(config.get("input_layers"))]
        self.inputs = {k: self.inputs[k] for k in order if k in self.inputs} | self.inputs
        return {
            "modelspec": 1,
            "name": name,
            "inputs": self.inputs,
            "layers": self.nodes,
            "outputs": outputs,
        }

    # --- walking one model's layers ----------------------------------------------------------

    def model(
        self,
        config: dict[str, Any],
        scope: tuple[str, ...],
        produced: dict[History, str],
        call: int,
    ) -> None:
        """Add a functional model's calls (its inputs already in `produced` when nested).

        Keras lists a layer once with all its calls, so a later call of a shared layer may read
        what layers listed after it make: calls are taken in config order as their inputs
        become known (what stays unknown is taken last, and reported)."""
        self.op_names.update(self._name(e) for e in config["layers"] if _is_op(e))
        pending: list[tuple[dict[str, Any], int, Any]] = []
        for entry in config["layers"]:
            layer_name = self._name(entry)
            self.order.setdefault(layer_name, len(self.order))
            if entry.get("class_name") == "InputLayer":
                if (layer_name, 0, 0) not in produced:
                    produced[(layer_name, 0, 0)] = self.add_input(entry)
                continue
            pending += [
                (entry, i, inbound) for i, inbound in enumerate(entry.get("inbound_nodes") or [])
            ]
        while pending:
            waiting = []
            for entry, index, inbound in pending:  # one pass: a chain in order goes at once
                if _known(inbound, produced):
                    self.call(entry, (*scope, self._name(entry)), index, inbound, produced, call)
                else:
                    waiting.append((entry, index, inbound))
            if len(waiting) == len(pending):  # no progress: take the first, which reports it
                entry, index, inbound = waiting.pop(0)
                self.call(entry, (*scope, self._name(entry)), index, inbound, produced, call)
            pending = waiting

    def call(
        self,
        entry: dict[str, Any],
        path: tuple[str, ...],
        index: int,
        inbound: dict[str, Any],
        produced: dict[History, str],
        outer_call: int,
    ) -> None:
        """One call of a layer (or op, or nested model): a node, its outputs in `produced`."""
        label = f"{path[-1]} ({entry.get('class_name')})"

        def refuse(exc: Unsupported) -> None:
            if not isinstance(exc, Downstream):
                self.problems.append(f"{label}: {exc}")
            elif exc.pending and exc.pending not in self.problems:
                self.problems.append(exc.pending)
            failed(produced, path[-1], index)

        try:
            positional, keywords, constants = _tensors(inbound, produced, self.op_names)
        except Downstream as exc:
            # its inputs are not imported, but its own config may hold problems of its own
            if _is_op(entry):  # an op of an op: reported as the first one, if at all
                failed(produced, path[-1], index, exc.pending)
                return
            if entry.get("class_name") in MODELS:
                self.nested(entry, path, index, None, produced, outer_call)
            else:
                self.layer_node(entry, path)
            refuse(exc)
            return
        except Unsupported as exc:
            refuse(exc)
            return
        if entry.get("class_name") in MODELS:
            self.nested(entry, path, index, positional, produced, outer_call)
            return
        if entry.get("class_name") == "Identity" and positional == [path[-1]] and "." in path[-1]:
            # modelspec's Keras back end names a model output `enc.state_h` through an Identity
            produced[(path[-1], index, 0)] = positional[0]
            return
        if _is_op(entry):
            try:
                kind, args, tensors = op_node(
                    str(entry.get("class_name")), entry.get("config") or {}, inbound, produced
                )
            except Downstream as exc:  # an op of an op: reported as the first one, if at all
                failed(produced, path[-1], index, exc.pending)
                return
            except Unsupported as exc:  # reported if data reads it: masks are recomputed
                failed(produced, path[-1], index, f"{label}: {exc}")
                return
            name = self.unique(path[-1])
            self.nodes[name] = {"type": kind, **args, "inputs": _inputs_field(tensors, {})}
            self.owners[name] = path
            produced[(path[-1], index, 0)] = name
            return
        first = self.first_call.get(path)  # the layer's first call taken: this one shares it
        if first is not None:
            if constants:
                refuse(Unsupported(f"a later call of a shared layer with {sorted(constants)}"))
                return
            name = self.unique(f"{path[-1]}_{max(index, outer_call)}")
            node: dict[str, Any] = {"shares": first}
            layer = self.layers_of.get(first)
        else:
            read = _read(inbound)
            shapes = [list(t.get("shape") or []) for t in read]
            config = built_defaults(str(entry.get("class_name")), entry.get("config") or {}, shapes)
            # call arguments a kind takes as its own (`use_causal_mask`) join its config
            entry = {**entry, "config": {**config, **constants}}
            dtypes = tuple(str(t.get("dtype")) for t in read)
            node_or_none = self.layer_node(entry, path, dtypes)
            if node_or_none is None:
                failed(produced, path[-1], index)
                return
            node = node_or_none
            name = self.unique(path[-1])
            self.first_call[path] = name
            layer = REGISTRY[node["type"]].model_validate(
                {k: v for k, v in node.items() if k != "type"} | {"type": node["type"]}
            )
            self.layers_of[name] = layer
        self.owners[name] = path
        try:
            node["inputs"] = _inputs_field(positional, keywords, layer)
        except Unsupported as exc:
            refuse(exc)
            return
        self.nodes[name] = node
        names = layer.output_names() if layer is not None else ("output",)
        for t, output in enumerate(names):
            produced[(path[-1], index, t)] = name if t == 0 else f"{name}.{output}"

    def nested(
        self,
        entry: dict[str, Any],
        path: tuple[str, ...],
        index: int,
        positional: list[str] | None,
        produced: dict[History, str],
        outer_call: int,
    ) -> None:
        """A model used as a layer: its layers as nodes, fed by the call's tensors (None: by
        tensors not imported, so only the problems of its own layers are collected)."""
        config = entry.get("config") or {}
        inner: dict[History, str] = {}
        call = max(index, outer_call)
        if positional is None:
            for triple in _triples(config.get("input_layers")) or [("", 0, 0)]:
                failed(inner, triple[0], triple[1])
            positional = []
        if entry.get("class_name") == "Sequential":
            layers = list(config.get("layers") or [])
            if layers and layers[0].get("class_name") == "InputLayer":
                layers = layers[1:]
            tensor = positional[0] if positional else ""
            if positional:
                inner[("", 0, 0)] = tensor
            chained, previous = self._chained(layers)
            self.model({"layers": chained}, path, inner, call)
            out = inner.get(previous, tensor)
        else:
            for triple, tensor in zip(
                _triples(config.get("input_layers")), positional, strict=False
            ):
                inner[triple] = tensor
            self.model(config, path, inner, call)
            outs = [inner.get(h, "?") for h in _triples(config.get("output_layers"))]
            out = outs[0] if outs else "?"
            for t, tensor in enumerate(outs):
                produced[(path[-1], index, t)] = tensor
        produced[(path[-1], index, 0)] = out

    # --- pieces ------------------------------------------------------------------------------

    def _chained(self, layers: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], History]:
        """A Sequential model's layers as functional entries, each called on the one before
        (the first on the tensor `("", 0, 0)`), and the history of the last one's output."""
        previous: History = ("", 0, 0)
        chained = []
        for layer in layers:
            layer = dict(layer)
            ref = {"class_name": "__keras_tensor__", "config": {"keras_history": list(previous)}}
            layer["inbound_nodes"] = [{"args": [ref], "kwargs": {}}]
            chained.append(layer)
            previous = (self._name(layer), 0, 0)
        return chained, previous

    def layer_node(
        self, entry: dict[str, Any], path: tuple[str, ...], dtypes: tuple[str, ...] = ()
    ) -> dict[str, Any] | None:
        """`{type: Kind, **arguments}` for a layer entry, or None (and a problem)."""
        kind = str(entry.get("class_name"))
        label = f"{path[-1]} ({kind})"
        if kind not in REGISTRY or kind in {"InputLayer"}:
            module = entry.get("module") or ""
            where = (
                f" from {module}" if module and not str(module).startswith("keras.layers") else ""
            )
            self.problems.append(f"{label}: no layer kind {kind}{where} in modelspec")
            return None
        try:
            args = node_arguments(kind, dict(entry.get("config") or {}), dtypes)
        except Unsupported as exc:
            self.problems.append(f"{label}: {exc}")
            return None
        return {"type": kind, **args}

    def add_input(self, entry: dict[str, Any]) -> str:
        """A model input from an InputLayer entry; returns its name."""
        config = entry.get("config") or {}
        name = self.unique(self._name(entry))
        shape = config.get("batch_shape") or config.get("batch_input_shape")
        spec: dict[str, Any] = {"shape": list(shape)[1:] if shape else []}
        dtype = dtype_name(config.get("dtype")) or "float32"
        if dtype != "float32":
            spec["dtype"] = dtype
        if config.get("sparse") or config.get("ragged"):
            self.problems.append(f"{name} (InputLayer): sparse and ragged inputs are not supported")
        self.inputs[name] = spec
        return name

    def unique(self, name: str) -> str:
        """`name` made a spec name (`mobilenet_1.00` -> `mobilenet_1_00`), or `name_2`, ...
        when a node or input already has it."""
        name = spec_name(name)
        candidate, n = name, 2
        while candidate in self.nodes or candidate in self.inputs:
            candidate, n = f"{name}_{n}", n + 1
        return candidate

    @staticmethod
    def _name(entry: dict[str, Any]) -> str:
        return str(entry.get("name") or (entry.get("config") or {}).get("name") or "layer")


def spec_name(name: str) -> str:
    """A Keras name as a spec name: letters, digits and `_`, not starting with a digit."""
    name = re.sub(r"\W", "_", name, flags=re.ASCII) or "layer"
    return f"_{name}" if name[0].isdigit() else name


def _is_op(entry: dict[str, Any]) -> bool:
    return str(entry.get("module") or "").startswith("keras.src.ops")


def _is_default_name(name: str, default: str) -> bool:
    return re.fullmatch(rf"{re.escape(default)}(_\d+)?", name) is not None


def _triples(value: Any) -> list[History]:
    """Keras' `input_layers`/`output_layers`: one triple, or a list (or nesting) of them."""
    if isinstance(value, (list, tuple)) and len(value) == 3 and isinstance(value[0], str):
        return [(value[0], int(value[1]), int(value[2]))]
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in _triples(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in _triples(item)]
    return []


# Call keywords that do not change a call's result at the value given.
_INERT = {"mask": None, "training": None, "return_attention_scores": False}


def _masks(masks: list[Any], produced: dict[History, str], op_names: set[str]) -> dict[str, str]:
    """What a call's `mask=` says to a spec. Keras writes the masks it passes on implicitly (from
    an Embedding's `mask_zero`, a Masking layer, a merge) as the ops that compute them; a spec
    carries those masks itself, so they say nothing. An Attention's `[None, value_mask]` of a
    tensor the model computes otherwise is its `value_mask` input; any other mask given by hand
    is refused."""
    explicit = [(i, m) for i, m in enumerate(masks) if m is not None and history(m) is not None]
    explicit = [(i, m) for i, m in explicit if history(m)[0] not in op_names]  # type: ignore[index]
    if not explicit:
        return {}
    if len(masks) == 2 and masks[0] is None and [i for i, _ in explicit] == [1]:
        return {"value_mask": resolve(masks[1], produced)}
    raise Unsupported("called with a mask= of its own; a spec passes on Keras' implicit masks only")


def _tensors(
    inbound: dict[str, Any], produced: dict[History, str], op_names: set[str]
) -> tuple[list[str], dict[str, list[str] | str], dict[str, Any]]:
    """The tensors one call reads, positional (lists flattened, in order) and by keyword, and
    the call's other keyword arguments (`use_causal_mask=True`), which kinds take as arguments."""
    if not isinstance(inbound, dict):
        raise Unsupported(
            "a call written as Keras 2 (tf.keras) wrote them: import models saved by Keras 3"
        )
    positional: list[str] = []

    def collect(value: Any) -> None:
        if isinstance(value, (list, tuple)):
            for item in value:
                collect(item)
        elif history(value) is not None:
            positional.append(resolve(value, produced))

    for arg in inbound.get("args") or []:
        collect(arg)
    keywords: dict[str, list[str] | str] = {}
    constants: dict[str, Any] = {}
    masks: list[Any] = []
    for key, value in (inbound.get("kwargs") or {}).items():
        if key in _INERT and value == _INERT[key]:
            continue
        if key == "mask":
            masks.extend(value if isinstance(value, (list, tuple)) else [value])
        elif isinstance(value, (list, tuple)) and all(history(v) for v in value):
            keywords[key] = [resolve(v, produced) for v in value]
        elif history(value) is not None:
            keywords[key] = resolve(value, produced)
        elif key == "training" and value is True:
            raise Unsupported(
                "called with training=True (in training mode always); a spec's layers follow the model's mode"
            )
        elif key == "training" or value is None:
            continue
        else:
            constants[key] = value
    if masks:
        keywords.update(_masks(masks, produced, op_names))
    return positional, keywords, constants


def _known(inbound: Any, produced: dict[History, str]) -> bool:
    """Whether every tensor a call reads is made already (or known to be missing)."""
    stack = [inbound]
    while stack:
        value = stack.pop()
        h = history(value)
        if h is not None:
            if h not in produced and (h[0], h[1], -1) not in produced:
                return False
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
    return True


def _read(inbound: dict[str, Any]) -> list[dict[str, Any]]:
    """The configs (`shape` with the batch, `dtype`) of the tensors a call reads, positional ones
    first, as Keras wrote them."""
    tensors: list[dict[str, Any]] = []

    def collect(value: Any) -> None:
        if isinstance(value, (list, tuple)):
            for item in value:
                collect(item)
        elif history(value) is not None:
            tensors.append(value.get("config") or {})

    for key, arg in [*enumerate(inbound.get("args") or []), *(inbound.get("kwargs") or {}).items()]:
        if key != "mask":
            collect(arg)
    return tensors


def _inputs_field(
    positional: list[str], keywords: dict[str, Any], layer: Layer | None = None
) -> Any:
    """A node's `inputs:`: one name, a list, or (with tensors by keyword) a role mapping."""
    if not keywords:
        return positional[0] if len(positional) == 1 else positional
    roles = layer.roles if layer is not None else ()
    named = {r.name for r in roles}  # positional roles may be given by name too (`query=q`)
    unknown = [k for k in keywords if k not in named]
    if unknown:
        raise Unsupported(f"called with {', '.join(unknown)}, which it does not take as an input")
    order = [r.name for r in roles if not r.keyword]
    mapping: dict[str, Any] = dict(zip(order, positional, strict=False))
    if len(positional) > len(order):
        raise Unsupported(f"called with {len(positional)} tensors, more than it takes")
    mapping.update(keywords)
    return mapping
