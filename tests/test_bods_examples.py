"""Graph.from_bods / read_bods on the 19 official BODS v0.4 examples (tests/data/bods/examples,
vendored with their LICENSE): every expected value below was worked by hand from the JSON of
the example and the conventions of docs/bods.md, not copied from our output."""

import json
from pathlib import Path

import pytest

from aiexposure import Graph, read_bods, write_bods

EXAMPLES = Path(__file__).parent / "data" / "bods" / "examples"
FILES = sorted(EXAMPLES.glob("*.json"))
SHARE_RANGES = ("range", "min", "mid", "max")


def path(name):
    return EXAMPLES / name


def shares(graph):
    """(holder, issuer) -> point share of the edge (None for an interval stake)."""
    return {(r["source"], r["target"]): r["share"] for r in graph.edges().to_pylist()}


def stakes(graph):
    """(holder, issuer) -> (min, declared max, min open, max open, exact)."""
    return {
        (r["source"], r["target"]): (
            r["share_min"],
            r["share_max_declared"],
            r["share_min_exclusive"],
            r["share_max_exclusive"],
            r["exact"],
        )
        for r in graph.stakes(legacy_columns=False).to_pylist()
    }


def nodes(graph):
    return {r["node"]: r for r in graph.node_table.to_pylist()}


def uses(data):
    """(relationship recordId, interest type) -> use, from read_bods(...).interests."""
    out = {}
    for r in data.interests.to_pylist():
        key = (r["record_id"], r["type"])
        assert key not in out, key  # every example has one interest of a type per record
        out[key] = r["use"]
    return out


def integrated(graph, method="walks"):
    t = graph.integrated_ownership(method).to_pylist()
    return {(r["holder"], r["issuer"]): r for r in t}


def describe(row):
    return (row["record_type"], row["name"], row["type"], row["jurisdiction"])


def ident(scheme, id_, scheme_name=None):
    return {"scheme": scheme, "scheme_name": scheme_name, "id": id_, "uri": None}


def test_the_nineteen_examples_and_their_licence_are_vendored():
    assert len(FILES) == 19
    assert "Open Ownership" in (EXAMPLES / "LICENSE").read_text()


# --- record histories -----------------------------------------------------------------------

MARIA, TECIDO, SHEAR = "018AF6B3EB", "01B68D7633", "033E84672B"
MARIA_REL, SHEAR_REL = "022EBEB66B", "02089A4E68"


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        # Before the first statement (2019-01-20): the parties only, no relationship yet.
        ("2019-01-19", {}),
        # Maria's 100% (2019-01-20; the interest started 2002-03-09).
        ("2019-01-20", {(MARIA, TECIDO): 1.0}),
        ("2021-09-24", {(MARIA, TECIDO): 1.0}),  # the 2021 statements are dated the 25th
        # 2021-09-25: Shear Trust comes in at 60%, Maria restated at 40%.
        ("2021-09-25", {(SHEAR, TECIDO): 0.6, (MARIA, TECIDO): 0.4}),
        ("2022-06-30", {(SHEAR, TECIDO): 0.6, (MARIA, TECIDO): 0.4}),
        # 2022-09-25: 70% / 30%.
        ("2022-09-25", {(SHEAR, TECIDO): 0.7, (MARIA, TECIDO): 0.3}),
        ("2023-03-02", {(SHEAR, TECIDO): 0.7, (MARIA, TECIDO): 0.3}),
        # 2023-03-03: Maria's relationship closed, Shear Trust at 80%.
        ("2023-03-03", {(SHEAR, TECIDO): 0.8}),
        ("2030-01-01", {(SHEAR, TECIDO): 0.8}),
        (None, {(SHEAR, TECIDO): 0.8}),
    ],
)
def test_tecido_history(as_of, expected):
    g = Graph.from_bods(path("tecido.json"), as_of=as_of)
    assert shares(g) == expected
    # Every party stays a node at every date (one declared later keeps its first statement).
    assert sorted(g.nodes.to_pylist()) == sorted([MARIA, TECIDO, SHEAR])
    # The votes (declared equal to the shares) ride along, never added in.
    for r in g.edges().to_pylist():
        assert r["shareholding"] == r["voting_rights"] == r["share"]
    votes = Graph.from_bods(path("tecido.json"), as_of=as_of, interest="votingRights")
    assert shares(votes) == expected


