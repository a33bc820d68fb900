//! The one helper through which every long call runs: the work goes to a scoped worker thread
//! while the calling thread, GIL released, waits on it and wakes every `POLL` to let Python
//! handle signals. Ctrl-C raises the core's interrupt flag and surfaces as `KeyboardInterrupt`;
//! a panic in the work becomes `aiexposure.InternalError`, never `PanicException`.
//!
//! The work runs on this process's own rayon pool, not rayon's global one: a process forked
//! after a parallel call (multiprocessing's `fork` context) inherits the global pool's state
//! but none of its threads, and would wait forever on it. A pid change builds a fresh pool.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aiexposure_core::error;
use aiexposure_core::interrupt::Interrupt;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::errors;

/// Signal latency bound: Python signal handlers run at most this long after Ctrl-C.
const POLL: Duration = Duration::from_millis(20);

/// The pool of this process and the pid that built it.
static POOL: Mutex<Option<(u32, Arc<ThreadPool>)>> = Mutex::new(None);

/// This process's pool, built on first use and again after a fork. Its size is rayon's
/// default: `RAYON_NUM_THREADS` if set, else one thread per CPU.
fn pool() -> PyResult<Arc<ThreadPool>> {
    let pid = std::process::id();
    // A poisoned lock only means a panic elsewhere while it was held; the data is whole.
    let mut slot = POOL.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((owner, pool)) = slot.as_ref() {
        if *owner == pid {
            return Ok(Arc::clone(pool));
        }
    }
    let pool = ThreadPoolBuilder::new()
        .thread_name(|i| format!("aiexposure-{i}"))
        .build()
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start worker threads: {e}")))?;
    let pool = Arc::new(pool);
    if let Some((_, inherited)) = slot.replace((pid, Arc::clone(&pool))) {
        // The parent's pool: its threads do not exist here, so never drop (join) it.
        std::mem::forget(inherited);
    }
    Ok(pool)
}

/// Runs a whole binding function, result shaping included, so that a panic anywhere in it
/// becomes `InternalError`, never `PanicException`.
pub fn guard<T>(py: Python<'_>, body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|payload| Err(errors::internal_error(py, payload.as_ref())))
}

pub fn run<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce(Interrupt<'_>) -> error::Result<T> + Send,
{
    let stop = AtomicBool::new(false);
    let pool = pool()?;
    std::thread::scope(|scope| {
        let (done_tx, mut done_rx) = mpsc::channel::<()>();
        let stop_flag = &stop;
        let pool = &pool;
        // Whether the work ran past a poll: a long call, which may have freed much.
        let mut long = false;
        let worker = scope.spawn(move || {
            let result = pool.install(|| work(Interrupt::new(stop_flag)));
            // The receiver may be gone if the caller was interrupted; nothing to tell then.
            let _ = done_tx.send(());
            result
        });
        loop {
            let (rx, waited) = py.detach(move || {
                let waited = done_rx.recv_timeout(POLL);
                (done_rx, waited)
            });
            done_rx = rx;
            match waited {
                // Finished, or panicked (the sender was dropped while unwinding).
                Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    long = true;
                    if let Err(signal) = py.check_signals() {
                        stop.store(true, Ordering::Relaxed);
                        // The worker polls the flag; wait for it without holding the GIL.
                        let _ = py.detach(move || worker.join());
                        return Err(signal);
                    }
                }
            }
        }
        let joined = py.detach(move || {
            let joined = worker.join();
            if long {
                // glibc's malloc keeps what a long call freed (its temporaries, often GBs at
                // register scale) as this process's memory: hand it back (a few ms).
                aiexposure_core::memory::release_freed();
            }
            joined
        });
        match joined {
            Ok(result) => result.map_err(|e| errors::to_pyerr(py, e)),
            Err(payload) => Err(errors::internal_error(py, payload.as_ref())),
        }
    })
}

/// `run` for work that cannot fail (no error, no interrupt to poll): the GIL is still
/// released and the work still runs on this process's pool, but there is no error to map
/// (polars' `enter_polars_ok`). A panic in it still comes back as `InternalError` through the
/// caller's `guard`.
pub fn run_ok<T, F>(py: Python<'_>, work: F) -> T
where
    T: Send,
    F: FnOnce() -> T + Send,
{
    match pool() {
        Ok(pool) => py.detach(|| pool.install(work)),
        // No worker threads to be had: the work still runs, on this thread.
        Err(_) => py.detach(work),
    }
}

/// Spins for `seconds` inside `run`, for the tests of the GIL release and of Ctrl-C (test
/// hook: `_spin_for_test` in Python; a leading `_` in Rust would mean "unused").
#[pyfunction(name = "_spin_for_test")]
pub fn spin_for_test(py: Python<'_>, seconds: f64) -> PyResult<u64> {
    run(py, |interrupt| interrupt.spin(seconds))
}

/// Panics inside `run` (`where_ = "work"`), in a rayon task of the work (`"parallel"`) or
/// while shaping the result after it (`"shaping"`), for the tests that no panic reaches
/// Python as `PanicException` (test hook: `_panic_for_test` in Python).
#[pyfunction(name = "_panic_for_test")]
#[pyo3(signature = (where_="work"))]
pub fn panic_for_test(py: Python<'_>, where_: &str) -> PyResult<usize> {
    guard(py, || {
        let threads = run(py, |_| -> error::Result<usize> {
            match where_ {
                "work" => panic!("deliberate panic for the test suite"),
                "parallel" => {
                    rayon::join(|| panic!("deliberate panic in a parallel task"), || ());
                    Ok(0)
                }
                _ => Ok(rayon::current_num_threads()),
            }
        })?;
        if where_ == "shaping" {
            panic!("deliberate panic while shaping the result");
        }
        Ok(threads)
    })
}

/// The number of threads parallel calls of this process use.
#[pyfunction]
pub fn num_threads(py: Python<'_>) -> PyResult<usize> {
    guard(py, || Ok(run_ok(py, rayon::current_num_threads)))
}
