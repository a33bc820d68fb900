"""Cycle methods of Graph: SCCs, one witness cycle, simple cycles, circular financing.

The formulas are in docs/math.md; the algorithms in rust/core/src/scc.rs, rust/core/src/cycles/
and rust/core/src/circular.rs.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from . import _core
from ._handle import Handle
from ._stakes import exposure_cores, value_and_bounds
from ._stakes import metadata as bound_metadata
from ._vocabulary import BOUNDS, ERROR_BOUND, KINDS, TRUNCATED, Kind, KindsArg
from .errors import BoundWarning

# Node slots the cycles found may hold in all: about 12 bytes each in the core, and as much
# again in the result table; a bound on memory where `limit` (a count) bounds nothing when
# cycles run to thousands of nodes.
MAX_NODES = 50_000_000
_KIND_NAMES = pa.array(KINDS, pa.string())


def followed_kinds(kinds: KindsArg) -> list[int]:
    """The kind codes a traversal follows: all kinds when None."""
    if kinds is None:
        return list(range(len(KINDS)))
    if isinstance(kinds, str):
        kinds = [kinds]
    codes = []
    for k in kinds:
        if k not in KINDS:
            raise ValueError(f"unknown edge kind {k!r}: kinds are {', '.join(KINDS)}")
        codes.append(KINDS.index(k))
    if not codes:
        raise ValueError(f"kinds is empty: give some of {', '.join(KINDS)}, or None for all")
    return sorted(set(codes))


def strongly_connected_components(h: Handle, kinds: Any) -> pa.Table:
    found = h.call(_core.components, h.core, followed_kinds(kinds))
    component, sizes = found["component"].astype(np.int64), found["sizes"]
    return pa.table(
        {
            "node": h.nodes.labels,
            "component": pa.array(component),
            "size": pa.array(sizes.astype(np.int64)[component]),
        }
    )


def _nan_to_null(values: np.ndarray) -> pa.Array:
    return pa.array(values, pa.float64(), mask=np.isnan(values))


def _weight_bounds(
    h: Handle, lengths: np.ndarray, nodes: np.ndarray, kinds: np.ndarray, weight: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(weight: null unless every stake on the cycle is exact, weight_min, weight_max): the
    products of the minimum and of the capped maximum shares along each all-equity cycle."""
    stakes = h.stakes
    assert stakes is not None
    count = len(lengths)
    w_lo = np.full(count, np.nan)
    w_hi = np.full(count, np.nan)
    if count == 0:
        return weight, w_lo, w_hi
    starts = np.zeros(count, dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    nxt = np.arange(len(nodes)) + 1
    ends = starts + lengths.astype(np.int64)
    wrap = np.zeros(len(nodes), dtype=bool)
    wrap[ends - 1] = True
    nxt[wrap] = starts  # the last edge closes the cycle
    pos = h.core.edge_positions(
        np.ascontiguousarray(nodes, dtype=np.uint32),
        np.ascontiguousarray(nodes[nxt], dtype=np.uint32),
        np.ascontiguousarray(kinds, dtype=np.uint8),
    )
    all_equity = np.logical_and.reduceat(kinds == Kind.EQUITY, starts)
    lo_e = np.where(pos >= 0, stakes.lo[np.maximum(pos, 0)], np.nan)
    hi_e = np.where(pos >= 0, stakes.hi[np.maximum(pos, 0)], np.nan)
    unsure = np.logical_or.reduceat(
        stakes.uncertain[np.maximum(pos, 0)] & (kinds == Kind.EQUITY), starts
    )
    w_lo = np.where(all_equity, np.multiply.reduceat(np.nan_to_num(lo_e, nan=1.0), starts), np.nan)
    w_hi = np.where(all_equity, np.multiply.reduceat(np.nan_to_num(hi_e, nan=1.0), starts), np.nan)
    exact = all_equity & ~unsure
    # Exact cycles keep the core's product (same bits as a graph of exact stakes).
    w_lo[exact] = w_hi[exact] = weight[exact]
    return np.where(exact, weight, np.nan), w_lo, w_hi


def _cycle_table(h: Handle, found: Mapping[str, Any], truncated: bool) -> pa.Table:
    lengths, nodes, kinds = found["lengths"], found["nodes"], found["kinds"]
    weight, bottleneck = found["weight"], found["bottleneck"]
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    # 32-bit list offsets unless the cycles hold more than 2^31 - 1 nodes in all.
    list_of = pa.LargeListArray if offsets[-1] > np.iinfo(np.int32).max else pa.ListArray
    if list_of is pa.ListArray:
        offsets = offsets.astype(np.int32)
    offsets = pa.array(offsets)
    columns: dict[str, Any] = {
        "cycle": pa.array(np.arange(len(lengths), dtype=np.int64)),
        "length": pa.array(lengths.astype(np.int32)),
        "nodes": list_of.from_arrays(offsets, h.nodes.take(pa.array(nodes))),
        "kinds": list_of.from_arrays(offsets, _KIND_NAMES.take(pa.array(kinds))),
        "weight": _nan_to_null(weight),
    }
    metadata = {TRUNCATED: b"true" if truncated else b"false"}
    if h.stakes is not None:
        weight, w_lo, w_hi = _weight_bounds(h, lengths, nodes, kinds, weight)
        columns["weight"] = _nan_to_null(weight)
        columns["weight_min"] = _nan_to_null(w_lo)
        columns["weight_max"] = _nan_to_null(w_hi)
        metadata[BOUNDS] = b"interval"
    columns["bottleneck"] = _nan_to_null(bottleneck)
    return pa.table(columns, metadata=metadata)


def find_cycle(h: Handle, kinds: Any) -> pa.Table | None:
    found = h.call(_core.find_cycle, h.core, followed_kinds(kinds))
    return None if found is None else _cycle_table(h, found, False)


def _whole(name: str, value: Any, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < least:
        raise ValueError(f"{name} must be an integer >= {least}, not {value!r}")
    return int(value)


def _bound(name: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, not {value!r}")
    number = float(value)
    if not (math.isfinite(number) and number >= 0):
        raise ValueError(f"{name} must be finite and >= 0, not {value!r}")
    return number


def simple_cycles(
    h: Handle,
    max_length: int | None,
    min_weight: float | None,
    min_amount: float | None,
    kinds: Any,
    limit: int,
    max_nodes: int = MAX_NODES,
) -> pa.Table:
    codes = followed_kinds(kinds)
    if max_length is not None:
        max_length = _whole("max_length", max_length, 1)
    limit = _whole("limit", limit, 1)
    max_nodes = _whole("max_nodes", max_nodes, 1)
    core = h.core
    if h.stakes is not None and min_weight:
        # Keep every cycle whose upper bound passes: search the capped maximums' graph (the
        # same edges but those whose maximum is 0, which no positive min_weight keeps).
        core = exposure_cores(h.stakes, h.core)[1]
    found = h.call(
        _core.simple_cycles,
        core,
        codes,
        limit,
        max_length,
        _bound("min_weight", min_weight),
        _bound("min_amount", min_amount),
        min(max_nodes, 2**64 - 1),
    )
    truncated, over_budget = found["truncated"], found["over_budget"]
    table = _cycle_table(h, found, truncated)
    if over_budget:
        warnings.warn(
            f"simple_cycles: the cycles found hold more than max_nodes={max_nodes:,} nodes in "
            f"all; the table holds the first {table.num_rows:,} cycles (its metadata marks it "
            "truncated): narrow the search with max_length, min_weight or min_amount, or raise "
            "max_nodes if the memory allows (about 24 bytes a node)",
            BoundWarning,
            stacklevel=3,
        )
    elif truncated:
        warnings.warn(
            f"simple_cycles: more cycles match than limit={limit}; the table holds the first "
            f"{limit} (its metadata marks it truncated): raise limit, or narrow the search "
            "with max_length, min_weight or min_amount",
            BoundWarning,
            stacklevel=3,
        )
    return table


@dataclass(frozen=True)
class CircularFinancing:
    """What :meth:`Graph.circular_financing` measures (formulas in docs/math.md).

    ``round_trips``: one row per investment edge (equity or credit) ``investor -> investee``:
    ``invested`` (I), ``purchases_back`` (P, the investee's committed purchases from the
    investor: 0 when none, null when of unknown amount) and ``round_trip_ratio``
    min(I, P) / I (null when I or P is unknown, or I is 0).

    ``self_funded``: one row per node with committed revenue (or per chosen payee, in the
    order given): ``revenue`` (Σ_b P[b -> v] over
    known amounts), ``self_funded`` (Σ_b W̃[v, b] · P[b -> v], W̃ the integrated ownership,
    walks), ``self_funded_share`` (their ratio, null without revenue) and
    ``unknown_commitments`` (commitments to v of unknown amount, left out of both sums).

    ``reciprocity``: Σ_{i≠j} min(F_ij, F_ji) / Σ_{i≠j} F_ij over the money F of all kinds
    (None when no amount is known); ``unknown_amounts`` edges were left out of it.

    >>> from aiexposure import Graph
    >>> g = Graph.from_arrow({"source": ["A", "B"], "target": ["B", "A"],
    ...                       "kind": ["credit", "commitment"], "amount": [10.0, 4.0]})
    >>> cf = g.circular_financing()
    >>> cf.round_trips.column("round_trip_ratio").to_pylist(), cf.reciprocity
    ([0.4], 0.5714285714285714)
    """

    round_trips: pa.Table
    self_funded: pa.Table
    reciprocity: float | None
    unknown_amounts: int


def circular_financing(
    h: Handle, payees: Iterable[Any] | None = None, sparse: bool = False
) -> CircularFinancing:
    """``sparse`` (every payee, no interval stakes): self-funded revenue from the thresholded
    columns of every issuer, each value a lower bound within a stated bound."""
    core = h.core
    r = h.call(_core.round_trips, core)
    source, target, kind = r["source"], r["target"], r["kind"]
    invested, returned, ratio = r["invested"], r["returned"], r["ratio"]
    trips = pa.table(
        {
            "investor": h.nodes.take(pa.array(source)),
            "investee": h.nodes.take(pa.array(target)),
            "kind": _KIND_NAMES.take(pa.array(kind)),
            "invested": _nan_to_null(invested),
            "purchases_back": _nan_to_null(returned),
            "round_trip_ratio": _nan_to_null(ratio),
        }
    )
    stakes = h.stakes
    chosen = None if payees is None else h.nodes.indices(payees, "payees")
    if stakes is None:
        low = h.call(_core.self_funded, core, chosen, sparse and chosen is None)
    else:
        lo_core, hi_core = exposure_cores(stakes, core)
        low = h.call(_core.self_funded, lo_core, chosen)
        high = h.call(_core.self_funded, hi_core, chosen)
        funded_hi, owned_hi = high["self_funded"], high["unknown_owned"]
        # A commitment of unknown amount from a customer the payee may own: no upper bound.
        funded_hi = np.where(owned_hi > 0, np.inf, funded_hi)
    node, revenue, funded, unknown = (low[k] for k in ("node", "revenue", "self_funded", "unknown"))

    def share_of(funded: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(revenue > 0, funded / np.where(revenue > 0, revenue, 1.0), np.nan)

    columns: dict[str, Any] = {
        "node": h.nodes.take(pa.array(node)),
        "revenue": pa.array(revenue),
    }
    metadata = None
    if stakes is None:
        columns["self_funded"] = pa.array(funded)
        columns["self_funded_share"] = _nan_to_null(share_of(funded))
        # How far a self-funded share may be below the truth: the largest bound / revenue.
        shares = share_of(low["bound"])
        worst = float(np.nanmax(shares)) if np.isfinite(shares).any() else 0.0
        metadata = {ERROR_BOUND: repr(worst).encode()}
    else:
        columns |= value_and_bounds("self_funded", funded, funded_hi)
        columns |= value_and_bounds("self_funded_share", share_of(funded), share_of(funded_hi))
        metadata = bound_metadata(stakes, hi_core, h.nodes.labels)
    columns["unknown_commitments"] = pa.array(unknown.astype(np.int64))
    funded_table = pa.table(columns, metadata=metadata)
    rec = h.call(_core.reciprocity, core)
    reciprocated, total, unknown_amounts = rec["reciprocated"], rec["total"], rec["unknown"]
    return CircularFinancing(
        round_trips=trips,
        self_funded=funded_table,
        reciprocity=reciprocated / total if total > 0 else None,
        unknown_amounts=int(unknown_amounts),
    )
