"""10M nodes in 4 GB, and a graph that saves and opens without copying (issue 15, items 5
and 6), each in a fresh process (benches/pipeline_probe.py).

Goals: from_arrow at 10M within 12x its 1M time (linear); the solve plan at 10M built in under
8 s (the first look_through minus the second); the peak memory of generate -> from_arrow ->
SCC -> look_through -> simple_cycles(max_length=4) under 4 GB; opening a saved 10M-node graph
in under 1 s. Peer for the open: rebuilding the graph with from_arrow from the same table.

Measured 2026-12-02 on the 2-core machine (release LTO build, quiet, generator defaults:
9,884,659 nodes, one equity component of about 2.2M nodes):
* from_arrow: 1M 0.42 s, 10M 6.04 s: 14.5x (goal 12x, not met; 17.2x this morning, 25x when
  the issue was filed). The Rust build's counting-sort scatter is DRAM-bound at 10M (the
  machine's L3 holds a whole 1M-node graph, not a 10M one).
* plan build at 10M: 13.8 s (goal 8 s, not met; 19.7 s this morning, 20 s at filing): equity
  SCC (single-threaded Tarjan) ~4.5 s, the sweep order of the 2.2M-node component ~4 s, the
  rest the layout and the Holdings CSRs. The Holders CSRs are built on first use only.
* peak memory of the pipeline: 4.00 GiB = 4.30 GB above the interpreter (goal 4 GB, not met;
  5.4 GB at filing): the input table 1.15 GB (kept by the caller and the Graph alike), the
  graph 1.28 GB, the plan about 0.9 GB, the look_through answer 0.55 GB and its working
  vectors about 0.4 GB.
* Graph.open of the saved 10M-node graph (4 GB file, plan included), fresh process: 0.23 s
  (goal 1 s, met), 26x faster than rebuilding it with from_arrow; save(plan=True) 13.6 s.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = Path(__file__).with_name("pipeline_probe.py")


def _probe(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, str(PROBE), *args], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


@pytest.fixture(scope="module")
def runs(bench_tools, tmp_path_factory):
    small = int(1_000_000 * bench_tools.scale)
    big = int(10_000_000 * bench_tools.scale)
    where = tmp_path_factory.mktemp("saved")
    return {
        "small": _probe(str(small), str(where / "small.arrow")),
        "big": _probe(str(big), str(where / "big.arrow")),
        "open": _probe("--open", str(where / "big.arrow")),
    }


def test_from_arrow_is_linear(runs, bench_tools):
    small, big = runs["small"]["seconds"], runs["big"]["seconds"]
    ratio = big["from_arrow"] / small["from_arrow"]
    bench_tools.notes.append(
        f"from_arrow: {runs['small']['nodes']:,} nodes {small['from_arrow']:.2f} s, "
        f"{runs['big']['nodes']:,} nodes {big['from_arrow']:.2f} s: {ratio:.1f}x "
        f"(goal <= 12x, {_met(ratio <= 12)})"
    )
    assert big["from_arrow"] > 0


def test_plan_build_and_peak_memory(runs, bench_tools):
    big = runs["big"]
    stages = ", ".join(f"{k} {v:.2f} s" for k, v in big["seconds"].items())
    bench_tools.notes.append(f"pipeline at {big['nodes']:,} nodes: {stages}")
    bench_tools.notes.append(
        f"plan build at {big['nodes']:,} nodes: {big['plan_build']:.2f} s "
        f"(goal < 8 s, {_met(big['plan_build'] < 8)}); peak memory "
        f"{big['peak_bytes'] / 2**30:.2f} GiB (goal < 4 GB, {_met(big['peak_bytes'] < 4e9)})"
    )
    assert big["peak_bytes"] > 0


def test_open_without_copying(runs, bench_tools):
    opened, big = runs["open"], runs["big"]
    rebuild = big["seconds"]["from_arrow"]
    bench_tools.notes.append(
        f"Graph.open of {opened['nodes']:,} nodes (fresh process): {opened['open']:.2f} s "
        f"(goal < 1 s, {_met(opened['open'] < 1)}), {rebuild / opened['open']:.0f}x faster "
        f"than rebuilding with from_arrow ({rebuild:.2f} s); save(plan=True) "
        f"{big['seconds']['save']:.2f} s"
    )
    assert opened["nodes"] == big["nodes"]
