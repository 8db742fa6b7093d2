"""Readable imports: repeated sub-graphs written as `blocks:` (modelspec/keras_import/blocks.py).

The compressed spec must be the flat one's model: its expanded graph has the same nodes in the
same order, of the same kinds with the same resolved arguments, reading the same tensors, with
the same shapes and parameter counts; only names differ, as `renames` says. Checked for the
published architectures (built by keras.applications) and for small Keras-like configs written
here by hand (chains, residual stacks, dense blocks, two-input cells).
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest

import modelspec
from modelspec.cli import main
from modelspec.graph import Graph
from modelspec.keras_import import import_config, spec_text
from modelspec.keras_import.blocks import compress
from modelspec.keras_import.structure import import_config as walk


def same_model(flat: Graph, compressed: Graph, renames: dict[str, str]) -> None:
    """Assert `compressed` is `flat` with its nodes renamed by `renames`."""

    def tensor(name: str) -> str:
        base, dot, member = name.partition(".")
        return renames.get(base, base) + dot + member

    assert compressed.inputs == flat.inputs
    assert [n.name for n in compressed.nodes] == [renames[n.name] for n in flat.nodes]
    for a, b in zip(flat.nodes, compressed.nodes, strict=True):
        assert b.kind == a.kind, a.name
        assert b.layer.model_dump() == a.layer.model_dump(), a.name
        assert b.inputs == [tensor(t) for t in a.inputs], a.name
        assert dict(b.keywords) == {r: [tensor(t) for t in ts] for r, ts in a.keywords.items()}
        assert b.layer_name == tensor(a.layer_name), a.name
        assert b.output == a.output, a.name
        assert dict(b.extra_outputs) == dict(a.extra_outputs), a.name
        assert dict(b.weights) == dict(a.weights), a.name
    assert compressed.outputs == [tensor(t) for t in flat.outputs]
    assert compressed.trainable_params == flat.trainable_params
    assert compressed.non_trainable_params == flat.non_trainable_params


def both(config: dict[str, Any]) -> tuple[str, str, dict[str, Any], dict[str, str]]:
    """The flat and the compressed spec text of a model config, the compressed data and the
    renames, the compressed one checked to be the flat one's model."""
    data = walk(config).data
    compressed, renames = compress(data)
    flat_text, text = spec_text(data), spec_text(compressed)
    same_model(modelspec.loads(flat_text).graph, modelspec.loads(text).graph, renames)
    return flat_text, text, compressed, renames


# --- Keras-like configs, by hand ------------------------------------------------------------


class Keras:
    """A functional model config as Keras 3 writes it (`model.get_config()`), built call by
    call: `x = k.call("Conv2D", "conv1", x, filters=8, kernel_size=3)`."""

    def __init__(self, name: str = "model") -> None:
        self.name = name
        self.layers: list[dict[str, Any]] = []
        self.inputs: list[list[Any]] = []

    def input(self, name: str, shape: list[int | None]) -> str:
        """An InputLayer; returns its tensor."""
        config = {"batch_shape": [None, *shape], "dtype": "float32", "name": name}
        self.layers.append(
            {"class_name": "InputLayer", "config": config, "name": name, "inbound_nodes": []}
        )
        self.inputs.append([name, 0, 0])
        return name

    def call(self, kind: str, name: str, *tensors: Any, **config: Any) -> str:
        """A layer `kind` called on `tensors` (a list: one argument holding several)."""
        self.layers.append(
            {
                "module": "keras.layers",
                "class_name": kind,
                "config": {"name": name, **config},
                "name": name,
                "inbound_nodes": [_call(tensors)],
            }
        )
        return name

    def again(self, name: str, *tensors: Any) -> tuple[str, int]:
        """Layer `name` called once more (the same weights); returns its output."""
        entry = next(e for e in self.layers if e["name"] == name)
        entry["inbound_nodes"].append(_call(tensors))
        return (name, len(entry["inbound_nodes"]) - 1)

    def config(self, *outputs: Any) -> dict[str, Any]:
        """The model config, `outputs` its outputs."""
        return {
            "class_name": "Functional",
            "config": {
                "name": self.name,
                "layers": self.layers,
                "input_layers": self.inputs,
                "output_layers": [_history(o) for o in outputs],
            },
        }


