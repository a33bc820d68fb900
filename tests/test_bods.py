"""Graph.from_bods / read_bods on small BODS v0.4 files (tests/data/bods, each valid against the
standard's 0.4 JSON schema) and on broken input."""

import copy
import gzip
import io
import json
from pathlib import Path

import pytest

from aiexposure import ClosedCycleError, Graph, InvalidBodsError, read_bods

DATA = Path(__file__).parent / "data" / "bods"


def statements(name):
    text = (DATA / name).read_text()
    if text.lstrip().startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def shares(graph):
    """(holder, issuer) -> share, rows of one pair added up as the graph does."""
    out = {}
    for r in graph.edges().to_pylist():
        key = (r["source"], r["target"])
        out[key] = out.get(key, 0.0) + r["share"]
    return out


def walks(graph, method="walks"):
    t = graph.integrated_ownership(method)
    return {(r["holder"], r["issuer"]): r["integrated"] for r in t.to_pylist()}


def test_direct_holding_and_node_table():
    g = Graph.from_bods(DATA / "direct.json")
    assert shares(g) == {("jane", "acme"): 0.6}
    nodes = {r["node"]: r for r in g.node_table.to_pylist()}
    assert g.node_table["node"].to_pylist() == g.nodes.to_pylist()
    acme = nodes["acme"]
    assert (acme["record_type"], acme["name"], acme["type"], acme["jurisdiction"]) == (
        "entity",
        "Acme Holdings Ltd",
        "registeredEntity",
        "GB",
    )
    assert acme["identifiers"] == [
        {"scheme": "GB-COH", "scheme_name": None, "id": "01234567", "uri": None}
    ]
    assert acme["unknown"] is False and acme["unknown_reason"] is None
    jane = nodes["jane"]
    assert (jane["record_type"], jane["name"], jane["type"]) == (
        "person",
        "Jane Martin",
        "knownPerson",
    )
    edge = g.edges().to_pylist()[0]
    assert edge["statement_id"] == statements("direct.json")[2]["statementId"]
    assert (edge["record_id"], edge["shareholding"], edge["voting_rights"]) == (
        "jane-acme",
        0.6,
        None,
    )


def test_indirect_chain_recomputes_the_declared_indirect_share(tmp_path):
    g = Graph.from_bods(DATA / "chain.jsonl")
    # The declared indirect interest is not an edge: the direct chain carries it.
    assert shares(g) == {("pia", "holdco"): 0.8, ("holdco", "opco"): 0.75, ("opco", "target"): 0.6}
    assert walks(g)[("pia", "target")] == pytest.approx(0.36, rel=1e-15)
    assert walks(g, "simple_paths")[("pia", "target")] == pytest.approx(0.36, rel=1e-15)
    interests = read_bods(DATA / "chain.jsonl").interests.to_pylist()
    declared = next(r for r in interests if r["record_id"] == "pia-target")
    assert (declared["use"], declared["share_exact"], declared["direct_or_indirect"]) == (
        "indirect",
        36.0,
        "indirect",
    )
    # The same statements from a str path, a gzip file, a file object, a list of dicts.
    packed = tmp_path / "chain.jsonl.gz"
    packed.write_bytes(gzip.compress((DATA / "chain.jsonl").read_bytes()))
    text = (DATA / "chain.jsonl").read_text()
    for source in [
        str(DATA / "chain.jsonl"),
        packed,
        io.StringIO(text),
        io.BytesIO(text.encode()),
        statements("chain.jsonl"),
    ]:
        assert shares(Graph.from_bods(source)) == shares(g)


def test_circular_holding_at_100_percent_both_ways():
    g = Graph.from_bods(DATA / "circular.json")
    assert shares(g) == {("alpha", "beta"): 1.0, ("beta", "alpha"): 1.0}
    with pytest.raises(ClosedCycleError) as e:
        g.integrated_ownership("walks")
    assert set(e.value.nodes) == {"alpha", "beta"}
    paths = walks(g, "simple_paths")
    assert paths[("alpha", "beta")] == 1.0 and paths[("beta", "alpha")] == 1.0


