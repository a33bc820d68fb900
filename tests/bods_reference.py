"""The reference BODS v0.4 reader: the pure-Python reader aiexposure had before the streaming
reader of the core, kept as the plain reference the tests compare it with (same tables, bit
for bit, on valid input). Not a test module: pytest collects test_*.py only.

Beneficial Ownership Data Standard (BODS) v0.4 statements -> nodes, interests, equity edges.

BODS v0.4 (https://standard.openownership.org/en/0.4.0/): each statement describes one record
(``recordType`` entity, person or relationship) in ``recordDetails``; relationships point at
``recordId`` strings of entities and persons, or carry an inline unspecified-party object with
a ``reason``. A record may be restated over time: the latest statement (statementDate, then
file order) holds, and a ``closed`` one ends the record.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

from aiexposure.errors import InvalidBodsError, InvalidGraphError

SHARE_RANGES = ("range", "min", "mid", "max")
EDGE_INTERESTS = ("shareholding", "votingRights")
RECORD_TYPES = ("entity", "person", "relationship")
UNKNOWN_ENTITY_TYPES = ("anonymousEntity", "unknownEntity")
UNKNOWN_PERSON_TYPES = ("anonymousPerson", "unknownPerson")
V04_DOCS = "https://standard.openownership.org/en/0.4.0/"

IDENTIFIER = pa.struct(
    [
        ("scheme", pa.string()),
        ("scheme_name", pa.string()),
        ("id", pa.string()),
        ("uri", pa.string()),
    ]
)


@dataclass(frozen=True)
class BodsData:
    """What :func:`read_bods` found.

    ``nodes``: one row per entity, person or unspecified party (``node``, ``record_type``,
    ``name``, ``type``, ``jurisdiction``, ``identifiers``, ``unknown``, ``unknown_reason``,
    ``unknown_description``, ``statement_id``, ``statement_date``, ``record_status``).

    ``interests``: one row per interest of the latest statement of every relationship
    record, with its declared share range in percent and ``use``: what became of it
    (``edge``, ``indirect``, ``other type``, ``no share``, ``zero share``, ``ended``,
    ``not yet started``, ``record closed``).

    ``edges``: the equity edges (``source`` the interested party, ``target`` the subject,
    ``kind``, ``share``, ``shareholding``, ``voting_rights``, ``statement_id``,
    ``record_id``), ready for :meth:`Graph.from_arrow`.

    >>> from aiexposure import read_bods
    >>> data = read_bods([])
    >>> data.nodes.num_rows, data.interests.num_rows, data.edges.column_names[:4]
    (0, 0, ['source', 'target', 'kind', 'share'])
    """

    nodes: pa.Table
    interests: pa.Table
    edges: pa.Table


def read_bods(
    statements_or_path: Any,
    *,
    share_range: Literal["range", "min", "mid", "max"] = "range",
    interest: Literal["shareholding", "votingRights"] = "shareholding",
    as_of: str | None = None,
) -> BodsData:
    """Read BODS v0.4 statements: a path to a JSON array or JSON Lines file (``.gz`` too), a
    file object, or an iterable of statement dicts, into a :class:`BodsData` of nodes,
    interests (each with what became of it) and equity edges. The conventions are those of
    :meth:`Graph.from_bods`.

    >>> from aiexposure import read_bods
    >>> def st(n, rid, rtype, details):
    ...     return {"statementId": str(n) * 32, "statementDate": "2026-01-01",
    ...             "declarationSubject": "a", "recordId": rid, "recordType": rtype,
    ...             "recordDetails": {"isComponent": False, **details}}
    >>> data = read_bods([
    ...     st(1, "a", "entity", {"entityType": {"type": "registeredEntity"}, "name": "A"}),
    ...     st(2, "r", "relationship", {"subject": "a",
    ...        "interestedParty": {"reason": "subjectExemptFromDisclosure"},
    ...        "interests": [{"type": "votingRights", "share": {"exact": 40}}]})])
    >>> data.nodes.select(["node", "unknown_reason"]).to_pylist()[1]
    {'node': 'unspecified interestedParty of r', 'unknown_reason': 'subjectExemptFromDisclosure'}
    >>> data.interests.select(["type", "share_exact", "use"]).to_pylist()
    [{'type': 'votingRights', 'share_exact': 40.0, 'use': 'other type'}]
    """
    if share_range not in SHARE_RANGES:
        raise ValueError(f"share_range must be one of {SHARE_RANGES}, not {share_range!r}")
    if interest not in EDGE_INTERESTS:
        raise ValueError(f"interest must be one of {EDGE_INTERESTS}, not {interest!r}")
    if as_of is not None:
        as_of = _date(as_of, "as_of")
    statements = _load(statements_or_path)
    latest = _latest_statements(statements, as_of)
    return _Builder(latest, share_range, interest, as_of).build()


# --- loading --------------------------------------------------------------------------------


def data_model_error(e: InvalidGraphError, edges: pa.Table, share_range: str) -> InvalidBodsError:
    """A data-model error on the edges built from BODS, told by statementId rather than by
    row number: the error's rows (or, for an over-held issuer, its holders' rows) are the
    edge rows, each from one relationship statement."""
    rows = e.rows
    if not rows and e.nodes:  # an over-held issuer: the statements of its holders
        targets = edges["target"].to_pylist()
        rows = [r for r, t in enumerate(targets) if t == e.nodes[0]]
    ids = edges["statement_id"].take(pa.array(rows, pa.int64())).to_pylist()
    message = e.located(f"relationship statement(s) {', '.join(ids[:10])}")
    if "above 1" in message:
        message += f". Shares were read with share_range={share_range!r}" + (
            "; 'range' (the default) or 'min' keep consistent data within 100%"
            if share_range not in ("min", "range")
            else ""
        )
    return InvalidBodsError(message, statement_ids=ids, nodes=e.nodes)


def _load(source: Any) -> list[dict[str, Any]]:
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise InvalidBodsError(f"no BODS file at {str(path)!r}")
        opener = gzip.open if path.suffix == ".gz" else open
        try:
            with opener(path, "rt", encoding="utf-8") as f:
                return _parse(f.read(), path.name)
        except (UnicodeDecodeError, OSError) as e:
            raise InvalidBodsError(f"{path.name}: cannot read it as UTF-8 JSON text: {e}") from e
    if hasattr(source, "read"):
        text = source.read()
        return _parse(text.decode("utf-8") if isinstance(text, bytes) else text, "input")
    if isinstance(source, dict):
        return [source]
    if isinstance(source, Iterable) and not isinstance(source, (bytes, bytearray)):
        return list(source)
    raise TypeError(
        "from_bods takes a path, a file object or a list of statement dicts, not "
        f"{type(source).__name__}"
    )


def _parse(text: str, name: str) -> list[dict[str, Any]]:
    body = text.lstrip()
    if body.startswith("["):
        try:
            data = json.loads(body)
        except json.JSONDecodeError as e:
            raise InvalidBodsError(
                f"{name}: not valid JSON at line {e.lineno}, column {e.colno}: {e.msg}"
            ) from None
        return data
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as e:
            raise InvalidBodsError(
                f"{name} line {number}: not valid JSON ({e.msg}); BODS files are a JSON array "
                "of statements or JSON Lines, one statement per line"
            ) from None
    return out


def _date(value: Any, what: str, sid: str | None = None) -> str:
    """An ISO date's YYYY-MM-DD part (date-times keep their date)."""
    text = str(value)[:10]
    if len(text) != 10 or text[4] != "-" or text[7] != "-" or not text.replace("-", "").isdigit():
        raise InvalidBodsError(
            f"{what} {value!r} is not a YYYY-MM-DD date", statement_ids=[sid] if sid else []
        )
    return text


