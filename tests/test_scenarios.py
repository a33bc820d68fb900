"""Many scenarios at once (docs/math.md, "Scenarios"): every scenario of a batch is what the
single call gives, the worked numbers, "each" and each(), Ctrl-C, and every bad input."""

import os
import signal
import threading
import time

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiexposure import (
    AIExposureError,
    ClearingScenarios,
    DebtRankScenarios,
    FurfineScenarios,
    Graph,
    UnknownNodeError,
    each,
)

NAMES = "abc"
CLAIMS = [[0, 1, 0], [10, 0, 3], [3, 2, 0]]  # the NetworkRiskMeasures example
EQUITY = {"a": 2, "b": 5, "c": 2}
WEIGHT = {"a": 10, "b": 100, "c": 30}


def claims_graph(claims, names=NAMES):
    rows = [(i, j, a) for i, row in enumerate(claims) for j, a in enumerate(row) if a]
    return Graph.from_arrow(
        {
            "source": [names[i] for i, _, _ in rows],
            "target": [names[j] for _, j, _ in rows],
            "kind": ["credit"] * len(rows),
            "amount": [float(a) for *_, a in rows],
        },
        nodes=pa.array(list(names[: len(claims)])),
    )


def long_table(scenarios):
    """{key: {node: value}} as a long table."""
    rows = [(k, v, x) for k, shock in scenarios.items() for v, x in shock.items()]
    return pa.table(
        {
            "scenario": [r[0] for r in rows],
            "node": [r[1] for r in rows],
            "value": [float(r[2]) for r in rows],
        }
    )


def rows_of(table, key):
    return [r for r in table.to_pylist() if r["scenario"] == key]


def test_debtrank_worked_numbers_in_one_batch():
    g = claims_graph(CLAIMS)
    shocks = long_table({"a defaults": {"a": 1.0}, "10% on all": dict.fromkeys("abc", 0.1)})
    r = g.debtrank(shocks, equity=EQUITY, weight=WEIGHT)
    assert isinstance(r, DebtRankScenarios)
    totals = r.totals.to_pylist()
    assert [t["scenario"] for t in totals] == ["a defaults", "10% on all"]  # as given
    assert totals[0]["relative_loss"] == pytest.approx(0.928571, abs=1e-6)
    assert totals[1]["relative_loss"] == pytest.approx(0.160714, abs=1e-6)
    assert (totals[0]["distressed_nodes"], totals[0]["defaulted_nodes"]) == (3, 3)
    t1 = totals[1]
    assert (t1["distressed_nodes"], t1["defaulted_nodes"], t1["rounds"]) == (3, 0, 2)
    got = [round(x["distress"], 12) for x in rows_of(r.table, "10% on all")]
    assert got == [0.15, 0.26, 0.3]


def test_each_is_one_scenario_per_node_keyed_by_node():
    g = claims_graph(CLAIMS)
    r = g.debtrank("each", equity=EQUITY, weight=WEIGHT)
    assert r.totals["scenario"].to_pylist() == ["a", "b", "c"]
    for v in "abc":
        one = g.debtrank({v: 1.0}, equity=EQUITY, weight=WEIGHT)
        t = next(x for x in r.totals.to_pylist() if x["scenario"] == v)
        assert t["relative_loss"] == pytest.approx(one.relative_loss, rel=1e-12)
    some = g.debtrank(each(["c", "a"], 0.5), equity=EQUITY, weight=WEIGHT)
    assert some.totals["scenario"].to_pylist() == ["c", "a"]
    half = g.debtrank({"c": 0.5}, equity=EQUITY, weight=WEIGHT)
    assert some.totals["relative_loss"][0].as_py() == pytest.approx(half.relative_loss)
    # Rows only for the nodes a scenario reaches.
    g2 = Graph.from_arrow(
        {"source": ["x"], "target": ["y"], "kind": ["credit"], "amount": [1.0]},
        nodes=pa.array(["x", "y", "z"]),
    )
    r = g2.debtrank("each", equity={"x": 1.0, "y": 1.0, "z": 1.0})
    assert [(x["scenario"], x["node"]) for x in r.table.to_pylist()] == [
        ("x", "x"),
        ("y", "x"),
        ("y", "y"),
        ("z", "z"),
    ]


