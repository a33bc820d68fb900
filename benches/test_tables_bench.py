"""Sparse ownership tables and self-funded revenue of every payee (issue 15, items 2 and 3).

Goals: `integrated_ownership(method, threshold=0.01)` for walks and ultimate at 1M nodes under
60 s and 4 GB, on the small-core graph (cross_holding=0.0005) and the generator's own
(cross_holding=0.01: one strongly connected component of a third of the nodes); 100k nodes
under 5 s; `circular_financing()` with no payees at 1M nodes under 60 s. Peer at 10k nodes:
the exact table from scipy's dense inverse (I - W)^-1 - I, which also checks ours (every pair
above the threshold present, every value a lower bound within the stated bound).

Measured on the 2-core machine (2026-12-02, release LTO build, one run):
* 10k nodes, walks: small cores 92 ms against the dense inverse's 28.4 s (310x); giant
  component 373 ms against 37.6 s (101x); both checked against it;
* 100k nodes: small cores walks 1.49 s, ultimate 1.09 s (goal 5 s met); giant component
  walks 7.55 s, ultimate 7.54 s (goal 5 s not met);
* 1M nodes, small cores: walks 28.9 s and 2.73 GB, ultimate 20.2 s and 2.20 GB, self-funded
  revenue of all 378,606 payees 21.3 s and 2.29 GB (goals met);
* 1M nodes, giant component: walks 99.9 s and 6.79 GB, ultimate 95.9 s and 6.13 GB,
  self-funded 113.5 s and 6.29 GB (goals not met: the component's 370k columns hold about
  1,000 entries each at the cutoff the bound of tau/10 needs); with its columns moved rather
  than copied during the sweeps, walks 101.4 s and 5.17 GB (still not met).
The 1M runs are in fresh processes (peak resident memory of the whole process, VmHWM).

After the sweep-level layout of large components and the Holders side built on demand
(2026-12-02, quiet machine, release LTO build, one run):
* 10k nodes: small cores 51 ms, giant component 212 ms;
* 100k nodes: small cores walks 1.06 s, ultimate 0.72 s; giant component walks 4.77 s,
  ultimate 4.23 s (goal 5 s now met in both regimes);
* 1M nodes, small cores: walks 16.0 s / 2.75 GB, ultimate 13.9 s / 2.24 GB, self-funded
  15.5 s / 2.30 GB (goals met);
* 1M nodes, giant component: walks 64.2 s / 5.08 GB, ultimate 57.6 s / 4.33 GB, self-funded
  62.8 s / 4.37 GB (ultimate's 60 s met; the rest, and every 4 GB, not met).

With a dense sum dropping what falls under the cutoff before sorting what it keeps (same day,
same build settings): 100k nodes walks 0.89 s / 3.87 s, ultimate 0.61 s / 3.46 s (small cores /
giant component); 1M small cores walks 15.3 s / 2.82 GB, ultimate 11.7 s / 2.24 GB,
self-funded 14.6 s / 2.30 GB; 1M giant component walks 56.4 s / 5.07 GB, ultimate 51.4 s /
4.31 GB, self-funded 55.7 s / 4.37 GB: every 60 s goal met, the 4 GB goal met on the
small-core graph only.
"""

from __future__ import annotations

import json
import subprocess
import sys
from unittest import mock

import numpy as np
import pytest
import scipy.linalg

from aiexposure import Graph, _size
from aiexposure.synthetic import investor_graph

REGIMES = {"small cores": 0.0005, "giant component": 0.01}
THRESHOLD = 0.01
ONCE = {"rounds": 1, "iterations": 1, "warmup_rounds": 0}


def sparse_tables():
    """Force the sparse path whatever the size (small tables are solved exactly)."""
    return mock.patch.dict(_size.EXACT_PAIRS, {"walks": 0, "ultimate": 0})


@pytest.fixture(scope="module", params=list(REGIMES))
def ten_k(request, bench_tools):
    n = int(10_000 * bench_tools.scale)
    g = Graph.from_arrow(investor_graph(n, cross_holding=REGIMES[request.param], seed=1))
    g.look_through(legacy_columns=False)  # the plan, built once per graph, is not timed
    return request.param, g


