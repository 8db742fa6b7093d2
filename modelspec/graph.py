"""The graph IR: one flat list of nodes in topological order, each with its inferred type.

Every node produces one tensor, named after the node, or several (a recurrent layer with
`return_state`): the first is named after the node, each other one `node.OUTPUT` (`enc.state_h`),
after the layer's `output_names()`. A node reads its `inputs` (the layer call's positional
inputs) and, by role, its `keywords` (`initial_state`, `attention_mask`: the call's keyword
arguments). A node names the layer instance it applies (`layer_name`): its own name, or for a
shared layer the name of the node that owns the weights. Blocks are gone by now, expanded into
nodes whose `scope` remembers where they came from (for diagrams and messages).

Two types, as a functional model exists only complete (Keras' `Functional`):
- `Graph` of `Node`s: a valid spec, complete. Every node has its layer config, its output's
  tensor type and its weights; `training` is the resolved plan. This is what `load` hands the
  back ends, the summary and the training loop; they trust it and check nothing again.
- `DraftGraph` of `DraftNode`s: the resolver's work in progress, and what the analysis of a
  broken spec keeps (nodes without a valid layer or a type, the problems found). Only the
  diagnostics and the renderer read it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import DataError, Problem
from .layers.base import Layer, Shape, Weight, format_shape

if TYPE_CHECKING:
    from .plan import TrainingPlan  # imported when a spec has a `training:` section


@dataclass(frozen=True)
class TensorType:
    """A tensor's type: its shape (batch omitted, channels last, None for a length unknown until
    run time), dtype, and whether it carries a Keras mask (one boolean per position of its shape
    without the last axis; `layers.base` says how kinds make, pass and drop masks).
    """

    shape: Shape
    dtype: str = "float32"
    masked: bool = False

    def __str__(self) -> str:
        return format_shape(self.shape)


@dataclass(frozen=True)
class Scope:
    """One level of block expansion: instance `res1` of block `residual`, copy 2 of 3."""

    instance: str
    block: str
    copy: int = 1
    copies: int = 1


def producer(tensor: str) -> str:
    """The node (or model input) that makes `tensor`: `enc` for `enc` and for `enc.state_h`."""
    return tensor.partition(".")[0]


class _NodeFigures:
    """What a node's weights, sharing, inputs and outputs say, whether complete or a draft."""

    name: str
    layer_name: str
    weights: Mapping[str, Weight]
    inputs: list[str]
    keywords: Mapping[str, list[str]]
    output: TensorType | None
    extra_outputs: Mapping[str, TensorType]

    @property
    def reads(self) -> list[str]:
        """Every tensor the node reads: its inputs, then its inputs by keyword role."""
        return [*self.inputs, *(t for tensors in self.keywords.values() for t in tensors)]

    @property
    def tensors(self) -> dict[str, TensorType | None]:
        """Every tensor the node makes, by tensor name: its own, then `name.OUTPUT` for the others."""
        return {
            self.name: self.output,
            **{f"{self.name}.{k}": t for k, t in self.extra_outputs.items()},
        }

    @property
    def shared(self) -> bool:
        """Whether the node applies another node's layer instance (and owns no weights)."""
        return self.layer_name != self.name

    @property
    def trainable_params(self) -> int:
        return sum(w.size for w in self.weights.values() if w.trainable)

    @property
    def non_trainable_params(self) -> int:
        return sum(w.size for w in self.weights.values() if not w.trainable)

    @property
    def params(self) -> int:
        return self.trainable_params + self.non_trainable_params


@dataclass(frozen=True)
class Node(_NodeFigures):
    """One layer call of a complete graph: `layer` (the concrete config) applied to `inputs`
    (tensor names) and `keywords` (role -> tensor names), producing `output` and, for a layer of
    several outputs, `extra_outputs` (output name -> type, after the first). `weights`: the
    layer's weights by Keras' name, on the owning node only (a shared node's are its owner's,
    `layer_name`)."""

    name: str
    layer: Layer
    inputs: list[str]
    path: tuple  # where the node is written in the spec, for messages and highlighting
    output: TensorType
    layer_name: str = ""  # owner of the weights; == name unless the layer is shared
    scope: tuple[Scope, ...] = ()
    weights: Mapping[str, Weight] = field(default_factory=dict)
    keywords: Mapping[str, list[str]] = field(default_factory=dict)
    extra_outputs: Mapping[str, TensorType] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "layer_name", self.layer_name or self.name)

    @property
    def kind(self) -> str:
        """The layer's kind, its `type` name (`Dense`, ...)."""
        return self.layer.type


