"""`modelspec import`: Keras models in, as specs that are the same model.

Checked against real Keras models: the imported spec validates as written, its every node has the
output shape of the Keras layer (or op) it stands for, its parameter counts are Keras', and with
the model's weights both back ends give the model's outputs. Compiling a spec and importing the
Keras model back gives the same Keras model (layer configs and connectivity), for every kind case.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")

import modelspec  # noqa: E402
import modelspec.weights  # noqa: E402
from modelspec.cli import main  # noqa: E402
from modelspec.errors import ImportProblems  # noqa: E402
from modelspec.keras_import import import_config, keras_weights, read_config  # noqa: E402
from modelspec.keras_import.arguments import IGNORED, KERAS_DEFAULTS, METADATA  # noqa: E402
from modelspec.layers import REGISTRY  # noqa: E402

from hypothesis import given, note  # noqa: E402

from .kind_cases import CASES  # noqa: E402
from .strategies import specs  # noqa: E402
from .test_naming import fresh  # noqa: E402

pytestmark = [pytest.mark.keras, pytest.mark.torch]

A = keras.applications
# Each with the smallest input it takes, the classifier's logits as the output (softmax would hide
# differences), 10 classes.
APPLICATIONS = {
    "VGG16": (A.VGG16, 32),
    "ResNet50": (A.ResNet50, 32),
    "ResNet50V2": (A.ResNet50V2, 32),
    "InceptionV3": (A.InceptionV3, 75),
    "Xception": (A.Xception, 71),
    "MobileNet": (A.MobileNet, 32),
    "MobileNetV2": (A.MobileNetV2, 32),
    "MobileNetV3Small": (A.MobileNetV3Small, 32),
    "DenseNet121": (A.DenseNet121, 32),
    "NASNetMobile": (A.NASNetMobile, 32),
    "EfficientNetB0": (A.EfficientNetB0, 32),
    "EfficientNetV2B0": (A.EfficientNetV2B0, 32),
}


def application(name: str, size: int | None = None):
    """A keras.applications model, untrained, with random biases and BatchNorm statistics (so a
    bias or a moving mean lost on the way shows in the outputs)."""
    build, smallest = APPLICATIONS.get(name, (getattr(A, name), 32))
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    size = size or smallest
    model = build(weights=None, input_shape=(size, size, 3), classes=10, classifier_activation=None)
    rng = np.random.default_rng(0)
    for layer in model.layers:
        values = layer.get_weights()
        if not values:
            continue
        new = []
        for variable, value in zip(layer.weights, values, strict=True):
            if variable.name in ("moving_variance", "variance"):
                value = rng.uniform(0.5, 1.5, value.shape)
            elif variable.name in ("bias", "beta", "moving_mean", "mean"):
                value = rng.normal(0.0, 0.1, value.shape)
            new.append(value.astype("float32"))
        layer.set_weights(new)
    return model


def config_of(model) -> dict:
    return {"class_name": type(model).__name__, "config": model.get_config()}


def keras_outputs(model, imported) -> dict:
    """The Keras operation (layer or op) each node of an import calls, by node name."""
    operations = {op.name: op for op in model.operations}
    return {node: operations[path[-1]] for node, path in imported.layers.items()}


IN_CI = {"VGG16", "ResNet50", "MobileNet", "MobileNetV2", "MobileNetV3Small"}  # the others: -m slow


@pytest.mark.parametrize(
    "name", [n if n in IN_CI else pytest.param(n, marks=pytest.mark.slow) for n in sorted(APPLICATIONS)]
)
def test_a_published_architecture_imports_as_the_same_model(name, tmp_path):
    model = application(name)
    spec, imported = import_config(config_of(model), source=name)
    assert modelspec.loads(imported.text) == spec  # the text validates as written

    operations = keras_outputs(model, imported)
    assert len(operations) == len(spec.graph.nodes)
    for node in spec.graph.nodes:
        if not node.shared:
            assert tuple(operations[node.name].output.shape[1:]) == node.output.shape, node.name
    assert spec.graph.params == model.count_params()
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert spec.graph.trainable_params == trainable

    weights = tmp_path / "w.safetensors"  # through the file, as `modelspec import --weights`
    modelspec.weights.write(weights, keras_weights(model, spec, imported), spec.name)
    rebuilt, module = spec.to_keras(compile=False, weights=weights), spec.to_torch(weights=weights)
    x = np.random.default_rng(1).normal(0.0, 1.0, (2, *model.input_shape[1:])).astype("float32")
    expected = np.asarray(model(x, training=False))
    np.testing.assert_allclose(np.asarray(rebuilt(x, training=False)), expected, atol=1e-5)
    module.eval()
    with torch.no_grad():
        out = module(torch.as_tensor(x))
    out = out[0] if isinstance(out, (list, tuple)) else out
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-4, atol=1e-5)


def test_convnext_names_every_layer_scale_it_cannot_import(tmp_path, capsys):
    model = A.ConvNeXtTiny(weights=None, input_shape=(32, 32, 3), classes=10)
    with pytest.raises(ImportProblems) as caught:
        import_config(config_of(model), source="convnext")
    scales = [layer.name for layer in model.layers if type(layer).__name__ == "LayerScale"]
    assert len(scales) == 18 and len(caught.value.problems) == 18
    for layer_name, problem in zip(scales, caught.value.problems, strict=True):
        assert problem.startswith(f"{layer_name} (LayerScale): no layer kind LayerScale")
    path = tmp_path / "convnext.json"
    path.write_text(model.to_json())
    assert main(["import", str(path), "-o", str(tmp_path / "c.yaml")]) == 1
    err = capsys.readouterr().err
    assert "cannot import: 18 layers modelspec cannot express" in err and "Traceback" not in err
    assert not (tmp_path / "c.yaml").exists()


# --- the seeds' own models, written in Keras -------------------------------------------------


def stock_model():
    prices = keras.Input((10, 1), name="prices")
    lstm = keras.layers.LSTM(300, activation="relu", name="lstm")(prices)
    price = keras.layers.Dense(1, activation="linear", name="price")(lstm)
    direction = keras.layers.Dense(1, activation="sigmoid", name="direction")(lstm)
    return keras.Model(prices, [price, direction], name="stock_lstm")


def sequential_classifier():
    return keras.Sequential(
        [
            keras.Input((5,), name="features"),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(2, activation="softmax", name="classes"),
        ],
        name="sequential_classifier",
    )


def same_nodes(a, b) -> None:
    """Equal graphs: node names, kinds, resolved arguments, inputs and outputs."""
    assert [n.name for n in a.graph.nodes] == [n.name for n in b.graph.nodes]
    for x, y in zip(a.graph.nodes, b.graph.nodes, strict=True):
        assert (x.kind, x.inputs, x.output) == (y.kind, y.inputs, y.output), x.name
        assert x.layer.model_dump() == y.layer.model_dump(), x.name
    assert a.graph.outputs == b.graph.outputs
    assert a.graph.inputs == b.graph.inputs


@pytest.mark.parametrize(
    "build, path",
    [(stock_model, "specs/stock_lstm.yaml"), (sequential_classifier, "specs/sequential_classifier.yaml")],
)
def test_the_seed_models_import_to_their_specs(build, path):
    keras.backend.clear_session()
    model = build()
    spec, imported = import_config(config_of(model))
    written = modelspec.load(path)
    same_nodes(spec, written)
    assert spec.name == written.name
    arrays = keras_weights(model, spec, imported)
    rebuilt = written.to_keras(compile=False, weights=arrays)
    x = np.random.default_rng(2).normal(size=(4, *model.input_shape[1:])).astype("float32")
    expected = [np.asarray(o) for o in keras.tree.flatten(model(x))]
    got = [np.asarray(o) for o in keras.tree.flatten(rebuilt(x))]
    for e, g in zip(expected, got, strict=True):
        np.testing.assert_allclose(g, e, atol=1e-6)


def test_the_list_form_leaves_out_default_names_and_keeps_given_ones():
    keras.backend.clear_session()
    keras.layers.Dense(3)  # Keras' counter moves on: the next Dense is `dense_1`
    spec, imported = import_config(config_of(sequential_classifier()))
    layers = imported.data["layers"]
    assert isinstance(layers, list) and [n.get("name") for n in layers] == [None] * 4 + ["classes"]
    assert [n.name for n in spec.graph.nodes] == ["dense", "dropout", "dense_1", "dropout_1", "classes"]


# --- every kind: compile, import back, the same Keras model ---------------------------------


def comparable(model) -> dict:
    """A Keras model's config without its name: layers, arguments, connectivity and shapes."""
    config = model.get_config()
    config.pop("name", None)
    return json.loads(json.dumps(config, default=str))


