//! Borrowing numpy arrays as Rust slices.

use numpy::{Element, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// The array's data as a slice; numpy arrays from the Python layer are always contiguous, so a
/// strided one is a caller bug reported as `ValueError`.
pub fn slice<'a, T: Element>(array: &'a PyReadonlyArray1<'_, T>, name: &str) -> PyResult<&'a [T]> {
    array
        .as_slice()
        .map_err(|_| PyValueError::new_err(format!("array '{name}' must be C-contiguous")))
}
