"""The Keras back end: every kind lowers, the figures equal the core's, and Keras' own clients work.

For every example spec, every case below (each layer kind with a few argument combinations) and
generated specs, the Keras model's inputs, outputs, weights and parameter counts must be what
the core inferred. Models are built once per module and reused.
"""

import re
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import yaml

keras = pytest.importorskip("keras")

from hypothesis import given, settings  # noqa: E402

import modelspec  # noqa: E402
from modelspec.backends import BackendError  # noqa: E402
from modelspec.backends.keras import LOWERINGS, mismatches, save_keras, to_keras  # noqa: E402
from modelspec.layers import REGISTRY  # noqa: E402
from modelspec.layers.base import format_shape  # noqa: E402

from .conftest import ROOT, SPECS  # noqa: E402
from .strategies import specs as generated_specs  # noqa: E402

pytestmark = [
    pytest.mark.keras,
    pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy"),  # TF's
]


from .kind_cases import CASES, KIND_CASES, case, pad  # noqa: E402




def test_every_kind_has_a_rule_and_cases():
    assert sorted(k for k, cls in REGISTRY.items() if cls not in LOWERINGS) == [], "kinds with no keras lowering"
    assert sorted(set(REGISTRY) - set(CASES)) == [], "kinds with no case in this file"


def test_every_activation_name_keras_applies_is_accepted():
    from keras.src.activations import ALL_OBJECTS_DICT

    from modelspec.layers import ACTIVATIONS

    assert set(ACTIVATIONS) == set(ALL_OBJECTS_DICT) - {"glu", "threshold"}
    x = np.ones((2, 6), "float32")
    with pytest.raises(TypeError, match="threshold"):  # no defaults for its arguments
        keras.layers.Activation("threshold")(x)
    inputs = keras.Input((6,))
    halved = keras.layers.Activation("glu")(inputs)  # declares (None, 6), computes (2, 3):
    assert tuple(halved.shape) == (None, 6) and keras.Model(inputs, halved)(x).shape == (2, 3)
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 6"):
        keras.Model(inputs, keras.layers.Dense(2)(halved))(x)  # the next layer is built for 6


# --- building, once per module ---------------------------------------------------------------

_BUILT: dict[str, tuple] = {}


def built(key: str, load) -> tuple:
    """(spec, model) for `key`, built on first use and kept for the module."""
    if key not in _BUILT:
        spec = load()
        _BUILT[key] = spec, spec.to_keras()
    return _BUILT[key]


def example(path) -> tuple:
    return built(path.stem, lambda: modelspec.load(path))


def kind_case(key: str, data: dict) -> tuple:
    return built(key, lambda: modelspec.loads(yaml.safe_dump(data, sort_keys=False)))


def sample_inputs(spec, seed: int = 0) -> list[np.ndarray]:
    """One batch of 2 for every input; `None` lengths as 4; integers within every vocabulary;
    padding where masks read it (`kind_cases.pad`)."""
    rng = np.random.default_rng(seed)
    out = []
    for t in spec.graph.inputs.values():
        shape = (2, *(4 if d is None else d for d in t.shape))
        if t.dtype.startswith("int"):
            out.append(rng.integers(0, 10, shape).astype(t.dtype))
        elif t.dtype == "bool":  # a mask: both values, often
            out.append(rng.random(shape) < 0.6)
        else:
            out.append(rng.normal(size=shape).astype(t.dtype))
    return pad(spec.graph, out)


def run(model, x: list[np.ndarray]) -> list[np.ndarray]:
    """The model's outputs on `x`, as a list (one input and one output go bare, as in Keras)."""
    out = model(x[0] if len(x) == 1 else x)
    return [keras.ops.convert_to_numpy(t) for t in (out if isinstance(out, (list, tuple)) else [out])]


def assert_figures_match(spec, model) -> None:
    graph = spec.graph
    assert mismatches(model, graph) == []
    assert [t.name for t in model.inputs] == list(graph.inputs)
    for t, want in zip(model.inputs, graph.inputs.values()):
        assert tuple(t.shape) == (None, *want.shape) and t.dtype == want.dtype
    assert list(model.output_names) == list(graph.outputs)
    for t, name in zip(model.outputs, graph.outputs):
        assert tuple(t.shape) == (None, *graph.tensor_type(name).shape)
    assert model.count_params() == graph.params
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert (trainable, model.count_params() - trainable) == (graph.trainable_params,
                                                             graph.non_trainable_params)  # fmt: skip
    names = {layer.name for layer in model.layers}
    assert names >= set(graph.inputs) | {n.layer_name for n in graph.nodes}


