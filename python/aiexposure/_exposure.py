"""Exposure methods of Graph: integrated ownership, ultimate owners, simple paths, look-through.

The conventions are in docs/math.md; the solvers in rust/core/src/exposure/.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from . import _core
from ._handle import Handle
from ._inputs import node_values as _node_values
from ._pairs import join_runs
from ._scenarios import aligned, batch, split
from ._stakes import Stakes, value_and_bounds
from ._stakes import metadata as bound_metadata
from ._vocabulary import (
    BOUNDS,
    ERROR_BOUND,
    LOSS_COLUMNS,
    LOSS_RENAMES,
    LOWER_ATTAINED,
    METHOD,
    TRUNCATED,
    UNKNOWN_AMOUNTS_HIT,
    UPPER_ATTAINED,
    Kind,
    with_old_names,
)
from .errors import BoundWarning

METHODS = ("walks", "ultimate", "simple_paths")


def _direct_shares(
    h: Handle, holder: np.ndarray, issuer: np.ndarray, shares: np.ndarray | None = None
) -> np.ndarray:
    """W[holder, issuer] for each pair (0 where no equity edge), by binary search in the CSR;
    ``shares`` (per edge position) replaces the money graph's own (a bound's)."""
    csr = h.csr
    shares = csr.share if shares is None else shares
    n = h.num_nodes
    equity = csr.equity
    keys = csr.sources[equity] * n + csr.indices[equity].astype(np.int64)  # sorted: CSR order
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


def _held(h: Handle, shares: np.ndarray | None = None) -> np.ndarray:
    """The equity shares held in each node (``shares`` per edge position, or the graph's)."""
    csr = h.csr
    shares = csr.share if shares is None else shares
    equity = csr.equity
    return np.bincount(csr.indices[equity], weights=shares[equity], minlength=h.num_nodes)


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
    h: Handle,
    method: str = "walks",
    threshold: float = 0.0,
    max_depth: int | None = None,
    min_weight: float | None = None,
    sparse: bool = False,
) -> pa.Table:
    """``sparse``: walks and ultimate above ``threshold`` from the thresholded columns of every
    issuer, each value within a stated bound (else every row exactly)."""
    _check_integrated_args(method, threshold, max_depth, min_weight)
    bounds = h.bounds()
    if bounds is not None:
        return _integrated_bounds(h, bounds, method, threshold, max_depth, min_weight, sparse)
    found = h.call(
        _core.integrated,
        h.core,
        method,
        float(threshold),
        max_depth,
        float(min_weight or 0.0),
        None,
        sparse,
    )
    holder, issuer, bound = found["holder"], found["issuer"], found["bound"]
    cut = method == "simple_paths" and bound == math.inf
    metadata = {METHOD: method.encode(), TRUNCATED: b"true" if cut else b"false"}
    if method != "simple_paths":
        metadata[ERROR_BOUND] = repr(float(bound)).encode()
    table = pa.table(
        {
            "holder": h.nodes.take_or_null(holder),
            "issuer": h.nodes.take(pa.array(issuer)),
            "direct": pa.array(found["direct"], pa.float64()),
            "integrated": pa.array(found["integrated"], pa.float64()),
        },
        metadata=metadata,
    )
    _warn_cut(method, cut)
    return table


