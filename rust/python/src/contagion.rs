//! Contagion models over the graph's claims.

use aiexposure_core::contagion::{self, AtThreshold, Priority, Variant};
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays::slice;
use crate::cycles::mask;
use crate::graph::CoreGraph;
use crate::scenarios::Batch;
use crate::{columns, detach};

fn parse_variant(name: &str, alpha: f64) -> PyResult<Variant> {
    match name {
        "single_hit" => Ok(Variant::SingleHit),
        "nonlinear" => Ok(Variant::NonLinear { alpha }),
        other => Err(PyValueError::new_err(format!("variant {other:?}"))),
    }
}

fn parse_at_threshold(name: &str) -> PyResult<AtThreshold> {
    match name {
        "default" => Ok(AtThreshold::Default),
        "survive" => Ok(AtThreshold::Survive),
        other => Err(PyValueError::new_err(format!("at_threshold {other:?}"))),
    }
}

fn parse_priority(name: &str) -> PyResult<Priority> {
    match name {
        "pari_passu" => Ok(Priority::PariPassu),
        "external_senior" => Ok(Priority::ExternalSenior),
        other => Err(PyValueError::new_err(format!("priority {other:?}"))),
    }
}

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
        let variant = parse_variant(variant, alpha)?;
        let a = graph.claims(py, mask(kinds)?)?;
        let (e, s) = (slice(&equity, "equity")?, slice(&shock, "shock")?);
        let r = detach::run(py, |it| contagion::debtrank(a, e, s, variant, it))?;
        columns!(py;
            "distress" => r.distress.into_pyarray(py),
            "rounds" => r.rounds,
        )
    })
}

/// {round (per node, -1 for survivors), rounds}: sequential defaults from the nodes
/// `shocked` over the claims of `kinds`; `at_threshold` "default" (a loss equal to the equity
/// fails) or "survive".
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn furfine<'py>(
    py: Python<'py>,
    graph: &CoreGraph,
    kinds: Vec<u8>,
    equity: PyReadonlyArray1<'py, f64>,
    shocked: PyReadonlyArray1<'py, u32>,
    lgd: f64,
    at_threshold: &str,
) -> PyResult<Bound<'py, PyDict>> {
    detach::guard(py, || {
        let at = parse_at_threshold(at_threshold)?;
        let a = graph.claims(py, mask(kinds)?)?;
        let (e, s) = (slice(&equity, "equity")?, slice(&shocked, "shocked")?);
        let r = detach::run(py, |it| contagion::furfine(a, e, s, lgd, at, it))?;
        let round: Vec<i64> = r.round.iter().map(|x| x.map_or(-1, i64::from)).collect();
        columns!(py;
            "round" => round.into_pyarray(py),
            "rounds" => r.rounds,
        )
    })
}

/// {obligation, payment, assets, defaulted, rounds}: the greatest clearing vector over the
/// obligations of `kinds` (a debtor owes its creditor the amount) and the external ones;
/// `priority` "pari_passu" or "external_senior".
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn clearing<'py>(
    py: Python<'py>,
    graph: &CoreGraph,
    kinds: Vec<u8>,
    external_assets: PyReadonlyArray1<'py, f64>,
    external_liabilities: PyReadonlyArray1<'py, f64>,
    alpha: f64,
    beta: f64,
    priority: &str,
) -> PyResult<Bound<'py, PyDict>> {
    detach::guard(py, || {
        let priority = parse_priority(priority)?;
        let a = graph.claims(py, mask(kinds)?)?;
        let e = slice(&external_assets, "external_assets")?;
        let l = slice(&external_liabilities, "external_liabilities")?;
        let r = detach::run(py, |it| {
            contagion::clearing(a, e, l, alpha, beta, priority, it)
        })?;
        columns!(py;
            "obligation" => r.obligation.into_pyarray(py),
            "payment" => r.payment.into_pyarray(py),
            "assets" => r.assets.into_pyarray(py),
            "defaulted" => r.defaulted.into_pyarray(py),
            "rounds" => r.rounds,
        )
    })
}

