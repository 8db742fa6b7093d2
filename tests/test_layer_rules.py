"""Every layer rule against the figures real Keras 3.15 gave for the same layer and inputs.

The table was produced by building each `keras.layers.*` on `keras.Input`s of these shapes and
reading its output shape, trainable and non-trainable weight counts (the Keras backend tests
re-check the same agreement on whole models). No framework is imported here.
"""

import pytest
from pydantic import ValidationError

from modelspec.layers import REGISTRY, ShapeError

# kind, arguments, input shapes (batch omitted), Keras' output shape, trainable, non-trainable
KERAS_FIGURES = [
    ('Dense', {'units': 7}, [(5,)], (7,), 42, 0),
    ('Dense', {'units': 3, 'use_bias': False}, [(None, 4)], (None, 3), 12, 0),
    ('Dense', {'units': 2}, [(3, 4, 5)], (3, 4, 2), 12, 0),
    ('Dropout', {'rate': 0.5}, [(4, 3)], (4, 3), 0, 0),
    ('Activation', {'activation': 'softmax'}, [(6,)], (6,), 0, 0),
    ('Flatten', {}, [(4, 5, 3)], (60,), 0, 0),
    ('Flatten', {}, [(None, 3)], (None,), 0, 0),
    ('Reshape', {'target_shape': [6, -1]}, [(4, 3, 2)], (6, 4), 0, 0),
    ('Reshape', {'target_shape': [2, 6]}, [(12,)], (2, 6), 0, 0),
    ('Permute', {'dims': [2, 1]}, [(4, 7)], (7, 4), 0, 0),
    ('Permute', {'dims': [3, 1, 2]}, [(4, 5, 6)], (6, 4, 5), 0, 0),
    ('Embedding', {'input_dim': 100, 'output_dim': 8}, [(None,)], (None, 8), 800, 0),
    ('Embedding', {'input_dim': 10, 'output_dim': 3}, [(4, 5)], (4, 5, 3), 30, 0),
    ('LSTM', {'units': 6}, [(None, 3)], (6,), 240, 0),
    ('LSTM', {'units': 4, 'return_sequences': True, 'use_bias': False}, [(7, 2)], (7, 4), 96, 0),
    ('GRU', {'units': 5}, [(None, 3)], (5,), 150, 0),
    ('GRU', {'units': 5, 'reset_after': False, 'return_sequences': True}, [(4, 3)], (4, 5), 135, 0),
    ('SimpleRNN', {'units': 4, 'activation': 'relu'}, [(6, 2)], (4,), 28, 0),
    ('Bidirectional', {'layer': {'type': 'LSTM', 'units': 3}}, [(5, 2)], (6,), 144, 0),
    ('Bidirectional', {'layer': {'type': 'GRU', 'units': 3, 'return_sequences': True}, 'merge_mode': 'sum'}, [(None, 2)], (None, 3), 126, 0),
    ('Conv1D', {'filters': 4, 'kernel_size': 3}, [(10, 2)], (8, 4), 28, 0),
    ('Conv1D', {'filters': 4, 'kernel_size': 3, 'padding': 'causal', 'dilation_rate': 2}, [(10, 2)], (10, 4), 28, 0),
    ('Conv1D', {'filters': 2, 'kernel_size': 2, 'strides': 2, 'padding': 'same'}, [(None, 3)], (None, 2), 14, 0),
    ('Conv2D', {'filters': 8, 'kernel_size': 3}, [(9, 10, 3)], (7, 8, 8), 224, 0),
    ('Conv2D', {'filters': 8, 'kernel_size': [3, 2], 'strides': 2, 'padding': 'same'}, [(9, 10, 3)], (5, 5, 8), 152, 0),
    ('Conv2D', {'filters': 4, 'kernel_size': 3, 'dilation_rate': 2}, [(9, 9, 1)], (5, 5, 4), 40, 0),
    ('Conv2DTranspose', {'filters': 4, 'kernel_size': 3, 'strides': 2}, [(5, 6, 3)], (11, 13, 4), 112, 0),
    ('Conv2DTranspose', {'filters': 4, 'kernel_size': 3, 'strides': 2, 'padding': 'same'}, [(5, 6, 3)], (10, 12, 4), 112, 0),
    ('Conv2DTranspose', {'filters': 2, 'kernel_size': 3, 'strides': 2, 'output_padding': 1}, [(5, 6, 3)], (12, 14, 2), 56, 0),
    ('Conv2DTranspose', {'filters': 2, 'kernel_size': 4, 'strides': 2, 'padding': 'same', 'output_padding': 1}, [(5, 6, 3)], (9, 11, 2), 98, 0),
    ('Conv1D', {'filters': 6, 'kernel_size': 3, 'groups': 3}, [(8, 3)], (6, 6), 24, 0),
    ('Conv1D', {'filters': 4, 'kernel_size': 2, 'groups': 2, 'padding': 'causal', 'dilation_rate': 2}, [(None, 4)], (None, 4), 20, 0),
    ('Conv2D', {'filters': 4, 'kernel_size': 3, 'groups': 2}, [(8, 8, 6)], (6, 6, 4), 112, 0),
    ('Conv2D', {'filters': 6, 'kernel_size': [2, 3], 'strides': 2, 'padding': 'same', 'groups': 3}, [(9, 10, 3)], (5, 5, 6), 42, 0),
    ('Conv3D', {'filters': 4, 'kernel_size': 3}, [(5, 6, 7, 2)], (3, 4, 5, 4), 220, 0),
    ('Conv3D', {'filters': 4, 'kernel_size': 2, 'strides': 2, 'padding': 'same'}, [(5, 6, 7, 2)], (3, 3, 4, 4), 68, 0),
    ('Conv3D', {'filters': 2, 'kernel_size': [3, 1, 2], 'dilation_rate': 2, 'use_bias': False}, [(7, 6, 5, 3)], (3, 6, 3, 2), 36, 0),
    ('Conv3D', {'filters': 4, 'kernel_size': 3, 'padding': 'same', 'groups': 2}, [(None, 6, 7, 2)], (None, 6, 7, 4), 112, 0),
    ('Conv1DTranspose', {'filters': 4, 'kernel_size': 3, 'strides': 2}, [(5, 2)], (11, 4), 28, 0),
    ('Conv1DTranspose', {'filters': 4, 'kernel_size': 4, 'strides': 2, 'padding': 'same'}, [(None, 2)], (None, 4), 36, 0),
    ('Conv1DTranspose', {'filters': 3, 'kernel_size': 3, 'strides': 2, 'padding': 'same', 'output_padding': 0}, [(13, 2)], (25, 3), 21, 0),
    ('Conv1DTranspose', {'filters': 2, 'kernel_size': 3, 'dilation_rate': 2, 'padding': 'same', 'use_bias': False}, [(5, 2)], (5, 2), 12, 0),
    ('Conv1DTranspose', {'filters': 2, 'kernel_size': 2, 'strides': 3, 'output_padding': 2}, [(5, 2)], (16, 2), 10, 0),
    ('Conv2DTranspose', {'filters': 4, 'kernel_size': 3, 'strides': 2, 'padding': 'same', 'output_padding': 0}, [(13, 13, 2)], (25, 25, 4), 76, 0),
    ('Conv2DTranspose', {'filters': 4, 'kernel_size': 1, 'strides': 2, 'output_padding': 0}, [(13, 13, 2)], (25, 25, 4), 12, 0),
    ('Conv2DTranspose', {'filters': 4, 'kernel_size': 3, 'strides': [2, 3], 'output_padding': [0, 2]}, [(5, 5, 2)], (11, 17, 4), 76, 0),
    ('Conv2DTranspose', {'filters': 2, 'kernel_size': [4, 3], 'strides': [2, 3], 'padding': 'same', 'output_padding': [1, 0]}, [(5, 5, 2)], (9, 13, 2), 50, 0),
    ('Conv2DTranspose', {'filters': 2, 'kernel_size': 3, 'dilation_rate': [2, 1]}, [(5, 5, 2)], (9, 7, 2), 38, 0),
    ('Conv3DTranspose', {'filters': 4, 'kernel_size': 3, 'strides': 2}, [(3, 4, 5, 2)], (7, 9, 11, 4), 220, 0),
    ('Conv3DTranspose', {'filters': 4, 'kernel_size': 3, 'strides': 2, 'padding': 'same', 'output_padding': [0, 1, 1]}, [(3, 4, 5, 2)], (5, 8, 10, 4), 220, 0),
    ('Conv3DTranspose', {'filters': 2, 'kernel_size': [2, 3, 4], 'strides': [2, 1, 3], 'padding': 'same'}, [(3, None, 5, 2)], (6, None, 15, 2), 98, 0),
    ('Conv3DTranspose', {'filters': 2, 'kernel_size': 3, 'dilation_rate': 2, 'use_bias': False}, [(3, 4, 5, 2)], (7, 8, 9, 2), 108, 0),
    ('DepthwiseConv1D', {'kernel_size': 3}, [(8, 3)], (6, 3), 12, 0),
    ('DepthwiseConv1D', {'kernel_size': 2, 'depth_multiplier': 2, 'strides': 2, 'padding': 'same'}, [(9, 3)], (5, 6), 18, 0),
    ('DepthwiseConv1D', {'kernel_size': 3, 'strides': 2, 'dilation_rate': 2, 'use_bias': False}, [(None, 3)], (None, 3), 9, 0),
    ('SeparableConv1D', {'filters': 4, 'kernel_size': 3}, [(8, 3)], (6, 4), 25, 0),
    ('SeparableConv1D', {'filters': 4, 'kernel_size': 2, 'depth_multiplier': 2, 'strides': 2, 'padding': 'same'}, [(None, 3)], (None, 4), 40, 0),
    ('SeparableConv1D', {'filters': 2, 'kernel_size': 3, 'strides': 2, 'dilation_rate': 2, 'use_bias': False}, [(9, 3)], (3, 2), 15, 0),
    ('SeparableConv2D', {'filters': 4, 'kernel_size': 3}, [(8, 8, 3)], (6, 6, 4), 43, 0),
    ('SeparableConv2D', {'filters': 4, 'kernel_size': [3, 2], 'depth_multiplier': 2, 'strides': 2, 'padding': 'same'}, [(9, 8, 3)], (5, 4, 4), 64, 0),
    ('SeparableConv2D', {'filters': 5, 'kernel_size': 3, 'strides': 2, 'dilation_rate': 2, 'padding': 'same', 'use_bias': False}, [(None, 9, 2)], (None, 5, 5), 28, 0),
    ('MaxPooling1D', {}, [(9, 3)], (4, 3), 0, 0),
    ('MaxPooling1D', {'pool_size': 3, 'strides': 2, 'padding': 'same'}, [(9, 3)], (5, 3), 0, 0),
    ('AveragePooling1D', {'pool_size': 2, 'strides': 1}, [(5, 2)], (4, 2), 0, 0),
    ('MaxPooling2D', {'pool_size': 3}, [(28, 28, 4)], (9, 9, 4), 0, 0),
    ('MaxPooling2D', {'pool_size': 2, 'padding': 'same'}, [(9, 10, 4)], (5, 5, 4), 0, 0),
    ('AveragePooling2D', {'pool_size': [3, 2], 'strides': [1, 2]}, [(9, 10, 4)], (7, 5, 4), 0, 0),
    ('GlobalAveragePooling1D', {}, [(None, 5)], (5,), 0, 0),
    ('GlobalMaxPooling1D', {'keepdims': True}, [(7, 5)], (1, 5), 0, 0),
    ('GlobalAveragePooling2D', {}, [(4, 4, 6)], (6,), 0, 0),
    ('GlobalMaxPooling2D', {'keepdims': True}, [(4, 4, 6)], (1, 1, 6), 0, 0),
    ('DepthwiseConv2D', {'kernel_size': 3}, [(8, 8, 3)], (6, 6, 3), 30, 0),
    ('DepthwiseConv2D', {'kernel_size': 3, 'depth_multiplier': 2, 'strides': 2, 'padding': 'same'}, [(9, 8, 3)], (5, 4, 6), 60, 0),
    ('DepthwiseConv2D', {'kernel_size': [3, 2], 'dilation_rate': 2, 'use_bias': False}, [(9, 9, 2)], (5, 7, 2), 12, 0),
    ('DepthwiseConv2D', {'kernel_size': 3, 'padding': 'same', 'activation': 'relu'}, [(None, 5, 4)], (None, 5, 4), 40, 0),
    ('DepthwiseConv2D', {'kernel_size': 3, 'strides': 2, 'dilation_rate': 2}, [(9, 9, 2)], (3, 3, 2), 20, 0),
    ('ZeroPadding1D', {}, [(5, 3)], (7, 3), 0, 0),
    ('ZeroPadding1D', {'padding': [2, 0]}, [(None, 3)], (None, 3), 0, 0),
    ('Cropping1D', {}, [(6, 3)], (4, 3), 0, 0),
    ('Cropping1D', {'cropping': [2, 0]}, [(None, 3)], (None, 3), 0, 0),
    ('Cropping1D', {'cropping': 2}, [(6, 2)], (2, 2), 0, 0),
    ('Cropping2D', {}, [(5, 6, 3)], (5, 6, 3), 0, 0),
    ('Cropping2D', {'cropping': 1}, [(5, 6, 3)], (3, 4, 3), 0, 0),
    ('Cropping2D', {'cropping': [[1, 2], [0, 3]]}, [(5, 6, 3)], (2, 3, 3), 0, 0),
    ('Cropping2D', {'cropping': [1, [2, 0]]}, [(None, 6, 2)], (None, 4, 2), 0, 0),
    ('UpSampling1D', {}, [(4, 3)], (8, 3), 0, 0),
    ('UpSampling1D', {'size': 3}, [(None, 2)], (None, 2), 0, 0),
    ('RepeatVector', {'n': 3}, [(4,)], (3, 4), 0, 0),
    ('Identity', {}, [(4, 3)], (4, 3), 0, 0),
    ('Maximum', {}, [(4, 3), (4, 3)], (4, 3), 0, 0),
    ('Minimum', {}, [(5,), (5,), (5,)], (5,), 0, 0),
    ('ReLU', {}, [(4,)], (4,), 0, 0),
    ('ReLU', {'max_value': 6.0}, [(4,)], (4,), 0, 0),
    ('ReLU', {'max_value': 2.5, 'negative_slope': 0.1, 'threshold': 0.5}, [(4,)], (4,), 0, 0),
    ('LeakyReLU', {}, [(4,)], (4,), 0, 0),
    ('LeakyReLU', {'negative_slope': 0.1}, [(3, 4)], (3, 4), 0, 0),
    ('ELU', {}, [(4,)], (4,), 0, 0),
    ('ELU', {'alpha': 0.5}, [(4,)], (4,), 0, 0),
    ('Softmax', {}, [(4,)], (4,), 0, 0),
    ('Softmax', {'axis': 1}, [(3, 4)], (3, 4), 0, 0),
    ('ZeroPadding2D', {}, [(5, 6, 3)], (7, 8, 3), 0, 0),
    ('ZeroPadding2D', {'padding': 2}, [(None, 4, 2)], (None, 8, 2), 0, 0),
    ('ZeroPadding2D', {'padding': [[1, 2], [0, 3]]}, [(5, 6, 3)], (8, 9, 3), 0, 0),
    ('ZeroPadding2D', {'padding': [1, [2, 0]]}, [(4, 4, 1)], (6, 6, 1), 0, 0),
    ('UpSampling2D', {}, [(3, 4, 2)], (6, 8, 2), 0, 0),
    ('UpSampling2D', {'size': [2, 3], 'interpolation': 'bilinear'}, [(3, 4, 2)], (6, 12, 2), 0, 0),
    ('ZeroPadding3D', {}, [(3, 4, 5, 2)], (5, 6, 7, 2), 0, 0),
    ('ZeroPadding3D', {'padding': 2}, [(None, 3, 3, 1)], (None, 7, 7, 1), 0, 0),
    ('ZeroPadding3D', {'padding': [1, 2, 0]}, [(3, 4, 5, 2)], (5, 8, 5, 2), 0, 0),
    ('ZeroPadding3D', {'padding': [[1, 2], [0, 1], [2, 0]]}, [(3, 4, 5, 2)], (6, 5, 7, 2), 0, 0),
    ('ZeroPadding3D', {'padding': [1, [2, 0], 0]}, [(3, None, 5, 2)], (5, None, 5, 2), 0, 0),
    ('Cropping3D', {}, [(5, 6, 7, 2)], (3, 4, 5, 2), 0, 0),
    ('Cropping3D', {'cropping': 2}, [(5, 6, 7, 2)], (1, 2, 3, 2), 0, 0),
    ('Cropping3D', {'cropping': [1, 0, 2]}, [(5, 6, 7, 2)], (3, 6, 3, 2), 0, 0),
    ('Cropping3D', {'cropping': [[1, 2], [0, 1], [2, 0]]}, [(5, 6, 7, 2)], (2, 5, 5, 2), 0, 0),
    ('Cropping3D', {'cropping': [0, [1, 1], 0]}, [(None, 4, 5, 2)], (None, 2, 5, 2), 0, 0),
    ('UpSampling3D', {}, [(2, 3, 4, 2)], (4, 6, 8, 2), 0, 0),
    ('UpSampling3D', {'size': [1, 2, 3]}, [(None, 2, 2, 1)], (None, 4, 6, 1), 0, 0),
    ('UpSampling3D', {'size': 3}, [(2, 2, 2, 3)], (6, 6, 6, 3), 0, 0),
    ('MaxPooling3D', {}, [(4, 6, 7, 2)], (2, 3, 3, 2), 0, 0),
    ('MaxPooling3D', {'pool_size': 3, 'strides': 2, 'padding': 'same'}, [(5, 6, 7, 2)], (3, 3, 4, 2), 0, 0),
    ('MaxPooling3D', {'pool_size': [2, 3, 1], 'strides': [1, 2, 3]}, [(5, 6, 7, 2)], (4, 2, 3, 2), 0, 0),
    ('MaxPooling3D', {'pool_size': 2, 'padding': 'same'}, [(None, 5, 5, 2)], (None, 3, 3, 2), 0, 0),
    ('AveragePooling3D', {'pool_size': 2}, [(4, 6, 7, 2)], (2, 3, 3, 2), 0, 0),
    ('AveragePooling3D', {'pool_size': [3, 2, 2], 'strides': 1, 'padding': 'same'}, [(5, 6, 7, 2)], (5, 6, 7, 2), 0, 0),
    ('AveragePooling3D', {'pool_size': 3, 'strides': [2, 1, 2], 'padding': 'same'}, [(5, 6, 7, 2)], (3, 6, 4, 2), 0, 0),
    ('GlobalMaxPooling3D', {}, [(3, 4, 5, 2)], (2,), 0, 0),
    ('GlobalMaxPooling3D', {'keepdims': True}, [(None, 4, 5, 2)], (1, 1, 1, 2), 0, 0),
    ('GlobalAveragePooling3D', {}, [(3, 4, 5, 2)], (2,), 0, 0),
    ('GlobalAveragePooling3D', {'keepdims': True}, [(3, 4, 5, 2)], (1, 1, 1, 2), 0, 0),
    ('SpatialDropout1D', {'rate': 0.5}, [(5, 3)], (5, 3), 0, 0),
    ('SpatialDropout1D', {'rate': 0.2, 'seed': 3}, [(None, 3)], (None, 3), 0, 0),
    ('SpatialDropout2D', {'rate': 0.5}, [(4, 4, 3)], (4, 4, 3), 0, 0),
    ('SpatialDropout3D', {'rate': 0.5}, [(3, 3, 3, 2)], (3, 3, 3, 2), 0, 0),
    ('GaussianNoise', {'stddev': 0.1}, [(4, 3)], (4, 3), 0, 0),
    ('GaussianNoise', {'stddev': 1.0, 'seed': 3}, [(5,)], (5,), 0, 0),
    ('GaussianDropout', {'rate': 0.3}, [(4, 3)], (4, 3), 0, 0),
    ('GaussianDropout', {'rate': 0.5, 'seed': 1}, [(3, 3, 2)], (3, 3, 2), 0, 0),
    ('AlphaDropout', {'rate': 0.2}, [(4, 3)], (4, 3), 0, 0),
    ('AlphaDropout', {'rate': 0.1, 'noise_shape': [None, 1, None], 'seed': 2}, [(4, 3)], (4, 3), 0, 0),
    ('Dropout', {'rate': 0.5, 'noise_shape': [None, 1, 3]}, [(4, 3)], (4, 3), 0, 0),
    ('Dropout', {'rate': 0.2, 'noise_shape': [1, None, 1, None]}, [(None, 5, 2)], (None, 5, 2), 0, 0),
    ('Dropout', {'rate': 0.2, 'noise_shape': [1, 3]}, [(4, 3)], (4, 3), 0, 0),
    ('BatchNormalization', {}, [(8,)], (8,), 16, 16),
    ('BatchNormalization', {'center': False}, [(5, 5, 3)], (5, 5, 3), 3, 6),
    ('BatchNormalization', {'axis': 1}, [(4, 6)], (4, 6), 8, 8),
    ('LayerNormalization', {}, [(7, 6)], (7, 6), 12, 0),
    ('LayerNormalization', {'scale': False}, [(6,)], (6,), 6, 0),
    ('PReLU', {}, [(4, 3)], (4, 3), 12, 0),
    ('PReLU', {'shared_axes': [1, 2]}, [(5, 4, 3)], (5, 4, 3), 3, 0),
    ('PReLU', {'shared_axes': 1}, [(None, 3)], (None, 3), 3, 0),
    ('Rescaling', {'scale': 0.5}, [(4, 3)], (4, 3), 0, 0),
    ('Rescaling', {'scale': [1.0, 2.0, 3.0], 'offset': [0.0, 1.0, 2.0]}, [(4, 3)], (4, 3), 0, 0),
    ('Normalization', {}, [(4, 3)], (4, 3), 0, 7),
    ('Normalization', {'axis': None}, [(4, 3)], (4, 3), 0, 3),
    ('Normalization', {'axis': [1, 2]}, [(4, 3)], (4, 3), 0, 25),
    ('Normalization', {'axis': [1, -1]}, [(4, 5, 3)], (4, 5, 3), 0, 25),
    ('Normalization', {'mean': 1.0, 'variance': 2.0}, [(4, 3)], (4, 3), 0, 0),
    ('Normalization', {'mean': [1.0, 2.0, 3.0], 'variance': [1.0, 4.0, 9.0]}, [(4, 3)], (4, 3), 0, 0),
    ('GroupNormalization', {'groups': 2}, [(4, 6)], (4, 6), 12, 0),
    ('GroupNormalization', {}, [(4, 64)], (4, 64), 128, 0),
    ('GroupNormalization', {'groups': -1}, [(5, 5, 6)], (5, 5, 6), 12, 0),
    ('GroupNormalization', {'groups': 2, 'axis': 1}, [(4, 5, 6)], (4, 5, 6), 8, 0),
    ('GroupNormalization', {'groups': 3, 'center': False}, [(5, 5, 6)], (5, 5, 6), 6, 0),
    ('UnitNormalization', {}, [(4, 6)], (4, 6), 0, 0),
    ('UnitNormalization', {'axis': [1, 2]}, [(4, 6)], (4, 6), 0, 0),
    ('LayerNormalization', {'axis': [1, 2]}, [(4, 5, 3)], (4, 5, 3), 40, 0),
    ('LayerNormalization', {'axis': [-1, 1]}, [(4, 5, 3)], (4, 5, 3), 24, 0),
    ('Concatenate', {}, [(3,), (4,), (5,)], (12,), 0, 0),
    ('Concatenate', {'axis': 1}, [(2, 3), (4, 3)], (6, 3), 0, 0),
    ('Add', {}, [(4, 3), (4, 3)], (4, 3), 0, 0),
    ('Add', {}, [(4, 3), (1, 3)], (4, 3), 0, 0),
    ('Subtract', {}, [(5,), (5,)], (5,), 0, 0),
    ('Multiply', {}, [(2, 2), (2, 2), (2, 2)], (2, 2), 0, 0),
    ('Average', {}, [(None, 4), (None, 4)], (None, 4), 0, 0),
    ('MultiHeadAttention', {'num_heads': 2, 'key_dim': 4}, [(5, 8), (6, 8)], (5, 8), 288, 0),
    ('MultiHeadAttention', {'num_heads': 3, 'key_dim': 2, 'value_dim': 5, 'use_bias': False}, [(5, 8), (6, 7), (6, 3)], (5, 8), 291, 0),
    ('MultiHeadAttention', {'num_heads': 2, 'key_dim': 3, 'output_shape': 10}, [(None, 6), (None, 6)], (None, 10), 196, 0),
    ('MultiHeadAttention', {'num_heads': 2, 'key_dim': 4, 'use_causal_mask': True}, [(5, 8)], (5, 8), 288, 0),
    ('Dot', {'axes': 1}, [(5,), (5,)], (1,), 0, 0),
    ('Dot', {'axes': [2, 2]}, [(3, 4), (6, 4)], (3, 6), 0, 0),
    ('Dot', {'axes': [1, 2]}, [(4, 3), (2, 4)], (3, 2), 0, 0),
    ('Dot', {'axes': -1, 'normalize': True}, [(3, 4), (3, 4)], (3, 3), 0, 0),
    ('Dot', {'axes': [1, 1]}, [(None, 4), (None, 5)], (4, 5), 0, 0),
    ('Attention', {}, [(3, 4), (5, 6), (5, 4)], (3, 6), 0, 0),
    ('Attention', {'use_scale': True, 'score_mode': 'concat'}, [(3, 4), (5, 4)], (3, 4), 2, 0),
    ('AdditiveAttention', {}, [(None, 4), (None, 4)], (None, 4), 4, 0),
    ('AdditiveAttention', {'use_scale': False}, [(3, 4), (5, 4)], (3, 4), 0, 0),
    ('TimeDistributed', {'layer': {'type': 'Dense', 'units': 3}}, [(5, 4)], (5, 3), 15, 0),
    ('TimeDistributed', {'layer': {'type': 'Conv2D', 'filters': 2, 'kernel_size': 3}}, [(4, 6, 6, 2)], (4, 4, 4, 2), 38, 0),
    ('TimeDistributed', {'layer': {'type': 'LSTM', 'units': 2}}, [(None, 5, 3)], (None, 2), 48, 0),
    ('Masking', {}, [(None, 3)], (None, 3), 0, 0),
    ('Masking', {'mask_value': -1.0}, [(4, 5, 2)], (4, 5, 2), 0, 0),
    ('Embedding', {'input_dim': 10, 'output_dim': 3, 'mask_zero': True}, [(None,)], (None, 3), 30, 0),
]

