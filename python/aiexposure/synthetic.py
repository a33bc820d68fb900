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

import gzip
import json
import numbers
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import _core

__all__ = ["RegisterSummary", "bods_register", "investor_graph"]

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


# --- a synthetic BODS register ----------------------------------------------------------------


@dataclass(frozen=True)
class RegisterSummary:
    """What :func:`bods_register` wrote: the file and its counts. ``statements`` is the
    number of lines (JSON Lines) or array items; ``companies``, ``persons`` and
    ``foreign_entities`` the records of each kind; ``relationships`` the relationship
    records (``unspecified`` of them with an undisclosed owner inline, ``circular`` companies
    on an ownership ring); ``updated`` and ``closed`` the later statements restating a record.

    >>> import os, tempfile
    >>> from aiexposure.synthetic import bods_register
    >>> s = bods_register(100, os.path.join(tempfile.mkdtemp(), "r.jsonl"), seed=1)
    >>> s.companies, s.statements == s.companies + s.persons + s.foreign_entities + \
s.relationships + s.updated + s.closed
    (100, True)
    """

    path: str
    statements: int
    companies: int
    persons: int
    foreign_entities: int
    relationships: int
    unspecified: int
    updated: int
    closed: int
    circular: int


def bods_register(
    companies: int,
    path: str | os.PathLike[str],
    *,
    seed: int = 0,
    history: bool = True,
    circular: float = 7.5e-5,
    publisher: str = "aiexposure synthetic register",
) -> RegisterSummary:
    """Write a reproducible synthetic register of ``companies`` companies as BODS v0.4
    statements, shaped like the UK register of persons with significant control (PSC) as
    Open Ownership publishes it (docs/bods.md, "A synthetic register"); returns a
    :class:`RegisterSummary`.

    ``path`` ends in ``.jsonl`` / ``.ndjson`` (JSON Lines) or ``.json`` (one JSON array),
    optionally ``.gz``. Each company is an entity statement (``registeredEntity``, a name, its
    jurisdiction: GB, GB-SCT or GB-NIR; a GB-COH identifier whose number is its recordId
    ``GB-COH-<number>``; a founding date). Its PSCs are relationship statements: persons
    (person statements with names, a nationality, a birth month; some persons hold several
    companies), UK companies (chains of companies owning companies, always an earlier company,
    so the ownership is acyclic but for the rings), foreign legal entities, and undisclosed
    owners given inline with an unspecifiedReason (``noBeneficialOwners`` and the others, with
    the PSC register's wording). Interests are the PSC natures of control:
    ``shareholding`` and ``votingRights`` in the statutory bands (more than 25% to 50%:
    ``exclusiveMinimum`` 25, ``maximum`` 50; more than 50% to less than 75%:
    ``exclusiveMinimum`` 50, ``exclusiveMaximum`` 75; 75% or more: ``minimum`` 75,
    ``maximum`` 100), ``appointmentOfBoard`` and ``otherInfluenceOrControl``; the bands of
    one company's holders have minimums summing to at most 100%. About ``circular`` of the
    companies (300 per 4 million by default) sit on ownership rings of 2 to 4 companies (each
    link more than 25% to 50%, so no ring is closed). With ``history``: later statements
    restate records (``recordStatus`` ``updated``: new names, changed bands) and close PSC
    relationships (``closed``, interests with an ``endDate``), most closed PSCs replaced by a
    new one. About 5 statements per company.

    Written in blocks of companies with Arrow string kernels (memory stays bounded: about
    0.3 GB whatever the size), about 2 million statements a second on one core. Same
    arguments, same bytes.

    >>> import os, tempfile
    >>> from aiexposure import Graph
    >>> from aiexposure.synthetic import bods_register
    >>> path = os.path.join(tempfile.mkdtemp(), "register.jsonl.gz")
    >>> summary = bods_register(1000, path, seed=7)
    >>> summary.companies, summary.statements > 4000
    (1000, True)
    >>> g = Graph.from_bods(path)
    >>> g.num_nodes == summary.companies + summary.persons + summary.foreign_entities + \
summary.unspecified
    True
    """
    from ._bods_write import bods_target

    if isinstance(companies, bool) or not isinstance(companies, numbers.Integral):
        raise TypeError(f"companies must be an integer, not {type(companies).__name__}")
    if not 1 <= companies <= 10**9:
        raise ValueError(f"companies must be between 1 and 1,000,000,000, got {companies}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed < 2**64:
        raise ValueError(f"seed must be an integer in [0, 2**64), got {seed!r}")
    circular = _number("circular", circular, 0, 0.25)
    target = Path(path)
    found = bods_target(target)
    as_array = found[0] == ".json"
    publication = json.dumps(
        {"publicationDate": _day(_END + 1), "bodsVersion": "0.4", "publisher": {"name": publisher}},
        separators=(",", ":"),
    )
    state = _RegisterState()
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as raw:
            sink: Any = raw
            if found[1]:
                sink = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=1)
            with _BackgroundWriter(sink, as_array) as out:
                for block, low in enumerate(range(0, int(companies), _BLOCK)):
                    high = min(low + _BLOCK, int(companies))
                    for lines in _register_block(
                        block, low, high, int(seed), state, history, circular, publication
                    ):
                        out.put(lines)
            if found[1]:
                sink.close()
        os.replace(partial, target)
    finally:
        if partial.exists():
            partial.unlink()
    return RegisterSummary(str(target), **state.counts())


