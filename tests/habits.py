"""Hypothesis strategies of what a newcomer writes: a valid generated spec (`strategies.specs`)
with one of Keras' or Python's habits in it (`modelspec.hints`), as YAML text, with the path and
words of the problem it must get, and sometimes a key written twice besides."""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from hypothesis import strategies as st

from modelspec.yamlio import Flow, dump_spec

from .strategies import specs

HABITS = ["batch_in_shape", "input_shape", "lr", "training_lr", "tuple", "wrapped_arguments"]
DUPLICATE = "name: again\n"  # a second `name:` at the end of the file
DUPLICATE_PROBLEM = "duplicate key 'name'"


@dataclass
class Habit:
    """A spec text with one habit in it: `path` (dotted) gets a problem saying `words`; `text`
    ends in a duplicate `name:` when `duplicated`, and `plain` is the text without it."""

    how: str
    plain: str
    path: str
    words: str
    duplicated: bool

    @property
    def text(self) -> str:
        """The spec as the newcomer wrote it."""
        return self.plain + (DUPLICATE if self.duplicated else "")


def _typed_nodes(data: dict) -> list[str]:
    return sorted(n for n, node in data["layers"].items() if "type" in node)


@st.composite
def habits(draw, max_nodes: int = 4) -> Habit:
    """A generated spec with one habit drawn from `HABITS`."""
    data = draw(specs(max_nodes=max_nodes))
    how = draw(st.sampled_from(HABITS))
    layers, inputs = data["layers"], data["inputs"]
    first = min(inputs)
    written = None  # a tuple as Python writes it, unquoted in the text
    if how == "batch_in_shape":
        name = draw(st.sampled_from(sorted(inputs)))
        inputs[name]["shape"] = ["None", *inputs[name]["shape"]]
        path, words = f"inputs.{name}.shape.0", "a shape leaves the batch out"
    elif how == "input_shape":
        typed = _typed_nodes(data)
        name = draw(st.sampled_from(typed)) if typed else "extra"
        if not typed:  # every node a block instance or a shared layer
            layers[name] = {"type": "Dense", "units": 1, "inputs": [first]}
        layers[name]["input_shape"] = list(inputs[first]["shape"])
        path, words = f"layers.{name}.input_shape", "a shape goes on a model input"
    elif how == "lr":
        kind = draw(st.sampled_from(["adam", "adamw", "sgd", "rmsprop"]))
        data["training"] = {"loss": "mse", "optimizer": {"type": kind, "lr": 0.01}}
        path, words = "training.optimizer.lr", "did you mean 'learning_rate'?"
    elif how == "training_lr":
        data["training"] = {"loss": "mse", "lr": 0.01}
        path, words = "training.lr", "the learning rate is the optimizer's"
    elif how == "tuple":
        numbers = [(n, k) for n, node in layers.items() for k, v in node.items()
                   if type(v) is int]  # fmt: skip
        name, key = draw(st.sampled_from(sorted(numbers))) if numbers else ("extra", "units")
        if not numbers:
            layers[name] = {"type": "Dense", "units": 1, "inputs": [first]}
        value = layers[name][key]
        written = f"({value}, {value})" if draw(st.booleans()) else f"({value},{value},{value})"
        layers[name][key] = written
        path, words = f"layers.{name}.{key}", "which has no tuples: write a list"
    else:  # wrapped_arguments
        wrapper, kind = draw(st.sampled_from([("TimeDistributed", "Dense"), ("Bidirectional", "LSTM"),
                                              ("Bidirectional", "GRU")]))  # fmt: skip
        layers["wrapper"] = {"type": wrapper, "layer": {"type": kind}, "units": 3, "inputs": [first]}
        path, words = "layers.wrapper.units", "goes inside `layer:`"
    if draw(st.booleans()):  # one node a line, `{...}`, as specs are written by hand
        data["layers"] = {n: Flow(node) for n, node in layers.items()}
        text = dump_spec(data)
    else:  # every key on its own line
        text = yaml.safe_dump(data, sort_keys=False, default_flow_style=False)
    if written is not None:  # in a `{...}` mapping YAML splits it at the commas, as it would
        text = text.replace(f"'{written}'", written)
    return Habit(how, text, path, words, draw(st.booleans()))
