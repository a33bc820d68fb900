"""The ``aiexposure`` command line: ``report``, ``generate``, ``cycles``, ``exposure``,
``stress``, ``sanctions``, ``control``.

Errors in the input are one line on stderr (no traceback) and exit status 2; a bug of ours (an
``InternalError``, or any other unexpected exception) prints its traceback and a request for a
bug report, and exits 70 (EX_SOFTWARE). Long work shows a progress bar on a terminal and
nothing when stderr is piped.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import pyarrow as pa
import pyarrow.compute as pc

from . import _saved
from ._core import __version__
from ._progress import Progress
from .errors import AIExposureError, InternalError
from .graph import Graph

EX_SOFTWARE = 70  # sysexits.h: an internal software error
OUT_FORMATS = (".parquet", ".pq", ".arrow", ".feather", ".ipc", ".arrows", ".csv")
CYCLE_FORMATS = OUT_FORMATS[:-1]  # CSV has no list type for a cycle's nodes and kinds
OVERWRITE = "an existing file is overwritten"
FORMATS = ".parquet, .arrow, .feather, .ipc, .arrows, .csv; or BODS v0.4 .json / .jsonl"
BODS_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")
# `generate` options of the edge table, with their defaults: refused with --format bods.
GRAPH_ONLY = {
    "avg_degree": 3.5,
    "cross_holding": 0.01,
    "max_held": 0.9,
    "commitments": 0.0,
    "core": None,
}


def _check_out(out: str | None, formats: tuple[str, ...], what: str, option: str = "--out") -> None:
    """--out checked before any work: a known format that can hold the result, in a folder
    that exists (an existing file is overwritten)."""
    if out is None:
        return
    path = Path(out)
    if path.is_dir():
        raise ValueError(f"{option} {out} is a folder; give a file name ({', '.join(formats)})")
    if path.suffix.lower() not in formats:
        raise ValueError(
            f"{option} {out}: unsupported output type {path.suffix or '(none)'!r} for {what}; "
            f"use {', '.join(formats)}"
        )
    if not path.parent.is_dir():
        raise ValueError(
            f"{option} {out}: the folder {path.parent} does not exist; create it first"
        )


def _check_out_dir(out: str) -> None:
    """The report's folder: created if missing, in a folder that exists; its files are
    overwritten."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise ValueError(f"--out {out} is a file; the report needs a folder")
    if not path.exists() and not path.parent.is_dir():
        raise ValueError(f"--out {out}: the folder {path.parent} does not exist; create it first")


def _is_bods(path: Path) -> bool:
    return path.name.lower().endswith(BODS_SUFFIXES)


