"""Progress of the command line's long work: a bar on a terminal's stderr, nothing when piped."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

WIDTH = 24


class Progress:
    """Numbered steps drawn as ``[#####-----] 2/5 finding cycles (0.4 s)`` on one line.

    Enabled only when ``stream`` is a terminal, so logs and pipes stay clean.

    >>> import io
    >>> p = Progress(2, io.StringIO())
    >>> with p.step("building the graph"):
    ...     pass
    >>> p.enabled
    False
    """

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.total = max(total, 1)
        self.done = 0
        self.start = time.perf_counter()

    def _draw(self, label: str) -> None:
        filled = WIDTH * self.done // self.total
        bar = "#" * filled + "-" * (WIDTH - filled)
        elapsed = time.perf_counter() - self.start
        line = f"[{bar}] {self.done}/{self.total} {label} ({elapsed:.1f} s)"
        self.stream.write("\r" + line[:99].ljust(99))
        self.stream.flush()

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        if self.enabled:
            self._draw(label + "…")
        try:
            yield
        except BaseException:
            self.clear()  # the error message gets a clean line
            raise
        self.done += 1
        if self.enabled:
            self._draw(label)
            if self.done >= self.total:
                self.clear()

    def tick(self, label: str) -> None:
        """One more step done (steps that end in any order: a cluster's tasks)."""
        self.done += 1
        if self.enabled:
            self._draw(label)

    def clear(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * 99 + "\r")
            self.stream.flush()
