//! Control and sanctions: entities blocked through ownership.

use aiexposure_core::control::{self as core_control, Bounds, Rule};
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
        let b = detach::run(py, |it| core_control::blocked(g, listed, rule, it))?;
        columns!(py;
            "blocked" => b.blocked.into_pyarray(py),
            "held" => b.held.into_pyarray(py),
            "owner_offsets" => b.owner_offsets.into_pyarray(py),
            "owners" => b.owners.into_pyarray(py),
        )
    })
}

/// {controller, controlled, held, cut}: whom each of `candidates` controls (holdings through
/// controlled companies counted in full, `strict`: more than `threshold`); `cut` lists the
/// candidates whose search a bound (`max_controlled`, `max_depth`) cut; with `report_above`,
/// also the pairs
/// held above it (`controls` false).
#[pyfunction]
#[pyo3(signature = (graph, candidates, threshold, strict, max_controlled, report_above=None, max_depth=None))]
#[allow(clippy::too_many_arguments)]
pub fn control<'py>(
    py: Python<'py>,
    graph: &CoreGraph,
    candidates: PyReadonlyArray1<'py, u32>,
    threshold: f64,
    strict: bool,
    max_controlled: u64,
    report_above: Option<f64>,
    max_depth: Option<u64>,
) -> PyResult<Bound<'py, PyDict>> {
    detach::guard(py, || {
        let candidates = slice(&candidates, "candidates")?;
        let rule = Rule {
            threshold,
            strict,
            aggregate: false,
        };
        let g = &graph.inner;
        let bounds = Bounds {
            max_caught: usize::try_from(max_controlled).unwrap_or(usize::MAX),
            max_depth: max_depth.map_or(usize::MAX, |d| usize::try_from(d).unwrap_or(usize::MAX)),
        };
        let c = detach::run(py, |it| {
            core_control::control(g, candidates, rule, bounds, report_above, it)
        })?;
        columns!(py;
            "controller" => c.controller.into_pyarray(py),
            "controlled" => c.controlled.into_pyarray(py),
            "held" => c.held.into_pyarray(py),
            "controls" => c.controls.into_pyarray(py),
            "cut" => c.cut.into_pyarray(py),
        )
    })
}
