"""The `training:` section's learning-rate schedules and callbacks, as typed Pydantic models.

Each is its own model with Keras 3's name (`type`), arguments and defaults
(`keras.optimizers.schedules.*`, `keras.callbacks.*`), chosen by its `type` when validated
(`ByType`: only the kinds a spec uses are built). `optimization.py` imports this module, so it
is imported with it, when a spec has a `training:` section.

    optimizer: {type: adam, learning_rate: {type: ExponentialDecay, initial_learning_rate: 0.01,
                decay_steps: 100, decay_rate: 0.9}, clipnorm: 1.0}
    callbacks:
      - {type: EarlyStopping, monitor: val_loss, patience: 3, restore_best_weights: true}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Self, TypeAlias

from pydantic import Field, NonNegativeInt, PositiveInt, model_validator

from .bounds import Bounded
from .dispatch import ByType
from .doctypes import Strict, tagged
from .params import P

Rate = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]

# --- learning-rate schedules: a function of the optimizer's step count ------------------------

SCHEDULE = "Learning-rate schedule (Keras' class name)."
INITIAL = "Learning rate at step 0, > 0."
DECAY_STEPS = "Number of optimizer steps the decay is spread over, > 0."


class ExponentialDecay(Strict, Bounded):
    """Keras' `ExponentialDecay`: `initial_learning_rate * decay_rate ** (step / decay_steps)`
    (the exponent floored when `staircase`), `step` the optimizer's steps so far."""

    type: Literal["ExponentialDecay"] = Field(description=SCHEDULE)
    initial_learning_rate: P[Rate] = Field(description=INITIAL)
    decay_steps: P[PositiveInt] = Field(description=DECAY_STEPS)
    decay_rate: P[Rate] = Field(description="Factor per `decay_steps` steps, > 0.")
    staircase: bool = Field(
        default=False, description="Whether to decay in whole steps of `decay_steps`."
    )

    def at(self, step: int) -> float:
        """The learning rate at optimizer step `step` (0 for the first update)."""
        exponent = step / self.decay_steps
        return self.initial_learning_rate * self.decay_rate ** (
            float(int(exponent)) if self.staircase else exponent
        )


class CosineDecay(Strict, Bounded):
    """Keras' `CosineDecay`: an optional linear warm-up from `initial_learning_rate` to
    `warmup_target` over `warmup_steps`, then a cosine from the start value to `alpha` times it
    over `decay_steps`, constant after."""

    type: Literal["CosineDecay"] = Field(description=SCHEDULE)
    initial_learning_rate: P[NonNegative] = Field(
        description="Learning rate at step 0 (the warm-up's start when there is one), >= 0."
    )
    decay_steps: P[PositiveInt] = Field(description=DECAY_STEPS)
    alpha: P[Annotated[float, Field(ge=0, le=1)]] = Field(
        default=0.0, description="The final learning rate as a fraction of the decay's start."
    )
    warmup_target: P[Rate] | None = Field(
        default=None,
        description="Learning rate at the end of the warm-up (null: no warm-up), > 0.",
    )
    warmup_steps: P[NonNegativeInt] = Field(
        default=0, description="Number of optimizer steps of the linear warm-up."
    )

    def at(self, step: int) -> float:
        """The learning rate at optimizer step `step` (0 for the first update)."""
        import math

        start, steps = self.initial_learning_rate, float(step)
        if self.warmup_target is not None:
            steps = min(steps, self.decay_steps + self.warmup_steps)
            if steps < self.warmup_steps:
                fraction = steps / self.warmup_steps
                return (self.warmup_target - start) * fraction + start
            start, steps = self.warmup_target, steps - self.warmup_steps
        fraction = min(steps, self.decay_steps) / self.decay_steps
        cosine = 0.5 * (1.0 + math.cos(math.pi * fraction))
        return start * ((1 - self.alpha) * cosine + self.alpha)


