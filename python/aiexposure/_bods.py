"""Beneficial Ownership Data Standard (BODS) v0.4 statements -> nodes, interests, equity edges.

BODS v0.4 (https://standard.openownership.org/en/0.4.0/): each statement describes one record
(``recordType`` entity, person or relationship) in ``recordDetails``; relationships point at
``recordId`` strings of entities and persons, or carry an inline unspecified-party object with
a ``reason``. A record may be restated over time: the latest statement (statementDate, then
file order) holds, and a ``closed`` one ends the record.

The reading is the core's (rust/core/src/bods): a streaming parser that keeps only the
statement holding for each record and builds the tables as Arrow buffers, wrapped here
without a copy. Statement dicts are written as JSON Lines for it, so every input goes
through the same checks.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa

from . import _core
from .errors import InvalidBodsError, InvalidGraphError

SHARE_RANGES = ("range", "min", "mid", "max")
EDGE_INTERESTS = ("shareholding", "votingRights")

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
    return read_tables(statements_or_path, share_range, interest, as_of, interests=True)


def read_tables(
    statements_or_path: Any, share_range: str, interest: str, as_of: Any, *, interests: bool
) -> BodsData:
    """:func:`read_bods`; without ``interests`` the interests table is left empty (a graph
    needs only the nodes and edges: Graph.from_bods)."""
    if share_range not in SHARE_RANGES:
        raise ValueError(f"share_range must be one of {SHARE_RANGES}, not {share_range!r}")
    if interest not in EDGE_INTERESTS:
        raise ValueError(f"interest must be one of {EDGE_INTERESTS}, not {interest!r}")
    day = None if as_of is None else int(_date(as_of, "as_of").replace("-", ""))
    nodes, interests_, edges = _read(statements_or_path, share_range, interest, day, interests)
    return BodsData(
        nodes=_table(nodes, NODE_SCHEMA),
        interests=_table(interests_, INTEREST_SCHEMA),
        edges=_table(edges, EDGE_SCHEMA),
    )


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


def _read(source: Any, share_range: str, interest: str, as_of: int | None, interests: bool) -> Any:
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise InvalidBodsError(f"no BODS file at {str(path)!r}")
        return _core.read_bods_path(str(path), share_range, interest, as_of, interests)
    if hasattr(source, "read"):
        text = source.read()
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        return _core.read_bods_bytes(data, "input", share_range, interest, as_of, interests)
    if isinstance(source, dict):
        source = [source]
    if isinstance(source, Iterable) and not isinstance(source, (bytes, bytearray)):
        # One JSON array, a statement a line: an item that is itself a list stays one item.
        lines = ",\n".join(_json_line(st, i) for i, st in enumerate(source))
        data = f"[{lines}]".encode("ascii")
        return _core.read_bods_bytes(data, "input", share_range, interest, as_of, interests)
    raise TypeError(
        "from_bods takes a path, a file object or a list of statement dicts, not "
        f"{type(source).__name__}"
    )


def _json_line(statement: Any, position: int) -> str:
    """A statement dict as JSON, read as the reference read dicts: ASCII with escapes (a lone
    surrogate is then the core's error), values JSON lacks (a date) as their text, keys that
    are not strings left out (no field has one)."""
    try:
        return json.dumps(statement, allow_nan=False, default=str, skipkeys=True)
    except (TypeError, ValueError) as e:
        sid = statement.get("statementId") if isinstance(statement, dict) else None
        where = f"statement {sid}" if isinstance(sid, str) else f"statement #{position}"
        raise InvalidBodsError(
            f"{where} holds a value JSON cannot express ({e}); BODS statements are JSON",
            statement_ids=[sid] if isinstance(sid, str) else [],
        ) from None


def _date(value: Any, what: str) -> str:
    """An ISO date's YYYY-MM-DD part (date-times keep their date)."""
    text = str(value)[:10]
    if len(text) != 10 or text[4] != "-" or text[7] != "-" or not text.replace("-", "").isdigit():
        raise InvalidBodsError(f"{what} {value!r} is not a YYYY-MM-DD date")
    return text


# --- the core's buffers as Arrow arrays (no copy) -------------------------------------------


def _buffer(array: np.ndarray | None) -> pa.Buffer | None:
    return None if array is None else pa.py_buffer(array)


def _strings(offsets: np.ndarray, data: np.ndarray, valid: Any, nulls: int) -> pa.Array:
    return pa.StringArray.from_buffers(
        len(offsets) - 1, _buffer(offsets), _buffer(data), _buffer(valid), nulls
    )


def _array(layout: tuple[Any, ...]) -> pa.Array:
    kind, *parts = layout
    if kind == "str":
        return _strings(*parts)
    if kind == "float":
        values, valid, nulls = parts
        return pa.Array.from_buffers(
            pa.float64(), len(values), [_buffer(valid), _buffer(values)], nulls
        )
    if kind == "bool":
        bits, length, valid, nulls = parts
        return pa.Array.from_buffers(pa.bool_(), length, [_buffer(valid), _buffer(bits)], nulls)
    offsets, fields = parts
    values = pa.StructArray.from_arrays([_array(f) for f in fields], fields=list(IDENTIFIER))
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values, pa.list_(IDENTIFIER))


def _table(chunks: list[list[tuple[str, tuple[Any, ...]]]], schema: pa.Schema) -> pa.Table:
    """A table from the core's chunks of rows (one unless its texts pass 2 GiB)."""
    tables = []
    for columns in chunks:
        assert [name for name, _ in columns] == schema.names  # the core's order is the schema's
        tables.append(
            pa.Table.from_arrays([_array(layout) for _, layout in columns], schema=schema)
        )
    return pa.concat_tables(tables) if len(tables) > 1 else tables[0]


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
