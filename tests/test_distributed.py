"""Scenario batches and per-entity queries on a Dask cluster (aiexposure.distributed): on a
LocalCluster of two worker processes, every result is the in-process one bit for bit, for
look-through and each non-linear model, the graph given as a path and as an object (mapped or
shipped), a killed worker, files written per chunk, the command line, and bad inputs."""

import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ok, run_cli

from aiexposure import AIExposureError, Graph, UnknownNodeError, each

distributed = pytest.importorskip("distributed")
ad = pytest.importorskip("aiexposure.distributed")


@pytest.fixture(scope="module")
def client():
    with ad.local_client(workers=2) as c:
        yield c


def same_bits(a: pa.Table, b: pa.Table) -> None:
    """Same schema (metadata too), same rows, same bits in every float."""
    assert a.schema.equals(b.schema, check_metadata=True), (a.schema, b.schema)
    assert a.num_rows == b.num_rows
    for name in a.column_names:
        x, y = a[name].combine_chunks(), b[name].combine_chunks()
        if pa.types.is_floating(x.type):
            assert x.is_null().equals(y.is_null()), name
            bits = [np.asarray(v.fill_null(0.0)).view(np.uint64) for v in (x, y)]
            assert np.array_equal(*bits), name
        else:
            assert x.equals(y), name


def same_result(a, b) -> None:
    assert type(a) is type(b)
    same_bits(a.table, b.table)
    same_bits(a.totals, b.totals)
    if hasattr(a, "base"):
        same_bits(a.base.table, b.base.table)


def exposure_graph(n=1500, seed=1, ranged=0.1) -> Graph:
    """Equity with cross-holdings (``ranged`` of the stakes ranges), credit and commitment
    edges (some of unknown amount)."""
    rng = np.random.default_rng(seed)
    ranged_share = ranged
    src, dst, kind, share, lo, hi, amount = [], [], [], [], [], [], []
    for v in range(1, n):
        for u in {int(x) for x in rng.integers(0, n, 2)} - {v}:
            ranged = rng.random() < ranged_share
            src.append(u), dst.append(v), kind.append("equity"), amount.append(None)
            share.append(None if ranged else 0.2)
            lo.append(0.1 if ranged else None), hi.append(0.3 if ranged else None)
    for _ in range(n):
        a, b = (int(x) for x in rng.integers(0, n, 2))
        if a != b:
            src.append(a), dst.append(b), kind.append(str(rng.choice(["credit", "commitment"])))
            share.append(None), lo.append(None), hi.append(None)
            amount.append(None if a % 50 == 0 else float(rng.uniform(1, 9)))
    return Graph.from_arrow(
        {
            "source": src,
            "target": dst,
            "kind": kind,
            "share": pa.array(share, pa.float64()),
            "share_min": pa.array(lo, pa.float64()),
            "share_max": pa.array(hi, pa.float64()),
            "amount": pa.array(amount, pa.float64()),
        }
    )


def credit_graph(n=3000, m=12_000, seed=2):
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = src != dst
    g = Graph.from_arrow(
        {
            "source": src[keep],
            "target": dst[keep],
            "kind": pa.array(["credit"] * int(keep.sum())),
            "amount": rng.uniform(1, 10, int(keep.sum())),
        }
    )
    equity = pa.table({"node": g.nodes, "value": rng.uniform(5, 40, g.num_nodes)})
    return g, equity


def scenarios(g, count, per, seed=0, values=(0.0, 1.0)):
    rng = np.random.default_rng(seed)
    picks = [rng.choice(g.num_nodes, per, replace=False) for _ in range(count)]
    return pa.table(
        {
            "scenario": [f"s{k:03d}" for k in range(count) for _ in range(per)],
            "node": g.nodes.take(np.concatenate(picks)),
            "value": rng.uniform(*values, count * per),
        }
    )


@pytest.fixture(scope="module")
def exposure():
    return exposure_graph()


@pytest.fixture(scope="module")
def credit():
    return credit_graph()


