"""shapelint: find tensor-shape mistakes in Keras model code without running it."""

__version__ = "0.1.0"
