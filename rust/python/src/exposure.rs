//! Exposure solvers: integrated ownership, ultimate owners, simple paths, look-through.

use aiexposure_core::error::Error;
use aiexposure_core::exposure::{self, Entries, Solver, Stake};
use aiexposure_core::graph::Graph;
use aiexposure_core::kind::Kind;
use rayon::prelude::*;
use std::collections::HashMap;

use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays::slice;
use crate::graph::CoreGraph;
use crate::scenarios::Batch;
use crate::{columns, detach};

fn solver<'a>(py: Python<'_>, graph: &'a CoreGraph) -> PyResult<Solver<'a>> {
    Ok(Solver {
        g: &graph.inner,
        plan: graph.plan(py)?,
    })
}

/// {nodes, direct, integrated} of one row or column; `direct` lists the node's direct
/// equity neighbours and their shares.
fn line<'py>(
    py: Python<'py>,
    entries: Entries,
    direct: impl Iterator<Item = (u32, f64)>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut shares: HashMap<u32, f64> = HashMap::new();
    for (v, s) in direct {
        *shares.entry(v).or_insert(0.0) += s;
    }
    let direct: Vec<f64> = entries
        .iter()
        .map(|(v, _)| shares.get(v).copied().unwrap_or(0.0))
        .collect();
    let (nodes, values): (Vec<u32>, Vec<f64>) = entries.into_iter().unzip();
    columns!(py;
        "nodes" => nodes.into_pyarray(py),
        "direct" => direct.into_pyarray(py),
        "integrated" => values.into_pyarray(py),
    )
}

/// {equity, credit, commitment}: the first-round loss by channel (`W s`, loans, committed
/// purchases), `direct`: the whole first round `W s + R d`, `total`: `(I - W)^-1 (W s + R d)`,
/// per node; an unknown amount hit by a default counts `unknown` (0 or +inf).
#[pyfunction]
pub fn look_through<'py>(
    py: Python<'py>,
    graph: &CoreGraph,
    value_loss: PyReadonlyArray1<'py, f64>,
    default: PyReadonlyArray1<'py, f64>,
    unknown: f64,
) -> PyResult<Bound<'py, PyDict>> {
    detach::guard(py, || {
        let (s, d) = (
            slice(&value_loss, "value_loss")?,
            slice(&default, "default")?,
        );
        let solver = solver(py, graph)?;
        let l = detach::run(py, |it| exposure::look_through(&solver, s, d, unknown, it))?;
        columns!(py;
            "equity" => l.equity.into_pyarray(py),
            "credit" => l.credit.into_pyarray(py),
            "commitment" => l.commitment.into_pyarray(py),
            "direct" => l.direct.into_pyarray(py),
            "total" => l.total.into_pyarray(py),
        )
    })
}

/// The look-through loss of many scenarios: value losses (`v_offsets`, `v_nodes`,
/// `v_values`) and defaults (`d_*`), as many of each: {scenario, node, equity, credit,
/// commitment, direct, total} for the nodes with a loss (unless `rows` is false), and per
/// scenario {direct_sum, total_sum}; `dense`: how many were solved by full passes.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn look_through_many<'py>(
    py: Python<'py>,
    graph: &CoreGraph,
    v_offsets: PyReadonlyArray1<'py, u64>,
    v_nodes: PyReadonlyArray1<'py, u32>,
    v_values: PyReadonlyArray1<'py, f64>,
    d_offsets: PyReadonlyArray1<'py, u64>,
    d_nodes: PyReadonlyArray1<'py, u32>,
    d_values: PyReadonlyArray1<'py, f64>,
    unknown: f64,
    rows: bool,
) -> PyResult<Bound<'py, PyDict>> {
    detach::guard(py, || {
        let values = Batch::new(v_offsets, v_nodes, v_values)?;
        let defaults = Batch::new(d_offsets, d_nodes, d_values)?;
        let (v, d) = (values.get()?, defaults.get()?);
        let solver = solver(py, graph)?;
        let l = detach::run(py, |it| {
            exposure::look_through_many(&solver, v, d, unknown, rows, it)
        })?;
        columns!(py;
            "scenario" => l.scenario.into_pyarray(py),
            "node" => l.node.into_pyarray(py),
            "equity" => l.equity.into_pyarray(py),
            "credit" => l.credit.into_pyarray(py),
            "commitment" => l.commitment.into_pyarray(py),
            "direct" => l.direct.into_pyarray(py),
            "total" => l.total.into_pyarray(py),
            "direct_sum" => l.direct_sum.into_pyarray(py),
            "total_sum" => l.total_sum.into_pyarray(py),
            "dense" => l.dense,
        )
    })
}

