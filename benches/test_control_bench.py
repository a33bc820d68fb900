"""Graph.blocked at 1M and 10M nodes (the generator's defaults) against the scipy.sparse
fixpoint a Python user would write (repeat held = W^T 1[listed or blocked] until nothing
changes), one run each; 1,000 listed persons picked at random.

Goal (issue 17, item 4): the aggregated regimes in one pass over the edges, under 1 s at 10M
nodes.

Measured 2026-12-02 (2 cores, release LTO build, two runs, one round each): blocked (ofac)
7-13 ms at 1M against scipy's 84-87 ms (6-12x), 0.29-0.43 s at 10M against 2.1-2.6 s (6-7x;
goal met); uk (each of 1,000 alone) 6-7 ms at 1M, 0.14 s at 10M. Company control for every
equity holder: 1.3 s at 1M (196,540 pairs), 16.8 s at 10M (1,970,335 pairs);
significant_control for every holder 0.9 s at 1M (801,888 rows), 14.7 s at 10M; control for
1,000 candidates 3 ms at 1M (networkx + a Python fixpoint: 6 ms), 0.17 s at 10M.
"""

from __future__ import annotations

import numpy as np
import pytest

from aiexposure import Graph
from aiexposure.synthetic import investor_graph

ONCE = {"rounds": 1, "iterations": 1, "warmup_rounds": 0}
SIZES = {"1M": 1_000_000, "10M": 10_000_000}


@pytest.fixture(scope="module", params=list(SIZES))
def holdings(request, bench_tools):
    import scipy.sparse as sp

    n = int(SIZES[request.param] * bench_tools.scale)
    table = investor_graph(n, seed=0)
    g = Graph.from_arrow(table)
    index = np.full(n, -1)
    index[g.nodes.to_numpy()] = np.arange(g.num_nodes)
    src, dst = index[table["source"].to_numpy()], index[table["target"].to_numpy()]
    W = sp.csr_array((table["share"].to_numpy(), (src, dst)), shape=(g.num_nodes,) * 2)
    listed = np.random.default_rng(0).choice(g.num_nodes, 1000, replace=False)
    del table
    return request.param, g, W, listed


def scipy_blocked(W, listed):
    WT = W.T.tocsr()
    caught = np.zeros(W.shape[0], bool)
    caught[listed] = True
    is_listed = caught.copy()
    while True:
        held = WT @ caught.astype(np.float64)
        new = is_listed | (held >= 0.5 - 1e-9)
        if (new == caught).all():
            return new & ~is_listed
        caught = new


def test_blocked_ofac(benchmark, holdings, bench_tools):
    size, g, W, listed = holdings
    labels = g.nodes.take(listed).to_pylist()
    t = benchmark.pedantic(g.blocked, args=(labels,), **ONCE)
    bench_tools.record(f"blocked (ofac, 1,000 listed), {size} nodes", "aiexposure", benchmark)
    want = np.flatnonzero(scipy_blocked(W, listed))
    got = np.sort([g.node_index(v) for v in t["node"].to_pylist()])
    np.testing.assert_array_equal(got, want)


def test_blocked_ofac_scipy(benchmark, holdings, bench_tools):
    size, _, W, listed = holdings
    benchmark.pedantic(scipy_blocked, args=(W, listed), **ONCE)
    bench_tools.record(
        f"blocked (ofac, 1,000 listed), {size} nodes", "scipy.sparse fixpoint", benchmark
    )


def test_blocked_uk(benchmark, holdings, bench_tools):
    size, g, _, listed = holdings
    labels = g.nodes.take(listed).to_pylist()
    benchmark.pedantic(g.blocked, args=(labels,), kwargs={"regime": "uk"}, **ONCE)
    bench_tools.record(f"blocked (uk, each of 1,000 alone), {size} nodes", "aiexposure", benchmark)


def test_control_every_holder(benchmark, holdings, bench_tools):
    """Company control for every equity holder as a candidate: one fixpoint each."""
    size, g, _, _ = holdings
    t = benchmark.pedantic(g.control, **ONCE)
    bench_tools.record(f"control (every holder), {size} nodes", "aiexposure", benchmark)
    bench_tools.notes.append(f"control at {size}: {t.num_rows:,} pairs")


def test_significant_control_every_holder(benchmark, holdings, bench_tools):
    size, g, _, _ = holdings
    t = benchmark.pedantic(g.significant_control, **ONCE)
    bench_tools.record(f"significant_control (every holder), {size} nodes", "aiexposure", benchmark)
    bench_tools.notes.append(f"significant_control at {size}: {t.num_rows:,} rows")


def test_networkx_control_reference(benchmark, holdings, bench_tools):
    """The same control fixpoint in plain Python over networkx adjacency, for 1,000
    candidates (every holder would take hours at this size): the per-candidate peer."""
    import networkx as nx

    size, _, W, listed = holdings
    if size != "1M":
        pytest.skip("networkx at 10M nodes: not in memory on 2 cores / 24 GB")
    G = nx.from_scipy_sparse_array(W, create_using=nx.DiGraph)

    def fixpoint(x):
        held, caught, queue = {}, {x}, [x]
        while queue:
            u = queue.pop()
            for v, d in G[u].items():
                held[v] = held.get(v, 0.0) + d["weight"]
                if v not in caught and held[v] > 0.5 + 1e-9:
                    caught.add(v)
                    queue.append(v)
        return caught - {x}

    benchmark.pedantic(lambda: [fixpoint(int(x)) for x in listed], **ONCE)
    bench_tools.record(
        "control (1,000 candidates), 1M nodes", "networkx + Python fixpoint", benchmark
    )


def test_control_1000_candidates(benchmark, holdings, bench_tools):
    size, g, _, listed = holdings
    labels = g.nodes.take(listed).to_pylist()
    benchmark.pedantic(g.control, kwargs={"controllers": labels}, **ONCE)
    bench_tools.record(f"control (1,000 candidates), {size} nodes", "aiexposure", benchmark)