def _history(tensor: str | tuple[str, int]) -> list[Any]:
    name, call = (tensor, 0) if isinstance(tensor, str) else tensor
    return [name, call, 0]


def _call(tensors: tuple[Any, ...]) -> dict[str, Any]:
    def ref(t: str | tuple[str, int]) -> dict[str, Any]:
        return {"class_name": "__keras_tensor__", "config": {"keras_history": _history(t)}}

    args = [[ref(t) for t in item] if isinstance(item, list) else ref(item) for item in tensors]
    return {"args": args, "kwargs": {}}


def conv(k: Keras, name: str, x: str, filters: int, strides: int = 1) -> str:
    x = k.call(
        "Conv2D",
        f"{name}_conv",
        x,
        filters=filters,
        kernel_size=[3, 3],
        padding="same",
        strides=[strides, strides],
    )
    x = k.call("BatchNormalization", f"{name}_bn", x)
    return k.call("Activation", f"{name}_relu", x, activation="relu")


def residual_stack() -> dict[str, Any]:
    """Two stages of residual blocks, each stage's first block with a projection shortcut."""
    k = Keras("residual")
    x = k.call("Conv2D", "stem_conv", k.input("image", [16, 16, 3]), filters=8, kernel_size=[3, 3])
    for stage, (filters, blocks) in enumerate([(8, 3), (16, 4)], start=2):
        for b in range(1, blocks + 1):
            p = f"conv{stage}_block{b}"
            y = conv(k, f"{p}_1", x, filters, strides=2 if b == 1 and stage > 2 else 1)
            y = k.call(
                "Conv2D", f"{p}_2_conv", y, filters=filters, kernel_size=[3, 3], padding="same"
            )
            y = k.call("BatchNormalization", f"{p}_2_bn", y)
            shortcut = x
            if b == 1:
                s = 2 if stage > 2 else 1
                shortcut = k.call(
                    "Conv2D", f"{p}_0_conv", x, filters=filters, kernel_size=[1, 1], strides=[s, s]
                )
            y = k.call("Add", f"{p}_add", [shortcut, y])
            x = k.call("Activation", f"{p}_out", y, activation="relu")
    x = k.call("GlobalAveragePooling2D", "avg_pool", x)
    return k.config(k.call("Dense", "predictions", x, units=10))


def dense_blocks() -> dict[str, Any]:
    """DenseNet's pattern: BN-ReLU-Conv-BN-ReLU-Conv-Concatenate layers, transitions between."""
    k = Keras("dense")
    x = k.call(
        "Conv2D", "conv1_conv", k.input("image", [16, 16, 3]), filters=16, kernel_size=[3, 3]
    )
    for stage, layers in [(2, 4), (3, 3)]:
        for b in range(1, layers + 1):
            p = f"conv{stage}_block{b}"
            y = k.call("BatchNormalization", f"{p}_0_bn", x)
            y = k.call("Activation", f"{p}_0_relu", y, activation="relu")
            y = k.call("Conv2D", f"{p}_1_conv", y, filters=16, kernel_size=[1, 1], use_bias=False)
            y = k.call("BatchNormalization", f"{p}_1_bn", y)
            y = k.call("Activation", f"{p}_1_relu", y, activation="relu")
            y = k.call(
                "Conv2D",
                f"{p}_2_conv",
                y,
                filters=4,
                kernel_size=[3, 3],
                padding="same",
                use_bias=False,
            )
            x = k.call("Concatenate", f"{p}_concat", [x, y], axis=-1)
        if stage == 2:
            x = k.call("BatchNormalization", f"pool{stage}_bn", x)
            x = k.call("Conv2D", f"pool{stage}_conv", x, filters=16, kernel_size=[1, 1])
            x = k.call("AveragePooling2D", f"pool{stage}_pool", x, pool_size=[2, 2], strides=[2, 2])
    return k.config(k.call("GlobalAveragePooling2D", "avg_pool", x))


