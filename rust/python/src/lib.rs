//! `aiexposure._core`: the thin PyO3 layer over `aiexposure-core`. Arrays in, arrays out;
//! core errors mapped to Python exceptions in `errors`; every long call goes through
//! `detach::run`, which releases the GIL and turns Ctrl-C into `KeyboardInterrupt`.

mod arrays;
mod cycles;
mod detach;
mod errors;
mod exposure;
mod graph;
mod ids;
mod synth;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<graph::CoreGraph>()?;
    m.add_function(wrap_pyfunction!(graph::build_graph, m)?)?;
    m.add_function(wrap_pyfunction!(ids::factorize_int64, m)?)?;
    m.add_function(wrap_pyfunction!(ids::factorize_utf8, m)?)?;
    m.add_function(wrap_pyfunction!(ids::factorize_large_utf8, m)?)?;
    m.add_function(wrap_pyfunction!(exposure::look_through, m)?)?;
    m.add_function(wrap_pyfunction!(exposure::py_holdings_of, m)?)?;
    m.add_function(wrap_pyfunction!(exposure::py_exposure_to, m)?)?;
    m.add_function(wrap_pyfunction!(exposure::integrated, m)?)?;
    m.add_function(wrap_pyfunction!(exposure::bounded, m)?)?;
    m.add_function(wrap_pyfunction!(cycles::components, m)?)?;
    m.add_function(wrap_pyfunction!(cycles::find_cycle, m)?)?;
    m.add_function(wrap_pyfunction!(cycles::simple_cycles, m)?)?;
    m.add_function(wrap_pyfunction!(cycles::py_round_trips, m)?)?;
    m.add_function(wrap_pyfunction!(cycles::self_funded, m)?)?;
    m.add_function(wrap_pyfunction!(cycles::py_reciprocity, m)?)?;
    m.add_function(wrap_pyfunction!(synth::synthetic_investor_graph, m)?)?;
    m.add_function(wrap_pyfunction!(detach::spin_for_test, m)?)?;
    m.add_function(wrap_pyfunction!(detach::panic_for_test, m)?)?;
    m.add_function(wrap_pyfunction!(detach::num_threads, m)?)?;
    Ok(())
}
