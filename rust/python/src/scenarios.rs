//! Many scenarios from numpy arrays, as the core's `Scenarios`.

use aiexposure_core::contagion::Scenarios;
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

use crate::arrays::slice;

/// The scenarios `(offsets, nodes, values)` as the core reads them.
pub struct Batch<'py> {
    offsets: Vec<usize>,
    nodes: PyReadonlyArray1<'py, u32>,
    values: PyReadonlyArray1<'py, f64>,
}

impl<'py> Batch<'py> {
    pub fn new(
        offsets: PyReadonlyArray1<'py, u64>,
        nodes: PyReadonlyArray1<'py, u32>,
        values: PyReadonlyArray1<'py, f64>,
    ) -> PyResult<Batch<'py>> {
        let offsets = slice(&offsets, "offsets")?
            .iter()
            .map(|&o| o as usize)
            .collect();
        Ok(Batch {
            offsets,
            nodes,
            values,
        })
    }

    pub fn get(&self) -> PyResult<Scenarios<'_>> {
        Ok(Scenarios {
            offsets: &self.offsets,
            nodes: slice(&self.nodes, "nodes")?,
            values: slice(&self.values, "values")?,
        })
    }
}
