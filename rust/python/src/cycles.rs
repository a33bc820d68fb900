//! Cycles of the money-flow graph: SCCs, one witness, all simple cycles, circular financing.

use aiexposure_core::circular;
use aiexposure_core::cycles::{self, Cycle, CycleOptions};
use aiexposure_core::exposure::Solver;
use aiexposure_core::graph::Graph;
use aiexposure_core::kind::{Kind, KindMask};
use aiexposure_core::scc;
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::graph::CoreGraph;
use crate::{columns, detach};

/// The mask of the kind codes the Python layer passes (0 equity, 1 credit, 2 commitment).
pub(crate) fn mask(kinds: Vec<u8>) -> PyResult<KindMask> {
    let kinds = kinds
        .into_iter()
        .map(|k| Kind::from_code(k).ok_or_else(|| PyValueError::new_err(format!("kind code {k}"))))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(KindMask::of(&kinds))
}

/// {component (of each node), sizes (of each component)}; components numbered sinks first.
#[pyfunction]
pub fn components<'py>(
    py: Python<'py>,
    graph: &CoreGraph,
    kinds: Vec<u8>,
) -> PyResult<Bound<'py, PyDict>> {
    detach::guard(py, || {
        let (g, kinds) = (&*graph.inner, mask(kinds)?);
        let comps = detach::run(py, |it| scc::strongly_connected_components(g, kinds, it))?;
        let sizes: Vec<u32> = (0..comps.count()).map(|c| comps.size(c) as u32).collect();
        columns!(py;
            "component" => comps.component.into_vec().into_pyarray(py),
            "sizes" => sizes.into_pyarray(py),
        )
    })
}

/// Flat columns of a list of cycles: {lengths, nodes, kinds (per edge), weight,
/// bottleneck}; NaN stands for a missing weight or bottleneck.
fn cycle_columns<'py>(
    py: Python<'py>,
    g: &Graph,
    cycles: &[Cycle],
) -> PyResult<Bound<'py, PyDict>> {
    let lengths: Vec<u32> = cycles.iter().map(|c| c.nodes.len() as u32).collect();
    let nodes: Vec<u32> = cycles
        .iter()
        .flat_map(|c| c.nodes.iter().copied())
        .collect();
    let kinds: Vec<u8> = cycles
        .iter()
        .flat_map(|c| c.edges.iter().map(|&p| g.edge(p).kind as u8))
        .collect();
    let weight: Vec<f64> = cycles
        .iter()
        .map(|c| c.weight.unwrap_or(f64::NAN))
        .collect();
    let bottleneck: Vec<f64> = cycles
        .iter()
        .map(|c| c.bottleneck.unwrap_or(f64::NAN))
        .collect();
    columns!(py;
        "lengths" => lengths.into_pyarray(py),
        "nodes" => nodes.into_pyarray(py),
        "kinds" => kinds.into_pyarray(py),
        "weight" => weight.into_pyarray(py),
        "bottleneck" => bottleneck.into_pyarray(py),
    )
}

/// One cycle found by a depth-first search, or None when the graph is acyclic.
#[pyfunction]
pub fn find_cycle<'py>(
    py: Python<'py>,
    graph: &CoreGraph,
    kinds: Vec<u8>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    detach::guard(py, || {
        let (g, kinds) = (&*graph.inner, mask(kinds)?);
        let found = detach::run(py, |it| cycles::find_cycle(g, kinds, it))?;
        found
            .map(|c| cycle_columns(py, g, std::slice::from_ref(&c)))
            .transpose()
    })
}

/// Every simple cycle matching the options, in the core's deterministic order, as
/// `cycle_columns` plus `truncated` (a bound, `limit` or `max_nodes`, cut the list) and
/// `over_budget` (it was `max_nodes`).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (
    graph, kinds, limit, max_length=None, min_weight=None, min_amount=None, max_nodes=usize::MAX
))]
pub fn simple_cycles<'py>(
    py: Python<'py>,
    graph: &CoreGraph,
    kinds: Vec<u8>,
    limit: usize,
    max_length: Option<usize>,
    min_weight: Option<f64>,
    min_amount: Option<f64>,
    max_nodes: usize,
) -> PyResult<Bound<'py, PyDict>> {
    detach::guard(py, || {
        let g = &*graph.inner;
        let opts = CycleOptions {
            max_length,
            min_weight,
            min_amount,
            kinds: mask(kinds)?,
            limit,
            max_nodes,
        };
        let found = detach::run(py, |it| cycles::simple_cycles(g, &opts, it))?;
        let out = cycle_columns(py, g, &found.cycles)?;
        out.set_item("truncated", found.truncated)?;
        out.set_item("over_budget", found.over_budget)?;
        Ok(out)
    })
}

