"""The `training.callbacks` of a spec, run by the core's loop after each epoch, on either back end.

Keras 3's callbacks (keras/src/callbacks/*.py, Keras 3.15) written once, over the `Trainer`
protocol (`training.py`): a trainer gives and takes all its weights, reads and sets its
learning rate, saves its model and writes TensorBoard scalars; the rules are Keras' own:

- `MonitorCallback`: `mode: auto` is `min` for `loss`/`val_loss` and, for a single-output
  model's metric, the metric's direction (accuracies up, errors down); an improvement is
  `current + min_delta < best` (min) or `current - min_delta > best` (max); the first value
  always improves.
- `EarlyStopping`: `wait` counts epochs since the last improvement (reset only when the value
  also beats `baseline`); training stops once `wait >= patience` (not at the first epoch);
  `restore_best_weights` sets the best epoch's weights when training ends, stopped or not.
- `ReduceLROnPlateau`: logs `learning_rate`; in cooldown `wait` stays 0; after `patience` epochs
  without improvement the rate becomes `max(rate * factor, min_lr)` (if above `min_lr`).
- `ModelCheckpoint`: `filepath.format(epoch=epoch + 1, **logs)`, saved every epoch or, with
  `save_best_only`, when the monitored value improved on the best (or the threshold).
- `CSVLogger`: columns `epoch` (from 0) and the first epoch's names sorted, `val_` twins as NA
  when there is no validation; the file is rewritten whole (atomically) after each epoch.
- `TensorBoard`: `epoch_NAME` scalars at step `epoch` (from 0), the training figures and the
  learning rate under `log_dir/train`, the `val_` ones (without the prefix) under
  `log_dir/validation`.

Paths (`filepath`, `filename`, `log_dir`) are relative to the working directory, as in Keras.
Callbacks run in the order listed, on one `logs` mapping (ReduceLROnPlateau's `learning_rate`
reaches the callbacks after it, and the history).
"""

from __future__ import annotations

import csv
import io
import operator
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .errors import DataError, did_you_mean

if TYPE_CHECKING:
    from .optimization import Training
    from .plan import TrainingPlan
    from .training_kinds import CallbackKind

Trainer = Any  # a `training.Trainer` (that module imports this one)

# the direction of each metric a spec can name (Keras' `_direction` of its class)
UP = {"accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy"}
DOWN = {"mae", "mse", "mape"}


def plan_log_names(plan: TrainingPlan) -> list[str]:
    """The history's names without the `val_` twins (`logs.log_names`' rule)."""
    several = len(plan.outputs) > 1
    names = ["loss"] + [f"{o.name}_loss" for o in plan.outputs if several]
    return names + [f"{o}_{m}" if several else m for o, m in plan.metric_pairs]


def direction(monitor: str, mode: str, plan: TrainingPlan) -> str | None:
    """`min` or `max` for `monitor` under `mode` (Keras' `_set_monitor_op`); None where `auto`
    cannot tell: Keras looks the name up among the compiled metrics, whose names carry no output
    prefix, so a multi-output model's metric or output loss is unknown to it."""
    if mode != "auto":
        return mode
    name = monitor.removeprefix("val_")
    if name == "loss":
        return "min"
    if len(plan.outputs) == 1 and name in plan.outputs[0].metrics:
        return "max" if name in UP else "min" if name in DOWN else None
    return None


def training_problems(
    training: Training, plan: TrainingPlan, written: list[str]
) -> list[tuple[tuple, str]]:
    """What the section says that the plan cannot run: (path under `training`, message) each."""
    problems: list[tuple[tuple, str]] = []
    given = training.class_weight
    if given and len(written) > 1 and not all(isinstance(v, dict) for v in given.values()):
        problems.append(
            (
                ("class_weight",),
                (
                    "{class id: weight} is for a single-output model; key it by output name "
                    f"(outputs: {', '.join(written)})"
                ),
            )
        )
    for output in plan.outputs:
        if output.class_weight is not None and output.sample_weight is not None:
            key = written[[o.name for o in plan.outputs].index(output.name)]
            problems.append(
                (
                    ("sample_weight", key),
                    f"output {key!r} has a class_weight too; Keras takes one or the other",
                )
            )
    names = plan_log_names(plan)
    for i, callback in enumerate(training.callbacks):
        problems += [
            ((("callbacks", i, *p)), m) for p, m in _callback_problems(callback, plan, names)
        ]
    return problems


