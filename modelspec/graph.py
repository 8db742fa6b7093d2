"""The graph IR: one flat list of nodes in topological order, each with its inferred type.

Every node produces one tensor, named after the node. A node names the layer instance it
applies (`layer_name`): its own name, or for a shared layer the name of the node that owns the
weights. Blocks are gone by now, expanded into nodes whose `scope` remembers where they came
from (for diagrams and messages). This is what the backends, the summary and the renderer read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

from .errors import Problem
from .layers.base import Layer, Shape, Weight, format_shape

if TYPE_CHECKING:
    from .plan import TrainingPlan


@dataclass(frozen=True)
class TensorType:
    shape: Shape
    dtype: str = "float32"

    def __str__(self) -> str:
        return format_shape(self.shape)


@dataclass(frozen=True)
class Scope:
    """One level of block expansion: instance `res1` of block `residual`, copy 2 of 3."""

    instance: str
    block: str
    copy: int = 1
    copies: int = 1


@dataclass
class Node:
    name: str
    layer: Layer | None  # None when its config was invalid
    inputs: list[str]
    path: tuple  # where the node is written in the spec, for messages and highlighting
    layer_name: str = ""  # owner of the weights; == name unless the layer is shared
    scope: tuple[Scope, ...] = ()
    output: TensorType | None = None  # None when inference failed here or upstream
    weights: dict[str, Weight] = field(default_factory=dict)  # set on the owning node only
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.layer_name = self.layer_name or self.name

    @property
    def shared(self) -> bool:
        return self.layer_name != self.name

    @property
    def kind(self) -> str:
        return self.layer.type if self.layer else "?"

    @property
    def trainable_params(self) -> int:
        return sum(w.size for w in self.weights.values() if w.trainable)

    @property
    def non_trainable_params(self) -> int:
        return sum(w.size for w in self.weights.values() if not w.trainable)

    @property
    def params(self) -> int:
        return self.trainable_params + self.non_trainable_params


@dataclass
class Graph:
    name: str
    inputs: dict[str, TensorType]
    nodes: list[Node]
    outputs: list[str]
    problems: list[Problem] = field(default_factory=list)
    training: TrainingPlan | None = None  # the `training:` section resolved per output (`plan.py`)

    def __post_init__(self) -> None:
        self._by_name = {n.name: n for n in self.nodes}

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    def node(self, name: str) -> Node:
        return self._by_name[name]

    def tensor_type(self, name: str) -> TensorType | None:
        if name in self.inputs:
            return self.inputs[name]
        node = self._by_name.get(name)
        return node.output if node else None

    def consumers(self) -> dict[str, list[str]]:
        """Tensor name -> the nodes that read it, in order."""
        out: dict[str, list[str]] = {}
        for node in self.nodes:
            for name in node.inputs:
                out.setdefault(name, []).append(node.name)
        return out

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    @property
    def trainable_params(self) -> int:
        return sum(n.trainable_params for n in self.nodes)

    @property
    def non_trainable_params(self) -> int:
        return sum(n.non_trainable_params for n in self.nodes)

    @property
    def params(self) -> int:
        return self.trainable_params + self.non_trainable_params