def test_tecido_records_and_interests():
    data = read_bods(path("tecido.json"))
    assert uses(data) == {
        (MARIA_REL, "boardChair"): "record closed",
        (MARIA_REL, "shareholding"): "record closed",
        (MARIA_REL, "votingRights"): "record closed",
        (SHEAR_REL, "shareholding"): "edge",
        (SHEAR_REL, "votingRights"): "other type",
    }
    edge = data.edges.to_pylist()
    assert [(e["record_id"], e["statement_id"]) for e in edge] == [
        (SHEAR_REL, "crxpru392937110940768393181670358976")
    ]
    g = Graph.from_bods(path("tecido.json"))
    n = nodes(g)
    # Maria's person record is closed on 2023-03-03: the node stays, with that statement.
    assert describe(n[MARIA]) == ("person", "Maria Esteves", "knownPerson", None)
    assert (n[MARIA]["record_status"], n[MARIA]["statement_date"]) == ("closed", "2023-03-03")
    assert n[MARIA]["statement_id"] == "crxpru298108079162772298293618111304"
    assert describe(n[TECIDO]) == ("entity", "Tecido Ltd", "registeredEntity", "US-DE")
    assert n[TECIDO]["identifiers"] == [
        ident(None, "758355", "Company Registry, Delaware. Company number")
    ]
    assert describe(n[SHEAR]) == ("entity", "Shear Trust", "registeredEntity", "US-DE")
    # 2022-09-25: a boardChair interest declares a share (30) too: other type, never a share.
    then = read_bods(path("tecido.json"), as_of="2022-09-25")
    assert uses(then) == {
        (MARIA_REL, "boardChair"): "other type",
        (MARIA_REL, "shareholding"): "edge",
        (MARIA_REL, "votingRights"): "other type",
        (SHEAR_REL, "shareholding"): "edge",
        (SHEAR_REL, "votingRights"): "other type",
    }
    # Before any 2021 statement Maria is the ultimate owner of all of Tecido; her person
    # record then is the 2019 one.
    early = Graph.from_bods(path("tecido.json"), as_of="2020-01-01")
    assert nodes(early)[MARIA]["record_status"] == "new"
    owners = integrated(early, "ultimate")
    assert owners[(MARIA, TECIDO)]["integrated"] == 1.0
    assert (SHEAR, TECIDO) not in owners


RIYADH, PATRICK, DECLAN = "per-5faa4103dee78621", "per-41c0bb0cef246f7c", "per-e334cc6258e56467"
FERMCAT = "ent-93c75c87ab28f889"
RIYADH_REL, PATRICK_REL, DECLAN_REL = (
    "rel-b05e7c91e0a04e4f",
    "rel-3fc02d9b6bdfd5ca",
    "rel-b64a491543d986d0",
)


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        ("2019-09-10", {}),  # the company was registered (and declared) on 2019-09-11
        ("2019-09-11", {(RIYADH, FERMCAT): 0.5, (PATRICK, FERMCAT): 0.5}),
        ("2020-12-31", {(RIYADH, FERMCAT): 0.5, (PATRICK, FERMCAT): 0.5}),
        # Riyadh died on 2021-04-03, but that was declared only on 2021-09-11: as declared.
        ("2021-06-01", {(RIYADH, FERMCAT): 0.5, (PATRICK, FERMCAT): 0.5}),
        # 2021-09-11: Riyadh's relationship closed, his 50% passed to Declan.
        ("2021-09-11", {(DECLAN, FERMCAT): 0.5, (PATRICK, FERMCAT): 0.5}),
        ("2022-01-20", {(DECLAN, FERMCAT): 0.5, (PATRICK, FERMCAT): 0.5}),
        # 2022-01-21: Declan's relationship closed, Patrick holds 100%.
        ("2022-01-21", {(PATRICK, FERMCAT): 1.0}),
        (None, {(PATRICK, FERMCAT): 1.0}),
    ],
)
def test_fermcat_history(as_of, expected):
    g = Graph.from_bods(path("fermcat.json"), as_of=as_of)
    assert shares(g) == expected
    assert sorted(g.nodes.to_pylist()) == sorted([RIYADH, PATRICK, DECLAN, FERMCAT])
    owners = integrated(g, "ultimate")
    assert {k: r["integrated"] for k, r in owners.items()} == expected


