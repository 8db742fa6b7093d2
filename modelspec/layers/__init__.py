"""The layer catalogue: every built-in kind by the module that defines it, found through `REGISTRY`.

A kind's module is imported when a spec first uses the kind (`REGISTRY["Dense"]`), so start-up
does not grow with the catalogue. A new built-in kind is one class in its module and its name
here (a test checks that each module registers exactly the kinds listed for it).
"""

from .base import (
    ACTIVATIONS,
    REGISTRY,
    Concatenation,
    Initializer,
    Layer,
    Role,
    Shape,
    ShapeError,
    Weight,
    format_shape,
    register,
)

CATALOGUE: dict[str, tuple[str, ...]] = {
    "core": ("Dense", "Dropout", "Activation", "Identity", "Flatten", "Reshape", "Permute",
             "Embedding", "Masking"),
    "activations": ("ReLU", "LeakyReLU", "ELU", "Softmax", "PReLU"),
    "conv": ("Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"),
    "separable": ("DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D"),
    "pooling": ("MaxPooling1D", "AveragePooling1D", "MaxPooling2D", "AveragePooling2D",
                "MaxPooling3D", "AveragePooling3D", "GlobalAveragePooling1D", "GlobalMaxPooling1D",
                "GlobalAveragePooling2D", "GlobalMaxPooling2D", "GlobalAveragePooling3D",
                "GlobalMaxPooling3D"),
    "reshaping": ("ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D",
                  "Cropping3D", "UpSampling1D", "UpSampling2D", "UpSampling3D", "RepeatVector"),
    "noise": ("SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
              "GaussianDropout", "AlphaDropout"),
    "merge": ("Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
              "Dot"),
    "normalization": ("BatchNormalization", "LayerNormalization", "GroupNormalization",
                      "UnitNormalization"),
    "preprocessing": ("Rescaling", "Normalization"),
    "recurrent": ("SimpleRNN", "LSTM", "GRU", "Bidirectional"),
    "attention": ("MultiHeadAttention", "Attention", "AdditiveAttention"),
    "wrappers": ("TimeDistributed",),
}  # fmt: skip
REGISTRY.catalogue(__name__, CATALOGUE)

__all__ = [
    "ACTIVATIONS",
    "CATALOGUE",
    "REGISTRY",
    "Concatenation",
    "Initializer",
    "Layer",
    "Role",
    "Shape",
    "ShapeError",
    "Weight",
    "format_shape",
    "register",
]
