"""Training from the spec's `training:` section, the same way on either back end.

The loop is here, in the core; a back end supplies a `Trainer` that runs one epoch over batches
it is given and evaluates. So both back ends see the same split (Keras': the last
`validation_split` of the samples), the same batches in the same order (shuffled per epoch by
`training.seed`), and report the same figures under Keras' names:

    loss, val_loss                      the weighted sum of the per-output losses
    price_loss, direction_loss          each output's own loss (models with several outputs)
    direction_accuracy, accuracy        each metric, prefixed by its output when there are several

    result = modelspec.load("specs/stock_lstm.yaml").train("prices.npz", backend="torch")
    result.history[-1]["val_loss"], result.evaluation

Nothing here imports a framework; the back end's trainer does, when it is made.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .callbacks import preflight, runs
from .console import Progress, text_table
from .data import Arrays, check_arrays, read_npz
from .devices import check_device, check_dtype_policy, rank
from .errors import DataError
from .graph import Graph
from .logs import OnBatch, log_names
from .registry import backend as backend_named


class Trainer(Protocol):
    """What a back end provides: one epoch over given batches, and an evaluation."""

    model: Any

    def train_epoch(
        self, data: Arrays, batches: list[np.ndarray], on_batch: OnBatch
    ) -> dict[str, float]:
        """One epoch over `batches` (arrays of sample indices into `data`) in their order, calling
        `on_batch(batches done, running loss)` after each; the epoch's logs under Keras' names."""

    def evaluate(self, data: Arrays, batch_size: int) -> dict[str, float]:
        """The logs on `data` in batches of `batch_size`, in inference mode."""

    def save(self, path: str | os.PathLike, state: Mapping[str, Any] | None = None) -> None:
        """The trained model as a file at `path`, in the back end's format, with the optimizer's
        state and `state` (where the training stopped, JSON-able: `TrainResult.state`) in it."""

    def set_layer_weights(self, layer_name: str, weights: dict[str, np.ndarray]) -> None:
        """Set the weights of layer instance `layer_name` (Keras' names and layout)."""

    def get_weights(self) -> Any:
        """A copy of every weight of the model, trainable or not (not the optimizer's), in the
        back end's own form: what `set_weights` takes (EarlyStopping's best weights)."""

    def set_weights(self, weights: Any) -> None:
        """Set every weight from a copy `get_weights` made."""

    @property
    def learning_rate(self) -> float:
        """The optimizer's learning rate now (a schedule's value at the current step), as the
        float32 the optimizer holds."""

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        """Set the learning rate (not of a scheduled optimizer: validation refuses that)."""

    def scalar_writer(self, directory: str) -> ScalarWriter:
        """A TensorBoard event-file writer in `directory` (made if missing)."""


class ScalarWriter(Protocol):
    """What a back end's TensorBoard writer does: scalars by tag and step, flushed, closed."""

    def scalar(self, tag: str, value: float, step: int) -> None:
        """Record `value` under `tag` at `step`."""

    def flush(self) -> None:
        """Write what is recorded to the event file."""

    def close(self) -> None:
        """Flush and close the event file."""


def adapt(trainer: Trainer, graph: Graph, data: Arrays, echo: Callable[[str], None]) -> None:
    """Keras' `adapt` before `fit`: each Normalization without given statistics that reads a
    model input gets the mean and variance of that input in the training data (not the
    validation split). One that reads another node's output keeps its initial statistics, and
    `echo` says so (adapt it in Python with `Normalization.adapted`)."""
    for node in graph.nodes:
        layer = node.layer
        if node.kind != "Normalization" or getattr(layer, "mean", None) is not None or node.shared:
            continue
        source = node.inputs[0]
        if source not in graph.inputs:
            echo(
                f"note: Normalization {node.name!r} reads {source!r}, not a model input: not adapted"
            )
            continue
        trainer.set_layer_weights(node.layer_name, layer.adapted_weights(data.x[source]))  # type: ignore[attr-defined]


def make_trainer(
    graph: Graph,
    backend: str,
    model: Any = None,
    seed: int | None = None,
    source: str | None = None,
    optimizer: Any = None,
    **placement: Any,
) -> Trainer:
    """The back end's trainer for `graph` (building the model unless one is given); `source` is
    the spec's YAML, which a saved model carries. `optimizer`: the optimizer's state a saved
    model carried (`Resume.optimizer`), to continue from instead of a new optimizer.
    `placement`: `device`, `dtype_policy`, `distributed`, as `train` takes them."""
    options = {} if optimizer is None else {"optimizer": optimizer}
    return backend_named(backend).trainer(
        graph, model=model, seed=seed, source=source, **options, **placement
    )


@dataclass
class Resume:
    """Where a saved model's training stopped, read from its file (`modelspec.saved`): `epoch`,
    the epochs done; `batch_rng`, the batch order's generator state after them
    (`numpy.random.PCG64.state`), so a resumed run draws the batches an uninterrupted one draws;
    `history`, the figures of those epochs; `optimizer`, the back end's state to continue from
    (`read_saved`: torch's optimizer `state_dict` and generator; Keras', whose loaded model holds
    its optimizer, its seed generators), None to start a new optimizer."""

    epoch: int = 0
    batch_rng: dict[str, Any] | None = None
    history: list[dict[str, float]] = field(default_factory=list)
    optimizer: Any = None
    dtype_policy: str | None = None  # the policy it trained under (`--dtype-policy`), kept on

    @classmethod
    def from_state(cls, state: Mapping[str, Any] | None, optimizer: Any) -> Resume:
        """The resume point of a `TrainResult.state` as a file stored it (None: never trained)."""
        state = state or {}
        return cls(
            int(state.get("epoch", 0)),
            state.get("batch_rng"),
            [dict(e) for e in state.get("history", [])],
            optimizer,
            state.get("dtype_policy"),
        )


def batch_order(
    n: int, batch_size: int, shuffle: bool, rng: np.random.Generator
) -> list[np.ndarray]:
    """The sample indices of each batch of one epoch (the last batch may be smaller)."""
    order = rng.permutation(n) if shuffle else np.arange(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


@dataclass
class TrainResult:
    """What `train` returns: the trained model, the history per epoch, the final evaluation."""

    backend: str
    model: Any
    history: list[dict[str, float]]
    evaluation: dict[str, float]
    evaluated_on: str  # "validation split", "validation data" or "training data"
    trainer: Any = field(repr=False, default=None)
    seconds: float = 0.0
    initial_epoch: int = 0  # epochs done before this run (a resumed model's); history has them
    batch_rng: dict[str, Any] | None = field(repr=False, default=None)  # state after the last
    dtype_policy: str | None = None  # `--dtype-policy` it trained under (None: float32)

    @property
    def state(self) -> dict[str, Any]:
        """What a saved model carries to resume from (`Resume`): epochs done, the batch order's
        generator state, the history, the dtype policy."""
        return {
            "epoch": len(self.history),
            "batch_rng": self.batch_rng,
            "history": self.history,
            "dtype_policy": self.dtype_policy,
        }

    def history_dict(self) -> dict[str, list[float]]:
        """As Keras' `History.history`: name -> one value per epoch."""
        return {
            k: [epoch[k] for epoch in self.history]
            for k in (self.history[0] if self.history else {})
        }

    def save(self, path: str | os.PathLike) -> Path:
        """Save the model (`.keras` or `.pt`) and its history beside it; return the history's path."""
        from .files import write_atomic

        history = history_path(path)
        if getattr(self.trainer, "rank", 0):  # another process of a distributed run: rank 0 writes
            return history
        self.trainer.save(path, state=self.state)
        payload = {
            "backend": self.backend,
            "history": self.history_dict(),
            "evaluation": self.evaluation,
            "evaluated_on": self.evaluated_on,
        }
        write_atomic(history, json.dumps(payload, indent=2) + "\n")
        return history


def history_path(model_path: str | os.PathLike) -> Path:
    """`stock.keras` -> `stock.keras.history.json`: one per model file (a `stock.pt` beside it
    has its own)."""
    path = Path(model_path)
    return path.with_name(f"{path.name}.history.json")


def train(
    spec: Any,
    data: Mapping[str, np.ndarray] | str | os.PathLike,
    backend: str = "keras",
    *,
    epochs: int | None = None,
    model: Any = None,
    progress: bool = True,
    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
    echo: Callable[[str], None] | None = None,
    val_data: Mapping[str, np.ndarray] | str | os.PathLike | None = None,
    resume: Resume | None = None,
    device: str | None = None,
    dtype_policy: str | None = None,
    distributed: bool = False,
) -> TrainResult:
    """Train `spec` on `data` (an `.npz` path or a mapping of arrays) per its `training:` section.

    The data is checked against the spec before a framework is imported (`DataError`); an array
    the spec does not use is a warning (`echo`). `epochs` overrides the section's. `val_data`
    (the same kind of data) is the validation set, evaluated after each epoch (`val_*` figures)
    and at the end; `validation_split` is then ignored, as Keras' `fit(validation_data=)` ignores
    it (with a note). `resume`: continue a saved model (`model`, as `modelspec.saved` loaded it)
    from where it stopped: epochs count on from `resume.epoch` (`epochs` is then the final epoch,
    as with Keras' `fit(initial_epoch=)`), the batch order and the optimizer's state continue, and
    the history holds the earlier epochs too (`ValueError` when `epochs` leaves none to train).
    `on_epoch(epoch, logs)` is called after each epoch (it may raise to stop, as a pruned search
    trial does). `echo` receives one line per epoch (default: print). A `training.seed` seeds
    the batch order and, through each framework's global generators (`keras.utils.set_random_seed`,
    `torch.manual_seed`), dropout masks.

    `device`: auto (default), cpu, cuda, cuda:N or mps (`modelspec.devices`; `DeviceError`, before
    any model is built, for one the back end does not see). `dtype_policy`: Keras' float32
    (default), mixed_float16 or mixed_bfloat16 (torch back end). `distributed`: this process is one
    of those `torchrun` started (torch back end: each takes its part of every batch, DDP averages
    the gradients; only rank 0 echoes). `ValueError` for a name that is no device or policy.
    """
    graph = spec.graph if hasattr(spec, "graph") else spec
    t = graph.training_plan()
    backend_named(backend)  # ValueError naming the choices, before the data is read
    placement: dict[str, Any] = {
        "device": check_device(device),
        "dtype_policy": check_dtype_policy(dtype_policy),
    }
    if distributed:
        placement["distributed"] = True
    echo = echo or print
    if distributed and rank() != 0:  # rank 0 speaks for all
        echo, progress = (lambda line: None), False
    arrays = _checked(graph, data, echo)
    val_set: Arrays | None
    if val_data is not None:
        train_set, val_set = arrays, _checked(graph, val_data, echo, "validation data")
        if t.validation_split:
            echo(f"note: validation_split {t.validation_split} ignored: validation data is given")
    else:
        train_set, val_set = arrays.split(t.validation_split)
    fit_set = train_set.with_class_weights(t.outputs)  # Keras weighs the training data only
    preflight(t.callbacks, val_set is not None, backend_named(backend).check_path)
    resume = resume or Resume()
    if dtype_policy is None and resume.dtype_policy:  # a resumed model trains on as it trained
        placement["dtype_policy"] = check_dtype_policy(resume.dtype_policy)
    epochs = t.epochs if epochs is None else epochs
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    if epochs <= resume.epoch:
        raise ValueError(
            f"the model has trained {resume.epoch} epochs: epochs is the final epoch when it "
            f"resumes (as Keras' fit(initial_epoch=)), so it must be more than {resume.epoch}, "
            f"got {epochs}"
        )
    started = time.perf_counter()
    source = spec.to_yaml() if hasattr(spec, "to_yaml") else None
    trainer = make_trainer(
        graph,
        backend,
        model=model,
        seed=t.seed,
        source=source,
        optimizer=resume.optimizer,
        **placement,
    )
    if model is None:
        adapt(trainer, graph, train_set, echo)
    rng = np.random.default_rng(t.seed)
    if resume.batch_rng is not None:
        rng.bit_generator.state = resume.batch_rng
    history: list[dict[str, float]] = list(resume.history)
    names = log_names(graph)
    names += [f"val_{n}" for n in names] + ["learning_rate"]  # ReduceLROnPlateau's
    callbacks = runs(t, echo)
    for callback in callbacks:
        callback.begin(trainer)
    for epoch in range(resume.epoch + 1, epochs + 1):
        batches = batch_order(len(train_set), t.batch_size, t.shuffle, rng)
        with Progress(
            len(batches), f"epoch {epoch}/{epochs}", "batch", enabled=progress, leave=False
        ) as bar:
            logs = trainer.train_epoch(
                fit_set, batches, lambda done, loss: bar.update(done, _loss(loss))
            )
        if val_set is not None:
            logs.update({f"val_{k}": v for k, v in trainer.evaluate(val_set, t.batch_size).items()})
        for callback in callbacks:
            callback.epoch_end(epoch - 1, logs, trainer)
        logs = _in_order(logs, names)
        history.append(logs)
        echo(f"epoch {epoch}/{epochs}: " + "  ".join(f"{k} {v:.4g}" for k, v in logs.items()))
        if on_epoch is not None:
            on_epoch(epoch, logs)
        if any(callback.stop for callback in callbacks):
            break
    for callback in callbacks:
        callback.end(trainer)
    restored = any(getattr(c.spec, "restore_best_weights", False) for c in callbacks)
    if val_set is not None and not restored:  # the last epoch evaluated it already
        evaluated_on, evaluation = (
            "validation data" if val_data is not None else "validation split",
            {k[4:]: v for k, v in logs.items() if k.startswith("val_")},
        )
    elif val_set is not None:  # the weights are the best epoch's, not the last's
        evaluated_on = "validation data" if val_data is not None else "validation split"
        evaluation = _in_order(trainer.evaluate(val_set, t.batch_size), names)
    else:
        evaluated_on, evaluation = (
            "training data",
            _in_order(trainer.evaluate(train_set, t.batch_size), names),
        )
    return TrainResult(
        backend,
        trainer.model,
        history,
        evaluation,
        evaluated_on,
        trainer,
        time.perf_counter() - started,
        resume.epoch,
        dict(rng.bit_generator.state),
        placement["dtype_policy"],
    )


def _checked(
    graph: Graph,
    data: Mapping[str, np.ndarray] | str | os.PathLike,
    echo: Callable[[str], None],
    what: str = "",
) -> Arrays:
    """`data` read (an `.npz` path) and checked against the spec, its warnings echoed; `what`
    (`validation data`) prefixes its problems, which would otherwise read as the training data's."""
    try:
        arrays = check_arrays(
            graph,
            read_npz(data) if isinstance(data, (str, os.PathLike)) else data,
            weights_required=not what,  # a validation set is weighed only if it holds weights
        )
    except DataError as exc:
        if not what:
            raise
        raise DataError([f"{what}: {line}" for line in exc.problems]) from None
    for line in arrays.warnings:
        echo(f"{what}: {line}" if what else line)
    return arrays


def _loss(loss: float) -> str:
    return f"loss {loss:.4g}" if math.isfinite(loss) else "loss nan"


def _in_order(logs: dict[str, float], names: list[str]) -> dict[str, float]:
    """Figures in `log_names` order (loss first, then per output); a back end that reports other
    names is a bug that would make the two back ends' histories incomparable."""
    extra = set(logs) - set(names)
    if extra:
        raise RuntimeError(f"the trainer reported {sorted(extra)}, expected names among {names}")
    return {k: logs[k] for k in names if k in logs}


def history_table(history: list[dict[str, float]]) -> str:
    """The history as a text table: one row per epoch, one column per figure."""
    if not history:
        return "(no epochs)"
    names = list(history[0])
    rows = [[str(i), *(f"{e[k]:.4f}" for k in names)] for i, e in enumerate(history, 1)]
    return text_table(["epoch", *names], rows, ">" * (len(names) + 1))
