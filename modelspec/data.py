"""Training data: arrays named after the spec's inputs and outputs, checked before any training.

A data file is an `.npz` (`numpy.savez`) with one array per model input and one target per model
output, each named as in the spec. Every array is checked against the shapes and dtypes the core
inferred, and all of them against each other's length, so a mistake is reported naming the
array, with the expected and actual shapes, before a framework is imported.
"""

from __future__ import annotations

import math
import os
import stat
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import DataError, did_you_mean
from .graph import Graph
from .layers.base import ShapeError
from .layers.core import Embedding
from .limits import available_memory, size_text


@dataclass
class Arrays:
    """Inputs and targets keyed by name, all of one length, in the dtypes the back ends take.
    `warnings`: one line per array given that is no input or output of the spec (not used).
    `w`: per output (some or none), each sample's weight in its loss (float32, shape (N,), or
    (N, steps) for a sequence output)."""

    x: dict[str, np.ndarray]
    y: dict[str, np.ndarray]
    warnings: list[str] = field(default_factory=list)
    w: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(next(iter(self.x.values())))

    def take(self, index: np.ndarray | slice) -> Arrays:
        """The samples at `index` (indices or a slice), inputs, targets and weights alike."""
        return Arrays(
            {k: v[index] for k, v in self.x.items()},
            {k: v[index] for k, v in self.y.items()},
            w={k: v[index] for k, v in self.w.items()},
        )

    def with_class_weights(self, outputs: Any) -> Arrays:
        """These arrays with each `OutputPlan` that has a `class_weight` weighing its samples by
        their class (`class_sample_weights`): Keras turns class weights into sample weights of
        the training data only, so the validation data keeps its own."""
        weights = dict(self.w)
        for output in outputs:
            if output.class_weight is not None:
                weights[output.name] = class_sample_weights(
                    self.y[output.name], output.class_weight
                )
        return Arrays(self.x, self.y, self.warnings, weights)

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


def class_sample_weights(y: np.ndarray, class_weight: Mapping[int, float]) -> np.ndarray:
    """Each sample's weight by its class, as Keras' `class_weight_to_sample_weights` computes
    it (keras/src/trainers/data_adapters/data_adapter_utils.py): the class is the argmax over the
    last axis of a target with several columns (one-hot), else the target rounded (a 0/1
    column, or class ids); a class not in `class_weight` weighs 1. float32, shape (N,)."""
    ids = y
    if ids.ndim > 1:
        ids = np.argmax(ids, axis=-1) if ids.shape[-1] != 1 else np.squeeze(ids, axis=-1)
    ids = np.round(ids).astype("int32").reshape(len(y), -1)[:, 0]
    return np.array([class_weight.get(int(i), 1.0) for i in ids], dtype="float32")