def test_fermcat_records_and_interests():
    data = read_bods(path("fermcat.json"))
    assert uses(data) == {
        (RIYADH_REL, "shareholding"): "record closed",
        (RIYADH_REL, "boardMember"): "record closed",
        (PATRICK_REL, "shareholding"): "edge",
        (PATRICK_REL, "boardMember"): "other type",
        (DECLAN_REL, "shareholding"): "record closed",
    }
    n = {r["node"]: r for r in data.nodes.to_pylist()}
    # Riyadh: Iraqi and Irish, the first nationality is his jurisdiction.
    assert describe(n[RIYADH]) == ("person", "Riyadh Byrne-Amin", "knownPerson", "IQ")
    assert n[RIYADH]["identifiers"] == [
        ident("IRL-TAXID", "7700225VH", "Ireland Personal Public Service Number")
    ]
    assert (n[RIYADH]["record_status"], n[RIYADH]["statement_date"]) == ("closed", "2021-09-11")
    assert (n[DECLAN]["record_status"], n[DECLAN]["statement_id"]) == (
        "closed",
        "95faa958efd05f492596b6aa9be63d7f",
    )
    assert (n[PATRICK]["record_status"], n[PATRICK]["statement_id"]) == (
        "updated",
        "372844c21476c8c829b2cbed4c4e0f24",
    )
    assert describe(n[FERMCAT]) == ("entity", "Fermcat Ltd", "registeredEntity", "IE")
    assert n[FERMCAT]["identifiers"] == [ident("IRL-BAU", "434151", "Irish Business Authority ")]
    # Two statements of 2021-09-11 (14:02 and 16:15) restate Declan: the later one holds.
    then = read_bods(path("fermcat.json"), as_of="2021-09-11")
    n = {r["node"]: r for r in then.nodes.to_pylist()}
    assert n[DECLAN]["statement_id"] == "e0f33e6753f03401910e38be3a6dfd5d"
    assert n[RIYADH]["record_status"] == "closed"
    edges = {r["record_id"]: r["statement_id"] for r in then.edges.to_pylist()}
    assert edges == {
        PATRICK_REL: "d70c1797257d1c4edd580051a6c8823c",
        DECLAN_REL: "47b4db6a2868e6100989ddd411b6ff0a",
    }
    # Declan, first declared in 2021, is a node (his first statement) in 2020 already.
    early = read_bods(path("fermcat.json"), as_of="2020-01-01")
    n = {r["node"]: r for r in early.nodes.to_pylist()}
    assert n[DECLAN]["statement_id"] == "02751c86b9b5e26fa05c73d7244cd13a"
    assert n[RIYADH]["record_status"] == "new"


# --- state ownership and joint ownership ----------------------------------------------------

GASGRID, KAASUVERKKO, MINISTRY, STATE = (
    "19f1c5afe9d7",
    "0199c515a699",
    "7ff95ba3682c",
    "05ce06ec97b1",
)


def test_finnish_state_owned_enterprise_is_wholly_state_owned():
    g = Graph.from_bods(path("bods-package-fi-soe.json"))
    # Gasgrid: 76.5% held by Suomen Kaasuverkko (itself 100% the Ministry of Finance's) and
    # 23.5% by the Ministry directly.
    assert shares(g) == {
        (KAASUVERKKO, GASGRID): 0.765,
        (MINISTRY, KAASUVERKKO): 1.0,
        (MINISTRY, GASGRID): 0.235,
    }
    n = nodes(g)
    assert describe(n[MINISTRY]) == ("entity", "Valtiovarainministerio", "stateBody", "FI")
    assert describe(n[STATE]) == ("entity", "Suomen tasavalta", "state", "FI")
    assert describe(n[GASGRID]) == ("entity", "Gasgrid Finland Oy", "registeredEntity", "FI")
    assert n[GASGRID]["identifiers"] == [ident("FI-PRO", "3007894-1")]
    # The state body owns 23.5% + 100% x 76.5% = 100% of Gasgrid, by walks, simple paths and
    # as its ultimate owner (no free float left).
    for method in ("walks", "simple_paths", "ultimate"):
        t = integrated(g, method)
        assert t[(MINISTRY, GASGRID)]["integrated"] == pytest.approx(1.0, abs=1e-15)
        assert t[(MINISTRY, GASGRID)]["direct"] == 0.235
        assert t[(MINISTRY, KAASUVERKKO)]["integrated"] == 1.0
    ultimate = integrated(g, "ultimate")
    assert (None, GASGRID) not in ultimate or ultimate[(None, GASGRID)]["integrated"] < 1e-15
    # The Republic controls the Ministry (otherInfluenceOrControl, no share: no equity edge)
    # and declares 100% of Gasgrid indirect: kept for audit, never an edge.
    data = read_bods(path("bods-package-fi-soe.json"))
    assert uses(data) == {
        ("87ed6d1daf8f", "shareholding"): "edge",
        ("e34164e75ac3", "shareholding"): "edge",
        ("10643ee6d6fa", "shareholding"): "edge",
        ("324d0f570675", "otherInfluenceOrControl"): "other type",
        ("e8ddaee2a7a4", "shareholding"): "indirect",
    }
    declared = next(r for r in data.interests.to_pylist() if r["record_id"] == "e8ddaee2a7a4")
    assert (declared["interested_party"], declared["subject"], declared["share_exact"]) == (
        STATE,
        GASGRID,
        100.0,
    )
    assert all(STATE not in pair for pair in integrated(g))
    # Read the Republic's control of its Ministry as full ownership and the chain gives the
    # declared indirect 100%.
    rows = [*data.edges.select(["source", "target", "share"]).to_pylist()]
    rows.append({"source": STATE, "target": MINISTRY, "share": 1.0})
    whole = Graph.from_arrow(
        {k: [r[k] for r in rows] for k in ("source", "target", "share")}
    ).integrated_ownership()
    got = {(r["holder"], r["issuer"]): r["integrated"] for r in whole.to_pylist()}
    assert got[(STATE, GASGRID)] == pytest.approx(declared["share_exact"] / 100, abs=1e-15)