def test_detail_false_keeps_the_totals_only():
    g = claims_graph(CLAIMS)
    r = g.debtrank("each", equity=EQUITY, detail=False)
    assert r.table.num_rows == 0 and r.totals.num_rows == 3
    assert g.furfine("each", equity=EQUITY, detail=False).table.num_rows == 0
    c = g.clearing(dict.fromkeys("abc", 1.0), shock="each", detail=False)
    assert c.table.num_rows == 0 and c.totals.num_rows == 3
    with pytest.raises(ValueError, match="detail=False"):
        g.debtrank({"a": 1.0}, equity=EQUITY, detail=False)


def test_furfine_scenarios_list_the_failed_nodes():
    g = Graph.from_arrow(
        {"source": ["a", "b"], "target": ["b", "c"], "kind": ["credit"] * 2, "amount": [5.0, 4.0]}
    )
    eq = {"a": 5, "b": 4}
    r = g.furfine(pa.table({"scenario": [1, 2, 2], "node": ["c", "b", "c"]}), equity=eq)
    assert isinstance(r, FurfineScenarios)
    assert r.totals.to_pylist() == [
        {"scenario": 1, "failed_nodes": 3, "rounds": 2},
        {"scenario": 2, "failed_nodes": 3, "rounds": 1},
    ]
    assert rows_of(r.table, 1) == [
        {"scenario": 1, "node": "a", "round": 2},
        {"scenario": 1, "node": "b", "round": 1},
        {"scenario": 1, "node": "c", "round": 0},
    ]
    each_ = g.furfine("each", equity=eq)
    assert each_.totals["failed_nodes"].to_pylist() == [1, 2, 3]


def test_clearing_scenarios_against_the_unshocked_clearing():
    g = claims_graph(CLAIMS)
    assets = {"a": 1.0, "b": 2.0, "c": 1.0}
    r = g.clearing(assets, shock=long_table({"b halves": {"b": 0.5}}))
    assert isinstance(r, ClearingScenarios)
    one = g.clearing(assets, shock={"b": 0.5}).table.to_pylist()
    alone = g.clearing({"a": 1.0, "b": 1.0, "c": 1.0}).table.to_pylist()
    assert one == alone  # a shock is a relative loss of external assets
    base = r.base.table.to_pylist()
    assert base == g.clearing(assets).table.to_pylist()
    for row in rows_of(r.table, "b halves"):
        i = "abc".index(row["node"])
        assert row["payment"] == one[i]["payment"]
        assert row["equity"] == pytest.approx(one[i]["equity"])
        assert row["equity_drop"] == pytest.approx(base[i]["equity"] - one[i]["equity"])
    t = r.totals.to_pylist()[0]
    assert t["defaulted_nodes"] == sum(x["defaulted"] for x in one)
    assert t["shortfall"] == pytest.approx(sum(x["obligation"] - x["payment"] for x in one))
    assert t["equity_drop"] == pytest.approx(
        sum(b["equity"] - x["equity"] for b, x in zip(base, one, strict=True))
    )


@st.composite
def batches(draw):
    n = draw(st.integers(2, 7))
    names = [f"n{i}" for i in range(n)]
    cells = st.one_of(st.just(0.0), st.floats(0.5, 20.0))
    claims = draw(st.lists(st.lists(cells, min_size=n, max_size=n), min_size=n, max_size=n))
    for i in range(n):
        claims[i][i] = 0.0
    equity = draw(st.lists(st.floats(-1.0, 30.0), min_size=n, max_size=n))
    k = draw(st.integers(1, 5))
    scenarios = {}
    for s in range(k):
        hit = draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=n))
        scenarios[f"s{s}"] = {names[i]: draw(st.floats(0.0, 1.0)) for i in hit}
    return claims, names, equity, scenarios


