"""Plain functions the generated forward pass calls: activations by Keras name, Keras' padding, and
the formulas of Keras' UnitNormalization, Normalization and Rescaling.

Keras' `padding="same"` puts `total // 2` cells before and the rest after, where
`total = max((ceil(n / s) - 1) * s + (k - 1) * d + 1 - n, 0)`: it depends on the input length `n`
when the stride is above 1. When the length is known when the module is built, the padding is a
constant in the code (`torch.nn.functional.pad(x, (0, 1, 0, 1))`); when it is not, `pad_same`
computes it from the tensor. Average pooling divides by the number of real cells, as Keras does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from .runtime import F, torch


def sparse_sigmoid(x: Any) -> Any:
    """Keras' `sparse_sigmoid`: 0 for x <= -1, 1 for x >= 1, (x + 1) / 2 between."""
    return torch.where(x <= -1, 0.0, torch.where(x >= 1, 1.0, 0.5 * (x + 1)))


def sparse_plus(x: Any) -> Any:
    """Keras' `sparse_plus`: 0 for x <= -1, x for x >= 1, (x + 1)^2 / 4 between."""
    return torch.where(x <= -1, 0.0, torch.where(x < 1, 0.25 * (x + 1) ** 2, x))


def squareplus(x: Any, b: float = 4.0) -> Any:
    """Keras' `squareplus`: (x + sqrt(x^2 + b)) / 2, b = 4 by default."""
    return (x + torch.sqrt(x.square() + b)) / 2


def sparsemax(x: Any, dim: int = -1) -> Any:
    """Keras 3's `sparsemax` along `dim`, as Keras computes it: `max(x - tau, 0)` where tau is
    (the sum of the sorted cumulative sums over the support - 1) / k. Keras sums every
    cumulative sum of the support where sparsemax's definition takes the k-th alone, so its
    output differs from the textbook's once the support holds two values or more (it is zero
    for [1, 1.2, 1.3]); this follows Keras, to compute what the Keras model computes."""
    ordered = torch.sort(x, dim=dim, descending=True).values
    cumulative = ordered.cumsum(dim)
    shape = [1] * x.dim()
    shape[dim] = -1
    r = torch.arange(1, x.shape[dim] + 1, dtype=x.dtype, device=x.device).reshape(shape)
    support = ordered - (cumulative - 1) / r > 0
    k = support.to(x.dtype).sum(dim, keepdim=True)
    tau = (torch.where(support, cumulative, 0.0).sum(dim, keepdim=True) - 1) / k
    return torch.clamp_min(x - tau, 0.0)


# Keras activation name -> (torch function, keyword arguments), each with Keras' defaults (the
# TensorFlow back end's formulas: `keras/src/backend/tensorflow/nn.py`); the axis ones take `dim`.
ACTIVATIONS: dict[str, tuple[Callable[..., Any], dict[str, Any]] | None] = {
    "linear": None,
    "relu": (torch.relu, {}),
    "relu6": (F.relu6, {}),
    "sigmoid": (torch.sigmoid, {}),
    "hard_sigmoid": (F.hardsigmoid, {}),  # Keras 3: relu6(x + 3) / 6, torch's too
    "tanh": (torch.tanh, {}),
    "softmax": (torch.softmax, {"dim": -1}),
    "log_softmax": (torch.log_softmax, {"dim": -1}),
    "softplus": (F.softplus, {}),  # torch returns x above 20, where log1p(exp(x)) == x in float32
    "softsign": (F.softsign, {}),
    "elu": (F.elu, {}),
    "selu": (torch.selu, {}),
    "gelu": (F.gelu, {}),  # exact erf form: Keras' approximate=False, torch's approximate="none"
    "silu": (F.silu, {}),
    "swish": (F.silu, {}),
    "exponential": (torch.exp, {}),
    "leaky_relu": (F.leaky_relu, {"negative_slope": 0.2}),  # Keras' activation slope, not 0.01
    "mish": (F.mish, {}),
    "celu": (F.celu, {}),  # alpha 1
    "hard_silu": (F.hardswish, {}),  # x * relu6(x + 3) / 6
    "hard_swish": (F.hardswish, {}),
    "hard_tanh": (F.hardtanh, {}),  # clip to [-1, 1]
    "hard_shrink": (F.hardshrink, {}),  # threshold 0.5: x where |x| > 0.5, else 0
    "soft_shrink": (F.softshrink, {}),  # threshold 0.5
    "tanh_shrink": (F.tanhshrink, {}),
    "log_sigmoid": (F.logsigmoid, {}),
    "sparse_sigmoid": (sparse_sigmoid, {}),
    "sparse_plus": (sparse_plus, {}),
    "squareplus": (squareplus, {}),
    "sparsemax": (sparsemax, {"dim": -1}),
}
AXIS_ACTIVATIONS = {"softmax", "log_softmax", "sparsemax"}


