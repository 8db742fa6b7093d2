"""The Keras trainer: `model.fit` and `model.evaluate` on the batches the core's loop chooses.

The model is compiled from the `training:` section (`keras.compile_model`, keyed by output name).
Each epoch is one `fit(epochs=1, shuffle=False)` over the samples in the order the core drew, so
Keras sees exactly the batches the torch trainer sees.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..data import Arrays
from ..devices import DeviceError, check_device, check_dtype_policy
from ..graph import Graph
from ..logs import OnBatch
from . import BackendError
from .keras import compile_model, keras, restore_seed_generators, save_keras, to_keras


class _NoRetracingAdvice(logging.Filter):
    """Drops TensorFlow's "N out of the last M calls ... triggered tf.function retracing" warning:
    a search builds one model per trial, each traced once, which that counter takes for a mistake."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "triggered tf.function retracing" not in record.getMessage()


class KerasTrainer:
    """The `Trainer` of the Keras back end: `fit` for one epoch, `evaluate`, `save_keras`.

    `seed` seeds Keras' random generators (dropout masks); the model is compiled here from the
    graph's training plan (`DataError` without a `training:` section), unless `optimizer` (what
    `read_saved` gave for a file) says that the model is compiled with its optimizer's state:
    then its dropout's seed generators are set to where the saved model's were.

    `device` (`keras_device`): `auto` leaves placement to TensorFlow (a GPU when it sees one);
    `cpu`, `cuda` or `cuda:N` build and train under `keras.device` on TensorFlow's CPU or that
    GPU. `dtype_policy` float32 only, and one process only (`distributed`): mixed precision and
    several processes are the torch trainer's (`BackendError` saying so).
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
        distributed: bool = False,
    ):
        refuse_torch_only(dtype_policy, distributed)
        self._device = keras_device(device)
        logger = logging.getLogger("tensorflow")
        if not any(isinstance(f, _NoRetracingAdvice) for f in logger.filters):
            logger.addFilter(_NoRetracingAdvice())
        self.graph = graph
        if seed is not None:
            keras.utils.set_random_seed(seed)  # dropout masks; the batch order is the core's
        with self._placed():
            self.model = model if model is not None else to_keras(graph, compile=False)
            self.source = source
            graph.training_plan()  # DataError without a `training:` section
            if optimizer is None:
                compile_model(self.model, graph)
            else:
                restore_seed_generators(self.model, optimizer.get("seed_generators"))
        self._progress = _BatchProgress()

    def _placed(self) -> Any:
        """`keras.device` of the device asked for, or no scope (`auto`: TensorFlow places ops)."""
        return contextlib.nullcontext() if self._device is None else keras.device(self._device)

    def set_layer_weights(self, layer_name: str, weights: dict[str, np.ndarray]) -> None:
        """Set layer `layer_name`'s weights (by the core's names, in its order), then
        `finalize_state()`: Keras' Normalization computes from copies of its statistics."""
        layer = self.model.get_layer(layer_name)
        layer.set_weights([weights[name] for name in self.graph.node(layer_name).weights])
        layer.finalize_state()

    def _xy(self, data: Arrays) -> tuple[Any, Any]:
        x = [data.x[name] for name in self.graph.inputs]
        y = [data.y[name] for name in self.graph.outputs]
        return (x[0] if len(x) == 1 else x), (y[0] if len(y) == 1 else y)

    def _sample_weight(self, data: Arrays) -> Any:
        """`fit`'s `sample_weight`: None, or one array per output (ones where an output has none:
        Keras 3 wants all or none), as `y` is structured."""
        if not data.w:
            return None
        ones = np.ones(len(data), "float32")
        w = [data.w.get(name, ones) for name in self.graph.outputs]
        return w[0] if len(w) == 1 else w

    def get_weights(self) -> Any:
        """`model.get_weights()`: every weight, trainable or not, as NumPy arrays."""
        return self.model.get_weights()

    def set_weights(self, weights: Any) -> None:
        """`model.set_weights(weights)`."""
        self.model.set_weights(weights)

    @property
    def learning_rate(self) -> float:
        """The optimizer's `learning_rate` (a schedule's value at `iterations`)."""
        return float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self.model.optimizer.learning_rate = value

    def scalar_writer(self, directory: str) -> Any:
        """A `tf.summary` file writer in `directory` (what Keras' TensorBoard callback uses)."""
        return _SummaryWriter(directory)

    def train_epoch(
        self, data: Arrays, batches: list[np.ndarray], on_batch: OnBatch
    ) -> dict[str, float]:
        """One `fit(epochs=1, shuffle=False)` over `batches` (sample indices) in their order; the last
        epoch's logs under Keras' names. `ValueError` for batches Keras cannot take: all of one size
        but a smaller last one.
        """
        sizes = {len(b) for b in batches[:-1]}
        if len(sizes) > 1 or (sizes and len(batches[-1]) > sizes.pop()):
            raise ValueError("Keras batches are equal in size but for a smaller last one")
        ordered = data.take(np.concatenate(batches))
        x, y = self._xy(ordered)
        self._progress.on_batch = on_batch
        with self._placed():
            history = self.model.fit(
                x,
                y,
                sample_weight=self._sample_weight(ordered),
                batch_size=len(batches[0]),
                epochs=1,
                shuffle=False,
                verbose=0,
                callbacks=[self._progress],
            )
        return {k: float(v[-1]) for k, v in history.history.items()}

    def evaluate(self, data: Arrays, batch_size: int) -> dict[str, float]:
        """`model.evaluate` on `data` in batches of `batch_size`: Keras' logs (loss, metrics)."""
        x, y = self._xy(data)
        with self._placed():
            logs = self.model.evaluate(
                x,
                y,
                sample_weight=self._sample_weight(data),
                batch_size=batch_size,
                verbose=0,
                return_dict=True,
            )
        return {k: float(v) for k, v in logs.items()}

    def save(self, path: str | os.PathLike, state: Mapping[str, Any] | None = None) -> None:
        """The model, its optimizer's variables, the spec and `state` as a `.keras` file at
        `path` (`save_keras`)."""
        save_keras(self.model, path, self.source, state)


