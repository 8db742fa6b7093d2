"""One line per layer argument, for the JSON Schema (`modelspec schema`; editors show it on hover).

The kinds share Keras' argument names, so the lines are kept by name (`ARGUMENTS`), each true to
Keras' docstring and to what modelspec accepts; `BY_KIND` holds the few a kind reads otherwise
(`axis` of Concatenate, `scale` of Rescaling, `padding` of ZeroPadding2D). The fields of the
initializer, regularizer and constraint mappings have their own table (`OPTIONS`). A field's own
`Field(description=...)` (a plugin kind's, say) comes before both. Nothing here is read when a
spec is validated: `modelspec/schema.py` applies the lines as it makes the schema.
"""

from __future__ import annotations

from typing import get_args

from pydantic import BaseModel

from .base import Layer
from .options import CONSTRAINTS, INITIALIZERS, OPTION_FIELDS, REGULARIZERS

# --- initializer, regularizer and constraint arguments, by the weight they are for -------------

WEIGHTS = {  # the prefix of `{prefix}_initializer` etc. (`layers.options`) -> its weight(s)
    "kernel": "the kernel (the weights applied to the inputs)",
    "bias": "the bias",
    "recurrent": "the recurrent kernel (the weights applied to the previous state)",
    "embeddings": "the embeddings table",
    "depthwise": "the depthwise kernel",
    "pointwise": "the pointwise (1x1) kernel",
    "gamma": "gamma, the learned scale",
    "beta": "beta, the learned offset",
    "moving_mean": "the moving mean",
    "moving_variance": "the moving variance",
    "alpha": "alpha, the learned slopes",
}
WEIGHT_OPTIONS = {  # the suffix -> its line, for a weight
    "initializer": "Initializer of {}: a name, or a mapping with `type` and its arguments.",
    "regularizer": "Regularizer of {}, added to the loss: l1, l2, or a mapping with `type` and "
    "its coefficients.",
    "constraint": "Constraint projecting {} after each optimizer step: a name, or a mapping with "
    "`type` and its arguments.",
}


def weight_options(prefix: str, weight: str) -> dict[str, str]:
    """The lines of the option arguments `{prefix}_*` (`layers.options`) for `weight`."""
    return {
        name: WEIGHT_OPTIONS[name.rsplit("_", 1)[1]].format(weight)
        for name in sorted(OPTION_FIELDS)
        if name.rsplit("_", 1)[0] == prefix
    }


# --- layer arguments, by Keras' name -------------------------------------------------------------

