"""Training in several processes with PyTorch's DistributedDataParallel, exactly as in one.

Each process is one that `torchrun` started (`launch.py` starts them for `modelspec train
--nproc N`; its environment gives the rank and the number of processes, `init_process_group`
joins them: gloo on CPUs, NCCL on GPUs, one GPU per process). All draw the same batches (rank 0's
order is broadcast, so an unseeded run agrees too); each takes its part of every batch
(`numpy.array_split`: parts differ by at most one sample) and DDP averages the gradients.

What one process would compute on the whole batch B of n samples is kept exactly:

- each output's loss is Keras' mean over the batch (over the kept positions, with a mask): a
  process sums its part's values, the number of values (kept positions) is summed over all
  processes first, and the process's loss is `N * sum / count`, so that DDP's average over the N
  processes is the whole batch's mean, for parts of any size (an odd last batch included);
- a weight regularizer's term is added once per process (its average is itself); an activity
  regularizer's is divided by n / N, for the same reason as the losses;
- an embedding table's per-lookup squared gradients (`KerasOptimizer.squared_gradients`) are
  summed over the processes and divided by N**2 (each process' gradient was scaled by N);
- under mixed_float16 the loss scale starts N times smaller (`devices.Precision`), so that the
  float16 gradients of each sample are those of one process and overflow where they would;
- a batch smaller than N leaves some processes without a sample: each runs the batch's first
  sample with every term weighed 0, so that every process joins every step;
- the epoch's figures are the sums of each process' share, summed across processes
  (`all_reduce`); validation runs whole in every process (no collective), so that every process
  has the figures that callbacks decide on.

A kind whose training step depends on the whole batch (BatchNormalization: `devices.BATCH_WIDE`)
is refused. Dropout and noise draw their masks per process, as they differ between back ends.
"""

from __future__ import annotations

import atexit
import math
import os
from collections.abc import Mapping
from typing import Any

import numpy as np
from typing_extensions import override

from ...devices import check_device, ddp_refusals, under_torchrun
from .. import BackendError
from .devices import Precision
from .losses import LOSSES
from .runtime import torch
from .train import TorchTrainer, _Logs, metric_terms

dist = torch.distributed


def process_device(device: str | None, local_rank: int) -> str:
    """The device of the process of local rank `local_rank` for `device` as the user named it:
    `cuda:<local rank>` for auto (when torch sees CUDA) and cuda, cpu for cpu (and auto without
    CUDA); `BackendError` for mps and for one GPU named for every process (`cuda:1`)."""
    name = check_device(device)
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda":
        return f"cuda:{local_rank}"
    if name != "cpu":
        raise BackendError(
            f"device {name!r} with several processes: each process takes the GPU of its local "
            "rank (--device cuda), or a share of the CPUs (--device cpu)"
        )
    return name


