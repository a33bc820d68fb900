"""Many scenarios at once (docs/math.md, "Scenarios"): a long table (``scenario``, ``node``,
``value``) or :func:`each`, as the sparse batch the core runs."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute

from ._handle import Handle
from ._inputs import node_keys
from ._io import read_table
from .errors import AIExposureError


@dataclass(frozen=True)
class Each:
    """One scenario per node: that node alone takes ``value`` (1.0: a default, or the loss
    of all its external assets). ``nodes`` None means every node of the graph, in node
    order; each scenario is keyed by its node.

    >>> from aiexposure import Graph, each
    >>> g = Graph.from_arrow({"source": ["bank"], "target": ["lab"], "kind": ["credit"],
    ...                       "amount": [30.0]})
    >>> r = g.debtrank(each(["lab"]), equity={"bank": 60.0, "lab": 10.0})
    >>> r.totals.to_pylist()[0]["distressed_nodes"]
    2
    """

    nodes: Iterable[Any] | None = None
    value: float = 1.0


def each(nodes: Iterable[Any] | None = None, value: float = 1.0) -> Each:
    """Scenarios that shock each of ``nodes`` (all nodes if None) alone, by ``value``.

    >>> from aiexposure import each
    >>> each(["OpenAI", "Anthropic"], 0.3)
    Each(nodes=['OpenAI', 'Anthropic'], value=0.3)
    """
    if isinstance(nodes, (str, bytes)):
        raise TypeError("each() takes a list of nodes; for one node, pass [node]")
    return Each(None if nodes is None else list(nodes), float(value))


@dataclass(frozen=True)
class Batch:
    """Scenario k is ``nodes[offsets[k]:offsets[k + 1]]`` (node indices, increasing) with
    ``values``; ``keys[k]`` is its key as the caller gave it."""

    keys: pa.Array
    offsets: np.ndarray
    nodes: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.keys)

    def key_column(self, codes: np.ndarray) -> pa.Array:
        """The caller's scenario keys for rows of scenario codes."""
        return self.keys.take(pa.array(codes.astype(np.int64)))

    def dense(self, n: int) -> np.ndarray:
        """Whether each node is named by some scenario."""
        named = np.zeros(n, dtype=bool)
        named[self.nodes] = True
        return named


def split(x: Any, name: str) -> tuple[bool, Any]:
    """(whether ``x`` asks for many scenarios, ``x`` read): ``"each"``, :func:`each`, or a
    table with a ``scenario`` column are many (an Each, or the table); anything else is one
    scenario, returned as it came (a table read once)."""
    if isinstance(x, Each):
        return True, x
    if isinstance(x, str) and x == "each":
        return True, Each()
    if x is None or isinstance(x, (Mapping, bytes, list, tuple, set, frozenset, np.ndarray)):
        return False, x
    if (
        isinstance(x, (str, os.PathLike, pa.Table, pa.RecordBatch))
        or hasattr(x, "__arrow_c_stream__")
        or type(x).__module__.startswith("pandas")
    ):
        table = read_table(x, f"{name} table")
        return "scenario" in table.column_names, table
    return False, x


def batch(h: Handle, x: Any, name: str, *, values: bool = True, unit: bool = True) -> Batch:
    """The scenarios of ``x`` (an Each or a table, from :func:`split`). ``values`` False:
    a table lists (``scenario``, ``node``) only, each row a node in that scenario. ``unit``
    False: values are any finite number (a currency amount), not a relative loss."""
    if isinstance(x, Each):
        nodes = (
            np.arange(h.num_nodes, dtype=np.uint32)
            if x.nodes is None
            else h.nodes.indices(x.nodes, name)
        )
        if x.nodes is not None and len(np.unique(nodes)) != len(nodes):
            raise AIExposureError(f"each(): {name} names a node twice; list each node once")
        _check_range(h, name, np.array([x.value]), nodes[:1], pa.array([None]), unit)
        return Batch(
            keys=h.nodes.labels.take(pa.array(nodes.astype(np.int64))),
            offsets=np.arange(len(nodes) + 1, dtype=np.uint64),
            nodes=nodes,
            values=np.full(len(nodes), x.value),
        )
    table = read_table(x, f"{name} table")
    check_rows(table, name, values)
    scenario = _plain(table["scenario"])
    encoded = scenario.dictionary_encode()  # keys in order of first appearance
    codes = encoded.indices.to_numpy().astype(np.int64)
    keys = node_keys(h, table["node"], name)
    found = h.nodes.positions(keys)
    if (found < 0).any():
        raise h.nodes.unknown(name, [keys[int(i)].as_py() for i in np.flatnonzero(found < 0)])
    if values:
        vals = np.ascontiguousarray(table["value"].to_numpy(), dtype=np.float64)
    else:
        vals = np.ones(table.num_rows)
    order = np.lexsort((found, codes))
    codes, nodes, vals = codes[order], found[order], vals[order]
    repeated = np.flatnonzero((np.diff(codes) == 0) & (np.diff(nodes) == 0))
    if len(repeated):
        k = int(repeated[0])
        raise AIExposureError(
            f"the {name} scenarios table gives node {h.nodes.labels[int(nodes[k])].as_py()!r} "
            f"twice in scenario {encoded.dictionary[int(codes[k])].as_py()!r}: one row per "
            "node and scenario",
            nodes=[h.nodes.labels[int(nodes[k])].as_py()],
        )
    _check_range(h, name, vals, nodes, encoded.dictionary.take(pa.array(codes)), unit)
    counts = np.bincount(codes, minlength=len(encoded.dictionary))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.uint64)
    return Batch(
        keys=encoded.dictionary,
        offsets=offsets,
        nodes=nodes.astype(np.uint32),
        values=vals,
    )


