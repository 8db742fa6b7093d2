"""The spec document as typed Pydantic v2 models: what a user may write, and nothing else.

Values are checked as written; `${param}` references pass here and are checked again, with
their values, when the graph is resolved. Unions are all discriminated (on `type`, or on which
key is present), so a mistake yields one precise error rather than one per union member.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import BeforeValidator, ConfigDict, Field, PositiveInt

from .doctypes import Names, Strict, as_list, tagged
from .layers.base import DType
from .nodes import NODE_FIELDS, BlockNode, Node, SharedNode, node_tag
from .optimization import LOSSES, Adam, Loss, LossKind, Optimizer, OptimizerKind, canonical_loss
from .params import SPACE_KINDS, P, SearchSpace

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


def _space_kind(value: Any) -> str:
    if isinstance(value, dict):
        return next((k for k in SPACE_KINDS if k in value), "choice")
    kinds = {cls: kind for kind, cls in SPACE_KINDS.items()}
    return kinds.get(type(value), "value")


if TYPE_CHECKING:
    ParamValue: TypeAlias = Any  # a plain value or a search space
else:
    ParamValue = tagged(
        {"value": bool | int | float | str | list | None, **SPACE_KINDS}, _space_kind
    )


# --- training --------------------------------------------------------------------------------

MetricName = Literal[
    "accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "mae",
    "mse",
    "mape",
]


def _keyed_by_output(value: Any) -> Any:
    if isinstance(value, list) and value and not all(isinstance(v, str) for v in value):
        raise ValueError(
            "per-output settings are keyed by output name, not listed by position "
            "(Keras orders outputs alphabetically, so a list silently reaches the wrong head)"
        )
    return value


def _loss_kind(value: Any) -> str:
    if isinstance(value, dict) and "type" not in value:
        return "per_output"
    return "all"


def _metrics_kind(value: Any) -> str:
    return "per_output" if isinstance(value, dict) else "all"


def _positional(value: Any) -> Any:
    if isinstance(value, list):
        raise ValueError(  # noqa: TRY004  (Pydantic reports a ValueError at its field, not a TypeError)
            "loss is one loss for every output, or a mapping from output name to loss: "
            "a list by position is refused (Keras orders outputs alphabetically)"
        )
    return value


if TYPE_CHECKING:
    LossSetting: TypeAlias = Loss | dict[str, Loss]
    MetricsSetting: TypeAlias = list[str] | dict[str, list[str]]
else:
    LossSetting = Annotated[
        tagged({"all": Loss, "per_output": dict[str, Loss]}, _loss_kind),
        BeforeValidator(_positional),
    ]
    MetricsSetting = Annotated[
        tagged({"all": list[MetricName], "per_output": dict[str, Names]}, _metrics_kind),
        BeforeValidator(_keyed_by_output),
        BeforeValidator(as_list),
    ]


class Training(Strict):
    """How `fit` runs: optimizer, losses and metrics per output (by name), epochs, batches."""

    optimizer: Optimizer = Field(
        default_factory=lambda: Adam(type="adam"),
        description="Optimizer: a name (adam, adamw, sgd, rmsprop) or a mapping with `type` and "
        "its arguments.",
    )
    loss: LossSetting = Field(
        description="Loss of every output (a name, or a mapping with `type` and its arguments), "
        "or a mapping from output name to its loss."
    )
    loss_weights: dict[str, Annotated[float, Field(ge=0)]] | None = Field(
        default=None,
        description="Weight of each output's loss in the total, by output name (1.0 for an "
        "output not named).",
    )
    metrics: MetricsSetting = Field(
        default=[],
        description="Metrics to report: a list for every output, or a mapping from output name "
        "to its list.",
    )
    epochs: P[PositiveInt] = Field(default=1, description="Number of passes over the data.")
    batch_size: P[PositiveInt] = Field(default=32, description="Number of samples per step.")
    validation_split: P[Annotated[float, Field(ge=0, lt=1)]] = Field(
        default=0.0,
        description="Fraction of the samples held out for validation (the last ones, before "
        "shuffling), 0 <= validation_split < 1.",
    )
    shuffle: bool = Field(default=True, description="Whether to shuffle the samples each epoch.")
    seed: int | None = Field(
        default=None,
        description="Random seed of the batch order and of the frameworks' generators (dropout "
        "masks); null: unseeded.",
    )


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
    training: Training | None = Field(
        default=None, description="How the model is trained (`modelspec train`)."
    )
    search: Search | None = Field(
        default=None, description="What a hyperparameter search optimizes (`modelspec search`)."
    )


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