CASE_SPECS = [(kind, i, c) for kind, cases in sorted(CASES.items()) for i, c in enumerate(cases)]


@pytest.mark.parametrize(  # each kind's first case in CI, its others with -m slow
    "kind, index, case",
    [pytest.param(k, i, c, id=f"{k}-{i}", marks=pytest.mark.slow if i else ()) for k, i, c in CASE_SPECS],
)
def test_compiling_then_importing_gives_the_same_keras_model(kind, index, case):
    keras.backend.clear_session()
    spec = modelspec.loads(json.dumps(case))
    model = spec.to_keras(compile=False)
    imported, _ = import_config(config_of(model))
    expected = comparable(model)
    keras.backend.clear_session()  # the ops Keras adds for masks are named by a counter
    assert comparable(imported.to_keras(compile=False)) == expected


@given(specs(max_nodes=6))
def test_any_valid_spec_compiled_and_imported_back_is_the_same_keras_model(data):
    text = json.dumps(data)
    note(text)
    keras.backend.clear_session()
    model = modelspec.loads(text).to_keras(compile=False)
    imported, _ = import_config(config_of(model))
    expected = comparable(model)
    keras.backend.clear_session()
    assert comparable(imported.to_keras(compile=False)) == expected


# --- what cannot be imported, every problem at once ------------------------------------------


