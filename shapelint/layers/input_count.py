"""Layers that Keras 3 refuses to call on several tensors.

A layer whose ``__init__`` sets an ``input_spec`` checks, before anything else in
``__call__``, that it is given as many tensors as its spec describes: one. Called on a list
of two tensors it raises ``Layer "dense" expects 1 input(s), but it received 2 input
tensors``, whatever their shapes. Layers without an ``input_spec`` (activations, dropout,
Lambda, most preprocessing) map over the list or fail in ways that depend on the shapes;
they are not listed, nor are the wrappers whose spec is their wrapped layer's (Bidirectional,
SpectralNormalization, Pipeline: ``RNN(cell)`` and ``Dense`` inside them fail otherwise).
``tests/keras/test_input_count.py`` proves the list against Keras,
layer by layer.
"""
from __future__ import annotations

ONE_INPUT = frozenset({
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
    "Conv1D", "Conv1DTranspose", "Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose",
    "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "Cropping1D", "Cropping2D", "Cropping3D",
    "Dense", "DepthwiseConv1D", "DepthwiseConv2D", "Flatten", "GRU",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "LSTM",
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "Permute", "RepeatVector",
    "SeparableConv1D", "SeparableConv2D", "SimpleRNN",
    "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
    "UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D",
    "ZeroPadding3D",
})
