"""Helpers of the differential tests against real Keras (tests/test_differential.py)."""
