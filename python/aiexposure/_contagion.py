"""Contagion over claims (docs/math.md, "DebtRank"): functions of a Handle."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from . import _core
from ._handle import Handle
from ._inputs import node_values
from ._io import read_table
from ._scenarios import Batch, batch, split
from ._vocabulary import KINDS
from .errors import AIExposureError

CLAIM_KINDS = ("credit", "commitment")
VARIANTS = ("single_hit", "linear", "nonlinear")


@dataclass(frozen=True)
class DebtRankResult:
    """What :meth:`Graph.debtrank` found: ``table`` (``node``, ``initial``, ``distress``: the
    relative equity loss before and after the cascade, in [0, 1]), ``relative_loss`` R =
    Σ (h − h0) w / Σ w, the weighted distress the cascade added, and ``rounds`` (the shock is
    round 1).

    >>> from aiexposure import Graph
    >>> g = Graph.from_arrow({"source": ["bank"], "target": ["lab"], "kind": ["credit"],
    ...                       "amount": [30.0]})
    >>> r = g.debtrank({"lab": 0.5}, equity={"bank": 60.0, "lab": 10.0})
    >>> r.table["distress"].to_pylist(), r.rounds
    ([0.25, 0.5], 3)
    """

    table: pa.Table
    relative_loss: float
    rounds: int


@dataclass(frozen=True)
class FurfineResult:
    """What :meth:`Graph.furfine` found: ``table`` (``node``, ``round``: the round it failed
    in, 0 for the shocked nodes, null for survivors) and ``rounds`` (rounds after round 0).

    >>> from aiexposure import Graph
    >>> g = Graph.from_arrow({"source": ["bank"], "target": ["lab"], "kind": ["credit"],
    ...                       "amount": [30.0]})
    >>> r = g.furfine(["lab"], equity={"bank": 20.0})
    >>> r.table["round"].to_pylist(), r.rounds
    ([1, 0], 1)
    """

    table: pa.Table
    rounds: int


@dataclass(frozen=True)
class ClearingResult:
    """What :meth:`Graph.clearing` found: ``table`` (``node``, ``obligation``, ``payment``,
    ``recovery`` = payment / obligation (null when nothing is owed), ``defaulted``,
    ``equity`` = max(0, assets − obligation)) and ``rounds`` (rounds of the default set).

    >>> from aiexposure import Graph
    >>> g = Graph.from_arrow({"source": ["bank"], "target": ["lab"], "kind": ["credit"],
    ...                       "amount": [10.0]})
    >>> r = g.clearing({"lab": 4.0, "bank": 0.0})
    >>> r.table.select(["node", "payment", "defaulted"]).to_pylist()[1]
    {'node': 'lab', 'payment': 4.0, 'defaulted': True}
    """

    table: pa.Table
    rounds: int


@dataclass(frozen=True)
class DebtRankScenarios:
    """DebtRank over many scenarios: ``table`` (``scenario``, ``node``, ``initial``,
    ``distress``), a row for each node a scenario shocks or distresses (nodes it leaves at 0
    are left out), and ``totals`` (``scenario``, ``relative_loss`` R, ``distressed_nodes``
    (distress > 0), ``defaulted_nodes`` (distress 1), ``rounds``), one row per scenario in the
    order given.

    >>> from aiexposure import Graph
    >>> g = Graph.from_arrow({"source": ["bank"], "target": ["lab"], "kind": ["credit"],
    ...                       "amount": [30.0]})
    >>> r = g.debtrank("each", equity={"bank": 60.0, "lab": 10.0})
    >>> r.totals.select(["scenario", "distressed_nodes"]).to_pylist()
    [{'scenario': 'bank', 'distressed_nodes': 1}, {'scenario': 'lab', 'distressed_nodes': 2}]
    """

    table: pa.Table
    totals: pa.Table


@dataclass(frozen=True)
class FurfineScenarios:
    """Sequential defaults over many scenarios: ``table`` (``scenario``, ``node``,
    ``round``), a row for each node that fails, and ``totals`` (``scenario``,
    ``failed_nodes`` (the shocked nodes included), ``rounds``).

    >>> import pyarrow as pa
    >>> from aiexposure import Graph
    >>> g = Graph.from_arrow({"source": ["bank"], "target": ["lab"], "kind": ["credit"],
    ...                       "amount": [30.0]})
    >>> r = g.furfine(pa.table({"scenario": ["lab fails"], "node": ["lab"]}),
    ...               equity={"bank": 20.0})
    >>> r.table.to_pylist()[0]
    {'scenario': 'lab fails', 'node': 'bank', 'round': 1}
    """

    table: pa.Table
    totals: pa.Table


@dataclass(frozen=True)
class ClearingScenarios:
    """Clearing over many scenarios, each a relative loss of external assets: ``table``
    (``scenario``, ``node``, ``shock``, ``obligation``, ``payment``, ``recovery``,
    ``defaulted``, ``equity``, ``equity_drop``: base equity − equity), a row for each node
    the scenario changes (shocked, or paying, receiving or defaulting otherwise than in
    ``base``); ``totals`` (``scenario``, ``defaulted_nodes``, ``shortfall`` = Σ (obligation
    − payment), ``equity_drop``, ``rounds``); ``base``, the clearing without shock.

    >>> from aiexposure import Graph, each
    >>> g = Graph.from_arrow({"source": ["bank"], "target": ["lab"], "kind": ["credit"],
    ...                       "amount": [10.0]})
    >>> r = g.clearing({"lab": 12.0, "bank": 0.0}, shock=each(["lab"], 0.5))
    >>> r.totals.select(["defaulted_nodes", "shortfall"]).to_pylist()
    [{'defaulted_nodes': 1, 'shortfall': 4.0}]
    """

    table: pa.Table
    totals: pa.Table
    base: ClearingResult


def claim_kinds(kinds: str | Iterable[str]) -> list[int]:
    """The kind codes whose amounts are claims: credit and commitment edges."""
    names = [kinds] if isinstance(kinds, str) else list(kinds)
    if not names:
        raise ValueError("kinds is empty: give 'credit', 'commitment' or both")
    for k in names:
        if k == "equity":
            raise ValueError(
                "equity edges carry no claim amount for contagion: kinds are 'credit' "
                "(the lender's claim on its borrower) and 'commitment' (the supplier's claim "
                "on its customer); equity exposure is look_through's"
            )
        if k not in CLAIM_KINDS:
            raise ValueError(f"unknown edge kind {k!r}: kinds are {', '.join(CLAIM_KINDS)}")
    return sorted({KINDS.index(k) for k in names})


def _given(h: Handle, values: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The values per node (0 where not given) and which nodes were given."""
    vals = node_values(h, values, name)
    if isinstance(values, Mapping):
        ones: Any = dict.fromkeys(values, 1.0)
    else:
        table = read_table(values, f"{name} table")
        ones = pa.table({"node": table["node"], "value": np.ones(table.num_rows)})
    return vals, node_values(h, ones, name) > 0