def unknown_borrowers(g) -> list:
    """Nodes owing an amount the data do not give: their default has bounds 0 and +inf."""
    e = g.edges()
    unknown = pa.compute.and_(
        pa.compute.not_equal(e["kind"], "equity"), pa.compute.is_null(e["amount"])
    )
    return e.filter(unknown)["target"].unique().to_pylist()


@pytest.mark.parametrize("ranged", [0.0, 0.1])
def test_look_through_batches_are_the_in_process_ones(client, ranged):
    g = exposure_graph(ranged=ranged)
    losses = scenarios(g, 23, 5, values=(0, 1e9))
    # Defaults in some scenarios only, some on borrowers of unknown amount: with exact
    # stakes, those chunks have bounds columns and the others not, and the merged table is
    # the in-process one.
    unknown = unknown_borrowers(g)
    defaults = pa.table(
        {
            "scenario": ["s002", "s010", "s010", "extra"],
            "node": [unknown[0], g.nodes[7].as_py(), unknown[1], g.nodes[11].as_py()],
            "value": [0.5, 1.0, 0.25, 1.0],
        }
    )
    here = g.look_through(losses, defaults, legacy_columns=False)
    assert here.table.schema.metadata[b"aiexposure.unknown_amounts_hit"] == b"true"
    for chunk in (1, 4, 100):
        there = ad.run_scenarios(g, losses, default=defaults, client=client, chunk=chunk)
        same_result(there, here)
    # A mapping beside the table applies to every scenario, as in process.
    shared = {g.nodes[3].as_py(): 0.5}
    there = ad.run_scenarios(g, losses, default=shared, client=client, chunk=5)
    same_result(there, g.look_through(losses, shared, legacy_columns=False))


def test_look_through_each_default_and_totals_only(client, exposure):
    g = exposure
    picked = g.nodes.take([5, 9, 400, 1200]).to_pylist()
    here = g.look_through(default=each(picked, 0.5), legacy_columns=False)
    there = ad.run_scenarios(g, each(picked, 0.5), on="default", client=client, chunk=1)
    same_result(there, here)
    here = g.look_through(
        value_loss=scenarios(g, 9, 3, values=(0, 1e6)), detail=False, legacy_columns=False
    )
    there = ad.run_scenarios(
        g, scenarios(g, 9, 3, values=(0, 1e6)), client=client, chunk=2, detail=False
    )
    same_result(there, here)


@pytest.mark.parametrize("variant", ["single_hit", "linear", "nonlinear"])
def test_debtrank_batches_are_the_in_process_ones(client, credit, variant):
    g, equity = credit
    shocks = scenarios(g, 30, 4, seed=3)
    options = {"equity": equity, "variant": variant, "alpha": 0.5 if variant == "nonlinear" else 0}
    here = g.debtrank(shocks, **options)
    there = ad.run_scenarios(g, shocks, model="debtrank", client=client, chunk=7, **options)
    same_result(there, here)


def test_debtrank_each_over_every_node(client, credit):
    g, _ = credit
    small = Graph.from_arrow(g.edges().slice(0, 400))  # every node alone: keep it short
    eq = pa.table({"node": small.nodes, "value": np.full(small.num_nodes, 6.0)})
    here = small.debtrank("each", equity=eq)
    there = ad.run_scenarios(small, "each", model="debtrank", client=client, equity=eq)
    same_result(there, here)
    assert there.totals.num_rows == small.num_nodes


def test_furfine_and_clearing_batches_are_the_in_process_ones(client, credit):
    g, equity = credit
    failed = scenarios(g, 20, 3, seed=4).drop_columns(["value"])
    here = g.furfine(failed, equity=equity, lgd=0.6)
    there = ad.run_scenarios(
        g, failed, model="furfine", client=client, chunk=3, equity=equity, lgd=0.6
    )
    same_result(there, here)
    assets = pa.table({"node": g.nodes, "value": equity["value"].to_numpy() * 2})
    shocks = scenarios(g, 12, 5, seed=5)
    options = {"external_assets": assets, "alpha": 0.8, "beta": 0.9}
    here = g.clearing(shock=shocks, **options)
    there = ad.run_scenarios(g, shocks, model="clearing", client=client, chunk=5, **options)
    same_result(there, here)


