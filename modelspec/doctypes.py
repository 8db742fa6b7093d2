"""The building blocks of the document's models: strict models, name lists, tagged unions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Tag, WithJsonSchema


class Strict(BaseModel):
    """A document model: unknown keys are errors, values are frozen, aliases or names accepted.
    Its validator is built when first used (a model that another holds is built into that one's),
    so a spec pays for the models it uses: the kind of optimizer, a shared or a block node."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


def as_list(value: Any) -> Any:
    """Accept `x` for `[x]`, so a single input or output needs no brackets."""
    return [value] if isinstance(value, str) else value


NAME_FORMS: list[dict[str, Any]] = [
    {"type": "string"},
    {"type": "array", "items": {"type": "string"}},
]
NAMES_SCHEMA = {"anyOf": NAME_FORMS}
Names = Annotated[list[str], BeforeValidator(as_list), WithJsonSchema(NAMES_SCHEMA)]


def tagged(mapping: dict[str, Any], pick: Any) -> Any:
    """A union discriminated by the callable `pick`, one `Tag` per member."""
    members = tuple(Annotated[cls, Tag(tag)] for tag, cls in mapping.items())
    return Annotated[Union[members], Discriminator(pick)]  # noqa: UP007  (a tuple of members)


def _inputs_form(value: Any) -> str:
    return "roles" if isinstance(value, dict) else "list"


def inputs_schema(roles: Sequence[str] | None) -> dict[str, Any]:
    """The JSON Schema of a node's `inputs:`: names, or a mapping from one of `roles` (None: any
    role; empty: no mapping) to names; or null."""
    forms = list(NAME_FORMS)
    if roles is None or roles:
        by_role: dict[str, Any] = {"type": "object", "additionalProperties": NAMES_SCHEMA}
        if roles:
            by_role["propertyNames"] = {"enum": list(roles)}
        forms.append(by_role)
    return {"anyOf": [*forms, {"type": "null"}]}


# A node's `inputs:`: tensor names, or a mapping from the kind's input roles to tensor names.
if TYPE_CHECKING:
    Inputs: TypeAlias = list[str] | dict[str, list[str]]
else:
    Inputs = tagged({"list": Names, "roles": dict[str, Names]}, _inputs_form)


def optional_inputs(roles: Sequence[str] | None) -> Any:
    """The annotation of a node's optional `inputs:`, its schema naming `roles` (`inputs_schema`)."""
    return Annotated[Inputs | None, WithJsonSchema(inputs_schema(roles))]