class PiecewiseConstantDecay(Strict, Bounded):
    """Keras' `PiecewiseConstantDecay`: `values[0]` while `step <= boundaries[0]`, `values[i]`
    while `boundaries[i-1] < step <= boundaries[i]`, `values[-1]` after the last boundary."""

    type: Literal["PiecewiseConstantDecay"] = Field(description=SCHEDULE)
    boundaries: list[NonNegativeInt] = Field(
        min_length=1, description="Optimizer steps where the rate changes, increasing."
    )
    values: list[Rate] = Field(
        min_length=2, description="The learning rates, one more than `boundaries`, each > 0."
    )

    @model_validator(mode="after")
    def _one_more_value(self) -> Self:
        if len(self.values) != len(self.boundaries) + 1:
            raise ValueError(
                f"values needs one more entry than boundaries: {len(self.boundaries)} boundaries, "
                f"{len(self.values)} values"
            )
        if any(b >= a for a, b in zip(self.boundaries[1:], self.boundaries)):
            raise ValueError(f"boundaries must increase, got {self.boundaries}")
        return self

    def at(self, step: int) -> float:
        """The learning rate at optimizer step `step` (0 for the first update)."""
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return value
        return self.values[-1]


SCHEDULES = {
    "ExponentialDecay": ExponentialDecay,
    "CosineDecay": CosineDecay,
    "PiecewiseConstantDecay": PiecewiseConstantDecay,
}
ScheduleKind = ExponentialDecay | CosineDecay | PiecewiseConstantDecay


class _ScheduleByType(ByType):
    """A learning-rate schedule, by its `type`."""

    models = SCHEDULES  # type: ignore[assignment]


def _rate_or_schedule(value: Any) -> str:
    return "schedule" if isinstance(value, dict) or hasattr(value, "at") else "rate"


if TYPE_CHECKING:
    Schedule: TypeAlias = ScheduleKind
    LearningRate: TypeAlias = float | ScheduleKind
else:
    Schedule = _ScheduleByType
    LearningRate = tagged({"rate": P[Rate], "schedule": _ScheduleByType}, _rate_or_schedule)


# --- callbacks: what the loop does at the end of each epoch ------------------------------------

CALLBACK = "Callback (Keras' class name)."
MONITOR = (
    "The figure watched, by its name in the history (`val_loss`, `loss`, `val_accuracy`, "
    "`val_price_loss`, ...)."
)
MODE = (
    "Whether the figure improves downwards (min) or upwards (max); auto: min for a loss, the "
    "metric's own direction for a single-output model's metric, else an error (as in Keras)."
)
Mode = Literal["auto", "min", "max"]


class _Monitoring(Strict, Bounded):
    """What the callbacks that watch a figure share (Keras' `MonitorCallback`)."""

    monitors: ClassVar[bool] = True
    monitor: str = Field(default="val_loss", description=MONITOR)
    mode: Mode = Field(default="auto", description=MODE)


class EarlyStopping(_Monitoring):
    """Keras' `EarlyStopping`: stop when `monitor` has not improved by more than `min_delta` for
    `patience` epochs; `restore_best_weights`: end with the weights of the best epoch."""

    type: Literal["EarlyStopping"] = Field(description=CALLBACK)
    min_delta: P[NonNegative] = Field(
        default=0.0, description="Smallest change that counts as an improvement, >= 0."
    )
    patience: P[NonNegativeInt] = Field(
        default=0, description="Epochs without improvement after which training stops."
    )
    baseline: float | None = Field(
        default=None,
        description="A value to improve on: the waiting goes on until the figure beats it "
        "(null: none).",
    )
    restore_best_weights: bool = Field(
        default=False,
        description="Whether to end with the weights of the best epoch (when training ends, "
        "stopped early or not, as Keras 3 does).",
    )
    start_from_epoch: P[NonNegativeInt] = Field(
        default=0, description="Epochs to train before watching (a warm-up)."
    )


class ModelCheckpoint(_Monitoring):
    """Keras' `ModelCheckpoint`: save the model after each epoch (only when `monitor` improved,
    with `save_best_only`) to `filepath`, a `.keras` or `.pt` file as the back end writes."""

    type: Literal["ModelCheckpoint"] = Field(description=CALLBACK)
    filepath: str = Field(
        min_length=1,
        description="The model file, relative to the working directory; may hold `{epoch}` "
        "(from 1) and history names, formatted as by str.format (`best-{epoch:02d}.keras`).",
    )
    save_best_only: bool = Field(
        default=False, description="Whether to save only when `monitor` improved."
    )
    initial_value_threshold: float | None = Field(
        default=None, description="A value the first saved epoch must beat (null: none)."
    )


