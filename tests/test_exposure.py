"""Exposure math: worked numbers for each convention, and properties against plain references
(numpy's dense inverse, brute-force path enumeration, scipy's sparse solve)."""

import itertools
import warnings
from unittest import mock

import networkx as nx
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiexposure import (
    BoundWarning,
    ClosedCycleError,
    Graph,
    UnknownNodeError,
    _size,
)


def g_of(edges, **columns):
    src, dst, share = zip(*edges, strict=True) if edges else ((), (), ())
    data = {"source": list(src), "target": list(dst), "share": list(share)}
    data.update(columns)
    return Graph.from_arrow(data)


def stake(table, holder, issuer):
    for r in table.to_pylist():
        if r["holder"] == holder and r["issuer"] == issuer:
            return r["integrated"]
    return 0.0


CHAIN = [("P", "A", 0.8), ("A", "B", 0.75), ("B", "C", 0.6)]
DIAMOND = [("A", "B1", 1.0), ("A", "B2", 0.8), ("B1", "C", 0.2), ("B2", "C", 0.4)]
CROSS = [("A", "B", 1.0), ("B", "A", 0.6), ("P", "A", 0.4)]


@pytest.mark.parametrize("method", ["walks", "simple_paths"])
def test_chain_multiplies(method):
    assert stake(g_of(CHAIN).integrated_ownership(method), "P", "C") == pytest.approx(
        0.36, abs=1e-15
    )


@pytest.mark.parametrize("method", ["walks", "simple_paths"])
def test_diamond_adds_the_paths(method):
    assert stake(g_of(DIAMOND).integrated_ownership(method), "A", "C") == pytest.approx(
        0.52, abs=1e-15
    )


def test_cross_holding_walks_and_ultimate_owner():
    g = g_of(CROSS)
    walks = g.integrated_ownership("walks")
    assert stake(walks, "A", "B") == pytest.approx(2.5, abs=1e-12)
    assert stake(walks, "B", "A") == pytest.approx(1.5, abs=1e-12)
    ultimate = g.integrated_ownership("ultimate")
    assert stake(ultimate, "P", "A") == pytest.approx(1.0, abs=1e-12)
    assert stake(ultimate, "P", "B") == pytest.approx(1.0, abs=1e-12)


def test_closed_cycle_raises_under_walks_and_is_finite_under_simple_paths():
    g = g_of([("A", "B", 1.0), ("B", "A", 1.0)])
    with pytest.raises(ClosedCycleError, match=r"closed cycle of 2 node\(s\) \('A', 'B'\)") as info:
        g.integrated_ownership("walks")
    assert info.value.nodes == ["A", "B"]
    with pytest.raises(ClosedCycleError):
        g.holdings_of("A")
    paths = g.integrated_ownership("simple_paths")
    assert stake(paths, "A", "B") == 1.0 and stake(paths, "B", "A") == 1.0
    # Ultimate: nobody outside holds them, so neither roots nor free float can be attributed.
    with pytest.raises(ClosedCycleError):
        g.integrated_ownership("ultimate")


def test_closed_cycle_not_reached_does_not_block_other_rows():
    g = g_of([("A", "B", 1.0), ("B", "A", 1.0), ("P", "Q", 0.5)])
    assert g.holdings_of("P").to_pydict()["integrated"] == [0.5]


def test_free_float_is_reported_and_columns_sum_to_one():
    g = g_of([("P", "A", 0.3), ("A", "B", 0.5), ("Q", "B", 0.2)])
    u = g.integrated_ownership("ultimate")
    rows = u.to_pylist()
    float_a = next(r for r in rows if r["holder"] is None and r["issuer"] == "A")
    assert float_a["integrated"] == pytest.approx(0.7)
    assert float_a["direct"] == pytest.approx(0.7)
    for company in ["A", "B"]:
        assert sum(r["integrated"] for r in rows if r["issuer"] == company) == pytest.approx(1.0)
    assert stake(u, "P", "B") == pytest.approx(0.15)