def test_the_graph_as_a_saved_file_an_opened_graph_or_shipped_bytes(
    client, credit, tmp_path, monkeypatch
):
    from aiexposure import _cluster

    g, equity = credit
    shocks = scenarios(g, 10, 3, seed=6)
    here = g.debtrank(shocks, equity=equity)
    path = tmp_path / "g.arrow"
    g.save(path, plan=True)
    for source in (str(path), path, Graph.open(path)):
        there = ad.run_scenarios(source, shocks, model="debtrank", client=client, equity=equity)
        same_result(there, here)
    # A saved file's graph stays open on the workers for later calls, until released.
    assert any(n.startswith(_cluster.PREFIX) for n in ad.release(client))
    assert ad.release(client) == []
    # Workers elsewhere (no shared path): the bytes go once per worker, then are removed.
    monkeypatch.setattr(_cluster, "workers_local", lambda c: False)
    there = ad.run_scenarios(g, shocks, model="debtrank", client=client, chunk=2, equity=equity)
    same_result(there, here)
    # A graph object saved for the call in a shared directory, removed afterwards.
    shared = tmp_path / "shared"
    shared.mkdir()
    there = ad.run_scenarios(
        g, shocks, model="debtrank", client=client, equity=equity, shared_dir=shared
    )
    same_result(there, here)
    assert list(shared.iterdir()) == []
    assert ad.release(client) == []


def test_an_opened_graph_whose_file_was_replaced_is_not_mapped_from_it(tmp_path):
    g, _ = credit_graph(50, 100)
    path = tmp_path / "g.arrow"
    g.save(path)
    h = Graph.open(path)
    assert h.path == str(path.absolute())
    g.save(path)  # another file under the name: h is the old one's graph
    assert h.path is None


def test_chunks_written_to_parquet(client, exposure, tmp_path):
    g = exposure
    losses = scenarios(g, 11, 4, values=(0, 1e9))
    unknown_default = pa.table({"scenario": ["s004"], "node": g.nodes.take([0]), "value": [1.0]})
    here = g.look_through(losses, unknown_default, legacy_columns=False)
    out = tmp_path / "out"
    files = ad.run_scenarios(g, losses, default=unknown_default, client=client, chunk=3, out=out)
    assert isinstance(files, ad.ScenarioFiles)
    assert [os.path.basename(f) for f in files.files] == [f"part-{i:05d}.parquet" for i in range(4)]
    same_bits(files.read(), here.table)
    same_bits(files.totals, here.totals)
    same_bits(pq.read_table(out / "totals.parquet"), here.totals)
    with pytest.raises(FileExistsError, match="empty directory"):
        ad.run_scenarios(g, losses, client=client, out=out)


def test_queries_in_chunks_are_the_single_calls(client, exposure):
    g = exposure
    nodes = g.nodes.take([0, 17, 3, 900, 17]).to_pylist()
    t = ad.query(g, nodes, what="holdings_of", client=client, chunk=2)
    parts = [g.holdings_of(v) for v in nodes]
    assert t["holder"].to_pylist() == [
        v for v, p in zip(nodes, parts, strict=True) for _ in range(p.num_rows)
    ]
    same_bits(t.drop_columns(["holder"]), pa.concat_tables(parts))
    t = ad.query(g, nodes, what="exposure_to", client=client, chunk=3)
    parts = [g.exposure_to(v) for v in nodes]
    assert t.column_names[0] == "issuer"
    same_bits(t.drop_columns(["issuer"]), pa.concat_tables(parts))
    holders = g.nodes.take(list(range(0, 1500, 37))).to_pylist()
    t = ad.query(g, holders, what="control", client=client, chunk=4, threshold=0.3)
    same_bits(t, g.control(0.3, controllers=holders))
    t = ad.query(g, holders, what="significant_control", client=client, chunk=5)
    same_bits(t, g.significant_control(holders))


