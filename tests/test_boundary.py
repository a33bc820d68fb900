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


# --- errors by kind, results by name ------------------------------------------------------


def _columns():
    """Two equity edges 0 <-> 1 as the core's dense columns."""
    import numpy as np

    return (
        np.array([0, 1], dtype=np.uint32),
        np.array([1, 0], dtype=np.uint32),
        np.zeros(2, dtype=np.uint8),
        np.array([0.5, 0.5]),
        np.empty(0),
    )


def test_bad_data_from_the_core_names_its_row():
    import numpy as np

    src, dst, kind, share, amount = _columns()
    share = np.array([0.5, 1.5])
    with pytest.raises(aiexposure.InvalidGraphError, match=r"row 1 \(0-based\)") as info:
        _core.build_graph(2, src, dst, kind, share, amount, True)
    assert info.value.rows == [1]
    # Another reader names the row in its own words, from the same structured error.
    assert (
        info.value.located("statement s-7") == "statement s-7: equity share 1.5 is outside [0, 1]"
    )


def test_a_broken_contract_is_a_plain_value_error_not_bad_data():
    import numpy as np

    src, dst, kind, share, amount = _columns()
    with pytest.raises(ValueError, match=r"differ in length|items") as info:
        _core.build_graph(2, src, dst[:1], kind, share, amount, True)
    assert not isinstance(info.value, aiexposure.AIExposureError)
    core = _core.build_graph(2, src, dst, kind, share, amount, True)
    with pytest.raises(ValueError, match="value_loss has 3 entries") as info:
        _core.look_through(core, np.zeros(3), np.empty(0), 0.0)
    assert not isinstance(info.value, aiexposure.AIExposureError)


def test_results_cross_the_boundary_by_name():
    import numpy as np

    src, dst, kind, _, amount = _columns()
    core = _core.build_graph(2, src, dst, kind, np.array([0.5, 0.25]), amount, True)
    losses = _core.look_through(core, np.array([0.0, 8.0]), np.empty(0), 0.0)
    assert set(losses) == {"equity", "credit", "commitment", "direct", "total"}
    table = _core.integrated(core, "walks", 0.0)
    assert set(table) == {"holder", "issuer", "direct", "integrated", "bound"}
    keys = zip(table["holder"], table["issuer"], strict=True)
    pairs = dict(zip(keys, table["direct"], strict=True))
    assert pairs[(0, 1)] == 0.5 and pairs[(1, 0)] == 0.25


def test_the_csr_is_exported_once_and_read_only():
    g = Graph.from_arrow({"source": ["A", "B"], "target": ["B", "A"], "share": [0.5, 0.2]})
    c = g.csr()
    assert g.csr() is c  # cached: one export per graph
    with pytest.raises(ValueError, match="read-only"):
        c.share[0] = 0.9
    assert c.indptr.tolist() == [0, 1, 2] and c.sources.tolist() == [0, 1]
