"""Partial information: unknown and ranged stakes become bounds (docs/math.md)."""

import math
from unittest import mock

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from conftest import build, meta, row
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiexposure import Graph, InvalidGraphError, UnknownNodeError, _size
from aiexposure.datasets import ai_funding_2026

OPENAI_FLOAT = 1 - 0.0684931506849315 - 2 * 0.0410958904109589


# --- worked numbers -------------------------------------------------------------------------


def chain():
    """P -> A with a stake in [0.2, 0.4], A -> B 0.5."""
    return Graph.from_arrow(
        {
            "source": ["P", "A"],
            "target": ["A", "B"],
            "share": [None, 0.5],
            "share_min": [0.2, None],
            "share_max": [0.4, None],
        }
    )


def test_chain_with_a_ranged_stake():
    g = chain()
    t = g.integrated_ownership("walks")
    pb = row(t, holder="P", issuer="B")
    assert pb["integrated"] is None  # the data give a range, not a number
    assert pb["integrated_min"] == pytest.approx(0.1, abs=1e-15)
    assert pb["integrated_max"] == pytest.approx(0.2, abs=1e-15)
    ab = row(t, holder="A", issuer="B")
    assert ab["integrated"] == ab["integrated_min"] == ab["integrated_max"] == 0.5
    pa_ = row(t, holder="P", issuer="A")
    assert (pa_["direct"], pa_["direct_min"], pa_["direct_max"]) == (None, 0.2, 0.4)
    # Closed bounds, one holder per issuer: both bounds are stakes the data allow.
    assert meta(t, "lower_attained") == "true"
    assert meta(t, "upper_attained") == "true"
    assert meta(t, "divergent") == "[]"


def test_builtin_data_build_and_bound_microsofts_stake_in_openai():
    g = Graph.from_arrow(ai_funding_2026())
    assert g.has_interval_stakes
    h = g.holdings_of("Microsoft")
    r = row(h, issuer="OpenAI")
    assert r["integrated"] is None
    assert r["integrated_min"] == 0.0
    assert r["integrated_max"] == pytest.approx(OPENAI_FLOAT, abs=1e-12)
    assert round(r["integrated_max"], 6) == 0.849315
    # (0, 0.849315]: the lower end is open (an unknown stake is above 0).
    assert meta(h, "lower_attained") == "false"
    ultimate = g.integrated_ownership("ultimate")
    free = row(ultimate, holder=None, issuer="OpenAI")
    # OpenAI's free float shrinks as Microsoft's unknown stake grows: never silently 84.93%.
    assert free["integrated"] is None
    assert free["integrated_min"] == pytest.approx(0.0, abs=1e-12)
    assert free["integrated_max"] == pytest.approx(OPENAI_FLOAT, abs=1e-12)


def test_closed_pair_of_unknown_stakes_diverges_under_walks_but_not_simple_paths():
    g = Graph.from_arrow({"source": ["A", "B"], "target": ["B", "A"], "share": [None, None]})
    walks = g.integrated_ownership("walks")
    ab = row(walks, holder="A", issuer="B")
    assert ab["integrated_min"] == 0.0 and ab["integrated_max"] == math.inf
    assert '"members": ["A", "B"]' in meta(walks, "divergent")
    assert meta(walks, "upper_attained") == "false"
    paths = g.integrated_ownership("simple_paths")
    ab = row(paths, holder="A", issuer="B")
    assert ab["integrated_min"] == 0.0 and ab["integrated_max"] == 1.0


def test_capped_maximums_and_when_they_are_attained():
    # C: A holds 0.3 exactly, B and D unknown: each capped at 0.7, together above 1.
    g = Graph.from_arrow(
        {"source": ["A", "B", "D"], "target": ["C", "C", "C"], "share": [0.3, None, None]}
    )
    s = {r["source"]: r for r in g.stakes(legacy_columns=False).to_pylist()}
    assert s["B"]["share_max"] == pytest.approx(0.7) and s["B"]["share_max_declared"] == 1.0
    assert s["A"]["exact"] and not s["B"]["exact"] and s["B"]["share_min_exclusive"]
    t = g.exposure_to("C")
    assert meta(t, "upper_attained") == "false"
    # One unknown holder beside exact ones: its cap is attainable.
    g1 = Graph.from_arrow({"source": ["A", "B"], "target": ["C", "C"], "share": [0.3, None]})
    assert meta(g1.exposure_to("C"), "upper_attained") == "true"


