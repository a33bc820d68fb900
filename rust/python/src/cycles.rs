//! Cycles of the money-flow graph: SCCs, one witness, all simple cycles, circular financing.

use aiexposure_core::circular;
use aiexposure_core::cycles::{self, Cycle, CycleOptions};
use aiexposure_core::exposure::Solver;
use aiexposure_core::graph::Graph;
use aiexposure_core::kind::{Kind, KindMask};
use aiexposure_core::scc;
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::detach;
use crate::graph::CoreGraph;

type U32s<'py> = Bound<'py, PyArray1<u32>>;
type U8s<'py> = Bound<'py, PyArray1<u8>>;
type F64s<'py> = Bound<'py, PyArray1<f64>>;

/// The mask of the kind codes the Python layer passes (0 equity, 1 credit, 2 commitment).
fn mask(kinds: Vec<u8>) -> PyResult<KindMask> {
    let kinds = kinds
        .into_iter()
        .map(|k| Kind::from_code(k).ok_or_else(|| PyValueError::new_err(format!("kind code {k}"))))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(KindMask::of(&kinds))
}

/// (component of each node, size of each component); components numbered sinks first.
#[pyfunction]
pub fn components<'py>(
    py: Python<'py>,
    graph: &CoreGraph,
    kinds: Vec<u8>,
) -> PyResult<(U32s<'py>, U32s<'py>)> {
    detach::guard(py, || {
        let (g, kinds) = (&*graph.inner, mask(kinds)?);
        let comps = detach::run(py, |it| scc::strongly_connected_components(g, kinds, it))?;
        let sizes: Vec<u32> = (0..comps.count()).map(|c| comps.size(c) as u32).collect();
        Ok((comps.component.into_pyarray(py), sizes.into_pyarray(py)))
    })
}

/// Flat columns of a list of cycles: (lengths, nodes, kinds per edge, weight, bottleneck);
/// NaN stands for a missing weight or bottleneck.
type Columns<'py> = (U32s<'py>, U32s<'py>, U8s<'py>, F64s<'py>, F64s<'py>);

fn columns<'py>(py: Python<'py>, g: &Graph, cycles: &[Cycle]) -> Columns<'py> {
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
    (
        lengths.into_pyarray(py),
        nodes.into_pyarray(py),
        kinds.into_pyarray(py),
        weight.into_pyarray(py),
        bottleneck.into_pyarray(py),
    )
}

/// One cycle found by a depth-first search, or None when the graph is acyclic.
#[pyfunction]
pub fn find_cycle<'py>(
    py: Python<'py>,
    graph: &CoreGraph,
    kinds: Vec<u8>,
) -> PyResult<Option<Columns<'py>>> {
    detach::guard(py, || {
        let (g, kinds) = (&*graph.inner, mask(kinds)?);
        let found = detach::run(py, |it| cycles::find_cycle(g, kinds, it))?;
        Ok(found.map(|c| columns(py, g, std::slice::from_ref(&c))))
    })
}

/// Every simple cycle matching the options, in the core's deterministic order, whether a
/// bound (`limit` or `max_nodes`) truncated them, and whether it was `max_nodes`.
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
) -> PyResult<(Columns<'py>, bool, bool)> {
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
        Ok((
            columns(py, g, &found.cycles),
            found.truncated,
            found.over_budget,
        ))
    })
}

/// Round trips per investment edge: (source, target, kind, invested, returned, ratio).
#[pyfunction]
#[allow(clippy::type_complexity)]
pub fn round_trips<'py>(
    py: Python<'py>,
    graph: &CoreGraph,
) -> PyResult<(
    U32s<'py>,
    U32s<'py>,
    U8s<'py>,
    F64s<'py>,
    F64s<'py>,
    F64s<'py>,
)> {
    detach::guard(py, || {
        let g = &*graph.inner;
        let r = detach::run(py, |_| Ok(circular::round_trips(g)))?;
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
        Ok((
            source.into_pyarray(py),
            target.into_pyarray(py),
            kind.into_pyarray(py),
            r.invested.into_pyarray(py),
            r.returned.into_pyarray(py),
            r.ratio.into_pyarray(py),
        ))
    })
}

/// Self-funded revenue per payee: (node, revenue, self_funded, unknown commitments, those of
/// them paid by a customer the payee owns).
#[pyfunction]
#[allow(clippy::type_complexity)]
#[pyo3(signature = (graph, payees=None))]
pub fn self_funded<'py>(
    py: Python<'py>,
    graph: &CoreGraph,
    payees: Option<PyReadonlyArray1<'py, u32>>,
) -> PyResult<(U32s<'py>, F64s<'py>, F64s<'py>, U32s<'py>, U32s<'py>)> {
    detach::guard(py, || {
        let solver = Solver {
            g: &graph.inner,
            plan: graph.plan(py)?,
        };
        let payees = payees.as_ref().map(|p| p.as_slice()).transpose()?;
        let rows = detach::run(py, |it| circular::self_funded_revenue(&solver, payees, it))?;
        let node: Vec<u32> = rows.iter().map(|r| r.node).collect();
        let revenue: Vec<f64> = rows.iter().map(|r| r.revenue).collect();
        let funded: Vec<f64> = rows.iter().map(|r| r.self_funded).collect();
        let unknown: Vec<u32> = rows.iter().map(|r| r.unknown).collect();
        let owned: Vec<u32> = rows.iter().map(|r| r.unknown_owned).collect();
        Ok((
            node.into_pyarray(py),
            revenue.into_pyarray(py),
            funded.into_pyarray(py),
            unknown.into_pyarray(py),
            owned.into_pyarray(py),
        ))
    })
}

/// Weighted reciprocity: (Σ min(F_ij, F_ji), Σ F_ij, edges of unknown amount).
#[pyfunction]
pub fn reciprocity(py: Python<'_>, graph: &CoreGraph) -> PyResult<(f64, f64, usize)> {
    detach::guard(py, || {
        let g = &*graph.inner;
        let r = detach::run(py, |_| Ok(circular::reciprocity(g)))?;
        Ok((r.reciprocated, r.total, r.unknown))
    })
}