class DistributedTrainer(TorchTrainer):
    """A `TorchTrainer` in one of several processes started by torchrun, each training on its part
    of every batch through `DistributedDataParallel` (see the module's notes). `BackendError` when
    torchrun did not start this process, or for a spec that cannot train exactly so."""

    def __init__(
        self,
        graph: Any,
        model: Any = None,
        seed: int | None = None,
        source: str | None = None,
        optimizer: Any = None,
        device: str | None = None,
        dtype_policy: str | None = None,
    ):
        refused = ddp_refusals(graph)
        if refused:
            raise BackendError(refused[0])
        if not under_torchrun():
            raise BackendError(
                "distributed training runs in processes torchrun starts (`modelspec train "
                "--nproc N`, or `python -m torch.distributed.run ...`)"
            )
        local_rank = int(os.environ["LOCAL_RANK"])
        named = process_device(device, local_rank)
        super().__init__(
            graph, model, seed, source, optimizer, device=named, dtype_policy=dtype_policy
        )
        cuda = self.device.type == "cuda"
        if cuda:
            torch.cuda.set_device(self.device)
        if not dist.is_initialized():
            dist.init_process_group(
                "nccl" if cuda else "gloo", device_id=self.device if cuda else None
            )
            atexit.register(_leave)
        self.rank, self.world = dist.get_rank(), dist.get_world_size()
        self.precision = Precision(dtype_policy, self.device, loss_factor=self.world)
        self.ddp = torch.nn.parallel.DistributedDataParallel(
            self.view, device_ids=[self.device] if cuda else None, broadcast_buffers=False
        )

    @override
    def _train(self, tensors: dict, batches: list[np.ndarray], logs: _Logs, on_batch: Any) -> None:
        self.model.train()
        shared: list[Any] = [batches]
        dist.broadcast_object_list(shared, src=0)  # rank 0's batch order, seeded or not
        for done, indices in enumerate(shared[0], 1):
            self._step(tensors, indices, logs)
            on_batch(done, logs.running_loss)

    def _step(self, tensors: dict, indices: np.ndarray, logs: _Logs) -> None:
        n, world = len(indices), self.world
        part = np.array_split(indices, world)[self.rank]
        weight = 1.0 if len(part) else 0.0
        if not len(part):  # a batch smaller than the processes: run a sample that weighs nothing
            part = indices[:1]
        batch = self._forward(
            tensors,
            torch.from_numpy(part),
            view=self.ddp,
            batch_size=n / world if weight else math.inf,
        )
        sums, counts = [], []
        for config, y, p, z, mask, w in zip(
            self.losses, batch.ys, batch.outputs, batch.logits, batch.masks, batch.ws
        ):
            values = LOSSES[config.type](y, p, z, config)
            if w is not None:  # sample weights multiply the values (losses.reduce_loss)
                values = values * w.to(values.dtype)
            if mask is None:
                sums.append(values.sum() * weight)
                counts.append(values.numel() * weight)
            else:  # Keras' apply_mask: the mean of the kept values
                sums.append(values.masked_fill(~mask, 0).sum() * weight)
                counts.append(mask.sum().item() * weight)
        count = torch.tensor(counts, dtype=torch.float64, device=self.device)
        dist.all_reduce(count)
        shares = [
            s / c.to(s.dtype) if c > 0 else s * 0 for s, c in zip(sums, count)
        ]  # divide_no_nan
        loss = world * sum(w * s for w, s in zip(self.weights, shares)) + batch.penalty
        self.optimizer.zero_grad(set_to_none=True)
        self.precision.backward(loss)
        for table in self.optimizer.squared_gradients.values():
            dist.all_reduce(table)
            table.div_(world * world)
        self.precision.step(self.optimizer)
        self.penalties.constrain()
        metrics = metric_terms(self.metrics, batch)
        figures = torch.tensor(
            [
                float(loss.detach()) / world,
                *(float(s.detach()) for s in shares),
                *(float(added) * weight for added, _ in metrics),
                *(float(kept) * weight for _, kept in metrics),
            ],
            dtype=torch.float64,
            device=self.device,
        )
        dist.all_reduce(figures)
        outputs, k = len(shares), len(metrics)
        summed = figures.tolist()
        logs.add_figures(
            n,
            summed[0],
            summed[1 : 1 + outputs],
            list(zip(summed[1 + outputs : 1 + outputs + k], summed[1 + outputs + k :])),
        )

    @override
    def save(self, path: str | os.PathLike, state: Mapping[str, Any] | None = None) -> None:
        """The module as `TorchTrainer.save` writes it, by rank 0 only."""
        if self.rank == 0:
            super().save(path, state)


def _leave() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def trainer(graph: Any, distributed: bool = False, **options: Any) -> TorchTrainer:
    """The torch back end's trainer (the registry's `trainer`): a `DistributedTrainer` in a
    process torchrun started when `distributed`, else a `TorchTrainer`; `options` are theirs
    (model, seed, source, optimizer, device, dtype_policy)."""
    return (DistributedTrainer if distributed else TorchTrainer)(graph, **options)
