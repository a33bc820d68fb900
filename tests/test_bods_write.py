"""write_bods / Graph.to_bods: every statement valid against the BODS 0.4 schema, and
Graph.from_bods on what was written gives the same graph (nodes, node attributes, stakes) on
hand-made graphs, the files of tests/data/bods and random graphs."""

import gzip
import io
import json
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from bods_schema import load_statements, validate_statements
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiexposure import AIExposureError, Graph, write_bods

DATA = Path(__file__).parent / "data" / "bods"
FILES = sorted(
    p
    for p in [*DATA.glob("*.json"), *DATA.glob("*.jsonl"), *DATA.glob("examples/*.json")]
    if p.name not in ("broken.json", "broken.jsonl", "dangling.json", "v03.json")
)
ATTRIBUTES = ["name", "type", "jurisdiction", "identifiers", "unknown", "unknown_reason"]
ATTRIBUTES += ["unknown_description"]


def written(graph, **options):
    """The statements write_bods gives for ``graph``, validated against the schema."""
    out = io.StringIO()
    count = write_bods(graph, out, **options)
    statements = [json.loads(line) for line in out.getvalue().splitlines()]
    assert count == len(statements)
    validate_statements(statements)
    return statements


def round_trip(graph, **options):
    return Graph.from_bods(written(graph, **options))


def stakes(graph):
    """(holder, issuer) as strings -> (min, declared max, min open, max open, exact)."""
    t = graph.stakes(legacy_columns=False).to_pylist()
    return {
        (str(r["source"]), str(r["target"])): (
            r["share_min"],
            r["share_max_declared"],
            r["share_min_exclusive"],
            r["share_max_exclusive"],
            r["exact"],
        )
        for r in t
    }


def assert_same_stakes(a, b):
    sa, sb = stakes(a), stakes(b)
    assert sa.keys() == sb.keys()
    for key, x in sa.items():
        y = sb[key]
        assert x[2:] == y[2:], key
        # Percent written with the digits that divide back to the fraction: at most one ulp.
        np.testing.assert_allclose(x[:2], y[:2], rtol=3e-16, atol=0)


def attributes(graph):
    t = graph.node_table
    names = [c for c in ATTRIBUTES if c in t.column_names]
    return {str(r["node"]): {c: r[c] for c in names} for r in t.to_pylist()}


def assert_same_graph(g, back):
    assert sorted(back.nodes.to_pylist()) == sorted(str(v) for v in g.nodes.to_pylist())
    assert back.num_edges == g.num_edges
    assert_same_stakes(g, back)
    mine, theirs = attributes(g), attributes(back)
    kinds = record_types(g)
    for node, attrs in mine.items():
        for name, value in attrs.items():
            if name == "identifiers" and value is None:
                value = []
            if name == "unknown" and value is None:
                value = False
            if name == "type" and kinds.get(node) == "unspecified" and value is None:
                # An unspecified owner with no stake to be inline in (its relationship made
                # no edge) is written as an unknown entity record.
                value = None if record_types(back)[node] == "unspecified" else "unknownEntity"
            assert theirs[node][name] == value, (node, name)


def record_types(graph):
    t = graph.node_table
    if "record_type" not in t.column_names:
        return {}
    return dict(zip(map(str, t["node"].to_pylist()), t["record_type"].to_pylist(), strict=True))