def test_open_bounds_are_kept():
    g = Graph.from_arrow(
        {
            "source": ["A"],
            "target": ["B"],
            "share_min": [0.25],
            "share_max": [0.5],
            "share_min_exclusive": [False],
            "share_max_exclusive": [True],
        }
    )
    s = g.stakes(legacy_columns=False).to_pylist()[0]
    assert (s["share_min_exclusive"], s["share_max_exclusive"]) == (False, True)
    t = g.holdings_of("A")
    assert meta(t, "lower_attained") == "true" and meta(t, "upper_attained") == "false"


def test_exact_graphs_keep_todays_tables():
    edges = {"source": ["P", "A"], "target": ["A", "B"], "share": [0.8, 0.5]}
    g = Graph.from_arrow(edges)
    assert not g.has_interval_stakes
    for method in ("walks", "ultimate", "simple_paths"):
        t = g.integrated_ownership(method)
        assert t.column_names == ["holder", "issuer", "direct", "integrated"]
    assert g.holdings_of("P").column_names == ["issuer", "direct", "integrated"]
    # Ranges of width 0 are exact stakes: the same table, bit for bit.
    ranged = Graph.from_arrow(
        {**edges, "share": [None, None], "share_min": [0.8, 0.5], "share_max": [0.8, 0.5]}
    )
    assert not ranged.has_interval_stakes
    for method in ("walks", "ultimate", "simple_paths"):
        assert ranged.integrated_ownership(method).equals(g.integrated_ownership(method))


def test_every_money_cycle_of_the_builtin_data():
    g = Graph.from_arrow(ai_funding_2026())
    cycles = {tuple(r["nodes"]) for r in g.simple_cycles().to_pylist()}
    members = [set(c) for c in cycles]
    for loop in (
        {"Nvidia", "CoreWeave"},
        {"Microsoft", "OpenAI"},
        {"Microsoft", "Anthropic"},
        {"Amazon", "OpenAI"},
        {"Amazon", "Anthropic", "Microsoft", "OpenAI"},
        {"Nvidia", "Anthropic", "Microsoft", "OpenAI"},
    ):
        assert loop in members, loop
    assert len(cycles) >= 7
    assert g.has_cycle() and g.find_cycle() is not None


def test_cycle_weights_are_bounded_when_a_stake_is_unknown():
    g = Graph.from_arrow(
        {"source": ["A", "B"], "target": ["B", "A"], "share": [None, 0.5]},
    )
    c = g.simple_cycles().to_pylist()[0]
    assert c["weight"] is None
    assert c["weight_min"] == 0.0 and c["weight_max"] == 0.5
    # min_weight keeps a cycle whose upper bound passes.
    assert g.simple_cycles(min_weight=0.4).num_rows == 1
    assert g.simple_cycles(min_weight=0.6).num_rows == 0


def test_look_through_by_channel_and_unknown_amounts():
    g = Graph.from_arrow(
        {
            "source": ["H", "L", "C"],
            "target": ["X", "X", "X"],
            "kind": ["equity", "credit", "commitment"],
            "share": [0.5, None, None],
            "amount": [None, 10.0, None],
        }
    )
    t = g.look_through(value_loss={"X": 100.0}, default={"X": 0.4}, legacy_columns=False)
    h = row(t, node="H")
    assert (h["equity_loss"], h["credit_loss"], h["commitment_loss"], h["direct_loss"]) == (
        50.0,
        0.0,
        0.0,
        50.0,
    )
    lender = row(t, node="L")
    assert lender["credit_loss"] == 4.0 and lender["total_loss"] == 4.0
    # C pays X: X defaulting costs C nothing; C defaulting costs its supplier X.
    exact = Graph.from_arrow(
        {
            "source": ["C", "H"],
            "target": ["X", "X"],
            "kind": ["commitment", "equity"],
            "share": [None, 0.5],
            "amount": [None, None],
        }
    )
    t = exact.look_through(default={"C": 0.5}, legacy_columns=False)
    x = row(t, node="X")
    # X supplies C under a commitment of unknown amount: at least 0, at most unbounded.
    assert x["commitment_loss"] is None and x["commitment_loss_min"] == 0.0
    assert x["commitment_loss_max"] == math.inf and x["total_loss_max"] == math.inf
    hx = row(t, node="H")
    assert hx["total_loss_min"] == 0.0 and hx["total_loss_max"] == math.inf
    assert meta(t, "unknown_amounts_hit") == "true"
    # No default on C: nothing unknown is hit, today's table.
    quiet = exact.look_through(default={"X": 0.5}, legacy_columns=False)
    assert "total_loss_max" not in quiet.column_names