def test_joint_ownership_is_an_arrangement_held_by_the_joint_holders():
    # The standard represents a joint shareholding as an arrangement entity holding the
    # shares, held in turn by the joint holders; every entity record is a node, so the
    # arrangement is one and the holders reach the company through it.
    chrinon, joint, natalie, roberto = (
        "31c55e425764",
        "91b4236a7d89",
        "1accb8b18b99",
        "f040df24d9ec",
    )
    g = Graph.from_bods(path("joint-ownership.json"))
    assert shares(g) == {(joint, chrinon): 1.0, (natalie, joint): 0.5, (roberto, joint): 0.5}
    n = nodes(g)
    assert describe(n[joint]) == ("entity", "Joint shareholding", "arrangement", None)
    assert describe(n[chrinon]) == ("entity", "CHRINON LTD", "registeredEntity", "GB")
    assert n[chrinon]["identifiers"] == [ident("GB-COH", "07444723")]
    assert describe(n[natalie]) == ("person", "Natalie Coleman", "knownPerson", None)
    assert describe(n[roberto]) == ("person", "Roberto Lopez", "knownPerson", None)
    walks = integrated(g)
    assert walks[(natalie, chrinon)]["integrated"] == 0.5
    assert walks[(roberto, chrinon)]["integrated"] == 0.5
    assert walks[(joint, chrinon)]["integrated"] == 1.0
    owners = {
        k[0]: r["integrated"] for k, r in integrated(g, "ultimate").items() if k[1] == chrinon
    }
    assert owners == {natalie: 0.5, roberto: 0.5}


# --- declared indirect interests against the chains of direct ones --------------------------


def chain_bounds(name, unknown_links, holder, issuer):
    """The integrated share (walks) of ``holder`` in ``issuer`` when the graph's direct edges
    are completed with ``unknown_links``: the links the example declares with an interest of
    no type and no share (no equity edge in our graph), taken as unknown stakes (0, 100%]."""
    data = read_bods(path(name))
    rows = data.edges.select(["source", "target", "share"]).to_pylist()
    rows += [{"source": s, "target": t, "share": None} for s, t in unknown_links]
    g = Graph.from_arrow({k: [r[k] for r in rows] for k in ("source", "target", "share")})
    row = integrated(g)[(holder, issuer)]
    return row["integrated_min"], row["integrated_max"]


def declared_indirect(name):
    data = read_bods(path(name))
    return [r for r in data.interests.to_pylist() if r["direct_or_indirect"] == "indirect"]


def test_indirect_ownership():
    a, b, person = "ad3f6c2fcc9e", "d4ab89ea169a", "c25d4d612c2c"
    name = "indirect-ownership.json"
    g = Graph.from_bods(path(name))
    # Only B's 60% of A is a direct shareholding; Person 1's link to B has no type nor share,
    # and the declared indirect 30% of A is not an edge.
    assert shares(g) == {(b, a): 0.6}
    assert uses(read_bods(path(name))) == {
        ("4cf2837bd01f", "shareholding"): "edge",
        ("05e81af035e4", None): "other type",
        ("d8d75ccf40e4", "shareholding"): "indirect",
    }
    [declared] = declared_indirect(name)
    assert (declared["interested_party"], declared["subject"], declared["share_exact"]) == (
        person,
        a,
        30.0,
    )
    # Through B, Person 1 holds 60% x (0, 100%] of A: the declared 30% lies within.
    lo, hi = chain_bounds(name, [(person, b)], person, a)
    assert (lo, hi) == (0.0, 0.6)
    assert lo <= declared["share_exact"] / 100 <= hi
    assert describe(nodes(g)[person]) == ("person", "Person 1", "knownPerson", "GB")
    assert nodes(g)[b]["identifiers"] == [ident("GB-COH", "XE1010")]


def test_multiple_indirect_ownership():
    b, c, d, person = "63e3a8a8946f", "d177864a8b39", "05fbbfb94b79", "92ebf964a1f6"
    name = "multiple-indirect-ownership.json"
    g = Graph.from_bods(path(name))
    assert shares(g) == {(c, b): 0.5, (d, b): 0.5}
    assert uses(read_bods(path(name))) == {
        ("40b9a74c70c4", "shareholding"): "edge",
        ("9615ef9a4a0b", "shareholding"): "edge",
        ("e351a9247e22", None): "other type",
        ("721da228c733", None): "other type",
        ("8af302e17272", "shareholding"): "indirect",
    }
    [declared] = declared_indirect(name)
    assert (declared["interested_party"], declared["subject"], declared["share_exact"]) == (
        person,
        b,
        60.0,
    )
    # Through C and D (50% each of B), Person 1 holds between 0 and 100% of B: 60% within.
    lo, hi = chain_bounds(name, [(person, c), (person, d)], person, b)
    assert (lo, hi) == (0.0, 1.0)
    assert lo <= declared["share_exact"] / 100 <= hi
    n = nodes(g)
    assert describe(n[person]) == ("person", "Person 1", "knownPerson", "UA")
    assert n[b]["identifiers"] == [ident("UA-EDR", "UA-XE-02")]
    assert n[c]["identifiers"] == [ident("GB-COH", "GB-XE-03")]


