"""Exposure methods of Graph: integrated ownership, ultimate owners, simple paths, look-through.

The conventions are in docs/math.md; the solvers in rust/core/src/exposure.rs.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import _core
from ._ids import decoded
from ._io import read_table
from .errors import AIExposureError, BoundWarning, UnknownNodeError

if TYPE_CHECKING:
    from .graph import Graph

METHODS = ("walks", "ultimate", "simple_paths")
TRUNCATED = b"aiexposure.truncated"


def _refusal(graph: Graph, node: Any) -> str | None:
    """Why ``node`` names no node even where Arrow would convert it (Arrow truncates 1.5 to
    the integer id 1 and reads True as 1); None when it may name one."""
    if isinstance(node, (bool, np.bool_)):
        return f"node {node!r} is a bool, not a node id"
    if (
        pa.types.is_integer(graph.nodes.type)
        and isinstance(node, (float, np.floating))
        and not float(node).is_integer()
    ):
        return f"node {node!r} is not an integer, and the graph's ids are integers"
    return None


def _index_or_none(graph: Graph, node: Any) -> int | None:
    if _refusal(graph, node) is not None:
        return None
    try:
        lookup = graph._lookup_nodes()
        found = pc.index(lookup, pa.scalar(node, lookup.type)).as_py()
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
        found = -1
    return None if found < 0 else found


def node_index(graph: Graph, node: Any) -> int:
    """Index of a node label; UnknownNodeError naming it when absent."""
    found = _index_or_none(graph, node)
    if found is None:
        from ._suggest import did_you_mean

        why = (
            _refusal(graph, node) or f"node {node!r} is not in the graph{did_you_mean(graph, node)}"
        )
        raise UnknownNodeError(
            f"{why} (its ids are {graph.nodes.type}); check the spelling and type of the id",
            nodes=[node],
        )
    return found


def node_indices(graph: Graph, nodes: Iterable[Any], name: str) -> np.ndarray:
    """Indices (uint32) of node labels, in the order given; UnknownNodeError naming the
    absent ones."""
    if isinstance(nodes, (str, bytes)):
        raise TypeError(f"{name} must be a list of nodes, not one {type(nodes).__name__}")
    items = list(nodes)
    keys = _key_array(graph, items)
    idx = None if keys is None else pc.index_in(keys, value_set=graph._lookup_nodes())
    if idx is None or idx.null_count:
        if idx is None:
            unknown = [v for v in items if _index_or_none(graph, v) is None]
        else:
            missing = idx.is_null().to_numpy(zero_copy_only=False)
            unknown = [items[i] for i in np.flatnonzero(missing)]
        raise _unknown(graph, name, unknown)
    return idx.to_numpy(zero_copy_only=False).astype(np.uint32)


def _unknown(graph: Graph, name: str, unknown: list[Any]) -> UnknownNodeError:
    reasons = [r for r in (_refusal(graph, v) for v in unknown[:10]) if r]
    return UnknownNodeError(
        f"{name} names node(s) not in the graph: {', '.join(map(repr, unknown[:10]))}"
        f"{' and ' + str(len(unknown) - 10) + ' more' if len(unknown) > 10 else ''} "
        f"(its ids are {graph.nodes.type}{'; ' + reasons[0] if reasons else ''}); check the "
        "spelling and type of the ids",
        nodes=unknown,
    )


def _key_array(graph: Graph, items: list[Any]) -> pa.Array | None:
    """The keys as an array of the lookup type; None when one of them cannot be a node id
    (a bool, a non-integral number on integer ids, a value of another type)."""
    if any(_refusal(graph, v) is not None for v in items):
        return None
    try:
        return pa.array(items, graph._lookup_nodes().type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
        return None  # some id of another type: found one by one, to name it


def _labels(graph: Graph, indices: np.ndarray) -> pa.Array:
    """Node labels for indices, null where the index is -1 (the free float)."""
    indices = np.asarray(indices, dtype=np.int64)
    mask = indices < 0
    taken = graph._take_nodes(pa.array(np.where(mask, 0, indices), mask=mask))
    return taken


def _direct_shares(graph: Graph, holder: np.ndarray, issuer: np.ndarray) -> np.ndarray:
    """W[holder, issuer] for each pair (0 where no equity edge), by binary search in the CSR."""
    offsets, targets, kinds, shares, _ = graph._core.csr()
    n = graph.num_nodes
    sources = np.repeat(np.arange(n, dtype=np.int64), np.diff(offsets).astype(np.int64))
    equity = kinds == 0
    keys = sources[equity] * n + targets[equity].astype(np.int64)  # sorted: CSR order
    values = shares[equity]
    wanted = holder.astype(np.int64) * n + issuer.astype(np.int64)
    pos = np.searchsorted(keys, wanted)
    pos_clipped = np.minimum(pos, max(len(keys) - 1, 0))
    hit = (
        (pos < len(keys)) & (keys[pos_clipped] == wanted)
        if len(keys)
        else np.zeros(len(wanted), bool)
    )
    return np.where(hit, values[pos_clipped] if len(keys) else 0.0, 0.0)


def integrated_ownership(
    graph: Graph,
    method: str = "walks",
    threshold: float = 0.0,
    max_depth: int | None = None,
    min_weight: float | None = None,
) -> pa.Table:
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}, not {method!r}")
    if not (isinstance(threshold, (int, float)) and math.isfinite(threshold) and threshold >= 0):
        raise ValueError(f"threshold must be a finite number >= 0, not {threshold!r}")
    if method != "simple_paths" and (max_depth is not None or min_weight is not None):
        raise ValueError("max_depth and min_weight bound method='simple_paths' only")
    if max_depth is not None and (not isinstance(max_depth, int) or max_depth < 1):
        raise ValueError(f"max_depth must be an integer >= 1, not {max_depth!r}")
    if min_weight is not None and not (0 <= min_weight <= 1):
        raise ValueError(f"min_weight must be in [0, 1], not {min_weight!r}")

    with graph._naming():
        holder, issuer, value, bound = _core.integrated(
            graph._core, method, float(threshold), max_depth, float(min_weight or 0.0)
        )
    direct = _direct_shares(graph, np.maximum(holder, 0), issuer)
    free_float = holder < 0
    if free_float.any():
        held = np.zeros(graph.num_nodes)
        _, targets, kinds, shares, _ = graph._core.csr()
        np.add.at(held, targets[kinds == 0], shares[kinds == 0])
        direct[free_float] = np.maximum(1.0 - held[issuer[free_float]], 0.0)
    cut = method == "simple_paths" and bound == math.inf
    metadata = {b"aiexposure.method": method.encode(), TRUNCATED: b"true" if cut else b"false"}
    if method == "walks":
        metadata[b"aiexposure.error_bound"] = repr(float(bound)).encode()
    table = pa.table(
        {
            "holder": _labels(graph, holder),
            "issuer": graph._take_nodes(pa.array(issuer)),
            "direct": pa.array(direct, pa.float64()),
            "integrated": pa.array(value, pa.float64()),
        },
        metadata=metadata,
    )
    if cut:
        warnings.warn(
            "simple_paths: max_depth or min_weight cut some paths off; the sums are lower "
            "bounds (the table's metadata marks it truncated)",
            BoundWarning,
            stacklevel=3,
        )
    return table


def _node_values(graph: Graph, values: Any, name: str) -> np.ndarray:
    """A per-node vector from a mapping {node: value} or a table with columns node, value."""
    if values is None:
        return np.empty(0)  # the core reads an empty vector as all zero, and skips its terms
    out = np.zeros(graph.num_nodes)
    if isinstance(values, Mapping):
        items = list(values.items())
        keys = _key_array(graph, [k for k, _ in items])
        if keys is None:
            raise _unknown(graph, name, [k for k, _ in items if _index_or_none(graph, k) is None])
        vals = np.array([v for _, v in items], dtype=np.float64)
    else:
        table = read_table(values, f"{name} table")
        missing = {"node", "value"} - set(table.column_names)
        if missing:
            raise AIExposureError(
                f"the {name} table needs columns 'node' and 'value' (missing: {sorted(missing)})"
            )
        column = decoded(table["node"])  # a polars Categorical, pandas category: plain ids
        # One chunk (the usual case) is used as it is: combine_chunks would copy it.
        keys = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
        if pa.types.is_boolean(keys.type):
            raise UnknownNodeError(
                f"the {name} table's node column holds booleans; node ids are {graph.nodes.type}"
            )
        if keys.type != graph.nodes.type:
            try:
                keys = keys.cast(graph.nodes.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
                raise AIExposureError(
                    f"the {name} table's node ids are {table['node'].type}, the graph's "
                    f"{graph.nodes.type}: {e}"
                ) from e
        vals = np.ascontiguousarray(table["value"].to_numpy(), dtype=np.float64)
    if len(keys) == graph.num_nodes and keys.equals(graph.nodes):
        # The common case of a table made from graph.nodes: no lookup needed.
        if not np.isfinite(vals).all():
            raise AIExposureError(f"{name} values must be finite numbers")
        _check_default(name, vals, keys)
        return vals
    lookup = graph._lookup_nodes()
    if keys.type != lookup.type:
        keys = keys.cast(lookup.type)
    idx = pc.index_in(keys, value_set=lookup).to_numpy(zero_copy_only=False)
    unknown = (
        [keys[i].as_py() for i in np.flatnonzero(np.isnan(idx.astype(np.float64)))]
        if len(idx)
        else []
    )
    if unknown:
        raise _unknown(graph, name, unknown)
    if not np.isfinite(vals).all():
        raise AIExposureError(f"{name} values must be finite numbers")
    _check_default(name, vals, keys)
    return out + np.bincount(idx.astype(np.int64), weights=vals, minlength=graph.num_nodes)


def _check_default(name: str, vals: np.ndarray, keys: pa.Array) -> None:
    if name == "default" and ((vals < 0) | (vals > 1)).any():
        bad = [keys[i].as_py() for i in np.flatnonzero((vals < 0) | (vals > 1))[:10]]
        raise AIExposureError(
            f"default is a fraction in [0, 1]; out of range for {', '.join(map(repr, bad))}",
            nodes=bad,
        )


def look_through(
    graph: Graph, value_loss: Any = None, default: Any = None, method: str = "walks"
) -> pa.Table:
    if method != "walks":
        raise ValueError(
            "look_through solves L = (I - W)^-1 (W s + R d), the walks convention; "
            f"method={method!r} is not available for it"
        )
    s = _node_values(graph, value_loss, "value_loss")
    d = _node_values(graph, default, "default")
    with graph._naming():
        direct, total = _core.look_through(graph._core, s, d)
    return pa.table(
        {
            "node": graph.nodes,
            "direct": pa.array(direct),
            "indirect": pa.array(total - direct),
            "total": pa.array(total),
        }
    )


def one_line(graph: Graph, node: Any, column: bool) -> pa.Table:
    index = node_index(graph, node)
    with graph._naming():
        fn = _core.exposure_to if column else _core.holdings_of
        nodes, direct, values = fn(graph._core, index)
    return pa.table(
        {
            "holder" if column else "issuer": graph._take_nodes(pa.array(nodes)),
            "direct": pa.array(direct),
            "integrated": pa.array(values),
        }
    )