def _add_columns(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("columns of the edge table")
    for col, meaning in [
        ("source", "holder / lender / paying customer"),
        ("target", "issuer / borrower / supplier"),
        ("kind", "equity, credit or commitment; absent: all equity"),
        ("share", "fraction of target held, equity only"),
        ("amount", "money in currency units; absent: unknown"),
    ]:
        group.add_argument(
            f"--{col}",
            default=col,
            metavar="COLUMN",
            help=f"column of the {meaning} (default: {col})",
        )


def _load_file(args: argparse.Namespace) -> Graph:
    path = Path(args.edges)
    if not path.exists():
        raise FileNotFoundError(f"file not found: {path}")
    if _is_bods(path):
        return Graph.from_bods(path)
    if _saved.is_saved(path):
        return Graph.open(path)
    return Graph.from_arrow(
        path,
        source=args.source,
        target=args.target,
        kind=args.kind,
        share=args.share,
        amount=args.amount,
    )


def _filter_as_of(path: str, as_of: str, id_columns: tuple[str, str]) -> pa.Table:
    """An edge file's rows dated on or before ``as_of`` (needs a ``date`` column)."""
    from ._io import read_table

    day = _as_of(as_of)
    table = read_table(path, id_columns=id_columns)
    if "date" not in table.column_names:
        raise ValueError(f"--as-of needs a 'date' column in {path}; it has none")
    try:
        dates = pc.cast(table["date"], pa.date32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        raise ValueError(
            f"--as-of: the 'date' column of {path} does not hold YYYY-MM-DD dates ({e})"
        ) from e
    kept = table.filter(pc.fill_null(pc.less_equal(dates, pa.scalar(day)), True))
    if kept.num_rows == 0 and table.num_rows:
        raise ValueError(
            f"--as-of {as_of}: no row of {path} is dated on or before it (the first is dated "
            f"{pc.min(dates).as_py()}); pick a later date"
        )
    return kept


def _as_of(text: str) -> Any:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--as-of {text!r}: write the date as YYYY-MM-DD") from None


def _built_in(as_of: str | None) -> pa.Table:
    """The built-in deals known on ``as_of``, unknown stakes included; a clear error for a
    date before any deal."""
    from .datasets import ai_funding_2026, first_deal_date

    day = None if as_of is None else _as_of(as_of)
    edges = ai_funding_2026(as_of=day)
    if edges.num_rows == 0:
        raise ValueError(
            f"--as-of {as_of}: the built-in data set has no deal on or before it (the first is "
            f"dated {first_deal_date()}); pick a later date"
        )
    return edges


def report(args: argparse.Namespace) -> int:
    from . import _report as rp
    from . import _stress as st
    from . import _text as tx

    _check_out_dir(args.out)
    progress = Progress(8)
    node_types: dict[Any, str] = {}
    valuations: dict[Any, float] = {}
    unquantified = None
    with progress.step("loading the graph"):
        if args.edges is None:
            from .datasets import ai_funding_2026_nodes

            # Every deal, unknown stakes included: they are money edges and bounded stakes.
            edges = _built_in(args.as_of)
            as_of = args.as_of or "2026-02-27"
            name = f"built-in data set: 2026 AI funding, as of {as_of}"
            graph = Graph.from_arrow(edges)
            # Valuations known at the date only: a later one would shock a value not yet seen.
            for r in ai_funding_2026_nodes(as_of=args.as_of).to_pylist():
                node_types[r["name"]] = r["type"]
                if r["valuation_usd"] is not None:
                    valuations[r["name"]] = r["valuation_usd"]
        else:
            data: Any = Path(args.edges)
            if not data.exists():
                raise FileNotFoundError(f"file not found: {data}")
            when = f", as of {args.as_of}" if args.as_of else ""
            if _is_bods(data):
                # BODS statements carry their own dates: as_of is the register's state then.
                graph = Graph.from_bods(data, as_of=args.as_of)
                for r in graph.node_table.to_pylist():
                    node_types[r["node"]] = "unknown owner" if r["unknown"] else r["record_type"]
                name = f"BODS v0.4 statements: {args.edges}{when}"
            else:
                if args.as_of:
                    data = _filter_as_of(args.edges, args.as_of, (args.source, args.target))
                graph = Graph.from_arrow(
                    data,
                    source=args.source,
                    target=args.target,
                    kind=args.kind,
                    share=args.share,
                    amount=args.amount,
                )
                name = f"{args.edges}{when}"
    if args.stake:
        graph = graph.with_shares(rp.stakes(graph, args.stake))
    implied = rp.implied_valuations(graph)
    valuations = {**implied, **valuations}
    for text, value in st.assignments(args.valuation, "--valuation", 0, float("inf")).items():
        valuations[_node(graph, text, "--valuation")] = value
    shocks = st.assignments(args.shock, "--shock", 0, 1)
    unpaid = st.assignments(args.unpaid, "--unpaid", 0, 1)
    losses = st.assignments(args.value_loss, "--value-loss", 0, float("inf"))
    for option, given in (("--shock", shocks), ("--unpaid", unpaid), ("--value-loss", losses)):
        for text in given:
            _node(graph, text, option)  # a mistyped node: the nearest spelling suggested
    scenario = rp.scenario(
        graph, shocks, unpaid, valuations, builtin=args.edges is None, losses=losses
    )
    equity = st.node_values(graph, args.equity, "--equity") if args.equity else None
    external = (
        st.node_values(graph, args.external_assets, "--external-assets")
        if args.external_assets
        else None
    )
    result = rp.Report(
        graph,
        name,
        progress,
        scenario,
        unquantified,
        node_types,
        max_length=args.max_length,
        equity=equity,
        external_assets=external,
    )
    written = result.write(Path(args.out), progress)
    sys.stdout.write(result.text())
    sys.stdout.write(f"\nWritten to {args.out}/:\n")
    sys.stdout.write(tx.wrap(", ".join(p.name for p in written)) + "\n")
    return 0


def generate(args: argparse.Namespace) -> int:
    from ._io import write_table
    from .synthetic import investor_graph

    if args.format == "bods":
        return generate_register(args)
    if args.no_history or args.circular != 7.5e-5:
        raise ValueError("--no-history and --circular are options of --format bods")
    if _is_bods(Path(args.out)):
        raise ValueError(
            f"OUT {args.out}: a BODS file is written with --format bods (a synthetic register "
            "of --nodes companies); an edge table is one of " + ", ".join(OUT_FORMATS)
        )
    _check_out(args.out, OUT_FORMATS, "the edge table", option="OUT")
    progress = Progress(2)
    with progress.step(f"generating {args.nodes:,} nodes"):
        table = investor_graph(
            args.nodes,
            avg_degree=args.avg_degree,
            cross_holding=args.cross_holding,
            max_held=args.max_held,
            commitments=args.commitments,
            core=args.core,
            seed=args.seed,
        )
    with progress.step(f"writing {args.out}"):
        write_table(table, args.out)
    print(f"{table.num_rows:,} edges written to {args.out}")
    return 0


def generate_register(args: argparse.Namespace) -> int:
    from .synthetic import bods_register

    path = Path(args.out)
    if not _is_bods(path):
        raise ValueError(
            f"OUT {args.out}: --format bods writes BODS v0.4 statements; give a name ending in "
            + ", ".join(BODS_SUFFIXES)
        )
    ignored = [
        f"--{name.replace('_', '-')}"
        for name, default in GRAPH_ONLY.items()
        if getattr(args, name) != default
    ]
    if ignored:
        raise ValueError(f"{', '.join(ignored)}: options of the edge table, not of --format bods")
    progress = Progress(1)
    with progress.step(f"writing a register of {args.nodes:,} companies to {args.out}"):
        summary = bods_register(
            args.nodes,
            path,
            seed=args.seed,
            history=not args.no_history,
            circular=args.circular,
        )
    print(
        f"{summary.statements:,} BODS statements written to {args.out}: {summary.companies:,} "
        f"companies, {summary.persons:,} persons, {summary.foreign_entities:,} foreign "
        f"entities, {summary.relationships:,} relationships ({summary.unspecified:,} with an "
        f"undisclosed owner), {summary.updated:,} updates, {summary.closed:,} closures"
    )
    return 0


def _loaded(args: argparse.Namespace, formats: Any, what: str) -> tuple[Progress, Graph]:
    """The output path checked before any work, then the graph loaded: step 1 of 2."""
    _check_out(args.out, formats, what)
    progress = Progress(2)
    with progress.step("loading the graph"):
        graph = _load_file(args)
    return progress, graph


@contextmanager
def _bound_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """The BoundWarnings of the block, caught to be said in the command's own words."""
    from .errors import BoundWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", BoundWarning)
        yield caught


def cycles(args: argparse.Namespace) -> int:
    from . import _text as tx
    from .errors import BoundWarning

    what = "the cycles (their nodes and kinds are lists)"
    progress, graph = _loaded(args, CYCLE_FORMATS, what)
    with progress.step("finding cycles"), _bound_warnings() as caught:
        table = graph.simple_cycles(
            max_length=args.max_length,
            min_weight=args.min_weight,
            min_amount=args.min_amount,
            kinds=args.kinds,
            limit=args.limit,
            max_nodes=args.max_nodes,
        )
    cuts = [str(w.message) for w in caught if issubclass(w.category, BoundWarning)]
    cut = ""
    if any("max_nodes" in m for m in cuts):
        cut = f" — truncated at --max-nodes {args.max_nodes:,} (nodes held in all)"
    elif cuts:
        cut = f" — truncated at --limit {args.limit:,}"
    print(f"{table.num_rows:,} simple cycle(s){cut}")
    rows = [
        [
            " -> ".join(map(str, [*r["nodes"], r["nodes"][0]])),
            ", ".join(r["kinds"]),
            tx.money(r["bottleneck"]),
            tx.bounded(r, "weight", lambda w: "-" if w is None else f"{w:.4g}"),
        ]
        for r in table.slice(0, args.show).to_pylist()
    ]
    if rows:
        print(tx.table(["cycle", "kinds", "bottleneck", "weight"], rows))
    if args.out:
        from ._io import write_table

        write_table(table, args.out)
        print(f"written to {args.out}")
    return 0


def exposure(args: argparse.Namespace) -> int:
    from . import _text as tx
    from .errors import BoundWarning

    progress, graph = _loaded(args, OUT_FORMATS, "the table")
    with progress.step(f"solving ({args.method})"), _bound_warnings() as caught:
        holder = None if args.holder is None else _node(graph, args.holder, "--holder")
        issuer = None if args.issuer is None else _node(graph, args.issuer, "--issuer")
        table = _ownership(graph, args, holder, issuer)
    above = f", pairs above {args.threshold:g}" if args.threshold > 0 else ""
    print(f"{table.num_rows:,} row(s), convention: {args.method}{above}")
    if any(issubclass(w.category, BoundWarning) for w in caught):
        print("note: --max-depth or --min-weight cut some chains off: values are lower bounds")
    bounded = "integrated_max" in table.column_names
    if args.method == "ultimate" and issuer is not None and holder is None and not bounded:
        total = pc.sum(table["integrated"]).as_py() or 0.0
        print(f"owners of {issuer} in all (free float included): {tx.percent(total)}")
    top = _named_first(table).slice(0, args.show).to_pylist()
    if top:
        values = {f"{c}{end}" for c in ("direct", "integrated") for end in ("", "_min", "_max")}
        names = [c for c in table.column_names if c not in values]
        rows = [
            [
                *("free float" if r[c] is None else str(r[c]) for c in names),
                tx.bounded(r, "direct", tx.percent),
                tx.bounded(r, "integrated", tx.percent),
            ]
            for r in top
        ]
        print(tx.table([*names, "direct", "integrated"], rows))
        if bounded:
            from ._report import BOUNDS_NOTE

            print(tx.wrap(BOUNDS_NOTE))
    shown_free = sum(r.get("holder", 0) is None for r in top)
    if "holder" in table.column_names and table["holder"].null_count > shown_free:
        free_rows = table.filter(pc.is_null(table["holder"]))
        free = free_rows["integrated"]
        low = pc.min(free_rows["integrated_min" if bounded else "integrated"])
        high = pc.max(free_rows["integrated_max" if bounded else "integrated"])
        print(
            f"free float (held by nobody in the data): {len(free):,} rows, "
            f"{tx.percent(low.as_py())} to {tx.percent(high.as_py())}; all in --out"
        )
    if args.out:
        from ._io import write_table

        write_table(table, args.out)
        print(f"written to {args.out}")
    return 0


def _file_or_builtin(args: argparse.Namespace, progress: Progress) -> Graph:
    """The graph of FILE, or of the built-in data with --builtin (exactly one of them)."""
    with progress.step("loading the graph"):
        return Graph.from_arrow(_built_in(None)) if args.builtin else _load_file(args)


def _check_file_or_builtin(args: argparse.Namespace) -> None:
    if (args.edges is None) == (not args.builtin):
        raise ValueError("give an edge FILE or --builtin (one of them)")


def _write_out(table: pa.Table, out: str | None) -> None:
    if out:
        from ._io import write_table

        write_table(table, out)
        print(f"written to {out}")


def stress(args: argparse.Namespace) -> int:
    from . import _stress as st
    from . import _text as tx
    from ._scenarios import each

    _check_file_or_builtin(args)
    chosen = [o for o, v in (("--shock", args.shock), ("--scenarios", args.scenarios)) if v]
    chosen += ["--each"] if args.each else []
    if len(chosen) != 1:
        raise ValueError(
            "give one of --shock NODE=FRACTION, --scenarios FILE or --each"
            + (f" (not {' and '.join(chosen)})" if chosen else "")
        )
    _check_out(args.out, OUT_FORMATS, "the table")
    _check_out(args.totals, OUT_FORMATS, "the totals", "--totals")
    _check_cluster(args)
    progress = Progress(2)
    graph = _file_or_builtin(args, progress)
    if args.shock:
        hi = 1.0
        shock: Any = {
            _node(graph, k, "--shock"): v
            for k, v in st.assignments(args.shock, "--shock", 0, hi).items()
        }
        if args.model == "furfine":
            if any(v != 1.0 for v in shock.values()):
                raise ValueError("--model furfine: --shock NODE=1 (the node fails in round 0)")
            shock = list(shock)
    elif args.scenarios:
        from ._io import read_table

        if not Path(args.scenarios).exists():
            raise FileNotFoundError(f"--scenarios {args.scenarios}: file not found")
        shock = read_table(args.scenarios, "scenarios table", id_columns=("node", "scenario"))
        if pa.types.is_integer(graph.nodes.type) and pa.types.is_string(shock["node"].type):
            shock = shock.set_column(
                shock.column_names.index("node"), "node", shock["node"].cast(graph.nodes.type)
            )
    else:
        shock = each()
    kinds = args.kinds or ["credit", "commitment"]
    with progress.step(f"running {args.model}"):
        result = _run_model(graph, args, shock, kinds)
    many = hasattr(result, "totals")
    if many:
        print(f"{result.totals.num_rows:,} scenario(s), {result.table.num_rows:,} row(s)")
        print(tx.table(tx.headers(result.totals.column_names), _rows(result.totals, args.show)))
    else:
        print(_summary(args.model, result))
        shown = _interesting(args.model, result.table)
        print(tx.table(tx.headers(shown.column_names), _rows(shown, args.show)))
    if args.totals and not many:
        raise ValueError("--totals is for many scenarios (--scenarios or --each)")
    _write_out(result.table, args.out)
    if args.totals:
        _write_out(result.totals, args.totals)
    return 0


def _check_cluster(args: argparse.Namespace) -> None:
    if args.scheduler is not None and args.workers is not None:
        raise ValueError("give --scheduler ADDRESS or --workers N, not both")
    for option, value in (("--workers", args.workers), ("--chunk", args.chunk)):
        if value == 0:
            raise ValueError(f"{option} N: at least 1")
    if args.scheduler is None and args.workers is None:
        if args.chunk is not None:
            raise ValueError("--chunk is for a cluster: give --scheduler or --workers too")
        return
    if args.shock:
        raise ValueError(
            "--scheduler / --workers run many scenarios: give --scenarios FILE or --each "
            "(one --shock runs here)"
        )
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ValueError(
            "--scheduler / --workers need Dask: pip install 'aiexposure[dask]'"
        ) from None


def control(args: argparse.Namespace) -> int:
    from . import _text as tx

    _check_file_or_builtin(args)
    if args.ultimate and args.controller:
        raise ValueError("--ultimate looks at every controller; leave out --controller")
    _check_out(args.out, CYCLE_FORMATS, "the table (lists)")
    progress = Progress(2)
    graph = _file_or_builtin(args, progress)
    controllers = (
        None if not args.controller else [_node(graph, v, "--controller") for v in args.controller]
    )
    strict = not args.at_least
    with progress.step("solving control"):
        if args.ultimate:
            table = graph.ultimate_controllers(args.threshold, strict=strict)
        else:
            table = graph.control(args.threshold, strict=strict, controllers=controllers)
    rule = f"{'more than' if strict else 'at least'} {tx.percent(args.threshold, 0)}"
    if table.num_rows == 0:
        print(f"nobody controls anybody ({rule}, through controlled companies)")
    elif args.ultimate:
        print(f"{table.num_rows:,} (node, ultimate controlling group) pair(s), {rule}")
        rows = [[str(r["node"]), ", ".join(map(str, r["group"]))] for r in table.to_pylist()]
        print(tx.table(["node", "ultimate controllers"], rows[: args.show]))
    else:
        print(f"{table.num_rows:,} control pair(s), {rule}, through controlled companies")
        rows = []
        for r in table.slice(0, args.show).to_pylist():
            share = tx.percent(r["held"]) if "held" in r else tx.bounded(r, "held", tx.percent)
            rows.append([str(r["controller"]), str(r["controlled"]), share, r.get("status", "")])
        print(tx.table(["controller", "controlled", "held", ""], rows))
    _write_out(table, args.out)
    return 0


def sanctions(args: argparse.Namespace) -> int:
    from . import _text as tx

    _check_file_or_builtin(args)
    _check_out(args.out, CYCLE_FORMATS, "the table (its listed column is a list)")
    progress = Progress(2)
    graph = _file_or_builtin(args, progress)
    listed = [_node(graph, v, "--listed") for v in args.listed]
    with progress.step("applying the ownership rule"):
        table = graph.blocked(listed, regime=args.regime)
        others = (
            {r: graph.blocked(listed, regime=r) for r in ("ofac", "eu", "eu_2023", "uk")}
            if args.compare
            else {}
        )
    rule = table.schema.metadata[b"aiexposure.rule"].decode()
    source = table.schema.metadata[b"aiexposure.source"].decode()
    print(tx.wrap(f"{args.regime}: {source} ({rule})", indent=0))
    print(f"{table.num_rows:,} entit{'y' if table.num_rows == 1 else 'ies'} blocked or possibly so")
    held = "held" if "held" in table.column_names else None
    rows = []
    for r in table.slice(0, args.show).to_pylist():
        share = tx.percent(r["held"]) if held else tx.bounded(r, "held", tx.percent)
        rows.append([str(r["node"]), r["status"], share, ", ".join(map(str, r["listed"]))])
    if rows:
        print(tx.table(["node", "status", "held", "listed behind it"], rows))
    if others:
        status = {
            name: dict(zip(t["node"].to_pylist(), t["status"].to_pylist(), strict=True))
            for name, t in others.items()
        }
        nodes = sorted({v for s in status.values() for v in s}, key=str)
        side = [[str(v), *(status[name].get(v, "-") for name in status)] for v in nodes]
        print("every regime side by side:")
        print(tx.table(["node", *status], side[: args.show]) if side else "  nobody blocked")
    _write_out(table, args.out)
    return 0


def _run_model(graph: Graph, args: argparse.Namespace, shock: Any, kinds: list[str]) -> Any:
    """The model's result, in process, or on a Dask cluster with --scheduler / --workers."""
    options = _model_options(graph, args, kinds)
    if args.scheduler is None and args.workers is None:
        return getattr(graph, args.model)(shock=shock, **options)
    from . import distributed as ad

    # A saved graph goes to the workers as its path (they map it), any other as the object.
    source: Any = graph.path if args.scheduler and graph.path else graph
    run = {"model": args.model, "chunk": args.chunk, **options}
    if args.scheduler:
        return ad.run_scenarios(source, shock, client=args.scheduler, **run)
    with ad.local_client(args.workers) as client:
        return ad.run_scenarios(source, shock, client=client, **run)


def _model_options(graph: Graph, args: argparse.Namespace, kinds: list[str]) -> dict[str, Any]:
    from . import _stress as st

    def values(items: list[str] | None, option: str, required: bool) -> Any:
        if not items:
            if required:
                raise ValueError(
                    f"--model {args.model} needs {option} NODE=USD (repeatable) or a file with "
                    "columns node, value: no default is assumed"
                )
            return None
        return st.node_values(graph, items, option)

    if args.model == "debtrank":
        return {
            "equity": values(args.equity, "--equity", True),
            "variant": args.variant,
            "alpha": args.alpha if args.alpha is not None else 0.0,
            "kinds": kinds,
        }
    if args.model == "furfine":
        return {
            "equity": values(args.equity, "--equity", True),
            "lgd": args.lgd,
            "at_threshold": args.at_threshold,
            "kinds": kinds,
        }
    return {
        "external_assets": values(args.external_assets, "--external-assets", True),
        "external_liabilities": values(args.external_liabilities, "--external-liabilities", False),
        "alpha": args.alpha if args.alpha is not None else 1.0,
        "beta": args.beta,
        "priority": args.priority,
        "kinds": kinds,
    }


def _summary(model: str, result: Any) -> str:
    from . import _text as tx

    if model == "debtrank":
        hit = int((result.table["distress"].to_numpy() > 0).sum())
        return (
            f"DebtRank: R = {tx.percent(result.relative_loss)} (equity-weighted loss added by "
            f"the cascade), {hit:,} node(s) distressed, {result.rounds} round(s)"
        )
    if model == "furfine":
        failed = result.table["round"].is_valid().to_numpy(zero_copy_only=False).sum()
        return f"Furfine: {int(failed):,} node(s) failed in {result.rounds} round(s) after round 0"
    defaulted = int(result.table["defaulted"].to_numpy(zero_copy_only=False).sum())
    return f"clearing: {defaulted:,} node(s) cannot pay in full, {result.rounds} round(s)"


def _interesting(model: str, table: pa.Table) -> pa.Table:
    """A single run's rows worth printing, worst first."""
    if model == "debtrank":
        t = table.filter(pc.greater(table["distress"], 0))
        return t.sort_by([("distress", "descending")])
    if model == "furfine":
        return table.filter(pc.is_valid(table["round"])).sort_by("round")
    t = table.filter(pc.greater(table["obligation"], 0))
    return t.sort_by([("recovery", "ascending")])


def _rows(table: pa.Table, count: int) -> list[list[str]]:
    from . import _text as tx

    out = []
    for r in table.slice(0, count).to_pylist():
        out.append([tx.cell(f"{v:.6g}" if isinstance(v, float) else v) for v in r.values()])
    return out


def _node(graph: Graph, text: str, option: str) -> Any:
    """The node an option names; the nearest spelling suggested when it is not in the graph."""

    from . import _stress as st

    return st.node_label(graph, text, option)


def _ownership(graph: Graph, args: argparse.Namespace, holder: Any, issuer: Any) -> pa.Table:
    """The ownership table under ``--method`` and ``--threshold``, restricted to one holder
    and/or one issuer: walks by one solve of that line, the other conventions by their table."""
    if args.method == "walks" and (holder is None) != (issuer is None):
        line = graph.holdings_of(holder) if holder is not None else graph.exposure_to(issuer)
        # Pairs whose upper bound passes, when the stakes are intervals.
        value = "integrated_max" if "integrated_max" in line.column_names else "integrated"
        return line.filter(pc.greater(line[value], args.threshold))
    _check_exact_size(graph, args.threshold)
    table = graph.integrated_ownership(
        method=args.method,
        threshold=args.threshold,
        max_depth=args.max_depth,
        min_weight=args.min_weight,
    )
    for column, node in (("holder", holder), ("issuer", issuer)):
        if node is not None:
            table = table.filter(pc.equal(table[column], node)).drop_columns(column)
    return table


def _named_first(table: pa.Table) -> pa.Table:
    """Largest first (by the upper bound, when bounded), named owners before the free float
    (a null holder)."""
    value = "integrated_max" if "integrated_max" in table.column_names else "integrated"
    keys = [(value, "descending")]
    if "holder" in table.column_names:
        table = table.append_column("free float", pc.is_null(table["holder"]))
        keys.insert(0, ("free float", "ascending"))
    return table.sort_by(keys).drop_columns([c for c in ["free float"] if c in table.column_names])


EXACT_NODES = 20_000  # above it an exact ownership table does not fit in memory


def _check_exact_size(graph: Graph, threshold: float) -> None:
    if threshold == 0 and graph.num_nodes > EXACT_NODES:
        raise ValueError(
            f"the graph has {graph.num_nodes:,} nodes, too many for an exact ownership table "
            f"(above {EXACT_NODES:,}): pass --threshold (e.g. --threshold 0.01) for a sparse "
            "one, or --holder NODE / --issuer NODE for one line"
        )


class _Parser(argparse.ArgumentParser):
    """Usage errors as every other error: one line on stderr, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"aiexposure: error: {message} (see aiexposure {self._command()} --help)\n")

    def _command(self) -> str:
        return " ".join(self.prog.split()[1:2]) or ""


def _whole_below(limit: int, text: str) -> int:
    """A whole number in [0, limit)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value < limit:
        raise argparse.ArgumentTypeError(f"{text} is out of range (0 to {limit - 1:,})")
    return value


def _count(text: str) -> int:
    """A whole number option: 0 up to 2**63 - 1 (what the core's counters hold)."""
    return _whole_below(2**63, text)


def _seed(text: str) -> int:
    """A seed: 0 up to 2**64 - 1."""
    return _whole_below(2**64, text)


def _number(text: str) -> float:
    """A finite number option (inf, nan and 1e999 are refused here, not deep in a solver)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text} is not a finite number")
    return value


def _kinds(text: str) -> list[str]:
    """--kinds equity,credit: one argument, so that it cannot swallow the FILE after it."""
    from ._vocabulary import KINDS

    out = []
    for kind in filter(None, (k.strip() for k in text.split(","))):
        if kind not in KINDS:
            raise argparse.ArgumentTypeError(
                f"unknown kind {kind!r}{_did_you_mean(kind, KINDS)}; kinds are {', '.join(KINDS)}"
            )
        out.append(kind)
    if not out:
        raise argparse.ArgumentTypeError(f"give some of {', '.join(KINDS)}")
    return out


def _did_you_mean(text: str, choices: Any) -> str:
    import difflib

    lowered = {str(c).lower(): c for c in choices}
    found = difflib.get_close_matches(text.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {lowered[found[0]]!r}?)" if found else ""


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="aiexposure",
        description="Ownership-weighted exposure and circular financing over investor graphs.",
    )
    parser.add_argument("--version", action="version", version=f"aiexposure {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    rep = commands.add_parser(
        "report",
        help="the full report (default: the built-in 2026 AI-funding data set)",
        description="The graph in numbers, its money cycles and round-trip ratios, who owns "
        "what of whom (integrated and ultimate), the look-through loss of a scenario and what "
        "the data leaves unquantified; printed, and written to --out as exposures.parquet, "
        "cycles.parquet, ownership.parquet, round_trips.parquet and graph.png (and "
        "debtrank.parquet, clearing.parquet when their inputs are given).",
    )
    rep.add_argument(
        "edges",
        nargs="?",
        metavar="EDGES",
        help=f"edge table file ({FORMATS}); default: the built-in 2026 AI-funding data set",
    )
    rep.add_argument(
        "--as-of",
        metavar="DATE",
        help="only deals dated on or before DATE (YYYY-MM-DD; a file needs a 'date' column); "
        "built-in default 2026-02-27",
    )
    rep.add_argument(
        "--shock",
        action="append",
        metavar="NODE=FRACTION",
        help="NODE's equity value falls by FRACTION (0-1) of its valuation: value_loss = "
        "FRACTION x valuation, in USD; repeatable. Default on the built-in data: OpenAI=0.5 "
        "with --unpaid OpenAI=1",
    )
    rep.add_argument(
        "--value-loss",
        action="append",
        metavar="NODE=USD",
        help="NODE's equity value falls by USD: Graph.look_through's value_loss, as given; "
        "repeatable",
    )
    rep.add_argument(
        "--unpaid",
        action="append",
        metavar="NODE=FRACTION",
        help="NODE leaves FRACTION (0-1) of its commitments and debts unpaid; repeatable",
    )
    rep.add_argument(
        "--stake",
        action="append",
        metavar="SRC:DST=FRACTION",
        help="assume SRC holds FRACTION (0-1] of DST, for a what-if (the data's range or "
        "unknown is replaced; the report lists every assumption); repeatable",
    )
    rep.add_argument(
        "--valuation",
        action="append",
        metavar="NODE=USD",
        help="NODE's valuation for --shock, when the data implies none (amount / share)",
    )
    rep.add_argument(
        "--equity",
        action="append",
        metavar="NODE=USD|FILE",
        help="NODE's equity (loss-absorbing capital) for DebtRank, repeatable; or one file "
        "with columns node, value. The built-in data give none: DebtRank says what it lacks",
    )
    rep.add_argument(
        "--external-assets",
        action="append",
        metavar="NODE=USD|FILE",
        help="NODE's assets outside the graph for clearing, repeatable; or one file (node, value)",
    )
    rep.add_argument(
        "--max-length",
        type=_count,
        metavar="N",
        help="longest money cycle searched (default: none up to 1,000 nodes, else 6)",
    )
    rep.add_argument(
        "--out",
        default="aiexposure-report",
        metavar="DIR",
        help="folder for the Parquet files and graph.png, created if missing; files in it are "
        "overwritten (default: ./aiexposure-report/)",
    )
    _add_columns(rep)
    rep.set_defaults(run=report)

    gen = commands.add_parser(
        "generate",
        help="write a reproducible synthetic investor graph or BODS register",
        description="Write a synthetic investor graph (heavy-tailed holders, shares per "
        "issuer capped, cross-holdings, optional commitments) as an edge table; or, with "
        "--format bods, a synthetic register of beneficial ownership shaped like the UK PSC "
        "register as BODS v0.4 statements (docs/bods.md).",
    )
    gen.add_argument(
        "out",
        metavar="OUT",
        help=f"output file ({', '.join(OUT_FORMATS)}; with --format bods "
        f"{', '.join(BODS_SUFFIXES)}; {OVERWRITE})",
    )
    gen.add_argument(
        "--format",
        choices=["edges", "bods"],
        default="edges",
        help="edges: an edge table (the default); bods: a BODS v0.4 register",
    )
    gen.add_argument(
        "--nodes",
        type=_count,
        default=100_000,
        help="number of nodes; with --format bods, of companies (100000)",
    )
    gen.add_argument(
        "--no-history",
        action="store_true",
        help="--format bods: no later statements (updates and closures)",
    )
    gen.add_argument(
        "--circular",
        type=_number,
        default=7.5e-5,
        help="--format bods: fraction of companies on ownership rings (7.5e-05: 300 per 4M)",
    )
    gen.add_argument(
        "--avg-degree", type=_number, default=3.5, help="mean equity holdings per node (3.5)"
    )
    gen.add_argument(
        "--cross-holding",
        type=_number,
        default=0.01,
        help="fraction of holdings pointing back up the hierarchy, making cycles (0.01)",
    )
    gen.add_argument(
        "--max-held", type=_number, default=0.9, help="cap on the shares held in one issuer (0.9)"
    )
    gen.add_argument(
        "--commitments",
        type=_number,
        default=0.0,
        help="commitment edges per equity edge, issuer -> holder purchases (0)",
    )
    gen.add_argument(
        "--core",
        choices=["ai_funding_2026"],
        help="grow the graph around the built-in AI-funding deals",
    )
    gen.add_argument("--seed", type=_seed, default=0, help="random seed (0): same seed, same file")
    gen.set_defaults(run=generate)

    cyc = commands.add_parser(
        "cycles",
        help="list the simple cycles of an edge file",
        description="Simple cycles of the money graph (Johnson; length-bounded with "
        "--max-length), with their weight (product of shares) and bottleneck (smallest amount).",
    )
    cyc.add_argument("edges", metavar="FILE", help=f"edge table file ({FORMATS})")
    cyc.add_argument("--max-length", type=_count, metavar="N", help="longest cycle, in edges")
    cyc.add_argument(
        "--min-weight", type=_number, metavar="W", help="keep all-equity cycles of weight >= W"
    )
    cyc.add_argument(
        "--min-amount", type=_number, metavar="USD", help="keep cycles whose every amount >= USD"
    )
    cyc.add_argument(
        "--kinds",
        type=_kinds,
        action="extend",
        metavar="KIND[,KIND]",
        help="edge kinds followed, comma-separated or repeated: equity, credit, commitment "
        "(default: all)",
    )
    cyc.add_argument(
        "--limit", type=_count, default=1_000_000, help="stop after this many cycles (1000000)"
    )
    cyc.add_argument(
        "--max-nodes",
        type=_count,
        default=50_000_000,
        metavar="N",
        help="stop when the cycles found hold N nodes in all, about 24 bytes each (50000000)",
    )
    cyc.add_argument("--show", type=_count, default=20, help="cycles printed (20)")
    cyc.add_argument(
        "--out",
        metavar="PATH",
        help=f"write every cycle to PATH ({', '.join(CYCLE_FORMATS)}: CSV has no lists; "
        f"{OVERWRITE})",
    )
    _add_columns(cyc)
    cyc.set_defaults(run=cycles)

    exp = commands.add_parser(
        "exposure",
        help="integrated ownership of an edge file",
        description="Who holds what of whom through chains of holdings, under a named "
        "convention (docs/math.md).",
    )
    exp.add_argument("edges", metavar="FILE", help=f"edge table file ({FORMATS})")
    exp.add_argument(
        "--method",
        choices=["walks", "ultimate", "simple_paths"],
        default="walks",
        help="walks: (I - W)^-1 - I; ultimate: ultimate owners and free float; simple_paths: "
        "chain multiplication (EU AMLR). Default walks",
    )
    exp.add_argument(
        "--threshold",
        type=_number,
        default=0.0,
        help="keep pairs above it; > 0 makes walks sparse with a stated error bound (0)",
    )
    exp.add_argument("--max-depth", type=_count, help="simple_paths: longest chain, in edges")
    exp.add_argument("--min-weight", type=_number, help="simple_paths: drop chains below it")
    exp.add_argument(
        "--holder", metavar="NODE", help="only what NODE holds (under --method, --threshold)"
    )
    exp.add_argument(
        "--issuer", metavar="NODE", help="only who holds NODE (under --method, --threshold)"
    )
    exp.add_argument("--show", type=_count, default=20, help="rows printed (20)")
    exp.add_argument(
        "--out",
        metavar="PATH",
        help=f"write the table to PATH ({', '.join(OUT_FORMATS)}; {OVERWRITE})",
    )
    _add_columns(exp)
    exp.set_defaults(run=exposure)
    _add_stress(commands)
    _add_sanctions(commands)
    _add_control(commands)
    return parser


def _add_control(commands: Any) -> None:
    co = commands.add_parser(
        "control",
        help="who controls whom: majority control through controlled companies",
        description="Company control (docs/control.md): X controls Y when X and the "
        "companies X controls hold more than --threshold of Y, counted in full; mutual "
        "control groups and ultimate controllers with --ultimate.",
    )
    co.add_argument(
        "edges", nargs="?", metavar="FILE", help=f"edge table file ({FORMATS}); or --builtin"
    )
    co.add_argument("--builtin", action="store_true", help="the built-in 2026 AI-funding data")
    co.add_argument("--threshold", type=_number, default=0.5, help="(0.5)")
    co.add_argument(
        "--at-least", action="store_true", help="reaching the threshold is control (not only >)"
    )
    co.add_argument("--controller", action="append", metavar="NODE", help="only these controllers")
    co.add_argument(
        "--ultimate", action="store_true", help="each node's ultimate controlling groups"
    )
    co.add_argument("--show", type=_count, default=20, help="rows printed (20)")
    co.add_argument(
        "--out", metavar="PATH", help=f"write the table to PATH ({', '.join(CYCLE_FORMATS)})"
    )
    _add_columns(co)
    co.set_defaults(run=control)


# OFAC's FAQ 401 examples under each regime: checked against Graph.blocked by the tests.
SANCTIONS_EXAMPLES = """\
the same holdings under each regime (X listed; OFAC FAQ 401):
  holdings                                         ofac, eu     eu_2023, uk
  1  X 50% of A, A 50% of B                        A, B         -
  2  X 50% of A and B, A and B 25% each of C       A, B, C      -
  3  X 50% of A and 10% of B, A 40% of B           A, B         -
  4  X 25% of A and B, A and B 50% each of C       -            -
  5  X 60% of A, A 60% of B                        A, B         A, B
  6  X and Y (both listed) 30% each of C           C            eu_2023: C, uk: -
ofac and eu add up every listed person's holdings and block at 50% or more; eu_2023 adds up
and blocks above 50%; uk takes each designated person alone, above 50%. Holdings of blocked
entities count in full (never multiplied along chains)."""


def _add_sanctions(commands: Any) -> None:
    sa = commands.add_parser(
        "sanctions",
        help="entities blocked through ownership by listed persons (OFAC, EU, UK rules)",
        description="Entities blocked or owned by listed persons through equity holdings, "
        "under a sanctions regime's ownership rule (docs/control.md); with interval stakes, "
        "'possibly blocked' where the range straddles the threshold.",
        epilog=SANCTIONS_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sa.add_argument(
        "edges", nargs="?", metavar="FILE", help=f"edge table file ({FORMATS}); or --builtin"
    )
    sa.add_argument("--builtin", action="store_true", help="the built-in 2026 AI-funding data")
    sa.add_argument(
        "--listed",
        action="append",
        required=True,
        metavar="NODE",
        help="a listed (designated) person or entity; repeatable",
    )
    sa.add_argument(
        "--regime", choices=["ofac", "eu", "eu_2023", "uk"], default="ofac", help="(ofac)"
    )
    sa.add_argument("--compare", action="store_true", help="every regime's answer side by side")
    sa.add_argument("--show", type=_count, default=20, help="rows printed (20)")
    sa.add_argument(
        "--out", metavar="PATH", help=f"write the table to PATH ({', '.join(CYCLE_FORMATS)})"
    )
    _add_columns(sa)
    sa.set_defaults(run=sanctions)


def _add_stress(commands: Any) -> None:
    st = commands.add_parser(
        "stress",
        help="contagion over an edge file's claims: DebtRank, Furfine or clearing",
        description="A shock spread over the graph's claims (a lender's on its borrower, a "
        "supplier's on its customer) by DebtRank, Furfine's sequential defaults or the "
        "Eisenberg-Noe / Rogers-Veraart clearing (docs/math.md); one scenario (--shock), many "
        "(--scenarios FILE) or every node in turn (--each).",
    )
    st.add_argument(
        "edges", nargs="?", metavar="FILE", help=f"edge table file ({FORMATS}); or --builtin"
    )
    st.add_argument("--builtin", action="store_true", help="the built-in 2026 AI-funding data set")
    st.add_argument(
        "--model", choices=["debtrank", "furfine", "clearing"], required=True, help="the model"
    )
    st.add_argument(
        "--shock",
        action="append",
        metavar="NODE=FRACTION",
        help="debtrank: NODE's initial relative equity loss; clearing: the share of its "
        "external assets lost; furfine: NODE=1 fails in round 0. Repeatable",
    )
    st.add_argument(
        "--scenarios",
        metavar="FILE",
        help="many scenarios: a table (scenario, node, value); furfine: (scenario, node)",
    )
    st.add_argument(
        "--each", action="store_true", help="one scenario per node: that node alone, shock 1"
    )
    st.add_argument(
        "--equity", action="append", metavar="NODE=USD|FILE", help="debtrank, furfine: equity"
    )
    st.add_argument(
        "--external-assets",
        action="append",
        metavar="NODE=USD|FILE",
        help="clearing: assets outside the graph",
    )
    st.add_argument(
        "--external-liabilities",
        action="append",
        metavar="NODE=USD|FILE",
        help="clearing: debts to creditors outside the graph (default none)",
    )
    st.add_argument(
        "--variant",
        choices=["single_hit", "linear", "nonlinear"],
        default="single_hit",
        help="debtrank (single_hit)",
    )
    st.add_argument(
        "--alpha",
        type=_number,
        help="debtrank nonlinear: its alpha (0 is linear); clearing: the share of external "
        "assets a defaulter realises (1)",
    )
    st.add_argument(
        "--beta", type=_number, default=1.0, help="clearing: share of claims realised (1)"
    )
    st.add_argument("--lgd", type=_number, default=1.0, help="furfine: loss given default (1)")
    st.add_argument(
        "--at-threshold",
        choices=["default", "survive"],
        default="default",
        help="furfine: a loss equal to equity fails (default) or is survived",
    )
    st.add_argument(
        "--priority",
        choices=["pari_passu", "external_senior"],
        default="pari_passu",
        help="clearing: creditors pro rata (pari_passu), or outside creditors first",
    )
    st.add_argument(
        "--kinds",
        type=_kinds,
        action="extend",
        metavar="KIND[,KIND]",
        help="claims followed: credit, commitment (default both)",
    )
    cluster = st.add_argument_group(
        "on a Dask cluster (pip install 'aiexposure[dask]'; docs/scale-out.md)"
    )
    cluster.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the scenarios on the Dask cluster of this scheduler (tcp://host:8786); a "
        "saved graph FILE (Graph.save) goes to the workers as its path: they must read it",
    )
    cluster.add_argument(
        "--workers",
        type=_count,
        metavar="N",
        help="run the scenarios on a local Dask cluster of N worker processes",
    )
    cluster.add_argument(
        "--chunk",
        type=_count,
        metavar="N",
        help="scenarios per task (default: 8 tasks per worker thread)",
    )
    st.add_argument("--show", type=_count, default=20, help="rows printed (20)")
    st.add_argument(
        "--out", metavar="PATH", help=f"write the table to PATH ({', '.join(OUT_FORMATS)})"
    )
    st.add_argument(
        "--totals",
        metavar="PATH",
        help="many scenarios: write the totals (one row per scenario) to PATH",
    )
    _add_columns(st)
    st.set_defaults(run=stress)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    >>> main(["--version"])  # doctest: +SKIP
    aiexposure 0.1.0
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("aiexposure: interrupted", file=sys.stderr)
        return 130
    except InternalError:
        return _bug()
    except BrokenPipeError:
        # `aiexposure report | head`: the reader left; nothing to say, nowhere to say it.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a process killed by the broken pipe
    except (AIExposureError, OSError, ValueError, KeyError, pa.ArrowException) as e:
        message = e.args[0] if isinstance(e, KeyError) and e.args else e
        text = _for_the_command_line(str(message), e, args)
        print(f"aiexposure: error: {_one_line(text)}", file=sys.stderr)
        return 2
    except Exception:
        return _bug()


# The Python API's words, said the command line's way.
_CLI_WORDS = [
    (r"pass (source|target|kind|share|amount)='<column>'", r"name the column with --\1 COLUMN"),
    (r"pass (kind|share|amount)=None if it has none", r"leave out --\1 if the file has none"),
    (r"pass allow_treasury=True", "remove them from the file"),
    (r"pass duplicates='sum' to add up their shares and amounts", "remove the duplicates"),
    (r"\(cast the column, e\.g\. with pyarrow\.compute\.cast\)", "(convert the column)"),
    (r"leave its kind out of `kinds`", "leave its kind out of --kinds"),
    (r"pass weight=", "weigh by equity"),
    (r"\bnum_nodes\b", "--nodes"),
    (r"\bavg_degree\b", "--avg-degree"),
    (r"\bcross_holding\b", "--cross-holding"),
    (r"\bmax_held\b", "--max-held"),
    (r"\b(max_length|min_weight|min_amount|max_depth|max_nodes)\b", None),
    (r"\blimit=(\S+?)([;,]|$| )", r"--limit \1\2"),
    (r"^limit must", "--limit must"),
    (r"np\.(?:float|int|uint)\d+\(([^()]*)\)", r"\1"),  # no numpy reprs
]


def _for_the_command_line(message: str, error: Exception, args: argparse.Namespace) -> str:
    import re

    for pattern, replacement in _CLI_WORDS:
        if replacement is None:
            message = re.sub(pattern, lambda m: "--" + m.group(1).replace("_", "-"), message)
        else:
            message = re.sub(pattern, replacement, message)
    return _file_lines(message, error, args)


def _file_lines(message: str, error: Exception, args: argparse.Namespace) -> str:
    """CSV row numbers as the file's line numbers (the header is line 1), when the rows are
    the file's own (not filtered by --as-of)."""
    import re

    edges = getattr(args, "edges", None)
    if not (edges and str(edges).lower().endswith(".csv") and getattr(error, "rows", None)):
        return message
    if getattr(args, "as_of", None):
        return message

    def lines(m: re.Match) -> str:
        numbers = [int(n) + 2 for n in re.findall(r"\d+", m.group(2))]
        more = m.group(3) or ""
        plural = "s" if m.group(1) or more else ""
        return f"line{plural} {', '.join(map(str, numbers))}{more} of {edges}"

    return re.sub(r"row(s?) ([\d, ]+?)( and \d+ more)? \(0-based\)", lines, message)


def _one_line(message: str, width: int = 400) -> str:
    """An error on one line: a library's multi-line message (a schema dump) folded, and cut."""
    text = "; ".join(line.strip() for line in message.splitlines() if line.strip())
    return text if len(text) <= width else text[: width - 1] + "…"


def _bug() -> int:
    """A bug of ours, not a mistake of the user: the traceback, and where to report it."""
    import traceback

    traceback.print_exc()
    print(
        f"aiexposure: internal error: this is a bug in aiexposure {__version__}, not in your "
        "input; please report it on aiexposure's issue tracker, with the command line and the "
        "input file",
        file=sys.stderr,
    )
    return EX_SOFTWARE
