"""The spec document as typed Pydantic v2 models: what a user may write, and nothing else.

Values are checked as written; `${param}` references pass here and are checked again, with
their values, when the graph is resolved. Unions are all discriminated (on `type`, or on which
key is present), so a mistake yields one precise error rather than one per union member.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeAlias, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PositiveInt,
    Tag,
    WithJsonSchema,
    create_model,
)

from .layers import REGISTRY
from .layers.base import DType
from .params import SPACE_KINDS, P, SearchSpace

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _as_list(value: Any) -> Any:
    """Accept `x` for `[x]`, so a single input or output needs no brackets."""
    return [value] if isinstance(value, str) else value


Names = Annotated[
    list[str],
    BeforeValidator(_as_list),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}),
]


def _tagged(mapping: dict[str, Any], pick: Any) -> Any:
    """A union discriminated by the callable `pick`, one `Tag` per member."""
    members = tuple(Annotated[cls, Tag(tag)] for tag, cls in mapping.items())
    return Annotated[Union[members], Discriminator(pick)]  # noqa: UP007  (a tuple of members)


# --- inputs --------------------------------------------------------------------------------


class InputSpec(Strict):
    """A model input: its shape without the batch dimension (`null` = any length) and dtype."""

    shape: list[P[PositiveInt] | None]
    dtype: DType = "float32"


# --- nodes ---------------------------------------------------------------------------------


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


NODE_MODELS: dict[str, type[BaseModel]] = {
    kind: create_model(f"{kind}Node", __base__=(cls, NodeFields), __doc__=cls.__doc__)
    for kind, cls in REGISTRY.items()
}
NODE_FIELDS = frozenset(NodeFields.model_fields)


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


# The discriminated unions are built at run time (one node model per registered kind); to a type
# checker they are what they hold.
if TYPE_CHECKING:
    Node: TypeAlias = Any  # a layer node of a registered kind, a SharedNode or a BlockNode
    Layers: TypeAlias = dict[str, Any] | list[Any]
else:
    Node = _tagged({**NODE_MODELS, "shares": SharedNode, "block": BlockNode}, node_tag)
    Layers = _tagged(
        {"graph": dict[str, Node], "sequence": Annotated[list[Node], Field(min_length=1)]},
        lambda v: "sequence" if isinstance(v, list) else "graph",
    )


class Block(Strict):
    """A named, parameterised sub-graph. Its `layers` see its `inputs` and its `params`."""

    params: dict[str, Any] = {}
    inputs: Names = ["x"]
    layers: Layers
    outputs: Names | None = None


# --- params ----------------------------------------------------------------------------------


def _space_kind(value: Any) -> str:
    if isinstance(value, dict):
        return next((k for k in SPACE_KINDS if k in value), "choice")
    kinds = {cls: kind for kind, cls in SPACE_KINDS.items()}
    return kinds.get(type(value), "value")


if TYPE_CHECKING:
    ParamValue: TypeAlias = Any  # a plain value or a search space
else:
    ParamValue = _tagged(
        {"value": bool | int | float | str | list | None, **SPACE_KINDS}, _space_kind
    )


# --- training --------------------------------------------------------------------------------

LossName = Literal[
    "mse",
    "mae",
    "mape",
    "huber",
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "mean_squared_error",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
]
MetricName = Literal[
    "accuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "mae",
    "mse",
    "mape",
]
Rate = Annotated[float, Field(gt=0)]


def _optimizer_shorthand(value: Any) -> Any:
    return {"type": value} if isinstance(value, str) else value


class Adam(Strict):
    type: Literal["adam"]
    learning_rate: P[Rate] = 0.001
    beta_1: P[Annotated[float, Field(ge=0, lt=1)]] = 0.9
    beta_2: P[Annotated[float, Field(ge=0, lt=1)]] = 0.999
    epsilon: P[Rate] = 1e-7
    amsgrad: bool = False


class AdamW(Adam):
    type: Literal["adamw"]  # type: ignore[assignment]
    weight_decay: P[Annotated[float, Field(ge=0)]] = 0.004


class SGD(Strict):
    type: Literal["sgd"]
    learning_rate: P[Rate] = 0.01
    momentum: P[Annotated[float, Field(ge=0)]] = 0.0
    nesterov: bool = False


class RMSprop(Strict):
    type: Literal["rmsprop"]
    learning_rate: P[Rate] = 0.001
    rho: P[Annotated[float, Field(ge=0, lt=1)]] = 0.9
    momentum: P[Annotated[float, Field(ge=0)]] = 0.0
    epsilon: P[Rate] = 1e-7
    centered: bool = False


OPTIMIZERS = {"adam": Adam, "adamw": AdamW, "sgd": SGD, "rmsprop": RMSprop}
OptimizerKind = Adam | AdamW | SGD | RMSprop
if TYPE_CHECKING:
    Optimizer: TypeAlias = OptimizerKind
else:
    Optimizer = Annotated[
        _tagged(
            OPTIMIZERS, lambda v: v.get("type") if isinstance(v, dict) else getattr(v, "type", None)
        ),
        BeforeValidator(_optimizer_shorthand),
    ]


# Each loss kind is its own model with only its own arguments (Keras 3's names and defaults,
# `keras.losses.*`), so `{type: mse, from_logits: true}` is an unknown field where it is written.
# `type` also accepts Keras' long names of the three regression losses; `LOSS_ALIASES` maps them
# to the short name the resolved training plan carries.


class _Loss(Strict):
    """What a loss kind says of itself besides its arguments."""

    # Keras computes the loss from the logits of an output that comes straight from this
    # activation (`_keras_logits` on TensorFlow), whatever `from_logits` says.
    logit_activation: ClassVar[str | None] = None
    sparse_targets: ClassVar[bool] = False  # targets are integer class ids, not output-shaped


class MeanSquaredError(_Loss):
    """`mse`: mean of `(y_pred - y_true)**2` over the last axis."""

    type: Literal["mse", "mean_squared_error"]


class MeanAbsoluteError(_Loss):
    """`mae`: mean of `|y_pred - y_true|` over the last axis."""

    type: Literal["mae", "mean_absolute_error"]


class MeanAbsolutePercentageError(_Loss):
    """`mape`: mean of `100 * |(y_true - y_pred) / y_true|` over the last axis."""

    type: Literal["mape", "mean_absolute_percentage_error"]


class Huber(_Loss):
    """`huber`: quadratic for errors up to `delta`, linear beyond."""

    type: Literal["huber"]
    delta: Rate = 1.0


class BinaryCrossentropy(_Loss):
    """`binary_crossentropy`: per unit, targets 0 or 1; `from_logits`: the output is logits."""

    type: Literal["binary_crossentropy"]
    from_logits: bool = False
    logit_activation = "sigmoid"


class CategoricalCrossentropy(_Loss):
    """`categorical_crossentropy`: one-hot (or soft) targets over the last axis."""

    type: Literal["categorical_crossentropy"]
    from_logits: bool = False
    logit_activation = "softmax"


class SparseCategoricalCrossentropy(_Loss):
    """`sparse_categorical_crossentropy`: integer class ids as targets."""

    type: Literal["sparse_categorical_crossentropy"]
    from_logits: bool = False
    logit_activation = "softmax"
    sparse_targets = True


LossKind = (
    MeanSquaredError
    | MeanAbsoluteError
    | MeanAbsolutePercentageError
    | Huber
    | BinaryCrossentropy
    | CategoricalCrossentropy
    | SparseCategoricalCrossentropy
)
LOSSES: dict[str, type[LossKind]] = {
    "mse": MeanSquaredError,
    "mae": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError,
    "huber": Huber,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}
LOSS_ALIASES = {
    "mean_squared_error": "mse",
    "mean_absolute_error": "mae",
    "mean_absolute_percentage_error": "mape",
}


def canonical_loss(loss: str | LossKind) -> LossKind:
    """Any way of writing one loss (a name or a loss object, short or long name) as its loss
    object with the short name (`mse`, not `mean_squared_error`) and its arguments."""
    if isinstance(loss, str):
        name = LOSS_ALIASES.get(loss, loss)
        return LOSSES[name](type=name)  # type: ignore[arg-type]
    return loss.model_copy(update={"type": LOSS_ALIASES.get(loss.type, loss.type)})


def _loss_tag(value: Any) -> str | None:
    """The loss kind's short name (None: no `type:`)."""
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return LOSS_ALIASES.get(kind, kind) if isinstance(kind, str) else None


