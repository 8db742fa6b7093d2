"""A model file `modelspec train` or `compile` wrote, loaded again: evaluate, predict, train on.

    model = modelspec.load_model("stock.pt")        # or a .keras file: the same calls
    model.evaluate("test.npz")                      # {"loss": ..., "price_loss": ..., ...}
    model.predict("x.npz")                          # {"price": array, "direction": array}
    model.train("prices.npz", epochs=8)             # resumes: epochs 6..8, optimizer state kept

As Keras' `keras.saving.load_model(path)` gives a model with `evaluate` and `predict`. Both kinds of
file carry the spec's YAML and, once trained, where training stopped (`training.Resume`): a `.pt`
in its `torch.save` payload, a `.keras` in a `modelspec.json` beside Keras' own files. The spec
gives the data check, the outputs' names and the figures' names, the same on both back ends.

Nothing here imports a framework; the back end named by the file's suffix does, when it loads it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .data import Arrays, check_arrays, read_npz
from .errors import DataError
from .logs import log_names
from .registry import backend_for_file
from .training import Resume, TrainResult, make_trainer, train

Data = Mapping[str, np.ndarray] | str | os.PathLike


@dataclass
class SavedModel:
    """A loaded model file: `path`, `backend` (its name), `spec` (the spec it was built from,
    as the file carries it), `model` (the Keras model or torch module, its weights loaded) and
    `resume` (where its training stopped: epoch 0 for a compiled, untrained one)."""

    path: str
    backend: str
    spec: Any
    model: Any
    resume: Resume

    def evaluate(self, data: Data, batch_size: int | None = None) -> dict[str, float]:
        """Keras' `model.evaluate(x, y, return_dict=True)` on `data` (an `.npz` path or arrays
        by name, inputs and targets): the loss, each output's loss (several outputs) and every
        metric, by Keras' names, in batches of `batch_size` samples (default: the spec's
        `training.batch_size`). `DataError` for data that does not fit the spec, or for a model
        whose spec has no `training:` section (no loss to evaluate)."""
        graph = self.spec.graph
        if graph.training is None:
            raise DataError(
                [
                    (
                        f"{self.path}: spec {self.spec.name!r} has no `training:` section, so "
                        "the model has no loss or metrics to evaluate (it can predict)"
                    )
                ]
            )
        arrays = _arrays(graph, data, targets=True)
        trainer = make_trainer(
            graph, self.backend, model=self.model, source=self.spec.to_yaml(),
            optimizer=self.resume.optimizer,
        )  # fmt: skip
        logs = trainer.evaluate(arrays, batch_size or graph.training.batch_size)
        return {name: logs[name] for name in log_names(graph) if name in logs}

    def predict(self, data: Data, batch_size: int | None = None) -> dict[str, np.ndarray]:
        """Keras' `model.predict(x)`: one array per model output, by output name, in output order,
        in inference mode, from `data`'s input arrays (targets may be there too; they are not
        read) in batches of `batch_size` samples (default: `training.batch_size`, else 32).
        `DataError` for inputs that do not fit the spec."""
        from .registry import BACKENDS

        graph = self.spec.graph
        arrays = _arrays(graph, data, targets=False)
        size = batch_size or (graph.training.batch_size if graph.training else 32)
        run = BACKENDS[self.backend].run
        parts: list[list[np.ndarray]] = []
        for start in range(0, len(arrays), size):
            batch = arrays.take(slice(start, start + size))
            parts.append(run(self.model, graph, batch.x))
        return {name: np.concatenate([p[i] for p in parts]) for i, name in enumerate(graph.outputs)}

    def train(self, data: Data, **options: Any) -> TrainResult:
        """Continue training on `data` from where the file stopped (`training.train` with
        `resume`): the optimizer's state, the batch order and the epoch count go on, so a run
        of k epochs saved and resumed to k + m equals a run of k + m. `epochs` is the final epoch
        (default: `training.epochs`), as in Keras' `fit(initial_epoch=)`."""
        return train(self.spec, data, self.backend, model=self.model, resume=self.resume, **options)


def load_model(path: str | os.PathLike) -> SavedModel:
    """The model file at `path` (`.keras` or `.pt`, which `modelspec train -o` or `compile`
    wrote) with its spec and training state. `ValueError` for another suffix, `DataError` for a
    missing file, `BackendError` for a file its back end cannot read or that carries no spec."""
    from . import loads
    from .errors import BackendError

    chosen = backend_for_file(path)
    where = os.fspath(path)
    if not os.path.isfile(where):
        raise DataError([f"{where}: no such file"])
    model, text, state, optimizer = chosen.read_saved(where)
    if text is None:
        raise BackendError(
            f"{where}: the file carries no spec (it was written before modelspec stored one, or "
            "not by modelspec): compile or train it again"
        )
    spec = loads(text, source=where)
    return SavedModel(where, chosen.name, spec, model, Resume.from_state(state, optimizer))


def evaluate(
    model: SavedModel | str | os.PathLike, data: Data, batch_size: int | None = None
) -> dict[str, float]:
    """`load_model(model).evaluate(data, batch_size)` (`model` a path or a `SavedModel`)."""
    return _loaded(model).evaluate(data, batch_size)


def predict(
    model: SavedModel | str | os.PathLike, data: Data, batch_size: int | None = None
) -> dict[str, np.ndarray]:
    """`load_model(model).predict(data, batch_size)` (`model` a path or a `SavedModel`)."""
    return _loaded(model).predict(data, batch_size)


def _loaded(model: SavedModel | str | os.PathLike) -> SavedModel:
    return model if isinstance(model, SavedModel) else load_model(model)


def _arrays(graph: Any, data: Data, targets: bool) -> Arrays:
    arrays = check_arrays(  # weighed as Keras' evaluate: only by the weights the data holds
        graph,
        read_npz(data) if isinstance(data, (str, os.PathLike)) else data,
        targets,
        weights_required=False,
    )
    for line in arrays.warnings:
        print(line, file=sys.stderr)
    return arrays
