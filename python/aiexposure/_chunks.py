"""Scenario batches and per-entity queries cut in chunks for workers, and their results put
back together in the order of the in-process call (:mod:`aiexposure.distributed`).

A chunk is a run of consecutive scenarios in the batch's own order (keys in order of first
appearance, as ``_scenarios.batch`` numbers them), so the chunks' tables, concatenated, are
the in-process table row for row: every scenario is solved alone, whatever else is in its
batch (docs/math.md, "Scenarios").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ._contagion import ClearingScenarios, DebtRankScenarios, FurfineScenarios
from ._exposure import LookThroughScenarios
from ._scenarios import Each, check_rows, scenario_column, split
from ._vocabulary import UNKNOWN_AMOUNTS_HIT
from .errors import AIExposureError

# The arguments of each model that take many scenarios, the first the default one.
SCENARIO_ARGUMENTS = {
    "look_through": ("value_loss", "default"),
    "debtrank": ("shock",),
    "furfine": ("shock",),
    "clearing": ("shock",),
}
RESULTS = {
    "look_through": LookThroughScenarios,
    "debtrank": DebtRankScenarios,
    "furfine": FurfineScenarios,
    "clearing": ClearingScenarios,
}
BOUNDS = ("_min", "_max")


@dataclass(frozen=True)
class Scenarios:
    """The scenario inputs of one call, read once: ``inputs`` {argument: table or Each},
    ``keys`` every scenario key in the batch's order (an ``each()`` holds its nodes as an
    Arrow array of the graph's ids)."""

    inputs: dict[str, pa.Table | Each]
    keys: pa.Array

    def __len__(self) -> int:
        return len(self.keys)

    def chunk(self, start: int, stop: int) -> dict[str, pa.Table | Each]:
        """The inputs of scenarios ``start:stop``: each table's rows of those scenarios (in
        their order), each ``each()`` over those of its nodes."""
        wanted = self.keys[start:stop]
        out: dict[str, pa.Table | Each] = {}
        for i, (name, x) in enumerate(self.inputs.items()):
            if isinstance(x, Each):
                nodes = _keys(x)
                if i == 0:  # the first input's keys open the batch's keys: a slice
                    kept = nodes[start:stop]
                else:
                    kept = nodes.filter(pc.is_in(nodes, value_set=wanted.cast(nodes.type)))
                out[name] = Each(kept.to_pylist(), x.value)
            elif x.num_rows == 0:
                out[name] = x
            else:
                out[name] = x.filter(pc.is_in(scenario_column(x), value_set=wanted))
        return out


def read_scenarios(model: str, given: dict[str, Any], labels: pa.Array) -> Scenarios:
    """The scenario inputs among ``given`` (the model's arguments), read and checked as far
    as no graph is needed, with the keys in the order the in-process batch gives them."""
    inputs: dict[str, pa.Table | Each] = {}
    for name in SCENARIO_ARGUMENTS[model]:
        if name not in given:
            continue
        many, x = split(given[name], name)
        if not many:
            continue
        if isinstance(x, Each):
            nodes = labels if x.nodes is None else _each_nodes(list(x.nodes), labels, name)
            inputs[name] = Each(nodes, x.value)
        else:
            check_rows(x, name, values=model != "furfine")
            inputs[name] = x
    if not inputs:
        names = " or ".join(SCENARIO_ARGUMENTS[model])
        raise AIExposureError(
            f"{model}: the scenarios ({names}) must be many: a table with columns scenario, "
            'node(, value), "each" or aiexposure.each(...); for one scenario call the '
            "graph's method"
        )
    keyed = [_keys(x) for x in inputs.values()]
    typed = [k for k in keyed if len(k)] or keyed[:1]
    if len({k.type for k in typed}) > 1:
        raise AIExposureError(
            f"the scenario keys of the two tables differ in type ({typed[0].type} and "
            f"{typed[1].type}): give both the same type"
        )
    keys = pa.concat_arrays(typed).unique() if len(typed) > 1 else typed[0]
    return Scenarios(inputs, keys)


def _keys(x: pa.Table | Each) -> pa.Array:
    if isinstance(x, Each):
        return x.nodes if isinstance(x.nodes, pa.Array) else pa.array(x.nodes)
    return scenario_column(x).unique()  # in order of first appearance


def _each_nodes(nodes: list[Any], labels: pa.Array, name: str) -> pa.Array:
    """``each()``'s nodes as the graph's ids; a node named twice is refused here (a chunk
    could not see it), an unknown one by the workers, in the in-process words."""
    try:
        array = pa.array(nodes, labels.type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
        array = pa.array(nodes) if nodes else pa.array([], labels.type)
    if len(array.unique()) != len(array):
        raise AIExposureError(f"each(): {name} names a node twice; list each node once")
    return array


def bounds(count: int, size: int) -> list[tuple[int, int]]:
    """Consecutive ranges of at most ``size`` of ``count`` items."""
    return [(a, min(a + size, count)) for a in range(0, count, size)]


def merge(model: str, parts: list[Any]) -> Any:
    """The result of the whole batch from its chunks' results, in chunk order."""
    first = parts[0]
    fields: dict[str, Any] = {
        "table": tables([p.table for p in parts]),
        "totals": tables([p.totals for p in parts]),
    }
    return replace(first, **fields)


def tables(parts: list[pa.Table]) -> pa.Table:
    """Chunks' tables as one. A look_through chunk whose scenarios hit no unknown amount has
    no ``_min`` / ``_max`` columns where another chunk's have them: its values are its
    bounds (the batch computes both bounds from the same rows and, where the bounds agree,
    the value), so they are added as such, and every chunk takes the widest schema; the
    metadata says an unknown amount was hit when one chunk's does."""
    wide = max(parts, key=lambda t: t.num_columns).schema
    metadata = dict(wide.metadata or {})
    if UNKNOWN_AMOUNTS_HIT in metadata:  # the batch's: whether any of its scenarios hit one
        hit = any((t.schema.metadata or {}).get(UNKNOWN_AMOUNTS_HIT) == b"true" for t in parts)
        metadata[UNKNOWN_AMOUNTS_HIT] = b"true" if hit else b"false"
    fitted = []
    for t in parts:
        if t.schema.names != wide.names:
            columns = []
            for field in wide:
                if field.name in t.column_names:
                    columns.append(t[field.name])
                elif field.name.endswith(BOUNDS) and field.name[:-4] in t.column_names:
                    columns.append(t[field.name[:-4]])
                else:
                    raise AIExposureError(
                        f"the chunks' results differ in columns ({t.schema.names} and "
                        f"{wide.names}); this is a bug of aiexposure, please report it"
                    )
            t = pa.Table.from_arrays(columns, schema=wide)
        fitted.append(t.replace_schema_metadata(metadata))
    return pa.concat_tables(fitted)


def nodes_in_order(nodes: Any) -> list[Any]:
    """Per-entity query nodes as a list (an Arrow array or any iterable of ids)."""
    if isinstance(nodes, (str, bytes)):
        raise TypeError("query() takes a list of nodes; for one node, pass [node]")
    if isinstance(nodes, (pa.Array, pa.ChunkedArray)):
        return nodes.to_pylist()
    if isinstance(nodes, np.ndarray):
        return nodes.tolist()
    return list(nodes)
