"""Back ends: the graph IR lowered to a framework, one lowering rule per layer kind.

Each back end is a table from layer kind to a rule, filled with a decorator, and a builder that
walks the IR once and looks rules up (as JAX registers one lowering per primitive per platform).
Frameworks are imported lazily, only when a back end is used; the table of back ends (name,
suffixes, extra, entry points) is the core's `modelspec.registry`.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

# Moved to the core; re-exported so that `from .. import BackendError, import_framework` keeps working.
from ..errors import BackendError, MissingFramework
from ..frameworks import _muted_stderr, import_framework, tensorflow_environment
from ..registry import BACKENDS, backend

F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["BACKENDS", "BackendError", "MissingFramework", "RuleTable", "_muted_stderr", "backend",
           "import_framework", "tensorflow_environment"]  # fmt: skip


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
