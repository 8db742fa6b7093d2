"""A spec's `training:` section as typed Pydantic models: the section (`Training`), and the
optimizer and loss kinds it names.

Each kind is its own model with only its own arguments, by Keras 3's names and defaults
(`keras.optimizers.*`, `keras.losses.*`), chosen by its `type` when validated (`ByType`: only the
kinds a spec uses are built); an optimizer may also be written as its name alone, a loss as its
name (`mse`, or Keras' `mean_squared_error`). The document imports this module when a spec has a
`training:` section (`modelspec.dispatch.deferred`), not before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeAlias

from pydantic import BeforeValidator, Field, NonNegativeInt, PositiveInt
from typing_extensions import override

from .bounds import Bounded
from .dispatch import ByType
from .doctypes import Names, Strict, as_list, tagged
from .limits import MAX_SEED
from .params import P
from .training_kinds import Callback, Clipping, LearningRate

Rate = Annotated[float, Field(gt=0)]
Fraction = Annotated[float, Field(ge=0, lt=1)]
NonNegative = Annotated[float, Field(ge=0)]


# --- optimizers ------------------------------------------------------------------------------


# The lines the optimizers share (the JSON Schema's descriptions).
OPTIMIZER = "Optimizer name."
LEARNING_RATE = (
    "Step size of each update, > 0, or a schedule of it per optimizer step (ExponentialDecay, "
    "CosineDecay, PiecewiseConstantDecay)."
)
EPSILON = "Small constant added to the denominator for numerical stability, > 0."
MOMENTUM = "Momentum: the fraction of the previous update carried into the next, >= 0."


class Adam(Strict, Clipping):
    """Keras' `Adam`: steps by moving averages of the gradients and of their squares."""

    type: Literal["adam"] = Field(description=OPTIMIZER)
    learning_rate: LearningRate = Field(default=0.001, description=LEARNING_RATE)
    beta_1: P[Fraction] = Field(
        default=0.9, description="Decay rate of the gradients' moving average, 0 <= beta_1 < 1."
    )
    beta_2: P[Fraction] = Field(
        default=0.999,
        description="Decay rate of the squared gradients' moving average, 0 <= beta_2 < 1.",
    )
    epsilon: P[Rate] = Field(default=1e-7, description=EPSILON)
    amsgrad: bool = Field(
        default=False,
        description="Whether to use AMSGrad: the largest squared-gradient average so far.",
    )


class AdamW(Adam):
    """Keras' `AdamW`: Adam with decoupled weight decay."""

    type: Literal["adamw"] = Field(description=OPTIMIZER)  # type: ignore[assignment]
    weight_decay: P[NonNegative] = Field(
        default=0.004,
        description="Decoupled weight decay: each step subtracts learning_rate * weight_decay * "
        "w, >= 0.",
    )


class SGD(Strict, Clipping):
    """Keras' `SGD`: gradient descent, with momentum if given."""

    type: Literal["sgd"] = Field(description=OPTIMIZER)
    learning_rate: LearningRate = Field(default=0.01, description=LEARNING_RATE)
    momentum: P[NonNegative] = Field(default=0.0, description=MOMENTUM)
    nesterov: bool = Field(default=False, description="Whether to apply Nesterov momentum.")


class RMSprop(Strict, Clipping):
    """Keras' `RMSprop`: steps divided by the root of the squared gradients' moving average."""

    type: Literal["rmsprop"] = Field(description=OPTIMIZER)
    learning_rate: LearningRate = Field(default=0.001, description=LEARNING_RATE)
    rho: P[Fraction] = Field(
        default=0.9,
        description="Decay rate of the squared gradients' moving average, 0 <= rho < 1.",
    )
    momentum: P[NonNegative] = Field(default=0.0, description=MOMENTUM)
    epsilon: P[Rate] = Field(default=1e-7, description=EPSILON)
    centered: bool = Field(
        default=False,
        description="Whether to divide by the gradients' estimated variance rather than their "
        "second moment (centered RMSprop).",
    )


OPTIMIZERS = {"adam": Adam, "adamw": AdamW, "sgd": SGD, "rmsprop": RMSprop}
OptimizerKind = Adam | AdamW | SGD | RMSprop


class _OptimizerByType(ByType):
    """An optimizer: a mapping with its `type`, or its name alone (`adam`)."""

    models = OPTIMIZERS  # type: ignore[assignment]

    @override
    @classmethod
    def tag(cls, value: Any) -> Any:
        return value if isinstance(value, str) else super().tag(value)

    @override
    @classmethod
    def validate(cls, value: Any) -> Any:
        return super().validate({"type": value} if isinstance(value, str) else value)


if TYPE_CHECKING:
    Optimizer: TypeAlias = OptimizerKind
else:
    Optimizer = _OptimizerByType


