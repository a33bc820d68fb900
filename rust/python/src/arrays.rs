//! Borrowing numpy arrays as Rust slices, and handing results back by name.

use numpy::{Element, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The array's data as a slice; numpy arrays from the Python layer are always contiguous, so a
/// strided one is a caller bug reported as `ValueError`.
pub fn slice<'a, T: Element>(array: &'a PyReadonlyArray1<'_, T>, name: &str) -> PyResult<&'a [T]> {
    array
        .as_slice()
        .map_err(|_| PyValueError::new_err(format!("array '{name}' must be C-contiguous")))
}

/// A result as a dict of named values (numpy arrays, numbers, flags): callers read each by
/// name, so adding a column never shifts another.
pub fn named<'py>(
    py: Python<'py>,
    items: Vec<(&'static str, Bound<'py, PyAny>)>,
) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    for (name, value) in items {
        out.set_item(name, value)?;
    }
    Ok(out)
}

/// `(name, value)` for [`named`], from anything convertible to a Python object.
#[macro_export]
macro_rules! columns {
    ($py:expr; $($name:literal => $value:expr),+ $(,)?) => {
        $crate::arrays::named($py, vec![
            $(($name, pyo3::IntoPyObjectExt::into_bound_py_any($value, $py)?)),+
        ])
    };
}
