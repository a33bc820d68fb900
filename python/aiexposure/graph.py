"""The investor graph: validated edges in a Rust CSR, node labels as an Arrow array."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pyarrow as pa

from . import _contagion, _control, _cycles, _exposure, _saved, _size
from ._build import from_table, pinned
from ._contagion import (
    ClearingResult,
    ClearingScenarios,
    DebtRankResult,
    DebtRankScenarios,
    FurfineResult,
    FurfineScenarios,
)
from ._cycles import CircularFinancing
from ._exposure import LookThroughScenarios
from ._handle import Csr, Handle
from ._vocabulary import KINDS, STAKE_RENAMES, KindsArg, NodeId, with_old_names
from .errors import InvalidGraphError

if TYPE_CHECKING:
    import networkx

__all__ = ["Graph"]


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

    __slots__ = ("_assumptions", "_handle", "_node_attrs", "_path", "_table")
    _handle: Handle
    _path: tuple[str, tuple[int, ...]] | None  # the file opened, and its stat when opened
    _table: pa.Table
    _node_attrs: pa.Table | None
    _assumptions: list[tuple[Any, Any, float]]

    def __init__(self) -> None:
        raise TypeError("build a Graph with Graph.from_arrow(...) or Graph.from_networkx(...)")

    @classmethod
    def _wrap(
        cls,
        handle: Handle,
        table: pa.Table,
        node_attrs: pa.Table | None = None,
        assumptions: list[tuple[Any, Any, float]] | None = None,
    ) -> Graph:
        self = object.__new__(cls)
        self._handle = handle
        self._table = table
        self._node_attrs = node_attrs
        self._assumptions = assumptions or []
        self._path = None
        return self

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
        built = from_table(data, names, nodes, duplicates, allow_treasury)
        return cls._wrap(built.handle, built.table, built.node_attrs)

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
        from ._bods import data_model_error, read_tables

        # The interests table (the audit of read_bods) is not built: a graph needs the rest.
        data = read_tables(statements_or_path, share_range, interest, as_of, interests=False)
        try:
            return cls.from_arrow(data.edges, nodes=data.nodes, allow_treasury=allow_treasury)
        except InvalidGraphError as e:
            raise data_model_error(e, data.edges, share_range) from None

    def to_bods(
        self,
        path_or_file: Any,
        *,
        nodes: bool = True,
        non_equity: Literal["error", "drop"] = "error",
        statement_date: str = "2026-01-01",
        publication_date: str | None = None,
        publisher: str = "aiexposure",
        format: Literal["jsonl", "json"] | None = None,
    ) -> int:
        """Write the graph as BODS v0.4 statements (JSON Lines; a JSON array for ``.json``;
        gzip for ``.gz``), returning how many: :func:`aiexposure.write_bods` (docs/bods.md,
        "Writing BODS"). Nodes are entity or person statements (by :attr:`node_table`'s
        ``record_type``), equity edges relationship statements with a ``shareholding``
        interest (exact, a range, or no figure for an unknown stake), unspecified owners
        inline; credit and commitment edges raise unless ``non_equity="drop"``.
        :meth:`from_bods` reads the file back into the same nodes (as strings) and stakes.

        >>> import os, tempfile
        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["P", "H"], "target": ["H", "C"],
        ...                       "share": [0.6, None]})
        >>> path = os.path.join(tempfile.mkdtemp(), "g.jsonl")
        >>> g.to_bods(path)
        5
        >>> back = Graph.from_bods(path)
        >>> back.stakes(legacy_columns=False).equals(g.stakes(legacy_columns=False))
        True
        """
        from ._bods_write import write_bods

        return write_bods(
            self,
            path_or_file,
            nodes=nodes,
            non_equity=non_equity,
            statement_date=statement_date,
            publication_date=publication_date,
            publisher=publisher,
            format=format,
        )

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

    def save(self, path: str | os.PathLike[str], *, plan: bool = False) -> None:
        """Write the built graph to ``path`` as one Arrow IPC file: the core's arrays (the
        forward and reverse CSR, and the solve plan as far as it is built, or all of it when
        ``plan=True`` builds it here), the node labels and attributes, the edge table,
        interval stakes and pinned assumptions (docs/saved.md). :meth:`open` maps it back
        without copying. The file is written beside ``path`` first and renamed, so a failed
        save leaves no partial graph.

        >>> import os, tempfile
        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["A"], "target": ["B"], "share": [0.4]})
        >>> path = os.path.join(tempfile.mkdtemp(), "g.arrow")
        >>> g.save(path, plan=True)
        >>> Graph.open(path).nodes.to_pylist()
        ['A', 'B']
        """
        _saved.write(path, self._saved_batch(plan))

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Graph:
        """The graph :meth:`save` wrote to ``path``, memory-mapped: its arrays are read
        from the file's pages, not copied, so opening takes time for the checks only (every
        index in range) and processes that open one file share its memory. The file must
        not change while the graph is open (:meth:`save` over it writes a new file, which
        is safe). Raises :class:`SavedGraphError` for a file that is not a saved graph, is
        damaged or is from another format version.

        >>> import os, pickle, tempfile
        >>> from aiexposure import Graph
        >>> from aiexposure.datasets import ai_funding_2026
        >>> g = Graph.from_arrow(ai_funding_2026())
        >>> path = os.path.join(tempfile.mkdtemp(), "ai.arrow")
        >>> g.save(path)
        >>> h = Graph.open(path)
        >>> loss = {"value_loss": {"OpenAI": 1e9}, "legacy_columns": False}
        >>> h.look_through(**loss).equals(g.look_through(**loss))
        True
        >>> pickle.loads(pickle.dumps(h)).num_edges == g.num_edges  # pickles as the same bytes
        True
        """
        where = f"{os.fspath(path)!r}"
        try:
            source = pa.memory_map(os.fspath(path), "r")
        except OSError as e:
            raise FileNotFoundError(f"cannot open the saved graph {where}: {e}") from None
        graph = cls._wrap(*_saved.from_source(source, where))
        graph._path = (os.path.abspath(os.fspath(path)), _identity(path))
        return graph

    def _saved_batch(self, plan: bool = False) -> pa.RecordBatch:
        return _saved.to_batch(self._handle, self._table, self._node_attrs, self.assumptions, plan)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as the bytes of the saved file (out of band with protocol 5), so that
        # multiprocessing, Dask and Ray ship a graph without rebuilding it.
        return (_from_pickle, (_saved.to_bytes(self._saved_batch()),))

    @property
    def num_nodes(self) -> int:
        """Number of nodes.

        >>> from aiexposure import Graph
        >>> Graph.from_arrow({"source": ["A"], "target": ["B"], "share": [0.5]}).num_nodes
        2
        """
        return self._handle.num_nodes

    @property
    def num_edges(self) -> int:
        """Number of distinct (source, target, kind) edges, after merging duplicate rows.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["A", "A"], "target": ["B", "B"], "share": [0.2, 0.3]})
        >>> g.num_edges, g.edges().num_rows
        (1, 2)
        """
        return self._handle.core.num_edges

    @property
    def nodes(self) -> pa.Array:
        """Node labels in index order, with the type of the input ids.

        >>> from aiexposure import Graph
        >>> Graph.from_arrow({"source": [7], "target": [3], "share": [1.0]}).nodes.to_pylist()
        [7, 3]
        """
        return self._handle.nodes.labels

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
        columns = {"node": self.nodes}
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
        return self._handle.stakes is not None

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
        csr = self._handle.csr
        shares = csr.share
        eq = np.flatnonzero(csr.equity)
        st = self._handle.stakes
        take = self._handle.nodes.take
        if st is None:
            lo = hi = raw = shares
            lo_open = hi_open = np.zeros(len(shares), dtype=bool)
            exact = np.ones(len(shares), dtype=bool)
        else:
            lo, hi, raw, lo_open, hi_open = st.lo, st.hi, st.hi_raw, st.lo_open, st.hi_open
            exact = ~st.uncertain
        table = pa.table(
            {
                "source": take(pa.array(csr.sources[eq])),
                "target": take(pa.array(csr.indices[eq].astype(np.int64))),
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
        ``target``, ``share``).

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["A"], "target": ["B"], "share": [None]})
        >>> g.with_shares({("A", "B"): 0.4}).assumptions.to_pylist()
        [{'source': 'A', 'target': 'B', 'share': 0.4}]
        """
        rows = self._assumptions
        return pa.table(
            {
                "source": pa.array([r[0] for r in rows], self.nodes.type),
                "target": pa.array([r[1] for r in rows], self.nodes.type),
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
        handle, pins = pinned(self._handle, shares)
        return type(self)._wrap(handle, self._table, self._node_attrs, [*self._assumptions, *pins])

    def edges(self) -> pa.Table:
        """The edge table as given, extra columns included (one row per input row).

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["A"], "target": ["B"], "share": [0.5], "ref": ["x"]})
        >>> g.edges().column_names
        ['source', 'target', 'share', 'ref']
        """
        return self._table

    def csr(self) -> Csr:
        """The merged money graph in CSR form, as scipy holds a sparse matrix: ``indptr``,
        ``indices`` (targets), plus per edge ``sources``, ``kind`` (0 equity, 1 credit,
        2 commitment), ``share`` (NaN off equity; an interval stake's minimum), ``amount``
        (NaN where unknown) and ``uncertain`` (an interval stake). One (source, target, kind)
        edge per entry, duplicates merged, in row order. Exported once per graph; the arrays
        are read-only views of that copy.

        >>> import scipy.sparse as sp
        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["A", "A"], "target": ["B", "C"], "share": [0.5, 0.2]})
        >>> c = g.csr()
        >>> W = sp.csr_array((c.share, c.indices, c.indptr), shape=(g.num_nodes,) * 2)
        >>> W.toarray()[0].tolist()
        [0.0, 0.5, 0.2]
        """
        return self._handle.csr

    def node_index(self, node: NodeId) -> int:
        """The index of a node (its row in :meth:`csr`, its position in :attr:`nodes`);
        :class:`UnknownNodeError` when absent, with the nearest label in ``suggestion``.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["A"], "target": ["B"], "share": [0.5]})
        >>> g.node_index("B"), "B" in g, "b" in g
        (1, True, False)
        """
        return self._handle.nodes.index(node)

    def node_indices(self, nodes: Iterable[NodeId]) -> np.ndarray:
        """The indices (uint32) of many nodes, in the order given, looked up in parallel
        against the graph's own index (built on the first call and kept, so later
        :meth:`node_index` calls and ``in`` take constant time); :class:`UnknownNodeError`
        naming every absent node.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["A"], "target": ["B"], "share": [0.5]})
        >>> g.node_indices(["B", "A", "B"]).tolist()
        [1, 0, 1]
        """
        return self._handle.nodes.indices(nodes, "nodes")

    @property
    def path(self) -> str | None:
        """The file this graph was opened from by :meth:`open` (an absolute path), or None
        for a graph built in memory. :mod:`aiexposure.distributed` lets workers on this
        machine map that file rather than a copy. None too when the file has been replaced
        since (by another :meth:`save`): the graph is then the old file's.

        >>> from aiexposure import Graph
        >>> Graph.from_arrow({"source": ["A"], "target": ["B"], "share": [0.5]}).path is None
        True
        """
        if self._path is None:
            return None
        path, identity = self._path
        try:
            return path if _identity(path) == identity else None
        except OSError:
            return None

    def node_labels(self, indices: Any) -> pa.Array:
        """The labels of node indices (integers; a null stays null), in the type of the input
        ids: the inverse of :meth:`node_index`, for the positions :meth:`csr` gives.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["A"], "target": ["B"], "share": [0.5]})
        >>> g.node_labels(g.csr().indices).to_pylist()
        ['B']
        """
        if not isinstance(indices, (pa.Array, pa.ChunkedArray)):
            indices = pa.array(np.asarray(indices, dtype=np.int64))
        return self._handle.nodes.take(indices)

    def __contains__(self, node: NodeId) -> bool:
        return self._handle.nodes.find(node) is not None

    def predicted_rows(
        self,
        method: Literal["walks", "ultimate", "simple_paths"] = "walks",
        *,
        max_depth: int | None = None,
        up_to: int | None = None,
    ) -> int:
        """About how many rows the exact (``threshold=0``) :meth:`integrated_ownership`
        table would have, to see before asking whether it fits: holders x held issuers
        (plus the free float's rows for ``ultimate``) when that is at most 10 million, an
        upper bound; past it, the reachable (holder, issuer) pairs over equity edges estimated
        from a sample of holders. With ``up_to``, the count only as far as telling whether it
        passes ``up_to`` needs (a lower bound once past it, and cheaper).

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["P", "A"], "target": ["A", "B"], "share": [0.5, 0.5]})
        >>> g.predicted_rows()
        4
        """
        if method not in _exposure.METHODS:
            raise ValueError(f"method must be one of {_exposure.METHODS}, not {method!r}")
        if up_to is None:
            return _size.predicted_rows(self._handle, method, max_depth)
        return _size.rows_up_to(self._handle, method, up_to, max_depth)

    def summary(self) -> dict[str, Any]:
        """Counts and known amounts by edge kind.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow(
        ...     {"source": ["A"], "target": ["B"], "share": [0.5], "amount": [3.0]}
        ... )
        >>> g.summary()["kinds"]["equity"]
        {'edges': 1, 'known_amounts': 1, 'total_amount': 3.0}
        """
        csr = self._handle.csr
        by_kind = {}
        for code, name in enumerate(KINDS):
            mask = csr.kind == code
            known = csr.amount[mask]
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
            "merged_duplicates": self._handle.core.merged_duplicates,
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

        csr = self._handle.csr
        labels = self.nodes.to_pylist()
        G = nx.MultiDiGraph()
        G.add_nodes_from(labels)
        st = self._handle.stakes
        columns = (csr.sources, csr.indices, csr.kind, csr.share, csr.amount)
        for p, (u, v, k, s, a) in enumerate(zip(*(c.tolist() for c in columns), strict=True)):
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
        too, while the exact table would hold at most 2 million pairs for ``"walks"`` and 100
        million for ``"ultimate"`` (estimated from a sample of holders). Past that, ``"walks"``
        and ``"ultimate"`` build every issuer's column of holders at once, top down (a column
        is the sum of its direct holders' columns times their shares), dropping entries too
        small to matter as they go: the cost follows the graph and the output (about 30 s for
        1M nodes of mostly acyclic ownership). Each column states how far its values may be
        off, at most 10% of the threshold (the largest is the metadata
        ``aiexposure.error_bound``; 0 when exact): every value is a lower bound of the true one
        within that bound, and every pair whose true value exceeds ``threshold`` is in the
        table (so a few just below it may be too). The free float is exact. An exact table
        predicted to exceed 10 million rows first issues a :class:`LargeResultWarning`.

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
        if threshold == 0 and method in _exposure.METHODS:
            _size.warn_if_large(self._handle, method, max_depth, stacklevel=4)
        sparse = (
            method in ("walks", "ultimate")
            and isinstance(threshold, (int, float))
            and threshold > 0
            and _size.past_exact(self._handle, method)
        )
        return _exposure.integrated_ownership(
            self._handle, method, threshold, max_depth, min_weight, sparse
        )

    def look_through(
        self,
        value_loss: Any = None,
        default: Any = None,
        method: Literal["walks"] = "walks",
        *,
        legacy_columns: bool = True,
        detail: bool = True,
    ) -> pa.Table | LookThroughScenarios:
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

        Many scenarios at once (docs/math.md, "Scenarios"): ``value_loss`` or ``default`` a
        long table (``scenario``, ``node``, ``value``), ``"each"`` or
        :func:`aiexposure.each` (``default="each"``: every node defaults alone) gives a
        :class:`LookThroughScenarios` (new column names only); an input given as a mapping
        or a plain table beside it applies to every scenario. Every 8 scenarios share one
        pass over the plan; ``detail=False`` keeps the totals only.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["Amazon"], "target": ["OpenAI"], "share": [0.07]})
        >>> loss = g.look_through(value_loss={"OpenAI": 365e9}, legacy_columns=False)
        >>> loss.to_pylist()[0]["total_loss"]
        25550000000.000004
        """
        return _exposure.look_through(
            self._handle, value_loss, default, method, legacy_columns, detail
        )

    def exposure_to(self, node: NodeId) -> pa.Table:
        """Every holder's integrated stake (walks) in one issuer: (``holder``, ``direct``,
        ``integrated``), one solve, without the whole matrix.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["P", "A"], "target": ["A", "B"], "share": [0.5, 0.5]})
        >>> g.exposure_to("B").to_pydict()
        {'holder': ['P', 'A'], 'direct': [0.0, 0.5], 'integrated': [0.25, 0.5]}
        """
        return _exposure.one_line(self._handle, node, column=True)

    def holdings_of(self, node: NodeId) -> pa.Table:
        """Everything one holder is exposed to through equity (walks): (``issuer``,
        ``direct``, ``integrated``), one solve, without the whole matrix.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["P", "A"], "target": ["A", "B"], "share": [0.5, 0.5]})
        >>> g.holdings_of("P").to_pydict()
        {'issuer': ['A', 'B'], 'direct': [0.5, 0.0], 'integrated': [0.5, 0.25]}
        """
        return _exposure.one_line(self._handle, node, column=False)

    def debtrank(
        self,
        shock: Any,
        *,
        equity: Any,
        weight: Any = None,
        variant: Literal["single_hit", "linear", "nonlinear"] = "single_hit",
        alpha: float = 0.0,
        kinds: str | Iterable[str] = ("credit", "commitment"),
        detail: bool = True,
    ) -> DebtRankResult | DebtRankScenarios:
        """DebtRank: how a shock to some nodes' equity spreads over their creditors and
        suppliers (docs/math.md, "DebtRank"). Claims come from the edges of ``kinds``: a
        credit edge lender -> borrower is the lender's claim on its borrower, a commitment
        edge customer -> supplier the supplier's claim on its customer; the impact of j's
        distress on i is min(1, claim of i on j / equity of i).

        ``shock`` (a mapping {node: value} or a table node, value) is the initial relative
        equity loss per node, in [0, 1] (nodes not given: 0). ``equity`` must give every
        node that holds a claim or is shocked (no default is assumed; an equity of 0 or less
        means any loss on a claim wipes the node out). ``weight`` weighs the relative loss R
        = Σ (h − h0) w / Σ w (default: equity, a negative one and nodes not in ``equity``
        weighing 0; weights summing to 0 give R = NaN with a ``RuntimeWarning``). ``variant``:
        ``"single_hit"`` (Battiston et al. 2012: each node passes on its distress once),
        ``"linear"`` (Bardoscia et al. 2015: every round passes on the increments) or
        ``"nonlinear"`` (Bardoscia et al. 2016, ``alpha`` ≥ 0; 0 is linear). A claim of
        unknown amount on an edge of ``kinds`` is an error, never a zero.

        Many scenarios at once (docs/math.md, "Scenarios"): ``shock`` a long table
        (``scenario``, ``node``, ``value``), ``"each"`` (every node defaults alone, shock 1)
        or :func:`aiexposure.each` (a list of nodes, another value) gives a
        :class:`DebtRankScenarios`, rows keyed by scenario and one row of totals per
        scenario (``detail=False``: the totals only).

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({
        ...     "source": ["a", "b", "b", "c", "c"], "target": ["b", "a", "c", "a", "b"],
        ...     "kind": ["credit"] * 5, "amount": [1.0, 10.0, 3.0, 3.0, 2.0]})
        >>> r = g.debtrank({"a": 0.1, "b": 0.1, "c": 0.1}, equity={"a": 2, "b": 5, "c": 2},
        ...                weight={"a": 10, "b": 100, "c": 30})
        >>> [round(x, 2) for x in r.table["distress"].to_pylist()], round(r.relative_loss, 6)
        ([0.15, 0.26, 0.3], 0.160714)
        """
        return _contagion.debtrank(
            self._handle, shock, equity, weight, variant, alpha, kinds, detail
        )

    def furfine(
        self,
        shock: Any,
        *,
        equity: Any,
        lgd: float = 1.0,
        at_threshold: Literal["default", "survive"] = "default",
        kinds: str | Iterable[str] = ("credit", "commitment"),
        detail: bool = True,
    ) -> FurfineResult | FurfineScenarios:
        """Sequential defaults (Furfine 2003; docs/math.md, "Furfine"): the nodes ``shock``
        fail in round 0; in each later round a node fails when ``lgd`` times its claims on
        the nodes failed so far reaches its equity (``at_threshold="survive"``: exceeds it).
        Claims as in :meth:`debtrank`; ``equity`` must give every node that holds a claim.
        A node with no loss never fails. Many scenarios: ``shock`` a table (``scenario``,
        ``node``: the nodes failed in round 0 of each), ``"each"`` or
        :func:`aiexposure.each`, gives a :class:`FurfineScenarios`.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["a", "b"], "target": ["b", "c"],
        ...                       "kind": ["credit", "credit"], "amount": [5.0, 4.0]})
        >>> g.furfine(["c"], equity={"a": 5, "b": 4}).table["round"].to_pylist()
        [2, 1, 0]
        """
        return _contagion.furfine(self._handle, shock, equity, lgd, at_threshold, kinds, detail)

    def clearing(
        self,
        external_assets: Any,
        external_liabilities: Any = None,
        *,
        alpha: float = 1.0,
        beta: float = 1.0,
        priority: Literal["pari_passu", "external_senior"] = "pari_passu",
        kinds: str | Iterable[str] = ("credit", "commitment"),
        shock: Any = None,
        detail: bool = True,
    ) -> ClearingResult | ClearingScenarios:
        """The greatest clearing vector (Eisenberg–Noe 2001; with ``alpha`` / ``beta`` < 1
        the default costs of Rogers–Veraart 2013; docs/math.md, "Clearing"). Obligations
        come from the edges of ``kinds`` (a borrower owes its lender the credit amount, a
        customer its supplier the committed amount) plus ``external_liabilities`` (None: no
        outside creditors). ``priority="pari_passu"`` pays every creditor pro rata, the
        outside ones included (Eisenberg–Noe's convention, and systemicrisk's
        ``default_clearing``); ``"external_senior"`` pays the outside creditors first and
        shares the rest among the graph's. ``external_assets`` must give every node that
        owes something. A defaulting node pays ``alpha`` of its external assets plus
        ``beta`` of what it receives. ``shock`` (a mapping or a table node, value, in [0, 1])
        is a relative loss of external assets: node i keeps ``external_assets`` × (1 −
        shock). Many scenarios: ``shock`` a long table (``scenario``, ``node``, ``value``),
        ``"each"`` (every node loses all its external assets alone) or
        :func:`aiexposure.each` gives a :class:`ClearingScenarios`, compared with the
        clearing without shock.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["a", "b"], "target": ["b", "a"],
        ...                       "kind": ["credit", "credit"], "amount": [10.0, 10.0]})
        >>> g.clearing({"a": 0.0, "b": 0.0}).table["payment"].to_pylist()  # a closed ring
        [10.0, 10.0]
        """
        return _contagion.clearing(
            self._handle,
            external_assets,
            external_liabilities,
            alpha,
            beta,
            priority,
            kinds,
            shock,
            detail,
        )

    def control(
        self,
        threshold: float = 0.5,
        *,
        strict: bool = True,
        controllers: Iterable[NodeId] | None = None,
        max_controlled: int | None = None,
        max_depth: int | None = None,
        explain: bool = False,
    ) -> pa.Table:
        """Company control (docs/control.md): X controls Y when the equity shares held in Y by
        X and by the companies X controls, counted in full, are more than ``threshold``
        (``strict=False``: at least it). A least fixpoint per candidate controller (every
        equity holder, or ``controllers``), in parallel. A node never controls itself; what
        a controlled company holds in its controller is not counted. Mutual control is
        possible (both pairs are rows; see :meth:`ultimate_controllers`).

        Returns (``controller``, ``controlled``, ``held``); with interval stakes
        ``held_min`` / ``held_max`` and ``status`` (``"controls"`` / ``"possibly
        controls"``). ``explain=True`` adds ``via``: the holders (the controller and the
        companies it controls) whose shares make ``held``. ``max_controlled`` stops a
        controller's search at that many controlled nodes, ``max_depth`` at chains of
        control that long; either gives a :class:`BoundWarning` when it cuts (metadata
        ``aiexposure.cut_controllers``).

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["P", "P", "H"], "target": ["H", "C", "C"],
        ...                       "share": [0.6, 0.3, 0.3]})
        >>> g.control().select(["controlled", "held"]).to_pydict()  # C: 30% + H's 30%
        {'controlled': ['H', 'C'], 'held': [0.6, 0.6]}
        """
        return _control.control(
            self._handle, threshold, strict, controllers, max_controlled, explain, max_depth
        )

    def ultimate_controllers(self, threshold: float = 0.5, *, strict: bool = True) -> pa.Table:
        """The ultimate controllers of every controlled node (docs/control.md): the groups of
        the control relation (nodes controlling one another, or one node alone) that no one
        outside controls. Returns (``node``, ``group``: the group's members) for each node
        and each ultimate group that controls it, or contains it and is controlled by its
        other members.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["A", "B", "A"], "target": ["B", "A", "C"],
        ...                       "share": [0.6, 0.6, 0.7]})
        >>> r = g.ultimate_controllers()
        >>> r["node"].to_pylist(), r["group"][0].as_py()
        (['A', 'B', 'C'], ['A', 'B'])
        """
        return _control.ultimate_controllers(self._handle, threshold, strict)

    def significant_control(
        self, persons: Iterable[NodeId] | None = None, *, explain: bool = False
    ) -> pa.Table:
        """UK persons with significant control through shares (docs/control.md): a person's
        holding in a company counts the shares it holds directly and through companies it
        majority-controls (more than 50%), in full; reported above 25%, in the statutory
        bands (``"more than 25% to 50%"``, ``"more than 50% to less than 75%"``, ``"75% or
        more"``). Returns (``person``, ``company``, ``held``, ``band``) for ``persons`` (every
        equity holder if None); ``explain=True`` adds ``via``, the holdings (the person's and
        its majority-controlled companies') that make each row. With interval stakes,
        ``held_min`` / ``held_max`` and ``band_min`` / ``band_max``. Voting rights and the
        right to appoint directors are not in the data.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["P", "H"], "target": ["H", "C"],
        ...                       "share": [0.6, 0.3]})
        >>> g.significant_control().select(["company", "held", "band"]).to_pylist()[1]
        {'company': 'C', 'held': 0.3, 'band': 'more than 25% to 50%'}
        """
        return _control.significant_control(self._handle, persons, explain)

    def beneficial_owners(
        self, threshold: float = 0.25, *, max_depth: int | None = None, max_paths: int = 20
    ) -> pa.Table:
        """Beneficial owners under the EU AMLR reading (docs/control.md): ownership by chain
        multiplication, summed over the simple chains, 25% or more. Returns (``owner``,
        ``entity``, ``direct``, ``integrated``, ``paths``: the chains, largest first, at most
        ``max_paths``); with interval stakes ``integrated_min`` / ``integrated_max`` and
        ``status``. The same holdings answer differently under :meth:`significant_control`.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["P", "H"], "target": ["H", "C"],
        ...                       "share": [0.6, 0.3]})
        >>> r = g.beneficial_owners()  # P holds 60% x 30% = 18% of C: not its owner
        >>> list(zip(r["owner"].to_pylist(), r["entity"].to_pylist()))
        [('P', 'H'), ('H', 'C')]
        """
        return _exposure.beneficial_owners(self._handle, threshold, max_depth, max_paths)

    def blocked(
        self,
        listed: Iterable[NodeId],
        *,
        regime: Literal["ofac", "eu", "eu_2023", "uk"] | None = "ofac",
        aggregate: bool | None = None,
        strict: bool | None = None,
        threshold: float = 0.5,
    ) -> pa.Table:
        """Entities blocked through ownership by the ``listed`` persons (docs/control.md): Y
        is blocked when the equity shares held in Y by listed persons and by entities already
        blocked, counted in full (never multiplied along chains), reach the threshold.

        ``regime``: ``"ofac"`` (all listed persons' holdings added up, 50% or more),
        ``"eu"`` (added up, 50% or more: the Council's best practices of July 2024),
        ``"eu_2023"`` (added up, more than 50%: before July 2024) or ``"uk"`` (each
        designated person alone, more than 50%). ``aggregate=`` and ``strict=`` (">"
        rather than ">=") override the regime's; with ``regime=None`` give both.
        Comparisons allow 1e-9 (0.1 + 0.35 + 0.05 counts as 50%).

        Returns (``node``, ``status``, ``held``, ``listed``) for every blocked entity, listed
        persons themselves left out: ``held`` the share held by the listed and the blocked
        (added up; per person: the largest one), ``listed`` the persons behind it. With
        interval stakes, ``held_min`` / ``held_max`` and status ``"possibly blocked"`` where
        the range straddles the threshold (an exclusive end is read as closed).

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["X", "A"], "target": ["A", "B"],
        ...                       "share": [0.5, 0.5]})
        >>> g.blocked(["X"]).select(["node", "status"]).to_pylist()
        [{'node': 'A', 'status': 'blocked'}, {'node': 'B', 'status': 'blocked'}]
        >>> g.blocked(["X"], regime="uk").num_rows  # 50% is not more than 50%
        0
        """
        return _control.blocked(self._handle, listed, regime, aggregate, strict, threshold)

    def strongly_connected_components(self, kinds: KindsArg = None) -> pa.Table:
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
        return _cycles.strongly_connected_components(self._handle, kinds)

    def has_cycle(self, kinds: KindsArg = None) -> bool:
        """Whether the graph restricted to ``kinds`` has a cycle (self-loops count): a
        depth-first search that stops at the first one.

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["A", "B"], "target": ["B", "A"],
        ...                       "kind": ["equity", "commitment"], "share": [0.5, None]})
        >>> g.has_cycle(), g.has_cycle(kinds="equity")
        (True, False)
        """
        return self.find_cycle(kinds) is not None

    def find_cycle(self, kinds: KindsArg = None) -> pa.Table | None:
        """One cycle of the graph restricted to ``kinds``, as a one-row table shaped like
        :meth:`simple_cycles`'s, or None when there is none. The witness is the first cycle a
        depth-first search from the first node meets (deterministic, not the shortest).

        >>> from aiexposure import Graph
        >>> g = Graph.from_arrow({"source": ["A", "B", "C"], "target": ["B", "C", "B"],
        ...                       "share": [0.5, 0.5, 0.2]})
        >>> g.find_cycle().select(["nodes", "weight"]).to_pylist()
        [{'nodes': ['B', 'C'], 'weight': 0.1}]
        """
        return _cycles.find_cycle(self._handle, kinds)

    def simple_cycles(
        self,
        max_length: int | None = None,
        min_weight: float | None = None,
        min_amount: float | None = None,
        kinds: KindsArg = None,
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
        return _cycles.simple_cycles(
            self._handle, max_length, min_weight, min_amount, kinds, limit, max_nodes
        )

    def circular_financing(self, payees: Iterable[Any] | None = None) -> CircularFinancing:
        """Circular financing (docs/math.md): per investment edge (equity or credit)
        i -> j the round-trip ratio min(I_ij, P_ji) / I_ij, how much of the investment can
        come back as the investee's committed purchases from the investor; per node the
        look-through self-funded revenue Σ_b W̃[v, b] · P[b -> v], the committed revenue paid
        by customers v owns directly or through chains (walks: raises
        :class:`ClosedCycleError` if a payee's holdings reach a closed cycle); and the
        weighted reciprocity of the money graph Σ min(F_ij, F_ji) / Σ F_ij. Unknown amounts
        are never guessed. Returns a :class:`CircularFinancing`.

        ``payees`` (node ids) computes only those rows, in that order, each by one exact row
        solve over what the payee reaches; None (the default) computes every node that
        receives a commitment: exactly on small graphs, and past 2 million reachable pairs
        (as for :meth:`integrated_ownership`) from the thresholded columns of every issuer
        at once (about 30 s for 1M nodes): each ``self_funded`` is then a lower bound and
        its share of the revenue is at most 0.001 below the truth (the table's metadata
        ``aiexposure.error_bound`` states the largest; 0 when exact), and an unknown amount
        from a customer the payee may own counts in ``unknown_owned``.

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
        sparse = (
            payees is None
            and not self.has_interval_stakes
            and _size.past_exact(self._handle, "walks")
        )
        return _cycles.circular_financing(self._handle, payees, sparse)

    def __repr__(self) -> str:
        counts = ", ".join(
            f"{name}={info['edges']}" for name, info in self.summary()["kinds"].items()
        )
        return f"Graph(num_nodes={self.num_nodes}, num_edges={self.num_edges}, {counts})"


def _from_pickle(buffer: pa.Buffer) -> Graph:
    return Graph._wrap(*_saved.from_source(pa.py_buffer(buffer), "the pickled graph"))


def _identity(path: str | os.PathLike[str]) -> tuple[int, ...]:
    stat = os.stat(path)
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