def test_channels_sum_to_direct():
    g = Graph.from_arrow(ai_funding_2026())
    t = g.look_through(value_loss={"OpenAI": 365e9}, default={"OpenAI": 0.5}, legacy_columns=False)
    for r in t.to_pylist():
        for end in ("_min", "_max"):
            parts = r["equity_loss" + end] + r["credit_loss" + end] + r["commitment_loss" + end]
            assert parts == pytest.approx(r["direct_loss" + end])


def test_with_shares_pins_a_stake_and_records_it():
    g = Graph.from_arrow(ai_funding_2026())
    pinned = g.with_shares({("Microsoft", "OpenAI"): 0.27})
    r = row(pinned.holdings_of("Microsoft"), issuer="OpenAI")
    assert r["integrated_min"] == r["integrated_max"] == pytest.approx(0.27)
    assert pinned.assumptions.to_pylist() == [
        {"source": "Microsoft", "target": "OpenAI", "share": 0.27}
    ]
    assert g.assumptions.num_rows == 0  # the original is untouched
    with pytest.raises(InvalidGraphError, match=r"no equity edge 'OpenAI' -> 'Amazon'"):
        g.with_shares({("OpenAI", "Amazon"): 0.1})
    with pytest.raises(InvalidGraphError, match=r"fraction in \(0, 1\]"):
        g.with_shares({("Microsoft", "OpenAI"): 27})
    with pytest.raises(UnknownNodeError):
        g.with_shares({("Microsoft", "OpenAl"): 0.2})
    with pytest.raises(InvalidGraphError, match="sum to"):
        g.with_shares({("Microsoft", "OpenAI"): 0.9})
    # Pinning every unknown stake leaves an exact graph.
    exact = Graph.from_arrow(
        {"source": ["A", "B"], "target": ["C", "C"], "share": [0.3, None]}
    ).with_shares({("B", "C"): 0.6})
    assert not exact.has_interval_stakes


@pytest.mark.parametrize(
    ("columns", "message", "rows"),
    [
        ({"share_min": [0.5], "share_max": [0.2]}, r"share_min is above share_max at row 0", [0]),
        ({"share_min": [1.5], "share_max": [None]}, r"outside \[0, 1\] at row 0", [0]),
        ({"share_min": [float("nan")], "share_max": [0.5]}, r"share_min .* NaN at row 0", [0]),
        ({"share_min": [0.0], "share_max": [0.0]}, r"holds no stake at row 0", [0]),
        ({"share": [0.6], "share_min": [0.1], "share_max": [0.3]}, r"outside share_min", [0]),
    ],
)
def test_bad_ranges_name_the_row(columns, message, rows):
    with pytest.raises(InvalidGraphError, match=message) as info:
        Graph.from_arrow({"source": ["A"], "target": ["B"], **columns})
    assert info.value.rows == rows


def test_minimums_above_one_are_refused():
    with pytest.raises(InvalidGraphError, match=r"issuer 'C' sum to 1\.1.*minimum"):
        Graph.from_arrow(
            {
                "source": ["A", "B", "D"],
                "target": ["C", "C", "C"],
                "share": [0.6, None, None],
                "share_min": [None, 0.5, None],
                "share_max": [None, 0.9, None],
            }
        )


def test_range_on_a_credit_edge_is_refused():
    with pytest.raises(InvalidGraphError, match=r"share range on non-equity edges at row 0"):
        Graph.from_arrow({"source": ["A"], "target": ["B"], "kind": ["credit"], "share_min": [0.1]})


# --- properties against sampled stakes -------------------------------------------------------


@st.composite
def interval_graphs(draw):
    """Random equity graphs (cycles included) whose stakes are exact, ranged or unknown, the
    minimums held per issuer summing to at most 0.9; plus random value losses."""
    n = draw(st.integers(2, 7))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1]),
            min_size=1,
            max_size=14,
            unique=True,
        )
    )
    rows = []
    for u, v in pairs:
        kind = draw(st.sampled_from(["exact", "range", "unknown"]))
        a = draw(st.floats(0.01, 0.3))
        b = draw(st.floats(0.0, 0.4))
        if kind == "exact":
            rows.append((u, v, a, None, None))
        elif kind == "range":
            rows.append((u, v, None, a, min(1.0, a + b)))
        else:
            rows.append((u, v, None, None, None))
    # Keep each issuer's minimums (exact shares, range minimums) within 0.9.
    kept, held = [], {}
    for r in rows:
        low = r[2] if r[2] is not None else (r[3] or 0.0)
        if held.get(r[1], 0.0) + low <= 0.9:
            held[r[1]] = held.get(r[1], 0.0) + low
            kept.append(r)
    loss = draw(st.lists(st.floats(0.0, 10.0), min_size=n, max_size=n))
    seed = draw(st.integers(0, 2**31))
    return n, kept, loss, seed


