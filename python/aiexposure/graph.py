"""The investor graph: validated edges in a Rust CSR, node labels as an Arrow array."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pyarrow as pa

from . import _core
from ._ids import encode
from ._io import read_table
from ._stakes import Stakes, merged_stakes
from ._validate import (
    EQUITY,
    KINDS,
    amount_values,
    check_ids_present,
    fail,
    kind_codes,
    select_columns,
    stake_values,
)
from ._vocabulary import STAKE_RENAMES, with_old_names
from .errors import AIExposureError, InvalidBodsError, InvalidGraphError, name_nodes

if TYPE_CHECKING:
    import networkx

    from ._cycles import CircularFinancing

__all__ = ["Graph"]

_DEFAULT_NAMES = {
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


class Graph:
    """A validated investor graph: equity holdings, credit and spending commitments.

    Build one with :meth:`Graph.from_arrow` (any Arrow table, DataFrame or file) or
    :meth:`Graph.from_networkx`. Nodes keep the type of the input ids; they are numbered in
    order of first appearance (explicit ``nodes`` first, then ``source``, then ``target``).
    Duplicate (source, target, kind) rows are merged by summing ``share`` and ``amount``
    (an unknown amount makes the sum unknown) unless ``duplicates="error"``.

    >>> from aiexposure import Graph
    >>> g = Graph.from_arrow({
    ...     "source": ["Amazon", "OpenAI"],
    ...     "target": ["OpenAI", "Amazon"],
    ...     "kind": ["equity", "commitment"],
    ...     "share": [0.07, None],
    ...     "amount": [50e9, 138e9],
    ... })
    >>> g.num_nodes, g.num_edges
    (2, 2)
    >>> g.nodes.to_pylist()
    ['Amazon', 'OpenAI']
    """

    __slots__ = (
        "_assumptions",
        "_core",
        "_lookup",
        "_memo",
        "_node_attrs",
        "_nodes",
        "_stakes",
        "_table",
    )

    def __init__(self) -> None:
        raise TypeError("build a Graph with Graph.from_arrow(...) or Graph.from_networkx(...)")

    @classmethod
    def _wrap(
        cls, core: Any, nodes: pa.Array, table: pa.Table, node_attrs: pa.Table | None = None
    ) -> Graph:
        self = object.__new__(cls)
        self._core = core
        self._nodes = nodes
        self._table = table
        self._node_attrs = node_attrs
        self._lookup = None
        self._stakes: Stakes | None = None
        self._assumptions: list[tuple[Any, Any, float]] = []
        # Derived arrays the methods compute once per graph (the graph is immutable).
        self._memo: dict[str, Any] = {}
        return self

    def _lookup_nodes(self) -> pa.Array:
        """The labels in a type Arrow's compute kernels (take, index_in, equal) accept: view
        types have few kernels, so string_view / binary_view ids are looked up as large
        string / binary (cast once, cached)."""
        if self._lookup is None:
            self._lookup = _compute_type(self._nodes)
        return self._lookup

    def _take_nodes(self, indices: Any) -> pa.Array:
        """Labels at ``indices`` (nulls stay null), in the input's id type."""
        taken = self._lookup_nodes().take(indices)
        return taken if taken.type == self._nodes.type else taken.cast(self._nodes.type)

    @classmethod
    def from_arrow(
        cls,
        data: Any,
        *,
        source: str = "source",
        target: str = "target",
        kind: str | None = "kind",
        share: str | None = "share",
        amount: str | None = "amount",
        nodes: Any = None,
        duplicates: Literal["sum", "error"] = "sum",
        allow_treasury: bool = False,
        share_min: str | None = "share_min",
        share_max: str | None = "share_max",
        share_min_exclusive: str | None = "share_min_exclusive",
        share_max_exclusive: str | None = "share_max_exclusive",
    ) -> Graph:
        """Build a graph from an edge table.

        ``data`` is a pyarrow Table / RecordBatch / RecordBatchReader, a polars or pandas
        DataFrame, a DuckDB relation, any object with ``__arrow_c_stream__``, a dict of
        columns, or a path to a .parquet / .arrow / .feather / .ipc / .csv file (a CSV's id
        columns are read as strings, so ``007`` keeps its zeros; for integer ids read it with
        ``pyarrow.csv.read_csv`` and pass the table). The keyword
        arguments name the columns; ``kind``, ``share`` and ``amount`` may be absent (every
        edge is then equity, shares required; amounts unknown). Extra columns are kept and
        come back from :meth:`edges`. ``nodes`` (an Arrow array, list, or a table whose first
        column is the node id) adds isolated nodes and fixes the node order; a table's other
        columns are node attributes, returned by :attr:`node_table`. Self-loops on equity
        edges (treasury shares) are refused unless ``allow_treasury=True``.

        Stakes are intervals (docs/math.md, "Partial information"): an equity edge carries
        ``share`` (exact), or ``share_min`` / ``share_max`` (a declared range; a missing side
        is 0, open, or 1; the boolean columns ``share_min_exclusive`` /
        ``share_max_exclusive`` mark open bounds), or neither (unknown: (0, 1]). The
        minimums held in one issuer must sum to at most 1; each upper bound is capped at 1
        minus the other holders' minimums. Every edge stays in the money graph whatever is
        known of its stake; exposure results then come with ``<column>_min`` /
        ``<column>_max`` bounds.

        Raises :class:`InvalidGraphError` naming the rows, nodes or column at fault.

        >>> import pyarrow as pa
        >>> from aiexposure import Graph
        >>> t = pa.table({"holder": [1, 2], "issuer": [2, 3], "pct": [0.5, 0.25]})
        >>> g = Graph.from_arrow(t, source="holder", target="issuer", share="pct")
        >>> g.nodes.type, g.nodes.to_pylist()
        (DataType(int64), [1, 2, 3])
        """
        if duplicates not in ("sum", "error"):
            raise ValueError(f"duplicates must be 'sum' or 'error', not {duplicates!r}")
        table = read_table(data, id_columns=(source, target))
        names = {
            "source": source,
            "target": target,
            "kind": kind,
            "share": share,
            "amount": amount,
            "share_min": share_min,
            "share_max": share_max,
            "share_min_exclusive": share_min_exclusive,
            "share_max_exclusive": share_max_exclusive,
        }
        cols = select_columns(table, names, _DEFAULT_NAMES)
        check_ids_present(cols)
        codes = kind_codes(cols)
        stakes = stake_values(cols, codes)
        amounts = amount_values(cols)

        node_list, node_attrs = _node_list(nodes) if nodes is not None else (None, None)
        id_columns = [(f"source column {source!r}", cols.source)]
        id_columns.append((f"target column {target!r}", cols.target))
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
                loops &= codes == EQUITY
            loops = np.flatnonzero(loops)
            if len(loops):
                names_ = [labels[int(src[r])].as_py() for r in loops[:10]]
                fail(
                    f"equity self-loop (a firm holding its own shares) at {{rows}}: "
                    f"{', '.join(map(repr, names_))}; drop them or pass allow_treasury=True",
                    loops,
                    names_,
                )

        try:
            with _named(labels):
                # The money graph holds every edge, at its minimum share (checked per issuer).
                core = _core.build_graph(len(labels), src, dst, codes, stakes.lo, amounts, True)
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
        graph = cls._wrap(core, labels, table, node_attrs)
        if merged is not None and merged.any_uncertain:
            graph._stakes = merged
        return graph

    @classmethod
    def from_bods(
        cls,
        statements_or_path: Any,
        *,
        share_range: Literal["range", "min", "mid", "max"] = "range",
        interest: Literal["shareholding", "votingRights"] = "shareholding",
        as_of: str | None = None,
        allow_treasury: bool = False,
    ) -> Graph:
        """Build a graph from Beneficial Ownership Data Standard v0.4 statements: a path to a
        JSON array or JSON Lines file (``.gz`` too), a file object, or a list of statement
        dicts. Conventions (docs/bods.md):

        * Nodes: every entity and person record, by ``recordId``; an interested party given
          inline as an unspecified-party object becomes the node ``"unspecified
          interestedParty of <relationship recordId>"`` flagged ``unknown`` with its
          ``reason`` kept. :attr:`node_table` has name, type, jurisdiction, identifiers and
          the unknown flags. The latest statement of a record holds; relationship records
          whose latest statement is ``closed`` give no edge.
        * Edges: each relationship's direct (or undeclared) ``interest`` interests become
          one equity edge interested party -> subject. With ``share_range="range"`` (the
          default) an exact share is used as it is, a declared range (``minimum`` /
          ``exclusiveMinimum``, ``maximum`` / ``exclusiveMaximum``; a missing bound is 0,
          open, or 100) becomes the interval stake ``share_min`` / ``share_max`` with its
          open ends, and an interest declaring no figure an unknown stake (0, 1]: the
          exposure results then carry bounds. ``"min"``, ``"mid"`` and ``"max"`` are explicit
          point choices (interests without a figure then give no edge). Indirect interests
          are not edges: the chain of direct holdings carries them and the exposure methods
          recompute them.
        * Voting rights are kept apart from shareholding: never added into ``share``, they
          ride along in the edge table's ``voting_rights`` column (``shareholding`` holds the
          shareholding share); ``interest="votingRights"`` builds the graph on votes instead.
        * Interests with an ``endDate`` count as ended, unless ``as_of`` (YYYY-MM-DD) is
          given: then statements after it are ignored, and interests count if started on or
          before it and not ended by it.

        :func:`read_bods` returns the same nodes, edges and every interest with what became
        of it. Raises :class:`InvalidBodsError` naming the statementId at fault (v0.3 input
        gets a message saying v0.4 is needed).

        >>> from aiexposure import Graph
        >>> def st(sid, rid, rtype, details):
        ...     return {"statementId": sid * 32, "statementDate": "2026-01-01",
        ...             "declarationSubject": "a", "recordId": rid, "recordType": rtype,
        ...             "recordDetails": {"isComponent": False, **details}}
        >>> g = Graph.from_bods([
        ...     st("1", "a", "entity", {"entityType": {"type": "registeredEntity"},
        ...                             "name": "Alpha Ltd"}),
        ...     st("2", "p", "person", {"personType": "knownPerson",
        ...                             "names": [{"fullName": "Pat Doe"}]}),
        ...     st("3", "r", "relationship", {"subject": "a", "interestedParty": "p",
        ...        "interests": [{"type": "shareholding", "directOrIndirect": "direct",
        ...                       "share": {"minimum": 25, "exclusiveMaximum": 50}}]})])
        >>> st = g.stakes(legacy_columns=False)
        >>> st.select(["source", "share_min", "share_max", "share_max_exclusive"]).to_pylist()
        [{'source': 'p', 'share_min': 0.25, 'share_max': 0.5, 'share_max_exclusive': True}]
        >>> g.node_table.select(["node", "name"]).to_pylist()
        [{'node': 'a', 'name': 'Alpha Ltd'}, {'node': 'p', 'name': 'Pat Doe'}]
        """
        from ._bods import read_bods

        data = read_bods(
            statements_or_path, share_range=share_range, interest=interest, as_of=as_of
        )
        try:
            return cls.from_arrow(data.edges, nodes=data.nodes, allow_treasury=allow_treasury)
        except InvalidGraphError as e:
            raise _bods_error(e, data.edges, share_range) from None

    @classmethod
    def from_networkx(
        cls,
        graph: networkx.DiGraph,
        *,
        kind: str = "kind",
        share: str = "share",
        amount: str = "amount",
        duplicates: Literal["sum", "error"] = "sum",
        allow_treasury: bool = False,
    ) -> Graph:
        """Build a graph from a networkx ``DiGraph`` or ``MultiDiGraph``.

        Edge attributes ``kind`` (default ``"equity"``), ``share`` and ``amount`` are read
        under the given names, and ``share_min`` / ``share_max`` for interval stakes (a
        missing share is an unknown stake); every node is kept, isolated ones too, in the
        graph's order.

        >>> import networkx as nx
        >>> from aiexposure import Graph
        >>> G = nx.DiGraph()
        >>> G.add_edge("P", "A", share=0.8)
        >>> G.add_node("lonely")
        >>> Graph.from_networkx(G).nodes.to_pylist()
        ['P', 'A', 'lonely']
        """
        if not graph.is_directed():
            raise InvalidGraphError(
                "from_networkx needs a directed graph (DiGraph or MultiDiGraph): holdings "
                "have a direction; convert with G.to_directed() if each edge means both ways"
            )
        node_list = list(graph.nodes)
        try:
            node_array = pa.array(node_list) if node_list else pa.array([], pa.string())
        except (pa.ArrowException, TypeError, OverflowError) as e:
            raise InvalidGraphError(
                f"networkx node ids must be all strings or all integers: {e}"
            ) from e
        rows = list(graph.edges(data=True))
        table = pa.table(
            {
                "source": pa.array([u for u, _, _ in rows], node_array.type),
                "target": pa.array([v for _, v, _ in rows], node_array.type),
                "kind": pa.array([d.get(kind, "equity") for _, _, d in rows], pa.string()),
                "share": pa.array([d.get(share) for _, _, d in rows], pa.float64()),
                "amount": pa.array([d.get(amount) for _, _, d in rows], pa.float64()),
                "share_min": pa.array([d.get("share_min") for _, _, d in rows], pa.float64()),
                "share_max": pa.array([d.get("share_max") for _, _, d in rows], pa.float64()),
            }
        )
        return cls.from_arrow(
            table,
            nodes=node_array,
            duplicates=duplicates,
            allow_treasury=allow_treasury,
        )

    @property
    def num_nodes(self) -> int:
        """Number of nodes.

        >>> from aiexposure import Graph
        >>> Graph.from_arrow({"source": ["A"], "target": ["B"], "share": [0.5]}).num_nodes
        2
        """
        return self._core.num_nodes

    @property
    def num_edges(self) -> int:
        """Number of distinct (source, target, kind) edges, after merging duplicate rows.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["A", "A"], "target": ["B", "B"], "share": [0.2, 0.3]})
        >>> g.num_edges, g.edges().num_rows
        (1, 2)
        """
        return self._core.num_edges

    @property
    def nodes(self) -> pa.Array:
        """Node labels in index order, with the type of the input ids.

        >>> from aiexposure import Graph
        >>> Graph.from_arrow({"source": [7], "target": [3], "share": [1.0]}).nodes.to_pylist()
        [7, 3]
        """
        return self._nodes

    @property
    def node_table(self) -> pa.Table:
        """One row per node in index order: ``node`` and the attributes given with the node
        table (name, type, ... from :meth:`from_bods`; null for nodes that were not listed).

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["A"], "target": ["B"], "share": [0.5]},
        ...                      nodes={"id": ["B"], "name": ["Bee Ltd"]})
        >>> g.node_table.to_pydict()
        {'node': ['B', 'A'], 'name': ['Bee Ltd', None]}
        """
        columns = {"node": self._nodes}
        attrs = self._node_attrs
        if attrs is not None:
            columns |= dict(zip(attrs.column_names, attrs.columns, strict=True))
        return pa.table(columns)

    @property
    def has_interval_stakes(self) -> bool:
        """Whether some equity stake is a range or unknown rather than one number: the
        exposure results then come with ``<column>_min`` / ``<column>_max`` bounds.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["A"], "target": ["B"], "share": [None]})
        >>> g.has_interval_stakes
        True
        """
        return self._stakes is not None

    def stakes(self, *, legacy_columns: bool = True) -> pa.Table:
        """Every equity edge's stake as the graph uses it, one row per (source, target):
        ``share_min`` and ``share_max`` (capped at 1 minus the issuer's other holders'
        minimums), ``share_max_declared`` (before the cap), whether each bound is open
        (``share_min_exclusive``, ``share_max_exclusive``, named as the input columns) and
        whether the stake is ``exact``. Until 0.3 the open-end flags are also under their
        0.1 names ``min_exclusive`` / ``max_exclusive``, with a DeprecationWarning;
        ``legacy_columns=False`` gives the new names only.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["A", "B"], "target": ["C", "C"], "share": [0.3, None]})
        >>> st = g.stakes(legacy_columns=False)
        >>> st.select(["source", "share_min", "share_max", "exact"]).to_pylist()
        [{'source': 'A', 'share_min': 0.3, 'share_max': 0.3, 'exact': True}, \
{'source': 'B', 'share_min': 0.0, 'share_max': 0.7, 'exact': False}]
        """
        offsets, targets, kinds, shares, _ = self._core.csr()
        n = self.num_nodes
        sources = np.repeat(np.arange(n, dtype=np.int64), np.diff(offsets).astype(np.int64))
        eq = np.flatnonzero(kinds == EQUITY)
        st = self._stakes
        if st is None:
            lo = hi = raw = shares
            lo_open = hi_open = np.zeros(len(shares), dtype=bool)
            exact = np.ones(len(shares), dtype=bool)
        else:
            lo, hi, raw, lo_open, hi_open = st.lo, st.hi, st.hi_raw, st.lo_open, st.hi_open
            exact = ~st.uncertain
        table = pa.table(
            {
                "source": self._take_nodes(pa.array(sources[eq])),
                "target": self._take_nodes(pa.array(targets[eq].astype(np.int64))),
                "share_min": pa.array(lo[eq], pa.float64()),
                "share_max": pa.array(hi[eq], pa.float64()),
                "share_max_declared": pa.array(raw[eq], pa.float64()),
                "share_min_exclusive": pa.array(lo_open[eq] & ~exact[eq]),
                "share_max_exclusive": pa.array(hi_open[eq] & ~exact[eq]),
                "exact": pa.array(exact[eq]),
            }
        )
        if legacy_columns is False:
            return table
        return with_old_names(table, STAKE_RENAMES, "Graph.stakes", stacklevel=3)

    @property
    def assumptions(self) -> pa.Table:
        """The stakes pinned by :meth:`with_shares`, in the order given: (``source``,
        ``target``, ``share``)."""
        rows = self._assumptions
        return pa.table(
            {
                "source": pa.array([r[0] for r in rows], self._nodes.type),
                "target": pa.array([r[1] for r in rows], self._nodes.type),
                "share": pa.array([r[2] for r in rows], pa.float64()),
            }
        )

    def with_shares(self, shares: Mapping[tuple[Any, Any], float]) -> Graph:
        """A new graph with some equity stakes pinned to a stated value, for a what-if:
        ``shares`` maps (holder, issuer) to a fraction in (0, 1]. The pinned stakes replace
        what the data say (a range, an unknown, or an exact share); the issuers' minimums
        must still sum to at most 1. The new graph lists them in :attr:`assumptions`.

        >>> from aiexposure import Graph
        >>> from aiexposure.datasets import ai_funding_2026
        >>> g = Graph.from_arrow(ai_funding_2026()).with_shares({("Microsoft", "OpenAI"): 0.27})
        >>> t = g.holdings_of("Microsoft").to_pylist()
        >>> [r["integrated"] for r in t if r["issuer"] == "OpenAI"]
        [0.27]
        """
        from ._exposure import node_index

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
            pins.append((node_index(self, key[0]), node_index(self, key[1]), value, key))
        src = np.array([p[0] for p in pins], dtype=np.uint32)
        dst = np.array([p[1] for p in pins], dtype=np.uint32)
        pos = self._core.edge_positions(src, dst, np.zeros(len(pins), dtype=np.uint8))
        missing = [p[3] for p, q in zip(pins, pos, strict=True) if q < 0]
        if missing:
            raise InvalidGraphError(
                f"no equity edge {missing[0][0]!r} -> {missing[0][1]!r} in the graph to pin "
                "a share on; with_shares sets stakes the data hold",
                nodes=list(missing[0]),
            )
        _, targets, kinds, own, _ = self._core.csr()
        st = self._stakes
        if st is None:
            lo, hi_raw = own.copy(), own.copy()
            lo_open = np.zeros(len(own), dtype=bool)
            hi_open = lo_open.copy()
        else:
            lo, hi_raw = st.lo.copy(), st.hi_raw.copy()
            lo_open, hi_open = st.lo_open.copy(), st.hi_open.copy()
        for p, q in zip(pins, pos, strict=True):
            lo[q] = hi_raw[q] = p[2]
            lo_open[q] = hi_open[q] = False
        with _named(self._nodes):
            core = self._core.reweighted(np.nan_to_num(lo, nan=0.0), False, True, False)
        graph = type(self)._wrap(core, self._nodes, self._table, self._node_attrs)
        stakes = Stakes(np.where(kinds == EQUITY, lo, np.nan), hi_raw, lo_open, hi_open, targets)
        graph._stakes = stakes if stakes.any_uncertain else None
        graph._assumptions = [*self._assumptions, *((p[3][0], p[3][1], p[2]) for p in pins)]
        return graph

    def edges(self) -> pa.Table:
        """The edge table as given, extra columns included (one row per input row).

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["A"], "target": ["B"], "share": [0.5], "ref": ["x"]})
        >>> g.edges().column_names
        ['source', 'target', 'share', 'ref']
        """
        return self._table

    def summary(self) -> dict[str, Any]:
        """Counts and known amounts by edge kind.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow(
        ...     {"source": ["A"], "target": ["B"], "share": [0.5], "amount": [3.0]}
        ... )
        >>> g.summary()["kinds"]["equity"]
        {'edges': 1, 'known_amounts': 1, 'total_amount': 3.0}
        """
        _, _, kinds, _, amounts = self._core.csr()
        by_kind = {}
        for code, name in enumerate(KINDS):
            mask = kinds == code
            known = amounts[mask] if len(amounts) else np.empty(0)
            known = known[~np.isnan(known)]
            by_kind[name] = {
                "edges": int(mask.sum()),
                "known_amounts": len(known),
                "total_amount": float(known.sum()),
            }
        return {
            "nodes": self.num_nodes,
            "edges": self.num_edges,
            "rows": self._table.num_rows,
            "merged_duplicates": self._core.merged_duplicates,
            "kinds": by_kind,
        }

    def to_networkx(self) -> networkx.MultiDiGraph:
        """A networkx ``MultiDiGraph`` with one edge per (source, target, kind), keyed by kind,
        carrying ``kind``, ``share`` and ``amount`` (None where absent or unknown); an interval
        stake has ``share`` None and ``share_min`` / ``share_max`` (capped). Extra columns are
        not carried: merged duplicate rows have no single value for them.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["A"], "target": ["B"], "share": [0.5]})
        >>> G = g.to_networkx()
        >>> G["A"]["B"]["equity"]["share"]
        0.5
        """
        import networkx as nx

        offsets, targets, kinds, shares, amounts = self._core.csr()
        labels = self._nodes.to_pylist()
        G = nx.MultiDiGraph()
        G.add_nodes_from(labels)
        sources = np.repeat(np.arange(self.num_nodes), np.diff(offsets).astype(np.int64))
        has_amounts = len(amounts) > 0
        st = self._stakes
        for p, (u, v, k, s) in enumerate(
            zip(sources.tolist(), targets.tolist(), kinds.tolist(), shares.tolist(), strict=True)
        ):
            a = float(amounts[p]) if has_amounts else float("nan")
            attrs = {"kind": KINDS[k], "share": None if s != s else s}
            if st is not None and st.uncertain[p]:
                # An interval stake: no single share, its bounds instead (never a 0).
                attrs |= {
                    "share": None,
                    "share_min": float(st.lo[p]),
                    "share_max": float(st.hi[p]),
                }
            G.add_edge(labels[u], labels[v], key=KINDS[k], amount=None if a != a else a, **attrs)
        return G

    def integrated_ownership(
        self,
        method: Literal["walks", "ultimate", "simple_paths"] = "walks",
        threshold: float = 0.0,
        max_depth: int | None = None,
        min_weight: float | None = None,
    ) -> pa.Table:
        """Who holds what of whom, directly and through chains: a long table (``holder``,
        ``issuer``, ``direct``, ``integrated``) of the pairs with ``integrated > threshold``.

        ``method`` names the convention (docs/math.md): ``"walks"`` — integrated ownership
        (I - W)^-1 - I, every walk counted (raises :class:`ClosedCycleError` on a closed
        cycle); ``"ultimate"`` — ultimate owners, the roots' (nodes nobody holds) share of
        every held company plus the free float (``holder`` null), summing to 1 per company;
        ``"simple_paths"`` — the sum over simple paths of the product of shares (EU AMLR chain
        multiplication), always finite, bounded by ``max_depth`` (edges) and ``min_weight``
        (a partial path below it is dropped); when a bound cut paths a :class:`BoundWarning`
        is issued and the table's metadata ``aiexposure.truncated`` is ``true``. ``direct`` is
        the direct share (for the free float: the part of the company nobody in the data holds).

        With ``threshold == 0`` every holder's row is solved exactly over the strongly
        connected components (cost: holders × nodes; for small graphs). With ``threshold > 0``
        and ``"walks"`` the table is sparse: each row is computed by residual pushing until
        its error bound ``Σ_u r_u (1 + Σ_j W̃[u, j])`` (r: the mass not yet pushed) is at most
        1% of the threshold; every value is a lower bound within that bound of the true one,
        every pair whose true value exceeds ``threshold + bound`` is in the table, and the
        largest bound is in the metadata ``aiexposure.error_bound``. An exact table predicted
        to exceed 10 million rows (reachable pairs, estimated from a sample of holders) first
        issues a :class:`LargeResultWarning`.

        Interval stakes (:attr:`has_interval_stakes`): ``direct`` and ``integrated`` come with
        ``_min`` (at the minimum stakes) and ``_max`` (at the capped maximums; the free float
        the other way round), hold a value only where both agree, and the table keeps every
        pair whose upper bound passes ``threshold``. The metadata says whether each bound is
        attained and names the components whose upper bound diverges (+inf).

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["P", "A", "B"], "target": ["A", "B", "C"],
        ...                       "share": [0.8, 0.75, 0.6]})
        >>> t = g.integrated_ownership()
        >>> pc = [r for r in t.to_pylist() if (r["holder"], r["issuer"]) == ("P", "C")]
        >>> round(pc[0]["integrated"], 12)
        0.36
        """
        from ._exposure import integrated_ownership

        if threshold == 0 and method in ("walks", "ultimate", "simple_paths"):
            from ._size import warn_if_large

            warn_if_large(self, method, max_depth, stacklevel=4)
        return integrated_ownership(self, method, threshold, max_depth, min_weight)

    def look_through(
        self,
        value_loss: Any = None,
        default: Any = None,
        method: Literal["walks"] = "walks",
        *,
        legacy_columns: bool = True,
    ) -> pa.Table:
        """Look-through loss of every node: L = (I - W)^-1 (W s + R d), a table (``node``,
        the first round by channel: ``equity_loss`` = W s, ``credit_loss`` (loans to
        defaulters), ``commitment_loss`` (defaulting customers' committed purchases, for the
        contract's whole term); ``direct_loss`` = W s + R d, their sum; ``indirect_loss`` =
        L - direct_loss, ``total_loss`` = L). All in currency units. When a stake is an
        interval, or a default hits an amount the data do not give, each column comes with
        ``_min`` / ``_max`` (an unknown amount: 0 and +inf, "at least"; docs/math.md) and
        holds a value only where both agree.

        ``value_loss`` (s, currency) and ``default`` (d, a fraction in [0, 1]) are mappings
        {node: value} or Arrow tables with columns ``node`` and ``value``; missing nodes are 0,
        an unknown node is an :class:`UnknownNodeError`. R holds the non-equity exposures: a
        lender is exposed to its borrower by the credit amount, a supplier to its customer by
        the committed amount. One solve over the strongly connected components (one per bound),
        no matrix inverse.

        The columns were ``equity``, ``credit``, ``commitment``, ``direct``, ``indirect`` and
        ``total`` before 0.2 (docs/columns.md): until 0.3 the table also holds them under
        those names, with a DeprecationWarning; ``legacy_columns=False`` gives the new names
        only and no warning.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["Amazon"], "target": ["OpenAI"], "share": [0.07]})
        >>> loss = g.look_through(value_loss={"OpenAI": 365e9}, legacy_columns=False)
        >>> loss.to_pylist()[0]["total_loss"]
        25550000000.000004
        """
        from ._exposure import look_through

        return look_through(self, value_loss, default, method, legacy_columns)

    def exposure_to(self, node: Any) -> pa.Table:
        """Every holder's integrated stake (walks) in one issuer: (``holder``, ``direct``,
        ``integrated``), one solve, without the whole matrix.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["P", "A"], "target": ["A", "B"], "share": [0.5, 0.5]})
        >>> g.exposure_to("B").to_pydict()
        {'holder': ['P', 'A'], 'direct': [0.0, 0.5], 'integrated': [0.25, 0.5]}
        """
        from ._exposure import one_line

        return one_line(self, node, column=True)

    def holdings_of(self, node: Any) -> pa.Table:
        """Everything one holder is exposed to through equity (walks): (``issuer``,
        ``direct``, ``integrated``), one solve, without the whole matrix.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["P", "A"], "target": ["A", "B"], "share": [0.5, 0.5]})
        >>> g.holdings_of("P").to_pydict()
        {'issuer': ['A', 'B'], 'direct': [0.5, 0.0], 'integrated': [0.5, 0.25]}
        """
        from ._exposure import one_line

        return one_line(self, node, column=False)

    def strongly_connected_components(self, kinds: str | Iterable[str] | None = None) -> pa.Table:
        """Strongly connected components of the money-flow graph restricted to ``kinds``
        (``"equity"``, ``"credit"``, ``"commitment"``, a list of them, or None for all): a
        table (``node``, ``component``, ``size``), one row per node in node order.
        Components are numbered sinks first (an edge never goes to a higher number). Iterative
        Tarjan in the core, no recursion limit.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["A", "B", "B"], "target": ["B", "A", "C"],
        ...                       "kind": ["equity", "commitment", "credit"],
        ...                       "share": [0.5, None, None]})
        >>> g.strongly_connected_components().to_pydict()
        {'node': ['A', 'B', 'C'], 'component': [1, 1, 0], 'size': [2, 2, 1]}
        """
        from ._cycles import strongly_connected_components

        return strongly_connected_components(self, kinds)

    def has_cycle(self, kinds: str | Iterable[str] | None = None) -> bool:
        """Whether the graph restricted to ``kinds`` has a cycle (self-loops count): a
        depth-first search that stops at the first one.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["A", "B"], "target": ["B", "A"],
        ...                       "kind": ["equity", "commitment"], "share": [0.5, None]})
        >>> g.has_cycle(), g.has_cycle(kinds="equity")
        (True, False)
        """
        return self.find_cycle(kinds) is not None

    def find_cycle(self, kinds: str | Iterable[str] | None = None) -> pa.Table | None:
        """One cycle of the graph restricted to ``kinds``, as a one-row table shaped like
        :meth:`simple_cycles`'s, or None when there is none. The witness is the first cycle a
        depth-first search from the first node meets (deterministic, not the shortest).

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["A", "B", "C"], "target": ["B", "C", "B"],
        ...                       "share": [0.5, 0.5, 0.2]})
        >>> g.find_cycle().select(["nodes", "weight"]).to_pylist()
        [{'nodes': ['B', 'C'], 'weight': 0.1}]
        """
        from ._cycles import find_cycle

        return find_cycle(self, kinds)

    def simple_cycles(
        self,
        max_length: int | None = None,
        min_weight: float | None = None,
        min_amount: float | None = None,
        kinds: str | Iterable[str] | None = None,
        limit: int = 1_000_000,
        max_nodes: int = 50_000_000,
    ) -> pa.Table:
        """Every simple cycle of the money-flow graph (money flows source -> target on all
        kinds): a table (``cycle``, ``length``, ``nodes``, ``kinds``, ``weight``,
        ``bottleneck``), one row a cycle. ``nodes`` starts at the cycle's smallest node index
        and follows the edges; ``kinds`` is the kind of each edge (parallel edges of two kinds
        make two cycles); ``weight`` is the product of the shares (null unless every edge is
        equity); ``bottleneck`` the smallest ``amount`` (null when one is unknown). With
        interval stakes ``weight`` is null where a stake on the cycle is uncertain, and
        ``weight_min`` / ``weight_max`` bound it; ``min_weight`` then keeps the cycles whose
        upper bound passes.

        ``max_length`` bounds the length (edges); ``min_weight`` keeps all-equity cycles whose
        weight is at least it; ``min_amount`` keeps cycles whose every amount is at least it;
        ``kinds`` restricts the edges followed. All prune during the search. Johnson's
        algorithm inside each strongly connected component, Gupta–Suzumura's bounded search
        with ``max_length``; parallel over start nodes, rows in a deterministic order. More
        than ``limit`` cycles: the first ``limit`` rows, a :class:`BoundWarning`, and the
        metadata ``aiexposure.truncated`` set to ``true``. ``max_nodes`` bounds the memory the
        same way: the cycles returned hold at most that many nodes in all (cycles in a large
        component can run to thousands of nodes each); past it, the first cycles that fit,
        the warning and the metadata.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["Amazon", "OpenAI"], "target": ["OpenAI", "Amazon"],
        ...                       "kind": ["equity", "commitment"], "share": [0.07, None],
        ...                       "amount": [50e9, 138e9]})
        >>> g.simple_cycles().drop_columns("cycle").to_pylist()
        [{'length': 2, 'nodes': ['Amazon', 'OpenAI'], 'kinds': ['equity', 'commitment'], \
'weight': None, 'bottleneck': 50000000000.0}]
        """
        from ._cycles import simple_cycles

        return simple_cycles(self, max_length, min_weight, min_amount, kinds, limit, max_nodes)

    def circular_financing(self, payees: Iterable[Any] | None = None) -> CircularFinancing:
        """Circular financing (docs/math.md): per investment edge (equity or credit)
        i -> j the round-trip ratio min(I_ij, P_ji) / I_ij, how much of the investment can
        come back as the investee's committed purchases from the investor; per node the
        look-through self-funded revenue Σ_b W̃[v, b] · P[b -> v], the committed revenue paid
        by customers v owns directly or through chains (walks: raises
        :class:`ClosedCycleError` if a payee's holdings reach a closed cycle); and the
        weighted reciprocity of the money graph Σ min(F_ij, F_ji) / Σ F_ij. Unknown amounts
        are never guessed. Returns a :class:`CircularFinancing`.

        Each payee that holds equity costs one row solve over what it reaches, so on a big
        graph with a large strongly connected holding structure the self-funded table of
        every payee is out of reach: pass ``payees`` (node ids) to compute only those rows,
        in that order; None (the default) computes every node that receives a commitment.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["Amazon", "OpenAI"], "target": ["OpenAI", "Amazon"],
        ...                       "kind": ["equity", "commitment"], "share": [0.07, None],
        ...                       "amount": [50e9, 138e9]})
        >>> cf = g.circular_financing()
        >>> cf.round_trips.column("round_trip_ratio").to_pylist()
        [1.0]
        >>> cf.self_funded.select(["node", "self_funded"]).to_pylist()
        [{'node': 'Amazon', 'self_funded': 9660000000.0}]
        """
        from ._cycles import circular_financing

        return circular_financing(self, payees)

    def _naming(self) -> Any:
        return _named(self._nodes)

    def __repr__(self) -> str:
        counts = ", ".join(
            f"{name}={info['edges']}" for name, info in self.summary()["kinds"].items()
        )
        return f"Graph(num_nodes={self.num_nodes}, num_edges={self.num_edges}, {counts})"


