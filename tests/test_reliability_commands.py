"""Issue 17's "Done when": `validate`, `summary`, `render`, `check`, `compile`, `train` and
`search` never print "internal error" (nor a traceback) for any example of the issue. A spec
`validate` refuses gets the located error from every command (exit 1); one it accepts runs
through every command (exit 0). The examples' own behaviour is tested where their class is:
tests/test_reliability_names*.py, _errors*.py, _cli*.py."""

import textwrap

import numpy as np
import pytest

from modelspec.cli import main

DENSE = "inputs: {x: {shape: [4]}}\nlayers:\n  %s: {type: Dense, units: 3, inputs: x}\n"
TRAINING = "training: {optimizer: adam, loss: mse, epochs: 1, batch_size: 4, validation_split: 0.25}\n"
CELL = "blocks:\n  cell:\n    inputs: [x]\n    layers:\n      d: {type: Dense, units: 3, inputs: x}\n"
SEARCHED = "params: {lr: {loguniform: [1.0e-4, 1.0e-2], default: 1.0e-3}}\n" + DENSE
SEARCHED_TRAINING = TRAINING.replace("optimizer: adam", "optimizer: {type: adam, learning_rate: '${lr}'}")
BLOCK = "inputs: {x: {shape: [4]}}\n" + CELL + "layers:\n  %s: {block: cell, inputs: x}\n"

# name -> (spec text, the output's name when `validate` accepts it, None when it refuses it)
EXAMPLES = {
    # section 1: what `validate` accepts, every back end builds and runs
    "name def": (SEARCHED % "def" + SEARCHED_TRAINING, "def"),
    "name class": (SEARCHED % "class" + SEARCHED_TRAINING, "class"),
    "name is": (SEARCHED % "is" + SEARCHED_TRAINING, "is"),
    "name self": (SEARCHED % "self" + SEARCHED_TRAINING, "self"),
    "name ending in a newline": (DENSE % '"d\\n"', None),
    "block a.b": (BLOCK % '"a.b"', None),
    "block a/b": (BLOCK % '"a/b"', None),
    "block a b": (BLOCK % '"a b"', None),
    "block a:b": (BLOCK % '"a:b"', None),
    "int32 into Dropout": ("inputs: {x: {shape: [4, 3], dtype: int32}}\nlayers:\n  - {type: Dropout, rate: 0.5}\n", None),
    "bool into MaxPooling1D": ("inputs: {x: {shape: [4, 3], dtype: bool}}\nlayers:\n  - {type: MaxPooling1D}\n", None),
    "int32 into ZeroPadding1D": ("inputs: {x: {shape: [4, 3], dtype: int32}}\nlayers:\n  - {type: ZeroPadding1D}\n", None),
    "${a} activation and learning_rate": (
        "params: {a: {choice: [relu, tanh], default: tanh}, lr: {loguniform: [1.0e-4, 1.0e-2], default: 1.0e-3}}\n"
        "inputs: {x: {shape: [4]}}\nlayers:\n  - {type: Dense, units: 3, activation: '${a}', name: d}\n"
        "training: {optimizer: {type: adam, learning_rate: '${lr}'}, loss: mse, epochs: 1, validation_split: 0.25}\n",
        "d",
    ),
    "epsilon .inf": ("inputs: {x: {shape: [4]}}\nlayers:\n  - {type: LayerNormalization, epsilon: .inf}\n", None),
    "Dropout seed 2**63": (f"inputs: {{x: {{shape: [4]}}}}\nlayers:\n  - {{type: Dropout, rate: 0.5, seed: {2**63}}}\n", None),
    # section 2: every mistake is a located error
    "param defined as itself": ('params: {u: "${u}"}\n' + DENSE.replace("units: 3", 'units: "${u}"') % "d", None),
    "param chain": ('params: {a: "${b}", b: 4}\n' + DENSE.replace("units: 3", 'units: "${a}"') % "d", None),
    "rank 0 into Dense": (DENSE.replace("[4]", "[]") % "d", None),
    "4301 digits": (DENSE.replace("units: 3", "units: " + "1" * 4301) % "d", None),
    "training seed -1": (DENSE % "d" + TRAINING.replace("loss: mse", "loss: mse, seed: -1"), None),
    "training seed 2**64": (DENSE % "d" + TRAINING.replace("loss: mse", f"loss: mse, seed: {2**64}"), None),
    "Embedding of 10**10 rows": ("inputs: {x: {shape: [3], dtype: int32}}\nlayers:\n  e: {type: Embedding, input_dim: 10000000000, output_dim: 2, inputs: x}\n", None),
    "Embedding fed by a float input": ("inputs: {x: {shape: [4]}}\nlayers:\n  e: {type: Embedding, input_dim: 6, output_dim: 2, inputs: x}\n" + SEARCHED_TRAINING.replace("training:", "params: {lr: {loguniform: [1.0e-4, 1.0e-2], default: 1.0e-3}}\ntraining:"), "e"),
    # section 3: bad input costs what good input costs
    "repeat 10**9": (BLOCK.replace("inputs: x}", "inputs: x, repeat: 1000000000}") % "r", None),
    # section 4: messages a new user met
    "shape with the batch": ("inputs: {x: {shape: [None, 28, 28, 1]}}\nlayers: [{type: Flatten}]\n", None),
    "input_shape": ("inputs: {x: {shape: [784]}}\nlayers: [{type: Dense, units: 10, input_shape: [784]}]\n", None),
    "lr": (DENSE % "d" + "training: {loss: mse, optimizer: {type: adam, lr: 0.01}}\n", None),
    "kernel_size (3, 3)": ("inputs: {x: {shape: [28, 28, 1]}}\nlayers:\n  - {type: Conv2D, filters: 3, kernel_size: (3, 3)}\n", None),
    "arguments beside a wrapper's layer": ("inputs: {x: {shape: [10, 4]}}\nlayers: [{type: Bidirectional, layer: {type: LSTM}, units: 3}]\n", None),
    "duplicate key": ("inputs: {x: {shape: [4]}}\nlayers:\n  a: {type: Dense, units: 2, inputs: x}\n  a: {type: Dense, units: 3, inputs: x}\n", None),
}  # fmt: skip
COMMANDS = ["validate", "summary", "render", "check", "compile", "train", "search"]


def _arguments(command: str, folder) -> list[str]:
    data = ["--data", str(folder / "d.npz"), "--backend", "torch"]
    return {
        "render": ["-o", str(folder / "out.dot")],
        "compile": ["--backend", "torch", "-o", str(folder / "m.pt")],
        "train": [*data, "-o", str(folder / "t.pt")],
        "search": [*data, "--trials", "1", "--storage", f"sqlite:///{folder / 'study.db'}"],
    }.get(command, [])


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_no_command_prints_an_internal_error_for_an_example(example, command, tmp_path, capsys):
    text, output = EXAMPLES[example]
    path = tmp_path / "spec.yaml"
    path.write_text(textwrap.dedent(text))
    x = np.random.default_rng(0).integers(0, 6, (8, 4)).astype("float32")
    target = np.zeros((8, 4, 2) if output == "e" else (8, 3), "float32")  # e: an Embedding's
    np.savez(tmp_path / "d.npz", x=x, **{output or "d": target})
    code = main([command, str(path), *_arguments(command, tmp_path)])
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err, err
    if output is not None:
        assert code == 0, err
    elif command == "render":  # drawn with its problems marked, and reported as `validate` does
        assert code == 1 and err.startswith(f"{path}:"), err
    else:
        assert code == 1 and err.startswith(f"{path}:") and err.split(":")[1].isdigit(), err
