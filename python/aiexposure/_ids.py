"""Node ids: one common Arrow type for the id columns, and dense indices from the Rust core.

Nodes are numbered in order of first appearance over the columns given (explicit node list
first, then ``source``, then ``target``), so the same table always gives the same numbering.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from . import _core
from .errors import InvalidGraphError

_STRING_TYPES = (pa.string(), pa.large_string(), pa.string_view())


def _is_string(t: pa.DataType) -> bool:
    return t in _STRING_TYPES


@dataclass(frozen=True)
class NodeIds:
    """Dense codes for each input column (uint32 numpy arrays) and the node labels."""

    codes: list[np.ndarray]
    labels: pa.Array


# View types have few compute kernels (no take, no cast out of a dictionary of them): such
# values are decoded as their large counterparts.
_VIEW_TO_LARGE = {pa.string_view(): pa.large_string(), pa.binary_view(): pa.large_binary()}


def _decoded_type(t: pa.DataType) -> pa.DataType:
    if not pa.types.is_dictionary(t):
        return t
    return _VIEW_TO_LARGE.get(t.value_type, t.value_type)


def decoded(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A dictionary-encoded column (polars Categorical / Enum, pandas category, DuckDB ENUM)
    as plain values; other columns unchanged."""
    if not pa.types.is_dictionary(column.type):
        return column
    plain = _decoded_type(column.type)
    chunks = []
    for chunk in column.chunks:
        values = chunk.dictionary
        if values.type != plain:
            values = values.cast(plain)
        chunks.append(values.take(chunk.indices))
    return pa.chunked_array(chunks, plain)


def common_id_type(columns: list[tuple[str, pa.ChunkedArray]]) -> pa.DataType:
    """The type every id column is cast to; a clear error when they cannot share one.
    Each column comes with how error messages name it."""
    # An empty column of no type (e.g. from an empty Python list) takes the others' type.
    types = {
        name: _decoded_type(col.type)
        for name, col in columns
        if not (pa.types.is_null(col.type) and len(col) == 0)
    }
    if not types:
        return pa.string()
    for name, t in types.items():
        if not (_is_string(t) or pa.types.is_integer(t)):
            raise InvalidGraphError(
                f"{name} holds {t} values; node ids must be strings or integers "
                "(cast the column, e.g. with pyarrow.compute.cast)"
            )
    kinds = {name: "string" if _is_string(t) else "integer" for name, t in types.items()}
    if len(set(kinds.values())) > 1:
        detail = ", ".join(f"{n} is {k} ({types[n]})" for n, k in kinds.items())
        raise InvalidGraphError(
            f"node id columns mix strings and integers: {detail}; cast them to one type"
        )
    distinct = set(types.values())
    if len(distinct) == 1:
        return distinct.pop()
    if all(_is_string(t) for t in distinct):
        return pa.large_string() if pa.large_string() in distinct else pa.string()
    if pa.uint64() in distinct:
        raise InvalidGraphError(
            f"node id columns have different integer types ({', '.join(map(str, distinct))}) "
            "including uint64, which has no common type with them; cast them to one type"
        )
    return pa.int64()


def encode(columns: list[tuple[str, pa.ChunkedArray]]) -> NodeIds:
    """Factorize the id columns (no nulls) together; labels keep the columns' common type."""
    id_type = common_id_type(columns)
    lengths = [len(c) for _, c in columns]
    work_type = pa.large_string() if id_type == pa.string_view() else id_type
    chunks: list[pa.Array] = []
    for _, column in columns:
        column = decoded(column)
        # cast() copies even to the same type; the id columns can be most of the table.
        chunks.extend((column if column.type == work_type else column.cast(work_type)).chunks)
    chunks = [c for c in chunks if len(c)]

    if _is_string(work_type):
        offset_dtype = np.int64 if work_type == pa.large_string() else np.int32
        buffers = [string_buffers(c, offset_dtype) for c in chunks]
        fn = _core.factorize_large_utf8 if offset_dtype is np.int64 else _core.factorize_utf8
        found = fn([o for o, _ in buffers], [d for _, d in buffers])
    else:
        found = _core.factorize_int64([int64_view(c) for c in chunks])
    codes, first = found["codes"], found["first"]

    labels = _take_first(chunks, first, work_type)
    if labels.type != id_type:
        labels = labels.cast(id_type)
    split = np.cumsum(lengths)[:-1]
    return NodeIds(codes=list(np.split(codes, split)), labels=labels)


def _take_first(chunks: list[pa.Array], first: np.ndarray, type_: pa.DataType) -> pa.Array:
    """The ids at positions ``first`` (increasing) over the chunks laid end to end, taken chunk
    by chunk: ChunkedArray.take would first concatenate every chunk, a copy of all the ids."""
    starts = np.cumsum([0] + [len(c) for c in chunks], dtype=np.int64)
    first = first.astype(np.int64)
    pieces = []
    for chunk, start, end in zip(chunks, starts[:-1], starts[1:], strict=True):
        lo, hi = np.searchsorted(first, [start, end])
        if hi - lo == end - start:
            pieces.append(chunk)  # every id of the chunk, in order (a node list's): no copy
        elif hi > lo:
            pieces.append(chunk.take(pa.array(first[lo:hi] - start)))
    if len(pieces) == 1:
        return pieces[0]  # concat_arrays copies even one array
    return pa.concat_arrays(pieces) if pieces else pa.array([], type_)


def string_buffers(chunk: pa.Array, offset_dtype: type) -> tuple[np.ndarray, np.ndarray]:
    _, offsets_buf, data_buf = chunk.buffers()
    offsets: np.ndarray = aligned(
        np.frombuffer(offsets_buf, dtype=offset_dtype)[chunk.offset : chunk.offset + len(chunk) + 1]
    )
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.empty(0, np.uint8)
    )
    return offsets, data


def int64_view(chunk: pa.Array) -> np.ndarray:
    if chunk.type == pa.uint64():
        # Same bits, same identity: uint64 ids above 2**63 stay distinct.
        return aligned(chunk.to_numpy(zero_copy_only=True).view(np.int64))
    if chunk.type != pa.int64():
        chunk = chunk.cast(pa.int64())
    return aligned(chunk.to_numpy(zero_copy_only=True))


def aligned(x: Any) -> Any:
    """``x``, or an aligned copy of an unaligned numpy array (also inside a dict): the core
    borrows arrays as typed slices, and Arrow buffers that Dask or a socket delivered can
    start at any address."""
    if isinstance(x, np.ndarray):
        return x if x.flags.aligned else x.copy()
    if isinstance(x, dict):
        return {k: aligned(v) for k, v in x.items()}
    return x