@pytest.mark.parametrize(
    ("share_range", "expected"),
    [
        ("min", {("p1", "x"): 0.25, ("p2", "x"): 0.50}),
        ("mid", {("p1", "x"): 0.375, ("p2", "x"): 0.625, ("p3", "y"): 0.05}),
    ],
)
def test_share_ranges(share_range, expected):
    g = Graph.from_bods(DATA / "ranges.json", share_range=share_range)
    assert shares(g) == pytest.approx(expected, rel=1e-15)
    # p3's range [0, 10] gives no edge under 'min', and the node stays.
    assert "p3" in g.nodes.to_pylist()
    rows = read_bods(DATA / "ranges.json", share_range=share_range).interests.to_pylist()
    declared = {r["record_id"]: (r["share_min"], r["share_max"], r["use"]) for r in rows}
    assert declared["p1-x"][:2] == (25.0, 50.0)  # exclusive maximum: the bound itself
    assert declared["p2-x"][:2] == (50.0, 75.0)
    assert declared["p3-y"] == (0.0, 10.0, "zero share" if share_range == "min" else "edge")


def test_share_range_max_over_holds_and_says_which_statements():
    with pytest.raises(InvalidBodsError) as e:
        Graph.from_bods(DATA / "ranges.json", share_range="max")
    message = str(e.value)
    assert "issuer 'x' sum to 1.250000, above 1" in message
    by_record = {s["recordId"]: s["statementId"] for s in statements("ranges.json")}
    assert sorted(e.value.statement_ids) == sorted([by_record["p1-x"], by_record["p2-x"]])
    assert by_record["p1-x"] in message
    assert "share_range='max'; 'range' (the default) or 'min' keep consistent data" in message


def test_declared_ranges_are_interval_stakes_by_default():
    g = Graph.from_bods(DATA / "ranges.json")
    assert g.has_interval_stakes
    s = {(r["source"], r["target"]): r for r in g.stakes(legacy_columns=False).to_pylist()}
    # p1: [25, 50) of x; p2: [50, 75] of x, capped at 1 - 0.25; p3: [0, 10] of y, open at 0.
    assert (s[("p1", "x")]["share_min"], s[("p1", "x")]["share_max"]) == (0.25, 0.5)
    assert s[("p1", "x")]["share_max_exclusive"] and not s[("p1", "x")]["share_min_exclusive"]
    assert s[("p2", "x")]["share_min"] == 0.5
    assert s[("p2", "x")]["share_max"] == pytest.approx(0.75)
    assert s[("p2", "x")]["share_max_declared"] == 0.75
    assert (s[("p3", "y")]["share_min"], s[("p3", "y")]["share_max"]) == (0.0, 0.1)
    assert s[("p3", "y")]["share_min_exclusive"]
    lo = walks(Graph.from_bods(DATA / "ranges.json", share_range="min"))
    hi = g.integrated_ownership("walks").to_pylist()
    for r in hi:
        assert r["integrated_min"] == pytest.approx(lo.get((r["holder"], r["issuer"]), 0.0))


def test_min_and_max_bracket_the_integrated_shares():
    lo = walks(Graph.from_bods(DATA / "ranges.json", share_range="min"))
    mid = walks(Graph.from_bods(DATA / "ranges.json", share_range="mid"))
    for pair, value in lo.items():
        assert value <= mid[pair]


def test_voting_rights_are_kept_apart():
    g = Graph.from_bods(DATA / "voting.json")
    assert shares(g) == {("founder", "media"): 0.3}  # never 0.3 + 0.7
    edge = g.edges().to_pylist()[0]
    assert (edge["shareholding"], edge["voting_rights"]) == (0.3, 0.7)
    assert "fund" in g.nodes.to_pylist()  # votes only: no equity edge, node kept
    uses = {
        (r["record_id"], r["type"]): r["use"]
        for r in read_bods(DATA / "voting.json").interests.to_pylist()
    }
    assert uses == {
        ("founder-media", "shareholding"): "edge",
        ("founder-media", "votingRights"): "other type",
        ("fund-media", "votingRights"): "other type",
    }
    votes = Graph.from_bods(DATA / "voting.json", interest="votingRights")
    assert shares(votes) == {("founder", "media"): 0.7, ("fund", "media"): 0.2}
    founder = next(r for r in votes.edges().to_pylist() if r["source"] == "founder")
    assert (founder["shareholding"], founder["voting_rights"]) == (0.3, 0.7)


