//! Control and sanctions: entities blocked through ownership.

use aiexposure_core::control::{self, Rule};
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays::slice;
use crate::graph::CoreGraph;
use crate::{columns, detach};

/// {blocked, held (per node), owner_offsets, owners}: the entities blocked through ownership
/// by the `listed` nodes under the rule (threshold, strict, aggregate).
#[pyfunction]
pub fn blocked<'py>(
    py: Python<'py>,
    graph: &CoreGraph,
    listed: PyReadonlyArray1<'py, u32>,
    threshold: f64,
    strict: bool,
    aggregate: bool,
) -> PyResult<Bound<'py, PyDict>> {
    detach::guard(py, || {
        let listed = slice(&listed, "listed")?;
        let rule = Rule {
            threshold,
            strict,
            aggregate,
        };
        let g = &graph.inner;
        let b = detach::run(py, |it| control::blocked(g, listed, rule, it))?;
        columns!(py;
            "blocked" => b.blocked.into_pyarray(py),
            "held" => b.held.into_pyarray(py),
            "owner_offsets" => b.owner_offsets.into_pyarray(py),
            "owners" => b.owners.into_pyarray(py),
        )
    })
}
