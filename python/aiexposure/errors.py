"""The exception hierarchy of aiexposure.

Every exception raised for bad data is an :class:`AIExposureError`, itself a ``ValueError``, so
``except ValueError`` keeps working. Messages say what was wrong, where (row, node, column) and
what to do. Exceptions that concern nodes carry them in ``nodes`` (labels as in the input);
those that concern rows carry ``rows`` (0-based row numbers of the edge table). A bug of ours
is an :class:`InternalError`, a ``RuntimeError`` outside that family.

>>> import aiexposure
>>> issubclass(aiexposure.InvalidGraphError, ValueError)
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

__all__ = [
    "AIExposureError",
    "BoundWarning",
    "ClosedCycleError",
    "ConvergenceError",
    "InternalError",
    "InvalidBodsError",
    "InvalidGraphError",
    "LargeResultWarning",
    "UnknownNodeError",
]


class AIExposureError(ValueError):
    """Base class of every aiexposure error.

    >>> from aiexposure import AIExposureError, Graph
    >>> try:
    ...     Graph.from_arrow({"source": ["A"], "target": ["B"], "share": [1.5]})
    ... except AIExposureError as e:
    ...     print(e.rows)
    [0]
    """

    def __init__(
        self,
        message: str,
        *,
        rows: Sequence[int] | None = None,
        nodes: Sequence[Any] | None = None,
        template: str | None = None,
    ) -> None:
        super().__init__(message)
        self.rows: list[int] = list(rows or [])
        self.nodes: list[Any] = list(nodes or [])
        # The message with "{rows}" where it names the rows, so that a reader of another
        # format can say where in its own words (BODS statement ids, file lines).
        self.template = template

    def located(self, where: str) -> str:
        """The message with its rows named as ``where``; the message with `` (where)``
        appended when it names no rows."""
        if self.template is not None:
            return self.template.replace("{rows}", where)
        return f"{self} ({where})"


class InvalidGraphError(AIExposureError):
    """The edge table breaks the data model: nulls, bad shares or amounts, unknown kinds,
    over-held issuers, refused self-loops or duplicates.

    >>> from aiexposure import Graph, InvalidGraphError
    >>> try:
    ...     Graph.from_arrow({"source": ["A", "B"], "target": ["C", "C"], "share": [0.7, 0.6]})
    ... except InvalidGraphError as e:
    ...     print(e.nodes[0])
    C
    """


class SavedGraphError(AIExposureError):
    """A file given to ``Graph.open`` (or bytes unpickled) that is not a graph written by
    ``Graph.save``, is damaged, or was saved in another format version; the message says
    which, and to save the graph again.

    >>> import os, tempfile
    >>> from aiexposure import Graph, SavedGraphError
    >>> path = os.path.join(tempfile.mkdtemp(), "notes.arrow")
    >>> with open(path, "w") as f:
    ...     _ = f.write("not a graph")
    >>> try:
    ...     Graph.open(path)
    ... except SavedGraphError as e:
    ...     print("not an Arrow IPC file" in str(e))
    True
    """


class InvalidBodsError(InvalidGraphError):
    """BODS input that cannot be read as v0.4 statements (broken JSON, v0.3 shapes, missing
    fields, dangling recordId references, bad shares); ``statement_ids`` names the statements
    at fault.

    >>> from aiexposure import Graph, InvalidBodsError
    >>> try:
    ...     Graph.from_bods([{"statementID": "x", "statementType": "entityStatement"}])
    ... except InvalidBodsError as e:
    ...     print(str(e)[:52])
    statement x is BODS v0.3 or older (entityStatement);
    """

    def __init__(
        self,
        message: str,
        *,
        statement_ids: Sequence[str] | None = None,
        rows: Sequence[int] | None = None,
        nodes: Sequence[Any] | None = None,
    ) -> None:
        super().__init__(message, rows=rows, nodes=nodes)
        self.statement_ids: list[str] = list(statement_ids or [])


class ClosedCycleError(AIExposureError):
    """A closed strongly connected component (every member fully held inside it) makes the
    walk sum (I - W)^-1 diverge; ``nodes`` names its members.

    >>> from aiexposure import ClosedCycleError, AIExposureError
    >>> issubclass(ClosedCycleError, AIExposureError)
    True
    """


class ConvergenceError(AIExposureError):
    """An iterative solver did not reach its stated tolerance; no inaccurate result is returned.

    >>> from aiexposure import ConvergenceError, AIExposureError
    >>> issubclass(ConvergenceError, AIExposureError)
    True
    """


class UnknownNodeError(AIExposureError):
    """A node named in an argument is not in the graph.

    >>> from aiexposure import Graph, UnknownNodeError
    >>> g = Graph.from_arrow({"source": ["A"], "target": ["B"], "share": [0.5]})
    >>> try:
    ...     g.holdings_of("C")
    ... except UnknownNodeError as e:
    ...     print(e.nodes)
    ['C']

    ``suggestion`` is the nearest label when one is close (``"a"`` for ``A``), else None.
    """

    def __init__(
        self,
        message: str,
        *,
        rows: Sequence[int] | None = None,
        nodes: Sequence[Any] | None = None,
        suggestion: Any = None,
    ) -> None:
        super().__init__(message, rows=rows, nodes=nodes)
        self.suggestion = suggestion


class BoundWarning(UserWarning):
    """A bound (max_depth, min_weight, limit) cut a result short; the result is marked.

    >>> from aiexposure import BoundWarning
    >>> issubclass(BoundWarning, UserWarning)
    True
    """


class LargeResultWarning(UserWarning):
    """A call is about to build a result predicted to be too large for memory (an exact
    ownership table of more than 10 million rows); the message says what to ask instead.

    >>> from aiexposure import LargeResultWarning
    >>> issubclass(LargeResultWarning, UserWarning)
    True
    """


class InternalError(RuntimeError):
    """A bug inside aiexposure (a Rust panic, caught before it reached you), not a mistake in
    the input: a ``RuntimeError``, deliberately neither a ``ValueError`` nor an
    :class:`AIExposureError`, so that ``except ValueError`` never hides it. Please report it
    with the input that triggered it; the command line prints its traceback and exits 70.

    >>> from aiexposure import InternalError
    >>> issubclass(InternalError, RuntimeError), issubclass(InternalError, ValueError)
    (True, False)
    """

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message)
        self.rows: list[int] = list(kwargs.get("rows") or [])
        self.nodes: list[Any] = list(kwargs.get("nodes") or [])


_NODE_REF = re.compile(r"⟦(\d+)⟧")


def name_nodes(error: AIExposureError, label: Callable[[int], Any]) -> AIExposureError:
    """Rewrite the ``⟦index⟧`` node references of a core error with the caller's labels."""
    indices = list(getattr(error, "node_indices", None) or [])
    message = _NODE_REF.sub(lambda m: repr(label(int(m.group(1)))), str(error))
    error.args = (message,)
    error.nodes = [label(i) for i in dict.fromkeys(indices)]
    return error