def _build(n, rows):
    return build(n, rows, ("source", "target", "share", "share_min", "share_max"))


def _sample(g, rng):
    """Stakes inside every interval whose sum per issuer is at most 1 (each issuer's stakes
    move from their minimums by a common fraction of their room, scaled down to fit)."""
    s = g.stakes(legacy_columns=False).to_pylist()
    by_issuer = {}
    for r in s:
        by_issuer.setdefault(r["target"], []).append(r)
    shares = {}
    for issuer, holders in by_issuer.items():
        low = sum(r["share_min"] for r in holders)
        room = sum(r["share_max"] - r["share_min"] for r in holders)
        top = 1.0 if room == 0 else min(1.0, (1.0 - low) / room)
        for r in holders:
            t = rng.uniform(0, top) * (0.999 if r["share_min_exclusive"] else 1.0)
            share = r["share_min"] + t * (r["share_max"] - r["share_min"])
            # A stake open at 0 is above 0: the edge stays (who is a root depends on it).
            shares[(r["source"], issuer)] = max(share, 1e-12)
    return shares


def _point(n, shares):
    keys = list(shares)
    return Graph.from_arrow(
        {
            "source": pa.array([k[0] for k in keys], pa.int64()),
            "target": pa.array([k[1] for k in keys], pa.int64()),
            "share": pa.array([shares[k] for k in keys], pa.float64()),
        },
        nodes=pa.array(range(n), pa.int64()),
    )


def _by_pair(table, value="integrated"):
    return {(r["holder"], r["issuer"]): r for r in table.to_pylist()} if value else None


def _inside(value, low, high):
    tol = 1e-9 * max(1.0, abs(value))
    return low - tol <= value and (high == math.inf or value <= high + tol)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(interval_graphs())
def test_sampled_stakes_lie_within_the_bounds(case):
    n, rows, loss, seed = case
    g = _build(n, rows)
    rng = np.random.default_rng(seed)
    value_loss = {i: loss[i] for i in range(n)}
    for method in ("walks", "ultimate", "simple_paths"):
        bounded = g.integrated_ownership(method)
        if not g.has_interval_stakes:
            continue
        table = _by_pair(bounded)
        for _ in range(3):
            point = _point(n, _sample(g, rng)).integrated_ownership(method)
            for r in point.to_pylist():
                b = table.get((r["holder"], r["issuer"]))
                low, high = (0.0, 0.0) if b is None else (b["integrated_min"], b["integrated_max"])
                if b is None and r["holder"] is None:
                    continue  # a free float the bounds table left out is one at or below 0
                assert _inside(r["integrated"], low, high), (method, r, b)
    if g.has_interval_stakes:
        # One holder's row and one issuer's column carry the table's bounds.
        walks = _by_pair(g.integrated_ownership("walks"))
        for h in range(n):
            for r in g.holdings_of(h).to_pylist():
                b = walks[(h, r["issuer"])]
                assert r["integrated_min"] == pytest.approx(
                    b["integrated_min"], rel=1e-9, abs=1e-12
                )
                assert r["integrated_max"] == pytest.approx(
                    b["integrated_max"], rel=1e-9, abs=1e-12
                )
            for r in g.exposure_to(h).to_pylist():
                b = walks[(r["holder"], h)]
                assert r["integrated_max"] == pytest.approx(
                    b["integrated_max"], rel=1e-9, abs=1e-12
                )
        lt = {
            r["node"]: r
            for r in g.look_through(value_loss=value_loss, legacy_columns=False).to_pylist()
        }
        for _ in range(3):
            point = _point(n, _sample(g, rng)).look_through(
                value_loss=value_loss, legacy_columns=False
            )
            for r in point.to_pylist():
                b = lt[r["node"]]
                assert _inside(r["total_loss"], b["total_loss_min"], b["total_loss_max"]), (r, b)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(interval_graphs())