@pytest.mark.skipif(os.name != "posix", reason="kills a worker process with SIGKILL")
def test_a_killed_worker_is_replaced_and_the_result_is_complete():
    g, equity = credit_graph(60_000, 300_000, seed=7)
    shocks = scenarios(g, 160, 2, seed=8)
    here = g.debtrank(shocks, equity=equity)
    with ad.local_client(workers=2) as c:
        pids = c.run(os.getpid)
        state = {"killed": None, "finished": False}

        def kill_when_some_chunks_are_done():
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not state["finished"]:
                held = c.has_what()
                if sum(len(keys) for keys in held.values()) >= 3:
                    victim = max(held, key=lambda w: len(held[w]))  # it holds results
                    os.kill(pids[victim], signal.SIGKILL)
                    state["killed"] = (victim, not state["finished"])
                    return
                time.sleep(0.01)

        killer = threading.Thread(target=kill_when_some_chunks_are_done)
        killer.start()
        there = ad.run_scenarios(g, shocks, model="debtrank", client=c, chunk=2, equity=equity)
        state["finished"] = True
        killer.join()
        assert state["killed"] is not None and state["killed"][1], "no worker was killed mid-run"
        same_result(there, here)
        assert set(c.run(os.getpid).values()) != set(pids.values())  # a new worker process


def test_bad_inputs_are_named_before_or_by_the_workers(client, credit):
    g, equity = credit
    shocks = scenarios(g, 6, 2)
    with pytest.raises(AIExposureError, match="null scenario at row 3"):
        bad = shocks.set_column(0, "scenario", pa.array(["a", "a", "b", None, "c", "c"] * 2))
        ad.run_scenarios(g, bad, model="debtrank", client=client, equity=equity)
    with pytest.raises(AIExposureError, match="no value at row 9"):
        values = shocks["value"].to_pylist()
        values[9] = None
        bad = shocks.set_column(2, "value", pa.array(values, pa.float64()))
        ad.run_scenarios(g, bad, model="debtrank", client=client, equity=equity, chunk=1)
    with pytest.raises(UnknownNodeError, match="999999999"):
        bad = pa.table(
            {"scenario": ["a", "b"], "node": [g.nodes[0].as_py(), 999_999_999], "value": [0.1, 0.2]}
        )
        ad.run_scenarios(g, bad, model="debtrank", client=client, equity=equity, chunk=1)
    with pytest.raises(AIExposureError, match="names a node twice"):
        two = g.nodes[1].as_py()
        ad.run_scenarios(g, each([two, 5, two]), model="debtrank", client=client, equity=equity)
    with pytest.raises(AIExposureError, match=r"relative loss in \[0, 1\]"):
        ad.run_scenarios(g, each([1], 2.0), model="debtrank", client=client, equity=equity)
    with pytest.raises(AIExposureError, match="must be many"):
        ad.run_scenarios(
            g, {g.nodes[0].as_py(): 0.5}, model="debtrank", client=client, equity=equity
        )
    with pytest.raises(ValueError, match="model='pagerank'"):
        ad.run_scenarios(g, shocks, model="pagerank", client=client)
    with pytest.raises(ValueError, match="on='default'"):
        ad.run_scenarios(g, shocks, model="debtrank", on="default", client=client)
    with pytest.raises(TypeError, match=r"debtrank: .*equty"):
        ad.run_scenarios(g, shocks, model="debtrank", client=client, equty=equity)
    with pytest.raises(ValueError, match="chunk=0"):
        ad.run_scenarios(g, shocks, model="debtrank", client=client, equity=equity, chunk=0)
    with pytest.raises(TypeError, match="client must be"):
        ad.run_scenarios(g, shocks, model="debtrank", client=3, equity=equity)
    with pytest.raises(TypeError, match="graph must be a Graph"):
        ad.run_scenarios(g.edges(), shocks, model="debtrank", client=client, equity=equity)
    with pytest.raises(UnknownNodeError, match="999999999"):
        ad.query(g, [g.nodes[0].as_py(), 999_999_999], client=client)
    with pytest.raises(ValueError, match="what='owners'"):
        ad.query(g, [0], what="owners", client=client)


