"""Shared test helpers."""

import subprocess
import sys

import pytest


def run_cli(*args, cwd=None):
    """``python -m aiexposure ARGS`` in a subprocess (piped: no progress bar)."""
    return subprocess.run(
        [sys.executable, "-m", "aiexposure", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


@pytest.fixture
def cli():
    return run_cli
