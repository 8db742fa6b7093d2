"""The nodes of a spec's `layers:`: a layer of some kind, a `shares:` node or a `block:` node.

A layer node is validated by its kind's model (the kind's class plus `NodeFields`), built the
first time a spec uses that kind, so what validation costs grows with the kinds a spec uses,
not with the catalogue (pydantic-core builds a validator per model class; a discriminated union
over every kind would build them all at import). It also makes a kind registered after
`import modelspec` (a plugin) usable in specs at once. The JSON Schema still lists every kind.
"""

from __future__ import annotations

from typing import Any

from pydantic import (
    BaseModel,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PositiveInt,
    TypeAdapter,
    create_model,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from .doctypes import Names, Strict, tagged
from .errors import did_you_mean
from .layers import REGISTRY, Layer
from .params import P


class NodeFields(Strict):
    """Fields every node has besides its layer's own arguments."""

    inputs: Names | None = Field(
        None, description="Tensors this node consumes: model inputs or node names (graph form)."
    )
    name: str | None = Field(
        None, description="Node name (sequential form; graph keys name nodes)."
    )


class SharedNode(NodeFields):
    """Applies the layer of another node (the same weights) to other inputs."""

    shares: str


class BlockNode(NodeFields):
    """Instantiates a block; `repeat: N` chains N copies, each feeding the next."""

    block: str
    params: dict[str, Any] = {}
    repeat: P[PositiveInt] = 1


NODE_FIELDS = frozenset(NodeFields.model_fields)
_NODE_MODELS: dict[type[Layer], type[BaseModel]] = {}


def node_model(kind: str) -> type[BaseModel] | None:
    """The model a node of layer kind `kind` validates with (its class's arguments and
    `NodeFields`), made on first use; None for a kind that is not registered."""
    cls = REGISTRY.get(kind)
    if cls is None:
        return None
    model = _NODE_MODELS.get(cls)
    if model is None:
        model = create_model(f"{kind}Node", __base__=(cls, NodeFields), __doc__=cls.__doc__)
        _NODE_MODELS[cls] = model
    return model


def node_tag(value: Any) -> str | None:
    """The discriminator of a node entry: its layer `type`, "shares" or "block" (None: no type)."""
    if isinstance(value, dict):
        if "shares" in value:
            return "shares"
        if "block" in value:
            return "block"
        kind = value.get("type")
        return kind if isinstance(kind, str) else None
    return getattr(value, "type", None) or ("shares" if isinstance(value, SharedNode) else "block")


def model_for(value: Any) -> type[BaseModel] | None:
    """The model that validates this node entry (None: no `type:`, or an unknown kind)."""
    tag = node_tag(value)
    if tag == "shares":
        return SharedNode
    if tag == "block":
        return BlockNode
    return node_model(tag) if tag is not None else None


def _validate(value: Any) -> BaseModel:
    if isinstance(value, NodeFields):  # already a node (a document built in Python)
        return value
    if not isinstance(value, dict):
        raise PydanticCustomError(
            "node_kind", "a node is a mapping of its fields, got {value}", {"value": repr(value)}
        )
    model = model_for(value)
    if model is not None:
        return model.model_validate(value)
    kind = value.get("type")
    if kind is None:
        raise PydanticCustomError(
            "node_kind",
            "a node needs `type:` (a layer kind), `shares:` (a node) or `block:` (a block)",
        )
    raise PydanticCustomError(
        "node_kind_unknown",
        "unknown layer type {kind}{hint}",
        {"kind": repr(kind), "hint": did_you_mean(str(kind), REGISTRY)},
    )


class Node:
    """The annotation of a node entry: validated as its kind's model (see the module's docstring).

    To a type checker and to readers of the result, a node is a `BaseModel`: a kind's node model,
    a `SharedNode` or a `BlockNode`.
    """

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """A plain validator function that dispatches on the entry's `type`, `shares` or `block`."""
        return core_schema.no_info_plain_validator_function(_validate)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Every registered kind's node, as the discriminated union the validator stands for."""
        models = {kind: node_model(kind) for kind in REGISTRY}
        union = tagged({**models, "shares": SharedNode, "block": BlockNode}, node_tag)
        return handler(TypeAdapter(union).core_schema)
