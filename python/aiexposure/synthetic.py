"""Reproducible synthetic investor graphs, generated in Rust.

>>> from aiexposure import Graph
>>> from aiexposure.synthetic import investor_graph
>>> t = investor_graph(1000, seed=1)
>>> t.column_names
['source', 'target', 'kind', 'share']
>>> Graph.from_arrow(t).num_nodes <= 1000
True
"""

from __future__ import annotations

import numbers

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import _core

__all__ = ["investor_graph"]

_KINDS = pa.array(["equity", "credit", "commitment"])


def _number(
    name: str,
    value: object,
    low: float,
    high: float,
    *,
    open_low: bool = False,
    open_high: bool = False,
) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    v = float(value)
    too_low = v <= low if open_low else v < low
    too_high = v >= high if open_high else v > high
    if v != v or too_low or too_high:
        lo, hi = ("(" if open_low else "["), (")" if open_high else "]")
        raise ValueError(f"{name} must be in {lo}{low:g}, {high:g}{hi}, got {value!r}")
    return v


def investor_graph(
    num_nodes: int,
    *,
    avg_degree: float = 3.5,
    cross_holding: float = 0.01,
    max_held: float = 0.9,
    commitments: float = 0.0,
    core: str | None = None,
    seed: int = 0,
) -> pa.Table:
    """A reproducible synthetic investor graph as an edge table.

    Node ``j`` draws about ``avg_degree * (1 - cross_holding)`` equity holders among the nodes
    before it, with a power law favouring low indices, so investors' out-degrees are heavy
    tailed (Pareto-like) and these holdings form a DAG. A fraction ``cross_holding`` of the
    equity edges are cross-holdings that close cycles: an issuer holding one of its own
    ancestors, one to three hops up a holder chain (90%) or 4 to 20 hops up (10%). The shares
    held in each issuer sum to at most ``max_held``. ``commitments`` adds that many commitment
    edges per equity edge (customer → supplier, with a log-normal ``amount`` in USD), half of
    them paying back an ancestor. ``core="ai_funding_2026"`` grows the graph around the real
    deals of :func:`aiexposure.datasets.ai_funding_2026`: its companies are the first nodes
    (the top investors) and its quantified edges are included; node ids are then strings.

    Node ids are int64 (0 .. num_nodes - 1), or strings with a core. Same arguments, same
    table, bit for bit, whatever the number of threads.

    >>> from aiexposure.synthetic import investor_graph
    >>> investor_graph(500, seed=3).equals(investor_graph(500, seed=3))
    True
    """
    if isinstance(num_nodes, bool) or not isinstance(num_nodes, numbers.Integral):
        raise TypeError(f"num_nodes must be an integer, not {type(num_nodes).__name__}")
    if not 1 <= num_nodes <= 2**32 - 2:
        raise ValueError(f"num_nodes must be between 1 and {2**32 - 2}, got {num_nodes}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed < 2**64:
        raise ValueError(f"seed must be an integer in [0, 2**64), got {seed!r}")
    avg_degree = _number("avg_degree", avg_degree, 0, 1000)
    cross_holding = _number("cross_holding", cross_holding, 0, 1, open_high=True)
    max_held = _number("max_held", max_held, 0, 1, open_low=True)
    commitments = _number("commitments", commitments, 0, 100)
    if core not in (None, "ai_funding_2026"):
        raise ValueError(f"core must be None or 'ai_funding_2026', not {core!r}")

    core_edges, core_names, core_held = None, None, np.empty(0)
    if core is not None:
        core_edges, core_names, core_held = _core_parts(max_held)
        if len(core_names) > num_nodes:
            raise ValueError(
                f"num_nodes ({num_nodes}) must be at least the core's {len(core_names)} nodes"
            )

    source, target, kind, share, amount = _core.synthetic_investor_graph(
        int(num_nodes), avg_degree, cross_holding, max_held, commitments, int(seed), core_held
    )
    columns = {
        "source": pa.array(source),
        "target": pa.array(target),
        "kind": pa.DictionaryArray.from_arrays(pa.array(kind.view(np.int8)), _KINDS),
        "share": pa.array(share, from_pandas=True),  # NaN on commitments -> null
    }
    if len(amount):
        columns["amount"] = pa.array(amount, from_pandas=True)
    table = pa.table(columns)
    if core_edges is None:
        return table
    labels = pa.concat_arrays(
        [
            core_names,
            pc.binary_join_element_wise(
                "node-", pc.cast(pa.array(np.arange(len(core_names), num_nodes)), pa.string()), ""
            ),
        ]
    )
    table = table.set_column(0, "source", labels.take(table["source"]))
    table = table.set_column(1, "target", labels.take(table["target"]))
    if "amount" not in table.column_names:
        table = table.append_column("amount", pa.nulls(table.num_rows, pa.float64()))
    core_edges = core_edges.cast(table.schema)
    return pa.concat_tables([core_edges, table])


def _core_parts(max_held: float) -> tuple[pa.Table, pa.Array, np.ndarray]:
    """The real core: its quantified edges, node names, and shares already held in each."""
    from .datasets import ai_funding_2026, ai_funding_2026_nodes, split_quantified

    edges, _ = split_quantified(ai_funding_2026())
    edges = edges.select(["source", "target", "kind", "share", "amount"])
    names = ai_funding_2026_nodes()["name"].combine_chunks()
    is_equity = pc.equal(edges["kind"], "equity")
    equity = edges.filter(is_equity)
    held = np.zeros(len(names))
    index = {name: i for i, name in enumerate(names.to_pylist())}
    for target, share in zip(
        equity["target"].to_pylist(), equity["share"].to_pylist(), strict=True
    ):
        held[index[target]] += share
    if (held > max_held + 1e-12).any():
        raise ValueError(f"max_held ({max_held}) is below the shares the real core already holds")
    return edges, names.cast(pa.string()), held
