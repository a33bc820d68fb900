"""Row-level validation of an edge table (the data model: Graph.from_arrow's docstring) and
its conversion to dense columns.

Whole-graph checks (shares per issuer) run in the Rust core while it builds the CSR.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ._ids import decoded
from ._vocabulary import KINDS, Kind
from .errors import InvalidGraphError

OPTIONAL_ROLES = (
    "kind",
    "share",
    "amount",
    "share_min",
    "share_max",
    "share_min_exclusive",
    "share_max_exclusive",
)
SHOW_ROWS = 10


def rows_text(rows: np.ndarray | list[int]) -> str:
    """'row 3' or 'rows 3, 8 and 41 more' (0-based)."""
    rows = [int(r) for r in rows]
    shown = ", ".join(map(str, rows[:SHOW_ROWS]))
    more = f" and {len(rows) - SHOW_ROWS} more" if len(rows) > SHOW_ROWS else ""
    return f"row{'s' if len(rows) > 1 else ''} {shown}{more} (0-based)"


def fail(message: str, rows: np.ndarray | list[int], nodes: list[Any] | None = None) -> None:
    rows = [int(r) for r in rows]
    raise InvalidGraphError(
        message.replace("{rows}", rows_text(rows)), rows=rows, nodes=nodes, template=message
    )


@dataclass(frozen=True)
class Columns:
    """The edge table's columns by role; optional roles are None when absent."""

    source: pa.ChunkedArray
    target: pa.ChunkedArray
    kind: pa.ChunkedArray | None
    share: pa.ChunkedArray | None
    amount: pa.ChunkedArray | None
    names: dict[str, str]
    share_min: pa.ChunkedArray | None = None
    share_max: pa.ChunkedArray | None = None
    share_min_exclusive: pa.ChunkedArray | None = None
    share_max_exclusive: pa.ChunkedArray | None = None


def select_columns(table: pa.Table, names: dict[str, str], defaults: dict[str, str]) -> Columns:
    present = set(table.column_names)
    for role, name in names.items():
        if name is not None and table.column_names.count(name) > 1:
            raise InvalidGraphError(
                f"the edge table has {table.column_names.count(name)} columns named {name!r} "
                f"(the {role} column): rename or drop all but one"
            )
    for role in ("source", "target"):
        if names[role] not in present:
            raise InvalidGraphError(
                f"the edge table has no {role} column {names[role]!r} (columns: "
                f"{', '.join(map(repr, table.column_names)) or 'none'}); pass {role}='<column>'"
                + _delimiter_hint(table.column_names)
            )
    optional: dict[str, pa.ChunkedArray | None] = {}
    for role in OPTIONAL_ROLES:
        name = names[role]
        if name is None or name not in present:
            if name is not None and name != defaults[role]:
                raise InvalidGraphError(
                    f"the edge table has no {role} column {name!r} (columns: "
                    f"{', '.join(map(repr, table.column_names))}); pass {role}=None if it has none"
                )
            optional[role] = None
        else:
            optional[role] = table.column(name)
    return Columns(
        source=table.column(names["source"]),
        target=table.column(names["target"]),
        names=names,
        **optional,
    )


def _delimiter_hint(columns: list[str]) -> str:
    """One column whose name holds ';' or a tab: a CSV split on another delimiter."""
    for sep, name in ((";", "semicolons"), ("\t", "tabs")):
        if len(columns) == 1 and sep in columns[0]:
            return (
                f". The file looks separated by {name}, not commas: save it as comma-separated "
                "CSV (or read it with that delimiter and pass the table)"
            )
    return ""


def check_ids_present(cols: Columns) -> None:
    for role in ("source", "target"):
        column = getattr(cols, role)
        if column.null_count:
            rows = np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))
            fail(
                f"null {role} in column {cols.names[role]!r} at {{rows}}; every edge needs both "
                "ends: drop or fill those rows",
                rows,
            )


