"""Generating a 10,000,000-node / ~35M-edge synthetic investor graph.

Goal (issue 3): at most 10 s and 1.5 GB of peak memory on the 2-core reference machine.
Reference peer: igraph's Barabási–Albert generator at the same size (no shares, no kinds).
"""

from __future__ import annotations

import pytest

from aiexposure.synthetic import investor_graph

ONCE = {"rounds": 1, "iterations": 1, "warmup_rounds": 0}


@pytest.fixture(scope="module")
def num_nodes(bench_tools):
    return int(10_000_000 * bench_tools.scale)


def test_generate_aiexposure(benchmark, bench_tools, num_nodes):
    t = benchmark.pedantic(investor_graph, args=(num_nodes,), **ONCE)
    bench_tools.record(f"generate {num_nodes:,} nodes", "aiexposure", benchmark)
    assert t.num_rows > 3 * num_nodes


def test_generate_igraph_barabasi(benchmark, bench_tools, num_nodes):
    ig = pytest.importorskip("igraph")
    g = benchmark.pedantic(
        ig.Graph.Barabasi, args=(num_nodes, 3), kwargs={"directed": True}, **ONCE
    )
    bench_tools.record(f"generate {num_nodes:,} nodes", "igraph Barabasi m=3", benchmark)
    assert g.ecount() > 2 * num_nodes


def test_generate_peak_memory(bench_tools, num_nodes):
    result = bench_tools.run_memory_probe("synth", num_nodes)
    bench_tools.notes.append(
        f"investor_graph({num_nodes:,}): {result['edges']:,} edges in {result['seconds']:.1f} s, "
        f"peak memory added {result['added_bytes'] / 2**20:.0f} MiB (goal <= 1.5 GB, 10 s)"
    )
    assert result["added_bytes"] <= 1.5e9