def keras_device(device: str | None) -> str | None:
    """The `keras.device` name of `device` for TensorFlow: None for `auto` (TensorFlow places
    ops itself), `cpu:0`, `gpu:N` for `cuda:N` when TensorFlow sees that GPU. `DeviceError` for a
    GPU TensorFlow does not see (tensorflow-cpu sees none) and for `mps`, PyTorch's Apple-GPU
    device; `ValueError` for a name that is no device."""
    name = check_device(device)
    if name == "auto":
        return None
    if name == "cpu":
        return "cpu:0"
    if name == "mps":
        raise DeviceError(
            "device 'mps' is PyTorch's Apple-GPU device: the keras back end runs on TensorFlow's "
            "devices (auto, cpu, cuda)"
        )
    import tensorflow as tf

    index, gpus = int(name.partition(":")[2] or 0), tf.config.list_physical_devices("GPU")
    if index >= len(gpus):
        seen = f"{len(gpus)} GPU{'s' * (len(gpus) != 1)}" if gpus else "no GPU"
        raise DeviceError(f"device {name!r}: TensorFlow sees {seen} (the keras back end)")
    return f"gpu:{index}"


def refuse_torch_only(dtype_policy: str | None, distributed: bool) -> None:
    """`BackendError` for what only the torch trainer does: a mixed dtype policy, several processes."""
    policy = check_dtype_policy(dtype_policy)
    if policy != "float32":
        raise BackendError(
            f"dtype_policy {policy!r}: the keras back end trains in the spec's dtypes; mixed "
            "precision (torch.autocast) is the torch back end's"
        )
    if distributed:
        raise BackendError(
            "several processes (DistributedDataParallel, through torchrun) are the torch back "
            "end's; the keras back end trains in one process"
        )


class _BatchProgress(keras.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.on_batch: OnBatch | None = None

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.on_batch is not None:
            self.on_batch(batch + 1, float((logs or {}).get("loss", float("nan"))))


class _SummaryWriter:
    """TensorBoard scalars through `tf.summary`, as Keras' TensorBoard callback writes them."""

    def __init__(self, directory: str):
        import tensorflow as tf

        self.tf = tf
        self.writer = tf.summary.create_file_writer(directory)

    def scalar(self, tag: str, value: float, step: int) -> None:
        """`tf.summary.scalar(tag, value, step)` into this writer's file."""
        with self.writer.as_default():
            self.tf.summary.scalar(tag, value, step=step)

    def flush(self) -> None:
        """Write the recorded scalars out."""
        self.writer.flush()

    def close(self) -> None:
        """Close the event file."""
        self.writer.close()