/// Row `node` of the integrated-ownership matrix (walks): {nodes (issuers), direct,
/// integrated}.
#[pyfunction]
pub fn holdings_of<'py>(
    py: Python<'py>,
    graph: &CoreGraph,
    node: u32,
) -> PyResult<Bound<'py, PyDict>> {
    one_line(py, graph, node, Side::Row)
}

/// Column `node` of the integrated-ownership matrix (walks): {nodes (holders), direct,
/// integrated}.
#[pyfunction]
pub fn exposure_to<'py>(
    py: Python<'py>,
    graph: &CoreGraph,
    node: u32,
) -> PyResult<Bound<'py, PyDict>> {
    one_line(py, graph, node, Side::Column)
}

enum Side {
    /// What the node holds.
    Row,
    /// Who holds the node.
    Column,
}

fn one_line<'py>(
    py: Python<'py>,
    graph: &CoreGraph,
    node: u32,
    side: Side,
) -> PyResult<Bound<'py, PyDict>> {
    detach::guard(py, || {
        let solver = solver(py, graph)?;
        let g = &graph.inner;
        match side {
            Side::Row => {
                let entries = detach::run(py, |it| exposure::holdings_of(&solver, node, it))?;
                let direct = g
                    .out_edges(node)
                    .iter()
                    .filter(|e| e.kind == Kind::Equity)
                    .map(|e| (e.target, e.share));
                line(py, entries, direct)
            }
            Side::Column => {
                let entries = detach::run(py, |it| exposure::exposure_to(&solver, node, it))?;
                line(py, entries, g.equity_holders(node))
            }
        }
    })
}