def _integrated_bounds(
    h: Handle,
    bounds: tuple[Any, Any, Stakes],
    method: str,
    threshold: float,
    max_depth: int | None,
    min_weight: float | None,
    sparse: bool,
) -> pa.Table:
    """The table at the minimums and at the capped maximums, joined by (holder, issuer): the
    rows whose upper bound passes ``threshold``. The free float shrinks as stakes grow, so
    its bounds come the other way round."""
    lo_core, hi_core, stakes = bounds
    n = h.num_nodes
    csr = h.csr
    held_in_data = np.bincount(csr.indices[csr.equity], minlength=n) > 0
    # Exact methods run in full and are cut after the join; sparse walks keep their
    # threshold (a value at the minimums below it is left null). Ultimate owners stay exact:
    # the free float's bounds come from the other run, which a threshold would cut.
    sparse = sparse and method == "walks" and threshold > 0
    t = float(threshold) if sparse else 0.0
    # Ultimate owners at the maximums are cut at the threshold but for the free float: the
    # rows kept are those whose upper bound passes it (at register scale, most rows are not).
    hi_t = float(threshold) if method == "ultimate" else t
    low, high = (
        h.call(
            _core.integrated,
            core,
            method,
            cut,
            max_depth,
            float(min_weight or 0.0),
            held_in_data,
            sparse,
            False,  # no direct shares: taken below from the money graph
            t,  # the free float's threshold (ultimate)
        )
        for core, cut in ((lo_core, t), (hi_core, hi_t))
    )
    h_lo, i_lo, v_lo, b_lo = low["holder"], low["issuer"], low["integrated"], low["bound"]
    h_hi, i_hi, v_hi, b_hi = high["holder"], high["issuer"], high["integrated"], high["bound"]

    # Join the two runs on (holder, issuer), the free float (holder n) last.
    holder, issuer, a, b = join_runs(
        n, (h_lo, i_lo, v_lo), (h_hi, i_hi, v_hi), np.nan if sparse else 0.0
    )
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
    # The direct shares of the joined rows, from the money graph: a pair one run left out
    # (below a sparse threshold) still has its direct share.
    d_lo = _direct_shares(h, np.maximum(holder, 0), issuer, lo_s)
    d_hi = _direct_shares(h, np.maximum(holder, 0), issuer, hi_s)
    if free_float.any():
        f = issuer[free_float]
        d_lo[free_float] = np.maximum(1.0 - _held(h, hi_s)[f], 0.0)
        d_hi[free_float] = np.maximum(1.0 - _held(h, lo_s)[f], 0.0)
    cut = method == "simple_paths" and math.inf in (b_lo, b_hi)
    metadata = {METHOD: method.encode(), TRUNCATED: b"true" if cut else b"false"}
    if method == "walks":
        metadata[ERROR_BOUND] = repr(float(max(b_lo, b_hi))).encode()
    metadata |= bound_metadata(stakes, hi_core, h.nodes.labels)
    table = pa.table(
        {
            "holder": h.nodes.take_or_null(holder),
            "issuer": h.nodes.take(pa.array(issuer)),
            **value_and_bounds("direct", d_lo, d_hi),
            **value_and_bounds("integrated", lo, hi),
        },
        metadata=metadata,
    )
    _warn_cut(method, cut)
    return table


def _unknown_amounts_hit(h: Handle, d: np.ndarray) -> bool:
    """Whether a default hits a credit or commitment edge of unknown amount."""
    if len(d) == 0 or not d.any():
        return False
    exposed = h.memo.get("unknown_amount_counterparties")
    if exposed is None:
        csr = h.csr
        unknown = ~csr.equity & np.isnan(csr.amount)
        # Credit: the borrower (target) defaults; commitment: the customer (source) does.
        counterparty = np.where(csr.kind == Kind.CREDIT, csr.indices, csr.sources)
        exposed = np.unique(counterparty[unknown])
        h.memo["unknown_amount_counterparties"] = exposed
    return bool((d[exposed] > 0).any())


def _indirect(core: Any, direct: np.ndarray, total: np.ndarray) -> np.ndarray:
    """total - direct, and W t where direct is +inf (an unknown amount's upper bound)."""
    with np.errstate(invalid="ignore"):
        out = total - direct
    infinite = np.isinf(direct)
    if infinite.any():
        # The upper core's own CSR: its shares are the capped maximums.
        c = core.csr()
        offsets, targets, shares = c["offsets"], c["targets"], c["shares"]
        sources = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets).astype(np.int64))
        eq = c["kinds"] == Kind.EQUITY
        terms = shares[eq] * total[targets[eq]]
        wt = np.bincount(sources[eq], weights=terms, minlength=len(total))
        out[infinite] = wt[infinite]
    return out


def look_through(
    h: Handle,
    value_loss: Any = None,
    default: Any = None,
    method: str = "walks",
    legacy_columns: bool = True,
    detail: bool = True,
) -> Any:
    many = look_through_many(h, value_loss, default, detail) if method == "walks" else None
    if many is not None:
        return many  # new in 0.2: the new column names only
    table = _look_through(h, value_loss, default, method)
    if legacy_columns is False:
        return table
    return with_old_names(table, LOSS_RENAMES, "Graph.look_through", stacklevel=4)


