"""An annotation that validates a mapping with the model its content names, found when validated.

A discriminated union builds every member's validator when the model that holds it is defined;
`Dispatched` finds the member's model (`model_for(value)`) at validation time instead, so a union
over the layer catalogue costs what the members a spec uses cost, and accepts kinds registered
later. Errors inside the member keep their locations (pydantic-core prefixes them). The JSON
Schema is still the whole union (`union()`), and `modelspec.diagnostics` reads a location through
it with `model_for`.

`ByType` is such a union on `type` with the errors of Pydantic's own discriminated union (which
`modelspec.diagnostics` words); `deferred` makes the annotation of a field of one model that
another module defines, imported when a value is first validated, so a section a spec leaves out
costs nothing.
"""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

from pydantic import BaseModel, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, PydanticKnownError, core_schema
from typing_extensions import override

from .doctypes import tagged


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
        gives its own `json_schema`)."""
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
        """A plain validator function, `validate`, whose JSON Schema is `json_schema()`'s. (Given
        as an annotation's, not as the class's `__get_pydantic_json_schema__`, whose result
        Pydantic would resolve: a `$ref` to a model's definition would become a copy of it.)"""
        return core_schema.no_info_plain_validator_function(
            cls.validate,
            metadata={"pydantic_js_annotation_functions": [lambda _, js: cls.json_schema(js)]},
        )

    @classmethod
    def json_schema(cls, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """The JSON Schema of `union()`."""
        from pydantic import TypeAdapter  # for the schema only: validation never needs it

        return handler(TypeAdapter(cls.union()).core_schema)


class ByType(Dispatched):
    """A mapping (or a model instance) validated by the model of `models` its `type` names, that
    model alone built; the errors are a discriminated union's on `type` (`union_tag_not_found`,
    `union_tag_invalid`), as `union()` would give them."""

    models: ClassVar[dict[str, type[BaseModel]]]

    @classmethod
    def tag(cls, value: Any) -> Any:
        """What `value` names as its model (None: nothing): its `type`."""
        return value.get("type") if isinstance(value, dict) else getattr(value, "type", None)

    @override
    @classmethod
    def model_for(cls, value: Any) -> type[BaseModel] | None:
        tag = cls.tag(value)
        return cls.models.get(tag) if isinstance(tag, str) else None

    @override
    @classmethod
    def validate(cls, value: Any) -> Any:
        model = cls.model_for(value)
        if model is not None:
            return model.model_validate(value)
        tag, how = cls.tag(value), f"{cls.tag.__name__}()"
        if tag is None:
            raise PydanticKnownError("union_tag_not_found", {"discriminator": how})
        expected = ", ".join(repr(name) for name in cls.models)
        raise PydanticKnownError(
            "union_tag_invalid", {"discriminator": how, "tag": str(tag), "expected_tags": expected}
        )

    @override
    @classmethod
    def union(cls) -> Any:
        return tagged(cls.models, cls.tag)


class Deferred(Dispatched):
    """The annotation of a field of one model, `target` (`"package.module:Model"`): its module is
    imported, and the model built, when a value is first validated. Errors are the model's own."""

    target: ClassVar[str]

    @classmethod
    def model(cls) -> type[BaseModel]:
        """The model `target` names (its module imported now, if it was not)."""
        module, _, name = cls.target.partition(":")
        model: type[BaseModel] = getattr(importlib.import_module(module), name)
        return model

    @override
    @classmethod
    def model_for(cls, value: Any) -> type[BaseModel] | None:
        return cls.model()

    @override
    @classmethod
    def validate(cls, value: Any) -> Any:
        return cls.model().model_validate(value)

    @override
    @classmethod
    def union(cls) -> Any:
        return cls.model()

    @override
    @classmethod
    def json_schema(cls, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """A `$ref` to the model's definition, as a field of the model itself has: its schema is
        given as a definition, which the JSON Schema generator lists once and refers to."""
        schema = cls.model().__pydantic_core_schema__
        if "ref" not in schema:
            return handler(schema)
        ref = core_schema.definition_reference_schema(schema["ref"])
        return handler(core_schema.definitions_schema(ref, [schema]))


def deferred(target: str) -> type[Deferred]:
    """The annotation of a field of the model `target` names (`"modelspec.optimization:Training"`),
    found when validated (`Deferred`)."""
    name = target.rpartition(":")[2]
    doc = f"A `{name}`, its module imported when one is first validated."
    return type(f"Deferred{name}", (Deferred,), {"target": target, "__doc__": doc})
