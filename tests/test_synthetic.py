"""The synthetic investor-graph generator."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiexposure import Graph
from aiexposure.synthetic import investor_graph


def columns(t):
    kind = np.array(pc.cast(t["kind"], pa.string()).to_pylist())
    return t["source"].to_numpy(), t["target"].to_numpy(), kind


def test_same_arguments_same_table_and_seed_matters():
    a = investor_graph(5000, cross_holding=0.05, commitments=0.2, seed=7)
    assert a.equals(investor_graph(5000, cross_holding=0.05, commitments=0.2, seed=7))
    assert not a.equals(investor_graph(5000, cross_holding=0.05, commitments=0.2, seed=8))


def test_shares_per_issuer_sum_to_at_most_max_held():
    t = investor_graph(50_000, cross_holding=0.1, max_held=0.6, seed=1)
    sums = t.group_by("target").aggregate([("share", "sum")])["share_sum"].to_numpy()
    assert sums.max() <= 0.6 + 1e-12
    shares = t["share"].to_numpy()
    assert (shares > 0).all() and (shares <= 1).all()


def test_average_degree_and_heavy_tailed_out_degrees():
    n = 100_000
    s, _, _ = columns(investor_graph(n, seed=2))
    assert abs(len(s) / n - 3.5) < 0.1
    out = np.sort(np.bincount(s, minlength=n))[::-1]
    # A Pareto-like tail: the largest investor holds hundreds of times the mean, and the top
    # 1% of investors make more than 15% of all holdings.
    assert out[0] > 100 * out.mean()
    assert out[: n // 100].sum() > 0.15 * out.sum()


@pytest.mark.parametrize("cross_holding", [0.0, 0.01, 0.05, 0.2])
def test_requested_cross_holding_fraction(cross_holding):
    s, d, kind = columns(investor_graph(100_000, cross_holding=cross_holding, seed=3))
    equity = kind == "equity"
    # Forward holdings go from a lower index to a higher one; cross-holdings the other way.
    back = ((s > d) & equity).sum() / equity.sum()
    assert abs(back - cross_holding) <= 0.1 * cross_holding + 0.002, back
    assert not ((s == d) & equity).any()


def test_cross_holdings_make_cycles():
    g = Graph.from_arrow(investor_graph(2000, cross_holding=0.05, seed=4))
    import networkx as nx

    assert not nx.is_directed_acyclic_graph(g.to_networkx())
    acyclic = Graph.from_arrow(investor_graph(2000, cross_holding=0.0, seed=4))
    assert nx.is_directed_acyclic_graph(acyclic.to_networkx())


def test_commitments_with_amounts():
    t = investor_graph(50_000, commitments=0.3, seed=5)
    _, _, kind = columns(t)
    ratio = (kind == "commitment").sum() / (kind == "equity").sum()
    assert abs(ratio - 0.3) < 0.03, ratio
    amount = t["amount"].to_numpy(zero_copy_only=False)
    assert (amount[kind == "commitment"] >= 1).all()
    # Equity edges carry share x the issuer's implied valuation: one valuation per issuer.
    equity = kind == "equity"
    share = t["share"].to_numpy(zero_copy_only=False)
    target = t["target"].to_numpy()
    implied = amount[equity] / share[equity]
    by_issuer = {}
    for issuer, value in zip(target[equity].tolist(), implied.tolist(), strict=True):
        assert by_issuer.setdefault(issuer, value) == pytest.approx(value, rel=1e-12)
    assert t["share"].null_count == (kind == "commitment").sum()


def test_unknown_and_banded_shares():
    full = investor_graph(20_000, cross_holding=0.01, commitments=0.2, seed=7)
    part = investor_graph(
        20_000, cross_holding=0.01, commitments=0.2, seed=7, unknown_shares=0.1, banded_shares=0.2
    )
    _, _, kind = columns(part)
    equity = kind == "equity"
    truth = full["share"].to_numpy(zero_copy_only=False)
    share = part["share"].to_numpy(zero_copy_only=False)
    low = part["share_min"].to_numpy(zero_copy_only=False)
    high = part["share_max"].to_numpy(zero_copy_only=False)
    banded = ~np.isnan(low)
    unknown = equity & np.isnan(share) & ~banded
    assert abs(unknown.sum() / equity.sum() - 0.1) < 0.01
    assert abs(banded.sum() / equity.sum() - 0.2) < 0.01
    # A band holds the true share, on the register edges 0, 5, 10, 25, 50, 75, 100%.
    assert ((low[banded] <= truth[banded]) & (truth[banded] <= high[banded])).all()
    assert set(np.round(low[banded], 2)) <= {0.0, 0.05, 0.1, 0.25, 0.5, 0.75}
    # Amounts stay on every edge, the stake known or not.
    np.testing.assert_array_equal(
        part["amount"].to_numpy(zero_copy_only=False), full["amount"].to_numpy(zero_copy_only=False)
    )
    g = Graph.from_arrow(part)
    assert g.has_interval_stakes and g.num_edges == Graph.from_arrow(full).num_edges
    with pytest.raises(ValueError, match="at most 1"):
        investor_graph(10, unknown_shares=0.6, banded_shares=0.6)


def test_grown_around_the_ai_funding_core():
    t = investor_graph(3000, commitments=0.1, core="ai_funding_2026", seed=6)
    first = t.slice(0, 3).to_pylist()
    assert [r["source"] for r in first] == ["Amazon", "SoftBank", "Nvidia"]
    assert t["source"].type == pa.string()
    g = Graph.from_arrow(t)
    G = g.to_networkx()
    assert G["OpenAI"]["Amazon"]["commitment"]["amount"] == 138e9
    # The real companies are the top investors of the synthetic part.
    assert sum(1 for v in G.successors("Amazon") if str(v).startswith("node-")) > 10


@settings(max_examples=25, deadline=None)
@given(
    st.integers(1, 3000),
    st.floats(0, 8),
    st.floats(0, 0.5),
    st.floats(0.05, 1.0),
    st.floats(0, 1),
    st.integers(0, 2**64 - 1),
)
def test_every_output_is_a_valid_graph(n, avg_degree, cross_holding, max_held, commitments, seed):
    t = investor_graph(
        n,
        avg_degree=avg_degree,
        cross_holding=cross_holding,
        max_held=max_held,
        commitments=commitments,
        seed=seed,
    )
    g = Graph.from_arrow(t, duplicates="error")
    assert g.num_nodes <= n


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"num_nodes": 0}, ValueError, "num_nodes must be between 1"),
        ({"num_nodes": 2.5}, TypeError, "num_nodes must be an integer"),
        ({"num_nodes": 10, "avg_degree": -1}, ValueError, r"avg_degree must be in \[0, 1000\]"),
        ({"num_nodes": 10, "cross_holding": 1.0}, ValueError, r"cross_holding must be in \[0, 1\)"),
        ({"num_nodes": 10, "max_held": 0}, ValueError, r"max_held must be in \(0, 1\]"),
        ({"num_nodes": 10, "max_held": float("nan")}, ValueError, "max_held"),
        ({"num_nodes": 10, "commitments": "lots"}, TypeError, "commitments must be a number"),
        ({"num_nodes": 10, "seed": -1}, ValueError, "seed must be an integer"),
        ({"num_nodes": 10, "core": "dotcom_2000"}, ValueError, "core must be None"),
        ({"num_nodes": 3, "core": "ai_funding_2026"}, ValueError, "at least the core"),
        ({"num_nodes": 100, "core": "ai_funding_2026", "max_held": 0.1}, ValueError, "max_held"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        investor_graph(**kwargs)