# kind, arguments, input shapes, which inputs carry a mask, whether Keras' output carries one:
# read from real Keras 3.15 (`output._keras_mask` of the layer called on `keras.Input`s, masked
# inputs through `keras.layers.Masking`). The Keras back end checks every node of every model
# it builds against the core's answer too.
KERAS_MASKS = [
    ('PReLU', {}, [(6, 4)], (True,), True),
    ('GroupNormalization', {'groups': 2}, [(6, 4)], (True,), True),
    ('UnitNormalization', {}, [(6, 4)], (True,), True),
    ('Rescaling', {'scale': 0.5, 'offset': 1.0}, [(6, 4)], (True,), True),
    ('Normalization', {'mean': 0.5, 'variance': 2.0}, [(6, 4)], (True,), True),
    ('Normalization', {}, [(6, 4)], (True,), True),
    ('Dense', {'units': 3}, [(6, 4)], (True,), True),
    ('Dense', {'units': 3}, [(4,)], (True,), True),
    ('Dropout', {'rate': 0.5}, [(6, 4)], (True,), True),
    ('Activation', {'activation': 'softmax'}, [(6, 4)], (True,), True),
    ('Identity', {}, [(6, 4)], (True,), True),
    ('Flatten', {}, [(6, 4)], (True,), False),
    ('Reshape', {'target_shape': [24]}, [(6, 4)], (True,), False),
    ('Permute', {'dims': [2, 1]}, [(6, 4)], (True,), False),
    ('Embedding', {'input_dim': 10, 'output_dim': 3, 'mask_zero': True}, [(6,)], (False,), True),
    ('Embedding', {'input_dim': 10, 'output_dim': 3}, [(6,)], (False,), False),
    ('Masking', {}, [(6, 4)], (False,), True),
    ('Masking', {'mask_value': 2.0}, [(4,)], (False,), True),
    ('Masking', {}, [(6, 4)], (True,), True),
    ('ReLU', {}, [(6, 4)], (True,), True),
    ('LeakyReLU', {}, [(6, 4)], (True,), True),
    ('ELU', {}, [(6, 4)], (True,), True),
    ('Softmax', {}, [(6, 4)], (False,), False),
    ('Conv1D', {'filters': 2, 'kernel_size': 3, 'padding': 'same'}, [(6, 4)], (True,), False),
    ('SeparableConv1D', {'filters': 2, 'kernel_size': 3}, [(6, 4)], (True,), False),
    ('DepthwiseConv1D', {'kernel_size': 3}, [(6, 4)], (True,), False),
    ('Conv1DTranspose', {'filters': 2, 'kernel_size': 3}, [(6, 4)], (True,), False),
    ('MaxPooling1D', {'pool_size': 2}, [(6, 4)], (True,), False),
    ('AveragePooling1D', {'pool_size': 2}, [(6, 4)], (True,), False),
    ('GlobalAveragePooling1D', {}, [(6, 4)], (True,), False),
    ('GlobalAveragePooling1D', {'keepdims': True}, [(6, 4)], (True,), False),
    ('GlobalMaxPooling1D', {}, [(6, 4)], (True,), False),
    ('ZeroPadding1D', {}, [(6, 4)], (True,), False),
    ('Cropping1D', {}, [(6, 4)], (True,), False),
    ('UpSampling1D', {}, [(6, 4)], (True,), False),
    ('RepeatVector', {'n': 2}, [(4,)], (True,), False),
    ('SpatialDropout1D', {'rate': 0.5}, [(6, 4)], (True,), True),
    ('GaussianNoise', {'stddev': 0.1}, [(6, 4)], (True,), True),
    ('GaussianDropout', {'rate': 0.1}, [(6, 4)], (True,), True),
    ('AlphaDropout', {'rate': 0.1}, [(6, 4)], (True,), True),
    ('BatchNormalization', {}, [(6, 4)], (True,), True),
    ('LayerNormalization', {}, [(6, 4)], (True,), True),
    ('LSTM', {'units': 2}, [(6, 4)], (True,), False),
    ('LSTM', {'units': 2, 'return_sequences': True}, [(6, 4)], (True,), True),
    ('GRU', {'units': 2, 'return_sequences': True, 'go_backwards': True}, [(6, 4)], (True,), True),
    ('SimpleRNN', {'units': 2}, [(6, 4)], (True,), False),
    ('Bidirectional', {'layer': {'type': 'LSTM', 'units': 2}}, [(6, 4)], (True,), False),
    ('Bidirectional', {'layer': {'type': 'GRU', 'units': 2, 'return_sequences': True}, 'merge_mode': 'sum'}, [(6, 4)], (True,), True),
    ('TimeDistributed', {'layer': {'type': 'Dense', 'units': 2}}, [(6, 4)], (True,), True),
    ('Add', {}, [(6, 4), (6, 4)], (True, True), True),
    ('Add', {}, [(6, 4), (6, 4)], (True, False), False),
    ('Subtract', {}, [(6, 4), (6, 4)], (False, True), False),
    ('Average', {}, [(6, 4), (6, 4), (6, 4)], (True, True, True), True),
    ('Multiply', {}, [(6, 4), (6, 4)], (True, False), False),
    ('Maximum', {}, [(6, 4), (6, 4)], (True, True), True),
    ('Minimum', {}, [(6, 4), (6, 4)], (False, True), False),
    ('Concatenate', {}, [(6, 4), (6, 2)], (False, True), True),
    ('Concatenate', {'axis': 1}, [(6, 4), (3, 4)], (True, False), True),
    ('Dot', {'axes': 2}, [(6, 4), (6, 4)], (True, True), False),
    ('Attention', {}, [(6, 4), (5, 4)], (True, False), True),
    ('Attention', {}, [(6, 4), (5, 4)], (False, True), False),
    ('AdditiveAttention', {}, [(6, 4), (5, 4), (5, 4)], (True, True, True), True),
    ('MultiHeadAttention', {'num_heads': 2, 'key_dim': 2}, [(6, 4)], (True,), True),
    ('MultiHeadAttention', {'num_heads': 2, 'key_dim': 2}, [(6, 4), (5, 4)], (False, True), False),
]


