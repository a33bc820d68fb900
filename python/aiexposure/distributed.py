"""Scenario batches and per-entity queries on a Dask cluster (``pip install
'aiexposure[dask]'``; docs/scale-out.md).

The graph goes to each worker once: a saved file (:meth:`Graph.save`) that every worker
memory-maps through a worker plugin and keeps for every later task, or a Graph object, saved
for the call where the workers can read it, or shipped once per worker where they cannot.
The work is cut in chunks of consecutive scenarios (or nodes); the results, gathered in
chunk order, are the in-process call's, row for row and bit for bit. A worker that dies is
replaced and its chunks run again (Dask's own retries); Ctrl-C cancels the futures.

>>> import aiexposure.distributed as ad
>>> ad.MODELS
('look_through', 'debtrank', 'furfine', 'clearing')
"""

from __future__ import annotations

import inspect
import math
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq

try:
    import distributed
except ImportError as e:  # pragma: no cover - the extra is not installed
    raise ImportError(
        "aiexposure.distributed needs Dask's distributed package: pip install 'aiexposure[dask]'"
    ) from e

from . import _chunks, _cluster
from ._progress import Progress
from .graph import Graph

__all__ = [
    "MODELS",
    "QUERIES",
    "ScenarioFiles",
    "local_client",
    "query",
    "release",
    "run_scenarios",
]

MODELS = tuple(_chunks.SCENARIO_ARGUMENTS)
QUERIES = ("holdings_of", "exposure_to", "control", "significant_control")
# Chunks per worker thread when none is given: enough to even out unequal chunks and lose
# little when a worker dies, few enough that each chunk amortises its task's overhead.
CHUNKS_PER_THREAD = 8


@dataclass(frozen=True)
class ScenarioFiles:
    """A batch whose table went to Parquet files (``run_scenarios(..., out=DIR)``): ``files``
    one per chunk, in scenario order (``DIR/part-00000.parquet``, ...; all of the same
    schema), ``totals`` in memory (also written to ``DIR/totals.parquet``), ``base`` the
    clearing without shock (clearing only, else None).

    >>> ScenarioFiles(files=[], totals=pa.table({"scenario": []}), base=None).read().num_rows
    0
    """

    files: list[str]
    totals: pa.Table
    base: Any = None

    def read(self) -> pa.Table:
        """The whole table, read from the files (when it fits in memory)."""
        if not self.files:
            return pa.table({})
        return pa.concat_tables(pq.read_table(f) for f in self.files)


def run_scenarios(
    graph: Graph | str | os.PathLike[str],
    scenarios: Any,
    *,
    model: Literal["look_through", "debtrank", "furfine", "clearing"] = "look_through",
    on: str | None = None,
    client: Any = None,
    chunk: int | None = None,
    out: str | os.PathLike[str] | None = None,
    detail: bool = True,
    shared_dir: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
    **options: Any,
) -> Any:
    """Many scenarios of one model on a Dask cluster: what ``graph.<model>(scenarios,
    **options)`` gives in process (a :class:`LookThroughScenarios`, :class:`DebtRankScenarios`,
    :class:`FurfineScenarios` or :class:`ClearingScenarios`), the same rows and bits.

    ``graph``: the path of a file :meth:`Graph.save` wrote (every worker must read it: a
    shared file system) or a Graph. ``scenarios``: a long table (``scenario``, ``node``,
    ``value``; Furfine: ``scenario``, ``node``), ``"each"`` or :func:`aiexposure.each`; it
    goes to the argument ``on`` (``shock``; look_through: ``value_loss``, or ``default``).
    ``options``: the model's other arguments (``equity=``, ``external_assets=``, a
    ``default`` table beside ``value_loss`` ones, ...), sent to each worker once.

    ``client``: a ``distributed.Client``, a scheduler address, or None for the current
    client. ``chunk``: scenarios per task (default: eight tasks per worker thread). ``out``:
    a directory (shared by the workers) where each chunk's table is written as Parquet,
    for results larger than memory; a :class:`ScenarioFiles` is returned.
    ``shared_dir``: where to save a Graph object for the workers to map (default: the
    temporary directory when every worker is on this machine; else the graph's bytes go to
    each worker once). ``progress``: a bar on stderr (default: when stderr is a terminal).

    >>> import aiexposure.distributed as ad
    >>> from aiexposure import Graph
    >>> g = Graph.from_arrow({"source": ["bank"], "target": ["lab"], "kind": ["credit"],
    ...                       "amount": [30.0]})
    >>> with ad.local_client(workers=1, processes=False) as client:
    ...     r = ad.run_scenarios(g, "each", model="debtrank", client=client,
    ...                          equity={"bank": 60.0, "lab": 10.0})
    >>> r.totals.select(["scenario", "distressed_nodes"]).to_pylist()
    [{'scenario': 'bank', 'distressed_nodes': 1}, {'scenario': 'lab', 'distressed_nodes': 2}]
    """
    if model not in MODELS:
        raise ValueError(f"model={model!r}: one of {', '.join(MODELS)}")
    accepted = _chunks.SCENARIO_ARGUMENTS[model]
    on = on or accepted[0]
    if on not in accepted:
        raise ValueError(f"on={on!r}: {model}'s scenarios go to {' or '.join(accepted)}")
    if on in options:
        raise TypeError(f"{on} is given twice: as scenarios and as {on}=")
    given = {on: scenarios, **options}
    _check_arguments(model, given)
    with _connected(client) as c, _cluster.placed(c, graph, _str(shared_dir)) as (name, here):
        batch = _chunks.read_scenarios(model, given, here.nodes)
        rest = {k: v for k, v in given.items() if k not in batch.inputs}
        size = chunk if chunk is not None else _default_chunk(len(batch), c)
        _check_chunk(size)
        ranges = _chunks.bounds(len(batch), size) or [(0, 0)]
        directory = _out_dir(out)
        files = [
            None if directory is None else str(directory / f"part-{i:05d}.parquet")
            for i in range(len(ranges))
        ]
        [shared] = c.scatter([rest], broadcast=True, hash=False)  # the model's inputs, once
        futures = [
            c.submit(
                _cluster.run_chunk,
                name,
                model,
                batch.chunk(a, b),
                shared,
                detail,
                file,
                key=f"aiexposure-{model}-{i:05d}-{os.urandom(6).hex()}",
                pure=False,
            )
            for i, ((a, b), file) in enumerate(zip(ranges, files, strict=True))
        ]
        parts = _gathered(c, futures, _wants_progress(progress), f"{model} chunks")
    if directory is None:
        return _chunks.merge(model, parts)
    return _files(parts, [f for f in files if f is not None], directory)


