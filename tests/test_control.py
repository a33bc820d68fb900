"""Graph.control and Graph.ultimate_controllers: worked examples, the conventions (more than
half, never oneself, holdings in the controller not counted, mutual control), interval
stakes, the search bound, a plain Python fixpoint on random graphs, and bad inputs."""

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_blocked import graph, ownership, reference

from aiexposure import BoundWarning, Graph, UnknownNodeError


def pairs(table):
    return sorted(
        zip(table["controller"].to_pylist(), table["controlled"].to_pylist(), strict=True)
    )


def test_holdings_through_controlled_companies_count_in_full():
    g = graph([("P", "H", 0.6), ("P", "C", 0.3), ("H", "C", 0.3)])
    t = g.control()
    assert pairs(t) == [("P", "C"), ("P", "H")]
    assert dict(zip(t["controlled"].to_pylist(), t["held"].to_pylist(), strict=True)) == {
        "H": 0.6,
        "C": 0.6,
    }
    # A chain: control passes down it whole, never multiplied (0.6 x 0.6 would be 36%).
    g = graph([("U", "X", 0.6), ("X", "Y", 0.6)])
    assert pairs(g.control()) == [("U", "X"), ("U", "Y"), ("X", "Y")]
    # P -> H 60%, H -> C 30%: 30% of C is P's group's, short of control.
    assert pairs(graph([("P", "H", 0.6), ("H", "C", 0.3)]).control()) == [("P", "H")]


def test_more_than_half_or_at_least_half():
    g = graph([("A", "B", 0.5)])
    assert g.control().num_rows == 0
    assert pairs(g.control(strict=False)) == [("A", "B")]
    assert pairs(graph([("A", "B", 0.3)]).control(0.25)) == [("A", "B")]


def test_never_oneself_and_mutual_control():
    # Y, controlled by X, holds 30% of X: not counted, and X never controls itself.
    g = graph([("X", "Y", 0.6), ("Y", "X", 0.3)])
    assert pairs(g.control()) == [("X", "Y")]
    # A and B hold 60% of each other: each controls the other; one ultimate group.
    g = graph([("A", "B", 0.6), ("B", "A", 0.6), ("A", "C", 0.7), ("D", "E", 0.9)])
    assert pairs(g.control()) == [("A", "B"), ("A", "C"), ("B", "A"), ("B", "C"), ("D", "E")]
    u = g.ultimate_controllers().to_pylist()
    assert u == [
        {"node": "A", "group": ["A", "B"]},
        {"node": "B", "group": ["A", "B"]},
        {"node": "C", "group": ["A", "B"]},
        {"node": "E", "group": ["D"]},
    ]


def test_ultimate_controllers_skip_controlled_controllers():
    # U controls X, X controls Y: Y's ultimate controller is U alone.
    g = graph([("U", "X", 0.6), ("X", "Y", 0.6)])
    assert g.ultimate_controllers().to_pylist() == [
        {"node": "X", "group": ["U"]},
        {"node": "Y", "group": ["U"]},
    ]


def test_explain_lists_the_holdings_that_make_each_pair():
    g = graph([("P", "H", 0.6), ("P", "C", 0.3), ("H", "C", 0.3), ("Z", "C", 0.4)])
    t = g.control(explain=True).to_pylist()
    c = next(r for r in t if r["controlled"] == "C")
    assert c["via"] == [{"holder": "P", "share": 0.3}, {"holder": "H", "share": 0.3}]
    assert sum(v["share"] for v in c["via"]) == pytest.approx(c["held"])


def test_controllers_and_the_search_bound():
    edges = [(f"n{i}", f"n{i + 1}", 0.9) for i in range(9)]
    g = graph(edges)
    t = g.control(controllers=["n0"])
    assert t["controlled"].to_pylist() == [f"n{i}" for i in range(1, 10)]
    with pytest.warns(BoundWarning, match="max_controlled=3"):
        t = g.control(controllers=["n0"], max_controlled=3)
    assert t.num_rows == 3 and t.schema.metadata[b"aiexposure.truncated"] == b"true"
    assert t.schema.metadata[b"aiexposure.cut_controllers"] == b"n0"
    with pytest.warns(BoundWarning, match="max_depth=4"):
        t = g.control(controllers=["n0"], max_depth=4)
    assert t["controlled"].to_pylist() == ["n1", "n2", "n3", "n4"]
    assert g.control(controllers=["n5"], max_depth=4).num_rows == 4  # n6..n9: not cut
    with pytest.raises(ValueError, match="max_depth"):
        g.control(max_depth=0)


def test_interval_stakes_give_possible_control():
    g = Graph.from_arrow(
        {
            "source": ["A", "A"],
            "target": ["B", "C"],
            "share": [None, 0.8],
            "share_min": [0.3, None],
            "share_max": [0.7, None],
        }
    )
    t = sorted(g.control().to_pylist(), key=lambda r: r["controlled"])
    assert t == [
        {
            "controller": "A",
            "controlled": "B",
            "held_min": 0.0,
            "held_max": 0.7,
            "status": "possibly controls",
        },
        {
            "controller": "A",
            "controlled": "C",
            "held_min": 0.8,
            "held_max": 0.8,
            "status": "controls",
        },
    ]


@settings(max_examples=150, deadline=None)
@given(ownership(), st.booleans())
def test_against_a_plain_python_fixpoint(case, strict):
    n, shares, _ = case
    g = graph([(u, v, s) for (u, v), s in shares.items()], nodes=list(range(n)))
    got = set(pairs(g.control(strict=strict)))
    want = {(x, y) for x in range(n) for y in reference(n, shares, {x}, True, strict)}
    assert got == want


def test_bad_inputs_are_named_errors():
    g = graph([("A", "B", 0.6)])
    with pytest.raises(ValueError, match="threshold"):
        g.control(0.0)
    with pytest.raises(ValueError, match="max_controlled"):
        g.control(max_controlled=0)
    with pytest.raises(UnknownNodeError, match="Q"):
        g.control(controllers=["Q"])
    with pytest.raises(TypeError, match="list of nodes"):
        g.control(controllers="A")
    with pytest.raises(ValueError, match="threshold"):
        g.ultimate_controllers(1.5)
    assert g.control(controllers=[]).num_rows == 0
    assert pa.types.is_string(g.control()["controller"].type)


def test_control_command_and_the_report_section(tmp_path):
    from conftest import ok
    from conftest import run_cli as run

    path = tmp_path / "c.csv"
    path.write_text("source,target,share\nA,B,0.6\nB,A,0.6\nA,C,0.7\nP,Q,0.5\n")
    out = ok(run("control", str(path)))
    assert "4 control pair(s), more than 50%" in out  # P holds exactly 50% of Q
    out = ok(run("control", str(path), "--at-least", "--controller", "P"))
    assert out.splitlines()[2].split() == ["P", "Q", "50.00%"]
    out = ok(run("control", str(path), "--ultimate"))
    assert out.splitlines()[-1].split() == ["C", "A,", "B"]
    assert "nobody controls anybody" in ok(run("control", str(path), "--threshold", "0.95"))
    bad = run("control", str(path), "--ultimate", "--controller", "A")
    assert bad.returncode == 2 and "--ultimate" in bad.stderr
    report = ok(run("report", str(path), "--out", str(tmp_path / "r")))
    section = report[report.index("Who controls whom") :]
    assert "4 control pair(s) the data establish" in section
    built_in = ok(run("report", "--out", str(tmp_path / "b")))
    section = built_in[built_in.index("Who controls whom") :]
    assert "nobody controls anybody for certain on these data" in section
    assert "possible within the stakes' ranges" in section
