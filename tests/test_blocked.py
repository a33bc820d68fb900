"""Graph.blocked: OFAC's FAQ 401 examples under every regime, aggregation, the 50% edge in
floating point, cycles, interval stakes, a plain Python fixpoint on random graphs, and bad
inputs."""

import re

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiexposure import Graph, UnknownNodeError

REGIMES = ["ofac", "eu", "eu_2023", "uk"]


def graph(edges, nodes=None):
    kind = pa.int64() if nodes is not None and isinstance(nodes[0], int) else pa.string()
    return Graph.from_arrow(
        {
            "source": pa.array([u for u, _, _ in edges], kind),
            "target": pa.array([v for _, v, _ in edges], kind),
            "share": pa.array([float(s) for *_, s in edges], pa.float64()),
        },
        nodes=None if nodes is None else pa.array(nodes),
    )


def blocked_nodes(g, listed, **kw):
    return sorted(g.blocked(listed, **kw)["node"].to_pylist())


# OFAC FAQ 401: X is the blocked person.
FAQ = {
    1: [("X", "A", 0.5), ("A", "B", 0.5)],
    2: [("X", "A", 0.5), ("X", "B", 0.5), ("A", "C", 0.25), ("B", "C", 0.25)],
    3: [("X", "A", 0.5), ("X", "B", 0.1), ("A", "B", 0.4)],
    4: [("X", "A", 0.25), ("X", "B", 0.25), ("A", "C", 0.5), ("B", "C", 0.5)],
}
# 50% or more (OFAC, EU since 2024) against more than 50% (EU before, UK): at exactly 50%.
EXPECTED = {
    "ofac": {1: ["A", "B"], 2: ["A", "B", "C"], 3: ["A", "B"], 4: []},
    "eu": {1: ["A", "B"], 2: ["A", "B", "C"], 3: ["A", "B"], 4: []},
    "eu_2023": {1: [], 2: [], 3: [], 4: []},
    "uk": {1: [], 2: [], 3: [], 4: []},
}


@pytest.mark.parametrize("regime", REGIMES)
@pytest.mark.parametrize("example", sorted(FAQ))
def test_ofac_faq_401_examples_under_every_regime(regime, example):
    assert blocked_nodes(graph(FAQ[example]), ["X"], regime=regime) == EXPECTED[regime][example]


@pytest.mark.parametrize("regime", REGIMES)
def test_above_half_every_regime_blocks_the_chain(regime):
    g = graph([("X", "A", 0.6), ("A", "B", 0.6), ("B", "C", 0.2)])
    assert blocked_nodes(g, ["X"], regime=regime) == ["A", "B"]
    t = g.blocked(["X"], regime=regime)
    assert t["held"].to_pylist() == [0.6, 0.6]  # counted in full, not 0.36
    assert t["listed"].to_pylist() == [["X"], ["X"]]
    assert t.schema.metadata[b"aiexposure.regime"] == regime.encode()


def test_aggregation_is_the_difference_between_ofac_and_uk():
    g = graph([("X", "C", 0.3), ("Y", "C", 0.3), ("X", "D", 0.6)])
    ofac = g.blocked(["X", "Y"]).to_pylist()
    assert [(r["node"], r["held"], r["listed"]) for r in ofac] == [
        ("C", 0.6, ["X", "Y"]),
        ("D", 0.6, ["X"]),
    ]
    uk = g.blocked(["X", "Y"], regime="uk").to_pylist()
    assert [(r["node"], r["listed"]) for r in uk] == [("D", ["X"])]
    # Switches override a regime: UK's "each person alone" with OFAC's ">=".
    assert blocked_nodes(g, ["X", "Y"], regime="uk", strict=False) == ["D"]
    assert blocked_nodes(g, ["X", "Y"], regime="uk", aggregate=True) == ["C", "D"]
    assert blocked_nodes(g, ["X", "Y"], regime=None, aggregate=True, strict=True) == ["C", "D"]
    assert blocked_nodes(g, ["X", "Y"], threshold=0.65) == []


def test_fifty_percent_in_floating_point_counts_as_fifty():
    assert 0.1 + 0.35 + 0.05 < 0.5
    g = graph([("P", "Z", 0.1), ("Q", "Z", 0.35), ("R", "Z", 0.05)])
    assert blocked_nodes(g, ["P", "Q", "R"]) == ["Z"]
    assert blocked_nodes(g, ["P", "Q", "R"], regime="eu_2023") == []


def test_cycles_listed_nodes_and_what_a_blocked_entity_holds():
    # A and B hold each other; X's 60% of A blocks A, A's 60% of B blocks B.
    g = graph([("X", "A", 0.6), ("A", "B", 0.6), ("B", "A", 0.3), ("B", "X", 0.2)])
    t = g.blocked(["X"]).to_pylist()
    assert [(r["node"], r["held"]) for r in t] == [("A", pytest.approx(0.9)), ("B", 0.6)]
    # A listed entity is listed, never reported as blocked; unreached nodes are not rows.
    g = graph([("X", "Y", 0.9), ("Y", "A", 0.6), ("Q", "R", 0.9)])
    assert blocked_nodes(g, ["X", "Y"]) == ["A"]
    assert g.blocked(["X", "Y"]).to_pylist()[0]["listed"] == ["Y"]


