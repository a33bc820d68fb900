"""The built-in 2026 AI-funding data set: figures against the articles, as_of, rumours."""

import datetime as dt
from pathlib import Path

import pyarrow.compute as pc
import pytest

from aiexposure import Graph
from aiexposure.datasets import ai_funding_2026, ai_funding_2026_nodes, split_quantified

SHARED_SEEDS = Path(__file__).resolve().parents[1] / ".." / "shared" / "seeds"
B = 1e9


def rows(table, **match):
    out = table.to_pylist()
    return [r for r in out if all(r[k] == v for k, v in match.items())]


def one(table, **match):
    found = rows(table, **match)
    assert len(found) == 1, (match, found)
    return found[0]


def test_round_closed_on_27_february_2026():
    t = ai_funding_2026()
    for investor, amount in [("Amazon", 50 * B), ("SoftBank", 30 * B), ("Nvidia", 30 * B)]:
        r = one(t, source=investor, target="OpenAI", kind="equity", status="closed")
        assert r["amount"] == amount
        assert r["share"] == amount / (730 * B)
        assert r["share_derived"] is True
        assert r["date"] == dt.date(2026, 2, 27)
        assert r["seed_file"] == "002_ddd2a9c5ce670651.txt"
    closed = rows(t, target="OpenAI", status="closed", date=dt.date(2026, 2, 27))
    assert sum(r["amount"] for r in closed) == 110 * B


def test_aws_commitments_add_up_to_138_billion():
    t = ai_funding_2026()
    back = rows(t, source="OpenAI", target="Amazon", kind="commitment")
    assert sorted(r["amount"] for r in back) == [38 * B, 100 * B]
    g = Graph.from_arrow(split_quantified(t)[0])
    G = g.to_networkx()
    assert G["OpenAI"]["Amazon"]["commitment"]["amount"] == 138 * B
    assert G["Amazon"]["OpenAI"]["equity"]["amount"] == 50 * B


def test_cancelled_nvidia_plan_and_other_figures():
    t = ai_funding_2026(as_of="2025-12-31")
    plan = one(t, source="Nvidia", target="OpenAI", status="cancelled")
    assert plan["amount"] == 100 * B
    assert plan["date"] == dt.date(2025, 9, 1)
    assert plan["cancelled_on"] == dt.date(2026, 1, 31)
    now = ai_funding_2026()
    assert not rows(now, status="cancelled")
    assert one(now, source="Nvidia", target="CoreWeave")["amount"] == 2 * B
    ms = one(now, source="Microsoft", target="OpenAI", kind="equity")
    assert ms["amount"] == 13 * B and "lower bound" in ms["amount_note"]
    assert ms["share"] is None


def test_valuations_in_the_node_table():
    nodes = {r["name"]: r for r in ai_funding_2026_nodes().to_pylist()}
    assert nodes["OpenAI"]["valuation_usd"] == 730 * B
    assert nodes["Anthropic"]["valuation_usd"] == 380 * B
    assert {r["type"] for r in nodes.values()} <= {
        "lab",
        "cloud",
        "chipmaker",
        "investor",
        "bigtech",
        "neocloud",
        "other",
    }
    names = set(nodes)
    everything = ai_funding_2026(as_of="2030-01-01", include_unconfirmed=True)
    assert set(everything["source"].to_pylist()) | set(everything["target"].to_pylist()) <= names


def test_unknown_amounts_are_null_never_guessed():
    t = ai_funding_2026(include_unconfirmed=True)
    for r in rows(t, source="Nvidia", target="Anthropic") + rows(
        t, source="Amazon", target="Anthropic"
    ):
        assert r["amount"] is None and r["share"] is None
    assert one(t, source="OpenAI", target="Microsoft")["amount"] is None