@settings(max_examples=60, deadline=None)
@given(batches(), st.sampled_from(["single_hit", "linear", "nonlinear"]))
def test_every_debtrank_scenario_is_the_single_call(case, variant):
    claims, names, equity, scenarios = case
    g = claims_graph(claims, names)
    eq = dict(zip(names, equity, strict=True))
    alpha = 1.5 if variant == "nonlinear" else 0.0
    w = {v: 1.0 for v in names}
    r = g.debtrank(long_table(scenarios), equity=eq, weight=w, variant=variant, alpha=alpha)
    for key, shock in scenarios.items():
        one = g.debtrank(shock, equity=eq, weight=w, variant=variant, alpha=alpha)
        want = {
            x["node"]: (x["initial"], x["distress"])
            for x in one.table.to_pylist()
            if x["distress"] > 0 or x["initial"] > 0
        }
        got = {x["node"]: (x["initial"], x["distress"]) for x in rows_of(r.table, key)}
        assert got == want  # the same bits
        t = next(x for x in r.totals.to_pylist() if x["scenario"] == key)
        assert t["relative_loss"] == pytest.approx(one.relative_loss, rel=1e-9, abs=1e-12)
        assert t["rounds"] == one.rounds
        assert all(0.0 <= d <= 1.0 for _, d in got.values())


@settings(max_examples=60, deadline=None)
@given(batches(), st.sampled_from(["default", "survive"]), st.floats(0.0, 1.0))
def test_every_furfine_scenario_is_the_single_call(case, at, lgd):
    claims, names, equity, scenarios = case
    g = claims_graph(claims, names)
    eq = dict(zip(names, equity, strict=True))
    rows = [(k, v) for k, s in scenarios.items() for v in s]
    table = pa.table({"scenario": [k for k, _ in rows], "node": [v for _, v in rows]})
    r = g.furfine(table, equity=eq, lgd=lgd, at_threshold=at)
    for key, shock in scenarios.items():
        one = g.furfine(list(shock), equity=eq, lgd=lgd, at_threshold=at)
        want = {x["node"]: x["round"] for x in one.table.to_pylist() if x["round"] is not None}
        assert {x["node"]: x["round"] for x in rows_of(r.table, key)} == want
        t = next(x for x in r.totals.to_pylist() if x["scenario"] == key)
        assert (t["failed_nodes"], t["rounds"]) == (len(want), one.rounds)


