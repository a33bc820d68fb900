//! The graph handle held by `aiexposure.Graph`.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use aiexposure_core::buffer::Foreign;
use aiexposure_core::contagion::{self, Claims};
use aiexposure_core::exposure::Plan;
use aiexposure_core::graph::{EdgeInput, Graph};
use aiexposure_core::kind::KindMask;
use aiexposure_core::parts::{Bytes, Loader, Saved};
use numpy::{IntoPyArray, PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::arrays::slice;
use crate::{columns, detach};

type Numbers = HashMap<String, u64>;
/// Saved arrays by name, each a uint8 array of its bytes.
type Arrays<'py> = HashMap<String, Bound<'py, PyArray1<u8>>>;

/// A validated investor graph in CSR form (forward and reverse), shared read-only.
#[pyclass(frozen, module = "aiexposure._core")]
pub struct CoreGraph {
    pub inner: Arc<Graph>,
    /// The equity condensation, built on first use and reused by every exposure call.
    plan: OnceLock<Plan>,
    /// A graph of upper bounds (capped maximum stakes): its plan gives +inf where a walk sum
    /// diverges (`Plan::upper`).
    upper: bool,
    /// The contagion models' claims, built on first use per set of kinds (`KindMask::bits`).
    claims: [OnceLock<Claims>; 8],
}

impl CoreGraph {
    fn new(graph: Graph, upper: bool) -> CoreGraph {
        CoreGraph {
            inner: Arc::new(graph),
            plan: OnceLock::new(),
            upper,
            claims: Default::default(),
        }
    }

    /// The claims of the edges of `kinds` (`contagion::claims`), built once per set of kinds.
    pub fn claims(&self, py: Python<'_>, kinds: KindMask) -> PyResult<&Claims> {
        let slot = &self.claims[kinds.bits() as usize & 7];
        if let Some(claims) = slot.get() {
            return Ok(claims);
        }
        let g = &*self.inner;
        let built = detach::run(py, |_| contagion::claims(g, kinds))?;
        Ok(slot.get_or_init(|| built))
    }

    pub fn plan(&self, py: Python<'_>) -> PyResult<&Plan> {
        if let Some(plan) = self.plan.get() {
            return Ok(plan);
        }
        let g = &*self.inner;
        let upper = self.upper;
        let plan = detach::run(py, |it| {
            if upper {
                Plan::upper(g, it)
            } else {
                Plan::new(g, it)
            }
        })?;
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

    #[getter]
    fn upper(&self) -> bool {
        self.upper
    }

    /// The same graph with new equity shares per forward edge position (`Graph::reweighted`):
    /// equity edges of share 0 left out when `drop_zero`; issuer sums checked when
    /// `check_share_sums`; `upper` marks a graph of upper bounds.
    fn reweighted(
        &self,
        py: Python<'_>,
        shares: PyReadonlyArray1<'_, f64>,
        drop_zero: bool,
        check_share_sums: bool,
        upper: bool,
    ) -> PyResult<CoreGraph> {
        detach::guard(py, || {
            let shares = slice(&shares, "shares")?;
            let g = &*self.inner;
            let graph = detach::run(py, |it| {
                g.reweighted(shares, drop_zero, check_share_sums, it)
            })?;
            Ok(CoreGraph::new(graph, upper))
        })
    }

    /// Forward position of each (source, target, kind) row, -1 where there is no such edge.
    fn edge_positions<'py>(
        &self,
        py: Python<'py>,
        source: PyReadonlyArray1<'py, u32>,
        target: PyReadonlyArray1<'py, u32>,
        kind: PyReadonlyArray1<'py, u8>,
    ) -> PyResult<Bound<'py, PyArray1<i64>>> {
        detach::guard(py, || {
            let (s, t, k) = (
                slice(&source, "source")?,
                slice(&target, "target")?,
                slice(&kind, "kind")?,
            );
            let g = &*self.inner;
            let found = detach::run(py, |_| g.edge_positions(s, t, k))?;
            let out: Vec<i64> = found.iter().map(|p| p.map_or(-1, i64::from)).collect();
            Ok(out.into_pyarray(py))
        })
    }

    /// The equity components whose walk sum diverges: (size, first members) each, in plan
    /// order (builds the plan if needed).
    fn divergent_components(&self, py: Python<'_>) -> PyResult<Vec<(usize, Vec<u32>)>> {
        detach::guard(py, || Ok(self.plan(py)?.divergent_components()))
    }

    /// The forward CSR, copied out once (the Python layer caches it read-only): {offsets
    /// (u64), targets (u32), kinds (u8), shares (f64), amounts (f64; empty when no amount is
    /// known)}.
    fn csr<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        detach::guard(py, || {
            let csr = self.inner.csr();
            // The edges are stored as records; the export splits them into columns.
            let (offsets, targets, kinds, shares) = detach::run_ok(py, || {
                (
                    csr.offsets.iter().map(|&o| o as u64).collect::<Vec<_>>(),
                    csr.edges.iter().map(|e| e.target).collect::<Vec<_>>(),
                    csr.edges.iter().map(|e| e.kind as u8).collect::<Vec<_>>(),
                    csr.edges.iter().map(|e| e.share).collect::<Vec<_>>(),
                )
            });
            columns!(py;
                "offsets" => offsets.into_pyarray(py),
                "targets" => targets.into_pyarray(py),
                "kinds" => kinds.into_pyarray(py),
                "shares" => shares.into_pyarray(py),
                "amounts" => PyArray1::from_slice(py, csr.amounts),
            )
        })
    }

    /// The graph's arrays and numbers for `Graph.save`, with the plan's when it is built (or
    /// built here, both directions, when `build_plan`): ({name: number}, {name: read-only uint8 array of the
    /// bytes}). The arrays view the graph's own memory (kept alive by this object), except
    /// the edges, whose records are copied out with their padding zeroed.
    fn save_parts<'py>(
        slf: &Bound<'py, Self>,
        py: Python<'py>,
        build_plan: bool,
    ) -> PyResult<(Numbers, Arrays<'py>)> {
        let this = slf.get();
        detach::guard(py, || {
            let plan = if build_plan {
                let plan = this.plan(py)?;
                detach::run(py, |it| plan.build_all(it))?;
                Some(plan)
            } else {
                this.plan.get()
            };
            let g = &*this.inner;
            let saved = detach::run_ok(py, || {
                let mut out = Saved::default();
                g.save(&mut out);
                if let Some(plan) = plan {
                    plan.save(&mut out);
                }
                out
            });
            let mut numbers: Numbers = saved.numbers.into_iter().collect();
            numbers.insert("upper".into(), this.upper as u64);
            let mut arrays = HashMap::with_capacity(saved.arrays.len());
            for (name, bytes) in saved.arrays {
                let array = match bytes {
                    Bytes::Copy(v) => v.into_pyarray(py),
                    Bytes::View(view) => {
                        // SAFETY: the view is memory of the graph or its plan, which this
                        // object owns and never changes or frees while it lives; the array
                        // keeps it alive as its base, and is made read-only below.
                        unsafe {
                            PyArray1::borrow_from_array(
                                &numpy::ndarray::ArrayView1::from(view),
                                slf.clone().into_any(),
                            )
                        }
                    }
                };
                array.getattr("flags")?.setattr("writeable", false)?;
                arrays.insert(name, array);
            }
            Ok((numbers, arrays))
        })
    }

    /// The graph saved by `save_parts`, its arrays borrowed from `arrays` (uint8 numpy
    /// arrays over memory-mapped pages or bytes), which stay referenced for as long as the
    /// graph lives. A writable array is copied: memory that can change is never borrowed.
    #[staticmethod]
    fn open_parts(py: Python<'_>, numbers: Numbers, arrays: Arrays<'_>) -> PyResult<CoreGraph> {
        detach::guard(py, || {
            let mut borrowed = HashMap::with_capacity(arrays.len());
            for (name, array) in arrays {
                let writeable: bool = array.getattr("flags")?.getattr("writeable")?.extract()?;
                let view = array.readonly();
                let bytes = view.as_slice().map_err(|_| {
                    PyValueError::new_err(format!("saved array {name:?} is not contiguous"))
                })?;
                let foreign = if writeable {
                    let copy = Arc::new(bytes.to_vec());
                    // SAFETY: the copy lives in the Arc and is never changed.
                    unsafe { Foreign::new(copy.as_ptr(), copy.len(), copy.clone()) }
                } else {
                    let (ptr, len) = (bytes.as_ptr(), bytes.len());
                    // SAFETY: a read-only array's memory (mapped pages, bytes) stays put and
                    // unchanged while the array object lives, and the Arc keeps it.
                    unsafe { Foreign::new(ptr, len, Arc::new(array.clone().unbind())) }
                };
                borrowed.insert(name, foreign);
            }
            let upper = numbers.get("upper").copied().unwrap_or(0) != 0;
            let mut loader = Loader::new(numbers, borrowed);
            let (graph, plan) = detach::run(py, |_| {
                let graph = Graph::load(&mut loader)?;
                let plan = Plan::load(&mut loader, graph.num_nodes())?;
                Ok((graph, plan))
            })?;
            let core = CoreGraph::new(graph, upper);
            if let Some(plan) = plan {
                let _ = core.plan.set(plan);
            }
            Ok(core)
        })
    }

    /// Whether the plan is built (saved graphs carry it).
    #[getter]
    fn has_plan(&self) -> bool {
        self.plan.get().is_some()
    }
}

/// Builds and validates a graph from dense edge columns (see `aiexposure_core::EdgeInput`).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn build_graph<'py>(
    py: Python<'py>,
    num_nodes: usize,
    source: PyReadonlyArray1<'py, u32>,
    target: PyReadonlyArray1<'py, u32>,
    kind: PyReadonlyArray1<'py, u8>,
    share: PyReadonlyArray1<'py, f64>,
    amount: PyReadonlyArray1<'py, f64>,
    check_share_sums: bool,
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
        let graph = detach::run(py, |it| Graph::build_with(&input, check_share_sums, it))?;
        Ok(CoreGraph::new(graph, false))
    })
}
