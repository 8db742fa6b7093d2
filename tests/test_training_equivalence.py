"""Training is the same on both back ends: from equal weights, on the same batches, one step and
then five more give equal losses, metrics and weights in Keras and torch, for every optimizer
(and its variants) and every loss, on a two-headed model."""

import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import modelspec
from modelspec.backends.transfer import transfer_weights, weight_owners
from modelspec.data import check_arrays
from modelspec.training import make_trainer

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.keras, pytest.mark.torch]

LOG_TOL = dict(rtol=2e-5, atol=2e-6)
WEIGHT_TOL = dict(rtol=1e-5, atol=2e-6)
BATCH = 8

OPTIMIZERS = {
    "adam": "{type: adam, learning_rate: 0.05}",
    "adam_amsgrad": "{type: adam, learning_rate: 0.05, amsgrad: true, beta_2: 0.9}",
    "adamw": "{type: adamw, learning_rate: 0.05, weight_decay: 0.1}",
    "sgd": "{type: sgd, learning_rate: 0.02}",
    "sgd_momentum": "{type: sgd, learning_rate: 0.01, momentum: 0.9}",
    "sgd_nesterov": "{type: sgd, learning_rate: 0.01, momentum: 0.9, nesterov: true}",
    "rmsprop": "{type: rmsprop, learning_rate: 0.01}",
    "rmsprop_centered": "{type: rmsprop, learning_rate: 0.01, centered: true, momentum: 0.5, rho: 0.8}",
}

# loss -> (units, activation, loss as written, metrics, target maker)
HEADS = {
    "mse": (2, "linear", "mse", "[mae, mse]", "regression"),
    "mae": (2, "linear", "mae", "[mape]", "regression"),
    "mape": (2, "linear", "mape", "[mae]", "regression"),
    # delta 1 puts errors of the targets (|y| in 0.5..2) on both sides of it: at 0.5 every error was
    # beyond it, each sample's gradient exactly +-delta/n, and a bias gradient of balanced signs exactly
    # 0 in torch but 2e-10 in TensorFlow, which Adam (eps 1e-7) made a step of 0.2% of its rate
    "huber": (2, "linear", "{type: huber, delta: 1.0}", "[mse]", "regression"),
    "bce": (1, "sigmoid", "binary_crossentropy", "[accuracy]", "binary"),
    "bce_logits": (1, "linear", "{type: binary_crossentropy, from_logits: true}", "[binary_accuracy]", "binary"),
    "cce": (3, "softmax", "categorical_crossentropy", "[accuracy]", "onehot"),
    "cce_logits": (3, "linear", "{type: categorical_crossentropy, from_logits: true}", "[categorical_accuracy]", "onehot"),
    "scce": (3, "softmax", "sparse_categorical_crossentropy", "[accuracy]", "sparse"),
    "scce_logits": (3, "linear", "{type: sparse_categorical_crossentropy, from_logits: true}",
                    "[sparse_categorical_accuracy]", "sparse"),
}  # fmt: skip
PAIRS = [("mse", "bce"), ("mae", "cce"), ("mape", "scce"), ("huber", "bce_logits"), ("cce_logits", "scce_logits")]


def two_headed(first: str, second: str, optimizer: str, loss_weights=(1.0, 0.5)) -> modelspec.Spec:
    (u1, a1, l1, m1, _), (u2, a2, l2, m2, _) = HEADS[first], HEADS[second]
    return modelspec.loads(textwrap.dedent(f"""
        name: two_heads
        inputs:
          x: {{shape: [4]}}
        layers:
          trunk: {{type: Dense, units: 6, activation: tanh, inputs: x}}
          first: {{type: Dense, units: {u1}, activation: {a1}, inputs: trunk}}
          second: {{type: Dense, units: {u2}, activation: {a2}, inputs: trunk}}
        outputs: [first, second]
        training:
          optimizer: {optimizer}
          loss: {{first: {l1}, second: {l2}}}
          loss_weights: {{first: {loss_weights[0]}, second: {loss_weights[1]}}}
          metrics: {{first: {m1}, second: {m2}}}
    """))


