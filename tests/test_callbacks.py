"""Callbacks, learning-rate schedules, gradient clipping, class and sample weights: the core's loop
on either back end does what Keras' own `fit` does with Keras' own callbacks. Each case trains
three times from the same weights: real Keras `fit(callbacks=[keras.callbacks...])` (the
reference), `train(..., "keras")` and `train(..., "torch")`; the histories, the epoch training
stopped at, the learning rates, the CSV rows, the TensorBoard scalars and the final weights
agree."""

import csv
import textwrap

import numpy as np
import pytest

import modelspec
from modelspec.backends.transfer import transfer_weights
from modelspec.data import check_arrays, class_sample_weights
from modelspec.errors import DataError
from modelspec.training import train

from .conftest import problems
from .test_training_equivalence import keras_and_torch, weights

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.keras, pytest.mark.torch]

HISTORY_TOL = dict(rtol=1e-4, atol=1e-5)
QUIET = dict(progress=False, echo=lambda line: None)
SEED = 0

CLASSIFIER = """
    inputs: {{x: {{shape: [4]}}}}
    layers:
      - {{type: Dense, units: 6, activation: tanh}}
      - {{type: Dense, units: 2, activation: softmax, name: out}}
    training:
      optimizer: {optimizer}
      loss: sparse_categorical_crossentropy
      metrics: [accuracy]
      epochs: {epochs}
      batch_size: 8
      validation_split: 0.25
      shuffle: false
      {extra}
      callbacks:
{callbacks}
"""


def classifier(optimizer: str, callbacks: list[str], epochs: int = 8, extra: str = "") -> modelspec.Spec:
    listed = "".join(f"        - {c}\n" for c in callbacks)
    return modelspec.loads(textwrap.dedent(CLASSIFIER.format(optimizer=optimizer, epochs=epochs, extra=extra,
                                                             callbacks=listed)))  # fmt: skip


