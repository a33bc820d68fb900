"""Interval stakes: each equity edge's stake as [lo, hi], and the two exposure graphs they give.

A stake is exact (``share``), a declared range (``share_min`` / ``share_max``) or unknown
((0, 1]). The money graph holds every edge with its minimum share (0 for an unknown stake), so
cycles and flows see every edge; the exposure results are computed twice, at the minimums and
at the capped maximums, each on its own core graph (docs/math.md, "Partial information").

Caps: each upper bound is capped at 1 minus what the issuer's other holders hold at least:
hi_e = min(max_e, 1 - (Σ_holders lo - lo_e)). The capped maximums are attainable together
when they sum to at most 1 in every issuer; otherwise the upper bound is valid but not
attained.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa

from . import _core
from ._validate import RowStakes
from ._vocabulary import BOUNDS, DIVERGENT, LOWER_ATTAINED, UPPER_ATTAINED, Kind

SUM_TOLERANCE = 1e-9


class Stakes:
    """Per forward edge position of the money graph (NaN on non-equity edges): the minimum
    ``lo``, the declared maximum ``hi_raw`` (duplicates summed, at most 1), the capped maximum
    ``hi``, which bounds are open, and each edge's issuer (``targets``)."""

    __slots__ = (
        "_attainable",
        "_cores",
        "_uncertain",
        "hi",
        "hi_open",
        "hi_raw",
        "lo",
        "lo_open",
        "targets",
    )

    def __init__(
        self,
        lo: np.ndarray,
        hi_raw: np.ndarray,
        lo_open: np.ndarray,
        hi_open: np.ndarray,
        targets: np.ndarray,
    ) -> None:
        self.lo, self.hi_raw, self.lo_open, self.hi_open = lo, hi_raw, lo_open, hi_open
        self.targets = targets
        self.hi = capped_maximums(targets, lo, hi_raw)
        self._cores: tuple[_core.CoreGraph, _core.CoreGraph] | None = None
        self._uncertain = (self.hi > self.lo) | ((self.lo == self.hi) & (self.lo == 0))
        self._attainable: bool | None = None

    @property
    def uncertain(self) -> np.ndarray:
        """Edges whose stake is not one known number."""
        return self._uncertain

    @property
    def any_uncertain(self) -> bool:
        return bool(self.uncertain.any())

    def lower_attained(self) -> bool:
        """The minimums are stakes the data allow (no open lower bound on an uncertain edge)."""
        return not bool((self.lo_open & self.uncertain).any())

    def upper_attainable(self) -> bool:
        """The capped maximums are stakes the data allow together: no open upper bound, and
        they sum to at most 1 in every issuer."""
        if self._attainable is None:
            equity = ~np.isnan(self.hi)
            t = self.targets[equity].astype(np.int64)
            held = np.bincount(t, weights=self.hi[equity]) if len(t) else np.zeros(0)
            self._attainable = not bool((self.hi_open & self.uncertain).any()) and bool(
                (held <= 1.0 + SUM_TOLERANCE).all()
            )
        return self._attainable


def capped_maximums(targets: np.ndarray, lo: np.ndarray, hi_raw: np.ndarray) -> np.ndarray:
    """hi_e = clip(min(hi_raw_e, 1 - (Σ lo of e's issuer - lo_e)), lo_e, 1) on equity edges."""
    equity = ~np.isnan(lo)
    hi = np.full(len(lo), np.nan)
    if not equity.any():
        return hi
    # Views when every edge is equity, and the steps in place: at register scale each
    # temporary is tens of MB.
    pick = slice(None) if equity.all() else equity
    t = targets[pick]
    lo_e = lo[pick]
    held = np.bincount(t, weights=lo_e)
    cap = held[t]
    del held
    cap -= lo_e
    np.subtract(1.0, cap, out=cap)
    np.minimum(hi_raw[pick], cap, out=cap)
    np.clip(cap, lo_e, 1.0, out=cap)
    hi[pick] = cap
    return hi