def test_exact_range_open_ended_and_unknown_stakes_round_trip():
    g = Graph.from_arrow(
        {
            "source": ["P", "Q", "R", "S", "H", "T"],
            "target": ["H", "H", "C", "C", "C", "C"],
            "share": [0.6, None, None, None, 0.07, None],
            "share_min": [None, 0.1, 0.25, None, None, 0.0],
            "share_max": [None, 0.2, 0.5, None, None, 0.05],
            "share_min_exclusive": [None, False, True, None, None, None],
            "share_max_exclusive": [None, True, False, None, None, None],
        }
    )
    statements = written(g)
    assert [s["recordType"] for s in statements].count("relationship") == 6
    shares = {
        (s["recordDetails"]["interestedParty"], s["recordDetails"]["subject"]): s["recordDetails"][
            "interests"
        ][0].get("share")
        for s in statements
        if s["recordType"] == "relationship"
    }
    assert shares[("P", "H")] == {"exact": 60.0}
    assert shares[("H", "C")] == {"exact": 7.0}  # not 7.000000000000001
    assert shares[("Q", "H")] == {"minimum": 10.0, "exclusiveMaximum": 20.0}
    assert shares[("R", "C")] == {"exclusiveMinimum": 25.0, "maximum": 50.0}
    assert shares[("T", "C")] == {"exclusiveMinimum": 0.0, "maximum": 5.0}
    assert shares[("S", "C")] is None  # an unknown stake: an interest without a figure
    for s in statements:
        if s["recordType"] == "relationship":
            interest = s["recordDetails"]["interests"][0]
            assert (interest["type"], interest["directOrIndirect"]) == ("shareholding", "direct")
    back = Graph.from_bods(statements)
    assert_same_graph(g, back)
    assert back.stakes(legacy_columns=False).equals(g.stakes(legacy_columns=False))


def test_statement_fields_are_fixed_and_ids_deterministic():
    g = Graph.from_arrow({"source": ["P", "H"], "target": ["H", "C"], "share": [0.6, 0.3]})
    first, again = written(g), written(g)
    assert first == again
    ids = [s["statementId"] for s in first]
    assert len(set(ids)) == len(ids)
    assert all(
        re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-\w{12}", i)
        for i in ids
    )
    for s in first:
        assert s["statementDate"] == "2026-01-01"
        assert s["publicationDetails"] == {
            "publicationDate": "2026-01-01",
            "bodsVersion": "0.4",
            "publisher": {"name": "aiexposure"},
        }
        assert s["recordDetails"]["isComponent"] is False
    dated = written(g, statement_date="2025-06-30", publication_date="2025-07-01", publisher="X")
    assert {s["statementDate"] for s in dated} == {"2025-06-30"}
    assert dated[0]["publicationDetails"]["publisher"] == {"name": "X"}
    assert {s["statementId"] for s in dated}.isdisjoint(ids)  # the date is content
    with pytest.raises(ValueError, match="statement_date '2025-13-01' is not a YYYY-MM-DD date"):
        write_bods(g, io.StringIO(), statement_date="2025-13-01")


def test_persons_and_node_attributes():
    nodes = pa.table(
        {
            "id": ["jane", "acme", "ghost", "trust"],
            "record_type": ["person", "entity", "person", "entity"],
            "name": ["Jane Martin", "Acme Ltd", None, "The Trust"],
            "type": ["knownPerson", "registeredEntity", "unknownPerson", "a trust"],
            "jurisdiction": ["FR", "GB-SCT", None, "Jersey"],
            "identifiers": [
                [],
                [{"scheme": "GB-COH", "scheme_name": None, "id": "SC01", "uri": None}],
                [],
                [{"scheme": None, "scheme_name": None, "id": "no scheme", "uri": None}],
            ],
            "unknown": [False, False, True, False],
            "unknown_reason": [None, None, "informationUnknownToPublisher", None],
            "unknown_description": [None, None, "nominee", None],
        }
    )
    g = Graph.from_arrow(
        {
            "source": ["jane", "ghost", "trust"],
            "target": ["acme", "acme", "acme"],
            "share": [0.5, 0.2, 0.1],
        },
        nodes=nodes,
    )
    statements = written(g)
    by_id = {s["recordId"]: s for s in statements}
    jane = by_id["jane"]["recordDetails"]
    assert by_id["jane"]["recordType"] == "person"
    assert jane["names"] == [{"type": "legal", "fullName": "Jane Martin"}]
    assert jane["nationalities"] == [{"name": "FR", "code": "FR"}]
    acme = by_id["acme"]["recordDetails"]
    assert acme["jurisdiction"] == {"name": "GB-SCT", "code": "GB-SCT"}
    assert acme["identifiers"] == [{"scheme": "GB-COH", "id": "SC01"}]
    ghost = by_id["ghost"]["recordDetails"]
    assert ghost["personType"] == "unknownPerson"
    assert ghost["unspecifiedPersonDetails"] == {
        "reason": "informationUnknownToPublisher",
        "description": "nominee",
    }
    trust = by_id["trust"]["recordDetails"]
    # Not a BODS entity type: registeredEntity, the text kept as details; an identifier
    # without a scheme (the schema needs one) is left out.
    assert trust["entityType"] == {"type": "registeredEntity", "details": "a trust"}
    assert "identifiers" not in trust
    assert trust["jurisdiction"] == {"name": "Jersey"}
    back = Graph.from_bods(statements)
    table = {r["node"]: r for r in back.node_table.to_pylist()}
    assert table["jane"]["record_type"] == "person" and table["jane"]["name"] == "Jane Martin"
    assert table["ghost"]["unknown"] and table["ghost"]["unknown_description"] == "nominee"
    assert table["acme"]["jurisdiction"] == "GB-SCT"
    assert_same_stakes(g, back)


