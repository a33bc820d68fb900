"""``aiexposure report``: the graph in numbers, its money cycles, who owns what of whom, the
look-through loss of a stated scenario and what the data leaves unquantified; as text for a
100-column terminal and as Parquet files plus a picture in an output folder."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import _text as tx
from ._cycles import CircularFinancing
from ._progress import Progress
from ._size import ROW_BYTES
from ._stress import ContagionSection, contagion_section, node_label
from ._vocabulary import ERROR_BOUND, KINDS, LOSS_COLUMNS, SCENARIO, TRUNCATED, Kind
from .errors import ClosedCycleError
from .graph import Graph

# Exact ownership tables hold a row per reachable (holder, issuer) pair: the report builds them
# when the predicted rows (sampled, _size) are at most this, about 280 MB a table, else leaves
# them to `aiexposure exposure FILE --threshold ...`.
OWNERSHIP_MAX_ROWS = 5_000_000
# With interval stakes, self-funded revenue costs two row solves per payee (one per bound):
# past this, the largest payees only. Without, every payee (large graphs: all at once, bounded).
ALL_PAYEES_MAX_NODES = 20_000
# Unbounded cycle search on big graphs can find astronomically many cycles.
UNBOUNDED_CYCLES_MAX_NODES = 1_000
CYCLES_LIMIT = 100_000
SHOWN = 15
# Company control runs one fixpoint per equity holder: the report does it up to this size
# (`aiexposure control FILE` has no limit).
CONTROL_MAX_NODES = 2_000_000
# With interval stakes the pairs the capped maximums allow grow about quadratically (unknown
# stakes make long chains of possible control: 29M pairs and 6 GB at 50k generated nodes):
# past this size each controller's search stops at CONTROL_MAX_CONTROLLED companies.
CONTROL_BOUNDED_NODES = 20_000
CONTROL_MAX_CONTROLLED = 100
SHORT_KINDS = {"equity": "eq", "credit": "cr", "commitment": "cm"}
BOUNDS_NOTE = (
    "'a to b': bounds, where a stake is unknown or a range (a at the minimum stakes, b at the "
    "capped maximums; '>= a': no upper bound, an unknown amount or a cycle the maximums close)."
)


def share(value: float | None) -> str:
    """A share as a percent; -0.0 (a difference of equal shares) is 0.00%."""
    return tx.percent(None if value is None else value + 0.0)


class Names:
    """How the report names nodes: by the node table's ``name`` (a register's entities and
    persons, docs/bods.md), ``"name (id)"`` when several nodes share that name, the id when
    a node has none. A graph without names: ids, as given."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._looked = False
        self._names: pa.Array | None = None
        self._shared: pa.Array | None = None

    def _load(self) -> pa.Array | None:
        """The names by node position (blank ones null), and the names held more than once:
        looked up once, on first use."""
        if self._looked:
            return self._names
        self._looked = True
        table = self.graph.node_table
        if "name" not in table.column_names:
            return None
        names = table["name"].combine_chunks()
        if not pa.types.is_string(names.type):
            try:
                names = pc.cast(names, pa.string())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                return None
        names = pc.utf8_trim_whitespace(names)
        names = pc.if_else(pc.equal(names, ""), pa.scalar(None, pa.string()), names)
        if names.null_count == len(names):
            return None
        counts = pc.value_counts(names)
        values, times = counts.field("values"), counts.field("counts")
        self._shared = values.filter(pc.and_(pc.is_valid(values), pc.greater(times, 1)))
        self._names = names
        return names

    def at(self, positions: Any) -> list[str]:
        """The names of node positions (CSR indices)."""
        index = pa.array(np.asarray(positions, dtype=np.int64), pa.int64())
        ids = self.graph.node_labels(index).to_pylist()
        names = self._load()
        if names is None:
            return [str(v) for v in ids]
        got = names.take(index)
        shared = pc.is_in(got, value_set=self._shared).to_pylist()
        return [
            str(i) if n is None else f"{n} ({i})" if twice else n
            for i, n, twice in zip(ids, got.to_pylist(), shared, strict=True)
        ]

    def ends(self, edges: np.ndarray) -> list[str]:
        """The names of edges' ends (CSR positions): source, target, source, target, ..."""
        c = self.graph.csr()
        return self.at(np.column_stack([c.sources[edges], c.indices[edges]]).ravel())

    def of(self, nodes: list[Any]) -> list[str]:
        """The names of node ids (an id the graph does not have: the id)."""
        if self._load() is None:
            return [str(v) for v in nodes]
        known = [v is not None and v in self.graph for v in nodes]
        positions = self.graph.node_indices([v for v, k in zip(nodes, known, strict=True) if k])
        named = iter(self.at(positions))
        return [next(named) if k else str(v) for v, k in zip(nodes, known, strict=True)]

    def __call__(self, node: Any) -> str:
        return self.of([node])[0]