def test_multiple_indirect_ownership_2_declares_the_whole_chain():
    a, b, c, person = "1e049760d6c7", "41454e3ba398", "6c9fd5c92201", "731c7a8e7601"
    name = "mutilple-indirect-ownership-2.json"
    g = Graph.from_bods(path(name))
    assert shares(g) == {(b, a): 0.4, (c, a): 0.2}
    assert uses(read_bods(path(name))) == {
        ("803a942b3ec8", "shareholding"): "edge",
        ("9f4256f3de2f", "shareholding"): "edge",
        ("b8e59fa7e1a6", None): "other type",
        ("5a8646b55833", None): "other type",
        ("d043dcc6d88e", "shareholding"): "indirect",
    }
    [declared] = declared_indirect(name)
    assert (declared["interested_party"], declared["subject"], declared["share_exact"]) == (
        person,
        a,
        60.0,
    )
    # Through B (40%) and C (20%), at most 60% of A: the declared 60% is the whole chain,
    # Person 1 holding all of B and C.
    lo, hi = chain_bounds(name, [(person, b), (person, c)], person, a)
    assert lo == 0.0
    assert hi == pytest.approx(declared["share_exact"] / 100, rel=1e-15)
    assert (person, a) not in shares(g)  # not counted a second time as a direct edge


def test_mixed_direct_and_indirect_ownership():
    a, b, person = "9bfe59b6a869", "ec61aeda7141", "53508b65253f"
    name = "mixed-direct-and-indirect-ownership.json"
    g = Graph.from_bods(path(name))
    # Person 1's relationship with A declares 50% indirect (through B) and 50% direct: only
    # the direct half is an edge. Counting both would put A's holders at 150%.
    assert shares(g) == {(b, a): 0.5, (person, a): 0.5}
    edge = next(r for r in g.edges().to_pylist() if r["source"] == person)
    assert (edge["record_id"], edge["shareholding"]) == ("f5a45a6daf31", 0.5)
    rows = read_bods(path(name)).interests.to_pylist()
    mine = {r["direct_or_indirect"]: r["use"] for r in rows if r["record_id"] == "f5a45a6daf31"}
    assert mine == {"indirect": "indirect", "direct": "edge"}
    [declared] = declared_indirect(name)
    assert declared["share_exact"] == 50.0
    # With B's owner link an unknown stake, Person 1 holds 50% + 50% x (0, 100%] of A: the
    # declared 50% direct plus 50% indirect is the upper bound, the indirect part the chain.
    lo, hi = chain_bounds(name, [(person, b)], person, a)
    assert (lo, hi) == (0.5, 1.0)
    assert hi - 0.5 == declared["share_exact"] / 100
    # The direct interest started on 2019-05-01, after the statement (2018-12-17).
    before = read_bods(path(name), as_of="2019-04-30")
    assert {(r["source"], r["target"]) for r in before.edges.to_pylist()} == {(b, a)}
    mine = {
        r["direct_or_indirect"]: r["use"]
        for r in before.interests.to_pylist()
        if r["record_id"] == "f5a45a6daf31"
    }
    assert mine == {"indirect": "indirect", "direct": "not yet started"}
    after = Graph.from_bods(path(name), as_of="2019-05-01")
    assert shares(after) == {(b, a): 0.5, (person, a): 0.5}


# --- unknown owners, nominations, trusts: nodes without equity edges ------------------------


@pytest.mark.parametrize("share_range", SHARE_RANGES)
def test_listed_company_exempt_from_disclosure(share_range):
    g = Graph.from_bods(path("listed-company-exempt-from-disclosure.json"), share_range=share_range)
    owner = "unspecified interestedParty of fa402c4818f9"
    assert g.nodes.to_pylist() == ["4c7ea3bfbe6c", owner]
    n = nodes(g)
    assert describe(n["4c7ea3bfbe6c"]) == (
        "entity",
        "Listed Company OS-17",
        "registeredEntity",
        None,
    )
    assert n["4c7ea3bfbe6c"]["identifiers"] == [ident("GB-COH", "XE000017")]
    assert n["4c7ea3bfbe6c"]["unknown"] is False
    assert n[owner]["record_type"] == "unspecified" and n[owner]["unknown"] is True
    assert n[owner]["unknown_reason"] == "subjectExemptFromDisclosure"
    assert n[owner]["unknown_description"] == (
        "Exempt from disclosure as a company listed on a recognised stock exchange"
    )
    # The relationship declares no interest: nothing to turn into a share.
    assert g.num_edges == 0
    data = read_bods(path("listed-company-exempt-from-disclosure.json"), share_range=share_range)
    assert data.interests.num_rows == 0


