"""Back ends: the graph IR lowered to a framework, one lowering rule per layer kind.

Each back end is a table from layer kind to a rule, filled with a decorator, and a builder that
walks the IR once and looks rules up (as JAX registers one lowering per primitive per platform).
Frameworks are imported here lazily, only when a back end is used.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

EXTRAS = {"keras": "keras", "tensorflow": "keras", "torch": "torch"}


class BackendError(Exception):
    """A spec cannot be built by a back end: the message names the node, the kind and the back end."""


class MissingFramework(BackendError):
    """The framework a back end needs is not installed."""


def import_framework(module: str) -> Any:
    """Import `module`, or raise `MissingFramework` saying which extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        extra = EXTRAS.get(module.split(".")[0], module)
        raise MissingFramework(
            f"this needs {module.split('.')[0]}, which is not installed ({exc}); "
            f"install it with: pip install 'modelspec[{extra}]'"
        ) from None


class RuleTable(dict):
    """Layer kind -> lowering rule for one back end."""

    def __init__(self, backend: str):
        super().__init__()
        self.backend = backend

    def register(self, *kinds: str) -> Callable[[F], F]:
        def decorate(rule: F) -> F:
            for kind in kinds:
                if kind in self:
                    raise ValueError(f"{self.backend}: a rule for {kind} is registered twice")
                self[kind] = rule
            return rule

        return decorate

    def rule(self, kind: str, node: str) -> Callable[..., Any]:
        try:
            return self[kind]
        except KeyError:
            raise BackendError(
                f"node {node!r}: layer kind {kind} is not supported by the {self.backend} back end"
            ) from None
