"""Valid specs a hostile user would write: `strategies.specs()` with odd names, every dtype,
extreme values and `${param}` references, each drawn on top of a valid spec and kept only when
the spec stays valid (a transformation that makes it invalid is dropped, and counted with
Hypothesis' `event`).

- names: inputs, nodes and block instances renamed to Python keywords, `self`, the names the
  generated torch code and `nn.Module` use for themselves (`forward`, `training`, `torch`), YAML's
  booleans and null as strings (`null`, `on`), builtins, underscores, and names a back end
  makes for itself (`x_1`); the block's own names too;
- dtypes: float inputs of float16 or float64, token ids of int64, and further inputs of every
  dtype read by the kinds that take them (Dense, Flatten, Rescaling, recurrent layers, ...);
- extreme values: seeds at int64's ends, epsilons of 1e30 and float32's largest, a ReLU's limit
  at float32's largest, a mask value of 1e-30, windows over a whole sequence with the largest
  strides both back ends take;
- params: arguments moved into `params:`, plain or as a one-choice search space.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml
from hypothesis import event
from hypothesis import strategies as st

import modelspec

from .strategies import BLOCK, BLOCK_NAME, specs

ODD_NAMES = ["def", "class", "is", "None", "lambda", "self", "return", "yield", "async", "match",
             "type", "_", "__init__", "_modules", "forward", "training", "state_dict", "torch",
             "getattr", "print", "inf", "nan", "device", "builtins", "NoneType", "fx_pytree",
             "null", "true", "on", "no", "x_1", "n0_linear", "in_0_nchw", "_0"]  # fmt: skip
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
SEEDS = [INT64_MAX, INT64_MIN, 0, -1, 2**32]
SEEDED = {"Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
          "GaussianDropout", "AlphaDropout"}  # fmt: skip
# Large only: a tiny epsilon over a group of one value (variance 0) divides each framework's own
# rounding residue of x - mean by 1e-15, which differs (Keras' is 0): ill-conditioned, not wrong
EPSILONS = [1e30, 3.0e38]
NORMS = {"LayerNormalization", "BatchNormalization", "GroupNormalization"}
# Kinds that take inputs of every dtype, as (kind, its arguments, the ranks it reads)
ANY_DTYPE_READERS = [("Dense", {"units": 2}, (1, 2, 3)), ("Flatten", {}, (2, 3)),
                     ("Rescaling", {"scale": 0.5, "offset": 1.0}, (1, 2, 3)),
                     ("Identity", {}, (1, 2, 3)), ("Reshape", {"target_shape": [-1]}, (1, 2, 3)),
                     ("Permute", {"dims": [2, 1]}, (2,)), ("LSTM", {"units": 2}, (2,)),
                     ("GRU", {"units": 2}, (2,)), ("BatchNormalization", {}, (1, 2, 3)),
                     ("Normalization", {"mean": 0.5, "variance": 2.0}, (1, 2, 3))]  # fmt: skip
ODD_DTYPES = ["int32", "int64", "bool", "float16", "float64"]


def valid(data: dict) -> bool:
    """Whether `data`, written as YAML, is a valid spec."""
    try:
        modelspec.loads(yaml.safe_dump(data, sort_keys=False))
    except modelspec.SpecError:
        return False
    return True


def _ref(ref: str, names: dict[str, str]) -> str:
    base, dot, member = ref.partition(".")
    return names.get(base, base) + dot + member


def _refs(value: Any, names: dict[str, str]) -> Any:
    """A node's `inputs:` (a name, a list, or roles to either) with the names replaced."""
    if isinstance(value, str):
        return _ref(value, names)
    if isinstance(value, list):
        return [_refs(v, names) for v in value]
    if isinstance(value, dict):
        return {role: _refs(v, names) for role, v in value.items()}
    return value


def renamed(data: dict, names: dict[str, str]) -> dict:
    """`data` with inputs and nodes renamed (old -> new), every reference to them too."""
    out = dict(data)
    out["inputs"] = {names.get(k, k): v for k, v in data["inputs"].items()}
    layers = {}
    for name, node in data["layers"].items():
        node = dict(node)
        node["inputs"] = _refs(node["inputs"], names)
        if "shares" in node:
            node["shares"] = names.get(node["shares"], node["shares"])
        layers[names.get(name, name)] = node
    out["layers"] = layers
    out["outputs"] = [_ref(o, names) for o in data["outputs"]]
    return out


def odd_block() -> dict:
    """The generator's block with odd names inside: its input, its nodes, its param."""
    block = copy.deepcopy(BLOCK)
    block["inputs"] = ["self"]
    block["params"] = {"def": "relu"}
    block["layers"] = {
        "class": {"type": "LayerNormalization", "inputs": "self"},
        "lambda": {"type": "Activation", "activation": "${def}", "inputs": "class"},
        "None": {"type": "Add", "inputs": ["lambda", "self"]},
    }
    block["outputs"] = ["None"]
    return block