# Kinds of several outputs or with inputs by role, from real Keras 3.15 the same way: kind,
# arguments, positional input shapes, keyword roles' shapes (`layer(x, initial_state=[h, c])`,
# `attention_mask=m`, Attention's `mask=[None, value_mask]`), Keras' output shapes (one per
# output, in Keras' order), trainable, non-trainable
KERAS_OUTPUT_FIGURES = [
    ('LSTM', {'units': 4, 'return_state': True}, [(5, 2)], {}, ((4,), (4,), (4,)), 112, 0),
    ('LSTM', {'units': 3, 'return_state': True, 'return_sequences': True}, [(None, 2)], {'initial_state': [(3,), (3,)]}, ((None, 3), (3,), (3,)), 72, 0),
    ('LSTM', {'units': 3}, [(4, 2)], {'initial_state': [(3,), (3,)]}, ((3,),), 72, 0),
    ('GRU', {'units': 5, 'return_state': True, 'return_sequences': True}, [(4, 3)], {}, ((4, 5), (5,)), 150, 0),
    ('GRU', {'units': 2, 'reset_after': False}, [(4, 3)], {'initial_state': [(2,)]}, ((2,),), 36, 0),
    ('SimpleRNN', {'units': 4, 'return_state': True}, [(6, 2)], {}, ((4,), (4,)), 28, 0),
    ('SimpleRNN', {'units': 2, 'return_state': True, 'go_backwards': True}, [(None, 3)], {'initial_state': [(2,)]}, ((2,), (2,)), 12, 0),
    ('Bidirectional', {'layer': {'type': 'LSTM', 'units': 3, 'return_state': True}}, [(5, 2)], {}, ((6,), (3,), (3,), (3,), (3,)), 144, 0),
    ('Bidirectional', {'layer': {'type': 'GRU', 'units': 3, 'return_state': True, 'return_sequences': True}, 'merge_mode': 'sum'}, [(None, 2)], {}, ((None, 3), (3,), (3,)), 126, 0),
    ('Bidirectional', {'layer': {'type': 'SimpleRNN', 'units': 2}}, [(4, 3)], {'initial_state': [(2,), (2,)]}, ((4,),), 24, 0),
    ('Bidirectional', {'layer': {'type': 'LSTM', 'units': 2, 'return_state': True}, 'merge_mode': 'ave'}, [(4, 3)], {'initial_state': [(2,), (2,), (2,), (2,)]}, ((2,), (2,), (2,), (2,), (2,)), 96, 0),
    ('MultiHeadAttention', {'num_heads': 2, 'key_dim': 4}, [(5, 8), (6, 8)], {'attention_mask': (5, 6)}, ((5, 8),), 288, 0),
    ('MultiHeadAttention', {'num_heads': 2, 'key_dim': 3, 'use_causal_mask': True}, [(None, 6)], {'attention_mask': (None, None)}, ((None, 6),), 168, 0),
    ('Attention', {}, [(3, 4), (5, 4)], {'value_mask': (5,)}, ((3, 4),), 0, 0),
    ('AdditiveAttention', {'use_scale': True}, [(3, 4), (5, 4), (5, 4)], {'value_mask': (5,)}, ((3, 4),), 4, 0),
]