# --- losses ----------------------------------------------------------------------------------

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

# Each loss kind is its own model with only its own arguments (Keras 3's names and defaults,
# `keras.losses.*`), so `{type: mse, from_logits: true}` is an unknown field where it is written.
# `type` also accepts Keras' long names of the three regression losses; `LOSS_ALIASES` maps them
# to the short name the resolved training plan carries.


LOSS = "Loss name."
FROM_LOGITS = "Whether the output is logits rather than probabilities."


class _Loss(Strict, Bounded):
    """What a loss kind says of itself besides its arguments."""

    # Keras computes the loss from the logits of an output that comes straight from this
    # activation (`_keras_logits` on TensorFlow), whatever `from_logits` says.
    logit_activation: ClassVar[str | None] = None
    sparse_targets: ClassVar[bool] = False  # targets are integer class ids, not output-shaped


class MeanSquaredError(_Loss):
    """`mse`: mean of `(y_pred - y_true)**2` over the last axis."""

    type: Literal["mse", "mean_squared_error"] = Field(description=LOSS)


class MeanAbsoluteError(_Loss):
    """`mae`: mean of `|y_pred - y_true|` over the last axis."""

    type: Literal["mae", "mean_absolute_error"] = Field(description=LOSS)


class MeanAbsolutePercentageError(_Loss):
    """`mape`: mean of `100 * |(y_true - y_pred) / y_true|` over the last axis."""

    type: Literal["mape", "mean_absolute_percentage_error"] = Field(description=LOSS)


class Huber(_Loss):
    """`huber`: quadratic for errors up to `delta`, linear beyond."""

    type: Literal["huber"] = Field(description=LOSS)
    delta: Rate = Field(
        default=1.0, description="Error size at which the loss turns from quadratic to linear, > 0."
    )


class BinaryCrossentropy(_Loss):
    """`binary_crossentropy`: per unit, targets 0 or 1; `from_logits`: the output is logits."""

    type: Literal["binary_crossentropy"] = Field(description=LOSS)
    from_logits: bool = Field(default=False, description=FROM_LOGITS)
    logit_activation = "sigmoid"


class CategoricalCrossentropy(_Loss):
    """`categorical_crossentropy`: one-hot (or soft) targets over the last axis."""

    type: Literal["categorical_crossentropy"] = Field(description=LOSS)
    from_logits: bool = Field(default=False, description=FROM_LOGITS)
    logit_activation = "softmax"


class SparseCategoricalCrossentropy(_Loss):
    """`sparse_categorical_crossentropy`: integer class ids as targets."""

    type: Literal["sparse_categorical_crossentropy"] = Field(description=LOSS)
    from_logits: bool = Field(default=False, description=FROM_LOGITS)
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


class _LossByType(ByType):
    """A loss written as a mapping, by its `type` (a short name or Keras' long one)."""

    models = LOSSES  # type: ignore[assignment]

    @override
    @classmethod
    def tag(cls, value: Any) -> str | None:
        kind = super().tag(value)
        return LOSS_ALIASES.get(kind, kind) if isinstance(kind, str) else None


if TYPE_CHECKING:
    Loss: TypeAlias = str | LossKind
else:
    Loss = tagged(
        {"name": LossName, "object": _LossByType},
        lambda v: "name" if isinstance(v, str) else "object",
    )


# --- the section --------------------------------------------------------------------------------

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


def _class_weight_kind(value: Any) -> str:
    if isinstance(value, dict) and any(isinstance(v, dict) for v in value.values()):
        return "per_output"
    return "all"


ClassWeights = dict[NonNegativeInt, Annotated[float, Field(ge=0)]]

if TYPE_CHECKING:
    ClassWeightSetting: TypeAlias = ClassWeights | dict[str, ClassWeights]
else:
    ClassWeightSetting = tagged(
        {"all": ClassWeights, "per_output": dict[str, ClassWeights]}, _class_weight_kind
    )

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
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] | None = Field(
        default=None,
        description="Random seed of the batch order and of the frameworks' generators (dropout "
        "masks); null: unseeded.",
    )
    callbacks: list[Callback] = Field(
        default=[],
        description="Keras callbacks run after each epoch, in order: EarlyStopping, "
        "ModelCheckpoint, ReduceLROnPlateau, CSVLogger, TensorBoard.",
    )
    class_weight: ClassWeightSetting | None = Field(
        default=None,
        description="Weight of each class id's samples in an output's loss (1.0 for a class "
        "not named): output name -> {class id: weight}, or {class id: weight} for a "
        "single-output model.",
    )
    sample_weight: dict[str, str] | None = Field(
        default=None,
        description="Per output name, the array of the data holding each sample's weight in "
        "that output's loss (shape (N,), or (N, steps) for a sequence output).",
    )
