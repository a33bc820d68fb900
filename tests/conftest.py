"""Shared test helpers: graph builders, the command line in a subprocess, small table readers.

Test modules import the plain helpers (``from conftest import build``; pyproject puts tests/
on the path) and take the fixtures as arguments."""

import signal
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from aiexposure import Graph
from aiexposure.datasets import ai_funding_2026, split_quantified

EDGE_COLUMNS = ("source", "target", "kind", "share", "amount")
TEXT_COLUMNS = {"kind"}
FLAG_COLUMNS = {"share_min_exclusive", "share_max_exclusive"}


def build(n, rows, columns=EDGE_COLUMNS, **options):
    """A graph on nodes 0..n-1 (label = index) from rows of ``columns`` (ids int64, kinds
    text, flags bool, the rest float64); ``options`` go to ``Graph.from_arrow``."""
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(columns)

    def type_of(name):
        if name in ("source", "target"):
            return pa.int64()
        if name in TEXT_COLUMNS:
            return pa.string()
        return pa.bool_() if name in FLAG_COLUMNS else pa.float64()

    data = {
        name: pa.array(list(values), type_of(name))
        for name, values in zip(columns, cols, strict=True)
    }
    return Graph.from_arrow(data, nodes=pa.array(range(n), pa.int64()), **options)


def fingerprint(g: Graph):
    """Nodes and every (source, target, kind, share, amount) edge: two graphs built from the
    same data in two forms must agree on it."""
    return g.nodes.to_pylist(), sorted(
        (u, v, k, d["share"], d["amount"])
        for u, v, k, d in g.to_networkx().edges(keys=True, data=True)
    )


def row(table, **where):
    """The one row of ``table`` whose columns equal ``where``."""
    rows = [r for r in table.to_pylist() if all(r[k] == v for k, v in where.items())]
    assert len(rows) == 1, rows
    return rows[0]


def meta(table, key):
    """The table's ``aiexposure.<key>`` metadata, as text."""
    return table.schema.metadata[f"aiexposure.{key}".encode()].decode()


def run_cli(*args, cwd=None):
    """``python -m aiexposure ARGS`` in a subprocess (piped: no progress bar)."""
    return subprocess.run(
        [sys.executable, "-m", "aiexposure", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def ok(done):
    """The stdout of a command that succeeded and printed nothing on stderr (piped: no
    progress bar, no warning)."""
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def deals(tmp_path):
    """The built-in deals with a known stake or amount: a Parquet file's path, as text (a
    command-line argument)."""
    path = tmp_path / "deals.parquet"
    pq.write_table(split_quantified(ai_funding_2026())[0], path)
    return str(path)


@pytest.fixture
def sigint():
    """Ctrl-C raises KeyboardInterrupt during the test, whatever the process inherited: a
    shell starts background jobs with SIGINT ignored, and Python then installs no handler."""
    saved = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, saved)