def build(kind, args):
    return REGISTRY[kind].model_validate({"type": kind, **args})


@pytest.mark.parametrize("kind, args, inputs, shape, trainable, frozen", KERAS_FIGURES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(KERAS_FIGURES)])  # fmt: skip
def test_shape_and_parameter_rules_match_keras(kind, args, inputs, shape, trainable, frozen):
    layer = build(kind, args)
    assert layer.output_shape(*inputs) == shape
    weights = layer.weights(*inputs)
    assert sum(w.size for w in weights.values() if w.trainable) == trainable
    assert sum(w.size for w in weights.values() if not w.trainable) == frozen



@pytest.mark.parametrize("kind, args, inputs, roles, shapes, trainable, frozen", KERAS_OUTPUT_FIGURES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(KERAS_OUTPUT_FIGURES)])  # fmt: skip
def test_every_output_and_role_matches_keras(kind, args, inputs, roles, shapes, trainable, frozen):
    layer = build(kind, args)
    assert layer.output_shapes(*inputs, **roles) == shapes
    assert len(layer.output_names()) == len(shapes)
    weights = layer.weights(*inputs)
    assert sum(w.size for w in weights.values() if w.trainable) == trainable
    assert sum(w.size for w in weights.values() if not w.trainable) == frozen


def test_outputs_are_named_in_keras_order():
    assert build("LSTM", {"units": 2, "return_state": True}).output_names() == ("output", "state_h", "state_c")
    assert build("GRU", {"units": 2, "return_state": True}).output_names() == ("output", "state")
    assert build("SimpleRNN", {"units": 2}).output_names() == ("output",)
    assert build("Bidirectional", {"layer": {"type": "LSTM", "units": 2, "return_state": True}}).output_names() == (
        "output", "forward_state_h", "forward_state_c", "backward_state_h", "backward_state_c")
    assert build("Bidirectional", {"layer": {"type": "GRU", "units": 2, "return_state": True}}).output_names() == (
        "output", "forward_state", "backward_state")
    assert [r.name for r in build("MultiHeadAttention", {"num_heads": 1, "key_dim": 2}).roles] == [
        "query", "value", "key", "attention_mask"]


