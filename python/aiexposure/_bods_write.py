"""A graph -> Beneficial Ownership Data Standard (BODS) v0.4 statements (docs/bods.md).

The inverse of :func:`aiexposure.read_bods` for what a graph holds: an entity or person
statement per node, a relationship statement per equity edge (one ``shareholding`` interest,
its share exact, a range or absent), unspecified owners inline. Works from a graph's public
members only (``nodes``, ``node_table``, ``csr()``, ``stakes()``, ``edges()``), so it never
imports the ``Graph`` class: ``Graph.to_bods`` calls it.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np
import pyarrow as pa

from ._vocabulary import KINDS
from .errors import AIExposureError

BODS_VERSION = "0.4"
ENTITY_TYPES = (
    "registeredEntity",
    "legalEntity",
    "arrangement",
    "anonymousEntity",
    "unknownEntity",
    "state",
    "stateBody",
)
PERSON_TYPES = ("knownPerson", "anonymousPerson", "unknownPerson")
UNKNOWN_ENTITY_TYPES = ("anonymousEntity", "unknownEntity")
UNKNOWN_PERSON_TYPES = ("anonymousPerson", "unknownPerson")
UNSPECIFIED_REASONS = (
    "noBeneficialOwners",
    "subjectUnableToConfirmOrIdentifyBeneficialOwner",
    "interestedPartyHasNotProvidedInformation",
    "subjectExemptFromDisclosure",
    "interestedPartyExemptFromDisclosure",
    "unknown",
    "informationUnknownToPublisher",
)
ROLES = ("interestedParty", "subject")
# uuid5 namespace of the statementIds this module writes: uuid5(NAMESPACE_URL, "aiexposure BODS").
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://aiexposure/bods/statement")
SUFFIXES = (".json", ".jsonl", ".ndjson")
NonEquity = Literal["error", "drop"]


def write_bods(
    graph: Any,
    path_or_file: Any,
    *,
    nodes: bool = True,
    non_equity: NonEquity = "error",
    statement_date: str = "2026-01-01",
    publication_date: str | None = None,
    publisher: str = "aiexposure",
    format: Literal["jsonl", "json"] | None = None,
) -> int:
    """Write a graph's nodes and equity edges as BODS v0.4 statements; returns how many.

    ``path_or_file``: a path ending in ``.jsonl`` / ``.ndjson`` (JSON Lines, one statement a
    line), ``.json`` (a JSON array, one statement a line), either with ``.gz`` (gzip); or a
    text or binary file object (JSON Lines unless ``format="json"``). A path is written
    beside itself first and renamed, so a failed write leaves no partial file.

    * Nodes: one statement per node (``nodes=False``: only the nodes of a written edge), the
      node label as ``recordId`` (``str`` of an integer label). A node whose
      :attr:`~Graph.node_table` ``record_type`` is ``"person"`` is a person statement
      (``personType`` from ``type``, the legal name from ``name``, the nationality from
      ``jurisdiction``), every other node an entity statement (``entityType`` from ``type``,
      ``"registeredEntity"`` when it is not a BODS entity type, kept in ``details``;
      ``name``, ``jurisdiction``, ``identifiers``). Nodes flagged ``unknown`` are unknown
      persons or entities with their ``unspecified*Details`` (``unknown_reason``,
      ``unknown_description``).
    * Unspecified owners (``record_type = "unspecified"``, the nodes :meth:`Graph.from_bods`
      names ``"unspecified interestedParty of <relationship>"``) are written inline in their
      relationship, with their reason, so that reading back gives the same node; one that
      holds more than one stake (or is not so named) becomes an ``unknownEntity`` record.
    * Edges: each equity edge (duplicates merged, as the graph holds it) is a relationship
      statement with one ``shareholding`` interest, ``directOrIndirect`` ``"direct"``: an
      exact share as ``exact``; an interval stake as ``minimum`` / ``exclusiveMinimum`` and
      ``maximum`` / ``exclusiveMaximum`` (the declared range, before the graph's cap); an
      unknown stake (0, 100%] as an interest without a share. Percent are fractions x 100,
      chosen so that reading divides back to the same fraction where a double allows it. A
      ``voting_rights`` column of the edge table (from :meth:`Graph.from_bods`) is written as
      a ``votingRights`` interest, and its ``record_id`` column names the relationship
      records; other relationships are named ``"<holder> -> <issuer>"``. Amounts are not
      written: BODS has no field for them.
    * Credit and commitment edges are not ownership or control, so BODS has no statement for
      them: :class:`AIExposureError` naming the first one (its row of :meth:`Graph.edges`
      when the table has ``source`` / ``target`` / ``kind`` columns), unless
      ``non_equity="drop"`` leaves them out.
    * Every statement has ``statement_date``, ``publicationDetails`` (``publication_date``,
      by default the statement date; ``bodsVersion`` "0.4"; ``publisher``) and a
      ``statementId`` that is a uuid5 of its content: the same graph gives the same bytes.

    :meth:`Graph.from_bods` on the result gives back the same nodes (as strings), node
    attributes and stakes.

    >>> import io
    >>> from aiexposure import Graph, write_bods
    >>> g = Graph.from_arrow({"source": ["P", "H"], "target": ["H", "C"],
    ...                       "share": [None, 0.3], "share_min": [0.25, None],
    ...                       "share_max": [0.5, None], "share_min_exclusive": [True, None]})
    >>> out = io.StringIO()
    >>> write_bods(g, out)
    5
    >>> back = Graph.from_bods(io.StringIO(out.getvalue()))
    >>> back.stakes(legacy_columns=False).select(["source", "share_min", "share_max"]).to_pylist()
    [{'source': 'P', 'share_min': 0.25, 'share_max': 0.5}, \
{'source': 'H', 'share_min': 0.3, 'share_max': 0.3}]
    """
    if non_equity not in ("error", "drop"):
        raise ValueError(f"non_equity must be 'error' or 'drop', not {non_equity!r}")
    if format not in (None, "jsonl", "json"):
        raise ValueError(f"format must be 'jsonl', 'json' or None, not {format!r}")
    date = _date(statement_date, "statement_date")
    published = _date(publication_date or date, "publication_date")
    header = {
        "statementDate": date,
        "publicationDetails": {
            "publicationDate": published,
            "bodsVersion": BODS_VERSION,
            "publisher": {"name": str(publisher)},
        },
    }
    plan = _Plan(graph, nodes, non_equity)
    statements = plan.statements(header)
    if isinstance(path_or_file, (str, os.PathLike)):
        return _write_path(Path(path_or_file), statements, format)
    if hasattr(path_or_file, "write"):
        return _write_stream(path_or_file, statements, format or "jsonl")
    raise TypeError(f"write_bods takes a path or a file object, not {type(path_or_file).__name__}")


# --- what to write --------------------------------------------------------------------------


class _Plan:
    """The statements of one graph: nodes as records or inline parties, equity edges as
    relationships, each checked before anything is written."""

    def __init__(self, graph: Any, with_all_nodes: bool, non_equity: str) -> None:
        csr = graph.csr()
        labels = graph.nodes
        self.ids = [str(v) for v in labels.to_pylist()]
        n = len(self.ids)
        equity = np.asarray(csr.kind) == 0
        if not equity.all() and non_equity == "error":
            _refuse_non_equity(graph, csr, equity, labels)
        # graph.stakes() lists the equity entries of the CSR in its order.
        stakes = graph.stakes(legacy_columns=False)
        self.src = np.asarray(csr.sources)[equity].astype(np.int64)
        self.dst = np.asarray(csr.indices)[equity].astype(np.int64)
        self.exact = stakes["exact"].to_numpy(zero_copy_only=False)
        self.lo = stakes["share_min"].to_numpy(zero_copy_only=False)
        self.hi = stakes["share_max_declared"].to_numpy(zero_copy_only=False)
        self.lo_open = stakes["share_min_exclusive"].to_numpy(zero_copy_only=False)
        self.hi_open = stakes["share_max_exclusive"].to_numpy(zero_copy_only=False)
        self.attrs = _node_attributes(graph.node_table, n)
        out_degree = np.bincount(self.src, minlength=n)
        in_degree = np.bincount(self.dst, minlength=n)
        kinds = self.attrs["record_type"]
        held_persons = [i for i in np.flatnonzero(in_degree > 0).tolist() if kinds[i] == "person"]
        if held_persons:
            i = held_persons[0]
            holder = self.ids[int(self.src[np.flatnonzero(self.dst == i)[0]])]
            raise AIExposureError(
                f"node {self.ids[i]!r} is a person (node_table record_type) but {holder!r} "
                f"holds shares in it; in BODS the subject of a relationship is an entity: "
                f"make it an entity (record_type) or drop its holdings "
                f"({len(held_persons)} such person(s))",
                nodes=[labels[i].as_py()],
            )
        self.inline, self.rid = self._relationship_ids(graph, out_degree, in_degree)
        self.written = np.zeros(n, dtype=bool)
        if with_all_nodes:
            self.written[:] = True
        else:
            self.written[self.src] = True
            self.written[self.dst] = True
        self.written[list(self.inline)] = False
        self.votes = _edge_column(graph.edges(), "voting_rights", self.src, self.dst, labels)

    def _relationship_ids(
        self, graph: Any, out_degree: np.ndarray, in_degree: np.ndarray
    ) -> tuple[dict[int, str], list[str]]:
        """The nodes written inline ({node: its role}) and each edge's relationship recordId."""
        kinds, ids = self.attrs["record_type"], self.ids
        inline: dict[int, str] = {}
        rid_of_edge: dict[int, str] = {}
        for i, kind in enumerate(kinds):
            if kind != "unspecified":
                continue
            for role in ROLES:
                prefix = f"unspecified {role} of "
                if not ids[i].startswith(prefix) or len(ids[i]) == len(prefix):
                    continue
                if role == "interestedParty" and out_degree[i] == 1 and in_degree[i] == 0:
                    edge = int(np.flatnonzero(self.src == i)[0])
                elif role == "subject" and in_degree[i] == 1 and out_degree[i] == 0:
                    edge = int(np.flatnonzero(self.dst == i)[0])
                else:
                    continue
                rid = ids[i][len(prefix) :]
                if rid_of_edge.get(edge, rid) != rid:
                    continue  # both ends inline under different names: this one is a record
                rid_of_edge[edge] = rid
                inline[i] = role
        taken = {ids[i] for i in range(len(ids)) if i not in inline}
        given = _edge_column(graph.edges(), "record_id", self.src, self.dst, graph.nodes)
        rids: list[str] = []
        for e in range(len(self.src)):
            found = rid_of_edge.get(e)
            if found is not None:
                rid = found
            else:
                g = given[e]
                rid = str(g) if g is not None else f"{ids[self.src[e]]} -> {ids[self.dst[e]]}"
                if rid in taken:
                    rid = f"{ids[self.src[e]]} -> {ids[self.dst[e]]}"
                if rid in taken:
                    rid = str(uuid.uuid5(NAMESPACE, f"{ids[self.src[e]]}\0{ids[self.dst[e]]}"))
            if rid in taken:
                raise AIExposureError(
                    f"the relationship {ids[self.src[e]]!r} -> {ids[self.dst[e]]!r} would "
                    f"have the recordId {rid!r}, which another record has; rename that node"
                )
            taken.add(rid)
            rids.append(rid)
        return inline, rids

    def statements(self, header: dict[str, Any]) -> Iterator[str]:
        ids, attrs = self.ids, self.attrs
        for i in np.flatnonzero(self.written).tolist():
            if attrs["record_type"][i] == "person":
                record_type, details = "person", _person(attrs, i)
            else:
                record_type, details = "entity", _entity(attrs, i)
            yield _statement(ids[i], ids[i], record_type, details, header)
        lo = _percent(self.lo)
        hi = _percent(self.hi)
        votes = _percent(np.array([np.nan if v is None else v for v in self.votes], float))
        for e in range(len(self.src)):
            s, t = int(self.src[e]), int(self.dst[e])
            share: dict[str, Any] | None
            if self.exact[e]:
                share = {"exact": lo[e]}
            elif self.lo[e] == 0 and self.lo_open[e] and self.hi[e] == 1 and not self.hi_open[e]:
                share = None  # unknown: (0, 100%]
            else:
                share = {
                    "exclusiveMinimum" if self.lo_open[e] else "minimum": lo[e],
                    "exclusiveMaximum" if self.hi_open[e] else "maximum": hi[e],
                }
            interest: dict[str, Any] = {"type": "shareholding", "directOrIndirect": "direct"}
            if share is not None:
                interest["share"] = share
            interests = [interest]
            if self.votes[e] is not None and 0 < self.votes[e] <= 1:
                interests.append(
                    {
                        "type": "votingRights",
                        "directOrIndirect": "direct",
                        "share": {"exact": votes[e]},
                    }
                )
            subject = self._party(t, "subject", e)
            holder = self._party(s, "interestedParty", e)
            details = {
                "isComponent": False,
                "subject": subject,
                "interestedParty": holder,
                "interests": interests,
            }
            declared = ids[t] if isinstance(subject, str) else ids[s]
            yield _statement(self.rid[e], declared, "relationship", details, header)

    def _party(self, node: int, role: str, edge: int) -> str | dict[str, Any]:
        if self.inline.get(node) != role:
            return self.ids[node]
        return _unspecified(self.attrs, node) or {"reason": "unknown"}


def _refuse_non_equity(graph: Any, csr: Any, equity: np.ndarray, labels: pa.Array) -> None:
    other = np.flatnonzero(~equity)
    p = int(other[0])
    u = labels[int(csr.sources[p])].as_py()
    v = labels[int(csr.indices[p])].as_py()
    kind = KINDS[int(csr.kind[p])]
    row = _row_of(graph.edges(), u, v, kind)
    where = f", row {row} of graph.edges()" if row is not None else ""
    raise AIExposureError(
        f"the {kind} edge {u!r} -> {v!r}{where} cannot be written as BODS: BODS "
        f"relationships are ownership and control interests, and {kind} is neither "
        f"({len(other)} credit or commitment edge(s) in all). Pass non_equity='drop' to "
        "write the equity edges only, or keep the whole graph with Graph.save or as an "
        "edge table (Parquet, Arrow)",
        rows=[] if row is None else [row],
        nodes=[u, v],
    )


def _row_of(table: pa.Table, u: Any, v: Any, kind: str) -> int | None:
    """The first row of the edge table that is the edge (u, v, kind), when the table names
    its columns ``source``, ``target`` and ``kind``."""
    names = table.column_names
    if not {"source", "target", "kind"} <= set(names):
        return None
    for r, (a, b, k) in enumerate(
        zip(
            table["source"].to_pylist(),
            table["target"].to_pylist(),
            table["kind"].to_pylist(),
            strict=True,
        )
    ):
        if a == u and b == v and k == kind:
            return r
    return None


def _edge_column(
    table: pa.Table, name: str, src: np.ndarray, dst: np.ndarray, labels: pa.Array
) -> list[Any]:
    """Per written edge, the value of the edge table's column ``name`` on its rows: one
    string per pair (``record_id``; None when its rows disagree), or the sum of the numbers
    (``voting_rights``); None when the table has no such column (or no ``source`` /
    ``target`` columns)."""
    none: list[Any] = [None] * len(src)
    if name not in table.column_names or not {"source", "target"} <= set(table.column_names):
        return none
    column = table[name]
    numeric = pa.types.is_floating(column.type) or pa.types.is_integer(column.type)
    if not numeric and not pa.types.is_string(column.type):
        return none
    values: dict[tuple[Any, Any], Any] = {}
    if table.num_rows == 0:
        return none
    if "kind" in table.column_names:
        is_equity = [k in (None, "equity") for k in table["kind"].to_pylist()]
    else:
        is_equity = [True] * table.num_rows
    rows = zip(
        table["source"].to_pylist(),
        table["target"].to_pylist(),
        column.to_pylist(),
        is_equity,
        strict=True,
    )
    conflict = object()
    for a, b, value, eq in rows:
        if not eq:
            continue
        key = (a, b)
        if value is None:
            values.setdefault(key, None)
        elif numeric:
            values[key] = (values.get(key) or 0.0) + float(value)
        else:
            old = values.get(key)
            values[key] = value if old in (None, value) else conflict
    pylabels = labels.to_pylist()
    out = []
    for s, t in zip(src.tolist(), dst.tolist(), strict=True):
        value = values.get((pylabels[s], pylabels[t]))
        out.append(None if value is conflict else value)
    return out


# --- node records ---------------------------------------------------------------------------

ATTRIBUTES = (
    "record_type",
    "name",
    "type",
    "jurisdiction",
    "identifiers",
    "unknown",
    "unknown_reason",
    "unknown_description",
)


def _node_attributes(table: pa.Table, n: int) -> dict[str, list[Any]]:
    """The node_table's BODS attributes as lists (None where the table has no column)."""
    out: dict[str, list[Any]] = {}
    for name in ATTRIBUTES:
        if name not in table.column_names:
            out[name] = [False] * n if name == "unknown" else [None] * n
            continue
        values = table[name].to_pylist()
        if name == "unknown":
            out[name] = [bool(v) if v is not None else False for v in values]
        elif name == "identifiers":
            out[name] = [v if isinstance(v, list) else [] for v in values]
        else:
            out[name] = [None if v is None else str(v) for v in values]
    return out


def _entity(attrs: dict[str, list[Any]], i: int) -> dict[str, Any]:
    kind, unknown = (
        attrs["type"][i],
        attrs["unknown"][i] or attrs["record_type"][i] == ("unspecified"),
    )
    entity_type: dict[str, Any]
    if kind in ENTITY_TYPES and (not unknown or kind in UNKNOWN_ENTITY_TYPES):
        entity_type = {"type": kind}
    else:
        entity_type = {"type": "unknownEntity" if unknown else "registeredEntity"}
        if kind is not None:
            entity_type["details"] = kind
    details: dict[str, Any] = {"isComponent": False, "entityType": entity_type}
    if unknown:
        spec = _unspecified(attrs, i, kind)
        if spec is not None:
            details["unspecifiedEntityDetails"] = spec
    if attrs["name"][i]:
        details["name"] = attrs["name"][i]
    place = attrs["jurisdiction"][i]
    if place is not None:
        code = 2 <= len(place) <= 6 and place.replace("-", "").isalnum() and place.isupper()
        details["jurisdiction"] = {"name": place, "code": place} if code else {"name": place}
    identifiers = _identifiers(attrs["identifiers"][i])
    if identifiers:
        details["identifiers"] = identifiers
    return details


def _person(attrs: dict[str, list[Any]], i: int) -> dict[str, Any]:
    kind, unknown = attrs["type"][i], attrs["unknown"][i]
    if kind in PERSON_TYPES and (kind in UNKNOWN_PERSON_TYPES) == unknown:
        person_type = kind
    else:
        person_type = "unknownPerson" if unknown else "knownPerson"
    details: dict[str, Any] = {"isComponent": False, "personType": person_type}
    if unknown:
        spec = _unspecified(attrs, i, kind)
        if spec is not None:
            details["unspecifiedPersonDetails"] = spec
    if attrs["name"][i]:
        details["names"] = [{"type": "legal", "fullName": attrs["name"][i]}]
    place = attrs["jurisdiction"][i]
    if place is not None:
        country = len(place) == 2 and place.isalpha() and place.isupper()
        details["nationalities"] = [{"name": place, "code": place} if country else {"name": place}]
    identifiers = _identifiers(attrs["identifiers"][i])
    if identifiers:
        details["identifiers"] = identifiers
    return details


def _unspecified(
    attrs: dict[str, list[Any]], i: int, kind: str | None = None
) -> dict[str, Any] | None:
    """The unspecified-party object of an unknown node: its reason (the unspecifiedReason
    codelist; another text is kept as the description), None when the reason is only the
    node's type (as :func:`read_bods` fills it)."""
    reason, description = attrs["unknown_reason"][i], attrs["unknown_description"][i]
    if reason is not None and reason == kind and description is None:
        return None
    spec: dict[str, Any]
    if reason in UNSPECIFIED_REASONS:
        spec = {"reason": reason}
    elif reason is None and description is None:
        return None if kind is not None else {"reason": "unknown"}
    else:
        spec = {"reason": "unknown"}
        description = description if reason is None else (description or reason)
    if description is not None:
        spec["description"] = description
    return spec


def _identifiers(values: list[Any]) -> list[dict[str, str]]:
    """Identifier objects, keys renamed to BODS's; one without a scheme or schemeName (the
    schema needs one) is left out."""
    out = []
    for v in values or []:
        if not isinstance(v, dict):
            continue
        ident = {
            bods: str(v[key])
            for key, bods in (
                ("scheme", "scheme"),
                ("scheme_name", "schemeName"),
                ("id", "id"),
                ("uri", "uri"),
            )
            if v.get(key) is not None
        }
        if "scheme" in ident or "schemeName" in ident:
            out.append(ident)
    return out


# --- statements and files -------------------------------------------------------------------


def _statement(
    record_id: str,
    declaration_subject: str,
    record_type: str,
    details: dict[str, Any],
    header: dict[str, Any],
) -> str:
    body = {
        "declarationSubject": declaration_subject,
        **header,
        "recordId": record_id,
        "recordType": record_type,
        "recordDetails": details,
    }
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    if not text.isascii():  # line breaks beyond ASCII escaped too: one statement, one line
        text = text.translate(_LINE_BREAKS)
    sid = uuid.uuid5(NAMESPACE, f"{record_type}\0{record_id}\0{text}")
    return f'{{"statementId":"{sid}",{text[1:]}'


_LINE_BREAKS = {c: f"\\u{c:04x}" for c in (0x85, 0x2028, 0x2029)}


def _percent(fractions: np.ndarray) -> list[float]:
    """Fractions as percent, each the shortest decimal whose division by 100 gives the
    fraction back (the nearest such double when none does)."""
    x = np.asarray(fractions, dtype=np.float64)
    out = x * 100.0
    done = ~np.isfinite(x)
    for digits in range(17):
        if done.all():
            break
        candidate = np.round(x * 100.0, digits)
        hit = ~done & (candidate / 100.0 == x)
        out = np.where(hit, candidate, out)
        done |= hit
    for step in (np.inf, -np.inf):  # one ulp either side of x * 100
        if done.all():
            break
        candidate = np.nextafter(x * 100.0, step)
        hit = ~done & (candidate / 100.0 == x)
        out = np.where(hit, candidate, out)
        done |= hit
    return np.minimum(out, 100.0).tolist()


def _date(value: str, what: str) -> str:
    import datetime as dt

    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ValueError(f"{what} {value!r} is not a YYYY-MM-DD date") from None


def bods_suffix(path: Path) -> tuple[str, bool] | None:
    """(``".json"`` / ``".jsonl"`` / ``".ndjson"``, gzipped) for a BODS file name, else None."""
    name = path.name.lower()
    gz = name.endswith(".gz")
    stem = name[:-3] if gz else name
    for suffix in SUFFIXES:
        if stem.endswith(suffix):
            return suffix, gz
    return None


def bods_target(path: Path) -> tuple[str, bool]:
    """A file to write BODS to, checked before any work: its :func:`bods_suffix`."""
    found = bods_suffix(path)
    if found is None:
        raise ValueError(
            f"{path}: a BODS file is written as .jsonl, .ndjson or .json (a JSON array), "
            "optionally .gz: give a name that ends in .jsonl, .ndjson or .json"
        )
    if path.is_dir():
        raise ValueError(f"{path} is a folder; give a file name ending in .jsonl or .json")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{path}: the folder {path.parent} does not exist")
    return found


def _write_path(path: Path, statements: Iterator[str], format: str | None) -> int:
    suffix, gz = bods_target(path)
    fmt = format or ("json" if suffix == ".json" else "jsonl")
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        raw = open(partial, "wb")
        with raw:
            sink: IO[bytes] = (
                gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if gz else raw  # type: ignore[assignment]
            )
            with sink:
                count = _write_stream(sink, statements, fmt)
        os.replace(partial, path)
    finally:
        if partial.exists():
            partial.unlink()
    return count


def _write_stream(sink: Any, statements: Iterator[str], fmt: str) -> int:
    binary = not isinstance(sink, io.TextIOBase) and (
        isinstance(sink, (io.RawIOBase, io.BufferedIOBase)) or "b" in getattr(sink, "mode", "")
    )

    def put(text: str) -> None:
        sink.write(text.encode("utf-8") if binary else text)

    count = 0
    block: list[str] = []
    first = True
    if fmt == "json":
        put("[")
    for text in statements:
        if fmt == "json":
            text = ("\n" if first else ",\n") + text
            first = False
        else:
            text += "\n"
        block.append(text)
        count += 1
        if len(block) >= 4096:
            put("".join(block))
            block.clear()
    if block:
        put("".join(block))
    if fmt == "json":
        put("\n]\n" if count else "]\n")
    return count
