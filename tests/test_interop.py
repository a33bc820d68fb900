"""Arrow in and out: results that polars and DuckDB read in place, polars (string_view) and
DuckDB inputs, Parquet and Arrow IPC round trips."""

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from aiexposure import Graph, UnknownNodeError
from aiexposure.datasets import ai_funding_2026, split_quantified

pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")


@pytest.fixture(scope="module")
def edges():
    quantified, _ = split_quantified(ai_funding_2026())
    return quantified


def every_result(g):
    """Every table-producing method, on the built-in data's node names."""
    cf = g.circular_financing(payees=["Amazon", "Nvidia"])
    return {
        "walks": g.integrated_ownership("walks"),
        "ultimate": g.integrated_ownership("ultimate"),
        "simple_paths": g.integrated_ownership("simple_paths"),
        "look_through": g.look_through(
            value_loss={"OpenAI": 365e9}, default={"OpenAI": 1.0}, legacy_columns=False
        ),
        "exposure_to": g.exposure_to("OpenAI"),
        "holdings_of": g.holdings_of("Amazon"),
        "scc": g.strongly_connected_components(),
        "cycles": g.simple_cycles(),
        "round_trips": cf.round_trips,
        "self_funded": cf.self_funded,
        "find_cycle": g.find_cycle(),
    }


def same(a, b):
    """Equal tables up to the string type of the ids."""
    assert a.column_names == b.column_names
    for x, y in zip(a.columns, b.columns, strict=True):
        if pa.types.is_string_view(x.type):
            x = x.cast(pa.string())
        if pa.types.is_list(x.type) and pa.types.is_string_view(x.type.value_type):
            x = x.cast(pa.list_(pa.string()))
        assert x.to_pylist() == y.to_pylist()


def test_polars_string_view_ids_go_through_every_method(edges):
    frame = pl.from_arrow(edges)
    g = Graph.from_arrow(frame)
    assert pa.types.is_string_view(g.nodes.type)
    ours = every_result(g)
    plain = every_result(Graph.from_arrow(edges))
    for name, table in ours.items():
        same(table, plain[name])
    assert pa.types.is_string_view(ours["walks"]["holder"].type)  # ids keep their type


def test_results_are_read_by_polars_without_copying(edges):
    g = Graph.from_arrow(pl.from_arrow(edges))
    walks = g.integrated_ownership("walks")
    frame = pl.from_arrow(walks)
    for column in ["direct", "integrated"]:
        ours = walks[column].chunks[0].buffers()[1].address
        assert frame[column].to_arrow().buffers()[1].address == ours
    # string_view ids: polars' own string layout, no conversion either.
    held = frame["holder"].to_arrow(compat_level=pl.CompatLevel.newest())
    assert held.buffers()[1].address == walks["holder"].chunks[0].buffers()[1].address
    assert frame.sort("integrated", descending=True)["holder"][0] == "Amazon"


def test_duckdb_queries_results_in_place_and_feeds_graphs(edges, tmp_path):
    g = Graph.from_arrow(edges)
    walks = g.integrated_ownership("walks")
    top = duckdb.sql(
        "SELECT holder, issuer, integrated FROM walks WHERE integrated > 0.05 ORDER BY holder"
    ).arrow()
    top = top.read_all() if hasattr(top, "read_all") else top
    assert top.to_pylist() == [{"holder": "Amazon", "issuer": "OpenAI", "integrated": 50 / 730}]
    # A DuckDB relation in, the same graph out.
    con = duckdb.connect()
    con.register("edges_view", edges)
    con.execute("CREATE TABLE e AS SELECT * FROM edges_view")
    again = Graph.from_arrow(con.table("e"))
    same(again.integrated_ownership("walks"), walks)
    # And a result written to Parquet by DuckDB reads back.
    path = tmp_path / "walks.parquet"
    duckdb.sql(f"COPY (SELECT * FROM walks) TO '{path}' (FORMAT parquet)")
    assert (
        pq.read_table(path).select(walks.column_names).equals(walks.replace_schema_metadata(None))
    )


def test_parquet_and_arrow_ipc_round_trips(edges, tmp_path):
    g = Graph.from_arrow(edges)
    pq.write_table(g.edges(), tmp_path / "edges.parquet")
    with (
        pa.OSFile(str(tmp_path / "edges.arrow"), "wb") as sink,
        pa.ipc.new_file(sink, g.edges().schema) as writer,
    ):
        writer.write_table(g.edges())
    for path in [tmp_path / "edges.parquet", tmp_path / "edges.arrow"]:
        again = Graph.from_arrow(path)
        same(
            again.look_through(default={"OpenAI": 1.0}, legacy_columns=False),
            g.look_through(default={"OpenAI": 1.0}, legacy_columns=False),
        )
    exposures = g.look_through(default={"OpenAI": 1.0}, legacy_columns=False)
    pq.write_table(exposures, tmp_path / "exposures.parquet")
    assert pq.read_table(tmp_path / "exposures.parquet").equals(exposures)


def test_node_attributes_from_polars_and_string_view_lookups():
    nodes = pl.DataFrame({"id": ["B", "A"], "name": ["Bee Ltd", "Ay plc"], "type": ["co", "co"]})
    edges = pl.DataFrame({"source": ["A", "P"], "target": ["B", "A"], "share": [0.5, 0.4]})
    g = Graph.from_arrow(edges, nodes=nodes)
    table = g.node_table
    assert table.column_names == ["node", "name", "type"]
    assert [str(v) for v in table["node"].to_pylist()] == ["B", "A", "P"]
    assert table["name"].to_pylist() == ["Bee Ltd", "Ay plc", None]
    assert pc.sum(g.exposure_to("B")["integrated"]).as_py() == pytest.approx(0.5 + 0.2)
    with pytest.raises(UnknownNodeError, match="'Q'"):
        g.holdings_of("Q")
