"""aiexposure.synthetic.bods_register: a UK PSC-shaped BODS v0.4 register, every statement
valid against the standard's schema, deterministic for a seed, readable by Graph.from_bods."""

import collections
import gzip
import json
import platform
import subprocess
import sys

import pyarrow.compute as pc
import pytest
from bods_schema import load_statements, validate_statements
from conftest import ok, run_cli

from aiexposure import Graph
from aiexposure.synthetic import RegisterSummary, bods_register

BANDS = [
    {"exclusiveMinimum": 25, "maximum": 50},
    {"exclusiveMinimum": 50, "exclusiveMaximum": 75},
    {"minimum": 75, "maximum": 100},
]
REASONS = {
    "noBeneficialOwners",
    "subjectUnableToConfirmOrIdentifyBeneficialOwner",
    "interestedPartyHasNotProvidedInformation",
    "subjectExemptFromDisclosure",
    "interestedPartyExemptFromDisclosure",
    "unknown",
    "informationUnknownToPublisher",
}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    path = tmp_path_factory.mktemp("register") / "small.jsonl"
    summary = bods_register(2000, path, seed=3, circular=0.003)
    return path, summary, load_statements(path)


@pytest.fixture(scope="module")
def larger(tmp_path_factory):
    path = tmp_path_factory.mktemp("register") / "larger.jsonl.gz"
    summary = bods_register(40_000, path, seed=11)
    return path, summary, load_statements(path)


def test_every_statement_of_a_small_register_is_valid(small):
    _, summary, statements = small
    validate_statements(statements)
    assert len(statements) == summary.statements
    ids = [s["statementId"] for s in statements]
    assert len(set(ids)) == len(ids)


def test_the_summary_counts_the_records(small):
    _, summary, statements = small
    kinds = collections.Counter(
        (s["recordType"], s["recordStatus"], s["recordId"].split("-")[1]) for s in statements
    )
    assert kinds[("entity", "new", "COH")] == summary.companies == 2000
    assert kinds[("person", "new", "PSC")] == summary.persons
    assert kinds[("entity", "new", "PSC")] == summary.foreign_entities
    assert sum(v for k, v in kinds.items() if k[:2] == ("relationship", "new")) == (
        summary.relationships
    )
    assert sum(v for k, v in kinds.items() if k[1] == "updated") == summary.updated
    assert sum(v for k, v in kinds.items() if k[1] == "closed") == summary.closed
    assert summary.statements == sum(kinds.values())


def test_it_loads_with_from_bods(small, tmp_path):
    path, summary, _ = small
    g = Graph.from_bods(path)
    nodes = summary.companies + summary.persons + summary.foreign_entities + summary.unspecified
    assert g.num_nodes == nodes
    table = g.node_table.to_pylist()
    unknown = [r for r in table if r["unknown"]]
    assert len(unknown) == summary.unspecified
    assert {r["unknown_reason"] for r in unknown} <= REASONS
    companies = [r for r in table if r["node"].startswith("GB-COH-")]
    assert all(r["identifiers"][0]["scheme"] == "GB-COH" for r in companies)
    assert {r["jurisdiction"] for r in companies} == {"GB", "GB-SCT", "GB-NIR"}
    assert g.has_interval_stakes
    for size in (1, 2, 5, 50):
        small_path = tmp_path / f"r{size}.jsonl"
        s = bods_register(size, small_path, seed=size)
        assert Graph.from_bods(small_path).num_nodes == (
            s.companies + s.persons + s.foreign_entities + s.unspecified
        )


def test_deterministic_for_a_seed(tmp_path):
    a, b, c = (tmp_path / name for name in ("a.jsonl", "b.jsonl", "c.jsonl"))
    assert bods_register(3000, a, seed=5) == RegisterSummary(
        **{**bods_register(3000, b, seed=5).__dict__, "path": str(a)}
    )
    assert a.read_bytes() == b.read_bytes()
    bods_register(3000, c, seed=6)
    assert a.read_bytes() != c.read_bytes()
    zipped = tmp_path / "a.jsonl.gz"
    bods_register(3000, zipped, seed=5)
    assert gzip.decompress(zipped.read_bytes()) == a.read_bytes()
    array = tmp_path / "a.json"
    bods_register(3000, array, seed=5)
    assert json.loads(array.read_text()) == [json.loads(x) for x in a.read_text().splitlines()]


