"""Training data: arrays named after the spec's inputs and outputs, checked before any training.

A data file is an `.npz` (`numpy.savez`) with one array per model input and one target per model
output, each named as in the spec. Every array is checked against the shapes and dtypes the core
inferred, and all of them against each other's length, so a mistake is reported naming the
array, with the expected and actual shapes, before a framework is imported.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .errors import DataError, did_you_mean
from .graph import Graph
from .layers.core import Embedding


@dataclass
class Arrays:
    """Inputs and targets keyed by name, all of one length, in the dtypes the back ends take."""

    x: dict[str, np.ndarray]
    y: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(next(iter(self.x.values())))

    def take(self, index: np.ndarray | slice) -> Arrays:
        """The samples at `index` (indices or a slice), inputs and targets alike."""
        return Arrays(
            {k: v[index] for k, v in self.x.items()}, {k: v[index] for k, v in self.y.items()}
        )

    def split(self, validation_split: float) -> tuple[Arrays, Arrays | None]:
        """Keras' split: the last `validation_split` of the samples, before any shuffling."""
        if not validation_split:
            return self, None
        at = int(np.floor(len(self) * (1.0 - validation_split)))
        if at == 0 or at == len(self):
            raise DataError(
                [
                    (
                        f"validation_split {validation_split} of {len(self)} samples leaves "
                        f"{at} to train on and {len(self) - at} to validate on"
                    )
                ]
            )
        return self.take(slice(0, at)), self.take(slice(at, None))


def read_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The arrays of an `.npz` file (never unpickling objects)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise DataError([f"{path}: no such file"])
    if not zipfile.is_zipfile(path):
        raise DataError(
            [
                (
                    f"{path}: not an .npz file (numpy.savez writes one: a zip of one array per input "
                    "and output)"
                )
            ]
        )
    try:
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(
            [f"{path}: not a readable .npz file ({' '.join(str(exc).split())})"]
        ) from None


def check_arrays(graph: Graph, arrays: Mapping[str, np.ndarray]) -> Arrays:
    """The arrays the graph's inputs and outputs need, checked and cast; `DataError` lists every problem.

    Targets may leave out a trailing axis of length 1 (`(N,)` for an output of shape `(1,)`), as
    Keras users write them; sparse class targets (an output whose loss in the training plan is a
    sparse crossentropy) are integers of the output's shape without its class axis. Float inputs
    accept integer arrays (cast to the input's dtype); integer inputs (token ids) refuse floats.
    A graph without a training plan has no targets to check (`DataError`).
    """
    plan = graph.training
    if plan is None:
        raise DataError(
            [f"spec {graph.name!r} has no `training:` section, so its targets have no kind"]
        )
    problems: list[str] = []
    known = [*graph.inputs, *graph.outputs]
    vocab = embedding_vocab(graph)
    lengths: dict[str, int] = {}
    x, y = {}, {}

    def get(name: str, role: str) -> np.ndarray | None:
        if name in arrays:
            value = np.asarray(arrays[name])
            if value.ndim == 0:
                problems.append(f"array {name!r}: a scalar; expected one row per sample")
                return None
            lengths[name] = len(value)
            return value
        unused = [k for k in arrays if k not in known]
        problems.append(
            f"array {name!r} ({role}) is missing{did_you_mean(name, unused)}; "
            f"the data holds {', '.join(map(repr, arrays)) or 'no arrays'}"
        )
        return None

    for name, t in graph.inputs.items():
        value = get(name, "model input")
        if value is None:
            continue
        want_int = t.dtype.startswith(("int", "uint"))
        ok = _integer(value) if want_int else _numeric(value)
        if not ok or not _fits(value.shape[1:], t.shape):
            problems.append(_mismatch(name, value, [t.shape], "integer" if want_int else "numeric"))
            continue
        problems += _out_of_range(
            name, value, vocab.get(name), "token ids (the Embedding's input_dim)"
        )
        x[name] = value.astype(t.dtype, copy=False)

    for output in plan.outputs:
        name = output.name
        value = get(name, "target of output")
        if value is None:
            continue
        shape = graph.tensor_type(name).shape
        sparse = output.sparse_targets
        if sparse:
            allowed, ok, dtype, kind = (
                [shape[:-1], (*shape[:-1], 1)],
                _integer(value),
                "int64",
                "integer class",
            )
        else:
            allowed = [shape, shape[:-1]] if shape[-1:] == (1,) else [shape]
            ok, dtype, kind = _numeric(value), "float32", "numeric"
        if not ok or not any(_fits(value.shape[1:], a) for a in allowed):
            problems.append(_mismatch(name, value, allowed, kind))
            continue
        classes = shape[-1] if sparse else None
        problems += _out_of_range(name, value, classes, "class ids (the output's units)")
        if not sparse and value.ndim == len(shape):  # (N,) for (N, 1)
            value = value[..., None]
        y[name] = value.astype(dtype, copy=False)

    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{k} has {n}" for k, n in lengths.items())
        problems.append(f"arrays differ in length (samples): {listed}")
    elif lengths and not next(iter(lengths.values())):
        problems.append("the arrays hold no samples")
    if problems:
        raise DataError(problems)
    return Arrays(x, y)


def embedding_vocab(graph: Graph) -> dict[str, int]:
    """Model input -> the ids it may hold: the smallest `input_dim` of the Embeddings that read it."""
    vocab: dict[str, int] = {}
    for node in graph.nodes:
        if isinstance(node.layer, Embedding):
            for name in node.inputs:
                vocab[name] = min(vocab.get(name, node.layer.input_dim), node.layer.input_dim)
    return vocab


def _out_of_range(name: str, value: np.ndarray, high: int | None, what: str) -> list[str]:
    """Ids outside [0, high), or NaN/infinite floats: values no back end can train on."""
    if value.dtype.kind == "f" and not np.isfinite(value).all():
        return [
            f"array {name!r}: {int(np.size(value) - np.isfinite(value).sum())} NaN or infinite values"
        ]
    if high is not None and value.size and (value.min() < 0 or value.max() >= high):
        return [
            f"array {name!r}: {what} must lie in [0, {high}), got {value.min()} to {value.max()}"
        ]
    return []


def _numeric(value: np.ndarray) -> bool:
    return value.dtype.kind in "biuf"  # booleans are 0/1 targets


def _integer(value: np.ndarray) -> bool:
    return value.dtype.kind in "iu"


def _fits(shape: tuple, want: tuple) -> bool:
    return len(shape) == len(want) and all(w is None or w == s for s, w in zip(shape, want))


def _mismatch(name: str, value: np.ndarray, allowed: list[tuple], kind: str) -> str:
    wants = " or ".join(_shape(("N", *a)) for a in allowed)
    return (
        f"array {name!r}: expected {kind} values of shape {wants}, "
        f"got {value.dtype} of shape {_shape(value.shape)}"
    )


def _shape(shape: tuple) -> str:
    parts = ["None" if d is None else str(d) for d in shape]
    return f"({parts[0]},)" if len(parts) == 1 else f"({', '.join(parts)})"
