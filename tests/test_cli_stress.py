"""`aiexposure stress` and the report's contagion section: worked numbers through the command
line, many scenarios, files written, and what is said when the data lack an input."""

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ok
from conftest import run_cli as run

CLAIMS = """source,target,kind,share,amount
bank,lab,credit,,30
fund,bank,equity,0.5,
lab,chips,commitment,,20
chips,bank,credit,,5
"""
EQUITY = ["--equity", "bank=60", "--equity", "chips=10", "--equity", "lab=10"]


@pytest.fixture
def claims(tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text(CLAIMS)
    return str(path)


def test_debtrank_worked_numbers(claims):
    out = ok(run("stress", claims, "--model", "debtrank", "--shock", "lab=1", *EQUITY))
    # bank holds 30 on lab (equity 60): W = 0.5; chips holds 20 on lab (equity 10): W = 1.
    # R = (0.5 * 60 + 1 * 10) / 80.
    assert "R = 50.00%" in out and "3 node(s) distressed" in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[2:]}
    assert rows["bank"] == ["0", "0.5"] and rows["chips"] == ["0", "1"]


def test_furfine_and_clearing_worked_numbers(claims):
    out = ok(
        run(
            "stress",
            claims,
            "--model",
            "furfine",
            "--shock",
            "lab=1",
            "--equity",
            "bank=20",
            "--equity",
            "chips=10",
        )
    )
    assert "3 node(s) failed in 1 round(s)" in out
    out = ok(
        run(
            "stress",
            claims,
            "--model",
            "clearing",
            "--shock",
            "lab=0.5",
            "--external-assets",
            "lab=12",
            "--external-assets",
            "chips=10",
            "--external-assets",
            "bank=1",
        )
    )
    # lab keeps 6 of its 12 and owes 50 (30 to bank, 20 to chips): pays 6.
    lab = next(line.split() for line in out.splitlines() if line.split()[:1] == ["lab"])
    assert lab[1:4] == ["50", "6", "0.12"] and lab[4] == "True"


def test_many_scenarios_write_rows_and_totals(claims, tmp_path):
    shocks = tmp_path / "shocks.csv"
    shocks.write_text("scenario,node,value\nmild,lab,0.2\nsevere,lab,1\nsevere,chips,1\n")
    rows, totals = tmp_path / "rows.parquet", tmp_path / "totals.parquet"
    out = ok(
        run(
            "stress",
            claims,
            "--model",
            "debtrank",
            "--scenarios",
            str(shocks),
            *EQUITY,
            "--equity",
            "fund=1",
            "--out",
            str(rows),
            "--totals",
            str(totals),
        )
    )
    assert "2 scenario(s)" in out
    t = pq.read_table(totals).to_pylist()
    assert [x["scenario"] for x in t] == ["mild", "severe"]
    assert t[1]["distressed_nodes"] == 3
    assert set(pq.read_table(rows).column_names) == {"scenario", "node", "initial", "distress"}
    each = ok(
        run(
            "stress",
            claims,
            "--model",
            "furfine",
            "--each",
            "--equity",
            "bank=20",
            "--equity",
            "chips=10",
            "--totals",
            str(totals),
        )
    )
    assert "4 scenario(s)" in each
    assert {x["scenario"]: x["failed_nodes"] for x in pq.read_table(totals).to_pylist()}["lab"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "debtrank", "--shock", "lab=1"], "needs --equity"),
        (["--model", "debtrank", "--shock", "lab=1", "--each"], "give one of"),
        (["--model", "debtrank"], "give one of --shock"),
        (["--model", "furfine", "--shock", "lab=0.5", "--equity", "bank=1"], "NODE=1"),
        (["--model", "debtrank", "--shock", "lab=2", *EQUITY], "VALUE a number in [0, 1]"),
        (["--model", "debtrank", "--shock", "lba=1", *EQUITY], "node 'lba' is not in the graph"),
        (["--model", "clearing", "--shock", "lab=1"], "needs --external-assets"),
        (["--model", "debtrank", "--shock", "lab=1", "--equity", "bank=60"], "not given for"),
        (["--model", "debtrank", "--shock", "lab=1", "--equity", "nofile.csv"], "not found"),
        (
            ["--model", "debtrank", "--shock", "lab=1", *EQUITY, "--totals", "t.parquet"],
            "--totals is for many",
        ),
    ],
)
def test_bad_stress_options_are_one_line_errors(claims, args, message, tmp_path):
    done = run("stress", claims, *args, cwd=tmp_path)
    assert done.returncode == 2, done.stdout
    assert message in done.stderr and done.stderr.count("\n") == 1, done.stderr


def test_builtin_data_say_what_contagion_lacks(tmp_path):
    done = run(
        "stress", "--builtin", "--model", "debtrank", "--shock", "OpenAI=1", "--equity", "Nvidia=1"
    )
    assert done.returncode == 2
    assert "unknown amount" in done.stderr and "--kinds" in done.stderr
    out = ok(run("report", "--out", str(tmp_path / "r")))
    section = out[out.index("Contagion: DebtRank and clearing") :]
    section = section[: section.index("What the data leaves unquantified")]
    assert max(len(line) for line in section.splitlines()) <= 100
    section = " ".join(section.split())  # the words, whatever the wrapping
    assert "h_i <- min(1, h_i + sum_j W_ij h_j)" in section  # the formulas, named
    assert "Eisenberg-Noe 2001" in section
    assert "OpenAI: h0 = 100% (100% unpaid)" in section
    # Nothing assumed: the unknown commitments and the missing capital are listed.
    assert "have no known amount" in section and "OpenAI -> Nvidia (commitment)" in section
    assert "equity (loss-absorbing capital) not given for" in section
    assert "assets outside the graph not given for" in section
    assert not (tmp_path / "r" / "debtrank.parquet").exists()


def test_report_computes_the_section_when_the_inputs_are_given(claims, tmp_path):
    equity = tmp_path / "equity.csv"
    equity.write_text("node,value\nbank,60\nchips,10\nlab,10\nfund,5\n")
    out = ok(
        run(
            "report",
            claims,
            "--unpaid",
            "lab=1",
            "--equity",
            str(equity),
            "--external-assets",
            "lab=12",
            "--external-assets",
            "chips=10",
            "--external-assets",
            "bank=1",
            "--out",
            str(tmp_path / "r"),
        )
    )
    section = out[out.index("Contagion: DebtRank and clearing") :]
    assert "R = " in section and "Not computed" not in section
    assert "node(s) cannot pay in full" in section
    table = pq.read_table(tmp_path / "r" / "debtrank.parquet")
    distress = dict(zip(table["node"].to_pylist(), table["distress"].to_pylist(), strict=True))
    # lab defaults: bank loses 30 of 60, chips 20 of 10; bank's distress then reaches chips
    # (a claim of 5 on bank), already wiped out.
    assert distress == {"bank": 0.5, "lab": 1.0, "fund": 0.0, "chips": 1.0}
    assert pa.types.is_boolean(pq.read_table(tmp_path / "r" / "clearing.parquet")["defaulted"].type)
