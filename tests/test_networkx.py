"""networkx both ways."""

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiexposure import Graph, InvalidGraphError


def test_from_networkx_digraph_keeps_isolated_nodes_and_attributes():
    G = nx.DiGraph()
    G.add_node("lonely")
    G.add_edge("Amazon", "OpenAI", share=0.07, amount=50e9)
    G.add_edge("OpenAI", "Amazon", kind="commitment", amount=138e9)
    g = Graph.from_networkx(G)
    assert g.nodes.to_pylist() == ["lonely", "Amazon", "OpenAI"]
    H = g.to_networkx()
    assert H["Amazon"]["OpenAI"]["equity"] == {"kind": "equity", "share": 0.07, "amount": 50e9}
    assert H["OpenAI"]["Amazon"]["commitment"]["amount"] == 138e9
    assert H["OpenAI"]["Amazon"]["commitment"]["share"] is None


def test_from_networkx_multidigraph_sums_parallel_edges_of_one_kind():
    G = nx.MultiDiGraph()
    G.add_edge(1, 2, share=0.2)
    G.add_edge(1, 2, share=0.3)
    G.add_edge(1, 2, kind="credit", amount=4.0)
    g = Graph.from_networkx(G)
    H = g.to_networkx()
    assert H[1][2]["equity"]["share"] == 0.5
    assert H[1][2]["credit"]["amount"] == 4.0
    with pytest.raises(InvalidGraphError, match="duplicate"):
        Graph.from_networkx(G, duplicates="error")


def test_from_networkx_refuses_undirected_and_mixed_ids():
    with pytest.raises(InvalidGraphError, match="directed graph"):
        Graph.from_networkx(nx.Graph([(1, 2)]))
    G = nx.DiGraph()
    G.add_edge("A", 1, share=0.5)
    with pytest.raises(InvalidGraphError, match="all strings or all integers"):
        Graph.from_networkx(G)


def test_from_networkx_validates_like_from_arrow():
    G = nx.DiGraph()
    G.add_edge("A", "B", share=1.2)
    with pytest.raises(InvalidGraphError, match="above 1"):
        Graph.from_networkx(G)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 12),
            st.integers(0, 12),
            st.sampled_from(["equity", "credit", "commitment"]),
        ),
        max_size=40,
        unique_by=lambda e: e,
    ),
    st.integers(0, 5),
)
def test_round_trip_through_networkx(edges, isolated):
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(100, 100 + isolated))
    for u, v, k in edges:
        if u == v and k == "equity":
            continue
        G.add_edge(u, v, key=k, kind=k, share=0.05 if k == "equity" else None, amount=float(u + v))
    g = Graph.from_networkx(G)
    H = g.to_networkx()
    assert list(H.nodes) == list(G.nodes)
    assert sorted(H.edges(keys=True, data=True)) == sorted(G.edges(keys=True, data=True))
    again = Graph.from_networkx(H).to_networkx()
    assert sorted(again.edges(keys=True, data=True)) == sorted(H.edges(keys=True, data=True))