def test_unspecified_owners_are_written_inline_with_their_reason():
    g = Graph.from_bods(DATA / "unknown_owner.json")
    statements = written(g)
    inline = [
        s["recordDetails"]["interestedParty"]
        for s in statements
        if s["recordType"] == "relationship"
        and isinstance(s["recordDetails"]["interestedParty"], dict)
    ]
    assert inline and all(p["reason"] for p in inline)
    back = Graph.from_bods(statements)
    assert_same_graph(g, back)
    kinds = dict(
        zip(
            back.node_table["node"].to_pylist(),
            back.node_table["record_type"].to_pylist(),
            strict=True,
        )
    )
    for node, kind in zip(
        g.node_table["node"].to_pylist(), g.node_table["record_type"].to_pylist(), strict=True
    ):
        if (
            kind == "unspecified"
            and g.csr().sources.size
            and node in set(g.node_labels(g.csr().sources).to_pylist())
        ):
            assert kinds[node] == "unspecified"  # inline again, under the same name


def test_an_unspecified_owner_of_several_stakes_becomes_an_unknown_entity_record():
    nodes = pa.table(
        {
            "id": ["unspecified interestedParty of r1", "A", "B"],
            "record_type": ["unspecified", "entity", "entity"],
            "unknown": [True, False, False],
            "unknown_reason": ["subjectExemptFromDisclosure", None, None],
        }
    )
    g = Graph.from_arrow(
        {
            "source": ["unspecified interestedParty of r1"] * 2,
            "target": ["A", "B"],
            "share": [0.3, 0.4],
        },
        nodes=nodes,
    )
    statements = written(g)
    record = next(s for s in statements if s["recordId"] == "unspecified interestedParty of r1")
    assert record["recordDetails"]["entityType"] == {"type": "unknownEntity"}
    assert record["recordDetails"]["unspecifiedEntityDetails"] == {
        "reason": "subjectExemptFromDisclosure"
    }
    back = Graph.from_bods(statements)
    assert_same_stakes(g, back)
    row = next(r for r in back.node_table.to_pylist() if r["node"].startswith("unspecified"))
    assert row["unknown"] and row["unknown_reason"] == "subjectExemptFromDisclosure"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_bods_files_round_trip(path, tmp_path):
    g = Graph.from_bods(path)
    out = tmp_path / "again.jsonl"
    count = g.to_bods(out)
    statements = load_statements(out)
    assert len(statements) == count
    validate_statements(statements)
    back = Graph.from_bods(out)
    assert_same_graph(g, back)
    # The relationship records keep their recordIds (the edge table's record_id column).
    kept = {r["record_id"] for r in g.edges().to_pylist()}
    assert kept <= {s["recordId"] for s in statements}
    # Voting rights of an edge's relationship ride along.
    assert sorted(map(str, g.edges()["voting_rights"].to_pylist())) == sorted(
        map(str, back.edges()["voting_rights"].to_pylist())
    )


