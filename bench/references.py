"""The same models written by hand, as a person would write them, to time against."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Classifier(nn.Module):
    """Seed 004: 5 -> 128 relu -> dropout -> 128 relu -> dropout -> 2 softmax."""

    def __init__(self, units: int = 128):
        super().__init__()
        self.dense = nn.Linear(5, units)
        self.dropout = nn.Dropout(0.2)
        self.dense_1 = nn.Linear(units, units)
        self.dropout_1 = nn.Dropout(0.3)
        self.classes = nn.Linear(units, 2)

    def forward(self, x):
        x = self.dropout(torch.relu(self.dense(x)))
        x = self.dropout_1(torch.relu(self.dense_1(x)))
        return torch.softmax(self.classes(x), dim=-1)


class ToyResNet(nn.Module):
    """The Keras guide's toy ResNet, NHWC in (as the Keras model takes it), NCHW inside."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        for name in ("res_1_conv_a", "res_1_conv_b", "res_2_conv_a", "res_2_conv_b"):
            setattr(self, name, nn.Conv2d(64, 64, 3, padding=1))
        self.conv3 = nn.Conv2d(64, 64, 3)
        self.dense = nn.Linear(64, 256)
        self.drop = nn.Dropout(0.5)
        self.logits = nn.Linear(256, 10)

    def forward(self, img):
        x = img.permute(0, 3, 1, 2)
        x = F.max_pool2d(torch.relu(self.conv2(torch.relu(self.conv1(x)))), 3)
        for i in (1, 2):
            y = torch.relu(getattr(self, f"res_{i}_conv_a")(x))
            x = torch.relu(getattr(self, f"res_{i}_conv_b")(y)) + x
        x = torch.relu(self.conv3(x)).mean((2, 3))
        return self.logits(self.drop(torch.relu(self.dense(x))))


class StockLSTM(nn.Module):
    """Seed 000 with torch's own LSTM (tanh): one input window, two heads."""

    def __init__(self, units: int = 300):
        super().__init__()
        self.lstm = nn.LSTM(1, units, batch_first=True)
        self.price = nn.Linear(units, 1)
        self.direction = nn.Linear(units, 1)

    def forward(self, prices):
        _, (h, _) = self.lstm(prices)
        h = h[-1]
        return self.price(h), torch.sigmoid(self.direction(h))


def keras_stock_lstm(keras, activation: str = "relu"):
    inputs = keras.Input((10, 1), name="prices")
    x = keras.layers.LSTM(300, activation=activation, name="lstm")(inputs)
    price = keras.layers.Dense(1, name="price")(x)
    direction = keras.layers.Dense(1, activation="sigmoid", name="direction")(x)
    return keras.Model(inputs, [price, direction], name="stock_lstm")


def keras_classifier(keras):
    inputs = keras.Input((5,), name="features")
    x = keras.layers.Dense(128, activation="relu", name="dense")(inputs)
    x = keras.layers.Dropout(0.2, name="dropout")(x)
    x = keras.layers.Dense(128, activation="relu", name="dense_1")(x)
    x = keras.layers.Dropout(0.3, name="dropout_1")(x)
    outputs = keras.layers.Dense(2, activation="softmax", name="classes")(x)
    return keras.Model(inputs, outputs, name="sequential_classifier")
