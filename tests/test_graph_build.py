"""Building graphs: node numbering and types, merged duplicates, CSR contents."""

import datetime

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiexposure import Graph

KINDS = ["equity", "credit", "commitment"]


def edge_set(g: Graph) -> dict:
    """(source, target, kind) -> (share, amount) from the Rust CSR, via networkx."""
    return {
        (u, v, k): (d["share"], d["amount"])
        for u, v, k, d in g.to_networkx().edges(keys=True, data=True)
    }


def test_nodes_in_first_appearance_order_sources_then_targets():
    g = Graph.from_arrow(
        {"source": ["C", "A", "C"], "target": ["B", "B", "D"], "share": [0.1, 0.2, 0.3]}
    )
    assert g.nodes.to_pylist() == ["C", "A", "B", "D"]
    assert g.num_nodes == 4
    assert g.num_edges == 3


@pytest.mark.parametrize(
    "id_type", [pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.uint8(), pa.uint32()]
)
def test_integer_ids_keep_their_type(id_type):
    t = pa.table(
        {
            "source": pa.array([1, 2, 3], id_type),
            "target": pa.array([2, 3, 4], id_type),
            "share": [0.5, 0.5, 0.5],
        }
    )
    g = Graph.from_arrow(t)
    assert g.nodes.type == id_type
    assert g.nodes.to_pylist() == [1, 2, 3, 4]


def test_uint64_ids_above_int64_stay_distinct():
    big = 2**64 - 1
    t = pa.table(
        {
            "source": pa.array([big, 2**63], pa.uint64()),
            "target": pa.array([2**63, 5], pa.uint64()),
            "share": [1.0, 1.0],
        }
    )
    g = Graph.from_arrow(t)
    assert g.nodes.type == pa.uint64()
    assert g.nodes.to_pylist() == [big, 2**63, 5]


def test_sparse_integer_ids_use_the_hash_path():
    ids = [-(2**62), 2**62, 7, -3]
    t = pa.table({"source": ids, "target": ids[1:] + ids[:1], "kind": ["credit"] * 4})
    g = Graph.from_arrow(t)
    assert g.nodes.to_pylist() == ids
    assert set(edge_set(g)) == {
        (u, v, "credit") for u, v in zip(ids, ids[1:] + ids[:1], strict=True)
    }


def test_mixed_integer_widths_are_promoted_to_int64():
    t = pa.table(
        {
            "source": pa.array([1, 2], pa.int32()),
            "target": pa.array([2, 3], pa.int64()),
            "share": [0.5, 0.5],
        }
    )
    assert Graph.from_arrow(t).nodes.type == pa.int64()


@pytest.mark.parametrize("string_type", [pa.string(), pa.large_string(), pa.string_view()])
def test_string_ids_keep_their_type(string_type):
    t = pa.table(
        {
            "source": pa.array(["Amazon", "Nvidia"], string_type),
            "target": pa.array(["OpenAI", "OpenAI"], string_type),
            "share": [0.1, 0.2],
        }
    )
    g = Graph.from_arrow(t)
    assert g.nodes.type == string_type
    assert g.nodes.to_pylist() == ["Amazon", "Nvidia", "OpenAI"]


def test_dictionary_ids_and_kinds_are_decoded():
    t = pa.table(
        {
            "source": pa.array(["A", "B", "A"]).dictionary_encode(),
            "target": pa.array(["B", "C", "C"]).dictionary_encode(),
            "kind": pa.array(["equity", "credit", "commitment"]).dictionary_encode(),
            "share": [0.5, None, None],
        }
    )
    g = Graph.from_arrow(t)
    assert g.nodes.to_pylist() == ["A", "B", "C"]
    assert set(edge_set(g)) == {
        ("A", "B", "equity"),
        ("B", "C", "credit"),
        ("A", "C", "commitment"),
    }


def test_sliced_and_chunked_string_columns():
    big = pa.table(
        {"source": ["x", "A", "B", "y"], "target": ["y", "B", "C", "z"], "share": [0.1] * 4}
    )
    sliced = big.slice(1, 2)
    chunked = pa.concat_tables(
        [sliced, pa.table({"source": ["C"], "target": ["A"], "share": [0.3]})]
    )
    g = Graph.from_arrow(chunked)
    assert g.nodes.to_pylist() == ["A", "B", "C"]
    assert set(edge_set(g)) == {("A", "B", "equity"), ("B", "C", "equity"), ("C", "A", "equity")}


def test_empty_string_is_a_node_id():
    g = Graph.from_arrow({"source": [""], "target": ["B"], "share": [1.0]})
    assert g.nodes.to_pylist() == ["", "B"]


def test_duplicates_are_summed_and_unknown_amount_makes_the_sum_unknown():
    g = Graph.from_arrow(
        {
            "source": ["A", "A", "A", "A"],
            "target": ["B", "B", "B", "B"],
            "kind": ["equity", "equity", "commitment", "commitment"],
            "share": [0.25, 0.5, None, None],
            "amount": [1.0, 2.0, 5.0, None],
        }
    )
    edges = edge_set(g)
    assert edges[("A", "B", "equity")] == (0.75, 3.0)
    assert edges[("A", "B", "commitment")] == (None, None)
    assert g.num_edges == 2
    assert g.summary()["merged_duplicates"] == 2
    assert g.edges().num_rows == 4


