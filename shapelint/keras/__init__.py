"""Keras semantics for the interpreter: Keras values and their kinds, the meaning of Keras
names, layer and op calls, and the events analyses read. The core (:mod:`shapelint.interp`)
knows none of this; it calls in through :class:`~shapelint.interp.host.Semantics`."""
