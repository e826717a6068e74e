"""Arrays: the data side's values (NumPy arrays, datasets, estimators) and the table of the
functions that make and transform them."""
from shapelint.arrays.spec import ArrayType, DatasetType, ObjectType, unknown_array
from shapelint.arrays.table import array_attribute, array_function, array_method, receiver_kind

__all__ = ["ArrayType", "DatasetType", "ObjectType", "array_attribute", "array_function",
           "array_method", "receiver_kind", "unknown_array"]