def test_psc_bands_and_natures_of_control(larger):
    _, _, statements = larger
    types = collections.Counter()
    for s in statements:
        if s["recordType"] != "relationship":
            continue
        for i in s["recordDetails"]["interests"]:
            types[i["type"]] += 1
            if i["type"] in ("shareholding", "votingRights") and "share" in i:
                assert i["share"] in BANDS, i
                assert i["details"].endswith("-percent")
            if i["type"] == "shareholding" and "share" not in i:
                assert i["directOrIndirect"] == "unknown"  # an undisclosed owner's holding
    assert set(types) == {
        "shareholding",
        "votingRights",
        "appointmentOfBoard",
        "otherInfluenceOrControl",
    }
    assert types["shareholding"] > types["votingRights"] > types["appointmentOfBoard"]


def test_holders_persons_companies_foreign_and_undisclosed(larger):
    _, summary, statements = larger
    holders = collections.Counter()
    reasons = collections.Counter()
    parents = {}
    for s in statements:
        if s["recordType"] != "relationship" or s["recordStatus"] != "new":
            continue
        party = s["recordDetails"]["interestedParty"]
        if isinstance(party, dict):
            holders["undisclosed"] += 1
            reasons[party["reason"]] += 1
            assert party["description"]
        else:
            holders[party.split("-")[2] if party.startswith("GB-PSC") else "company"] += 1
            if party.startswith("GB-COH-"):
                parents.setdefault(s["recordDetails"]["subject"], party)
    total = sum(holders.values())
    assert 0.7 < holders["person"] / total < 0.85
    assert 0.1 < holders["company"] / total < 0.2
    assert 0 < holders["entity"] / total < 0.05
    assert set(reasons) == REASONS and reasons.most_common(1)[0][0] == "noBeneficialOwners"
    assert holders["undisclosed"] == summary.unspecified
    # Chains: companies held by companies held by companies.
    depth = {}

    def chain(company, seen=()):
        if company in seen or company not in parents:
            return 0
        return 1 + chain(parents[company], (*seen, company))

    depth = collections.Counter(min(chain(c), 4) for c in parents)
    assert depth[3] + depth[4] > 0
    # Persons holding several companies.
    held = collections.Counter(
        s["recordDetails"]["interestedParty"]
        for s in statements
        if s["recordType"] == "relationship"
        and str(s["recordDetails"]["interestedParty"]).startswith("GB-PSC-person")
    )
    assert held.most_common(1)[0][1] >= 5


def test_about_five_statements_per_company(larger):
    _, summary, _ = larger
    assert 4.5 < summary.statements / summary.companies < 5.5


def test_updates_and_closures_over_time(larger):
    path, summary, statements = larger
    history = collections.defaultdict(list)
    for s in statements:
        history[s["recordId"]].append(s)
    closed = updated = 0
    for versions in history.values():
        statuses = [v["recordStatus"] for v in versions]
        dates = [v["statementDate"] for v in versions]
        assert statuses[0] == "new" and dates == sorted(dates) and len(set(dates)) == len(dates)
        assert "new" not in statuses[1:]
        if "closed" in statuses:
            closed += 1
            assert statuses[-1] == "closed"
            last = versions[-1]
            assert all(
                i["endDate"] == last["statementDate"] for i in last["recordDetails"]["interests"]
            )
        updated += statuses.count("updated")
    assert closed == summary.closed > 0 and updated == summary.updated > 0
    g = Graph.from_bods(path)
    earlier = Graph.from_bods(path, as_of="2018-01-01")
    assert earlier.num_edges < g.num_edges  # fewer companies then


def test_circular_structures(small, tmp_path):
    path, summary, _ = small
    g = Graph.from_bods(path)
    components = g.strongly_connected_components()
    cyclic = components.filter(pc.greater(components["size"], 1))
    assert cyclic.num_rows == summary.circular > 0
    assert set(cyclic["size"].to_pylist()) <= {2, 3, 4}
    assert all(v.startswith("GB-COH-") for v in cyclic["node"].to_pylist())
    none = tmp_path / "acyclic.jsonl"
    bods_register(2000, none, seed=3, circular=0)
    assert not Graph.from_bods(none).has_cycle()
    # Rings are never closed: the ultimate owners are defined.
    assert g.integrated_ownership("ultimate", threshold=0.25).num_rows > 0


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="companies must be between 1"):
        bods_register(0, tmp_path / "r.jsonl")
    with pytest.raises(TypeError, match="companies must be an integer"):
        bods_register(1.5, tmp_path / "r.jsonl")
    with pytest.raises(ValueError, match=r"written as \.jsonl, \.ndjson or \.json"):
        bods_register(10, tmp_path / "r.parquet")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        bods_register(10, tmp_path / "no" / "r.jsonl")
    with pytest.raises(ValueError, match="seed must be an integer"):
        bods_register(10, tmp_path / "r.jsonl", seed=-1)
    with pytest.raises(ValueError, match="circular must be in"):
        bods_register(10, tmp_path / "r.jsonl", circular=0.5)
    assert not list(tmp_path.iterdir())