def target(kind: str, units: int, n: int, rng) -> np.ndarray:
    if kind == "regression":
        return rng.uniform(0.5, 2.0, size=(n, units)) * rng.choice([-1, 1], size=(n, units))
    if kind == "binary":
        return rng.integers(0, 2, size=(n, 1)).astype("float32")
    labels = rng.integers(0, units, size=n)
    return labels if kind == "sparse" else np.eye(units)[labels]


def keras_and_torch(spec, seed: int = 0):
    """Both trainers, Keras' weights copied into torch's; seeded, so the initial weights (and the
    float32 rounding the tolerances allow for) are the same every run: no landing decided by luck."""
    keras_trainer = make_trainer(spec.graph, "keras", seed=seed)
    torch_trainer = make_trainer(spec.graph, "torch", seed=seed)
    transfer_weights(keras_trainer.model, torch_trainer.model, spec.graph)
    return keras_trainer, torch_trainer


def weights(graph, keras_model, torch_module):
    from modelspec.backends.torch import get_keras_weights

    for node in weight_owners(graph):
        theirs = get_keras_weights(torch_module, node.layer_name)
        for name, value in zip(node.weights, keras_model.get_layer(node.layer_name).get_weights()):
            yield f"{node.name}.{name}", value, theirs[name]


def assert_same(spec, k, t, k_logs, t_logs, weight_tol=WEIGHT_TOL):
    assert list(k_logs) == list(t_logs) or set(k_logs) == set(t_logs)
    for name in k_logs:
        np.testing.assert_allclose(t_logs[name], k_logs[name], **LOG_TOL, err_msg=name)
    for name, keras_value, torch_value in weights(spec.graph, k.model, t.model):
        np.testing.assert_allclose(torch_value, keras_value, **weight_tol, err_msg=name)


@pytest.mark.parametrize("pair", PAIRS, ids=["-".join(p) for p in PAIRS])
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_one_step_then_five_steps_agree(optimizer, pair):
    spec = two_headed(*pair, OPTIMIZERS[optimizer])
    rng = np.random.default_rng(7)
    n = 6 * BATCH
    arrays = {"x": rng.normal(size=(n, 4)).astype("float32")}
    for output, head in zip(("first", "second"), pair):
        units, _, _, _, kind = HEADS[head]
        arrays[output] = target(kind, units, n, rng)
    data = check_arrays(spec.graph, arrays)
    k, t = keras_and_torch(spec)
    before = {name: value.copy() for name, value, _ in weights(spec.graph, k.model, t.model)}

    one = [np.arange(BATCH)]
    assert_same(spec, k, t, k.train_epoch(data, one, lambda *a: None), t.train_epoch(data, one, lambda *a: None))

    five = np.array_split(rng.permutation(np.arange(BATCH, n)), 5)
    k_logs, t_logs = k.train_epoch(data, five, lambda *a: None), t.train_epoch(data, five, lambda *a: None)
    assert set(k_logs) == {"loss", "first_loss", "second_loss", *(n for n in k_logs if n.startswith(("first_", "second_")))}
    # Adam's step m / (sqrt(v) + eps) is ~learning_rate whatever the gradient's size, so a weight whose
    # gradient is near 0 carries the float32 rounding of that ratio: 2.04e-6 after 6 steps (adamw, mape)
    assert_same(spec, k, t, k_logs, t_logs, weight_tol=dict(rtol=1e-5, atol=4e-6))
    moved = [name for name, value, _ in weights(spec.graph, k.model, t.model) if not np.allclose(value, before[name])]
    assert len(moved) == len(before)  # every weight trained: the comparison is not of untouched values

    np.testing.assert_allclose(
        [t.evaluate(data, BATCH)[name] for name in k_logs], [k.evaluate(data, BATCH)[name] for name in k_logs],
        **LOG_TOL,
    )


RECURRENT = {  # the seed 000 spec, small: its relu LSTM (Keras' cell in a step loop), nn.LSTM, nn.GRU
    "lstm_relu": lambda text: text,
    "lstm_tanh": lambda text: text.replace("activation: relu, inputs: prices", "inputs: prices"),
    "gru_relu": lambda text: text.replace("type: LSTM", "type: GRU"),
}


