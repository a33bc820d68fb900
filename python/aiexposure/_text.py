"""Plain-text tables and numbers for the command line, readable in a 100-column terminal."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

WIDTH = 100


def money(value: float | None) -> str:
    """'$50.0B', '$2.5M', '$900'; 'unknown' for None or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "unknown"
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value >= 1e9:
        return f"{sign}${value / 1e9:,.1f}B"
    if value >= 1e6:
        return f"{sign}${value / 1e6:,.1f}M"
    return f"{sign}${value:,.0f}"


def percent(value: float | None, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "unknown"
    return f"{100 * value:.{digits}f}%"


def bounded(row: dict[str, Any], column: str, fmt: Any) -> str:
    """A value, or its bounds 'lo to hi' when the row has only those (hi +inf: 'at least lo')."""
    value = row.get(column)
    if value is not None or f"{column}_min" not in row:
        return fmt(value)
    lo, hi = row[f"{column}_min"], row[f"{column}_max"]
    if lo is None and hi is None:
        return fmt(None)
    if hi is not None and math.isinf(hi):
        return f">= {fmt(lo)}"
    low, high = fmt(lo), fmt(hi)
    return low if low == high else f"{low} to {high}"


def upper(row: dict[str, Any], column: str) -> float:
    """The value, or its upper bound; -1 when unknown (for sorting)."""
    for key in (column, f"{column}_max"):
        value = row.get(key)
        if value is not None:
            return float(value)
    return -1.0


def cell(value: Any) -> str:
    return "-" if value is None else str(value)


def headers(columns: Sequence[str]) -> list[str]:
    """A table's headers from its result columns' names (docs/columns.md): the same words."""
    return [c.replace("_", " ") for c in columns]


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], indent: int = 2) -> str:
    """Columns sized to their content; the widest columns are cut (with '…'), a character at
    a time from the widest, to fit WIDTH. Numbers-looking columns are right-aligned.

    >>> print(table(["a", "bb"], [["x", "1"], ["yy", "22"]]))
      a    bb
      x     1
      yy   22
    """
    texts = [[cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in texts]) for i, h in enumerate(headers)]
    gap = 3
    total = indent + sum(widths) + gap * (len(widths) - 1)
    while total > WIDTH:
        widest = max(range(len(widths)), key=widths.__getitem__)
        if widths[widest] <= 6:
            break
        widths[widest] -= 1
        total -= 1

    def fit(text: str, width: int) -> str:
        return text if len(text) <= width else text[: width - 1] + "…"

    numeric = [
        all(_looks_numeric(r[i]) for r in texts) and bool(texts) for i in range(len(headers))
    ]
    lines = []
    for row in [list(headers), *texts]:
        parts = [
            fit(v, w).rjust(w) if numeric[i] else fit(v, w).ljust(w)
            for i, (v, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append((" " * indent + (" " * gap).join(parts)).rstrip())
    return "\n".join(lines)


def _looks_numeric(text: str) -> bool:
    t = text.replace(",", "").replace("$", "").replace("%", "").rstrip("BMx").lstrip("-")
    try:
        float(t)
    except ValueError:
        return text in ("-", "unknown")
    return True


def heading(title: str) -> str:
    return f"\n{title}\n{'=' * min(len(title), WIDTH)}"


def wrap(text: str, indent: int = 2) -> str:
    """Wraps prose to WIDTH."""
    import textwrap

    return textwrap.fill(text, WIDTH, initial_indent=" " * indent, subsequent_indent=" " * indent)
