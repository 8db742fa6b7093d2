"""The spec document as typed Pydantic v2 models: what a user may write, and nothing else.

Values are checked as written; `${param}` references pass here and are checked again, with
their values, when the graph is resolved. Unions are all discriminated (on `type`, or on which
key is present), so a mistake yields one precise error rather than one per union member.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from .dispatch import deferred
from .doctypes import Names, Strict, tagged
from .layers.base import DType
from .nodes import NODE_FIELDS, BlockNode, Node, SharedNode, node_tag
from .params import P

if TYPE_CHECKING:
    from .optimization import LOSSES, LossKind, OptimizerKind, Training, canonical_loss
    from .spaces import SearchSpace

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


# --- inputs --------------------------------------------------------------------------------


class InputSpec(Strict):
    """A model input: its shape without the batch dimension (`null` = any length) and dtype."""

    shape: list[P[PositiveInt] | None] = Field(
        description="Shape without the batch dimension, channels last; null: a length known "
        "only at run time."
    )
    dtype: DType = Field(default="float32", description="Element type of the input.")


# --- nodes (modelspec/nodes.py) -----------------------------------------------------------

if TYPE_CHECKING:
    Layers: TypeAlias = dict[str, Any] | list[Any]
else:
    Layers = tagged(
        {"graph": dict[str, Node], "sequence": Annotated[list[Node], Field(min_length=1)]},
        lambda v: "sequence" if isinstance(v, list) else "graph",
    )
# What `layers:` is, in the JSON Schema's descriptions of the document's and a block's.
LAYERS_FORMS = "a list, each feeding the next, or a mapping from node name to node (graph form)"


class Block(Strict):
    """A named, parameterised sub-graph. Its `layers` see its `inputs` and its `params`."""

    params: dict[str, Any] = Field(
        default={},
        description="The block's params with their defaults, referenced in it as ${name}; a "
        "block node's params override them.",
    )
    inputs: Names = Field(
        default=["x"],
        description="Names its layers read the tensors a block node passes in by, in order.",
    )
    layers: Layers = Field(description=f"The block's nodes: {LAYERS_FORMS}.")
    outputs: Names | None = Field(
        default=None,
        description="Nodes whose outputs the block returns (default: the nodes nobody in it "
        "reads).",
    )


# --- params ----------------------------------------------------------------------------------


# The search spaces by the key that marks them (modelspec/spaces.py, imported when one is used).
SPACES = {"choice": "Choice", "uniform": "Uniform", "loguniform": "LogUniform", "int": "IntRange"}


def _space_kind(value: Any) -> str:
    if isinstance(value, dict):
        return next((k for k in SPACES if k in value), "choice")
    if isinstance(value, BaseModel):  # a space made in Python: its module is loaded by then
        from .spaces import SPACE_KINDS

        return next((k for k, cls in SPACE_KINDS.items() if type(value) is cls), "value")
    return "value"


if TYPE_CHECKING:
    ParamValue: TypeAlias = Any  # a plain value or a search space
else:
    ParamValue = tagged(
        {"value": bool | int | float | str | list | None,
         **{kind: deferred(f"modelspec.spaces:{model}") for kind, model in SPACES.items()}},
        _space_kind,
    )  # fmt: skip


# --- training (modelspec/optimization.py, imported when a spec has the section) -------------

if TYPE_CHECKING:
    TrainingSection: TypeAlias = Training
else:
    TrainingSection = deferred("modelspec.optimization:Training")


class Search(Strict):
    """What a hyperparameter search optimises."""

    objective: str = Field(
        default="val_loss",
        description="Figure the search optimizes, by its name in the training logs (loss, "
        "val_loss, val_accuracy, ...).",
    )
    direction: Literal["minimize", "maximize"] = Field(
        default="minimize", description="Whether the objective is minimized or maximized."
    )


class SpecDocument(Strict):
    """A whole spec file."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="modelspec")

    modelspec: Literal[1] = Field(1, description="Spec language version.")
    name: Annotated[str, Field(pattern=NAME_PATTERN)] = Field(
        default="model", description="Model name, an identifier."
    )
    description: str | None = Field(default=None, description="What the model is, in free text.")
    params: dict[str, ParamValue] = Field(
        default={},
        description="Named values and search spaces that any field references as ${name}.",
    )
    inputs: dict[str, InputSpec] = Field(min_length=1, description="The model's inputs, by name.")
    blocks: dict[str, Block] = Field(
        default={}, description="Named, parameterized sub-graphs, instantiated by `block:` nodes."
    )
    layers: Layers = Field(description=f"The model's nodes: {LAYERS_FORMS}.")
    outputs: Names | None = Field(
        default=None,
        description="Nodes whose outputs the model returns, in this order (default: the nodes "
        "nobody reads).",
    )
    training: TrainingSection | None = Field(
        default=None, description="How the model is trained (`modelspec train`)."
    )
    search: Search | None = Field(
        default=None, description="What a hyperparameter search optimizes (`modelspec search`)."
    )


# Names this module gave before their models moved to the modules imported when a spec uses them.
_TRAINING_NAMES = ("LOSSES", "LossKind", "OptimizerKind", "Training", "canonical_loss")


def __getattr__(name: str) -> Any:
    """`Training`, `LossKind`, ... from `modelspec.optimization`, `SearchSpace` from
    `modelspec.spaces`: the module imported now."""
    if name in _TRAINING_NAMES:
        from . import optimization

        return getattr(optimization, name)
    if name == "SearchSpace":
        from . import spaces

        return spaces.SearchSpace
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "LOSSES",
    "NODE_FIELDS",
    "Block",
    "BlockNode",
    "InputSpec",
    "LossKind",
    "OptimizerKind",
    "SearchSpace",
    "SharedNode",
    "SpecDocument",
    "Training",
    "canonical_loss",
    "node_tag",
]
