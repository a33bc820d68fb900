"""Graph.blocked at 1M and 10M nodes (the generator's defaults) against the scipy.sparse
fixpoint a Python user would write (repeat held = W^T 1[listed or blocked] until nothing
changes), one run each; 1,000 listed persons picked at random.

Goal (issue 17, item 4): the aggregated regimes in one pass over the edges, under 1 s at 10M
nodes.
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
