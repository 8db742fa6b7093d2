"""Hypothesis strategies that generate valid specs: random DAGs over every layer kind.

A spec is grown node by node. Each step draws a layer kind and legal arguments for it, picks
input tensors of a fitting rank, and keeps the node only if the core's own shape and mask rules
accept it, so what comes out is valid by construction and covers branching, every merge, shared
layers, blocks with repeat, and `null` lengths; recurrent layers that return their states
(`node.state_h` read by later nodes, or listed as outputs) or start from an encoder's states or
any tensor of the states' shape (`initial_state` by role), and attention masks by role; masks
(Embedding's `mask_zero`, Masking), carried through whatever follows.
"""

from __future__ import annotations

from typing import Any, Callable

from hypothesis import strategies as st

from modelspec.layers import ACTIVATIONS, REGISTRY, ShapeError
from modelspec.layers.base import expect_min_rank

ACTS = ["linear", "relu", "tanh", "sigmoid", "elu", "gelu", "softmax", "selu", "swish", "softplus"]
RNN_ACTS = ["tanh", "relu", "sigmoid", "linear", "elu"]


INITIALIZER_CHOICES = ["glorot_normal", "he_uniform", "lecun_normal", "orthogonal", "zeros",
                       {"type": "random_normal", "stddev": 0.2}, {"type": "truncated_normal", "mean": 0.1},
                       {"type": "variance_scaling", "scale": 2.0, "mode": "fan_avg", "distribution": "uniform"}]
REGULARIZER_CHOICES = ["l1", "l2", {"type": "l1_l2", "l1": 0.01, "l2": 0.02}]
CONSTRAINT_CHOICES = ["non_neg", "unit_norm", {"type": "max_norm", "max_value": 1.5}]


def _options(draw, *weights: str, activity: bool = True) -> dict:
    """Some of the weights' initializer, regularizer and constraint arguments (none, mostly)."""
    out: dict[str, Any] = {}
    for weight in weights:
        if draw(st.integers(0, 3)) == 0:
            choices = [c for c in INITIALIZER_CHOICES if weight != "bias" or c != "orthogonal"]  # 1-D
            out[f"{weight}_initializer"] = draw(st.sampled_from(choices))
        if draw(st.integers(0, 4)) == 0:
            out[f"{weight}_regularizer"] = draw(st.sampled_from(REGULARIZER_CHOICES))
        if draw(st.integers(0, 4)) == 0:
            out[f"{weight}_constraint"] = draw(st.sampled_from(CONSTRAINT_CHOICES))
    if activity and draw(st.integers(0, 4)) == 0:
        out["activity_regularizer"] = draw(st.sampled_from(REGULARIZER_CHOICES))
    return out


def _rnn(kind: str) -> Callable:
    def args(draw, shape) -> dict | None:
        if len(shape) != 2 or shape[-1] is None:
            return None
        out: dict[str, Any] = {"units": draw(st.integers(1, 6)),
                               "return_sequences": draw(st.booleans())}  # fmt: skip
        out["activation"] = draw(st.sampled_from(RNN_ACTS))
        if kind != "SimpleRNN":
            out["recurrent_activation"] = draw(st.sampled_from(["sigmoid", "hard_sigmoid", "tanh"]))
        if kind == "GRU":
            out["reset_after"] = draw(st.booleans())
        out["use_bias"] = draw(st.booleans())
        out["go_backwards"] = draw(st.booleans())
        out["return_state"] = draw(st.booleans())
        return {**out, **_options(draw, "kernel", "recurrent", "bias")}

    return args


RECURRENT = {"LSTM": 2, "GRU": 1, "SimpleRNN": 1}  # kind -> its states


def _axes(rank: int, most: int) -> st.SearchStrategy:
    """One int for every axis, or a list of one per axis."""
    return st.integers(1, most) | st.tuples(*[st.integers(1, most)] * rank).map(list)


def _may_dilate(shape: tuple, padding: str) -> bool:
    """Whether to draw a dilation: not for a `valid` window over a length unknown until run time,
    where TensorFlow's dilated convolution (oneDNN on, as modelspec sets it) of an input shorter
    than the dilated kernel returns an output of the wrong length (4 cells from 4, kernel 3,
    dilation 2: it should be none) where torch raises."""
    return padding != "valid" or None not in shape[:-1]


