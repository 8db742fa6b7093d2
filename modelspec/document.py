"""The spec document as typed Pydantic v2 models: what a user may write, and nothing else.

Values are checked as written; `${param}` references pass here and are checked again, with
their values, when the graph is resolved. Unions are all discriminated (on `type`, or on which
key is present), so a mistake yields one precise error rather than one per union member.

The sections a spec may leave out are models of their own modules, imported (and built) when a
spec has them (`dispatch.deferred`): `training:` (`modelspec/optimization.py`), `blocks:`
(`modelspec/blocks.py`), `search:` and the params' search spaces (`modelspec/spaces.py`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PositiveInt

from .bounds import finite
from .dispatch import deferred
from .doctypes import Names, Strict, tagged
from .layers.base import DType
from .nodes import LAYERS_FORMS, NODE_FIELDS, BlockNode, Layers, SharedNode, node_tag
from .params import P

if TYPE_CHECKING:
    from .blocks import Block
    from .optimization import LOSSES, LossKind, OptimizerKind, Training, canonical_loss
    from .spaces import Search, SearchSpace

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


# --- inputs --------------------------------------------------------------------------------


class InputSpec(Strict):
    """A model input: its shape without the batch dimension (`null` = any length) and dtype."""

    shape: list[P[PositiveInt] | None] = Field(
        description="Shape without the batch dimension, channels last; null: a length known "
        "only at run time."
    )
    dtype: DType = Field(default="float32", description="Element type of the input.")


# A block (modelspec/blocks.py, imported when a spec has one).
if TYPE_CHECKING:
    BlockSection: TypeAlias = Block
else:
    BlockSection = deferred("modelspec.blocks:Block")


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
        {"value": Annotated[bool | int | float | str | list | None, AfterValidator(finite)],
         **{kind: deferred(f"modelspec.spaces:{model}") for kind, model in SPACES.items()}},
        _space_kind,
    )  # fmt: skip


# --- training (modelspec/optimization.py, imported when a spec has the section) -------------

if TYPE_CHECKING:
    TrainingSection: TypeAlias = Training
else:
    TrainingSection = deferred("modelspec.optimization:Training")

# --- search (modelspec/spaces.py, imported when a spec has the section or a search space) -----

if TYPE_CHECKING:
    SearchSection: TypeAlias = Search
else:
    SearchSection = deferred("modelspec.spaces:Search")


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
    blocks: dict[str, BlockSection] = Field(
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
    search: SearchSection | None = Field(
        default=None, description="What a hyperparameter search optimizes (`modelspec search`)."
    )


# Names this module gave before their models moved to the modules imported when a spec uses them.
_MOVED = {"LOSSES": "optimization", "LossKind": "optimization", "OptimizerKind": "optimization",
          "Training": "optimization", "canonical_loss": "optimization", "Block": "blocks",
          "Search": "spaces", "SearchSpace": "spaces"}  # fmt: skip


def __getattr__(name: str) -> Any:
    """`Training`, `Block`, `Search`, ... from the module that defines them, imported now."""
    if name not in _MOVED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"modelspec.{_MOVED[name]}"), name)


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