def test_every_unsupported_layer_argument_and_op_is_listed_by_layer_name_and_class():
    keras.backend.clear_session()
    x = keras.Input((8, 8, 3), name="img")
    a = keras.layers.Conv2D(4, 3, data_format="channels_first", name="first")(x)
    b = keras.layers.Conv2D(4, 3, dtype="float16", name="half")(x)
    c = keras.ops.sin(x)
    d = keras.layers.Dense(4, name="frozen", trainable=False)(x)
    e = keras.ops.divide(x, 3.0)
    model = keras.Model(x, [a, b, c, d, e])
    with pytest.raises(ImportProblems) as caught:
        import_config(config_of(model), source="m.keras")
    problems = caught.value.problems
    assert len(problems) == 5, problems
    assert problems[0].startswith("first (Conv2D): data_format='channels_first'")
    assert problems[1].startswith("half (Conv2D): dtype float16")
    assert problems[2].startswith("sin (Sin): op Sin")
    assert problems[3].startswith("frozen (Dense): trainable: false")
    assert problems[4].startswith("divide (Divide): op Divide by 3.0: x * (1 / c) rounds differently")
    assert str(caught.value).startswith("m.keras: cannot import: 5 layers modelspec cannot express")


def test_what_follows_an_unsupported_layer_is_not_reported_again():
    keras.backend.clear_session()
    x = keras.Input((4,), name="x")
    y = keras.layers.Dense(3, name="ok")(keras.ops.sin(x))
    z = keras.layers.Dense(3, name="bad", dtype="float16")(y)
    with pytest.raises(ImportProblems) as caught:
        import_config(config_of(keras.Model(x, z)))
    assert [p.split(" ")[0] for p in caught.value.problems] == ["sin", "bad"]


# --- structure ----------------------------------------------------------------------------------


