"""The node labels of one graph: index <-> label, in the caller's id type, and the one door
through which every core call goes (it renames the core's node markers with the labels).

The core numbers nodes 0..n-1 and names them in errors as ``⟦index⟧``; this object is the only
place that turns labels into indices and back.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import _core
from ._ids import aligned, int64_view, string_buffers
from .errors import AIExposureError, UnknownNodeError, name_nodes

T = TypeVar("T")
# difflib compares with every label: beyond this many only the case-insensitive match is tried.
FUZZY_LIMIT = 50_000


class Nodes:
    """Node labels in index order (an Arrow array of the input's id type)."""

    __slots__ = ("_index", "_lookup", "labels")

    def __init__(self, labels: pa.Array) -> None:
        self.labels = labels
        self._lookup: pa.Array | None = None
        self._index: _core.NodeIndex | bool | None = False  # False: not built yet

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def type(self) -> pa.DataType:
        return self.labels.type

    @property
    def lookup(self) -> pa.Array:
        """The labels in a type Arrow's compute kernels (take, index_in, equal) accept: view
        types have few kernels, so string_view / binary_view ids are looked up as large
        string / binary (cast once, cached)."""
        if self._lookup is None:
            labels = self.labels
            if pa.types.is_string_view(labels.type):
                labels = labels.cast(pa.large_string())
            elif pa.types.is_binary_view(labels.type):
                labels = labels.cast(pa.large_binary())
            self._lookup = labels
        return self._lookup

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)``, a core call, with the node markers of its errors renamed. An
        array whose data are not aligned to its type (Arrow buffers that Dask or a socket
        delivered at any address) is copied first: the core borrows arrays as typed slices."""
        try:
            return fn(*(aligned(a) for a in args))
        except AIExposureError as e:
            raise self.named(e) from None

    def named(self, error: AIExposureError) -> AIExposureError:
        def label(i: int) -> Any:
            return self.labels[i].as_py() if 0 <= i < len(self.labels) else f"#{i}"

        return name_nodes(error, label)

    def take(self, indices: Any) -> pa.Array:
        """Labels at ``indices`` (nulls stay null), in the input's id type."""
        taken = self.lookup.take(indices)
        return taken if taken.type == self.labels.type else taken.cast(self.labels.type)

    def take_or_null(self, indices: np.ndarray) -> pa.Array:
        """Labels at indices, null where the index is -1 (the free float)."""
        indices = np.asarray(indices, dtype=np.int64)
        mask = indices < 0
        return self.take(pa.array(np.where(mask, 0, indices), mask=mask))

    # --- labels to indices ----------------------------------------------------------------

    def refusal(self, node: Any) -> str | None:
        """Why ``node`` names no node even where Arrow would convert it (Arrow truncates 1.5
        to the integer id 1 and reads True as 1); None when it may name one."""
        if isinstance(node, (bool, np.bool_)):
            return f"node {node!r} is a bool, not a node id"
        if (
            pa.types.is_integer(self.labels.type)
            and isinstance(node, (float, np.floating))
            and not float(node).is_integer()
        ):
            return f"node {node!r} is not an integer, and the graph's ids are integers"
        return None

    def find(self, node: Any) -> int | None:
        """Index of a label, None when absent."""
        if self.refusal(node) is not None:
            return None
        if isinstance(self._index, _core.NodeIndex):  # built by a vectorized lookup: O(1)
            keys = self.key_array([node])
            return None if keys is None or (i := int(self.positions(keys)[0])) < 0 else i
        try:
            found = pc.index(self.lookup, pa.scalar(node, self.lookup.type)).as_py()
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
            found = -1
        return None if found < 0 else found

    def index(self, node: Any) -> int:
        """Index of a label; UnknownNodeError naming it when absent."""
        found = self.find(node)
        if found is None:
            near = self.nearest(node)
            near = None if near == node else near
            hint = "" if near is None else f" (did you mean {near!r}?)"
            why = self.refusal(node) or f"node {node!r} is not in the graph{hint}"
            raise UnknownNodeError(
                f"{why} (its ids are {self.labels.type}); check the spelling and type of the id",
                nodes=[node],
                suggestion=near,
            )
        return found

    def indices(self, nodes: Iterable[Any], name: str) -> np.ndarray:
        """Indices (uint32) of labels, in the order given; UnknownNodeError naming the
        absent ones (``name``: the argument, for the message)."""
        if isinstance(nodes, (str, bytes)):
            raise TypeError(f"{name} must be a list of nodes, not one {type(nodes).__name__}")
        items = list(nodes)
        keys = self.key_array(items)
        if keys is None:
            raise self.unknown(name, [v for v in items if self.find(v) is None])
        found = self.positions(keys)
        missing = np.flatnonzero(found < 0)
        if len(missing):
            raise self.unknown(name, [items[i] for i in missing])
        return found.astype(np.uint32)

    def _native(self) -> _core.NodeIndex | None:
        """The Rust label -> index map, built on first use and kept (the graph is immutable);
        None for id types it does not hold (binary ids)."""
        if self._index is False:
            lookup = self.lookup
            if _native_ints(lookup.type):
                self._index = self.call(_core.NodeIndex.of_ints, int64_view(lookup))
            elif pa.types.is_string(lookup.type) or pa.types.is_large_string(lookup.type):
                buffers = string_buffers(_large(lookup), np.int64)
                self._index = self.call(_core.NodeIndex.of_strings, *buffers)
            else:
                self._index = None
        return self._index if isinstance(self._index, _core.NodeIndex) else None

    def positions(self, keys: pa.Array) -> np.ndarray:
        """Each key's node index (int64, -1 where the key is not a node): in parallel in Rust
        against the graph's own index, built once (any order, any number of keys)."""
        lookup = self.lookup
        if keys.type != lookup.type:
            keys = keys.cast(lookup.type)
        index = self._native() if keys.null_count == 0 else None
        if index is not None:
            if _native_ints(keys.type):
                return self.call(index.find_ints, int64_view(keys))
            return self.call(index.find_strings, *string_buffers(_large(keys), np.int64))
        found = pc.index_in(keys, value_set=lookup)
        return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)

    def key_array(self, items: list[Any]) -> pa.Array | None:
        """The keys as an array of the lookup type; None when one of them cannot be a node id
        (a bool, a non-integral number on integer ids, a value of another type)."""
        if any(self.refusal(v) is not None for v in items):
            return None
        try:
            return pa.array(items, self.lookup.type)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
            return None  # some id of another type: found one by one, to name it

    def unknown(self, name: str, unknown: list[Any]) -> UnknownNodeError:
        reasons = [r for r in (self.refusal(v) for v in unknown[:10]) if r]
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        return UnknownNodeError(
            f"{name} names node(s) not in the graph: {', '.join(map(repr, unknown[:10]))}"
            f"{more} (its ids are {self.labels.type}{'; ' + reasons[0] if reasons else ''}); "
            "check the spelling and type of the ids",
            nodes=unknown,
        )

    # --- near misses ----------------------------------------------------------------------

    def nearest(self, text: Any) -> Any | None:
        """A label matching ``text`` ignoring case, else the closest spelling (small graphs);
        None when nothing is close or the ids are not strings."""
        if not isinstance(text, str):
            return None
        lookup = self.lookup
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


def _native_ints(type_: pa.DataType) -> bool:
    """Integer ids the Rust index holds as int64 without loss (uint64 by their bits)."""
    return pa.types.is_integer(type_)


def _large(strings: pa.Array) -> pa.Array:
    return strings if pa.types.is_large_string(strings.type) else strings.cast(pa.large_string())
