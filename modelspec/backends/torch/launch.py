"""`modelspec train --backend torch --nproc N`: torchrun starts N processes of the same command.

This is torchrun itself (`torch.distributed.run`: its argument parser and its `run`), called in
this process so that a failed process is reported in one line instead of torchrun's traceback:
`--standalone` (a rendezvous on this machine), `--nproc-per-node N`, the module `modelspec` with
the command line as it was given. Each process finds its rank in its environment and trains as
a `DistributedTrainer`. N is checked first: at most one process per GPU that torch sees (NCCL),
or per CPU core this process may use (gloo), each process given its share of the cores as
OMP_NUM_THREADS (torchrun's default is 1).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from ...devices import usable_cores
from .devices import resolve
from .distributed import process_device
from .runtime import torch


def slots(device: str | None) -> tuple[str, int]:
    """("cuda", GPUs torch sees) or ("cpu", usable cores): what N processes on `device` share;
    `BackendError` for a device several processes cannot share (mps, one named GPU)."""
    kind = process_device(device, 0).partition(":")[0]
    if kind == "cuda":
        resolve("cuda")  # DeviceError when torch sees none
    return kind, torch.cuda.device_count() if kind == "cuda" else usable_cores()


def launch(argv: Sequence[str], nproc: int, device: str | None) -> int:
    """Run `modelspec *argv` in `nproc` processes under torchrun; the exit status (the first
    failed process', 0 when all succeed). `ValueError` when `nproc` is more than `device` has
    GPUs or this process has cores (`slots`)."""
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import parse_args, run

    kind, available = slots(device)
    if nproc > available:
        what = "CUDA GPU" if kind == "cuda" else "CPU core"
        hint = " (--device cpu: gloo processes on the CPU cores)" if kind == "cuda" else ""
        raise ValueError(
            f"--nproc {nproc}: this machine has {available} {what}{'s' * (available != 1)} for "
            f"{'NCCL' if kind == 'cuda' else 'gloo'} processes (one each){hint}"
        )
    args = parse_args(["--standalone", f"--nproc-per-node={nproc}", "--module", "modelspec"])
    args.training_script_args = list(argv)  # not parsed: torchrun would take --nproc for its own
    threads = {} if kind == "cuda" else {"OMP_NUM_THREADS": str(max(1, available // nproc))}
    with _environment(threads), _quiet("torch.distributed.elastic"):
        try:
            run(args)
        except ChildFailedError as exc:
            rank, failure = exc.get_first_failure()
            if failure.exitcode > 0:
                return failure.exitcode  # the process has said why, in its own words
            print(
                f"modelspec: error: training process {rank} of {nproc} was killed by "
                f"{_signal_name(-failure.exitcode)}",
                file=sys.stderr,
            )
            return 1
    return 0


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


@contextlib.contextmanager
def _environment(extra: dict[str, str]) -> Iterator[None]:
    """`extra` (unless already set) and this modelspec first on PYTHONPATH, for the processes
    torchrun starts; the environment as it was afterwards."""
    before = dict(os.environ)
    root = str(Path(__file__).resolve().parents[3])  # the folder holding the modelspec package
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    for key, value in extra.items():
        os.environ.setdefault(key, value)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(before)


@contextlib.contextmanager
def _quiet(name: str) -> Iterator[None]:
    """Logger `name` silenced (torchrun's agent logs each failure, with its own traceback)."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)