def test_a_shared_layer_is_imported_once_and_shared():
    keras.backend.clear_session()
    a, b = keras.Input((6,), name="a", dtype="int32"), keras.Input((6,), name="b", dtype="int32")
    embed = keras.layers.Embedding(50, 4, name="embed")
    merged = keras.layers.Concatenate(name="cat")([embed(a), embed(b)])
    model = keras.Model([a, b], keras.layers.Dense(1, name="out")(merged))
    spec, imported = import_config(config_of(model))
    layers = imported.data["layers"]
    assert layers["embed_1"] == {"shares": "embed", "inputs": "b"}
    assert spec.graph.params == model.count_params()
    assert comparable(spec.to_keras(compile=False))["layers"][2:] == comparable(model)["layers"][2:]


def test_roles_and_several_outputs_come_through():
    keras.backend.clear_session()
    enc_in, dec_in = keras.Input((None, 5), name="enc_in"), keras.Input((None, 6), name="dec_in")
    _, h, c = keras.layers.LSTM(8, return_state=True, name="enc")(enc_in)
    seq = keras.layers.LSTM(8, return_sequences=True, name="dec")(dec_in, initial_state=[h, c])
    att = keras.layers.MultiHeadAttention(2, 4, name="mha")(seq, seq, use_causal_mask=True)
    model = keras.Model([enc_in, dec_in], [att, h])
    spec, imported = import_config(config_of(model))
    assert imported.data["layers"]["dec"]["inputs"] == {
        "sequences": "dec_in",
        "initial_state": ["enc.state_h", "enc.state_c"],
    }
    assert imported.data["outputs"] == ["mha", "enc.state_h"]
    assert imported.data["layers"]["mha"]["use_causal_mask"] is True
    rebuilt = spec.to_keras(compile=False, weights=keras_weights(model, spec, imported))
    rng = np.random.default_rng(4)
    x = [rng.normal(size=(2, 3, 5)).astype("float32"), rng.normal(size=(2, 4, 6)).astype("float32")]
    for got, expected in zip(rebuilt(x), model(x), strict=True):
        np.testing.assert_allclose(np.asarray(got), np.asarray(expected), atol=1e-6)
    assert comparable(import_config(config_of(rebuilt))[0].to_keras(compile=False)) == comparable(rebuilt)


def test_a_nested_model_is_written_out_in_place():
    keras.backend.clear_session()
    inner = keras.Sequential([keras.layers.Dense(4, name="d1"), keras.layers.ReLU(name="r")], name="inner")
    x = keras.Input((3,), name="x")
    model = keras.Model(x, keras.layers.Dense(2, name="head")(inner(x)))
    spec, imported = import_config(config_of(model))
    assert list(imported.data["layers"]) == ["d1", "r", "head"]
    assert imported.layers["d1"] == ("inner", "d1")
    rebuilt = spec.to_keras(compile=False, weights=keras_weights(model, spec, imported))
    x_ = np.ones((2, 3), "float32")
    np.testing.assert_allclose(np.asarray(rebuilt(x_)), np.asarray(model(x_)), atol=1e-6)


@pytest.mark.parametrize(
    "op, expected",
    [
        (lambda x: x + 3.0, {"type": "Rescaling", "scale": 1.0, "offset": 3.0}),
        (lambda x: 2.0 - x, {"type": "Rescaling", "scale": -1.0, "offset": 2.0}),
        (lambda x: x - 2.0, {"type": "Rescaling", "scale": 1.0, "offset": -2.0}),
        (lambda x: x * (1.0 / 6.0), {"type": "Rescaling", "scale": 1.0 / 6.0}),
        (lambda x: x / 4.0, {"type": "Rescaling", "scale": 0.25}),
        (lambda x: keras.ops.relu(x), {"type": "Activation", "activation": "relu"}),
        (lambda x: keras.ops.hard_sigmoid(x), {"type": "Activation", "activation": "hard_sigmoid"}),
        (lambda x: x * x, {"type": "Multiply"}),
    ],
)
def test_raw_ops_become_nodes_that_compute_them_exactly(op, expected):
    keras.backend.clear_session()
    x = keras.Input((5,), name="x")
    model = keras.Model(x, op(x))
    spec, imported = import_config(config_of(model))
    (node,) = imported.data["layers"].values()
    assert {k: v for k, v in node.items() if k != "inputs"} == expected
    data = np.random.default_rng(3).normal(size=(4, 5)).astype("float32") * 10
    rebuilt, module = spec.to_keras(compile=False), spec.to_torch()
    np.testing.assert_array_equal(np.asarray(rebuilt(data)), np.asarray(model(data)))
    with torch.no_grad():
        np.testing.assert_array_equal(module(torch.as_tensor(data)).numpy(), np.asarray(model(data)))


