"""Region tables as Arrow tables (what the Parquet and CSV writers write)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from thamani.synth.region import Column, Table

_INT_TYPES = {
    "int8": pa.int8(),
    "int16": pa.int16(),
    "int32": pa.int32(),
    "int64": pa.int64(),
}


def column_array(c: Column, dictionary: bool = True) -> pa.Array:
    """One column as an Arrow array: codes as dictionary strings, missing values as null."""
    v = c.values
    if c.type == "code":
        idx = v.astype(np.int32)
        mask = idx < 0
        labels = pa.array(list(c.labels), type=pa.string())
        indices = pa.array(np.where(mask, 0, idx), type=pa.int32(), mask=mask)
        arr = pa.DictionaryArray.from_arrays(indices, labels)
        return arr if dictionary else arr.cast(pa.string())
    if c.type == "date":
        mask = np.isnat(v)
        days = np.where(mask, 0, v.astype("datetime64[D]").astype(np.int64)).astype(np.int32)
        return pa.array(days, type=pa.date32(), mask=mask)
    if c.type == "float":
        return pa.array(v, type=pa.float64(), mask=np.isnan(v))
    if c.type == "bool":
        return pa.array(v, type=pa.bool_())
    if c.type == "text":
        return pa.array(v.astype(str) if v.dtype.kind == "U" else v, type=pa.string())
    if c.type in ("id", "money"):
        return pa.array(v.astype(np.int64), type=pa.int64())
    return pa.array(v, type=_INT_TYPES.get(str(v.dtype), pa.int64()))


def arrow_table(t: Table, dictionary: bool = True) -> pa.Table:
    """A region table as an Arrow table, columns in the spec's order."""
    return pa.table({c.name: column_array(c, dictionary) for c in t.columns})
