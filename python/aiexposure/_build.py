"""Building a graph: the edge table validated and merged into the Rust CSR (``from_arrow``),
and stakes pinned for a what-if (``with_shares``). ``Graph`` calls these and wraps what they
return; nothing here knows the ``Graph`` class.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from . import _core
from ._handle import Handle
from ._ids import encode
from ._io import read_table
from ._nodes import Nodes
from ._stakes import Stakes, merged_stakes
from ._validate import (
    amount_values,
    check_ids_present,
    fail,
    kind_codes,
    select_columns,
    stake_values,
)
from ._vocabulary import KINDS, Kind
from .errors import InvalidGraphError

# Graphs of at least this many edges hand the heap their build freed back to the system.
RELEASE_AFTER_EDGES = 500_000

DEFAULT_NAMES = {
    "source": "source",
    "target": "target",
    "kind": "kind",
    "share": "share",
    "amount": "amount",
    "share_min": "share_min",
    "share_max": "share_max",
    "share_min_exclusive": "share_min_exclusive",
    "share_max_exclusive": "share_max_exclusive",
}


@dataclass(frozen=True)
class Built:
    """A built graph's parts: the handle, the edge table as given, the node attributes."""

    handle: Handle
    table: pa.Table
    node_attrs: pa.Table | None


def from_table(
    data: Any,
    names: dict[str, Any],
    nodes: Any,
    duplicates: str,
    allow_treasury: bool,
) -> Built:
    """Validate an edge table (``names``: the column of each role) and build its graph."""
    if duplicates not in ("sum", "error"):
        raise ValueError(f"duplicates must be 'sum' or 'error', not {duplicates!r}")
    table = read_table(data, id_columns=(names["source"], names["target"]))
    cols = select_columns(table, names, DEFAULT_NAMES)
    check_ids_present(cols)
    codes = kind_codes(cols)
    stakes = stake_values(cols, codes)
    amounts = amount_values(cols)

    node_list, node_attrs = _node_list(nodes) if nodes is not None else (None, None)
    id_columns = [(f"source column {names['source']!r}", cols.source)]
    id_columns.append((f"target column {names['target']!r}", cols.target))
    if node_list is not None:
        id_columns.insert(0, ("the nodes list", node_list))
    ids = encode(id_columns)
    labels = ids.labels
    src, dst = ids.codes[-2], ids.codes[-1]
    if node_list is not None:
        _check_node_list(ids.codes[0], labels)

    if not allow_treasury:
        loops = src == dst
        if len(codes):
            loops &= codes == Kind.EQUITY
        loops = np.flatnonzero(loops)
        if len(loops):
            who = [labels[int(src[r])].as_py() for r in loops[:10]]
            fail(
                f"equity self-loop (a firm holding its own shares) at {{rows}}: "
                f"{', '.join(map(repr, who))}; drop them or pass allow_treasury=True",
                loops,
                who,
            )

    node_labels = Nodes(labels)
    try:
        # The money graph holds every edge, at its minimum share (checked per issuer).
        core = node_labels.call(
            _core.build_graph, len(labels), src, dst, codes, stakes.lo, amounts, True
        )
    except InvalidGraphError as e:
        if stakes.exact or "sum to" not in str(e):
            raise
        raise InvalidGraphError(
            f"{e} (stakes given as a range or unknown count at their minimum: share_min, "
            "or 0 when unknown)",
            rows=e.rows,
            nodes=e.nodes,
        ) from None
    if duplicates == "error" and core.merged_duplicates:
        _raise_duplicates(src, dst, codes, labels)
    merged = None if stakes.exact else merged_stakes(core, src, dst, stakes)
    if node_attrs is not None:
        # Listed nodes come first in label order; the others get null attributes
        # (appended as a chunk: view types have no take kernel).
        extra = len(labels) - node_attrs.num_rows
        node_attrs = pa.table(
            {
                name: pa.chunked_array([*col.chunks, pa.nulls(extra, col.type)], col.type)
                for name, col in zip(node_attrs.column_names, node_attrs.columns, strict=True)
            }
        )
    uncertain = merged if merged is not None and merged.any_uncertain else None
    if len(src) >= RELEASE_AFTER_EDGES:
        # The build's temporaries (id encoding, stake columns) stay with malloc otherwise:
        # measured, 0.4 GB at 1M edges on top of the graph.
        _core.release_freed()
    return Built(Handle(core, node_labels, uncertain), table, node_attrs)