def chain() -> dict[str, Any]:
    """A plain chain: Dense-ReLU layers, widths 64, 64, 64, 32, 32."""
    k = Keras("mlp")
    x = k.input("features", [20])
    for i, units in enumerate([64, 64, 64, 32, 32], start=1):
        x = k.call("Dense", f"fc{i}", x, units=units)
        x = k.call("BatchNormalization", f"fc{i}_bn", x)
        x = k.call("Activation", f"fc{i}_relu", x, activation="relu")
    return k.config(k.call("Dense", "logits", x, units=3))


def two_input_cells() -> dict[str, Any]:
    """NASNet's pattern: each cell reads the last two cells' outputs."""
    k = Keras("cells")
    stem = k.call(
        "Conv2D",
        "stem_conv",
        k.input("image", [8, 8, 3]),
        filters=8,
        kernel_size=[3, 3],
        padding="same",
    )
    previous, x = stem, k.call("Activation", "stem_relu", stem, activation="relu")
    for c in range(1, 5):
        a = k.call("Conv2D", f"cell{c}_left", x, filters=8, kernel_size=[3, 3], padding="same")
        b = k.call("Conv2D", f"cell{c}_right", previous, filters=8, kernel_size=[1, 1])
        y = k.call("Add", f"cell{c}_add", [a, b])
        previous, x = x, k.call("Activation", f"cell{c}_out", y, activation="relu")
    return k.config(x)


def unet() -> dict[str, Any]:
    """An encoder of four levels, each keeping its features for the decoder (a block of two
    outputs), a decoder of four reading them back, and a deep-supervision output midway."""
    k = Keras("unet")
    x, skips = k.input("image", [32, 32, 3]), []
    for level, filters in enumerate([4, 8, 16, 32], start=1):
        skips.append(conv(k, f"enc{level}", x, filters))
        x = k.call("MaxPooling2D", f"enc{level}_pool", skips[-1], pool_size=[2, 2], strides=[2, 2])
    x = conv(k, "mid", x, 64)
    side = k.call("GlobalAveragePooling2D", "side_pool", x)
    for level, filters in reversed(list(enumerate([4, 8, 16, 32], start=1))):
        x = k.call("UpSampling2D", f"dec{level}_up", x, size=[2, 2])
        x = k.call("Concatenate", f"dec{level}_concat", [x, skips[level - 1]], axis=-1)
        x = conv(k, f"dec{level}", x, filters)
    return k.config(k.call("Conv2D", "mask", x, filters=1, kernel_size=[1, 1]), side)


def siamese() -> dict[str, Any]:
    """Two towers of repeated blocks, then one Dense layer applied to both (a shared layer)."""
    k = Keras("siamese")
    towers = []
    for side in ("left", "right"):
        x = k.input(side, [8, 8, 3])
        for b in range(1, 4):
            x = conv(k, f"{side}{b}", x, 8)
        towers.append(k.call("GlobalAveragePooling2D", f"{side}_pool", x))
    left = k.call("Dense", "embed", towers[0], units=4)
    right = k.again("embed", towers[1])
    return k.config(k.call("Subtract", "distance", [left, right]))


def test_a_block_of_two_outputs_is_read_as_instance_dot_output():
    _, text, data, renames = both(unet())
    two = [b for b in data["blocks"].values() if len(b.get("outputs", [])) == 2]
    assert two, text
    assert any(".relu" in json.dumps(v["inputs"]) for v in data["layers"].values()), text
    assert data["outputs"][1] == "side_pool"


