//! Contagion models over the graph's claims.

use aiexposure_core::contagion::{self, Variant};
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays::slice;
use crate::cycles::mask;
use crate::graph::CoreGraph;
use crate::{columns, detach};

/// {distress (per node), rounds}: the DebtRank cascade of `shock` over the claims of the
/// edges of `kinds`, with `equity` per node; `variant` "single_hit" or "nonlinear" (with
/// `alpha`; 0 is the linear DebtRank).
#[pyfunction]
pub fn debtrank<'py>(
    py: Python<'py>,
    graph: &CoreGraph,
    kinds: Vec<u8>,
    equity: PyReadonlyArray1<'py, f64>,
    shock: PyReadonlyArray1<'py, f64>,
    variant: &str,
    alpha: f64,
) -> PyResult<Bound<'py, PyDict>> {
    detach::guard(py, || {
        let variant = match variant {
            "single_hit" => Variant::SingleHit,
            "nonlinear" => Variant::NonLinear { alpha },
            other => return Err(PyValueError::new_err(format!("variant {other:?}"))),
        };
        let (kinds, g) = (mask(kinds)?, &*graph.inner);
        let (e, s) = (slice(&equity, "equity")?, slice(&shock, "shock")?);
        let r = detach::run(py, |it| {
            let a = contagion::claims(g, kinds)?;
            contagion::debtrank(&a, e, s, variant, it)
        })?;
        columns!(py;
            "distress" => r.distress.into_pyarray(py),
            "rounds" => r.rounds,
        )
    })
}
