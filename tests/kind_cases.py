"""One small spec per layer kind, with the argument combinations where Keras and torch
differ: the case table both back-end test modules run (a kind with no case fails there)."""

from modelspec.graph import Graph, Node, TensorType
from modelspec.layers import REGISTRY


def case(kind: str, shapes, args=None, dtype: str | list[str] = "float32", roles: dict | None = None) -> dict:
    """A spec whose one node `node` (of `kind`, with `args`) reads inputs of these shapes (and
    dtypes: one for all, or one per input), in order or, with `roles`, by role (role -> the
    input's index, or a list of indices); every output of the node is a model output."""
    shapes = [shapes] if not shapes or not isinstance(shapes[0], list) else shapes
    dtypes = [dtype] * len(shapes) if isinstance(dtype, str) else dtype
    inputs = {f"in_{i}": {"shape": s, "dtype": d} for i, (s, d) in enumerate(zip(shapes, dtypes))}
    names = list(inputs)
    wiring = list(inputs) if roles is None else {
        role: [names[i] for i in at] if isinstance(at, list) else names[at] for role, at in roles.items()}  # fmt: skip
    node = {"type": kind, **(args or {}), "inputs": wiring}
    outputs = REGISTRY[kind].model_validate({"type": kind, **(args or {})}).output_names()
    return {"modelspec": 1, "name": f"case_{kind.lower()}", "inputs": inputs, "layers": {"node": node},
            "outputs": ["node", *(f"node.{o}" for o in outputs[1:])]}  # fmt: skip


def masked_case(kind: str, shapes, args=None, by: str = "Embedding", plain=(), roles: dict | None = None,
                dtypes: dict | None = None) -> dict:
    """A spec whose node `node` (of `kind`) reads masked inputs of these (steps, features) shapes:
    each made by `by` (an Embedding with mask_zero from integer ids, or Masking of floats) from
    its own input, but those whose index is in `plain` (fed as they are, unmasked, of `dtypes`'
    dtype for their index, float32 by default); in order or, with `roles`, by role (role -> the
    input's index, or a list of indices). Every output of the node is a model output."""
    shapes = [shapes] if not isinstance(shapes[0], list) else shapes
    inputs, layers, reads = {}, {}, []
    for i, shape in enumerate(shapes):
        if i in plain:
            inputs[f"in_{i}"] = {"shape": shape, "dtype": (dtypes or {}).get(i, "float32")}
            reads.append(f"in_{i}")
            continue
        if by == "Embedding":
            inputs[f"in_{i}"] = {"shape": shape[:-1], "dtype": "int32"}
            layers[f"mask_{i}"] = {"type": "Embedding", "input_dim": 10, "output_dim": shape[-1],
                                   "mask_zero": True, "inputs": [f"in_{i}"]}  # fmt: skip
        else:
            inputs[f"in_{i}"] = {"shape": shape}
            layers[f"mask_{i}"] = {"type": "Masking", "inputs": [f"in_{i}"]}
        reads.append(f"mask_{i}")
    wiring = reads if roles is None else {
        role: [reads[i] for i in at] if isinstance(at, list) else reads[at] for role, at in roles.items()}  # fmt: skip
    layers["node"] = {"type": kind, **(args or {}), "inputs": wiring}
    outputs = REGISTRY[kind].model_validate({"type": kind, **(args or {})}).output_names()
    return {"modelspec": 1, "name": f"masked_{kind.lower()}", "inputs": inputs, "layers": layers,
            "outputs": ["node", *(f"node.{o}" for o in outputs[1:])]}  # fmt: skip


def pad(graph, arrays: list) -> list:
    """Padding in sample inputs (a batch of 2, steps on axis 1) where a mask is made from them
    (`check.mask_padding`: ids an Embedding with mask_zero reads, floats a Masking reads): the
    last two steps of the first sample and the second step of the second are set to the value
    that masks them (a whole sample, for floats of rank 1), so that masks cover right padding and
    a gap."""
    from modelspec.backends.check import mask_padding

    padding = mask_padding(graph)
    for a, name in zip(arrays, graph.inputs):
        if name not in padding:
            continue
        if a.ndim == 2 and not a.dtype.kind == "i":
            a[1] = padding[name]
        else:
            a[0, -2:], a[1, 1:2] = padding[name], padding[name]
    return arrays


