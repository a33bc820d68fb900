"""Shared data and the ratio report of the benchmarks.

Run with: pip install '.[bench]' && pytest benches
Each bench times aiexposure and its peers on the same Arrow data in the same run; the ratios
are printed at the end of the session.
"""

from __future__ import annotations

import os
from collections import defaultdict

import numpy as np
import pyarrow as pa
import pytest

# Scale can be reduced for a quick look: AIEXPOSURE_BENCH_SCALE=0.1 pytest benches
SCALE = float(os.environ.get("AIEXPOSURE_BENCH_SCALE", "1"))

RESULTS: dict[str, dict[str, float]] = defaultdict(dict)
NOTES: list[str] = []


def record(group: str, name: str, benchmark) -> None:
    """Keep the best time of a finished pytest-benchmark run for the ratio report."""
    stats = benchmark.stats.stats if benchmark.stats else None
    if stats is not None:
        RESULTS[group][name] = stats.min


def pytest_terminal_summary(terminalreporter):
    if not RESULTS and not NOTES:
        return
    tr = terminalreporter
    tr.section("aiexposure vs peers (best times, ratio = peer / aiexposure)")
    for group, times in RESULTS.items():
        ours = times.get("aiexposure")
        tr.write_line(f"{group}:")
        for name, t in sorted(times.items(), key=lambda kv: kv[1]):
            ratio = f"{t / ours:7.1f}x" if ours else ""
            tr.write_line(f"  {name:<28} {t:9.3f} s  {ratio}")
    for note in NOTES:
        tr.write_line(note)


def random_ownership(num_nodes: int, num_edges: int, seed: int = 0):
    """Random holder → issuer edges with shares per issuer summing to at most 0.9."""
    rng = np.random.default_rng(seed)
    src = rng.integers(0, num_nodes, num_edges)
    dst = rng.integers(0, num_nodes, num_edges)
    dst = np.where(src == dst, (dst + 1) % num_nodes, dst)  # no equity self-loops
    indegree = np.bincount(dst, minlength=num_nodes)
    share = 0.9 * rng.uniform(0.05, 1.0, num_edges) / indegree[dst]
    return src, dst, share


@pytest.fixture(scope="session")
def million_int_table() -> pa.Table:
    n = int(1_000_000 * SCALE)
    src, dst, share = random_ownership(n, int(3.5 * n))
    return pa.table({"source": src, "target": dst, "share": share})


@pytest.fixture(scope="session")
def million_str_table(million_int_table) -> pa.Table:
    n = int(1_000_000 * SCALE)
    names = pa.array([f"firm-{i:07d}" for i in range(n)])
    return pa.table(
        {
            "source": names.take(million_int_table["source"]),
            "target": names.take(million_int_table["target"]),
            "share": million_int_table["share"],
        }
    )


def run_memory_probe(kind: str, num_nodes: int | None = None) -> dict:
    """Run memory_probe.py in a fresh process and return its measurement."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    probe = Path(__file__).with_name("memory_probe.py")
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536")
    out = subprocess.run(
        [sys.executable, str(probe), kind, str(num_nodes or int(1_000_000 * SCALE))],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def bench_tools():
    """record(group, name, benchmark), run_memory_probe(kind) and the notes list."""

    class Tools:
        pass

    tools = Tools()
    tools.record = record
    tools.run_memory_probe = run_memory_probe
    tools.notes = NOTES
    tools.scale = SCALE
    return tools
