"""The optimizer and loss kinds a spec's `training:` section names, as typed Pydantic models.

Each is its own model with only its own arguments, by Keras 3's names and defaults
(`keras.optimizers.*`, `keras.losses.*`), discriminated on `type`; an optimizer may also be
written as its name alone, a loss as its name (`mse`, or Keras' `mean_squared_error`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeAlias

from pydantic import BeforeValidator, Field

from .doctypes import Strict, tagged
from .params import P

Rate = Annotated[float, Field(gt=0)]
Fraction = Annotated[float, Field(ge=0, lt=1)]
NonNegative = Annotated[float, Field(ge=0)]


# --- optimizers ------------------------------------------------------------------------------


def _optimizer_shorthand(value: Any) -> Any:
    return {"type": value} if isinstance(value, str) else value


# The lines the optimizers share (the JSON Schema's descriptions).
OPTIMIZER = "Optimizer name."
LEARNING_RATE = "Step size of each update, > 0."
EPSILON = "Small constant added to the denominator for numerical stability, > 0."
MOMENTUM = "Momentum: the fraction of the previous update carried into the next, >= 0."


class Adam(Strict):
    """Keras' `Adam`: steps by moving averages of the gradients and of their squares."""

    type: Literal["adam"] = Field(description=OPTIMIZER)
    learning_rate: P[Rate] = Field(default=0.001, description=LEARNING_RATE)
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


class SGD(Strict):
    """Keras' `SGD`: gradient descent, with momentum if given."""

    type: Literal["sgd"] = Field(description=OPTIMIZER)
    learning_rate: P[Rate] = Field(default=0.01, description=LEARNING_RATE)
    momentum: P[NonNegative] = Field(default=0.0, description=MOMENTUM)
    nesterov: bool = Field(default=False, description="Whether to apply Nesterov momentum.")


class RMSprop(Strict):
    """Keras' `RMSprop`: steps divided by the root of the squared gradients' moving average."""

    type: Literal["rmsprop"] = Field(description=OPTIMIZER)
    learning_rate: P[Rate] = Field(default=0.001, description=LEARNING_RATE)
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
if TYPE_CHECKING:
    Optimizer: TypeAlias = OptimizerKind
else:
    Optimizer = Annotated[
        tagged(
            OPTIMIZERS, lambda v: v.get("type") if isinstance(v, dict) else getattr(v, "type", None)
        ),
        BeforeValidator(_optimizer_shorthand),
    ]


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


class _Loss(Strict):
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
