"""Many scenarios in one call against as many single calls, and against the plain
scipy.sparse iteration of each model run once per scenario, at 1,000,000 nodes, one run each.

Goal (issue 16, item 4): 64 look-through scenarios at 1M nodes at least 8x faster than 64
single calls; the contagion models' batch throughput stated.

Measured 2026-12-02 (2 cores, release LTO build, two runs, one round each): 64 look-through
scenarios of 1% of the nodes each, totals only, 2.1-2.9 s against 6.0-6.8 s for 64 single
calls (2.3-2.8x; goal 8x NOT met), every row kept 2.6-3.0 s; giant component 3.8-4.2 s
against 5.7-6.2 s (1.5x). Each of 64 nodes alone: 1.7-2.2 s against 4.2-6.0 s (2.4-2.7x),
giant 3.5-4.7 s against 5.6-6.4 s (1.4-1.6x). A pass shared by 2 to 8 scenarios was tried
and was 1.3x slower than as many single passes here (docs/math.md, "Scenarios"). DebtRank
single-hit, 16 nodes defaulting alone: 1.4-1.6 s against 4.2-4.8 s for 16 single calls (3.1x)
and 8.7-8.9 s for scipy (5.7-6.4x); Furfine 0.17-0.18 s against scipy's 0.95-1.1 s
(5.5-6.1x); clearing, 8 nodes losing their outside assets, 0.97 s against scipy's 1.30 s
(1.3x; 4.1 s before the defaulters-only rounds). DebtRank "each" of the first 1,000 nodes:
19 scenarios/s (each cascade reaches much of this graph). On a 1M-node graph without
cross-holdings, where a shock reaches only the holders above it, look_through over each of
10,000 nodes takes 3.4-4.4 s (2,300-2,950 scenarios/s) against 35-85 ms per single call
(10,000 of them: 350-850 s): 100-190x.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from contagion_peers import claims_graph, scipy_clearing, scipy_furfine, scipy_single_hit

from aiexposure import Graph, each
from aiexposure.synthetic import investor_graph

ONCE = {"rounds": 1, "iterations": 1, "warmup_rounds": 0}
REGIMES = {"small cores": 0.0005, "giant component": 0.01}
K = 64


@pytest.fixture(scope="module", params=list(REGIMES))
def exposure(request, bench_tools):
    n = int(1_000_000 * bench_tools.scale)
    g = Graph.from_arrow(investor_graph(n, cross_holding=REGIMES[request.param], seed=0))
    rng = np.random.default_rng(0)
    per = max(1, g.num_nodes // 100)
    picks = [rng.choice(g.num_nodes, per, replace=False) for _ in range(K)]
    broad = pa.table(
        {
            "scenario": np.repeat(np.arange(K), per),
            "node": g.nodes.take(np.concatenate(picks)),
            "value": rng.uniform(0, 1e9, K * per),
        }
    )
    singles = [broad.filter(pa.compute.equal(broad["scenario"], k)) for k in range(K)]
    singles = [t.select(["node", "value"]) for t in singles]
    one_node = g.nodes.take(rng.choice(g.num_nodes, K, replace=False)).to_pylist()
    g.look_through(value_loss=singles[0], legacy_columns=False)  # builds the plan
    return request.param, g, broad, singles, one_node


def test_look_through_64_broad_batch(benchmark, exposure, bench_tools):
    regime, g, broad, singles, _ = exposure
    r = benchmark.pedantic(g.look_through, args=(broad,), kwargs={"detail": False}, **ONCE)
    bench_tools.record(
        f"64 look-through scenarios (1% of nodes each), {regime}", "aiexposure", benchmark
    )
    one = g.look_through(value_loss=singles[3], legacy_columns=False)
    total = r.totals["total_loss"][3].as_py()
    assert total == pytest.approx(float(np.sum(one["total_loss"].to_numpy())), rel=1e-9)


def test_look_through_64_broad_singles(benchmark, exposure, bench_tools):
    regime, g, _, singles, _ = exposure

    def run():
        return [g.look_through(value_loss=t, legacy_columns=False) for t in singles]

    benchmark.pedantic(run, **ONCE)
    bench_tools.record(
        f"64 look-through scenarios (1% of nodes each), {regime}", "64 single calls", benchmark
    )


def test_look_through_64_broad_batch_with_rows(benchmark, exposure, bench_tools):
    regime, g, broad, _, _ = exposure
    benchmark.pedantic(g.look_through, args=(broad,), **ONCE)
    bench_tools.record(
        f"64 look-through scenarios (1% of nodes each), {regime}", "batch, every row", benchmark
    )


def test_look_through_each_of_64_nodes_batch(benchmark, exposure, bench_tools):
    regime, g, _, _, nodes = exposure
    benchmark.pedantic(g.look_through, args=(each(nodes, 1e9),), kwargs={"detail": False}, **ONCE)
    bench_tools.record(f"look-through, each of 64 nodes alone, {regime}", "aiexposure", benchmark)


def test_look_through_each_of_64_nodes_singles(benchmark, exposure, bench_tools):
    regime, g, _, _, nodes = exposure

    def run():
        return [g.look_through(value_loss={v: 1e9}, legacy_columns=False) for v in nodes]

    benchmark.pedantic(run, **ONCE)
    bench_tools.record(
        f"look-through, each of 64 nodes alone, {regime}", "64 single calls", benchmark
    )


@pytest.fixture(scope="module")
def model(bench_tools):
    """The contagion bench's graph: commitment claims, equity 0.5-2x a node's claims."""
    g, A, equity, rng = claims_graph(int(1_000_000 * bench_tools.scale))
    # Scenarios: 16 customers (nodes with commitments to pay) each defaulting alone.
    debtors = np.flatnonzero(np.asarray(A.sum(axis=0)).ravel() > 0)
    picked = rng.choice(debtors, 16, replace=False)
    eq = pa.table({"node": g.nodes, "value": equity})
    return g, A, equity, eq, picked


def test_debtrank_16_defaults_batch(benchmark, model, bench_tools):
    g, A, equity, eq, picked = model
    scenarios = each(g.nodes.take(picked).to_pylist())
    kwargs = {"equity": eq, "kinds": "commitment", "detail": False}
    r = benchmark.pedantic(g.debtrank, args=(scenarios,), kwargs=kwargs, **ONCE)
    bench_tools.record("DebtRank single-hit, 16 defaults alone, 1M nodes", "aiexposure", benchmark)
    h0 = np.zeros(g.num_nodes)
    h0[picked[0]] = 1.0
    hit = int((scipy_single_hit(A.tocsr(), equity, h0) > 0).sum())
    assert r.totals["distressed_nodes"][0].as_py() == hit


def test_debtrank_16_defaults_singles(benchmark, model, bench_tools):
    g, _, _, eq, picked = model
    labels = g.nodes.take(picked).to_pylist()

    def run():
        return [g.debtrank({v: 1.0}, equity=eq, kinds="commitment") for v in labels]

    benchmark.pedantic(run, **ONCE)
    bench_tools.record(
        "DebtRank single-hit, 16 defaults alone, 1M nodes", "16 single calls", benchmark
    )


def test_debtrank_16_defaults_scipy(benchmark, model, bench_tools):
    g, A, equity, _, picked = model

    def run():
        out = []
        for v in picked:
            h0 = np.zeros(g.num_nodes)
            h0[v] = 1.0
            out.append(scipy_single_hit(A, equity, h0))
        return out

    benchmark.pedantic(run, **ONCE)
    bench_tools.record(
        "DebtRank single-hit, 16 defaults alone, 1M nodes", "scipy.sparse iteration x16", benchmark
    )


def test_furfine_16_defaults_batch(benchmark, model, bench_tools):
    g, A, equity, _, picked = model
    thin = pa.table({"node": g.nodes, "value": equity * 0.3})
    scenarios = each(g.nodes.take(picked).to_pylist())
    kwargs = {"equity": thin, "kinds": "commitment", "detail": False}
    r = benchmark.pedantic(g.furfine, args=(scenarios,), kwargs=kwargs, **ONCE)
    bench_tools.record("Furfine, 16 defaults alone, 1M nodes", "aiexposure", benchmark)
    failed = int(scipy_furfine(A, equity * 0.3, [picked[0]]).sum())
    assert r.totals["failed_nodes"][0].as_py() == failed


def test_furfine_16_defaults_scipy(benchmark, model, bench_tools):
    _, A, equity, _, picked = model
    benchmark.pedantic(lambda: [scipy_furfine(A, equity * 0.3, [v]) for v in picked], **ONCE)
    bench_tools.record(
        "Furfine, 16 defaults alone, 1M nodes", "scipy.sparse iteration x16", benchmark
    )


def test_debtrank_each_of_1000_nodes(benchmark, model, bench_tools):
    """Throughput of "each" on the nodes the cascade barely reaches from: scenarios / s."""
    g, _, _, eq, _ = model
    nodes = g.nodes.slice(0, 1_000).to_pylist()
    kwargs = {"equity": eq, "kinds": "commitment", "detail": False}
    benchmark.pedantic(g.debtrank, args=(each(nodes),), kwargs=kwargs, **ONCE)
    bench_tools.record(
        "DebtRank single-hit, each of 1,000 nodes, 1M nodes", "aiexposure", benchmark
    )
    bench_tools.notes.append(
        f"DebtRank 'each' of 1,000 nodes: {1_000 / benchmark.stats.stats.min:,.0f} scenarios/s"
    )


@pytest.fixture(scope="module")
def clearing_inputs(model):
    g, A, _, _, picked = model
    owed = np.asarray(A.sum(axis=0)).ravel()
    ext = owed * np.random.default_rng(1).uniform(0.8, 1.2, g.num_nodes)
    return g, A, ext, picked[:8]


def test_clearing_8_scenarios_batch(benchmark, clearing_inputs, bench_tools):
    g, A, ext, picked = clearing_inputs
    assets = pa.table({"node": g.nodes, "value": ext})
    kwargs = {
        "kinds": "commitment",
        "shock": each(g.nodes.take(picked).to_pylist()),
        "detail": False,
    }
    r = benchmark.pedantic(g.clearing, args=(assets,), kwargs=kwargs, **ONCE)
    bench_tools.record(
        "clearing, 8 nodes losing their outside assets, 1M nodes", "aiexposure", benchmark
    )
    e = ext.copy()
    e[picked[0]] = 0.0
    p = scipy_clearing(A, e)
    owed = np.asarray(A.sum(axis=0)).ravel()
    assert r.totals["shortfall"][0].as_py() == pytest.approx(float((owed - p).sum()), rel=1e-6)


def test_clearing_8_scenarios_scipy(benchmark, clearing_inputs, bench_tools):
    _, A, ext, picked = clearing_inputs

    def run():
        out = []
        for v in picked:
            e = ext.copy()
            e[v] = 0.0
            out.append(scipy_clearing(A, e))
        return out

    benchmark.pedantic(run, **ONCE)
    bench_tools.record(
        "clearing, 8 nodes losing their outside assets, 1M nodes",
        "scipy.sparse iteration x8",
        benchmark,
    )


@pytest.fixture(scope="module")
def hierarchy(bench_tools):
    """A 1M-node graph without cross-holdings: a shock reaches only the holders above it."""
    n = int(1_000_000 * bench_tools.scale)
    g = Graph.from_arrow(investor_graph(n, cross_holding=0.0, seed=0))
    count = min(10_000, g.num_nodes)
    nodes = g.nodes.take(np.random.default_rng(0).choice(g.num_nodes, count, replace=False))
    g.look_through({nodes[0].as_py(): 1.0}, legacy_columns=False)  # builds the plan
    return g, nodes.to_pylist()


def test_look_through_each_of_10000_nodes_in_a_hierarchy(benchmark, hierarchy, bench_tools):
    g, nodes = hierarchy
    benchmark.pedantic(g.look_through, args=(each(nodes, 1e9),), kwargs={"detail": False}, **ONCE)
    bench_tools.record("look-through, each of 10,000 nodes, hierarchy", "aiexposure", benchmark)


def test_look_through_each_of_10000_nodes_in_a_hierarchy_singles(benchmark, hierarchy, bench_tools):
    """20 single calls, scaled to 10,000 in the report (10,000 would take minutes)."""
    g, nodes = hierarchy

    def run():
        return [g.look_through({v: 1e9}, legacy_columns=False) for v in nodes[:20]]

    benchmark.pedantic(run, **ONCE)
    group = "look-through, each of 10,000 nodes, hierarchy"
    stats = benchmark.stats.stats
    bench_tools.record(group, "20 single calls", benchmark)
    bench_tools.notes.append(f"{group}: 10,000 single calls would take {stats.min * 500:.0f} s")
