# Hand-written stubs of the native module aiexposure._core (rust/python). Private API: the
# public one is aiexposure.Graph.
import numpy as np
import numpy.typing as npt

__version__: str

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
        shares: npt.NDArray[np.float64],
        drop_zero: bool,
        check_share_sums: bool,
        upper: bool,
    ) -> CoreGraph: ...
    def edge_positions(
        self,
        source: npt.NDArray[np.uint32],
        target: npt.NDArray[np.uint32],
        kind: npt.NDArray[np.uint8],
    ) -> npt.NDArray[np.int64]: ...
    def divergent_components(self) -> list[tuple[int, list[int]]]: ...
    def csr(
        self,
    ) -> tuple[
        npt.NDArray[np.uint64],
        npt.NDArray[np.uint32],
        npt.NDArray[np.uint8],
        npt.NDArray[np.float64],
        npt.NDArray[np.float64],
    ]: ...

def build_graph(
    num_nodes: int,
    source: npt.NDArray[np.uint32],
    target: npt.NDArray[np.uint32],
    kind: npt.NDArray[np.uint8],
    share: npt.NDArray[np.float64],
    amount: npt.NDArray[np.float64],
    check_share_sums: bool,
) -> CoreGraph: ...
def factorize_int64(
    chunks: list[npt.NDArray[np.int64]],
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64]]: ...
def factorize_utf8(
    offsets: list[npt.NDArray[np.int32]], data: list[npt.NDArray[np.uint8]]
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64]]: ...
def factorize_large_utf8(
    offsets: list[npt.NDArray[np.int64]], data: list[npt.NDArray[np.uint8]]
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64]]: ...
def synthetic_investor_graph(
    num_nodes: int,
    avg_degree: float,
    cross_holding: float,
    max_held: float,
    commitments: float,
    seed: int,
    core_held: npt.NDArray[np.float64],
) -> tuple[
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.uint8],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
]: ...
def look_through(
    graph: CoreGraph,
    value_loss: npt.NDArray[np.float64],
    default: npt.NDArray[np.float64],
    unknown: float,
) -> tuple[
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
]: ...
def holdings_of(
    graph: CoreGraph, node: int
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def exposure_to(
    graph: CoreGraph, node: int
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def integrated(
    graph: CoreGraph,
    method: str,
    threshold: float,
    max_depth: int | None = None,
    min_weight: float = 0.0,
    held: npt.NDArray[np.bool_] | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint32], npt.NDArray[np.float64], float]: ...
def bounded(
    lo: npt.NDArray[np.float64], hi: npt.NDArray[np.float64]
) -> tuple[
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.uint8],
    int,
    npt.NDArray[np.uint8],
    int,
    npt.NDArray[np.uint8],
    int,
]: ...

# Cycles: (lengths, nodes flat, kinds flat, weight, bottleneck); NaN is a missing value.
_Cycles = tuple[
    npt.NDArray[np.uint32],
    npt.NDArray[np.uint32],
    npt.NDArray[np.uint8],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
]

def components(
    graph: CoreGraph, kinds: list[int]
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]: ...
def find_cycle(graph: CoreGraph, kinds: list[int]) -> _Cycles | None: ...
def simple_cycles(
    graph: CoreGraph,
    kinds: list[int],
    limit: int,
    max_length: int | None = None,
    min_weight: float | None = None,
    min_amount: float | None = None,
    max_nodes: int = ...,
) -> tuple[_Cycles, bool, bool]: ...
def round_trips(
    graph: CoreGraph,
) -> tuple[
    npt.NDArray[np.uint32],
    npt.NDArray[np.uint32],
    npt.NDArray[np.uint8],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
]: ...
def self_funded(
    graph: CoreGraph,
    payees: npt.NDArray[np.uint32] | None = None,
) -> tuple[
    npt.NDArray[np.uint32],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.uint32],
    npt.NDArray[np.uint32],
]: ...
def reciprocity(graph: CoreGraph) -> tuple[float, float, int]: ...
def _spin_for_test(seconds: float) -> int: ...
def _panic_for_test(where_: str = "work") -> int: ...
def num_threads() -> int: ...