@pytest.mark.parametrize("interest", ["shareholding", "votingRights"])
def test_nomination(interest):
    silvia, vanessa, nomination, company = "101AB1984F", "102AB1984E", "103AB1984D", "104AB1984C"
    data = read_bods(path("nomination.json"), interest=interest)
    n = {r["node"]: r for r in data.nodes.to_pylist()}
    assert sorted(n) == sorted([silvia, vanessa, nomination, company])
    assert describe(n[silvia]) == ("person", "Silvia Teixeira Perez", "knownPerson", "MX")
    assert describe(n[vanessa]) == ("person", "Vanessa Rivero", "knownPerson", "MX")
    assert describe(n[nomination]) == ("entity", "Perez-Rivero nomination", "arrangement", "MX")
    assert describe(n[company]) == ("entity", "Los Corazones de Plata", "legalEntity", "MX")
    assert n[company]["identifiers"] == [
        ident("MX-RFC", "CPL211105123", "Registro Federal de Contribuyentes de México")
    ]
    assert not any(r["unknown"] for r in n.values())
    # Nominator, nominee, board member and an indirect influence: no shares, no edges.
    assert uses(data) == {
        ("105AB1984B", "nominator"): "other type",
        ("106AB1984A", "nominee"): "other type",
        ("107AC1984F", "boardMember"): "other type",
        ("108AC1984E", "otherInfluenceOrControl"): "other type",
    }
    rows = {r["record_id"]: r for r in data.interests.to_pylist()}
    assert (rows["108AC1984E"]["interested_party"], rows["108AC1984E"]["subject"]) == (
        silvia,
        company,
    )
    assert rows["108AC1984E"]["direct_or_indirect"] == "indirect"
    assert data.edges.num_rows == 0
    g = Graph.from_bods(path("nomination.json"), interest=interest)
    assert (g.num_nodes, g.num_edges) == (4, 0)


@pytest.mark.parametrize("share_range", SHARE_RANGES)
def test_levent_trust(share_range):
    andrew, bella, child, trust = "700c264e", "d8855000", "81337a6e", "8e40d059"
    data = read_bods(path("levent.json"), share_range=share_range)
    n = {r["node"]: r for r in data.nodes.to_pylist()}
    assert describe(n[trust]) == ("entity", "Levent Trust", "arrangement", "FR")
    assert describe(n[andrew]) == ("person", "Andrew Anderson", "knownPerson", None)
    assert describe(n[bella]) == ("person", "Bella Buxton", "knownPerson", None)
    # The underage beneficiary: an anonymous person, unknown, with the reason given.
    assert n[child]["type"] == "anonymousPerson" and n[child]["unknown"] is True
    assert n[child]["unknown_reason"] == "interestedPartyExemptFromDisclosure"
    assert n[child]["unknown_description"] == (
        "beneficiary is underage and therefore exempt from reporting"
    )
    assert [n[k]["unknown"] for k in (andrew, bella, trust)] == [False, False, False]
    # Trustee, settlor and beneficiary interests: kept for audit, never shares.
    got = {
        (r["record_id"], r["type"]): (r["use"], r["details"]) for r in data.interests.to_pylist()
    }
    assert got == {
        ("2341f5ce", "trustee"): ("other type", "fiduciaire"),
        ("ee2a8c79", "settlor"): ("other type", "constituant"),
        ("ee2a8c79", "trustee"): ("other type", "fiduciaire"),
        ("3e47afda", "beneficiaryOfLegalArrangement"): ("other type", "beneficiaire"),
    }
    assert data.edges.num_rows == 0
    assert Graph.from_bods(path("levent.json"), share_range=share_range).num_nodes == 4


def test_annotations_package():
    drillgreat, monsoon = "387a14452645", "22e8a31863ee"
    g = Graph.from_bods(path("bods-package-annotations.json"))
    n = nodes(g)
    assert describe(n[drillgreat]) == ("entity", "DRILLGREAT LIMITED", "registeredEntity", None)
    assert describe(n[monsoon]) == (
        "entity",
        "MONSOON HOLDINGS (NO.1) LIMITED",
        "registeredEntity",
        "GB",
    )
    assert n[monsoon]["identifiers"] == [ident("GB-COH", "02585514")]
    # DRILLGREAT's relationship with MONSOON declares no interest: no edge, no interest row.
    assert g.num_edges == 0
    assert read_bods(path("bods-package-annotations.json")).interests.num_rows == 0
    # The relationship (2016-04-06) predates MONSOON's statement (2017-05-31): as of its
    # date both parties are there, MONSOON by its first statement.
    then = Graph.from_bods(path("bods-package-annotations.json"), as_of="2016-04-06")
    assert sorted(then.nodes.to_pylist()) == sorted([drillgreat, monsoon])
    assert nodes(then)[monsoon]["statement_date"] == "2017-05-31"