def _latest_statements(
    statements: list[Any], as_of: str | None
) -> dict[str, tuple[int, dict[str, Any]]]:
    """recordId -> (position, statement) of the statement that holds for each record: the
    latest (statementDate, then file order), on or before ``as_of`` when given. Entities and
    persons only describe a party, so one whose statements are all after ``as_of`` keeps its
    first; a relationship declared only after ``as_of`` does not exist yet."""
    seen: set[str] = set()
    history: dict[str, list[tuple[str, int, dict[str, Any]]]] = {}
    for position, st in enumerate(statements):
        sid = _check_statement(st, position, seen)
        date = _date(st["statementDate"], f"statement {sid}: statementDate", sid)
        history.setdefault(st["recordId"], []).append((date, position, st))
    out = {}
    for rid, versions in history.items():
        versions.sort(key=lambda v: v[:2])
        types = {v[2]["recordType"] for v in versions}
        if len(types) > 1:
            ids = [v[2]["statementId"] for v in versions]
            raise InvalidBodsError(
                f"recordId {rid!r} is used by statements of different recordTypes "
                f"({', '.join(sorted(types))}): statements {', '.join(ids[:10])}",
                statement_ids=ids,
            )
        known = [v for v in versions if as_of is None or v[0] <= as_of]
        if not known and versions[0][2]["recordType"] != "relationship":
            known = versions[:1]
        if known:
            out[rid] = (known[-1][1], known[-1][2])
    return out