def _loss_columns(losses: Mapping[str, Any], indirect: np.ndarray) -> dict[str, np.ndarray]:
    """The core's losses under the table's names (docs/columns.md)."""
    return {
        "equity_loss": losses["equity"],
        "credit_loss": losses["credit"],
        "commitment_loss": losses["commitment"],
        "direct_loss": losses["direct"],
        "indirect_loss": indirect,
        "total_loss": losses["total"],
    }


def _look_through(h: Handle, value_loss: Any, default: Any, method: str) -> pa.Table:
    if method != "walks":
        raise ValueError(
            "look_through solves L = (I - W)^-1 (W s + R d), the walks convention; "
            f"method={method!r} is not available for it"
        )
    s = _node_values(h, value_loss, "value_loss")
    d = _node_values(h, default, "default")
    bounds = h.bounds()
    unknown_hit = _unknown_amounts_hit(h, d)
    lo_core, hi_core = (bounds[0], bounds[1]) if bounds else (h.core, h.core)
    low = h.call(_core.look_through, lo_core, s, d, 0.0)
    high = h.call(_core.look_through, hi_core, s, d, math.inf) if bounds or unknown_hit else None
    low_cols = _loss_columns(low, low["total"] - low["direct"])
    if high is None:
        return pa.table({"node": h.nodes.labels, **{k: pa.array(v) for k, v in low_cols.items()}})
    high_cols = _loss_columns(high, _indirect(hi_core, high["direct"], high["total"]))
    columns: dict[str, Any] = {"node": h.nodes.labels}
    for name in LOSS_COLUMNS:
        columns |= value_and_bounds(name, low_cols[name], high_cols[name])
    return pa.table(columns, metadata=_loss_metadata(h, bounds, hi_core, unknown_hit))


def _loss_metadata(h: Handle, bounds: Any, hi_core: Any, unknown_hit: bool) -> dict[bytes, bytes]:
    """What bounds a loss table holds: interval stakes (their metadata) or unknown amounts."""
    metadata = (
        bound_metadata(bounds[2], hi_core, h.nodes.labels)
        if bounds
        else {BOUNDS: b"amounts", LOWER_ATTAINED: b"true", UPPER_ATTAINED: b"false"}
    )
    metadata[UNKNOWN_AMOUNTS_HIT] = b"true" if unknown_hit else b"false"
    return metadata


def one_line(h: Handle, node: Any, column: bool) -> pa.Table:
    index = h.nodes.index(node)
    name = "holder" if column else "issuer"
    fn = _core.exposure_to if column else _core.holdings_of
    bounds = h.bounds()
    if bounds is None:
        line = h.call(fn, h.core, index)
        return pa.table(
            {
                name: h.nodes.take(pa.array(line["nodes"])),
                "direct": pa.array(line["direct"]),
                "integrated": pa.array(line["integrated"]),
            }
        )
    lo_core, hi_core, stakes = bounds
    low, high = h.call(fn, lo_core, index), h.call(fn, hi_core, index)
    n_lo, v_lo, n_hi, v_hi = low["nodes"], low["integrated"], high["nodes"], high["integrated"]
    nodes = np.union1d(n_lo, n_hi).astype(np.int64)
    lo = np.zeros(len(nodes))
    hi = np.zeros(len(nodes))
    lo[np.searchsorted(nodes, n_lo)] = v_lo
    hi[np.searchsorted(nodes, n_hi)] = v_hi
    me = np.full(len(nodes), index, dtype=np.int64)
    holder, issuer = (nodes, me) if column else (me, nodes)
    direct = [
        _direct_shares(h, holder, issuer, np.nan_to_num(x, nan=0.0)) for x in (stakes.lo, stakes.hi)
    ]
    return pa.table(
        {
            name: h.nodes.take(pa.array(nodes)),
            **value_and_bounds("direct", *direct),
            **value_and_bounds("integrated", lo, hi),
        },
        metadata=bound_metadata(stakes, hi_core, h.nodes.labels),
    )


