"""Python operators and tensor methods that act as ops on tensors: one home for the list
the runtime applies and ``shapelint layers`` prints."""
from __future__ import annotations

# Operators that broadcast their operands (the shift operators give an unknown shape).
BROADCASTING = ("+", "-", "*", "/", "//", "%", "**", "&", "|", "^", "@")
# Comparisons that are element-wise on tensors (== and != compare identities on a KerasTensor).
ORDERINGS = ("<", "<=", ">", ">=")
# Tensor methods, and the op each one is (None: answered from the shape itself).
TENSOR_METHODS = {"get_shape": None, "reshape": "keras.ops.reshape", "squeeze": "keras.ops.squeeze"}