ARGUMENTS: dict[str, str] = {
    "type": "Layer kind.",
    # core
    "units": "Number of output units: the size of the output's last axis.",
    "activation": "Activation function applied to the output, by Keras' name (linear: none).",
    "use_bias": "Whether the layer adds a learned bias.",
    "target_shape": "Output shape without the batch; one entry may be -1, inferred from the "
    "input's size.",
    "dims": "Order of the non-batch axes, counted from 1: [2, 1] swaps the two axes.",
    "input_dim": "Vocabulary size: the largest integer index + 1.",
    "output_dim": "Size of each embedding vector.",
    "mask_zero": "Whether index 0 is padding, masked out in the layers that follow (input_dim "
    "then counts it).",
    "mask_value": "Value that marks a step as padding when every feature of the step equals it: "
    "the step is masked out in the layers that follow and set to 0.",
    # activations
    "max_value": "Largest output value; null: no limit.",
    "negative_slope": "Slope of the output for negative inputs, >= 0.",
    "threshold": "Input value below which the output is negative_slope * (x - threshold), >= 0.",
    "alpha": "Scale of the negative part, alpha * (exp(x) - 1) for x <= 0.",
    "shared_axes": "Axes along which one learned slope is shared (counted with the batch as 0): "
    "[1, 2] learns one per channel of an image; an int is one axis.",
    # convolutions and pooling
    "filters": "Number of output channels (filters).",
    "kernel_size": "Size of the convolution window: an int for every spatial axis, or one per "
    "axis.",
    "strides": "Step of the window along each spatial axis: an int for every axis, or one per "
    "axis.",
    "padding": "`valid`: no padding; `same`: zeros around the input so that the output length "
    "is ceil(length / strides).",
    "dilation_rate": "Spacing of the window's cells along each spatial axis: an int for every "
    "axis, or one per axis.",
    "groups": "Number of groups the channels split into, each convolved by filters / groups "
    "filters of its own; filters and input channels must divide by it.",
    "output_padding": "Cells added to the output length along each spatial axis, each below its "
    "stride: an int for every axis, or one per axis; null: Keras' inferred length.",
    "depth_multiplier": "Number of output channels of the depthwise step per input channel.",
    "pool_size": "Size of the pooling window: an int for every spatial axis, or one per axis.",
    "keepdims": "Whether to keep the pooled spatial axes, each of length 1.",
    # reshaping
    "cropping": "Cells cut from both ends of each spatial axis: an int for every side, one int "
    "per axis, or a [before, after] pair per axis.",
    "size": "Repetitions of each cell along each spatial axis: an int for every axis, or one per "
    "axis.",
    "interpolation": "How the new cells are filled: nearest (repeated) or bilinear.",
    "n": "Number of repetitions: the length of the new axis.",
    # dropout and noise
    "rate": "Fraction of the inputs to drop, 0 <= rate < 1.",
    "noise_shape": "Shape of the random keep mask, batch first, broadcast from the right (1: "
    "shared along that axis; null: its length, with one entry per axis); null: the input's.",
    "seed": "Random seed of the dropout or noise (Keras'; the torch back end draws from torch's "
    "own generator).",
    "stddev": "Standard deviation of the added zero-mean Gaussian noise, 0 <= stddev <= 1.",
    # merges
    "axes": "Axis of each input the dot product sums over: an int for both, or one per input "
    "(counted with the batch as 0, which it cannot be).",
    "normalize": "Whether to L2-normalize both inputs along the axes first (the output is then "
    "the cosine proximity).",
    # normalization and preprocessing
    "axis": "Axis of the features, each index with its own statistics and weights (counted with "
    "the batch as 0; -1: the last).",
    "epsilon": "Small float added to the variance to avoid dividing by zero, > 0.",
    "center": "Whether to add the learned offset beta.",
    "scale": "Whether to multiply by the learned scale gamma.",
    "momentum": "Momentum of the moving statistics, 0 <= momentum <= 1: moving = momentum * "
    "moving + (1 - momentum) * batch statistic.",
    "offset": "Value added after scaling: a number, or a list of one value per channel (the last "
    "axis).",
    "mean": "Mean to subtract: a number, or nested lists broadcast to the kept axes; null: "
    "Keras' non-trainable weight (set by adapt or loaded weights).",
    "variance": "Variance to divide by (its square root): a number, or nested lists broadcast to "
    "the kept axes; given with mean, or both null.",
    "invert": "Whether to apply the inverse, mean + x * sqrt(variance), turning normalized values "
    "back.",
    # recurrent
    "return_sequences": "Whether to output every step's output (steps, units) rather than the "
    "last one (units,).",
    "go_backwards": "Whether to read the sequence backwards (and return the outputs reversed).",
    "return_state": "Whether to return the last states after the output, as more outputs of the "
    "node (`node.state_h` and `node.state_c` of an LSTM, `node.state` of a GRU or SimpleRNN).",
    "dropout": "Fraction of the input's units dropped in the input transformation, 0 <= dropout "
    "< 1.",
    "recurrent_dropout": "Fraction of the state's units dropped in the recurrent transformation, "
    "0 <= recurrent_dropout < 1.",
    "recurrent_activation": "Activation of the gates, by Keras' name.",
    "unit_forget_bias": "Whether the forget gate's bias starts at ones (the other gates' from "
    "bias_initializer).",
    "reset_after": "Whether the reset gate applies after the recurrent matrix product (Keras' "
    "default, cuDNN's and torch's form) rather than before.",
    "layer": "The recurrent layer to run both ways: an LSTM, GRU or SimpleRNN mapping that reads "
    "forwards.",
    "merge_mode": "How the two directions' outputs combine: concat (2 * units features), sum, mul "
    "or ave.",
    # attention
    "num_heads": "Number of attention heads.",
    "key_dim": "Size of each attention head for query and key.",
    "value_dim": "Size of each attention head for value; null: key_dim.",
    "output_shape": "Size of the output's last axis; null: the query's feature size.",
    "use_causal_mask": "Whether query step i attends to steps 0..i only (decoder self-attention).",
    "use_scale": "Whether to learn a scalar `scale` that multiplies the attention scores.",
    "score_mode": "How the scores are computed: dot (query . key) or concat (tanh of query + "
    "key, summed over the features).",
    # initializers, regularizers, constraints
    **{
        name: line
        for prefix, weight in WEIGHTS.items()
        for name, line in weight_options(prefix, weight).items()
    },
    "activity_regularizer": "Regularizer of the layer's output, added to the loss divided by the "
    "batch size: l1, l2, or a mapping with `type` and its coefficients.",
}