def test_shared_layers_stay_outside_blocks():
    _, text, data, renames = both(siamese())
    assert data["layers"]["embed_1"] == {"shares": "embed", "inputs": "right_pool"}
    assert sum("block" in v for v in data["layers"].values()) == 2, text


def test_a_residual_stack_is_two_blocks_and_the_same_model():
    _, text, data, renames = both(residual_stack())
    blocks = data["blocks"]
    assert len(blocks) == 2, text
    assert set(blocks) == {"conv_block", "identity_block"}, text
    instances = {k: v for k, v in data["layers"].items() if "block" in v}
    assert [v.get("repeat", 1) for v in instances.values()] == [1, 2, 1, 3], text
    assert "${filters}" in json.dumps(blocks["identity_block"]), text
    assert renames["conv2_block1_add"] == "conv2_block1_add"  # the `conv2_block1` instance's `add`


def test_dense_blocks_repeat_with_the_concatenate_last():
    _, text, data, _ = both(dense_blocks())
    [block] = [b for b in data["blocks"].values() if "concat" in b["layers"]]
    assert list(block["layers"])[-1] == "concat"
    assert sorted(v.get("repeat", 1) for v in data["layers"].values() if "block" in v) == [3, 4]


def test_a_chain_groups_by_its_names_and_repeats_equal_params():
    flat, text, data, _ = both(chain())
    [block] = data["blocks"].values()
    assert [n["type"] for n in block["layers"].values()] == [
        "Dense",
        "BatchNormalization",
        "Activation",
    ]
    instances = [v for v in data["layers"].values() if "block" in v]
    assert [(v.get("params"), v.get("repeat", 1)) for v in instances] in (
        [(None, 3), ({"units": 32}, 2)],
        [({"units": 64}, 3), (None, 2)],
    )
    assert len(text.splitlines()) < len(flat.splitlines())


def test_two_input_cells_are_a_block_of_two_inputs():
    _, text, data, _ = both(two_input_cells())
    [block] = data["blocks"].values()
    assert block["inputs"] == ["x", "y"], text
    assert sum("block" in v for v in data["layers"].values()) == 4


def test_a_sequential_model_and_a_model_with_nothing_repeated_come_back_as_they_are():
    data = {
        "modelspec": 1,
        "name": "m",
        "inputs": {"x": {"shape": [3]}},
        "layers": [{"type": "Dense", "units": 2}],
    }
    assert compress(data) == (data, {})
    k = Keras()
    x = k.call("Dense", "a", k.input("x", [4]), units=3)
    flat = walk(k.config(k.call("Dense", "b", x, units=2))).data
    assert compress(flat) == (flat, {"a": "a", "b": "b"})


def test_the_importer_writes_blocks_unless_told_flat():
    spec, imported = import_config(residual_stack())
    assert "blocks:" in imported.text
    flat, flat_imported = import_config(residual_stack(), blocks=False)
    assert "blocks:" not in flat_imported.text
    assert len(spec.graph.nodes) == len(flat.graph.nodes)
    # the record of each node's Keras layer follows the renames (the weights are keyed by them)
    assert set(imported.layers) == {n.name for n in spec.graph.nodes}
    assert imported.layers["conv2_block1_b1_conv"] == ("conv2_block1_1_conv",)


def test_the_command_writes_blocks_and_flat_with_flat(tmp_path, capsys):
    config = tmp_path / "model.json"
    config.write_text(json.dumps(residual_stack()))
    for flags, blocks in (([], True), (["--flat"], False)):
        out = tmp_path / "model.yaml"
        assert main(["import", str(config), "-o", str(out), *flags]) == 0
        assert ("blocks:" in out.read_text()) is blocks
        assert (
            modelspec.load(out).graph.params
            == modelspec.loads(spec_text(walk(residual_stack()).data)).graph.params
        )
    assert "nodes" in capsys.readouterr().out