@settings(max_examples=60, deadline=None)
@given(batches(), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_every_clearing_scenario_is_the_single_call(case, alpha, beta):
    claims, names, equity, scenarios = case
    g = claims_graph(claims, names)
    assets = {v: abs(e) for v, e in zip(names, equity, strict=True)}
    r = g.clearing(assets, alpha=alpha, beta=beta, shock=long_table(scenarios))
    base = r.base.table.to_pylist()
    for key, shock in scenarios.items():
        one = g.clearing(assets, alpha=alpha, beta=beta, shock=shock).table.to_pylist()
        listed = {x["node"]: x for x in rows_of(r.table, key)}
        for i, v in enumerate(names):
            if v in listed:
                assert listed[v]["payment"] == one[i]["payment"]
                assert listed[v]["defaulted"] == one[i]["defaulted"]
                assert listed[v]["payment"] <= listed[v]["obligation"]
            else:  # not listed: unchanged by the scenario
                assert (one[i]["payment"], one[i]["defaulted"]) == (
                    base[i]["payment"],
                    base[i]["defaulted"],
                )
        t = next(x for x in r.totals.to_pylist() if x["scenario"] == key)
        assert t["defaulted_nodes"] == sum(x["defaulted"] for x in one)


def test_bad_scenario_tables_name_the_row_the_node_or_the_scenario():
    g = claims_graph(CLAIMS)
    run = lambda t: g.debtrank(pa.table(t), equity=EQUITY)  # noqa: E731
    with pytest.raises(AIExposureError, match="null scenario at row 1"):
        run({"scenario": ["x", None], "node": ["a", "b"], "value": [0.1, 0.2]})
    with pytest.raises(AIExposureError, match="null node at row 0"):
        run({"scenario": ["x"], "node": pa.array([None], pa.string()), "value": [0.1]})
    with pytest.raises(UnknownNodeError, match="zz"):
        run({"scenario": ["x"], "node": ["zz"], "value": [0.1]})
    with pytest.raises(AIExposureError, match="'a' twice in scenario 'x'"):
        run({"scenario": ["x", "x"], "node": ["a", "a"], "value": [0.1, 0.2]})
    with pytest.raises(AIExposureError, match=r"'b' in scenario 'y' is 1\.5"):
        run({"scenario": ["x", "y"], "node": ["a", "b"], "value": [0.1, 1.5]})
    with pytest.raises(AIExposureError, match="no value at row 0"):
        run({"scenario": ["x"], "node": ["a"], "value": pa.array([None], pa.float64())})
    with pytest.raises(AIExposureError, match="missing"):
        run({"scenario": ["x"], "node": ["a"]})
    with pytest.raises(AIExposureError, match="no value column"):
        g.furfine(pa.table({"scenario": ["x"], "node": ["a"], "value": [1.0]}), equity=EQUITY)
    with pytest.raises(AIExposureError, match="is nan"):
        run({"scenario": ["x"], "node": ["a"], "value": [float("nan")]})
    with pytest.raises(TypeError, match="list of nodes"):
        each("a")
    with pytest.raises(AIExposureError, match="twice"):
        g.debtrank(each(["a", "a"]), equity=EQUITY)
    with pytest.raises(UnknownNodeError, match="zz"):
        g.furfine(each(["zz"]), equity=EQUITY)
    with pytest.raises(AIExposureError, match="relative loss"):
        g.debtrank(each(["a"], 2.0), equity=EQUITY)
    # Equity is needed for a shocked node in any scenario.
    with pytest.raises(AIExposureError, match="equity is not given for 'a'"):
        g.debtrank("each", equity={"b": 5, "c": 2})


def test_a_scenarios_file_is_read_like_a_table(tmp_path):
    import pyarrow.parquet as pq

    path = tmp_path / "shocks.parquet"
    pq.write_table(long_table({"x": {"a": 1.0}}), path)
    g = claims_graph(CLAIMS)
    r = g.debtrank(str(path), equity=EQUITY, weight=WEIGHT)
    assert r.totals["relative_loss"][0].as_py() == pytest.approx(0.928571, abs=1e-6)
    single = tmp_path / "one.parquet"
    pq.write_table(pa.table({"node": ["a"], "value": [1.0]}), single)
    assert g.debtrank(str(single), equity=EQUITY, weight=WEIGHT).relative_loss == pytest.approx(
        0.928571, abs=1e-6
    )


def big_credit_graph(n=200_000, m=1_000_000, seed=3):
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = src != dst
    g = Graph.from_arrow(
        {
            "source": src[keep],
            "target": dst[keep],
            "kind": pa.array(["credit"] * int(keep.sum())),
            "amount": rng.uniform(1, 10, int(keep.sum())),
        }
    )
    equity = pa.table({"node": g.nodes, "value": np.full(g.num_nodes, 5.0)})
    return g, equity


@pytest.mark.skipif(os.name != "posix", reason="SIGINT delivery via os.kill")
def test_ctrl_c_stops_a_batch_quickly(sigint):
    g, equity = big_credit_graph()
    sent = {}

    def interrupt():
        sent["at"] = time.perf_counter()
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(0.3, interrupt)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            g.debtrank("each", equity=equity, detail=False)  # minutes without Ctrl-C
    finally:
        timer.join()
    assert time.perf_counter() - sent["at"] < 0.5


@st.composite
def exposure_batches(draw):
    n = draw(st.integers(2, 7))
    names = [f"n{i}" for i in range(n)]
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=14))
    src, dst, kind, share, amount = [], [], [], [], []
    for u, v in dict.fromkeys(p for p in pairs if p[0] != p[1]):
        k = draw(st.sampled_from(["equity", "credit", "commitment"]))
        src.append(names[u])
        dst.append(names[v])
        kind.append(k)
        share.append(draw(st.floats(0.01, 0.3)) if k == "equity" else None)
        amount.append(None if k == "equity" else draw(st.floats(1.0, 50.0)))
    g = Graph.from_arrow(
        {
            "source": pa.array(src, pa.string()),
            "target": pa.array(dst, pa.string()),
            "kind": pa.array(kind, pa.string()),
            "share": pa.array(share, pa.float64()),
            "amount": pa.array(amount, pa.float64()),
        },
        nodes=pa.array(names),
    )
    scenarios = {}
    for s in range(draw(st.integers(1, 11))):
        hit = draw(st.sets(st.sampled_from(names), max_size=n))
        scenarios[f"s{s}"] = {v: draw(st.floats(0.0, 100.0)) for v in hit}
    defaults = {}
    for key in scenarios:
        hit = draw(st.sets(st.sampled_from(names), max_size=2))
        defaults[key] = {v: draw(st.floats(0.0, 1.0)) for v in hit}
    return g, names, scenarios, defaults