def test_simple_path_bounds_warn_and_mark_the_table():
    g = g_of(CHAIN)
    with pytest.warns(BoundWarning, match="cut some paths"):
        t = g.integrated_ownership("simple_paths", max_depth=2)
    assert t.schema.metadata[b"aiexposure.truncated"] == b"true"
    assert stake(t, "P", "C") == 0.0 and stake(t, "P", "B") == pytest.approx(0.6)
    with pytest.warns(BoundWarning):
        t = g.integrated_ownership("simple_paths", min_weight=0.5)
    assert stake(t, "P", "B") == pytest.approx(0.6) and stake(t, "P", "C") == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = g.integrated_ownership("simple_paths")
    assert t.schema.metadata[b"aiexposure.truncated"] == b"false"


def test_threshold_and_bad_arguments():
    g = g_of(CHAIN)
    t = g.integrated_ownership(threshold=0.5)
    assert min(t["integrated"].to_pylist()) > 0.5
    with pytest.raises(ValueError, match="method must be one of"):
        g.integrated_ownership("pagerank")
    with pytest.raises(ValueError, match="threshold must be a finite number"):
        g.integrated_ownership(threshold=-1)
    with pytest.raises(ValueError, match="bound method='simple_paths' only"):
        g.integrated_ownership("walks", max_depth=3)
    with pytest.raises(ValueError, match="max_depth must be an integer"):
        g.integrated_ownership("simple_paths", max_depth=0)
    with pytest.raises(UnknownNodeError, match="node 'Z' is not in the graph"):
        g.exposure_to("Z")


def test_exposure_to_and_holdings_of_match_the_full_table():
    g = g_of([("A", "B", 0.9), ("B", "A", 0.6), ("P", "A", 0.4), ("Q", "B", 0.1)])
    full = g.integrated_ownership()
    for r in g.exposure_to("B").to_pylist():
        assert r["integrated"] == pytest.approx(stake(full, r["holder"], "B"), rel=1e-12)
    for r in g.holdings_of("P").to_pylist():
        assert r["integrated"] == pytest.approx(stake(full, "P", r["issuer"]), rel=1e-12)


def test_look_through_worked_numbers():
    # Amazon holds 7% of OpenAI and lends it 10; OpenAI commits 138 to Amazon (supplier).
    g = Graph.from_arrow(
        {
            "source": ["Amazon", "Amazon", "OpenAI"],
            "target": ["OpenAI", "OpenAI", "Amazon"],
            "kind": ["equity", "credit", "commitment"],
            "share": [0.07, None, None],
            "amount": [50.0, 10.0, 138.0],
        }
    )
    t = g.look_through(value_loss={"OpenAI": 365.0}, default={"OpenAI": 0.5}, legacy_columns=False)
    amazon = t.to_pylist()[0]
    # 0.07 * 365 (equity) + 10 * 0.5 (credit) + 138 * 0.5 (unpaid commitment)
    assert amazon["direct_loss"] == pytest.approx(25.55 + 5 + 69)
    assert amazon["total_loss"] == pytest.approx(25.55 + 5 + 69)
    table_input = pa.table({"node": ["OpenAI"], "value": [365.0]})
    assert g.look_through(value_loss=table_input, legacy_columns=False).to_pylist()[0][
        "total_loss"
    ] == pytest.approx(25.55)
    with pytest.raises(UnknownNodeError, match="'Nowhere'"):
        g.look_through(value_loss={"Nowhere": 1.0}, legacy_columns=False)
    with pytest.raises(ValueError, match="default is a fraction"):
        g.look_through(default={"OpenAI": 1.5}, legacy_columns=False)
    with pytest.raises(ValueError, match="walks convention"):
        g.look_through(method="simple_paths", legacy_columns=False)


# --- properties on random valid graphs -------------------------------------------------