SEQ, IMG = [6, 3], [6, 6, 2]
CASES: dict[str, list[dict]] = {
    "Dense": [case("Dense", [5], {"units": 3}),
              case("Dense", [4, 5], {"units": 2, "activation": "relu", "use_bias": False})],
    "Dropout": [case("Dropout", [5], {"rate": 0.5}), case("Dropout", SEQ, {"rate": 0.1, "seed": 3}),
                case("Dropout", SEQ, {"rate": 0.5, "noise_shape": [None, 1, 3]}),
                case("Dropout", [None, 5, 2], {"rate": 0.2, "noise_shape": [1, None, 1, None]}),
                case("Dropout", SEQ, {"rate": 0.2, "noise_shape": [1, 3]})],
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
               case("Conv1D", [None, 3], {"filters": 2, "kernel_size": 4, "strides": 3, "padding": "same"}),
               case("Conv1D", [8, 4], {"filters": 6, "kernel_size": 2, "padding": "same", "groups": 2}),
               case("Conv1D", [8, 4], {"filters": 4, "kernel_size": 3, "padding": "causal", "dilation_rate": 2,
                                       "groups": 4, "activation": "relu"}),
               case("Conv1D", [9, 6], {"filters": 3, "kernel_size": 4, "strides": 2, "padding": "same", "groups": 3})],
    "Conv2D": [case("Conv2D", [8, 8, 3], {"filters": 4, "kernel_size": 3}),
               case("Conv2D", [9, 8, 3], {"filters": 2, "kernel_size": [3, 2], "strides": 2,
                                          "padding": "same", "activation": "relu"}),
               case("Conv2D", [10, 9, 3], {"filters": 2, "kernel_size": 4, "padding": "same"}),
               case("Conv2D", [10, 9, 3], {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}),
               case("Conv2D", [7, 8, 4], {"filters": 4, "kernel_size": [2, 3], "strides": 2, "padding": "same",
                                          "groups": 2}),
               case("Conv2D", [9, 9, 6], {"filters": 6, "kernel_size": 3, "dilation_rate": 2, "groups": 6,
                                          "use_bias": False}),
               case("Conv2D", [None, 7, 4], {"filters": 2, "kernel_size": 2, "strides": 2, "padding": "same",
                                             "groups": 2})],
    "Conv3D": [case("Conv3D", [5, 6, 7, 2], {"filters": 3, "kernel_size": 3}),
               case("Conv3D", [5, 6, 7, 2], {"filters": 2, "kernel_size": 2, "strides": 2, "padding": "same"}),
               case("Conv3D", [4, 5, 6, 2], {"filters": 2, "kernel_size": [2, 1, 4], "padding": "same",
                                             "activation": "relu"}),
               case("Conv3D", [7, 6, 5, 4], {"filters": 2, "kernel_size": [3, 1, 2], "dilation_rate": 2,
                                             "groups": 2, "use_bias": False}),
               case("Conv3D", [None, 5, 4, 2], {"filters": 4, "kernel_size": 3, "strides": [2, 1, 2],
                                                "padding": "same", "groups": 2})],
    "Conv1DTranspose": [case("Conv1DTranspose", [5, 3], {"filters": 2, "kernel_size": 3, "strides": 2}),
                        case("Conv1DTranspose", [5, 3], {"filters": 2, "kernel_size": 4, "strides": 2,
                                                         "padding": "same"}),
                        case("Conv1DTranspose", [13, 2], {"filters": 3, "kernel_size": 3, "strides": 2,
                                                          "padding": "same", "output_padding": 0}),
                        case("Conv1DTranspose", [5, 3], {"filters": 2, "kernel_size": 2, "strides": 3,
                                                         "output_padding": 2, "activation": "relu"}),
                        case("Conv1DTranspose", [5, 3], {"filters": 2, "kernel_size": 3, "dilation_rate": 2,
                                                         "padding": "same", "use_bias": False}),
                        case("Conv1DTranspose", [None, 3], {"filters": 2, "kernel_size": 3, "strides": 2,
                                                            "padding": "same", "output_padding": 1})],
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
                                                            "padding": "same"}),
                        # a 13 -> 25 decoder, two ways: same with output_padding 0, valid with a 1x1 kernel
                        case("Conv2DTranspose", [13, 13, 2], {"filters": 2, "kernel_size": 3, "strides": 2,
                                                              "padding": "same", "output_padding": 0}),
                        case("Conv2DTranspose", [13, 13, 2], {"filters": 2, "kernel_size": 1, "strides": 2,
                                                              "output_padding": 0}),
                        case("Conv2DTranspose", [4, 5, 3], {"filters": 2, "kernel_size": 3, "strides": [2, 3],
                                                            "output_padding": [0, 2]}),
                        case("Conv2DTranspose", [4, 5, 3], {"filters": 2, "kernel_size": [4, 3], "strides": [2, 3],
                                                            "padding": "same", "output_padding": [1, 0]}),
                        case("Conv2DTranspose", [4, 5, 3], {"filters": 2, "kernel_size": 3, "dilation_rate": [2, 1]}),
                        case("Conv2DTranspose", [None, 5, 3], {"filters": 2, "kernel_size": [3, 4], "strides": 2,
                                                               "padding": "same", "output_padding": [0, 1]})],
    "Conv3DTranspose": [case("Conv3DTranspose", [3, 4, 5, 2], {"filters": 2, "kernel_size": 3, "strides": 2}),
                        case("Conv3DTranspose", [3, 4, 5, 2], {"filters": 2, "kernel_size": 3, "strides": 2,
                                                               "padding": "same", "output_padding": [0, 1, 1]}),
                        case("Conv3DTranspose", [3, 4, 5, 2], {"filters": 2, "kernel_size": [2, 3, 4],
                                                               "strides": [2, 1, 3], "padding": "same"}),
                        case("Conv3DTranspose", [3, 4, 5, 2], {"filters": 2, "kernel_size": 2, "dilation_rate": 2,
                                                               "padding": "same", "use_bias": False}),
                        case("Conv3DTranspose", [3, None, 4, 2], {"filters": 3, "kernel_size": [1, 3, 2],
                                                                  "strides": [3, 2, 2], "output_padding": [2, 1, 0],
                                                                  "activation": "relu"})],
    "DepthwiseConv2D": [case("DepthwiseConv2D", [8, 8, 3], {"kernel_size": 3}),
                        case("DepthwiseConv2D", [9, 8, 3], {"kernel_size": [3, 2], "depth_multiplier": 2, "strides": 2,
                                                            "padding": "same", "activation": "relu"}),
                        case("DepthwiseConv2D", [None, 6, 2], {"kernel_size": 3, "padding": "same", "use_bias": False,
                                                               "depth_multiplier": 3}),
                        case("DepthwiseConv2D", [9, 9, 2], {"kernel_size": 3, "strides": 2, "dilation_rate": 2}),
                        case("DepthwiseConv2D", [9, 8, 2], {"kernel_size": [2, 3], "strides": 2, "dilation_rate": 2,
                                                            "padding": "same"})],
    "DepthwiseConv1D": [case("DepthwiseConv1D", [8, 3], {"kernel_size": 3}),
                        case("DepthwiseConv1D", [9, 3], {"kernel_size": 2, "depth_multiplier": 2, "strides": 2,
                                                         "padding": "same", "activation": "relu"}),
                        case("DepthwiseConv1D", [9, 2], {"kernel_size": 3, "strides": 2, "dilation_rate": 2,
                                                         "padding": "same", "use_bias": False}),
                        case("DepthwiseConv1D", [None, 2], {"kernel_size": 4, "strides": 3, "padding": "same",
                                                            "depth_multiplier": 3})],
    "SeparableConv1D": [case("SeparableConv1D", [8, 3], {"filters": 4, "kernel_size": 3}),
                        case("SeparableConv1D", [9, 3], {"filters": 2, "kernel_size": 2, "depth_multiplier": 2,
                                                         "strides": 2, "padding": "same", "activation": "relu"}),
                        case("SeparableConv1D", [9, 2], {"filters": 3, "kernel_size": 3, "strides": 2,
                                                         "dilation_rate": 2, "use_bias": False}),
                        case("SeparableConv1D", [None, 2], {"filters": 2, "kernel_size": 4, "strides": 2,
                                                            "padding": "same"})],
    "SeparableConv2D": [case("SeparableConv2D", [8, 8, 3], {"filters": 4, "kernel_size": 3}),
                        case("SeparableConv2D", [9, 8, 3], {"filters": 2, "kernel_size": [3, 2], "depth_multiplier": 2,
                                                            "strides": 2, "padding": "same", "activation": "relu"}),
                        case("SeparableConv2D", [9, 9, 2], {"filters": 3, "kernel_size": 3, "strides": 2,
                                                            "dilation_rate": 2, "padding": "same", "use_bias": False}),
                        case("SeparableConv2D", [None, 6, 2], {"filters": 2, "kernel_size": 2, "padding": "same",
                                                               "dilation_rate": [1, 2]})],
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
    "Dot": [case("Dot", [[5], [5]], {"axes": 1}), case("Dot", [[3, 4], [6, 4]], {"axes": [2, 2]}),
            case("Dot", [[4, 3], [2, 4]], {"axes": [1, 2], "normalize": True}),
            case("Dot", [[2, 3, 4], [3, 5]], {"axes": [-2, 1]})],
    "Attention": [case("Attention", [[3, 4], [5, 6], [5, 4]]),
                  case("Attention", [[3, 4], [5, 4]], {"use_scale": True, "score_mode": "concat"}),
                  case("Attention", [[4, 3], [4, 3]], {"use_causal_mask": True, "use_scale": True}),
                  case("Attention", [[5, 3], [3, 3]], {"use_causal_mask": True, "score_mode": "concat"})],
    "AdditiveAttention": [case("AdditiveAttention", [[None, 4], [None, 4]]),
                          case("AdditiveAttention", [[3, 4], [5, 2], [5, 4]], {"use_scale": False}),
                          case("AdditiveAttention", [[4, 3], [4, 3]], {"use_causal_mask": True})],
    "TimeDistributed": [case("TimeDistributed", [5, 4], {"layer": {"type": "Dense", "units": 3, "activation": "relu"}}),
                        case("TimeDistributed", [4, 6, 6, 2], {"layer": {"type": "Conv2D", "filters": 2, "kernel_size": 3}}),
                        case("TimeDistributed", [None, 5, 3], {"layer": {"type": "LSTM", "units": 2}}),
                        case("TimeDistributed", [3, 4, 5, 2], {"layer": {"type": "MaxPooling2D", "pool_size": 2}}),
                        case("TimeDistributed", [3, 8, 2], {"layer": {"type": "Flatten"}})],
})  # fmt: skip
CASES["MultiHeadAttention"].append(case("MultiHeadAttention", [[5, 8], [4, 6]], {"num_heads": 2, "key_dim": 3,
                                                                             "use_causal_mask": True}))