def _callback_problems(
    callback: CallbackKind, plan: TrainingPlan, names: list[str]
) -> list[tuple[tuple, str]]:
    problems: list[tuple[tuple, str]] = []
    if getattr(callback, "monitors", False):
        monitor = callback.monitor  # type: ignore[union-attr]
        if monitor.removeprefix("val_") not in names:
            known = [*names, *(f"val_{n}" for n in names)]
            problems.append(
                (
                    ("monitor",),
                    (
                        f"{monitor!r} is not a figure of the history{did_you_mean(monitor, known)}; "
                        f"figures: {', '.join(known)}"
                    ),
                )
            )
        elif direction(monitor, callback.mode, plan) is None:  # type: ignore[union-attr]
            problems.append(
                (
                    ("mode",),
                    (
                        f"mode auto cannot tell whether {monitor!r} improves down or up (nor can "
                        "Keras for a multi-output model's metric or an output's loss): give mode: "
                        "min or max"
                    ),
                )
            )
    schedule = plan.optimizer.learning_rate
    if callback.type == "ReduceLROnPlateau" and hasattr(schedule, "at"):
        problems.append(
            (
                (),
                (
                    f"ReduceLROnPlateau sets the learning rate, which the optimizer's schedule "
                    f"({schedule.type}) decides: use one or the other (Keras refuses to set a "  # type: ignore[union-attr]
                    "scheduled rate)"
                ),
            )
        )
    if callback.type == "ModelCheckpoint":
        figures = {n: 0.0 for n in names} | {f"val_{n}": 0.0 for n in names}
        try:
            callback.filepath.format(epoch=1, **figures)
        except KeyError as exc:
            problems.append((("filepath",), f"{{{exc.args[0]}}} names no figure of the history"))
        except (IndexError, ValueError) as exc:
            problems.append(
                (("filepath",), f"cannot be formatted with `epoch` and the history's names: {exc}")
            )
    return problems


def preflight(
    callbacks: Sequence[CallbackKind], validating: bool, check_path: Callable[[str], Any]
) -> None:
    """Refuse, before training, what the data or the back end makes impossible: a `val_` figure
    without validation data, a checkpoint file the back end does not write. `DataError`."""
    problems = []
    for callback in callbacks:
        monitor = getattr(callback, "monitor", None)
        if monitor and monitor.startswith("val_") and not validating:
            problems.append(
                f"{callback.type} watches {monitor!r}, but there is no validation data "
                "(set training.validation_split, or watch a training figure such as 'loss')"
            )
        if callback.type == "ModelCheckpoint":
            try:
                check_path(callback.filepath)
            except ValueError as exc:
                problems.append(f"ModelCheckpoint filepath: {exc}")
        for field in ("filepath", "filename", "log_dir"):
            path = getattr(callback, field, None)
            if path is not None:
                problems += _folder_problems(callback.type, field, str(path))
    if problems:
        raise DataError(problems)


def _folder_problems(kind: str, field: str, path: str) -> list[str]:
    """Make the folder a callback writes in (as Keras' ModelCheckpoint and TensorBoard make
    theirs), and check that it can be written, before training rather than after an epoch."""
    from .files import cannot_write_in

    folder = os.path.abspath(path if field == "log_dir" else os.path.dirname(path) or ".")
    if "{" in folder:  # a folder named after the epoch's figures: made when it is written
        return []
    why = cannot_write_in(folder, make=True)
    return [f"{kind} {field}: cannot write in {folder} ({why})"] if why else []


class Monitor:
    """Keras' `MonitorCallback`: the comparison of a watched figure with the best so far."""

    def __init__(self, monitor: str, mode: str, plan: TrainingPlan, min_delta: float = 0.0):
        self.monitor = monitor
        chosen = direction(monitor, mode, plan) or "min"  # validation refused None
        self.op = operator.lt if chosen == "min" else operator.gt
        self.min_delta = -abs(min_delta) if chosen == "min" else abs(min_delta)
        self.best: float | None = None

    def improves(self, current: float, reference: float | None) -> bool:
        """Whether `current` improves on `reference` (always on None), Keras' `_is_improvement`."""
        return reference is None or bool(self.op(current - self.min_delta, reference))