def kind_codes(cols: Columns) -> np.ndarray:
    """uint8 kind codes (0 equity, 1 credit, 2 commitment); empty, meaning all equity, when
    there is no kind column."""
    if cols.kind is None:
        return np.empty(0, dtype=np.uint8)
    name = cols.names["kind"]
    kind = cols.kind
    kind = decoded(kind)
    if pa.types.is_null(kind.type):  # an empty or all-null column; nulls are reported below
        kind = kind.cast(pa.string())
    if not (
        pa.types.is_string(kind.type)
        or pa.types.is_large_string(kind.type)
        or kind.type == pa.string_view()
    ):
        raise InvalidGraphError(
            f"column {name!r} holds {kind.type} values; kind must be a string, one of "
            f"{', '.join(KINDS)}"
        )
    if kind.type == pa.string_view():
        kind = kind.cast(pa.large_string())
    codes = pc.index_in(kind, value_set=pa.array(KINDS, kind.type))
    if codes.null_count:
        bad = np.flatnonzero(codes.is_null().to_numpy(zero_copy_only=False))
        values = pc.unique(kind.take(pa.array(bad))).to_pylist()
        shown = ", ".join("null" if v is None else repr(v) for v in values[:SHOW_ROWS])
        shown += _did_you_mean(next((v for v in values if v is not None), None))
        fail(
            f"unknown kind {shown} in column {name!r} at {{rows}}; kind must be one of "
            f"{', '.join(KINDS)} (fill nulls with 'equity' if that is what they are)",
            bad,
        )
    return codes.to_numpy().astype(np.uint8)


def _did_you_mean(kind: str | None) -> str:
    import difflib

    if kind is None:
        return ""
    found = difflib.get_close_matches(kind.strip().lower(), KINDS, n=1, cutoff=0.6)
    return f" (did you mean {found[0]!r}?)" if found else ""


def _float_column(column: pa.ChunkedArray, name: str, role: str) -> np.ndarray:
    column = decoded(column)  # a dictionary-encoded number column: its values
    t = column.type
    if not (
        pa.types.is_floating(t)
        or pa.types.is_integer(t)
        or pa.types.is_decimal(t)
        or pa.types.is_null(t)
    ):
        raise InvalidGraphError(f"column {name!r} holds {t} values; {role} must be numeric")
    if t != pa.float64():
        # Unsafe: an integer past 2**53 or a wide decimal rounds to the nearest double, which
        # the checks then judge; a safe cast would refuse it with a raw ArrowInvalid.
        column = column.cast(pa.float64(), safe=False)
    if column.num_chunks == 1 and column.null_count == 0:
        return column.chunk(0).to_numpy(zero_copy_only=True)
    return column.to_numpy()  # nulls become NaN


@dataclass(frozen=True)
class RowStakes:
    """Each input row's stake as an interval [lo, hi] (NaN on non-equity rows), with which
    bounds are open. Empty arrays when no row is equity."""

    lo: np.ndarray
    hi: np.ndarray
    lo_open: np.ndarray
    hi_open: np.ndarray

    @property
    def exact(self) -> bool:
        """Every equity row has one known share."""
        return not (self.hi > self.lo).any() and not self.lo_open.any()


def _bool_column(column: pa.ChunkedArray | None, name: str, m: int) -> np.ndarray:
    if column is None:
        return np.zeros(m, dtype=bool)
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if pa.types.is_null(column.type):
        return np.zeros(m, dtype=bool)  # all null: closed bounds
    if not pa.types.is_boolean(column.type):
        raise InvalidGraphError(
            f"column {name!r} holds {column.type} values; it must be boolean (true where the "
            "bound is open)"
        )
    return column.fill_null(False).to_numpy(zero_copy_only=False).astype(bool, copy=False)


def _no_equity() -> RowStakes:
    empty_f = np.empty(0, dtype=np.float64)
    empty_b = np.empty(0, dtype=bool)
    return RowStakes(empty_f, empty_f, empty_b, empty_b)


def _bad_shares(share: np.ndarray, bad: np.ndarray, names: dict[str, Any]) -> None:
    """Fails naming the equity rows whose share is outside (0, 1]."""
    values = share[bad]
    reasons = []
    if (values <= 0).any():
        reasons.append("zero or negative")
    if (values > 1).any():
        reasons.append(f"above 1 (e.g. {float(values[values > 1][0])!r})")
    fail(
        f"equity share in column {names['share']!r} is {' / '.join(reasons)} at {{rows}}; "
        "a share is the fraction of the target held, in (0, 1] (write 25% as 0.25; leave "
        "it null when the stake is unknown)",
        bad,
    )