def with_odd_names(draw: Any, data: dict) -> dict:
    """Some inputs, nodes and block instances renamed to odd names; the block's too."""
    taken = set(data["inputs"]) | set(data["layers"])
    pool = [n for n in ODD_NAMES if n not in taken]
    names = {}
    for old in [*data["inputs"], *data["layers"]]:
        if pool and draw(st.integers(0, 2)) == 0:
            names[old] = pool.pop(draw(st.integers(0, len(pool) - 1)))
    out = renamed(data, names)
    if "blocks" in out and draw(st.booleans()):
        out["blocks"] = {"class": odd_block()}
        for node in out["layers"].values():
            if node.get("block") == BLOCK_NAME:
                node["block"] = "class"
                node["params"] = {"def": node["params"]["act"]}
    return out


def _float_inputs(data: dict) -> list[str]:
    return [n for n, i in data["inputs"].items() if i.get("dtype", "float32") == "float32"]


def with_odd_dtypes(draw: Any, data: dict) -> dict:
    """Float inputs of float16 or float64, token ids of int64, further inputs of every dtype."""
    out = copy.deepcopy(data)
    for name in _float_inputs(out):
        out["inputs"][name]["dtype"] = draw(st.sampled_from(["float32", "float64", "float16"]))
    for spec_input in out["inputs"].values():
        if spec_input.get("dtype") == "int32" and draw(st.booleans()):
            spec_input["dtype"] = "int64"
    if not valid(out):  # a kind that takes float32 only (a 3D pooling): floats as they were
        event("odd dtypes: float inputs kept float32")
        out = copy.deepcopy(data)
    for i in range(draw(st.integers(0, 2))):
        rank = draw(st.integers(1, 3))
        shape = [draw(st.integers(1, 4)) for _ in range(rank)]
        readers = [(k, a) for k, a, ranks in ANY_DTYPE_READERS if rank in ranks]
        kind, args = draw(st.sampled_from(readers))
        name = f"odd_in_{i}"
        out["inputs"][name] = {"shape": shape, "dtype": draw(st.sampled_from(ODD_DTYPES))}
        out["layers"][f"odd_read_{i}"] = {"type": kind, **args, "inputs": [name]}
        out["outputs"].append(f"odd_read_{i}")
    return out


def _seeded(draw: Any, node: dict) -> None:
    if node.get("type") in SEEDED:
        node["seed"] = draw(st.sampled_from(SEEDS))
    if node.get("type") in ("Dense", "Conv1D", "Conv2D") and draw(st.booleans()):
        node["kernel_initializer"] = {
            "type": "glorot_uniform",
            "seed": draw(st.sampled_from(SEEDS)),
        }


def with_extremes(draw: Any, data: dict) -> dict:
    """Extreme values that leave the outputs finite: seeds, epsilons, limits, and a window over a
    whole sequence with the largest stride."""
    out = copy.deepcopy(data)
    for node in out["layers"].values():
        if draw(st.booleans()):
            continue
        _seeded(draw, node)
        kind = node.get("type")
        if kind in NORMS:
            node["epsilon"] = draw(st.sampled_from(EPSILONS))
        elif kind == "ReLU":
            node["max_value"] = 3.0e38
        elif kind == "Masking":  # tiny: `check` pads the input with it, which kinds downstream
            node["mask_value"] = 1e-30  # read (a huge one is ill-conditioned there, not wrong)
    if draw(st.booleans()):
        rank2 = [n for n, i in out["inputs"].items() if len(i["shape"]) == 2 and None not in i["shape"]
                 and i.get("dtype", "float32").startswith("float")]  # fmt: skip
        if rank2:
            source = draw(st.sampled_from(rank2))
            steps = out["inputs"][source]["shape"][0]
            kind = draw(st.sampled_from(["Conv1D", "MaxPooling1D", "AveragePooling1D"]))
            if kind == "Conv1D":  # strides times the window at most 2**24 (TensorFlow's limit)
                args = {"filters": 2, "kernel_size": steps, "strides": 2**24 // steps}
            else:
                args = {"pool_size": steps, "strides": 2**31 - 1}
            out["layers"]["whole_window"] = {"type": kind, **args, "inputs": [source]}
            out["outputs"].append("whole_window")
    return out


SCALARS = (bool, int, float, str)


def with_params(draw: Any, data: dict) -> dict:
    """Some layer arguments moved into `params:` (plain, or a search space of one choice)."""
    out = copy.deepcopy(data)
    params = out.setdefault("params", {})
    for node in out["layers"].values():
        movable = [k for k, v in node.items() if k not in ("type", "inputs", "shares", "block")
                   and isinstance(v, SCALARS)]  # fmt: skip
        if not movable or draw(st.integers(0, 2)):
            continue
        arg = draw(st.sampled_from(sorted(movable)))
        name = f"p{len(params)}"
        value = node[arg]
        params[name] = {"choice": [value], "default": value} if draw(st.booleans()) else value
        node[arg] = f"${{{name}}}"
    if not params:
        del out["params"]
    return out


@st.composite
def odd_specs(draw: Any, max_nodes: int = 8) -> dict:
    """A valid spec as plain data, with odd names, dtypes, extreme values and params."""
    data = draw(specs(max_nodes=max_nodes))
    for transform in (with_odd_names, with_odd_dtypes, with_extremes, with_params):
        changed = transform(draw, data)
        if valid(changed):
            data = changed
        else:
            event(f"{transform.__name__}: dropped (the spec was no longer valid)")
    return data