@pytest.mark.parametrize("variant", RECURRENT)
def test_the_seed_stock_model_trains_the_same(variant):
    from .conftest import ROOT

    text = RECURRENT[variant]((ROOT / "specs" / "stock_lstm.yaml").read_text().replace("units: 300", "units: 8"))
    spec = modelspec.loads(text)
    rng = np.random.default_rng(1)
    prices = (1 + np.cumsum(rng.normal(0, 0.01, size=(40, 11)), axis=1)).astype("float32")
    data = check_arrays(spec.graph, {"prices": prices[:, :10, None], "price": prices[:, 10],
                                     "direction": (prices[:, 10] > prices[:, 9]).astype("float32")})  # fmt: skip
    k, t = keras_and_torch(spec)
    batches = np.split(rng.permutation(40), [16, 32])  # 16, 16 and a smaller last batch
    assert_same(spec, k, t, k.train_epoch(data, batches, lambda *a: None), t.train_epoch(data, batches, lambda *a: None))


def test_batch_normalization_trains_and_tracks_its_statistics_the_same():
    """Batch statistics in training (a last batch of one sample too), Keras' momentum and biased
    variance for the moving ones."""
    spec = modelspec.loads(textwrap.dedent("""
        inputs: {x: {shape: [4]}}
        layers:
          dense: {type: Dense, units: 6, use_bias: false, inputs: x}
          norm: {type: BatchNormalization, momentum: 0.8, inputs: dense}
          trunk: {type: Activation, activation: tanh, inputs: norm}
          first: {type: Dense, units: 1, inputs: trunk}
          second: {type: Dense, units: 3, activation: softmax, inputs: trunk}
        outputs: [first, second]
        training:
          optimizer: {type: adam, learning_rate: 0.05}
          loss: {first: mse, second: sparse_categorical_crossentropy}
    """))
    rng = np.random.default_rng(3)
    data = check_arrays(spec.graph, {"x": rng.normal(2.0, 3.0, size=(48, 4)), "first": rng.normal(size=48),
                                     "second": rng.integers(0, 3, size=48)})  # fmt: skip
    k, t = keras_and_torch(spec)
    for batches in ([np.arange(BATCH)], np.array_split(rng.permutation(48), 6), [np.arange(40), np.arange(40, 41)]):
        k_logs, t_logs = k.train_epoch(data, batches, lambda *a: None), t.train_epoch(data, batches, lambda *a: None)
        assert_same(spec, k, t, k_logs, t_logs, weight_tol=dict(rtol=1e-5, atol=1e-5))  # statistics of values ~2
    np.testing.assert_allclose([t.evaluate(data, BATCH)["loss"]], [k.evaluate(data, BATCH)["loss"]], **LOG_TOL)


# --- any combination: a property test ------------------------------------------------------------


