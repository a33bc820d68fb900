"""The ``aiexposure`` command line.

``aiexposure report [EDGES]`` summarises a graph: the built-in 2026 AI-funding data set by
default, or any edge table file (.parquet, .arrow, .feather, .ipc, .csv). Errors are one line on
stderr and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import pyarrow as pa

from . import __version__
from .errors import AIExposureError
from .graph import Graph


def _money(value: float) -> str:
    if value >= 1e9:
        return f"${value / 1e9:,.1f}B"
    if value >= 1e6:
        return f"${value / 1e6:,.1f}M"
    return f"${value:,.0f}"


def _load(args: argparse.Namespace) -> tuple[Graph, str, pa.Table | None]:
    """The graph, its name, and the built-in data's equity rows without a known stake."""
    if args.edges is None:
        from .datasets import ai_funding_2026, split_quantified

        edges, unquantified = split_quantified(ai_funding_2026())
        name = "built-in data set: 2026 AI funding, as of 2026-02-27"
        return Graph.from_arrow(edges), name, unquantified
    graph = Graph.from_arrow(
        args.edges,
        source=args.source,
        target=args.target,
        kind=args.kind,
        share=args.share,
        amount=args.amount,
    )
    return graph, str(args.edges), None


def report(args: argparse.Namespace) -> int:
    graph, name, unquantified = _load(args)
    info = graph.summary()
    out = sys.stdout
    out.write(f"aiexposure {__version__} — {name}\n\n")
    out.write(
        f"Graph: {info['nodes']:,} nodes, {info['edges']:,} edges "
        f"({info['rows']:,} rows, {info['merged_duplicates']:,} duplicate rows merged)\n\n"
    )
    out.write(f"{'kind':<12}{'edges':>10}{'with amount':>14}{'known total':>16}\n")
    for kind, k in info["kinds"].items():
        out.write(
            f"{kind:<12}{k['edges']:>10,}{k['known_amounts']:>14,}{_money(k['total_amount']):>16}\n"
        )
    if unquantified is not None and unquantified.num_rows:
        out.write(
            f"\nEquity stakes the sources leave unquantified (not in the graph): "
            f"{unquantified.num_rows}\n"
        )
        for row in unquantified.select(["source", "target", "amount"]).to_pylist():
            amount = "amount unknown" if row["amount"] is None else _money(row["amount"])
            out.write(f"  {row['source']} -> {row['target']} ({amount}, share unknown)\n")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aiexposure",
        description="Ownership-weighted exposure and circular financing over investor graphs.",
    )
    parser.add_argument("--version", action="version", version=f"aiexposure {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    rep = commands.add_parser(
        "report",
        help="summarise a graph (default: the built-in 2026 AI-funding data set)",
        description="Summarise an investor graph: nodes, edges by kind, known amounts.",
    )
    rep.add_argument(
        "edges",
        nargs="?",
        metavar="EDGES",
        help="edge table file (.parquet, .arrow, .feather, .ipc, .csv); "
        "default: the built-in 2026 AI-funding data set",
    )
    for col in ("source", "target", "kind", "share", "amount"):
        rep.add_argument(
            f"--{col}", default=col, metavar="COLUMN", help=f"column holding {col} (default: {col})"
        )
    rep.set_defaults(run=report)
    return parser


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
    except (AIExposureError, FileNotFoundError, TypeError) as e:
        print(f"aiexposure: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("aiexposure: interrupted", file=sys.stderr)
        return 130