@pytest.mark.parametrize("name", ["g.json", "g.jsonl", "g.ndjson", "g.jsonl.gz", "g.json.gz"])
def test_file_formats(name, tmp_path):
    g = Graph.from_bods(DATA / "ranges.json")
    path = tmp_path / name
    count = write_bods(g, path)
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        text = f.read()
    if ".json." in name or name.endswith(".json"):
        assert text.startswith("[\n") and text.endswith("\n]\n")
        assert len(json.loads(text)) == count
    else:
        assert len(text.splitlines()) == count
    validate_statements(load_statements(path))
    assert_same_graph(g, Graph.from_bods(path))
    before = path.read_bytes()
    write_bods(g, path)  # same graph, same bytes (gzip without a timestamp)
    assert path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_file_objects_text_and_binary():
    g = Graph.from_arrow({"source": ["A"], "target": ["B"], "share": [0.5]})
    text, binary = io.StringIO(), io.BytesIO()
    assert write_bods(g, text) == write_bods(g, binary) == 3
    assert binary.getvalue().decode() == text.getvalue()
    array = io.StringIO()
    write_bods(g, array, format="json")
    assert json.loads(array.getvalue()) == [json.loads(x) for x in text.getvalue().splitlines()]
    empty = io.StringIO()
    assert (
        write_bods(
            Graph.from_arrow({"source": [], "target": [], "share": []}), empty, format="json"
        )
        == 0
    )
    assert json.loads(empty.getvalue()) == []


def test_bad_paths_and_arguments(tmp_path):
    g = Graph.from_arrow({"source": ["A"], "target": ["B"], "share": [0.5]})
    with pytest.raises(ValueError, match=r"ends in \.jsonl, \.ndjson or \.json"):
        write_bods(g, tmp_path / "g.parquet")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_bods(g, tmp_path / "nowhere" / "g.jsonl")
    with pytest.raises(ValueError, match="non_equity must be 'error' or 'drop'"):
        write_bods(g, tmp_path / "g.jsonl", non_equity="keep")
    with pytest.raises(TypeError, match="path or a file object"):
        write_bods(g, 42)


def test_credit_and_commitment_edges_are_refused_naming_the_row():
    g = Graph.from_arrow(
        {
            "source": ["A", "A", "B"],
            "target": ["B", "C", "A"],
            "kind": ["equity", "credit", "commitment"],
            "share": [0.4, None, None],
            "amount": [1.0, 2.0, 3.0],
        }
    )
    with pytest.raises(AIExposureError) as caught:
        write_bods(g, io.StringIO())
    message = str(caught.value)
    assert "credit edge 'A' -> 'C', row 1 of graph.edges()" in message
    assert "2 credit or commitment edge(s)" in message and "non_equity='drop'" in message
    assert caught.value.rows == [1] and caught.value.nodes == ["A", "C"]
    statements = written(g, non_equity="drop")
    back = Graph.from_bods(statements)
    assert back.num_edges == 1 and sorted(back.nodes.to_pylist()) == ["A", "B", "C"]


def test_a_held_person_is_refused():
    g = Graph.from_arrow(
        {"source": ["A"], "target": ["p"], "share": [0.4]},
        nodes={"id": ["p"], "record_type": ["person"]},
    )
    with pytest.raises(AIExposureError, match=r"node 'p' is a person .* 'A' holds shares in it"):
        write_bods(g, io.StringIO())


def test_integer_ids_become_record_id_strings_and_isolated_nodes_are_kept():
    g = Graph.from_arrow(
        {"source": [1, 2], "target": [2, 3], "share": [0.5, 0.25]}, nodes=[9, 1, 2, 3]
    )
    back = round_trip(g)
    assert back.nodes.to_pylist() == ["9", "1", "2", "3"]
    assert_same_graph(g, back)
    only_edges = round_trip(g, nodes=False)
    assert sorted(only_edges.nodes.to_pylist()) == ["1", "2", "3"]


def test_relationship_ids_never_clash_with_node_ids():
    g = Graph.from_arrow({"source": ["A", "B"], "target": ["B", "A -> B"], "share": [0.5, 0.5]})
    statements = written(g)
    ids = [s["recordId"] for s in statements]
    assert len(set(ids)) == len(ids)
    assert_same_graph(g, Graph.from_bods(statements))


def test_merged_duplicates_and_pinned_stakes():
    g = Graph.from_arrow({"source": ["A", "A"], "target": ["B", "B"], "share": [0.2, 0.3]})
    back = round_trip(g)
    assert back.stakes(legacy_columns=False)["share_min"].to_pylist() == [0.5]
    pinned = Graph.from_arrow({"source": ["A"], "target": ["B"], "share": [None]}).with_shares(
        {("A", "B"): 0.4}
    )
    assert round_trip(pinned).stakes(legacy_columns=False)["share_min"].to_pylist() == [0.4]