@st.composite
def ownership(draw, max_nodes=8, cyclic=True):
    n = draw(st.integers(1, max_nodes))
    pairs = [(i, j) for i in range(n) for j in range(n) if i != j and (cyclic or i < j)]
    chosen = (
        draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs))) if pairs else []
    )
    W = np.zeros((n, n))
    for i, j in chosen:
        W[i, j] = draw(st.floats(0.01, 1.0))
    # Rescale each column to hold at most `cap` in total (cap < 1 keeps walks finite).
    cap = draw(st.floats(0.05, 0.95))
    sums = W.sum(axis=0)
    W[:, sums > cap] *= cap / sums[sums > cap]
    return W


def graph_from(W):
    i, j = np.nonzero(W)
    return Graph.from_arrow(
        {"source": i.astype(np.int64), "target": j.astype(np.int64), "share": W[i, j]},
        nodes=np.arange(len(W)),
    )


def dense(table, n, holder_col="holder"):
    M = np.zeros((n, n))
    for r in table.to_pylist():
        M[r[holder_col], r["issuer"]] = r["integrated"]
    return M


@settings(max_examples=120, deadline=None)
@given(ownership())
def test_walks_equal_numpys_dense_inverse(W):
    n = len(W)
    expected = np.linalg.inv(np.eye(n) - W) - np.eye(n)
    got = dense(graph_from(W).integrated_ownership("walks"), n)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


@settings(max_examples=120, deadline=None)
@given(ownership())
def test_ultimate_columns_sum_to_one(W):
    g = graph_from(W)
    rows = g.integrated_ownership("ultimate").to_pylist()
    held = W.sum(axis=0) > 0
    for company in np.flatnonzero(held):
        total = sum(r["integrated"] for r in rows if r["issuer"] == company)
        assert total == pytest.approx(1.0, abs=1e-9)
    roots = set(np.flatnonzero(~held))
    assert {r["holder"] for r in rows} <= roots | {None}


def brute_simple_paths(W):
    n = len(W)
    out = np.zeros((n, n))
    for length in range(1, n):
        for path in itertools.permutations(range(n), length + 1):
            w = np.prod([W[a, b] for a, b in itertools.pairwise(path)])
            out[path[0], path[-1]] += w
    return out


@settings(max_examples=80, deadline=None)
@given(ownership(max_nodes=6))
def test_simple_paths_equal_brute_force_and_stay_below_walks(W):
    n = len(W)
    got = dense(graph_from(W).integrated_ownership("simple_paths"), n)
    np.testing.assert_allclose(got, brute_simple_paths(W), rtol=1e-12, atol=1e-15)
    walks = np.linalg.inv(np.eye(n) - W) - np.eye(n)
    assert (got <= walks + 1e-12).all()


@settings(max_examples=80, deadline=None)
@given(ownership(max_nodes=10), st.data())
def test_look_through_equals_scipys_sparse_solve(W, data):
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    n = len(W)
    s = np.array(data.draw(st.lists(st.floats(0, 1e6), min_size=n, max_size=n)))
    g = graph_from(W)
    got = g.look_through(value_loss={i: s[i] for i in range(n)}, legacy_columns=False)[
        "total_loss"
    ].to_numpy()
    A = sp.csc_matrix(np.eye(n) - W)
    expected = spla.spsolve(A, W @ s) if n > 1 else (W @ s) / (1 - W[0, 0])
    np.testing.assert_allclose(got, np.atleast_1d(expected), rtol=1e-9, atol=1e-6)


def test_agrees_with_networkx_on_a_dag():
    G = nx.gnp_random_graph(30, 0.15, seed=3, directed=True)
    rng = np.random.default_rng(3)
    D = nx.DiGraph((u, v) for u, v in G.edges if u < v)
    indeg = dict(D.in_degree())
    W = np.zeros((30, 30))
    for u, v in D.edges:
        W[u, v] = 0.9 * rng.uniform(0.1, 1) / indeg[v]
    g = graph_from(W)
    walks = dense(g.integrated_ownership("walks"), 30)
    paths = dense(g.integrated_ownership("simple_paths"), 30)
    # On a DAG every walk is a simple path: the conventions agree.
    np.testing.assert_allclose(walks, paths, rtol=1e-12, atol=1e-15)
    for u in range(30):
        for v in nx.descendants(D, u):
            assert walks[u, v] > 0


