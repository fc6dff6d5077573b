"""Arrow column builders and the Parquet writer of the demo.

String columns dominate the cost of writing millions of events, so ids are built as fixed-width
byte rows in NumPy and wrapped as Arrow string arrays without a copy, and low-cardinality columns
are gathered from small dictionaries with `pyarrow.compute.take`. Every file is cast to the
canonical schema before it is written, so the lake sees exactly `schema.arrow_schema(table)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from culturebridge.schema import arrow_schema

COMPRESSION = "zstd"
ID_DIGITS = 10  # sequential ids carry ten digits: enough for 10 billion rows

# "00000".."99999" as 5-byte records; sequential ids are two of these side by side.
_FIVE = np.frombuffer(
    "".join(f"{i:05d}" for i in range(100_000)).encode("ascii"), dtype="V5"
).copy()


def _wrap_fixed(data: npt.NDArray[Any], n: int, width: int) -> pa.StringArray:
    """An Arrow string array over `n` records of `width` bytes held contiguously in `data`."""
    if n * width >= 2**31:
        raise ValueError("too many bytes for one string column; use smaller chunks")
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    arr = pa.Array.from_buffers(
        pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(data))]
    )
    assert isinstance(arr, pa.StringArray)
    return arr


def sequential_ids(prefix: str, start: int, n: int) -> pa.StringArray:
    """`prefix` + ten-digit numbers `start .. start+n-1`, e.g. "e0000001234".

    Consecutive numbers repeat their low five digits every 100,000 rows and change their high
    five digits only once per 100,000, so both halves are tiles and runs: no division per row.
    """
    if start < 0 or start + n > 10**ID_DIGITS:
        raise ValueError("sequential ids need 0 <= number < 10**10")
    p = prefix.encode("ascii")
    width = len(p) + ID_DIGITS
    rec = np.dtype(
        {
            "names": ["p", "hi", "lo"],
            "formats": [f"V{len(p)}", "V5", "V5"],
            "offsets": [0, len(p), len(p) + 5],
            "itemsize": width,
        }
    )
    out = np.empty(n, dtype=rec)
    if n == 0:
        return _wrap_fixed(out, 0, width)
    out["p"] = np.frombuffer(p, dtype=f"V{len(p)}")[0]
    lo0 = start % 100_000
    out["lo"] = np.resize(np.roll(_FIVE, -lo0), n)
    hi_first, hi_last = start // 100_000, (start + n - 1) // 100_000
    counts = np.full(hi_last - hi_first + 1, 100_000, dtype=np.int64)
    counts[0] = 100_000 - lo0
    counts[-1] -= counts.sum() - n
    out["hi"] = np.repeat(_FIVE[hi_first : hi_last + 1], counts)
    return _wrap_fixed(out, n, width)


def padded_ids(prefix: str, numbers: npt.NDArray[np.integer], digits: int) -> pa.StringArray:
    """`prefix` + zero-padded `numbers` (any order), e.g. "wx_0000123"; every id equally wide."""
    text = pc.utf8_lpad(pa.array(numbers.astype(np.int64)).cast(pa.string()), digits, "0")
    out = pc.binary_join_element_wise(prefix, text, "")
    arr = out.cast(pa.string())
    assert isinstance(arr, pa.StringArray)
    return arr


class FixedWidth:
    """A table of equally wide strings (ids) from which columns are gathered by index fast."""

    def __init__(self, values: pa.Array | list[str]) -> None:
        arr = (values if isinstance(values, pa.Array) else pa.array(values)).cast(pa.string())
        n = len(arr)
        if n == 0 or arr.null_count:
            raise ValueError("FixedWidth needs a non-empty array without nulls")
        bufs = arr.buffers()
        assert bufs[1] is not None and bufs[2] is not None
        offsets = np.frombuffer(bufs[1], dtype=np.int32)[arr.offset : arr.offset + n + 1]
        widths = np.diff(offsets)
        if (widths != widths[0]).any() or widths[0] == 0:
            raise ValueError("FixedWidth needs strings of one byte length")
        self.width = int(widths[0])
        data = np.frombuffer(bufs[2], dtype=np.uint8)[offsets[0] : offsets[0] + n * self.width]
        self._table = data.copy().view(f"V{self.width}")
        self.values: pa.Array = arr

    def __len__(self) -> int:
        return len(self._table)

    def take(self, idx: npt.NDArray[np.integer]) -> pa.StringArray:
        return _wrap_fixed(self._table[idx], len(idx), self.width)


def take_strings(
    values: pa.Array, idx: npt.NDArray[np.integer], null_mask: npt.NDArray[np.bool_] | None = None
) -> pa.Array:
    """`values[idx]` as a plain string array; positions where `null_mask` is True are null."""
    indices = pa.array(idx, mask=null_mask) if null_mask is not None else pa.array(idx)
    return pc.take(values, indices)


def timestamps(us: npt.NDArray[np.int64]) -> pa.TimestampArray:
    arr = pa.array(np.ascontiguousarray(us, dtype=np.int64).view("datetime64[us]"))
    assert isinstance(arr, pa.TimestampArray)
    return arr


def floats(values: npt.NDArray[np.float64]) -> pa.Array:
    """Float column with NaN meaning missing (null), the canonical tables' convention."""
    return pa.array(values, mask=np.isnan(values), type=pa.float64())


def build_table(name: str, columns: dict[str, Any]) -> pa.Table:
    """The columns as a table with exactly the canonical schema (missing columns are null)."""
    schema = arrow_schema(name)
    n = None
    arrays: list[pa.Array | None] = []
    for field in schema:
        col = columns.get(field.name)
        if col is None:
            arrays.append(None)
            continue
        arr = col if isinstance(col, pa.Array | pa.ChunkedArray) else pa.array(col)
        if arr.type != field.type:
            arr = arr.cast(field.type)
        n = len(arr) if n is None else n
        if len(arr) != n:
            raise ValueError(f"{name}.{field.name} has {len(arr)} rows, expected {n}")
        arrays.append(arr)
    rows = n or 0
    full = [pa.nulls(rows, f.type) if a is None else a for a, f in zip(arrays, schema, strict=True)]
    return pa.Table.from_arrays(full, schema=schema)


def write_parquet(table: pa.Table, path: Path, *, dictionary: list[str] | bool = True) -> int:
    """Write one Parquet file with the canonical schema; returns its row count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression=COMPRESSION, use_dictionary=dictionary)
    return int(table.num_rows)


def part_path(out_dir: Path, table: str, part: int) -> Path:
    return out_dir / table / f"part-{part:05d}.parquet"
