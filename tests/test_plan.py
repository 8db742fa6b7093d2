"""The training plan: the `training:` section resolved once, per output, on the complete graph."""

import subprocess
import sys

import pytest

from modelspec.optimization import (
    BinaryCrossentropy,
    Huber,
    MeanSquaredError,
    SparseCategoricalCrossentropy,
)
from modelspec.plan import OutputPlan, TrainingPlan

from .conftest import ROOT, spec

HEADS = """\
    params: {lr: 0.01}
    inputs: {x: {shape: [6, 3]}}
    blocks:
      head:
        inputs: [h]
        layers:
          out: {type: Dense, units: 1, activation: sigmoid, inputs: h}
    layers:
      lstm:  {type: LSTM, units: 4, inputs: x}
      flat:  {type: Flatten, inputs: x}
      level: {type: Dense, units: 1, inputs: flat}
      kind:  {type: Dense, units: 3, inputs: flat}
      probs: {type: Activation, activation: softmax, inputs: kind}
      blk:   {block: head, inputs: flat}
    outputs: [lstm, level, probs, blk.out]
    training:
      optimizer: {type: sgd, learning_rate: "${lr}"}
      loss:
        lstm: mean_squared_error
        level: {type: huber, delta: 2.5}
        probs: {type: sparse_categorical_crossentropy, from_logits: false}
        blk.out: binary_crossentropy
      loss_weights: {level: 0.5}
      metrics: {probs: [accuracy], level: [mae, mse]}
      epochs: 3
      seed: 7
"""


def test_every_output_has_its_loss_object_weight_metrics_and_final_activation():
    plan = spec(HEADS).graph.training
    assert isinstance(plan, TrainingPlan)
    assert plan.optimizer.type == "sgd" and plan.optimizer.learning_rate == 0.01
    assert (plan.epochs, plan.batch_size, plan.validation_split, plan.shuffle, plan.seed) == (3, 32, 0.0, True, 7)
    assert plan.outputs == (
        OutputPlan("lstm", MeanSquaredError(type="mse"), 1.0, (), None),
        OutputPlan("level", Huber(type="huber", delta=2.5), 0.5, ("mae", "mse"), "linear"),
        OutputPlan("probs", SparseCategoricalCrossentropy(type="sparse_categorical_crossentropy"), 1.0,
                   ("accuracy",), "softmax"),
        OutputPlan("blk_out", BinaryCrossentropy(type="binary_crossentropy"), 1.0, (), "sigmoid"),
    )  # fmt: skip
    assert plan.output("probs").sparse_targets and not plan.output("level").sparse_targets
    assert plan.metric_pairs == [("level", "mae"), ("level", "mse"), ("probs", "accuracy")]
    with pytest.raises(KeyError):
        plan.output("nowhere")


def test_one_loss_and_metrics_for_every_output():
    plan = spec("""\
        inputs: {x: {shape: [3]}}
        layers:
          a: {type: Dense, units: 2, inputs: x}
          b: {type: Dense, units: 2, activation: relu, inputs: x}
        outputs: [b, a]
        training: {loss: {type: mean_absolute_error}, metrics: [mse]}
    """).graph.training  # fmt: skip
    assert [(o.name, o.loss.type, o.weight, o.metrics, o.activation) for o in plan.outputs] == [
        ("b", "mae", 1.0, ("mse",), "relu"),
        ("a", "mae", 1.0, ("mse",), "linear"),
    ]


def test_the_plan_is_frozen_and_absent_without_a_training_section():
    plan = spec(HEADS).graph.training
    with pytest.raises(AttributeError):
        plan.epochs = 5  # type: ignore[misc]
    assert spec("inputs: {x: {shape: [3]}}\nlayers: [{type: Dense, units: 1}]\n").graph.training is None


def test_the_plan_imports_no_framework():
    code = ("import sys\nfor m in ('tensorflow', 'keras', 'torch'): sys.modules[m] = None\n"
            "import modelspec.plan, modelspec.training, modelspec.data\n")  # fmt: skip
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
