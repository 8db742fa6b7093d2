"""Keras 3's losses and metrics as torch functions: the same formulas, clipping and reductions.

A loss function takes `(y_true, y_pred, logits, loss)` and returns one value per sample
position (the output's shape without its last axis), as Keras' loss functions do before their
`sum_over_batch_size` reduction (a mean over everything). `loss` is the output's loss object in
the training plan (`plan.OutputPlan.loss`: huber's `delta`, a crossentropy's `from_logits`);
`LOSSES` is keyed by its short name; `reduce_loss` reduces the values as Keras does, leaving out
the masked positions of an output that carries a mask (`reduce_metric` likewise for metrics).
`logits` is the pre-activation of a sigmoid or softmax output, or None: like Keras, crossentropies then work from the logits, so they never saturate
at the clipping bounds (keras/src/backend/tensorflow/nn.py `_get_logits`). Probabilities are
otherwise clipped to [1e-7, 1 - 1e-7], Keras' epsilon.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import import_framework

torch = import_framework("torch")
F = torch.nn.functional

EPSILON = 1e-7
LOSSES: dict[str, Callable[..., Any]] = {}
METRICS: dict[str, Callable[[Any, Any], Any]] = {}


def reduce_loss(values: Any, mask: Any = None, sample_weight: Any = None) -> Any:
    """Keras' `sum_over_batch_size` reduction of a loss' values: their mean, or where the output
    carries a mask (the values' shape, boolean), Keras' `apply_mask`: each kept position weighs
    total / kept (0 when none is kept), a masked one 0, then the sum over the number of values;
    the mean of the kept values, in Keras' order of operations. `sample_weight` (shape (batch,))
    (the values' shape: per sample, or per sample and step) multiplies the values first: the sum
    of the weighted values over their number, not over the weights' sum (Keras'
    `reduce_weighted_values`)."""
    if sample_weight is not None:
        values = values * sample_weight.to(values.dtype)
    if mask is None:
        return values.mean()
    total = torch.tensor(mask.numel(), dtype=values.dtype, device=values.device)
    kept = mask.to(values.dtype).sum()
    weight = torch.where(kept > 0, total / kept, 0.0)  # Keras' divide_no_nan
    return (values * torch.where(mask, weight, 0.0)).sum() / values.numel()


def reduce_metric(values: Any, mask: Any = None) -> tuple[Any, Any]:
    """A metric's (sum, count) over a batch, as Keras' `Mean` metric adds them: without a mask,
    the per-sample means and the number of samples; with one, each sample's mean of the masked
    values and its mean of the mask (Keras' `reduce_to_samplewise_values`)."""
    n = values.shape[0]
    if mask is None:
        return values.reshape(n, -1).mean(1).sum(), n
    weights = mask.to(values.dtype).reshape(n, -1)
    return (values.reshape(n, -1) * weights).mean(1).sum(), weights.mean(1).sum()


def loss(name: str) -> Callable[[Callable], Callable]:
    """Decorator: register a loss function in `LOSSES` under the loss' short name."""

    def decorate(fn: Callable) -> Callable:
        LOSSES[name] = fn
        return fn

    return decorate


def metric(*names: str) -> Callable[[Callable], Callable]:
    """Decorator: register a metric function in `METRICS` under each of `names`."""

    def decorate(fn: Callable) -> Callable:
        for name in names:
            METRICS[name] = fn
        return fn

    return decorate


@loss("mse")
@metric("mse")
def mean_squared_error(y: Any, p: Any, logits: Any = None, config: Any = None) -> Any:
    """Keras' `mean_squared_error`: mean of (p - y)^2 over the last axis."""
    return (p - y).square().mean(-1)


@loss("mae")
@metric("mae")
def mean_absolute_error(y: Any, p: Any, logits: Any = None, config: Any = None) -> Any:
    """Keras' `mean_absolute_error`: mean of |p - y| over the last axis."""
    return (p - y).abs().mean(-1)


@loss("mape")
@metric("mape")
def mean_absolute_percentage_error(y: Any, p: Any, logits: Any = None, config: Any = None) -> Any:
    """Keras' `mean_absolute_percentage_error`: 100 * mean |(y - p) / y| over the last axis, |y|
    clamped to at least 1e-7.
    """
    return 100.0 * ((y - p) / y.abs().clamp_min(EPSILON)).abs().mean(-1)


@loss("huber")
def huber(y: Any, p: Any, logits: Any, config: Any) -> Any:
    """Keras' `huber`: 0.5 e^2 where |e| <= delta, else delta |e| - 0.5 delta^2, mean over the
    last axis.
    """
    delta = config.delta
    error = p - y
    small = error.abs() <= delta
    return torch.where(small, 0.5 * error.square(), delta * error.abs() - 0.5 * delta**2).mean(-1)


@loss("binary_crossentropy")
def binary_crossentropy(y: Any, p: Any, logits: Any, config: Any) -> Any:
    """Keras' `binary_crossentropy`, mean over the last axis: from the logits when there are any
    (`from_logits`, or a sigmoid output's), else from clipped probabilities.
    """
    if logits is None and config.from_logits:
        logits = p
    if logits is not None:
        return F.binary_cross_entropy_with_logits(logits, y, reduction="none").mean(-1)
    p = p.clamp(EPSILON, 1.0 - EPSILON)
    return -(y * p.log() + (1 - y) * (1 - p).log()).mean(-1)


@loss("categorical_crossentropy")
def categorical_crossentropy(y: Any, p: Any, logits: Any, config: Any) -> Any:
    """Keras' `categorical_crossentropy` over the last axis (one-hot `y`): from the logits when
    there are any, else from probabilities normalised to sum 1 and clipped.
    """
    if logits is None and config.from_logits:
        logits = p
    if logits is not None:
        return -(y * torch.log_softmax(logits, -1)).sum(-1)
    p = (p / p.sum(-1, keepdim=True)).clamp(EPSILON, 1.0 - EPSILON)
    return -(y * p.log()).sum(-1)


@loss("sparse_categorical_crossentropy")
def sparse_categorical_crossentropy(y: Any, p: Any, logits: Any, config: Any) -> Any:
    """Keras' `sparse_categorical_crossentropy` (`y` class ids, with or without a last axis of 1):
    from the logits, or from the log of the clipped probabilities, as Keras does.
    """
    if logits is None and config.from_logits:
        logits = p
    if logits is None:  # Keras takes the log of the clipped probabilities as logits
        logits = p.clamp(EPSILON, 1.0 - EPSILON).log()
    return F.cross_entropy(logits.movedim(-1, 1), _class_ids(y, p), reduction="none")


def _class_ids(y: Any, p: Any) -> Any:
    return (y.squeeze(-1) if y.dim() == p.dim() else y).long()


@metric("binary_accuracy")
def binary_accuracy(y: Any, p: Any) -> Any:
    """Keras' `binary_accuracy`: the mean over the last axis of y == (p > 0.5)."""
    return (y == (p > 0.5).to(y.dtype)).float().mean(-1)


@metric("categorical_accuracy")
def categorical_accuracy(y: Any, p: Any) -> Any:
    """Keras' `categorical_accuracy`: 1 where argmax y == argmax p, else 0."""
    return (y.argmax(-1) == p.argmax(-1)).float()


@metric("sparse_categorical_accuracy")
def sparse_categorical_accuracy(y: Any, p: Any) -> Any:
    """Keras' `sparse_categorical_accuracy`: 1 where the class id y == argmax p, else 0."""
    return (_class_ids(y, p) == p.argmax(-1)).float()


@metric("accuracy")
def accuracy(y: Any, p: Any) -> Any:
    """Keras' `accuracy` in compile: binary for one unit, sparse for class ids, else categorical."""
    if p.shape[-1] == 1:
        return binary_accuracy(y, p)
    if y.dim() < p.dim() or y.shape[-1] == 1:
        return sparse_categorical_accuracy(y, p)
    return categorical_accuracy(y, p)
