"""Furfine sequential defaults and Eisenberg–Noe / Rogers–Veraart clearing: worked numbers,
numpy references on random graphs, the published equivalences, invariants, bad inputs."""

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiexposure import AIExposureError, Graph, UnknownNodeError


def claims_graph(claims, names):
    """Credit edges lender -> borrower: claims[i][j] is i's claim on j (j owes i)."""
    rows = [(i, j, a) for i, row in enumerate(claims) for j, a in enumerate(row) if a]
    return Graph.from_arrow(
        {
            "source": [names[i] for i, _, _ in rows],
            "target": [names[j] for _, j, _ in rows],
            "kind": ["credit"] * len(rows),
            "amount": [a for *_, a in rows],
        },
        nodes=pa.array(names),
    )


def test_furfine_chain_and_threshold():
    g = Graph.from_arrow(
        {"source": ["a", "b"], "target": ["b", "c"], "kind": ["credit"] * 2, "amount": [5.0, 4.0]}
    )
    r = g.furfine(["c"], equity={"a": 5, "b": 4})
    assert r.table["round"].to_pylist() == [2, 1, 0] and r.rounds == 2
    r = g.furfine(["c"], equity={"a": 5, "b": 4}, at_threshold="survive")
    assert r.table["round"].to_pylist() == [None, None, 0] and r.rounds == 0
    r = g.furfine(["c"], equity={"a": 5, "b": 4}, lgd=0.5)
    assert r.table["round"].to_pylist() == [None, None, 0]


def test_clearing_worked_numbers_and_the_closed_ring():
    ring = claims_graph([[0, 10], [10, 0]], ["a", "b"])
    r = ring.clearing({"a": 0.0, "b": 0.0})
    assert r.table["payment"].to_pylist() == [10.0, 10.0]
    assert r.table["defaulted"].to_pylist() == [False, False] and r.rounds == 1
    # lab owes bank 10 with 4 outside; bank has 2 outside and owes 8 outside.
    g = claims_graph([[0, 10], [0, 0]], ["bank", "lab"])
    en = g.clearing({"bank": 2.0, "lab": 4.0}, {"bank": 8.0})
    t = en.table.to_pydict()
    assert t["obligation"] == [8.0, 10.0] and t["payment"] == [6.0, 4.0]
    assert t["recovery"] == [0.75, 0.4] and t["defaulted"] == [True, True]
    assert t["equity"] == [0.0, 0.0]
    rv = g.clearing({"bank": 2.0, "lab": 4.0}, {"bank": 8.0}, alpha=0.5, beta=0.8)
    assert np.allclose(rv.table["payment"].to_numpy(), [0.5 * 2 + 0.8 * 2, 2.0])


def test_the_systemicrisk_example_solved_by_hand():
    """systemicrisk's default_clearing example: L[i, j] = 0.5 for i != j, external assets
    (1/2, 5/8, 3/4), external liabilities (3/2, 1/2, 1/2). Node 0 cannot pay; at its
    payment node 1 cannot either; solving p0 = 1 + p1/3, p1 = 1.125 + p0/5 gives
    p0 = 1.375 * 15/14, p1 = 1.125 + p0/5, and node 2 stays solvent."""
    names = ["b0", "b1", "b2"]
    g = claims_graph([[0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]], names)
    r = g.clearing(
        dict(zip(names, [0.5, 0.625, 0.75], strict=True)),
        dict(zip(names, [1.5, 0.5, 0.5], strict=True)),
    )
    p0 = 1.375 * 15 / 14
    np.testing.assert_allclose(r.table["payment"].to_numpy(), [p0, 1.125 + p0 / 5, 1.5], rtol=1e-12)
    assert r.table["defaulted"].to_pylist() == [True, True, False]
    np.testing.assert_allclose(r.table["obligation"].to_numpy(), [2.5, 1.5, 1.5])


