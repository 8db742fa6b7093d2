"""`modelspec check`: build both back ends from one spec and show that they are one model.

Both are built, Keras' weights are copied into the torch module (or a weights file is loaded
into both), and the same random inputs go through both in inference mode. Per output: the
shapes, and the largest absolute difference; for the model: the parameter counts, trainable and
not, as Keras counts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..console import text_table
from ..data import embedding_vocab
from ..graph import Graph
from ..limits import MAX_SEED

ATOL = RTOL = 1e-4
HALF_TOLERANCE = 1e-2  # where a model computes in float16 (its epsilon is about 1e-3)


@dataclass
class OutputReport:
    """One output compared: its shape by the core, Keras and torch (batch omitted, channels last),
    the largest absolute difference between the two back ends' values, and whether they are close
    (`np.allclose` with `tolerance(graph)`).
    """

    name: str
    core_shape: tuple
    keras_shape: tuple
    torch_shape: tuple
    max_abs_diff: float
    close: bool

    @property
    def ok(self) -> bool:
        """True when the values are close, Keras' shape is the core's (a None in the core's matches any
        length) and torch's shape is Keras'.
        """
        fits = len(self.core_shape) == len(self.keras_shape) and all(
            c is None or c == k for c, k in zip(self.core_shape, self.keras_shape)
        )  # the core's None (any length) matches the length the check ran with
        return self.close and fits and self.keras_shape == self.torch_shape


@dataclass
class CheckReport:
    """The check of one spec: parameter counts per back end (and the core), and each output's report;
    `str()` prints them as two tables.
    """

    name: str
    params: dict[str, tuple[int, int]]  # side -> (trainable, non-trainable)
    outputs: list[OutputReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every side counts the same parameters and every output is `ok`."""
        return len(set(self.params.values())) == 1 and all(o.ok for o in self.outputs)

    def __str__(self) -> str:
        params = text_table(
            ["params", "total", "trainable", "non-trainable"],
            [[side, f"{t + f:,}", f"{t:,}", f"{f:,}"] for side, (t, f) in self.params.items()],
            "<>>>",
        )
        outputs = text_table(
            [
                "output",
                "core shape",
                "keras shape",
                "torch shape",
                "max |keras - torch|",
                "verdict",
            ],
            [
                [
                    o.name,
                    str(o.core_shape),
                    str(o.keras_shape),
                    str(o.torch_shape),
                    f"{o.max_abs_diff:.3g}",
                    "ok" if o.ok else "MISMATCH",
                ]
                for o in self.outputs
            ],
            "<<<<>",
        )
        verdict = "both back ends agree" if self.ok else "DISAGREEMENT"
        return "\n".join(
            [
                f"{self.name}: {verdict}",
                *(f"  {line}".rstrip() for line in f"{params}\n\n{outputs}".split("\n")),
            ]
        )


def random_inputs(
    graph: Graph, batch: int = 4, seed: int = 0, steps: int = 7
) -> dict[str, np.ndarray]:
    """Inputs of the declared shapes (unknown lengths become `steps`); ids (an integer input, or
    one of any dtype an Embedding reads) stay below the vocabulary of every Embedding that reads
    them; booleans (masks) take both values. An input
    that a mask is made from (an Embedding with `mask_zero`, a Masking) is padded: each
    sample's steps from a random length on (at least one step kept) are 0, or the mask value, so
    that the masks take part."""
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be from 0 to {MAX_SEED}, got {seed}")
    rng = np.random.default_rng(seed)
    vocab = embedding_vocab(graph)
    padding = mask_padding(graph)
    out = {}
    for name, t in graph.inputs.items():
        shape = (batch, *(steps if d is None else d for d in t.shape))
        if t.dtype.startswith("int") or name in vocab:  # ids, of any dtype an Embedding reads
            out[name] = rng.integers(0, vocab.get(name, 10), size=shape).astype(t.dtype)
        elif t.dtype == "bool":
            out[name] = rng.random(size=shape) < 0.6
        else:
            out[name] = rng.normal(size=shape).astype(t.dtype)
        if name in padding and len(shape) > 1:
            kept = rng.integers(1, shape[1] + 1, size=batch)
            out[name][np.arange(shape[1]) >= kept[:, None]] = padding[name]
    return out