def test_generate_format_bods_writes_the_same_register(tmp_path):
    done = ok(
        run_cli(
            "generate",
            "--format",
            "bods",
            "r.jsonl.gz",
            "--nodes",
            "800",
            "--seed",
            "5",
            cwd=tmp_path,
        )
    )
    assert "BODS statements written to r.jsonl.gz: 800 companies" in done
    same = bods_register(800, tmp_path / "same.jsonl.gz", seed=5)
    assert gzip.decompress((tmp_path / "r.jsonl.gz").read_bytes()) == gzip.decompress(
        (tmp_path / "same.jsonl.gz").read_bytes()
    )
    assert f"{same.statements:,} BODS statements" in done
    flat = ok(
        run_cli(
            "generate",
            "--format",
            "bods",
            "flat.json",
            "--nodes",
            "300",
            "--no-history",
            "--circular",
            "0",
            cwd=tmp_path,
        )
    )
    assert "0 updates, 0 closures" in flat
    validate_statements(load_statements(tmp_path / "flat.json"))
    report = ok(run_cli("report", "flat.json", cwd=tmp_path))
    assert "BODS v0.4 statements: flat.json" in report


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "bods", "r.parquet"], "give a name ending in .json, .jsonl"),
        (["r.jsonl"], "a BODS file is written with --format bods"),
        (["--format", "bods", "r.jsonl", "--avg-degree", "2"], "--avg-degree: options of the edge"),
        (["r.parquet", "--no-history"], "options of --format bods"),
        (["--format", "bods", "no/r.jsonl"], "does not exist"),
    ],
)
def test_generate_format_bods_refuses(tmp_path, args, message):
    done = run_cli("generate", *args, cwd=tmp_path)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert not list(tmp_path.iterdir())


_HELD_AFTER_READ = r"""
import gc, json, sys
import aiexposure
from aiexposure import _core

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096

aiexposure.read_bods(sys.argv[2])  # warm-up: imports, pools
gc.collect()
before = rss()
data = aiexposure.read_bods(sys.argv[1])
gc.collect()
held = rss() - before
tables = sum(t.nbytes for t in (data.nodes, data.interests, data.edges))
print(json.dumps({"held": held, "tables": tables}))
"""


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="resident memory read from /proc; the heap handed back is glibc's",
)
def test_a_read_holds_its_tables_not_the_heap_it_freed(tmp_path):
    # Reading 1M statements frees GBs of small blocks (parsed runs, the runs' tables):
    # glibc's malloc kept them, and the process held twice its tables after a read.
    path = tmp_path / "register.jsonl"
    bods_register(200_000, path, seed=3)
    bods_register(300, tmp_path / "small.jsonl", seed=3)
    out = subprocess.run(
        [sys.executable, "-c", _HELD_AFTER_READ, str(path), str(tmp_path / "small.jsonl")],
        capture_output=True,
        text=True,
        check=True,
    )
    got = json.loads(out.stdout)
    assert got["tables"] > 200e6
    assert got["held"] <= 1.25 * got["tables"] + 50e6, got


def test_tables_past_the_offsets_limit_come_in_chunks_of_the_same_rows(larger):
    # A table whose texts pass 2 GiB (what int32 offsets hold) leaves the core in chunks
    # (of whole runs of 16,384 records); the core's limit lowered to 20 kB, a 40,000-company
    # register gives a chunk a run.
    from aiexposure import _core, read_bods
    from aiexposure._bods import EDGE_SCHEMA, INTEREST_SCHEMA, NODE_SCHEMA, _table

    path, _, _ = larger
    whole = read_bods(path)
    nodes, interests, edges = _core.read_bods_path(
        str(path), "range", "shareholding", None, True, chunk_text=20_000
    )
    assert min(len(nodes), len(interests), len(edges)) > 3
    for chunks, schema, want in [
        (nodes, NODE_SCHEMA, whole.nodes),
        (interests, INTEREST_SCHEMA, whole.interests),
        (edges, EDGE_SCHEMA, whole.edges),
    ]:
        got = _table(chunks, schema)
        assert got.column(0).num_chunks == len(chunks)
        assert got.schema == want.schema
        assert got.equals(want)
        assert got.num_rows == want.num_rows > 0
    assert whole.nodes.column(0).num_chunks == 1
