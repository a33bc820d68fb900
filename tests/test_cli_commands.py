"""Every command through a subprocess: report (built-in data and a generated graph), its
output files and schemas, generate, cycles, exposure, progress and errors."""

import io
import struct
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import ok
from conftest import run_cli as run

from aiexposure._progress import Progress


def png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture(scope="module")
def builtin_report(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("report")
    stdout = ok(run("report", cwd=cwd))
    return stdout, cwd / "aiexposure-report"


def test_report_prints_every_section_within_100_columns(builtin_report):
    stdout, _ = builtin_report
    for section in [
        "The graph in numbers",
        "Money cycles",
        "Circular financing",
        "Who owns what of whom",
        "Look-through loss",
        "What the data leaves unquantified",
    ]:
        assert section in stdout
    assert max(len(line) for line in stdout.splitlines()) <= 100
    # The loop of the articles: Amazon invests 50B, OpenAI commits 138B back: ratio 1.00.
    line = next(s for s in stdout.splitlines() if s.split()[:2] == ["Amazon", "OpenAI"])
    assert "$50.0B" in line and "$138.0B" in line and line.rstrip().endswith("1.00")
    assert "Amazon -> OpenAI -> Amazon" in stdout
    # Conventions are named, the scenario and its formula stated.
    assert "'walks'" in stdout and "'ultimate'" in stdout
    assert "OpenAI's equity loses 50% of $730.0B" in stdout
    assert "L = (I - W)^-1 (W s + R d)" in stdout
    # Amazon's loss: 50/730 of 365B through its stake, plus 138B of unpaid commitments.
    amazon = next(
        s for s in stdout.splitlines() if s.strip().startswith("Amazon   ") and "$163" in s
    )
    assert amazon.split()[-1] == "$163.0B"
    # Microsoft's unknown stake stays in the graph, bounded, and is listed as unquantified.
    assert "Microsoft -> OpenAI: stake in (0.00%, 84.93%]" in stdout
    assert "Microsoft   OpenAI      0.00% to 84.93%" in stdout
    for cycle in ("Nvidia -> CoreWeave -> Nvidia", "Microsoft -> Anthropic -> Microsoft"):
        assert cycle in stdout


def test_report_files_and_schemas(builtin_report):
    _, out = builtin_report
    exposures = pq.read_table(out / "exposures.parquet")
    columns = [
        "equity_loss",
        "credit_loss",
        "commitment_loss",
        "direct_loss",
        "indirect_loss",
        "total_loss",
    ]
    assert exposures.column_names == ["node"] + [
        c + end for c in columns for end in ("", "_min", "_max")
    ]
    assert b"OpenAI" in exposures.schema.metadata[b"aiexposure.scenario"]
    assert exposures.schema.metadata[b"aiexposure.bounds"] == b"interval"
    totals = dict(
        zip(exposures["node"].to_pylist(), exposures["total_loss"].to_pylist(), strict=True)
    )
    assert totals["Amazon"] == pytest.approx(50 / 730 * 365e9 + 138e9, rel=1e-12)
    assert totals["Microsoft"] is None  # its stake in OpenAI is unknown: bounds only
    cycles = pq.read_table(out / "cycles.parquet")
    assert cycles.column_names == [
        "cycle",
        "length",
        "nodes",
        "kinds",
        "weight",
        "weight_min",
        "weight_max",
        "bottleneck",
    ]
    assert cycles.schema.field("nodes").type == pa.list_(pa.string())
    assert ["Amazon", "OpenAI"] in cycles["nodes"].to_pylist()
    assert ["Nvidia", "CoreWeave"] in cycles["nodes"].to_pylist()
    assert cycles.num_rows == 7
    ownership = pq.read_table(out / "ownership.parquet")
    assert ownership.column_names == [
        "holder",
        "issuer",
        "direct",
        "direct_min",
        "direct_max",
        "integrated",
        "integrated_min",
        "integrated_max",
        "method",
    ]
    assert set(ownership["method"].to_pylist()) == {"walks", "ultimate"}
    ultimate = ownership.filter(pa.compute.equal(ownership["method"], "ultimate")).to_pylist()
    for company in ("OpenAI", "Anthropic", "CoreWeave"):
        rows = [r for r in ultimate if r["issuer"] == company]
        low = sum(r["integrated_min"] for r in rows if r["holder"] is not None)
        high = sum(r["integrated_max"] for r in rows)
        assert low <= 1.0 + 1e-12 <= high + 2e-12, company  # 100% lies within the bounds
    trips = pq.read_table(out / "round_trips.parquet")
    assert "round_trip_ratio" in trips.column_names
    width, height = png_size(out / "graph.png")
    assert width > 800 and height > 600


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("generated")
    stdout = ok(run("generate", "g.parquet", "--nodes", "3000", "--commitments", "0.1", cwd=cwd))
    assert "edges written to g.parquet" in stdout
    return cwd, cwd / "g.parquet"


def test_generate_is_reproducible(generated):
    cwd, path = generated
    ok(run("generate", "again.arrow", "--nodes", "3000", "--commitments", "0.1", cwd=cwd))
    a = pq.read_table(path)
    b = pa.ipc.open_file(pa.memory_map(str(cwd / "again.arrow"))).read_all()
    assert a.equals(b)
    assert set(a["kind"].to_pylist()) == {"equity", "commitment"}


def test_report_on_a_generated_graph(generated):
    cwd, path = generated
    edges = pq.read_table(path)
    commitment = next(r for r in edges.to_pylist() if r["kind"] == "commitment")
    payer, supplier = commitment["source"], commitment["target"]
    stdout = ok(run("report", str(path), "--out", "out", "--unpaid", f"{payer}=0.5", cwd=cwd))
    assert "cycle(s) of length <= 6" in stdout
    assert f"{payer} leaves 50% of its commitments and debts unpaid" in stdout
    assert max(len(line) for line in stdout.splitlines()) <= 100
    for name in ["exposures.parquet", "cycles.parquet", "ownership.parquet", "graph.png"]:
        assert (cwd / "out" / name).stat().st_size > 0
    exposures = pq.read_table(cwd / "out" / "exposures.parquet")
    nodes = set(edges["source"].to_pylist()) | set(edges["target"].to_pylist())
    assert sorted(exposures["node"].to_pylist()) == sorted(nodes)
    # The supplier loses half of what the payer committed to it (at least: R d).
    direct = dict(
        zip(exposures["node"].to_pylist(), exposures["direct_loss"].to_pylist(), strict=True)
    )
    paid = sum(
        r["amount"]
        for r in edges.to_pylist()
        if (r["source"], r["target"], r["kind"]) == (payer, supplier, "commitment")
    )
    assert direct[supplier] >= 0.5 * paid * (1 - 1e-12)
    width, height = png_size(cwd / "out" / "graph.png")
    assert width > 800 and height > 600


def test_report_shock_needs_a_valuation(generated):
    cwd, path = generated
    out = run("report", str(path), "--shock", "7=0.5", "--out", "o", cwd=cwd)
    if out.returncode == 0:  # node 7 got an implied valuation: fine, but say so
        assert "7's equity loses 50%" in out.stdout
    else:
        assert "give --valuation 7=USD" in out.stderr
    stdout = ok(
        run("report", str(path), "--shock", "7=0.5", "--valuation", "7=1e9", "--out", "o", cwd=cwd)
    )
    assert "7's equity loses 50% of $1.0B: $500.0M" in stdout


def test_report_as_of_filters_dated_rows(tmp_path):
    path = tmp_path / "deals.csv"
    path.write_text(
        "source,target,kind,share,amount,date\n"
        "A,B,equity,0.5,10,2026-01-01\n"
        "B,A,commitment,,20,2026-03-01\n"
    )
    early = ok(run("report", str(path), "--as-of", "2026-02-01", "--out", "o", cwd=tmp_path))
    assert "0 cycle(s)" in early
    late = ok(run("report", str(path), "--as-of", "2026-03-01", "--out", "o", cwd=tmp_path))
    assert "1 cycle(s)" in late
    builtin = ok(run("report", "--as-of", "2026-01-15", "--out", "b", cwd=tmp_path))
    assert "as of 2026-01-15" in builtin


def test_cycles_command(generated):
    cwd, path = generated
    stdout = ok(run("cycles", str(path), "--max-length", "4", "--out", "c.parquet", cwd=cwd))
    table = pq.read_table(cwd / "c.parquet")
    assert stdout.startswith(f"{table.num_rows:,} simple cycle(s)")
    assert max(table["length"].to_pylist()) <= 4
    stdout = ok(run("cycles", str(path), "--limit", "5", "--show", "2", cwd=cwd))
    assert stdout.startswith("5 simple cycle(s) — truncated at --limit 5")
    assert ok(run("cycles", str(path), "--kinds", "commitment", cwd=cwd)).startswith("0 simple")


def test_exposure_command(generated):
    cwd, path = generated
    stdout = ok(run("exposure", str(path), "--method", "ultimate", "--out", "u.csv", cwd=cwd))
    assert "convention: ultimate" in stdout and "free float" in stdout
    assert (cwd / "u.csv").read_text().startswith('"holder","issuer"')
    stdout = ok(run("exposure", str(path), "--holder", "5", "--show", "3", cwd=cwd))
    assert "issuer" in stdout
    stdout = ok(run("exposure", str(path), "--method", "simple_paths", "--max-depth", "2", cwd=cwd))
    assert "convention: simple_paths" in stdout
    assert "values are lower bounds" in stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["cycles", "missing.parquet"], "file not found: missing.parquet"),
        (["exposure", "bad.parquet"], "cannot read bad.parquet as a parquet"),
        (["cycles", "bad.csv"], "no source column 'source'"),
        (["report", "--shock", "OpenAI=2", "--out", "o"], "VALUE a number in [0, 1]"),
        (["report", "--shock", "Nobody=0.5", "--out", "o"], "node 'Nobody' is not in the graph"),
        (["exposure", "good.csv", "--holder", "Z"], "node 'Z' is not in the graph"),
        (["generate", "g.txt", "--nodes", "10"], "unsupported output type '.txt'"),
        (["cycles", "good.csv", "--limit", "0"], "limit must be an integer >= 1"),
    ],
)
def test_errors_are_one_line_without_traceback(tmp_path, args, message):
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    (tmp_path / "good.csv").write_text("source,target,share\nA,B,0.5\n")
    out = run(*args, cwd=tmp_path)
    assert out.returncode == 2, out.stdout
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("aiexposure: error:") and message in lines[0]