def assert_round_trip(spec, model, tmp_path) -> None:
    path = tmp_path / f"{spec.name}.keras"
    save_keras(model, path)
    loaded = keras.models.load_model(path)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    x = sample_inputs(spec)
    before, after = run(model, x), run(loaded, x)
    assert len(before) == len(after) == len(spec.graph.outputs)
    for a, b in zip(before, after):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


# --- every example spec ----------------------------------------------------------------------


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_example_figures_equal_the_core(path):
    assert_figures_match(*example(path))


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_example_saves_and_loads_with_equal_outputs(path, tmp_path):
    assert_round_trip(*example(path), tmp_path)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_example_summary_prints_the_core_figures(path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "240")  # rich would clip the table at 80 columns
    spec, model = example(path)
    text: list[str] = []
    model.summary(line_length=220, print_fn=lambda line, *a, **k: text.append(line))
    lines = "\n".join(text).splitlines()
    for node in spec.graph.nodes:
        if node.shared:
            continue
        row = next(line for line in lines if f" {node.name} ({type(model.get_layer(node.name)).__name__})" in line)
        assert f" {node.params:,} " in row, (node.name, row)
        assert format_shape(node.output.shape, batch=True) in row, (node.name, row)
    mine = spec.summary()
    # Keras' total counts the optimizer's variables too once it is built (saving a model builds it:
    # `save_keras`, so that the file holds them all); the model's own figures are the core's
    built_optimizer = re.search(r" Optimizer params: ([\d,]+) ", "\n".join(lines))
    optimizer = int(built_optimizer.group(1).replace(",", "")) if built_optimizer else 0
    for label, count in [("Total", mine.total_params + optimizer), ("Trainable", mine.trainable_params),
                         ("Non-trainable", mine.non_trainable_params)]:  # fmt: skip
        assert f" {label} params: {count:,} " in "\n".join(lines)


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz `dot` is not installed")
@pytest.mark.parametrize("stem", ["ticket_classifier", "toy_resnet"])
def test_plot_model_runs(stem, tmp_path):
    pytest.importorskip("pydot")
    _, model = example(ROOT / "specs" / f"{stem}.yaml")
    out = tmp_path / "model.png"
    keras.utils.plot_model(model, to_file=str(out), show_shapes=True, show_layer_names=True)
    assert out.stat().st_size > 1000


# --- every layer kind ------------------------------------------------------------------------


@pytest.mark.parametrize("key, data", KIND_CASES, ids=[k for k, _ in KIND_CASES])
def test_kind_figures_equal_the_core(key, data):
    spec, model = kind_case(key, data)
    assert_figures_match(spec, model)
    assert type(model.get_layer("node")).__name__ == data["layers"]["node"]["type"]
    outs = run(model, sample_inputs(spec))
    assert len(outs) == len(spec.graph.outputs) == len(spec.graph.node("node").tensors)
    for out, name in zip(outs, spec.graph.outputs):
        core = spec.graph.tensor_type(name).shape  # None: any length (here the input's 4, or less)
        assert out.shape[0] == 2 and len(out.shape) == len(core) + 1
        assert all(d is None or d == o for d, o in zip(core, out.shape[1:]))


# Weights Keras adds with an initializer written in the call, kept by no attribute
# (`add_weight(initializer="ones")` in keras/src/layers/attention/attention.py, additive_attention.py).
LITERAL_INITIALIZERS = {("Attention", "scale"): "ones", ("Attention", "concat_score_weight"): "ones",
                        ("AdditiveAttention", "scale"): "glorot_uniform"}  # fmt: skip


