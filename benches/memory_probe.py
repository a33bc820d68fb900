"""Peak memory added by Graph.from_arrow, measured in a fresh process.

Usage: python benches/memory_probe.py {int,str} NUM_NODES
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

    peak = baseline = rss()
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss())
            time.sleep(0.0005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    start = time.perf_counter()
    graph = Graph.from_arrow(table)
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    peak = max(peak, rss())
    print(
        json.dumps(
            {
                "ids": kind,
                "edges": table.num_rows,
                "nodes": graph.num_nodes,
                "added_bytes": peak - baseline,
                "bytes_per_edge": (peak - baseline) / table.num_rows,
                "retained_bytes": rss() - baseline,
                "seconds": elapsed,
            }
        )
    )


if __name__ == "__main__":
    main()
