"""The building blocks of the document's models: strict models, name lists, tagged unions."""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Tag, WithJsonSchema


class Strict(BaseModel):
    """A document model: unknown keys are errors, values are frozen, aliases or names accepted."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def as_list(value: Any) -> Any:
    """Accept `x` for `[x]`, so a single input or output needs no brackets."""
    return [value] if isinstance(value, str) else value


Names = Annotated[
    list[str],
    BeforeValidator(as_list),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}),
]


def tagged(mapping: dict[str, Any], pick: Any) -> Any:
    """A union discriminated by the callable `pick`, one `Tag` per member."""
    members = tuple(Annotated[cls, Tag(tag)] for tag, cls in mapping.items())
    return Annotated[Union[members], Discriminator(pick)]  # noqa: UP007  (a tuple of members)
