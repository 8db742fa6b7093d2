"""The models of initializer, regularizer and constraint mappings (`{type: random_normal, stddev:
0.02}`), each made from its entry in `layers.options` (`INITIALIZER_KINDS`, ...) the first time it
is looked up there (`INITIALIZERS["random_normal"]`): a spec pays for the options it writes out
as mappings, not for Keras' catalogue of them. This module is imported then, not before.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import ConfigDict

from ..bounds import Bounded
from .base import Constraint, Initializer, Regularizer
from .option_kinds import (
    CONSTRAINT_KINDS,
    INITIALIZER_KINDS,
    REGULARIZER_KINDS,
    OptionKind,
    constraint_of,
    initializer_of,
)


class _Option(Bounded):
    """One initializer, regularizer or constraint: Keras' class (`keras_class`) and arguments."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    type: str
    keras_class: ClassVar[str]

    def arguments(self) -> dict[str, Any]:
        """Its arguments by Keras' names (without `type`)."""
        return {k: v for k, v in self.model_dump().items() if k != "type"}

    def keras_config(self) -> dict[str, Any]:
        """What `keras.initializers.get` (or `regularizers`, `constraints`) takes for it."""
        return {"class_name": self.keras_class, "config": self.arguments()}


class _Initializer(_Option):
    def initializer(self) -> Initializer:
        """The core's `Initializer`: the canonical name and the arguments that shape the draw."""
        return initializer_of(self.type, self.arguments())


class _Random(_Initializer):
    seed: int | None = None  # Keras' seed; the torch back end draws from torch's generator


class _Regularizer(_Option):
    def regularizer(self) -> Regularizer:
        """The core's `Regularizer` (its two coefficients)."""
        return Regularizer(**self.arguments())


class _Constraint(_Option):
    def constraint(self) -> Constraint:
        """The core's `Constraint`."""
        return constraint_of(self.type, self.arguments())


_BASES: dict[str, type[_Option]] = {
    "initializer": _Initializer,
    "regularizer": _Regularizer,
    "constraint": _Constraint,
}
_KINDS = {"initializer": INITIALIZER_KINDS, "regularizer": REGULARIZER_KINDS,
          "constraint": CONSTRAINT_KINDS}  # fmt: skip
_MADE: dict[tuple[str, str], type[_Option]] = {}


def model(family: str, name: str) -> type[_Option]:
    """The model of option `name` of `family` ("initializer", "regularizer" or "constraint"),
    made on first use; `KeyError` for a name the family does not have."""
    made = _MADE.get((family, name))
    if made is None:
        made = _MADE[family, name] = _make(family, name, _KINDS[family][name])
    return made


def _make(family: str, name: str, kind: OptionKind) -> type[_Option]:
    """A class named after Keras', `type` the literal `name`, then `kind`'s arguments with their
    defaults."""
    base = _Random if kind.random else _BASES[family]
    annotations = {"type": Literal[name], **{k: a for k, (a, _) in kind.fields.items()}}
    namespace = {"__annotations__": annotations, "__module__": __name__, "__doc__": kind.doc,
                 "keras_class": kind.keras_class, **kind.defaults}  # fmt: skip
    if kind.type_default:
        namespace["type"] = name
    return type(kind.keras_class, (base,), namespace)


def __getattr__(name: str) -> type[_Option]:
    """A model by its class name (`option_models.L1`), made now if need be, as pickle finds it."""
    for family, kinds in _KINDS.items():
        for option, kind in kinds.items():
            if kind.keras_class == name:
                return model(family, option)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