def test_extra_columns_come_back_untouched():
    t = pa.table(
        {
            "source": ["A"],
            "target": ["B"],
            "share": [0.5],
            "date": pa.array([datetime.date(2026, 2, 27)]),
            "status": ["closed"],
        }
    )
    g = Graph.from_arrow(t)
    assert g.edges().equals(t)


def test_renamed_columns_and_absent_optional_columns():
    t = pa.table({"holder": ["A", "B"], "issuer": ["B", "C"], "pct": [0.5, 0.25]})
    g = Graph.from_arrow(t, source="holder", target="issuer", share="pct")
    assert edge_set(g) == {("A", "B", "equity"): (0.5, None), ("B", "C", "equity"): (0.25, None)}


def test_explicit_nodes_add_isolated_nodes_and_fix_the_order():
    g = Graph.from_arrow(
        {"source": ["A"], "target": ["B"], "share": [0.5]}, nodes=["Z", "B", "A", "lonely"]
    )
    assert g.nodes.to_pylist() == ["Z", "B", "A", "lonely"]
    assert g.num_nodes == 4


def test_explicit_nodes_as_arrow_table():
    g = Graph.from_arrow(
        {"source": [1], "target": [2], "share": [0.5]}, nodes=pa.table({"id": [3, 2, 1]})
    )
    assert g.nodes.to_pylist() == [3, 2, 1]


def test_empty_edge_table():
    t = pa.table(
        {
            "source": pa.array([], pa.string()),
            "target": pa.array([], pa.string()),
            "share": pa.array([], pa.float64()),
        }
    )
    g = Graph.from_arrow(t)
    assert (g.num_nodes, g.num_edges) == (0, 0)
    assert g.nodes.type == pa.string()


def test_treasury_self_loop_allowed_on_request():
    g = Graph.from_arrow({"source": ["A"], "target": ["A"], "share": [0.1]}, allow_treasury=True)
    assert edge_set(g) == {("A", "A", "equity"): (0.1, None)}


def test_self_loops_on_non_equity_edges_are_fine():
    g = Graph.from_arrow(
        {"source": ["A"], "target": ["A"], "kind": ["commitment"], "amount": [3.0]}
    )
    assert edge_set(g) == {("A", "A", "commitment"): (None, 3.0)}


def test_integer_and_decimal_amounts_and_shares_are_cast():
    t = pa.table(
        {
            "source": ["A", "B"],
            "target": ["B", "C"],
            "share": pa.array([1, 1], pa.int64()),
            "amount": pa.array([5, 7], pa.int32()),
        }
    )
    assert edge_set(Graph.from_arrow(t)) == {
        ("A", "B", "equity"): (1.0, 5.0),
        ("B", "C", "equity"): (1.0, 7.0),
    }


def test_same_input_same_graph():
    t = pa.table({"source": ["A", "B", "A"], "target": ["B", "C", "B"], "share": [0.1, 0.2, 0.3]})
    a, b = Graph.from_arrow(t), Graph.from_arrow(t)
    for name in ("indptr", "indices", "sources", "kind", "share", "amount", "uncertain"):
        assert getattr(a.csr(), name).tobytes() == getattr(b.csr(), name).tobytes()


edges_strategy = st.lists(
    st.tuples(
        st.integers(0, 9),
        st.integers(0, 9),
        st.sampled_from(KINDS),
        st.floats(0.001, 0.09),
        st.one_of(st.none(), st.floats(0, 1e12)),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(edges_strategy, st.booleans())
def test_csr_matches_a_plain_aggregation(rows, string_ids):
    rows = [r for r in rows if not (r[0] == r[1] and r[2] == "equity")]
    label = (lambda i: f"n{i}") if string_ids else (lambda i: i * 1000 - 3)
    t = pa.table(
        {
            "source": [label(r[0]) for r in rows]
            if rows
            else pa.array([], pa.string() if string_ids else pa.int64()),
            "target": [label(r[1]) for r in rows]
            if rows
            else pa.array([], pa.string() if string_ids else pa.int64()),
            "kind": pa.array([r[2] for r in rows], pa.string()),
            "share": pa.array([r[3] if r[2] == "equity" else None for r in rows], pa.float64()),
            "amount": pa.array([r[4] for r in rows], pa.float64()),
        }
    )
    g = Graph.from_arrow(t)
    expected: dict = {}
    for s, d, k, share, amount in rows:
        key = (label(s), label(d), k)
        old_share, old_amount, seen = expected.get(key, (None, 0.0, False))
        new_share = (share if old_share is None else old_share + share) if k == "equity" else None
        new_amount = (
            None
            if (amount is None or (seen and old_amount is None))
            else (old_amount or 0.0) + amount
        )
        expected[key] = (new_share, new_amount, True)
    got = edge_set(g)
    assert set(got) == set(expected)
    for key, (share, amount, _) in expected.items():
        assert got[key][0] == share
        assert got[key][1] == amount
    ids = list(dict.fromkeys([label(r[0]) for r in rows] + [label(r[1]) for r in rows]))
    assert g.nodes.to_pylist() == ids
