"""The training plan: the spec's `training:` section resolved once, per output, for the back ends.

The section as written (`optimization.Training`) allows several spellings: one loss for every output
or one per output, a loss by name or with arguments, Keras' long names, `loss_weights` for some
outputs only, metrics for all outputs or per output. The resolver turns it, with params
substituted, into one `TrainingPlan` on the complete graph (`Graph.training`): the optimizer and,
for each output in output order, its loss object, weight, metrics and final activation. Back ends
and the core's training loop read this plan only; none of them resolves, defaults or re-checks.

    plan = modelspec.load("specs/stock_lstm.yaml").graph.training
    [(o.name, o.loss.type, o.weight, o.metrics) for o in plan.outputs]
    # [('price', 'mape', 1.0, ()), ('direction', 'binary_crossentropy', 1.0, ('accuracy',))]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .optimization import LossKind, OptimizerKind, Training, canonical_loss
from .training_kinds import CallbackKind


@dataclass(frozen=True)
class OutputPlan:
    """How one model output trains.

    `name`: the output (a node name, as in `Graph.outputs`). `loss`: its loss object, one of the
    per-kind models of `optimization.LOSSES`, with the short name (`mse`) and only that kind's
    arguments. `weight`: its factor in the total loss (1.0 unless `loss_weights` says otherwise).
    `metrics`: metric names as written, in order. `activation`: the activation function the output
    node's layer applies last (`sigmoid`, `softmax`, `linear`, ...: a `Dense`'s or convolution's
    `activation`, an `Activation` layer's), None when its layer ends in no activation function
    (an LSTM, an `Add`, a `Dropout`...). Keras computes a crossentropy from the logits of a
    sigmoid or softmax output. `class_weight`: class id -> weight of its samples in this output's
    loss (None: none); `sample_weight`: the name of the data array of per-sample weights of this
    output's loss (None: none); never both (Keras refuses them together).
    """

    name: str
    loss: LossKind
    weight: float = 1.0
    metrics: tuple[str, ...] = ()
    activation: str | None = None
    class_weight: Mapping[int, float] | None = None
    sample_weight: str | None = None

    @property
    def sparse_targets(self) -> bool:
        """Whether this output's targets are integer class ids (a sparse crossentropy), not
        arrays shaped like the output."""
        return self.loss.sparse_targets


@dataclass(frozen=True)
class TrainingPlan:
    """The resolved `training:` section: what `fit` runs, identically on either back end.

    `outputs`: one `OutputPlan` per model output, in the graph's output order. `epochs` and
    `batch_size` (samples) are positive; `validation_split` is the fraction in [0, 1) of the
    samples (the last ones) held out; `seed` (None: unseeded) seeds the batch order and dropout;
    `callbacks` run after each epoch, in order (`modelspec.callbacks`).
    """

    optimizer: OptimizerKind
    outputs: tuple[OutputPlan, ...]
    epochs: int = 1
    batch_size: int = 32
    validation_split: float = 0.0
    shuffle: bool = True
    seed: int | None = None
    callbacks: tuple[CallbackKind, ...] = ()

    def output(self, name: str) -> OutputPlan:
        """The plan of output `name`; `KeyError` when the model has no such output."""
        for plan in self.outputs:
            if plan.name == name:
                return plan
        raise KeyError(name)

    @property
    def metric_pairs(self) -> list[tuple[str, str]]:
        """(output, metric name as written) for every metric, in output order."""
        return [(o.name, m) for o in self.outputs for m in o.metrics]


def plan_training(
    training: Training,
    outputs: list[str],
    written: list[str],
    activations: Mapping[str, str | None],
) -> TrainingPlan:
    """The plan of a concrete training section (params substituted, validated) for the graph's
    outputs (tensor names, in output order), `written[i]` being how the spec names `outputs[i]`
    (the key of its per-output settings), `activations` each output's final activation
    (`Layer.final_activation`; None for none).

    The caller has checked that every output has a loss and that per-output keys name outputs;
    an output without a loss here raises `KeyError`.
    """
    losses, weights, metrics = training.loss, training.loss_weights or {}, training.metrics
    class_weights, sample_weights = (
        per_output_class_weights(training, written),
        training.sample_weight or {},
    )
    plans = []
    for name, key in zip(outputs, written, strict=True):
        loss = losses[key] if isinstance(losses, dict) else losses
        listed = metrics.get(key, []) if isinstance(metrics, dict) else metrics
        plans.append(
            OutputPlan(
                name,
                canonical_loss(loss),
                float(weights.get(key, 1.0)),
                tuple(listed),
                activations[name],
                class_weights.get(key),
                sample_weights.get(key),
            )
        )
    return TrainingPlan(
        training.optimizer,
        tuple(plans),
        training.epochs,
        training.batch_size,
        training.validation_split,
        training.shuffle,
        training.seed,
        tuple(training.callbacks),
    )


def per_output_class_weights(
    training: Training, written: list[str]
) -> dict[str, Mapping[int, float]]:
    """`class_weight` keyed by output as written: the per-output mapping as it is, or the mapping
    of a single-output model (`{0: 1.0, 1: 3.0}`) under that output's name."""
    given = training.class_weight
    if not given:
        return {}
    if all(isinstance(v, dict) for v in given.values()):
        return dict(given)  # type: ignore[arg-type]
    return {written[0]: given} if len(written) == 1 else {}  # type: ignore[dict-item]
