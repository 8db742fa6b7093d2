"""modelspec: describe a neural network once, as a typed YAML graph; check it, infer its shapes,
draw it, and compile it to Keras 3 or PyTorch.

    >>> import modelspec
    >>> spec = modelspec.load("specs/stock_lstm.yaml")
    >>> print(spec.summary())

This package never imports TensorFlow, Keras or PyTorch; `modelspec.backends` does, lazily,
reached through the table of back ends (`modelspec.registry`).
"""

import os
from typing import Any

from .errors import (
    BackendError,
    DataError,
    ImportProblems,
    Location,
    MissingFramework,
    Problem,
    SpecError,
)
from .graph import Graph, Node, TensorType
from .spec import Analysis, Spec, analyse, load, loads

__version__ = "0.1.0"


def load_torch(path: str | os.PathLike) -> Any:
    """The torch module saved by `modelspec compile --backend torch`: rebuilt from the spec
    inside the file, with its weights, in eval mode. `MissingFramework` without torch installed,
    `SpecError` if the embedded spec no longer validates."""
    from .registry import BACKENDS

    return BACKENDS["torch"].load(path)


def load_model(path: str | os.PathLike) -> Any:
    """A model file `modelspec train -o` or `compile` wrote (`.keras` or `.pt`), loaded with its
    spec and training state: a `modelspec.saved.SavedModel` with `.evaluate(data)`,
    `.predict(data)` and `.train(data, epochs=)` (which resumes), as Keras' `load_model` gives a
    model with `evaluate` and `predict`. Imports the file's back end's framework."""
    from .saved import load_model as load

    return load(path)


def evaluate(model: Any, data: Any, batch_size: int | None = None) -> dict[str, float]:
    """Keras' `model.evaluate(..., return_dict=True)` of a model file (a path, or what
    `load_model` gave) on `data` (an `.npz` path or arrays by name); see `modelspec.saved`."""
    from .saved import evaluate as run

    return run(model, data, batch_size)


def predict(model: Any, data: Any, batch_size: int | None = None) -> dict[str, Any]:
    """Keras' `model.predict` of a model file (a path, or what `load_model` gave) on `data`'s
    inputs: one array per output, by output name; see `modelspec.saved`."""
    from .saved import predict as run

    return run(model, data, batch_size)


def from_keras(model: Any, weights: str | os.PathLike | None = None, blocks: bool = True) -> Spec:
    """The spec of a Keras model (`modelspec import` in Python), and with `weights` its weights
    written to that safetensors file, for `spec.to_torch(weights=...)` and the rest (`blocks`:
    repeated sub-graphs written as blocks, see `modelspec.keras_import.blocks`). Imports no
    framework (the model is given). `ImportProblems` lists every layer, argument or op of the
    model that no kind expresses (see `modelspec.keras_import`)."""
    from .keras_import import from_keras as import_model

    return import_model(model, weights, blocks)


def transfer_weights(src: Any, dst: Any, spec: Any = None) -> None:
    """Copy every weight of `src` into `dst`: a Keras model into the torch module built from the
    same spec, or the other way (see `modelspec.backends.transfer.transfer_weights`).
    `BackendError` for two models of one framework, or for models not built by modelspec in
    this process when `spec` is not given."""
    from .registry import TRANSFER_WEIGHTS

    TRANSFER_WEIGHTS(src, dst, spec)


__all__ = [
    "Analysis",
    "BackendError",
    "DataError",
    "Graph",
    "ImportProblems",
    "Location",
    "MissingFramework",
    "Node",
    "Problem",
    "Spec",
    "SpecError",
    "TensorType",
    "analyse",
    "evaluate",
    "from_keras",
    "load",
    "load_model",
    "load_torch",
    "loads",
    "predict",
    "transfer_weights",
]