class Run:
    """One callback while training: what the loop calls. `stop` asks the loop to stop."""

    stop = False

    def __init__(self, spec: Any, plan: TrainingPlan, echo: Callable[[str], None]):
        self.spec, self.echo = spec, echo

    def begin(self, trainer: Trainer) -> None:
        """Before the first epoch."""

    def epoch_end(self, epoch: int, logs: dict[str, float], trainer: Trainer) -> None:
        """After epoch `epoch` (from 0) with its `logs`, which it may add to."""

    def end(self, trainer: Trainer) -> None:
        """After the last epoch (or the one a callback stopped at)."""


class EarlyStoppingRun(Run):
    """Keras' `EarlyStopping` (see the module's rules)."""

    def __init__(self, spec: Any, plan: TrainingPlan, echo: Callable[[str], None]):
        super().__init__(spec, plan, echo)
        self.watch = Monitor(spec.monitor, spec.mode, plan, spec.min_delta)
        self.best_weights: Any = None
        self.wait, self.best_epoch, self.stopped_epoch = 0, 0, 0

    def epoch_end(self, epoch: int, logs: dict[str, float], trainer: Trainer) -> None:
        """Count, remember the best, stop after `patience`."""
        current, spec = logs.get(self.spec.monitor), self.spec
        if current is None or epoch < spec.start_from_epoch:
            return
        if spec.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = trainer.get_weights(), epoch
        self.wait += 1
        if self.watch.improves(current, self.watch.best):
            self.watch.best, self.best_epoch = current, epoch
            if spec.restore_best_weights:
                self.best_weights = trainer.get_weights()
            if spec.baseline is None or self.watch.improves(current, spec.baseline):
                self.wait = 0
            return
        if self.wait >= spec.patience and epoch > 0:
            self.stopped_epoch, self.stop = epoch, True

    def end(self, trainer: Trainer) -> None:
        """Say where it stopped; restore the best weights."""
        if self.stop:
            self.echo(
                f"early stopping after epoch {self.stopped_epoch + 1}: {self.spec.monitor} did "
                f"not improve for {self.wait} epochs"
            )
        if self.spec.restore_best_weights and self.best_weights is not None:
            trainer.set_weights(self.best_weights)
            self.echo(f"restored the weights of the best epoch, {self.best_epoch + 1}")


class ReduceLROnPlateauRun(Run):
    """Keras' `ReduceLROnPlateau` (see the module's rules)."""

    def __init__(self, spec: Any, plan: TrainingPlan, echo: Callable[[str], None]):
        super().__init__(spec, plan, echo)
        self.watch = Monitor(spec.monitor, spec.mode, plan, spec.min_delta)
        self.wait, self.cooldown = 0, 0

    def epoch_end(self, epoch: int, logs: dict[str, float], trainer: Trainer) -> None:
        """Log the rate; reduce it after `patience` epochs without improvement."""
        logs["learning_rate"] = rate = trainer.learning_rate
        current, spec = logs.get(spec_monitor := self.spec.monitor), self.spec
        if current is None:
            return
        if self.cooldown > 0:
            self.cooldown -= 1
            self.wait = 0
        if self.watch.improves(current, self.watch.best):
            self.watch.best, self.wait = current, 0
        elif self.cooldown <= 0:
            self.wait += 1
            if self.wait >= spec.patience and rate > _float32(spec.min_lr):
                trainer.learning_rate = max(rate * spec.factor, spec.min_lr)
                self.echo(
                    f"epoch {epoch + 1}: {spec_monitor} did not improve for {self.wait} epochs; "
                    f"learning rate {trainer.learning_rate:.4g}"
                )
                self.cooldown, self.wait = spec.cooldown, 0


