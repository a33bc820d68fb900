"""A built graph as one Arrow IPC file, opened by memory-mapping it: ``Graph.save`` /
``Graph.open``, and pickling through the same bytes (docs/saved.md).

The file holds one record batch of one row. Each core array (the forward and reverse CSR,
the solve plan when built) is a ``large_binary`` value holding its bytes as the core keeps
them; the node labels, node attributes, edge table, interval stakes and pinned assumptions
are ``large_list`` values of their own Arrow types. Opening borrows every array from the
mapped pages (or the unpickled bytes): nothing is copied, and processes that open the same
file share its pages.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from . import _core
from ._handle import Handle
from ._nodes import Nodes
from ._stakes import Stakes
from .errors import SavedGraphError

FORMAT = "aiexposure.graph"
VERSION = 1
CORE = "core."
# Stake arrays of an interval graph, per forward edge, and their types.
STAKES = {
    "lo": pa.float64(),
    "hi_raw": pa.float64(),
    "lo_open": pa.bool_(),
    "hi_open": pa.bool_(),
    "targets": pa.uint32(),
}


def to_batch(
    h: Handle,
    table: pa.Table,
    node_attrs: pa.Table | None,
    assumptions: pa.Table,
    plan: bool,
) -> pa.RecordBatch:
    """The graph as the one-row record batch of a saved file (the core arrays viewed, not
    copied)."""
    numbers, arrays = h.call(h.core.save_parts, plan)
    columns: dict[str, pa.Array] = {}
    for name, values in sorted(arrays.items()):
        columns[CORE + name] = _binary(values)
    columns["nodes"] = _one_list(h.nodes.labels)
    columns["edges"] = _one_list(_struct(table))
    fields = {"edges": table.schema.metadata}  # the edge table's own metadata (pandas, ...)
    columns["assumptions"] = _one_list(_struct(assumptions))
    if node_attrs is not None:
        columns["node_attrs"] = _one_list(_struct(node_attrs))
    if h.stakes is not None:
        for name, type_ in STAKES.items():
            columns[f"stakes.{name}"] = _one_list(pa.array(getattr(h.stakes, name), type_))
    meta = {
        "format": FORMAT,
        "version": str(VERSION),
        "numbers": json.dumps(numbers, sort_keys=True),
    }
    schema = pa.schema(
        [pa.field(name, col.type, metadata=fields.get(name)) for name, col in columns.items()],
        metadata={f"aiexposure.{k}": v for k, v in meta.items()},
    )
    return pa.record_batch(list(columns.values()), schema=schema)


def to_bytes(batch: pa.RecordBatch) -> pa.Buffer:
    """The bytes of the saved file of ``batch`` (what a Graph pickles as)."""
    sink = pa.BufferOutputStream()
    _write(sink, batch)
    return sink.getvalue()


def write(path: str | os.PathLike[str], batch: pa.RecordBatch) -> None:
    """Streams the saved file of ``batch`` to ``path`` through a temporary file, so that a
    failed save never leaves half a graph under the name, and a graph open on the old file
    keeps its pages (the old file is replaced, never rewritten)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".partial")
    try:
        with pa.OSFile(str(tmp), "wb") as f:
            _write(f, batch)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def _write(sink: Any, batch: pa.RecordBatch) -> None:
    with pa.ipc.new_file(sink, batch.schema) as writer:
        writer.write_batch(batch)


