//! The graph's label -> index map (`aiexposure_core::node_index`), held by the Python node
//! labels and built on first use.

use aiexposure_core::ids::StringChunk;
use aiexposure_core::node_index::{scatter as scatter_values, NodeIndex as Index};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays::slice;
use crate::{columns, detach};

/// Finds node indices by label: integer labels, or UTF-8 labels as Arrow large_utf8 buffers.
#[pyclass(frozen, module = "aiexposure._core")]
pub struct NodeIndex {
    inner: Index,
}

#[pymethods]
impl NodeIndex {
    /// The index of distinct int64 labels.
    #[staticmethod]
    fn of_ints(py: Python<'_>, labels: PyReadonlyArray1<'_, i64>) -> PyResult<NodeIndex> {
        detach::guard(py, || {
            let labels = slice(&labels, "labels")?;
            let inner = detach::run(py, |_| Index::of_ints(labels))?;
            Ok(NodeIndex { inner })
        })
    }

    /// The index of distinct UTF-8 labels (large_utf8 offsets and data).
    #[staticmethod]
    fn of_strings(
        py: Python<'_>,
        offsets: PyReadonlyArray1<'_, i64>,
        data: PyReadonlyArray1<'_, u8>,
    ) -> PyResult<NodeIndex> {
        detach::guard(py, || {
            let chunk = StringChunk {
                offsets: slice(&offsets, "offsets")?,
                data: slice(&data, "data")?,
            };
            let inner = detach::run(py, |_| Index::of_strings(&[chunk]))?;
            Ok(NodeIndex { inner })
        })
    }

    /// Each int64 key's node index, -1 where it names no node.
    fn find_ints<'py>(
        &self,
        py: Python<'py>,
        keys: PyReadonlyArray1<'py, i64>,
    ) -> PyResult<Bound<'py, PyArray1<i64>>> {
        detach::guard(py, || {
            let keys = slice(&keys, "keys")?;
            let found = detach::run(py, |it| self.inner.find_ints(keys, it))?;
            Ok(found.into_pyarray(py))
        })
    }

    /// Each UTF-8 key's node index (large_utf8 offsets and data), -1 where it names no node.
    fn find_strings<'py>(
        &self,
        py: Python<'py>,
        offsets: PyReadonlyArray1<'py, i64>,
        data: PyReadonlyArray1<'py, u8>,
    ) -> PyResult<Bound<'py, PyArray1<i64>>> {
        detach::guard(py, || {
            let chunk = StringChunk {
                offsets: slice(&offsets, "offsets")?,
                data: slice(&data, "data")?,
            };
            let found = detach::run(py, |it| self.inner.find_strings(&chunk, it))?;
            Ok(found.into_pyarray(py))
        })
    }
}

/// {values: the dense per-node sums of `values` by node index `found` (in input order),
/// missing: the positions whose index is -1}.
#[pyfunction]
pub fn scatter<'py>(
    py: Python<'py>,
    found: PyReadonlyArray1<'py, i64>,
    values: PyReadonlyArray1<'py, f64>,
    num_nodes: usize,
) -> PyResult<Bound<'py, PyDict>> {
    detach::guard(py, || {
        let (found, values) = (slice(&found, "found")?, slice(&values, "values")?);
        let (dense, missing) = detach::run(py, |_| scatter_values(found, values, num_nodes))?;
        let missing: Vec<i64> = missing.into_iter().map(|i| i as i64).collect();
        columns!(py;
            "values" => dense.into_pyarray(py),
            "missing" => missing.into_pyarray(py),
        )
    })
}