/// DebtRank over many scenarios (`offsets`, `nodes`, `values`: each scenario's shock):
/// {scenario, node, initial, distress} for the nodes each reaches (unless `rows` is false),
/// and per scenario {added (Σ (h − h0) weight), distressed, defaulted, rounds}.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn debtrank_many<'py>(
    py: Python<'py>,
    graph: &CoreGraph,
    kinds: Vec<u8>,
    equity: PyReadonlyArray1<'py, f64>,
    weight: PyReadonlyArray1<'py, f64>,
    offsets: PyReadonlyArray1<'py, u64>,
    nodes: PyReadonlyArray1<'py, u32>,
    values: PyReadonlyArray1<'py, f64>,
    variant: &str,
    alpha: f64,
    rows: bool,
) -> PyResult<Bound<'py, PyDict>> {
    detach::guard(py, || {
        let variant = parse_variant(variant, alpha)?;
        let a = graph.claims(py, mask(kinds)?)?;
        let (e, w) = (slice(&equity, "equity")?, slice(&weight, "weight")?);
        let batch = Batch::new(offsets, nodes, values)?;
        let sc = batch.get()?;
        let r = detach::run(py, |it| {
            contagion::debtrank_many(a, e, w, sc, variant, rows, it)
        })?;
        columns!(py;
            "scenario" => r.scenario.into_pyarray(py),
            "node" => r.node.into_pyarray(py),
            "initial" => r.initial.into_pyarray(py),
            "distress" => r.distress.into_pyarray(py),
            "added" => r.added.into_pyarray(py),
            "distressed" => r.distressed.into_pyarray(py),
            "defaulted" => r.defaulted.into_pyarray(py),
            "rounds" => r.rounds.into_pyarray(py),
        )
    })
}

/// Sequential defaults over many scenarios (each scenario's nodes fail in round 0):
/// {scenario, node, round} for the failed nodes, and per scenario {failed, rounds}.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn furfine_many<'py>(
    py: Python<'py>,
    graph: &CoreGraph,
    kinds: Vec<u8>,
    equity: PyReadonlyArray1<'py, f64>,
    offsets: PyReadonlyArray1<'py, u64>,
    nodes: PyReadonlyArray1<'py, u32>,
    values: PyReadonlyArray1<'py, f64>,
    lgd: f64,
    at_threshold: &str,
    rows: bool,
) -> PyResult<Bound<'py, PyDict>> {
    detach::guard(py, || {
        let at = parse_at_threshold(at_threshold)?;
        let a = graph.claims(py, mask(kinds)?)?;
        let e = slice(&equity, "equity")?;
        let batch = Batch::new(offsets, nodes, values)?;
        let sc = batch.get()?;
        let r = detach::run(py, |it| {
            contagion::furfine_many(a, e, sc, lgd, at, rows, it)
        })?;
        columns!(py;
            "scenario" => r.scenario.into_pyarray(py),
            "node" => r.node.into_pyarray(py),
            "round" => r.round.into_pyarray(py),
            "failed" => r.failed.into_pyarray(py),
            "rounds" => r.rounds.into_pyarray(py),
        )
    })
}

/// Clearing over many scenarios (each scenario's relative loss of external assets):
/// {scenario, node, shock, payment, assets, defaulted} for the nodes each changes, per
/// scenario {defaulters, shortfall, equity_loss, rounds}, and the unshocked clearing
/// {base_obligation, base_payment, base_assets, base_defaulted}.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn clearing_many<'py>(
    py: Python<'py>,
    graph: &CoreGraph,
    kinds: Vec<u8>,
    external_assets: PyReadonlyArray1<'py, f64>,
    external_liabilities: PyReadonlyArray1<'py, f64>,
    offsets: PyReadonlyArray1<'py, u64>,
    nodes: PyReadonlyArray1<'py, u32>,
    values: PyReadonlyArray1<'py, f64>,
    alpha: f64,
    beta: f64,
    priority: &str,
    rows: bool,
) -> PyResult<Bound<'py, PyDict>> {
    detach::guard(py, || {
        let priority = parse_priority(priority)?;
        let a = graph.claims(py, mask(kinds)?)?;
        let e = slice(&external_assets, "external_assets")?;
        let l = slice(&external_liabilities, "external_liabilities")?;
        let batch = Batch::new(offsets, nodes, values)?;
        let sc = batch.get()?;
        let r = detach::run(py, |it| {
            contagion::clearing_many(a, e, l, alpha, beta, priority, sc, rows, it)
        })?;
        columns!(py;
            "scenario" => r.scenario.into_pyarray(py),
            "node" => r.node.into_pyarray(py),
            "shock" => r.shock.into_pyarray(py),
            "payment" => r.payment.into_pyarray(py),
            "assets" => r.assets.into_pyarray(py),
            "defaulted" => r.defaulted.into_pyarray(py),
            "defaulters" => r.defaulters.into_pyarray(py),
            "shortfall" => r.shortfall.into_pyarray(py),
            "equity_loss" => r.equity_loss.into_pyarray(py),
            "rounds" => r.rounds.into_pyarray(py),
            "base_obligation" => r.base.obligation.into_pyarray(py),
            "base_payment" => r.base.payment.into_pyarray(py),
            "base_assets" => r.base.assets.into_pyarray(py),
            "base_defaulted" => r.base.defaulted.into_pyarray(py),
            "base_rounds" => r.base.rounds,
        )
    })
}
