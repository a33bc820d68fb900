"""Every accepted input form gives the same graph."""

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from conftest import fingerprint

from aiexposure import Graph, InvalidGraphError

TABLE = pa.table(
    {
        "source": ["Amazon", "Nvidia", "OpenAI"],
        "target": ["OpenAI", "OpenAI", "Amazon"],
        "kind": ["equity", "equity", "commitment"],
        "share": [0.07, 0.04, None],
        "amount": [50e9, None, 138e9],
        "ref": ["a", "b", "c"],
    }
)


EXPECTED = fingerprint(Graph.from_arrow(TABLE))


class StreamOnly:
    """An object that only speaks the Arrow PyCapsule stream protocol."""

    def __init__(self, table):
        self._table = table

    def __arrow_c_stream__(self, requested_schema=None):
        return self._table.__arrow_c_stream__(requested_schema)


@pytest.mark.parametrize(
    "make",
    [
        lambda: TABLE,
        lambda: TABLE.to_batches()[0],
        lambda: pa.RecordBatchReader.from_batches(TABLE.schema, TABLE.to_batches()),
        lambda: StreamOnly(TABLE),
        lambda: TABLE.to_pydict(),
    ],
    ids=["table", "record_batch", "reader", "c_stream", "dict"],
)
def test_arrow_inputs(make):
    assert fingerprint(Graph.from_arrow(make())) == EXPECTED


def test_polars_dataframe():
    pl = pytest.importorskip("polars")
    df = pl.from_arrow(TABLE)
    assert fingerprint(Graph.from_arrow(df)) == EXPECTED


def test_polars_string_view_columns():
    pl = pytest.importorskip("polars")
    df = pl.from_arrow(TABLE)
    # polars exports its strings as string_view through the C stream; ids keep that type.
    assert pa.RecordBatchReader.from_stream(df).schema.field("source").type == pa.string_view()
    g = Graph.from_arrow(df)
    assert g.nodes.type == pa.string_view()
    assert g.nodes.to_pylist() == EXPECTED[0]


def test_duckdb_relation():
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    con.register("edges", TABLE)
    assert fingerprint(Graph.from_arrow(con.sql("select * from edges"))) == EXPECTED


def test_pandas_dataframe():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(TABLE.to_pydict())
    assert fingerprint(Graph.from_arrow(df)) == EXPECTED


def test_pandas_nan_means_unknown():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(
        {
            "source": ["A", "B"],
            "target": ["B", "C"],
            "kind": ["equity", "credit"],
            "share": [0.5, float("nan")],
            "amount": [float("nan"), 3.0],
        }
    )
    g = Graph.from_arrow(df)
    assert g.summary()["kinds"]["credit"]["total_amount"] == 3.0


@pytest.mark.parametrize("suffix", [".parquet", ".arrow", ".feather", ".csv"])
def test_paths(tmp_path, suffix):
    path = tmp_path / f"edges{suffix}"
    if suffix == ".parquet":
        pq.write_table(TABLE, path)
    elif suffix == ".csv":
        pcsv.write_csv(TABLE, path)
    else:
        feather.write_feather(TABLE, path)
    assert fingerprint(Graph.from_arrow(path)) == EXPECTED
    assert fingerprint(Graph.from_arrow(str(path))) == EXPECTED


def test_arrow_stream_file(tmp_path):
    path = tmp_path / "edges.arrows"
    with pa.ipc.new_stream(path, TABLE.schema) as w:
        w.write_table(TABLE)
    assert fingerprint(Graph.from_arrow(path)) == EXPECTED


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.parquet"):
        Graph.from_arrow(tmp_path / "nope.parquet")


def test_malformed_file(tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"this is not parquet")
    with pytest.raises(InvalidGraphError, match=r"broken\.parquet"):
        Graph.from_arrow(path)


def test_unsupported_file_type(tmp_path):
    path = tmp_path / "edges.xlsx"
    path.write_bytes(b"")
    with pytest.raises(InvalidGraphError, match=r"unsupported file type '\.xlsx'"):
        Graph.from_arrow(path)


def test_unsupported_object():
    with pytest.raises(TypeError, match="cannot read the edge table from int"):
        Graph.from_arrow(42)


def _unaligned(values, type_):
    """An Arrow array whose data buffer starts 3 bytes off (as Dask or a socket may deliver
    it): numpy views of it are not aligned."""
    a = pa.array(values, type_)
    bufs = []
    for b in a.buffers():
        if b is None:
            bufs.append(None)
            continue
        raw = bytearray(b.size + 3)
        raw[3:] = b.to_pybytes()
        bufs.append(pa.py_buffer(memoryview(raw)[3:]))
    return pa.Array.from_buffers(type_, len(a), bufs)


@pytest.mark.parametrize("ids", [pa.int64(), pa.uint64(), pa.string(), pa.large_string()])
def test_unaligned_buffers_are_read_as_any_others(ids):
    labels = [0, 1, 2] if pa.types.is_integer(ids) else ["a", "b", "c"]
    src = _unaligned([labels[0], labels[1], labels[2]], ids)
    dst = _unaligned([labels[1], labels[2], labels[0]], ids)
    share = _unaligned([0.5, 0.3, 0.2], pa.float64())
    assert not np.frombuffer(share.buffers()[1], np.float64).flags.aligned
    g = Graph.from_arrow(pa.table({"source": src, "target": dst, "share": share}))
    plain = Graph.from_arrow(
        {
            "source": pa.array(src.to_pylist(), ids),
            "target": pa.array(dst.to_pylist(), ids),
            "share": [0.5, 0.3, 0.2],
        }
    )
    loss = pa.table({"node": src, "value": share})
    assert g.look_through(loss, legacy_columns=False).equals(
        plain.look_through(
            {k: v for k, v in zip(src.to_pylist(), [0.5, 0.3, 0.2], strict=True)},
            legacy_columns=False,
        )
    )
    shocks = pa.table({"scenario": src, "node": dst, "value": share})
    assert g.debtrank(shocks, equity=loss).totals.num_rows == 3
    assert g.node_indices(src.to_pylist()).tolist() == [0, 1, 2]
