//! The BODS v0.4 reader: a file (or bytes) in, the node, interest and edge tables out as
//! Arrow buffers (`python/aiexposure/_bods.py` wraps them without a copy).

use std::path::PathBuf;

use aiexposure_core::bods::columns::{Column, Strings, Table, Validity, MAX_TEXT};
use aiexposure_core::bods::{self, Options, ShareChoice, Tables};
use numpy::IntoPyArray;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use pyo3::IntoPyObjectExt;

use crate::detach;

fn options(
    share_range: &str,
    interest: &str,
    as_of: Option<u32>,
    interests: bool,
    chunk_text: Option<usize>,
) -> PyResult<Options> {
    let share_range = match share_range {
        "range" => ShareChoice::Range,
        "min" => ShareChoice::Min,
        "mid" => ShareChoice::Mid,
        "max" => ShareChoice::Max,
        other => {
            return Err(PyValueError::new_err(format!(
                "share_range must be range, min, mid or max, not {other:?}"
            )))
        }
    };
    Ok(Options {
        share_range,
        interest: interest.to_owned(),
        as_of,
        interests,
        chunk_text: chunk_text.unwrap_or(MAX_TEXT).min(MAX_TEXT),
    })
}

fn validity<'py>(py: Python<'py>, v: Validity) -> PyResult<Bound<'py, PyAny>> {
    if v.nulls == 0 {
        return Ok(py.None().into_bound(py));
    }
    v.bits.into_pyarray(py).into_bound_py_any(py)
}

fn strings<'py>(py: Python<'py>, s: Strings) -> PyResult<Bound<'py, PyTuple>> {
    let nulls = s.validity.nulls;
    PyTuple::new(
        py,
        [
            "str".into_bound_py_any(py)?,
            s.offsets.into_pyarray(py).into_bound_py_any(py)?,
            s.data.into_pyarray(py).into_bound_py_any(py)?,
            validity(py, s.validity)?,
            nulls.into_bound_py_any(py)?,
        ],
    )
}

/// `[(name, (layout, buffers..., null_count)), ...]` in schema order.
fn table<'py>(py: Python<'py>, t: Table) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for (name, column) in t {
        let value = match column {
            Column::Str(s) => strings(py, s)?,
            Column::Float(f) => {
                let nulls = f.validity.nulls;
                PyTuple::new(
                    py,
                    [
                        "float".into_bound_py_any(py)?,
                        f.values.into_pyarray(py).into_bound_py_any(py)?,
                        validity(py, f.validity)?,
                        nulls.into_bound_py_any(py)?,
                    ],
                )?
            }
            Column::Bool(b) => {
                let (len, nulls) = (b.values.len, b.validity.nulls);
                PyTuple::new(
                    py,
                    [
                        "bool".into_bound_py_any(py)?,
                        b.values.bits.into_pyarray(py).into_bound_py_any(py)?,
                        len.into_bound_py_any(py)?,
                        validity(py, b.validity)?,
                        nulls.into_bound_py_any(py)?,
                    ],
                )?
            }
            Column::Identifiers(l) => {
                let mut fields = Vec::with_capacity(4);
                for f in l.fields {
                    fields.push(strings(py, f)?);
                }
                PyTuple::new(
                    py,
                    [
                        "identifiers".into_bound_py_any(py)?,
                        l.offsets.into_pyarray(py).into_bound_py_any(py)?,
                        PyTuple::new(py, fields)?.into_bound_py_any(py)?,
                    ],
                )?
            }
        };
        out.append((name, value))?;
    }
    Ok(out)
}

/// A table's chunks, each `[(name, buffers), ...]`.
fn chunks<'py>(py: Python<'py>, t: Vec<Table>) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for chunk in t {
        out.append(table(py, chunk)?)?;
    }
    Ok(out)
}

fn tables<'py>(py: Python<'py>, t: Tables) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(
        py,
        [
            chunks(py, t.nodes)?,
            chunks(py, t.interests)?,
            chunks(py, t.edges)?,
        ],
    )
}

/// Reads a BODS v0.4 file (JSON Lines or a JSON array; gzip when the name ends in `.gz`):
/// `(nodes, interests, edges)`, each a list of chunks of rows, a chunk a list of `(column
/// name, buffers)`. `chunk_text`: the most bytes of texts in a chunk (2 GiB; tests only).
#[pyfunction]
#[pyo3(signature = (path, share_range, interest, as_of=None, interests=true, chunk_text=None))]
pub fn read_bods_path<'py>(
    py: Python<'py>,
    path: PathBuf,
    share_range: &str,
    interest: &str,
    as_of: Option<u32>,
    interests: bool,
    chunk_text: Option<usize>,
) -> PyResult<Bound<'py, PyTuple>> {
    detach::guard(py, || {
        let options = options(share_range, interest, as_of, interests, chunk_text)?;
        let t = detach::run(py, |it| bods::read_path(&path, &options, it))?;
        tables(py, t)
    })
}

/// Like `read_bods_path` for statements already in memory (`name` is used in messages).
#[pyfunction]
#[allow(clippy::too_many_arguments)] // Python's keyword arguments
#[pyo3(signature = (data, name, share_range, interest, as_of=None, interests=true, chunk_text=None))]
pub fn read_bods_bytes<'py>(
    py: Python<'py>,
    data: &[u8],
    name: &str,
    share_range: &str,
    interest: &str,
    as_of: Option<u32>,
    interests: bool,
    chunk_text: Option<usize>,
) -> PyResult<Bound<'py, PyTuple>> {
    detach::guard(py, || {
        let options = options(share_range, interest, as_of, interests, chunk_text)?;
        let t = detach::run(py, |it| bods::read(data, name, &options, it))?;
        tables(py, t)
    })
}