class ReduceLROnPlateau(_Monitoring):
    """Keras' `ReduceLROnPlateau`: multiply the learning rate by `factor` (not below `min_lr`)
    after `patience` epochs without an improvement larger than `min_delta`, then wait `cooldown`
    epochs. The history then holds each epoch's `learning_rate`."""

    type: Literal["ReduceLROnPlateau"] = Field(description=CALLBACK)
    factor: P[Annotated[float, Field(gt=0, lt=1)]] = Field(
        default=0.1, description="Factor of each reduction, 0 < factor < 1."
    )
    patience: P[NonNegativeInt] = Field(
        default=10, description="Epochs without improvement before a reduction."
    )
    min_delta: P[NonNegative] = Field(
        default=1e-4, description="Smallest change that counts as an improvement, >= 0."
    )
    cooldown: P[NonNegativeInt] = Field(
        default=0, description="Epochs to wait after a reduction before watching again."
    )
    min_lr: P[NonNegative] = Field(default=0.0, description="Lowest learning rate, >= 0.")


class CSVLogger(Strict, Bounded):
    """Keras' `CSVLogger`: one row per epoch (`epoch` from 0, then the history's names sorted,
    then `val_` twins as `NA` when there is no validation)."""

    monitors: ClassVar[bool] = False
    type: Literal["CSVLogger"] = Field(description=CALLBACK)
    filename: str = Field(
        min_length=1, description="The CSV file, relative to the working directory."
    )
    separator: str = Field(
        default=",", min_length=1, max_length=1, description="The field separator."
    )
    append: bool = Field(
        default=False, description="Whether to add to an existing file rather than replace it."
    )


class TensorBoard(Strict, Bounded):
    """Keras' `TensorBoard` (its epoch scalars): event files under `log_dir/train` and
    `log_dir/validation`, one scalar per figure and epoch (`epoch_loss`, step = epoch from 0),
    the learning rate as `epoch_learning_rate`."""

    monitors: ClassVar[bool] = False
    type: Literal["TensorBoard"] = Field(description=CALLBACK)
    log_dir: str = Field(
        default="logs",
        min_length=1,
        description="Directory of the event files, relative to the working directory.",
    )


CALLBACKS = {
    "EarlyStopping": EarlyStopping,
    "ModelCheckpoint": ModelCheckpoint,
    "ReduceLROnPlateau": ReduceLROnPlateau,
    "CSVLogger": CSVLogger,
    "TensorBoard": TensorBoard,
}
CallbackKind = EarlyStopping | ModelCheckpoint | ReduceLROnPlateau | CSVLogger | TensorBoard


class _CallbackByType(ByType):
    """A callback, by its `type`."""

    models = CALLBACKS  # type: ignore[assignment]


if TYPE_CHECKING:
    Callback: TypeAlias = CallbackKind
else:
    Callback = _CallbackByType


# --- gradient clipping: Keras' optimizer arguments --------------------------------------------


class Clipping(Bounded):
    """Keras' clipping arguments of every optimizer (at most one of them, as Keras allows)."""

    clipnorm: P[Rate] | None = Field(
        default=None, description="Clip each weight's gradient to this L2 norm (null: none), > 0."
    )
    clipvalue: P[Rate] | None = Field(
        default=None,
        description="Clip every gradient value to [-clipvalue, clipvalue] (null: none), > 0.",
    )
    global_clipnorm: P[Rate] | None = Field(
        default=None,
        description="Clip all gradients together to this global L2 norm (null: none), > 0.",
    )

    @model_validator(mode="after")
    def _at_most_one(self) -> Any:
        given = [n for n in ("clipnorm", "clipvalue", "global_clipnorm") if getattr(self, n)]
        if len(given) > 1:
            raise ValueError(
                f"only one of clipnorm, clipvalue and global_clipnorm can be set (Keras' rule), "
                f"got {' and '.join(given)}"
            )
        return self