def debtrank(
    h: Handle,
    shock: Any,
    equity: Any,
    weight: Any,
    variant: str,
    alpha: float,
    kinds: str | Iterable[str],
    detail: bool = True,
) -> DebtRankResult | DebtRankScenarios:
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(map(repr, VARIANTS))}")
    if variant != "nonlinear" and alpha != 0.0:
        raise ValueError(
            f"alpha={alpha!r} is the non-linear DebtRank's parameter: pass "
            "variant='nonlinear' (alpha=0 is the linear DebtRank)"
        )
    codes = claim_kinds(kinds)
    n = h.num_nodes
    if shock is None:
        raise ValueError("shock is required: the initial relative equity loss per node")
    many, shock = split(shock, "shock")
    if many:
        b = batch(h, shock, "shock")
        return _debtrank_many(h, b, equity, weight, variant, alpha, codes, detail)
    _single(detail)
    s = node_values(h, shock, "shock")
    if len(s) == 0:
        s = np.zeros(n)
    bad = np.flatnonzero((s < 0) | (s > 1))
    if len(bad):
        who = h.nodes.labels[int(bad[0])].as_py()
        raise AIExposureError(
            f"the shock on {who!r} is {float(s[bad[0]])!r}; a shock is a relative equity loss "
            "in [0, 1]",
            nodes=[h.nodes.labels[int(i)].as_py() for i in bad[:10]],
        )
    _check_amounts(h, codes)
    e, listed = _given(h, equity, "equity")
    core_variant = "single_hit" if variant == "single_hit" else "nonlinear"
    # Every node that holds a claim, or is shocked, needs its equity.
    needed = _parties(h, codes, creditors=True) | (s > 0)
    _require(h, listed, needed, "equity", "hold claims or are shocked")
    out = h.call(_core.debtrank, h.core, codes, e, s, core_variant, float(alpha))
    distress = out["distress"]
    w = _weights(h, weight, e, listed)
    total = float(w.sum())
    relative = float(((distress - s) * w).sum() / total) if _weighs(total) else float("nan")
    table = pa.table(
        {"node": h.nodes.labels, "initial": pa.array(s), "distress": pa.array(distress)}
    )
    return DebtRankResult(table=table, relative_loss=relative, rounds=int(out["rounds"]))