@settings(max_examples=max(4, settings().max_examples // 5), deadline=None)  # ci 5, dev 10, thorough 200
@given(
    optimizer=st.sampled_from(sorted(OPTIMIZERS)),
    heads=st.lists(st.sampled_from(sorted(HEADS)), min_size=2, max_size=2),
    weights=st.lists(st.floats(0.1, 2.0), min_size=2, max_size=2),
    samples=st.integers(10, 40),
    batch=st.integers(3, 16),
    seed=st.integers(0, 2**16),
)
def test_any_optimizer_losses_weights_and_batching_train_the_same(optimizer, heads, weights, samples, batch, seed):
    """Two heads with any losses and loss weights, any batch size (a smaller last batch included),
    a shuffled epoch: the same figures and weights on both back ends."""
    spec = two_headed(*heads, OPTIMIZERS[optimizer], loss_weights=weights)
    rng = np.random.default_rng(seed)
    arrays = {"x": rng.normal(size=(samples, 4)).astype("float32")}
    for output, head in zip(("first", "second"), heads):
        arrays[output] = target(HEADS[head][4], HEADS[head][0], samples, rng)
    data = check_arrays(spec.graph, arrays)
    k, t = keras_and_torch(spec)
    order = rng.permutation(samples)
    batches = [order[i : i + batch] for i in range(0, samples, batch)]
    assert_same(spec, k, t, k.train_epoch(data, batches, lambda *a: None), t.train_epoch(data, batches, lambda *a: None),
                weight_tol=dict(rtol=1e-4, atol=1e-5))  # up to 13 steps at large learning rates


@pytest.mark.parametrize("activation, loss, units", [
    ("softmax", "sparse_categorical_crossentropy", 3), ("softmax", "categorical_crossentropy", 3),
    ("sigmoid", "binary_crossentropy", 1)])  # fmt: skip
def test_a_convolution_output_trains_from_its_logits_as_keras_does(activation, loss, units):
    """Segmentation-like heads: torch's softmax runs channels-first and is permuted back; Keras
    still computes the loss from the logits, and with saturated outputs clipping would show."""
    spec = modelspec.loads(textwrap.dedent(f"""
        inputs: {{image: {{shape: [5, 5, 2]}}}}
        layers:
          - {{type: Conv2D, filters: {units}, kernel_size: 3, padding: same, activation: {activation}, name: seg}}
        training: {{optimizer: {{type: sgd, learning_rate: 0.001}}, loss: {loss}}}
    """))
    rng = np.random.default_rng(0)
    labels = rng.integers(0, units if units > 1 else 2, size=(16, 5, 5))
    target = {"sparse_categorical_crossentropy": lambda: labels, "categorical_crossentropy": lambda: np.eye(units)[labels],
              "binary_crossentropy": lambda: labels[..., None]}[loss]()  # fmt: skip
    data = check_arrays(spec.graph, {"image": rng.normal(0, 300, size=(16, 5, 5, 2)), "seg": target})
    k, t = keras_and_torch(spec)
    batches = [np.arange(8), np.arange(8, 16)]
    k_logs, t_logs = k.train_epoch(data, batches, lambda *a: None), t.train_epoch(data, batches, lambda *a: None)
    assert k_logs["loss"] > 50  # far above -log(1e-7) = 16.1: from the logits, unclipped
    assert_same(spec, k, t, k_logs, t_logs, weight_tol=dict(rtol=1e-4, atol=1e-4))


@pytest.mark.parametrize("axis", [-1, 1])
def test_a_softmax_layer_output_trains_from_its_logits_as_keras_does(axis):
    """Keras keeps a Softmax layer's input as its output's logits (any axis): the crossentropy
    comes from them, unclipped, and torch does the same."""
    spec = modelspec.loads(textwrap.dedent(f"""
        inputs: {{x: {{shape: [3, 4]}}}}
        layers:
          - {{type: Dense, units: 4, name: scores}}
          - {{type: Softmax, axis: {axis}, name: probs}}
        training: {{optimizer: {{type: sgd, learning_rate: 0.001}}, loss: categorical_crossentropy}}
    """))
    rng = np.random.default_rng(1)
    target = np.eye(4)[rng.integers(0, 4, size=(16, 3))]
    data = check_arrays(spec.graph, {"x": rng.normal(0, 300, size=(16, 3, 4)), "probs": target})
    k, t = keras_and_torch(spec)
    batches = [np.arange(8), np.arange(8, 16)]
    k_logs, t_logs = k.train_epoch(data, batches, lambda *a: None), t.train_epoch(data, batches, lambda *a: None)
    assert k_logs["loss"] > 50  # from the logits: clipped probabilities would give at most 16.1
    assert_same(spec, k, t, k_logs, t_logs, weight_tol=dict(rtol=1e-4, atol=1e-4))


# --- regularizers and constraints --------------------------------------------------------------

REGULARIZED = {  # the layers of a small classifier with every kind of regularizer and constraint
    "dense": "{type: Dense, units: 6, activation: tanh, kernel_regularizer: {type: l2, l2: 0.05}, bias_regularizer: l1, "
             "activity_regularizer: {type: l1_l2, l1: 0.01, l2: 0.02}, kernel_constraint: {type: max_norm, max_value: 0.6}, "
             "bias_constraint: non_neg, inputs: x}",
    "lstm": "{type: LSTM, units: 4, return_sequences: true, kernel_regularizer: l2, recurrent_regularizer: {type: l1, l1: 0.02}, "
            "recurrent_constraint: {type: unit_norm, axis: 0}, bias_constraint: {type: min_max_norm, min_value: 0.5, "
            "max_value: 0.8, rate: 0.5}, inputs: seq}",
    "conv": "{type: Conv1D, filters: 3, kernel_size: 2, kernel_constraint: {type: max_norm, max_value: 0.5, axis: [0, 1]}, "
            "activity_regularizer: l2, inputs: lstm}",
    "norm": "{type: LayerNormalization, gamma_regularizer: l2, beta_constraint: non_neg, inputs: dense}",
}  # fmt: skip


def test_regularizers_and_constraints_train_the_same():
    """Weight and activity regularizers add to the loss, constraints project after each step, as
    Keras does (l1 and l2 sums, the activity term over the batch size, constraints along Keras'
    axes of the weight's layout: a Dense kernel's columns, an LSTM's recurrent kernel, a Conv1D's
    filters)."""
    nodes = {**REGULARIZED, "pool": "{type: GlobalAveragePooling1D, inputs: conv}",
             "first": "{type: Dense, units: 1, inputs: norm, kernel_constraint: {type: unit_norm, axis: 0}}",
             "second": "{type: Dense, units: 3, activation: softmax, inputs: pool}"}  # fmt: skip
    spec = modelspec.loads(
        "inputs: {x: {shape: [4]}, seq: {shape: [5, 2]}}\nlayers:\n"
        + "".join(f"  {name}: {node}\n" for name, node in nodes.items())
        + "outputs: [first, second]\ntraining:\n  optimizer: {type: sgd, learning_rate: 0.3}\n"
        "  loss: {first: mse, second: sparse_categorical_crossentropy}\n"
    )
    rng = np.random.default_rng(5)
    n = 4 * BATCH
    data = check_arrays(spec.graph, {"x": rng.normal(size=(n, 4)), "seq": rng.normal(size=(n, 5, 2)),
                                     "first": rng.normal(size=n), "second": rng.integers(0, 3, size=n)})  # fmt: skip
    k, t = keras_and_torch(spec)
    before = {name: value.copy() for name, value, _ in weights(spec.graph, k.model, t.model)}
    k_logs = k.train_epoch(data, np.array_split(np.arange(n), 4), lambda *a: None)
    t_logs = t.train_epoch(data, np.array_split(np.arange(n), 4), lambda *a: None)
    assert_same(spec, k, t, k_logs, t_logs)
    after = dict((name, value) for name, value, _ in weights(spec.graph, k.model, t.model))
    kernel = after["dense.kernel"]
    assert np.linalg.norm(kernel, axis=0).max() <= 0.6 + 1e-6 and after["dense.bias"].min() >= 0
    assert not np.allclose(after["lstm.recurrent_kernel"], before["lstm.recurrent_kernel"])
    np.testing.assert_allclose(np.linalg.norm(after["first.kernel"], axis=0), 1.0, rtol=1e-5)
    np.testing.assert_allclose([t.evaluate(data, BATCH)["loss"]], [k.evaluate(data, BATCH)["loss"]], **LOG_TOL)


@pytest.mark.parametrize("validation_split", [0.0, 0.25])
def test_normalization_is_adapted_to_the_training_data_then_trains_the_same(validation_split):
    """Keras' `adapt` before `fit`: the statistics of the training split (not the validation
    one), per feature; then both back ends train alike."""
    from modelspec.backends.torch import get_keras_weights
    from modelspec.training import adapt, train

    spec = modelspec.loads(textwrap.dedent(f"""
        inputs: {{x: {{shape: [3]}}}}
        layers:
          norm: {{type: Normalization, inputs: x}}
          out: {{type: Dense, units: 1, inputs: norm}}
        training: {{loss: mse, optimizer: {{type: sgd, learning_rate: 0.05}}, epochs: 2, batch_size: 8,
                    shuffle: false, validation_split: {validation_split}}}
    """))
    rng = np.random.default_rng(2)
    x = rng.normal([5.0, -2.0, 0.5], [3.0, 0.5, 1.0], size=(32, 3)).astype("float32")
    arrays = {"x": x, "out": x @ [0.3, -1.0, 2.0] + 1.0}
    quiet = dict(progress=False, echo=lambda line: None)
    keras_run = train(spec, arrays, "keras", **quiet)
    seen = x[: int(round(32 * (1 - validation_split)))]
    mean, variance, _ = keras_run.model.get_layer("norm").get_weights()
    np.testing.assert_allclose(mean, seen.mean(0), rtol=1e-6)
    np.testing.assert_allclose(variance, seen.var(0), rtol=1e-5)
    np.testing.assert_allclose(get_keras_weights(train(spec, arrays, "torch", **quiet).model, "norm")["mean"], mean,
                               rtol=1e-6)  # fmt: skip

    data = check_arrays(spec.graph, arrays)
    k, t = keras_and_torch(spec)
    for trainer in (k, t):
        adapt(trainer, spec.graph, data, print)
    batches = np.array_split(np.arange(32), 4)
    assert_same(spec, k, t, k.train_epoch(data, batches, lambda *a: None), t.train_epoch(data, batches, lambda *a: None))


def test_a_normalization_of_a_node_output_is_not_adapted_and_says_so():
    from modelspec.training import train

    spec = modelspec.loads(textwrap.dedent("""
        inputs: {x: {shape: [3]}}
        layers:
          dense: {type: Dense, units: 2, inputs: x}
          norm: {type: Normalization, inputs: dense}
        training: {loss: mse, epochs: 1}
    """))
    lines: list[str] = []
    arrays = {"x": np.ones((8, 3), "float32"), "norm": np.zeros((8, 2), "float32")}
    result = train(spec, arrays, "torch", progress=False, echo=lines.append)
    assert lines[0] == "note: Normalization 'norm' reads 'dense', not a model input: not adapted"
    from modelspec.backends.torch import get_keras_weights

    np.testing.assert_array_equal(get_keras_weights(result.model, "norm")["variance"], [1, 1])


def test_a_seq2seq_model_with_a_state_output_trains_the_same():
    """The decoder starts from the encoder's states (inputs by role) and one output is a state
    (`encoder.state_h`, several outputs of one node): the same losses, metrics and weights."""
    spec = modelspec.loads(textwrap.dedent("""
        inputs: {source: {shape: [6, 3]}, target: {shape: [5, 4]}}
        layers:
          encoder: {type: LSTM, units: 4, return_state: true, inputs: source}
          decoder: {type: LSTM, units: 4, return_sequences: true,
                    inputs: {sequences: target, initial_state: [encoder.state_h, encoder.state_c]}}
          probs: {type: Dense, units: 4, activation: softmax, inputs: decoder}
        outputs: [probs, encoder.state_h]
        training:
          optimizer: {type: adam, learning_rate: 0.05}
          loss: {probs: categorical_crossentropy, encoder.state_h: mse}
          loss_weights: {encoder.state_h: 0.5}
          metrics: {probs: [accuracy], encoder.state_h: [mae]}
    """))
    rng = np.random.default_rng(5)
    n = 24
    data = check_arrays(spec.graph, {"source": rng.normal(size=(n, 6, 3)), "target": rng.normal(size=(n, 5, 4)),
                                     "probs": np.eye(4)[rng.integers(0, 4, size=(n, 5))],
                                     "encoder.state_h": rng.uniform(-0.5, 0.5, size=(n, 4))})  # fmt: skip
    k, t = keras_and_torch(spec)
    one = [np.arange(BATCH)]
    assert_same(spec, k, t, k.train_epoch(data, one, lambda *a: None), t.train_epoch(data, one, lambda *a: None))
    batches = np.array_split(rng.permutation(np.arange(BATCH, n)), 2)
    k_logs, t_logs = k.train_epoch(data, batches, lambda *a: None), t.train_epoch(data, batches, lambda *a: None)
    assert {"encoder.state_h_loss", "encoder.state_h_mae", "probs_accuracy"} <= set(k_logs)
    assert_same(spec, k, t, k_logs, t_logs, weight_tol=dict(rtol=1e-4, atol=1e-5))  # Adam steps of 0.05
    np.testing.assert_allclose([t.evaluate(data, BATCH)[name] for name in k_logs],
                               [k.evaluate(data, BATCH)[name] for name in k_logs], **LOG_TOL)  # fmt: skip


def test_an_activity_regularizer_reads_every_output_of_its_layer():
    """Keras regularizes each tensor a layer returns: an LSTM's output, state_h and state_c, read
    or not (here only state_c is), three terms."""
    spec = modelspec.loads(textwrap.dedent("""
        inputs: {x: {shape: [5, 3]}}
        layers:
          enc: {type: LSTM, units: 3, return_state: true, activity_regularizer: {type: l2, l2: 0.5}, inputs: x}
          head: {type: Dense, units: 2, inputs: enc.state_c}
        training: {optimizer: {type: sgd, learning_rate: 0.1}, loss: mse}
    """))
    rng = np.random.default_rng(2)
    data = check_arrays(spec.graph, {"x": rng.normal(size=(16, 5, 3)), "head": rng.normal(size=(16, 2))})
    k, t = keras_and_torch(spec)
    before = t.evaluate(data, BATCH)["loss"]
    batches = [np.arange(8), np.arange(8, 16)]
    assert_same(spec, k, t, k.train_epoch(data, batches, lambda *a: None), t.train_epoch(data, batches, lambda *a: None))
    assert t.penalties.activity_nodes == ("enc", "enc.state_h", "enc.state_c") and before > 0


@pytest.mark.parametrize("head, norm", [("mse", False), ("scce", True)])
def test_a_masked_sequence_model_trains_the_same(head, norm):
    """Padded id sequences through an Embedding with mask_zero, an LSTM returning sequences and a
    Dense per step: Keras leaves the masked steps out of the loss and the metrics (the sum over
    the kept steps over their number) and the LSTM keeps its state there; so does torch. With a
    BatchNormalization after the Embedding, its batch statistics are the kept steps'."""
    from modelspec.backends.torch.losses import LOSSES, reduce_loss

    units, activation, loss, metrics, kind = HEADS[head]
    spec = modelspec.loads(textwrap.dedent(f"""
        inputs: {{ids: {{shape: [7], dtype: int32}}}}
        layers:
          - {{type: Embedding, input_dim: 12, output_dim: 4, mask_zero: true}}
          {"- {type: BatchNormalization, momentum: 0.8}" if norm else ""}
          - {{type: LSTM, units: 5, return_sequences: true}}
          - {{type: Dense, units: {units}, activation: {activation}, name: out}}
        training:
          optimizer: {{type: adam, learning_rate: 0.05}}
          loss: {loss}
          metrics: {metrics}
    """))
    rng = np.random.default_rng(5)
    n = 3 * BATCH
    ids = rng.integers(1, 12, size=(n, 7))
    lengths = rng.integers(1, 8, size=n)
    ids[np.arange(7) >= lengths[:, None]] = 0  # right padding of every length, 1 to 7
    ids[::5, 2] = 0  # and a gap inside some sequences
    y = target(kind, units, n * 7, rng).reshape(n, 7, *([units] if kind != "sparse" else []))
    data = check_arrays(spec.graph, {"ids": ids, "out": y})
    k, t = keras_and_torch(spec)
    batches = [np.arange(BATCH), np.arange(BATCH, 2 * BATCH), np.arange(2 * BATCH, n)]
    for _ in range(2):  # six steps
        assert_same(spec, k, t, k.train_epoch(data, batches, lambda *a: None), t.train_epoch(data, batches, lambda *a: None),
                    weight_tol=dict(rtol=1e-4, atol=1e-5))
    keras_loss = k.evaluate(data, n)["loss"]
    np.testing.assert_allclose(t.evaluate(data, n)["loss"], keras_loss, **LOG_TOL)
    with torch.no_grad():  # the figure is the masked one: counting the padded steps gives another
        outputs, logits, _, masks = t.view(torch.as_tensor(ids))
        config = spec.graph.training_plan().outputs[0].loss
        values = LOSSES[config.type](torch.as_tensor(data.y["out"]), outputs[0], logits[0], config)
    assert torch.equal(masks[0], torch.as_tensor(ids != 0))
    np.testing.assert_allclose(float(reduce_loss(values, masks[0])), keras_loss, **LOG_TOL)
    assert abs(float(values.mean()) - keras_loss) > 1e-3 * abs(keras_loss)
