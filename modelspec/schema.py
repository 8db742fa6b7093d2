"""The JSON Schema of spec files, generated from the Pydantic models (for editors and CI)."""

from __future__ import annotations

import json

from .document import SpecDocument


def schema() -> dict:
    """The JSON Schema (draft 2020-12) of spec files, from `SpecDocument`, by the YAML's names."""
    out = SpecDocument.model_json_schema(by_alias=True)
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return out


def schema_text() -> str:
    """`schema()` as indented JSON text, as `schema/modelspec.schema.json` holds it."""
    return json.dumps(schema(), indent=2, sort_keys=False) + "\n"