def look_through_many(h: Handle, value_loss: Any, default: Any, detail: bool) -> Any:
    """look_through over many scenarios (see Graph.look_through); None when neither input
    asks for many (the caller runs one)."""
    many_v, value_loss = split(value_loss, "value_loss")
    many_d, default = split(default, "default")
    if not (many_v or many_d):
        if not detail:
            raise ValueError(
                "detail=False keeps only the totals of many scenarios; this call has one"
            )
        return None
    vb = batch(h, value_loss, "value_loss", unit=False) if many_v else None
    db = batch(h, default, "default") if many_d else None
    single = {
        "first": None if many_v else _node_values(h, value_loss, "value_loss"),
        "second": None if many_d else _node_values(h, default, "default"),
    }
    vb, db = aligned(h, vb, db, single)
    bounds = h.bounds()
    hit = np.zeros(h.num_nodes)
    hit[db.nodes[db.values > 0]] = 1.0
    unknown_hit = _unknown_amounts_hit(h, hit)
    lo_core, hi_core = (bounds[0], bounds[1]) if bounds else (h.core, h.core)
    args = (vb.offsets, vb.nodes, vb.values, db.offsets, db.nodes, db.values)
    low: dict[str, Any] = dict(h.call(_core.look_through_many, lo_core, *args, 0.0, detail))
    high: dict[str, Any] | None = (
        dict(h.call(_core.look_through_many, hi_core, *args, math.inf, detail))
        if bounds or unknown_hit
        else None
    )
    n = h.num_nodes
    if high is None:
        # One run: its rows as they come (scenario, then node), no merge.
        scenario, node = low["scenario"], low["node"].astype(np.int64)
        rows = None
    else:
        both = [x["scenario"].astype(np.int64) * n + x["node"] for x in (low, high)]
        rows = np.unique(np.concatenate(both))  # the rows of either bound
        scenario, node = rows // n, rows % n

    def spread(out: Mapping[str, Any], name: str) -> np.ndarray:
        """``out[name]`` on the union of rows (0 where that run has no row: no loss)."""
        if rows is None:
            return np.asarray(out[name])
        at = np.searchsorted(rows, out["scenario"].astype(np.int64) * n + out["node"])
        full = np.zeros(len(rows))
        full[at] = out[name]
        return full

    def losses(out: Mapping[str, Any]) -> dict[str, np.ndarray]:
        cols = {k: spread(out, k) for k in ("equity", "credit", "commitment", "direct", "total")}
        with np.errstate(invalid="ignore"):
            # An infinite first round (an unknown amount's upper bound): indirect at most +inf.
            indirect = np.where(np.isinf(cols["direct"]), np.inf, cols["total"] - cols["direct"])
        return _loss_columns(cols, indirect)

    table: dict[str, Any] = {
        "scenario": vb.key_column(scenario),
        "node": h.nodes.labels.take(pa.array(node)),
    }
    totals: dict[str, Any] = {"scenario": vb.keys}
    metadata = None
    if high is None:
        table |= {k: pa.array(v) for k, v in losses(low).items()}
        totals |= {"direct_loss": low["direct_sum"], "total_loss": low["total_sum"]}
    else:
        lo_cols, hi_cols = losses(low), losses(high)
        for name in LOSS_COLUMNS:
            table |= value_and_bounds(name, lo_cols[name], hi_cols[name])
        for name, key in (("direct_loss", "direct_sum"), ("total_loss", "total_sum")):
            totals |= value_and_bounds(name, low[key], high[key])
        metadata = _loss_metadata(h, bounds, hi_core, unknown_hit)
    return LookThroughScenarios(
        table=pa.table(table, metadata=metadata), totals=pa.table(totals, metadata=metadata)
    )


