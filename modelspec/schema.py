"""The JSON Schema of spec files, generated from the Pydantic models (for editors and CI)."""

from __future__ import annotations

import json
from typing import Any, Literal, get_args, get_origin

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema
from typing_extensions import override

from .dispatch import Deferred
from .document import SpecDocument
from .layers.arguments import description


class DescribedSchema(GenerateJsonSchema):
    """Pydantic's generator, with each layer argument's line (`layers.arguments`) as its
    property's `description` where the field gives none of its own, and no title of its own for
    a field of a deferred model (`dispatch.Deferred`): it refers to the model's definition, whose
    title stands, as a field typed with the model itself does."""

    @override
    def field_title_should_be_set(self, schema: Any) -> bool:
        return not _deferred(schema) and super().field_title_should_be_set(schema)

    @override
    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        out = super().model_schema(schema)
        model = schema["cls"]
        properties = out.get("properties", {})
        for name, field in model.model_fields.items():
            key = field.alias if self.by_alias and field.alias else name
            line = None if field.description else description(model, field.alias or name)
            if line is not None and key in properties:
                properties[key]["description"] = line
        if _is_tag(model.model_fields.get("type")) and "type" in properties:
            # validation finds the model by its `type` (a layer kind, an initializer's name):
            # a mapping without one is refused there, so the schema requires it too
            properties["type"].pop("default", None)
            out["required"] = ["type", *(r for r in out.get("required", []) if r != "type")]
        return out


def _is_tag(field: Any) -> bool:
    """Whether a model's field is a tag naming the model: a `Literal` of strings."""
    annotation = getattr(field, "annotation", None)
    args = get_args(annotation) if get_origin(annotation) is Literal else ()
    return bool(args) and all(isinstance(a, str) for a in args)


def _deferred(schema: Any) -> bool:
    """Whether a field's schema is a `Deferred` model's validator (with a default, or None)."""
    while schema.get("type") in ("model-field", "default", "nullable"):
        schema = schema["schema"]
    function = (
        schema.get("function", {}).get("function") if schema["type"] == "function-plain" else None
    )
    owner = getattr(function, "__self__", None)
    return isinstance(owner, type) and issubclass(owner, Deferred)


def schema() -> dict:
    """The JSON Schema (draft 2020-12) of spec files, from `SpecDocument`, by the YAML's names."""
    out = SpecDocument.model_json_schema(by_alias=True, schema_generator=DescribedSchema)
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return out


def schema_text() -> str:
    """`schema()` as indented JSON text, as `schema/modelspec.schema.json` holds it."""
    return json.dumps(schema(), indent=2, sort_keys=False) + "\n"
