"""The nearest node name to a misspelt one, for error messages (``nvidia`` -> ``Nvidia``)."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from .graph import Graph

# difflib compares with every label: beyond this many only the case-insensitive match is tried.
FUZZY_LIMIT = 50_000


def nearest_node(graph: Graph, text: Any) -> Any | None:
    """A node whose label matches ``text`` ignoring case, else the closest spelling (small
    graphs); None when nothing is close or the ids are not strings."""
    if not isinstance(text, str):
        return None
    lookup = graph._lookup_nodes()
    if not (pa.types.is_string(lookup.type) or pa.types.is_large_string(lookup.type)):
        return None
    same = pc.equal(pc.utf8_lower(lookup), text.lower())
    hit = pc.index(same, True).as_py()
    if hit >= 0:
        return lookup[hit].as_py()
    if len(lookup) > FUZZY_LIMIT:
        return None
    labels = lookup.to_pylist()
    lowered = {label.lower(): label for label in reversed(labels)}
    found = difflib.get_close_matches(text.lower(), list(lowered), n=1, cutoff=0.75)
    return lowered[found[0]] if found else None


def did_you_mean(graph: Graph, text: Any) -> str:
    near = nearest_node(graph, text)
    return "" if near is None or near == text else f" (did you mean {near!r}?)"