def test_unknown_owners_are_kept_with_their_reason():
    g = Graph.from_bods(DATA / "unknown_owner.json")
    nodes = {r["node"]: r for r in g.node_table.to_pylist()}
    exempt = nodes["unspecified interestedParty of exempt"]
    assert exempt["unknown"] is True and exempt["record_type"] == "unspecified"
    assert exempt["unknown_reason"] == "subjectExemptFromDisclosure"
    assert exempt["unknown_description"] == "listed on a regulated market"
    hidden = "unspecified interestedParty of hidden-60"
    assert nodes[hidden]["unknown_reason"] == "interestedPartyHasNotProvidedInformation"
    ghost = nodes["ghost"]
    assert ghost["unknown"] is True and ghost["unknown_reason"] == "informationUnknownToPublisher"
    assert ghost["unknown_description"] == "nominee director, owner not disclosed"
    assert nodes["shell"]["unknown"] is False
    assert shares(g) == {(hidden, "shell"): 0.6, ("ghost", "shell"): 0.4}
    owners = {
        r["holder"]: r["integrated"]
        for r in g.integrated_ownership("ultimate").to_pylist()
        if r["issuer"] == "shell"
    }
    assert owners == pytest.approx({hidden: 0.6, "ghost": 0.4})


def test_latest_statement_holds_and_as_of():
    g = Graph.from_bods(DATA / "history.json")
    # ann-co restated at 35%; bob-co closed; old-co ended in 2022.
    assert shares(g) == {("ann", "co"): 0.35}
    uses = {
        r["record_id"]: r["use"] for r in read_bods(DATA / "history.json").interests.to_pylist()
    }
    assert uses == {"ann-co": "edge", "bob-co": "record closed", "old-co": "ended"}
    # As of 2022: ann's first statement (20%) and her old 10% add up; bob still holds 30%.
    then = Graph.from_bods(DATA / "history.json", as_of="2022-01-01")
    assert shares(then) == pytest.approx({("ann", "co"): 0.30, ("bob", "co"): 0.30})
    assert then.num_edges == 2
    # Persons declared after the date keep their first statement; no relationship yet.
    before = Graph.from_bods(DATA / "history.json", as_of="2021-02-01")
    assert before.num_edges == 0 and sorted(before.nodes.to_pylist()) == ["ann", "bob", "co"]


def test_files_combine_into_one_package():
    # Two files as one list: every record type, and a relationship without interests.
    g = Graph.from_bods([*statements("direct.json"), *statements("unknown_owner.json")])
    assert g.num_nodes == 2 + 5


# --- broken input -------------------------------------------------------------------------


def test_broken_json():
    with pytest.raises(InvalidBodsError, match=r"broken.json: not valid JSON at line \d+"):
        Graph.from_bods(DATA / "broken.json")
    with pytest.raises(InvalidBodsError, match=r"broken\.jsonl line 3: not valid JSON"):
        Graph.from_bods(DATA / "broken.jsonl")


def test_v03_needs_v04():
    with pytest.raises(InvalidBodsError) as e:
        Graph.from_bods(DATA / "v03.json")
    assert "statement 019a93f1-e470-42e9-957b-f4fd6f2a7e8f is BODS v0.3 or older" in str(e.value)
    assert "reads BODS v0.4" in str(e.value)
    assert e.value.statement_ids == ["019a93f1-e470-42e9-957b-f4fd6f2a7e8f"]
    v03_version_only = copy.deepcopy(statements("direct.json"))
    v03_version_only[1]["publicationDetails"]["bodsVersion"] = "0.3"
    with pytest.raises(InvalidBodsError, match=r"bodsVersion 0\.3"):
        Graph.from_bods(v03_version_only)


def test_dangling_reference_names_the_statement():
    sid = statements("dangling.json")[1]["statementId"]
    with pytest.raises(InvalidBodsError) as e:
        Graph.from_bods(DATA / "dangling.json")
    assert f"statement {sid}: interestedParty 'nobody'" in str(e.value)
    assert e.value.statement_ids == [sid]


