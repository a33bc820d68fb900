"""What the method modules work on: the Rust graph, its node labels, its interval stakes and
the arrays derived once per graph. ``Graph`` owns one; ``_exposure``, ``_cycles`` and
``_size`` are functions of it, and never see the ``Graph`` class (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from . import _core
from ._nodes import Nodes
from ._stakes import Stakes, exposure_cores
from ._vocabulary import Kind

T = TypeVar("T")


@dataclass(frozen=True)
class Csr:
    """The merged money graph in CSR form, one entry per (source, target, kind) edge in row
    order (sources ascending, then targets, then kinds). Every array is read-only: it is the
    graph's own copy, exported once.

    ``indptr`` (int64, n + 1): row ``u``'s edges are ``indptr[u]:indptr[u + 1]``;
    ``indices`` (uint32): each edge's target; ``sources`` (int64): each edge's source;
    ``kind`` (uint8, :class:`Kind` codes); ``share`` (float64: the stake of an equity edge,
    its minimum when the stake is an interval, NaN on other kinds); ``amount`` (float64, NaN
    where unknown); ``uncertain`` (bool: an equity stake given as a range or not at all).
    """

    indptr: np.ndarray
    indices: np.ndarray
    sources: np.ndarray
    kind: np.ndarray
    share: np.ndarray
    amount: np.ndarray
    uncertain: np.ndarray

    @property
    def equity(self) -> np.ndarray:
        return self.kind == Kind.EQUITY


def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


class Handle:
    """The native graph (``core``), its ``nodes``, its interval ``stakes`` (None when every
    stake is exact) and ``memo``, the arrays methods derive once (the graph is immutable)."""

    __slots__ = ("_csr", "core", "memo", "nodes", "stakes")

    def __init__(self, core: _core.CoreGraph, nodes: Nodes, stakes: Stakes | None = None) -> None:
        self.core = core
        self.nodes = nodes
        self.stakes = stakes
        self.memo: dict[str, Any] = {}
        self._csr: Csr | None = None

    @property
    def num_nodes(self) -> int:
        return self.core.num_nodes

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """A core call, its errors' node markers renamed with the labels."""
        return self.nodes.call(fn, *args)

    @property
    def csr(self) -> Csr:
        if self._csr is None:
            exported = self.call(self.core.csr)
            targets, kinds, shares = exported["targets"], exported["kinds"], exported["shares"]
            amounts = exported["amounts"]
            indptr = exported["offsets"].astype(np.int64)
            if not len(amounts):  # the core stores no amounts when none is known
                amounts = np.full(len(targets), np.nan)
            uncertain = (
                np.zeros(len(targets), dtype=bool) if self.stakes is None else self.stakes.uncertain
            )
            sources = np.repeat(np.arange(self.num_nodes, dtype=np.int64), np.diff(indptr))
            self._csr = Csr(
                indptr=_frozen(indptr),
                indices=_frozen(targets),
                sources=_frozen(sources),
                kind=_frozen(kinds),
                share=_frozen(shares),
                amount=_frozen(amounts),
                uncertain=_frozen(np.array(uncertain, dtype=bool)),
            )
        return self._csr

    def bounds(self) -> tuple[_core.CoreGraph, _core.CoreGraph, Stakes] | None:
        """(core of the minimums, core of the capped maximums, stakes), or None when every
        stake is exact."""
        if self.stakes is None:
            return None
        lo, hi = exposure_cores(self.stakes, self.core)
        return lo, hi, self.stakes