@pytest.mark.parametrize("command", ["report", "generate", "cycles", "exposure"])
def test_help_explains_every_option(tmp_path, command):
    stdout = ok(run(command, "--help", cwd=tmp_path))
    from aiexposure.cli import _parser

    sub = _parser()._subparsers._group_actions[0].choices[command]
    for action in sub._actions:
        if action.option_strings and action.dest != "help":
            assert action.help, f"{command} {action.option_strings} has no help"
            assert action.option_strings[-1] in stdout


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_a_terminal_only():
    term = FakeTerminal()
    p = Progress(2, term)
    with p.step("loading"):
        pass
    assert "[############------------] 1/2 loading" in term.getvalue()
    with p.step("solving"):
        pass
    assert term.getvalue().endswith("\r")  # cleared at the end
    piped = io.StringIO()
    q = Progress(1, piped)
    with q.step("loading"):
        pass
    assert piped.getvalue() == ""
    with pytest.raises(RuntimeError), Progress(1, term).step("failing"):
        raise RuntimeError("boom")


def test_report_on_a_big_graph_computes_every_payee_at_once(generated, monkeypatch):
    # Past the exact tables' size, self-funded revenue comes for every payee from the sparse
    # columns, with the bound said in the text.
    from aiexposure import Graph, _report, _size

    _, path = generated
    monkeypatch.setattr(_report, "ALL_PAYEES_MAX_NODES", 100)
    monkeypatch.setitem(_size.EXACT_PAIRS, "walks", 0)
    graph = Graph.from_arrow(path)
    report = _report.Report(graph, "g", Progress(5, io.StringIO()), _report.Scenario())
    text = " ".join(report.text().split())
    funded = report.circular.self_funded
    bound = float(funded.schema.metadata[b"aiexposure.error_bound"])
    assert 0 < bound <= 0.001
    assert f"Computed for all {funded.num_rows:,} payees at once" in text
    assert f"its share at most {bound:.2%} below the truth" in text
    exact = graph.circular_financing(payees=funded["node"].to_pylist()).self_funded
    gap = pc.subtract(exact["self_funded"], funded["self_funded"]).to_numpy()
    assert (gap >= -1e-6).all() and (gap <= bound * exact["revenue"].to_numpy() + 1e-6).all()


