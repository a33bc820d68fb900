"""DebtRank (Graph.debtrank): worked numbers, a numpy reference on random graphs, the
published equivalences and invariants, and every bad input."""

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiexposure import AIExposureError, Graph, UnknownNodeError

# The NetworkRiskMeasures example: claims of a, b, c on one another (row: the claimant).
CLAIMS = [[0, 1, 0], [10, 0, 3], [3, 2, 0]]
EQUITY = {"a": 2, "b": 5, "c": 2}
WEIGHT = {"a": 10, "b": 100, "c": 30}


def claims_graph(claims, names="abc", kind="credit"):
    rows = [(i, j, a) for i, row in enumerate(claims) for j, a in enumerate(row) if a]
    if kind == "credit":  # lender -> borrower
        src, dst = [names[i] for i, _, _ in rows], [names[j] for _, j, _ in rows]
    else:  # commitment customer -> supplier: the supplier (i) claims on the customer (j)
        src, dst = [names[j] for _, j, _ in rows], [names[i] for i, _, _ in rows]
    return Graph.from_arrow(
        {"source": src, "target": dst, "kind": [kind] * len(rows), "amount": [a for *_, a in rows]},
        nodes=pa.array(list(names[: len(claims)])),
    )


def test_single_hit_worked_numbers():
    g = claims_graph(CLAIMS)
    r = g.debtrank({"a": 1.0}, equity=EQUITY, weight=WEIGHT)
    assert r.table["distress"].to_pylist() == [1.0, 1.0, 1.0]
    assert r.relative_loss == pytest.approx(0.928571, abs=1e-6)
    r = g.debtrank(dict.fromkeys("abc", 0.1), equity=EQUITY, weight=WEIGHT)
    assert np.allclose(r.table["distress"].to_numpy(), [0.15, 0.26, 0.30], atol=1e-15)
    assert r.relative_loss == pytest.approx(0.160714, abs=1e-6)
    assert r.rounds == 2
    assert r.table["initial"].to_pylist() == [0.1, 0.1, 0.1]


def test_commitments_give_the_supplier_a_claim_on_its_customer():
    g = claims_graph(CLAIMS, kind="commitment")
    r = g.debtrank(dict.fromkeys("abc", 0.1), equity=EQUITY, weight=WEIGHT)
    assert np.allclose(r.table["distress"].to_numpy(), [0.15, 0.26, 0.30], atol=1e-15)
    # Credit claims left out: nothing spreads.
    r = g.debtrank({"a": 1.0}, equity=EQUITY, kinds="credit")
    assert r.table["distress"].to_pylist() == [1.0, 0.0, 0.0]


def impacts(claims, equity):
    a, e = np.asarray(claims, float), np.asarray(equity, float)
    w = np.minimum(1.0, a / np.where(e > 0, e, 1.0)[:, None])
    return np.where(a == 0, 0.0, np.where(e[:, None] > 0, w, 1.0))


def reference(claims, equity, h0, variant, alpha=0.0):
    """DebtRank in plain numpy, dense."""
    w, h = impacts(claims, equity), np.asarray(h0, float).copy()
    if variant == "single_hit":
        state = np.where(h > 0, 1, 0)  # 0 undistressed, 1 distressed, 2 inactive
        while (state == 1).any():
            new = np.minimum(1.0, h + w @ np.where(state == 1, h, 0.0))
            state = np.where(state == 1, 2, np.where((state == 0) & (new > 0), 1, state))
            h = new
        return h

    def p(x):
        return x * np.exp(alpha * (x - 1.0))

    dp = p(h)
    while np.abs(dp).max() > 1e-12:
        new = np.minimum(1.0, h + w @ dp)
        dp, h = p(new) - p(h), new
    return h


@st.composite
def cases(draw):
    n = draw(st.integers(2, 7))
    claims = [
        [
            0.0 if i == j else draw(st.sampled_from([0.0, 0.0, 0.5, 1.0, 3.0, 10.0]))
            for j in range(n)
        ]
        for i in range(n)
    ]
    equity = [draw(st.sampled_from([0.0, 0.5, 1.0, 2.0, 5.0, 50.0])) for _ in range(n)]
    shock = [draw(st.sampled_from([0.0, 0.0, 0.05, 0.3, 1.0])) for _ in range(n)]
    return claims, equity, shock


@settings(max_examples=80, deadline=None)
@given(cases(), st.sampled_from(["single_hit", "linear", "nonlinear"]), st.sampled_from([0.5, 2.0]))
def test_matches_a_numpy_reference(case, variant, alpha):
    claims, equity, shock = case
    names = [f"n{i}" for i in range(len(claims))]
    g = claims_graph(claims, names=names)
    a = alpha if variant == "nonlinear" else 0.0
    weights = dict.fromkeys(names, 1.0)
    r = g.debtrank(
        dict(zip(names, shock, strict=True)),
        equity=dict(zip(names, equity, strict=True)),
        weight=weights,
        variant=variant,
        alpha=a,
    )
    h = r.table["distress"].to_numpy()
    np.testing.assert_allclose(
        h, reference(claims, equity, shock, variant, a), rtol=1e-9, atol=1e-10
    )
    # Invariants: distress in [0, 1], never below the shock.
    assert ((h >= np.asarray(shock)) & (h <= 1.0)).all()
    if variant == "single_hit":
        assert r.rounds <= len(names) + 1  # each node passes its distress on at most once
    if variant == "linear":  # the non-linear DebtRank at alpha 0 is the linear one
        nl = g.debtrank(
            dict(zip(names, shock, strict=True)),
            equity=dict(zip(names, equity, strict=True)),
            weight=weights,
            variant="nonlinear",
        )
        assert nl.table.equals(r.table)


