"""Command-line errors speak command-line: options, not Python keywords; file lines, not row
numbers; one line and exit 2 for every usage error; --out checked before any work."""

import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from aiexposure import Graph, InvalidGraphError, UnknownNodeError
from aiexposure.cli import main


def fails(capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aiexposure: error: "), err
    return lines[0]


@pytest.fixture
def csv(tmp_path):
    def write(text, name="edges.csv"):
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return write


def test_column_advice_names_the_options(capsys, csv, tmp_path):
    err = fails(capsys, ["cycles", csv("holder,issuer,share\nA,B,0.5\n")])
    assert "--source COLUMN" in err and "source='" not in err
    err = fails(capsys, ["cycles", csv("source,target\nA,B\n")])
    assert "--share COLUMN" in err and "share='" not in err
    floats = tmp_path / "floats.parquet"
    pq.write_table(pa.table({"source": [1.5], "target": [2.5], "share": [0.5]}), floats)
    err = fails(capsys, ["cycles", str(floats)])
    assert "pyarrow" not in err and "convert the column" in err


def test_generator_errors_name_the_options(capsys, tmp_path):
    err = fails(capsys, ["generate", str(tmp_path / "g.parquet"), "--nodes", "0"])
    assert "--nodes" in err and "num_nodes" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["generate", "g.parquet", "--nodes", "1" + "0" * 30],
        ["cycles", "f.parquet", "--limit", "9" * 40],
        ["cycles", "f.parquet", "--max-length", "-3"],
        ["exposure", "f.parquet", "--threshold", "nan"],
        ["exposure", "f.parquet", "--threshold", "1e999"],
        ["generate", "g.parquet", "--seed", str(2**64)],
        ["cycles"],
        ["exposure", "f.parquet", "--method", "magic"],
    ],
)
def test_usage_errors_are_one_line(capsys, argv):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aiexposure: error: "), lines


def test_kinds_does_not_swallow_the_file(capsys, csv):
    path = csv("source,target,kind,amount\nA,B,credit,1\nB,A,commitment,2\n")
    assert main(["cycles", "--kinds", "credit,commitment", path]) == 0
    assert capsys.readouterr().out.startswith("1 simple cycle(s)")
    assert main(["cycles", "--kinds", "credit", path, "--kinds", "commitment"]) == 0
    assert capsys.readouterr().out.startswith("1 simple cycle(s)")
    assert main(["cycles", "--kinds", "credit", path]) == 0
    assert capsys.readouterr().out.startswith("0 simple cycle(s)")


def test_unknown_kinds_suggest_the_nearest(capsys, csv):
    with pytest.raises(SystemExit):
        main(["cycles", "--kinds", "equty", "f.csv"])
    assert "did you mean 'equity'?" in capsys.readouterr().err
    with pytest.raises(
        InvalidGraphError, match=r"unknown kind 'equty' \(did you mean 'equity'\?\)"
    ):
        Graph.from_arrow({"source": ["A"], "target": ["B"], "kind": ["equty"], "share": [0.5]})
    err = fails(capsys, ["cycles", csv("source,target,kind,share\nA,B,Equity,0.5\n")])
    assert "did you mean 'equity'?" in err


def test_unknown_nodes_suggest_the_nearest(capsys, deals):
    err = fails(capsys, ["exposure", deals, "--holder", "nvidia"])
    assert "--holder: node 'nvidia' is not in the graph (did you mean 'Nvidia'?)" in err
    err = fails(capsys, ["exposure", deals, "--issuer", "OpenAl"])
    assert "did you mean 'OpenAI'?" in err
    g = Graph.from_arrow(deals)
    with pytest.raises(UnknownNodeError, match=r"did you mean 'Amazon'\?"):
        g.holdings_of("amazon")
    with pytest.raises(UnknownNodeError) as e:
        g.holdings_of("Zebra")
    assert "did you mean" not in str(e.value)


@pytest.mark.parametrize("option", ["--shock", "--unpaid", "--valuation"])
def test_report_scenario_nodes_suggest_the_nearest(capsys, tmp_path, option):
    err = fails(capsys, ["report", option, "openai=0.5", "--out", str(tmp_path / "r")])
    assert f"{option}: node 'openai' is not in the graph (did you mean 'OpenAI'?)" in err


def test_csv_rows_are_file_lines_and_numbers_are_plain(capsys, csv):
    path = csv("source,target,share\nA,B,0.5\nB,C,25\nC,D,0.1\n")
    err = fails(capsys, ["cycles", path])
    assert f"at line 3 of {path}" in err and "0-based" not in err
    assert "(e.g. 25.0)" in err and "np." not in err


def test_semicolon_separated_csv_gets_a_hint(capsys, csv):
    err = fails(capsys, ["cycles", csv("source;target;share\nA;B;0.5\n")])
    assert "separated by semicolons" in err


def test_out_is_checked_before_any_work(capsys, tmp_path, deals):
    # The input does not even exist: the --out error comes first.
    err = fails(capsys, ["cycles", str(tmp_path / "missing.parquet"), "--out", "c.csv"])
    assert "unsupported output type '.csv'" in err
    err = fails(capsys, ["exposure", deals, "--out", str(tmp_path / "nope" / "t.parquet")])
    assert "does not exist" in err
    err = fails(capsys, ["exposure", deals, "--out", str(tmp_path)])
    assert "is a folder" in err
    err = fails(capsys, ["generate", str(tmp_path / "g.txt"), "--nodes", "10"])
    assert "unsupported output type '.txt'" in err
    err = fails(capsys, ["report", "--out", deals])
    assert "the report needs a folder" in err
    assert main(["exposure", deals, "--out", str(tmp_path / "t.csv")]) == 0  # CSV holds it


def test_cycles_help_offers_only_formats_that_work(capsys):
    with pytest.raises(SystemExit):
        main(["cycles", "--help"])
    text = capsys.readouterr().out
    out_help = text[text.index("  --out PATH") :].split("columns of the edge table")[0]
    assert ".parquet" in out_help and ", .csv" not in out_help


def test_report_into_a_closed_pipe_exits_quietly(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "aiexposure", "report", "--out", str(tmp_path / "r")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    with proc:
        proc.stdout.readline()
        proc.stdout.close()  # what `| head -1` does
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) != 2
    assert err == ""


def test_report_header_stays_within_100_columns_whatever_the_path(tmp_path, capsys):
    deep = tmp_path / ("a-very-long-folder-name-" * 3) / ("another-long-one-" * 4)
    deep.mkdir(parents=True)
    path = deep / "edges.csv"
    path.write_text("source,target,kind,share,amount\nA,B,equity,0.5,10\nB,A,commitment,,5\n")
    assert len(str(path)) > 100
    assert main(["report", str(path), "--out", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 100
