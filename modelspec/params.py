"""`${name}` references and search spaces.

A field typed `P[int]` accepts an int or a reference such as `"${units}"`. References stay in the
spec as written; `substitute` replaces them when the graph is resolved, and the layer config is
validated again with the concrete values (so range checks apply to the value a param supplies).
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import core_schema
from typing_extensions import override

REF_PATTERN = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
_REF_JSON_SCHEMA = {"type": "string", "pattern": REF_PATTERN.pattern}


def ref_name(value: Any) -> str | None:
    """The param name if `value` is a whole `${name}` reference, else None."""
    if isinstance(value, str):
        match = REF_PATTERN.match(value)
        if match:
            return match.group(1)
    return None


@dataclass(frozen=True)
class _AllowRef:
    """Pydantic marker: let a `${name}` string through unvalidated; validate anything else."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> Any:
        inner = handler(source)

        def validate(value: Any, next_: core_schema.ValidatorFunctionWrapHandler) -> Any:
            return value if ref_name(value) else next_(value)

        def serialize(value: Any, next_: core_schema.SerializerFunctionWrapHandler) -> Any:
            return value if ref_name(value) else next_(value)

        return core_schema.no_info_wrap_validator_function(
            validate,
            inner,
            serialization=core_schema.wrap_serializer_function_ser_schema(serialize),
        )

    def __get_pydantic_json_schema__(self, schema: Any, handler: GetJsonSchemaHandler) -> Any:
        return {"anyOf": [handler(schema), _REF_JSON_SCHEMA]}


if TYPE_CHECKING:  # to a type checker `P[T]` is `T`: a resolved layer holds the value itself
    _T = TypeVar("_T")
    P = Annotated[_T, "a ${param} reference until resolved"]
else:

    class P:
        """`P[T]`: a field of type T that may also be written as a `${param}` reference."""

        def __class_getitem__(cls, item: Any) -> Any:
            return Annotated[item, _AllowRef()]


class UnresolvedParam(LookupError):
    """A `${name}` names no param; `path` is where the reference sits inside the substituted value."""

    def __init__(self, name: str, path: tuple):
        super().__init__(name)
        self.name = name
        self.path = path


def substitute(value: Any, env: dict[str, Any], path: tuple = ()) -> Any:
    """Replace every whole-value `${name}` in a nested structure of dicts and lists."""
    name = ref_name(value)
    if name is not None:
        if name not in env:
            raise UnresolvedParam(name, path)
        return env[name]
    if isinstance(value, dict):
        return {k: substitute(v, env, path + (k,)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [substitute(v, env, path + (i,)) for i, v in enumerate(value)]
    return value


# --- search spaces -----------------------------------------------------------------------------

Scalar = bool | int | float | str
DEFAULT = "Value used when the spec is compiled without sampling; null: {}."


class _Space(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    if TYPE_CHECKING:
        default: Any  # each space declares its own

    def _first(self) -> Any:
        raise NotImplementedError

    def contains(self, value: Any) -> bool:
        """Whether `value` lies in the space."""
        raise NotImplementedError

    def default_value(self) -> Any:
        return self.default if self.default is not None else self._first()

    def check_default(self) -> str | None:
        """A message if the default lies outside the space."""
        if self.default is None or self.contains(self.default):
            return None
        return f"default {self.default!r} is outside the search space"


class Choice(_Space):
    """One of a list of values (Keras Tuner's `Choice`); the default defaults to the first."""

    choice: list[Scalar] = Field(min_length=1, description="The values to choose from.")
    default: Scalar | None = Field(default=None, description=DEFAULT.format("the first value"))

    def _first(self) -> Any:
        return self.choice[0]

    @override
    def contains(self, value: Any) -> bool:
        return value in self.choice

    def draw(self, rng: random.Random) -> Any:
        """A uniformly chosen value of the list."""
        return rng.choice(self.choice)


class _Range(_Space):
    _key: ClassVar[str]  # the field holding [low, high]

    def _bounds(self) -> tuple[float, float]:
        low, high = getattr(self, self._key)
        return low, high

    def _first(self) -> Any:
        return self._bounds()[0]

    @override
    def contains(self, value: Any) -> bool:
        low, high = self._bounds()
        return (
            isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value <= high
        )

    def bounds_problem(self) -> str | None:
        low, high = self._bounds()
        return f"the lower bound {low} is above the upper bound {high}" if low > high else None


class Uniform(_Range):
    """A float drawn uniformly from [low, high]."""

    _key = "uniform"
    uniform: tuple[float, float] = Field(description="[low, high], the bounds.")
    default: float | None = Field(default=None, description=DEFAULT.format("low"))

    def draw(self, rng: random.Random) -> float:
        """A float drawn uniformly from [low, high]."""
        return rng.uniform(*self.uniform)


class LogUniform(_Range):
    """A positive float whose logarithm is uniform: learning rates, weight decay."""

    _key = "loguniform"
    loguniform: tuple[Annotated[float, Field(gt=0)], Annotated[float, Field(gt=0)]] = Field(
        description="[low, high], the bounds, both > 0."
    )
    default: float | None = Field(default=None, description=DEFAULT.format("low"))

    def draw(self, rng: random.Random) -> float:
        """A float whose logarithm is drawn uniformly from [log low, log high]."""
        low, high = self.loguniform
        return math.exp(rng.uniform(math.log(low), math.log(high)))


class IntRange(_Range):
    """An int in [low, high] (both included), on a grid of `step`."""

    _key = "int"
    int_: tuple[int, int] = Field(alias="int", description="[low, high], both included.")
    step: Annotated[int, Field(ge=1)] = Field(
        default=1, description="Spacing of the values from low, >= 1."
    )
    default: int | None = Field(default=None, description=DEFAULT.format("low"))
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def _bounds(self) -> tuple[float, float]:
        return self.int_

    def contains(self, value: Any) -> bool:
        """Whether `value` is an int in [low, high] on the grid low, low + step, ..."""
        low, _ = self.int_
        return super().contains(value) and isinstance(value, int) and (value - low) % self.step == 0

    def draw(self, rng: random.Random) -> int:
        """An int drawn uniformly from low, low + step, ... up to high."""
        low, high = self.int_
        return rng.randrange(low, high + 1, self.step)


SearchSpace = Choice | Uniform | LogUniform | IntRange
SPACE_KINDS: dict[str, type[_Space]] = {
    "choice": Choice,
    "uniform": Uniform,
    "loguniform": LogUniform,
    "int": IntRange,
}
SpaceKind = Literal["choice", "uniform", "loguniform", "int"]