def is_saved(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a file :func:`write` wrote (an Arrow IPC file of this format)."""
    try:
        with pa.memory_map(os.fspath(path), "r") as source:
            meta = pa.ipc.open_file(source).schema.metadata or {}
    except (pa.ArrowInvalid, OSError):
        return False
    return meta.get(b"aiexposure.format") == FORMAT.encode()


def from_source(source: Any, where: str) -> tuple[Handle, pa.Table, pa.Table | None, list[tuple]]:
    """(handle, edge table, node attributes, assumptions) of a saved graph: ``source`` is a
    memory-mapped file or a buffer; ``where`` names it in errors."""
    try:
        reader = pa.ipc.open_file(source)
        schema = reader.schema
        batch = reader.get_batch(0) if reader.num_record_batches == 1 else None
    except (pa.ArrowInvalid, OSError) as e:
        raise SavedGraphError(
            f"{where} is not a graph written by Graph.save (not an Arrow IPC file: {e})"
        ) from None
    meta = {k.decode(): v.decode() for k, v in (schema.metadata or {}).items()}
    if meta.get("aiexposure.format") != FORMAT or batch is None or batch.num_rows != 1:
        raise SavedGraphError(
            f"{where} is an Arrow IPC file but not a graph written by Graph.save; read it "
            "with pyarrow, or build a graph from it with Graph.from_arrow"
        )
    version = meta.get("aiexposure.version")
    if version != str(VERSION):
        raise SavedGraphError(
            f"{where} was saved in format version {version}, this aiexposure reads version "
            f"{VERSION}; save the graph again with this version"
        )
    numbers = {k: int(v) for k, v in json.loads(meta["aiexposure.numbers"]).items()}
    names = batch.schema.names
    arrays = {
        name[len(CORE) :]: _bytes_of(batch.column(name)) for name in names if name.startswith(CORE)
    }
    try:
        core = _core.CoreGraph.open_parts(numbers, arrays)
    except ValueError as e:  # the core's checks: a damaged or foreign file
        raise SavedGraphError(f"{where}: {e}") from None
    labels = _values(batch.column("nodes"))
    if len(labels) != core.num_nodes:
        raise SavedGraphError(
            f"{where} is damaged: {len(labels)} node labels for {core.num_nodes} nodes; "
            "save the graph again"
        )
    stakes = None
    if "stakes.lo" in names:
        cols = [_values(batch.column(f"stakes.{n}")).to_numpy(zero_copy_only=False) for n in STAKES]
        stakes = Stakes(*cols)
    table = _table(_values(batch.column("edges")))
    table = table.replace_schema_metadata(batch.schema.field("edges").metadata)
    node_attrs = _table(_values(batch.column("node_attrs"))) if "node_attrs" in names else None
    pins = _table(_values(batch.column("assumptions")))
    assumptions = list(
        zip(
            pins["source"].to_pylist(),
            pins["target"].to_pylist(),
            pins["share"].to_pylist(),
            strict=True,
        )
    )
    return Handle(core, Nodes(labels), stakes), table, node_attrs, assumptions


def _binary(values: np.ndarray) -> pa.Array:
    """One large_binary value over the bytes of ``values`` (no copy)."""
    data = pa.py_buffer(values)
    offsets = pa.py_buffer(np.array([0, len(values)], dtype=np.int64))
    return pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, data])


def _bytes_of(column: pa.Array) -> np.ndarray:
    """The bytes of a one-value large_binary column, as a read-only uint8 view."""
    _, offsets, data = column.buffers()
    lo, hi = np.frombuffer(offsets, dtype=np.int64, count=2, offset=8 * column.offset)
    return np.frombuffer(data, dtype=np.uint8, count=int(hi - lo), offset=int(lo))


def _one_list(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return pa.LargeListArray.from_arrays(pa.array([0, len(values)], pa.int64()), values)


def _values(column: pa.Array) -> pa.Array:
    """The values of a one-row list column (a zero-copy slice)."""
    return column.flatten()


def _struct(table: pa.Table) -> pa.StructArray:
    table = table.combine_chunks()
    fields = [table.schema.field(i) for i in range(table.num_columns)]
    arrays = [c.chunk(0) if c.num_chunks else pa.array([], c.type) for c in table.columns]
    return pa.StructArray.from_arrays(arrays, fields=fields)


def _table(values: pa.StructArray) -> pa.Table:
    fields = [values.type.field(i) for i in range(values.type.num_fields)]
    return pa.Table.from_arrays(values.flatten(), schema=pa.schema(fields))
