"""Control and sanctions through ownership (docs/control.md): functions of a Handle."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa

from . import _core
from ._handle import Handle
from ._vocabulary import KINDS

# regime: (aggregate over listed persons, strict ">" rather than ">=", source)
REGIMES: dict[str, tuple[bool, bool, str]] = {
    "ofac": (True, False, "OFAC 50 Percent Rule (FAQ 398-402, 2014): aggregated, 50% or more"),
    "eu": (
        True,
        False,
        "EU Council best practices on restrictive measures (July 2024): aggregated, 50% or more",
    ),
    "eu_2023": (True, True, "EU best practices before July 2024: aggregated, more than 50%"),
    "uk": (False, True, "UK OFSI ownership and control (each designated person): more than 50%"),
}
BLOCKED, POSSIBLY = "blocked", "possibly blocked"


def blocked(
    h: Handle,
    listed: Iterable[Any],
    regime: str | None,
    aggregate: bool | None,
    strict: bool | None,
    threshold: float,
) -> pa.Table:
    if regime is not None and regime not in REGIMES:
        raise ValueError(
            f"unknown regime {regime!r}: regimes are {', '.join(map(repr, REGIMES))}, or "
            "regime=None with aggregate= and strict= given"
        )
    if regime is None and (aggregate is None or strict is None):
        raise ValueError("regime=None needs both aggregate= and strict=")
    agg, gt, source = REGIMES[regime] if regime is not None else (False, False, "custom")
    agg = agg if aggregate is None else bool(aggregate)
    gt = gt if strict is None else bool(strict)
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold is {threshold!r}; a share threshold is in (0, 1]")
    if isinstance(listed, (str, bytes)):
        raise TypeError(f"listed must be a list of nodes, not one {type(listed).__name__}")
    persons = h.nodes.indices(listed, "listed")
    bounds = h.bounds()
    args = (persons, float(threshold), gt, agg)
    # Exact stakes: one run. Interval stakes: the minimums give what is certain, the capped
    # maximums what is possible.
    low = h.call(_core.blocked, bounds[0] if bounds else h.core, *args)
    high = h.call(_core.blocked, bounds[1], *args) if bounds else None
    certain = low["blocked"]
    possible = high["blocked"] | certain if high is not None else certain
    rows = np.flatnonzero(possible)
    # The listed persons behind each row: the certain run's for a certain row, else the
    # upper run's (who could be behind it).
    behind_run = [low if certain[v] or high is None else high for v in rows]
    behind = [
        r["owners"][r["owner_offsets"][v] : r["owner_offsets"][v + 1]]
        for r, v in zip(behind_run, rows, strict=True)
    ]
    labels = h.nodes.labels
    listed_col = pa.array(
        [labels.take(pa.array(b.astype(np.int64))).to_pylist() for b in behind],
        pa.list_(labels.type),
    )
    columns: dict[str, Any] = {
        "node": labels.take(pa.array(rows.astype(np.int64))),
        "status": pa.array([BLOCKED if certain[v] else POSSIBLY for v in rows]),
    }
    if high is None:
        columns["held"] = pa.array(low["held"][rows])
    else:
        columns["held_min"] = pa.array(low["held"][rows])
        columns["held_max"] = pa.array(high["held"][rows])
    columns["listed"] = listed_col
    who = "aggregated" if agg else "each listed person alone"
    rule = f"{who}, {'>' if gt else '>='} {threshold:g}"
    metadata = {
        b"aiexposure.regime": (regime or "custom").encode(),
        b"aiexposure.rule": rule.encode(),
        b"aiexposure.source": source.encode(),
    }
    return pa.table(columns, metadata=metadata)


CONTROLS, POSSIBLY_CONTROLS = "controls", "possibly controls"


def _candidates(h: Handle, nodes: Iterable[Any] | None, name: str) -> np.ndarray:
    """The candidate controllers (or persons): those given, or every equity holder (only a
    holder can control anything)."""
    if isinstance(nodes, (str, bytes)):
        raise TypeError(f"{name} must be a list of nodes, not one node")
    csr = h.csr
    if nodes is None:
        return np.unique(csr.sources[csr.equity]).astype(np.uint32)
    return np.unique(h.nodes.indices(nodes, name)).astype(np.uint32)


def control(
    h: Handle,
    threshold: float,
    strict: bool,
    controllers: Iterable[Any] | None,
    max_controlled: int | None,
    explain: bool,
    max_depth: int | None = None,
) -> pa.Table:
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold is {threshold!r}; a share threshold is in (0, 1]")
    for name, bound in (("max_controlled", max_controlled), ("max_depth", max_depth)):
        if bound is not None and bound < 1:
            raise ValueError(f"{name} is {bound!r}; give a count >= 1, or None")
    candidates = _candidates(h, controllers, "controllers")
    limit = 2**63 - 1 if max_controlled is None else int(max_controlled)
    bounds = h.bounds()
    args = (candidates, float(threshold), bool(strict), limit, None, max_depth)
    low = h.call(_core.control, bounds[0] if bounds else h.core, *args)
    high = h.call(_core.control, bounds[1], *args) if bounds else None
    n = h.num_nodes
    key_lo = low["controller"].astype(np.int64) * n + low["controlled"]
    if high is None:
        keys, held_lo, held_hi = key_lo, low["held"], None
    else:
        key_hi = high["controller"].astype(np.int64) * n + high["controlled"]
        keys = np.union1d(key_lo, key_hi)
        held_lo = np.zeros(len(keys))
        held_lo[np.searchsorted(keys, key_lo)] = low["held"]
        held_hi = np.zeros(len(keys))
        held_hi[np.searchsorted(keys, key_hi)] = high["held"]
    certain = np.isin(keys, key_lo)
    labels = h.nodes.labels
    controller, controlled = keys // n, keys % n
    columns: dict[str, Any] = {
        "controller": labels.take(pa.array(controller)),
        "controlled": labels.take(pa.array(controlled)),
    }
    if held_hi is None:
        columns["held"] = pa.array(held_lo)
    else:
        # A pair certain under the minimums holds at least their sum (it may hold more).
        columns["held_min"] = pa.array(np.where(certain, held_lo, 0.0))
        columns["held_max"] = pa.array(held_hi)
        columns["status"] = pa.array(np.where(certain, CONTROLS, POSSIBLY_CONTROLS))
    if explain:
        columns["via"] = _via(h, controller, controlled)
    cut = np.union1d(low["cut"], high["cut"] if high is not None else np.empty(0, np.uint32))
    rule = f"{'>' if strict else '>='} {threshold:g}, through controlled companies in full"
    metadata = {
        b"aiexposure.rule": rule.encode(),
        b"aiexposure.truncated": b"true" if len(cut) else b"false",
    }
    if len(cut):
        metadata[b"aiexposure.cut_controllers"] = ", ".join(
            map(str, labels.take(pa.array(cut.astype(np.int64))).to_pylist()[:20])
        ).encode()
        import warnings

        from .errors import BoundWarning

        which = " or ".join(
            f"{k}={v}"
            for k, v in (("max_controlled", max_controlled), ("max_depth", max_depth))
            if v is not None
        )
        warnings.warn(
            f"{len(cut)} controller(s) reached {which}: what they control is a lower bound "
            "(metadata aiexposure.cut_controllers)",
            BoundWarning,
            stacklevel=3,
        )
    return pa.table(columns, metadata=metadata)


def _via(
    h: Handle, controller: np.ndarray, controlled: np.ndarray, controls: np.ndarray | None = None
) -> pa.Array:
    """For each pair, the holders whose stakes make it: the controller and the companies it
    controls (the pairs, or those of them marked ``controls``) that hold the controlled node,
    each with its share."""
    by_controller: dict[int, set[int]] = {}
    marked = np.ones(len(controller), bool) if controls is None else controls
    for x, y, c in zip(controller.tolist(), controlled.tolist(), marked.tolist(), strict=True):
        group = by_controller.setdefault(x, {x})
        if c:
            group.add(y)
    csr = h.csr
    order = np.argsort(csr.indices[csr.equity], kind="stable")
    issuers = csr.indices[csr.equity][order]
    holders = csr.sources[csr.equity][order]
    shares = csr.share[csr.equity][order]
    starts = np.searchsorted(issuers, np.arange(h.num_nodes + 1))
    labels = h.nodes.labels
    out = []
    for x, y in zip(controller.tolist(), controlled.tolist(), strict=True):
        group = by_controller[x]
        out.append(
            [
                # A stake given as a range has no single share: null (see stakes()).
                {
                    "holder": labels[int(holders[k])].as_py(),
                    "share": None if np.isnan(shares[k]) else float(shares[k]),
                }
                for k in range(starts[y], starts[y + 1])
                if int(holders[k]) in group
            ]
        )
    return pa.array(out, pa.list_(pa.struct([("holder", labels.type), ("share", pa.float64())])))


def ultimate_controllers(h: Handle, threshold: float, strict: bool) -> pa.Table:
    """(node, group) for each node and each ultimate controlling group (certain control
    only, under interval stakes)."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold is {threshold!r}; a share threshold is in (0, 1]")
    candidates = _candidates(h, None, "controllers")
    bounds = h.bounds()
    core = bounds[0] if bounds else h.core
    pairs = h.call(_core.control, core, candidates, float(threshold), bool(strict), 2**63 - 1)
    x, y = pairs["controller"], pairs["controlled"]
    n = h.num_nodes
    # The control relation as a graph of its own: its strongly connected components are the
    # groups of nodes that control one another.
    relation = h.call(
        _core.build_graph,
        n,
        x.astype(np.uint32),
        y.astype(np.uint32),
        np.full(len(x), KINDS.index("credit"), np.uint8),
        np.empty(0),
        np.empty(0),
        False,
    )
    comp = h.call(_core.components, relation, [KINDS.index("credit")])["component"]
    comp = comp.astype(np.int64)
    # A group is ultimate when nobody outside it controls any of its members.
    controlled_from_outside = np.zeros(int(comp.max()) + 1 if n else 0, bool)
    outside = comp[x] != comp[y]
    controlled_from_outside[comp[y[outside]]] = True
    ultimate = ~controlled_from_outside
    members: dict[int, list[int]] = {}
    for v in range(n):
        members.setdefault(int(comp[v]), []).append(v)
    rows: dict[tuple[int, int], None] = {}
    for a, b in zip(x.tolist(), y.tolist(), strict=True):
        if ultimate[comp[a]]:
            rows[(b, int(comp[a]))] = None
    labels = h.nodes.labels
    node = [labels[b].as_py() for b, _ in rows]
    group = [[labels[v].as_py() for v in members[g]] for _, g in rows]
    order = sorted(range(len(node)), key=lambda i: (list(rows)[i][0], group[i]))
    return pa.table(
        {
            "node": pa.array([node[i] for i in order], labels.type),
            "group": pa.array([group[i] for i in order], pa.list_(labels.type)),
        }
    )