def _conv(rank: int, transpose: bool = False) -> Callable:
    def args(draw, shape) -> dict | None:
        if len(shape) != rank + 1 or shape[-1] is None:
            return None
        strides = draw(st.integers(1, 2))
        paddings = ["valid", "same"] + (["causal"] if rank == 1 and not transpose else [])
        out = {
            "filters": draw(st.integers(1, 6)),
            "kernel_size": draw(_axes(rank, 3)),
            "strides": strides,
            "padding": draw(st.sampled_from(paddings)),
            "activation": draw(st.sampled_from(ACTS[:5])),
            "use_bias": draw(st.booleans()),
        }
        if strides == 1 and _may_dilate(shape, out["padding"]) and draw(st.booleans()):
            out["dilation_rate"] = 2
        if transpose and draw(st.booleans()):  # 0 up to strides - 1, one for all axes or per axis
            pad = st.integers(0, strides - 1)
            out["output_padding"] = draw(pad | st.tuples(*[pad] * rank).map(list))
        if not transpose:  # groups divide the channels; filters a multiple of groups
            groups = draw(st.sampled_from([g for g in (1, 2, 3) if shape[-1] % g == 0]))
            out["groups"], out["filters"] = groups, groups * draw(st.integers(1, 3))
        return {**out, **_options(draw, "kernel", "bias")}

    return args


def _depthwise(rank: int, separable: bool = False) -> Callable:
    def args(draw, shape) -> dict | None:
        if len(shape) != rank + 1 or shape[-1] is None:
            return None
        out = {"kernel_size": draw(_axes(rank, 3)), "strides": draw(st.integers(1, 2)),
               "padding": draw(st.sampled_from(["valid", "same"])), "depth_multiplier": draw(st.integers(1, 2)),
               "activation": draw(st.sampled_from(ACTS[:5])), "use_bias": draw(st.booleans())}  # fmt: skip
        if _may_dilate(shape, out["padding"]):
            out["dilation_rate"] = draw(st.integers(1, 2))
        if separable:
            out["filters"] = draw(st.integers(1, 5))
        return out

    return args


def _pool(rank: int) -> Callable:
    def args(draw, shape) -> dict | None:
        if len(shape) != rank + 1:
            return None
        size = draw(st.integers(1, 3))
        return {"pool_size": size, "strides": draw(st.sampled_from([None, 1, 2])),
                "padding": draw(st.sampled_from(["valid", "same"]))}  # fmt: skip

    return args


def _global(rank: int) -> Callable:
    def args(draw, shape) -> dict | None:
        return {"keepdims": draw(st.booleans())} if len(shape) == rank + 1 else None

    return args


def _dense(draw, shape):
    if shape[-1] is None:
        return None
    return {"units": draw(st.integers(1, 8)), "activation": draw(st.sampled_from(ACTS)),
            "use_bias": draw(st.booleans()), **_options(draw, "kernel", "bias")}  # fmt: skip


def _flatten(draw, shape):
    return {} if len(shape) >= 2 and None not in shape else None


def _reshape(draw, shape):
    if None in shape or len(shape) > 3:
        return None
    size = 1
    for d in shape:
        size *= d
    return {"target_shape": draw(st.sampled_from([[size], [-1], [size, 1], [1, -1]]))}


def _permute(draw, shape):
    if len(shape) < 2:
        return None
    dims = draw(st.permutations(list(range(1, len(shape) + 1))))
    return {"dims": list(dims)}


def _norm(kind: str) -> Callable:
    def args(draw, shape) -> dict | None:
        if shape[-1] is None:
            return None
        out: dict[str, Any] = {"epsilon": draw(st.sampled_from([1e-3, 1e-5])),
                               "center": draw(st.booleans()), "scale": draw(st.booleans())}  # fmt: skip
        if kind == "BatchNormalization":
            out["momentum"] = draw(st.sampled_from([0.99, 0.9]))
        if kind == "LayerNormalization":
            axes = _known_axes(draw, shape)
            if axes and draw(st.booleans()):
                out["axis"] = axes
        return out

    return args


def _known_axes(draw, shape) -> list[int]:
    """Some axes (counted from 1, or from -1 at the end) of known length, in any order."""
    known = [i for i, d in enumerate(shape, start=1) if d is not None]
    if not known:
        return []
    picked = draw(st.lists(st.sampled_from(known), min_size=1, max_size=len(known), unique=True))
    return [a - len(shape) - 1 if draw(st.booleans()) else a for a in picked]


