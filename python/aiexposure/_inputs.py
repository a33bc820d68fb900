"""Per-node inputs given by the caller (a mapping {node: value} or a table node, value), as
dense vectors over the graph's nodes: unknown nodes are errors, repeated nodes sum."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from . import _core
from ._handle import Handle
from ._ids import decoded
from ._io import read_table
from .errors import AIExposureError, UnknownNodeError


def node_values(h: Handle, values: Any, name: str) -> np.ndarray:
    """A per-node vector from a mapping {node: value} or a table with columns node, value."""
    if values is None:
        return np.empty(0)  # the core reads an empty vector as all zero, and skips its terms
    if isinstance(values, Mapping):
        items = list(values.items())
        keys = h.nodes.key_array([k for k, _ in items])
        if keys is None:
            raise h.nodes.unknown(name, [k for k, _ in items if h.nodes.find(k) is None])
        vals = np.array([v for _, v in items], dtype=np.float64)
    else:
        table = read_table(values, f"{name} table")
        missing = {"node", "value"} - set(table.column_names)
        if missing:
            raise AIExposureError(
                f"the {name} table needs columns 'node' and 'value' (missing: {sorted(missing)})"
            )
        keys = node_keys(h, table["node"], name)
        vals = np.ascontiguousarray(table["value"].to_numpy(), dtype=np.float64)
    if len(keys) == h.num_nodes and keys.equals(h.nodes.labels):
        # The common case of a table made from graph.nodes: no lookup needed.
        if not np.isfinite(vals).all():
            raise AIExposureError(f"{name} values must be finite numbers")
        check_default(name, vals, keys)
        return vals
    # Summed by node in Rust, in input order (a node given twice gets both values).
    summed = h.call(_core.scatter, h.nodes.positions(keys), vals, h.num_nodes)
    if len(summed["missing"]):
        raise h.nodes.unknown(name, [keys[int(i)].as_py() for i in summed["missing"]])
    if not np.isfinite(vals).all():
        raise AIExposureError(f"{name} values must be finite numbers")
    check_default(name, vals, keys)
    return summed["values"]


def check_default(name: str, vals: np.ndarray, keys: pa.Array) -> None:
    if name == "default" and ((vals < 0) | (vals > 1)).any():
        bad = [keys[i].as_py() for i in np.flatnonzero((vals < 0) | (vals > 1))[:10]]
        raise AIExposureError(
            f"default is a fraction in [0, 1]; out of range for {', '.join(map(repr, bad))}",
            nodes=bad,
        )


def node_keys(h: Handle, column: pa.ChunkedArray | pa.Array, name: str) -> pa.Array:
    """A table's node column as the graph's id type (one chunk)."""
    column = decoded(column)  # a polars Categorical, pandas category: plain ids
    if isinstance(column, pa.ChunkedArray):
        # One chunk (the usual case) is used as it is: combine_chunks would copy it.
        keys = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    else:
        keys = column
    if pa.types.is_boolean(keys.type):
        raise UnknownNodeError(
            f"the {name} table's node column holds booleans; node ids are {h.nodes.labels.type}"
        )
    if keys.type != h.nodes.labels.type:
        try:
            keys = keys.cast(h.nodes.labels.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
            raise AIExposureError(
                f"the {name} table's node ids are {column.type}, the graph's "
                f"{h.nodes.labels.type}: {e}"
            ) from e
    return keys