/// {holder (-1 for the free float), issuer, direct (the holder's direct share; for the free
/// float, the part of the issuer nobody in this graph holds), integrated, bound (the largest
/// error of a value: 0 when exact, infinite when a simple-path bound cut paths)}. `sparse` with
/// `threshold` > 0: walks and ultimate from the thresholded columns of every issuer.
/// `direct=False` leaves `direct` empty (a caller that takes them from another graph);
/// `float_threshold` (ultimate with `held`): the free float's threshold, else `threshold`.
#[pyfunction]
#[pyo3(signature = (graph, method, threshold, max_depth=None, min_weight=0.0, held=None, sparse=false, direct=true, float_threshold=None))]
#[allow(clippy::too_many_arguments)]
pub fn integrated<'py>(
    py: Python<'py>,
    graph: &CoreGraph,
    method: &str,
    threshold: f64,
    max_depth: Option<usize>,
    min_weight: f64,
    held: Option<PyReadonlyArray1<'py, bool>>,
    sparse: bool,
    direct: bool,
    float_threshold: Option<f64>,
) -> PyResult<Bound<'py, PyDict>> {
    detach::guard(py, || {
        // `held`: which nodes have an equity holder in the data (ultimate's roots), when the
        // graph is one bound of interval stakes and has left out the edges whose bound is 0.
        let held = held.as_ref().map(|h| slice(h, "held")).transpose()?;
        let g = &*graph.inner;
        #[derive(Clone, Copy)]
        enum Method {
            Walks,
            Ultimate,
            SimplePaths,
        }
        let method = match method {
            "walks" => Method::Walks,
            "ultimate" => Method::Ultimate,
            "simple_paths" => Method::SimplePaths,
            other => {
                return Err(PyValueError::new_err(format!(
                    "method must be 'walks', 'ultimate' or 'simple_paths', not {other:?}"
                )))
            }
        };
        let solver = match method {
            Method::SimplePaths => None,
            _ => Some(solver(py, graph)?),
        };
        // `bound`: the largest error of a value (sparse walks), infinite when simple paths were cut.
        let (stakes, bound): (Vec<Stake>, f64) = detach::run(py, |it| -> Result<_, Error> {
            match (method, solver) {
                (Method::Walks, Some(s)) if sparse && threshold > 0.0 => {
                    let (stakes, bound) = exposure::integrated_walks_sparse(&s, threshold, it)?;
                    Ok((stakes, bound))
                }
                (Method::Walks, Some(s)) => {
                    Ok((exposure::integrated_walks(&s, threshold, it)?, 0.0))
                }
                (Method::Ultimate, Some(s)) => match held {
                    Some(h) => {
                        let float = float_threshold.unwrap_or(threshold);
                        exposure::ultimate_owners_with(&s, h, threshold, float, sparse, it)
                    }
                    None => exposure::ultimate_owners(&s, threshold, sparse, it),
                },
                _ => {
                    let (stakes, cut) =
                        exposure::simple_paths(g, max_depth, min_weight, threshold, it)?;
                    Ok((stakes, if cut { f64::INFINITY } else { 0.0 }))
                }
            }
        })?;
        // At register scale the rows are tens of millions: the columns, the rows freed, then
        // the direct shares from the columns.
        let holder: Vec<i64> = stakes
            .iter()
            .map(|s| s.holder.map_or(-1, |h| h as i64))
            .collect();
        let issuer: Vec<u32> = stakes.iter().map(|s| s.issuer).collect();
        let value: Vec<f64> = stakes.iter().map(|s| s.value).collect();
        drop(stakes);
        let direct = match direct {
            true => detach::run_ok(py, || direct_shares(g, &holder, &issuer)),
            false => Vec::new(),
        };
        columns!(py;
            "holder" => holder.into_pyarray(py),
            "issuer" => issuer.into_pyarray(py),
            "direct" => direct.into_pyarray(py),
            "integrated" => value.into_pyarray(py),
            "bound" => bound,
        )
    })
}

/// The columns of a bounded result (`aiexposure_core::bounds`): {lo, hi, agree (the value
/// column's validity bitmap), disagree (its null count), lo_valid, lo_nulls, hi_valid,
/// hi_nulls}.
#[pyfunction]
pub fn bounded<'py>(
    py: Python<'py>,
    lo: PyReadonlyArray1<'py, f64>,
    hi: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyDict>> {
    detach::guard(py, || {
        let (lo, hi) = (slice(&lo, "lo")?, slice(&hi, "hi")?);
        if lo.len() != hi.len() {
            return Err(PyValueError::new_err("lo and hi differ in length"));
        }
        let b = detach::run_ok(py, || aiexposure_core::bounds::bounded(lo, hi));
        columns!(py;
            "lo" => b.lo.into_pyarray(py),
            "hi" => b.hi.into_pyarray(py),
            "agree" => b.agree.into_pyarray(py),
            "disagree" => b.disagree,
            "lo_valid" => b.lo_valid.into_pyarray(py),
            "lo_nulls" => b.lo_nulls,
            "hi_valid" => b.hi_valid.into_pyarray(py),
            "hi_nulls" => b.hi_nulls,
        )
    })
}

/// Each stake's direct share: W[holder, issuer] (0 when no equity edge), and for the free
/// float 1 minus what the issuer's holders in this graph hold (at least 0).
fn direct_shares(g: &Graph, holder: &[i64], issuer: &[u32]) -> Vec<f64> {
    holder
        .par_iter()
        .zip(issuer)
        .map(|(&h, &issuer)| match u32::try_from(h) {
            Ok(h) => {
                // A row's edges are sorted by target: the pair's edges are one run of it.
                let row = g.out_edges(h);
                let from = row.partition_point(|e| e.target < issuer);
                row[from..]
                    .iter()
                    .take_while(|e| e.target == issuer)
                    .filter(|e| e.kind == Kind::Equity)
                    .map(|e| e.share)
                    .sum()
            }
            Err(_) => (1.0 - g.equity_holders(issuer).map(|(_, w)| w).sum::<f64>()).max(0.0),
        })
        .collect()
}