def _single(detail: bool) -> None:
    if not detail:
        raise ValueError(
            "detail=False keeps only the totals of many scenarios; this call has one "
            "(pass a scenarios table or each() to run many)"
        )


def _weights(h: Handle, weight: Any, e: np.ndarray, listed: np.ndarray) -> np.ndarray:
    if weight is None:
        return np.where(listed, np.maximum(e, 0.0), 0.0)  # an insolvent node weighs nothing
    w, _ = _given(h, weight, "weight")
    if (w < 0).any() or not np.isfinite(w).all():
        raise AIExposureError("weights must be finite and non-negative (equity by default)")
    return w


def _weighs(total: float) -> bool:
    """Whether weights summing to ``total`` give R; if not, a warning (the distress table
    stands; only R has nothing to weigh by)."""
    if total > 0:
        return True
    warnings.warn(
        "the weights sum to 0, so the relative loss R = sum (h - h0) w / sum w is "
        "undefined (NaN): give positive equity to some node, or pass weight=",
        RuntimeWarning,
        stacklevel=4,
    )
    return False


def _debtrank_many(
    h: Handle,
    b: Batch,
    equity: Any,
    weight: Any,
    variant: str,
    alpha: float,
    codes: list[int],
    detail: bool = True,
) -> DebtRankScenarios:
    _check_amounts(h, codes)
    e, listed = _given(h, equity, "equity")
    needed = _parties(h, codes, creditors=True) | b.dense(h.num_nodes)
    _require(h, listed, needed, "equity", "hold claims or are shocked")
    w = _weights(h, weight, e, listed)
    core_variant = "single_hit" if variant == "single_hit" else "nonlinear"
    out = h.call(
        _core.debtrank_many,
        h.core,
        codes,
        e,
        w,
        b.offsets,
        b.nodes,
        b.values,
        core_variant,
        float(alpha),
        detail,
    )
    total = float(w.sum())
    relative = out["added"] / total if _weighs(total) else np.full(len(b), np.nan)
    table = pa.table(
        {
            "scenario": b.key_column(out["scenario"]),
            "node": h.nodes.labels.take(pa.array(out["node"].astype(np.int64))),
            "initial": pa.array(out["initial"]),
            "distress": pa.array(out["distress"]),
        }
    )
    totals = pa.table(
        {
            "scenario": b.keys,
            "relative_loss": pa.array(relative),
            "distressed_nodes": pa.array(out["distressed"].astype(np.int64)),
            "defaulted_nodes": pa.array(out["defaulted"].astype(np.int64)),
            "rounds": pa.array(out["rounds"].astype(np.int64)),
        }
    )
    return DebtRankScenarios(table=table, totals=totals)


def _check_amounts(h: Handle, codes: list[int]) -> None:
    """Every claim DebtRank reads is known: an unknown (or negative) amount is an error."""
    csr = h.csr
    read = np.isin(csr.kind, codes)
    bad = np.flatnonzero(read & ~(csr.amount >= 0))
    if len(bad):
        p = int(bad[0])
        u, v = (h.nodes.labels[int(x)].as_py() for x in (csr.sources[p], csr.indices[p]))
        what = "an unknown" if np.isnan(csr.amount[p]) else "a negative"
        raise AIExposureError(
            f"the {KINDS[int(csr.kind[p])]} edge {u!r} -> {v!r} has {what} amount"
            f"{f' (and {len(bad) - 1} more edges)' if len(bad) > 1 else ''}: a claim must be "
            "known to spread distress; give its amount, or leave its kind out of `kinds`",
            nodes=[u, v],
        )


