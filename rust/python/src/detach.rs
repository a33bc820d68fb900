//! The one helper through which every long call runs: the work goes to a scoped worker thread
//! while the calling thread, GIL released, waits on it and wakes every `POLL` to let Python
//! handle signals. Ctrl-C raises the core's interrupt flag and surfaces as `KeyboardInterrupt`;
//! a panic in the work becomes `aiexposure.InternalError`, never `PanicException`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use aiexposure_core::{Interrupt, Result as CoreResult};
use pyo3::prelude::*;

use crate::errors;

/// Signal latency bound: Python signal handlers run at most this long after Ctrl-C.
const POLL: Duration = Duration::from_millis(20);

pub fn run<T, F>(py: Python<'_>, work: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce(Interrupt<'_>) -> CoreResult<T> + Send,
{
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let (done_tx, mut done_rx) = mpsc::channel::<()>();
        let stop_flag = &stop;
        let worker = scope.spawn(move || {
            let result = work(Interrupt::new(stop_flag));
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
                    if let Err(signal) = py.check_signals() {
                        stop.store(true, Ordering::Relaxed);
                        // The worker polls the flag; wait for it without holding the GIL.
                        let _ = py.detach(move || worker.join());
                        return Err(signal);
                    }
                }
            }
        }
        match py.detach(move || worker.join()) {
            Ok(result) => result.map_err(|e| errors::to_pyerr(py, e)),
            Err(payload) => Err(errors::internal_error(py, payload.as_ref())),
        }
    })
}

/// Spins for `seconds` inside `run`, for the tests of the GIL release and of Ctrl-C.
#[pyfunction]
pub fn spin_for_test(py: Python<'_>, seconds: f64) -> PyResult<u64> {
    run(py, |interrupt| interrupt.spin(seconds))
}

/// Panics inside `run`, for the test that no panic reaches Python as `PanicException`.
#[pyfunction]
pub fn panic_for_test(py: Python<'_>) -> PyResult<()> {
    run(py, |_| -> CoreResult<()> {
        panic!("deliberate panic for the test suite")
    })
}