def test_no_client_is_a_clear_error():
    # In a process of its own: this module's cluster is the default client here.
    code = (
        "import aiexposure.distributed as ad\n"
        "from aiexposure import Graph\n"
        "g = Graph.from_arrow({'source': ['a'], 'target': ['b'], 'kind': ['credit'],"
        " 'amount': [1.0]})\n"
        "try:\n"
        "    ad.run_scenarios(g, 'each', model='debtrank', equity={'a': 1.0, 'b': 1.0})\n"
        "except ValueError as e:\n"
        "    print(e)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.startswith("no Dask client: create one"), done.stderr


def test_a_missing_file_on_the_workers_is_named(client, tmp_path):
    with pytest.raises(FileNotFoundError):
        ad.run_scenarios(tmp_path / "absent.arrow", "each", model="debtrank", client=client)


def test_stress_on_a_cluster_prints_and_writes_what_it_does_in_process(client, tmp_path):
    edges = tmp_path / "claims.csv"
    edges.write_text(
        "source,target,kind,share,amount\n"
        "bank,lab,credit,,30\nfund,bank,equity,0.5,\nlab,chips,commitment,,20\nchips,bank,credit,,5\n"
    )
    equity = ["--equity", "bank=60", "--equity", "chips=10", "--equity", "lab=10"]
    equity += ["--equity", "fund=100"]
    common = ["stress", str(edges), "--model", "debtrank", "--each", *equity]
    here = ok(run_cli(*common, "--out", str(tmp_path / "here.parquet")))
    there = ok(
        run_cli(*common, "--workers", "2", "--chunk", "1", "--out", str(tmp_path / "there.parquet"))
    )
    assert there.replace("there.parquet", "here.parquet") == here
    same_bits(pq.read_table(tmp_path / "there.parquet"), pq.read_table(tmp_path / "here.parquet"))
    # A saved graph file, to a running scheduler: the workers map the file.
    g = Graph.from_arrow(str(edges))
    g.save(tmp_path / "claims.arrow")
    remote = ok(
        run_cli(
            "stress",
            str(tmp_path / "claims.arrow"),
            "--model",
            "debtrank",
            "--each",
            *equity,
            "--scheduler",
            client.scheduler.address,
        )
    )
    assert remote.splitlines()[:3] == here.splitlines()[:3]
    ad.release(client)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--shock", "lab=1", "--workers", "2"], "--scenarios FILE or --each"),
        (["--each", "--workers", "2", "--scheduler", "tcp://x:1"], "not both"),
        (["--each", "--chunk", "3"], "--chunk is for a cluster"),
        (["--each", "--workers", "0"], "--workers N: at least 1"),
    ],
)
def test_bad_cluster_options_are_one_line_errors(tmp_path, extra, message):
    edges = tmp_path / "claims.csv"
    edges.write_text("source,target,kind,share,amount\nbank,lab,credit,,30\n")
    done = run_cli("stress", str(edges), "--model", "debtrank", "--equity", "bank=6", *extra)
    assert done.returncode == 2 and message in done.stderr, done.stderr


def test_a_task_keeps_freed_memory_while_it_runs_and_gives_it_back_after(monkeypatch):
    from aiexposure import _cluster

    calls = []

    class Libc:
        def mallopt(self, what, value):
            calls.append(("mallopt", what, value))
            return 1

        def malloc_trim(self, pad):
            calls.append(("trim", pad))
            return 1

    monkeypatch.setattr(_cluster, "_glibc", Libc)
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    with _cluster.workspace_kept(), _cluster.workspace_kept():  # two tasks of one worker
        assert calls == [
            ("mallopt", _cluster.M_MMAP_THRESHOLD, _cluster.KEPT_MMAP_THRESHOLD),
            ("mallopt", _cluster.M_TRIM_THRESHOLD, _cluster.KEPT_TRIM_THRESHOLD),
        ]
    assert calls[2:] == [
        ("mallopt", _cluster.M_TRIM_THRESHOLD, 65536),
        ("mallopt", _cluster.M_MMAP_THRESHOLD, _cluster.GLIBC_MMAP_THRESHOLD),
        ("trim", 0),
    ]
    calls.clear()
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_")  # a plain process: nothing changed
    with _cluster.workspace_kept():
        pass
    assert calls == []