# --- the table of arguments the kinds do not model ------------------------------------------


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_every_keras_argument_is_a_kind_argument_or_known_at_its_default(kind):
    config = fresh(kind).get_config()
    for key, value in config.items():
        if key in METADATA or key in IGNORED or key in REGISTRY[kind].model_fields:
            continue
        if key == "backward_layer":
            continue  # Bidirectional's mirror of `layer`, checked by the importer
        assert key in KERAS_DEFAULTS, f"{kind}: Keras argument {key}={value!r} is unknown to the importer"
        assert KERAS_DEFAULTS[key] == value, (kind, key, value)


# --- the command line ----------------------------------------------------------------------------


def test_the_command_line_writes_a_spec_validate_accepts(tmp_path, capsys):
    keras.backend.clear_session()
    path = tmp_path / "stock.keras"
    stock_model().save(path)
    out = tmp_path / "stock.yaml"
    assert main(["import", str(path), "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert main(["validate", str(out)]) == 0
    text = out.read_text()
    assert "lstm: {type: LSTM, units: 300, activation: relu, inputs: prices}" in text
    (tmp_path / "config.json").write_text(stock_model().to_json())
    assert main(["import", str(tmp_path / "config.json"), "-o", str(tmp_path / "b.yaml")]) == 0
    assert read_config(path) == json.loads(json.dumps(read_config(path)))


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("m.json", b"not json", "not JSON"),
        ("m.keras", b"PK\x03\x04broken", "not a Keras model file"),
        ("m.json", b'{"layers": 3}', "not a Keras model config"),
        ("m.json", b"[1, 2]", "not a Keras model config"),
    ],
)
def test_a_file_that_is_no_keras_model_is_one_clear_error(tmp_path, capsys, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    assert main(["import", str(path), "-o", str(tmp_path / "m.yaml")]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and "internal error" not in err


def test_the_weights_come_along_to_both_back_ends(tmp_path, capsys):
    keras.backend.clear_session()
    model = stock_model()
    for layer in model.layers:  # non-zero biases
        layer.set_weights([w + 0.1 for w in layer.get_weights()])
    model.save(tmp_path / "stock.keras")
    spec_path, weights = tmp_path / "stock.yaml", tmp_path / "stock.safetensors"
    args = ["import", str(tmp_path / "stock.keras"), "-o", str(spec_path), "--weights", str(weights)]
    assert main(args) == 0
    assert sorted(modelspec.weights.read(weights)) == [
        "direction/bias", "direction/kernel", "lstm/bias", "lstm/kernel", "lstm/recurrent_kernel",
        "price/bias", "price/kernel",
    ]  # fmt: skip
    assert main(["check", str(spec_path), "--weights", str(weights)]) == 0
    assert main(["compile", str(spec_path), "--backend", "torch", "-o", str(tmp_path / "m.pt"),
                 "--weights", str(weights)]) == 0  # fmt: skip
    module = modelspec.load_torch(tmp_path / "m.pt")
    x = np.random.default_rng(5).normal(size=(3, 10, 1)).astype("float32")
    with torch.no_grad():
        price, direction = module(torch.as_tensor(x))
    expected = model(x)
    np.testing.assert_allclose(price.numpy(), np.asarray(expected[0]), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(direction.numpy(), np.asarray(expected[1]), rtol=1e-4, atol=1e-6)
    spec = modelspec.from_keras(model, weights=tmp_path / "py.safetensors")
    assert spec == modelspec.load(spec_path)
    assert modelspec.weights.read(tmp_path / "py.safetensors").keys() == modelspec.weights.read(weights).keys()
    (tmp_path / "config.json").write_text(model.to_json())
    capsys.readouterr()
    assert main(["import", str(tmp_path / "config.json"), "-o", str(spec_path), "--weights", str(weights)]) == 2
    assert "--weights reads the weights from a .keras file" in capsys.readouterr().err


def test_missing_files_and_bad_outputs_are_clear(tmp_path, capsys):
    assert main(["import", str(tmp_path / "none.keras"), "-o", str(tmp_path / "m.yaml")]) == 1
    assert "No such file" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "none.keras"), "-o", str(tmp_path / "m.txt")]) == 2
    (tmp_path / "old.h5").write_bytes(b"\x89HDF")
    assert main(["import", str(tmp_path / "old.h5"), "-o", str(tmp_path / "m.yaml")]) == 1
    assert "save it as .keras" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "m.yaml")