def query(
    graph: Graph | str | os.PathLike[str],
    nodes: Iterable[Any],
    *,
    what: Literal["holdings_of", "exposure_to", "control", "significant_control"] = "holdings_of",
    client: Any = None,
    chunk: int | None = None,
    shared_dir: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
    **options: Any,
) -> pa.Table:
    """Per-entity queries on a Dask cluster, in chunks of nodes, as one table in the order of
    ``nodes``: ``"holdings_of"`` (``holder``, then :meth:`Graph.holdings_of`'s columns, for
    each node), ``"exposure_to"`` (``issuer``, then :meth:`Graph.exposure_to`'s),
    ``"control"`` (:meth:`Graph.control` with ``controllers=nodes``) or
    ``"significant_control"`` (:meth:`Graph.significant_control` of ``nodes``); ``options``
    go to the method. ``graph``, ``client``, ``chunk``, ``shared_dir`` and ``progress`` as
    in :func:`run_scenarios`. Unknown nodes are an :class:`UnknownNodeError` before any
    work is sent.

    >>> import aiexposure.distributed as ad
    >>> from aiexposure import Graph
    >>> g = Graph.from_arrow({"source": ["P", "A"], "target": ["A", "B"], "share": [0.5, 0.5]})
    >>> with ad.local_client(workers=1, processes=False) as client:
    ...     t = ad.query(g, ["P", "A"], client=client)
    >>> t.select(["holder", "issuer", "integrated"]).to_pylist()[1]
    {'holder': 'P', 'issuer': 'B', 'integrated': 0.25}
    """
    if what not in QUERIES:
        raise ValueError(f"what={what!r}: one of {', '.join(QUERIES)}")
    if what in ("holdings_of", "exposure_to") and options:
        raise TypeError(f"{what} takes no options (given: {', '.join(sorted(options))})")
    items = _chunks.nodes_in_order(nodes)
    with _connected(client) as c, _cluster.placed(c, graph, _str(shared_dir)) as (name, here):
        here.node_indices(items)  # every node known, before any work is sent
        size = chunk if chunk is not None else _default_chunk(len(items), c)
        _check_chunk(size)
        futures = [
            c.submit(
                _cluster.query_chunk,
                name,
                what,
                items[a:b],
                options,
                key=f"aiexposure-{what}-{i:05d}-{os.urandom(6).hex()}",
                pure=False,
            )
            for i, (a, b) in enumerate(_chunks.bounds(len(items), size) or [(0, 0)])
        ]
        parts = _gathered(c, futures, _wants_progress(progress), f"{what} chunks")
    return pa.concat_tables(parts)


def release(client: Any = None) -> list[str]:
    """Closes the graphs that :func:`run_scenarios` and :func:`query` left mapped on the
    workers (a saved file's graph stays open between calls); returns their plugins' names.

    >>> import aiexposure.distributed as ad
    >>> with ad.local_client(workers=1, processes=False) as client:
    ...     ad.release(client)
    []
    """
    with _connected(client) as c:
        return _cluster.release(c)


