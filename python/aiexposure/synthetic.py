"""Reproducible synthetic investor graphs, generated in Rust.

>>> from aiexposure import Graph
>>> from aiexposure.synthetic import investor_graph
>>> t = investor_graph(1000, seed=1)
>>> t.column_names
['source', 'target', 'kind', 'share', 'amount']
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
    unknown_shares: float = 0.0,
    banded_shares: float = 0.0,
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
    (the top investors) and all its edges are included (unknown stakes stay unknown); node
    ids are then strings.

    Equity edges carry an ``amount``: the share times the issuer's implied valuation (a
    log-normal draw, median about $500M), so round trips and reciprocity show. A fraction
    ``unknown_shares`` of the generated equity edges have their share left null (unknown
    stake, amount kept) and a further ``banded_shares`` have it replaced by the band that holds
    it (``share_min`` / ``share_max`` from the edges 0, 5, 10, 25, 50, 75, 100%, as registers
    declare them); both columns are then added. Bands never exceed the true share from below,
    so the minimums held per issuer stay within ``max_held``.

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
    unknown_shares = _number("unknown_shares", unknown_shares, 0, 1)
    banded_shares = _number("banded_shares", banded_shares, 0, 1)
    if unknown_shares + banded_shares > 1:
        raise ValueError(
            f"unknown_shares + banded_shares must be at most 1, got "
            f"{unknown_shares} + {banded_shares}"
        )
    if core not in (None, "ai_funding_2026"):
        raise ValueError(f"core must be None or 'ai_funding_2026', not {core!r}")

    core_edges, core_names, core_held = None, None, np.empty(0)
    if core is not None:
        core_edges, core_names, core_held = _core_parts(max_held)
        if len(core_names) > num_nodes:
            raise ValueError(
                f"num_nodes ({num_nodes}) must be at least the core's {len(core_names)} nodes"
            )

    edges = _core.synthetic_investor_graph(
        int(num_nodes), avg_degree, cross_holding, max_held, commitments, int(seed), core_held
    )
    source, target, kind, share, amount = (
        edges[k] for k in ("source", "target", "kind", "share", "amount")
    )
    if not len(amount):
        amount = np.full(len(source), np.nan)
    rng = np.random.default_rng([int(seed), 0x5EED])
    # An implied valuation per issuer: equity amounts are share x valuation.
    valuation = rng.lognormal(mean=20.0, sigma=2.0, size=int(num_nodes))
    equity = kind == 0
    amount = np.where(equity, share * valuation[target], amount)
    columns = {
        "source": pa.array(source),
        "target": pa.array(target),
        "kind": pa.DictionaryArray.from_arrays(pa.array(kind.view(np.int8)), _KINDS),
        "share": pa.array(share, from_pandas=True),  # NaN on commitments -> null
        "amount": pa.array(amount, from_pandas=True),
    }
    if unknown_shares or banded_shares:
        columns |= _partial_stakes(share, equity, unknown_shares, banded_shares, rng)
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
    for name in table.column_names:
        if name not in core_edges.column_names:
            core_edges = core_edges.append_column(
                name, pa.nulls(core_edges.num_rows, table.schema.field(name).type)
            )
    core_edges = core_edges.select(table.column_names).cast(table.schema)
    return pa.concat_tables([core_edges, table])


BANDS = np.array([0.0, 0.05, 0.10, 0.25, 0.50, 0.75, 1.0])


def _partial_stakes(
    share: np.ndarray,
    equity: np.ndarray,
    unknown: float,
    banded: float,
    rng: np.random.Generator,
) -> dict[str, pa.Array]:
    """``share`` with a fraction of the equity stakes unknown (null) and a further fraction
    replaced by their band, with ``share_min`` / ``share_max``."""
    draw = rng.random(len(share))
    is_unknown = equity & (draw < unknown)
    is_banded = equity & (draw >= unknown) & (draw < unknown + banded)
    band = np.clip(np.searchsorted(BANDS, share, side="right") - 1, 0, len(BANDS) - 2)
    low = np.where(is_banded, BANDS[band], np.nan)
    high = np.where(is_banded, BANDS[band + 1], np.nan)
    hidden = is_unknown | is_banded
    return {
        "share": pa.array(np.where(hidden, np.nan, share), from_pandas=True),
        "share_min": pa.array(low, from_pandas=True),
        "share_max": pa.array(high, from_pandas=True),
    }


def _core_parts(max_held: float) -> tuple[pa.Table, pa.Array, np.ndarray]:
    """The real core: its edges (unknown stakes kept), node names, and the shares already
    held in each (at their minimums: an unknown stake counts 0)."""
    from .datasets import ai_funding_2026, ai_funding_2026_nodes

    edges = ai_funding_2026().select(["source", "target", "kind", "share", "amount"])
    names = ai_funding_2026_nodes()["name"].combine_chunks()
    is_equity = pc.equal(edges["kind"], "equity")
    equity = edges.filter(is_equity)
    held = np.zeros(len(names))
    index = {name: i for i, name in enumerate(names.to_pylist())}
    for target, share in zip(
        equity["target"].to_pylist(), equity["share"].to_pylist(), strict=True
    ):
        held[index[target]] += share or 0.0
    if (held > max_held + 1e-12).any():
        raise ValueError(f"max_held ({max_held}) is below the shares the real core already holds")
    return edges, names.cast(pa.string()), held