def read_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The arrays of an `.npz` file (never unpickling objects). What they take in memory is read
    from the file's headers first (`npz_sizes`), so a file that would inflate past the memory
    there is (or a device such as /dev/zero) is refused before any array is read."""
    path = os.fspath(path)
    try:
        handle = open(path, "rb")  # noqa: SIM115  (closed below, after np.load read it)
    except OSError as exc:
        why = (
            "no such file"
            if isinstance(exc, FileNotFoundError)
            else f"cannot read it: {exc.strerror}"
        )
        raise DataError([f"{path}: {why}"]) from None
    with handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise DataError(
                [f"{path}: not a file (an .npz file is a zip of one array per input and output)"]
            )
        if not zipfile.is_zipfile(handle):
            raise DataError(
                [
                    (
                        f"{path}: not an .npz file (numpy.savez writes one: a zip of one array "
                        "per input and output)"
                    )
                ]
            )
        try:
            members = npz_members(handle)
            problems = npz_problems(path, members, available_memory())
            if not problems:
                handle.seek(0)
                with np.load(handle, allow_pickle=False) as data:
                    return {name: data[name] for name in data.files}
        except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
            problems = [f"{path}: not a readable .npz file ({' '.join(str(exc).split())})"]
        raise DataError(problems)


@dataclass(frozen=True)
class NpzMember:
    """One array of an `.npz` file as its headers describe it: the zip's size of the member
    (`stored`, the `.npy` file's bytes once inflated) and, from the `.npy` header, the array's
    shape and dtype (None where the header is of a version not read here)."""

    name: str
    stored: int
    shape: tuple[int, ...] | None = None
    dtype: np.dtype | None = None

    @property
    def nbytes(self) -> int:
        """The bytes the array takes once read: what its header says (or, else, its size)."""
        if self.shape is None or self.dtype is None:
            return self.stored
        return math.prod(self.shape) * self.dtype.itemsize


def npz_members(handle: Any) -> list[NpzMember]:
    """The members of the zip `handle` as their headers describe them, reading no array."""
    headers = {
        (1, 0): np.lib.format.read_array_header_1_0,
        (2, 0): np.lib.format.read_array_header_2_0,
    }
    members = []
    handle.seek(0)
    with zipfile.ZipFile(handle) as archive:
        for info in archive.infolist():
            member = NpzMember(info.filename, info.file_size)
            if info.filename.endswith(".npy"):
                with archive.open(info) as npy:
                    read_header = headers.get(np.lib.format.read_magic(npy))
                    if read_header is not None:
                        shape, _, dtype = read_header(npy)
                        member = NpzMember(info.filename, info.file_size, tuple(shape), dtype)
            members.append(member)
    return members


def npz_problems(path: str, members: list[NpzMember], memory: int | None) -> list[str]:
    """What makes the arrays unreadable before they are read: an array whose header claims more
    than its member holds, or arrays that take more than the `memory` there is."""
    problems = [
        f"{path}: {m.name} is damaged: its header says {m.dtype} of shape {_shape(m.shape or ())} "
        f"({m.nbytes:,} bytes), its file holds {m.stored:,}"
        for m in members
        if m.nbytes > m.stored
    ]
    total = sum(m.nbytes for m in members)
    if not problems and memory is not None and total > memory:
        largest = ", ".join(
            f"{m.name.removesuffix('.npy')} {size_text(m.nbytes)}"
            for m in sorted(members, key=lambda m: -m.nbytes)[:3]
        )
        problems.append(
            f"{path}: its arrays take {size_text(total)} once read ({largest}), more than the "
            f"{size_text(memory)} of memory available"
        )
    return problems


def check_arrays(
    graph: Graph,
    arrays: Mapping[str, np.ndarray],
    targets: bool = True,
    weights_required: bool = True,
) -> Arrays:
    """The arrays the graph's inputs and outputs need, checked and cast; `DataError` lists every problem.

    Targets may leave out a trailing axis of length 1 (`(N,)` for an output of shape `(1,)`), as
    Keras users write them; sparse class targets (an output whose loss in the training plan is a
    sparse crossentropy) are integers of the output's shape without its class axis. Float inputs
    accept integer arrays (cast to the input's dtype); integer inputs (token ids) refuse floats.
    An unknown (`null`) length that the spec ties between an input and a target (a Dense per
    step of a `[null, 4]` sequence) must be the same in both arrays (`tied_lengths`). An array
    that is no input or output is listed in `Arrays.unused` (a warning, not an error).
    `targets=False` (for `predict`) checks the inputs only (`y` is empty) and needs no training
    plan; with targets, a graph without a training plan has no targets to check (`DataError`).
    Sample weights (`training.sample_weight`) are non-negative; `weights_required=False` (a
    validation or test set: Keras' `validation_data` and `evaluate` weigh only when given weights)
    uses those the data holds and needs none.
    """
    plan = graph.training
    if targets and plan is None:
        raise DataError(
            [f"spec {graph.name!r} has no `training:` section, so its targets have no kind"]
        )
    problems: list[str] = []
    weighted = [
        o
        for o in (plan.outputs if targets and plan else ())
        if o.sample_weight and (weights_required or str(o.sample_weight) in arrays)
    ]
    known = [*graph.inputs, *graph.outputs, *(str(o.sample_weight) for o in weighted)]
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
        found = _out_of_range(
            name, value, vocab.get(name), "token ids (the Embedding's input_dim)"
        ) or _unrepresentable(name, value, t.dtype)
        problems += found
        if not found:
            x[name] = value.astype(t.dtype, copy=False)

    for output in plan.outputs if targets and plan is not None else ():
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
        found = _out_of_range(
            name, value, classes, "class ids (the output's units)"
        ) or _unrepresentable(name, value, dtype)
        problems += found
        if not sparse and value.ndim == len(shape):  # (N,) for (N, 1)
            value = value[..., None]
        if not found:
            y[name] = value.astype(dtype, copy=False)

    w = {}
    for output in weighted:
        weights_name = str(output.sample_weight)
        value = get(weights_name, f"sample weights of output {output.name!r}")
        if value is None:
            continue
        # Keras multiplies the weights into the loss' values: one per sample, or one per step
        # of a sequence output, the output's shape without its last axis (a 1 left out or not)
        steps = graph.tensor_type(output.name).shape[:-1]
        allowed = [steps, (*steps, 1)] if steps else [(), (1,)]
        if not _numeric(value) or not any(_fits(value.shape[1:], a) for a in allowed):
            problems.append(_mismatch(weights_name, value, allowed[:1], "numeric"))
            continue
        target = y.get(output.name)
        if (
            target is not None
            and value.shape[1 : 1 + len(steps)] != target.shape[1 : 1 + len(steps)]
        ):
            problems.append(
                f"array {weights_name!r} has shape {_shape(value.shape)}, but its output's "
                f"target {output.name!r} has {_shape(target.shape)}: one weight per sample and step"
            )
            continue
        found = _out_of_range(weights_name, value, None, "") or _unrepresentable(
            weights_name, value, "float32"
        )
        if not found and (value < 0).any():
            found = [f"array {weights_name!r}: sample weights are at least 0, got {value.min():g}"]
        problems += found
        if not found:
            w[output.name] = value.reshape(value.shape[: 1 + len(steps)]).astype("float32")

    for output in plan.outputs if targets and plan is not None else ():
        if output.class_weight is not None and len(graph.tensor_type(output.name).shape) > 1:
            problems.append(
                f"class_weight of output {output.name!r}: its targets are not one class per "
                f"sample (the output has shape {_shape(graph.tensor_type(output.name).shape)}), "
                "and Keras' rule takes one; weigh each step with a sample_weight array instead"
            )

    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{k} has {n}" for k, n in lengths.items())
        problems.append(f"arrays differ in length (samples): {listed}")
    elif lengths and not next(iter(lengths.values())):
        problems.append("the arrays hold no samples")
    if not problems:
        problems += tied_lengths(graph, x, y)
    if problems:
        raise DataError(problems)
    return Arrays(x, y, unused_arrays(arrays, known), w)


def unused_arrays(arrays: Mapping[str, Any], known: list[str]) -> list[str]:
    """A warning per array that no input or output of the spec is named after (`known`): data
    the training would silently leave out (a misspelt or an extra array)."""
    reads = ", ".join(map(repr, known))
    return [
        f"warning: array {name!r} is not used: the spec reads {reads}"
        f"{did_you_mean(name, [k for k in known if k not in arrays])}"
        for name in arrays
        if name not in known
    ]


def tied_lengths(graph: Graph, x: dict[str, np.ndarray], y: dict[str, np.ndarray]) -> list[str]:
    """Where the data's unknown (`null`) lengths do not fit the spec: the shapes the spec's rules
    give for the inputs' actual lengths (each node's `output_shapes`, in graph order), checked
    against each target on the axes the spec leaves unknown. A target of shape (N, 6, 2) for a
    Dense per step of `x` (N, 5, 4) is one such problem; inputs too short for a layer (a valid
    convolution over 2 steps with a window of 3) are another. Empty when every input's shape is
    known (the arrays' shapes were checked one by one already)."""
    unknown = [name for name, t in graph.inputs.items() if None in t.shape and name in x]
    if not unknown:
        return []
    given = ", ".join(f"{name!r} of shape {_shape(x[name].shape)}" for name in unknown)
    shapes: dict[str, tuple] = {name: tuple(value.shape[1:]) for name, value in x.items()}
    for node in graph.nodes:
        layer = node.layer
        try:
            roles = layer.by_role(
                {role: [shapes[t] for t in ts] for role, ts in node.keywords.items()}
            )
            ins = [shapes[t] for t in node.inputs]
            outputs = layer.output_shapes(*ins, **roles)
            for shape in outputs:
                if any(d is not None and d < 1 for d in shape):
                    raise ShapeError(
                        f"{layer.type} would output {_shape(shape)} from "
                        f"{', '.join(map(_shape, ins))}: input too small"
                    )
        except ShapeError as exc:
            inputs = "input" if len(unknown) == 1 else "inputs"
            return [f"{inputs} {given}: node {node.name!r} cannot take the lengths: {exc}"]
        shapes.update(zip(node.tensors, map(tuple, outputs), strict=True))
    problems = []
    for name, value in y.items():
        spec_shape, concrete = graph.tensor_type(name).shape, shapes[name]
        got = value.shape[1:]
        if len(got) < len(concrete):  # sparse class ids: the output's shape without its classes
            concrete, spec_shape = concrete[: len(got)], spec_shape[: len(got)]
        tied = [i for i, d in enumerate(spec_shape) if d is None and concrete[i] is not None]
        if any(got[i] != concrete[i] for i in tied):
            want = _shape(("N", *concrete[: len(got)]))
            problems.append(
                f"array {name!r} has shape {_shape(value.shape)}, but for {given} the spec's "
                f"output {name!r} has shape {want}: the unknown (null) lengths of an input and "
                "of its target must match"
            )
    return problems


def embedding_vocab(graph: Graph) -> dict[str, int]:
    """Model input -> the ids it may hold: the smallest `input_dim` of the Embeddings that read
    it, directly or through nodes that hand its values on (one input, its dtype kept: Reshape,
    Flatten, Dropout, ...), whatever its dtype (Keras truncates float ids)."""
    vocab: dict[str, int] = {}  # tensor -> the ids it may hold
    for node in reversed(graph.nodes):  # each node's readers before it
        layer = node.layer
        if isinstance(layer, Embedding):
            reads = [(name, layer.input_dim) for name in node.inputs]
        elif layer.keeps_dtype and len(node.inputs) == 1 and node.name in vocab:
            reads = [(node.inputs[0], vocab[node.name])]
        else:
            continue
        for name, high in reads:
            vocab[name] = min(vocab.get(name, high), high)
    return {name: high for name, high in vocab.items() if name in graph.inputs}


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


def _unrepresentable(name: str, value: np.ndarray, dtype: str) -> list[str]:
    """Values the back ends' dtype cannot hold (`1e39` as float32: inf; 2**40 as int32: wrapped),
    which would train to NaN or on other numbers than the data's."""
    if dtype == "bool" or not value.size or value.dtype.kind not in "iuf":
        return []
    info = np.finfo(dtype) if dtype.startswith("float") else np.iinfo(dtype)
    low, high = value.min(), value.max()
    if low >= info.min and high <= info.max:
        return []
    outside = int(np.count_nonzero((value < info.min) | (value > info.max)))
    shown = "{:.4g}" if dtype.startswith("float") else "{:,}"
    span = f"{shown.format(info.min)} to {shown.format(info.max)}"
    return [
        (
            f"array {name!r}: {outside:,} value{'s' * (outside != 1)} outside {dtype}'s range "
            f"({span}), from {low:.4g} to {high:.4g}; the back ends compute in {dtype}"
        )
    ]


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
