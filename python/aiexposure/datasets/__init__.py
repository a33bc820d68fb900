"""Built-in data sets.

``ai_funding_2026()`` is the curated edge table of the 2026 AI-funding deals reported in the
press articles of the project's ``seeds/`` (French press, January–February 2026): equity
investments, cloud and chip spending commitments, their status and dates, each row citing its
article and the quoted figure. The files ship inside the package and load offline.

>>> from aiexposure.datasets import ai_funding_2026
>>> t = ai_funding_2026()
>>> t.column_names[:5]
['source', 'target', 'kind', 'share', 'amount']
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

__all__ = [
    "ai_funding_2026",
    "ai_funding_2026_nodes",
    "ai_funding_2026_valuations",
    "split_quantified",
]

SEEDS = Path(__file__).with_name("seeds")
DEFAULT_AS_OF = dt.date(2026, 2, 27)
CONFIRMED = ("announced", "closed", "cancelled")

_EDGE_TYPES = {
    "amount": pa.float64(),
    "share": pa.float64(),
    "share_derived": pa.bool_(),
    "date": pa.date32(),
    "cancelled_on": pa.date32(),
}
_NODE_TYPES = {"valuation_usd": pa.float64(), "valuation_date": pa.date32()}
_VALUATION = ["valuation_usd", "valuation_date", "valuation_seed_file", "valuation_quote"]


def _read(name: str, types: dict[str, pa.DataType]) -> pa.Table:
    options = pcsv.ConvertOptions(
        column_types=types, strings_can_be_null=True, quoted_strings_can_be_null=False
    )
    return pcsv.read_csv(SEEDS / name, convert_options=options)


def _as_date(value: dt.date | str | None) -> dt.date:
    if value is None:
        return DEFAULT_AS_OF
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError) as e:
        raise ValueError(f"as_of must be a date or an ISO date string, not {value!r}") from e


def ai_funding_2026(
    as_of: dt.date | str | None = None, include_unconfirmed: bool = False
) -> pa.Table:
    """The 2026 AI-funding edge table, as known on ``as_of`` (default 2026-02-27).

    Columns: ``source``, ``target``, ``kind``, ``share``, ``amount`` (the edge-table schema),
    then provenance: ``id``, ``amount_note``, ``share_derived``, ``share_note``, ``date``,
    ``status``, ``cancelled_on``, ``seed_file``, ``quote``, ``notes``. Rows dated after
    ``as_of`` are left out; a cancelled deal counts until its cancellation date. Rumoured rows
    come only with ``include_unconfirmed=True``, and then only for (source, target, kind)
    pairs that no confirmed row covers, so a rumour and the deal it became are not added up.
    Unknown amounts are null, never guessed.

    >>> from aiexposure.datasets import ai_funding_2026
    >>> before = ai_funding_2026(as_of="2025-12-31").num_rows
    >>> before <= ai_funding_2026().num_rows <= ai_funding_2026(include_unconfirmed=True).num_rows
    True
    """
    day = _as_date(as_of)
    table = _read("ai_funding_2026_edges.csv", _EDGE_TYPES)
    dated = pc.less_equal(table["date"], pa.scalar(day, pa.date32()))
    live = pc.or_kleene(
        pc.is_null(table["cancelled_on"]),
        pc.greater(table["cancelled_on"], pa.scalar(day, pa.date32())),
    )
    table = table.filter(pc.and_kleene(dated, live))
    confirmed = table.filter(pc.is_in(table["status"], pa.array(CONFIRMED)))
    if include_unconfirmed:
        covered = {
            (s, t, k)
            for s, t, k in zip(
                confirmed["source"].to_pylist(),
                confirmed["target"].to_pylist(),
                confirmed["kind"].to_pylist(),
                strict=True,
            )
        }
        rumours = table.filter(pc.equal(table["status"], "rumored"))
        keep = [
            (s, t, k) not in covered
            for s, t, k in zip(
                rumours["source"].to_pylist(),
                rumours["target"].to_pylist(),
                rumours["kind"].to_pylist(),
                strict=True,
            )
        ]
        table = pa.concat_tables([confirmed, rumours.filter(pa.array(keep, pa.bool_()))])
    else:
        table = confirmed
    first = ["source", "target", "kind", "share", "amount"]
    return table.select(first + [c for c in table.column_names if c not in first])


def first_deal_date() -> dt.date:
    """The date of the earliest confirmed deal (cancelled ones included: they count until
    their cancellation).

    >>> from aiexposure.datasets import first_deal_date
    >>> str(first_deal_date())
    '2025-09-01'
    """
    table = _read("ai_funding_2026_edges.csv", _EDGE_TYPES)
    confirmed = table.filter(pc.is_in(table["status"], pa.array(CONFIRMED)))
    return pc.min(confirmed["date"]).as_py()


def ai_funding_2026_nodes(as_of: dt.date | str | None = None) -> pa.Table:
    """The companies of the AI-funding data set: ``name``, ``type`` (lab, cloud, chipmaker,
    investor, bigtech, neocloud, other), ``parent``, the latest valuation stated on or before
    ``as_of`` (default 2026-02-27) with its date, article and quote (null when none was known
    then), and a description.

    >>> from aiexposure.datasets import ai_funding_2026_nodes
    >>> nodes = ai_funding_2026_nodes(as_of="2025-12-31")
    >>> [r["valuation_usd"] for r in nodes.to_pylist() if r["name"] == "OpenAI"]
    [500000000000.0]
    """
    nodes = _read("ai_funding_2026_nodes.csv", _NODE_TYPES)
    known = ai_funding_2026_valuations(as_of)
    latest: dict[str, dict] = {}
    for r in known.to_pylist():  # sorted by date: the last one per company holds
        latest[r["name"]] = r
    names = nodes["name"].to_pylist()
    for column in _VALUATION:
        values = [latest[n][column] if n in latest else None for n in names]
        i = nodes.schema.get_field_index(column)
        nodes = nodes.set_column(i, column, pa.array(values, nodes.schema.field(column).type))
    return nodes


def ai_funding_2026_valuations(as_of: dt.date | str | None = None) -> pa.Table:
    """Every valuation the articles state, dated, with its article and quote, known on or
    before ``as_of`` (default 2026-02-27), oldest first: what a derived share or a shock of
    the report may use at that date.

    >>> from aiexposure.datasets import ai_funding_2026_valuations
    >>> ai_funding_2026_valuations(as_of="2025-12-31")["valuation_usd"].to_pylist()
    [500000000000.0]
    """
    day = _as_date(as_of)
    table = _read("ai_funding_2026_valuations.csv", _NODE_TYPES)
    table = table.filter(pc.less_equal(table["valuation_date"], pa.scalar(day, pa.date32())))
    return table.sort_by([("valuation_date", "ascending"), ("name", "ascending")])


def split_quantified(table: pa.Table) -> tuple[pa.Table, pa.Table]:
    """Split an AI-funding table into the rows whose stake is known (or that are not equity)
    and the equity rows whose stake the articles do not give (null ``share``).

    A :class:`~aiexposure.Graph` holds the unknown stakes itself, as intervals that every
    exposure result bounds (``Graph.from_arrow(ai_funding_2026())``); this split is for a
    view restricted to known stakes, which leaves those rows' money flows out of the graph.

    >>> from aiexposure import Graph
    >>> from aiexposure.datasets import ai_funding_2026, split_quantified
    >>> edges, unquantified = split_quantified(ai_funding_2026())
    >>> g = Graph.from_arrow(edges)
    >>> g.num_edges > 0 and unquantified.num_rows >= 0
    True
    """
    unknown = pc.and_(pc.equal(table["kind"], "equity"), pc.is_null(table["share"]))
    unknown = pc.fill_null(unknown, False)
    return table.filter(pc.invert(unknown)), table.filter(unknown)
