"""An annotation that validates a mapping with the model its content names, found when validated.

A discriminated union builds every member's validator when the model that holds it is defined;
`Dispatched` finds the member's model (`model_for(value)`) at validation time instead, so a union
over the layer catalogue costs what the members a spec uses cost, and accepts kinds registered
later. Errors inside the member keep their locations (pydantic-core prefixes them). The JSON
Schema is still the whole union (`union()`), and `modelspec.diagnostics` reads a location through
it with `model_for`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, GetCoreSchemaHandler, GetJsonSchemaHandler, TypeAdapter
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema


class Dispatched:
    """Base of a dispatching annotation; subclasses give `model_for`, `union` and the messages."""

    accepts: ClassVar[tuple[type, ...]] = ()  # instances passed through as they are
    missing: ClassVar[str] = "needs `type:`"  # no model named at all

    @classmethod
    def model_for(cls, value: Any) -> type[BaseModel] | None:
        """The model that validates `value` (None: it names none, or an unknown one)."""
        raise NotImplementedError

    @classmethod
    def unknown(cls, value: dict) -> PydanticCustomError | None:
        """The error for a mapping that names a model that does not exist (None: it names none)."""
        return None

    @classmethod
    def union(cls) -> Any:
        """Every member, as the discriminated union the JSON Schema shows (unless a subclass
        gives its own `__get_pydantic_json_schema__`)."""
        raise NotImplementedError

    @classmethod
    def validate(cls, value: Any) -> Any:
        """`value` validated by the model it names; a located error if it names none."""
        if isinstance(value, cls.accepts):
            return value
        if not isinstance(value, dict):
            raise PydanticCustomError(
                "mapping_expected",
                "expected a mapping of fields, got {value}",
                {"value": repr(value)},
            )
        model = cls.model_for(value)
        if model is not None:
            return model.model_validate(value)
        raise cls.unknown(value) or PydanticCustomError("kind_missing", cls.missing)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """A plain validator function: `validate`."""
        return core_schema.no_info_plain_validator_function(cls.validate)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The JSON Schema of `union()`."""
        return handler(TypeAdapter(cls.union()).core_schema)
