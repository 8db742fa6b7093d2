"""The nodes of a spec's `layers:`: a layer of some kind, a `shares:` node or a `block:` node.

A layer node is validated by its kind's model (the kind's class plus `NodeFields`), built the
first time a spec uses that kind, so what validation costs grows with the kinds a spec uses,
not with the catalogue (pydantic-core builds a validator per model class; a discriminated union
over every kind would build them all at import). It also makes a kind registered after
`import modelspec` (a plugin) usable in specs at once. The JSON Schema still lists every kind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

from pydantic import BaseModel, Field, PositiveInt, create_model
from pydantic_core import PydanticCustomError
from typing_extensions import override

from .dispatch import Dispatched
from .doctypes import Strict, optional_inputs, tagged
from .layers import REGISTRY, Layer
from .layers.base import unknown_kind
from .params import P

INPUTS = (
    "Tensors this node reads: model inputs or nodes (`node.state_h` for one of a node's "
    "several outputs), or a mapping from its kind's input roles to them."
)


class NodeFields(Strict):
    """Fields every node has besides its layer's own arguments."""

    inputs: optional_inputs(None) = Field(None, description=INPUTS)  # type: ignore[valid-type]
    name: str | None = Field(
        None, description="Node name (sequential form; graph keys name nodes)."
    )


class SharedNode(NodeFields):
    """Applies the layer of another node (the same weights) to other inputs."""

    shares: str = Field(description="Name of the node whose layer, with its weights, this applies.")


class BlockNode(NodeFields):
    """Instantiates a block; `repeat: N` chains N copies, each feeding the next."""

    inputs: optional_inputs(()) = Field(None, description="The block's inputs, in its order.")  # type: ignore[valid-type]
    block: str = Field(description="Name of the block to instantiate.")
    params: dict[str, Any] = Field(
        default={}, description="Values of the block's params for this instance."
    )
    repeat: P[PositiveInt] = Field(
        default=1, description="Number of copies chained, each feeding the next."
    )


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
        roles = [role.name for role in cls.roles]  # the schema names them, for editors
        inputs = (optional_inputs(roles), Field(None, description=INPUTS))
        model = create_model(
            f"{kind}Node", __base__=(cls, NodeFields), __doc__=cls.__doc__, inputs=inputs
        )
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
    tag = node_tag(value) if isinstance(value, dict) else None
    if tag == "shares":
        return SharedNode
    if tag == "block":
        return BlockNode
    return node_model(tag) if tag is not None else None


class Node(Dispatched):
    """The annotation of a node entry: validated as its kind's node model, a `SharedNode` or a
    `BlockNode`, the model found when the entry is validated (`modelspec/dispatch.py`)."""

    accepts = (NodeFields,)
    missing = "a node needs `type:` (a layer kind), `shares:` (a node) or `block:` (a block)"

    @override
    @classmethod
    def model_for(cls, value: Any) -> type[BaseModel] | None:
        return model_for(value)

    @override
    @classmethod
    def unknown(cls, value: dict) -> PydanticCustomError | None:
        return unknown_kind(value.get("type"))

    @override
    @classmethod
    def union(cls) -> Any:
        models = {kind: node_model(kind) for kind in REGISTRY}
        return tagged({**models, "shares": SharedNode, "block": BlockNode}, node_tag)


# A section's `layers:` (the document's, a block's): a list or a mapping of nodes.
if TYPE_CHECKING:
    Layers: TypeAlias = dict[str, Any] | list[Any]
else:
    Layers = tagged(
        {"graph": dict[str, Node], "sequence": Annotated[list[Node], Field(min_length=1)]},
        lambda v: "sequence" if isinstance(v, list) else "graph",
    )
# What `layers:` is, in the JSON Schema's descriptions of the document's and a block's.
LAYERS_FORMS = "a list, each feeding the next, or a mapping from node name to node (graph form)"