if TYPE_CHECKING:
    Loss: TypeAlias = str | LossKind
else:
    Loss = _tagged(
        {"name": LossName, "object": _tagged(LOSSES, _loss_tag)},
        lambda v: "name" if isinstance(v, str) else "object",
    )


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
        _tagged({"all": Loss, "per_output": dict[str, Loss]}, _loss_kind),
        BeforeValidator(_positional),
    ]
    MetricsSetting = Annotated[
        _tagged({"all": list[MetricName], "per_output": dict[str, Names]}, _metrics_kind),
        BeforeValidator(_keyed_by_output),
        BeforeValidator(_as_list),
    ]


class Training(Strict):
    """How `fit` runs: optimizer, losses and metrics per output (by name), epochs, batches."""

    optimizer: Optimizer = Field(default_factory=lambda: Adam(type="adam"))
    loss: LossSetting
    loss_weights: dict[str, Annotated[float, Field(ge=0)]] | None = None
    metrics: MetricsSetting = []
    epochs: P[PositiveInt] = 1
    batch_size: P[PositiveInt] = 32
    validation_split: P[Annotated[float, Field(ge=0, lt=1)]] = 0.0
    shuffle: bool = True
    seed: int | None = None


class Search(Strict):
    """What a hyperparameter search optimises."""

    objective: str = "val_loss"
    direction: Literal["minimize", "maximize"] = "minimize"


class SpecDocument(Strict):
    """A whole spec file."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="modelspec")

    modelspec: Literal[1] = Field(1, description="Spec language version.")
    name: Annotated[str, Field(pattern=NAME_PATTERN)] = "model"
    description: str | None = None
    params: dict[str, ParamValue] = {}
    inputs: dict[str, InputSpec] = Field(min_length=1)
    blocks: dict[str, Block] = {}
    layers: Layers
    outputs: Names | None = None
    training: Training | None = None
    search: Search | None = None


__all__ = [
    "LOSSES",
    "NODE_FIELDS",
    "NODE_MODELS",
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