def _exact_or_unknown(
    share: np.ndarray,
    share_null: np.ndarray,
    is_equity: np.ndarray,
    has_kinds: bool,
    names: dict[str, Any],
) -> RowStakes:
    """``stake_values`` without range columns (the common case, in a few passes): each equity
    stake is the share, or unknown ((0, 1]) where it is null."""
    with np.errstate(invalid="ignore"):
        has_share = ~np.isnan(share)
        nan_share = ~has_share & ~share_null
        if nan_share.any():
            fail(
                f"equity share in column {names['share']!r} is NaN at {{rows}}; use null for "
                "a stake the data do not give",
                np.flatnonzero(nan_share),
            )
        if has_kinds:
            stray = np.flatnonzero(~is_equity & has_share)
            if len(stray):
                fail(
                    f"column {names['share']!r} gives a share on non-equity edges at {{rows}}; "
                    "shares are for equity only: set them to null or mark those edges "
                    "kind='equity'",
                    stray,
                )
        in_range = (share > 0.0) & (share <= 1.0)
    bad = np.flatnonzero(has_share & ~in_range)  # non-equity rows have no share (above)
    if len(bad):
        _bad_shares(share, bad, names)
    if not is_equity.any():
        return _no_equity()
    unknown = ~has_share
    no_bounds = np.zeros(len(share), dtype=bool)
    if not unknown.any():
        # Every stake exact: one array serves as both bounds (read-only from here on; each
        # fresh 8-byte-per-row array costs a page fault every 512 rows).
        lo = share if not has_kinds or is_equity.all() else np.where(is_equity, share, np.nan)
        return RowStakes(lo, lo, no_bounds, no_bounds)
    lo = np.where(has_share, share, 0.0)
    hi = np.where(has_share, share, 1.0)
    if has_kinds and not is_equity.all():
        lo[~is_equity] = np.nan
        hi[~is_equity] = np.nan
        unknown &= is_equity
    return RowStakes(lo, hi, unknown, no_bounds)