_BLOCK = 32_768  # companies per block: about 160,000 statements, 0.1 GB of text
_EPOCH = np.datetime64("1970-01-01", "D")
_FIRST_DAY = int((np.datetime64("1930-01-01", "D") - _EPOCH).astype(int))
_PSC_START = int((np.datetime64("2016-04-06", "D") - _EPOCH).astype(int))
_END = int((np.datetime64("2026-01-31", "D") - _EPOCH).astype(int))
# Every day from 1930 to the publication date as "YYYY-MM-DD", taken by index.
_DAYS = pa.array(np.arange(_FIRST_DAY, _END + 2, dtype=np.int32), pa.date32()).cast(pa.string())


def _day(day: int) -> str:
    return str(_DAYS[day - _FIRST_DAY].as_py())


def _dates(days: np.ndarray) -> pa.Array:
    return _DAYS.take(pa.array(np.asarray(days, dtype=np.int64) - _FIRST_DAY))


_WORDS = pa.array(
    """ABBEY ACORN ADMIRAL ALBION ALPHA AMBER ANCHOR APEX ARDEN ARROW ASH ASPEN ATLAS AURORA
    AVON AXIS BADGER BEACON BEECH BERKELEY BIRCH BLUEBELL BRIDGE BRIGHT BRISTOL BROOK CALDER
    CAMBRIAN CANNON CAPITAL CARDINAL CASTLE CEDAR CENTRAL CHALK CHAPEL CHARTER CHESTNUT CITY
    CLARENDON CLIFF CLOVER COBALT COMPASS CORNER COUNTY CRESCENT CROWN CRYSTAL DALE DELTA
    DERWENT DOVE EAGLE EAST ECHO EDEN ELM EMERALD EMPIRE ESSEX FALCON FERN FIELD FORGE FOX
    FROST GABLE GARNET GATEWAY GLEN GOLDEN GRANITE GREEN GROVE HARBOUR HARVEST HAWK HAZEL
    HEATH HERITAGE HIGHLAND HILL HOLLY HORIZON IRIS IVY JADE JUBILEE KESTREL KING KNIGHT LAKE
    LANCASTER LARCH LAUREL LEGACY LINDEN LION LOTUS MAPLE MARBLE MARINER MEADOW MERCIA MERIDIAN
    MILL MONARCH NEWTON NOBLE NORTH NOVA OAK OCEAN ORCHARD ORION OXFORD PARK PEARL PENNINE
    PHOENIX PINE PIONEER PLATINUM PRIME PRIORY QUAY QUEEN RAVEN REGAL REGENT RIDGE RIVER ROBIN
    ROWAN ROYAL SAFFRON SAPPHIRE SEVERN SHIRE SILVER SOLENT SOUTH SOVEREIGN SPRING STAR STERLING
    STONE SUMMIT SWAN TAMAR THAMES THISTLE TITAN TOWER TRENT TRINITY TUDOR UNION VALLEY
    VANGUARD VECTOR VICTORIA VIKING VISTA WALNUT WAVERLEY WELLINGTON WEST WILLOW WINDSOR WREN
    YEW YORK ZENITH""".split()
)
_TRADES = pa.array(
    """BUILDING CATERING CONSULTING DEVELOPMENTS DIGITAL ENGINEERING ESTATES FINANCE FOODS
    HEALTHCARE HOMES INVESTMENTS LOGISTICS MANAGEMENT MEDIA MOTORS PROPERTIES RETAIL SERVICES
    SOLUTIONS SYSTEMS TECHNOLOGIES TRADING TRAVEL VENTURES""".split()
)
_COMPANY_ENDS = pa.array(["LIMITED", "LTD", "HOLDINGS LIMITED", "GROUP LIMITED", "PLC"])
_COMPANY_END_P = [0.62, 0.2, 0.1, 0.07, 0.01]
_GIVEN = pa.array(
    """Aaliyah Adam Aisha Alan Alice Amelia Amir Andrew Anna Arjun Arthur Ava Barbara Ben Carl
    Charlotte Chen Chloe Christopher Claire Daniel David Deborah Elena Eleanor Elizabeth Emily
    Emma Ethan Fatima Finn Freya George Grace Hannah Harry Helen Henry Isabella Isla Jack James
    Jane Jessica John Jonathan Joseph Julia Karen Katarzyna Kevin Laura Leo Liam Lily Louise
    Lucy Mark Martin Mary Matthew Mia Michael Mohammed Noah Oliver Olivia Omar Oscar Patricia
    Paul Peter Piotr Priya Rachel Rebecca Richard Robert Rosie Ruth Ryan Samuel Sarah Sophie
    Stephen Susan Thomas Tom Victoria William Yusuf Zara""".split()
)
_FAMILY = pa.array(
    """Adams Ahmed Ali Allen Anderson Bailey Baker Begum Bell Bennett Brown Campbell Carter
    Chapman Clark Clarke Collins Cook Cooper Cox Davies Davis Edwards Ellis Evans Fisher Green
    Griffiths Hall Harris Harrison Hill Hughes Hussain Jackson James Johnson Jones Kaur Kelly
    Khan King Kowalski Lee Lewis Lloyd Marshall Martin Mason Matthews Miller Mitchell Moore
    Morgan Morris Murphy Murray Nowak Owen Palmer Parker Patel Phillips Powell Price Roberts
    Robinson Rogers Russell Scott Shah Shaw Simpson Singh Smith Stevens Stewart Taylor Thomas
    Thompson Turner Walker Ward Watson White Wilkinson Williams Wilson Wood Wright Young
    Zhang""".split()
)
# Nationalities of the persons: (name, code), the UK most of them.
_COUNTRIES = [
    ("United Kingdom", "GB"),
    ("Ireland", "IE"),
    ("India", "IN"),
    ("Poland", "PL"),
    ("United States", "US"),
    ("China", "CN"),
    ("Romania", "RO"),
    ("Italy", "IT"),
    ("France", "FR"),
    ("Germany", "DE"),
    ("Nigeria", "NG"),
    ("Pakistan", "PK"),
]
_COUNTRY_P = [0.8, 0.03, 0.03, 0.025, 0.02, 0.02, 0.02, 0.015, 0.01, 0.01, 0.01, 0.01]
_NATIONALITY = pa.array([f'[{{"name":"{n}","code":"{c}"}}]' for n, c in _COUNTRIES])
# Jurisdictions of the foreign legal entities (corporate PSCs registered abroad).
_FOREIGN = [
    ("Delaware, United States", "US-DE"),
    ("Jersey", "JE"),
    ("British Virgin Islands", "VG"),
    ("Ireland", "IE"),
    ("Netherlands", "NL"),
    ("Luxembourg", "LU"),
    ("Cayman Islands", "KY"),
    ("Germany", "DE"),
    ("Guernsey", "GG"),
    ("Isle of Man", "IM"),
]
_FOREIGN_JURISDICTION = pa.array([f'{{"name":"{n}","code":"{c}"}}' for n, c in _FOREIGN])
_FOREIGN_ENDS = pa.array(["INC.", "LLC", "LIMITED", "B.V.", "S.A R.L.", "GMBH", "LTD"])
# The undisclosed owners: unspecifiedReason, how often, the PSC register's wording, and
# whether the statement still declares an (unquantified) shareholding.
_REASONS = [
    (
        "noBeneficialOwners",
        0.45,
        "The company knows or has reasonable cause to believe that there is no registrable "
        "person or registrable relevant legal entity in relation to the company",
        False,
    ),
    (
        "subjectUnableToConfirmOrIdentifyBeneficialOwner",
        0.2,
        "The company has identified a registrable person in relation to the company but all "
        "the required particulars of that person have not been confirmed",
        True,
    ),
    (
        "interestedPartyHasNotProvidedInformation",
        0.12,
        "The company has given a notice under section 790D of the Act which has not been "
        "complied with",
        True,
    ),
    (
        "subjectExemptFromDisclosure",
        0.08,
        "The company is exempt: its shares are admitted to trading on a regulated market",
        False,
    ),
    (
        "interestedPartyExemptFromDisclosure",
        0.05,
        "The person with significant control's details are protected from disclosure",
        True,
    ),
    ("unknown", 0.05, "The reason is not known", True),
    (
        "informationUnknownToPublisher",
        0.05,
        "The publisher holds no information about this person with significant control",
        True,
    ),
]
_REASON_P = [r[1] for r in _REASONS]
_UNSPECIFIED = pa.array(
    [json.dumps({"reason": r, "description": d}, separators=(",", ":")) for r, _, d, _ in _REASONS]
)
_UNSPECIFIED_HOLDS = np.array([r[3] for r in _REASONS])
# The PSC bands: 1 more than 25% to 50%, 2 more than 50% to less than 75%, 3 75% or more.
_BAND_SHARE = pa.array(
    [
        "",
        '{"exclusiveMinimum":25,"maximum":50}',
        '{"exclusiveMinimum":50,"exclusiveMaximum":75}',
        '{"minimum":75,"maximum":100}',
    ]
)
_BAND_WORDS = ["", "25-to-50-percent", "50-to-75-percent", "75-to-100-percent"]
_SHARE_DETAILS = pa.array([f"ownership-of-shares-{w}" for w in _BAND_WORDS])
_VOTE_DETAILS = pa.array([f"voting-rights-{w}" for w in _BAND_WORDS])
_BOOLEANS = pa.array(["false", "true"])
_STATUS = ("new", "updated", "closed")


