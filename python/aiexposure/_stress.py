"""Contagion for the command line and the report: node values from the command line, what
the data lack for each model (said, never assumed), and the models' results in words."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from . import _text as tx
from ._vocabulary import KINDS
from .errors import UnknownNodeError
from .graph import Graph

SHOWN = 15
CLAIM_KINDS = ("credit", "commitment")

DEBTRANK_FORMULA = (
    "DebtRank (Battiston et al. 2012, single-hit): h_i <- min(1, h_i + sum_j W_ij h_j) over "
    "the nodes j distressed in the last round, each passing its distress once; W_ij = min(1, "
    "claim of i on j / equity of i); R = sum (h - h0) E / sum E, the equity-weighted loss the "
    "cascade adds."
)
CLEARING_FORMULA = (
    "Clearing (Eisenberg-Noe 2001): the greatest p with p_i = min(obligation_i, e_i + sum_j "
    "Pi_ji p_j), every creditor paid pro rata; a borrower owes its lender the credit amount, a "
    "customer its supplier the committed amount, e the external assets."
)


def node_label(graph: Graph, text: str, option: str) -> Any:
    """The graph's node named ``text`` on the command line (ints for integer ids)."""
    value: Any = text
    if pa.types.is_integer(graph.nodes.type):
        try:
            value = int(text)
        except ValueError:
            value = None
    try:
        graph.node_index(text if value is None else value)
    except UnknownNodeError as e:
        hint = "" if e.suggestion is None else f" (did you mean {e.suggestion!r}?)"
        raise KeyError(
            f"{option}: node {text!r} is not in the graph{hint}; check its spelling"
        ) from None
    if value is None:
        raise KeyError(f"{option}: node {text!r} is not in the graph; its ids are integers")
    return value


def assignments(items: list[str] | None, option: str, lo: float, hi: float) -> dict[str, float]:
    """Parse NODE=NUMBER items, each number in [lo, hi]."""
    out: dict[str, float] = {}
    for item in items or []:
        node, sep, number = item.rpartition("=")
        try:
            value = float(number)
        except ValueError:
            value = math.nan
        if not sep or not node or not (lo <= value <= hi):
            bound = f"a number in [{lo:g}, {hi:g}]" if hi < math.inf else f"a number >= {lo:g}"
            raise ValueError(f"{option} {item!r}: write NODE=VALUE with VALUE {bound}")
        out[node] = value
    return out


def node_values(
    graph: Graph, items: list[str] | None, option: str, lo: float = 0.0
) -> dict[Any, float] | pa.Table:
    """``--equity NODE=USD`` (repeatable), or one file with columns ``node`` and ``value``."""
    items = items or []
    if len(items) == 1 and "=" not in items[0]:
        from ._io import read_table

        path = Path(items[0])
        if not path.exists():
            raise FileNotFoundError(f"{option} {items[0]}: file not found (or write NODE=USD)")
        table = read_table(path, f"{option} table", id_columns=("node",))
        if not {"node", "value"} <= set(table.column_names):
            raise ValueError(f"{option} {path}: the file needs columns 'node' and 'value'")
        if pa.types.is_integer(graph.nodes.type) and pa.types.is_string(table["node"].type):
            table = table.set_column(0, "node", table["node"].cast(graph.nodes.type))
        return table.select(["node", "value"])
    given = assignments(items, option, lo, math.inf)
    return {node_label(graph, k, option): v for k, v in given.items()}


def _labels(graph: Graph, mask: np.ndarray) -> list[Any]:
    return graph.node_labels(np.flatnonzero(mask)).to_pylist()


@dataclass
class Needs:
    """What contagion over a graph's claims needs that the data may not give."""

    unknown_claims: list[tuple[Any, Any, str]] = field(default_factory=list)
    creditors: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    debtors: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    claims: int = 0


