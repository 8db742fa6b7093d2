"""One small spec per layer kind, with the argument combinations where Keras and torch
differ: the case table both back-end test modules run (a kind with no case fails there)."""

from modelspec.graph import Graph, Node, TensorType
from modelspec.layers import REGISTRY


def case(kind: str, shapes, args=None, dtype: str = "float32") -> dict:
    """A spec whose one node `node` (of `kind`, with `args`) reads inputs of these shapes."""
    shapes = [shapes] if not shapes or not isinstance(shapes[0], list) else shapes
    inputs = {f"in_{i}": {"shape": s, "dtype": dtype} for i, s in enumerate(shapes)}
    node = {"type": kind, **(args or {}), "inputs": list(inputs)}
    return {"modelspec": 1, "name": f"case_{kind.lower()}", "inputs": inputs,
            "layers": {"node": node}, "outputs": ["node"]}  # fmt: skip


SEQ, IMG = [6, 3], [6, 6, 2]
CASES: dict[str, list[dict]] = {
    "Dense": [case("Dense", [5], {"units": 3}),
              case("Dense", [4, 5], {"units": 2, "activation": "relu", "use_bias": False})],
    "Dropout": [case("Dropout", [5], {"rate": 0.5}), case("Dropout", SEQ, {"rate": 0.1, "seed": 3})],
    "Activation": [case("Activation", [5], {"activation": a})
                   for a in ("softmax", "gelu", "leaky_relu", "hard_sigmoid", "selu", "log_softmax",
                             "celu", "hard_silu", "squareplus", "sparse_plus", "sparsemax")]
                  + [case("Activation", IMG, {"activation": "softmax"}),
                     case("Activation", IMG, {"activation": "sparsemax"})],
    "Flatten": [case("Flatten", [3, 4, 2])],
    "Reshape": [case("Reshape", [6], {"target_shape": [2, 3]}),
                case("Reshape", [2, 3], {"target_shape": [-1]}),
                case("Reshape", [None, 4], {"target_shape": [-1, 2, 2]})],
    "Permute": [case("Permute", [2, 3, 4], {"dims": [3, 1, 2]})],
    "LSTM": [case("LSTM", SEQ, {"units": 4}),
             case("LSTM", SEQ, {"units": 3, "activation": "relu", "return_sequences": True}),
             case("LSTM", [None, 3], {"units": 2, "return_sequences": True, "activation": "relu",
                                      "recurrent_activation": "hard_sigmoid", "go_backwards": True}),
             case("LSTM", SEQ, {"units": 3, "use_bias": False, "activation": "elu"})],
    "GRU": [case("GRU", SEQ, {"units": 4}),
            case("GRU", [None, 3], {"units": 3, "reset_after": False, "return_sequences": True}),
            case("GRU", SEQ, {"units": 3, "activation": "relu", "recurrent_activation": "hard_sigmoid"}),
            case("GRU", SEQ, {"units": 3, "use_bias": False, "go_backwards": True, "return_sequences": True})],
    "SimpleRNN": [case("SimpleRNN", SEQ, {"units": 4}),
                  case("SimpleRNN", SEQ, {"units": 2, "activation": "relu", "use_bias": False,
                                          "return_sequences": True}),
                  case("SimpleRNN", SEQ, {"units": 2, "activation": "sigmoid", "go_backwards": True})],
    "Bidirectional": [
        case("Bidirectional", SEQ, {"layer": {"type": "LSTM", "units": 3}}),
        case("Bidirectional", [None, 3], {"layer": {"type": "GRU", "units": 2, "return_sequences": True},
                                          "merge_mode": "sum"}),
        case("Bidirectional", SEQ, {"layer": {"type": "SimpleRNN", "units": 2, "return_sequences": True,
                                              "activation": "relu"}, "merge_mode": "ave"}),
    ],
    "Conv1D": [case("Conv1D", [8, 3], {"filters": 4, "kernel_size": 3}),
               case("Conv1D", [8, 3], {"filters": 2, "kernel_size": 2, "padding": "causal",
                                       "dilation_rate": 2}),
               case("Conv1D", [9, 3], {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same",
                                       "use_bias": False}),
               case("Conv1D", [None, 3], {"filters": 2, "kernel_size": 4, "strides": 3, "padding": "same"})],
    "Conv2D": [case("Conv2D", [8, 8, 3], {"filters": 4, "kernel_size": 3}),
               case("Conv2D", [9, 8, 3], {"filters": 2, "kernel_size": [3, 2], "strides": 2,
                                          "padding": "same", "activation": "relu"}),
               case("Conv2D", [10, 9, 3], {"filters": 2, "kernel_size": 4, "padding": "same"}),
               case("Conv2D", [10, 9, 3], {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"})],
    "Conv2DTranspose": [case("Conv2DTranspose", [4, 4, 3], {"filters": 2, "kernel_size": 3,
                                                            "strides": 2, "padding": "same"}),
                        case("Conv2DTranspose", [4, 5, 3], {"filters": 3, "kernel_size": 2,
                                                            "use_bias": False}),
                        case("Conv2DTranspose", [4, 5, 3], {"filters": 2, "kernel_size": [4, 1],
                                                            "strides": [2, 3], "padding": "same"}),
                        case("Conv2DTranspose", [4, 5, 3], {"filters": 2, "kernel_size": [2, 5], "strides": 3}),
                        case("Conv2DTranspose", [4, 5, 3], {"filters": 2, "kernel_size": 3, "strides": 2,
                                                            "output_padding": 1}),
                        case("Conv2DTranspose", [4, 5, 3], {"filters": 2, "kernel_size": 3, "strides": 2,
                                                            "padding": "same", "output_padding": 1}),
                        case("Conv2DTranspose", [4, 5, 3], {"filters": 2, "kernel_size": 2, "dilation_rate": 2,
                                                            "padding": "same"})],
    "DepthwiseConv2D": [case("DepthwiseConv2D", [8, 8, 3], {"kernel_size": 3}),
                        case("DepthwiseConv2D", [9, 8, 3], {"kernel_size": [3, 2], "depth_multiplier": 2, "strides": 2,
                                                            "padding": "same", "activation": "relu"}),
                        case("DepthwiseConv2D", [None, 6, 2], {"kernel_size": 3, "padding": "same", "use_bias": False,
                                                               "depth_multiplier": 3}),
                        case("DepthwiseConv2D", [9, 9, 2], {"kernel_size": 3, "strides": 2, "dilation_rate": 2})],
    "ZeroPadding2D": [case("ZeroPadding2D", IMG), case("ZeroPadding2D", [None, 5, 2], {"padding": [[1, 2], [0, 3]]}),
                      case("ZeroPadding2D", [4, 4, 1], {"padding": [0, [2, 1]]})],
    "UpSampling2D": [case("UpSampling2D", [3, 3, 2], {"size": 2}),
                     case("UpSampling2D", [3, 4, 2], {"size": [3, 2], "interpolation": "bilinear"})],
    "BatchNormalization": [case("BatchNormalization", [4, 3]),
                           case("BatchNormalization", IMG, {"momentum": 0.9, "epsilon": 1e-5,
                                                            "center": False}),
                           case("BatchNormalization", IMG, {"axis": 1}),
                           case("BatchNormalization", IMG, {"axis": -2, "scale": False})],
    "LayerNormalization": [case("LayerNormalization", [4, 3]),
                           case("LayerNormalization", [5], {"epsilon": 1e-5, "scale": False}),
                           case("LayerNormalization", IMG, {"axis": 1, "center": False}),
                           case("LayerNormalization", IMG, {"axis": [2, 3]}),
                           case("LayerNormalization", [4, 5, 3], {"axis": [1, 2]}),
                           case("LayerNormalization", [4, 5, 3], {"axis": [-1, 1]})],  # Keras: gamma (3, 4)
    "MultiHeadAttention": [case("MultiHeadAttention", [5, 8], {"num_heads": 2, "key_dim": 4}),
                           case("MultiHeadAttention", [None, 6], {"num_heads": 3, "key_dim": 2,
                                                                  "use_bias": False}),
                           case("MultiHeadAttention", [[5, 8], [4, 6], [4, 3]],
                                {"num_heads": 2, "key_dim": 3, "value_dim": 5, "output_shape": 7}),
                           case("MultiHeadAttention", [3, 4, 8], {"num_heads": 2, "key_dim": 4})],
    "Concatenate": [case("Concatenate", [[3], [4]]),
                    case("Concatenate", [[2, 3], [2, 5], [2, 1]])],
    "Embedding": [case("Embedding", [None], {"input_dim": 20, "output_dim": 3}, dtype="int32"),
                  case("Embedding", [5], {"input_dim": 10, "output_dim": 2}, dtype="int32")],
}  # fmt: skip
for _kind in ("MaxPooling1D", "AveragePooling1D"):
    CASES[_kind] = [case(_kind, [8, 3], {"pool_size": 2}),
                    case(_kind, [9, 3], {"pool_size": 3, "strides": 2, "padding": "same"}),
                    case(_kind, [None, 3], {"pool_size": 2, "strides": 2, "padding": "same"})]  # fmt: skip
for _kind in ("MaxPooling2D", "AveragePooling2D"):
    CASES[_kind] = [case(_kind, IMG, {"pool_size": 2}),
                    case(_kind, [7, 6, 2], {"pool_size": 3, "strides": 1, "padding": "same"}),
                    case(_kind, [8, 9, 2], {"pool_size": [3, 4], "strides": [2, 3], "padding": "same"})]  # fmt: skip
for _kind, _shape in [("GlobalAveragePooling1D", SEQ), ("GlobalMaxPooling1D", SEQ),
                      ("GlobalAveragePooling2D", IMG), ("GlobalMaxPooling2D", IMG)]:  # fmt: skip
    CASES[_kind] = [case(_kind, _shape), case(_kind, _shape, {"keepdims": True})]
CASES.update({
    "ZeroPadding1D": [case("ZeroPadding1D", SEQ), case("ZeroPadding1D", [None, 3], {"padding": [2, 0]})],
    "Cropping1D": [case("Cropping1D", SEQ), case("Cropping1D", [None, 3], {"cropping": [2, 0]}),
                   case("Cropping1D", SEQ, {"cropping": 2})],
    "Cropping2D": [case("Cropping2D", IMG), case("Cropping2D", IMG, {"cropping": 1}),
                   case("Cropping2D", [5, 6, 3], {"cropping": [[1, 2], [0, 3]]}),
                   case("Cropping2D", [None, 6, 2], {"cropping": [1, [2, 0]]})],
    "UpSampling1D": [case("UpSampling1D", SEQ), case("UpSampling1D", [None, 2], {"size": 3})],
    "RepeatVector": [case("RepeatVector", [4], {"n": 3})],
    "Identity": [case("Identity", SEQ), case("Identity", IMG)],
    "ReLU": [case("ReLU", [7]), case("ReLU", [7], {"max_value": 6.0}),
             case("ReLU", [7], {"max_value": 2.5, "negative_slope": 0.1, "threshold": 0.5}),
             case("ReLU", [7], {"negative_slope": 0.2}), case("ReLU", IMG, {"threshold": 0.3}),
             case("ReLU", [7], {"max_value": 1.0, "negative_slope": 0.1})],
    "LeakyReLU": [case("LeakyReLU", [7]), case("LeakyReLU", IMG, {"negative_slope": 0.1})],
    "ELU": [case("ELU", [7]), case("ELU", SEQ, {"alpha": 0.5})],
    "Softmax": [case("Softmax", [7]), case("Softmax", SEQ, {"axis": 1}), case("Softmax", IMG, {"axis": -1})],
    "PReLU": [case("PReLU", [7]), case("PReLU", IMG, {"shared_axes": [1, 2]}),
              case("PReLU", [None, 3], {"shared_axes": 1})],
    "Rescaling": [case("Rescaling", IMG, {"scale": 0.0078431372, "offset": -1.0}),
                  case("Rescaling", IMG, {"scale": [0.5, 2.0], "offset": [1.0, -1.0]}),
                  case("Rescaling", [5], {"scale": 0.1}, dtype="int32"),
                  case("Rescaling", SEQ, {"scale": [3.0]})],
    "Normalization": [case("Normalization", [4, 3]), case("Normalization", IMG, {"axis": [1, -1]}),
                      case("Normalization", IMG, {"axis": None, "mean": 1.0, "variance": 4.0}),
                      case("Normalization", [4, 3], {"mean": [1.0, 2.0, 3.0], "variance": [1.0, 4.0, 0.0]}),
                      case("Normalization", SEQ, {"axis": [1, 2], "mean": [0.5, 1.0, 2.0],
                                                  "variance": [2.0, 3.0, 0.5], "invert": True}),
                      case("Normalization", [4, 3], {"invert": True})],
    "GroupNormalization": [case("GroupNormalization", IMG, {"groups": 2}),
                           case("GroupNormalization", [4, 6], {"groups": 3, "epsilon": 1e-5}),
                           case("GroupNormalization", [5, 5, 4], {"groups": -1}),
                           case("GroupNormalization", [4, 6, 3], {"groups": 2, "axis": 1, "scale": False}),
                           case("GroupNormalization", [None, 8], {"groups": 4, "center": False}),
                           case("GroupNormalization", [3, 64])],
    "UnitNormalization": [case("UnitNormalization", [5]), case("UnitNormalization", IMG, {"axis": [1, 2]}),
                          case("UnitNormalization", SEQ, {"axis": 1})],
})  # fmt: skip
for _kind in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"):
    CASES[_kind] = [case(_kind, [[4], [4]])] + ([case(_kind, [IMG] * 3)] if _kind != "Subtract" else [])

# Kinds the catalogue does not hold are skipped; a kind it holds with no case fails below.
KIND_CASES = [(f"{kind}-{i}", data) for kind in sorted(CASES) if kind in REGISTRY
              for i, data in enumerate(CASES[kind])]  # fmt: skip


# --- a one-node graph that a back end must refuse -------------------------------------------------

Dense = REGISTRY["Dense"]


class Unknown(Dense):  # a kind that no back end has a rule for
    type: str = "Unknown"


class DenseWithExtra(Dense):  # a Dense argument no back end knows
    blend: float = 0.5


def one_node_graph(layer) -> Graph:
    node = Node("head", layer, ["x"], path=("layers", "head"), output=TensorType((2,)))
    return Graph("refused", {"x": TensorType((4,))}, [node], ["head"])


def chain_with_branches(n: int) -> str:
    """A spec of about `n` nodes: a long chain in which every step branches and merges again,
    with a skip from three steps back (long edges are what make layouts slow)."""
    lines = ["modelspec: 1", "name: big", "inputs:", "  x: {shape: [16]}", "layers:"]
    merges = ["x"]
    for i in range(n // 3):
        prev, far = merges[-1], merges[max(0, len(merges) - 4)]
        lines.append(f"  a{i}: {{type: Dense, units: 16, activation: relu, inputs: {prev}}}")
        lines.append(f"  b{i}: {{type: Dense, units: 16, inputs: a{i}}}")
        lines.append(f"  m{i}: {{type: Add, inputs: [b{i}, {far}, {prev}]}}")
        merges.append(f"m{i}")
    lines.append(f"outputs: [{merges[-1]}]")
    return "\n".join(lines) + "\n"