/// Round trips per investment edge: {source, target, kind, invested, returned, ratio}.
#[pyfunction]
pub fn round_trips<'py>(py: Python<'py>, graph: &CoreGraph) -> PyResult<Bound<'py, PyDict>> {
    detach::guard(py, || {
        let g = &*graph.inner;
        let r = detach::run_ok(py, || circular::round_trips(g));
        let csr = g.csr();
        let mut source = Vec::with_capacity(r.edge.len());
        let mut u = 0u32;
        for &p in &r.edge {
            while csr.offsets[u as usize + 1] <= p {
                u += 1;
            }
            source.push(u);
        }
        let target: Vec<u32> = r.edge.iter().map(|&p| g.edge(p).target).collect();
        let kind: Vec<u8> = r.edge.iter().map(|&p| g.edge(p).kind as u8).collect();
        columns!(py;
            "source" => source.into_pyarray(py),
            "target" => target.into_pyarray(py),
            "kind" => kind.into_pyarray(py),
            "invested" => r.invested.into_pyarray(py),
            "returned" => r.returned.into_pyarray(py),
            "ratio" => r.ratio.into_pyarray(py),
        )
    })
}

/// Self-funded revenue per payee: {node, revenue, self_funded, unknown (commitments of
/// unknown amount), unknown_owned (those of them paid by a customer the payee owns), bound
/// (how far self_funded may be below the truth: 0 when exact)}. `sparse` (every payee, no
/// `payees`): from the thresholded columns of every issuer, each payee's bound stated.
#[pyfunction]
#[pyo3(signature = (graph, payees=None, sparse=false))]
pub fn self_funded<'py>(
    py: Python<'py>,
    graph: &CoreGraph,
    payees: Option<PyReadonlyArray1<'py, u32>>,
    sparse: bool,
) -> PyResult<Bound<'py, PyDict>> {
    detach::guard(py, || {
        let solver = Solver {
            g: &graph.inner,
            plan: graph.plan(py)?,
        };
        let payees = payees.as_ref().map(|p| p.as_slice()).transpose()?;
        let (rows, bound) = detach::run(py, |it| match payees {
            None if sparse => circular::self_funded_revenue_sparse(&solver, it),
            _ => circular::self_funded_revenue(&solver, payees, it).map(|rows| {
                let exact = vec![0.0; rows.len()];
                (rows, exact)
            }),
        })?;
        let node: Vec<u32> = rows.iter().map(|r| r.node).collect();
        let revenue: Vec<f64> = rows.iter().map(|r| r.revenue).collect();
        let funded: Vec<f64> = rows.iter().map(|r| r.self_funded).collect();
        let unknown: Vec<u32> = rows.iter().map(|r| r.unknown).collect();
        let owned: Vec<u32> = rows.iter().map(|r| r.unknown_owned).collect();
        columns!(py;
            "node" => node.into_pyarray(py),
            "revenue" => revenue.into_pyarray(py),
            "self_funded" => funded.into_pyarray(py),
            "unknown" => unknown.into_pyarray(py),
            "unknown_owned" => owned.into_pyarray(py),
            "bound" => bound.into_pyarray(py),
        )
    })
}

/// Weighted reciprocity: {reciprocated (Σ min(F_ij, F_ji)), total (Σ F_ij), unknown (edges
/// of unknown amount)}.
#[pyfunction]
pub fn reciprocity<'py>(py: Python<'py>, graph: &CoreGraph) -> PyResult<Bound<'py, PyDict>> {
    detach::guard(py, || {
        let g = &*graph.inner;
        let r = detach::run_ok(py, || circular::reciprocity(g));
        columns!(py;
            "reciprocated" => r.reciprocated,
            "total" => r.total,
            "unknown" => r.unknown,
        )
    })
}