class ModelCheckpointRun(Run):
    """Keras' `ModelCheckpoint` (see the module's rules)."""

    def __init__(self, spec: Any, plan: TrainingPlan, echo: Callable[[str], None]):
        super().__init__(spec, plan, echo)
        self.watch = Monitor(spec.monitor, spec.mode, plan)
        self.watch.best = spec.initial_value_threshold

    def epoch_end(self, epoch: int, logs: dict[str, float], trainer: Trainer) -> None:
        """Save the model (if it improved, with `save_best_only`)."""
        path = self.spec.filepath.format(epoch=epoch + 1, **logs)
        if self.spec.save_best_only:
            current = logs.get(self.spec.monitor)
            if current is not None and not self.watch.improves(current, self.watch.best):
                return
            self.watch.best = current
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)  # as Keras' ModelCheckpoint
        trainer.save(path)


class CSVLoggerRun(Run):
    """Keras' `CSVLogger` (see the module's rules)."""

    def __init__(self, spec: Any, plan: TrainingPlan, echo: Callable[[str], None]):
        super().__init__(spec, plan, echo)
        self.before, self.header = "", True
        self.keys: list[str] | None = None
        self.rows: list[dict[str, Any]] = []

    def begin(self, trainer: Trainer) -> None:
        """Read what an `append` adds to."""
        if self.spec.append and os.path.exists(self.spec.filename):
            with open(self.spec.filename, encoding="utf-8", newline="") as handle:
                self.before = handle.read()
            self.header = not self.before.split("\n", 1)[0]

    def epoch_end(self, epoch: int, logs: dict[str, float], trainer: Trainer) -> None:
        """Add the epoch's row and write the file (rank 0 of a distributed run)."""
        from .files import write_atomic

        if getattr(trainer, "rank", 0):
            return
        if self.keys is None:
            self.keys = sorted(logs)
            if not any(k.startswith("val_") for k in self.keys):
                self.keys += [f"val_{k}" for k in self.keys]
        self.rows.append({"epoch": epoch, **{k: logs.get(k, "NA") for k in self.keys}})
        text = io.StringIO()
        writer = csv.DictWriter(
            text, fieldnames=["epoch", *self.keys], delimiter=self.spec.separator
        )
        if self.header:
            writer.writeheader()
        writer.writerows(self.rows)
        write_atomic(self.spec.filename, self.before + text.getvalue())


class TensorBoardRun(Run):
    """Keras' `TensorBoard` epoch scalars (see the module's rules), written by the back end."""

    def __init__(self, spec: Any, plan: TrainingPlan, echo: Callable[[str], None]):
        super().__init__(spec, plan, echo)
        self.writers: dict[str, Any] = {}

    def _writer(self, trainer: Trainer, part: str) -> Any:
        if part not in self.writers:
            self.writers[part] = trainer.scalar_writer(os.path.join(self.spec.log_dir, part))
        return self.writers[part]

    def epoch_end(self, epoch: int, logs: dict[str, float], trainer: Trainer) -> None:
        """Write the epoch's scalars (rank 0 of a distributed run)."""
        if getattr(trainer, "rank", 0):
            return
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        train["learning_rate"] = trainer.learning_rate
        validation = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        for part, figures in (("train", train), ("validation", validation)):
            if figures:
                writer = self._writer(trainer, part)
                for name, value in figures.items():
                    writer.scalar(f"epoch_{name}", value, epoch)
                writer.flush()

    def end(self, trainer: Trainer) -> None:
        """Close the event files."""
        for writer in self.writers.values():
            writer.close()


RUNS: dict[str, type[Run]] = {
    "EarlyStopping": EarlyStoppingRun,
    "ReduceLROnPlateau": ReduceLROnPlateauRun,
    "ModelCheckpoint": ModelCheckpointRun,
    "CSVLogger": CSVLoggerRun,
    "TensorBoard": TensorBoardRun,
}


def runs(plan: TrainingPlan, echo: Callable[[str], None]) -> list[Run]:
    """One `Run` per callback of the plan, in order."""
    return [RUNS[c.type](c, plan, echo) for c in plan.callbacks]


def _float32(value: float) -> float:
    """`value` as the float32 Keras holds a learning rate in."""
    import numpy as np

    return float(np.float32(value))