def test_the_lower_bound_is_the_result_at_the_minimums(case):
    n, rows, _, _ = case
    g = _build(n, rows)
    if not g.has_interval_stakes:
        return
    minimums = {
        (r["source"], r["target"]): r["share_min"]
        for r in g.stakes(legacy_columns=False).to_pylist()
        if r["share_min"] > 0
    }
    at_min = _point(n, minimums)
    # Ultimate owners are left out: an unknown stake's minimum is 0 but open, and the edge
    # keeps its issuer from being a root (the sampled stakes check ultimate's bounds).
    for method in ("walks", "simple_paths"):
        bounded = _by_pair(g.integrated_ownership(method))
        point = _by_pair(at_min.integrated_ownership(method))
        for key, r in point.items():
            if key[0] is None:  # the free float's upper bound is the one at the minimums
                assert bounded[key]["integrated_max"] == pytest.approx(r["integrated"], abs=1e-12)
            else:
                assert bounded[key]["integrated_min"] == pytest.approx(r["integrated"], abs=1e-12)
        for key, b in bounded.items():
            if key not in point and key[0] is not None:
                assert b["integrated_min"] == 0.0


@settings(max_examples=40, deadline=None)
@given(interval_graphs())
def test_degenerate_intervals_give_todays_results_bit_for_bit(case):
    n, rows, loss, _ = case
    exact_rows = [
        (u, v, r if r is not None else (lo or 0.05), None, None) for u, v, r, lo, _ in rows
    ]
    g = _build(n, exact_rows)
    ranged = _build(n, [(u, v, None, s, s) for u, v, s, _, _ in exact_rows])
    assert not ranged.has_interval_stakes
    for method in ("walks", "ultimate", "simple_paths"):
        assert ranged.integrated_ownership(method).equals(g.integrated_ownership(method))
    s = {i: loss[i] for i in range(n)}
    assert ranged.look_through(value_loss=s, legacy_columns=False).equals(
        g.look_through(value_loss=s, legacy_columns=False)
    )


# --- command line -----------------------------------------------------------------------------


