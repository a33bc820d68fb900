"""One vocabulary of result columns (docs/columns.md): every column the package returns is in
the table, renamed columns keep their old names for one release with a DeprecationWarning, and
the report's headers are the API's column names."""

import re
import warnings
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import aiexposure
from aiexposure import Graph

DOC = (Path(__file__).parents[1] / "docs" / "columns.md").read_text()
SUFFIXES = ("_min", "_max")


def documented_columns() -> set[str]:
    """The names in the first cell of the Columns table's rows."""
    section = DOC.split("## Columns", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            names |= set(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    return names


def documented_keys() -> set[str]:
    section = DOC.split("## Metadata keys", 1)[1]
    return set(re.findall(r"`(aiexposure\.[a-z_]+)`", section))


def interval_graph() -> Graph:
    return Graph.from_arrow(
        {
            "source": ["A", "B", "C", "X", "B"],
            "target": ["X", "X", "A", "C", "C"],
            "kind": ["equity", "equity", "equity", "commitment", "credit"],
            "share": [0.3, None, 0.5, None, None],
            "amount": [10.0, None, 5.0, 7.0, 3.0],
        }
    )


def result_tables(g: Graph) -> dict[str, pa.Table]:
    node = g.nodes[0].as_py()
    cf = g.circular_financing()
    return {
        "edges": g.edges(),
        "stakes": g.stakes(legacy_columns=False),
        "assumptions": g.with_shares({}).assumptions,
        "node_table": g.node_table,
        "walks": g.integrated_ownership("walks"),
        "ultimate": g.integrated_ownership("ultimate"),
        "simple_paths": g.integrated_ownership("simple_paths", max_depth=4),
        "exposure_to": g.exposure_to(node),
        "holdings_of": g.holdings_of(node),
        "look_through": g.look_through(
            value_loss={node: 1.0}, default={node: 0.5}, legacy_columns=False
        ),
        "components": g.strongly_connected_components(),
        "simple_cycles": g.simple_cycles(),
        "round_trips": cf.round_trips,
        "self_funded": cf.self_funded,
    }


def base(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and name[: -len(suffix)] in documented_columns():
            return name[: -len(suffix)]
    return name


EDGE_EXTRAS = {  # the built-in data's own columns, carried through untouched
    "id",
    "amount_note",
    "share_derived",
    "share_note",
    "date",
    "status",
    "cancelled_on",
    "seed_file",
    "quote",
    "notes",
}


@pytest.mark.parametrize("which", ["built-in", "intervals"])
def test_every_result_column_and_metadata_key_is_documented(which):
    g = Graph.from_arrow(aiexposure.datasets.ai_funding_2026()) if which == "built-in" else None
    g = g or interval_graph()
    known, keys = documented_columns(), documented_keys()
    for method, table in result_tables(g).items():
        extra = EDGE_EXTRAS if method == "edges" else set()
        missing = {c for c in table.column_names if base(c) not in known} - extra
        assert not missing, f"{method}: columns {sorted(missing)} are not in docs/columns.md"
        meta = {k.decode() for k in (table.schema.metadata or {})}
        assert meta <= keys, f"{method}: metadata {sorted(meta - keys)} not in docs/columns.md"


def test_no_column_means_a_share_in_one_table_and_money_in_another():
    g = interval_graph()
    tables = result_tables(g)
    money = set(tables["look_through"].column_names) - {"node"}
    shares = set(tables["walks"].column_names) | set(tables["exposure_to"].column_names)
    assert not money & shares
    assert all(base(c).endswith("_loss") for c in money)


def test_look_through_keeps_its_old_names_for_one_release_with_a_warning():
    g = interval_graph()
    new = g.look_through(value_loss={"X": 2.0}, default={"C": 1.0}, legacy_columns=False)
    with pytest.warns(DeprecationWarning, match=r"total -> total_loss.*legacy_columns=False"):
        old = g.look_through(value_loss={"X": 2.0}, default={"C": 1.0})
    assert old.column_names[: new.num_columns] == new.column_names
    renamed = {"equity", "credit", "commitment", "direct", "indirect", "total"}
    for name in renamed:
        for suffix in ("", *SUFFIXES):
            assert old[name + suffix].equals(new[name + "_loss" + suffix])
    pairs = old.schema.metadata[b"aiexposure.renamed_columns"].decode().split(",")
    assert "total_max=total_loss_max" in pairs and len(pairs) == 18
    for key, value in (new.schema.metadata or {}).items():
        assert old.schema.metadata[key] == value
    # No copy: the old column is the new one's buffers.
    assert old["total_min"].chunk(0).buffers()[1].address == (
        old["total_loss_min"].chunk(0).buffers()[1].address
    )
    # The new names alone: no warning, no old names.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = g.look_through(value_loss={"X": 2.0}, legacy_columns=False)
    assert not set(quiet.column_names) & renamed


def test_the_warning_points_at_the_callers_line():
    g = interval_graph()
    with pytest.warns(DeprecationWarning) as caught:
        g.look_through(value_loss={"X": 2.0})
    assert caught[0].filename == __file__
    with pytest.warns(DeprecationWarning) as caught:
        g.stakes()
    assert caught[0].filename == __file__


def test_stakes_open_flags_are_named_as_the_input_columns():
    g = Graph.from_arrow(
        {
            "source": ["A"],
            "target": ["B"],
            "share_min": [0.1],
            "share_max": [0.2],
            "share_max_exclusive": [True],
        }
    )
    new = g.stakes(legacy_columns=False)
    assert new["share_max_exclusive"].to_pylist() == [True]
    assert new["share_min_exclusive"].to_pylist() == [False]
    with pytest.warns(DeprecationWarning, match="max_exclusive -> share_max_exclusive"):
        old = g.stakes()
    assert old["max_exclusive"].equals(new["share_max_exclusive"])
    assert old["min_exclusive"].equals(new["share_min_exclusive"])
    # A stakes table can be given back as input under the names it prints.
    again = Graph.from_arrow(
        new.rename_columns({"share_max_declared": "ignored"}).drop_columns(["share_min"])
    )
    assert again.stakes(legacy_columns=False)["share_max_exclusive"].to_pylist() == [True]


def words(line: str) -> str:
    return " ".join(line.split())


def test_report_headers_are_the_api_column_names(cli, tmp_path):
    done = cli("report", "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = {words(line) for line in done.stdout.splitlines()}
    out = tmp_path / "out"
    trips = pq.read_table(out / "round_trips.parquet").column_names
    assert words(" ".join(c.replace("_", " ") for c in trips)) in lines
    losses = pq.read_table(out / "exposures.parquet").column_names
    assert losses[0] == "node" and all(base(c).endswith("_loss") for c in losses[1:])
    shown = ["node", "equity loss", "credit loss", "commitment loss", "indirect loss"]
    assert words(" ".join([*shown, "total loss"])) in lines
    assert "issuer holder integrated" in lines
    assert "holder issuer direct integrated" in lines
    assert "node revenue self funded self funded share" in lines
    assert "free float" in done.stdout  # the null holder, printed
    ownership = pq.read_table(out / "ownership.parquet")
    assert ownership.filter(pa.compute.is_null(ownership["holder"])).num_rows > 0


def test_submodules_need_no_import():
    assert aiexposure.datasets.ai_funding_2026().num_rows > 0
    assert aiexposure.synthetic.investor_graph(10, seed=1).num_rows > 0
