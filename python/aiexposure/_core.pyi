# Hand-written stubs of the native module aiexposure._core (rust/python). Private API: the
# public one is aiexposure.Graph. Results come back as dicts of named values; the TypedDicts
# below name them (CI runs `python -m mypy.stubtest aiexposure._core` against the module).
import os
from typing import Any, TypedDict, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "CoreGraph",
    "NodeIndex",
    "__version__",
    "_panic_for_test",
    "_spin_for_test",
    "blocked",
    "bounded",
    "build_graph",
    "clearing",
    "clearing_many",
    "components",
    "control",
    "debtrank",
    "debtrank_many",
    "exposure_to",
    "factorize_int64",
    "factorize_large_utf8",
    "factorize_utf8",
    "find_cycle",
    "furfine",
    "furfine_many",
    "holdings_of",
    "integrated",
    "look_through",
    "look_through_many",
    "num_threads",
    "read_bods_bytes",
    "read_bods_path",
    "reciprocity",
    "release_freed",
    "round_trips",
    "scatter",
    "self_funded",
    "simple_cycles",
    "synthetic_investor_graph",
]

__version__: str

_F64s = npt.NDArray[np.float64]
_U32s = npt.NDArray[np.uint32]
_U8s = npt.NDArray[np.uint8]

class _Csr(TypedDict):
    offsets: npt.NDArray[np.uint64]
    targets: _U32s
    kinds: _U8s
    shares: _F64s
    amounts: _F64s  # empty when no amount is known

@final
class CoreGraph:
    @property
    def num_nodes(self) -> int: ...
    @property
    def num_edges(self) -> int: ...
    @property
    def merged_duplicates(self) -> int: ...
    @property
    def upper(self) -> bool: ...
    def reweighted(
        self,
        shares: _F64s,
        drop_zero: bool,
        check_share_sums: bool,
        upper: bool,
    ) -> CoreGraph: ...
    def edge_positions(
        self,
        source: _U32s,
        target: _U32s,
        kind: _U8s,
    ) -> npt.NDArray[np.int64]: ...
    def divergent_components(self) -> list[tuple[int, list[int]]]: ...
    def csr(self) -> _Csr: ...
    def save_parts(
        self, build_plan: bool
    ) -> tuple[dict[str, int], dict[str, npt.NDArray[np.uint8]]]: ...
    @staticmethod
    def open_parts(
        numbers: dict[str, int], arrays: dict[str, npt.NDArray[np.uint8]]
    ) -> CoreGraph: ...
    @property
    def has_plan(self) -> bool: ...

def build_graph(
    num_nodes: int,
    source: _U32s,
    target: _U32s,
    kind: _U8s,
    share: _F64s,
    amount: _F64s,
    check_share_sums: bool,
) -> CoreGraph: ...

@final
class NodeIndex:
    @staticmethod
    def of_ints(labels: npt.NDArray[np.int64]) -> NodeIndex: ...
    @staticmethod
    def of_strings(offsets: npt.NDArray[np.int64], data: _U8s) -> NodeIndex: ...
    def find_ints(self, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]: ...
    def find_strings(self, offsets: npt.NDArray[np.int64], data: _U8s) -> npt.NDArray[np.int64]: ...

class _Scattered(TypedDict):
    values: _F64s
    missing: npt.NDArray[np.int64]

def scatter(found: npt.NDArray[np.int64], values: _F64s, num_nodes: int) -> _Scattered: ...

class _Codes(TypedDict):
    codes: _U32s  # each id's dense index
    first: npt.NDArray[np.uint64]  # each index's first position

def factorize_int64(chunks: list[npt.NDArray[np.int64]]) -> _Codes: ...
def factorize_utf8(offsets: list[npt.NDArray[np.int32]], data: list[_U8s]) -> _Codes: ...
def factorize_large_utf8(offsets: list[npt.NDArray[np.int64]], data: list[_U8s]) -> _Codes: ...

class _SyntheticEdges(TypedDict):
    source: npt.NDArray[np.int64]
    target: npt.NDArray[np.int64]
    kind: _U8s
    share: _F64s
    amount: _F64s  # empty without commitments

def synthetic_investor_graph(
    num_nodes: int,
    avg_degree: float,
    cross_holding: float,
    max_held: float,
    commitments: float,
    seed: int,
    core_held: _F64s,
) -> _SyntheticEdges: ...