LOSSES = ["equity_loss", "credit_loss", "commitment_loss", "direct_loss", "total_loss"]


@settings(max_examples=60, deadline=None)
@given(exposure_batches())
def test_every_look_through_scenario_is_the_single_call(case):
    g, names, scenarios, defaults = case
    r = g.look_through(long_table(scenarios), long_table(defaults))
    # A scenario is known by its rows: keys of the value table first, then new default ones.
    given = [k for k in scenarios if scenarios[k]] + [k for k in defaults if defaults[k]]
    assert r.totals["scenario"].to_pylist() == list(dict.fromkeys(given))
    for key in dict.fromkeys(given):
        one = g.look_through(scenarios[key], defaults[key], legacy_columns=False).to_pylist()
        got = {x["node"]: x for x in rows_of(r.table, key)}
        for i, v in enumerate(names):
            row = got.get(v)
            for c in LOSSES:
                want = one[i][c]
                have = row[c] if row else 0.0
                assert have == pytest.approx(want, rel=1e-12, abs=1e-9), (key, v, c)
        t = next(x for x in r.totals.to_pylist() if x["scenario"] == key)
        assert t["total_loss"] == pytest.approx(
            sum(x["total_loss"] for x in one), rel=1e-12, abs=1e-9
        )


def test_look_through_scenarios_each_and_a_shared_input():
    g = Graph.from_arrow(
        {
            "source": ["Amazon", "Microsoft", "bank"],
            "target": ["Anthropic", "OpenAI", "OpenAI"],
            "kind": ["equity", "equity", "credit"],
            "share": [0.15, 0.27, None],
            "amount": [None, None, 4e9],
        }
    )
    r = g.look_through(default="each")
    by = {t["scenario"]: t["total_loss"] for t in r.totals.to_pylist()}
    assert by["OpenAI"] == pytest.approx(4e9) and by["Amazon"] == 0.0
    # The value loss as a mapping applies to every scenario of the default table.
    d = pa.table({"scenario": ["OpenAI defaults"], "node": ["OpenAI"], "value": [1.0]})
    r = g.look_through({"Anthropic": 10e9}, d)
    rows = rows_of(r.table, "OpenAI defaults")
    assert {x["node"]: x["total_loss"] for x in rows} == pytest.approx(
        {"Amazon": 1.5e9, "bank": 4e9}
    )
    r = g.look_through(each(["Anthropic", "OpenAI"], 1e9), detail=False)
    assert r.table.num_rows == 0
    assert r.totals["total_loss"].to_pylist() == pytest.approx([0.15e9, 0.27e9])
    with pytest.raises(AIExposureError, match="finite"):
        g.look_through(each(["OpenAI"], float("inf")))
    with pytest.raises(ValueError, match="detail=False"):
        g.look_through({"OpenAI": 1.0}, detail=False)