def _check_statement(st: Any, position: int, seen: set[str]) -> str:
    if not isinstance(st, dict):
        raise InvalidBodsError(f"statement #{position} is a {type(st).__name__}, not an object")
    sid = st.get("statementId", st.get("statementID"))
    where = f"statement {sid}" if isinstance(sid, str) else f"statement #{position}"
    details = st.get("publicationDetails")
    version = str(details.get("bodsVersion", "")) if isinstance(details, dict) else ""
    if "statementType" in st or "statementID" in st or version in ("0.1", "0.2", "0.3"):
        shape = st.get("statementType", f"bodsVersion {version or '< 0.4'}")
        raise InvalidBodsError(
            f"{where} is BODS v0.3 or older ({shape}); aiexposure reads BODS v0.4 statements "
            f"(recordId, recordType, recordDetails): convert the data to v0.4 ({V04_DOCS})",
            statement_ids=[sid] if isinstance(sid, str) else [],
        )
    if not isinstance(sid, str) or not sid:
        raise InvalidBodsError(f"{where} has no statementId string")
    if sid in seen:
        raise InvalidBodsError(
            f"statementId {sid} appears twice; each statement needs its own", statement_ids=[sid]
        )
    seen.add(sid)
    for key in ("recordId", "recordType", "recordDetails", "statementDate"):
        if key not in st:
            raise InvalidBodsError(f"{where} has no {key}", statement_ids=[sid])
    if not isinstance(st["recordId"], str) or not st["recordId"]:
        raise InvalidBodsError(
            f"{where}: recordId must be a non-empty string, not {st['recordId']!r}",
            statement_ids=[sid],
        )
    if st["recordType"] not in RECORD_TYPES:
        raise InvalidBodsError(
            f"{where}: recordType {st['recordType']!r} is not one of {RECORD_TYPES}",
            statement_ids=[sid],
        )
    if not isinstance(st["recordDetails"], dict):
        raise InvalidBodsError(f"{where}: recordDetails must be an object", statement_ids=[sid])
    return sid


# --- building -------------------------------------------------------------------------------