@pytest.mark.parametrize("kind, args, inputs, masked, keras", KERAS_MASKS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(KERAS_MASKS)])  # fmt: skip
def test_mask_rules_match_keras(kind, args, inputs, masked, keras):
    assert build(kind, args).compute_mask(masked, *inputs) is keras


# Masks with inputs by role, from Keras 3.15 as above: given an initial_state, an RNN's returned
# sequence keeps its input's mask (though Keras does not skip the masked steps then); an explicit
# value_mask replaces Attention's implicit masks (mask=[None, value_mask]: no output mask); an
# attention_mask is ANDed with MultiHeadAttention's implicit ones (the query's mask on the output).
KERAS_ROLE_MASKS = [
    ('LSTM', {'units': 2, 'return_sequences': True}, [(6, 3)], {'initial_state': [(2,), (2,)]}, (True,), True),
    ('LSTM', {'units': 2, 'return_sequences': True, 'return_state': True}, [(6, 3)], {}, (True,), True),
    ('Attention', {}, [(6, 3), (6, 3)], {'value_mask': (6,)}, (True, True), False),
    ('MultiHeadAttention', {'num_heads': 1, 'key_dim': 2}, [(6, 3), (6, 3)], {'attention_mask': (6, 6)}, (True, True), True),
]


@pytest.mark.parametrize("kind, args, inputs, roles, masked, keras", KERAS_ROLE_MASKS,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(KERAS_ROLE_MASKS)])  # fmt: skip
def test_mask_rules_with_inputs_by_role_match_keras(kind, args, inputs, roles, masked, keras):
    assert build(kind, args).compute_mask(masked, *inputs, **roles) is keras