# --- the published architectures ---------------------------------------------------------------

APPLICATIONS = {
    "VGG16": 32,
    "ResNet50": 32,
    "ResNet50V2": 32,
    "InceptionV3": 75,
    "Xception": 71,
    "MobileNet": 32,
    "MobileNetV2": 32,
    "MobileNetV3Small": 32,
    "DenseNet121": 32,
    "NASNetMobile": 32,
    "EfficientNetB0": 32,
    "EfficientNetV2B0": 32,
}
# lines of the compressed spec, at most (flat: VGG16 29, ResNet50 183, DenseNet121 435, ...)
SHORT = {
    "ResNet50": 60,
    "ResNet50V2": 80,
    "DenseNet121": 45,
    "MobileNet": 50,
    "MobileNetV2": 70,
    "EfficientNetB0": 100,
}


IN_CI = {"VGG16", "ResNet50", "MobileNet", "MobileNetV2", "DenseNet121"}  # the others: -m slow


@functools.cache
def application_config(name: str) -> dict[str, Any]:
    """The config of a keras.applications model, untrained, 10 classes (built once, when asked)."""
    keras = pytest.importorskip("keras")
    keras.backend.clear_session()
    model = getattr(keras.applications, name)(
        weights=None, input_shape=(APPLICATIONS[name],) * 2 + (3,), classes=10
    )
    return {"class_name": "Functional", "config": model.get_config()}


@pytest.mark.keras
@pytest.mark.parametrize(
    "name", [n if n in IN_CI else pytest.param(n, marks=pytest.mark.slow) for n in sorted(APPLICATIONS)]
)
def test_a_published_architecture_compresses_to_the_same_model(name):
    data = walk(application_config(name)).data
    compressed, renames = compress(data)  # its time: bench/imports.py
    assert compress(data) == (compressed, renames)  # deterministic
    flat, text = spec_text(data), spec_text(compressed)
    same_model(modelspec.loads(flat).graph, modelspec.loads(text).graph, renames)
    if name in SHORT:
        assert len(text.splitlines()) <= SHORT[name]


@pytest.mark.keras
@pytest.mark.torch
@pytest.mark.parametrize("name", ["MobileNetV2", pytest.param("DenseNet121", marks=pytest.mark.slow)])
def test_its_weights_follow_the_renames_into_both_back_ends(name):
    keras = pytest.importorskip("keras")
    torch = pytest.importorskip("torch")
    np = pytest.importorskip("numpy")
    from modelspec.backends.torch.weights import set_keras_weights
    from modelspec.keras_import import keras_weights

    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    model = getattr(keras.applications, name)(
        weights=None, input_shape=(32, 32, 3), classes=10, classifier_activation=None
    )
    rng = np.random.default_rng(0)
    for layer in model.layers:  # biases and BatchNorm statistics not at their initial values
        layer.set_weights(
            [w + rng.normal(0, 0.05, w.shape).astype("float32") for w in layer.get_weights()]
        )
    spec, imported = import_config({"class_name": "Functional", "config": model.get_config()})
    assert "repeat:" in imported.text
    arrays = keras_weights(model, spec, imported)
    rebuilt, module = spec.to_keras(compile=False), spec.to_torch()
    for node in spec.graph.nodes:
        if node.weights and not node.shared:
            values = {w: arrays[f"{node.name}/{w}"] for w in node.weights}
            rebuilt.get_layer(node.name).set_weights(list(values.values()))
            set_keras_weights(module, node.name, values)
    x = rng.normal(0, 1, (2, 32, 32, 3)).astype("float32")
    expected = np.asarray(model(x, training=False))
    np.testing.assert_allclose(np.asarray(rebuilt(x, training=False)), expected, atol=1e-4)
    module.eval()
    with torch.no_grad():
        out = module(torch.as_tensor(x))
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-4)
