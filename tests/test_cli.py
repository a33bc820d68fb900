"""The command line, through a subprocess as a user runs it."""

import subprocess

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import run_cli as run


def test_report_on_the_built_in_data_set(tmp_path):
    out = run("report", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "built-in data set" in out.stdout
    assert "equity" in out.stdout and "commitment" in out.stdout


def test_report_on_a_file(tmp_path):
    path = tmp_path / "edges.parquet"
    pq.write_table(
        pa.table(
            {
                "holder": ["A", "B", "A"],
                "issuer": ["B", "C", "C"],
                "pct": [0.5, 0.25, 0.25],
                "amount": [1e9, 2e6, None],
            }
        ),
        path,
    )
    out = run(
        "report",
        str(path),
        "--source",
        "holder",
        "--target",
        "issuer",
        "--share",
        "pct",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert "3 nodes, 3 edges" in out.stdout
    assert "$1.0B" in out.stdout


@pytest.mark.parametrize(
    "content, message",
    [(None, "file not found"), (b"not parquet at all", "cannot read")],
    ids=["missing", "malformed"],
)
def test_report_errors_are_one_line(tmp_path, content, message):
    path = tmp_path / "edges.parquet"
    if content is not None:
        path.write_bytes(content)
    out = run("report", str(path), cwd=tmp_path)
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aiexposure: error:")
    assert message in lines[0]


def test_invalid_graph_is_one_line(tmp_path):
    path = tmp_path / "edges.csv"
    path.write_text("source,target,share\nA,B,0.7\nC,B,0.6\n")
    out = run("report", str(path), cwd=tmp_path)
    assert out.returncode == 2
    assert "issuer 'B' sum to 1.3" in out.stderr
    assert "Traceback" not in out.stderr


def test_help_and_version():
    out = run("--help")
    assert out.returncode == 0 and "report" in out.stdout
    out = run("report", "--help")
    assert out.returncode == 0 and "--source" in out.stdout
    out = run("--version")
    assert out.returncode == 0 and out.stdout.startswith("aiexposure ")


def test_console_script_is_installed():
    import shutil

    exe = shutil.which("aiexposure")
    if exe is None:
        pytest.skip("console script not on PATH (package not installed with pip)")
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