def stake_values(cols: Columns, codes: np.ndarray) -> RowStakes:
    """Each equity row's stake: exact (``share``), a declared range (``share_min`` /
    ``share_max``, a missing side being 0 (open) or 1), or unknown ((0, 1]); checked row by
    row."""
    m = len(cols.source)
    is_equity = codes == Kind.EQUITY if len(codes) else np.ones(m, dtype=bool)
    names = cols.names
    if cols.share is None and cols.share_min is None and cols.share_max is None:
        if is_equity.any():
            fail(
                "equity edges need a share, but the edge table has no share column "
                f"{names['share']!r} (nor share_min / share_max): add one (null where the stake "
                "is unknown), pass share='<column>', or give those {rows} another kind",
                np.flatnonzero(is_equity),
            )
        return _no_equity()
    share = (
        _float_column(cols.share, names["share"], "share")
        if cols.share is not None
        else np.full(m, np.nan)
    )
    share_null = (
        cols.share.is_null().to_numpy(zero_copy_only=False)
        if cols.share is not None and cols.share.null_count
        else np.zeros(m, dtype=bool)
    )
    ranged = (cols.share_min, cols.share_max, cols.share_min_exclusive, cols.share_max_exclusive)
    if all(c is None for c in ranged):
        return _exact_or_unknown(share, share_null, is_equity, bool(len(codes)), names)
    bounds = {}
    for role in ("share_min", "share_max"):
        column = getattr(cols, role)
        bounds[role] = (
            _float_column(column, names[role], role) if column is not None else np.full(m, np.nan)
        )
    lo_given, hi_given = bounds["share_min"], bounds["share_max"]
    with np.errstate(invalid="ignore"):
        nan_share = np.isnan(share) & ~share_null & (cols.share is not None)
        for role, values in bounds.items():
            column = getattr(cols, role)
            nulls = (
                column.is_null().to_numpy(zero_copy_only=False)
                if column is not None and column.null_count
                else np.zeros(m, dtype=bool)
            )
            bad_nan = np.flatnonzero(np.isnan(values) & ~nulls & (column is not None))
            if len(bad_nan):
                fail(
                    f"{role} in column {names[role]!r} is NaN at {{rows}}; use null for a "
                    "bound the data do not give",
                    bad_nan,
                )
            bad = np.flatnonzero(~np.isnan(values) & ((values < 0) | (values > 1)))
            if len(bad):
                fail(
                    f"{role} in column {names[role]!r} is outside [0, 1] at {{rows}} (e.g. "
                    f"{float(values[bad[0]])!r}); a bound is a fraction of the target (write "
                    "25% as 0.25)",
                    bad,
                )
        has_share = ~np.isnan(share)
        has_range = ~np.isnan(lo_given) | ~np.isnan(hi_given)
    if nan_share.any():
        fail(
            f"equity share in column {names['share']!r} is NaN at {{rows}}; use null for a "
            "stake the data do not give",
            np.flatnonzero(nan_share),
        )
    givers = (
        (has_share, f"column {names['share']!r} gives a share"),
        (has_range, "share_min / share_max give a share range"),
    )
    for given, what in givers:
        stray = np.flatnonzero(~is_equity & given)
        if len(stray):
            fail(
                f"{what} on non-equity edges at {{rows}}; shares are for equity only: set "
                "them to null or mark those edges kind='equity'",
                stray,
            )
    bad = np.flatnonzero(is_equity & has_share & ~((share > 0.0) & (share <= 1.0)))
    if len(bad):
        _bad_shares(share, bad, names)
    lo = np.where(np.isnan(lo_given), 0.0, lo_given)
    hi = np.where(np.isnan(hi_given), 1.0, hi_given)
    lo_open = _bool_column(cols.share_min_exclusive, names["share_min_exclusive"], m)
    hi_open = _bool_column(cols.share_max_exclusive, names["share_max_exclusive"], m)
    # An unknown lower side, or one of 0: a holding is above 0, so 0 is an open end.
    lo_open = lo_open | np.isnan(lo_given) | (lo == 0)
    inverted = np.flatnonzero(is_equity & (lo > hi))
    if len(inverted):
        fail(
            f"share_min is above share_max at {{rows}} (e.g. {float(lo[inverted[0]])!r} > "
            f"{float(hi[inverted[0]])!r}); swap them or fix the range",
            inverted,
        )
    empty = np.flatnonzero(
        is_equity & ~has_share & ((hi == 0) | ((lo == hi) & (lo_open | hi_open)))
    )
    if len(empty):
        fail(
            "the share range holds no stake at {rows} (a stake is above 0, and an open bound "
            "excludes its end); fix share_min / share_max or drop the edge",
            empty,
        )
    conflict = np.flatnonzero(is_equity & has_share & has_range & ((share < lo) | (share > hi)))
    if len(conflict):
        fail(
            f"the share in column {names['share']!r} lies outside share_min / share_max at "
            "{rows}; give the exact share or the range, not both",
            conflict,
        )
    exact = has_share
    lo = np.where(exact, share, lo)
    hi = np.where(exact, share, hi)
    lo_open = np.where(exact | (lo == hi), False, lo_open)
    hi_open = np.where(exact | (lo == hi), False, hi_open)
    lo = np.where(is_equity, lo, np.nan)
    hi = np.where(is_equity, hi, np.nan)
    if not is_equity.any():
        return _no_equity()
    return RowStakes(lo, hi, lo_open & is_equity, hi_open & is_equity)


def amount_values(cols: Columns) -> np.ndarray:
    """float64 amounts, NaN where null (unknown); empty when there is no amount column."""
    if cols.amount is None:
        return np.empty(0, dtype=np.float64)
    name = cols.names["amount"]
    amount = _float_column(cols.amount, name, "amount")
    nulls = cols.amount.is_null()
    nan = (
        np.isnan(amount) & ~nulls.to_numpy(zero_copy_only=False)
        if cols.amount.null_count
        else np.isnan(amount)
    )
    if nan.any():
        fail(
            f"amount in column {name!r} is NaN at {{rows}}; use null for an unknown amount",
            np.flatnonzero(nan),
        )
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero((amount < 0) | np.isinf(amount))
    if len(bad):
        fail(
            f"amount in column {name!r} is negative or infinite at {{rows}}; amounts are money "
            "(invested, lent or committed) and must be finite and >= 0",
            bad,
        )
    return amount
