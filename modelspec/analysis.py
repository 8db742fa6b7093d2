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
    try:
        document = SpecDocument.model_validate(doc.data)
        problems: list[Problem] = []
        broken: dict[tuple, set] = {}
    except ValidationError as exc:
        problems = problems_from(exc, SpecDocument, doc)
        salvaged, broken = _salvage(doc, problems)
        if salvaged is None:
            return Analysis(None, None, problems)
        document = salvaged
    graph = resolve(document, doc, overrides, broken)
    seen = set(problems)
    problems += [p for p in graph.problems if p not in seen]
    graph.problems = problems
    return Analysis(document, graph, problems)


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