def test_external_seniority_pays_outsiders_first():
    g = claims_graph([[0, 0], [10, 0]], ["lab", "bank"])  # lab owes bank 10
    assets, liab = {"lab": 6.0, "bank": 100.0}, {"lab": 5.0}
    pp = g.clearing(assets, liab).table.to_pydict()
    senior = g.clearing(assets, liab, priority="external_senior").table.to_pydict()
    assert pp["payment"][0] == senior["payment"][0] == 6.0
    assert pp["equity"][1] == pytest.approx(104.0) and senior["equity"][1] == pytest.approx(101.0)
    with pytest.raises(ValueError, match="priority must be"):
        g.clearing(assets, liab, priority="junior")


def furfine_reference(claims, equity, shocked, lgd, survive):
    a, e = np.asarray(claims, float), np.asarray(equity, float)
    failed = np.zeros(len(e), bool)
    failed[shocked] = True
    rounds = np.where(failed, 0, -1)
    r = 0
    while True:
        loss = lgd * (a * failed[None, :]).sum(axis=1)
        hit = (~failed) & (loss > 0) & ((loss > e) if survive else (loss >= e))
        if not hit.any():
            return rounds
        r += 1
        failed |= hit
        rounds[hit] = r


def clearing_reference(claims, ext_assets, ext_liab, alpha, beta, senior=False):
    """Picard iteration p <- Phi(p) from full payment (decreasing to the greatest vector)."""
    a = np.asarray(claims, float)  # a[i, j]: j owes i
    ext_assets, ext_liab = np.asarray(ext_assets, float), np.asarray(ext_liab, float)
    inter = a.sum(axis=0)
    owed = inter + ext_liab
    base = inter if senior else owed
    pi = np.divide(a, base[None, :], out=np.zeros_like(a), where=base[None, :] > 0)
    p = owed.copy()
    for _ in range(200_000):
        inflow = pi @ (np.maximum(0.0, p - ext_liab) if senior else p)
        assets = ext_assets + inflow
        new = np.where(assets >= owed, owed, np.minimum(owed, alpha * ext_assets + beta * inflow))
        if np.abs(new - p).max() <= 1e-13 * max(1.0, owed.max()):
            return new
        p = new
    raise AssertionError("reference did not converge")


@st.composite
def networks(draw):
    n = draw(st.integers(2, 6))
    claims = [
        [0.0 if i == j else draw(st.sampled_from([0.0, 0.0, 1.0, 2.0, 5.0])) for j in range(n)]
        for i in range(n)
    ]
    ext_assets = [draw(st.sampled_from([0.0, 0.5, 1.0, 3.0, 8.0])) for _ in range(n)]
    ext_liab = [draw(st.sampled_from([0.0, 0.0, 1.0, 4.0])) for _ in range(n)]
    return claims, ext_assets, ext_liab


@settings(max_examples=80, deadline=None)
@given(
    networks(),
    st.sampled_from([(1.0, 1.0), (0.5, 0.8), (0.0, 0.0), (1.0, 0.5)]),
    st.sampled_from(["pari_passu", "external_senior"]),
)
def test_clearing_matches_a_numpy_reference(net, costs, priority):
    claims, ext_assets, ext_liab = net
    names = [f"n{i}" for i in range(len(claims))]
    g = claims_graph(claims, names)
    alpha, beta = costs
    r = g.clearing(
        dict(zip(names, ext_assets, strict=True)),
        dict(zip(names, ext_liab, strict=True)),
        alpha=alpha,
        beta=beta,
        priority=priority,
    )
    t = r.table.to_pydict()
    p, owed = np.array(t["payment"]), np.array(t["obligation"])
    senior = priority == "external_senior"
    expected = clearing_reference(claims, ext_assets, ext_liab, alpha, beta, senior)
    np.testing.assert_allclose(p, expected, rtol=1e-9, atol=1e-9)
    assert (p <= owed + 1e-12).all()  # payments never above obligations
    assert all(
        d == (pay < o * (1 - 1e-9)) for d, pay, o in zip(t["defaulted"], p, owed, strict=True)
    )