def needs(graph: Graph) -> Needs:
    """The claims (credit and commitment edges), those of unknown amount, and who holds
    claims (creditors: lenders, suppliers) or owes them (debtors: borrowers, customers)."""
    c = graph.csr()
    kind = np.asarray(c.kind)
    credit, commitment = kind == KINDS.index("credit"), kind == KINDS.index("commitment")
    src, dst = np.asarray(c.sources), np.asarray(c.indices)
    out = Needs(creditors=np.zeros(graph.num_nodes, bool), debtors=np.zeros(graph.num_nodes, bool))
    out.creditors[src[credit]] = out.creditors[dst[commitment]] = True
    out.debtors[dst[credit]] = out.debtors[src[commitment]] = True
    claims = credit | commitment
    out.claims = int(claims.sum())
    names = graph.nodes
    for p in np.flatnonzero(claims & np.isnan(np.asarray(c.amount))):
        u, v = names[int(src[p])].as_py(), names[int(dst[p])].as_py()
        out.unknown_claims.append((u, v, KINDS[int(kind[p])]))
    return out


def _given(graph: Graph, values: dict[Any, float] | pa.Table | None) -> np.ndarray:
    """Which nodes ``values`` gives."""
    mask = np.zeros(graph.num_nodes, bool)
    if values is None:
        return mask
    keys = list(values) if isinstance(values, dict) else values["node"].to_pylist()
    for k in keys:
        if k in graph:  # an unknown node is the model's error to raise, by name
            mask[graph.node_index(k)] = True
    return mask


def _missing(graph: Graph, what: str, needed: np.ndarray, given: np.ndarray, option: str) -> str:
    names = _labels(graph, needed & ~given)
    shown = ", ".join(map(str, names[:SHOWN]))
    more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return f"{what} not given for {shown}{more}: give {option} NODE=USD (or a file)"


@dataclass
class ContagionSection:
    """The report's contagion section: DebtRank and clearing of the stated scenario, or what
    each one lacks."""

    debtrank: Any = None
    clearing: Any = None
    shock: dict[Any, float] = field(default_factory=dict)
    lacks: dict[str, list[str]] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def text(self) -> str:
        out = [tx.heading("Contagion: DebtRank and clearing")]
        if not self.shock:
            out.append("  no scenario: give --shock NODE=FRACTION and/or --unpaid NODE=FRACTION")
            return "\n".join(out)
        out.append(tx.wrap("Scenario as initial distress h0: " + "; ".join(self.lines) + "."))
        out.append(tx.wrap(DEBTRANK_FORMULA))
        if self.debtrank is None:
            out += [tx.wrap("Not computed: " + why) for why in self.lacks["debtrank"]]
        else:
            r = self.debtrank
            rows = [x for x in r.table.to_pylist() if x["distress"] > 0]
            rows.sort(key=lambda x: (-x["distress"], str(x["node"])))
            out.append(
                f"  R = {tx.percent(r.relative_loss)} of the equity in the graph lost beyond "
                f"the shock, in {r.rounds} rounds; {len(rows)} node(s) distressed"
            )
            body = [
                [str(x["node"]), tx.percent(x["initial"]), tx.percent(x["distress"])]
                for x in rows[:SHOWN]
            ]
            out.append(tx.table(["node", "initial", "distress"], body))
        out.append(tx.wrap(CLEARING_FORMULA))
        if self.clearing is None:
            out += [tx.wrap("Not computed: " + why) for why in self.lacks["clearing"]]
        else:
            r = self.clearing
            rows = [x for x in r.table.to_pylist() if x["obligation"] > 0]
            rows.sort(key=lambda x: (x["recovery"], str(x["node"])))
            defaulted = sum(x["defaulted"] for x in rows)
            out.append(f"  {defaulted} node(s) cannot pay in full ({r.rounds} round(s))")
            body = [
                [
                    str(x["node"]),
                    tx.money(x["obligation"]),
                    tx.money(x["payment"]),
                    tx.percent(x["recovery"]),
                    "yes" if x["defaulted"] else "no",
                ]
                for x in rows[:SHOWN]
            ]
            out.append(tx.table(["node", "obligation", "payment", "recovery", "defaulted"], body))
        out.append(
            tx.wrap(
                "Beside the linear look-through above: these models stop a loss at a node's "
                "capital (DebtRank) or at what it can pay (clearing); the look-through passes "
                "every loss on in full."
            )
        )
        return "\n".join(out)