def _parties(h: Handle, codes: list[int], creditors: bool) -> np.ndarray:
    """Nodes on one side of the claims of ``codes``: the creditors (lenders of credit edges,
    suppliers of commitment edges) or the debtors (borrowers, customers)."""
    csr = h.csr
    marked = np.zeros(h.num_nodes, dtype=bool)
    for kind, creditor_is_source in (("credit", True), ("commitment", False)):
        if KINDS.index(kind) in codes:
            ends = csr.sources if creditor_is_source == creditors else csr.indices
            marked[ends[csr.kind == KINDS.index(kind)]] = True
    return marked


def _labels(h: Handle, idx: np.ndarray) -> list[Any]:
    return [h.nodes.labels[int(i)].as_py() for i in idx[:10]]


def _require(h: Handle, listed: np.ndarray, needed: np.ndarray, what: str, why: str) -> None:
    missing = np.flatnonzero(~listed & needed)
    if len(missing):
        names = _labels(h, missing)
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        raise AIExposureError(
            f"{what} is not given for {', '.join(map(repr, names))}{more}, which {why} (no "
            "default is assumed)",
            nodes=names,
        )


def furfine(
    h: Handle,
    shock: Any,
    equity: Any,
    lgd: float,
    at_threshold: str,
    kinds: str | Iterable[str],
    detail: bool = True,
) -> FurfineResult | FurfineScenarios:
    if at_threshold not in ("default", "survive"):
        raise ValueError(
            "at_threshold must be 'default' (a loss equal to equity fails) or 'survive'"
        )
    if not 0.0 <= lgd <= 1.0:
        raise ValueError(f"lgd is {lgd!r}; the loss given default is a fraction in [0, 1]")
    codes = claim_kinds(kinds)
    if isinstance(shock, str) and shock != "each":
        raise TypeError(
            f"shock is the list of node ids failed in round 0 (for one node: [{shock!r}]), "
            "'each', or a scenarios table (a file as a pathlib.Path)"
        )
    many, shock = split(shock, "shock")
    if many:
        b = batch(h, shock, "shock", values=False)
        return _furfine_many(h, b, equity, lgd, at_threshold, codes, detail)
    _single(detail)
    if shock is None or not isinstance(shock, Iterable):
        raise TypeError("shock is the list of node ids failed in round 0")
    shocked = np.unique(h.nodes.indices(shock, "shock")).astype(np.uint32)
    _check_amounts(h, codes)
    e, listed = _given(h, equity, "equity")
    _require(h, listed, _parties(h, codes, creditors=True), "equity", "hold claims")
    out = h.call(_core.furfine, h.core, codes, e, shocked, float(lgd), at_threshold)
    rounds = out["round"]
    table = pa.table(
        {"node": h.nodes.labels, "round": pa.array(rounds, pa.int64(), mask=rounds < 0)}
    )
    return FurfineResult(table=table, rounds=int(out["rounds"]))


def _furfine_many(
    h: Handle,
    b: Batch,
    equity: Any,
    lgd: float,
    at_threshold: str,
    codes: list[int],
    detail: bool = True,
) -> FurfineScenarios:
    _check_amounts(h, codes)
    e, listed = _given(h, equity, "equity")
    _require(h, listed, _parties(h, codes, creditors=True), "equity", "hold claims")
    out = h.call(
        _core.furfine_many,
        h.core,
        codes,
        e,
        b.offsets,
        b.nodes,
        b.values,
        float(lgd),
        at_threshold,
        detail,
    )
    table = pa.table(
        {
            "scenario": b.key_column(out["scenario"]),
            "node": h.nodes.labels.take(pa.array(out["node"].astype(np.int64))),
            "round": pa.array(out["round"].astype(np.int64)),
        }
    )
    totals = pa.table(
        {
            "scenario": b.keys,
            "failed_nodes": pa.array(out["failed"].astype(np.int64)),
            "rounds": pa.array(out["rounds"].astype(np.int64)),
        }
    )
    return FurfineScenarios(table=table, totals=totals)


