"""Fuzzing the inputs: random Arrow tables into from_arrow, mutated BODS statements into
from_bods, random and truncated files into the command line. Every outcome is a result or an
AIExposureError (on the command line: exit 2 and one line on stderr); never another
exception, a panic (InternalError), a hang. Bounded: the file runs in well under a minute."""

import copy
import datetime as dt
import decimal
import json
import math
import os
import warnings
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiexposure import AIExposureError, Graph, UnknownNodeError, cli

# AIEXPOSURE_FUZZ_SCALE=10 runs ten times the examples, with fresh random ones each run (a
# longer campaign than CI's); by default the examples are the same on every run.
SCALE = float(os.environ.get("AIEXPOSURE_FUZZ_SCALE", "1"))
FUZZ = settings(
    deadline=None,
    max_examples=int(120 * SCALE),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=SCALE == 1,
    database=None,
)


def scaled(examples: int) -> settings:
    return settings(FUZZ, max_examples=int(examples * SCALE))


BODS_DIR = Path(__file__).parent / "data" / "bods"

IDS = st.one_of(
    st.sampled_from(["A", "B", "C", " A", "A ", "", "\t", "é", "🙂", "0", "00", "None", "nan"]),
    st.text(max_size=4),
)
INTS = st.one_of(
    st.integers(-3, 5), st.sampled_from([0, 2**31, -(2**63), 2**63 - 1, 2**64 - 1, 2**53 + 1])
)
FLOATS = st.one_of(
    st.sampled_from(
        [0.0, -0.0, 0.5, 1.0, 1 + 1e-12, 1e-300, 5e-324, 1e300, math.inf, -math.inf, math.nan]
    ),
    st.floats(allow_nan=True, allow_infinity=True),
)
KINDS = st.sampled_from(["equity", "credit", "commitment", "Equity", "equty", "", " equity"])

# (Arrow type, strategy of its Python values)
TYPED = [
    (pa.string(), IDS),
    (pa.large_string(), IDS),
    (pa.string_view(), IDS),
    (pa.int64(), INTS.filter(lambda v: -(2**63) <= v < 2**63)),
    (pa.int8(), st.integers(-128, 127)),
    (pa.uint64(), st.integers(0, 2**64 - 1)),
    (pa.uint32(), st.integers(0, 2**32 - 1)),
    (pa.float64(), FLOATS),
    (pa.float32(), st.floats(width=32, allow_nan=True)),
    (pa.float16(), st.floats(width=16, allow_nan=False, allow_infinity=False)),
    (pa.bool_(), st.booleans()),
    (pa.binary(), st.binary(max_size=3)),
    (pa.date32(), st.dates(dt.date(1970, 1, 1), dt.date(2100, 1, 1))),
    (pa.timestamp("us"), st.datetimes(dt.datetime(1970, 1, 1), dt.datetime(2100, 1, 1))),
    (pa.decimal128(10, 3), st.decimals(-1000, 1000, places=3, allow_nan=False)),
    (pa.list_(pa.int64()), st.lists(st.integers(0, 3), max_size=2)),
    (pa.struct([("x", pa.int64())]), st.builds(lambda v: {"x": v}, st.integers(0, 3))),
    (pa.null(), st.none()),
]
ROLE_VALUES = {
    "source": IDS,
    "target": IDS,
    "kind": KINDS,
    "share": FLOATS,
    "amount": FLOATS,
    "share_min": FLOATS,
    "share_max": FLOATS,
    "share_min_exclusive": st.booleans(),
    "share_max_exclusive": st.booleans(),
}


@st.composite
def columns(draw, rows):
    """One column: a role's usual values in its usual type, or any type at all."""
    name = draw(st.sampled_from([*ROLE_VALUES, "extra"]))
    if name in ROLE_VALUES and draw(st.booleans()):
        floats = {n: pa.float64() for n in ("share", "amount", "share_min", "share_max")}
        flags = {n: pa.bool_() for n in ("share_min_exclusive", "share_max_exclusive")}
        type_ = {**floats, **flags}.get(name, pa.string())
        values_of = ROLE_VALUES[name]
    else:
        type_, values_of = draw(st.sampled_from(TYPED))
    values = draw(st.lists(st.one_of(st.none(), values_of), min_size=rows, max_size=rows))
    array = pa.array(values, type_)
    if draw(st.integers(0, 4)) == 0 and not pa.types.is_nested(type_) and len(array):
        try:
            array = array.dictionary_encode()
        except pa.ArrowNotImplementedError:
            pass
    return name, array