@settings(max_examples=80, deadline=None)
@given(networks(), st.floats(0.1, 1.0), st.booleans(), st.data())
def test_furfine_matches_a_numpy_reference(net, lgd, survive, data):
    claims, ext_assets, _ = net
    names = [f"n{i}" for i in range(len(claims))]
    g = claims_graph(claims, names)
    shocked = data.draw(st.lists(st.integers(0, len(names) - 1), min_size=1, max_size=2))
    r = g.furfine(
        [names[i] for i in shocked],
        equity=dict(zip(names, ext_assets, strict=True)),
        lgd=lgd,
        at_threshold="survive" if survive else "default",
    )
    got = r.table["round"].fill_null(-1).to_numpy()
    np.testing.assert_array_equal(got, furfine_reference(claims, ext_assets, shocked, lgd, survive))


@settings(max_examples=60, deadline=None)
@given(networks())
def test_furfine_with_no_recovery_is_clearing_without_recovery(net):
    """Rogers–Veraart with alpha = beta = 0 defaults exactly where Furfine (loss given default
    1, a loss equal to equity survived) fails, from the nodes insolvent at full payment, with
    equity = external assets + claims - obligations."""
    claims, ext_assets, ext_liab = net
    names = [f"n{i}" for i in range(len(claims))]
    g = claims_graph(claims, names)
    a = np.asarray(claims, float)
    owed = a.sum(axis=0) + np.asarray(ext_liab)
    equity = np.asarray(ext_assets) + a.sum(axis=1) - owed
    rv = g.clearing(
        dict(zip(names, ext_assets, strict=True)),
        dict(zip(names, ext_liab, strict=True)),
        alpha=0.0,
        beta=0.0,
    )
    insolvent = [names[i] for i in np.flatnonzero(equity < 0)]
    ff = g.furfine(
        insolvent, equity=dict(zip(names, equity.tolist(), strict=True)), at_threshold="survive"
    )
    failed = ff.table["round"].is_valid().to_pylist()
    assert rv.table["defaulted"].to_pylist() == failed


def test_bad_inputs_are_named_errors():
    g = claims_graph([[0, 10], [0, 0]], ["bank", "lab"])
    with pytest.raises(AIExposureError, match="external_assets is not given for 'lab'"):
        g.clearing({"bank": 1.0})
    with pytest.raises(AIExposureError, match="must be >= 0"):
        g.clearing({"bank": 1.0, "lab": -1.0})
    with pytest.raises(ValueError, match=r"alpha is 1\.5"):
        g.clearing({"bank": 1.0, "lab": 1.0}, alpha=1.5)
    with pytest.raises(AIExposureError, match="equity is not given for 'bank'"):
        g.furfine(["lab"], equity={"lab": 1.0})
    with pytest.raises(UnknownNodeError):
        g.furfine(["nobody"], equity={"bank": 1.0})
    with pytest.raises(TypeError, match="list of node ids"):
        g.furfine("lab", equity={"bank": 1.0})
    with pytest.raises(ValueError, match="lgd"):
        g.furfine(["lab"], equity={"bank": 1.0}, lgd=2.0)
    with pytest.raises(ValueError, match="at_threshold"):
        g.furfine(["lab"], equity={"bank": 1.0}, at_threshold="maybe")
    unknown = Graph.from_arrow(
        {"source": ["bank"], "target": ["lab"], "kind": ["credit"], "amount": [None]}
    )
    with pytest.raises(AIExposureError, match="unknown amount"):
        unknown.clearing({"bank": 1.0, "lab": 1.0})
    with pytest.raises(AIExposureError, match="unknown amount"):
        unknown.furfine(["lab"], equity={"bank": 1.0})
