"""graph.png: the money graph — nodes by type, edges by kind, widths by amount, the edges of
money cycles highlighted, a legend. matplotlib, drawn off-screen."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ._vocabulary import KINDS
from .graph import Graph

# Big graphs: only the nodes moving the most money are drawn (said in the title).
MAX_DRAWN = 60
KIND_COLORS = {"equity": "#1f77b4", "credit": "#ff7f0e", "commitment": "#2ca02c"}
TYPE_PALETTE = ["#8c564b", "#9467bd", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#d62728"]
CYCLE_COLOR = "#d62728"
CYCLES_NAMED = 12


def _edges(graph: Graph) -> list[tuple[int, int, str, float]]:
    c = graph.csr()
    sources, targets, kinds, amounts = c.sources, c.indices, c.kind, c.amount
    return [
        (int(u), int(v), KINDS[int(k)], float(a))
        for u, v, k, a in zip(sources, targets, kinds, amounts, strict=True)
    ]


def _unsure_stakes(graph: Graph) -> list[bool]:
    """Per edge (CSR order): an equity stake the data give as a range or not at all."""
    return graph.csr().uncertain.tolist()


# Line styles: what the data do not say about an edge.
STYLES = {
    (False, False): "-",
    (True, False): "--",  # amount unknown
    (False, True): ":",  # stake unknown or a range
    (True, True): "-.",  # both
}


def _chosen(graph: Graph, edges: list[tuple[int, int, str, float]]) -> list[int]:
    """Every node, or the MAX_DRAWN moving the most known money (ties: most edges)."""
    n = graph.num_nodes
    if n <= MAX_DRAWN:
        return list(range(n))
    money, degree = np.zeros(n), np.zeros(n)
    for u, v, _, a in edges:
        for w in (u, v):
            degree[w] += 1
            if not math.isnan(a):
                money[w] += a
    order = np.lexsort((np.arange(n), -degree, -money))
    return sorted(order[:MAX_DRAWN].tolist())


def _cycle_edges(cycles: pa.Table, labels: list[Any]) -> set[tuple[Any, Any, str]]:
    on_cycle = set()
    for nodes, kinds in zip(cycles["nodes"].to_pylist(), cycles["kinds"].to_pylist(), strict=True):
        for i, kind in enumerate(kinds):
            on_cycle.add((nodes[i], nodes[(i + 1) % len(nodes)], kind))
    return on_cycle


def draw(
    graph: Graph, cycles: pa.Table, node_types: dict[Any, str], path: Path, title: str
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

    labels = graph.nodes.to_pylist()
    edges = _edges(graph)
    chosen = _chosen(graph, edges)
    keep = set(chosen)
    unsure_all = _unsure_stakes(graph)
    picked = [i for i, e in enumerate(edges) if e[0] in keep and e[1] in keep]
    unsure = {i: unsure_all[p] for i, p in enumerate(picked)}
    edges = [edges[p] for p in picked]
    types = sorted({node_types.get(labels[i], "node") for i in chosen})
    type_color = {t: TYPE_PALETTE[i % len(TYPE_PALETTE)] for i, t in enumerate(types)}

    # A circle, nodes grouped by type so that each type sits together.
    order = sorted(chosen, key=lambda i: (node_types.get(labels[i], "node"), str(labels[i])))
    angle = {v: math.pi / 2 - 2 * math.pi * k / max(len(order), 1) for k, v in enumerate(order)}
    pos = {v: (math.cos(a), math.sin(a)) for v, a in angle.items()}

    known = [a for *_, a in edges if not math.isnan(a) and a > 0]
    lo, hi = (min(known), max(known)) if known else (1.0, 1.0)

    def width(a: float) -> float:
        if math.isnan(a) or a <= 0:
            return 1.2
        if hi == lo:
            return 4.0
        return 1.5 + 7.0 * math.log(a / lo) / math.log(hi / lo)

    on_cycle = _cycle_edges(cycles, labels)
    fig, ax = plt.subplots(figsize=(13, 10), dpi=120)
    node_size = 2200 if len(chosen) <= 15 else 500
    radius_pts = math.sqrt(node_size) / 2 + 2
    for e, (u, v, kind, a) in enumerate(edges):
        rad = 0.15 + 0.1 * KINDS.index(kind)
        style: dict[str, Any] = {
            "connectionstyle": f"arc3,rad={rad}",
            "shrinkA": radius_pts,
            "shrinkB": radius_pts,
        }
        if (labels[u], labels[v], kind) in on_cycle:
            halo = FancyArrowPatch(
                pos[u],
                pos[v],
                arrowstyle="-",
                lw=width(a) + 7,
                color=CYCLE_COLOR,
                alpha=0.3,
                zorder=1,
                **style,
            )
            ax.add_patch(halo)
        arrow = FancyArrowPatch(
            pos[u],
            pos[v],
            arrowstyle="-|>",
            mutation_scale=18,
            lw=width(a),
            color=KIND_COLORS[kind],
            linestyle=STYLES[(math.isnan(a), unsure[e])],
            zorder=2,
            **style,
        )
        ax.add_patch(arrow)
    xs = [pos[v][0] for v in order]
    ys = [pos[v][1] for v in order]
    colors = [type_color[node_types.get(labels[v], "node")] for v in order]
    ax.scatter(xs, ys, s=node_size, c=colors, edgecolors="black", linewidths=1.0, zorder=3)
    for v in order:
        x, y = pos[v]
        # Outside the circle, anchored away from it so the text never covers a node.
        ha = "center" if abs(x) < 0.2 else ("left" if x > 0 else "right")
        va = "center" if abs(y) < 0.2 else ("bottom" if y > 0 else "top")
        ax.annotate(
            str(labels[v]),
            (x, y),
            xytext=(1.13 * x, 1.13 * y),
            textcoords="data",
            ha=ha,
            va=va,
            fontsize=12 if len(order) <= 15 else 7,
            fontweight="bold",
            zorder=4,
        )

    handles = [
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            markersize=12,
            markerfacecolor=type_color[t],
            markeredgecolor="black",
            label="node (no type in the data)" if t == "node" else f"node: {t}",
        )
        for t in types
    ]
    present = {kind for _, _, kind, _ in edges}
    handles += [
        Line2D([], [], color=c, lw=3, label=f"{k} edge")
        for k, c in KIND_COLORS.items()
        if k in present
    ]
    styles_present = {(math.isnan(a), unsure[e]) for e, (*_, a) in enumerate(edges)}
    for key, label in (
        ((True, False), "amount unknown"),
        ((False, True), "stake unknown or a range"),
        ((True, True), "stake and amount unknown"),
    ):
        if key in styles_present:
            handles.append(Line2D([], [], color="gray", lw=1.5, ls=STYLES[key], label=label))
    handles.append(Line2D([], [], color=CYCLE_COLOR, lw=9, alpha=0.3, label="on a money cycle"))
    if known and hi > lo:
        for a in sorted({lo, math.sqrt(lo * hi), hi}):
            handles.append(
                Line2D(
                    [],
                    [],
                    color="gray",
                    lw=width(a),
                    label=f"${a / 1e9:,.1f}B" if a >= 1e9 else f"${a:,.0f}",
                )
            )
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        frameon=False,
        fontsize=10,
        title="Money flows along the arrows;\nwidth: amount (log scale)",
    )
    shown = (
        ""
        if len(chosen) == graph.num_nodes
        else (f" — the {len(chosen)} nodes moving the most money of {graph.num_nodes:,}")
    )
    ax.set_title(f"{title}{shown}\n{cycles.num_rows:,} money cycle(s) highlighted", fontsize=13)
    named = [
        f"C{c + 1}: " + " -> ".join(map(str, [*nodes, nodes[0]]))
        for c, nodes in zip(
            cycles["cycle"].to_pylist()[:CYCLES_NAMED],
            cycles["nodes"].to_pylist()[:CYCLES_NAMED],
            strict=True,
        )
    ]
    if cycles.num_rows > CYCLES_NAMED:
        named.append(f"... {cycles.num_rows - CYCLES_NAMED:,} more in cycles.parquet")
    if named:
        ax.text(-1.45, -1.3, "\n".join(named), fontsize=9, va="top", ha="left", family="monospace")
    ax.set_xlim(-1.45, 1.45)
    ax.set_ylim(-1.35 - 0.085 * len(named), 1.35)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