class _Builder:
    def __init__(
        self,
        latest: dict[str, tuple[int, dict[str, Any]]],
        share_range: str,
        interest: str,
        as_of: str | None,
    ) -> None:
        self.records = sorted(latest.values(), key=lambda p: p[0])
        self.share_range, self.interest, self.as_of = share_range, interest, as_of
        self.kind_of = {st["recordId"]: st["recordType"] for _, st in self.records}
        self.nodes: list[dict[str, Any]] = []
        self.interests: list[dict[str, Any]] = []
        self.edges: list[dict[str, Any]] = []

    def build(self) -> BodsData:
        for _, st in self.records:
            if st["recordType"] != "relationship":
                self.nodes.append(_party_row(st))
        for _, st in self.records:
            if st["recordType"] == "relationship":
                self._relationship(st)
        return BodsData(
            nodes=pa.Table.from_pylist(self.nodes, schema=NODE_SCHEMA),
            interests=pa.Table.from_pylist(self.interests, schema=INTEREST_SCHEMA),
            edges=pa.Table.from_pylist(self.edges, schema=EDGE_SCHEMA),
        )

    def _party(self, st: dict[str, Any], role: str) -> str:
        """The node id of a relationship's subject or interested party."""
        sid, rid, details = st["statementId"], st["recordId"], st["recordDetails"]
        ref = details.get(role)
        if isinstance(ref, dict):
            reason = ref.get("reason")
            if not isinstance(reason, str):
                raise InvalidBodsError(
                    f"statement {sid}: an unspecified {role} needs a 'reason' string",
                    statement_ids=[sid],
                )
            node = f"unspecified {role} of {rid}"
            if node in self.kind_of:
                raise InvalidBodsError(
                    f"statement {sid}: the recordId {node!r} clashes with the id given to the "
                    f"unspecified {role} of relationship {rid}; rename that record",
                    statement_ids=[sid],
                )
            self.kind_of[node] = "unspecified"
            self.nodes.append(_unspecified_row(node, ref, st))
            return node
        if not isinstance(ref, str):
            raise InvalidBodsError(
                f"statement {sid}: relationship {rid} needs a {role} (a recordId string or an "
                "unspecified-party object with a reason)",
                statement_ids=[sid],
            )
        kind = self.kind_of.get(ref)
        if kind is None:
            raise InvalidBodsError(
                f"statement {sid}: {role} {ref!r} of relationship {rid} is not the recordId of "
                "any entity or person statement in the input; include that statement, or give "
                "an unspecified-party object with a reason",
                statement_ids=[sid],
            )
        if role == "subject" and kind != "entity":
            raise InvalidBodsError(
                f"statement {sid}: the subject {ref!r} of relationship {rid} is a {kind}; a "
                "subject must be an entity",
                statement_ids=[sid],
            )
        if kind == "relationship":
            raise InvalidBodsError(
                f"statement {sid}: {role} {ref!r} of relationship {rid} is a relationship "
                "record; it must be an entity or a person",
                statement_ids=[sid],
            )
        return ref

    def _relationship(self, st: dict[str, Any]) -> None:
        sid, rid, details = st["statementId"], st["recordId"], st["recordDetails"]
        subject = self._party(st, "subject")
        holder = self._party(st, "interestedParty")
        interests = details.get("interests", [])
        if not isinstance(interests, list):
            raise InvalidBodsError(
                f"statement {sid}: interests must be a list", statement_ids=[sid]
            )
        closed = st.get("recordStatus") == "closed"
        rows = []
        for i in interests:
            if not isinstance(i, dict):
                raise InvalidBodsError(
                    f"statement {sid}: each interest must be an object", statement_ids=[sid]
                )
            low, high, exact, low_open, high_open = _share_range(i.get("share"), sid)
            beneficial = i.get("beneficialOwnershipOrControl")
            row = {
                "statement_id": sid,
                "record_id": rid,
                "interested_party": holder,
                "subject": subject,
                "type": _text(i.get("type")),
                "direct_or_indirect": _text(i.get("directOrIndirect")),
                "share_exact": exact,
                "share_min": low,
                "share_max": high,
                "share_min_exclusive": low_open,
                "share_max_exclusive": high_open,
                "beneficial_ownership_or_control": beneficial
                if isinstance(beneficial, bool)
                else None,
                "start_date": _text(i.get("startDate")),
                "end_date": _text(i.get("endDate")),
                "details": _text(i.get("details")),
            }
            row["use"] = self._use(row, closed, sid)
            rows.append(row)
        self.interests.extend(rows)
        used = [r for r in rows if r["use"] == "edge"]
        if not used:
            return  # voting rights alone (or the reverse) make no equity edge
        edge: dict[str, Any] = {
            "source": holder,
            "target": subject,
            "kind": "equity",
            "statement_id": sid,
            "record_id": rid,
        }
        if self.share_range == "range":
            # Several direct interests of the type are share classes: their bounds add up. An
            # interest declaring no figure is an unknown stake: (0, 100%].
            exacts = [r["share_exact"] for r in used]
            lows = [0.0 if r["share_min"] is None else r["share_min"] for r in used]
            highs = [100.0 if r["share_max"] is None else r["share_max"] for r in used]
            edge["share"] = sum(exacts) / 100.0 if None not in exacts else None
            edge["share_min"] = None if edge["share"] is not None else sum(lows) / 100.0
            edge["share_max"] = None if edge["share"] is not None else min(sum(highs), 100.0) / 100
            edge["share_min_exclusive"] = any(
                r["share_min_exclusive"] or r["share_min"] is None for r in used
            )
            edge["share_max_exclusive"] = any(r["share_max_exclusive"] for r in used)
        else:
            edge["share"] = sum(self._pick(r) for r in used)
        for name, column in (("shareholding", "shareholding"), ("votingRights", "voting_rights")):
            # Both types side by side, each from the direct interests that declare a share.
            values = [
                self._pick(r)
                for r in rows
                if r["type"] == name
                and r["use"] in ("edge", "other type")
                and r["direct_or_indirect"] != "indirect"
                and r["share_min"] is not None
                and (self.share_range != "range" or r["share_exact"] is not None)
            ]
            # With share_range="range" these columns hold exact figures only (the ranges are
            # in share_min / share_max).
            edge[column] = sum(values) if values else None
        self.edges.append(edge)

    def _use(self, row: dict[str, Any], closed: bool, sid: str) -> str:
        if closed:
            return "record closed"
        start, end = row["start_date"], row["end_date"]
        if end is not None and (
            self.as_of is None or _date(end, f"statement {sid}: endDate", sid) <= self.as_of
        ):
            return "ended"
        if (
            start is not None
            and self.as_of is not None
            and _date(start, f"statement {sid}: startDate", sid) > self.as_of
        ):
            return "not yet started"
        if row["type"] != self.interest:
            return "other type"
        if row["direct_or_indirect"] == "indirect":
            return "indirect"  # the chain of direct holdings carries it; counting it twice is wrong
        if row["share_min"] is None:
            # A holding whose figure is not declared: an unknown stake under "range"; the
            # point choices need a figure.
            return "edge" if self.share_range == "range" else "no share"
        if self.share_range == "range":
            return "zero share" if row["share_max"] <= 0.0 else "edge"
        if self._pick(row) <= 0.0:
            return "zero share"
        return "edge"

    def _pick(self, row: dict[str, Any]) -> float:
        """The share under ``share_range``, as a fraction."""
        low, high = row["share_min"], row["share_max"]
        # "range" keeps intervals on the edge; a point is asked for exact figures only.
        choice = "min" if self.share_range == "range" else self.share_range
        value = {"min": low, "max": high, "mid": (low + high) / 2}[choice]
        return value / 100.0


