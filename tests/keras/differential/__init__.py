"""Helpers of the differential tests against real Keras (tests/keras/test_differential.py)."""
