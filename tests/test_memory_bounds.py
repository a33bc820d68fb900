"""No call exhausts memory: the cycle search holds a node budget, exact ownership tables warn
before they grow past 10M rows, and the exposure command refuses one it cannot hold."""

import itertools
import warnings

import numpy as np
import pyarrow as pa
import pytest

from aiexposure import BoundWarning, Graph, LargeResultWarning, _size
from aiexposure.cli import main
from aiexposure.synthetic import investor_graph


def complete(n):
    pairs = [(u, v) for u, v in itertools.permutations(range(n), 2)]
    return Graph.from_arrow(
        {
            "source": [u for u, _ in pairs],
            "target": [v for _, v in pairs],
            "kind": ["credit"] * len(pairs),
            "amount": [1.0] * len(pairs),
        }
    )


@pytest.mark.parametrize("max_length", [None, 4])
def test_max_nodes_keeps_the_first_cycles_that_fit_and_says_so(max_length):
    g = complete(6)
    everything = g.simple_cycles(max_length=max_length)
    lengths = np.array(everything["length"].to_pylist())
    for max_nodes in [1, 5, 100, int(lengths.sum()) - 1]:
        keep = int(np.searchsorted(np.cumsum(lengths), max_nodes, side="right"))
        with pytest.warns(BoundWarning, match=f"max_nodes={max_nodes:,}"):
            cut = g.simple_cycles(max_length=max_length, max_nodes=max_nodes)
        assert cut.num_rows == keep
        assert cut.schema.metadata[b"aiexposure.truncated"] == b"true"
        assert cut.to_pylist() == everything.slice(0, keep).to_pylist()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        whole = g.simple_cycles(max_length=max_length, max_nodes=int(lengths.sum()))
    assert whole.equals(everything)
    assert whole.schema.metadata[b"aiexposure.truncated"] == b"false"


def test_limit_is_reported_when_it_cuts_first():
    g = complete(5)
    with pytest.warns(BoundWarning, match="limit=3") as caught:
        g.simple_cycles(limit=3, max_nodes=1000)
    assert not any("max_nodes" in str(w.message) for w in caught)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, None])
def test_bad_max_nodes(bad):
    with pytest.raises(ValueError, match="max_nodes must be an integer >= 1"):
        complete(3).simple_cycles(max_nodes=bad)


def test_a_large_component_with_long_cycles_stays_within_the_budget():
    # Cross-holdings put thousands of nodes in one component: cycles run to hundreds of
    # nodes, so a count limit alone would hold millions of node slots.
    g = Graph.from_arrow(investor_graph(5_000, cross_holding=0.02, commitments=0.1, seed=0))
    with pytest.warns(BoundWarning, match="max_nodes=200,000"):
        cut = g.simple_cycles(max_nodes=200_000)
    held = sum(cut["length"].to_pylist())
    assert 0 < held <= 200_000
    assert max(cut["length"].to_pylist()) > 20
    # The same prefix whatever the budget's timing: a second run gives the same table.
    with pytest.warns(BoundWarning):
        assert g.simple_cycles(max_nodes=200_000).equals(cut)


def test_cycles_command_says_max_nodes_cut(tmp_path, capsys):
    path = tmp_path / "c.parquet"
    import pyarrow.parquet as pq

    pq.write_table(pa.table(complete(5).edges()), path)
    assert main(["cycles", str(path), "--max-nodes", "10", "--show", "0"]) == 0
    assert "truncated at --max-nodes 10" in capsys.readouterr().out


def test_predicted_rows_match_the_exact_table():
    # Fewer holders than the sample: the prediction is the exact count of reachable pairs.
    edges = pa.table(
        {
            "source": ["P", "P", "A", "B", "C", "Q"],
            "target": ["A", "B", "C", "C", "D", "D"],
            "share": [0.5, 0.3, 0.4, 0.4, 0.2, 0.3],
        }
    )
    g = Graph.from_arrow(edges)
    # Fewer holders than the sample: the estimate is the exact count of reachable pairs.
    assert _size.sampled_rows(g._handle, "walks") == g.integrated_ownership().num_rows == 10
    assert _size.sampled_rows(g._handle, "simple_paths", max_depth=1) == 6
    assert (
        _size.predicted_rows(g._handle, "walks") == 5 * 4
    )  # holders x held issuers: small already


def test_predicted_rows_track_a_generated_graph():
    g = Graph.from_arrow(investor_graph(3_000, cross_holding=0.01, seed=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LargeResultWarning)
        actual = g.integrated_ownership().num_rows
    predicted = _size.predicted_rows(g._handle, "walks")
    assert predicted >= actual  # the holders x issuers bound when it is small
    assert 0.5 * actual < _size.sampled_rows(g._handle, "walks") < 2 * actual


def test_exact_table_warns_before_building_past_the_bar(monkeypatch):
    g = Graph.from_arrow(investor_graph(500, seed=1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rows = g.integrated_ownership().num_rows
        g.integrated_ownership(threshold=0.01)
    monkeypatch.setattr(_size, "WARN_ROWS", rows // 4)
    with pytest.warns(LargeResultWarning, match=r"threshold=0\) is predicted to build"):
        g.integrated_ownership()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g.integrated_ownership(threshold=0.01)  # sparse: no warning


def test_large_result_warning_is_a_user_warning():
    assert issubclass(LargeResultWarning, UserWarning)


def test_exposure_command_refuses_an_exact_table_past_20000_nodes(tmp_path, capsys):
    path = tmp_path / "big.parquet"
    assert main(["generate", str(path), "--nodes", "21000"]) == 0
    capsys.readouterr()
    assert main(["exposure", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "--threshold" in err and "nodes" in err
    assert main(["exposure", str(path), "--holder", "5", "--show", "1"]) == 0


def test_report_chooses_exact_tables_by_predicted_rows_not_nodes():
    import io

    from aiexposure import _report
    from aiexposure._progress import Progress
    from aiexposure._size import sampled_rows
    from aiexposure.synthetic import investor_graph

    # 3,000 nodes with cross-holdings: over two million walks rows, within the bar: built.
    g = Graph.from_arrow(investor_graph(3000, cross_holding=0.01, seed=0))
    report = _report.Report(g, "g", Progress(5, io.StringIO()), _report.Scenario())
    assert report.walks is not None and report.walks.num_rows > 1_000_000
    assert report.predicted_rows <= _report.OWNERSHIP_MAX_ROWS
    # A small graph whose tables the sample predicts past a lowered bar: skipped, said.
    small = Graph.from_arrow(investor_graph(300, cross_holding=0.01, seed=0))
    bar = sampled_rows(small._handle, "walks") // 2
    report = _report.Report(small, "g", Progress(5, io.StringIO()), _report.Scenario())
    assert report.walks is not None
    _report.OWNERSHIP_MAX_ROWS, saved = bar, _report.OWNERSHIP_MAX_ROWS
    try:
        report = _report.Report(small, "g", Progress(5, io.StringIO()), _report.Scenario())
        text = report.text()
    finally:
        _report.OWNERSHIP_MAX_ROWS = saved
    assert report.walks is None
    assert f"above {bar:,}" in text