def sparse_tables():
    """Thresholded walks and ultimate tables from the sparse columns whatever the graph's size
    (they are exact while the exact table is small)."""
    return mock.patch.dict(_size.EXACT_PAIRS, {"walks": 0, "ultimate": 0})


@settings(max_examples=80, deadline=None)
@given(ownership(max_nodes=12), st.floats(0.001, 0.3))
def test_sparse_walks_respect_their_error_bound(W, threshold):
    n = len(W)
    exact = np.linalg.inv(np.eye(n) - W) - np.eye(n)
    with sparse_tables():
        t = graph_from(W).integrated_ownership("walks", threshold=threshold)
    bound = float(t.schema.metadata[b"aiexposure.error_bound"])
    assert bound <= 0.1 * threshold + 1e-15
    got = dense(t, n)
    reported = got > 0
    # Lower bounds within the bound of the truth...
    assert (got[reported] <= exact[reported] + 1e-12).all()
    assert (exact[reported] - got[reported] <= bound + 1e-12).all()
    # ...nothing reported that cannot pass the threshold, and no pair above it missing.
    assert (got[reported] > threshold - bound).all()
    assert (reported | (exact <= threshold + 1e-12)).all()


def test_small_thresholded_tables_are_exact():
    t = Graph.from_arrow(
        {"source": ["P", "A", "B"], "target": ["A", "B", "C"], "share": [0.8, 0.75, 0.6]}
    ).integrated_ownership("walks", threshold=0.3)
    assert t.schema.metadata[b"aiexposure.error_bound"] == b"0.0"
    assert {(r["holder"], r["issuer"]): r["integrated"] for r in t.to_pylist()} == {
        ("P", "A"): 0.8,
        ("A", "B"): 0.75,
        ("P", "B"): 0.8 * 0.75,
        ("B", "C"): 0.6,
        ("A", "C"): 0.75 * 0.6,
        ("P", "C"): 0.8 * 0.75 * 0.6,
    }


@pytest.mark.parametrize("method", ["walks", "ultimate"])
def test_sparse_tables_on_a_larger_generated_graph(method):
    from aiexposure.synthetic import investor_graph

    t = investor_graph(800, cross_holding=0.05, seed=9)
    g = Graph.from_arrow(t)
    exact = g.integrated_ownership(method)
    with sparse_tables():
        sparse = g.integrated_ownership(method, threshold=0.05)
    bound = float(sparse.schema.metadata[b"aiexposure.error_bound"])
    assert 0 < bound <= 0.005
    truth = {(r["holder"], r["issuer"]): r["integrated"] for r in exact.to_pylist()}
    got = {(r["holder"], r["issuer"]): r["integrated"] for r in sparse.to_pylist()}
    assert got and all(truth[k] - bound - 1e-12 <= v <= truth[k] + 1e-12 for k, v in got.items())
    assert all(k in got for k, v in truth.items() if v > 0.05)
    assert all(v > 0.05 - bound for v in got.values())
    if method == "ultimate":  # the free float is exact
        assert all(v == truth[k] for k, v in got.items() if k[0] is None)