def pinned(h: Handle, shares: Mapping[tuple[Any, Any], float]) -> tuple[Handle, list[tuple]]:
    """The handle of a graph with the given equity stakes pinned, and the pins as
    (source, target, share) rows."""
    if not isinstance(shares, Mapping):
        raise TypeError("shares must be a mapping {(holder, issuer): fraction}")
    pins = []
    for key, value in shares.items():
        if not (isinstance(key, tuple) and len(key) == 2):
            raise TypeError(f"shares keys are (holder, issuer) pairs, not {key!r}")
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
            raise InvalidGraphError(f"the share pinned for {key!r} must be a number")
        value = float(value)
        if not (0.0 < value <= 1.0):
            raise InvalidGraphError(
                f"the share pinned for {key!r} is {value!r}; a stake is a fraction in "
                "(0, 1] (write 25% as 0.25)"
            )
        pins.append((h.nodes.index(key[0]), h.nodes.index(key[1]), value, key))
    src = np.array([p[0] for p in pins], dtype=np.uint32)
    dst = np.array([p[1] for p in pins], dtype=np.uint32)
    equity = np.full(len(pins), Kind.EQUITY, dtype=np.uint8)
    pos = h.call(h.core.edge_positions, src, dst, equity)
    missing = [p[3] for p, q in zip(pins, pos, strict=True) if q < 0]
    if missing:
        raise InvalidGraphError(
            f"no equity edge {missing[0][0]!r} -> {missing[0][1]!r} in the graph to pin "
            "a share on; with_shares sets stakes the data hold",
            nodes=list(missing[0]),
        )
    csr = h.csr
    st = h.stakes
    if st is None:
        lo, hi_raw = csr.share.copy(), csr.share.copy()
        lo_open = np.zeros(len(lo), dtype=bool)
        hi_open = lo_open.copy()
    else:
        lo, hi_raw = st.lo.copy(), st.hi_raw.copy()
        lo_open, hi_open = st.lo_open.copy(), st.hi_open.copy()
    for p, q in zip(pins, pos, strict=True):
        lo[q] = hi_raw[q] = p[2]
        lo_open[q] = hi_open[q] = False
    core = h.call(h.core.reweighted, np.nan_to_num(lo, nan=0.0), False, True, False)
    stakes = Stakes(np.where(csr.equity, lo, np.nan), hi_raw, lo_open, hi_open, csr.indices)
    handle = Handle(core, h.nodes, stakes if stakes.any_uncertain else None)
    return handle, [(p[3][0], p[3][1], p[2]) for p in pins]


def _node_list(nodes: Any) -> tuple[pa.ChunkedArray | None, pa.Table | None]:
    """The explicit node list as one column (None when it is empty and untyped), and the
    other columns of a node table (None when there are none)."""
    attrs = None
    if isinstance(nodes, pa.ChunkedArray):
        array = nodes
    elif isinstance(nodes, pa.Array):
        array = pa.chunked_array([nodes])
    elif isinstance(nodes, (list, tuple, np.ndarray)):
        try:
            array = pa.chunked_array([pa.array(nodes)])
        except (pa.ArrowException, TypeError, OverflowError) as e:
            raise InvalidGraphError(f"nodes must be all strings or all integers: {e}") from e
    else:
        table = read_table(nodes, "node table", id_columns=(0,))
        if table.num_columns < 1:
            raise InvalidGraphError("the node table has no column")
        array = table.column(0)
        if table.num_columns > 1:
            attrs = table.drop_columns([table.column_names[0]])
            if "node" in attrs.column_names:
                raise InvalidGraphError(
                    "the node table's first column is the node id; rename its other 'node' column"
                )
    if pa.types.is_null(array.type) and len(array) == 0:
        return None, attrs
    if array.null_count:
        rows = np.flatnonzero(array.is_null().to_numpy(zero_copy_only=False))
        fail("null node id in nodes at {rows}; drop those entries", rows)
    return array, attrs


def _check_node_list(codes: np.ndarray, labels: pa.Array) -> None:
    if len(codes) == 0 or codes.max() + 1 == len(codes):
        return
    counts = np.bincount(codes, minlength=len(labels))
    dup = np.flatnonzero(counts > 1)
    who = [labels[int(i)].as_py() for i in dup[:10]]
    raise InvalidGraphError(
        f"nodes lists {len(dup)} id(s) more than once: {', '.join(map(repr, who))}; "
        "each node must appear once",
        nodes=who,
    )


def _raise_duplicates(
    src: np.ndarray, dst: np.ndarray, codes: np.ndarray, labels: pa.Array
) -> None:
    if len(codes) == 0:  # no kind column: every edge is equity
        codes = np.zeros(len(src), dtype=np.uint8)
    order = np.lexsort((codes, dst, src))
    s, d, k = src[order], dst[order], codes[order]
    same = np.flatnonzero((s[1:] == s[:-1]) & (d[1:] == d[:-1]) & (k[1:] == k[:-1]))
    first = same[0]
    u, v = labels[int(s[first])].as_py(), labels[int(d[first])].as_py()
    rows = sorted({int(order[i]) for i in same} | {int(order[i + 1]) for i in same})
    fail(
        f"duplicate (source, target, kind) edges, e.g. {u!r} -> {v!r} ({KINDS[k[first]]}), at "
        "{rows}; merge them, or pass duplicates='sum' to add up their shares and amounts",
        rows,
        [u, v],
    )
