"""The built-in data set loads offline and builds a graph (the full data-set tests come with
the data-set issue)."""

from aiexposure import Graph
from aiexposure.datasets import ai_funding_2026, ai_funding_2026_nodes, split_quantified


def test_loads_and_builds():
    edges, unquantified = split_quantified(ai_funding_2026())
    g = Graph.from_arrow(edges)
    assert set(g.nodes.to_pylist()) <= set(ai_funding_2026_nodes()["name"].to_pylist())
    # Amazon's 50B into OpenAI and OpenAI's 100B + 38B back to Amazon's cloud.
    G = g.to_networkx()
    assert G["Amazon"]["OpenAI"]["equity"]["amount"] == 50e9
    assert G["OpenAI"]["Amazon"]["commitment"]["amount"] == 138e9
    assert G["Amazon"]["OpenAI"]["equity"]["share"] == 50 / 730
    assert all(k == "equity" for k in unquantified["kind"].to_pylist())