def test_to_bods_is_write_bods(tmp_path):
    g = Graph.from_bods(DATA / "chain.jsonl")
    assert g.to_bods(tmp_path / "a.jsonl") == write_bods(g, tmp_path / "b.jsonl")
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


# --- random graphs --------------------------------------------------------------------------

ENTITY_TYPES = ["registeredEntity", "legalEntity", "arrangement", "state", "stateBody"]
REASONS = ["noBeneficialOwners", "subjectExemptFromDisclosure", "unknown"]


@st.composite
def graphs(draw):
    n = draw(st.integers(1, 12))
    labels = [f"n{i}" for i in range(n)]
    persons = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)),
            max_size=3 * n,
            unique=True,
        )
    )
    pairs = [(u, v) for u, v in pairs if u != v and not persons[v]]
    held = dict.fromkeys(range(n), 0.0)
    rows = []
    for u, v in pairs:
        form = draw(st.sampled_from(["exact", "range", "unknown", "open"]))
        # Minimums summing to 100% within an ulp leave the capped maximum equal to the
        # minimum, and percent cannot always carry a fraction to the last bit (x / 100 misses
        # some doubles): keep a margin so that the round trip's one-ulp change stays a bound.
        room = 1.0 - held[v] - 1e-9
        if form == "exact":
            if room <= 1e-6:
                continue
            share = draw(st.floats(1e-6, room, allow_subnormal=False))
            held[v] += share
            rows.append((u, v, share, None, None, None, None))
        elif form == "unknown":
            rows.append((u, v, None, None, None, None, None))
        else:
            low = 0.0 if form == "open" else draw(st.floats(0.0, max(room, 0.0)))
            high = draw(st.floats(low, 1.0))
            if high <= 0.0 or (low == high and low == 0.0):
                continue
            held[v] += low
            lo_open = draw(st.booleans()) and high > low
            hi_open = draw(st.booleans()) and high > low
            rows.append((u, v, None, low, high, lo_open, hi_open))
    # Unspecified owners of one stake, named as from_bods names them.
    extra = []
    for k in range(draw(st.integers(0, 2))):
        v = draw(st.integers(0, n - 1))
        if persons[v]:
            continue
        node = f"unspecified interestedParty of r{k}"
        extra.append((node, draw(st.sampled_from(REASONS))))
        rows.append((n + len(extra) - 1, v, None, None, None, None, None))
    names = labels + [e[0] for e in extra]
    nodes = pa.table(
        {
            "id": names,
            "record_type": [("person" if p else "entity") for p in persons]
            + ["unspecified"] * len(extra),
            "name": [draw(st.one_of(st.none(), st.text(min_size=1, max_size=8))) for _ in range(n)]
            + [None] * len(extra),
            "type": ["knownPerson" if p else draw(st.sampled_from(ENTITY_TYPES)) for p in persons]
            + [None] * len(extra),
            "unknown": [False] * n + [True] * len(extra),
            "unknown_reason": [None] * n + [e[1] for e in extra],
        }
    )
    columns = list(zip(*rows, strict=True)) if rows else [()] * 7
    edges = pa.table(
        {
            "source": pa.array([names[u] for u in columns[0]], pa.string()),
            "target": pa.array([names[v] for v in columns[1]], pa.string()),
            "share": pa.array(columns[2], pa.float64()),
            "share_min": pa.array(columns[3], pa.float64()),
            "share_max": pa.array(columns[4], pa.float64()),
            "share_min_exclusive": pa.array(columns[5], pa.bool_()),
            "share_max_exclusive": pa.array(columns[6], pa.bool_()),
        }
    )
    return Graph.from_arrow(edges, nodes=nodes)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_random_graphs_round_trip(g):
    statements = written(g)
    back = Graph.from_bods(statements)
    assert_same_graph(g, back)
    kinds = dict(
        zip(
            back.node_table["node"].to_pylist(),
            back.node_table["record_type"].to_pylist(),
            strict=True,
        )
    )
    for row in g.node_table.to_pylist():
        assert kinds[row["node"]] == row["record_type"], row["node"]