class _Losses(TypedDict):
    equity: _F64s
    credit: _F64s
    commitment: _F64s
    direct: _F64s  # the whole first round, W s + R d
    total: _F64s  # (I - W)^-1 (W s + R d)

def look_through(
    graph: CoreGraph,
    value_loss: _F64s,
    default: _F64s,
    unknown: float,
) -> _Losses: ...

class _Line(TypedDict):
    nodes: _U32s
    direct: _F64s
    integrated: _F64s

def holdings_of(graph: CoreGraph, node: int) -> _Line: ...
def exposure_to(graph: CoreGraph, node: int) -> _Line: ...

class _Integrated(TypedDict):
    holder: npt.NDArray[np.int64]  # -1: the free float
    issuer: _U32s
    direct: _F64s
    integrated: _F64s
    bound: float  # the largest error of a value; inf when simple paths were cut

def integrated(
    graph: CoreGraph,
    method: str,
    threshold: float,
    max_depth: int | None = None,
    min_weight: float = 0.0,
    held: npt.NDArray[np.bool_] | None = None,
    sparse: bool = False,
    direct: bool = True,
    float_threshold: float | None = None,
) -> _Integrated: ...

class _Bounded(TypedDict):
    lo: _F64s
    hi: _F64s
    agree: _U8s  # validity bitmap of the value column
    disagree: int
    lo_valid: _U8s
    lo_nulls: int
    hi_valid: _U8s
    hi_nulls: int

def bounded(lo: _F64s, hi: _F64s) -> _Bounded: ...
def release_freed() -> None: ...

class _Components(TypedDict):
    component: _U32s
    sizes: _U32s

class _Cycles(TypedDict):
    lengths: _U32s
    nodes: _U32s  # flat, cycle after cycle
    kinds: _U8s  # flat, per edge
    weight: _F64s  # NaN: no weight
    bottleneck: _F64s  # NaN: an amount unknown

class _FoundCycles(_Cycles):
    truncated: bool
    over_budget: bool

def components(graph: CoreGraph, kinds: list[int]) -> _Components: ...
def find_cycle(graph: CoreGraph, kinds: list[int]) -> _Cycles | None: ...
def simple_cycles(
    graph: CoreGraph,
    kinds: list[int],
    limit: int,
    max_length: int | None = None,
    min_weight: float | None = None,
    min_amount: float | None = None,
    max_nodes: int = ...,
) -> _FoundCycles: ...

class _RoundTrips(TypedDict):
    source: _U32s
    target: _U32s
    kind: _U8s
    invested: _F64s
    returned: _F64s
    ratio: _F64s

def round_trips(graph: CoreGraph) -> _RoundTrips: ...

class _SelfFunded(TypedDict):
    node: _U32s
    revenue: _F64s
    self_funded: _F64s
    unknown: _U32s
    unknown_owned: _U32s
    bound: _F64s

def self_funded(
    graph: CoreGraph, payees: _U32s | None = None, sparse: bool = False
) -> _SelfFunded: ...

class _Reciprocity(TypedDict):
    reciprocated: float
    total: float
    unknown: int

def reciprocity(graph: CoreGraph) -> _Reciprocity: ...
def _spin_for_test(seconds: float) -> int: ...
def _panic_for_test(where_: str = "work") -> int: ...
def num_threads() -> int: ...

class _DebtRank(TypedDict):
    distress: npt.NDArray[np.float64]
    rounds: int

def debtrank(
    graph: CoreGraph,
    kinds: list[int],
    equity: _F64s,
    shock: _F64s,
    variant: str,
    alpha: float,
) -> _DebtRank: ...

class _Furfine(TypedDict):
    round: npt.NDArray[np.int64]
    rounds: int

def furfine(
    graph: CoreGraph,
    kinds: list[int],
    equity: _F64s,
    shocked: _U32s,
    lgd: float,
    at_threshold: str,
) -> _Furfine: ...

class _Clearing(TypedDict):
    obligation: npt.NDArray[np.float64]
    payment: npt.NDArray[np.float64]
    assets: npt.NDArray[np.float64]
    defaulted: npt.NDArray[np.bool_]
    rounds: int

def clearing(
    graph: CoreGraph,
    kinds: list[int],
    external_assets: _F64s,
    external_liabilities: _F64s,
    alpha: float,
    beta: float,
    priority: str,
) -> _Clearing: ...

_U64s = npt.NDArray[np.uint64]