# --- what a new user's tryout found ---------------------------------------------------------


@pytest.mark.parametrize(
    "op, taken",
    [
        (lambda x: keras.ops.softmax(x), True),
        (lambda x: keras.ops.softmax(x, axis=1), False),
        (lambda x: keras.ops.log_softmax(x, axis=1), False),
        (lambda x: keras.ops.leaky_relu(x), True),
        (lambda x: keras.ops.leaky_relu(x, negative_slope=0.1), False),
        (lambda x: keras.ops.elu(x, alpha=0.5), False),
        (lambda x: keras.ops.gelu(x), False),  # approximate by default; the gelu activation is exact
        (lambda x: keras.ops.gelu(x, approximate=False), True),
    ],
)
def test_an_op_is_taken_only_with_the_arguments_its_activation_has(op, taken):
    keras.backend.clear_session()
    x = keras.Input((3, 4), name="x")
    model = keras.Model(x, op(x))
    if not taken:
        with pytest.raises(ImportProblems, match="the activation .* by name computes it"):
            import_config(config_of(model))
        return
    spec, _ = import_config(config_of(model))
    data = np.random.default_rng(6).normal(size=(2, 3, 4)).astype("float32")
    with torch.no_grad():
        np.testing.assert_allclose(spec.to_torch()(torch.as_tensor(data)).numpy(), np.asarray(model(data)), atol=1e-6)


def test_a_call_in_training_mode_always_is_refused():
    keras.backend.clear_session()
    x = keras.Input((4,), name="x")
    model = keras.Model(x, keras.layers.Dropout(0.5, name="mc")(x, training=True))
    with pytest.raises(ImportProblems, match=r"mc \(Dropout\): called with training=True"):
        import_config(config_of(model))


def test_a_bidirectional_layer_from_a_saved_file_imports(tmp_path):
    keras.backend.clear_session()
    x = keras.Input((5, 3), name="x")
    model = keras.Model(x, keras.layers.Bidirectional(keras.layers.LSTM(4), name="bi")(x))
    model.save(tmp_path / "bi.keras")  # a saved file gives each initializer a shared_object_id
    assert main(["import", str(tmp_path / "bi.keras"), "-o", str(tmp_path / "bi.yaml"),
                 "--weights", str(tmp_path / "bi.safetensors")]) == 0  # fmt: skip
    module = modelspec.load(tmp_path / "bi.yaml").to_torch(weights=tmp_path / "bi.safetensors")
    data = np.random.default_rng(7).normal(size=(2, 5, 3)).astype("float32")
    with torch.no_grad():
        np.testing.assert_allclose(module(torch.as_tensor(data)).numpy(), np.asarray(model(data)), atol=1e-5)


def test_a_scalar_weight_keeps_its_shape_through_a_weights_file(tmp_path):
    keras.backend.clear_session()
    x = keras.Input((4,), name="x")
    norm = keras.layers.Normalization(name="norm")
    norm.adapt(np.random.default_rng(8).normal(3.0, 2.0, (64, 4)).astype("float32"))
    model = keras.Model(x, keras.layers.Dense(2, name="out")(norm(x)))
    spec = modelspec.from_keras(model, weights=tmp_path / "w.safetensors")
    assert modelspec.weights.read(tmp_path / "w.safetensors")["norm/count"].shape == ()
    rebuilt = spec.to_keras(compile=False, weights=tmp_path / "w.safetensors")
    data = np.ones((2, 4), "float32")
    np.testing.assert_allclose(np.asarray(rebuilt(data)), np.asarray(model(data)), atol=1e-6)