@dataclass(frozen=True)
class LookThroughScenarios:
    """look_through over many scenarios: ``table`` (``scenario``, ``node`` and the loss
    columns of :meth:`Graph.look_through`), a row for each node with a loss in that scenario,
    and ``totals`` (``scenario``, ``direct_loss``, ``total_loss``: sums over the nodes), one
    row per scenario. With bounds (interval stakes, unknown amounts hit), ``_min`` /
    ``_max`` columns as in the single call.

    >>> import pyarrow as pa
    >>> from aiexposure import Graph
    >>> g = Graph.from_arrow({"source": ["Amazon"], "target": ["OpenAI"], "share": [0.07]})
    >>> shocks = pa.table({"scenario": ["mild", "severe"], "node": ["OpenAI"] * 2,
    ...                    "value": [100e9, 365e9]})
    >>> g.look_through(shocks).totals["total_loss"].to_pylist()
    [7000000000.000001, 25550000000.000004]
    """

    table: pa.Table
    totals: pa.Table


# Comparisons with an ownership threshold allow this much (docs/control.md).
TOLERANCE = 1e-9


def beneficial_owners(
    h: Handle, threshold: float, max_depth: int | None, max_paths: int
) -> pa.Table:
    """The AMLR reading (docs/control.md): 25% or more by chain multiplication, each pair
    with the chains that make it."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold is {threshold!r}; a share threshold is in (0, 1]")
    if max_paths < 1:
        raise ValueError(f"max_paths is {max_paths!r}; give a count >= 1")
    # "25% or more": the simple-paths table keeps pairs above a threshold, so just below.
    ownership = integrated_ownership(
        h, "simple_paths", max(threshold - TOLERANCE, 0.0), max_depth, None
    )
    value = "integrated_max" if "integrated_max" in ownership.column_names else "integrated"
    keep = np.asarray(ownership[value].to_numpy(zero_copy_only=False)) >= threshold - TOLERANCE
    table = ownership.filter(pa.array(keep))
    csr = h.csr
    eq = csr.equity
    src, dst, share = csr.sources[eq], csr.indices[eq], csr.share[eq]
    order = np.argsort(src, kind="stable")
    src, dst, share = src[order], dst[order], share[order]
    starts = np.searchsorted(src, np.arange(h.num_nodes + 1))
    labels = h.nodes.labels
    holders = [h.nodes.index(v) for v in table["holder"].to_pylist()]
    issuers = [h.nodes.index(v) for v in table["issuer"].to_pylist()]
    paths = [
        _chains(a, b, starts, dst, share, max_paths) for a, b in zip(holders, issuers, strict=True)
    ]
    path_type = pa.list_(pa.struct([("nodes", pa.list_(labels.type)), ("share", pa.float64())]))
    column = pa.array(
        [
            [{"nodes": [labels[v].as_py() for v in p], "share": s} for p, s in chains]
            for chains in paths
        ],
        path_type,
    )
    out = table.rename_columns(
        ["owner" if c == "holder" else "entity" if c == "issuer" else c for c in table.column_names]
    )
    if "integrated_max" in out.column_names:
        lo = np.asarray(out["integrated_min"].to_numpy(zero_copy_only=False))
        status = np.where(lo >= threshold - TOLERANCE, "beneficial owner", "possibly")
        out = out.append_column("status", pa.array(status))
    meta = {
        b"aiexposure.rule": f"AMLR: chain multiplication, {threshold:g} or more".encode(),
        b"aiexposure.max_paths": str(max_paths).encode(),
    }
    return out.append_column("paths", column).replace_schema_metadata(meta)


def _chains(
    a: int, b: int, starts: np.ndarray, dst: np.ndarray, share: np.ndarray, limit: int
) -> list[tuple[list[int], float | None]]:
    """Simple chains of holdings from a to b, with their products (None where a stake on
    the chain is not one number), largest first, at most ``limit``."""
    out: list[tuple[list[int], float | None]] = []
    stack: list[tuple[int, list[int], float | None]] = [(a, [a], 1.0)]
    while stack and len(out) < 10 * limit:
        u, path, product = stack.pop()
        for k in range(starts[u], starts[u + 1]):
            v = int(dst[k])
            if v in path:
                continue
            s = float(share[k])
            p = None if product is None or np.isnan(s) else product * s
            if v == b:
                out.append(([*path, v], p))
            elif p is None or p >= 1e-9:  # a chain below 1e-9 cannot matter
                stack.append((v, [*path, v], p))
    out.sort(key=lambda c: -(c[1] if c[1] is not None else -1.0))
    return out[:limit]