def _keras_initializer(layer, weight: str):
    """The initializer the Keras layer `layer` draws its weight `weight` (the core's name) from."""
    if type(layer).__name__ == "TimeDistributed":
        layer = layer.layer
    literal = LITERAL_INITIALIZERS.get((type(layer).__name__, weight))
    if literal:
        return keras.initializers.get(literal)
    if weight.startswith(("forward_", "backward_")):  # Bidirectional: the wrapped layer's own
        side, weight = weight.split("_", 1)
        layer = getattr(layer, f"{side}_layer")
    layer = getattr(layer, "cell", layer)
    if isinstance(layer, keras.layers.Normalization):  # build's add_weight(initializer="zeros"), no attribute
        return keras.initializers.get({"mean": "zeros", "variance": "ones", "count": "zeros"}[weight])
    if weight.endswith(("_kernel", "_bias")) and hasattr(layer, "_kernel_initializer"):  # MultiHeadAttention
        return getattr(layer, "_kernel_initializer" if weight.endswith("_kernel") else "_bias_initializer")
    attribute = {"recurrent_kernel": "recurrent_initializer", "depthwise_kernel": "depthwise_initializer",
                 "pointwise_kernel": "pointwise_initializer"}.get(weight, f"{weight}_initializer")
    return getattr(layer, attribute)


def _same_initializer(declared, theirs) -> bool:
    from modelspec.layers import Initializer

    if not isinstance(declared, Initializer):
        return False
    ours = keras.initializers.get({"class_name": declared.name, "config": declared.kwargs})
    config = {k: v for k, v in theirs.get_config().items() if k != "seed"}
    return type(ours) is type(theirs) and config == {k: v for k, v in ours.get_config().items() if k != "seed"}


@pytest.mark.parametrize("key, data", KIND_CASES, ids=[k for k, _ in KIND_CASES])
def test_every_weight_declares_the_initializer_keras_draws_it_from(key, data):
    from modelspec.layers import Concatenation

    spec, model = kind_case(key, data)
    layer = model.get_layer("node")
    for name, weight in spec.graph.node("node").weights.items():
        theirs = _keras_initializer(layer, name)
        if isinstance(weight.initializer, Concatenation):  # LSTM's unit_forget_bias
            inner = layer.layer if type(layer).__name__ == "TimeDistributed" else layer
            cell = getattr(inner, "cell", None) or inner.forward_layer.cell
            assert cell.unit_forget_bias and [n for _, n in weight.initializer.parts] == [cell.units, cell.units,
                                                                                            2 * cell.units]
            first, ones, rest = (init for init, _ in weight.initializer.parts)
            assert ones.name == "ones" and _same_initializer(first, theirs) and _same_initializer(rest, theirs)
        else:
            assert _same_initializer(weight.initializer, theirs), (name, weight.initializer, theirs.get_config())


@pytest.mark.parametrize("key, data", [c for c in KIND_CASES if c[0].endswith("-0")],
                         ids=[k for k, _ in KIND_CASES if k.endswith("-0")])  # fmt: skip
def test_kind_saves_and_loads_with_equal_outputs(key, data, tmp_path):
    assert_round_trip(*kind_case(key, data), tmp_path)


@settings(max_examples=10, deadline=None)
@given(generated_specs(max_nodes=6))
def test_generated_specs_build_with_the_core_figures(data):
    spec = modelspec.loads(yaml.safe_dump(data, sort_keys=False))
    assert_figures_match(spec, to_keras(spec.graph, compile=False))


# --- names: shared layers, blocks, repeats ----------------------------------------------------


def test_a_shared_layer_is_one_instance_with_one_weight_set():
    spec, model = example(ROOT / "specs/shared_embedding.yaml")
    embed = model.get_layer("embed")
    assert len(embed._inbound_nodes) == 2 and model.count_params() == 128_000
    assert list(model.output_names) == ["embed", "embed_b"]
    x = sample_inputs(spec)
    a, b = run(model, [x[0], x[0]])
    np.testing.assert_array_equal(a, b)


STATES = """
    inputs: {a: {shape: [5, 3]}, b: {shape: [4, 3]}}
    layers:
      rnn: {type: GRU, units: 2, return_state: true, inputs: a}
      rnn_b: {shares: rnn, inputs: {sequences: b, initial_state: rnn.state}}
      head: {type: Dense, units: 1, inputs: rnn_b}
    outputs: [head, rnn.state, rnn_b.state]
    training: {loss: {head: mse, rnn.state: mae, rnn_b.state: mse}, metrics: {rnn.state: [mse]}}
"""