def _group_norm(draw, shape) -> dict | None:
    axis = draw(st.sampled_from([-1, *range(1, len(shape) + 1)]))
    channels = shape[axis if axis < 0 else axis - 1]
    if channels is None:
        return None
    groups = draw(st.sampled_from([-1] + [g for g in range(1, channels + 1) if channels % g == 0]))
    return {"groups": groups, "axis": axis, "epsilon": draw(st.sampled_from([1e-3, 1e-5])),
            "center": draw(st.booleans()), "scale": draw(st.booleans())}  # fmt: skip


def _unit_norm(draw, shape) -> dict:
    axes = draw(st.lists(st.integers(1, len(shape)), min_size=1, max_size=len(shape), unique=True))
    return {"axis": axes[0] if len(axes) == 1 else axes}


def _prelu(draw, shape) -> dict | None:
    if not shape:
        return {}
    shared = draw(st.none() | st.lists(st.integers(1, len(shape)), min_size=1, unique=True))
    if any(d is None and i not in (shared or ()) for i, d in enumerate(shape, start=1)):
        return None
    return {} if shared is None else {"shared_axes": shared}


def _per_channel(draw, shape, values) -> float | list[float]:
    """A number, or (with the channels known) one value per channel."""
    if shape[-1] is not None and draw(st.booleans()):
        return [draw(values) for _ in range(shape[-1])]
    return draw(values)


def _rescaling(draw, shape) -> dict:
    return {"scale": _per_channel(draw, shape, st.sampled_from([0.5, 2.0, 1 / 255, -1.0])),
            "offset": _per_channel(draw, shape, st.sampled_from([0.0, 1.0, -0.5]))}  # fmt: skip


def _normalization(draw, shape) -> dict | None:
    axes = draw(st.sampled_from([[-1], [], _known_axes(draw, shape)]))
    kept = sorted(a % (len(shape) + 1) for a in axes)
    if any(shape[a - 1] is None for a in kept):
        return None
    out: dict[str, Any] = {"axis": None if not axes else axes[0] if len(axes) == 1 else axes,
                           "invert": draw(st.booleans())}  # fmt: skip
    if draw(st.booleans()):  # given statistics, of the kept axes' shape (or a number)
        sizes = [shape[a - 1] for a in kept]
        count = 1
        for n in sizes:
            count *= n
        mean = draw(st.lists(st.sampled_from([-1.5, -0.5, 0.0, 0.25, 2.0]), min_size=count, max_size=count))
        variance = draw(st.lists(st.sampled_from([0.25, 1.0, 2.0, 4.0]), min_size=count, max_size=count))
        out["mean"] = _nested(mean, sizes)
        out["variance"] = _nested(variance, sizes)
    return out


def _nested(flat: list[float], sizes: list[int]):
    """`flat` as nested lists of `sizes` (a number for no sizes)."""
    if not sizes:
        return flat[0]
    step = len(flat) // sizes[0]
    return [_nested(flat[i * step:(i + 1) * step], sizes[1:]) for i in range(sizes[0])]


def _mha(draw, shape):
    if len(shape) != 2 or shape[-1] is None:
        return None
    return {"num_heads": draw(st.integers(1, 3)), "key_dim": draw(st.integers(1, 4)),
            "use_bias": draw(st.booleans()), "use_causal_mask": draw(st.booleans())}  # fmt: skip


STEP_KINDS = ["Dense", "Activation", "Flatten", "Conv1D", "Conv2D", "LSTM", "GRU", "MaxPooling1D",
              "GlobalAveragePooling1D", "LayerNormalization", "Dropout"]  # fmt: skip


def _time_distributed(draw, shape):
    if len(shape) < 2:
        return None
    kind = draw(st.sampled_from(STEP_KINDS))
    args = UNARY[kind](draw, shape[1:])
    if args is None:
        return None
    args.pop("activity_regularizer", None)  # refused inside a wrapper
    args.pop("return_state", None)  # a wrapped layer has one output
    return {"layer": {"type": kind, **args}}