def edit(name, index, change):
    data = copy.deepcopy(statements(name))
    change(data[index])
    return data


@pytest.mark.parametrize(
    ("name", "index", "change", "message"),
    [
        ("direct.json", 0, lambda s: s.pop("recordId"), "has no recordId"),
        ("direct.json", 0, lambda s: s.update(recordId=7), "recordId must be a non-empty string"),
        ("direct.json", 0, lambda s: s.update(recordType="company"), "recordType 'company'"),
        ("direct.json", 0, lambda s: s.pop("statementId"), "statement #0 has no statementId"),
        ("direct.json", 0, lambda s: s.update(recordDetails=[]), "recordDetails must be an object"),
        ("direct.json", 0, lambda s: s.update(statementDate="yesterday"), "not a YYYY-MM-DD date"),
        (
            "direct.json",
            2,
            lambda s: s["recordDetails"]["interests"][0]["share"].update(exact=150),
            r"share.exact = 150 must be a number of percent in \[0, 100\]",
        ),
        (
            "direct.json",
            2,
            lambda s: s["recordDetails"]["interests"][0]["share"].update(exact="60"),
            "share.exact = '60'",
        ),
        (
            "direct.json",
            2,
            lambda s: s["recordDetails"]["interests"][0].update(
                share={"minimum": 60, "maximum": 40}
            ),
            r"share range \[60, 40\] has its minimum above its maximum",
        ),
        (
            "direct.json",
            2,
            lambda s: s["recordDetails"].update(subject="jane"),
            "the subject 'jane' of relationship jane-acme is a person",
        ),
        (
            "direct.json",
            2,
            lambda s: s["recordDetails"].update(interestedParty={"description": "?"}),
            "an unspecified interestedParty needs a 'reason' string",
        ),
        (
            "direct.json",
            2,
            lambda s: s["recordDetails"].pop("subject"),
            "relationship jane-acme needs a subject",
        ),
        (
            "direct.json",
            2,
            lambda s: s["recordDetails"].update(interests={"type": "shareholding"}),
            "interests must be a list",
        ),
        (
            "direct.json",
            1,
            lambda s: s.update(recordId="acme"),
            "recordId 'acme' is used by statements of different recordTypes",
        ),
        (
            "direct.json",
            1,
            lambda s: s.update(statementId=statements("direct.json")[0]["statementId"]),
            "appears twice",
        ),
    ],
)
def test_invalid_statements_name_the_statement(name, index, change, message):
    data = edit(name, index, change)
    with pytest.raises(InvalidBodsError, match=message) as e:
        Graph.from_bods(data)
    sid = data[index].get("statementId")
    if sid is None:
        assert f"#{index}" in str(e.value)
    else:
        assert sid in str(e.value) and sid in e.value.statement_ids


def test_treasury_self_holding_is_refused_unless_allowed():
    data = edit("direct.json", 2, lambda s: s["recordDetails"].update(interestedParty="acme"))
    sid = data[2]["statementId"]
    with pytest.raises(
        InvalidBodsError, match=f"self-loop .* at relationship statement\\(s\\) {sid}"
    ):
        Graph.from_bods(data)
    assert shares(Graph.from_bods(data, allow_treasury=True)) == {("acme", "acme"): 0.6}


def test_bad_arguments():
    with pytest.raises(ValueError, match="share_range must be one of"):
        Graph.from_bods(DATA / "direct.json", share_range="avg")
    with pytest.raises(ValueError, match="interest must be one of"):
        Graph.from_bods(DATA / "direct.json", interest="boardMember")
    with pytest.raises(InvalidBodsError, match="as_of '2022' is not a YYYY-MM-DD date"):
        Graph.from_bods(DATA / "direct.json", as_of="2022")
    with pytest.raises(InvalidBodsError, match="no BODS file at"):
        Graph.from_bods(DATA / "missing.json")
    with pytest.raises(TypeError, match="not int"):
        Graph.from_bods(42)
    with pytest.raises(InvalidBodsError, match="statement #0 is a str, not an object"):
        Graph.from_bods(["x"])


def test_empty_input_gives_an_empty_graph():
    g = Graph.from_bods([])
    assert (g.num_nodes, g.num_edges) == (0, 0)
    assert g.node_table.num_rows == 0
