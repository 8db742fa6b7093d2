"""The benchmarked models written by hand, the way a person writes them, to time modelspec against.

The torch modules name their submodules as the spec names its nodes, so the compiled module's
`state_dict()` loads into them and both sides compute with the same weights (`copy_weights`).
`keras_init` is what a person porting a Keras model to torch writes to start from Keras'
initial distributions, which is what the compiled module does.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

# --- torch -----------------------------------------------------------------------------------


class Classifier(nn.Module):
    """Seed 004: 5 -> Dense 128 relu -> Dropout -> Dense 128 relu -> Dropout -> Dense 2 softmax."""

    def __init__(self, units: int = 128):
        super().__init__()
        self.dense = nn.Linear(5, units)
        self.dropout = nn.Dropout(0.2)
        self.dense_1 = nn.Linear(units, units)
        self.dropout_1 = nn.Dropout(0.3)
        self.classes = nn.Linear(units, 2)

    def forward(self, features):
        x = self.dropout(torch.relu(self.dense(features)))
        x = self.dropout_1(torch.relu(self.dense_1(x)))
        return torch.softmax(self.classes(x), dim=-1)


class ToyResNet(nn.Module):
    """The Keras functional-API guide's toy ResNet; takes NHWC images as the Keras model does."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.res_1_conv_a = nn.Conv2d(64, 64, 3, padding=1)
        self.res_1_conv_b = nn.Conv2d(64, 64, 3, padding=1)
        self.res_2_conv_a = nn.Conv2d(64, 64, 3, padding=1)
        self.res_2_conv_b = nn.Conv2d(64, 64, 3, padding=1)
        self.conv3 = nn.Conv2d(64, 64, 3)
        self.dense = nn.Linear(64, 256)
        self.drop = nn.Dropout(0.5)
        self.logits = nn.Linear(256, 10)

    def forward(self, img):
        x = img.permute(0, 3, 1, 2)  # NHWC -> NCHW
        x = torch.relu(self.conv1(x))
        x = torch.relu(self.conv2(x))
        x = F.max_pool2d(x, 3)
        y = torch.relu(self.res_1_conv_a(x))
        x = torch.relu(self.res_1_conv_b(y)) + x
        y = torch.relu(self.res_2_conv_a(x))
        x = torch.relu(self.res_2_conv_b(y)) + x
        x = torch.relu(self.conv3(x))
        x = x.mean((2, 3))  # global average pooling
        x = self.drop(torch.relu(self.dense(x)))
        return self.logits(x)


class StockLSTM(nn.Module):
    """Seed 000 with torch's own LSTM (tanh): a window of 10 prices, two heads."""

    def __init__(self, units: int = 300):
        super().__init__()
        self.lstm = nn.LSTM(1, units, batch_first=True)
        self.price = nn.Linear(units, 1)
        self.direction = nn.Linear(units, 1)

    def forward(self, prices):
        _, (h, _) = self.lstm(prices)
        h = h[-1]
        return self.price(h), torch.sigmoid(self.direction(h))


def keras_init(module: nn.Module) -> nn.Module:
    """Keras' default initial weights: glorot_uniform kernels, zero biases, orthogonal recurrent
    kernels, LSTM forget-gate bias 1."""

    def init(m: nn.Module) -> None:
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LSTM):
            nn.init.xavier_uniform_(m.weight_ih_l0)
            nn.init.orthogonal_(m.weight_hh_l0)
            nn.init.zeros_(m.bias_ih_l0)
            nn.init.zeros_(m.bias_hh_l0)
            with torch.no_grad():
                m.bias_ih_l0[m.hidden_size : 2 * m.hidden_size] = 1.0

    return module.apply(init)


def copy_weights(compiled: nn.Module, hand: nn.Module) -> None:
    """Load the compiled module's weights into the hand-written one (same computation, same data).

    The compiled LSTM holds Keras' one bias; nn.LSTM's second bias gets zeros.
    """
    state = dict(compiled.state_dict())
    if "lstm.weight_ih" in state:
        bias = state.pop("lstm.bias")
        state["lstm.weight_ih_l0"] = state.pop("lstm.weight_ih")
        state["lstm.weight_hh_l0"] = state.pop("lstm.weight_hh")
        state["lstm.bias_ih_l0"], state["lstm.bias_hh_l0"] = bias, torch.zeros_like(bias)
    hand.load_state_dict(state)


# --- Keras -----------------------------------------------------------------------------------


def keras_classifier(keras):
    """Seed 004 as a person writes it: a Sequential model."""
    layers = keras.layers
    return keras.Sequential([
        keras.Input((5,), name="features"),
        layers.Dense(128, activation="relu", name="dense"),
        layers.Dropout(0.2, name="dropout"),
        layers.Dense(128, activation="relu", name="dense_1"),
        layers.Dropout(0.3, name="dropout_1"),
        layers.Dense(2, activation="softmax", name="classes"),
    ], name="sequential_classifier")  # fmt: skip


def keras_toy_resnet(keras):
    """The Keras functional-API guide's toy ResNet, as the guide writes it (layers named)."""
    layers = keras.layers
    inputs = keras.Input(shape=(32, 32, 3), name="img")
    x = layers.Conv2D(32, 3, activation="relu", name="conv1")(inputs)
    x = layers.Conv2D(64, 3, activation="relu", name="conv2")(x)
    block_1_output = layers.MaxPooling2D(3, name="pool")(x)
    x = layers.Conv2D(64, 3, activation="relu", padding="same", name="res_1_conv_a")(block_1_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same", name="res_1_conv_b")(x)
    block_2_output = layers.Add(name="res_1_add")([x, block_1_output])
    x = layers.Conv2D(64, 3, activation="relu", padding="same", name="res_2_conv_a")(block_2_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same", name="res_2_conv_b")(x)
    block_3_output = layers.Add(name="res_2_add")([x, block_2_output])
    x = layers.Conv2D(64, 3, activation="relu", name="conv3")(block_3_output)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    x = layers.Dense(256, activation="relu", name="dense")(x)
    x = layers.Dropout(0.5, name="drop")(x)
    outputs = layers.Dense(10, name="logits")(x)
    return keras.Model(inputs, outputs, name="toy_resnet")


def keras_stock_lstm(keras):
    """Seed 000 (functional API: two heads)."""
    inputs = keras.Input((10, 1), name="prices")
    x = keras.layers.LSTM(300, activation="relu", name="lstm")(inputs)
    price = keras.layers.Dense(1, name="price")(x)
    direction = keras.layers.Dense(1, activation="sigmoid", name="direction")(x)
    return keras.Model(inputs, [price, direction], name="stock_lstm")
