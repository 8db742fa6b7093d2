"""Where the torch trainer runs, and in which precision.

`resolve` turns a device name (`modelspec.devices.DEVICES`: auto, cpu, cuda, cuda:N, mps) into a
`torch.device`, refusing one torch does not see with a one-line `DeviceError` before any model is
built. `Precision` is Keras' dtype policy as torch does it: `mixed_float16` and `mixed_bfloat16`
run the forward pass under `torch.autocast` (the weights stay float32, as a Keras mixed policy's
variables do), losses and metrics are computed in float32 (Keras' losses cast their inputs to
float32), and `mixed_float16` scales the loss with a `torch.amp.GradScaler` set as Keras'
`LossScaleOptimizer` is (initial scale 2**15, doubled after 2000 finite steps, halved and the
step skipped on a non-finite gradient: keras/src/optimizers/loss_scale_optimizer.py).
"""

from __future__ import annotations

import contextlib
from typing import Any

from ...devices import DeviceError, check_device, check_dtype_policy
from .runtime import torch

# keras/src/optimizers/loss_scale_optimizer.py: LossScaleOptimizer(initial_scale=2.0**15,
# dynamic_growth_steps=2000); growth and backoff factors 2 and 0.5 in both frameworks
INITIAL_SCALE = 2.0**15
GROWTH_STEPS = 2000


def mps_available() -> bool:
    """Whether torch sees an Apple-silicon GPU (the `mps` device)."""
    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def resolve(device: str | None) -> Any:
    """The `torch.device` named by `device` (None: `auto`: cuda if torch sees a CUDA GPU, else
    mps, else cpu). `ValueError` for a name that is no device; `DeviceError` for one torch does
    not see (`cuda` on a machine without a CUDA GPU or with a CPU-only torch, `cuda:3` with two
    GPUs, `mps` off Apple silicon)."""
    name = check_device(device)
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps" if mps_available() else "cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            build = (
                ""
                if torch.version.cuda
                else f", and this torch ({torch.__version__}) is built without CUDA"
            )
            raise DeviceError(f"device {name!r}: torch sees no CUDA GPU{build}")
        index, count = int(name.partition(":")[2] or 0), torch.cuda.device_count()
        if index >= count:
            raise DeviceError(
                f"device {name!r}: torch sees {count} CUDA GPU{'s' * (count != 1)} "
                f"(cuda:0 to cuda:{count - 1})"
            )
    if name == "mps" and not mps_available():
        raise DeviceError(f"device {name!r}: torch sees no MPS device (Apple-silicon GPUs)")
    return torch.device(name)


class Precision:
    """Keras' dtype policy `policy` (None or `float32`: full precision) on `device`: the autocast
    context of forward passes, the float32 view of their outputs for losses and metrics, and the
    loss scaling of a step (`mixed_float16` only)."""

    def __init__(self, policy: str | None, device: Any, loss_factor: int = 1) -> None:
        """`loss_factor`: how many times larger than the whole batch's loss the loss a step
        differentiates is (N for one of N processes, `distributed.py`); the loss scale starts
        that many times smaller, so that float16 gradients are as large as in one process and
        overflow where they would (the scale is then Keras' divided by N)."""
        policy = check_dtype_policy(policy)
        self.policy, self.device = policy, device
        self.dtype = {"mixed_float16": torch.float16, "mixed_bfloat16": torch.bfloat16}.get(policy)
        self.scaler = (
            torch.amp.GradScaler(
                device.type, init_scale=INITIAL_SCALE / loss_factor, growth_interval=GROWTH_STEPS
            )
            if self.dtype == torch.float16
            else None
        )

    def autocast(self) -> Any:
        """The context of a forward pass: `torch.autocast` to the policy's compute dtype, or none."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.dtype)

    def widen(self, value: Any) -> Any:
        """`value` in float32 when autocast computed it in the policy's lower precision."""
        if self.dtype is not None and value is not None and value.dtype == self.dtype:
            return value.float()
        return value

    def backward(self, loss: Any) -> None:
        """`loss.backward()`, the loss scaled first under `mixed_float16`."""
        (loss if self.scaler is None else self.scaler.scale(loss)).backward()

    def step(self, optimizer: Any) -> None:
        """The optimizer's step on the true gradients: under `mixed_float16` they (and the
        per-lookup squared gradients of embedding tables, `KerasOptimizer.squared_gradients`) are
        unscaled first, and a step with a non-finite gradient is skipped as Keras skips it."""
        if self.scaler is None:
            optimizer.step()
            return
        scale = self.scaler.get_scale()
        self.scaler.unscale_(optimizer)
        for table in optimizer.squared_gradients.values():
            table.div_(scale * scale)
        self.scaler.step(optimizer)
        self.scaler.update()
        optimizer.squared_gradients.clear()  # a skipped step leaves them: the next adds its own