def test_table_10k_aiexposure(benchmark, ten_k, bench_tools):
    regime, g = ten_k
    with sparse_tables():
        t = benchmark.pedantic(
            g.integrated_ownership,
            args=("walks",),
            kwargs={"threshold": THRESHOLD},
            rounds=3,
            iterations=1,
        )
    bench_tools.record(f"walks table tau=0.01, 10k nodes, {regime}", "aiexposure", benchmark)
    # Checked against the exact table.
    exact = exact_walks(g)
    bound = float(t.schema.metadata[b"aiexposure.error_bound"])
    index = {v: i for i, v in enumerate(g.nodes.to_pylist())}
    holder = np.array([index[v] for v in t["holder"].to_pylist()])
    issuer = np.array([index[v] for v in t["issuer"].to_pylist()])
    got = t["integrated"].to_numpy()
    truth = exact[holder, issuer]
    assert (got <= truth + 1e-12).all() and (truth - got <= bound + 1e-12).all()
    assert len(got) >= (exact > THRESHOLD).sum()


def exact_walks(g: Graph) -> np.ndarray:
    c = g.csr()
    n = g.num_nodes
    w = np.zeros((n, n))
    eq = c.kind == 0
    np.add.at(w, (c.sources[eq], c.indices[eq]), c.share[eq])
    return scipy.linalg.inv(np.eye(n) - w) - np.eye(n)


def test_table_10k_scipy_dense_inverse(benchmark, ten_k, bench_tools):
    regime, g = ten_k
    benchmark.pedantic(exact_walks, args=(g,), rounds=1, iterations=1)
    bench_tools.record(
        f"walks table tau=0.01, 10k nodes, {regime}", "scipy dense inverse (exact)", benchmark
    )


@pytest.mark.parametrize("method", ["walks", "ultimate"])
@pytest.mark.parametrize("regime", list(REGIMES))
def test_table_100k(benchmark, regime, method, bench_tools):
    n = int(100_000 * bench_tools.scale)
    g = Graph.from_arrow(investor_graph(n, cross_holding=REGIMES[regime], seed=1))
    g.look_through(legacy_columns=False)
    with sparse_tables():
        benchmark.pedantic(
            g.integrated_ownership, args=(method,), kwargs={"threshold": THRESHOLD}, **ONCE
        )
    bench_tools.record(f"{method} table tau=0.01, 100k nodes (goal 5 s)", regime, benchmark)


SCRIPT = """
import json, sys, time
from aiexposure import Graph
from aiexposure.synthetic import investor_graph
n, cross, job = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
g = Graph.from_arrow(investor_graph(n, cross_holding=cross, commitments=0.2, seed=1))
g.look_through(legacy_columns=False)
start = time.perf_counter()
if job == "self_funded":
    rows = g.circular_financing().self_funded.num_rows
else:
    rows = g.integrated_ownership(job, threshold=0.01).num_rows
seconds = time.perf_counter() - start
with open("/proc/self/status") as f:
    peak = next(int(x.split()[1]) * 1024 for x in f if x.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "rows": rows, "peak_gb": peak / 1e9}))
"""


def fresh_process(n: int, cross: float, job: str) -> dict:
    """The job's time and the process's peak resident memory (VmHWM), in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(n), str(cross), job],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("job", ["walks", "ultimate", "self_funded"])
@pytest.mark.parametrize("regime", list(REGIMES))
def test_million_nodes_in_a_fresh_process(regime, job, bench_tools):
    n = int(1_000_000 * bench_tools.scale)
    r = fresh_process(n, REGIMES[regime], job)
    bench_tools.notes.append(
        f"{job} at {n:,} nodes, {regime}: {r['seconds']:.1f} s (goal 60 s), "
        f"peak {r['peak_gb']:.2f} GB for the whole process (goal 4 GB), {r['rows']:,} rows"
    )
    assert r["rows"] > 0