# UK PSC: the statutory bands of a holding (Companies Act 2006, Schedule 1A; the register's
# "ownership-of-shares" natures of control).
PSC_BANDS = (
    (0.25, 0.5, "more than 25% to 50%"),
    (0.5, 0.75, "more than 50% to less than 75%"),
    (0.75, float("inf"), "75% or more"),
)
TOLERANCE = 1e-9


def psc_band(held: float) -> str | None:
    """The band of a holding, None at or below 25% (1e-9 allowed at each edge)."""
    if held <= 0.25 + TOLERANCE:
        return None
    if held <= 0.5 + TOLERANCE:
        return PSC_BANDS[0][2]
    if held < 0.75 - TOLERANCE:
        return PSC_BANDS[1][2]
    return PSC_BANDS[2][2]


def significant_control(h: Handle, persons: Iterable[Any] | None, explain: bool) -> pa.Table:
    candidates = _candidates(h, persons, "persons")
    bounds = h.bounds()
    # Holdings through majority-controlled companies count in full: the control fixpoint
    # (more than 50%), every node held above 25% reported.
    args = (candidates, 0.5, True, 2**63 - 1, 0.25)
    low = h.call(_core.control, bounds[0] if bounds else h.core, *args)
    high = h.call(_core.control, bounds[1], *args) if bounds else None
    n = h.num_nodes
    key_lo = low["controller"].astype(np.int64) * n + low["controlled"]
    keys = (
        key_lo
        if high is None
        else np.union1d(key_lo, high["controller"].astype(np.int64) * n + high["controlled"])
    )
    held_lo = np.zeros(len(keys))
    held_lo[np.searchsorted(keys, key_lo)] = low["held"]
    labels = h.nodes.labels
    columns: dict[str, Any] = {
        "person": labels.take(pa.array(keys // n)),
        "company": labels.take(pa.array(keys % n)),
    }
    if high is None:
        columns["held"] = pa.array(held_lo)
        columns["band"] = pa.array([psc_band(x) for x in held_lo], pa.string())
    else:
        key_hi = high["controller"].astype(np.int64) * n + high["controlled"]
        held_hi = np.zeros(len(keys))
        held_hi[np.searchsorted(keys, key_hi)] = high["held"]
        columns["held_min"] = pa.array(held_lo)
        columns["held_max"] = pa.array(held_hi)
        # The band is known where both ends agree; else the lowest and highest it could be.
        columns["band_min"] = pa.array([psc_band(x) for x in held_lo], pa.string())
        columns["band_max"] = pa.array([psc_band(x) for x in held_hi], pa.string())
    # The holdings that make each row: the person's and its majority-controlled companies'
    # (controlled under the minimums when stakes are ranges).
    if explain:
        controls = np.zeros(len(keys), bool)
        controls[np.searchsorted(keys, key_lo)] = low["controls"]
        columns["via"] = _via(h, keys // n, keys % n, controls)
    return pa.table(
        columns,
        metadata={
            b"aiexposure.rule": b"UK PSC: shares held directly or through majority-controlled "
            b"companies (counted in full), more than 25%; voting rights and the right to "
            b"appoint directors are not in the data"
        },
    )
