"""`analyse`: a spec validated and resolved as far as it goes, every problem collected.

Both `Spec` (which needs no error) and the renderer (which draws broken specs too) start here.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from .diagnostics import problems_from
from .document import SpecDocument
from .errors import Problem
from .graph import DraftGraph
from .layers import CATALOGUE
from .limits import no_gc_pauses
from .resolve import resolve
from .yamlio import Document


@dataclass
class Analysis:
    """Everything known about a spec, valid or not: what the renderer draws and `load` checks."""

    document: SpecDocument | None
    graph: DraftGraph | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        """The problems of severity "error"."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """The problems of severity "warning"."""
        return [p for p in self.problems if p.severity == "warning"]


def analyse(doc: Document, overrides: dict[str, Any] | None = None) -> Analysis:
    """Validate and resolve as far as possible, collecting every problem on the way.

    When some nodes are invalid, the rest of the graph is still resolved: the invalid nodes are
    set aside (and references to them stay silent), so one run reports every mistake.
    """
    with no_gc_pauses():
        return _analyse(doc, overrides)


def _analyse(doc: Document, overrides: dict[str, Any] | None) -> Analysis:
    try:
        document = SpecDocument.model_validate(doc.data)
        problems: list[Problem] = list(doc.problems)
        broken: dict[tuple, set] = {}
    except ValidationError as exc:
        invalid = problems_from(exc, SpecDocument, doc)
        problems = doc.problems + invalid
        salvaged, broken = _salvage(doc, invalid)
        if salvaged is None:
            return Analysis(None, None, problems)
        document = salvaged
    graph = resolve(document, doc, overrides, broken)
    seen = set(problems)
    problems += [p for p in graph.problems if p not in seen]
    problems += _foreign_kinds(graph, doc)
    graph.problems = problems
    return Analysis(document, graph, problems)


def _foreign_kinds(graph: DraftGraph, doc: Document) -> list[Problem]:
    """A warning per node of a kind that is not built in (registered by other code): nothing
    here knows whether each back end lowers it; `validate --backend` checks."""
    built_in = {kind for kinds in CATALOGUE.values() for kind in kinds}
    return [
        Problem(
            doc.locate_key(node.path),
            node.path,
            f"layer kind {node.kind} is not built in: `modelspec validate --backend keras "
            "--backend torch` checks that each back end lowers it",
            "warning",
        )
        for node in graph.nodes
        if node.layer is not None and node.kind not in built_in and node.layer_name == node.name
    ]


def _salvage(doc: Document, problems: list[Problem]) -> tuple[SpecDocument | None, dict]:
    """The document without the nodes (and training section) that failed validation.

    Returns it with the names set aside per section, which the resolver treats as known but
    untyped, so references to them raise no second complaint.
    """
    data = copy.deepcopy(doc.data)
    broken: dict[tuple, set] = {}
    for problem in problems:
        path = problem.path
        if path[:1] == ("training",):
            data.pop("training", None)
            continue
        section = ("layers",) if path[:1] == ("layers",) else path[:3]
        if (
            section[-1:] != ("layers",)
            or len(path) <= len(section)
            or section[:1] not in (("layers",), ("blocks",))
        ):
            return None, {}
        broken.setdefault(section, set()).add(path[len(section)])
    for section, keys in broken.items():
        target = data
        for part in section:
            target = target[part]
        if isinstance(target, dict):
            for key in keys:
                target.pop(key, None)
        else:
            del target[min(keys) :]
    try:
        return SpecDocument.model_validate(data), broken
    except ValidationError:
        return None, {}