class _DebtRankMany(TypedDict):
    scenario: _U32s
    node: _U32s
    initial: npt.NDArray[np.float64]
    distress: npt.NDArray[np.float64]
    added: npt.NDArray[np.float64]
    distressed: _U32s
    defaulted: _U32s
    rounds: _U32s

def debtrank_many(
    graph: CoreGraph,
    kinds: list[int],
    equity: _F64s,
    weight: _F64s,
    offsets: _U64s,
    nodes: _U32s,
    values: _F64s,
    variant: str,
    alpha: float,
    rows: bool,
) -> _DebtRankMany: ...

class _FurfineMany(TypedDict):
    scenario: _U32s
    node: _U32s
    round: _U32s
    failed: _U32s
    rounds: _U32s

def furfine_many(
    graph: CoreGraph,
    kinds: list[int],
    equity: _F64s,
    offsets: _U64s,
    nodes: _U32s,
    values: _F64s,
    lgd: float,
    at_threshold: str,
    rows: bool,
) -> _FurfineMany: ...

class _ClearingMany(TypedDict):
    scenario: _U32s
    node: _U32s
    shock: npt.NDArray[np.float64]
    payment: npt.NDArray[np.float64]
    assets: npt.NDArray[np.float64]
    defaulted: npt.NDArray[np.bool_]
    defaulters: _U32s
    shortfall: npt.NDArray[np.float64]
    equity_loss: npt.NDArray[np.float64]
    rounds: _U32s
    base_obligation: npt.NDArray[np.float64]
    base_payment: npt.NDArray[np.float64]
    base_assets: npt.NDArray[np.float64]
    base_defaulted: npt.NDArray[np.bool_]
    base_rounds: int

def clearing_many(
    graph: CoreGraph,
    kinds: list[int],
    external_assets: _F64s,
    external_liabilities: _F64s,
    offsets: _U64s,
    nodes: _U32s,
    values: _F64s,
    alpha: float,
    beta: float,
    priority: str,
    rows: bool,
) -> _ClearingMany: ...

class _LossesMany(TypedDict):
    scenario: _U32s
    node: _U32s
    equity: npt.NDArray[np.float64]
    credit: npt.NDArray[np.float64]
    commitment: npt.NDArray[np.float64]
    direct: npt.NDArray[np.float64]
    total: npt.NDArray[np.float64]
    direct_sum: npt.NDArray[np.float64]
    total_sum: npt.NDArray[np.float64]
    dense: int

def look_through_many(
    graph: CoreGraph,
    v_offsets: _U64s,
    v_nodes: _U32s,
    v_values: _F64s,
    d_offsets: _U64s,
    d_nodes: _U32s,
    d_values: _F64s,
    unknown: float,
    rows: bool,
) -> _LossesMany: ...

class _Blocked(TypedDict):
    blocked: npt.NDArray[np.bool_]
    held: npt.NDArray[np.float64]
    owner_offsets: npt.NDArray[np.uintp]
    owners: _U32s

def blocked(
    graph: CoreGraph,
    listed: _U32s,
    threshold: float,
    strict: bool,
    aggregate: bool,
) -> _Blocked: ...

class _Control(TypedDict):
    controller: _U32s
    controlled: _U32s
    held: npt.NDArray[np.float64]
    controls: npt.NDArray[np.bool_]
    cut: _U32s

def control(
    graph: CoreGraph,
    candidates: _U32s,
    threshold: float,
    strict: bool,
    max_controlled: int,
    report_above: float | None = None,
    max_depth: int | None = None,
) -> _Control: ...

# A BODS column as Arrow buffers: ("str", offsets int64, data, validity | None, null count),
# ("float", values, validity | None, null count), ("bool", bits, length, validity | None,
# null count) or ("identifiers", offsets int64, (scheme, id, schemeName, uri) as "str" tuples).
_BodsColumn = tuple[Any, ...]
_BodsTable = list[list[tuple[str, _BodsColumn]]]

def read_bods_path(
    path: str | os.PathLike[str],
    share_range: str,
    interest: str,
    as_of: int | None = None,
    interests: bool = True,
    chunk_text: int | None = None,
) -> tuple[_BodsTable, _BodsTable, _BodsTable]: ...
def read_bods_bytes(
    data: bytes,
    name: str,
    share_range: str,
    interest: str,
    as_of: int | None = None,
    interests: bool = True,
    chunk_text: int | None = None,
) -> tuple[_BodsTable, _BodsTable, _BodsTable]: ...