@contextmanager
def local_client(
    workers: int, *, threads_per_worker: int = 1, processes: bool = True
) -> Iterator[distributed.Client]:
    """A client of a ``distributed.LocalCluster`` of ``workers`` worker processes (threads
    with ``processes=False``), closed on leaving the block: what ``aiexposure stress
    --workers N`` runs on.

    >>> import aiexposure.distributed as ad
    >>> with ad.local_client(workers=1, processes=False) as client:
    ...     len(client.scheduler_info()["workers"])
    1
    """
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"workers={workers!r}: a number of workers, at least 1")
    with (
        distributed.LocalCluster(
            n_workers=workers,
            threads_per_worker=threads_per_worker,
            processes=processes,
            dashboard_address=":0",  # a free port: never "8787 is already in use"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


# --- helpers -----------------------------------------------------------------------------


@contextmanager
def _connected(client: Any) -> Iterator[distributed.Client]:
    if isinstance(client, distributed.Client):
        yield client
        return
    if isinstance(client, str):
        with distributed.Client(client) as c:
            yield c
        return
    if client is not None:
        raise TypeError(
            f"client must be a distributed.Client, a scheduler address or None, not "
            f"{type(client).__name__}"
        )
    try:
        yield distributed.default_client()
    except ValueError:
        raise ValueError(
            "no Dask client: create one (distributed.Client('tcp://scheduler:8786'), or "
            "aiexposure.distributed.local_client(workers=2)) or pass client="
        ) from None


def _check_arguments(model: str, given: dict[str, Any]) -> None:
    if "legacy_columns" in given or "detail" in given:
        raise TypeError("legacy_columns and detail are not model options here (detail= is)")
    try:
        inspect.signature(getattr(Graph, model)).bind_partial(None, **given)
    except TypeError as e:
        raise TypeError(f"{model}: {e}") from None


def _check_chunk(size: Any) -> None:
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise ValueError(f"chunk={size!r}: a number of scenarios (or nodes) per task, at least 1")


def _default_chunk(count: int, client: distributed.Client) -> int:
    return max(1, math.ceil(count / (CHUNKS_PER_THREAD * _threads(client))))


def _threads(client: distributed.Client) -> int:
    workers = client.scheduler_info(n_workers=-1)["workers"]
    if not workers:
        raise RuntimeError("the Dask cluster has no workers: start some, then call again")
    return sum(int(w.get("nthreads", 1)) for w in workers.values())


def _str(path: str | os.PathLike[str] | None) -> str | None:
    return None if path is None else os.fspath(path)


def _out_dir(out: str | os.PathLike[str] | None) -> Path | None:
    if out is None:
        return None
    directory = Path(out).absolute()
    if directory.exists() and not directory.is_dir():
        raise FileExistsError(f"out={os.fspath(out)!r} is a file; give a directory")
    directory.mkdir(parents=True, exist_ok=True)
    stale = sorted(directory.glob("part-*.parquet"))
    if stale:
        raise FileExistsError(
            f"out={os.fspath(out)!r} already holds {stale[0].name} (and {len(stale) - 1} more):"
            " give an empty directory, so that no file of another run is mixed with these"
        )
    return directory


def _wants_progress(progress: bool | None) -> bool:
    if progress is None:
        return bool(getattr(sys.stderr, "isatty", lambda: False)())
    return bool(progress)


def _gathered(
    client: distributed.Client, futures: list[Any], progress: bool, label: str
) -> list[Any]:
    """The futures' results in submission order. The first error cancels the rest and is
    raised as the worker raised it; so does Ctrl-C."""
    bar = Progress(len(futures))
    bar.enabled = progress
    position = {f.key: i for i, f in enumerate(futures)}
    results: list[Any] = [None] * len(futures)
    try:
        for future in distributed.as_completed(futures):
            results[position[future.key]] = future.result()
            bar.tick(label)
    except BaseException:
        bar.clear()
        client.cancel(futures)
        raise
    bar.clear()
    return results


def _files(parts: list[Any], files: list[str], directory: Path) -> ScenarioFiles:
    """The chunks' files given one schema (a look_through chunk without bounds columns is
    widened as :func:`_chunks.tables` does in memory), and the totals."""
    schemas = [pq.read_schema(f) for f in files]
    wide = max(schemas, key=len)
    for f, schema in zip(files, schemas, strict=True):
        if schema.names != wide.names:
            table = _chunks.tables([pq.read_table(f), wide.empty_table()])
            pq.write_table(table, f + ".partial")
            os.replace(f + ".partial", f)
    totals = _chunks.tables([p.totals for p in parts])
    pq.write_table(totals, directory / "totals.parquet")
    return ScenarioFiles(files=files, totals=totals, base=getattr(parts[0], "base", None))