def test_report_on_a_big_graph_limits_the_costly_parts(generated, monkeypatch, tmp_path):
    # Above ALL_PAYEES_MAX_NODES with interval stakes the report computes the self-funded
    # revenue of the largest payees only; above OWNERSHIP_MAX_ROWS predicted rows it skips
    # the exact ownership tables; it says so.
    from aiexposure import Graph, _report

    _, path = generated
    monkeypatch.setattr(_report, "ALL_PAYEES_MAX_NODES", 100)
    monkeypatch.setattr(_report, "OWNERSHIP_MAX_ROWS", 100)
    table = pq.read_table(path)
    uncertain = pa.array([i % 17 == 0 for i in range(table.num_rows)])
    equity = pc.equal(table["kind"], "equity")
    ranged = pc.and_(uncertain, equity)
    share = pc.if_else(ranged, None, table["share"])
    table = table.set_column(table.schema.get_field_index("share"), "share", share)
    table = table.append_column("share_min", pc.if_else(ranged, 0.0, None))
    table = table.append_column("share_max", pc.if_else(ranged, 0.2, None))
    graph = Graph.from_arrow(table)
    assert graph.has_interval_stakes
    report = _report.Report(graph, "g", Progress(5, io.StringIO()), _report.Scenario())
    text = report.text()
    assert "Computed for the 15 largest payees by known committed revenue only" in text
    assert "Skipped: the exact ownership tables would hold about" in text
    assert "rows (about" in text and "above 100." in text
    assert report.walks is None
    edges = pq.read_table(path).to_pylist()
    revenue: dict = {}
    for r in edges:
        if r["kind"] == "commitment":
            revenue[r["target"]] = revenue.get(r["target"], 0.0) + r["amount"]
    top = sorted(revenue, key=lambda v: -revenue[v])[:15]
    funded = report.circular.self_funded
    assert funded["node"].to_pylist() == top
    assert funded["revenue"].to_pylist() == pytest.approx([revenue[v] for v in top], rel=1e-12)
    written = report.write(tmp_path / "out", Progress(1, io.StringIO()))
    assert {p.name for p in written} == {
        "exposures.parquet",
        "cycles.parquet",
        "round_trips.parquet",
        "graph.png",
    }


