"""Shapes through the functions model code calls on tensors: ``keras.ops``, ``tf.*``
(``tf.math``, ``tf.nn``, ``tf.linalg``) and the Keras 2 backend ``K.*``.

:mod:`shapelint.ops.table` is the declarative table (one :class:`~shapelint.ops.spec.OpSpec`
per op, grouped by family modules); :mod:`shapelint.keras.op_runtime` wires it to the
interpreter (calls, operators, indexing, tensor attributes, Lambda layers).
"""