def test_a_nested_model_called_again_on_a_later_output_is_shared():
    keras.backend.clear_session()
    inner = keras.Sequential([keras.Input((6,)), keras.layers.Dense(6, name="d")], name="inner")
    i = keras.Input((6,), name="i")
    x = inner(i)
    model = keras.Model(i, inner(keras.layers.Dense(6, name="mid")(x)))
    spec, imported = import_config(config_of(model))
    assert imported.data["layers"]["d_1"] == {"shares": "d", "inputs": "mid"}
    rebuilt = spec.to_keras(compile=False, weights=keras_weights(model, spec, imported))
    data = np.ones((2, 6), "float32")
    np.testing.assert_allclose(np.asarray(rebuilt(data)), np.asarray(model(data)), atol=1e-6)


def test_a_sequential_inside_a_sequential_is_written_out_in_place():
    keras.backend.clear_session()
    inner = keras.Sequential([keras.layers.Dense(4, name="a"), keras.layers.ReLU(name="r")], name="inner")
    model = keras.Sequential([keras.Input((3,), name="x"), inner, keras.layers.Dense(2, name="b")])
    spec, imported = import_config(config_of(model))
    assert list(imported.data["layers"]) == ["a", "r", "b"]
    rebuilt = spec.to_keras(compile=False, weights=keras_weights(model, spec, imported))
    data = np.ones((2, 3), "float32")
    np.testing.assert_allclose(np.asarray(rebuilt(data)), np.asarray(model(data)), atol=1e-6)


def test_a_float16_model_is_refused_as_its_spec_computes_in_another_dtype():
    keras.backend.clear_session()
    x = keras.Input((4,), name="x", dtype="float16")
    model = keras.Model(x, keras.layers.Dense(2, dtype="float16", name="d")(x))
    with pytest.raises(ImportProblems, match=r"d \(Dense\): dtype float16: from float16 inputs its node computes in float32"):
        import_config(config_of(model))


def test_a_sequential_models_get_config_imports_its_layers():
    keras.backend.clear_session()
    spec, _ = import_config(sequential_classifier().get_config())
    assert [n.kind for n in spec.graph.nodes] == ["Dense", "Dropout", "Dense", "Dropout", "Dense"]


def test_a_file_that_is_no_model_says_so_without_counting_layers(tmp_path, capsys):
    (tmp_path / "k2.json").write_text(json.dumps({"class_name": "Functional", "config": {
        "layers": [{"class_name": "Dense", "name": "d", "config": {"units": 2}, "inbound_nodes": [[["x", 0, 0, {}]]]}],
        "input_layers": [["x", 0, 0]], "output_layers": [["d", 0, 0]]}}))  # fmt: skip
    assert main(["import", str(tmp_path / "k2.json"), "-o", str(tmp_path / "m.yaml")]) == 1
    err = capsys.readouterr().err
    assert "cannot import: a Keras 2 (tf.keras) config" in err and "layer modelspec" not in err
    stock_model().save(tmp_path / "m.keras")
    (tmp_path / "m.zip").write_bytes((tmp_path / "m.keras").read_bytes())
    assert main(["import", str(tmp_path / "m.zip"), "-o", str(tmp_path / "m.yaml"), "--weights", str(tmp_path / "w.safetensors")]) == 2
    import zipfile

    with zipfile.ZipFile(tmp_path / "bare.keras", "w") as archive:
        archive.writestr("config.json", stock_model().to_json())
    capsys.readouterr()
    assert main(["import", str(tmp_path / "bare.keras"), "-o", str(tmp_path / "m.yaml"), "--weights", str(tmp_path / "w.safetensors")]) == 1
    assert "holds no weights (no model.weights.h5)" in capsys.readouterr().err
