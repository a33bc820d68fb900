"""Sanctions through ownership (docs/control.md): functions of a Handle."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa

from . import _core
from ._handle import Handle

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
