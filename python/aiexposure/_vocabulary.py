"""The package's shared names: result metadata keys and renamed result columns.

docs/columns.md is the table of every result column's name, meaning and unit; this module holds
the names more than one module needs, so that each is written once.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from enum import IntEnum
from typing import Any, TypeAlias

import pyarrow as pa


class Kind(IntEnum):
    """Edge kinds, with the codes the core uses (rust/core/src/kind.rs)."""

    EQUITY = 0
    CREDIT = 1
    COMMITMENT = 2


KINDS = tuple(k.name.lower() for k in Kind)  # ("equity", "credit", "commitment")

# Type aliases of the API's arguments.
KindsArg: TypeAlias = "str | Iterable[str] | None"  # one kind, some, or None for all
NodeId: TypeAlias = Any  # a label as the input gave it: str, int, bytes, ...

# Schema metadata of result tables (bytes, as Arrow stores them).
METHOD = b"aiexposure.method"
ERROR_BOUND = b"aiexposure.error_bound"
TRUNCATED = b"aiexposure.truncated"
BOUNDS = b"aiexposure.bounds"
LOWER_ATTAINED = b"aiexposure.lower_attained"
UPPER_ATTAINED = b"aiexposure.upper_attained"
DIVERGENT = b"aiexposure.divergent"
UNKNOWN_AMOUNTS_HIT = b"aiexposure.unknown_amounts_hit"
RENAMED = b"aiexposure.renamed_columns"
SCENARIO = b"aiexposure.scenario"

# look_through's columns are money; 0.1 named them like the ownership shares ("direct" was a
# share in one table and dollars in the other). Old name -> new name.
LOSS_CHANNELS = ("equity_loss", "credit_loss", "commitment_loss")
LOSS_COLUMNS = (*LOSS_CHANNELS, "direct_loss", "indirect_loss", "total_loss")
LOSS_RENAMES = {
    "equity": "equity_loss",
    "credit": "credit_loss",
    "commitment": "commitment_loss",
    "direct": "direct_loss",
    "indirect": "indirect_loss",
    "total": "total_loss",
}
# Graph.stakes() now spells its open-end flags as the input columns do.
STAKE_RENAMES = {
    "min_exclusive": "share_min_exclusive",
    "max_exclusive": "share_max_exclusive",
}
BOUND_SUFFIXES = ("", "_min", "_max")
REMOVED_IN = "0.3"


def with_old_names(
    table: pa.Table, renames: Mapping[str, str], where: str, stacklevel: int
) -> pa.Table:
    """``table`` plus, for one release, each renamed column again under its old name (the same
    buffers, no copy), with a DeprecationWarning saying what to change. A pyarrow table cannot
    warn when a column is read, so the warning comes with the call; ``legacy_columns=False``
    returns the new names only and does not warn."""
    pairs = [
        (old + suffix, new + suffix)
        for old, new in renames.items()
        for suffix in BOUND_SUFFIXES
        if new + suffix in table.column_names
    ]
    if not pairs:
        return table
    listed = ", ".join(f"{old} -> {new}" for old, new in renames.items())
    if any(old.endswith(BOUND_SUFFIXES[1:]) for old, _ in pairs):
        listed += "; the same for _min / _max"
    warnings.warn(
        f"{where}: columns renamed ({listed}). The old names are kept "
        f"as copies until aiexposure {REMOVED_IN}; pass legacy_columns=False for the new names "
        "only, which also silences this warning.",
        DeprecationWarning,
        stacklevel=stacklevel,
    )
    metadata = dict(table.schema.metadata or {})
    metadata[RENAMED] = ",".join(f"{old}={new}" for old, new in pairs).encode()
    for old, new in pairs:
        table = table.append_column(old, table[new])
    return table.replace_schema_metadata(metadata)