def classes(n: int = 48, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    return {"x": x, "out": ((x[:, 0] + 0.5 * rng.normal(size=n)) > 0.3).astype("int64")}


def three_runs(spec, data, reference_callbacks, tmp_path, monkeypatch, with_keras_fit, torch_spec=None, **fit_args):
    """Keras' own fit with Keras' callbacks in `tmp_path/keras` (unless not `with_keras_fit`: then
    the core's loop on Keras is the reference), then the core's loop on each back end in
    `tmp_path/{keras,torch}-loop`, all from the same initial weights (`torch_spec`: the spec the
    torch back end trains, where a file name differs)."""
    keras.utils.set_random_seed(SEED)  # the initial weights: one case, the same every run
    reference = spec.to_keras(compile=True)
    model, module = spec.to_keras(compile=False), spec.to_torch()
    model.set_weights(reference.get_weights())
    transfer_weights(reference, module, spec.graph)
    t = spec.graph.training_plan()
    runs = {}
    for name in ("keras", "keras-loop", "torch-loop"):
        (tmp_path / name).mkdir()
    if with_keras_fit:
        monkeypatch.chdir(tmp_path / "keras")
        history = reference.fit(data["x"], data["out"], batch_size=t.batch_size, epochs=t.epochs, shuffle=False,
                                validation_split=t.validation_split, verbose=0, callbacks=reference_callbacks(),
                                **fit_args)  # fmt: skip
        runs["keras"] = (history.history, reference)
    for name, backend, start, trained in (("keras-loop", "keras", model, spec),
                                          ("torch-loop", "torch", module, torch_spec or spec)):  # fmt: skip
        monkeypatch.chdir(tmp_path / name)
        result = train(trained, data, backend, model=start, **QUIET)
        runs[name] = (result.history_dict(), result.model)
    if not with_keras_fit:
        runs["keras"] = runs["keras-loop"]
        (tmp_path / "keras").rmdir()
        (tmp_path / "keras").symlink_to(tmp_path / "keras-loop")
    return runs


# each case once in CI against the core's loop on Keras, and by hand (-m slow) against Keras' fit
KERAS_FIT = pytest.mark.parametrize("with_keras_fit", [False, pytest.param(True, marks=pytest.mark.slow)],
                                    ids=["loops", "keras_fit"])  # fmt: skip


def assert_same_histories(runs):
    reference, _ = runs["keras"]
    for name in ("keras-loop", "torch-loop"):
        history, _ = runs[name]
        assert sorted(history) == sorted(reference), name
        for key in reference:
            assert len(history[key]) == len(reference[key]), (name, key)  # stopped at the same epoch
            np.testing.assert_allclose(history[key], reference[key], **HISTORY_TOL, err_msg=f"{name} {key}")


def assert_same_weights(spec, runs):
    from modelspec.backends.torch import get_keras_weights

    _, reference = runs["keras"]
    _, model = runs["keras-loop"]
    _, module = runs["torch-loop"]
    for node in spec.graph.nodes:
        expected = reference.get_layer(node.layer_name).get_weights()
        for got in (model.get_layer(node.layer_name).get_weights(), list(get_keras_weights(module, node.layer_name).values())):
            for a, b in zip(got, expected):
                np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def read_csv(path):
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def assert_same_csv(tmp_path, filename):
    reference = read_csv(tmp_path / "keras" / filename)
    for name in ("keras-loop", "torch-loop"):
        rows = read_csv(tmp_path / name / filename)
        assert rows[0] == reference[0], name  # the columns, in Keras' order
        assert [r[0] for r in rows] == [r[0] for r in reference]  # epochs from 0
        for got, expected in zip(rows[1:], reference[1:]):
            assert [v == "NA" for v in got] == [v == "NA" for v in expected]
            values = [(float(a), float(b)) for a, b in zip(got[1:], expected[1:]) if b != "NA"]
            np.testing.assert_allclose(*zip(*values), **HISTORY_TOL)


def scalars(directory):
    """{(part, tag): [(step, value), ...]} of the TensorBoard event files under `directory`."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    found = {}
    for part in ("train", "validation"):
        events = EventAccumulator(str(directory / part), size_guidance={"tensors": 0})
        events.Reload()
        for tag in events.Tags()["tensors"]:
            if tag.startswith("epoch_"):
                found[part, tag] = [(e.step, float(np.asarray(tf_make_ndarray(e.tensor_proto)))) for e in events.Tensors(tag)]
    return found


def tf_make_ndarray(proto):
    from tensorboard.util.tensor_util import make_ndarray

    return make_ndarray(proto)


# --- against Keras' own fit and callbacks -------------------------------------------------------


@KERAS_FIT
def test_early_stopping_schedule_clipping_class_weights_csv_checkpoint_and_tensorboard(tmp_path, monkeypatch, with_keras_fit):
    """ExponentialDecay per step, clipnorm, class_weight, EarlyStopping restoring the best weights
    after stopping early, the CSV log, the best checkpoint and the TensorBoard scalars: as Keras."""
    pytest.importorskip("tensorboard")
    schedule = "{type: ExponentialDecay, initial_learning_rate: 0.1, decay_steps: 4, decay_rate: 0.7}"
    spec = classifier(f"{{type: adam, learning_rate: {schedule}, clipnorm: 0.5}}", [
        "{type: EarlyStopping, monitor: val_loss, patience: 2, min_delta: 0.01, restore_best_weights: true}",
        "{type: CSVLogger, filename: log.csv}",
        "{type: ModelCheckpoint, filepath: best.keras, save_best_only: true}",
        "{type: TensorBoard, log_dir: tb}",
    ], epochs=10, extra="class_weight: {0: 1.0, 1: 2.5}")  # fmt: skip

    def reference_callbacks():
        return [keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, min_delta=0.01, restore_best_weights=True),
                keras.callbacks.CSVLogger("log.csv"),
                keras.callbacks.ModelCheckpoint("best.keras", save_best_only=True),
                keras.callbacks.TensorBoard("tb", write_graph=False)]  # fmt: skip

    data = classes(64, seed=3)
    torch_spec = modelspec.loads(spec.to_yaml().replace("best.keras", "best.pt"))
    runs = three_runs(spec, data, reference_callbacks, tmp_path, monkeypatch, with_keras_fit, torch_spec,
                      class_weight={0: 1.0, 1: 2.5})
    assert 3 < len(runs["keras"][0]["loss"]) < 10, runs["keras"][0]["val_loss"]  # it stopped early
    assert_same_histories(runs)
    assert_same_weights(spec, runs)  # the best epoch's, restored
    assert_same_csv(tmp_path, "log.csv")
    reference = scalars(tmp_path / "keras" / "tb")
    assert ("train", "epoch_learning_rate") in reference and ("validation", "epoch_loss") in reference
    for name in ("keras-loop", "torch-loop"):
        got = scalars(tmp_path / name / "tb")
        assert sorted(got) == sorted(reference)
        for key, values in reference.items():
            assert [s for s, _ in got[key]] == [s for s, _ in values]
            np.testing.assert_allclose([v for _, v in got[key]], [v for _, v in values], **HISTORY_TOL, err_msg=str(key))
    best = keras.saving.load_model(tmp_path / "keras" / "best.keras").get_weights()  # the best epoch's
    saved = keras.saving.load_model(tmp_path / "keras-loop" / "best.keras").get_weights()
    module = modelspec.load_torch(tmp_path / "torch-loop" / "best.pt")
    from modelspec.backends.torch import get_keras_weights

    saved_torch = [w for n in ("dense", "out") for w in get_keras_weights(module, n).values()]
    for a, b, c in zip(saved, saved_torch, best, strict=True):
        np.testing.assert_allclose(a, c, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(b, c, rtol=1e-4, atol=1e-5)


@KERAS_FIT
def test_reduce_lr_on_plateau_with_cooldown_and_global_clipnorm(tmp_path, monkeypatch, with_keras_fit):
    """ReduceLROnPlateau's patience, cooldown, min_delta and min_lr, the `learning_rate` it logs,
    and global_clipnorm: as Keras; EarlyStopping with a baseline runs every epoch."""
    spec = classifier("{type: sgd, learning_rate: 0.5, momentum: 0.5, global_clipnorm: 0.3}", [
        "{type: ReduceLROnPlateau, monitor: val_loss, factor: 0.5, patience: 1, cooldown: 1, min_delta: 0.05, min_lr: 0.2}",
        "{type: EarlyStopping, monitor: loss, patience: 1, baseline: 0.0}",
        "{type: CSVLogger, filename: log.csv, separator: ';'}",
    ], epochs=9)  # fmt: skip

    def reference_callbacks():
        return [keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, cooldown=1, min_delta=0.05,
                                                  min_lr=0.2),
                keras.callbacks.EarlyStopping(monitor="loss", patience=1, baseline=0.0),
                keras.callbacks.CSVLogger("log.csv", separator=";")]  # fmt: skip

    runs = three_runs(spec, classes(), reference_callbacks, tmp_path, monkeypatch, with_keras_fit)
    rates = runs["keras"][0]["learning_rate"]
    assert len(rates) == 9 and rates[0] == pytest.approx(0.5) and min(rates) == pytest.approx(0.2), rates
    assert len(set(np.round(rates, 6))) > 2  # reduced more than once, down to min_lr
    assert_same_histories(runs)
    assert_same_weights(spec, runs)
    assert read_csv(tmp_path / "keras-loop" / "log.csv")[0] == ["epoch;accuracy;learning_rate;loss;val_accuracy;val_loss"]


@pytest.mark.parametrize("mode, monitor", [("auto", "val_accuracy"), pytest.param("max", "val_loss", marks=pytest.mark.slow),
                                           pytest.param("min", "accuracy", marks=pytest.mark.slow)])  # fmt: skip
@KERAS_FIT
def test_early_stopping_modes_stop_at_keras_epoch(mode, monitor, tmp_path, monkeypatch, with_keras_fit):
    """`mode: auto` on a metric (accuracy improves upwards), an explicit mode, a training figure;
    no restoring: the last epoch's weights."""
    spec = classifier("{type: adam, learning_rate: 0.05}", [
        f"{{type: EarlyStopping, monitor: {monitor}, mode: {mode}, patience: 1, start_from_epoch: 1}}"], epochs=12)  # fmt: skip
    runs = three_runs(spec, classes(), lambda: [keras.callbacks.EarlyStopping(monitor=monitor, mode=mode, patience=1,
                                                                              start_from_epoch=1)],
                      tmp_path, monkeypatch, with_keras_fit)  # fmt: skip
    assert len(runs["keras"][0]["loss"]) < 12
    assert_same_histories(runs)
    assert_same_weights(spec, runs)


def test_csv_log_without_validation_has_na_twins_and_appends(tmp_path, monkeypatch):
    spec = modelspec.loads(textwrap.dedent("""
        inputs: {x: {shape: [4]}}
        layers: [{type: Dense, units: 1, name: out}]
        training:
          loss: mse
          metrics: [mae]
          epochs: 2
          callbacks: [{type: CSVLogger, filename: log.csv, append: true}]
    """))
    rng = np.random.default_rng(0)
    data = {"x": rng.normal(size=(16, 4)), "out": rng.normal(size=16)}
    monkeypatch.chdir(tmp_path)
    keras_model = spec.to_keras(compile=True)
    for _ in range(2):
        keras_model.fit(data["x"], data["out"], epochs=2, verbose=0, callbacks=[keras.callbacks.CSVLogger("keras.csv", append=True)])
    for backend in ("keras", "torch"):
        for _ in range(2):
            train(spec, data, backend, **QUIET)
        rows = read_csv("log.csv")
        assert [r[:1] for r in rows] == [r[:1] for r in read_csv("keras.csv")] == [["epoch"], ["0"], ["1"], ["0"], ["1"]]
        assert rows[0] == read_csv("keras.csv")[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
        assert {r[3] for r in rows[1:]} == {"NA"}
        (tmp_path / "log.csv").unlink()


# --- schedules and clipping, step for step ------------------------------------------------------

SCHEDULES = {
    "exponential": "{type: ExponentialDecay, initial_learning_rate: 0.1, decay_steps: 3, decay_rate: 0.6}",
    "exponential_staircase": "{type: ExponentialDecay, initial_learning_rate: 0.1, decay_steps: 3, decay_rate: 0.6, staircase: true}",
    "cosine": "{type: CosineDecay, initial_learning_rate: 0.1, decay_steps: 7, alpha: 0.1}",
    "cosine_warmup": "{type: CosineDecay, initial_learning_rate: 0.0, decay_steps: 5, warmup_target: 0.2, warmup_steps: 4}",
    "piecewise": "{type: PiecewiseConstantDecay, boundaries: [2, 5], values: [0.1, 0.05, 0.01]}",
}  # fmt: skip


@pytest.mark.parametrize("name", SCHEDULES)
def test_each_schedule_is_keras_schedule_at_every_step(name):
    import yaml

    from modelspec.optimization import Training

    schedule = Training.model_validate({"loss": "mse", "optimizer": {"type": "sgd", "learning_rate": yaml.safe_load(SCHEDULES[name])}}).optimizer.learning_rate
    reference = getattr(keras.optimizers.schedules, schedule.type)(**schedule.model_dump(exclude={"type"}))
    steps = range(14)
    np.testing.assert_allclose([schedule.at(s) for s in steps], [float(reference(s)) for s in steps], rtol=1e-6, atol=1e-9)


TWO_HEADS = """
    inputs: {{ids: {{shape: [5], dtype: int32}}, x: {{shape: [3]}}}}
    layers:
      embed: {{type: Embedding, input_dim: 6, output_dim: 3, inputs: ids}}
      pooled: {{type: GlobalAveragePooling1D, inputs: embed}}
      joined: {{type: Concatenate, inputs: [pooled, x]}}
      trunk: {{type: Dense, units: 5, activation: tanh, inputs: joined}}
      price: {{type: Dense, units: 1, inputs: trunk}}
      direction: {{type: Dense, units: 3, activation: softmax, inputs: trunk}}
    outputs: [price, direction]
    training:
      optimizer: {optimizer}
      loss: {{price: mse, direction: sparse_categorical_crossentropy}}
      metrics: {{price: [mae], direction: [accuracy]}}
      {extra}
"""


def two_heads(optimizer: str, extra: str = "") -> modelspec.Spec:
    return modelspec.loads(textwrap.dedent(TWO_HEADS.format(optimizer=optimizer, extra=extra)))


def two_heads_data(n: int = 32, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, 6, size=(n, 5))  # tokens repeat within a sample and a batch
    x = rng.normal(size=(n, 3)).astype("float32")
    return {"ids": ids, "x": x, "price": 3 * x.sum(1) + ids[:, 0], "direction": ids[:, 1] % 3,
            "price_weight": rng.uniform(0, 2, size=n).astype("float32")}  # fmt: skip


CLIPPED = {
    "clipnorm_exponential": "{type: adam, learning_rate: " + SCHEDULES["exponential"] + ", clipnorm: 0.2}",
    "clipvalue_cosine": "{type: rmsprop, learning_rate: " + SCHEDULES["cosine_warmup"] + ", clipvalue: 0.05}",
    "global_clipnorm_piecewise": "{type: adamw, learning_rate: " + SCHEDULES["piecewise"] + ", global_clipnorm: 0.3}",
    "clipnorm_sgd": "{type: sgd, learning_rate: 0.3, momentum: 0.5, clipnorm: 0.1}",
}  # fmt: skip


@pytest.mark.parametrize("optimizer", [pytest.param(o, marks=[pytest.mark.slow] if o == "clipnorm_sgd" else []) for o in CLIPPED])
def test_clipping_and_schedules_train_the_same_step_for_step(optimizer):
    """Keras clips before the update and evaluates a schedule at the steps done so far; an
    Embedding's gradient is clipped as TensorFlow clips its per-lookup slices."""
    from .test_training_equivalence import assert_same

    spec = two_heads(CLIPPED[optimizer])
    data = check_arrays(spec.graph, two_heads_data())
    k, t = keras_and_torch(spec)
    batches = np.array_split(np.arange(32), 4)
    for _ in range(2):  # eight steps, across the schedules' changes
        assert_same(spec, k, t, k.train_epoch(data, batches, lambda *a: None), t.train_epoch(data, batches, lambda *a: None),
                    weight_tol=dict(rtol=1e-4, atol=1e-5))  # fmt: skip
    assert t.learning_rate == pytest.approx(k.learning_rate, rel=1e-6)


# --- class and sample weights --------------------------------------------------------------------


@KERAS_FIT
def test_sample_and_class_weights_per_output_give_keras_losses(with_keras_fit):
    """A sample-weight array for one output, class weights for the other (Keras 3 refuses
    class_weight with several outputs: they become that output's sample weights, by Keras' own
    rule); the reference is Keras' fit with those sample weights, the validation split weighted
    by its sample weights only, as Keras weighs it."""
    from keras.src.trainers.data_adapters.data_adapter_utils import class_weight_to_sample_weights

    schedule = "\n      epochs: 3\n      batch_size: 8\n      validation_split: 0.25\n      shuffle: false"
    weighted = "\n      sample_weight: {price: price_weight}\n      class_weight: {direction: {0: 0.5, 2: 4.0}}"
    spec = two_heads("{type: adam, learning_rate: 0.02}", extra=schedule + weighted)
    arrays = two_heads_data(40)
    checked = check_arrays(spec.graph, arrays)
    assert list(checked.w) == ["price"] and checked.w["price"].shape == (40,)
    assert checked.warnings == []  # the sample-weight array is used
    keras.utils.set_random_seed(1)
    reference = spec.to_keras(compile=True)
    model, module = spec.to_keras(compile=False), spec.to_torch()
    model.set_weights(reference.get_weights())
    transfer_weights(reference, module, spec.graph)

    cw = class_weight_to_sample_weights(arrays["direction"][:30], {0: 0.5, 2: 4.0})
    np.testing.assert_array_equal(class_sample_weights(arrays["direction"][:30], {0: 0.5, 2: 4.0}), cw)
    np.testing.assert_array_equal(class_sample_weights(np.eye(3)[arrays["direction"][:30]], {0: 0.5, 2: 4.0}), cw)
    expected = None
    if with_keras_fit:
        x = lambda s: [arrays["ids"][s], arrays["x"][s]]  # noqa: E731
        y = lambda s: [arrays["price"][s], arrays["direction"][s]]  # noqa: E731
        fit_part, val_part = slice(0, 30), slice(30, 40)
        expected = reference.fit(x(fit_part), y(fit_part), sample_weight=[arrays["price_weight"][fit_part], cw],
                                 batch_size=8, epochs=3, shuffle=False, verbose=0,
                                 validation_data=(x(val_part), y(val_part),
                                                  [arrays["price_weight"][val_part], np.ones(10, "float32")])).history  # fmt: skip
    first = {k: v.clone() for k, v in module.state_dict().items()}
    for backend, start in (("keras", model), ("torch", module)):
        history = train(spec, arrays, backend, model=start, **QUIET).history_dict()
        expected = expected or history
        assert sorted(history) == sorted(expected)
        for key in expected:
            np.testing.assert_allclose(history[key], expected[key], **HISTORY_TOL, err_msg=f"{backend} {key}")
    plain = spec.to_torch()  # the same start without the weights: other losses
    plain.load_state_dict(first)
    unweighted = train(two_heads("{type: adam, learning_rate: 0.02}", extra=schedule), arrays, "torch", model=plain, **QUIET)
    for name in ("loss", "price_loss", "direction_loss"):
        assert abs(unweighted.history[0][name] - expected[name][0]) > 1e-3 * abs(expected[name][0]), name


# --- what is refused, and where -----------------------------------------------------------------

TWO_OUTPUTS = """
    inputs: {x: {shape: [4]}}
    layers:
      price: {type: Dense, units: 1, inputs: x}
      direction: {type: Dense, units: 2, activation: softmax, inputs: x}
    outputs: [price, direction]
    training:
      loss: {price: mse, direction: sparse_categorical_crossentropy}
      metrics: {direction: [accuracy]}
      validation_split: 0.25
"""


def test_spec_mistakes_are_located_errors():
    def found(section: str) -> list[str]:
        return problems(textwrap.dedent(TWO_OUTPUTS) + textwrap.indent(textwrap.dedent(section), "  "))

    assert found("""
        optimizer: {type: adam, learning_rate: {type: CosineDecay, initial_learning_rate: 0.1, decay_steps: 10}, clipnorm: 1, clipvalue: 2}
        callbacks:
          - {type: Earlystopping}
          - {type: ReduceLROnPlateau, factor: 1.5}
    """) == [
        "spec.yaml:12:14: training.optimizer: only one of clipnorm, clipvalue and global_clipnorm can be set (Keras' rule), "
        "got clipnorm and clipvalue",
        "spec.yaml:14:7: training.callbacks.0: unknown kind 'Earlystopping' (did you mean 'EarlyStopping'?); expected one of "
        "EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, CSVLogger, TensorBoard",
        "spec.yaml:15:41: training.callbacks.1.factor: Input should be less than 1",
    ]
    assert found("""
        optimizer: {type: adam, learning_rate: {type: CosineDecay, initial_learning_rate: 0.1, decay_steps: 10}}
        callbacks:
          - {type: EarlyStopping, monitor: val_los}
          - {type: EarlyStopping, monitor: val_direction_accuracy}
          - {type: ReduceLROnPlateau, monitor: loss}
          - {type: ModelCheckpoint, filepath: "best-{epoch:02d}-{val_acc}.keras"}
        class_weight: {0: 1.0, 1: 2.0}
    """) == [
        "spec.yaml:14:38: training.callbacks.0.monitor: 'val_los' is not a figure of the history (did you mean 'val_loss'?); "
        "figures: loss, price_loss, direction_loss, direction_accuracy, val_loss, val_price_loss, val_direction_loss, "
        "val_direction_accuracy",
        "spec.yaml:15:7: training.callbacks.1.mode: mode auto cannot tell whether 'val_direction_accuracy' improves down or "
        "up (nor can Keras for a multi-output model's metric or an output's loss): give mode: min or max",
        "spec.yaml:16:7: training.callbacks.2: ReduceLROnPlateau sets the learning rate, which the optimizer's schedule "
        "(CosineDecay) decides: use one or the other (Keras refuses to set a scheduled rate)",
        "spec.yaml:17:41: training.callbacks.3.filepath: {val_acc} names no figure of the history",
        "spec.yaml:18:17: training.class_weight: {class id: weight} is for a single-output model; key it by output name "
        "(outputs: price, direction)",
    ]
    assert found("sample_weight: {prices: w}") == [
        "spec.yaml:11:19: training.sample_weight.prices: 'prices' is not an output (did you mean 'price'?); outputs: price, "
        "direction"]  # fmt: skip
    assert found("sample_weight: {price: w}\nclass_weight: {price: {0: 1.0}}") == [
        "spec.yaml:11:26: training.sample_weight.price: output 'price' has a class_weight too; Keras takes one or the other"]
    valid = textwrap.dedent(TWO_OUTPUTS) + "  callbacks: [{type: EarlyStopping, monitor: val_direction_accuracy, mode: max}]\n"
    assert modelspec.loads(valid).graph.training_plan().callbacks[0].mode == "max"


@pytest.mark.parametrize("backend", ["keras", "torch"])
def test_data_and_file_mistakes_are_one_line_errors(backend, tmp_path, capsys):
    from modelspec.cli import main

    spec_text = textwrap.dedent(TWO_OUTPUTS).replace("validation_split: 0.25", textwrap.dedent("""\
        sample_weight: {price: price_weight}
        callbacks:
          - {type: EarlyStopping, monitor: val_loss}
          - {type: ModelCheckpoint, filepath: best.keras}""").replace("\n", "\n  "))  # fmt: skip
    (tmp_path / "spec.yaml").write_text(spec_text)
    rng = np.random.default_rng(0)
    data = {"x": rng.normal(size=(8, 4)), "price": rng.normal(size=8), "direction": rng.integers(0, 2, size=8)}
    np.savez(tmp_path / "data.npz", **data)
    args = ["train", str(tmp_path / "spec.yaml"), "--data", str(tmp_path / "data.npz"), "--backend", backend]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "array 'price_weight' (sample weights of output 'price') is missing; the data holds 'x', 'price', 'direction'" in err
    np.savez(tmp_path / "data.npz", **data, price_weight=np.ones((8, 2)))
    assert main(args) == 1
    assert "array 'price_weight': expected numeric values of shape (N,), got float64 of shape (8, 2)" in capsys.readouterr().err
    np.savez(tmp_path / "data.npz", **data, price_weight=np.ones(8))
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "EarlyStopping watches 'val_loss', but there is no validation data" in err and "Traceback" not in err
    if backend == "torch":
        assert "ModelCheckpoint filepath: a torch model file ends in .pt, got 'best.keras'" in err
    else:  # a validation set (--val-data) is validation data too
        np.savez(tmp_path / "val.npz", **data, price_weight=np.ones(8))
        (tmp_path / "spec.yaml").write_text(spec_text.replace("best.keras", str(tmp_path / "best.keras")))
        assert main([*args, "--val-data", str(tmp_path / "val.npz"), "--epochs", "2"]) == 0
        assert (tmp_path / "best.keras").exists() and "val_loss" in capsys.readouterr().out


def test_sample_weights_of_a_masked_sequence_output_train_the_same():
    """Weights per sample and step over a Dense per step of padded sequences: Keras multiplies
    them into the mask's (kept steps weigh total / kept), so does torch. (Keras 3.15 takes no
    per-sample (N,) weights there: it multiplies them into the (N, steps) values and fails.)"""
    from .test_training_equivalence import assert_same

    spec = modelspec.loads(textwrap.dedent("""
        inputs: {ids: {shape: [6], dtype: int32}}
        layers:
          - {type: Embedding, input_dim: 9, output_dim: 3, mask_zero: true}
          - {type: GRU, units: 4, return_sequences: true}
          - {type: Dense, units: 2, name: out}
        training: {optimizer: {type: adam, learning_rate: 0.05}, loss: mse, metrics: [mae], sample_weight: {out: w}}
    """))
    rng = np.random.default_rng(4)
    ids = rng.integers(1, 9, size=(24, 6))
    ids[np.arange(6) >= rng.integers(1, 7, size=24)[:, None]] = 0
    data = check_arrays(spec.graph, {"ids": ids, "out": rng.normal(size=(24, 6, 2)), "w": rng.uniform(0, 3, size=(24, 6))})
    k, t = keras_and_torch(spec)
    batches = np.array_split(np.arange(24), 3)
    assert_same(spec, k, t, k.train_epoch(data, batches, lambda *a: None), t.train_epoch(data, batches, lambda *a: None),
                weight_tol=dict(rtol=1e-4, atol=1e-5))  # fmt: skip
    np.testing.assert_allclose(t.evaluate(data, 8)["loss"], k.evaluate(data, 8)["loss"], rtol=2e-5)
    arrays = {"ids": ids, "out": data.y["out"], "w": np.ones(24)}
    with pytest.raises(DataError) as info:
        check_arrays(spec.graph, arrays)
    assert info.value.problems == ["array 'w': expected numeric values of shape (N, 6), got float64 of shape (24,)"]
    by_class = modelspec.loads(spec.to_yaml().replace("sample_weight: {out: w}", "class_weight: {out: {0: 2.0}}"))
    with pytest.raises(DataError, match=r"class_weight of output 'out': its targets are not one class per sample"):
        check_arrays(by_class.graph, arrays)


@pytest.mark.slow
def test_two_processes_weigh_and_call_back_as_one(tmp_path):
    """torchrun, 2 processes: sample and class weights enter each process' part of the loss, and
    the callbacks decide alike in every process (the figures are all-reduced) and write once."""
    import json

    from .test_devices import SPEC, arrays, cli, usable_cores
    from .test_devices import spec as devices_spec

    if usable_cores() < 2:
        pytest.skip("needs 2 CPU cores for 2 gloo processes")
    text = SPEC.replace("      seed: 3\n", textwrap.indent(textwrap.dedent("""\
        seed: 3
        epochs: 6
        sample_weight: {level: w}
        class_weight: {kind: {0: 2.0, 2: 0.5}}
        callbacks:
          - {type: ReduceLROnPlateau, monitor: val_loss, factor: 0.5, patience: 0, min_delta: 1.0}
          - {type: EarlyStopping, monitor: val_loss, patience: 1, min_delta: 1.0, restore_best_weights: true}
          - {type: CSVLogger, filename: LOG}
        """), "      ")).replace("      epochs: 3\n", "")  # fmt: skip
    data = {**arrays(), "w": np.random.default_rng(1).uniform(0, 2, size=46)}
    (tmp_path / "spec.yaml").write_text(textwrap.dedent(text).replace("LOG", str(tmp_path / "ddp.csv")))
    np.savez(tmp_path / "data.npz", **data)
    out = tmp_path / "ddp.pt"
    done = cli("train", str(tmp_path / "spec.yaml"), "--data", str(tmp_path / "data.npz"), "--backend", "torch",
               "--device", "cpu", "--nproc", "2", "-o", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    one = train(devices_spec(text.replace("LOG", str(tmp_path / "one.csv"))), data, "torch", device="cpu", **QUIET)
    assert 2 < len(one.history) < 6, [e["val_loss"] for e in one.history]  # stopped early
    assert read_csv(tmp_path / "ddp.csv")[0] == read_csv(tmp_path / "one.csv")[0]
    assert len(read_csv(tmp_path / "ddp.csv")) == len(one.history) + 1  # written once, a row per epoch
    theirs = torch.load(out, weights_only=True)["state_dict"]
    for name, value in one.model.state_dict().items():
        np.testing.assert_allclose(theirs[name].numpy(), value.numpy(), rtol=0, atol=1e-6, err_msg=name)
    history = json.loads((tmp_path / "ddp.pt.history.json").read_text())["history"]
    assert sorted(history) == sorted(one.history_dict()) and "learning_rate" in history
    for name, values in one.history_dict().items():
        np.testing.assert_allclose(history[name], values, rtol=1e-6, atol=1e-6, err_msg=name)


def test_clipvalue_of_an_embedding_is_refused_in_several_processes():
    from modelspec.devices import ddp_refusals

    assert ddp_refusals(two_heads("{type: adam, clipvalue: 0.1}").graph) == [
        "node 'embed' (Embedding) with the optimizer's clipvalue: each lookup's gradient is clipped before they "
        "are summed, and a process sees only its own lookups: train it in one process"]  # fmt: skip
    assert ddp_refusals(two_heads("{type: adam, clipnorm: 0.1}").graph) == []