def _dot(draw, x, y):
    pairs = [(a, b) for a in range(1, len(x) + 1) for b in range(1, len(y) + 1) if x[a - 1] == y[b - 1]]
    if not pairs:
        return None
    a, b = draw(st.sampled_from(pairs))
    negative = draw(st.booleans())
    axes = [a - len(x) - 1, b - len(y) - 1] if negative else [a, b]
    return {"axes": axes if a != b or negative else a, "normalize": draw(st.booleans())}


def _attention(kind: str) -> Callable:
    def args(draw, x, y):
        if len(x) != 2 or len(y) != 2 or x[-1] is None or x[-1] != y[-1]:
            return None
        out: dict[str, Any] = {"use_scale": draw(st.booleans()), "use_causal_mask": draw(st.booleans())}
        if kind == "Attention":
            out["score_mode"] = draw(st.sampled_from(["dot", "concat"]))
        return out

    return args


# Kinds of two inputs: (draw, x's shape, y's shape) -> arguments, or None if they cannot take them.
PAIRS: dict[str, Callable] = {"Dot": _dot, "Attention": _attention("Attention"),
                              "AdditiveAttention": _attention("AdditiveAttention")}  # fmt: skip


def _upsampling(draw, shape):
    if len(shape) != 3:
        return None
    return {"size": draw(st.integers(1, 2)), "interpolation": draw(st.sampled_from(["nearest", "bilinear"]))}


def _zero_padding(draw, shape):
    if len(shape) != 3:
        return None
    side = st.integers(0, 2) | st.tuples(st.integers(0, 2), st.integers(0, 2)).map(list)
    return {"padding": draw(st.integers(0, 2) | st.tuples(side, side).map(list))}


def _sides(rank: int, name: str, most: int) -> Callable:
    def args(draw, shape) -> dict | None:
        if len(shape) != rank + 1:
            return None
        pair = st.tuples(st.integers(0, most), st.integers(0, most)).map(list)
        value = st.integers(0, most) | pair if rank == 1 else st.integers(0, most) | st.tuples(
            *[st.integers(0, most) | pair] * rank).map(list)
        return {name: draw(value)}

    return args


def _upsampling3d(draw, shape):
    if len(shape) != 4:
        return None
    return {"size": draw(st.integers(1, 2) | st.tuples(*[st.integers(1, 2)] * 3).map(list))}


def _noise_shape(draw, shape) -> list | None:
    """None, or a Keras noise_shape the core takes: batch first, each entry null, 1 or its
    axis's length; or a shorter one of ints for the last axes."""
    axes = [None, *shape]
    entry = lambda n: st.sampled_from([None, 1] + ([] if n is None else [n]))  # noqa: E731
    full = st.tuples(*[entry(n) for n in axes]).map(list)
    start = draw(st.integers(1, len(axes)))
    suffix = st.tuples(*[st.sampled_from([1] + ([] if n is None else [n])) for n in axes[start:]]).map(list)
    return draw(st.none() | full | suffix)


def _dropout(draw, shape) -> dict:
    return {"rate": draw(st.sampled_from([0.0, 0.1, 0.5])), "noise_shape": _noise_shape(draw, shape)}


def _spatial_dropout(rank: int) -> Callable:
    def args(draw, shape) -> dict | None:
        if len(shape) != rank + 1:
            return None
        return {"rate": draw(st.sampled_from([0.0, 0.2, 0.5]))}  # no seed: Keras takes any int, -1 too

    return args


def _relu(draw, shape) -> dict:
    return {"max_value": draw(st.sampled_from([None, 6.0, 1.5])),
            "negative_slope": draw(st.sampled_from([0.0, 0.1])),
            "threshold": draw(st.sampled_from([0.0, 0.5]))}  # fmt: skip


def _softmax(draw, shape) -> dict:
    return {"axis": draw(st.sampled_from([-1, *range(1, len(shape) + 1)]))}


def _bidirectional(draw, shape):
    inner_kind = draw(st.sampled_from(["LSTM", "GRU", "SimpleRNN"]))
    inner = _rnn(inner_kind)(draw, shape)
    if inner is None:
        return None
    inner.pop("go_backwards", None)
    inner.pop("activity_regularizer", None)  # refused inside a wrapper
    return {"layer": {"type": inner_kind, **inner}, "merge_mode": draw(st.sampled_from(["concat", "sum", "mul", "ave"]))}