def activation_function(name: str) -> Callable[[Any], Any]:
    """The activation as a one-argument callable (for the recurrent cells)."""
    entry = ACTIVATIONS[name]
    if entry is None:
        return _identity
    fn, kwargs = entry
    return partial(fn, **kwargs) if kwargs else fn


def _identity(x: Any) -> Any:
    return x


def same_padding(n: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """(before, after) cells Keras' `padding="same"` adds along an axis of length `n` (an int, or
    a symbolic length under `torch.export`: no branch on `n`)."""
    span = (kernel - 1) * dilation + 1
    total = ((n + stride - 1) // stride - 1) * stride + span - n  # >= span - stride
    if span < stride:
        total = torch.sym_max(total, 0)
    return total // 2, total - total // 2


def pad_sizes(
    lengths: Sequence[int | None],
    kernel: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
) -> list[int] | None:
    """`F.pad`'s argument (last axis first) for 'same' padding, or None if a needed length is unknown."""
    pads: list[int] = []
    for n, k, s, d in reversed(list(zip(lengths, kernel, stride, dilation))):
        if n is None and s > 1:
            return None
        before, after = same_padding(n or 1, k, s, d)  # stride 1: independent of n
        pads += [before, after]
    return pads


def pad_same(x: Any, kernel: tuple, stride: tuple, dilation: tuple, value: float = 0.0) -> Any:
    """Pad the spatial axes of channels-first `x` as Keras' 'same' does, lengths read from `x`."""
    pads = pad_sizes(tuple(x.shape[2:]), kernel, stride, dilation)
    assert pads is not None  # every length is known at run time
    return F.pad(x, pads, value=value)


def avg_pool_same(x: Any, kernel: tuple, stride: tuple, padding: list[int] | None = None) -> Any:
    """Average pooling over channels-first `x` with 'same' padding, dividing by the real cells only."""
    pool = F.avg_pool1d if len(kernel) == 1 else F.avg_pool2d if len(kernel) == 2 else F.avg_pool3d
    if padding is None:
        padding = pad_sizes(tuple(x.shape[2:]), kernel, stride, (1,) * len(kernel))
        assert padding is not None  # every length is known at run time
    ones = torch.ones_like(x[:1, :1])
    return pool(F.pad(x, padding), kernel, stride) / pool(F.pad(ones, padding), kernel, stride)


def keras_relu(
    x: Any, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0
) -> Any:
    """Keras' `activations.relu` (Keras 3 `ReLU.static_call`), step by step: x where x exceeds
    `threshold` (0 elsewhere), clipped to [0, max_value], minus `negative_slope` times
    relu(threshold - x)."""
    negative = torch.relu(threshold - x) if negative_slope else None
    if threshold:
        x = torch.where(x > threshold, x, torch.zeros_like(x))
    else:
        x = torch.relu(x)
    if max_value is not None:
        x = x.clamp(0.0, max_value)
    return x - negative_slope * negative if negative is not None else x


def unit_normalize(x: Any, dims: tuple[int, ...]) -> Any:
    """Keras' UnitNormalization (`ops.normalize`, order 2, epsilon 1e-12) over `dims`:
    `x * min(rsqrt(sum(x^2)), 1e12)`, which is x / max(||x||, 1e-12)."""
    return x * torch.rsqrt(x.square().sum(dims, keepdim=True)).clamp_max(1e12)


def normalization(
    x: Any, mean: Any, variance: Any, shape: tuple[int, ...], invert: bool = False
) -> Any:
    """Keras' Normalization of channels-last `x`: `(x - mean) / max(sqrt(variance), 1e-7)`, or
    with `invert` `mean + x * max(sqrt(variance), 1e-7)`; `mean` and `variance` (tensors, or
    nested lists of the given constants) are reshaped to `shape` (batch included, as 1)."""
    mean = torch.as_tensor(mean, dtype=x.dtype, device=x.device).reshape(shape)
    variance = torch.as_tensor(variance, dtype=x.dtype, device=x.device).reshape(shape)
    std = torch.clamp_min(torch.sqrt(variance), 1e-7)  # Keras' backend.epsilon()
    return mean + x * std if invert else (x - mean) / std


def rescale(x: Any, scale: Any, offset: Any) -> Any:
    """Keras' Rescaling of channels-last `x`: `x * scale + offset`, each a number or a list of
    one value per channel (a list becomes a tensor of `x`'s dtype, as Keras casts it)."""
    if isinstance(scale, (list, tuple)):
        scale = torch.tensor(scale, dtype=x.dtype, device=x.device)
    if isinstance(offset, (list, tuple)):
        offset = torch.tensor(offset, dtype=x.dtype, device=x.device)
    return x * scale + offset
