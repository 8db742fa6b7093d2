"""The spec document as typed Pydantic v2 models: what a user may write, and nothing else.

Values are checked as written; `${param}` references pass here and are checked again, with
their values, when the graph is resolved. Unions are all discriminated (on `type`, or on which
key is present), so a mistake yields one precise error rather than one per union member.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeAlias

from pydantic import BeforeValidator, ConfigDict, Field, PositiveInt

from .doctypes import Names, Strict, as_list, tagged
from .layers.base import DType
from .nodes import NODE_FIELDS, BlockNode, Node, SharedNode, node_tag
from .params import SPACE_KINDS, P, SearchSpace

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


# --- inputs --------------------------------------------------------------------------------


class InputSpec(Strict):
    """A model input: its shape without the batch dimension (`null` = any length) and dtype."""

    shape: list[P[PositiveInt] | None]
    dtype: DType = "float32"


# --- nodes (modelspec/nodes.py) -----------------------------------------------------------

if TYPE_CHECKING:
    Layers: TypeAlias = dict[str, Any] | list[Any]
else:
    Layers = tagged(
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
    ParamValue = tagged(
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
        tagged(
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
    Loss = tagged(
        {"name": LossName, "object": tagged(LOSSES, _loss_tag)},
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
