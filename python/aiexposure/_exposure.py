"""Exposure methods of Graph: integrated ownership, ultimate owners, simple paths, look-through.

The conventions are in docs/math.md; the solvers in rust/core/src/exposure/.
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
from ._stakes import (
    BOUNDS,
    LOWER_ATTAINED,
    UPPER_ATTAINED,
    Stakes,
    exposure_cores,
)
from ._stakes import metadata as bound_metadata
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


def _direct_shares(
    graph: Graph, holder: np.ndarray, issuer: np.ndarray, shares: np.ndarray | None = None
) -> np.ndarray:
    """W[holder, issuer] for each pair (0 where no equity edge), by binary search in the CSR;
    ``shares`` (per edge position) replaces the money graph's own (a bound's)."""
    offsets, targets, kinds, own, _ = graph._core.csr()
    shares = own if shares is None else shares
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


def _held(graph: Graph, shares: np.ndarray | None = None) -> np.ndarray:
    """The equity shares held in each node (``shares`` per edge position, or the graph's)."""
    _, targets, kinds, own, _ = graph._core.csr()
    shares = own if shares is None else shares
    equity = kinds == 0
    return np.bincount(targets[equity], weights=shares[equity], minlength=graph.num_nodes)


def _bounds(graph: Graph) -> tuple[Any, Any, Stakes] | None:
    """(core of the minimums, core of the capped maximums, stakes), or None when every stake
    is exact."""
    stakes = graph._stakes
    if stakes is None:
        return None
    lo, hi = exposure_cores(stakes, graph._core)
    return lo, hi, stakes


def _value_and_bounds(name: str, lo: np.ndarray, hi: np.ndarray) -> dict[str, pa.Array]:
    """``name`` (the value where both bounds agree, else null), ``name_min``, ``name_max``;
    NaN (a bound not computed) is null. Bounds within 1e-12 relative agree: the two solves
    run over different plans, and sum in different orders (rust/core/src/bounds.rs, one
    parallel pass; the Arrow arrays are built on its buffers, no copy)."""
    lo, hi, agree, disagree, lo_valid, lo_nulls, hi_valid, hi_nulls = _core.bounded(
        np.ascontiguousarray(lo, dtype=np.float64), np.ascontiguousarray(hi, dtype=np.float64)
    )

    def column(values: np.ndarray, valid: np.ndarray, nulls: int) -> pa.Array:
        bitmap = pa.py_buffer(valid) if nulls else None
        return pa.Array.from_buffers(
            pa.float64(), len(values), [bitmap, pa.py_buffer(values)], nulls
        )

    return {
        name: column(lo, agree, disagree),
        f"{name}_min": column(lo, lo_valid, lo_nulls),
        f"{name}_max": column(hi, hi_valid, hi_nulls),
    }


def _check_integrated_args(
    method: str, threshold: float, max_depth: int | None, min_weight: float | None
) -> None:
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


def _warn_cut(method: str, cut: bool) -> None:
    if cut:
        warnings.warn(
            "simple_paths: max_depth or min_weight cut some paths off; the sums are lower "
            "bounds (the table's metadata marks it truncated)",
            BoundWarning,
            stacklevel=4,
        )


def integrated_ownership(
    graph: Graph,
    method: str = "walks",
    threshold: float = 0.0,
    max_depth: int | None = None,
    min_weight: float | None = None,
) -> pa.Table:
    _check_integrated_args(method, threshold, max_depth, min_weight)
    bounds = _bounds(graph)
    if bounds is not None:
        return _integrated_bounds(graph, bounds, method, threshold, max_depth, min_weight)
    with graph._naming():
        holder, issuer, value, bound = _core.integrated(
            graph._core, method, float(threshold), max_depth, float(min_weight or 0.0)
        )
    direct = _direct_shares(graph, np.maximum(holder, 0), issuer)
    free_float = holder < 0
    if free_float.any():
        held = _held(graph)
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
    _warn_cut(method, cut)
    return table


def _integrated_bounds(
    graph: Graph,
    bounds: tuple[Any, Any, Stakes],
    method: str,
    threshold: float,
    max_depth: int | None,
    min_weight: float | None,
) -> pa.Table:
    """The table at the minimums and at the capped maximums, joined by (holder, issuer): the
    rows whose upper bound passes ``threshold``. The free float shrinks as stakes grow, so
    its bounds come the other way round."""
    lo_core, hi_core, stakes = bounds
    n = graph.num_nodes
    _, targets, kinds, _, _ = graph._core.csr()
    held_in_data = np.bincount(targets[kinds == 0], minlength=n) > 0
    sparse = method == "walks" and threshold > 0
    runs = []
    with graph._naming():
        for core in (lo_core, hi_core):
            # Exact methods run in full and are cut after the join; sparse walks keep their
            # threshold (a value at the minimums below it is left null).
            t = float(threshold) if sparse else 0.0
            runs.append(
                _core.integrated(core, method, t, max_depth, float(min_weight or 0.0), held_in_data)
            )
    (h_lo, i_lo, v_lo, b_lo), (h_hi, i_hi, v_hi, b_hi) = runs

    # Join the two runs on (holder, issuer), the free float (-1) last: one sort of both.
    hk = np.concatenate([np.where(h_lo < 0, n, h_lo), np.where(h_hi < 0, n, h_hi)])
    ik = np.concatenate([i_lo, i_hi]).astype(np.int64)
    side = np.repeat([0, 1], [len(h_lo), len(h_hi)])
    values = np.concatenate([v_lo, v_hi])
    order = np.lexsort((ik, hk))
    hk, ik, side, values = hk[order], ik[order], side[order], values[order]
    starts = np.ones(len(hk), dtype=bool)
    starts[1:] = (hk[1:] != hk[:-1]) | (ik[1:] != ik[:-1])
    group = np.cumsum(starts) - 1
    a = np.full(int(starts.sum()), np.nan if sparse else 0.0)
    b = np.zeros(len(a))
    a[group[side == 0]] = values[side == 0]
    b[group[side == 1]] = values[side == 1]
    holder = hk[starts].astype(np.int64)
    issuer = ik[starts]
    free_float = holder == n
    lo = np.where(free_float, b, a)
    hi = np.where(free_float, a, b)
    keep = np.nan_to_num(hi, nan=0.0) > threshold
    if sparse:
        keep |= ~np.isnan(a) & (a > threshold)
    holder, issuer, lo, hi, free_float = (
        holder[keep],
        issuer[keep],
        lo[keep],
        hi[keep],
        free_float[keep],
    )
    holder = np.where(free_float, -1, holder)
    lo_s = np.nan_to_num(stakes.lo, nan=0.0)
    hi_s = np.nan_to_num(stakes.hi, nan=0.0)
    d_lo = _direct_shares(graph, np.maximum(holder, 0), issuer, lo_s)
    d_hi = _direct_shares(graph, np.maximum(holder, 0), issuer, hi_s)
    if free_float.any():
        f = issuer[free_float]
        d_lo[free_float] = np.maximum(1.0 - _held(graph, hi_s)[f], 0.0)
        d_hi[free_float] = np.maximum(1.0 - _held(graph, lo_s)[f], 0.0)
    cut = method == "simple_paths" and math.inf in (b_lo, b_hi)
    metadata = {b"aiexposure.method": method.encode(), TRUNCATED: b"true" if cut else b"false"}
    if method == "walks":
        metadata[b"aiexposure.error_bound"] = repr(float(max(b_lo, b_hi))).encode()
    metadata |= bound_metadata(stakes, hi_core, graph.nodes)
    table = pa.table(
        {
            "holder": _labels(graph, holder),
            "issuer": graph._take_nodes(pa.array(issuer)),
            **_value_and_bounds("direct", d_lo, d_hi),
            **_value_and_bounds("integrated", lo, hi),
        },
        metadata=metadata,
    )
    _warn_cut(method, cut)
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
    idx = _positions(lookup, keys)
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


def _positions(lookup: pa.Array, keys: pa.Array) -> np.ndarray:
    """Each key's node index (float64, NaN where the key is not a node). A few keys on a big
    graph hash the keys and scan the labels once, rather than hash every label on each call
    (about 90 ms at 1M nodes)."""
    if len(keys) * 8 >= len(lookup):
        found = pc.index_in(keys, value_set=lookup)
        return found.to_numpy(zero_copy_only=False).astype(np.float64)
    unique = pc.unique(keys)
    of_label = pc.index_in(lookup, value_set=unique).to_numpy(zero_copy_only=False)
    of_label = of_label.astype(np.float64)
    labels = np.flatnonzero(~np.isnan(of_label))
    node_of_unique = np.full(len(unique), np.nan)
    node_of_unique[of_label[labels].astype(np.int64)] = labels
    in_unique = pc.index_in(keys, value_set=unique).to_numpy(zero_copy_only=False)
    return node_of_unique[in_unique.astype(np.int64)]


def _check_default(name: str, vals: np.ndarray, keys: pa.Array) -> None:
    if name == "default" and ((vals < 0) | (vals > 1)).any():
        bad = [keys[i].as_py() for i in np.flatnonzero((vals < 0) | (vals > 1))[:10]]
        raise AIExposureError(
            f"default is a fraction in [0, 1]; out of range for {', '.join(map(repr, bad))}",
            nodes=bad,
        )


def _unknown_amounts_hit(graph: Graph, d: np.ndarray) -> bool:
    """Whether a default hits a credit or commitment edge of unknown amount."""
    if len(d) == 0 or not d.any():
        return False
    exposed = graph._memo.get("unknown_amount_counterparties")
    if exposed is None:
        offsets, targets, kinds, _, amounts = graph._core.csr()
        unknown = kinds != 0
        if len(amounts):
            unknown &= np.isnan(amounts)
        sources = np.repeat(np.arange(graph.num_nodes), np.diff(offsets).astype(np.int64))
        # Credit: the borrower (target) defaults; commitment: the customer (source) does.
        counterparty = np.where(kinds == 1, targets, sources)
        exposed = np.unique(counterparty[unknown])
        graph._memo["unknown_amount_counterparties"] = exposed
    return bool((d[exposed] > 0).any())


def _indirect(core: Any, direct: np.ndarray, total: np.ndarray) -> np.ndarray:
    """total - direct, and W t where direct is +inf (an unknown amount's upper bound)."""
    with np.errstate(invalid="ignore"):
        out = total - direct
    infinite = np.isinf(direct)
    if infinite.any():
        offsets, targets, kinds, shares, _ = core.csr()
        sources = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets).astype(np.int64))
        eq = kinds == 0
        terms = shares[eq] * total[targets[eq]]
        wt = np.bincount(sources[eq], weights=terms, minlength=len(total))
        out[infinite] = wt[infinite]
    return out