@dataclass
class Scenario:
    """A shock: value lost per node (currency) and the fraction of its debts and commitments
    each node leaves unpaid."""

    value_loss: dict[Any, float] = field(default_factory=dict)
    default: dict[Any, float] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)


def stakes(graph: Graph, items: list[str]) -> dict[tuple[Any, Any], float]:
    """Parse --stake SRC:DST=FRACTION items into with_shares' mapping."""
    out: dict[tuple[Any, Any], float] = {}
    for item in items:
        pair, sep, number = item.rpartition("=")
        src, colon, dst = pair.partition(":")
        try:
            value = float(number)
        except ValueError:
            value = math.nan
        if not sep or not colon or not src or not dst or not (0 < value <= 1):
            raise ValueError(
                f"--stake {item!r}: write SRC:DST=FRACTION with FRACTION in (0, 1], "
                "e.g. --stake Microsoft:OpenAI=0.27"
            )
        key = (node_label(graph, src, "--stake"), node_label(graph, dst, "--stake"))
        out[key] = value
    return out


def implied_valuations(graph: Graph) -> dict[Any, float]:
    """Post-money valuation implied by equity edges with both amount and share
    (amount / share; the largest when several)."""
    c = graph.csr()
    targets, shares, amounts = c.indices, c.share, c.amount
    # A stake known as a range implies no one valuation.
    use = c.equity & ~np.isnan(amounts) & (amounts > 0) & (shares > 0) & ~c.uncertain
    out: dict[Any, float] = {}
    for t, value in zip(targets[use].tolist(), (amounts[use] / shares[use]).tolist(), strict=True):
        out[t] = max(out.get(t, 0.0), value)
    labels = graph.node_labels(list(out)).to_pylist()
    return dict(zip(labels, out.values(), strict=True))


def top_rows(table: pa.Table, first: list[tuple[str, str]], count: int) -> list[dict[str, Any]]:
    """The ``count`` first rows by ``first`` keys then the largest value (its upper bound when
    the table has bounds), as dicts."""
    value = "integrated_max" if "integrated_max" in table.column_names else "integrated"
    order = pc.sort_indices(table, [*first, (value, "descending")])  # nulls last
    return table.take(order[:count]).to_pylist()


def largest(table: pa.Table, column: str, count: int) -> list[dict[str, Any]]:
    """The ``count`` rows whose ``column`` (its upper bound where only bounds are known) is
    largest and above 0, largest first (ties: table order), as dicts: only those rows become
    Python objects."""
    value = table[column]
    if f"{column}_max" in table.column_names:
        value = pc.coalesce(value, table[f"{column}_max"])
    key = pc.fill_null(value, -1.0)
    order = pc.sort_indices(pa.table({"k": key}), [("k", "descending")])[:count]
    top = table.take(order)
    return top.filter(pc.greater(pc.take(key, order), 0.0)).to_pylist()


def largest_payees(graph: Graph, count: int) -> list[Any]:
    """The ``count`` nodes with the most known committed revenue (ties: node order)."""
    c = graph.csr()
    committed = (c.kind == Kind.COMMITMENT) & ~np.isnan(c.amount)
    revenue = np.bincount(
        c.indices[committed], weights=c.amount[committed], minlength=graph.num_nodes
    )
    top = np.lexsort((np.arange(graph.num_nodes), -revenue))[:count]
    top = top[revenue[top] > 0]
    return graph.node_labels(top).to_pylist()