@contextmanager
def _named(labels: pa.Array) -> Iterator[None]:
    """Name the nodes of core errors with the caller's labels."""
    try:
        yield
    except AIExposureError as e:

        def label(i: int) -> Any:
            return labels[i].as_py() if 0 <= i < len(labels) else f"#{i}"

        raise name_nodes(e, label) from None


def _compute_type(labels: pa.Array) -> pa.Array:
    if pa.types.is_string_view(labels.type):
        return labels.cast(pa.large_string())
    if pa.types.is_binary_view(labels.type):
        return labels.cast(pa.large_binary())
    return labels


def _bods_error(e: InvalidGraphError, edges: pa.Table, share_range: str) -> InvalidBodsError:
    """A data-model error on edges built from BODS, told by statementId, not row number."""
    rows = e.rows
    if not rows and e.nodes:  # an over-held issuer: the statements of its holders
        targets = edges["target"].to_pylist()
        rows = [r for r, t in enumerate(targets) if t == e.nodes[0]]
    ids = edges["statement_id"].take(pa.array(rows, pa.int64())).to_pylist()
    where = f"relationship statement(s) {', '.join(ids[:10])}"
    message = re.sub(r"rows? [\d, ]+(and \d+ more )?\(0-based\)", where, str(e))
    if where not in message:
        message += f" ({where})"
    if "above 1" in message:
        message += f". Shares were read with share_range={share_range!r}" + (
            "; 'range' (the default) or 'min' keep consistent data within 100%"
            if share_range not in ("min", "range")
            else ""
        )
    return InvalidBodsError(message, statement_ids=ids, nodes=e.nodes)


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
    names_ = [labels[int(i)].as_py() for i in dup[:10]]
    raise InvalidGraphError(
        f"nodes lists {len(dup)} id(s) more than once: {', '.join(map(repr, names_))}; "
        "each node must appear once",
        nodes=names_,
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