def contagion_section(
    graph: Graph,
    value_loss: dict[Any, float],
    unpaid: dict[Any, float],
    equity: dict[Any, float] | pa.Table | None,
    external_assets: dict[Any, float] | pa.Table | None,
) -> ContagionSection:
    """DebtRank and clearing of a scenario: h0 = max(unpaid fraction, value loss / equity)
    (capped at 1); clearing's shock is the same fraction of external assets."""
    section = ContagionSection()
    need = needs(graph)
    eq_given, ext_given = _given(graph, equity), _given(graph, external_assets)
    shocked = set(value_loss) | set(unpaid)
    if not shocked:
        return section
    unknown = ""
    if need.unknown_claims:
        shown = ", ".join(f"{u} -> {v} ({k})" for u, v, k in need.unknown_claims[:SHOWN])
        more = len(need.unknown_claims) - SHOWN
        unknown = (
            f"{len(need.unknown_claims)} of the {need.claims} claims (credit and commitment "
            f"edges) have no known amount ({shown}{f' and {more} more' if more > 0 else ''}); "
            "a claim must be known to spread a loss, and none is assumed zero"
        )
    if need.claims == 0:
        unknown = "the graph has no credit or commitment edge: no claim to spread a loss over"
    eq_values = dict(equity) if isinstance(equity, dict) else _as_dict(equity)
    shock: dict[Any, float] = {}
    lacks_equity = []
    for node in shocked:
        h = unpaid.get(node, 0.0)
        parts = []
        if node in unpaid:
            parts.append(f"{tx.percent(unpaid[node], 0)} unpaid")
        if value_loss.get(node) and h < 1.0:  # a full default is h0 = 1 whatever the loss
            e = eq_values.get(node)
            if e is None:
                lacks_equity.append(node)
                continue
            h = max(h, min(1.0, value_loss[node] / e) if e > 0 else 1.0)
            parts.append(f"{tx.money(value_loss[node])} lost on {tx.money(e)} of equity")
        shock[node] = h
        section.lines.append(f"{node}: h0 = {tx.percent(h, 0)} ({', '.join(parts)})")
    section.shock = shock or {node: 0.0 for node in shocked}
    if lacks_equity:
        section.lines.append(
            "no equity given for " + ", ".join(map(str, lacks_equity)) + ": its value loss "
            "cannot be turned into a distress"
        )
    for model, given, needed, what, option in (
        ("debtrank", eq_given, need.creditors, "equity (loss-absorbing capital)", "--equity"),
        ("clearing", ext_given, need.debtors, "assets outside the graph", "--external-assets"),
    ):
        why = [unknown] if unknown else []
        if (needed & ~given).any():
            why.append(_missing(graph, what, needed, given, option))
        if model == "debtrank" and lacks_equity:
            why.append(
                "equity not given for the shocked "
                + ", ".join(map(str, lacks_equity))
                + ": give --equity NODE=USD"
            )
        section.lacks[model] = why
    if not section.lacks["debtrank"]:
        section.debtrank = graph.debtrank(shock, equity=equity)
    if not section.lacks["clearing"]:
        section.clearing = graph.clearing(external_assets, shock=shock)
    return section


def _as_dict(table: pa.Table | None) -> dict[Any, float]:
    if table is None:
        return {}
    return dict(zip(table["node"].to_pylist(), table["value"].to_pylist(), strict=True))