def test_linking_annotations_package():
    company, jeremy = "a01c1a0863e2", "0fc263ba4126"
    name = "bods-package-linking-annotations.json"
    g = Graph.from_bods(path(name))
    n = nodes(g)
    assert describe(n[company]) == (
        "entity",
        "MARE POND PROPERTIES LIMITED",
        "registeredEntity",
        None,
    )
    assert n[company]["identifiers"] == [ident("GB-COH", "10970413")]
    assert describe(n[jeremy]) == ("person", "Mr Jeremy Hunt", "knownPerson", None)
    # More than 25%, less than 50% (both ends open); directOrIndirect absent counts as direct.
    assert stakes(g) == {(jeremy, company): (0.25, 0.5, True, True, False)}
    [row] = read_bods(path(name)).interests.to_pylist()
    assert (row["direct_or_indirect"], row["use"]) == (None, "edge")
    assert (row["share_min"], row["share_max"]) == (25.0, 50.0)
    assert row["share_min_exclusive"] and row["share_max_exclusive"]
    assert row["details"].startswith("The person holds, directly or indirectly, more than 25%")
    assert shares(Graph.from_bods(path(name), share_range="min")) == {(jeremy, company): 0.25}
    assert shares(Graph.from_bods(path(name), share_range="mid")) == {(jeremy, company): 0.375}
    assert shares(Graph.from_bods(path(name), share_range="max")) == {(jeremy, company): 0.5}
    # Declared on 2018-03-29 with an interest starting 2018-09-19.
    assert read_bods(path(name), as_of="2018-03-28").interests.num_rows == 0
    [row] = read_bods(path(name), as_of="2018-06-01").interests.to_pylist()
    assert row["use"] == "not yet started"
    assert Graph.from_bods(path(name), as_of="2018-06-01").num_edges == 0
    assert stakes(Graph.from_bods(path(name), as_of="2018-09-19")) == stakes(g)
    assert sorted(Graph.from_bods(path(name), as_of="2018-01-01").nodes.to_pylist()) == sorted(
        [company, jeremy]
    )


@pytest.mark.parametrize("name", ["full-pep-declaration.json", "simple-pep-declaration.json"])
def test_pep_declarations(name):
    statements = json.loads(path(name).read_text())
    company, person, rel = (s["recordId"] for s in statements)
    g = Graph.from_bods(path(name))
    n = nodes(g)
    assert describe(n[company]) == (
        "entity",
        "Platinum Emerald and Plutonim Mining Limited",
        "registeredEntity",
        None,
    )
    assert n[company]["identifiers"] == [ident("GB-COH", "XE-000079054")]
    # The PEP's jurisdiction (full declaration: "gb") is not a nationality: none is given.
    assert describe(n[person]) == ("person", "Michael Hubbard", "knownPerson", None)
    # 25% up to (not including) 50% of the shares, and the same of the votes.
    assert stakes(g) == {(person, company): (0.25, 0.5, False, True, False)}
    assert uses(read_bods(path(name))) == {
        (rel, "shareholding"): "edge",
        (rel, "votingRights"): "other type",
    }
    votes = Graph.from_bods(path(name), interest="votingRights")
    assert stakes(votes) == stakes(g)
    for share_range, value in [("min", 0.25), ("mid", 0.375), ("max", 0.5)]:
        point = Graph.from_bods(path(name), share_range=share_range)
        [edge] = point.edges().to_pylist()
        assert (edge["share"], edge["shareholding"], edge["voting_rights"]) == (value,) * 3
    # Ultimate owners: the PEP holds [25%, 50%) of the company, the rest is free float.
    pep = integrated(g, "ultimate")[(person, company)]
    assert (pep["integrated_min"], pep["integrated_max"]) == (0.25, 0.5)


# --- plain packages -------------------------------------------------------------------------


def test_bods_package():
    profitech, jennifer = "c359f58d2977", "10478c6cf6de"
    g = Graph.from_bods(path("bods-package.json"))
    n = nodes(g)
    assert describe(n[profitech]) == ("entity", "Profitech Ltd", "registeredEntity", None)
    assert n[profitech]["identifiers"] == [ident("GB-COH", "2063384560")]
    # Her legal name first (an alternative name follows it in the record).
    assert describe(n[jennifer]) == ("person", "Jennifer Hewitson-Smith", "knownPerson", "GB")
    assert shares(g) == {(jennifer, profitech): 1.0}
    assert integrated(g, "ultimate")[(jennifer, profitech)]["integrated"] == 1.0
    # The interest started 2016-04-06, but was declared on 2020-03-04.
    assert Graph.from_bods(path("bods-package.json"), as_of="2020-03-03").num_edges == 0
    assert shares(Graph.from_bods(path("bods-package.json"), as_of="2020-03-04")) == shares(g)


