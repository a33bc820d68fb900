"""Graph.significant_control (UK PSC) and Graph.beneficial_owners (EU AMLR): the same chain
answers differently, the bands' edges, the chains listed, and bad inputs."""

import pytest
from hypothesis import given, settings
from test_blocked import graph, ownership

MIDDLE = "more than 50% to less than 75%"
LOW = "more than 25% to 50%"
HIGH = "75% or more"


def rows(table, *cols):
    return sorted(tuple(r[c] for c in cols) for r in table.to_pylist())


def test_the_same_chain_under_psc_and_amlr():
    g = graph([("P", "H", 0.6), ("H", "C", 0.3)])
    # PSC: H is majority-controlled by P, so H's 30% of C is P's in full.
    assert rows(g.significant_control(), "person", "company", "held", "band") == [
        ("H", "C", 0.3, LOW),
        ("P", "C", 0.3, LOW),
        ("P", "H", 0.6, MIDDLE),
    ]
    explained = g.significant_control(explain=True).to_pylist()
    via = {(r["person"], r["company"]): r["via"] for r in explained}
    assert via[("P", "C")] == [{"holder": "H", "share": 0.3}]  # H is P's: its stake is P's
    assert via[("P", "H")] == [{"holder": "P", "share": 0.6}]
    # AMLR: 60% x 30% = 18% of C, short of 25%.
    bo = g.beneficial_owners()
    assert rows(bo, "owner", "entity") == [("H", "C"), ("P", "H")]
    low = {
        (r["owner"], r["entity"]): r["integrated"] for r in g.beneficial_owners(0.18).to_pylist()
    }
    assert low[("P", "C")] == pytest.approx(0.18)


def test_only_majority_controlled_companies_pass_their_holdings_on():
    # P holds 40% of H (no majority): H's 70% of C is not P's under PSC; AMLR: 28%.
    g = graph([("P", "H", 0.4), ("H", "C", 0.7)])
    psc = rows(g.significant_control(["P"]), "company", "held")
    assert psc == [("H", 0.4)]
    # H holds 70% of C but P does not control H: no PSC holding of P in C.
    bo = {(r["owner"], r["entity"]): r["integrated"] for r in g.beneficial_owners().to_pylist()}
    assert bo[("P", "C")] == pytest.approx(0.28)


def test_band_edges():
    g = graph([("A", "W", 0.25), ("B", "X", 0.5), ("C", "Y", 0.75), ("D", "Z", 0.7500000001)])
    got = rows(g.significant_control(), "person", "band")
    assert got == [("B", LOW), ("C", HIGH), ("D", HIGH)]  # exactly 25% is not "more than"
    # 0.1 + 0.35 + 0.05 held through controlled companies counts as 50%, not above it.
    g = graph(
        [("P", "S1", 0.6), ("P", "S2", 0.6), ("P", "T", 0.1), ("S1", "T", 0.35), ("S2", "T", 0.05)]
    )
    t = {r["company"]: r["band"] for r in g.significant_control(["P"]).to_pylist()}
    assert t["T"] == LOW
    # AMLR's "25% or more" includes 25% exactly.
    assert rows(graph([("A", "W", 0.25)]).beneficial_owners(), "owner") == [("A",)]


def test_beneficial_owners_list_their_chains():
    g = graph([("P", "A", 0.5), ("A", "C", 0.4), ("P", "B", 0.5), ("B", "C", 0.2), ("P", "C", 0.1)])
    r = next(
        x for x in g.beneficial_owners().to_pylist() if (x["owner"], x["entity"]) == ("P", "C")
    )
    assert r["integrated"] == pytest.approx(0.4)
    assert [(p["nodes"], p["share"]) for p in r["paths"]] == [
        (["P", "A", "C"], pytest.approx(0.2)),
        (["P", "C"], 0.1),
        (["P", "B", "C"], pytest.approx(0.1)),
    ]
    assert len(g.beneficial_owners(max_paths=1).to_pylist()[0]["paths"]) == 1


@settings(max_examples=80, deadline=None)
@given(ownership())
def test_the_chains_listed_add_up_to_the_share(case):
    n, shares, _ = case
    g = graph([(u, v, s) for (u, v), s in shares.items()], nodes=list(range(n)))
    for r in g.beneficial_owners(0.01, max_paths=10_000).to_pylist():
        total = sum(p["share"] for p in r["paths"])
        assert total == pytest.approx(r["integrated"], rel=1e-9, abs=1e-9)
        assert all(
            p["nodes"][0] == r["owner"] and p["nodes"][-1] == r["entity"] for p in r["paths"]
        )


def test_bad_inputs():
    g = graph([("P", "H", 0.6)])
    with pytest.raises(TypeError, match="list of nodes"):
        g.significant_control("P")
    with pytest.raises(ValueError, match="threshold"):
        g.beneficial_owners(0.0)
    with pytest.raises(ValueError, match="max_paths"):
        g.beneficial_owners(max_paths=0)
