"""Graph.save / Graph.open (memory-mapped, no copy) and pickling through the same bytes:
results bit-equal to the built graph, bad files refused with a clear error, pages shared
between processes."""

import json
import operator
import os
import pickle
import subprocess
import sys
import textwrap
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_intervals import _build, interval_graphs

from aiexposure import Graph, SavedGraphError
from aiexposure.datasets import ai_funding_2026
from aiexposure.synthetic import investor_graph


def results(g):
    """Every kind of answer a graph gives, as tables (compared with ``equals``: same bits)."""
    loss = pa.table({"node": g.nodes, "value": np.linspace(1.0, 2.0, g.num_nodes)})
    out = {
        "edges": g.edges(),
        "stakes": g.stakes(legacy_columns=False),
        "node_table": g.node_table,
        "assumptions": g.assumptions,
        "look_through": g.look_through(value_loss=loss, legacy_columns=False),
        "walks": g.integrated_ownership("walks"),
        "ultimate": g.integrated_ownership("ultimate"),
        "scc": g.strongly_connected_components(),
        "cycles": g.simple_cycles(max_length=4),
    }
    cf = g.circular_financing()
    out.update({f"circular.{k}": v for k, v in vars(cf).items() if isinstance(v, pa.Table)})
    return out


def assert_same(a, b):
    ra, rb = results(a), results(b)
    assert ra.keys() == rb.keys()
    for key in ra:
        assert ra[key].equals(rb[key], check_metadata=True), key
    assert repr(a) == repr(b)
    assert a.nodes.equals(b.nodes) and a.nodes.type == b.nodes.type


def reopened(g, tmp_path, **save):
    path = tmp_path / "g.arrow"
    g.save(path, **save)
    return Graph.open(path)


def roundtrips(g, tmp_path):
    yield reopened(g, tmp_path)
    for protocol in (4, 5):
        yield pickle.loads(pickle.dumps(g, protocol=protocol))
    buffers = []
    data = pickle.dumps(g, protocol=5, buffer_callback=buffers.append)
    yield pickle.loads(data, buffers=buffers)  # out of band, as Dask and Ray ship it


def test_the_2026_graph_reopens_and_unpickles_to_the_same_answers(tmp_path):
    g = Graph.from_arrow(ai_funding_2026())
    assert g.has_interval_stakes
    for h in roundtrips(g, tmp_path):
        assert h.has_interval_stakes
        assert_same(g, h)


def test_pinned_shares_attributes_and_metadata_are_kept(tmp_path):
    table = pa.table(
        {
            "source": pa.array([10, 11, 12, 10], pa.int64()),
            "target": pa.array([11, 12, 10, 12], pa.int64()),
            "kind": ["equity", "equity", "equity", "commitment"],
            "share": [0.5, None, 0.3, None],
            "amount": [None, 2.0, None, 7.5],
            "note": ["a", "b", "c", "d"],
        }
    ).replace_schema_metadata({"origin": "test"})
    nodes = pa.table({"id": pa.array([12, 10, 11, 99]), "country": ["FR", "US", "DE", "JP"]})
    g = Graph.from_arrow(table, nodes=nodes).with_shares({(11, 12): 0.4})
    for h in roundtrips(g, tmp_path):
        assert_same(g, h)
        assert h.edges().schema.metadata == {b"origin": b"test"}
        assert h.assumptions.to_pylist() == [{"source": 11, "target": 12, "share": 0.4}]
        assert h.node_table.column("country").to_pylist() == ["FR", "US", "DE", "JP"]


@pytest.mark.parametrize("cross_holding", [0.0005, 0.01])
def test_synthetic_graphs_reopen_with_their_plan(tmp_path, cross_holding):
    g = Graph.from_arrow(investor_graph(3000, cross_holding=cross_holding, seed=3))
    path = tmp_path / "g.arrow"
    g.save(path)  # no plan built yet: none saved
    assert not Graph.open(path)._handle.core.has_plan
    g.save(path, plan=True)
    h = Graph.open(path)
    assert h._handle.core.has_plan
    assert_same(g, h)


@settings(max_examples=25, deadline=None)
@given(interval_graphs())
def test_random_interval_graphs_roundtrip(tmp_path_factory, case):
    n, rows, _, _ = case
    g = _build(n, rows)
    for h in roundtrips(g, tmp_path_factory.mktemp("g")):
        assert_same(g, h)