LOSS_COLUMNS = ("equity", "credit", "commitment", "direct", "indirect", "total")


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
    bounds = _bounds(graph)
    unknown_hit = _unknown_amounts_hit(graph, d)
    lo_core, hi_core = (bounds[0], bounds[1]) if bounds else (graph._core, graph._core)
    with graph._naming():
        low = _core.look_through(lo_core, s, d, 0.0)
        high = _core.look_through(hi_core, s, d, math.inf) if bounds or unknown_hit else None
    low_cols = dict(zip(LOSS_COLUMNS, [*low[:4], low[4] - low[3], low[4]], strict=True))
    if high is None:
        return pa.table({"node": graph.nodes, **{k: pa.array(v) for k, v in low_cols.items()}})
    high_cols = dict(
        zip(LOSS_COLUMNS, [*high[:4], _indirect(hi_core, high[3], high[4]), high[4]], strict=True)
    )
    columns: dict[str, Any] = {"node": graph.nodes}
    for name in LOSS_COLUMNS:
        columns |= _value_and_bounds(name, low_cols[name], high_cols[name])
    metadata = (
        bound_metadata(bounds[2], hi_core, graph.nodes)
        if bounds
        else {BOUNDS: b"amounts", LOWER_ATTAINED: b"true", UPPER_ATTAINED: b"false"}
    )
    metadata[b"aiexposure.unknown_amounts_hit"] = b"true" if unknown_hit else b"false"
    return pa.table(columns, metadata=metadata)


