//! Handing the heap a large build freed back to the system.

use pyo3::prelude::*;

/// Returns the free pages of the heap to the system: glibc's malloc keeps what a large
/// graph build freed (its temporaries) as the process's memory. The Python layer calls it
/// after building a large graph; a no-op elsewhere than glibc.
#[pyfunction]
pub fn release_freed(py: Python<'_>) {
    py.detach(aiexposure_core::memory::release_freed);
}