def check_rows(table: pa.Table, name: str, values: bool = True) -> None:
    """The checks of a scenarios table that need no graph: its columns, and a null scenario,
    node or value named by its row (also run before a table is split in chunks, where a
    chunk's row numbers would not be the caller's)."""
    need = {"scenario", "node"} | ({"value"} if values else set())
    missing = need - set(table.column_names)
    if missing:
        raise AIExposureError(
            f"the {name} scenarios table needs columns {sorted(need)} (missing: {sorted(missing)})"
        )
    if not values and "value" in table.column_names:
        raise AIExposureError(
            f"the {name} scenarios table lists the nodes failed in round 0 of each scenario "
            "(scenario, node): it has no value column; drop it, or keep the rows whose value "
            "means failed"
        )
    scenario = _plain(table["scenario"])
    if scenario.null_count:
        raise AIExposureError(
            f"the {name} scenarios table has a null scenario at row {_first_null(scenario)}"
        )
    if table["node"].null_count:
        raise AIExposureError(
            f"the {name} scenarios table has a null node at row {_first_null(table['node'])}"
        )
    if values and table["value"].null_count:
        row = _first_null(table["value"])
        raise AIExposureError(
            f"the {name} scenarios table has no value at row {row} (scenario "
            f"{scenario[row].as_py()!r}): give every row a value"
        )


def scenario_column(table: pa.Table) -> pa.Array:
    """The ``scenario`` column in one chunk, dictionary-decoded (a pandas category, a polars
    Categorical: plain keys)."""
    return _plain(table["scenario"])


def _plain(column: pa.ChunkedArray) -> pa.Array:
    out = column.combine_chunks()
    return out.dictionary_decode() if pa.types.is_dictionary(out.type) else out


def _first_null(column: Any) -> int:
    return int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0])


def _check_range(
    h: Handle, name: str, vals: np.ndarray, nodes: np.ndarray, keys: Any, unit: bool
) -> None:
    ok = (vals >= 0) & (vals <= 1) if unit else np.isfinite(vals)
    bad = np.flatnonzero(~ok)
    if len(bad):
        k = int(bad[0])
        who = h.nodes.labels[int(nodes[min(k, len(nodes) - 1)])].as_py() if len(nodes) else None
        where = keys[k].as_py() if keys[k].is_valid else None
        raise AIExposureError(
            f"the {name} on {who!r}{f' in scenario {where!r}' if where is not None else ''} "
            f"is {float(vals[k])!r}; "
            + (f"a {name} is a relative loss in [0, 1]" if unit else "it must be finite"),
            nodes=[who] if who is not None else [],
        )


def aligned(
    h: Handle, a: Batch | None, b: Batch | None, sparse: dict[str, Any]
) -> tuple[Batch, Batch]:
    """Two sides of the same scenarios: keys in order of first appearance (``a``'s first);
    a side given for one scenario only (``sparse``: its dense vector, or None) is the same
    in every scenario."""
    sides = [x for x in (a, b) if x is not None]
    if len(sides) > 1 and sides[0].keys.type != sides[1].keys.type:
        empty = [x for x in sides if len(x) == 0]
        if not empty:
            raise AIExposureError(
                f"the scenario keys of the two tables differ in type ({sides[0].keys.type} "
                f"and {sides[1].keys.type}): give both the same type"
            )
        sides = [x for x in sides if len(x)] or sides[:1]
    keys = pa.concat_arrays([x.keys for x in sides]) if len(sides) > 1 else sides[0].keys
    keys = keys.unique()
    k = len(keys)

    def fit(x: Batch | None, name: str) -> Batch:
        if x is None:
            dense = sparse.get(name)
            if dense is None or not len(dense):
                dense = np.zeros(h.num_nodes)
            nz = np.flatnonzero(dense)
            per = len(nz)
            return Batch(
                keys=keys,
                offsets=(np.arange(k + 1) * per).astype(np.uint64),
                nodes=np.tile(nz.astype(np.uint32), k),
                values=np.tile(dense[nz], k),
            )
        if x.keys.type != keys.type:  # an empty table beside a typed one
            x = Batch(keys[:0], x.offsets[:1], x.nodes, x.values)
        where = pa.compute.index_in(x.keys, value_set=keys).to_numpy(zero_copy_only=False)
        counts = np.zeros(k, dtype=np.int64)
        counts[where] = np.diff(x.offsets.astype(np.int64))
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.uint64)
        order = np.argsort(where, kind="stable")  # scenarios in key order, entries in place
        bounds = np.asarray(x.offsets, dtype=np.int64)
        starts, lens = bounds[:-1][order], np.diff(bounds)[order]
        # Entry positions of the scenarios in key order: each scenario's run, one after another.
        first = np.repeat(starts, lens)
        within = np.arange(int(lens.sum())) - np.repeat(np.cumsum(lens) - lens, lens)
        picks = first + within
        return Batch(keys, offsets, x.nodes[picks], x.values[picks])

    return fit(a, "first"), fit(b, "second")
