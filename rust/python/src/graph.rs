//! The graph handle held by `aiexposure.Graph`.

use std::sync::{Arc, OnceLock};

use aiexposure_core::exposure::Plan;
use aiexposure_core::{EdgeInput, Graph};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::arrays::slice;
use crate::detach;

/// A validated investor graph in CSR form (forward and reverse), shared read-only.
#[pyclass(frozen, module = "aiexposure._core")]
pub struct CoreGraph {
    pub inner: Arc<Graph>,
    /// The equity condensation, built on first use and reused by every exposure call.
    plan: OnceLock<Plan>,
}

impl CoreGraph {
    pub fn plan(&self, py: Python<'_>) -> PyResult<&Plan> {
        if let Some(plan) = self.plan.get() {
            return Ok(plan);
        }
        let g = &*self.inner;
        let plan = detach::run(py, |it| Plan::new(g, it))?;
        // Another thread may have won the race: its plan is the same.
        let _ = self.plan.set(plan);
        Ok(self.plan.get().expect("set above"))
    }
}

#[pymethods]
impl CoreGraph {
    #[getter]
    fn num_nodes(&self) -> usize {
        self.inner.num_nodes()
    }

    #[getter]
    fn num_edges(&self) -> usize {
        self.inner.num_edges()
    }

    #[getter]
    fn merged_duplicates(&self) -> usize {
        self.inner.merged_duplicates()
    }

    /// Forward CSR copies: (offsets u64, targets u32, kinds u8, shares f64, amounts f64);
    /// amounts is empty when no amount is known.
    #[allow(clippy::type_complexity)]
    fn csr<'py>(
        &self,
        py: Python<'py>,
    ) -> (
        Bound<'py, PyArray1<u64>>,
        Bound<'py, PyArray1<u32>>,
        Bound<'py, PyArray1<u8>>,
        Bound<'py, PyArray1<f64>>,
        Bound<'py, PyArray1<f64>>,
    ) {
        let csr = self.inner.csr();
        (
            csr.offsets
                .iter()
                .map(|&o| o as u64)
                .collect::<Vec<_>>()
                .into_pyarray(py),
            csr.edges
                .iter()
                .map(|e| e.target)
                .collect::<Vec<_>>()
                .into_pyarray(py),
            csr.edges
                .iter()
                .map(|e| e.kind as u8)
                .collect::<Vec<_>>()
                .into_pyarray(py),
            csr.edges
                .iter()
                .map(|e| e.share)
                .collect::<Vec<_>>()
                .into_pyarray(py),
            PyArray1::from_slice(py, csr.amounts),
        )
    }
}

/// Builds and validates a graph from dense edge columns (see `aiexposure_core::EdgeInput`).
#[pyfunction]
pub fn build_graph<'py>(
    py: Python<'py>,
    num_nodes: usize,
    source: PyReadonlyArray1<'py, u32>,
    target: PyReadonlyArray1<'py, u32>,
    kind: PyReadonlyArray1<'py, u8>,
    share: PyReadonlyArray1<'py, f64>,
    amount: PyReadonlyArray1<'py, f64>,
) -> PyResult<CoreGraph> {
    detach::guard(py, || {
        let input = EdgeInput {
            num_nodes,
            source: slice(&source, "source")?,
            target: slice(&target, "target")?,
            kind: slice(&kind, "kind")?,
            share: slice(&share, "share")?,
            amount: slice(&amount, "amount")?,
        };
        let graph = detach::run(py, |it| Graph::build(&input, it))?;
        Ok(CoreGraph {
            inner: Arc::new(graph),
            plan: OnceLock::new(),
        })
    })
}