@settings(max_examples=15, deadline=None)
@given(
    st.lists(st.text(min_size=1, max_size=4), min_size=2, max_size=8, unique=True),
    st.data(),
)
def test_string_ids_roundtrip(tmp_path_factory, names, data):
    pairs = data.draw(
        st.lists(
            st.sampled_from([(a, b) for a in names for b in names if a != b]),
            max_size=10,
            unique=True,
        )
    )
    shares = [0.9 / len(names)] * len(pairs)
    table = {"source": [p[0] for p in pairs], "target": [p[1] for p in pairs], "share": shares}
    g = Graph.from_arrow(table, nodes=pa.array(names, pa.large_string()))
    for h in roundtrips(g, tmp_path_factory.mktemp("g")):
        assert_same(g, h)


def test_a_graph_crosses_a_process_pool():
    # methodcaller pickles by name: the child needs nothing from this test module.
    call = operator.methodcaller("look_through", value_loss={"OpenAI": 1e9}, legacy_columns=False)
    g = Graph.from_arrow(ai_funding_2026())
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        remote = pool.submit(call, g).result()
    assert remote.equals(call(g))


# Bad files and failed saves.


def test_open_refuses_what_save_did_not_write(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nowhere\.arrow"):
        Graph.open(tmp_path / "nowhere.arrow")
    text = tmp_path / "notes.txt"
    text.write_text("not arrow")
    with pytest.raises(SavedGraphError, match="not an Arrow IPC file"):
        Graph.open(text)
    edges = tmp_path / "edges.arrow"
    with pa.OSFile(str(edges), "wb") as f, pa.ipc.new_file(f, ai_funding_2026().schema) as w:
        w.write_table(ai_funding_2026())
    with pytest.raises(SavedGraphError, match=r"Graph\.from_arrow"):
        Graph.open(edges)


def _rewrite(path, edit):
    """Rewrites a saved graph with ``edit(columns, metadata)`` applied."""
    # Read into memory: overwriting a file that is mapped would pull the pages from under it.
    batch = pa.ipc.open_file(pa.py_buffer(path.read_bytes())).get_batch(0)
    columns = {n: batch.column(n) for n in batch.schema.names}
    meta = dict(batch.schema.metadata)
    edit(columns, meta)
    out = pa.record_batch(list(columns.values()), names=list(columns), metadata=meta)
    with pa.OSFile(str(path), "wb") as f, pa.ipc.new_file(f, out.schema) as w:
        w.write_batch(out)


def _binary(data: bytes) -> pa.Array:
    return pa.array([data], pa.large_binary())


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "g.arrow"
    Graph.from_arrow(investor_graph(500, seed=1)).save(path, plan=True)
    return path


def test_damaged_files_are_named_errors(saved):
    def edit_bytes(name, change):
        def edit(columns, meta):
            raw = bytearray(columns[name][0].as_py())
            change(raw)
            columns[name] = _binary(bytes(raw))

        return edit

    _rewrite(saved, edit_bytes("core.out_edges", lambda b: b.__setitem__(12, 7)))
    with pytest.raises(SavedGraphError, match="out_edges"):
        Graph.open(saved)


def test_truncated_arrays_and_files_are_errors(saved, tmp_path):
    size = os.path.getsize(saved)
    cut = tmp_path / "cut.arrow"
    cut.write_bytes(saved.read_bytes()[: size // 2])
    with pytest.raises(SavedGraphError, match="not an Arrow IPC file"):
        Graph.open(cut)
    _rewrite(
        saved,
        lambda c, m: c.__setitem__("core.in_edges", _binary(c["core.in_edges"][0].as_py()[:-8])),
    )
    with pytest.raises(SavedGraphError, match=r"in_edges.*expected"):
        Graph.open(saved)


def test_missing_arrays_and_labels_are_errors(saved):
    _rewrite(saved, lambda c, m: c.pop("core.plan.pos"))
    with pytest.raises(SavedGraphError, match=r"plan\.pos"):
        Graph.open(saved)


def test_labels_that_do_not_match_the_core_are_errors(saved):
    def fewer(columns, meta):
        labels = columns["nodes"].flatten()
        columns["nodes"] = pa.LargeListArray.from_arrays(pa.array([0, 3], pa.int64()), labels[:3])

    _rewrite(saved, fewer)
    with pytest.raises(SavedGraphError, match=r"3 node labels for \d+ nodes"):
        Graph.open(saved)


def test_another_format_version_is_refused(saved):
    def bump(columns, meta):
        meta[b"aiexposure.version"] = b"99"

    _rewrite(saved, bump)
    with pytest.raises(SavedGraphError, match=r"version 99.*save the graph again"):
        Graph.open(saved)


def test_numbers_are_checked_against_the_arrays(saved):
    def more_nodes(columns, meta):
        numbers = json.loads(meta[b"aiexposure.numbers"])
        numbers["num_nodes"] += 1
        meta[b"aiexposure.numbers"] = json.dumps(numbers).encode()

    _rewrite(saved, more_nodes)
    with pytest.raises(SavedGraphError, match="out_offsets"):
        Graph.open(saved)


def test_a_failed_save_leaves_nothing(tmp_path):
    g = Graph.from_arrow(ai_funding_2026())
    with pytest.raises(OSError):
        g.save(tmp_path / "no-such-dir" / "g.arrow")
    target = tmp_path / "g.arrow"
    target.write_bytes(b"old")
    g.save(target)
    assert Graph.open(target).num_nodes == g.num_nodes
    assert sorted(os.listdir(tmp_path)) == ["g.arrow"]


def test_saving_over_an_open_graph_leaves_it_whole(tmp_path):
    path = tmp_path / "g.arrow"
    g = Graph.from_arrow(investor_graph(2000, seed=4))
    g.save(path, plan=True)
    opened = Graph.open(path)
    before = results(opened)
    Graph.from_arrow(ai_funding_2026()).save(path)  # a new file under the name, not a rewrite
    after = results(opened)
    assert all(before[k].equals(after[k]) for k in before)
    assert Graph.open(path).num_nodes == 8


# Shared pages.

CHILD = textwrap.dedent(
    """
    import sys
    from aiexposure import Graph

    def anon_kb():
        for line in open("/proc/self/status"):
            if line.startswith("RssAnon:"):
                return int(line.split()[1])

    def shared_kb(path):
        # Pages of the file's mapping that another process maps too (dirty while the
        # file's fresh writes are not yet on disk).
        total, inside = 0, False
        for line in open("/proc/self/smaps"):
            if line[0] in "0123456789abcdef" and "-" in line.split()[0]:
                inside = line.rstrip().endswith(path)
            elif inside and line.startswith(("Shared_Clean:", "Shared_Dirty:")):
                total += int(line.split()[1])
        return total

    warm = Graph.open(sys.argv[2])  # imports and thread pool, outside the measure
    warm.exposure_to(warm.nodes[0].as_py())
    before = anon_kb()
    g = Graph.open(sys.argv[1])
    g.exposure_to(g.nodes[-1].as_py())
    print(anon_kb() - before, flush=True)
    sys.stdin.readline()  # both processes have the file open now
    print(shared_kb(sys.argv[1]), flush=True)
    sys.stdin.readline()
    """
)


@pytest.mark.skipif(not os.path.exists("/proc/self/smaps"), reason="reads /proc (Linux)")
def test_two_processes_share_the_pages_of_one_file(tmp_path):
    path, warm = tmp_path / "g.arrow", tmp_path / "warm.arrow"
    Graph.from_arrow(investor_graph(200_000, seed=2)).save(path, plan=True)
    Graph.from_arrow(investor_graph(50, seed=2)).save(warm, plan=True)
    size_kb = os.path.getsize(path) / 1024
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), str(warm)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        grown = [float(p.stdout.readline()) for p in procs]
        for p in procs:
            p.stdin.write("\n")
            p.stdin.flush()
        shared = [float(p.stdout.readline()) for p in procs]
    finally:
        for p in procs:
            p.communicate("\n", timeout=60)
    # Opening (the checks read every core array) copies nothing: private memory grows by
    # far less than the file, and most of the file's pages are mapped by both processes.
    assert all(g < 0.1 * size_kb for g in grown), (grown, size_kb)
    assert all(s > 0.5 * size_kb for s in shared), (shared, size_kb)