def _share_range(
    share: Any, sid: str
) -> tuple[float | None, float | None, float | None, bool, bool]:
    """(low, high, exact, low open, high open) in percent; Nones when no figure is declared.
    A missing bound of a range is 0 (low, open) or 100 (high); an exclusive bound is the bound
    itself, marked open."""
    if share is None:
        return None, None, None, False, False
    if not isinstance(share, dict):
        raise InvalidBodsError(f"statement {sid}: share must be an object", statement_ids=[sid])
    values = {}
    for key in ("exact", "minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        if key not in share:
            continue
        v = share[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 100:
            raise InvalidBodsError(
                f"statement {sid}: share.{key} = {v!r} must be a number of percent in [0, 100]",
                statement_ids=[sid],
            )
        values[key] = float(v)
    if "exact" in values:
        return values["exact"], values["exact"], values["exact"], False, False
    lows = [values[k] for k in ("minimum", "exclusiveMinimum") if k in values]
    highs = [values[k] for k in ("maximum", "exclusiveMaximum") if k in values]
    if not lows and not highs:
        return None, None, None, False, False
    low, high = max(lows, default=0.0), min(highs, default=100.0)
    low_open = not lows or ("exclusiveMinimum" in values and values["exclusiveMinimum"] == low)
    high_open = "exclusiveMaximum" in values and values["exclusiveMaximum"] == high
    if low > high:
        raise InvalidBodsError(
            f"statement {sid}: share range [{low:g}, {high:g}] has its minimum above its maximum",
            statement_ids=[sid],
        )
    return low, high, None, low_open, high_open


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _list(value: Any) -> list[Any]:
    """A descriptive list field (identifiers, names, nationalities); another shape describes
    nothing we can read, like a non-object entry inside one."""
    return value if isinstance(value, list) else []


def _identifiers(details: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for ident in _list(details.get("identifiers")):
        if isinstance(ident, dict):
            out.append(
                {
                    "scheme": _text(ident.get("scheme")),
                    "scheme_name": _text(ident.get("schemeName")),
                    "id": _text(ident.get("id")),
                    "uri": _text(ident.get("uri")),
                }
            )
    return out


def _person_name(details: dict[str, Any]) -> str | None:
    names = [n for n in _list(details.get("names")) if isinstance(n, dict)]
    names.sort(key=lambda n: n.get("type") != "legal")  # the legal name first
    for n in names:
        full = n.get("fullName") or " ".join(
            str(n[k]) for k in ("givenName", "familyName") if n.get(k)
        )
        if full:
            return str(full)
    return None


def _party_row(st: dict[str, Any]) -> dict[str, Any]:
    details = st["recordDetails"]
    if st["recordType"] == "entity":
        entity_type = details.get("entityType")
        kind = _text(entity_type.get("type")) if isinstance(entity_type, dict) else None
        unspecified = details.get("unspecifiedEntityDetails")
        unknown = kind in UNKNOWN_ENTITY_TYPES or isinstance(unspecified, dict)
        name = _text(details.get("name"))
        jurisdiction = details.get("jurisdiction")
        place = (
            _text(jurisdiction.get("code") or jurisdiction.get("name"))
            if isinstance(jurisdiction, dict)
            else None
        )
    else:
        kind = _text(details.get("personType"))
        unspecified = details.get("unspecifiedPersonDetails")
        unknown = kind in UNKNOWN_PERSON_TYPES or isinstance(unspecified, dict)
        name = _person_name(details)
        nationalities = [n for n in _list(details.get("nationalities")) if isinstance(n, dict)]
        place = (
            _text(nationalities[0].get("code") or nationalities[0].get("name"))
            if (nationalities)
            else None
        )
    spec = unspecified if isinstance(unspecified, dict) else {}
    return {
        "node": st["recordId"],
        "record_type": st["recordType"],
        "name": name,
        "type": kind,
        "jurisdiction": place,
        "identifiers": _identifiers(details),
        "unknown": unknown,
        "unknown_reason": _text(spec.get("reason")) or (kind if unknown else None),
        "unknown_description": _text(spec.get("description")),
        "statement_id": st["statementId"],
        "statement_date": _date(st["statementDate"], "statementDate"),
        "record_status": _text(st.get("recordStatus")),
    }


def _unspecified_row(node: str, ref: dict[str, Any], st: dict[str, Any]) -> dict[str, Any]:
    return {
        "node": node,
        "record_type": "unspecified",
        "name": None,
        "type": None,
        "jurisdiction": None,
        "identifiers": [],
        "unknown": True,
        "unknown_reason": ref["reason"],
        "unknown_description": _text(ref.get("description")),
        "statement_id": st["statementId"],
        "statement_date": _date(st["statementDate"], "statementDate"),
        "record_status": _text(st.get("recordStatus")),
    }


NODE_SCHEMA = pa.schema(
    [
        ("node", pa.string()),
        ("record_type", pa.string()),
        ("name", pa.string()),
        ("type", pa.string()),
        ("jurisdiction", pa.string()),
        ("identifiers", pa.list_(IDENTIFIER)),
        ("unknown", pa.bool_()),
        ("unknown_reason", pa.string()),
        ("unknown_description", pa.string()),
        ("statement_id", pa.string()),
        ("statement_date", pa.string()),
        ("record_status", pa.string()),
    ]
)
INTEREST_SCHEMA = pa.schema(
    [
        ("statement_id", pa.string()),
        ("record_id", pa.string()),
        ("interested_party", pa.string()),
        ("subject", pa.string()),
        ("type", pa.string()),
        ("direct_or_indirect", pa.string()),
        ("share_exact", pa.float64()),
        ("share_min", pa.float64()),
        ("share_max", pa.float64()),
        ("share_min_exclusive", pa.bool_()),
        ("share_max_exclusive", pa.bool_()),
        ("beneficial_ownership_or_control", pa.bool_()),
        ("start_date", pa.string()),
        ("end_date", pa.string()),
        ("details", pa.string()),
        ("use", pa.string()),
    ]
)
EDGE_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("target", pa.string()),
        ("kind", pa.string()),
        ("share", pa.float64()),
        ("share_min", pa.float64()),
        ("share_max", pa.float64()),
        ("share_min_exclusive", pa.bool_()),
        ("share_max_exclusive", pa.bool_()),
        ("shareholding", pa.float64()),
        ("voting_rights", pa.float64()),
        ("statement_id", pa.string()),
        ("record_id", pa.string()),
    ]
)
