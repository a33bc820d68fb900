"""Predicted size of an exact ownership table, to warn before building one that will not fit.

An exact table (threshold 0) has a row for every holder and every issuer it reaches through
equity edges: up to holders x issuers rows, which on a large connected graph is far more than
memory holds. The count of reachable pairs is estimated from a sample of holders (one
multi-source breadth-first search over the equity edges), exact when every holder is sampled;
the search stops as soon as the estimate passes the warning's bar, so a huge graph costs little.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from .errors import LargeResultWarning

if TYPE_CHECKING:
    from ._handle import Handle

WARN_ROWS = 10_000_000
ROW_BYTES = 56  # the core's row (24 bytes) and the Arrow row (two ids, two float64)
SAMPLE = 32
# A thresholded walks or ultimate table is solved exactly up to this many exact pairs
# (predicted), past it from the sparse columns of every issuer, with a stated error bound. Exact
# ultimate owners solve the roots' rows only, so they stay cheaper than every issuer's column
# for far longer (60k nodes with a 20k-node component: 62M pairs, 11 s exact).
EXACT_PAIRS = {"walks": 2_000_000, "ultimate": 100_000_000}


def past_exact(h: Handle, method: str) -> bool:
    """Whether the exact ``method`` table is predicted to pass ``EXACT_PAIRS``: a thresholded
    table (or every payee's self-funded revenue, over walks) then comes from the sparse
    columns."""
    bar = EXACT_PAIRS[method]
    return rows_up_to(h, method, bar) > bar


def warn_if_large(h: Handle, method: str, max_depth: int | None, stacklevel: int) -> None:
    rows = predicted_rows(h, method, max_depth)
    if rows > WARN_ROWS:
        warnings.warn(
            f"integrated_ownership(method={method!r}, threshold=0) is predicted to build at least "
            f"about {rows:,} rows (about {rows * ROW_BYTES / 1e9:,.1f} GB), more than "
            f"{WARN_ROWS:,}: pass a threshold (e.g. 0.01) for a sparse table, or ask for one "
            "holder or issuer (holdings_of, exposure_to)",
            LargeResultWarning,
            stacklevel=stacklevel,
        )


def predicted_rows(h: Handle, method: str, max_depth: int | None = None) -> int:
    """Estimated rows of the exact table: reachable (holder, issuer) pairs over equity edges
    (holders: the roots for ``ultimate``, plus one free-float row per held issuer). The upper
    bound holders x held issuers when that is at most ``WARN_ROWS``; past ``WARN_ROWS``, a
    lower bound of the estimate."""
    eq = _Equity(h, method)
    if len(eq.holders) * eq.held <= WARN_ROWS:
        return len(eq.holders) * eq.held + eq.extra
    return sampled_rows(h, method, max_depth, stop=WARN_ROWS, eq=eq)


def rows_up_to(h: Handle, method: str, bar: int, max_depth: int | None = None) -> int:
    """Predicted rows of the exact ``method`` table, as far as telling whether they pass
    ``bar`` needs: the holders x issuers bound when that is within it, else a sample (a lower
    bound once past ``bar``)."""
    eq = _Equity(h, method)
    if len(eq.holders) * eq.held <= bar:
        return len(eq.holders) * eq.held + eq.extra
    return sampled_rows(h, method, max_depth, stop=bar, eq=eq)


def sampled_rows(
    h: Handle,
    method: str,
    max_depth: int | None = None,
    stop: int | None = None,
    eq: _Equity | None = None,
) -> int:
    """The rows estimated from a sample of holders (exact when there are no more holders than
    the sample); a lower bound once past ``stop``."""
    eq = eq or _Equity(h, method)
    if not len(eq.holders):
        return eq.extra
    sample = np.random.default_rng(0).choice(eq.holders, min(SAMPLE, len(eq.holders)), False)
    # Enough pairs reached from the sample to pass the bar: no need to search further.
    enough = None if stop is None else stop * len(sample) // len(eq.holders) + 1
    reached = _reach_counts(eq.offsets, eq.targets, sample, h.num_nodes, max_depth, enough)
    return int(reached / len(sample) * len(eq.holders)) + eq.extra


class _Equity:
    """The equity edges in CSR form, the holders whose rows the table has, and how many
    issuers are held."""

    def __init__(self, h: Handle, method: str) -> None:
        csr = h.csr
        n = h.num_nodes
        equity = csr.equity
        targets = csr.indices
        degree = np.bincount(csr.sources[equity], minlength=n)
        held = np.zeros(n, bool)
        held[targets[equity]] = True
        self.holders = np.flatnonzero(degree > 0)
        self.held = int(held.sum())
        self.extra = 0
        if method == "ultimate":
            self.holders = self.holders[~held[self.holders]]
            self.extra = self.held  # the free float's row per held issuer
        self.offsets = np.zeros(n + 1, np.int64)
        np.cumsum(degree, out=self.offsets[1:])
        self.targets = targets[equity].astype(np.int64)


def _reach_counts(
    offsets: np.ndarray,
    targets: np.ndarray,
    sources: np.ndarray,
    n: int,
    depth: int | None,
    enough: int | None,
) -> int:
    """(source, node) pairs with the node reachable in one or more steps from the source
    (breadth first, all sources at once), or some number >= ``enough`` of them."""
    k = len(sources)
    seen = np.zeros(k * n, bool)
    front_s, front_v = np.arange(k, dtype=np.int64), sources.astype(np.int64)
    level = reached = 0
    while len(front_v) and (depth is None or level < depth):
        if enough is not None and reached >= enough:
            break
        counts = offsets[front_v + 1] - offsets[front_v]
        total = int(counts.sum())
        if total == 0:
            break
        first = np.repeat(offsets[front_v] - np.cumsum(counts) + counts, counts)
        nxt = targets[first + np.arange(total)]
        codes = np.unique(np.repeat(front_s, counts) * n + nxt)
        codes = codes[~seen[codes]]
        seen[codes] = True
        reached += len(codes)
        front_s, front_v = codes // n, codes % n
        level += 1
    return reached