def test_a_state_output_is_named_after_its_tensor_and_trains_saves_and_loads(tmp_path):
    spec = modelspec.loads(textwrap.dedent(STATES))
    model = spec.to_keras()
    assert_figures_match(spec, model)
    assert list(model.output_names) == ["head", "rnn.state", "rnn_b.state"]  # Identity layers of those names
    assert len(model.get_layer("rnn")._inbound_nodes) == 2  # one GRU, called at both nodes
    x = sample_inputs(spec)
    head, state, state_b = run(model, x)
    _, hidden = (keras.ops.convert_to_numpy(t) for t in model.get_layer("rnn")(x[0]))
    np.testing.assert_allclose(state, hidden, rtol=1e-6)  # rnn.state is the GRU's last state
    logs = model.fit(x, {"head": head, "rnn.state": state, "rnn_b.state": state_b}, verbose=0).history
    assert {"rnn.state_loss", "rnn.state_mse", "rnn_b.state_loss"} <= set(logs)
    assert_round_trip(spec, model, tmp_path)

def test_blocks_and_repeats_expand_with_the_spec_names():
    spec, model = example(ROOT / "specs/toy_resnet.yaml")
    layer_names = [layer.name for layer in model.layers]
    assert sorted(layer_names) == sorted(["img", *(n.name for n in spec.graph.nodes)])
    assert {"res_1_conv_a", "res_1_add", "res_2_conv_b", "res_2_add"} <= set(layer_names)
    again = to_keras(spec.graph, compile=False)  # a second build: no `_1` counters
    assert [layer.name for layer in again.layers] == layer_names


def test_input_dtypes_come_from_the_spec():
    _, model = example(ROOT / "specs/ticket_classifier.yaml")
    assert [(t.name, t.dtype) for t in model.inputs] == [("title", "int32"), ("body", "int32"),
                                                         ("tags", "float32")]  # fmt: skip


# --- training: compile -----------------------------------------------------------------------

ORDERING = """
    name: ordering
    inputs:
      x: {shape: [3]}
    layers:
      zeta:  {type: Dense, units: 1, inputs: x}
      alpha: {type: Dense, units: 2, activation: sigmoid, inputs: x}
    outputs: [zeta, alpha]
    training:
      optimizer: {type: rmsprop, learning_rate: 0.005, rho: 0.8}
      loss: {zeta: mse, alpha: {type: binary_crossentropy, from_logits: false}}
      loss_weights: {zeta: 1.0, alpha: 0.25}
      metrics: {zeta: [mae]}
"""


def test_compile_keys_every_setting_by_output_name():
    spec = modelspec.loads(textwrap.dedent(ORDERING))
    model = spec.to_keras()
    assert list(model.output_names) == ["zeta", "alpha"] != sorted(model.output_names)
    assert type(model.optimizer).__name__ == "RMSprop"
    assert np.isclose(float(model.optimizer.learning_rate), 0.005) and model.optimizer.rho == 0.8
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 3)).astype("float32")
    y_zeta = rng.normal(size=(8, 1)).astype("float32")
    y_alpha = rng.integers(0, 2, (8, 2)).astype("float32")
    result = model.evaluate(x, [y_zeta, y_alpha], batch_size=8, verbose=0, return_dict=True)
    zeta, alpha = (keras.ops.convert_to_numpy(t) for t in model(x))
    mse = np.mean((zeta - y_zeta) ** 2)
    p = np.clip(alpha, 1e-7, 1 - 1e-7)
    bce = -np.mean(y_alpha * np.log(p) + (1 - y_alpha) * np.log(1 - p))
    assert np.isclose(result["loss"], 1.0 * mse + 0.25 * bce, rtol=1e-4)
    assert np.isclose(result["zeta_mae"], np.mean(np.abs(zeta - y_zeta)), rtol=1e-4)
    assert not any(k.startswith("alpha_") and "mae" in k for k in result)


def test_loss_arguments_are_honoured():
    _, model = example(ROOT / "specs/ticket_classifier.yaml")
    assert type(model.optimizer).__name__ == "RMSprop"
    assert set(model.loss) == {"priority", "department"}
    assert model.loss["priority"].get_config()["from_logits"] is True
    assert type(model.loss["department"]).__name__ == "CategoricalCrossentropy"
    huber = modelspec.loads(textwrap.dedent(HUBER)).to_keras()
    assert huber.loss["y"].get_config()["delta"] == 2.5
    assert huber.optimizer.nesterov is True and huber.optimizer.momentum == 0.5