@st.composite
def tables(draw):
    rows = draw(st.integers(0, 8))
    cols = draw(st.lists(columns(rows), min_size=0, max_size=7))
    # Each role at least sometimes present, duplicates (two 'source' columns) allowed.
    if draw(st.booleans()):
        cols = [
            ("source", pa.array(draw(st.lists(IDS, min_size=rows, max_size=rows)))),
            ("target", pa.array(draw(st.lists(IDS, min_size=rows, max_size=rows)))),
            *cols,
        ]
    if not cols:
        return pa.table({})
    return pa.Table.from_arrays([a for _, a in cols], names=[n for n, _ in cols])


def _use(g: Graph) -> None:
    """Exercise a built graph; data errors (a closed cycle, say) are fine outcomes."""
    assert g.num_nodes == len(g.nodes)
    g.summary()
    g.edges()
    g.strongly_connected_components()
    g.simple_cycles(max_length=4, limit=100)
    for call in (
        lambda: g.integrated_ownership("walks"),
        lambda: g.integrated_ownership("ultimate"),
        lambda: g.integrated_ownership("simple_paths", max_depth=3),
        lambda: g.integrated_ownership("walks", threshold=0.01),
        lambda: (
            g.look_through(default={g.nodes[0].as_py(): 0.5}, legacy_columns=False)
            if len(g.nodes)
            else None
        ),
        lambda: g.circular_financing(),
        lambda: g.holdings_of(g.nodes[0].as_py()) if len(g.nodes) else None,
        lambda: g.stakes(legacy_columns=False),
        lambda: g.to_networkx(),
        lambda: g.with_shares(
            {
                (r["source"], r["target"]): 0.01
                for r in g.stakes(legacy_columns=False).to_pylist()[:2]
            }
        ),
    ):
        try:
            call()
        except AIExposureError:
            pass


def _outcome(build) -> Graph | AIExposureError:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            g = build()
        except AIExposureError as e:
            assert str(e).strip(), "an error must say what is wrong"
            return e
        _use(g)
        return g


@FUZZ
@given(tables())
def test_from_arrow_gives_a_graph_or_an_aiexposure_error(table):
    _outcome(lambda: Graph.from_arrow(table))


@FUZZ
@given(tables(), st.sampled_from(["polars", "pandas", "batches"]))
def test_from_arrow_through_other_frames(table, route):
    if route == "polars":
        pl = pytest.importorskip("polars")
        try:
            frame = pl.from_arrow(table)
        except Exception:  # polars cannot hold this table: nothing to feed
            return
    elif route == "pandas":
        try:
            frame = table.to_pandas()
        except (pa.ArrowException, ValueError, TypeError, NotImplementedError):
            return  # pandas cannot hold this table (a float16 dictionary, say)
    else:
        frame = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=2))
    _outcome(lambda: Graph.from_arrow(frame))


@FUZZ
@given(
    st.lists(st.one_of(st.none(), IDS, INTS, FLOATS, st.booleans()), max_size=6),
    st.sampled_from(["holdings_of", "exposure_to", "value_loss", "default"]),
)
def test_node_keys_give_a_result_or_unknown_node_error(keys, use):
    g = Graph.from_arrow(
        {"source": ["A", "B", "0"], "target": ["B", "C", "A"], "share": [0.5, 0.5, 0.1]}
    )
    gi = Graph.from_arrow({"source": [0, 1], "target": [1, 2], "share": [0.5, 0.5]})
    for graph in (g, gi):
        for key in keys:
            try:
                if use in ("holdings_of", "exposure_to"):
                    getattr(graph, use)(key)
                else:
                    graph.look_through(**{use: {key: 0.5}}, legacy_columns=False)
            except UnknownNodeError as e:
                assert e.nodes
            except AIExposureError:
                pass


def _statements() -> list[dict]:
    out = []
    for path in sorted(BODS_DIR.glob("*.json*")):
        try:
            text = path.read_text()
            data = (
                json.loads(text)
                if text.lstrip().startswith("[")
                else [json.loads(line) for line in text.splitlines() if line.strip()]
            )
        except json.JSONDecodeError:
            continue
        out.extend(s for s in data if isinstance(s, dict))
    return out


STATEMENTS = _statements()
JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=5),
        st.sampled_from(["2026-01-01", "2026-13-45", "x", "", "direct", "shareholding"]),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(), inner)),
    max_leaves=6,
)