UNARY: dict[str, Callable] = {
    "Dense": _dense,
    "Dropout": _dropout,
    "Activation": lambda draw, shape: {"activation": draw(st.sampled_from(ACTIVATIONS))},
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Permute": _permute,
    "LSTM": _rnn("LSTM"),
    "GRU": _rnn("GRU"),
    "SimpleRNN": _rnn("SimpleRNN"),
    "Bidirectional": _bidirectional,
    "Conv1D": _conv(1),
    "Conv2D": _conv(2),
    "Conv3D": _conv(3),
    "Conv1DTranspose": _conv(1, transpose=True),
    "Conv2DTranspose": _conv(2, transpose=True),
    "Conv3DTranspose": _conv(3, transpose=True),
    "MaxPooling1D": _pool(1),
    "MaxPooling2D": _pool(2),
    "AveragePooling1D": _pool(1),
    "AveragePooling2D": _pool(2),
    "GlobalAveragePooling1D": _global(1),
    "GlobalAveragePooling2D": _global(2),
    "GlobalMaxPooling1D": _global(1),
    "GlobalMaxPooling2D": _global(2),
    "DepthwiseConv1D": _depthwise(1),
    "DepthwiseConv2D": _depthwise(2),
    "SeparableConv1D": _depthwise(1, separable=True),
    "SeparableConv2D": _depthwise(2, separable=True),
    "ZeroPadding2D": _zero_padding,
    "ZeroPadding1D": _sides(1, "padding", 2),
    "Cropping1D": _sides(1, "cropping", 1),
    "Cropping2D": _sides(2, "cropping", 1),
    "UpSampling1D": lambda draw, shape: {"size": draw(st.integers(1, 3))} if len(shape) == 2 else None,
    "RepeatVector": lambda draw, shape: {"n": draw(st.integers(1, 3))} if len(shape) == 1 else None,
    "Identity": lambda draw, shape: {},
    "ReLU": _relu,
    "LeakyReLU": lambda draw, shape: {"negative_slope": draw(st.sampled_from([0.3, 0.05]))},
    "ELU": lambda draw, shape: {"alpha": draw(st.sampled_from([1.0, 0.5]))},
    "Softmax": _softmax,
    "UpSampling2D": _upsampling,
    "BatchNormalization": _norm("BatchNormalization"),
    "LayerNormalization": _norm("LayerNormalization"),
    "GroupNormalization": _group_norm,
    "UnitNormalization": _unit_norm,
    "PReLU": _prelu,
    "Rescaling": _rescaling,
    "Normalization": _normalization,
    "MultiHeadAttention": _mha,
    "TimeDistributed": _time_distributed,
    "MaxPooling3D": _pool(3),
    "AveragePooling3D": _pool(3),
    "GlobalAveragePooling3D": _global(3),
    "GlobalMaxPooling3D": _global(3),
    "ZeroPadding3D": _sides(3, "padding", 2),
    "Cropping3D": _sides(3, "cropping", 1),
    "UpSampling3D": _upsampling3d,
    "SpatialDropout1D": _spatial_dropout(1),
    "SpatialDropout2D": _spatial_dropout(2),
    "SpatialDropout3D": _spatial_dropout(3),
    "GaussianNoise": lambda draw, shape: {"stddev": draw(st.sampled_from([0.0, 0.1, 1.0]))},
    "GaussianDropout": lambda draw, shape: {"rate": draw(st.sampled_from([0.0, 0.2, 0.6]))},
    "AlphaDropout": lambda draw, shape: {"rate": draw(st.sampled_from([0.0, 0.2])),
                                         "noise_shape": _noise_shape(draw, shape)},
    "Masking": lambda draw, shape: {"mask_value": draw(st.sampled_from([0.0, 0.0, 0.5]))} if shape else None,
}
MERGES = ["Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]
SPECIAL = {"Embedding"}  # only on integer inputs: drawn when the spec has one
COVERED = set(UNARY) | set(MERGES) | set(PAIRS) | SPECIAL

INPUT_FAMILIES = {
    "sequence": lambda draw: [draw(st.sampled_from([None, 3, 4, 5])), draw(st.integers(1, 4))],
    "image": lambda draw: [draw(st.integers(3, 7)), draw(st.integers(3, 7)), draw(st.integers(1, 3))],
    "volume": lambda draw: [*(draw(st.integers(2, 5)) for _ in range(3)), draw(st.integers(1, 3))],
    "vector": lambda draw: [draw(st.integers(1, 6))],
    "tokens": lambda draw: [draw(st.sampled_from([None, 4, 6]))],
    "scalar": lambda draw: [],  # one number per sample: only kinds of `min_rank` 0 take it
}


@st.composite
def specs(draw, max_nodes: int = 8, kinds: list[str] | None = None) -> dict:
    """A valid spec as plain data (what `yaml.safe_dump` would write)."""
    kinds = kinds or sorted(UNARY)
    inputs: dict[str, dict] = {}
    shapes: dict[str, tuple] = {}  # tensor -> shape
    for i in range(draw(st.integers(1, 3))):
        family = draw(st.sampled_from(sorted(INPUT_FAMILIES)))
        name = f"in_{i}"
        shape = INPUT_FAMILIES[family](draw)
        inputs[name] = {"shape": shape, **({"dtype": "int32"} if family == "tokens" else {})}
        shapes[name] = tuple(shape)
    layers: dict[str, dict] = {}
    owners: dict[str, tuple] = {}  # node with weights -> its input shapes (for sharing)
    more: dict[str, dict[str, tuple]] = {}  # node -> its outputs after the first, with shapes
    configs: dict[str, Any] = {}  # node -> its layer config
    masked: dict[str, bool] = {}  # tensor -> whether it carries a Keras mask (absent: no)
    cleared: set[str] = set()  # masked tensors a MultiHeadAttention reads (Keras clears their masks)
    same: dict[str, str] = {}  # tensor -> the tensor it is in Keras (a layer returned its input)

    read: set[str] = set()  # masked tensors some node reads

    def clears(layer, inputs_: list[str]) -> bool:
        """Whether `layer` may not read these tensors (`modelspec.masks`: nothing reads a masked
        tensor after a MultiHeadAttention reads it, and it reads none read before); else note
        what it reads."""
        mine = {same.get(t, t) for t in inputs_ if masked.get(t)}
        if mine & cleared or (layer.clears_input_masks and mine & read):
            return True
        read.update(mine)
        if layer.clears_input_masks:
            cleared.update(mine)
        return False
    used: set[str] = set()

    def add(name: str, node: dict, inputs_: list[str], roles: dict[str, str | list[str]] | None = None) -> bool:
        config = {k: v for k, v in node.items() if k != "inputs"}
        layer = REGISTRY[config["type"]].model_validate(config)
        keyword = {r: [shapes[t] for t in ts] if isinstance(ts, list) else shapes[ts] for r, ts in (roles or {}).items()}
        try:
            expect_min_rank(layer, [shapes[t] for t in inputs_])  # as the resolver checks first
            outs = [tuple(o) for o in layer.output_shapes(*(shapes[t] for t in inputs_), **keyword)]
            layer.weights(*(shapes[t] for t in inputs_))  # its initializers fit its weights
            mask = layer.compute_mask(tuple(masked.get(t, False) for t in inputs_),
                                      *(shapes[t] for t in inputs_), **keyword)  # fmt: skip
        except ShapeError:
            return False
        if any(d is not None and d < 1 for out in outs for d in out) or len(outs[0]) > 4:
            return False
        if clears(layer, inputs_):
            return False
        if roles:  # by role: the positional ones by name, then the keyword ones
            positional = [r.name for r in layer.roles if not r.keyword]
            wiring: Any = {**dict(zip(positional, inputs_)), **roles}
        else:
            wiring = inputs_
        layers[name] = {**node, "inputs": wiring}
        shapes[name], masked[name], configs[name] = outs[0], mask, layer
        if layer.returns_its_input():
            same[name] = same.get(inputs_[0], inputs_[0])
        more[name] = dict(zip(layer.output_names()[1:], outs[1:]))
        shapes.update({f"{name}.{o}": shape for o, shape in more[name].items()})
        used.update(inputs_, *([ts] if isinstance(ts, str) else ts for ts in (roles or {}).values()))
        if layer.has_weights and layer.type != "Embedding":  # embeddings read integers only
            owners[name] = tuple(shapes[t] for t in inputs_)
        return True

    def vectors(size: int | None = None) -> list[str]:
        """Float tensors of rank 1 (of `size`): states to start from, value masks."""
        return [t for t in float_tensors() if len(shapes[t]) == 1 and shapes[t][0] is not None
                and size in (None, shapes[t][0])]  # fmt: skip

    def masks(steps: tuple) -> list[str]:
        """Float tensors of exactly these known steps, to mask attention with (nonzero: attend)."""
        return [t for t in float_tensors() if None not in steps and shapes[t] == steps]

    def made_mask(name: str, source: str, rank: int) -> str | None:
        """A mask computed from `source` (steps, features): relu units, zero often (nonzero:
        attend), of (steps, steps) for rank 2 or (steps,) for rank 1; None if it does not fit."""
        steps = shapes[source][0]
        units = steps if rank == 2 else 1
        if steps is None or not add(f"{name}_mask", {"type": "Dense", "units": units, "activation": "relu"}, [source]):
            return None
        if rank == 1 and not add(f"{name}_flat", {"type": "Flatten"}, [f"{name}_mask"]):
            return None
        return f"{name}_mask" if rank == 2 else f"{name}_flat"

    def roles_for(name: str, kind: str, args: dict, source: str) -> dict | None:
        """Inputs by role for a node of `kind` reading `source` (its `args` change to fit): a
        recurrent layer's `initial_state`, from tensors of the states' shape or from the states
        of an encoder of the same kind (seq2seq), or MultiHeadAttention's `attention_mask`."""
        wrapped = kind == "Bidirectional"
        layer = args.get("layer", args)
        if (kind in RECURRENT or wrapped) and draw(st.booleans()):
            count = RECURRENT[layer["type"] if wrapped else kind] * (2 if wrapped else 1)
            if vectors() and draw(st.booleans()):
                layer["units"] = shapes[draw(st.sampled_from(vectors()))][0]  # the states' size
                return {"initial_state": [draw(st.sampled_from(vectors(layer["units"]))) for _ in range(count)]}
            encoder = {**args, "layer": {**layer, "return_state": True}} if wrapped else {**args, "return_state": True}
            if add(f"{name}_enc", {"type": kind, **encoder}, [source]):
                return {"initial_state": [f"{name}_enc.{o}" for o in more[f"{name}_enc"]]}
        if kind == "MultiHeadAttention" and draw(st.booleans()):
            found = masks((shapes[source][0], shapes[source][0]))
            mask = draw(st.sampled_from(found)) if found else made_mask(name, source, 2)
            return {"attention_mask": mask} if mask else None
        return None

    for name, spec in list(inputs.items()):  # integer inputs go through an Embedding first
        if spec.get("dtype") == "int32":
            add(f"embed_{name}", {"type": "Embedding", "input_dim": 20, "output_dim": draw(st.integers(1, 5)),
                                  "mask_zero": draw(st.booleans())}, [name])  # fmt: skip

    float_tensors = lambda: [t for t in shapes if inputs.get(t, {}).get("dtype") != "int32"]  # noqa: E731
    for i in range(draw(st.integers(1, max_nodes))):
        name = f"n{i}"
        choice = draw(st.sampled_from(["unary"] * 6 + ["merge", "share", "pair", "roles", "mask"]))
        pool = float_tensors()
        if choice == "mask":  # a Masking, whose mask the nodes after carry on
            add(name, {"type": "Masking", **UNARY["Masking"](draw, (1,))}, [draw(st.sampled_from(pool))])
            continue
        if any(masked.get(t) for t in pool) and draw(st.booleans()):  # carry masks further, often
            pool = [t for t in pool if masked.get(t)]
        sequences = [t for t in pool if len(shapes[t]) == 2 and shapes[t][-1] is not None]
        if choice == "roles" and sequences:  # a kind whose inputs have roles, on a sequence
            choice, pool = "unary", sequences
            kinds_here = sorted(RECURRENT) + ["Bidirectional", "MultiHeadAttention"]
        else:
            kinds_here = kinds
        if choice == "merge":
            kind = draw(st.sampled_from(MERGES))
            first = draw(st.sampled_from(pool))
            # an unknown length (None) agrees statically with any other, yet two of them may
            # differ at run time (a pooled sequence): merge those only with themselves
            if kind == "Concatenate":
                mates = [t for t in pool if len(shapes[t]) == len(shapes[first])
                         and shapes[t][:-1] == shapes[first][:-1]]  # fmt: skip
            else:
                mates = [t for t in pool if shapes[t] == shapes[first]]
            if None in shapes[first]:
                mates = [first]
            count = 2 if kind == "Subtract" else draw(st.integers(2, 3))
            picked = [draw(st.sampled_from(mates)) for _ in range(count)]
            add(name, {"type": kind}, picked)
        elif choice == "pair":
            kind = draw(st.sampled_from(sorted(PAIRS)))
            # one tensor twice when a length is unknown (two Nones may differ at run time)
            x = draw(st.sampled_from(pool))
            y = x if None in shapes[x] else draw(st.sampled_from([t for t in pool if None not in shapes[t]]))
            args = PAIRS[kind](draw, shapes[x], shapes[y]) if shapes[x] and shapes[y] else None
            mask = None
            if args is not None and kind != "Dot" and draw(st.booleans()):
                found = masks((shapes[y][0],))
                mask = draw(st.sampled_from(found)) if found else made_mask(name, y, 1)
            if args is not None:
                add(name, {"type": kind, **args}, [x, y], {"value_mask": mask} if mask else None)
        elif choice == "share" and owners:
            owner = draw(st.sampled_from(sorted(owners)))
            targets = [t for t in pool if (shapes[t],) == owners[owner]]
            if targets:
                target = draw(st.sampled_from(targets))
                try:  # the owner's layer on this tensor: the mask it gives
                    mask = configs[owner].compute_mask((masked.get(target, False),), shapes[target])
                except ShapeError:
                    continue
                if clears(configs[owner], [target]):
                    continue
                layers[name] = {"shares": owner, "inputs": [target]}
                shapes[name], masked[name] = shapes[owner], mask
                shapes.update({f"{name}.{o}": shape for o, shape in more[owner].items()})
                used.add(target)
        else:
            kind = draw(st.sampled_from(kinds_here))
            source = draw(st.sampled_from(pool))
            if len(shapes[source]) < REGISTRY[kind].min_rank:  # a rank-0 tensor: a kind that takes it
                fitting = [k for k in kinds_here if REGISTRY[k].min_rank <= len(shapes[source])]
                if not fitting:
                    continue
                kind = draw(st.sampled_from(fitting))
            args = UNARY[kind](draw, shapes[source])
            roles = roles_for(name, kind, args, source) if args is not None else None
            if args is not None:
                add(name, {"type": kind, **args}, [source], roles)
    if draw(st.booleans()):
        _add_block(draw, layers, shapes, used, [t for t in float_tensors() if same.get(t, t) not in cleared])
    sinks = [n for n in layers if n not in used]
    states = [f"{n}.{o}" for n in layers for o in more.get(n, ()) if f"{n}.{o}" not in used]
    sinks += [t for t in states if draw(st.booleans())]  # some states unread are outputs too
    for name in inputs:  # every input must be read
        if name not in used:
            layers[f"use_{name}"] = {"type": "Activation", "activation": "linear", "inputs": [name]} \
                if inputs[name].get("dtype") != "int32" else \
                {"type": "Embedding", "input_dim": 20, "output_dim": 2, "inputs": [name]}  # fmt: skip
            sinks.append(f"use_{name}")
    spec: dict[str, Any] = {"modelspec": 1, "name": "generated", "inputs": inputs, "layers": layers}
    if BLOCK_NAME in {n.get("block") for n in layers.values()}:
        spec["blocks"] = {BLOCK_NAME: BLOCK}
    spec["outputs"] = sinks
    return spec


BLOCK_NAME = "residual"
BLOCK = {
    "params": {"act": "relu"},
    "inputs": ["x"],
    "layers": {
        "norm": {"type": "LayerNormalization", "inputs": "x"},
        "act": {"type": "Activation", "activation": "${act}", "inputs": "norm"},
        "add": {"type": "Add", "inputs": ["act", "x"]},
    },
    "outputs": ["add"],
}


def _add_block(draw, layers, shapes, used, pool) -> None:
    if not pool:
        return
    source = draw(st.sampled_from(pool))
    if not shapes[source] or shapes[source][-1] is None:
        return
    name = f"blk{len(layers)}"
    layers[name] = {"block": BLOCK_NAME, "repeat": draw(st.integers(1, 3)),
                    "params": {"act": draw(st.sampled_from(["relu", "tanh"]))}, "inputs": [source]}  # fmt: skip
    used.add(source)