HUBER = """
    inputs: {x: {shape: [3]}}
    layers: [{type: Dense, units: 1, name: y}]
    training: {optimizer: {type: sgd, momentum: 0.5, nesterov: true},
               loss: {type: huber, delta: 2.5}, metrics: [mae]}
"""


@pytest.mark.parametrize("text", [ORDERING, HUBER], ids=["ordering", "huber"])
def test_the_compiled_losses_survive_save_and_load(text, tmp_path):
    spec = modelspec.loads(textwrap.dedent(text))
    model = spec.to_keras()
    save_keras(model, tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    rng = np.random.default_rng(2)
    x = rng.normal(size=(8, 3)).astype("float32")
    y = [5 * rng.normal(size=(8, 1)), rng.integers(0, 2, (8, 2))][: len(spec.graph.outputs)]
    y = [a.astype("float32") for a in y]
    y = y[0] if len(y) == 1 else y
    assert model.evaluate(x, y, verbose=0) == pytest.approx(loaded.evaluate(x, y, verbose=0), rel=1e-5)


def test_fit_runs_with_targets_keyed_by_output_name():
    spec = modelspec.loads(textwrap.dedent(ORDERING))
    model = spec.to_keras()
    rng = np.random.default_rng(3)
    x = rng.normal(size=(16, 3)).astype("float32")
    y = {"alpha": rng.integers(0, 2, (16, 2)).astype("float32"), "zeta": rng.normal(size=(16, 1)).astype("float32")}
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert {"loss", "zeta_mae"} <= set(history.history) and np.isfinite(history.history["loss"]).all()


def test_layer_dtypes_follow_the_ir():
    spec = modelspec.loads(textwrap.dedent("""
        inputs: {x: {shape: [3], dtype: float64}}
        layers:
          drop:  {type: Dropout, rate: 0.5, inputs: x}
          dense: {type: Dense, units: 2, inputs: drop}
        outputs: [drop, dense]
    """))  # fmt: skip
    model = spec.to_keras()
    assert [t.dtype for t in model.outputs] == [spec.graph.node("drop").output.dtype,
                                                spec.graph.node("dense").output.dtype] == ["float64", "float32"]  # fmt: skip


def test_compile_false_leaves_the_model_uncompiled():
    spec = modelspec.loads(textwrap.dedent(ORDERING))
    assert not spec.to_keras(compile=False).compiled


# --- refusals ----------------------------------------------------------------------------------

from .kind_cases import Dense, DenseWithExtra, Unknown, one_node_graph  # noqa: E402


def test_a_kind_without_a_rule_names_node_kind_and_backend():
    with pytest.raises(BackendError, match=r"node 'head': layer kind Unknown .*keras back end"):
        to_keras(one_node_graph(Unknown(units=2)))


def test_an_argument_keras_lacks_is_refused_not_dropped():
    with pytest.raises(BackendError, match=r"node 'head': layer kind Dense: argument blend=0.5 .*keras back end"):
        to_keras(one_node_graph(DenseWithExtra(units=2)))


def test_a_shape_disagreement_with_the_core_is_an_error():
    graph = one_node_graph(Dense(units=3))  # the IR claims 2 outputs
    with pytest.raises(BackendError, match=r"node 'head'.*\(3,\).*inferred \(2,\)"):
        to_keras(graph)


def test_missing_keras_says_which_extra_to_install():
    code = ("import sys; sys.modules['tensorflow'] = sys.modules['keras'] = None\n"
            "import modelspec\n"
            "from modelspec.backends import MissingFramework\n"
            "try:\n    modelspec.load('specs/sequential_classifier.yaml').to_keras()\n"
            "except MissingFramework as exc:\n    print(exc)\n")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "pip install 'modelspec[keras]'" in out.stdout


def test_save_keras_replaces_atomically_and_wants_the_suffix(tmp_path):
    _, model = example(ROOT / "specs/sequential_classifier.yaml")
    target = tmp_path / "m.keras"
    target.write_text("old")
    save_keras(model, target)
    assert keras.models.load_model(target).count_params() == model.count_params()
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]
    with pytest.raises(ValueError, match=r"\.keras"):
        save_keras(model, tmp_path / "m.h5")