def test_look_through_scenarios_keep_the_bounds_of_unknown_amounts():
    g = Graph.from_arrow(
        {
            "source": ["bank", "fund"],
            "target": ["lab", "bank"],
            "kind": ["credit", "equity"],
            "share": [None, 0.5],
            "amount": [None, None],
        }
    )
    r = g.look_through(default=long_table({"lab defaults": {"lab": 0.5}, "calm": {"lab": 0.0}}))
    rows = {x["node"]: x for x in rows_of(r.table, "lab defaults")}
    assert rows["bank"]["credit_loss_min"] == 0.0
    assert rows["bank"]["credit_loss_max"] == float("inf")
    assert rows["bank"]["credit_loss"] is None  # the bounds disagree: no single value
    assert rows["fund"]["total_loss_max"] == float("inf")
    assert r.table.schema.metadata[b"aiexposure.unknown_amounts_hit"] == b"true"
    calm = {t["scenario"]: t for t in r.totals.to_pylist()}["calm"]
    assert calm["total_loss_min"] == 0.0 and calm["total_loss_max"] == 0.0


def test_scenarios_that_reach_few_nodes_agree_with_single_calls_on_a_larger_graph(monkeypatch):
    # 3000 nodes: rings of three in a tree, credit and commitment edges (some of
    # unknown amount), interval stakes. A shock on one node reaches a handful of holders, so
    # those scenarios are solved by pushing; a shock on 40% of the nodes by full passes.
    rng = np.random.default_rng(5)
    n = 3000
    src, dst, kind, share, lo, hi, amount = [], [], [], [], [], [], []
    for i in range(0, n, 3):
        for a, b in ((i, i + 1), (i + 1, i + 2), (i + 2, i)):
            src.append(a), dst.append(b), kind.append("equity")
            share.append(0.3), lo.append(None), hi.append(None), amount.append(None)
        if i >= 3:  # rings in a binary tree: ring r holds a member of ring (r - 1) // 2
            r = i // 3
            parent = 3 * ((r - 1) // 2) + 1 + (r - 1) % 2
            src.append(i), dst.append(parent), kind.append("equity")
            ranged = rng.random() < 0.2
            share.append(None if ranged else 0.2)
            lo.append(0.1 if ranged else None), hi.append(0.25 if ranged else None)
            amount.append(None)
    for _ in range(600):
        a, b = (int(x) for x in rng.integers(0, n, 2))
        if a != b:
            src.append(a), dst.append(b), kind.append(str(rng.choice(["credit", "commitment"])))
            share.append(None), lo.append(None), hi.append(None)
            amount.append(None if rng.random() < 0.1 else float(rng.uniform(1, 9)))
    g = Graph.from_arrow(
        {
            "source": src,
            "target": dst,
            "kind": kind,
            "share": pa.array(share, pa.float64()),
            "share_min": pa.array(lo, pa.float64()),
            "share_max": pa.array(hi, pa.float64()),
            "amount": pa.array(amount, pa.float64()),
        }
    )
    picked = [int(x) for x in rng.choice(n, 12, replace=False)]
    scenarios = {f"one {v}": {v: 100.0} for v in picked}
    scenarios["broad"] = {int(v): 1.0 for v in rng.choice(n, 1200, replace=False)}
    defaults = {f"one {v}": {v: 0.5} for v in picked[:4]}
    from aiexposure import _core

    seen, real = [], _core.look_through_many
    monkeypatch.setattr(_core, "look_through_many", lambda *a: seen.append(real(*a)) or seen[-1])
    r = g.look_through(long_table(scenarios), long_table(defaults))
    # Both ways were taken: the broad shock by full passes, the narrow ones by pushing.
    # (a node near the tree's root reaches many holders: full passes too).
    assert all(1 <= x["dense"] <= 3 for x in seen), [x["dense"] for x in seen]
    assert r.table.schema.metadata[b"aiexposure.bounds"] == b"interval"
    for key, shock in scenarios.items():
        one = g.look_through(shock, defaults.get(key), legacy_columns=False)
        got = {x["node"]: x for x in rows_of(r.table, key)}
        for row in one.to_pylist():
            mine = got.get(row["node"])
            for c in ("total_loss_min", "total_loss_max", "credit_loss_max", "equity_loss_min"):
                want = row.get(c, row.get(c.rsplit("_", 1)[0]))
                have = mine[c] if mine else 0.0
                assert have == pytest.approx(want, rel=1e-9, abs=1e-9), (key, row["node"], c)