def test_interval_stakes_give_possibly_blocked():
    g = Graph.from_arrow(
        {
            "source": ["X", "X", "A"],
            "target": ["A", "C", "B"],
            "share": [None, 0.55, 0.7],
            "share_min": [0.3, None, None],
            "share_max": [0.7, None, None],
        }
    )
    t = sorted(g.blocked(["X"]).to_pylist(), key=lambda r: r["node"])  # rows in node order
    assert t == [
        {
            "node": "A",
            "status": "possibly blocked",
            "held_min": 0.3,
            "held_max": 0.7,
            "listed": ["X"],
        },
        {
            "node": "B",
            "status": "possibly blocked",
            "held_min": 0.0,
            "held_max": 0.7,
            "listed": ["X"],
        },
        {"node": "C", "status": "blocked", "held_min": 0.55, "held_max": 0.55, "listed": ["X"]},
    ]


@st.composite
def ownership(draw):
    n = draw(st.integers(2, 8))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=20))
    pairs = list(dict.fromkeys(p for p in pairs if p[0] != p[1]))
    shares = {}
    for u, v in pairs:
        room = 1.0 - sum(s for (_, t), s in shares.items() if t == v)
        if room > 0.05:
            shares[(u, v)] = draw(st.sampled_from([0.1, 0.2, 0.25, 0.3, 0.5, 0.6])) * room
    listed = draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=3))
    return n, shares, sorted(listed)


def reference(n, shares, listed, aggregate, strict, t=0.5):
    """The fixpoint by brute force: repeat until nothing changes."""

    def meets(x):
        return x > t + 1e-9 if strict else x >= t - 1e-9

    def run(sources):
        blocked = set()
        while True:
            held = {v: 0.0 for v in range(n)}
            for (u, v), s in shares.items():
                if u in sources or u in blocked:
                    held[v] += s
            new = {v for v in range(n) if v not in listed and meets(held[v])}
            if new == blocked:
                return blocked
            blocked = new

    if aggregate:
        return run(set(listed))
    out = set()
    for p in listed:
        out |= run({p})
    return out


@settings(max_examples=150, deadline=None)
@given(ownership(), st.booleans(), st.booleans())
def test_against_a_plain_python_fixpoint(case, aggregate, strict):
    n, shares, listed = case
    g = graph([(u, v, s) for (u, v), s in shares.items()], nodes=list(range(n)))
    got = set(
        g.blocked(listed, regime=None, aggregate=aggregate, strict=strict)["node"].to_pylist()
    )
    assert got == reference(n, shares, set(listed), aggregate, strict)


def test_bad_inputs_are_named_errors():
    g = graph(FAQ[1])
    with pytest.raises(ValueError, match="unknown regime 'ofca'"):
        g.blocked(["X"], regime="ofca")
    with pytest.raises(ValueError, match="needs both aggregate= and strict="):
        g.blocked(["X"], regime=None, aggregate=True)
    with pytest.raises(ValueError, match="threshold"):
        g.blocked(["X"], threshold=1.5)
    with pytest.raises(UnknownNodeError, match="Z"):
        g.blocked(["Z"])
    with pytest.raises(TypeError, match="list of nodes"):
        g.blocked("X")
    assert g.blocked([]).num_rows == 0


def test_the_side_by_side_table_of_sanctions_help_is_what_blocked_gives():
    from aiexposure.cli import SANCTIONS_EXAMPLES

    cases = {
        **FAQ,
        5: [("X", "A", 0.6), ("A", "B", 0.6)],
        6: [("X", "C", 0.3), ("Y", "C", 0.3)],
    }
    lines = {int(line.split()[0]): line for line in SANCTIONS_EXAMPLES.splitlines()[2:8]}
    for k, edges in cases.items():
        listed = ["X", "Y"] if k == 6 else ["X"]
        got = {r: blocked_nodes(graph(edges), listed, regime=r) for r in REGIMES}
        assert got["ofac"] == got["eu"]
        _, _, said, rest = re.split(r"\s{2,}", lines[k].strip())  # number, holdings, columns
        assert said == (", ".join(got["ofac"]) or "-"), (k, said)
        if k == 6:
            assert (got["eu_2023"], got["uk"]) == (["C"], []) and rest == "eu_2023: C, uk: -"
        else:
            assert got["eu_2023"] == got["uk"] and rest == (", ".join(got["uk"]) or "-")


def test_sanctions_command(tmp_path):
    from conftest import ok
    from conftest import run_cli as run

    path = tmp_path / "s.csv"
    path.write_text("source,target,share\nX,A,0.5\nX,B,0.5\nA,C,0.25\nB,C,0.25\nY,D,0.6\n")
    out = ok(run("sanctions", str(path), "--listed", "X", "--listed", "Y", "--compare"))
    assert "4 entities blocked" in out
    side = out[out.index("every regime side by side") :].splitlines()
    assert side[2].split() == ["A", "blocked", "blocked", "-", "-"]
    assert side[5].split() == ["D", "blocked", "blocked", "blocked", "blocked"]
    out = ok(run("sanctions", str(path), "--listed", "X", "--regime", "uk"))
    assert "0 entities blocked" in out
    dest = tmp_path / "b.parquet"
    ok(run("sanctions", str(path), "--listed", "Y", "--out", str(dest)))
    import pyarrow.parquet as pq

    assert pq.read_table(dest)["listed"].to_pylist() == [["Y"]]
    bad = run("sanctions", str(path), "--listed", "Z")
    assert bad.returncode == 2 and "node 'Z' is not in the graph" in bad.stderr
    bad = run("sanctions", str(path), "--listed", "X", "--out", str(tmp_path / "b.csv"))
    assert bad.returncode == 2 and "unsupported output type" in bad.stderr
    help_text = run("sanctions", "--help").stdout
    assert "OFAC FAQ 401" in help_text and "eu_2023: C, uk: -" in help_text
