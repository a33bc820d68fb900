"""The Rust boundary keeps its promises: a panic anywhere is an InternalError (a RuntimeError,
never a ValueError), the command line reports it as a bug, and a forked child never hangs."""

import multiprocessing
import os
import subprocess
import sys

import pytest

import aiexposure
from aiexposure import Graph, InternalError, _core, cli
from aiexposure.synthetic import investor_graph

pytestmark = pytest.mark.skipif(os.name != "posix", reason="fork")


@pytest.mark.parametrize("where", ["work", "parallel", "shaping"])
def test_every_panic_is_an_internal_error(where):
    with pytest.raises(InternalError, match="deliberate panic") as info:
        _core._panic_for_test(where)
    assert isinstance(info.value, RuntimeError)
    assert not isinstance(info.value, ValueError)
    assert not isinstance(info.value, aiexposure.AIExposureError)
    assert "This is a bug" in str(info.value)
    assert _core._panic_for_test("none") >= 1  # the module keeps working


def test_except_value_error_does_not_hide_a_bug():
    with pytest.raises(InternalError):
        try:
            _core._panic_for_test()
        except ValueError:  # what a caller catching bad data writes
            pytest.fail("an InternalError was caught as a ValueError")


def test_cli_reports_an_internal_error_as_a_bug(monkeypatch, capsys, tmp_path):
    def broken(*args, **kwargs):
        _core._panic_for_test("shaping")

    monkeypatch.setattr(Graph, "simple_cycles", broken)
    path = tmp_path / "e.csv"
    path.write_text("source,target,share\nA,B,0.5\n")
    assert cli.main(["cycles", str(path)]) == cli.EX_SOFTWARE == 70
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert "InternalError" in err and "deliberate panic" in err
    assert "this is a bug in aiexposure" in err and "please report it" in err
    assert "aiexposure: error:" not in err  # not told as the user's mistake


def test_cli_reports_another_unexpected_exception_as_a_bug(monkeypatch, capsys, tmp_path):
    def broken(*args, **kwargs):
        raise TypeError("a bug of ours")

    monkeypatch.setattr(Graph, "simple_cycles", broken)
    path = tmp_path / "e.csv"
    path.write_text("source,target,share\nA,B,0.5\n")
    assert cli.main(["cycles", str(path)]) == 70
    err = capsys.readouterr().err
    assert "TypeError: a bug of ours" in err and "please report it" in err


def _parallel_work():
    edges = investor_graph(20_000, cross_holding=0.02, commitments=0.1, seed=3)
    g = Graph.from_arrow(edges)
    loss = g.look_through(value_loss={0: 1e9}, legacy_columns=False)["total_loss"].to_numpy()
    comps = g.strongly_connected_components()["component"].to_numpy()
    return float(loss.sum()), int(comps.max())


def _child(queue):
    queue.put(_parallel_work())


def test_a_process_forked_after_a_parallel_call_does_not_hang():
    assert _core.num_threads() >= 1
    expected = _parallel_work()  # the parent's pool is up and has worked
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child, args=(queue,))
    child.start()
    child.join(timeout=120)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail("the forked child hung in a parallel call")
    assert child.exitcode == 0
    assert queue.get(timeout=5) == expected
    assert _parallel_work() == expected  # and the parent's pool still works


def test_thread_count_follows_rayon_num_threads():
    code = "from aiexposure import _core; print(_core.num_threads())"
    env = dict(os.environ, RAYON_NUM_THREADS="3")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "3"