def _by_kind(*groups: tuple[tuple[str, ...], dict[str, str]]) -> dict[str, dict[str, str]]:
    """Kind -> its own lines, from (kinds, lines) groups (a kind may be in several)."""
    out: dict[str, dict[str, str]] = {}
    for kinds, lines in groups:
        for kind in kinds:
            out.setdefault(kind, {}).update(lines)
    return out


CONVOLUTIONS = ("Conv1D", "Conv2D", "Conv3D")
TRANSPOSED = ("Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose")
POOLING = tuple(f"{op}Pooling{rank}D" for op in ("Max", "Average") for rank in (1, 2, 3))
RECURRENT = ("SimpleRNN", "LSTM", "GRU")
NOT_DILATED = "; not > 1 together with dilation_rate > 1 (Keras refuses it)."
NOT_STRIDED = "; not > 1 together with strides > 1 (Keras refuses it)."
WHOLE_MAPS = ("SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D")

# Where a name means something else in a kind (or says more there).
BY_KIND: dict[str, dict[str, str]] = _by_kind(
    ((*CONVOLUTIONS, *TRANSPOSED), {
        "strides": ARGUMENTS["strides"][:-1] + NOT_DILATED,
        "dilation_rate": ARGUMENTS["dilation_rate"][:-1] + NOT_STRIDED,
    }),
    (("Conv1D",), {
        "padding": "`valid`: no padding; `same`: zeros so that the output length is ceil(length "
        "/ strides); `causal`: zeros on the left only (step t sees inputs up to t).",
    }),
    (TRANSPOSED, {
        "strides": "Step of the window, the upsampling factor, along each spatial axis: an int "
        "for every axis, or one per axis" + NOT_DILATED,
        "padding": "`valid`: output length (n - 1) * strides + max(kernel span, strides); `same`: "
        "n * strides (Keras' rule, without output_padding).",
    }),
    (POOLING, {
        "strides": "Step of the window along each spatial axis: an int for every axis, or one "
        "per axis; null: pool_size.",
        "padding": "`valid`: windows inside the input only; `same`: windows over the edges too, "
        "output length ceil(length / strides) (average pooling: of the real cells only).",
    }),
    (("ZeroPadding1D",), {
        "padding": "Zeros added before and after the steps: an int for both ends, or [before, "
        "after].",
    }),
    (("ZeroPadding2D", "ZeroPadding3D"), {
        "padding": "Zeros added at both ends of each spatial axis: an int for every side, one int "
        "per axis, or a [before, after] pair per axis.",
    }),
    (("Cropping1D",), {
        "cropping": "Cells cut from the start and the end of the steps: an int for both ends, or "
        "[start, end].",
    }),
    (("UpSampling1D",), {"size": "Repetitions of each step."}),
    (WHOLE_MAPS, {
        "rate": "Fraction of the channels (whole feature maps) to drop, 0 <= rate < 1.",
    }),
    (("GaussianDropout",), {
        "rate": "Drop probability, 0 <= rate < 1: the multiplicative noise has mean 1 and "
        "standard deviation sqrt(rate / (1 - rate)).",
    }),
    (("AlphaDropout",), {
        "rate": "Fraction of the inputs to drop (set to SELU's saturation value, then all "
        "rescaled to keep mean and variance), 0 <= rate < 1.",
    }),
    (("ReLU",), {
        "negative_slope": "Slope of the output below the threshold, negative_slope * (x - "
        "threshold), >= 0.",
    }),
    (("Activation",), {"activation": "Activation function, by Keras' name."}),
    (RECURRENT, {
        "activation": "Activation of the state update, by Keras' name (linear: none).",
        "units": "Number of units: the size of the state and of each output step.",
    }),
    (("Softmax",), {
        "axis": "Axis the softmax normalizes over (counted with the batch as 0; -1: the last).",
    }),
    (("Concatenate",), {
        "axis": "Axis to join the inputs along (counted with the batch as 0, which it cannot be; "
        "-1: the last).",
    }),
    (("LayerNormalization",), {
        "axis": "Axis, or list of axes, each sample is normalized over (counted with the batch "
        "as 0; -1: the last).",
    }),
    (("GroupNormalization",), {
        "axis": "Axis of the channels that are split into groups (counted with the batch as 0; "
        "-1: the last).",
        "groups": "Number of groups the channels split into (it must divide them); -1: one "
        "channel per group (instance normalization).",
    }),
    (("UnitNormalization",), {
        "axis": "Axis, or list of axes, of the L2 norm each sample is divided by (counted with "
        "the batch as 0; -1: the last).",
    }),
    (("Normalization",), {
        "axis": "Axis, or list of axes, kept: each index has its own mean and variance (counted "
        "with the batch as 0; -1: the last); null: one mean and variance for every value.",
    }),
    (("Rescaling",), {
        "scale": "Factor multiplying the inputs: a number, or a list of one value per channel (the "
        "last axis).",
    }),
    (("MultiHeadAttention",), {
        "dropout": "Fraction of the attention weights dropped in training, 0 <= dropout < 1.",
        "use_bias": "Whether the query, key, value and output projections add learned biases.",
        **weight_options("kernel", "the query, key, value and output kernels"),
        **weight_options("bias", "the query, key, value and output biases"),
    }),
    (("Attention", "AdditiveAttention"), {
        "dropout": "Fraction of the attention weights dropped in training, 0 <= dropout < 1.",
        "seed": "Random seed of the attention dropout (Keras'; the torch back end draws from "
        "torch's own generator).",
    }),
    (("AdditiveAttention",), {
        "use_scale": "Whether to learn `scale`, one factor per query feature, inside the scores' "
        "sum.",
    }),
    (("TimeDistributed",), {
        "layer": "The layer applied to each step: a mapping with `type` and its arguments (one "
        "input; not BatchNormalization).",
    }),
)  # fmt: skip