BODS = Path(__file__).parent / "data" / "bods"


def test_report_on_bods_statements(tmp_path):
    stdout = ok(run("report", str(BODS / "unknown_owner.json"), "--out", "out", cwd=tmp_path))
    assert "BODS v0.4 statements:" in stdout
    # Parties are named by their names in the register (the record id when they have none).
    assert "Shell Ltd   unspecified interestedParty of hidden-60       60.00%" in stdout
    assert max(len(line) for line in stdout.splitlines()) <= 100
    owners = pq.read_table(tmp_path / "out" / "ownership.parquet")
    assert set(owners["method"].to_pylist()) == {"walks", "ultimate"}


def test_report_on_a_closed_cycle_says_walks_diverge(tmp_path):
    # Alpha and Beta hold 100% of each other: walks diverge, the report still runs.
    stdout = ok(run("report", str(BODS / "circular.json"), "--out", "out", cwd=tmp_path))
    assert "Walks diverge here: closed cycle of 2 node(s) ('alpha', 'beta')" in stdout
    assert "convention 'simple_paths'" in stdout
    owners = pq.read_table(tmp_path / "out" / "ownership.parquet").to_pylist()
    assert {(r["holder"], r["issuer"], r["integrated"], r["method"]) for r in owners} == {
        ("alpha", "beta", 1.0, "simple_paths"),
        ("beta", "alpha", 1.0, "simple_paths"),
    }


def test_exposure_and_cycles_commands_read_bods(tmp_path):
    out = ok(run("exposure", str(BODS / "chain.jsonl"), "--holder", "pia", cwd=tmp_path))
    assert "36" in out and "target" in out
    out = ok(run("cycles", str(BODS / "circular.json"), cwd=tmp_path))
    assert "alpha -> beta -> alpha" in out
    bad = run("report", str(BODS / "v03.json"), cwd=tmp_path)
    assert bad.returncode == 2
    assert "reads BODS v0.4" in bad.stderr and "Traceback" not in bad.stderr
