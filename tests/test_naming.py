"""Default node names are Keras' own names, for every registered layer kind."""

from __future__ import annotations

import inspect

import pytest

import modelspec
from modelspec.layers import REGISTRY
from modelspec.naming import keras_name

keras = pytest.importorskip("keras")
from keras.src.utils.naming import to_snake_case

pytestmark = pytest.mark.keras

MINIMAL = {"units": 2, "filters": 2, "kernel_size": 1, "rate": 0.5, "activation": "relu", "target_shape": (2,),
           "dims": (1,), "input_dim": 3, "output_dim": 2, "num_heads": 1, "key_dim": 2, "pool_size": 2,
           "n": 2, "axes": 1, "stddev": 0.1, "scale": 0.5}  # fmt: skip


def fresh(kind: str, **extra):
    """A Keras layer of class `kind` with the fewest arguments it takes, left unnamed."""
    cls = getattr(keras.layers, kind)
    if kind in ("Bidirectional", "TimeDistributed"):
        return cls(keras.layers.LSTM(2), **extra)
    required = [p for p in inspect.signature(cls.__init__).parameters.values()
                if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "self"]  # fmt: skip
    return cls(**{p.name: MINIMAL[p.name] for p in required}, **extra)


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_the_default_name_is_the_one_keras_gives(kind):
    keras.backend.clear_session()  # Keras' name counters start again
    first, second = fresh(kind), fresh(kind)
    assert keras_name(kind) == to_snake_case(kind) == first.name
    assert second.name == f"{keras_name(kind)}_1"


@pytest.mark.parametrize("kind, name", [("Conv2D", "conv2d"), ("Conv2DTranspose", "conv2d_transpose"),
                                        ("MaxPooling2D", "max_pooling2d"), ("UpSampling2D", "up_sampling2d"),
                                        ("GlobalAveragePooling2D", "global_average_pooling2d"),
                                        ("SimpleRNN", "simple_rnn"), ("LSTM", "lstm"), ("GRU", "gru")])  # fmt: skip
def test_names_written_out(kind, name):
    assert keras_name(kind) == name


def test_a_sequential_list_names_its_layers_as_keras_does():
    spec = modelspec.loads("inputs: {x: {shape: [8, 8, 1]}}\nlayers:\n"
                           "  - {type: Conv2D, filters: 2, kernel_size: 3}\n"
                           "  - {type: Conv2D, filters: 2, kernel_size: 3}\n"
                           "  - {type: MaxPooling2D}\n  - {type: GlobalAveragePooling2D}\n")  # fmt: skip
    assert [n.name for n in spec.graph.nodes] == ["conv2d", "conv2d_1", "max_pooling2d", "global_average_pooling2d"]