@pytest.mark.parametrize(
    "kind, args, inputs, masked, reason",
    [
        ("Softmax", {}, [(6, 4)], (True,), "Keras' Softmax applies a mask along its own axis"),
        ("TimeDistributed", {"layer": {"type": "LSTM", "units": 2}}, [(6, 5, 4)], (True,),
         "fits only a wrapped layer that passes a mask on without reading it (Dense, Dropout, activations), not LSTM"),
        ("TimeDistributed", {"layer": {"type": "Flatten"}}, [(6, 5, 4)], (True,), "not Flatten"),
        ("MultiHeadAttention", {"num_heads": 2, "key_dim": 2}, [(3, 6, 4)], (True,), "for inputs of rank 2"),
        ("MultiHeadAttention", {"num_heads": 2, "key_dim": 2}, [(6, 4), (3, 5, 4)], (False, True), "for inputs of rank 2"),
    ],
)  # fmt: skip
def test_masks_a_kind_cannot_take_are_shape_errors(kind, args, inputs, masked, reason):
    with pytest.raises(ShapeError, match=f"^{kind} cannot take a masked input") as info:
        build(kind, args).compute_mask(masked, *inputs)
    assert reason in str(info.value)


def test_every_kind_has_a_keras_figure():
    assert {case[0] for case in KERAS_FIGURES} == set(REGISTRY)


def test_weight_names_are_keras_names():
    assert list(build("LSTM", {"units": 2}).weights((3, 4))) == ["kernel", "recurrent_kernel", "bias"]
    assert build("GRU", {"units": 2}).weights((3, 4))["bias"].shape == (2, 6)
    assert list(build("BatchNormalization", {}).weights((3,))) == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert build("Conv2DTranspose", {"filters": 5, "kernel_size": 3}).weights((4, 4, 2))["kernel"].shape == (3, 3, 5, 2)
    assert build("Conv2D", {"filters": 6, "kernel_size": 3, "groups": 3}).weights((4, 4, 9))["kernel"].shape == (3, 3, 3, 6)
    assert build("Conv3DTranspose", {"filters": 5, "kernel_size": [1, 2, 3]}).weights((4, 4, 4, 2))["kernel"].shape == (1, 2, 3, 5, 2)
    separable = build("SeparableConv2D", {"filters": 5, "kernel_size": 3, "depth_multiplier": 2}).weights((4, 4, 3))
    assert {k: w.shape for k, w in separable.items()} == {
        "depthwise_kernel": (3, 3, 3, 2), "pointwise_kernel": (1, 1, 6, 5), "bias": (5,)}
    assert list(build("Normalization", {}).weights((3,))) == ["mean", "variance", "count"]
    assert build("LayerNormalization", {"axis": [-1, 1]}).weights((4, 5, 3))["gamma"].shape == (3, 4)  # Keras' sorted(axis)
    assert build("PReLU", {"shared_axes": [1]}).weights((5, 4, 3))["alpha"].shape == (1, 4, 3)
    assert list(build("Bidirectional", {"layer": {"type": "SimpleRNN", "units": 2}}).weights((3, 4)))[:2] == [
        "forward_kernel", "forward_recurrent_kernel"]


