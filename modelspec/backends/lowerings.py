"""A back end's lowerings: one per layer kind, found by the kind's class.

Each back end keeps one `Lowerings` table (as JAX registers one lowering per primitive per
platform). A lowering is registered for core layer classes (the built-in kinds register each
kind; the lowering classes of a family share a base class). Looking one up walks the layer
class's bases up to the first class that is another kind, so a class that extends a kind under
the same `type` name finds that kind's lowering, and a new kind derived from Dense finds none:
it must say how it lowers. The tables take any layer class, so a kind from a user's own package
can register its lowerings the same way the built-in kinds do (the document's union of kinds is
still built once, at import: see issue 15 for making it follow the registry).

No framework is imported here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from ..layers import Layer
from . import BackendError

T = TypeVar("T")


class Lowerings(Generic[T]):
    """Layer class -> lowering, for the back end named `backend` ("keras", "torch")."""

    def __init__(self, backend: str) -> None:
        self.backend = backend
        self._table: dict[type[Layer], T] = {}

    def register(self, *kinds: type[Layer]) -> Callable[[T], T]:
        """Decorator: `lowering` lowers every layer of these classes (and of their subclasses
        that have no lowering of their own). Raises `ValueError` for a class registered twice."""

        def decorate(lowering: T) -> T:
            for kind in kinds:
                if kind in self._table:
                    raise ValueError(
                        f"{self.backend}: a lowering for {kind.__name__} is registered twice"
                    )
                self._table[kind] = lowering
            return lowering

        return decorate

    def find(self, kind: type[Layer]) -> T | None:
        """The lowering of `kind`, or of its nearest base class that has one; None if none has.

        A base class that is another kind (another `type` name) lends it no lowering: a kind
        derived from Dense computes something else, and must say how it lowers.
        """
        own = _kind_name(kind)
        for cls in kind.__mro__:
            if cls is not kind and _kind_name(cls) not in (None, own):
                return None
            if cls in self._table:
                return self._table[cls]
        return None

    def lookup(self, layer: Layer, node: str) -> T:
        """The lowering of `layer` (used at node `node`); `BackendError` naming both if none."""
        lowering = self.find(type(layer))
        if lowering is None:
            what = f"layer kind {layer.type} has no lowering in the {self.backend} back end"
            raise BackendError(f"node {node!r}: {what}", what)
        return lowering

    def __contains__(self, kind: Any) -> bool:
        return isinstance(kind, type) and self.find(kind) is not None


def _kind_name(cls: type) -> str | None:
    """The `type` name a layer class stands for; None for a family's base class (no name)."""
    field = getattr(cls, "model_fields", {}).get("type")
    default = field.default if field is not None else None
    return default if isinstance(default, str) else None