# --- the fields of initializer, regularizer and constraint mappings -------------------------------

OPTIONS: dict[str, str] = {
    # initializers
    "seed": "Seed of the draw (Keras'; the torch back end draws from torch's own generator).",
    "value": "The value of every entry.",
    "gain": "Factor multiplying the matrix.",
    "mean": "Mean of the normal distribution.",
    "stddev": "Standard deviation of the normal distribution.",
    "minval": "Lower bound of the uniform distribution.",
    "maxval": "Upper bound of the uniform distribution.",
    "scale": "Scale of the variance, > 0: the draw's variance is scale / n, n the fan of `mode`.",
    "mode": "The fan n the variance is divided by: fan_in, fan_out or fan_avg (their mean).",
    "distribution": "Distribution drawn from: truncated_normal, untruncated_normal or uniform.",
    # regularizers
    "l1": "L1 coefficient: adds l1 * sum(|w|) to the loss, >= 0.",
    "l2": "L2 coefficient: adds l2 * sum(w ** 2) to the loss, >= 0.",
    # constraints
    "max_value": "Largest norm allowed, > 0.",
    "min_value": "Smallest norm allowed, >= 0.",
    "rate": "How strictly norms are brought into [min_value, max_value] at each step: 1 fully, "
    "less partway, 0 <= rate <= 1.",
    "axis": "Axis, or list of axes, of the weight (in Keras' layout) the norms are taken along: "
    "0 for a Dense kernel's incoming weights per unit.",
}
OPTIONS_BY_KIND: dict[str, dict[str, str]] = {
    "truncated_normal": {
        "stddev": "Standard deviation of the normal distribution, before values beyond two "
        "standard deviations are redrawn.",
    },
}
FAMILIES = (
    (INITIALIZERS, "Initializer, by Keras' name."),
    (REGULARIZERS, "Regularizer, by Keras' name."),
    (CONSTRAINTS, "Constraint, by Keras' name."),
)


def kind_of(model: type[BaseModel]) -> str | None:
    """The `type` a model's mapping is written with (its `type` literal), or None."""
    field = model.model_fields.get("type")
    names = get_args(field.annotation) if field is not None else ()
    return names[0] if names and isinstance(names[0], str) else None


def description(model: type[BaseModel], name: str) -> str | None:
    """The line of field `name` of a layer kind's model (a node's too) or of an initializer,
    regularizer or constraint mapping's; None for a name without one, or any other model."""
    kind = kind_of(model)
    if kind is None:
        return None
    if issubclass(model, Layer):
        return BY_KIND.get(kind, {}).get(name) or ARGUMENTS.get(name)
    for family, line in FAMILIES:
        if family.get(kind) is model:
            if name == "type":
                return line
            return OPTIONS_BY_KIND.get(kind, {}).get(name) or OPTIONS.get(name)
    return None
