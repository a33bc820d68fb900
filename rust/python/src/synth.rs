//! The synthetic investor-graph generator.

use aiexposure_core::synth::{investor_graph, SynthParams};
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays::slice;
use crate::{columns, detach};

/// Edge columns {source, target, kind (codes), share, amount} of a synthetic investor
/// graph; `amount` is empty without commitments.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn synthetic_investor_graph<'py>(
    py: Python<'py>,
    num_nodes: usize,
    avg_degree: f64,
    cross_holding: f64,
    max_held: f64,
    commitments: f64,
    seed: u64,
    core_held: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyDict>> {
    detach::guard(py, || {
        let params = SynthParams {
            num_nodes,
            avg_degree,
            cross_holding,
            max_held,
            commitments,
            seed,
            core_held: slice(&core_held, "core_held")?.to_vec(),
        };
        let edges = detach::run(py, |it| investor_graph(&params, it))?;
        columns!(py;
            "source" => edges.source.into_pyarray(py),
            "target" => edges.target.into_pyarray(py),
            "kind" => edges.kind.into_pyarray(py),
            "share" => edges.share.into_pyarray(py),
            "amount" => edges.amount.into_pyarray(py),
        )
    })
}