def test_look_through_solves_the_system_on_a_graph_with_a_large_component():
    """Levels solved in parallel chunks, a component of thousands of nodes solved by
    accelerated Gauss-Seidel: the answer must satisfy t = W (s + t) + R d to the tolerance."""
    import scipy.sparse as sp

    from aiexposure.synthetic import investor_graph

    t = investor_graph(60_000, cross_holding=0.05, commitments=0.2, seed=5)
    g = Graph.from_arrow(t)
    sizes = g.strongly_connected_components(kinds="equity")["size"].to_numpy()
    assert sizes.max() > 8192  # large enough for the GS solve and its chunked vector passes
    n = g.num_nodes
    index = np.full(int(g.nodes.to_numpy().max()) + 1, -1)
    index[g.nodes.to_numpy()] = np.arange(n)
    equity = pa.compute.equal(t["kind"], "equity").to_numpy(zero_copy_only=False)
    src = index[t["source"].to_numpy()]
    dst = index[t["target"].to_numpy()]
    W = sp.csr_matrix((t["share"].to_numpy()[equity], (src[equity], dst[equity])), shape=(n, n))
    amount = np.nan_to_num(t["amount"].to_numpy(zero_copy_only=False))
    commit = ~equity & pa.compute.equal(t["kind"], "commitment").to_numpy(zero_copy_only=False)
    # A supplier (target) is exposed to its customer (source) by the committed amount.
    R = sp.csr_matrix((amount[commit], (dst[commit], src[commit])), shape=(n, n))
    rng = np.random.default_rng(5)
    s = rng.uniform(0, 1e9, n)
    d = rng.uniform(0, 1, n)
    out = g.look_through(
        value_loss=pa.table({"node": g.nodes, "value": s}),
        default=pa.table({"node": g.nodes, "value": d}),
        legacy_columns=False,
    )
    direct, total = out["direct_loss"].to_numpy(), out["total_loss"].to_numpy()
    np.testing.assert_allclose(direct, W @ s + R @ d, rtol=1e-12, atol=1e-3)
    residual = np.abs(total - (W @ total + direct)).max()
    assert residual <= 1e-9 * np.abs(total).max()
    np.testing.assert_array_equal(out["indirect_loss"].to_numpy(), total - direct)


def test_treasury_shares_count_under_walks_and_look_through():
    # P holds 50% of A, A holds 20% of itself: P in A = 0.5 / (1 - 0.2), A in A = 0.2 / 0.8.
    g = Graph.from_arrow(
        {"source": ["P", "A"], "target": ["A", "A"], "share": [0.5, 0.2]}, allow_treasury=True
    )
    walks = g.integrated_ownership("walks")
    assert stake(walks, "P", "A") == pytest.approx(0.625, rel=1e-14)
    assert stake(walks, "A", "A") == pytest.approx(0.25, rel=1e-14)
    lt = {
        r["node"]: r
        for r in g.look_through(value_loss={"A": 100.0}, legacy_columns=False).to_pylist()
    }
    # A loses 20 on its own shares directly, 25 in all; P 50 directly, 62.5 in all.
    assert lt["A"]["direct_loss"] == pytest.approx(20.0) and lt["A"]["total_loss"] == pytest.approx(
        25.0
    )
    assert lt["P"]["direct_loss"] == pytest.approx(50.0) and lt["P"]["total_loss"] == pytest.approx(
        62.5
    )


@settings(max_examples=40, deadline=None)
@given(ownership(max_nodes=8), st.lists(st.floats(0.0, 0.5), min_size=8, max_size=8), st.data())
def test_walks_and_look_through_with_treasury_shares(W, treasury, data):
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    n = len(W)
    W = W.copy()
    for k in range(n):
        # Room left in k after its other holders, part of it held by k itself.
        W[k, k] = treasury[k] * max(0.0, 0.95 - W[:, k].sum())
    i, j = np.nonzero(W)
    g = Graph.from_arrow(
        {"source": i.astype(np.int64), "target": j.astype(np.int64), "share": W[i, j]},
        nodes=np.arange(n),
        allow_treasury=True,
    )
    expected = np.linalg.inv(np.eye(n) - W) - np.eye(n)
    np.testing.assert_allclose(dense(g.integrated_ownership("walks"), n), expected, atol=1e-12)
    s = np.array(data.draw(st.lists(st.floats(0, 1e6), min_size=n, max_size=n)))
    got = g.look_through(value_loss={k: s[k] for k in range(n)}, legacy_columns=False)[
        "total_loss"
    ].to_numpy()
    want = spla.spsolve(sp.csc_matrix(np.eye(n) - W), W @ s) if n > 1 else W @ s / (1 - W[0, 0])
    np.testing.assert_allclose(got, np.atleast_1d(want), rtol=1e-9, atol=1e-6)
