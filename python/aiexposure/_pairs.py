"""Joining two runs' (holder, issuer) tables, as the bounds of integrated ownership need.

Each run gives pairs and a value per pair; the join is every pair of either run with both
values (a pair one run lacks gets ``fill`` for it). A pair is one int64 key, holder-major, so
the runs (holder-major already, as the core writes them) merge with binary searches: no sort
of the two together, and no copy of them through a sort order (at register scale the join was
the largest part of the ultimate owners' memory).
"""

from __future__ import annotations

import numpy as np


def _keys(n: int, holder: np.ndarray, issuer: np.ndarray, values: np.ndarray):
    """Sorted unique keys of a run and their values: holder -1 (the free float) as ``n``,
    after every node; a repeated pair keeps its last value."""
    holder = np.asarray(holder, dtype=np.int64)
    keys = np.where(holder < 0, n, holder) * (n + 1) + np.asarray(issuer, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    if len(keys) > 1 and not bool(np.all(keys[1:] > keys[:-1])):
        order = np.argsort(keys, kind="stable")
        keys, values = keys[order], values[order]
        last = np.ones(len(keys), dtype=bool)
        last[:-1] = keys[1:] != keys[:-1]
        keys, values = keys[last], values[last]
    return keys, values


def join_runs(
    n: int,
    first: tuple[np.ndarray, np.ndarray, np.ndarray],
    second: tuple[np.ndarray, np.ndarray, np.ndarray],
    fill: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(holder, issuer, value in the first run, value in the second) for every pair of
    either run of ``n`` nodes, sorted by holder then issuer, the free float (holder ``n``)
    last. A pair missing from the first run has ``fill`` there, from the second 0."""
    k1, v1 = _keys(n, *first)
    k2, v2 = _keys(n, *second)
    # Where each second key is among the first's, and the second keys the first lacks.
    pos = np.searchsorted(k1, k2)
    shared = pos < len(k1)
    shared[shared] = k1[pos[shared]] == k2[shared]
    only2 = ~shared
    k_only = k2[only2]
    # The union, merged: each key's place is its rank in its array plus the other's before it.
    at1 = np.arange(len(k1)) + np.searchsorted(k_only, k1)
    at_only = np.arange(len(k_only)) + np.searchsorted(k1, k_only)
    m = len(k1) + len(k_only)
    keys = np.empty(m, dtype=np.int64)
    keys[at1] = k1
    keys[at_only] = k_only
    a = np.full(m, fill)
    a[at1] = v1
    b = np.zeros(m)
    b[at1[pos[shared]]] = v2[shared]
    b[at_only] = v2[only2]
    holder, issuer = np.divmod(keys, n + 1)
    return holder, issuer, a, b
