"""The torch trainer: Keras' `fit` and `evaluate` semantics for the generated module.

One training step is what Keras' `train_step` does: the forward pass in training mode, each
output's loss reduced over its batch (`losses.py`; an output that carries a Keras mask leaves its
masked positions out of its loss and metrics, as Keras does), their sum weighted by
`loss_weights` plus the regularizers' terms (`penalties.py`), the gradient, Keras' update rule
(`optimizers.py`), then the weights' constraints. Metrics see the forward pass's outputs.
An epoch's figures are averaged as Keras 3.15 averages them: the total loss and the metrics per
sample, each output's own loss per batch (Keras' per-output trackers get no batch size in graph
mode, so a smaller last batch counts as much as a full one).

Crossentropies on a sigmoid or softmax output work from its logits, as Keras does: the trainer
calls a second view of the module (`builder.training_view`, the same submodules and weights)
whose forward also returns those logits: the plan says each output's activation, the builder
recorded where it is computed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.util import find_spec
from typing import Any

import numpy as np

from ...data import Arrays
from ...errors import BackendError
from ...graph import Graph
from ...logs import OnBatch, log_names
from .. import import_framework
from .builder import training_view
from .devices import Precision, resolve
from .losses import LOSSES, METRICS, reduce_loss, reduce_metric
from .optimizers import make_optimizer
from .penalties import Penalties
from .weights import set_keras_weights

torch = import_framework("torch")


class TorchTrainer:
    """The `Trainer` of the torch back end: Keras' `train_step`/`test_step` written out in torch.

    The losses, metrics and optimizer are the plan's (`losses.py`, `optimizers.py`), a crossentropy
    reads the logits of a sigmoid or softmax output as Keras does, and `seed` seeds torch's
    generator (dropout masks). `DataError` without a `training:` section. `optimizer`: what
    `read_saved` gave for a saved file: the optimizer's `state_dict` to continue from, and
    torch's generator state, so the dropout masks go on as they would have.

    `device` (`devices.resolve`: auto, cpu, cuda, cuda:N, mps; `DeviceError` for one torch does
    not see) is where the module (moved there) and each batch go; the data stays on the CPU.
    `dtype_policy` is Keras' (`devices.Precision`: float32, mixed_float16, mixed_bfloat16).
    """

    def __init__(
        self,
        graph: Graph,
        model: Any = None,
        seed: int | None = None,
        source: str | None = None,
        optimizer: Any = None,
        device: str | None = None,
        dtype_policy: str | None = None,
    ):
        from . import to_torch

        self.device = resolve(device)  # before anything is built: a missing GPU is said first
        self.precision = Precision(dtype_policy, self.device)
        if seed is not None:
            torch.manual_seed(seed)  # dropout masks; the batch order is the core's
        self.graph, self.source = graph, source
        self.model = (model if model is not None else to_torch(graph)).to(self.device)
        plan = graph.training_plan()  # DataError without a `training:` section
        self.outputs = [o.name for o in plan.outputs]
        self.losses = [o.loss for o in plan.outputs]
        self.weights = [o.weight for o in plan.outputs]
        self.metrics = [(i, m) for i, o in enumerate(plan.outputs) for m in o.metrics]
        # Keras computes a crossentropy from the logits of a sigmoid or softmax output
        wanted = {
            o.name: activation
            for o in plan.outputs
            if (activation := o.loss.logit_activation) and o.activation == activation
        }
        self.penalties = Penalties(graph, self.model)
        self.view = training_view(self.model, wanted, self.penalties.activity_nodes)
        self.optimizer = make_optimizer(plan.optimizer, self.model.parameters())
        if any(c.type == "TensorBoard" for c in plan.callbacks) and not find_spec("tensorboard"):
            raise BackendError(
                "torch back end: the TensorBoard callback writes with torch.utils.tensorboard, "
                "which needs the tensorboard package (pip install tensorboard)"
            )
        if optimizer is not None:
            self.optimizer.load_state_dict(optimizer["optimizer"])
            if optimizer.get("rng_state") is not None:
                torch.set_rng_state(optimizer["rng_state"])
        self.embeddings = [m for m in self.model.modules() if isinstance(m, torch.nn.Embedding)]

    # --- Keras' train_step / test_step -------------------------------------------------------
    def _forward(
        self, data: dict[str, Any], index: Any, view: Any = None, batch_size: float | None = None
    ) -> _Batch:
        """Outputs, logits, masks and targets of the batch (on the device; outputs and logits
        in float32 whatever the dtype policy computed them in), the outputs' sample weights
        (None for an output without), and the regularization loss.
        `view`: the module to call (default `self.view`); `batch_size`: what activity
        regularizers divide by (default the batch's size)."""
        xs = [data["x"][name][index].to(self.device) for name in self.graph.inputs]
        with self.precision.autocast():
            outputs, logits, values, masks = (view or self.view)(*xs)
        widen = self.precision.widen
        penalty = self.penalties.loss(tuple(widen(v) for v in values), batch_size)
        ys = [data["y"][name][index].to(self.device) for name in self.outputs]
        ws = [
            w[index].to(self.device) if (w := data["w"].get(name)) is not None else None
            for name in self.outputs
        ]
        return _Batch(
            [widen(o) for o in outputs], [widen(z) for z in logits], list(masks), ys, penalty, ws
        )

    def _losses(self, batch: _Batch) -> list[Any]:
        return [
            reduce_loss(LOSSES[c.type](y, p, z, c), m, w)
            for c, y, p, z, m, w in zip(
                self.losses, batch.ys, batch.outputs, batch.logits, batch.masks, batch.ws
            )
        ]

    def train_epoch(
        self, data: Arrays, batches: list[np.ndarray], on_batch: OnBatch
    ) -> dict[str, float]:
        """One epoch over `batches` (sample indices) in their order, an optimizer step per batch;
        the epoch's logs under Keras' names, averaged as Keras averages them.
        """
        tensors, logs = _tensors(data), _Logs(self)
        hooks = [self.optimizer.track_embedding(m) for m in self.embeddings]  # only while we train
        try:
            self._train(tensors, batches, logs, on_batch)
        finally:
            for hook in hooks:
                hook.remove()
            self.optimizer.squared_gradients.clear()
            self.model.eval()
        return logs.result()

    def _train(
        self, tensors: dict, batches: list[np.ndarray], logs: _Logs, on_batch: OnBatch
    ) -> None:
        self.model.train()
        for done, indices in enumerate(batches, 1):
            batch = self._forward(tensors, torch.from_numpy(indices))
            losses = self._losses(batch)
            total = sum(w * l for w, l in zip(self.weights, losses)) + batch.penalty
            self.optimizer.zero_grad(set_to_none=True)
            self.precision.backward(total)
            self.precision.step(self.optimizer)
            self.penalties.constrain()
            logs.add(len(indices), total.detach(), [l.detach() for l in losses], batch.detached())
            on_batch(done, logs.running_loss)

    @torch.no_grad()
    def evaluate(self, data: Arrays, batch_size: int) -> dict[str, float]:
        """The logs on `data` in batches of `batch_size`, in inference mode (no gradients)."""
        tensors, logs = _tensors(data), _Logs(self)
        self.model.eval()
        for start in range(0, len(data), batch_size):
            index = torch.arange(start, min(start + batch_size, len(data)))
            batch = self._forward(tensors, index)
            losses = self._losses(batch)
            total = sum(w * l for w, l in zip(self.weights, losses)) + batch.penalty
            logs.add(len(index), total, losses, batch)
        return logs.result()

    def set_layer_weights(self, layer_name: str, weights: dict[str, np.ndarray]) -> None:
        """Set layer `layer_name`'s weights (Keras' names and layout) through its lowering."""
        set_keras_weights(self.model, layer_name, weights)

    def get_weights(self) -> Any:
        """A copy of the module's `state_dict` (parameters and buffers)."""
        return {k: v.detach().clone() for k, v in self.model.state_dict().items()}

    def set_weights(self, weights: Any) -> None:
        """`load_state_dict` of a copy `get_weights` made."""
        self.model.load_state_dict(weights)

    @property
    def learning_rate(self) -> float:
        """The optimizer's rate of the next step, as the float32 Keras holds it in."""
        return float(np.float32(self.optimizer.learning_rate))

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self.optimizer.set_learning_rate(float(np.float32(value)))

    def scalar_writer(self, directory: str) -> Any:
        """`torch.utils.tensorboard.SummaryWriter` in `directory`, its `add_scalar` as `scalar`."""
        from torch.utils.tensorboard import SummaryWriter

        return _Scalars(SummaryWriter(directory))

    def save(self, path: str | os.PathLike, state: Mapping[str, Any] | None = None) -> None:
        """The module, the spec's YAML, the optimizer's state and `state` (where training
        stopped) as one file at `path` (`save_torch`)."""
        from . import save_torch

        save_torch(
            self.model,
            self.source or "",
            path,
            self.optimizer.state_dict(),
            state,
            rng_state=torch.get_rng_state(),
        )


@dataclass
class _Batch:
    """One batch's forward pass: per output its value, logits (or None), mask (or None) and
    target; the regularization loss."""

    outputs: list[Any]
    logits: list[Any]
    masks: list[Any]
    ys: list[Any]
    penalty: Any = 0.0  # the regularizers' terms (`penalties.py`)
    ws: list[Any] = field(default_factory=list)  # per output, its samples' weights or None

    def detached(self) -> _Batch:
        """The same batch cut from the autograd graph (what the logs keep)."""
        outputs = [o.detach() for o in self.outputs]
        return _Batch(outputs, self.logits, self.masks, self.ys, self.penalty, self.ws)


class _Logs:
    """An epoch's running figures, named as Keras names them (`logs.log_names`)."""

    def __init__(self, trainer: TorchTrainer):
        self.t = trainer
        self.samples, self.loss, self.batches = 0, 0.0, 0
        self.output_losses = [0.0] * len(trainer.outputs)
        self.metric_sums = [0.0] * len(trainer.metrics)
        self.metric_counts = [0.0] * len(trainer.metrics)  # samples, or their kept share (masks)

    @property
    def running_loss(self) -> float:
        return self.loss / max(self.samples, 1)

    def add(self, n: int, total: Any, losses: list[Any], batch: _Batch) -> None:
        """Add a batch of `n` samples: its total loss, each output's loss, its metrics."""
        self.add_figures(n, total, losses, metric_terms(self.t.metrics, batch))

    def add_figures(
        self, n: int, total: Any, losses: list[Any], metrics: list[tuple[Any, Any]]
    ) -> None:
        """Add a batch of `n` samples by its figures: the total loss, each output's loss, and
        each metric's (sum, count) (`metric_terms`); tensors or numbers."""
        self.samples += n
        self.batches += 1
        self.loss += float(total) * n
        for i, value in enumerate(losses):
            self.output_losses[i] += float(value)
        for j, (added, count) in enumerate(metrics):
            self.metric_sums[j] += float(added)
            self.metric_counts[j] += float(count)

    def result(self) -> dict[str, float]:
        """Keras' names (`logs.log_names`: loss, each output's loss when there are several, metrics)."""
        values = [self.loss / self.samples]
        if len(self.t.outputs) > 1:
            values += [s / self.batches for s in self.output_losses]
        values += [s / c if c else 0.0 for s, c in zip(self.metric_sums, self.metric_counts)]
        return dict(zip(log_names(self.t.graph), values, strict=True))


def metric_terms(metrics: list[tuple[int, str]], batch: _Batch) -> list[tuple[Any, Any]]:
    """Each metric's (sum, count) over `batch` (`losses.reduce_metric`), for `metrics` as
    `TorchTrainer.metrics` lists them: (output index, metric name)."""
    return [
        reduce_metric(METRICS[name](batch.ys[i], batch.outputs[i]), batch.masks[i])
        for i, name in metrics
    ]


def _tensors(data: Arrays) -> dict[str, dict[str, Any]]:
    return {
        part: {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in arrays.items()}
        for part, arrays in (("x", data.x), ("y", data.y), ("w", data.w))
    }


class _Scalars:
    """A `SummaryWriter` seen as the core's `ScalarWriter`."""

    def __init__(self, writer: Any):
        self.writer = writer

    def scalar(self, tag: str, value: float, step: int) -> None:
        """`add_scalar(tag, value, step)` in the tensor form `tf.summary.scalar` writes
        (`new_style`), so both back ends' event files read back alike."""
        self.writer.add_scalar(tag, value, step, new_style=True)

    def flush(self) -> None:
        """Write the recorded scalars out."""
        self.writer.flush()

    def close(self) -> None:
        """Close the event file."""
        self.writer.close()
