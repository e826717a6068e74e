"""Data as the interpreter sees it: numpy arrays, datasets and data objects (random
generators, scalers, DataFrames) as values of their own kind, made and transformed by the
array table (:mod:`shapelint.arrays`). The Keras semantics check them against models."""
