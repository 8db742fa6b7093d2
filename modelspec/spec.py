"""`Spec`: a validated spec with its resolved, typed graph, and the public entry points to it."""

from __future__ import annotations

import copy
import os
import random
from typing import TYPE_CHECKING, Any

from .analysis import Analysis, analyse  # noqa: F401  (re-exported: `modelspec.spec.analyse` as before)
from .document import SpecDocument
from .errors import Problem, SpecError
from .graph import DraftGraph, Graph
from .limits import no_gc_pauses as _no_gc_pauses
from .resolve import param_values
from .yamlio import Document, dump, parse, read

if TYPE_CHECKING:
    import graphviz

    from .optimization import Training
    from .summary import Summary
    from .training import TrainResult
    from .weights import Source as WeightsSource


class Spec:
    """A valid spec: the document as written, its param values, and its complete graph (`graph`,
    what the back ends build; `draft` is the resolver's graph of it, which the renderer draws)."""

    def __init__(
        self,
        document: SpecDocument,
        doc: Document,
        draft: DraftGraph,
        values: dict[str, Any],
        warnings: list[Problem],
    ):
        self.document = document
        self.source = doc.source
        self.draft = draft
        self.graph = Graph.complete(draft)
        self.values = values
        self.warnings = warnings
        self._doc = doc

    @classmethod
    def from_document(cls, doc: Document, overrides: dict[str, Any] | None = None) -> Spec:
        """The spec of a parsed YAML document, with `overrides` (param name -> value) applied;
        `SpecError` listing every problem if it is invalid.
        """
        analysis = analyse(doc, overrides)
        if analysis.errors or analysis.document is None or analysis.graph is None:
            raise SpecError(analysis.problems)
        values = param_values(analysis.document, overrides)
        return cls(analysis.document, doc, analysis.graph, values, analysis.warnings)

    # --- what the spec says -------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The spec's `name`."""
        return self.document.name

    @property
    def training(self) -> Training | None:
        """The `training:` section as written (`graph.training` is its resolved plan)."""
        return self.document.training

    @property
    def search_space(self) -> dict[str, Any]:
        """The params that are search spaces (name -> space)."""
        return {k: v for k, v in self.document.params.items() if hasattr(v, "draw")}

    @property
    def is_concrete(self) -> bool:
        """True when no param is a search space."""
        return not self.search_space

    # --- derived specs -------------------------------------------------------------------------
    def with_params(self, values: dict[str, Any]) -> Spec:
        """A concrete spec: the given values (the rest at their defaults) written into `params`."""
        unknown = set(values) - set(self.document.params)
        if unknown:
            raise KeyError(f"no such param(s): {', '.join(sorted(unknown))}")
        data = copy.deepcopy(self._doc.data)
        data["params"] = {**param_values(self.document), **values}
        return Spec.from_document(Document(data, self._doc.locations, self.source))

    def sample(self, seed: int | None = None) -> Spec:
        """Draw every search space once (reproducibly for a given seed)."""
        rng = random.Random(seed)
        return self.with_params(
            {name: space.draw(rng) for name, space in self.search_space.items()}
        )

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain data, as written (params unresolved), without defaults filled in."""
        return self.document.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def to_yaml(self) -> str:
        """`to_dict()` as YAML text."""
        return dump(self.to_dict())

    def summary(self) -> Summary:
        """Keras' `model.summary()` table of the graph: `print(spec.summary())`; `.to_dict()` for JSON."""
        from .summary import Summary

        return Summary.of(self.graph)

    def render(self, **options: Any) -> graphviz.Digraph:
        """A `graphviz.Digraph` of the graph (options: rankdir, collapse_blocks, ...)."""
        from .render import render_graph

        return render_graph(self.draft, self.warnings, **options)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from .render import mimebundle

        return mimebundle(self.render(), repr(self))

    def refusals(self, backend: str) -> list[Problem]:
        """What back end `backend` cannot build exactly, as located errors (empty: it builds
        everything). Imports that back end's framework (`MissingFramework` if absent) but builds
        no model: `modelspec validate --backend` runs it."""
        from .registry import BACKENDS

        nodes = {node.name: node for node in self.graph.nodes}
        return [
            Problem(self._doc.locate(nodes[name].path), nodes[name].path, message)
            for name, message in BACKENDS[backend].refusals(self.graph)
        ]

    def to_keras(self, compile: bool = True, weights: WeightsSource | None = None) -> Any:
        """A Keras 3 functional model of this spec (compiled per `training:` when there is one),
        with `weights` loaded when given (see `load_weights`)."""
        from .registry import BACKENDS, REMEMBER

        model = REMEMBER(BACKENDS["keras"].build(self.graph, compile=compile), self.graph)
        return model if weights is None else self.load_weights(model, weights)

    def to_torch(self, weights: WeightsSource | None = None) -> Any:
        """A native `torch.nn.Module` computing what the Keras model computes, with `weights`
        loaded when given (see `load_weights`)."""
        from .registry import BACKENDS, REMEMBER

        module = REMEMBER(BACKENDS["torch"].build(self.graph), self.graph)
        return module if weights is None else self.load_weights(module, weights)

    def load_weights(self, model: Any, weights: WeightsSource) -> Any:
        """Set the weights of `model` (a Keras model or torch module built from this spec) to
        `weights`: a weights file (`.safetensors`, keys `NODE/WEIGHT`; see `modelspec.weights`)
        or arrays by key as `modelspec.weights.read` gives them. Every weight is checked first:
        `DataError` lists each one missing, of another shape or unknown, at its node's line.
        Returns `model`."""
        from .registry import backend_of
        from .weights import checked

        by_node = checked(self.graph, weights, self._doc.locate)
        backend_of(model).set_weights(model, self.graph, by_node)
        return model

    def save_weights(self, model: Any, path: str | os.PathLike) -> None:
        """Write the weights of `model` (built from this spec by either back end) to the weights
        file `path` (`modelspec.weights`: safetensors, keys `NODE/WEIGHT`, Keras' layout), which
        `load_weights`, `to_keras(weights=)`, `to_torch(weights=)` and `modelspec compile
        --weights` read."""
        from .weights import of_model, write

        write(path, of_model(model, self.graph), self.name)

    def train(self, data: Any, backend: str = "keras", **options: Any) -> TrainResult:
        """Train per `training:` on `data` (an `.npz` path or arrays by name) with either back end;
        returns a `TrainResult` (model, history, evaluation). See `modelspec.training.train`."""
        from .training import train

        return train(self, data, backend, **options)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Spec) and self.document == other.document

    def __repr__(self) -> str:
        return f"<Spec {self.name!r} from {self.source}: {len(self.graph.nodes)} nodes, {self.graph.params:,} params>"


def loads(text: str, source: str = "<string>") -> Spec:
    """The spec in YAML `text` (`source` names it in messages), validated and resolved to its
    complete graph; `SpecError` listing every problem, in file order, if it is invalid."""
    with _no_gc_pauses():
        return Spec.from_document(parse(text, source))


def load(path: str | os.PathLike) -> Spec:
    """The spec in the YAML file at `path`, validated and resolved to its complete graph;
    `SpecError` listing every problem, in file order, if it is invalid (a missing or unreadable
    file is one too)."""
    with _no_gc_pauses():
        return Spec.from_document(read(path))
