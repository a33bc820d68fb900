"""aiexposure: ownership-weighted indirect exposure and circular financing over investor graphs.

A Rust core (CSR graphs, exact SCC-ordered solvers, cycle search) behind a Python API on
Apache Arrow data.

>>> import aiexposure
>>> g = aiexposure.Graph.from_arrow({"source": ["P"], "target": ["A"], "share": [0.8]})
>>> g
Graph(num_nodes=2, num_edges=1, equity=1, credit=0, commitment=0)
"""

from ._bods import BodsData, read_bods
from ._bods_write import write_bods
from ._contagion import (
    ClearingResult,
    ClearingScenarios,
    DebtRankResult,
    DebtRankScenarios,
    FurfineResult,
    FurfineScenarios,
)
from ._core import __version__
from ._cycles import CircularFinancing
from ._exposure import LookThroughScenarios
from ._scenarios import Each, each
from .errors import (
    AIExposureError,
    BoundWarning,
    ClosedCycleError,
    ConvergenceError,
    InternalError,
    InvalidBodsError,
    InvalidGraphError,
    LargeResultWarning,
    SavedGraphError,
    UnknownNodeError,
)
from .graph import Graph

__all__ = [
    "AIExposureError",
    "BodsData",
    "BoundWarning",
    "CircularFinancing",
    "ClearingResult",
    "ClearingScenarios",
    "ClosedCycleError",
    "ConvergenceError",
    "DebtRankResult",
    "DebtRankScenarios",
    "Each",
    "FurfineResult",
    "FurfineScenarios",
    "Graph",
    "InternalError",
    "InvalidBodsError",
    "InvalidGraphError",
    "LargeResultWarning",
    "LookThroughScenarios",
    "SavedGraphError",
    "UnknownNodeError",
    "__version__",
    "each",
    "read_bods",
    "write_bods",
]

_SUBMODULES = ("datasets", "synthetic")


def __getattr__(name: str) -> object:
    """``aiexposure.datasets`` and ``aiexposure.synthetic`` without importing them by hand:
    loaded on first use (matplotlib and the seed files stay unloaded until then)."""
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'aiexposure' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_SUBMODULES])