def test_the_relative_loss_defaults_to_equity_weights():
    g = claims_graph(CLAIMS)
    r = g.debtrank({"a": 1.0}, equity=EQUITY)
    h0, h = np.array([1.0, 0, 0]), r.table["distress"].to_numpy()
    e = np.array([2.0, 5.0, 2.0])
    assert r.relative_loss == pytest.approx(((h - h0) * e).sum() / e.sum())


def test_tables_are_accepted_for_every_node_input():
    g = claims_graph(CLAIMS)
    table = pa.table({"node": ["a", "b", "c"], "value": [0.1, 0.1, 0.1]})
    eq = pa.table({"node": ["c", "a", "b"], "value": [2.0, 2.0, 5.0]})
    r = g.debtrank(
        table, equity=eq, weight=pa.table({"node": ["a", "b", "c"], "value": [10, 100, 30]})
    )
    assert r.relative_loss == pytest.approx(0.160714, abs=1e-6)


def test_bad_inputs_are_named_errors():
    g = claims_graph(CLAIMS)
    with pytest.raises(AIExposureError, match=r"shock on 'b' is 1\.5"):
        g.debtrank({"b": 1.5}, equity=EQUITY)
    with pytest.raises(AIExposureError, match="equity is not given for 'c'"):
        g.debtrank({"a": 1.0}, equity={"a": 2, "b": 5})
    with pytest.raises(UnknownNodeError, match="zz"):
        g.debtrank({"zz": 1.0}, equity=EQUITY)
    with pytest.raises(ValueError, match="variant='nonlinear'"):
        g.debtrank({"a": 1.0}, equity=EQUITY, alpha=1.0)
    with pytest.raises(ValueError, match="variant must be"):
        g.debtrank({"a": 1.0}, equity=EQUITY, variant="double_hit")
    with pytest.raises(ValueError, match="equity edges carry no claim"):
        g.debtrank({"a": 1.0}, equity=EQUITY, kinds="equity")
    with pytest.raises(ValueError, match="kinds is empty"):
        g.debtrank({"a": 1.0}, equity=EQUITY, kinds=[])
    with pytest.raises(ValueError, match="shock is required"):
        g.debtrank(None, equity=EQUITY)
    with pytest.raises(AIExposureError, match="finite"):
        g.debtrank({"a": 1.0}, equity={"a": float("nan"), "b": 5, "c": 2})
    with pytest.raises(AIExposureError, match="non-negative"):
        g.debtrank({"a": 1.0}, equity=EQUITY, weight={"a": -1})
    with pytest.warns(RuntimeWarning, match="weights sum to 0"):
        r = g.debtrank({"a": 1.0}, equity=EQUITY, weight={"a": 0.0})
    assert np.isnan(r.relative_loss) and r.table["distress"].to_pylist() == [1.0, 1.0, 1.0]
    # An insolvent node (negative equity) is wiped out by any loss and weighs 0 by default.
    r = g.debtrank({"a": 1.0}, equity={"a": 2, "b": -5, "c": 2})
    assert r.table["distress"].to_pylist()[1] == 1.0
    assert r.relative_loss == pytest.approx(1.0 / 4.0 * 2)  # c's 1.0 distress over (2 + 2)
    with pytest.raises(ValueError, match="non-linear DebtRank takes a finite alpha"):
        g.debtrank({"a": 1.0}, equity=EQUITY, variant="nonlinear", alpha=-1.0)


def test_an_unknown_amount_is_an_error_not_a_zero():
    g = Graph.from_arrow(
        {
            "source": ["a", "b"],
            "target": ["b", "c"],
            "kind": ["credit", "credit"],
            "amount": [1.0, None],
        }
    )
    with pytest.raises(AIExposureError, match="unknown amount") as e:
        g.debtrank({"c": 1.0}, equity={"a": 1, "b": 1, "c": 1})
    assert "'b'" in str(e.value) and "'c'" in str(e.value)
    # Left out by kinds, the edge is not read.
    r = g.debtrank({"c": 1.0}, equity={"a": 1, "b": 1, "c": 1}, kinds="commitment")
    assert r.table["distress"].to_pylist() == [0.0, 0.0, 1.0]


def test_the_builtin_graph_refuses_to_guess_unknown_amounts():
    from aiexposure.datasets import ai_funding_2026

    g = Graph.from_arrow(ai_funding_2026())
    equity = dict.fromkeys(g.nodes.to_pylist(), 1e11)
    with pytest.raises(AIExposureError, match="unknown amount"):
        g.debtrank({"OpenAI": 0.5}, equity=equity)