class _RegisterState:
    """Counts carried from block to block: the persons and foreign entities numbered so far
    (later blocks may name earlier persons), and the totals of the summary."""

    def __init__(self) -> None:
        self.persons = 0
        self.foreign = 0
        self.companies = 0
        self.relationships = 0
        self.unspecified = 0
        self.updated = 0
        self.closed = 0
        self.circular = 0
        self.statements = 0

    def counts(self) -> dict[str, int]:
        return {
            "statements": self.statements,
            "companies": self.companies,
            "persons": self.persons,
            "foreign_entities": self.foreign,
            "relationships": self.relationships,
            "unspecified": self.unspecified,
            "updated": self.updated,
            "closed": self.closed,
            "circular": self.circular,
        }


class _BackgroundWriter:
    """Writes blocks of lines from a thread (gzip and the disk overlap the next block's
    generation; zlib and file writes release the GIL); a JSON array's items get commas."""

    def __init__(self, sink: Any, as_array: bool) -> None:
        import queue
        import threading

        self.sink, self.as_array, self.first = sink, as_array, True
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=4)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _BackgroundWriter:
        if self.as_array:
            self.sink.write(b"[\n")
        self.thread.start()
        return self

    def put(self, lines: pa.Array) -> None:
        if self.error is not None:
            raise self.error
        if len(lines):
            self.queue.put(lines)

    def _run(self) -> None:
        while True:
            lines = self.queue.get()
            if lines is None:
                return
            if self.error is not None:
                continue
            try:
                self._write(lines)
            except BaseException as e:  # raised in the caller's thread
                self.error = e

    def _write(self, lines: pa.Array) -> None:
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
        start, stop = offsets[lines.offset], offsets[lines.offset + len(lines)]
        data = memoryview(lines.buffers()[2])[start:stop]
        if self.as_array:  # each line ends in "\n": items need ",\n" between them
            body = bytes(data)[:-1].replace(b"}\n{", b"},\n{")
            self.sink.write(body if self.first else b",\n" + body)
        else:
            self.sink.write(data)
        self.first = False

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None and kind is None:
            raise self.error
        if self.as_array and kind is None:
            self.sink.write(b"\n]\n")