@pytest.mark.parametrize(
    "as_of, present, absent",
    [
        ("2025-10-01", [("Nvidia", "OpenAI", "cancelled")], [("OpenAI", "Amazon", "closed")]),
        ("2025-11-30", [("OpenAI", "Amazon", "closed")], [("Amazon", "OpenAI", "closed")]),
        ("2026-01-31", [("Nvidia", "CoreWeave", "announced")], [("Nvidia", "OpenAI", "cancelled")]),
        (
            dt.date(2026, 2, 27),
            [("Amazon", "OpenAI", "closed")],
            [("Nvidia", "OpenAI", "cancelled")],
        ),
    ],
)
def test_as_of(as_of, present, absent):
    t = ai_funding_2026(as_of=as_of)
    day = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(as_of)
    assert all(d <= day for d in t["date"].to_pylist())
    for s, d, status in present:
        assert rows(t, source=s, target=d, status=status), (s, d, status)
    for s, d, status in absent:
        assert not rows(t, source=s, target=d, status=status), (s, d, status)


def test_rumours_only_with_include_unconfirmed_and_never_on_top_of_a_deal():
    january = ai_funding_2026(as_of="2026-01-30")
    assert not rows(january, status="rumored")
    rumours = ai_funding_2026(as_of="2026-01-30", include_unconfirmed=True)
    amazon = one(rumours, source="Amazon", target="OpenAI", kind="equity")
    assert amazon["status"] == "rumored" and amazon["amount"] == 50 * B
    # Nvidia's 100B plan is live until its cancellation on 2026-01-31 and covers the rumour...
    assert not rows(rumours, source="Nvidia", target="OpenAI", status="rumored")
    # ...then the 30B rumour is what is known, until the closed round replaces it.
    later = ai_funding_2026(as_of="2026-01-31", include_unconfirmed=True)
    assert one(later, source="Nvidia", target="OpenAI", status="rumored")["amount"] == 30 * B
    # Once the round closed, the rumours about the same deals drop out.
    february = ai_funding_2026(include_unconfirmed=True)
    assert one(february, source="Amazon", target="OpenAI", kind="equity")["status"] == "closed"
    assert not rows(february, source="Nvidia", target="OpenAI", status="rumored")


@pytest.mark.parametrize(
    "as_of", ["2025-09-01", "2025-12-01", "2026-01-30", "2026-02-27", "2027-01-01"]
)
@pytest.mark.parametrize("include_unconfirmed", [False, True])
def test_every_view_builds_a_graph(as_of, include_unconfirmed):
    edges, unquantified = split_quantified(ai_funding_2026(as_of, include_unconfirmed))
    Graph.from_arrow(edges)
    assert pc.all(pc.equal(unquantified["kind"], "equity")).as_py() in (True, None)


def test_bad_as_of():
    with pytest.raises(ValueError, match="as_of must be a date"):
        ai_funding_2026(as_of="last week")


def test_schema_starts_with_the_edge_columns():
    t = ai_funding_2026()
    assert t.column_names[:5] == ["source", "target", "kind", "share", "amount"]
    assert {"date", "status", "seed_file", "quote", "share_derived"} <= set(t.column_names)
    assert set(t["status"].to_pylist()) <= {"rumored", "announced", "closed", "cancelled"}
    assert set(t["kind"].to_pylist()) <= {"equity", "credit", "commitment"}


@pytest.mark.skipif(
    not SHARED_SEEDS.is_dir(), reason="the source articles are not beside the checkout"
)
def test_every_quote_is_verbatim_in_its_article():
    t = ai_funding_2026(as_of="2030-01-01", include_unconfirmed=True)
    for r in t.to_pylist():
        text = (SHARED_SEEDS / r["seed_file"]).read_text(encoding="utf-8")
        assert r["quote"] in text, (r["id"], r["quote"])
        if r["amount"] is not None and r["amount"] >= B:
            figure = f"{r['amount'] / B:g}"
            assert figure in r["quote"], (r["id"], figure)
    for r in ai_funding_2026_nodes().to_pylist():
        if r["valuation_quote"]:
            text = (SHARED_SEEDS / r["valuation_seed_file"]).read_text(encoding="utf-8")
            assert r["valuation_quote"] in text


def test_submodules_without_an_explicit_import():
    import subprocess
    import sys

    code = (
        "import aiexposure\n"
        "assert aiexposure.datasets.ai_funding_2026().num_rows > 0\n"
        "assert aiexposure.synthetic.investor_graph(10).num_rows > 0\n"
        "assert 'datasets' in dir(aiexposure)\n"
        "try:\n    aiexposure.nothing\nexcept AttributeError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "no attribute 'nothing'" in out.stdout