def test_entity_owning_entity():
    jenex, mvj = "12b7dd0770ce", "e83cce729ada"
    name = "bods-package-entity-owning-entity.json"
    g = Graph.from_bods(path(name))
    n = nodes(g)
    assert describe(n[jenex]) == ("entity", "JENEX LIMITED", "registeredEntity", None)
    assert describe(n[mvj]) == ("entity", "MVJ LIMITED", "registeredEntity", None)
    assert n[mvj]["identifiers"] == [ident("GB-COH", "08150312")]
    # 75% or more, less than 100%.
    assert stakes(g) == {(mvj, jenex): (0.75, 1.0, False, True, False)}
    for share_range, value in [("min", 0.75), ("mid", 0.875), ("max", 1.0)]:
        assert shares(Graph.from_bods(path(name), share_range=share_range)) == {(mvj, jenex): value}
    # The relationship (2016-06-30) was stated before either entity (2017): as of its date the
    # edge is there, its parties by their first statements; the day before, no edge.
    assert stakes(Graph.from_bods(path(name), as_of="2016-06-30")) == stakes(g)
    before = Graph.from_bods(path(name), as_of="2016-06-29")
    assert before.num_edges == 0 and sorted(before.nodes.to_pylist()) == sorted([jenex, mvj])


def test_multiple_tax_residencies():
    company, logan = "fd5c8dbc9a91", "8f2f34b57a8f"
    g = Graph.from_bods(path("multiple-tax-residencies.json"))
    n = nodes(g)
    # The jurisdiction is the nationality (GB), not a tax residency (GB, UA).
    assert describe(n[logan]) == ("person", "Logan Morton", "knownPerson", "GB")
    assert describe(n[company]) == ("entity", "Company A", "registeredEntity", None)
    assert n[company]["identifiers"] == [ident("GB-COH", "XE-A-01")]
    assert shares(g) == {(logan, company): 1.0}
    assert integrated(g, "ultimate")[(logan, company)]["integrated"] == 1.0


def test_plc_entity_statement():
    g = Graph.from_bods(path("plc-entity-statement.json"))
    assert (g.num_nodes, g.num_edges) == (1, 0)
    [row] = g.node_table.to_pylist()
    assert row["node"] == "70044236"
    assert describe(row) == ("entity", "AstraZeneca PLC", "legalEntity", "GB")
    assert row["identifiers"] == [
        ident("GB-COH", "02723534"),
        ident("XI-LEI", "PY6ZZQWO2IZFZC3IOL08"),
    ]
    assert (row["unknown"], row["statement_date"], row["record_status"]) == (
        False,
        "2021-02-09",
        "new",
    )


# --- every example: every share_range, and written back -------------------------------------


@pytest.mark.parametrize("file", FILES, ids=lambda p: p.name)
def test_every_example_reads_with_every_share_range_and_round_trips(file, tmp_path):
    graphs = {r: Graph.from_bods(file, share_range=r) for r in SHARE_RANGES}
    node_sets = {r: g.nodes.to_pylist() for r, g in graphs.items()}
    assert all(v == node_sets["range"] for v in node_sets.values()), node_sets
    statements = json.loads(file.read_text())
    # The nodes: every entity and person record, and each inline unspecified owner.
    expected = {s["recordId"] for s in statements if s["recordType"] != "relationship"}
    for s in statements:
        if s["recordType"] == "relationship":
            assert isinstance(s["recordDetails"]["subject"], str)  # no example has it inline
            if isinstance(s["recordDetails"]["interestedParty"], dict):
                expected.add(f"unspecified interestedParty of {s['recordId']}")
    assert sorted(node_sets["range"]) == sorted(expected)
    # The same nodes and edges through read_bods.
    data = read_bods(file)
    assert data.nodes["node"].to_pylist() == node_sets["range"]
    assert data.edges.num_rows == graphs["range"].num_edges
    # Written back (write_bods and Graph.to_bods give the same bytes) and read again: the
    # same nodes, in the same order, and the same stakes: interval stakes ("range") and
    # point shares ("mid" halves the ranges: 37.5%, 87.5%; "min" and "max" take declared
    # bounds, exact as those).
    for share_range in ("range", "mid"):
        g = graphs[share_range]
        out = tmp_path / f"{share_range}.jsonl"
        write_bods(g, out)
        back = Graph.from_bods(out)
        assert back.nodes.to_pylist() == g.nodes.to_pylist()
        assert back.stakes(legacy_columns=False).equals(g.stakes(legacy_columns=False))
    g.to_bods(tmp_path / "again.jsonl")
    assert (tmp_path / "again.jsonl").read_bytes() == out.read_bytes()