@dataclass
class DraftNode(_NodeFigures):
    """A node while the resolver works on it, or as the analysis of a broken spec keeps it."""

    name: str
    layer: Layer | None  # None when its config was invalid
    inputs: list[str]
    path: tuple
    layer_name: str = ""
    scope: tuple[Scope, ...] = ()
    output: TensorType | None = None  # None when inference failed here or upstream
    weights: dict[str, Weight] = field(default_factory=dict)  # set on the owning node only
    problems: list[Problem] = field(default_factory=list)
    keywords: dict[str, list[str]] = field(default_factory=dict)
    extra_outputs: dict[str, TensorType] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.layer_name = self.layer_name or self.name

    @property
    def kind(self) -> str:
        """The layer's kind, its `type` name; "?" when its config was invalid."""
        return self.layer.type if self.layer else "?"


class _GraphFigures:
    """Queries a complete graph and a draft answer alike."""

    name: str
    inputs: dict[str, TensorType]
    nodes: Sequence[Node] | Sequence[DraftNode]
    outputs: list[str]

    def consumers(self) -> dict[str, list[str]]:
        """Tensor name -> the nodes that read it, in order."""
        out: dict[str, list[str]] = {}
        for node in self.nodes:
            for name in dict.fromkeys(node.reads):
                out.setdefault(name, []).append(node.name)
        return out

    @property
    def trainable_params(self) -> int:
        return sum(n.trainable_params for n in self.nodes)

    @property
    def non_trainable_params(self) -> int:
        return sum(n.non_trainable_params for n in self.nodes)

    @property
    def params(self) -> int:
        return self.trainable_params + self.non_trainable_params


@dataclass
class Graph(_GraphFigures):
    """A valid spec's graph, complete: inputs (name -> type, in declared order), nodes in
    topological order, outputs in the order the models return them, the training plan."""

    name: str
    inputs: dict[str, TensorType]
    nodes: list[Node]
    outputs: list[str]
    training: TrainingPlan | None = None  # the `training:` section resolved per output (`plan.py`)

    def __post_init__(self) -> None:
        self._by_name = {n.name: n for n in self.nodes}

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    def node(self, name: str) -> Node:
        """The node `name`; `KeyError` if there is none."""
        return self._by_name[name]

    def tensor_type(self, name: str) -> TensorType:
        """The type of tensor `name` (a model input, a node or `node.OUTPUT`); `KeyError` if
        there is none."""
        if name in self.inputs:
            return self.inputs[name]
        node = self._by_name[producer(name)]
        return node.output if name == node.name else node.extra_outputs[name.partition(".")[2]]

    def training_plan(self) -> TrainingPlan:
        """The resolved `training:` section; `DataError` when the spec has none."""
        if self.training is None:
            raise DataError([f"spec {self.name!r} has no `training:` section; add one to train it"])
        return self.training

    @classmethod
    def complete(cls, draft: DraftGraph) -> Graph:
        """The complete graph of a draft that has no errors; `ValueError` naming the first node
        without a layer or a type (the resolver reports an error for each, so none is left)."""
        if not draft.ok:
            raise ValueError(
                f"model {draft.name!r} has errors; only a valid spec has a complete graph"
            )
        nodes = []
        for n in draft.nodes:
            if n.layer is None or n.output is None:
                raise ValueError(
                    f"node {n.name!r} of {draft.name!r} has no {'layer' if n.layer is None else 'type'}"
                )
            nodes.append(
                Node(
                    n.name,
                    n.layer,
                    list(n.inputs),
                    n.path,
                    n.output,
                    n.layer_name,
                    n.scope,
                    dict(n.weights),
                    {role: list(ts) for role, ts in n.keywords.items()},
                    dict(n.extra_outputs),
                )
            )
        return cls(draft.name, dict(draft.inputs), nodes, list(draft.outputs), draft.training)


@dataclass
class DraftGraph(_GraphFigures):
    """The resolver's graph, possibly broken: nodes may lack a layer or a type; `problems` lists
    every problem found. `Graph.complete` turns one without errors into a `Graph`."""

    name: str
    inputs: dict[str, TensorType]
    nodes: list[DraftNode]
    outputs: list[str]
    problems: list[Problem] = field(default_factory=list)
    training: TrainingPlan | None = None

    def __post_init__(self) -> None:
        self._by_name = {n.name: n for n in self.nodes}

    def __iter__(self) -> Iterator[DraftNode]:
        return iter(self.nodes)

    def node(self, name: str) -> DraftNode:
        """The node named `name`; `KeyError` if there is none."""
        return self._by_name[name]

    def tensor_type(self, name: str) -> TensorType | None:
        """The type of tensor `name`, None when it is unknown (invalid, or downstream of a problem)."""
        if name in self.inputs:
            return self.inputs[name]
        node = self._by_name.get(producer(name))
        return node.tensors.get(name) if node else None

    @property
    def ok(self) -> bool:
        """True when no problem is an error."""
        return not any(p.severity == "error" for p in self.problems)
