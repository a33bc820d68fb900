"""The graph on a Dask cluster's workers (docs/scale-out.md): a worker plugin maps the saved
graph once per worker, present and future (a restarted worker maps it again), and every task
of that worker reads it from there. The tasks run here, on the workers.

Where the workers find the file: a path the caller gives (shared by the workers), the file
an opened graph was mapped from (workers on this machine), a copy saved for the call in a
shared directory (workers on this machine: the temporary directory), or, with no shared
path, the file's bytes shipped once per worker in the plugin and written to the worker's
local directory. Never once per task, never into every worker's heap for good.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import socket
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from distributed import Client, Worker, WorkerPlugin

from .graph import Graph

PREFIX = "aiexposure-graph-"
# This process's graphs, by plugin name: filled on workers by the plugin's setup.
_GRAPHS: dict[str, Graph] = {}


class MappedGraph(WorkerPlugin):
    """Opens one saved graph on a worker: the file at ``path``, or ``data`` (the file's
    bytes) written once to the worker's local directory. In a worker process of its own it
    also sizes the core's thread pool to the worker's threads (unless ``RAYON_NUM_THREADS``
    says otherwise), so that workers sharing a machine do not oversubscribe it."""

    def __init__(
        self, name: str, *, path: str | None = None, data: bytes | None = None, keep: bool
    ) -> None:
        self.name = name
        self.path = path
        self.data = data
        self.idempotent = keep  # a plugin of that name already there: the same file, kept
        self.parent = os.getpid()
        self.written: str | None = None

    def setup(self, worker: Worker) -> None:
        if os.getpid() != self.parent:
            os.environ.setdefault("RAYON_NUM_THREADS", str(worker.state.nthreads))
        path = self.path
        if path is None:
            assert self.data is not None
            path = os.path.join(worker.local_directory, f"{self.name}.arrow")
            with open(path, "wb") as f:
                f.write(self.data)
            self.written, self.data = path, None  # the heap copy goes, the mapped pages stay
        try:
            _GRAPHS[self.name] = Graph.open(path)
        except FileNotFoundError as e:
            raise FileNotFoundError(
                f"worker {worker.address} cannot open the saved graph: {e}; give a path every "
                "worker reads (a shared file system), or the Graph object to ship it"
            ) from None

    def teardown(self, worker: Worker) -> None:
        _GRAPHS.pop(self.name, None)
        if self.written:
            Path(self.written).unlink(missing_ok=True)


def graph_on_worker(name: str) -> Graph:
    try:
        return _GRAPHS[name]
    except KeyError:
        raise RuntimeError(
            f"the graph {name} is not open on this worker (its plugin was removed while "
            "tasks ran); run the call again"
        ) from None


@contextmanager
def placed(client: Client, graph: Any, shared_dir: str | None) -> Iterator[tuple[str, Graph]]:
    """Puts ``graph`` (a saved file's path, or a Graph) on every worker for the ``with``
    block; yields (the plugin's name, the graph as this process sees it). A path's plugin
    stays registered (later calls find the graph open; :func:`release` closes it); a copy
    made for the call is removed with it."""
    if isinstance(graph, (str, os.PathLike)):
        given = os.path.abspath(os.fspath(graph))
        here = Graph.open(given)  # the file is checked here, before any worker sees it
        yield _register(client, here, given), here
        return
    if not isinstance(graph, Graph):
        raise TypeError(
            f"graph must be a Graph or the path of a file written by Graph.save, not "
            f"{type(graph).__name__}"
        )
    local = workers_local(client)
    mapped = graph.path
    if mapped is not None and local:
        yield _register(client, graph, mapped), graph
        return
    directory = shared_dir or (tempfile.gettempdir() if local else None)
    name = f"{PREFIX}{uuid.uuid4().hex}"
    path: str | None = None
    if directory is not None:
        path = os.path.join(os.path.abspath(directory), f"{name}.arrow")
        graph.save(path, plan=True)
        plugin = MappedGraph(name, path=path, keep=False)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            copy = os.path.join(tmp, "graph.arrow")
            graph.save(copy, plan=True)
            plugin = MappedGraph(name, data=Path(copy).read_bytes(), keep=False)
    try:
        client.register_plugin(plugin, name=name)
        yield name, graph
    finally:
        if name in _registered(client):
            client.unregister_worker_plugin(name)
        if path is not None:
            Path(path).unlink(missing_ok=True)


def _register(client: Client, graph: Graph, path: str) -> str:
    stat = os.stat(path)
    token = hashlib.sha1(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}".encode()).hexdigest()
    name = f"{PREFIX}{token[:20]}"
    client.register_plugin(MappedGraph(name, path=path, keep=True), name=name)
    return name


def _registered(client: Client) -> set[str]:
    plugins = client.run_on_scheduler(_plugin_names)
    return set(plugins)


def _plugin_names(dask_scheduler: Any) -> list[str]:
    return [k for k in dask_scheduler.worker_plugins if k.startswith(PREFIX)]


def release(client: Client) -> list[str]:
    """Closes every graph aiexposure left open on the workers (their plugins); returns the
    plugins' names."""
    names = sorted(_registered(client))
    for name in names:
        client.unregister_worker_plugin(name)
    return names


def workers_local(client: Client) -> bool:
    """Whether every worker runs on this machine (so it reads this machine's files)."""
    here = {"127.0.0.1", "localhost", "::1", socket.gethostname()}
    try:
        here |= set(socket.gethostbyname_ex(socket.gethostname())[2])
    except OSError:
        pass
    workers = client.scheduler_info(n_workers=-1)["workers"]
    return bool(workers) and all(
        str(address).startswith("inproc://") or (w.get("host") or _host(address)) in here
        for address, w in workers.items()
    )


def _host(address: str) -> str:
    rest = address.split("://", 1)[-1]
    return rest.rsplit(":", 1)[0].strip("[]")


# --- the tasks, run on the workers ---------------------------------------------------------


def run_chunk(
    name: str,
    model: str,
    inputs: dict[str, Any],
    options: dict[str, Any],
    detail: bool,
    out: str | None,
) -> Any:
    """One chunk of scenarios: the model's batch result (with ``out``, its table written to
    that Parquet file, through a temporary name, and left empty in the result)."""
    graph = graph_on_worker(name)
    kwargs = {**options, **inputs, "detail": detail}
    if model == "look_through":
        kwargs["legacy_columns"] = False
    with workspace_kept():
        result = getattr(graph, model)(**kwargs)
    if out is None:
        return result
    partial = out + ".partial"
    pq.write_table(result.table, partial)
    os.replace(partial, out)
    return replace(result, table=result.table.slice(0, 0))


def query_chunk(name: str, what: str, nodes: list[Any], options: dict[str, Any]) -> pa.Table:
    """One chunk of per-entity queries, rows in the order of ``nodes``."""
    graph = graph_on_worker(name)
    with workspace_kept():
        if what == "control":
            return graph.control(controllers=nodes, **options)
        if what == "significant_control":
            return graph.significant_control(nodes, **options)
        graph.node_indices(nodes)  # builds the label index once: each call below is O(1)
        parts = [getattr(graph, what)(node) for node in nodes]
    table = pa.concat_tables(parts)
    counts = [t.num_rows for t in parts]
    keys = pa.array(nodes, graph.nodes.type).take(
        pa.array([i for i, c in enumerate(counts) for _ in range(c)], pa.int64())
    )
    return table.add_column(0, "holder" if what == "holdings_of" else "issuer", keys)


# glibc's mallopt parameters (malloc.h).
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
GLIBC_MMAP_THRESHOLD = 128 * 1024  # its default, fixed once MALLOC_TRIM_THRESHOLD_ is set
KEPT_MMAP_THRESHOLD = 32 * 2**20  # the largest glibc allows on 64 bits
KEPT_TRIM_THRESHOLD = 2**30
_kept = {"tasks": 0}
_kept_lock = threading.Lock()


@contextmanager
def workspace_kept() -> Iterator[None]:
    """Lets a task reuse freed memory while it runs, and gives it back when it ends.

    Dask starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``: glibc then returns freed
    memory to the system at once and maps every block above 128 KiB afresh. A batch's
    passes each take a few vectors of one float per node, freed after each scenario; so
    every scenario would fault them in again (measured at 2M nodes: 1.6x slower than the
    same batch in a plain process). While a task runs, glibc keeps freed blocks (as it does
    by default in a plain process); at its end Dask's thresholds are set back and
    ``malloc_trim`` returns the memory. Where glibc or that setting is absent, nothing is
    changed."""
    trim = os.environ.get("MALLOC_TRIM_THRESHOLD_")
    libc = _glibc() if trim is not None and trim.isdigit() else None
    if libc is None:
        yield
        return
    with _kept_lock:
        _kept["tasks"] += 1
        if _kept["tasks"] == 1:
            libc.mallopt(M_MMAP_THRESHOLD, KEPT_MMAP_THRESHOLD)
            libc.mallopt(M_TRIM_THRESHOLD, KEPT_TRIM_THRESHOLD)
    try:
        yield
    finally:
        with _kept_lock:
            _kept["tasks"] -= 1
            if _kept["tasks"] == 0:
                libc.mallopt(M_TRIM_THRESHOLD, int(trim))  # type: ignore[arg-type]
                libc.mallopt(M_MMAP_THRESHOLD, GLIBC_MMAP_THRESHOLD)
                libc.malloc_trim(0)


def _glibc() -> Any:
    try:
        libc = ctypes.CDLL("libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None
