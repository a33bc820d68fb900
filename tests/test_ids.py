"""Node ids keep their identity: CSV ids stay text, keys never truncate, mixed types are refused."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from aiexposure import Graph, InvalidGraphError, UnknownNodeError
from aiexposure.cli import main


def test_csv_ids_are_strings_with_their_zeros(tmp_path):
    path = tmp_path / "register.csv"
    path.write_text("source,target,share\n007,00445790,0.5\n07,00445790,0.25\n")
    g = Graph.from_arrow(path)
    assert g.nodes.type == pa.string()
    assert g.nodes.to_pylist() == ["007", "07", "00445790"]
    owners = g.exposure_to("00445790")
    assert dict(
        zip(owners["holder"].to_pylist(), owners["integrated"].to_pylist(), strict=True)
    ) == {
        "007": 0.5,
        "07": 0.25,
    }


def test_csv_node_table_ids_are_strings(tmp_path):
    (tmp_path / "edges.csv").write_text("source,target,share\n001,002,0.5\n")
    (tmp_path / "nodes.csv").write_text("id,name\n003,Lonely\n001,One\n")
    g = Graph.from_arrow(tmp_path / "edges.csv", nodes=tmp_path / "nodes.csv")
    assert g.nodes.to_pylist() == ["003", "001", "002"]


def test_csv_with_renamed_id_columns(tmp_path):
    path = tmp_path / "edges.csv"
    path.write_text("holder,issuer,pct\n1,02,0.5\n")
    g = Graph.from_arrow(path, source="holder", target="issuer", share="pct")
    assert g.nodes.to_pylist() == ["1", "02"]
    assert g.edges()["pct"].type == pa.float64()


def test_cli_reads_csv_ids_as_strings(tmp_path, capsys):
    path = tmp_path / "edges.csv"
    path.write_text("source,target,share\n007,X,0.5\n07,X,0.25\n")
    assert main(["exposure", str(path), "--holder", "007"]) == 0
    out = capsys.readouterr().out
    assert "50.0" in out and "25.0" not in out


@pytest.fixture
def int_graph():
    return Graph.from_arrow({"source": [1, 2], "target": [2, 3], "share": [0.5, 0.5]})


@pytest.mark.parametrize("key", [1.5, np.float64(2.7), True, np.bool_(True), "1"])
def test_non_integral_or_bool_keys_name_no_node(int_graph, key):
    with pytest.raises(UnknownNodeError, match=r"not in the graph|not an integer|bool") as e:
        int_graph.holdings_of(key)
    assert e.value.nodes == [key]
    with pytest.raises(UnknownNodeError):
        int_graph.exposure_to(key)
    with pytest.raises(UnknownNodeError, match="value_loss"):
        int_graph.look_through(value_loss={key: 1.0}, legacy_columns=False)
    with pytest.raises(UnknownNodeError, match="default"):
        int_graph.look_through(default={key: 0.5}, legacy_columns=False)


def test_messages_say_why_a_key_names_no_node(int_graph):
    with pytest.raises(UnknownNodeError, match=r"1\.5 is not an integer"):
        int_graph.holdings_of(1.5)
    with pytest.raises(UnknownNodeError, match="True is a bool"):
        int_graph.look_through(value_loss={True: 1.0}, legacy_columns=False)


def test_integral_float_keys_still_work(int_graph):
    assert int_graph.holdings_of(2.0).equals(int_graph.holdings_of(2))
    loss = int_graph.look_through(value_loss={3.0: 10.0}, legacy_columns=False)
    assert loss.equals(int_graph.look_through(value_loss={3: 10.0}, legacy_columns=False))


def test_bool_keys_on_a_string_graph():
    g = Graph.from_arrow({"source": ["A"], "target": ["B"], "share": [0.5]})
    with pytest.raises(UnknownNodeError, match="bool"):
        g.holdings_of(True)
    with pytest.raises(UnknownNodeError):
        g.look_through(value_loss={False: 1.0}, legacy_columns=False)


def test_bool_node_column_in_a_value_table(int_graph):
    table = pa.table({"node": [True], "value": [1.0]})
    with pytest.raises(UnknownNodeError, match="booleans"):
        int_graph.look_through(value_loss=table, legacy_columns=False)


@pytest.mark.parametrize("column", ["source", "target"])
def test_pandas_object_column_mixing_ints_and_strings(column):
    frame = pd.DataFrame({"source": ["A", "B"], "target": ["C", "D"], "share": [0.1, 0.2]})
    frame[column] = pd.Series([1, "x"], dtype=object)
    with pytest.raises(InvalidGraphError, match=f"column '{column}'.*mixes value types"):
        Graph.from_arrow(frame)