def mask_padding(graph: Graph) -> dict[str, float]:
    """Model input -> the value that masks a step of it, for the inputs a mask is made from
    directly (read by an Embedding with `mask_zero`: 0; by a Masking: its `mask_value`)."""
    out: dict[str, float] = {}
    for node in graph.nodes:
        layer, source = node.layer, node.inputs[0]
        if source not in graph.inputs:
            continue
        if node.kind == "Embedding" and getattr(layer, "mask_zero", False):
            out.setdefault(source, 0)
        elif node.kind == "Masking":
            out.setdefault(source, layer.mask_value)  # type: ignore[attr-defined]
    return out


def run_keras(model: Any, graph: Graph, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
    """The Keras model's outputs on `inputs`, in inference mode."""
    args = [inputs[name] for name in graph.inputs]
    result = model(args[0] if len(args) == 1 else args, training=False)
    result = result if isinstance(result, (list, tuple)) else [result]
    return [np.asarray(r) for r in result]


def count_keras_params(model: Any) -> tuple[int, int]:
    """(trainable, non-trainable) weights of a Keras model."""
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    return trainable, sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)


def run_torch(module: Any, graph: Graph, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
    """The torch module's outputs on `inputs`, in eval mode, without gradients."""
    import torch

    with torch.no_grad():
        result = module.eval()(*(torch.from_numpy(inputs[name]) for name in graph.inputs))
    result = result if isinstance(result, (list, tuple)) else [result]
    return [r.detach().numpy() for r in result]


def check(spec: Any, seed: int = 0, weights: Any = None) -> CheckReport:
    """Build `spec` with every back end of the table (`registry.BACKENDS`), copy the first one's
    weights (Keras') into the others, or load `weights` (a weights file or its arrays by key, as
    `Spec.load_weights` takes them) into every one, and compare them on the same random inputs."""
    from ..registry import BACKENDS
    from .transfer import remember, transfer_weights

    graph = spec.graph
    built = [(b, remember(b.build(graph), graph)) for b in BACKENDS.values()]
    if weights is not None:
        for _, model in built:  # a file is read once per back end: each load checks what it reads
            spec.load_weights(model, weights)
    else:
        for _, model in built[1:]:
            transfer_weights(built[0][1], model, graph)
    report = CheckReport(graph.name, {"core": (graph.trainable_params, graph.non_trainable_params)})
    report.params.update({b.name: b.count_params(model) for b, model in built})
    inputs = random_inputs(graph, seed=seed)
    results = [b.run(model, graph, inputs) for b, model in built]
    atol = rtol = tolerance(graph)
    for i, name in enumerate(graph.outputs):
        k, t = (np.asarray(r[i], np.float64) for r in results)  # booleans and ints compare too
        core = graph.tensor_type(name).shape
        diff = float(np.max(np.abs(k - t))) if k.shape == t.shape and k.size else 0.0
        close = k.shape == t.shape and bool(np.allclose(k, t, atol=atol, rtol=rtol))
        report.outputs.append(OutputReport(name, core, _shape(k), _shape(t), diff, close))
    return report


def tolerance(graph: Graph) -> float:
    """The absolute and relative tolerance two back ends' outputs agree within: `ATOL` (float32's
    rounding), or `HALF_TOLERANCE` for a model with a float16 tensor anywhere, where each back
    end's own order of float16 operations rounds differently."""
    types = [*graph.inputs.values(), *(t for n in graph.nodes for t in n.tensors.values() if t)]
    return HALF_TOLERANCE if any(t.dtype == "float16" for t in types) else ATOL


def _shape(array: np.ndarray) -> tuple:
    return tuple(array.shape[1:])