def merged_stakes(
    core: _core.CoreGraph, src: np.ndarray, dst: np.ndarray, rows: RowStakes
) -> Stakes:
    """Per edge position of ``core`` (built from the rows' minimums), the merged interval of
    its rows: minimums as the core summed them, maximums summed and capped at 1, a bound open
    when any merged row's is."""
    exported = core.csr()
    targets, kinds, shares = exported["targets"], exported["kinds"], exported["shares"]
    del exported  # its offsets and amounts: at register scale, hundreds of MB
    m = len(targets)
    equity = ~np.isnan(rows.lo)
    # Every row equity (a BODS register's): the rows themselves, not copies of them.
    pick = slice(None) if equity.all() else np.flatnonzero(equity)
    del equity
    kind = np.full(len(src[pick]), Kind.EQUITY, dtype=np.uint8)
    pos = core.edge_positions(
        np.ascontiguousarray(src[pick]), np.ascontiguousarray(dst[pick]), kind
    )
    del kind
    is_equity = kinds == Kind.EQUITY
    lo = np.where(is_equity, shares, np.nan)
    # Sums per edge in row order from 0, as np.add.at gives, without its slowness.
    hi_raw = np.where(is_equity, np.bincount(pos, weights=rows.hi[pick], minlength=m), np.nan)
    np.minimum(hi_raw, 1.0, out=hi_raw)
    lo_open = np.bincount(pos, weights=rows.lo_open[pick], minlength=m) > 0
    hi_open = np.bincount(pos, weights=rows.hi_open[pick], minlength=m) > 0
    return Stakes(lo, hi_raw, lo_open, hi_open, targets)


def exposure_cores(
    stakes: Stakes, money_core: _core.CoreGraph
) -> tuple[_core.CoreGraph, _core.CoreGraph]:
    """The core graphs of the minimums and of the capped maximums (equity edges whose bound
    is 0 left out), built once."""
    if stakes._cores is None:
        lo = np.nan_to_num(stakes.lo, nan=0.0)
        hi = np.nan_to_num(stakes.hi, nan=0.0)
        stakes._cores = (
            money_core.reweighted(lo, True, False, False),
            money_core.reweighted(hi, True, False, True),
        )
    return stakes._cores


def metadata(stakes: Stakes, upper_core: _core.CoreGraph, labels: Any) -> dict[bytes, bytes]:
    """What a bounded table says of its bounds: whether each is attained, and the
    components whose upper bound diverges (size and first members)."""
    divergent = upper_core.divergent_components()
    named = [
        {"size": int(size), "members": [labels[int(i)].as_py() for i in members]}
        for size, members in divergent
    ]
    attained = stakes.upper_attainable() and not divergent
    return {
        BOUNDS: b"interval",
        LOWER_ATTAINED: b"true" if stakes.lower_attained() else b"false",
        UPPER_ATTAINED: b"true" if attained else b"false",
        DIVERGENT: json.dumps(named, default=str).encode(),
    }


def value_and_bounds(name: str, lo: np.ndarray, hi: np.ndarray) -> dict[str, pa.Array]:
    """``name`` (the value where both bounds agree, else null), ``name_min``, ``name_max``;
    NaN (a bound not computed) is null. Bounds within 1e-12 relative agree: the two solves
    run over different plans, and sum in different orders (rust/core/src/bounds.rs, one
    parallel pass; the Arrow arrays are built on its buffers, no copy)."""
    b = _core.bounded(
        np.ascontiguousarray(lo, dtype=np.float64), np.ascontiguousarray(hi, dtype=np.float64)
    )

    def column(values: np.ndarray, valid: np.ndarray, nulls: int) -> pa.Array:
        bitmap = pa.py_buffer(valid) if nulls else None
        return pa.Array.from_buffers(
            pa.float64(), len(values), [bitmap, pa.py_buffer(values)], nulls
        )

    return {
        name: column(b["lo"], b["agree"], b["disagree"]),
        f"{name}_min": column(b["lo"], b["lo_valid"], b["lo_nulls"]),
        f"{name}_max": column(b["hi"], b["hi_valid"], b["hi_nulls"]),
    }