def clearing(
    h: Handle,
    external_assets: Any,
    external_liabilities: Any,
    alpha: float,
    beta: float,
    priority: str,
    kinds: str | Iterable[str],
    shock: Any = None,
    detail: bool = True,
) -> ClearingResult | ClearingScenarios:
    if priority not in ("pari_passu", "external_senior"):
        raise ValueError(
            "priority must be 'pari_passu' (every creditor pro rata) or 'external_senior' "
            "(outside creditors paid first)"
        )
    for name, x in (("alpha", alpha), ("beta", beta)):
        if not 0.0 <= x <= 1.0:
            raise ValueError(
                f"{name} is {x!r}; the share of assets a defaulting node realises is in [0, 1]"
            )
    codes = claim_kinds(kinds)
    _check_amounts(h, codes)
    e, listed = _given(h, external_assets, "external_assets")
    liab = (
        np.zeros(h.num_nodes)
        if external_liabilities is None
        else node_values(h, external_liabilities, "external_liabilities")
    )
    for name, v in (("external_assets", e), ("external_liabilities", liab)):
        if (v < 0).any():
            bad = _labels(h, np.flatnonzero(v < 0))
            raise AIExposureError(f"{name} must be >= 0; negative for {bad!r}", nodes=bad)
    owes = _parties(h, codes, creditors=False) | (liab > 0)
    _require(h, listed, owes, "external_assets", "owe something")
    args = (float(alpha), float(beta), priority)
    many, shock = split(shock, "shock")
    if many:
        b = batch(h, shock, "shock")
        many_out = h.call(
            _core.clearing_many, h.core, codes, e, liab, b.offsets, b.nodes, b.values, *args, detail
        )
        return _clearing_scenarios(h, b, dict(many_out))
    _single(detail)
    if shock is not None:
        s = node_values(h, shock, "shock")
        _check_unit(h, s, "shock")
        e = e * (1.0 - s)
    out = h.call(_core.clearing, h.core, codes, e, liab, *args)
    return ClearingResult(table=_clearing_table(h, dict(out)), rounds=int(out["rounds"]))


def _check_unit(h: Handle, s: np.ndarray, name: str) -> None:
    bad = np.flatnonzero((s < 0) | (s > 1))
    if len(bad):
        who = h.nodes.labels[int(bad[0])].as_py()
        raise AIExposureError(
            f"the {name} on {who!r} is {float(s[bad[0]])!r}; a {name} is a relative loss in [0, 1]",
            nodes=_labels(h, bad),
        )


def _recovery(owed: np.ndarray, paid: np.ndarray) -> pa.Array:
    with np.errstate(invalid="ignore", divide="ignore"):
        recovery = np.where(owed > 0, paid / owed, np.nan)
    return pa.array(recovery, mask=owed <= 0)


def _clearing_table(h: Handle, out: dict[str, Any], prefix: str = "") -> pa.Table:
    owed, paid = out[prefix + "obligation"], out[prefix + "payment"]
    return pa.table(
        {
            "node": h.nodes.labels,
            "obligation": pa.array(owed),
            "payment": pa.array(paid),
            "recovery": _recovery(owed, paid),
            "defaulted": pa.array(out[prefix + "defaulted"]),
            "equity": pa.array(np.maximum(0.0, out[prefix + "assets"] - owed)),
        }
    )


def _clearing_scenarios(h: Handle, b: Batch, out: dict[str, Any]) -> ClearingScenarios:
    base = _clearing_table(h, out, "base_")
    node = out["node"].astype(np.int64)
    owed = out["base_obligation"][node]
    paid = out["payment"]
    equity = np.maximum(0.0, out["assets"] - owed)
    base_equity = np.maximum(0.0, out["base_assets"] - out["base_obligation"])[node]
    table = pa.table(
        {
            "scenario": b.key_column(out["scenario"]),
            "node": h.nodes.labels.take(pa.array(node)),
            "shock": pa.array(out["shock"]),
            "obligation": pa.array(owed),
            "payment": pa.array(paid),
            "recovery": _recovery(owed, paid),
            "defaulted": pa.array(out["defaulted"]),
            "equity": pa.array(equity),
            "equity_drop": pa.array(base_equity - equity),
        }
    )
    totals = pa.table(
        {
            "scenario": b.keys,
            "defaulted_nodes": pa.array(out["defaulters"].astype(np.int64)),
            "shortfall": pa.array(out["shortfall"]),
            "equity_drop": pa.array(out["equity_loss"]),
            "rounds": pa.array(out["rounds"].astype(np.int64)),
        }
    )
    base_result = ClearingResult(table=base, rounds=int(out["base_rounds"]))
    return ClearingScenarios(table=table, totals=totals, base=base_result)