def _paths(value, prefix=()):
    """Every (path, value) inside a JSON value, the root included."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


@st.composite
def mutated_statements(draw):
    picked = draw(
        st.lists(st.sampled_from(range(len(STATEMENTS))), min_size=0, max_size=8, unique=True)
    )
    statements = [copy.deepcopy(STATEMENTS[i]) for i in sorted(picked)]
    for _ in range(draw(st.integers(0, 4))):
        if not statements:
            break
        i = draw(st.integers(0, len(statements) - 1))
        paths = [p for p in _paths(statements[i]) if p]
        if not paths:
            continue
        path = draw(st.sampled_from(paths))
        parent = statements[i]
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON_VALUES)
    if draw(st.integers(0, 5)) == 0:
        statements.append(draw(JSON_VALUES))
    return statements


@FUZZ
@given(mutated_statements(), st.sampled_from(["min", "mid", "max"]))
def test_from_bods_gives_a_graph_or_an_aiexposure_error(statements, share_range):
    _outcome(lambda: Graph.from_bods(statements, share_range=share_range))


@FUZZ
@given(mutated_statements(), st.sampled_from([".json", ".jsonl"]), st.floats(0, 1))
def test_from_bods_files_truncated_anywhere(tmp_path, statements, suffix, keep):
    if suffix == ".json":
        text = json.dumps(statements, indent=1)
    else:
        text = "\n".join(json.dumps(s) for s in statements)
    data = text.encode()[: int(len(text.encode()) * keep)]
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    _outcome(lambda: Graph.from_bods(path))


def _write(table: pa.Table, path: Path) -> bool:
    """Write the table in the format of ``path``; False when that format cannot hold it."""
    try:
        if path.suffix == ".csv":
            pcsv.write_csv(table, path)
        elif path.suffix == ".parquet":
            pq.write_table(table, path)
        else:
            feather.write_feather(table, path)
    except (pa.ArrowException, ValueError, TypeError):
        return False
    return True


def _cli(capsys, argv: list[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = cli.main(argv)
    captured = capsys.readouterr()
    if code != 0:
        assert code == 2, f"exit {code} for {argv}: {captured.err}"
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("aiexposure: error: "), captured.err


@scaled(60)
@given(
    tables(),
    st.sampled_from([".csv", ".parquet", ".arrow"]),
    st.sampled_from([1.0, 1.0, 0.5, 0.0]),
    st.sampled_from(
        [
            ["cycles"],
            ["cycles", "--max-length", "3"],
            ["exposure"],
            ["exposure", "--method", "ultimate"],
            ["exposure", "--method", "simple_paths", "--max-depth", "2"],
            ["exposure", "--holder", "A"],
        ]
    ),
)
def test_cli_on_random_and_truncated_files(tmp_path, capsys, table, suffix, keep, command):
    path = tmp_path / f"edges{suffix}"
    if not _write(table, path):
        return
    if keep < 1:
        path.write_bytes(path.read_bytes()[: int(path.stat().st_size * keep)])
    _cli(capsys, [command[0], str(path), *command[1:]])


@scaled(15)
@given(tables(), st.sampled_from([".csv", ".parquet"]))
def test_report_on_random_files(tmp_path, capsys, table, suffix):
    path = tmp_path / f"edges{suffix}"
    if not _write(table, path):
        return
    _cli(capsys, ["report", str(path), "--out", str(tmp_path / "out")])


@scaled(30)
@given(mutated_statements())
def test_cli_on_mutated_bods_files(tmp_path, capsys, statements):
    path = tmp_path / "register.json"
    path.write_text(json.dumps(statements))
    _cli(capsys, ["cycles", str(path)])


def test_decimal_and_huge_values_are_refused_or_read():
    # Spot checks of what the fuzzing covers, kept as plain examples.
    table = pa.table(
        {
            "source": ["A"],
            "target": ["B"],
            "share": pa.array([decimal.Decimal("0.5")], pa.decimal128(5, 2)),
            "amount": [1e308],
        }
    )
    assert Graph.from_arrow(table).edges()["share"].to_pylist() == [decimal.Decimal("0.50")]


def test_integers_past_double_precision_in_number_columns():
    # Found by the fuzzing (through polars): a safe float cast raised a raw ArrowInvalid.
    table = pa.table({"source": ["A"], "target": ["B"], "share": pa.array([-(2**63)])})
    with pytest.raises(AIExposureError, match="zero or negative"):
        Graph.from_arrow(table)
    credit = {"source": ["A"], "target": ["B"], "kind": ["credit"], "amount": [2**62 + 1]}
    assert Graph.from_arrow(pa.table(credit)).summary()["kinds"]["credit"]["total_amount"] > 0
    shares = pa.array([0.5]).dictionary_encode()
    assert Graph.from_arrow(pa.table({"source": ["A"], "target": ["B"], "share": shares}))
