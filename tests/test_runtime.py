"""The Rust boundary: the GIL is released on long calls, Ctrl-C interrupts them, panics are
caught, results are deterministic."""

import os
import signal
import threading
import time
from contextlib import contextmanager

import numpy as np
import pytest

import aiexposure
from aiexposure import InternalError, _core


@contextmanager
def ticking(period: float):
    """Count, in another Python thread, how often it gets to run every `period` seconds."""
    state = {"ticks": 0}
    stop = threading.Event()

    def count():
        while not stop.is_set():
            state["ticks"] += 1
            time.sleep(period)

    t = threading.Thread(target=count)
    t.start()
    try:
        time.sleep(0.01)
        yield state
    finally:
        stop.set()
        t.join()


def test_other_python_threads_run_during_a_long_call():
    with ticking(0.001) as state:
        before = state["ticks"]
        _core._spin_for_test(0.5)
        during = state["ticks"] - before
    # A held GIL would freeze the counter for the whole half second.
    assert during > 50, during


def test_other_threads_run_during_a_real_graph_build():
    rng = np.random.default_rng(1)
    n, m = 200_000, 1_000_000
    src = rng.integers(0, n, m).astype(np.uint32)
    dst = rng.integers(0, n, m).astype(np.uint32)
    kinds = np.ones(m, np.uint8)  # credit: no shares needed
    with ticking(0.0005) as state:
        before, start = state["ticks"], time.perf_counter()
        _core.build_graph(n, src, dst, kinds, np.empty(0), np.empty(0), True)
        elapsed = time.perf_counter() - start
        counted = state["ticks"] - before
    # The counter thread must have kept running for a good part of the build.
    assert counted >= max(1, int(elapsed / 0.0005 * 0.1)), (counted, elapsed)


@pytest.mark.skipif(os.name != "posix", reason="SIGINT delivery via os.kill")
def test_ctrl_c_interrupts_a_long_call_quickly(sigint):
    sent = {}

    def interrupt():
        sent["at"] = time.perf_counter()
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(0.2, interrupt)
    timer.start()
    start = time.perf_counter()
    try:
        with pytest.raises(KeyboardInterrupt):
            _core._spin_for_test(30.0)
    finally:
        timer.join()  # never leave a signal pending for the next test
    latency = time.perf_counter() - sent["at"]
    assert time.perf_counter() - start < 5
    # About 0.02 s expected (the poll period); generous bound against a loaded CI machine.
    assert latency < 0.5, latency


def test_a_rust_panic_becomes_internal_error_not_panic_exception():
    with pytest.raises(InternalError, match="deliberate panic") as info:
        _core._panic_for_test()
    assert type(info.value).__name__ == "InternalError"
    # A bug of ours, not bad data: a RuntimeError outside the ValueError family.
    assert isinstance(info.value, RuntimeError)
    assert not isinstance(info.value, (ValueError, aiexposure.AIExposureError))
    # The interpreter and the module keep working afterwards.
    assert _core._spin_for_test(0.0) >= 0


def test_core_rejects_inconsistent_arrays_without_panicking():
    with pytest.raises(aiexposure.InvalidGraphError, match="out of range"):
        _core.build_graph(
            2,
            np.array([0, 5], np.uint32),
            np.array([1, 1], np.uint32),
            np.zeros(2, np.uint8),
            np.array([0.5, 0.5]),
            np.empty(0),
            True,
        )
    # Columns of different lengths break the call's contract (our bug, not the data's): a
    # plain ValueError, outside the bad-data family (issue 14).
    with pytest.raises(ValueError, match="items, expected") as info:
        _core.build_graph(
            2,
            np.array([0], np.uint32),
            np.array([1, 1], np.uint32),
            np.empty(0, np.uint8),
            np.array([0.5]),
            np.empty(0),
            True,
        )
    assert not isinstance(info.value, aiexposure.AIExposureError)
