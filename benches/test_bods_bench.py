"""Reading BODS v0.4 statements: aiexposure.read_bods against JSON parsers and DuckDB on a
synthetic PSC-shaped register (aiexposure.synthetic.bods_register, about 5 statements per
company), each run in a fresh process (benches/bods_probe.py: one JSON line per run).

Read, best of 3 runs, on 200,000 companies (about 1M statements, 0.7 GB of JSON Lines):
aiexposure (read_bods, the three tables built; Graph.from_bods timed apart), json.loads and
orjson.loads of every line keeping nothing, DuckDB's read_ndjson into a typed table with the
BODS columns given (and, once, with the schema inferred: sample_size=-1, the whole file read
twice). Goals: at least 500,000 statements/s; at least 2x orjson line parsing; peak memory at
most 4x the file size. aiexposure and DuckDB use every core; json and orjson one.

Against the former pure-Python reader (tests/bods_reference.py: json.loads then dicts), on a
40,000-company register (about 195,000 statements; it is slow): goal 30x.

End to end (read -> Graph -> strongly connected components -> ultimate owners above 25%), on
the 1M register and, with AIEXPOSURE_BENCH_BODS_20M=1, on 4M companies (about 20M statements,
about 14 GB of JSON Lines written first, which takes minutes), where Graph.from_bods alone
(the load) is also run in a fresh process: goal, for the load, about a minute within a few
GB (read here as at most 60 s and 4 GB); the pipeline is judged by the same figures.

Run: pytest benches/test_bods_bench.py -s  (AIEXPOSURE_BENCH_SCALE=0.05 for a quick look;
AIEXPOSURE_BENCH_BODS_20M=1 for the 20M register). No timing is asserted, only the counts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from aiexposure.synthetic import bods_register

PROBE = Path(__file__).with_name("bods_probe.py")
GROUP = "BODS read, 1M statements"
PIPELINE_GROUP = "BODS read -> Graph -> SCC -> ultimate owners, 1M statements"
READ_MODES = ("aiexposure", "json", "orjson", "duckdb")
RUNS = 3
GOAL_STATEMENTS_PER_S = 500_000
GOAL_VS_ORJSON = 2.0
GOAL_PEAK_PER_FILE_BYTE = 4.0
GOAL_20M_SECONDS = 60.0
GOAL_20M_PEAK_BYTES = 4e9
# JSON Lines bytes per company of the register (3,458 measured at 100,000 companies).
BYTES_PER_COMPANY = 3_600
ENV_20M = "AIEXPOSURE_BENCH_BODS_20M"


def _probe(mode: str, path: str) -> dict:
    # malloc as a user has it (no MALLOC_MMAP_THRESHOLD_): the peak they will see.
    out = subprocess.run(
        [sys.executable, str(PROBE), mode, path],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _best(mode: str, path: str, runs: int = RUNS) -> dict:
    """The fastest of `runs` fresh-process runs (its peak memory with it)."""
    return min((_probe(mode, path) for _ in range(runs)), key=lambda r: r["seconds"])


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _record(bench_tools, group: str, name: str, seconds: float) -> None:
    """Into the ratio report: record() keeps the best time of a pytest-benchmark run; here the
    best of the fresh-process runs, timed inside the probe."""
    stats = SimpleNamespace(stats=SimpleNamespace(min=seconds))
    bench_tools.record(group, name, SimpleNamespace(stats=stats))


def _expected_nodes(summary) -> int:
    return summary.companies + summary.persons + summary.foreign_entities + summary.unspecified


def _gb(n: float) -> str:
    return f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:,.0f} MB"


def _write(companies: int, path: Path) -> tuple[object, float]:
    t0 = time.perf_counter()
    summary = bods_register(companies, path, seed=0)
    return summary, time.perf_counter() - t0


@pytest.fixture(scope="session")
def register_1m(bench_tools, tmp_path_factory):
    """The 1M-statement register (200,000 companies x SCALE), written once per session."""
    path = tmp_path_factory.mktemp("bods") / "register.jsonl"
    summary, seconds = _write(max(int(200_000 * bench_tools.scale), 100), path)
    bench_tools.notes.append(
        f"BODS register: {summary.companies:,} companies, {summary.statements:,} statements, "
        f"{_gb(path.stat().st_size)} written in {seconds:.1f} s"
    )
    yield summary
    path.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def read_runs(register_1m):
    runs = {mode: _best(mode, register_1m.path) for mode in READ_MODES}
    runs["duckdb_infer"] = _probe("duckdb_infer", register_1m.path)  # one run: slow
    return runs


def _check_counts(run: dict, summary) -> None:
    assert run["statements"] == summary.statements == run["lines"]
    if run["mode"] in ("aiexposure", "pipeline", "load", "reference"):
        assert run["nodes"] == _expected_nodes(summary)
        assert run["edges"] > 0
    if run["mode"] in ("aiexposure", "reference"):
        assert run["interests"] >= run["edges"]
    if run["mode"] == "aiexposure":
        assert run["graph_nodes"] == run["nodes"]
        assert run["graph_edges"] + run["merged_duplicates"] == run["edges"]
    if run["mode"].startswith("duckdb"):
        assert run["with_record_details"] == summary.statements


def test_read_throughput(read_runs, register_1m, bench_tools):
    for run in read_runs.values():
        _check_counts(run, register_1m)
    ours = read_runs["aiexposure"]
    for mode in READ_MODES:
        _record(bench_tools, GROUP, mode, read_runs[mode]["seconds"])
    _record(bench_tools, GROUP, "duckdb inferred (1 run)", read_runs["duckdb_infer"]["seconds"])
    _record(bench_tools, GROUP, "duckdb parse only", read_runs["duckdb"]["parse_only_seconds"])

    rate = ours["statements_per_s"]
    vs_orjson = read_runs["orjson"]["seconds"] / ours["seconds"]
    notes = bench_tools.notes
    notes.append(
        f"BODS read_bods of {ours['statements']:,} statements: {ours['seconds']:.2f} s, "
        f"{rate:,.0f} statements/s (goal >= {GOAL_STATEMENTS_PER_S:,}, "
        f"{_met(rate >= GOAL_STATEMENTS_PER_S)}); {vs_orjson:.2f}x orjson line parsing "
        f"(goal >= {GOAL_VS_ORJSON:g}x, {_met(vs_orjson >= GOAL_VS_ORJSON)}); "
        f"Graph.from_bods {ours['from_bods_seconds']:.2f} s; {ours['nodes']:,} nodes, "
        f"{ours['interests']:,} interests, {ours['edges']:,} edges"
    )
    peers = ", ".join(
        f"{mode} {read_runs[mode]['statements_per_s']:,.0f}/s"
        for mode in ("json", "orjson", "duckdb", "duckdb_infer")
    )
    notes.append(f"BODS peers (statements/s; duckdb_infer: sample_size=-1, one run): {peers}")


def test_read_peak_memory(read_runs, bench_tools):
    ours = read_runs["aiexposure"]
    ratio = ours["peak_per_file_byte"]
    others = ", ".join(
        f"{mode} {_gb(read_runs[mode]['peak_bytes'])}"
        for mode in ("json", "orjson", "duckdb", "duckdb_infer")
    )
    bench_tools.notes.append(
        f"BODS read_bods peak memory {_gb(ours['peak_bytes'])} for a {_gb(ours['file_bytes'])} "
        f"file: {ratio:.2f}x (goal <= {GOAL_PEAK_PER_FILE_BYTE:g}x, "
        f"{_met(ratio <= GOAL_PEAK_PER_FILE_BYTE)}); retained {_gb(ours['retained_bytes'])}; "
        f"peers' peaks: {others}"
    )
    assert ours["peak_bytes"] > 0


def _phases(run: dict) -> str:
    return ", ".join(f"{name} {s:.2f} s" for name, s in run["phases"].items())


def test_read_against_the_former_reader(bench_tools, tmp_path_factory):
    # The former pure-Python reader (tests/bods_reference.py) on a 40,000-company register
    # (about 195,000 statements: it takes seconds where the core takes a fraction of one).
    path = tmp_path_factory.mktemp("bods_reference") / "register.jsonl"
    summary, _ = _write(max(int(40_000 * bench_tools.scale), 100), path)
    ours = _best("aiexposure", str(path))
    former = _best("reference", str(path))
    for run in (ours, former):
        _check_counts(run, summary)
    assert (former["nodes"], former["interests"], former["edges"]) == (
        ours["nodes"],
        ours["interests"],
        ours["edges"],
    )
    ratio = former["seconds"] / ours["seconds"]
    bench_tools.notes.append(
        f"BODS read_bods against the former Python reader on {summary.statements:,} statements: "
        f"{ours['seconds']:.3f} s against {former['seconds']:.2f} s "
        f"({former['statements_per_s']:,.0f} statements/s): {ratio:.1f}x (goal 30x, "
        f"{_met(ratio >= 30)})"
    )


def test_pipeline_1m(register_1m, bench_tools):
    run = _best("pipeline", register_1m.path)
    _check_counts(run, register_1m)
    assert run["owner_rows"] > 0
    _record(bench_tools, PIPELINE_GROUP, "aiexposure", run["seconds"])
    bench_tools.notes.append(
        f"BODS pipeline on {run['statements']:,} statements ({run['nodes']:,} nodes, "
        f"{run['edges']:,} edges, {run['cyclic_components']} rings, {run['owner_rows']:,} "
        f"owner rows): {_phases(run)}; total {run['seconds']:.2f} s, peak "
        f"{_gb(run['peak_bytes'])}"
    )


def test_pipeline_20m(bench_tools, tmp_path_factory):
    if os.environ.get(ENV_20M) != "1":
        pytest.skip(
            f"the 20M-statement register takes minutes and ~14 GB of disk to write: set {ENV_20M}=1"
        )
    companies = max(int(4_000_000 * bench_tools.scale), 100)
    where = tmp_path_factory.mktemp("bods20m")
    need = companies * BYTES_PER_COMPANY * 1.2 + 1e9
    free = shutil.disk_usage(where).free
    if free < need:
        pytest.skip(f"{_gb(free)} free under {where}; the register needs about {_gb(need)}")
    path = where / "register.jsonl"
    try:
        summary, written = _write(companies, path)
        load = _probe("load", str(path))
        run = _probe("pipeline", str(path))
    finally:
        path.unlink(missing_ok=True)
    _check_counts(run, summary)
    _check_counts(load, summary)
    assert run["owner_rows"] > 0
    assert (load["nodes"], load["edges"]) == (run["nodes"], run["edges"])
    # The goal is for the load (Graph.from_bods); the pipeline is judged by it too.
    loaded = load["seconds"] <= GOAL_20M_SECONDS and load["peak_bytes"] <= GOAL_20M_PEAK_BYTES
    bench_tools.notes.append(
        f"BODS load on {load['statements']:,} statements: Graph.from_bods {load['seconds']:.1f} "
        f"s, peak {_gb(load['peak_bytes'])}, then {_gb(load['retained_bytes'])} held (goal "
        f"about a minute within a few GB: <= {GOAL_20M_SECONDS:.0f} s and <= "
        f"{_gb(GOAL_20M_PEAK_BYTES)}, {_met(loaded)})"
    )
    ok = run["seconds"] <= GOAL_20M_SECONDS and run["peak_bytes"] <= GOAL_20M_PEAK_BYTES
    bench_tools.notes.append(
        f"BODS pipeline on {run['statements']:,} statements ({summary.companies:,} companies, "
        f"{_gb(run['file_bytes'])} written in {written:.0f} s; {run['nodes']:,} nodes, "
        f"{run['edges']:,} edges, {run['cyclic_components']} rings, {run['owner_rows']:,} "
        f"owner rows): {_phases(run)}; total {run['seconds']:.1f} s, peak "
        f"{_gb(run['peak_bytes'])} (goal about a minute within a few GB: <= "
        f"{GOAL_20M_SECONDS:.0f} s and <= {_gb(GOAL_20M_PEAK_BYTES)}, {_met(ok)})"
    )
