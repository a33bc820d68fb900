//! Node-id factorization entry points: one per Arrow id layout.

use aiexposure_core::ids::{
    factorize_ints, factorize_strings, ArrowOffset, Factorized, StringChunk,
};
use numpy::{Element, IntoPyArray, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays::slice;
use crate::{columns, detach};

type Codes<'py> = Bound<'py, PyDict>;

/// {codes (each id's dense index), first (each index's first position)}.
fn into_arrays(py: Python<'_>, f: Factorized) -> PyResult<Codes<'_>> {
    columns!(py;
        "codes" => f.codes.into_pyarray(py),
        "first" => f.first.into_pyarray(py),
    )
}

/// Dense indices of int64 ids laid end to end over `chunks`, plus each index's first position.
#[pyfunction]
pub fn factorize_int64<'py>(
    py: Python<'py>,
    chunks: Vec<PyReadonlyArray1<'py, i64>>,
) -> PyResult<Codes<'py>> {
    detach::guard(py, || {
        let slices = chunks
            .iter()
            .map(|c| slice(c, "ids"))
            .collect::<PyResult<Vec<_>>>()?;
        let f = detach::run(py, |it| factorize_ints(&slices, it))?;
        into_arrays(py, f)
    })
}

fn strings<'py, O: ArrowOffset + Element + Sync>(
    py: Python<'py>,
    offsets: &[PyReadonlyArray1<'py, O>],
    data: &[PyReadonlyArray1<'py, u8>],
) -> PyResult<Codes<'py>> {
    if offsets.len() != data.len() {
        return Err(PyValueError::new_err("one offsets array per data array"));
    }
    let chunks = offsets
        .iter()
        .zip(data)
        .map(|(o, d)| {
            Ok(StringChunk {
                offsets: slice(o, "offsets")?,
                data: slice(d, "data")?,
            })
        })
        .collect::<PyResult<Vec<_>>>()?;
    let f = detach::run(py, |it| factorize_strings(&chunks, it))?;
    into_arrays(py, f)
}

/// Like `factorize_int64` for Arrow utf8 chunks (int32 offsets, data bytes).
#[pyfunction]
pub fn factorize_utf8<'py>(
    py: Python<'py>,
    offsets: Vec<PyReadonlyArray1<'py, i32>>,
    data: Vec<PyReadonlyArray1<'py, u8>>,
) -> PyResult<Codes<'py>> {
    detach::guard(py, || strings(py, &offsets, &data))
}

/// Like `factorize_int64` for Arrow large_utf8 chunks (int64 offsets, data bytes).
#[pyfunction]
pub fn factorize_large_utf8<'py>(
    py: Python<'py>,
    offsets: Vec<PyReadonlyArray1<'py, i64>>,
    data: Vec<PyReadonlyArray1<'py, u8>>,
) -> PyResult<Codes<'py>> {
    detach::guard(py, || strings(py, &offsets, &data))
}