def test_report_states_a_pinned_stake(tmp_path, cli):
    out = cli("report", "--stake", "Microsoft:OpenAI=0.27", "--out", "r", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Assumed (--stake), not from the data:" in out.stdout
    assert "Microsoft -> OpenAI: stake 27.00%" in out.stdout
    assert "Microsoft   OpenAI      27.00%             27.00%" in out.stdout
    bad = cli("report", "--stake", "Microsoft-OpenAI=0.2", cwd=tmp_path)
    assert bad.returncode == 2 and "SRC:DST=FRACTION" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    unknown = cli("report", "--stake", "Microsoft:OpenAl=0.2", cwd=tmp_path)
    assert unknown.returncode == 2 and "'OpenAl' is not in the graph" in unknown.stderr


def test_exposure_and_cycles_commands_print_bounds(tmp_path, cli):
    import pyarrow.parquet as pq

    pq.write_table(
        ai_funding_2026().select(["source", "target", "kind", "share", "amount"]),
        tmp_path / "ai.parquet",
    )
    out = cli("exposure", "ai.parquet", "--holder", "Microsoft", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "OpenAI      0.00% to 84.93%    0.00% to 84.93%" in out.stdout
    assert "'a to b': bounds" in out.stdout
    out = cli("cycles", "ai.parquet", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "7 simple cycle(s)" in out.stdout
    assert "Nvidia -> CoreWeave -> Nvidia" in out.stdout


def test_report_value_loss_in_usd_like_the_api(tmp_path, cli):
    out = cli("report", "--value-loss", "OpenAI=100e9", "--out", "r", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "OpenAI's equity loses $100.0B (--value-loss)" in out.stdout
    api = Graph.from_arrow(ai_funding_2026()).look_through(
        value_loss={"OpenAI": 100e9}, legacy_columns=False
    )
    amazon = row(api, node="Amazon")["total_loss"]
    assert f"Amazon      {amazon / 1e9:.1f}B" not in out.stdout  # money is formatted as $
    line = next(s for s in out.stdout.splitlines() if s.startswith("  Amazon   ") and "$6.8B" in s)
    assert line.split()[-1] == f"${amazon / 1e9:.1f}B"


def test_thresholded_walks_keep_pairs_whose_upper_bound_passes():
    g = Graph.from_arrow(
        {
            "source": ["P", "A", "Q"],
            "target": ["A", "B", "B"],
            "share": [None, 0.5, 0.001],
            "share_min": [0.01, None, None],
            "share_max": [0.4, None, None],
        }
    )
    with mock.patch.dict(_size.EXACT_PAIRS, {"walks": 0}):
        t = g.integrated_ownership("walks", threshold=0.1)
    pairs = {(r["holder"], r["issuer"]): r for r in t.to_pylist()}
    # P in A: [0.01, 0.4]: the upper bound passes, the lower one is below the threshold.
    assert pairs[("P", "A")]["integrated_max"] == pytest.approx(0.4)
    assert pairs[("P", "A")]["integrated_min"] is None  # below the sparse table's threshold
    exact = g.integrated_ownership("walks", threshold=0.1)  # small: solved exactly
    assert row(exact, holder="P", issuer="A")["integrated_min"] == pytest.approx(0.01)
    assert pairs[("P", "B")]["integrated_max"] == pytest.approx(0.2)
    assert ("Q", "B") not in pairs  # 0.001 at most
    assert pairs[("A", "B")]["integrated"] == pytest.approx(0.5)


def test_networkx_round_trip_keeps_intervals():
    g = chain()
    G = g.to_networkx()
    edge = G["P"]["A"]["equity"]
    assert edge["share"] is None and (edge["share_min"], edge["share_max"]) == (0.2, 0.4)
    back = Graph.from_networkx(G)
    assert back.stakes(legacy_columns=False).equals(g.stakes(legacy_columns=False))


def test_open_flags_may_be_dictionary_encoded_null_or_wrong():
    base = {"source": ["A"], "target": ["B"], "share_min": [0.1], "share_max": [0.2]}
    flag = pa.array([True]).dictionary_encode()
    g = Graph.from_arrow(pa.table({**base, "share_max_exclusive": flag}))
    assert g.stakes(legacy_columns=False)["share_max_exclusive"].to_pylist() == [True]
    g = Graph.from_arrow(pa.table({**base, "share_max_exclusive": pa.nulls(1)}))
    assert g.stakes(legacy_columns=False)["share_max_exclusive"].to_pylist() == [False]
    with pytest.raises(InvalidGraphError, match="'share_max_exclusive' holds string values"):
        Graph.from_arrow(pa.table({**base, "share_max_exclusive": ["yes"]}))


def test_a_few_keys_on_a_big_graph_are_found_like_many():
    # The two lookups (keys against labels, labels against keys) agree, duplicates summed,
    # unknown and null keys refused.
    n = 200
    g = Graph.from_arrow(
        {
            "source": [f"n{i}" for i in range(n)],
            "target": [f"n{i + 1}" for i in range(n)],
            "share": [0.5] * n,
        }
    )
    few = pa.table({"node": ["n3", "n7", "n3"], "value": [1.0, 2.0, 4.0]})
    t = g.look_through(value_loss=few, legacy_columns=False)
    many = pa.table(
        {
            "node": [f"n{i}" for i in range(n)] + ["n3"],
            "value": [0.0] * 3 + [1.0] + [0.0] * 3 + [2.0] + [0.0] * (n - 8) + [4.0],
        }
    )
    assert t.equals(g.look_through(value_loss=many, legacy_columns=False))
    assert row(t, node="n2")["equity_loss"] == 0.5 * 5.0
    with pytest.raises(UnknownNodeError, match="'nX'"):
        g.look_through(
            value_loss=pa.table({"node": ["n3", "nX"], "value": [1.0, 1.0]}), legacy_columns=False
        )
    with pytest.raises(UnknownNodeError):
        g.look_through(
            value_loss=pa.table({"node": pa.array(["n3", None]), "value": [1.0, 1.0]}),
            legacy_columns=False,
        )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(interval_graphs(), st.sampled_from([0.01, 0.1, 0.3, 0.6]))
def test_thresholded_ultimate_bounds_are_the_full_table_cut_at_its_maximums(case, threshold):
    # The run at the maximums is cut at the threshold (its free float is not): the rows are
    # those of the full table whose upper bound passes the threshold, with the same bits.
    n, rows, _, _ = case
    g = _build(n, rows)
    full = g.integrated_ownership("ultimate")
    cut = g.integrated_ownership("ultimate", threshold=threshold)
    top = "integrated_max" if "integrated_max" in full.column_names else "integrated"
    above = pc.fill_null(pc.greater(full[top], threshold), False)
    want = full.filter(above)
    assert cut.column_names == want.column_names
    assert cut.to_pylist() == want.to_pylist()
    assert cut.schema.metadata == full.schema.metadata
