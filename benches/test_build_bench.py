"""Graph construction from a 1,000,000-node / 3,500,000-edge Arrow table.

Goal (issue 2): at least 5x faster than rustworkx's build from the same table, and at most 48
bytes of peak memory per edge.
"""

from __future__ import annotations

import numpy as np
import pytest

from aiexposure import Graph

ROUNDS = {"rounds": 3, "iterations": 1, "warmup_rounds": 0}
ONCE = {"rounds": 1, "iterations": 1, "warmup_rounds": 0}


def _lists(table):
    return (
        table["source"].to_pylist(),
        table["target"].to_pylist(),
        table["share"].to_pylist(),
    )


def _rustworkx(table, string_ids: bool):
    import rustworkx as rx

    src, dst, share = _lists(table)
    g = rx.PyDiGraph()
    if string_ids:
        index = {}
        for name in src + dst:
            if name not in index:
                index[name] = len(index)
        g.add_nodes_from(list(index))
        g.extend_from_weighted_edge_list(
            [(index[s], index[t], w) for s, t, w in zip(src, dst, share, strict=True)]
        )
    else:
        g.add_nodes_from(range(max(max(src), max(dst)) + 1))
        g.extend_from_weighted_edge_list(list(zip(src, dst, share, strict=True)))
    return g


def _igraph(table, string_ids: bool):
    import igraph as ig

    if string_ids:
        return ig.Graph.DataFrame(table.to_pandas(), directed=True, use_vids=False)
    src = table["source"].to_numpy()
    dst = table["target"].to_numpy()
    n = int(max(src.max(), dst.max())) + 1
    return ig.Graph(
        n=n,
        edges=np.column_stack([src, dst]),
        directed=True,
        edge_attrs={"share": table["share"].to_numpy()},
    )


def _networkx(table, string_ids: bool):
    import networkx as nx

    g = nx.DiGraph()
    g.add_weighted_edges_from(zip(*_lists(table), strict=True), weight="share")
    return g


PEERS = {"rustworkx": _rustworkx, "igraph": _igraph, "networkx": _networkx}


@pytest.fixture(params=["int", "str"])
def ids(request, million_int_table, million_str_table):
    return request.param, million_int_table if request.param == "int" else million_str_table


def test_build_aiexposure(benchmark, ids, bench_tools):
    kind, table = ids
    g = benchmark.pedantic(Graph.from_arrow, args=(table,), **ROUNDS)
    bench_tools.record(f"build 1M nodes / 3.5M edges, {kind} ids", "aiexposure", benchmark)
    assert g.num_edges > 0.99 * table.num_rows


@pytest.mark.parametrize("peer", list(PEERS))
def test_build_peer(benchmark, ids, peer, bench_tools):
    kind, table = ids
    rounds = ONCE if peer == "networkx" else ROUNDS
    g = benchmark.pedantic(PEERS[peer], args=(table, kind == "str"), **rounds)
    bench_tools.record(f"build 1M nodes / 3.5M edges, {kind} ids", peer, benchmark)
    assert g is not None


@pytest.mark.parametrize("kind", ["int", "str"])
def test_build_peak_memory(kind, bench_tools):
    """Peak resident memory added while building, in a fresh process (goal: <= 48 B/edge)."""
    result = bench_tools.run_memory_probe(kind)
    per_edge = result["bytes_per_edge"]
    bench_tools.notes.append(
        f"peak memory added by Graph.from_arrow ({kind} ids, {result['edges']:,} edges): "
        f"{result['added_bytes'] / 2**20:.0f} MiB = {per_edge:.1f} bytes/edge (goal <= 48); "
        f"kept after build: {result['retained_bytes'] / result['edges']:.1f} bytes/edge"
    )
    assert per_edge <= 48, per_edge