def scenario(
    graph: Graph,
    shocks: dict[str, float],
    unpaid: dict[str, float],
    valuations: dict[Any, float],
    builtin: bool,
    losses: dict[str, float] | None = None,
) -> Scenario:
    """The scenario in look_through's units: value_loss in USD (--value-loss as given,
    --shock NODE=FRACTION as FRACTION x NODE's valuation) and default fractions."""
    losses = losses or {}
    default = not (shocks or unpaid or losses)
    if default:
        if builtin:
            shocks, unpaid = {"OpenAI": 0.5}, {"OpenAI": 1.0}
        elif valuations:
            # The most valuable issuer of the file, halved: a stated, reproducible default.
            top = max(valuations, key=lambda k: (valuations[k], str(k)))
            shocks = {str(top): 0.5}
    s = Scenario()
    name = Names(graph)
    if builtin and default and "OpenAI" not in valuations:
        # The default shock needs OpenAI's valuation, unknown before its first priced round:
        # said, never an error about an option the user did not pass.
        shocks = {}
        s.lines.append("no valuation of OpenAI known at this date: the default shock is left out")
    for text, fraction in shocks.items():
        node = node_label(graph, text, "--shock")
        value = valuations.get(node)
        if value is None:
            raise KeyError(
                f"--shock {text}: no valuation known for {text!r} (none in the node table, none "
                f"implied by an equity amount and share); give --valuation {text}=USD"
            )
        s.value_loss[node] = fraction * value
        s.lines.append(
            f"{name(node)}'s equity loses {tx.percent(fraction, 0)} of {tx.money(value)}: "
            f"{tx.money(fraction * value)}"
        )
    for text, usd in losses.items():
        node = node_label(graph, text, "--value-loss")
        s.value_loss[node] = s.value_loss.get(node, 0.0) + usd
        s.lines.append(f"{name(node)}'s equity loses {tx.money(usd)} (--value-loss)")
    for text, fraction in unpaid.items():
        node = node_label(graph, text, "--unpaid")
        s.default[node] = fraction
        s.lines.append(
            f"{name(node)} leaves {tx.percent(fraction, 0)} of its commitments and debts unpaid"
        )
    return s