VOL, BIG = [3, 4, 5, 2], [5, 6, 7, 2]
for _kind in ("MaxPooling3D", "AveragePooling3D"):
    CASES[_kind] = [case(_kind, [4, 6, 7, 2], {"pool_size": 2}),
                    case(_kind, BIG, {"pool_size": 3, "strides": 2, "padding": "same"}),
                    case(_kind, BIG, {"pool_size": [3, 2, 2], "strides": 1, "padding": "same"}),
                    case(_kind, BIG, {"pool_size": [2, 3, 1], "strides": [1, 2, 3]}),
                    case(_kind, [None, 5, 5, 2], {"pool_size": 2, "strides": 2, "padding": "same"})]  # fmt: skip
CASES["MaxPooling3D"].append(case("MaxPooling3D", VOL))
for _kind in ("GlobalAveragePooling3D", "GlobalMaxPooling3D"):
    CASES[_kind] = [case(_kind, VOL), case(_kind, [None, 4, 5, 2], {"keepdims": True})]
CASES.update({
    "ZeroPadding3D": [case("ZeroPadding3D", VOL), case("ZeroPadding3D", VOL, {"padding": 2}),
                      case("ZeroPadding3D", [None, 3, 4, 2], {"padding": [[1, 2], [0, 1], [2, 0]]}),
                      case("ZeroPadding3D", VOL, {"padding": [1, [2, 0], 0]})],
    "Cropping3D": [case("Cropping3D", BIG), case("Cropping3D", BIG, {"cropping": [1, 0, 2]}),
                   case("Cropping3D", BIG, {"cropping": [[1, 2], [0, 1], [2, 0]]}),
                   case("Cropping3D", [None, 4, 5, 2], {"cropping": [0, [1, 1], 0]})],
    "UpSampling3D": [case("UpSampling3D", [2, 3, 2, 2]), case("UpSampling3D", [None, 2, 2, 1], {"size": [1, 2, 3]}),
                     case("UpSampling3D", [2, 2, 2, 3], {"size": 3})],
    "SpatialDropout1D": [case("SpatialDropout1D", SEQ, {"rate": 0.5}),
                         case("SpatialDropout1D", [None, 3], {"rate": 0.2, "seed": 3})],
    "SpatialDropout2D": [case("SpatialDropout2D", IMG, {"rate": 0.5})],
    "SpatialDropout3D": [case("SpatialDropout3D", VOL, {"rate": 0.5})],
    "GaussianNoise": [case("GaussianNoise", [5], {"stddev": 0.1}),
                      case("GaussianNoise", IMG, {"stddev": 1.0, "seed": 3}, dtype="float64")],
    "GaussianDropout": [case("GaussianDropout", [5], {"rate": 0.3}),
                        case("GaussianDropout", VOL, {"rate": 0.5, "seed": 1})],
    "AlphaDropout": [case("AlphaDropout", [5], {"rate": 0.2}),
                     case("AlphaDropout", SEQ, {"rate": 0.1, "noise_shape": [None, 1, None], "seed": 2})],
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
# several outputs (return_state) and inputs by role (initial_state, masks)
STATES = {"sequences": 0, "initial_state": [1, 2]}
CASES["LSTM"] += [
    case("LSTM", SEQ, {"units": 4, "return_state": True}),
    case("LSTM", [SEQ, [3], [3]], {"units": 3, "return_state": True, "return_sequences": True}, roles=STATES),
    case("LSTM", [[None, 3], [2], [2]], {"units": 2, "activation": "relu", "go_backwards": True, "return_state": True},
         roles=STATES)]
CASES["GRU"] += [
    case("GRU", SEQ, {"units": 4, "return_state": True, "return_sequences": True}),
    case("GRU", [SEQ, [3]], {"units": 3, "return_state": True}, roles={"sequences": 0, "initial_state": 1}),
    case("GRU", [SEQ, [3]], {"units": 3, "reset_after": False, "go_backwards": True},
         roles={"sequences": 0, "initial_state": [1]})]
CASES["SimpleRNN"] += [
    case("SimpleRNN", [SEQ, [2]], {"units": 2, "return_state": True}, roles={"sequences": 0, "initial_state": 1}),
    case("SimpleRNN", [SEQ, [2]], {"units": 2, "activation": "sigmoid", "return_sequences": True},
         roles={"sequences": 0, "initial_state": 1})]
CASES["Bidirectional"] += [
    case("Bidirectional", SEQ, {"layer": {"type": "LSTM", "units": 3, "return_state": True}}),
    case("Bidirectional", [SEQ, [2], [2]], {"layer": {"type": "GRU", "units": 2, "return_sequences": True,
                                                      "return_state": True}, "merge_mode": "mul"}, roles=STATES),
    case("Bidirectional", [SEQ, [2], [2], [2], [2]], {"layer": {"type": "LSTM", "units": 2, "activation": "relu"}},
         roles={"sequences": 0, "initial_state": [1, 2, 3, 4]})]
MASKED = {"query": 0, "value": 1}
CASES["MultiHeadAttention"] += [
    case("MultiHeadAttention", [[5, 8], [4, 6], [5, 4]], {"num_heads": 2, "key_dim": 3},
         dtype=["float32", "float32", "bool"], roles={**MASKED, "attention_mask": 2}),
    case("MultiHeadAttention", [[4, 6], [4, 6], [4, 6], [4, 4]], {"num_heads": 2, "key_dim": 2, "use_causal_mask": True},
         dtype=["float32", "float32", "float32", "int32"], roles={**MASKED, "key": 2, "attention_mask": 3}),
    case("MultiHeadAttention", [[None, 4], [None, None]], {"num_heads": 1, "key_dim": 2},
         dtype=["float32", "bool"], roles={"query": 0, "attention_mask": 1})]
CASES["Attention"] += [
    case("Attention", [[3, 4], [5, 6], [5, 4], [5]], {"use_scale": True}, dtype=["float32"] * 3 + ["bool"],
         roles={**MASKED, "key": 2, "value_mask": 3}),
    case("Attention", [[4, 3], [4, 3], [4]], {"use_causal_mask": True, "score_mode": "concat"},
         dtype=["float32", "float32", "int32"], roles={**MASKED, "value_mask": 2})]
CASES["AdditiveAttention"] += [
    case("AdditiveAttention", [[None, 4], [None, 4], [None]], {"use_causal_mask": True},
         dtype=["float32", "float32", "bool"], roles={**MASKED, "value_mask": 2})]

for _kind in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"):
    CASES[_kind] = [case(_kind, [[4], [4]])] + ([case(_kind, [IMG] * 3)] if _kind != "Subtract" else [])

# Masks: Embedding with mask_zero and Masking feeding each kind that reads a mask, the kinds that
# pass one on or drop it (the Keras back end checks each node's mask against the core's), both
# masks of a merge or one; the sample inputs carry padding (`pad`).
MASK_CASES = [case("Embedding", [None], {"input_dim": 10, "output_dim": 3, "mask_zero": True}, dtype="int32"),
          case("Masking", SEQ), case("Masking", [None, 3], {"mask_value": 0.5}), case("Masking", [4])]
for _kind in ("LSTM", "GRU", "SimpleRNN"):
    MASK_CASES += [masked_case(_kind, SEQ, {"units": 2}),
               masked_case(_kind, SEQ, {"units": 3, "return_sequences": True}, by="Masking"),
               masked_case(_kind, [None, 3], {"units": 2, "return_sequences": True, "go_backwards": True,
                                               "activation": "relu"})]
MASK_CASES += [
    masked_case("Bidirectional", SEQ, {"layer": {"type": "LSTM", "units": 2}}),
    masked_case("Bidirectional", SEQ, {"layer": {"type": "GRU", "units": 2, "return_sequences": True}}),
    masked_case("Bidirectional", SEQ, {"layer": {"type": "SimpleRNN", "units": 2, "return_sequences": True},
                                       "merge_mode": "ave"}, by="Masking"),
    masked_case("GlobalAveragePooling1D", SEQ), masked_case("GlobalAveragePooling1D", SEQ, {"keepdims": True}, by="Masking"),
    masked_case("GlobalMaxPooling1D", SEQ), masked_case("MaxPooling1D", SEQ), masked_case("Flatten", SEQ),
    masked_case("GlobalAveragePooling2D", [4, 3, 2], by="Masking"),  # drops the mask: a plain mean
    masked_case("Conv1D", SEQ, {"filters": 2, "kernel_size": 2}),
    masked_case("Dense", SEQ, {"units": 2}), masked_case("Dropout", SEQ, {"rate": 0.5}, by="Masking"),
    masked_case("LayerNormalization", SEQ), masked_case("BatchNormalization", SEQ),
    masked_case("Activation", SEQ, {"activation": "softmax"}), masked_case("ReLU", SEQ),
    masked_case("TimeDistributed", SEQ, {"layer": {"type": "Dense", "units": 2}}),
    masked_case("Attention", [[5, 4], [6, 4]]), masked_case("Attention", [[5, 4], [5, 4]], plain=(0,),
                                                           args={"use_causal_mask": True, "score_mode": "concat"}),
    masked_case("AdditiveAttention", [[5, 4], [6, 4], [6, 4]], by="Masking"),
    masked_case("AdditiveAttention", [[5, 4], [6, 4]], plain=(1,)),
    masked_case("MultiHeadAttention", [5, 4], {"num_heads": 2, "key_dim": 3}),
    masked_case("MultiHeadAttention", [[5, 4], [6, 3]], {"num_heads": 2, "key_dim": 2, "dropout": 0.2}),
    masked_case("MultiHeadAttention", [[5, 4], [6, 3], [6, 2]], {"num_heads": 1, "key_dim": 2,
                                                                 "use_causal_mask": True}, plain=(1,)),
    masked_case("Concatenate", [SEQ, [6, 2]]), masked_case("Concatenate", [SEQ, [6, 3]], {"axis": 1}, plain=(1,)),
    masked_case("Concatenate", [SEQ, [4, 3]], {"axis": -2}, by="Masking"),
    masked_case("Dot", [SEQ, SEQ], {"axes": 2}),
    # with several outputs and inputs by role: the states are kept at masked steps and carry no
    # mask; given an initial_state, Keras does not mask the steps (the sequence keeps the mask);
    # an explicit value_mask replaces the implicit masks; an attention_mask joins them
    masked_case("LSTM", SEQ, {"units": 3, "return_state": True, "return_sequences": True}),
    masked_case("GRU", [SEQ, [2]], {"units": 2, "return_state": True, "return_sequences": True}, plain=(1,),
                roles={"sequences": 0, "initial_state": [1]}),
    masked_case("Bidirectional", [SEQ, [2], [2], [2], [2]], {"layer": {"type": "LSTM", "units": 2,
                "return_state": True}}, by="Masking", plain=(1, 2, 3, 4), roles={"sequences": 0, "initial_state": [1, 2, 3, 4]}),
    masked_case("Bidirectional", SEQ, {"layer": {"type": "SimpleRNN", "units": 2, "return_sequences": True,
                                                 "return_state": True}, "merge_mode": "sum"}),
    masked_case("Attention", [[5, 4], [6, 4], [6]], plain=(2,), dtypes={2: "bool"},
                roles={"query": 0, "value": 1, "value_mask": 2}),
    masked_case("MultiHeadAttention", [[5, 4], [6, 4], [5, 6]], {"num_heads": 2, "key_dim": 2}, plain=(2,),
                dtypes={2: "bool"}, roles={"query": 0, "value": 1, "attention_mask": 2}),
    masked_case("MultiHeadAttention", [[5, 4], [5, 5]], {"num_heads": 1, "key_dim": 2, "dropout": 0.1},
                plain=(1,), dtypes={1: "bool"}, roles={"query": 0, "attention_mask": 1}),
    masked_case("PReLU", SEQ), masked_case("GroupNormalization", [6, 4], {"groups": 2}, by="Masking"),
    masked_case("UnitNormalization", SEQ), masked_case("Rescaling", SEQ, {"scale": 0.5}),
]
for _kind in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"):
    MASK_CASES += [masked_case(_kind, [SEQ, SEQ]), masked_case(_kind, [SEQ, SEQ], plain=(0,), by="Masking")]
    if _kind != "Subtract":
        MASK_CASES.append(masked_case(_kind, [SEQ, SEQ, SEQ], plain=(1,)))
CASES["Masking"] = []
for _data in MASK_CASES:
    CASES[_data["layers"]["node"]["type"]].append(_data)

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

# Initializers, regularizers and constraints as arguments (each weight's initializer is compared
# with the one Keras draws it from; regularizers and constraints are built into the Keras layer)
CASES["Dense"] += [case("Dense", [5], {"units": 3, "kernel_initializer": "he_normal",
                                        "bias_initializer": {"type": "constant", "value": 0.2},
                                        "kernel_regularizer": {"type": "l1_l2", "l1": 0.01}, "bias_regularizer": "l2",
                                        "activity_regularizer": "l1", "kernel_constraint": "non_neg",
                                        "bias_constraint": {"type": "max_norm", "max_value": 1.0}})]
CASES["Conv2D"] += [case("Conv2D", IMG, {"filters": 2, "kernel_size": 3, "kernel_initializer": {
    "type": "variance_scaling", "scale": 2.0, "mode": "fan_out", "distribution": "untruncated_normal"},
    "kernel_constraint": {"type": "unit_norm", "axis": [0, 1, 2]}})]
CASES["LSTM"] += [case("LSTM", SEQ, {"units": 2, "kernel_initializer": "lecun_uniform",
                                      "recurrent_initializer": {"type": "identity", "gain": 0.5},
                                      "bias_initializer": "ones", "recurrent_regularizer": "l2"})]
CASES["Embedding"] += [case("Embedding", [4], {"input_dim": 10, "output_dim": 2, "embeddings_initializer": {
    "type": "random_normal", "stddev": 0.1}, "embeddings_constraint": "unit_norm"}, dtype="int32")]
CASES["BatchNormalization"] += [case("BatchNormalization", [5], {"gamma_initializer": {"type": "random_uniform"},
                                                                  "moving_variance_initializer": {"type": "constant", "value": 2.0},
                                                                  "beta_regularizer": "l1"})]  # fmt: skip

