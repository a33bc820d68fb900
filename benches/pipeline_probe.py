"""The 10M-node pipeline of issue 15 (item 5), in a fresh process: generate -> from_arrow ->
strongly connected components -> look_through (builds the solve plan) -> look_through again ->
simple_cycles(max_length=4), then save(plan=True) and open. Prints one JSON line: each stage's
seconds and the peak resident memory above the interpreter's baseline (sampled from a thread;
the Rust calls release the GIL).

Usage: python benches/pipeline_probe.py NUM_NODES SAVE_PATH
       python benches/pipeline_probe.py --open SAVE_PATH   (open alone, in a fresh process)
"""

from __future__ import annotations

import json
import sys
import threading
import time

import numpy as np
import pyarrow as pa


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


class Sampler:
    def __init__(self):
        self.baseline = self.peak = rss()
        self.done = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.done:
            self.peak = max(self.peak, rss())
            time.sleep(0.001)


def main() -> None:
    from aiexposure import Graph
    from aiexposure.synthetic import investor_graph

    if sys.argv[1] == "--open":
        t0 = time.perf_counter()
        g = Graph.open(sys.argv[2])
        print(json.dumps({"open": time.perf_counter() - t0, "nodes": g.num_nodes}))
        return
    n, path = int(sys.argv[1]), sys.argv[2]
    Graph.from_arrow(investor_graph(100, seed=1)).look_through(legacy_columns=False)
    sampler = Sampler()
    seconds: dict[str, float] = {}

    def stage(name, f):
        t0 = time.perf_counter()
        out = f()
        seconds[name] = time.perf_counter() - t0
        return out

    table = stage("generate", lambda: investor_graph(n, seed=0))
    g = stage("from_arrow", lambda: Graph.from_arrow(table))
    stage("scc", g.strongly_connected_components)
    loss = pa.table({"node": g.nodes, "value": np.ones(g.num_nodes)})
    stage("look_through_first", lambda: g.look_through(value_loss=loss, legacy_columns=False))
    stage("look_through", lambda: g.look_through(value_loss=loss, legacy_columns=False))
    stage("simple_cycles_4", lambda: g.simple_cycles(max_length=4))
    peak = sampler.peak - sampler.baseline
    stage("save", lambda: g.save(path, plan=True))
    sampler.done = True
    print(
        json.dumps(
            {
                "nodes": g.num_nodes,
                "edges": g.num_edges,
                "seconds": seconds,
                "plan_build": seconds["look_through_first"] - seconds["look_through"],
                "peak_bytes": peak,
            }
        )
    )


if __name__ == "__main__":
    main()