def one_line(graph: Graph, node: Any, column: bool) -> pa.Table:
    index = node_index(graph, node)
    name = "holder" if column else "issuer"
    fn = _core.exposure_to if column else _core.holdings_of
    bounds = _bounds(graph)
    if bounds is None:
        with graph._naming():
            nodes, direct, values = fn(graph._core, index)
        return pa.table(
            {
                name: graph._take_nodes(pa.array(nodes)),
                "direct": pa.array(direct),
                "integrated": pa.array(values),
            }
        )
    lo_core, hi_core, stakes = bounds
    with graph._naming():
        n_lo, _, v_lo = fn(lo_core, index)
        n_hi, _, v_hi = fn(hi_core, index)
    nodes = np.union1d(n_lo, n_hi).astype(np.int64)
    lo = np.zeros(len(nodes))
    hi = np.zeros(len(nodes))
    lo[np.searchsorted(nodes, n_lo)] = v_lo
    hi[np.searchsorted(nodes, n_hi)] = v_hi
    me = np.full(len(nodes), index, dtype=np.int64)
    holder, issuer = (nodes, me) if column else (me, nodes)
    direct = [
        _direct_shares(graph, holder, issuer, np.nan_to_num(x, nan=0.0))
        for x in (stakes.lo, stakes.hi)
    ]
    return pa.table(
        {
            name: graph._take_nodes(pa.array(nodes)),
            **_value_and_bounds("direct", *direct),
            **_value_and_bounds("integrated", lo, hi),
        },
        metadata=bound_metadata(stakes, hi_core, graph.nodes),
    )
