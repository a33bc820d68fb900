"""Peak memory added by Graph.from_arrow, measured in a fresh process.

Usage: python benches/memory_probe.py {int,str,synth} NUM_NODES
(int/str: Graph.from_arrow on a random table with integer/string ids; synth: generating a
synthetic investor graph)
Prints one JSON line. Run by test_build_bench.py under MALLOC_MMAP_THRESHOLD_=65536, so that
large buffers are returned to the system when freed and resident memory tracks live memory.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import threading
import time

import numpy as np
import pyarrow as pa


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def random_ownership(num_nodes: int, num_edges: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    src = rng.integers(0, num_nodes, num_edges)
    dst = rng.integers(0, num_nodes, num_edges)
    dst = np.where(src == dst, (dst + 1) % num_nodes, dst)
    indegree = np.bincount(dst, minlength=num_nodes)
    share = 0.9 * rng.uniform(0.05, 1.0, num_edges) / indegree[dst]
    return src, dst, share


def main() -> None:
    kind, n = sys.argv[1], int(sys.argv[2])
    from aiexposure import Graph
    from aiexposure.synthetic import investor_graph

    if kind == "synth":
        investor_graph(10)
        gc.collect()
        with Peak() as peak:
            table = investor_graph(n)
        report(kind, table.num_rows, n, peak)
        return

    src, dst, share = random_ownership(n, int(3.5 * n))
    if kind == "str":
        names = pa.array([f"firm-{i:07d}" for i in range(n)])
        table = pa.table({"source": names.take(src), "target": names.take(dst), "share": share})
        del names
    else:
        table = pa.table({"source": src, "target": dst, "share": share})
    del src, dst, share
    # Warm up imports and lazy initialisation on a tiny graph.
    Graph.from_arrow(table.slice(0, 10))
    gc.collect()

    with Peak() as peak:
        graph = Graph.from_arrow(table)
    report(kind, table.num_rows, graph.num_nodes, peak)


class Peak:
    """Peak resident memory above the baseline while the block runs, sampled from a thread
    (the Rust calls release the GIL)."""

    def __enter__(self):
        self.baseline = self.peak = rss()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample)
        self._start = time.perf_counter()
        self._thread.start()
        return self

    def _sample(self):
        while not self._done.is_set():
            self.peak = max(self.peak, rss())
            time.sleep(0.0005)

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, rss())
        self.retained = rss() - self.baseline


def report(kind: str, edges: int, nodes: int, peak: Peak) -> None:
    added = peak.peak - peak.baseline
    print(
        json.dumps(
            {
                "ids": kind,
                "edges": edges,
                "nodes": nodes,
                "added_bytes": added,
                "bytes_per_edge": added / max(edges, 1),
                "retained_bytes": peak.retained,
                "seconds": peak.seconds,
            }
        )
    )


if __name__ == "__main__":
    main()
