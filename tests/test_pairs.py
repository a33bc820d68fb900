"""The join of two runs' (holder, issuer) tables behind integrated ownership's bounds
(aiexposure._pairs.join_runs), against a plain dict join."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from aiexposure._pairs import join_runs

N = 6


def _run(draw_pairs):
    holder = np.array([h for h, _, _ in draw_pairs], dtype=np.int64)
    issuer = np.array([i for _, i, _ in draw_pairs], dtype=np.uint32)
    values = np.array([v for _, _, v in draw_pairs], dtype=np.float64)
    return holder, issuer, values


def _reference(first, second, fill):
    """Every pair of either run, the last value of a repeated pair, free float last."""
    a, b = {}, {}
    for h, i, v in zip(*first, strict=True):
        a[(N if h < 0 else int(h), int(i))] = float(v)
    for h, i, v in zip(*second, strict=True):
        b[(N if h < 0 else int(h), int(i))] = float(v)
    keys = sorted(set(a) | set(b))
    return (
        [k[0] for k in keys],
        [k[1] for k in keys],
        [a.get(k, fill) for k in keys],
        [b.get(k, 0.0) for k in keys],
    )


def test_worked_example():
    # first: (0 -> 1) 0.2, free float of 1: 0.5; second: (0 -> 1) 0.3, (2 -> 1) 0.1.
    first = (np.array([0, -1]), np.array([1, 1], dtype=np.uint32), np.array([0.2, 0.5]))
    second = (np.array([0, 2]), np.array([1, 1], dtype=np.uint32), np.array([0.3, 0.1]))
    holder, issuer, a, b = join_runs(N, first, second, np.nan)
    assert holder.tolist() == [0, 2, N]
    assert issuer.tolist() == [1, 1, 1]
    assert a[0] == 0.2 and np.isnan(a[1]) and a[2] == 0.5
    assert b.tolist() == [0.3, 0.1, 0.0]


def test_empty_runs():
    empty = (np.array([], np.int64), np.array([], np.uint32), np.array([], np.float64))
    holder, issuer, a, b = join_runs(N, empty, empty, 0.0)
    assert len(holder) == len(issuer) == len(a) == len(b) == 0
    one = (np.array([3]), np.array([4], np.uint32), np.array([0.7]))
    holder, issuer, a, b = join_runs(N, empty, one, 0.0)
    assert (holder.tolist(), issuer.tolist(), a.tolist(), b.tolist()) == ([3], [4], [0.0], [0.7])


pairs = st.lists(
    st.tuples(
        st.integers(-1, N - 1),
        st.integers(0, N - 1),
        st.floats(0, 1, allow_nan=False),
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(pairs, pairs, st.booleans(), st.booleans())
def test_matches_a_dict_join(p1, p2, sort1, sort2):
    # The core writes each run sorted, holder-major; any order (and repeats) joins the same.
    key = lambda p: (N if p[0] < 0 else p[0], p[1])  # noqa: E731
    if sort1:
        p1 = sorted({key(p): p for p in p1}.values(), key=key)
    if sort2:
        p2 = sorted({key(p): p for p in p2}.values(), key=key)
    first, second = _run(p1), _run(p2)
    holder, issuer, a, b = join_runs(N, first, second, np.nan)
    want = _reference(first, second, np.nan)
    assert holder.tolist() == want[0]
    assert issuer.tolist() == want[1]
    np.testing.assert_array_equal(a, np.array(want[2]))
    np.testing.assert_array_equal(b, np.array(want[3]))
