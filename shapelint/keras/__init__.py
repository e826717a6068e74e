"""Keras semantics for the interpreter: Keras values and their kinds, the meaning of Keras
names, layer and op calls, and the events analyses read. The core (:mod:`shapelint.interp`)
knows none of this; it calls in through :class:`~shapelint.interp.host.Semantics`.

Importing the package registers the Keras value kinds, so no Keras value exists without its
kind (the kinds need the semantics, which therefore cannot be what registers them)."""

from shapelint.keras import kinds as _kinds  # noqa: F401  (registers the Keras value kinds)
