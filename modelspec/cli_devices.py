"""`modelspec train`'s placement arguments: `--device`, `--dtype-policy`, `--nproc N`.

`--nproc N` (torch back end) runs the same command line in N processes through torchrun
(`backends/torch/launch.py`); each of them, started by torchrun, sees `--nproc N` again and its
rank in its environment, and trains its part of every batch (`backends/torch/distributed.py`).
The spec, the data, the device and N are checked here first, so that a mistake is one line from
this process rather than one from each of N. Only rank 0 prints (the others' standard output
goes to the null device) and writes files.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from .devices import (
    DEVICES,
    DTYPE_POLICIES,
    check_device,
    ddp_refusals,
    rank,
    under_torchrun,
    world_size,
)
from .errors import BackendError
from .shell import UsageError


def device_name(text: str) -> str:
    """argparse type of `--device`: a device name (`devices.check_device`)."""
    try:
        return check_device(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("device must be", "expected")) from None


def whole_number(text: str) -> int:
    """argparse type of `--nproc`: a whole number of at least 1."""
    value = int(text) if text.isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def placement_arguments(p: argparse.ArgumentParser) -> None:
    """Add `--device`, `--dtype-policy` and `--nproc` to the `train` parser `p`."""
    p.add_argument(
        "--device",
        type=device_name,
        default="auto",
        metavar="|".join(DEVICES),
        help="where torch trains (default auto: cuda if there is a GPU, else mps, else cpu); "
        "keras: auto lets TensorFlow place ops, cpu and cuda[:N] pin them (keras.device)",
    )
    p.add_argument(
        "--dtype-policy",
        choices=DTYPE_POLICIES,
        default="float32",
        help="Keras' dtype policy: mixed_float16 or mixed_bfloat16 train in mixed precision "
        "(torch back end: torch.autocast; float16 with Keras' loss scaling)",
    )
    p.add_argument(
        "--nproc",
        type=whole_number,
        metavar="N",
        help="train in N processes with PyTorch DistributedDataParallel through torchrun "
        "(torch back end; gloo on CPUs, NCCL on GPUs): each takes its part of every batch",
    )


def placement(args: argparse.Namespace) -> dict[str, Any]:
    """The `train` options that `args` give: device, dtype policy, and whether this process is
    one of several that torchrun started (`distributed`)."""
    distributed = under_torchrun() and world_size() > 1
    return {"device": args.device, "dtype_policy": args.dtype_policy, "distributed": distributed}


def launched(args: argparse.Namespace, spec: Any, argv: list[str]) -> int | None:
    """With `--nproc N` (N > 1) in a first process: check the command, run `argv` in N processes
    under torchrun and return the exit status. None where this process is to train: without
    `--nproc`, with `--nproc 1`, or in one of the processes torchrun started (`--nproc N` or
    not: `torchrun --nproc-per-node N -m modelspec train ...` works too); the standard output of
    ranks but 0 then goes to the null device. `UsageError` for several processes with the keras
    back end, for N other than the processes torchrun started, or more than the machine has
    slots for (`launch.slots`)."""
    several = under_torchrun() and world_size() > 1
    if (several or (args.nproc or 1) > 1) and args.backend != "torch":
        raise UsageError(
            "--nproc runs PyTorch DistributedDataParallel: it needs --backend torch (the keras "
            "back end trains in one process)"
        )
    if several:
        if args.nproc and world_size() != args.nproc:
            raise UsageError(f"--nproc {args.nproc}, but torchrun started {world_size()} processes")
        if rank() != 0:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (for the life of the process)
        return None
    if (args.nproc or 1) == 1:
        return None
    from .data import check_arrays, read_npz
    from .registry import LAUNCH_DDP

    refused = ddp_refusals(spec.graph)
    if refused:
        raise BackendError(f"--nproc {args.nproc}: {refused[0]}")
    check_arrays(spec.graph, read_npz(args.data))  # one DataError here, not one per process
    try:
        status: int = LAUNCH_DDP(argv, args.nproc, args.device)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return status