@pytest.mark.parametrize(
    "kind, args, inputs, message",
    [
        ("Dense", {"units": 3}, [(None,)], "Dense needs a known last dimension (input features), got None (any length)"),
        ("Conv2D", {"filters": 2, "kernel_size": 3}, [(32,)], "Conv2D expects inputs of rank 3 (height, width, channels) (batch excluded), got shape (32,)"),
        ("Conv1D", {"filters": 2, "kernel_size": 3}, [(4, None)], "Conv1D needs a known channel dimension (last axis), got None (any length)"),
        ("LSTM", {"units": 2}, [(5,)], "LSTM expects inputs of rank 2 (timesteps, features) (batch excluded), got shape (5,)"),
        ("Reshape", {"target_shape": [5, 5]}, [(4, 6)], "Reshape target_shape (5, 5) holds 25 values but the input (4, 6) has 24"),
        ("Reshape", {"target_shape": [5, -1]}, [(4, 6)], "Reshape cannot fit 24 values of (4, 6) into target_shape (5, -1): 24 is not a multiple of 5"),
        ("Permute", {"dims": [2, 1]}, [(2, 3, 4)], "Permute expects inputs of rank 2 (batch excluded), got shape (2, 3, 4)"),
        ("Add", {}, [(32,), (64,)], "Add needs inputs of the same shape, got (32,) and (64,)"),
        ("Multiply", {}, [(3,), (3, 1)], "Multiply needs inputs of the same rank, got (3,) and (3, 1)"),
        ("Concatenate", {}, [(2, 3), (4, 3)], "Concatenate along axis -1 needs the other dimensions to agree, got (2, 3), (4, 3)"),
        ("BatchNormalization", {"axis": 3}, [(4, 6)], "BatchNormalization axis 3 is out of range for input (4, 6) (axes 1..2 or -1..-2; 0 is the batch)"),
        ("GroupNormalization", {"groups": 4}, [(5, 6)], "GroupNormalization groups=4 must divide the 6 channels along axis -1 of input (5, 6)"),
        ("GroupNormalization", {"axis": 0}, [(5, 6)], "GroupNormalization axis 0 is out of range for input (5, 6) (axes 1..2 or -1..-2; 0 is the batch)"),
        ("LayerNormalization", {"axis": [1, -2]}, [(5, 6)], "LayerNormalization axis [-2, 1] names an axis twice"),
        ("UnitNormalization", {"axis": [1, 3]}, [(5, 6)], "UnitNormalization axis [1, 3] is out of range for input (5, 6) (axes 1..2 or -1..-2; 0 is the batch)"),
        ("PReLU", {"shared_axes": [3]}, [(5, 6)], "PReLU shared_axes [3] are out of range for input (5, 6) (axes 1..2; 0 is the batch)"),
        ("PReLU", {"shared_axes": [2]}, [(None, 6)], "PReLU needs a known length on every axis it does not share, got input (None, 6) with shared_axes [2]"),
        ("Rescaling", {"scale": [1.0, 2.0]}, [(4, 3)], "Rescaling scale has 2 values for input (4, 3) with 3 channels (the last axis): give one value, or one per channel"),
        ("Normalization", {}, [(4, None)], "Normalization needs a known length on kept axis 2, got input (4, None)"),
        ("Normalization", {"axis": 0}, [(4, 3)], "Normalization axis 0 is out of range for input (4, 3) (axes 1..2 or -1..-2; 0 is the batch)"),
        ("Normalization", {"mean": [1.0, 2.0], "variance": [1.0, 1.0]}, [(4, 3)], "Normalization mean and variance of shape (2,) do not broadcast to the kept axes' lengths (3,)"),
        ("MultiHeadAttention", {"num_heads": 2, "key_dim": 2}, [(5, 4), (6, 4), (7, 4)], "MultiHeadAttention needs value and key with the same steps, got value (6, 4) and key (7, 4)"),
        ("GlobalAveragePooling2D", {}, [(4, 3)], "GlobalAveragePooling2D expects inputs of rank 3 (height, width, channels) (batch excluded), got shape (4, 3)"),
        ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 2}, [(4, 4, 1)], "Conv2DTranspose output_padding 2 must be smaller than strides 2"),
        ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": [2, 3], "output_padding": [1, 3]}, [(4, 4, 1)], "Conv2DTranspose output_padding (1, 3) must be smaller than strides (2, 3)"),
        ("Conv1DTranspose", {"filters": 2, "kernel_size": 4, "strides": 2, "padding": "same", "output_padding": 0}, [(4, 1)], "Conv1DTranspose with padding same cannot take output_padding 0 on an axis whose kernel spans an even number of cells (spans (4,), output_padding 0): TensorFlow cannot compute Keras' length (n - 1) * strides there; give 1 or more, or leave output_padding unset"),
        ("Conv2D", {"filters": 4, "kernel_size": 3, "groups": 2}, [(6, 6, 3)], "Conv2D needs input channels divisible by groups=2, got 3 channels"),
        ("Conv3D", {"filters": 2, "kernel_size": 3}, [(6, 6, 3)], "Conv3D expects inputs of rank 4 (depth, height, width, channels) (batch excluded), got shape (6, 6, 3)"),
        ("SeparableConv1D", {"filters": 2, "kernel_size": 3}, [(6, None)], "SeparableConv1D needs a known channel dimension (last axis), got None (any length)"),
        ("MaxPooling3D", {}, [(4, 4, 3)], "MaxPooling3D expects inputs of rank 4 (depth, height, width, channels) (batch excluded), got shape (4, 4, 3)"),
        ("SpatialDropout2D", {"rate": 0.5}, [(4, 3)], "SpatialDropout2D expects inputs of rank 3 (height, width, channels) (batch excluded), got shape (4, 3)"),
        ("Dropout", {"rate": 0.5, "noise_shape": [None, 2, 3]}, [(4, 3)], "Dropout noise_shape [null, 2, 3] for inputs (None, 4, 3): axis 1 is of length 4, its entry must be null or 1"),
        ("Dropout", {"rate": 0.5, "noise_shape": [None, 1, 1, 3]}, [(4, 3)], "Dropout noise_shape [null, 1, 1, 3] for inputs (None, 4, 3): one entry per input axis at most, batch first"),
        ("Dropout", {"rate": 0.5, "noise_shape": [None, 3]}, [(4, 3)], "Dropout noise_shape [null, 3] for inputs (None, 4, 3): null entries need one entry per input axis, batch first (3 entries)"),
        ("Dropout", {"rate": 0.5, "noise_shape": [8, 1, 3]}, [(4, 3)], "Dropout noise_shape [8, 1, 3] for inputs (None, 4, 3): the batch entry must be null or 1"),
        ("AlphaDropout", {"rate": 0.5, "noise_shape": [None, 4, None]}, [(None, 3)], "AlphaDropout noise_shape [null, 4, null] for inputs (None, None, 3): axis 1 is of unknown length, its entry must be null or 1"),
    ],
)
def test_shape_errors_say_why(kind, args, inputs, message):
    with pytest.raises(ShapeError) as info:
        layer = build(kind, args)
        layer.output_shape(*inputs)
        layer.weights(*inputs)
    assert str(info.value) == message