def _cat(*parts: Any) -> pa.Array:
    """Strings joined element-wise: arrays and constant text."""
    return pc.binary_join_element_wise(
        *(pa.scalar(p, pa.string()) if isinstance(p, str) else p for p in parts), ""
    )


def _text(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


def _statement_ids(rng: np.random.Generator, n: int) -> pa.Array:
    """``n`` UUID-shaped statementIds (version 4 layout), drawn from ``rng``: random-looking,
    deterministic for a seed."""
    raw = np.frombuffer(rng.bytes(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexdigits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    at = np.array([p for p in range(36) if p not in (8, 13, 18, 23)])
    out[:, at[0::2]] = hexdigits[raw >> 4]
    out[:, at[1::2]] = hexdigits[raw & 15]
    offsets = np.arange(0, 36 * (n + 1), 36, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(out.tobytes()))


def _company_numbers(index: np.ndarray) -> pa.Array:
    """Companies House numbers by company index: 8 digits (England and Wales), SC + 6
    digits (Scotland, 1 in 25), NI + 6 digits (Northern Ireland, 1 in 50); all distinct."""
    scottish, irish = _company_places(index)
    england = pc.utf8_lpad(_text(index), width=8, padding="0")
    scotland = _cat("SC", pc.utf8_lpad(_text(index // 25), width=6, padding="0"))
    ulster = _cat("NI", pc.utf8_lpad(_text(index // 50), width=6, padding="0"))
    return pc.if_else(pa.array(scottish), scotland, pc.if_else(pa.array(irish), ulster, england))


def _company_places(index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (index % 25 == 7) & (index // 25 < 10**6), (index % 50 == 13) & (index // 50 < 10**6)


def _company_name(rng: np.random.Generator, n: int) -> pa.Array:
    first = _WORDS.take(pa.array(rng.integers(0, len(_WORDS), n)))
    second = _TRADES.take(pa.array(rng.integers(0, len(_TRADES), n)))
    end = _COMPANY_ENDS.take(pa.array(rng.choice(len(_COMPANY_ENDS), n, p=_COMPANY_END_P)))
    return _cat(first, " ", second, " ", end)


def _entity_lines(
    ids: pa.Array,
    rids: pa.Array,
    dates: pa.Array,
    status: str,
    names: pa.Array,
    jurisdiction: pa.Array,
    rest: Any,
    publication: str,
) -> pa.Array:
    return _cat(
        '{"statementId":"',
        ids,
        '","declarationSubject":"',
        rids,
        '","statementDate":"',
        dates,
        f'","publicationDetails":{publication},"recordId":"',
        rids,
        f'","recordType":"entity","recordStatus":"{status}","recordDetails":'
        '{"isComponent":false,"entityType":{"type":"registeredEntity"},"name":"',
        names,
        '","jurisdiction":',
        jurisdiction,
        rest,
        "}}\n",
    )


def _register_block(
    block: int,
    low: int,
    high: int,
    seed: int,
    state: _RegisterState,
    history: bool,
    circular_rate: float,
    publication: str,
) -> list[pa.Array]:
    """The statements of companies ``low`` to ``high``, as arrays of lines in file order:
    entities, persons, relationships, then the later statements (updates, closures, the
    PSCs that replace the closed ones)."""
    rng = np.random.default_rng([seed, block, 0xB0D5])
    n = high - low
    company = np.arange(low, high, dtype=np.int64)
    numbers_ = _company_numbers(company)
    rid = _cat("GB-COH-", numbers_)
    scottish, irish = _company_places(company)
    place = np.where(scottish, 1, np.where(irish, 2, 0))
    places = pa.array(
        [
            '{"name":"United Kingdom","code":"GB"}',
            '{"name":"Scotland","code":"GB-SCT"}',
            '{"name":"Northern Ireland","code":"GB-NIR"}',
        ]
    ).take(pa.array(place))
    founded = _END - 30 - np.minimum(rng.exponential(3000.0, n).astype(np.int64), 30000)
    founded = np.maximum(founded, _FIRST_DAY)
    declared = np.maximum(founded, _PSC_START + rng.integers(0, 90, n)) + rng.integers(0, 14, n)
    declared = np.minimum(declared, _END - 20)
    out = []
    identifiers = _cat(
        ',"identifiers":[{"scheme":"GB-COH","schemeName":"Companies House","id":"',
        numbers_,
        '"}],"foundingDate":"',
        _dates(founded),
        '"',
    )
    out.append(
        _entity_lines(
            _statement_ids(rng, n),
            rid,
            _dates(declared),
            "new",
            _company_name(rng, n),
            places,
            identifiers,
            publication,
        )
    )

    # The PSCs of each company: up to three holders of shares in bands whose minimums sum to
    # at most 100%, a control-only PSC, an undisclosed owner.
    holders = rng.choice(4, n, p=[0.10, 0.55, 0.29, 0.06])
    band = np.zeros((n, 3), dtype=np.int64)
    one = rng.choice([1, 2, 3], n, p=[0.2, 0.15, 0.65])
    band[:, 0] = np.where(holders == 1, one, np.where(rng.random(n) < 0.3, 2, 1))
    band[:, 1:] = 1
    band[np.arange(3)[None, :] >= holders[:, None]] = 0
    band[holders == 3] = 1
    unspecified = ((holders == 0) & (rng.random(n) < 0.55)) | (
        (holders > 0) & (rng.random(n) < 0.015)
    )
    control_only = ((holders == 0) & ~unspecified) | (rng.random(n) < 0.06)

    # Ownership rings: a few companies of the block, each held (more than 25% to 50%) by the
    # next.
    ring_holder = np.full(n, -1, dtype=np.int64)
    for _ in range(rng.poisson(circular_rate * n)):
        size = int(rng.choice([2, 3, 4], p=[0.6, 0.3, 0.1]))
        if size > n:
            continue
        members = rng.choice(n, size, replace=False)
        if (ring_holder[members] >= 0).any():
            continue
        ring_holder[members] = company[np.roll(members, -1)]
        holders[members] = np.maximum(holders[members], 1)
        band[members, 0] = 1
        state.circular += size

    # One row per relationship record: slots 0-2 shareholders, 3 control only, 4 undisclosed.
    slots = [np.flatnonzero(holders > s) for s in range(3)]
    slots += [np.flatnonzero(control_only), np.flatnonzero(unspecified)]
    of = np.concatenate(slots)
    slot = np.concatenate([np.full(len(x), s) for s, x in enumerate(slots)])
    share_band = np.where(slot < 3, band[of, np.minimum(slot, 2)], 0)
    r = len(of)
    ring = (slot == 0) & (ring_holder[of] >= 0)
    # Who holds: a person, a UK company (an earlier one: chains), a foreign legal entity.
    draw = rng.random(r)
    kind = np.where(draw < 0.82, 0, np.where(draw < 0.98, 1, 2))  # person, company, foreign
    kind = np.where((kind == 1) & (company[of] == 0), 0, kind)
    kind = np.where(ring, 1, np.where(slot == 4, 3, kind))  # 3: undisclosed, inline
    near = rng.random(r) < 0.5
    parent = np.where(
        near,
        company[of] - 1 - rng.exponential(30.0, r).astype(np.int64),
        (rng.random(r) * company[of]).astype(np.int64),
    )
    parent = np.where(ring, ring_holder[of], np.maximum(parent, 0))
    is_person = kind == 0
    fresh = is_person & (rng.random(r) < 0.72)
    persons_before = state.persons
    if persons_before == 0 and not fresh.any():
        fresh = is_person  # no person yet to name twice
    fresh_count = int(fresh.sum())
    known = persons_before + fresh_count
    person = np.where(
        fresh,
        persons_before + np.cumsum(fresh) - 1,
        (known * rng.random(r) ** 2).astype(np.int64),
    )
    foreign = kind == 2
    foreign_id = state.foreign + np.cumsum(foreign) - 1
    reason = rng.choice(len(_REASONS), r, p=_REASON_P)
    declared_at = np.minimum(declared[of] + rng.integers(0, 30, r), _END - 10)

    # The interests of each relationship.
    vote_draw = rng.random(r)
    vote_band = np.where(vote_draw < 0.85, share_band, 0)
    vote_band = np.where(vote_draw > 0.95, np.maximum(share_band - 1, 0), vote_band)
    appoint = (slot < 3) & (((share_band == 3) & (rng.random(r) < 0.3)) | (rng.random(r) < 0.03))
    appoint |= (slot == 3) & (rng.random(r) < 0.3)
    influence = (slot == 3) & ~appoint
    unknown_share = (slot == 4) & _UNSPECIFIED_HOLDS[reason]

    # History: some PSCs restated (bands changed), some ceased (closed) and replaced.
    span = _END - declared_at
    can_change = history & (slot < 4) & ~ring & (span >= 8)
    updated = can_change & (rng.random(r) < 0.2)
    closed = can_change & (rng.random(r) < 0.3)
    half = span // 2
    updated_at = declared_at + 1 + (rng.random(r) * (half - 1)).astype(np.int64)
    closed_at = declared_at + half + 1 + (rng.random(r) * (span - half - 2)).astype(np.int64)
    sole = holders[of] == 1
    changed = np.where(
        sole,
        (share_band - 1 + 1 + rng.integers(0, 2, r)) % 3 + 1,
        np.maximum(share_band - 1, 1),
    )
    new_band = np.where(updated & (slot < 3), changed, share_band)
    new_vote = np.where(updated & (new_band != share_band), new_band, vote_band)
    new_vote = np.where(updated & (new_band == share_band) & (slot < 3), 0, new_vote)
    new_appoint = appoint | (updated & (slot == 3))
    new_influence = influence | (updated & (slot == 3))
    replaced = closed & (rng.random(r) < 0.8)
    replaced_at = np.minimum(closed_at + rng.integers(0, 30, r), _END)
    replacement = np.flatnonzero(replaced)
    replacement_person = persons_before + fresh_count + np.arange(len(replacement))

    # Persons: the new ones of the block (from its first PSCs, then the replacements).
    new_person = np.concatenate([person[fresh], replacement_person])
    person_dates = np.concatenate([declared_at[fresh], replaced_at[replacement]])
    p = len(new_person)
    if p:
        person_rid = _cat("GB-PSC-person-", _text(new_person))
        given = _GIVEN.take(pa.array(rng.integers(0, len(_GIVEN), p)))
        family = _FAMILY.take(pa.array(rng.integers(0, len(_FAMILY), p)))
        born = rng.integers(
            int((np.datetime64("1940-01-01", "D") - _EPOCH).astype(int)),
            int((np.datetime64("2004-01-01", "D") - _EPOCH).astype(int)),
            p,
        )
        nationality = _NATIONALITY.take(pa.array(rng.choice(len(_COUNTRIES), p, p=_COUNTRY_P)))
        out.append(
            _cat(
                '{"statementId":"',
                _statement_ids(rng, p),
                '","declarationSubject":"',
                person_rid,
                '","statementDate":"',
                _dates(person_dates),
                f'","publicationDetails":{publication},"recordId":"',
                person_rid,
                '","recordType":"person","recordStatus":"new","recordDetails":{"isComponent":'
                'false,"personType":"knownPerson","names":[{"type":"legal","fullName":"',
                given,
                " ",
                family,
                '","givenName":"',
                given,
                '","familyName":"',
                family,
                '"}],"nationalities":',
                nationality,
                ',"birthDate":"',
                pc.utf8_slice_codeunits(_dates(born), 0, 7),
                '"}}\n',
            )
        )
    f = int(foreign.sum())
    if f:
        foreign_rid = _cat("GB-PSC-entity-", _text(foreign_id[foreign]))
        names = _cat(
            _WORDS.take(pa.array(rng.integers(0, len(_WORDS), f))),
            " ",
            _TRADES.take(pa.array(rng.integers(0, len(_TRADES), f))),
            " ",
            _FOREIGN_ENDS.take(pa.array(rng.integers(0, len(_FOREIGN_ENDS), f))),
        )
        out.append(
            _entity_lines(
                _statement_ids(rng, f),
                foreign_rid,
                _dates(declared_at[foreign]),
                "new",
                names,
                _FOREIGN_JURISDICTION.take(pa.array(rng.integers(0, len(_FOREIGN), f))),
                "",
                publication,
            )
        )

    # The interested party of each relationship, as JSON: a recordId or an inline object.
    holder = pc.if_else(
        pa.array(kind == 0),
        _cat('"GB-PSC-person-', _text(person), '"'),
        pc.if_else(
            pa.array(kind == 1),
            _cat('"GB-COH-', _company_numbers(parent), '"'),
            pc.if_else(
                pa.array(kind == 2),
                _cat('"GB-PSC-entity-', _text(np.maximum(foreign_id, 0)), '"'),
                _UNSPECIFIED.take(pa.array(reason)),
            ),
        ),
    )
    relationship_rid = _cat(rid.take(pa.array(of)), "-psc-", _text(slot))
    subject = rid.take(pa.array(of))
    beneficial = _BOOLEANS.take(pa.array(is_person.astype(np.int64)))
    lines = _relationship_lines(
        rng,
        np.arange(r),
        relationship_rid,
        subject,
        holder,
        beneficial,
        declared_at,
        declared_at,
        None,
        0,
        share_band,
        vote_band,
        appoint,
        influence,
        unknown_share,
        publication,
    )
    out.append(lines)
    state.relationships += r + len(replacement)
    state.unspecified += int((slot == 4).sum())

    # Later statements: renamed companies, restated and closed PSCs, their replacements.
    renamed = np.flatnonzero(history & (rng.random(n) < 0.15) & (_END - declared >= 4))
    if len(renamed):
        at = declared[renamed] + 1 + (rng.random(len(renamed)) * (_END - declared[renamed] - 1))
        out.append(
            _entity_lines(
                _statement_ids(rng, len(renamed)),
                rid.take(pa.array(renamed)),
                _dates(at.astype(np.int64)),
                "updated",
                _company_name(rng, len(renamed)),
                places.take(pa.array(renamed)),
                identifiers.take(pa.array(renamed)),
                publication,
            )
        )
    rows = np.flatnonzero(updated)
    if len(rows):
        out.append(
            _relationship_lines(
                rng,
                rows,
                relationship_rid,
                subject,
                holder,
                beneficial,
                updated_at[rows],
                declared_at[rows],
                None,
                1,
                new_band,
                new_vote,
                new_appoint,
                new_influence,
                unknown_share,
                publication,
            )
        )
    rows = np.flatnonzero(closed)
    if len(rows):
        # The closing statement restates the latest details (updated ones if restated first).
        out.append(
            _relationship_lines(
                rng,
                rows,
                relationship_rid,
                subject,
                holder,
                beneficial,
                closed_at[rows],
                declared_at[rows],
                closed_at[rows],
                2,
                new_band,
                new_vote,
                new_appoint,
                new_influence,
                unknown_share,
                publication,
            )
        )
    if len(replacement):
        rows = replacement
        out.append(
            _relationship_lines(
                rng,
                rows,
                _cat(relationship_rid.take(pa.array(rows)), "-2"),
                subject,
                _cat('"GB-PSC-person-', _text(replacement_person), '"'),
                _BOOLEANS.take(pa.array(np.ones(len(rows), dtype=np.int64))),
                replaced_at[rows],
                replaced_at[rows],
                None,
                0,
                new_band,
                new_vote,
                new_appoint,
                new_influence,
                unknown_share,
                publication,
                taken=False,
            )
        )
    state.persons += p
    state.foreign += f
    state.companies += n
    state.updated += len(renamed) + int(updated.sum())
    state.closed += int(closed.sum())
    state.statements += sum(len(a) for a in out)
    return out


def _relationship_lines(
    rng: np.random.Generator,
    rows: np.ndarray,
    rid: pa.Array,
    subject: pa.Array,
    holder: pa.Array,
    beneficial: pa.Array,
    date: np.ndarray,
    start: np.ndarray,
    end: np.ndarray | None,
    status: int,
    share_band: np.ndarray,
    vote_band: np.ndarray,
    appoint: np.ndarray,
    influence: np.ndarray,
    unknown_share: np.ndarray,
    publication: str,
    taken: bool = True,
) -> pa.Array:
    """Relationship statements for ``rows`` of the block's relationships (``taken``: the
    per-row arrays ``rid``, ``holder`` and ``beneficial`` are of those rows already)."""
    m = len(rows)
    pick = pa.array(rows)
    if taken:
        rid, holder, beneficial = rid.take(pick), holder.take(pick), beneficial.take(pick)
    subject = subject.take(pick)
    share_band, vote_band = share_band[rows], vote_band[rows]
    since = _cat('"startDate":"', _dates(start), '"')
    if end is not None:
        since = _cat(since, ',"endDate":"', _dates(end), '"')
    direct = '{"directOrIndirect":"direct","beneficialOwnershipOrControl":'
    parts = []
    for chosen, words, type_ in (
        (share_band, _SHARE_DETAILS, "shareholding"),
        (vote_band, _VOTE_DETAILS, "votingRights"),
    ):
        text = _cat(
            '{"type":"',
            type_,
            '","directOrIndirect":"direct","beneficialOwnershipOrControl":',
            beneficial,
            ',"details":"',
            words.take(pa.array(chosen)),
            '","share":',
            _BAND_SHARE.take(pa.array(chosen)),
            ",",
            since,
            "},",
        )
        parts.append(pc.if_else(pa.array(chosen > 0), text, ""))
    for mask, type_, details in (
        (appoint, "appointmentOfBoard", "right-to-appoint-and-remove-directors"),
        (influence, "otherInfluenceOrControl", "significant-influence-or-control"),
    ):
        text = _cat(
            f'{{"type":"{type_}",',
            direct[1:],
            beneficial,
            f',"details":"{details}",',
            since,
            "},",
        )
        parts.append(pc.if_else(pa.array(mask[rows]), text, ""))
    unknown = _cat('{"type":"shareholding","directOrIndirect":"unknown",', since, "},")
    parts.append(pc.if_else(pa.array(unknown_share[rows]), unknown, ""))
    interests = pc.utf8_rtrim(_cat(*parts), characters=",")
    return _cat(
        '{"statementId":"',
        _statement_ids(rng, m),
        '","declarationSubject":"',
        subject,
        '","statementDate":"',
        _dates(date),
        f'","publicationDetails":{publication},"recordId":"',
        rid,
        f'","recordType":"relationship","recordStatus":"{_STATUS[status]}","recordDetails":'
        '{"isComponent":false,"subject":"',
        subject,
        '","interestedParty":',
        holder,
        ',"interests":[',
        interests,
        "]}}\n",
    )
