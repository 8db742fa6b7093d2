"""Where training runs: the device names, Keras' dtype policies, and the processes torchrun starts.

Nothing here imports a framework: names are checked here, before any is imported; whether the
machine has the device is the back end's to say (`backends/torch/devices.py`, and the Keras
trainer for TensorFlow's devices).

    DEVICES          auto, cpu, cuda, cuda:N, mps (PyTorch's names)
    DTYPE_POLICIES   float32, mixed_float16, mixed_bfloat16 (Keras' `keras.config.set_dtype_policy`)

A process that `torchrun` (`python -m torch.distributed.run`) started has its rank and the number
of processes in its environment (`RANK`, `LOCAL_RANK`, `WORLD_SIZE`); `rank()` reads it, and only
rank 0 prints and writes files.
"""

from __future__ import annotations

import os
import re

from .errors import BackendError

DEVICES = ("auto", "cpu", "cuda", "cuda:N", "mps")
DTYPE_POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")

_DEVICE = re.compile(r"auto|cpu|mps|cuda(:(0|[1-9][0-9]{0,3}))?")


class DeviceError(BackendError):
    """The device asked for is not on this machine, or not one the back end runs on."""


def check_device(device: str | None) -> str:
    """`device` as given (None: `auto`); `ValueError` naming the choices for any other name."""
    name = "auto" if device is None else device
    if not isinstance(name, str) or not _DEVICE.fullmatch(name):
        raise ValueError(f"device must be one of {', '.join(DEVICES)}, got {device!r}")
    return name


def check_dtype_policy(policy: str | None) -> str:
    """`policy` as given (None: `float32`); `ValueError` naming Keras' policies for any other."""
    name = "float32" if policy is None else policy
    if name not in DTYPE_POLICIES:
        raise ValueError(f"dtype_policy must be one of {', '.join(DTYPE_POLICIES)}, got {policy!r}")
    return name


def under_torchrun() -> bool:
    """Whether this process is one that torchrun started (its environment says its rank)."""
    return all(name in os.environ for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE"))


def rank() -> int:
    """This process' rank among those torchrun started (`RANK`), 0 when torchrun did not start it."""
    return int(os.environ["RANK"]) if under_torchrun() else 0


def world_size() -> int:
    """The number of processes torchrun started (`WORLD_SIZE`), 1 when it did not start this one."""
    return int(os.environ["WORLD_SIZE"]) if under_torchrun() else 1


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity where the OS tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


# Kinds whose training step depends on the whole batch, so that processes taking a part of it
# each would not train as one process does, with the reason said to the user.
BATCH_WIDE = {
    "BatchNormalization": "normalizes by the statistics of the batch in training, and each "
    "process would see only its part of the batch",
}


def ddp_refusals(graph: object) -> list[str]:
    """Why `graph` cannot train exactly in several processes (one line per node), empty when it can.
    `clipvalue` clips each lookup's slice of an Embedding's gradient (TensorFlow's IndexedSlices)
    before they are summed, and a process sees only its own lookups."""
    refused = [
        f"node {node.name!r} ({node.kind}) {reason}: train it in one process"
        for node in getattr(graph, "nodes", ())
        if (reason := BATCH_WIDE.get(node.kind))
    ]
    plan = getattr(graph, "training", None)
    if plan is not None and getattr(plan.optimizer, "clipvalue", None):
        refused += [
            f"node {node.name!r} (Embedding) with the optimizer's clipvalue: each lookup's "
            "gradient is clipped before they are summed, and a process sees only its own "
            "lookups: train it in one process"
            for node in getattr(graph, "nodes", ())
            if node.kind == "Embedding"
        ]
    return refused