@pytest.mark.parametrize(
    "kind, args, inputs, roles, at, message",
    [
        ("LSTM", {"units": 3}, [(4, 2)], {"initial_state": [(3,)]}, ("initial_state", None),
         "LSTM initial_state takes 2 tensor(s) (state_h, state_c), got 1"),
        ("LSTM", {"units": 3}, [(4, 2)], {"initial_state": [(3,), (4,)]}, ("initial_state", 1),
         "LSTM initial_state state_c must be of shape (3,) (the layer's units), got (4,)"),
        ("GRU", {"units": 3}, [(4, 2)], {"initial_state": [(None,)]}, ("initial_state", 0),
         "GRU initial_state state must be of shape (3,) (the layer's units), got (None,)"),
        ("Bidirectional", {"layer": {"type": "LSTM", "units": 2}}, [(4, 2)], {"initial_state": [(2,), (2,)]},
         ("initial_state", None), "Bidirectional initial_state takes 4 tensor(s) (forward_state_h, forward_state_c, "
                                  "backward_state_h, backward_state_c), got 2"),
        ("MultiHeadAttention", {"num_heads": 2, "key_dim": 2}, [(5, 4), (6, 4)], {"attention_mask": (6, 5)},
         ("attention_mask", None), "MultiHeadAttention attention_mask must be of shape (query steps, value steps) "
                                   "= (5, 6), got (6, 5)"),
        ("MultiHeadAttention", {"num_heads": 2, "key_dim": 2}, [(2, 5, 4)], {"attention_mask": (5, 5)},
         ("attention_mask", None), "MultiHeadAttention attention_mask needs query and value of rank 2 (steps, "
                                   "features), got (2, 5, 4) and (2, 5, 4)"),
        ("Attention", {}, [(3, 4), (5, 4)], {"value_mask": (3,)}, ("value_mask", None),
         "Attention value_mask must be of shape (value steps,) = (5,), got (3,)"),
    ],
)  # fmt: skip
def test_role_shape_errors_name_the_role_at_fault(kind, args, inputs, roles, at, message):
    with pytest.raises(ShapeError) as info:
        build(kind, args).output_shapes(*inputs, **roles)
    assert (str(info.value), info.value.role, info.value.index) == (message, *at)

@pytest.mark.parametrize(
    "kind, args, message",
    [
        ("Dense", {"units": -1}, "greater than 0"),
        ("Dropout", {"rate": 1.0}, "less than 1"),
        ("Conv2D", {"filters": 2, "kernel_size": 3, "padding": "causal"}, "'valid' or 'same'"),
        ("Conv2D", {"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, "strides > 1 with dilation_rate > 1"),
        ("Conv2D", {"filters": 2, "kernel_size": [3, 3, 3]}, "kernel_size"),
        ("Conv1D", {"filters": 2, "kernel_size": [3, 3]}, "kernel_size"),
        ("Conv3D", {"filters": 2, "kernel_size": [3, 3]}, "kernel_size"),
        ("Conv2D", {"filters": 3, "kernel_size": 3, "groups": 2}, "filters must divide evenly into groups"),
        ("Conv3D", {"filters": 2, "kernel_size": 3, "padding": "causal"}, "'valid' or 'same'"),
        ("Conv1DTranspose", {"filters": 2, "kernel_size": 3, "padding": "causal"}, "'valid' or 'same'"),
        ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "output_padding": [1, 1, 1]}, "output_padding needs 2 values"),
        ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "output_padding": -1}, "greater than or equal to 0"),
        ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "groups": 2}, "Extra inputs are not permitted"),
        ("Conv3DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, "strides > 1 with dilation_rate > 1"),
        ("DepthwiseConv1D", {"kernel_size": 3, "padding": "causal"}, "'valid' or 'same'"),
        ("SeparableConv2D", {"filters": 2, "kernel_size": 3, "padding": "causal"}, "'valid' or 'same'"),
        ("Reshape", {"target_shape": [-1, -1]}, "-1 only once"),
        ("Permute", {"dims": [1, 3]}, "permutation of 1..2"),
        ("Bidirectional", {"layer": {"type": "Dense", "units": 2}}, "does not match any of the expected tags"),
        ("Bidirectional", {"layer": {"type": "LSTM", "units": 2, "go_backwards": True}}, "must read forwards"),
        ("TimeDistributed", {"layer": {"type": "GRU", "units": 2, "return_state": True}}, "a layer of one output"),
        ("BatchNormalization", {"momentum": 1.5}, "less than or equal to 1"),
        ("AveragePooling3D", {}, "pool_size"),
        ("AveragePooling2D", {}, "pool_size"),
        ("MaxPooling3D", {"pool_size": [2, 2]}, "pool_size"),
        ("MaxPooling1D", {"pool_size": [3, 2]}, "pool_size"),
        ("ZeroPadding3D", {"padding": [1, 2]}, "padding"),
        ("Cropping3D", {"cropping": -1}, "cropping"),
        ("UpSampling3D", {"size": [2, 2]}, "size"),
        ("GaussianNoise", {"stddev": 1.5}, "less than or equal to 1"),
        ("GaussianDropout", {"rate": 1.0}, "less than 1"),
        ("AlphaDropout", {"rate": 1.0}, "less than 1"),
        ("SpatialDropout3D", {"rate": -0.1}, "greater than or equal to 0"),
        ("Dropout", {"rate": 0.5, "noise_shape": [None, 0]}, "greater than 0"),
        ("BatchNormalization", {"axis": [1, 2]}, "valid integer"),
        ("GroupNormalization", {"groups": 0}, "groups must be a positive integer, or -1"),
        ("PReLU", {"shared_axes": [-1]}, "greater than 0"),
        ("Normalization", {"mean": 1.0}, "mean and variance must be given together"),
        ("Normalization", {"mean": [1.0, 2.0], "variance": [1.0]}, "the same shape"),
        ("Normalization", {"mean": [[1.0, 2.0]], "variance": [[1.0, 2.0]]}, "more than the 1 axes"),
        ("Normalization", {"mean": 0.0, "variance": -1.0}, "must not be negative"),
        ("UnitNormalization", {"axis": []}, "at least 1 item"),
    ],
)
def test_bad_arguments_are_validation_errors(kind, args, message):
    with pytest.raises(ValidationError, match=message):
        build(kind, args)
