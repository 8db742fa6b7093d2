"""`${name}` references.

A field typed `P[int]` accepts an int or a reference such as `"${units}"`. References stay in the
spec as written; `substitute` replaces them when the graph is resolved, and the layer config is
validated again with the concrete values (so range checks apply to the value a param supplies).
A param's value may also be a search space (`modelspec/spaces.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import core_schema

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


def references_in(value: Any) -> list[str]:
    """Every whole-value `${name}` reference in a nested structure of dicts and lists (a search
    space's values too), in order."""
    if ref_name(value) is not None:
        return [value]
    if hasattr(value, "model_dump"):  # a search space
        value = value.model_dump()
    if isinstance(value, dict):
        return [r for v in value.values() for r in references_in(v)]
    if isinstance(value, (list, tuple)):
        return [r for v in value for r in references_in(v)]
    return []
