"""Id and kind columns in every Arrow type polars, pandas and DuckDB hand over: dictionary
(Categorical, Enum, category, ENUM), string_view, large_string."""

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import fingerprint

from aiexposure import Graph
from aiexposure.cli import main

BASE = {
    "source": ["Amazon", "Nvidia", "OpenAI", "Nvidia"],
    "target": ["OpenAI", "OpenAI", "Amazon", "CoreWeave"],
    "kind": ["equity", "equity", "commitment", "credit"],
    "share": [0.07, 0.04, None, None],
    "amount": [50e9, None, 138e9, 2e9],
}
NAMES = ["Amazon", "Nvidia", "OpenAI", "CoreWeave"]


EXPECTED = fingerprint(Graph.from_arrow(pa.table(BASE)))
FRAME = pl.DataFrame(BASE)
ID_KIND = ("source", "target", "kind")


def _arrow(**types):
    return pa.table({c: pa.array(v).cast(types.get(c, pa.array(v).type)) for c, v in BASE.items()})


def _dictionary(value_type):
    return pa.table(
        {
            c: pa.array(v).cast(value_type).dictionary_encode() if c in ID_KIND else pa.array(v)
            for c, v in BASE.items()
        }
    )


INPUTS = {
    "polars Categorical": lambda: FRAME.with_columns(pl.col(*ID_KIND).cast(pl.Categorical)),
    "polars Enum": lambda: FRAME.with_columns(
        pl.col("source", "target").cast(pl.Enum(NAMES)),
        pl.col("kind").cast(pl.Enum(["equity", "credit", "commitment"])),
    ),
    "polars String": lambda: FRAME,
    "pandas category": lambda: pd.DataFrame(BASE).astype({c: "category" for c in ID_KIND}),
    "string_view": lambda: _arrow(**dict.fromkeys(ID_KIND, pa.string_view())),
    "large_string": lambda: _arrow(**dict.fromkeys(ID_KIND, pa.large_string())),
    "dictionary<string>": lambda: _dictionary(pa.string()),
    "dictionary<large_string>": lambda: _dictionary(pa.large_string()),
    "dictionary<string_view>": lambda: _dictionary(pa.string_view()),
    "chunked dictionary": lambda: pa.concat_tables(
        [_dictionary(pa.string()).slice(0, 2), _dictionary(pa.string()).slice(2)]
    ),
    "DuckDB ENUM": lambda: _duckdb(
        "SELECT source::ENUM('Amazon', 'Nvidia', 'OpenAI', 'CoreWeave') AS source, target, "
        "kind::ENUM('equity', 'credit', 'commitment') AS kind, share, amount FROM base"
    ),
    "DuckDB VARCHAR": lambda: _duckdb("SELECT * FROM base"),
}


def _duckdb(query):
    con = duckdb.connect()
    con.register("base", pa.table(BASE))
    return con.sql(query)


@pytest.mark.parametrize("name", INPUTS)
def test_encoded_id_and_kind_columns(name):
    g = Graph.from_arrow(INPUTS[name]())
    assert fingerprint(g) == EXPECTED
    assert g.holdings_of("Amazon")["issuer"].to_pylist() == ["OpenAI"]
    assert g.simple_cycles()["nodes"].to_pylist() == [["Amazon", "OpenAI"]]


def test_integer_dictionary_ids():
    t = pa.table(
        {
            "source": pa.array([1, 2]).dictionary_encode(),
            "target": pa.array([2, 3], pa.int32()).dictionary_encode(),
            "share": [0.5, 0.5],
        }
    )
    g = Graph.from_arrow(t)
    assert g.nodes.type == pa.int64() and g.nodes.to_pylist() == [1, 2, 3]


def test_value_table_with_a_categorical_node_column():
    g = Graph.from_arrow(pa.table(BASE))
    plain = g.look_through(value_loss={"OpenAI": 1e9}, legacy_columns=False)
    shock = pl.DataFrame({"node": ["OpenAI"], "value": [1e9]})
    for node_type in (pl.Categorical, pl.String):
        table = shock.with_columns(pl.col("node").cast(node_type))
        assert g.look_through(value_loss=table, legacy_columns=False).equals(plain)


def test_generated_file_read_back_with_polars(tmp_path):
    path = tmp_path / "big.parquet"
    assert main(["generate", str(path), "--nodes", "500", "--commitments", "0.2"]) == 0
    frame = pl.read_parquet(path)
    assert frame.schema["kind"] == pl.Categorical
    g = Graph.from_arrow(frame)
    assert fingerprint(g) == fingerprint(Graph.from_arrow(pq.read_table(path)))
    assert g.summary()["kinds"]["commitment"]["edges"] > 0