class Report:
    """Computes every section once; ``text()`` renders them, ``write(out)`` saves them."""

    def __init__(
        self,
        graph: Graph,
        name: str,
        progress: Progress,
        scenario_: Scenario,
        unquantified: pa.Table | None = None,
        node_types: dict[Any, str] | None = None,
        max_length: int | None = None,
        equity: Any = None,
        external_assets: Any = None,
    ) -> None:
        self.graph, self.name, self.scenario = graph, name, scenario_
        self.unquantified = unquantified
        self.node_types = node_types or {}
        self.names = Names(graph)
        n = graph.num_nodes
        # Bounded by the report (not by --max-length): said with the count.
        self.length_bounded = max_length is None and n > UNBOUNDED_CYCLES_MAX_NODES
        if self.length_bounded:
            max_length = 6
        self.max_length = max_length
        with progress.step("finding money cycles"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # truncation is reported in the text
                self.cycles = graph.simple_cycles(max_length=max_length, limit=CYCLES_LIMIT)
        with progress.step("measuring circular financing"):
            # With interval stakes self-funded revenue costs row solves per payee: on big
            # graphs only the largest payees, said in the text.
            self.payees = (
                largest_payees(graph, SHOWN)
                if graph.has_interval_stakes and n > ALL_PAYEES_MAX_NODES
                else None
            )
            # A closed cycle (members 100% held inside it) makes every walk sum diverge: a
            # finding to report, not a reason to stop. Each section says what it skipped.
            self.closed: str | None = None
            self.self_funded_closed = False
            try:
                self.circular: CircularFinancing = graph.circular_financing(payees=self.payees)
            except ClosedCycleError as e:
                self.closed, self.self_funded_closed = str(e), True
                self.circular = graph.circular_financing(payees=[])
        with progress.step("solving ownership"):
            self.walks = self.ultimate = None
            self.ownership_method = "walks"
            self.predicted_rows = max(
                graph.predicted_rows(m, up_to=OWNERSHIP_MAX_ROWS) for m in ("walks", "ultimate")
            )
            if self.predicted_rows <= OWNERSHIP_MAX_ROWS:
                try:
                    self.walks = graph.integrated_ownership("walks")
                    self.ultimate = graph.integrated_ownership("ultimate")
                except ClosedCycleError as e:
                    self.closed = str(e)
                    self.ownership_method = "simple_paths"
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")  # the bounds are stated in the text
                        self.walks = graph.integrated_ownership(
                            "simple_paths", max_depth=12, min_weight=1e-9
                        )
        with progress.step("look-through loss"):
            self.exposures: pa.Table | None = None
            try:
                self.exposures = graph.look_through(
                    value_loss=self.scenario.value_loss or None,
                    default=self.scenario.default or None,
                    legacy_columns=False,
                )
            except ClosedCycleError as e:
                self.closed = str(e)
        with progress.step("control"):
            self.control: pa.Table | None = None
            self.max_controlled = (
                CONTROL_MAX_CONTROLLED
                if graph.has_interval_stakes and n > CONTROL_BOUNDED_NODES
                else None
            )
            if n <= CONTROL_MAX_NODES:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # the cut is said in the text
                    self.control = graph.control(max_controlled=self.max_controlled)
        with progress.step("contagion"):
            self.contagion: ContagionSection = contagion_section(
                graph, self.scenario.value_loss, self.scenario.default, equity, external_assets
            )

    # --- text ---------------------------------------------------------------------------

    def text(self) -> str:
        parts = [
            self._graph_text(),
            self._cycles_text(),
            self._circular_text(),
            self._ownership_text(),
            self._exposure_text(),
            self._control_text(),
            self.contagion.text(),
            self._unquantified_text(),
        ]
        return "\n".join(parts) + "\n"

    def _graph_text(self) -> str:
        from ._core import __version__

        info = self.graph.summary()
        rows = [
            [k, f"{v['edges']:,}", f"{v['known_amounts']:,}", tx.money(v["total_amount"])]
            for k, v in info["kinds"].items()
        ]
        return "\n".join(
            [
                tx.wrap(f"aiexposure {__version__} — {self.name}", indent=0),
                tx.heading("The graph in numbers"),
                f"  {info['nodes']:,} nodes, {info['edges']:,} edges ({info['rows']:,} rows, "
                f"{info['merged_duplicates']:,} duplicate rows merged)",
                tx.table(["kind", "edges", "with amount", "known total"], rows),
            ]
        )

    def _cycles_text(self) -> str:
        t = self.cycles
        bound = f" of length <= {self.max_length}" if self.max_length else ""
        truncated = t.schema.metadata[TRUNCATED] == b"true"
        head = [
            tx.heading("Money cycles"),
            tx.wrap(
                "Simple cycles of the money graph (equity invested, credit lent, purchases "
                "committed; money flows source -> target). Bottleneck: the smallest amount on "
                "the cycle, the most money that can go all the way round."
            ),
            tx.wrap(
                f"{t.num_rows:,} cycle(s){bound}"
                + (
                    f" (the report's bound over {UNBOUNDED_CYCLES_MAX_NODES:,} nodes; "
                    "--max-length to change it)"
                    if self.length_bounded
                    else ""
                )
                + (f" — truncated at {CYCLES_LIMIT:,}" if truncated else "")
            ),
        ]
        weight = "weight_max" if "weight_max" in t.column_names else "weight"
        order = pc.sort_indices(
            pa.table(
                {
                    "b": pc.fill_null(t["bottleneck"], -1.0),
                    "w": pc.fill_null(t[weight], -1.0),
                    "c": t["cycle"],
                }
            ),
            [("b", "descending"), ("w", "descending"), ("c", "ascending")],
        )
        rows = t.take(order[:SHOWN]).to_pylist()
        named = iter(self.names.of([v for r in rows for v in r["nodes"]]))
        # One wrapped line a cycle: every member is named, however long the cycle.
        for r in rows:
            weight = tx.bounded(r, "weight", lambda w: "-" if w is None else f"{w:.4g}")
            members = [next(named) for _ in r["nodes"]]
            head.append(
                tx.wrap(
                    f"C{r['cycle'] + 1}  "
                    + " -> ".join([*members, members[0]])
                    + f"  ({', '.join(SHORT_KINDS[k] for k in r['kinds'])}; bottleneck "
                    f"{tx.money(r['bottleneck'])}; weight {weight})"
                )
            )
        if "weight_max" in t.column_names:
            head.append(
                tx.wrap(
                    "Weight: the product of the shares, for all-equity cycles; 'a to b' where a "
                    "stake on the cycle is unknown or a range (bounds at the minimum and capped "
                    "maximum stakes)."
                )
            )
        if t.num_rows > SHOWN:
            head.append(f"  ... {t.num_rows - SHOWN:,} more in cycles.parquet")
        return "\n".join(head)

    def _circular_text(self) -> str:
        cf = self.circular
        t = cf.round_trips
        back = t.filter(pc.fill_null(pc.not_equal(t["purchases_back"], 0.0), True))
        order = pc.sort_indices(
            pa.table(
                {
                    "r": pc.fill_null(back["round_trip_ratio"], -1.0),
                    "i": pc.fill_null(back["invested"], 0.0),
                    "p": pc.fill_null(back["purchases_back"], 0.0),
                }
            ),
            [("r", "descending"), ("i", "descending"), ("p", "descending")],
        )
        trips = back.take(order[:SHOWN]).to_pylist()
        out = [
            tx.heading("Circular financing"),
            tx.wrap(
                "Round trip of an investment i -> j: min(invested, purchases back) / invested, "
                "where purchases back are j's committed purchases from i; how much of the "
                "investment can return to the investor as revenue."
            ),
        ]
        if trips:
            named = iter(self.names.of([v for r in trips for v in (r["investor"], r["investee"])]))
            rows = [
                [
                    next(named),
                    next(named),
                    r["kind"],
                    tx.money(r["invested"]),
                    tx.money(r["purchases_back"]),
                    "unknown" if r["round_trip_ratio"] is None else f"{r['round_trip_ratio']:.2f}",
                ]
                for r in trips
            ]
            head = [
                "investor",
                "investee",
                "kind",
                "invested",
                "purchases_back",
                "round_trip_ratio",
            ]
            out.append(tx.table(tx.headers(head), rows))
        else:
            out.append("  no investment has committed purchases coming back")
        funded = largest(cf.self_funded, "self_funded", SHOWN)
        out.append(
            tx.wrap(
                "Self-funded revenue of v: sum over customers b of Wint[v, b] * P[b -> v], "
                "Wint the integrated ownership (walks): committed revenue paid by customers v "
                "owns, directly or through chains."
            )
        )
        if self.payees is not None:
            out.append(
                tx.wrap(
                    f"Computed for the {len(self.payees)} largest payees by known committed "
                    f"revenue only (interval stakes on a graph over {ALL_PAYEES_MAX_NODES:,} "
                    "nodes; each payee costs two solves over what it owns): "
                    "Graph.circular_financing(payees=...) for others."
                )
            )
        bound = float((cf.self_funded.schema.metadata or {}).get(ERROR_BOUND, b"0"))
        if bound > 0:
            out.append(
                tx.wrap(
                    f"Computed for all {cf.self_funded.num_rows:,} payees at once from thresholded "
                    f"stakes: each self-funded value is a lower bound, its share at most "
                    f"{bound:.2%} below the truth."
                )
            )
        if self.self_funded_closed:
            out.append(tx.wrap(f"Not computable: {self.closed}"))
        elif funded:
            funded_names = self.names.of([r["node"] for r in funded])
            rows = [
                [
                    name,
                    tx.money(r["revenue"]),
                    tx.bounded(r, "self_funded", tx.money),
                    tx.bounded(r, "self_funded_share", tx.percent),
                ]
                for name, r in zip(funded_names, funded, strict=True)
            ]
            head = ["node", "revenue", "self_funded", "self_funded_share"]
            out.append(tx.table(tx.headers(head), rows))
        else:
            out.append("  none: no node owns a customer whose commitment amount is known")
        r = cf.reciprocity
        out.append(
            tx.wrap(
                "Weighted reciprocity sum min(F_ij, F_ji) / sum F_ij: "
                + ("unknown (no amount known)" if r is None else f"{r:.3f}")
                + f" ({cf.unknown_amounts:,} edge(s) of unknown amount left out)"
            )
        )
        return "\n".join(out)

    def _ownership_text(self) -> str:
        out = [tx.heading("Who owns what of whom")]
        if self.walks is None:
            out.append(
                tx.wrap(
                    f"Skipped: the exact ownership tables would hold about "
                    f"{self.predicted_rows:,} rows (about "
                    f"{self.predicted_rows * ROW_BYTES / 1e9:,.1f} GB each), above "
                    f"{OWNERSHIP_MAX_ROWS:,}. Run `aiexposure exposure FILE --threshold 0.01` for "
                    "a sparse table with a stated error bound, or --holder / --issuer NODE."
                )
            )
            return "\n".join(out)
        # Sorted in Arrow and only the rows shown made Python objects: a table of millions of
        # rows would cost gigabytes as dicts.
        walks = top_rows(self.walks, [], SHOWN)
        if self.ownership_method == "simple_paths":
            out.append(tx.wrap(f"Walks diverge here: {self.closed}"))
            out.append(
                tx.wrap(
                    "Integrated ownership, convention 'simple_paths' (chain multiplication, "
                    "EU AMLR): the sum over simple paths of the product of shares, paths of up "
                    "to 12 holdings and weight >= 1e-9; ultimate owners need walks and are not "
                    "shown."
                )
            )
        else:
            out.append(
                tx.wrap(
                    "Integrated ownership, convention 'walks' (Brioschi, Buzzacchi & Colombo "
                    "1989): (I - W)^-1 - I, every chain of holdings counted."
                )
            )
        named = iter(self.names.of([v for r in walks for v in (r["holder"], r["issuer"])]))
        rows = [
            [
                next(named),
                next(named),
                tx.bounded(r, "direct", share),
                tx.bounded(r, "integrated", share),
            ]
            for r in walks
        ]
        out.append(tx.table(["holder", "issuer", "direct", "integrated"], rows))
        if "integrated_max" in self.walks.column_names:
            out.append(tx.wrap(BOUNDS_NOTE))
        if self.ultimate is None:
            return "\n".join(out)
        out.append(
            tx.wrap(
                "Ultimate owners, convention 'ultimate' (Dietzenbacher & Temurshoev 2008): the "
                "share of each issuer that ends with a root holder; 'free float' (a null "
                "holder in the table) is the part nobody in the data holds. Each issuer's "
                "column sums to 100%."
            )
        )
        ultimate = top_rows(self.ultimate, [("issuer", "ascending")], 3 * SHOWN)
        issuers = self.names.of([r["issuer"] for r in ultimate])
        holders = self.names.of([r["holder"] for r in ultimate])
        rows = [
            [
                issuer,
                "free float" if r["holder"] is None else holder,
                tx.bounded(r, "integrated", share),
            ]
            for issuer, holder, r in zip(issuers, holders, ultimate, strict=True)
        ]
        out.append(tx.table(["issuer", "holder", "integrated"], rows))
        return "\n".join(out)

    def _exposure_text(self) -> str:
        out = [tx.heading("Look-through loss")]
        if not self.scenario.lines:
            out.append("  no scenario: give --shock NODE=FRACTION and/or --unpaid NODE=FRACTION")
            return "\n".join(out)
        out.append(tx.wrap("Scenario: " + "; ".join(self.scenario.lines) + "."))
        out.append(
            tx.wrap(
                "L = (I - W)^-1 (W s + R d): s the value lost per node, d the unpaid fraction, "
                "W the equity shares, R the credit and committed amounts (a lender loses on its "
                "borrower, a supplier on its customer), in USD: --shock NODE=FRACTION is "
                "value_loss = FRACTION x valuation, Graph.look_through's value_loss."
            )
        )
        if self.exposures is None:
            out.append(tx.wrap(f"Not computable: {self.closed}"))
            return "\n".join(out)
        hit = largest(self.exposures, "total_loss", SHOWN)
        shown = [c for c in LOSS_COLUMNS if c != "direct_loss"]
        named = self.names.of([r["node"] for r in hit])
        table_rows = [
            [name] + [tx.bounded(r, c, tx.money) for c in shown]
            for name, r in zip(named, hit, strict=True)
        ]
        if table_rows:
            out.append(tx.table(tx.headers(["node", *shown]), table_rows))
            out.append(
                tx.wrap(
                    "First-round loss by channel: equity loss (W s, value lost on holdings), "
                    "credit loss (loans to defaulters), commitment loss (a defaulting "
                    "customer's committed purchases, over the contract's whole term: not an "
                    "equity loss); indirect loss: passed on through holdings. "
                    + (BOUNDS_NOTE if "total_loss_max" in self.exposures.column_names else "")
                )
            )
        else:
            out.append("  nobody in the graph is exposed to this scenario")
        return "\n".join(out)

    def _control_text(self) -> str:
        out = [tx.heading("Who controls whom")]
        out.append(
            tx.wrap(
                "Company control: X controls Y when X and the companies X controls hold more "
                "than 50% of Y, counted in full (docs/control.md; `aiexposure sanctions` for "
                "the OFAC, EU and UK ownership rules)."
            )
        )
        if self.control is None:
            out.append(
                f"  not computed above {CONTROL_MAX_NODES:,} nodes: run aiexposure control FILE"
            )
            return "\n".join(out)
        t = self.control
        cut = (t.schema.metadata or {}).get(TRUNCATED) == b"true"
        if self.max_controlled is not None:
            out.append(
                tx.wrap(
                    f"Each controller's search stops at {self.max_controlled:,} controlled "
                    f"companies (interval stakes on a graph over {CONTROL_BOUNDED_NODES:,} "
                    "nodes: the pairs the ranges allow grow about quadratically); "
                    + (
                        "some searches stopped there, so the counts are lower bounds: "
                        "Graph.control() for every pair."
                        if cut
                        else "none reached it: the counts are complete."
                    )
                )
            )
        if "status" in t.column_names:
            certain = t.filter(pc.equal(t["status"], "controls"))
            possible = t.filter(pc.equal(t["status"], "possibly controls"))
        else:
            certain, possible = t, t.slice(0, 0)
        if certain.num_rows:
            out.append(f"  {certain.num_rows:,} control pair(s) the data establish:")
            out.append(self._pairs(certain))
        else:
            out.append("  nobody controls anybody for certain on these data")
        if possible.num_rows:
            out.append(
                f"  {possible.num_rows:,} pair(s) possible within the stakes' ranges (unknown "
                "or given as a range), not established:"
            )
            out.append(self._pairs(possible))
        return "\n".join(out)

    def _pairs(self, table: pa.Table) -> str:
        """The first control pairs of ``table``, named."""
        rows = table.slice(0, SHOWN).to_pylist()
        named = iter(self.names.of([v for r in rows for v in (r["controller"], r["controlled"])]))
        body = [[next(named), next(named), tx.bounded(r, "held", share)] for r in rows]
        return tx.table(["controller", "controlled", "held"], body)

    def _unquantified_text(self) -> str:
        out = [tx.heading("What the data leaves unquantified")]
        if self.unquantified is not None and self.unquantified.num_rows:
            out.append(self._outside_text(self.unquantified))
        c = self.graph.csr()
        equity = np.flatnonzero(c.equity)
        st = self.graph.stakes(legacy_columns=False)  # a row per equity edge, in CSR order
        exact = st["exact"].to_numpy(zero_copy_only=False)
        low, high = st["share_min"].to_numpy(), st["share_max"].to_numpy()
        low_open = st["share_min_exclusive"].to_numpy(zero_copy_only=False)
        high_open = st["share_max_exclusive"].to_numpy(zero_copy_only=False)
        # No share figure: (0, 100%] as declared, before the cap by the other holders.
        declared = st["share_max_declared"].to_numpy()
        not_given = ~exact & (low == 0) & low_open & (declared == 1) & ~high_open
        ranged = ~exact & ~not_given
        amount = c.amount[equity]

        def stake_lines(rows: np.ndarray, with_amount: bool) -> list[str]:
            edges = equity[rows]
            named = iter(self.names.ends(edges))
            lines = []
            for i in rows.tolist():
                bounds = (
                    f"{'(' if low_open[i] else '['}{tx.percent(low[i])}, "
                    f"{tx.percent(high[i])}{')' if high_open[i] else ']'}"
                )
                money = f", for {tx.money(amount[i])}" if with_amount else ""
                lines.append(f"    {next(named)} -> {next(named)}: stake in {bounds}{money}")
            return lines

        count = int(ranged.sum())
        if count:
            out.append(
                tx.wrap(
                    f"Equity stakes the data give as a range: {count:,} (in the graph; the "
                    "results above bound them), the largest upper bound first:"
                )
            )
            rows = np.flatnonzero(ranged)
            rows = rows[np.lexsort((rows, -low[rows], -high[rows]))]
            out += stake_lines(rows[:SHOWN], with_amount=False)
            if count > SHOWN:
                out.append(f"    ... and {count - SHOWN:,} more")
        count = int(not_given.sum())
        if count:
            rows = np.flatnonzero(not_given & ~np.isnan(amount))
            known = len(rows)
            out.append(
                tx.wrap(
                    f"Equity stakes the data do not give: {count:,} (in the graph as (0%, "
                    "100%], capped by the issuer's other holders; the results above bound "
                    "them)"
                    + (
                        f"; {known:,} with an amount, the largest first:"
                        if known
                        else "; none has an amount."
                    )
                )
            )
            rows = rows[np.lexsort((rows, -amount[rows]))]
            out += stake_lines(rows[:SHOWN], with_amount=True)
            if known > SHOWN:
                out.append(f"    ... and {known - SHOWN:,} more with an amount")
        assumed = self.graph.assumptions
        if assumed.num_rows:
            out.append("  Assumed (--stake), not from the data:")
            rows = assumed.to_pylist()
            named = iter(self.names.of([v for r in rows for v in (r["source"], r["target"])]))
            for r in rows:
                out.append(f"    {next(named)} -> {next(named)}: stake {tx.percent(r['share'])}")
        # Holdings without an amount are counted: a register's holdings have none at all.
        unknown = np.isnan(amount)
        count = int(unknown.sum())
        if count:
            out.append(
                tx.wrap(
                    f"Holdings (equity edges) without an amount: {count:,} of {len(equity):,}; "
                    f"their stakes: {int((unknown & exact).sum()):,} exact, "
                    f"{int((unknown & ranged).sum()):,} a range, "
                    f"{int((unknown & not_given).sum()):,} not given."
                )
            )
        claims = np.flatnonzero(~c.equity)
        unknown_claims = claims[np.isnan(c.amount[claims])]
        count = len(unknown_claims)
        if count:
            out.append(
                f"  Claims (credit and commitment edges) without an amount: {count:,} of "
                f"{len(claims):,}:"
            )
            shown = unknown_claims[:SHOWN]
            named = iter(self.names.ends(shown))
            for p in shown.tolist():
                out.append(f"    {next(named)} -> {next(named)} ({KINDS[int(c.kind[p])]})")
            if count > SHOWN:
                out.append(f"    ... and {count - SHOWN:,} more")
        unknown_trips = self.circular.round_trips.filter(
            pc.is_null(self.circular.round_trips["round_trip_ratio"])
        ).num_rows
        out.append(f"  Round trips that cannot be computed (an amount unknown): {unknown_trips:,}")
        return "\n".join(out)

    def _outside_text(self, table: pa.Table) -> str:
        """Equity stakes left out of the graph for want of a share (``unquantified``): how
        many, and the largest by amount."""
        amounts = table["amount"]
        has = pc.fill_null(pc.invert(pc.is_nan(pc.cast(amounts, pa.float64()))), False)
        priced = table.filter(has)
        order = pc.sort_indices(priced, [("amount", "descending")])[:SHOWN]
        rows = priced.take(order).to_pylist()
        count, known = table.num_rows, priced.num_rows
        out = [
            tx.wrap(
                f"Equity stakes without a known share (not in the graph): {count:,}"
                + (f", {count - known:,} of them without an amount either" if known < count else "")
                + ("; the largest by amount:" if known else ".")
            )
        ]
        named = iter(self.names.of([v for r in rows for v in (r["source"], r["target"])]))
        for r in rows:
            out.append(f"    {next(named)} -> {next(named)} ({tx.money(r['amount'])})")
        if known > SHOWN:
            out.append(f"    ... and {known - SHOWN:,} more with an amount")
        return "\n".join(out)

    # --- files --------------------------------------------------------------------------

    def write(self, out: Path, progress: Progress) -> list[Path]:
        out.mkdir(parents=True, exist_ok=True)
        written = []
        meta = {SCENARIO: "; ".join(self.scenario.lines).encode()}
        files = {
            "cycles.parquet": self.cycles,
            "round_trips.parquet": self.circular.round_trips,
        }
        if self.exposures is not None:
            own = self.exposures.schema.metadata or {}
            files["exposures.parquet"] = self.exposures.replace_schema_metadata({**own, **meta})
        if self.contagion.debtrank is not None:
            files["debtrank.parquet"] = self.contagion.debtrank.table.replace_schema_metadata(meta)
        if self.contagion.clearing is not None:
            files["clearing.parquet"] = self.contagion.clearing.table.replace_schema_metadata(meta)
        if self.walks is not None:
            files["ownership.parquet"] = ownership_table(
                self.walks, self.ultimate, self.ownership_method
            )
        for name, table in files.items():
            pq.write_table(table, out / name)
            written.append(out / name)
        with progress.step("drawing the graph"):
            from ._plot import draw

            draw(self.graph, self.cycles, self.node_types, out / "graph.png", self.name)
            written.append(out / "graph.png")
        return written


def ownership_table(walks: pa.Table, ultimate: pa.Table | None, method: str) -> pa.Table:
    """Both conventions in one long table with a ``method`` column."""
    parts = []
    tables = [(method, walks)] + ([("ultimate", ultimate)] if ultimate is not None else [])
    for method, t in tables:
        t = t.replace_schema_metadata(None)
        parts.append(t.append_column("method", pa.array([method] * t.num_rows, pa.string())))
    return pa.concat_tables(parts)
