//! `aiexposure._core`: the thin PyO3 layer over `aiexposure-core`. Arrays in, arrays out;
//! core errors mapped to Python exceptions in `errors`; every long call goes through
//! `detach::run`, which releases the GIL and turns Ctrl-C into `KeyboardInterrupt`.

mod arrays;
mod bods;
mod contagion;
mod control;
mod cycles;
mod detach;
mod errors;
mod exposure;
mod graph;
mod ids;
mod memory;
mod node_index;
mod scenarios;
mod synth;

use pyo3::prelude::*;

/// The native module. Names starting with `_` are hooks for the test suite, not API.
#[pymodule]
mod _core {
    #[pymodule_export]
    #[allow(non_upper_case_globals)]
    const __version__: &str = env!("CARGO_PKG_VERSION");

    #[pymodule_export]
    use crate::graph::{build_graph, CoreGraph};

    #[pymodule_export]
    use crate::ids::{factorize_int64, factorize_large_utf8, factorize_utf8};

    #[pymodule_export]
    use crate::node_index::{scatter, NodeIndex};

    #[pymodule_export]
    use crate::exposure::{
        bounded, exposure_to, holdings_of, integrated, look_through, look_through_many,
    };

    #[pymodule_export]
    use crate::cycles::{
        components, find_cycle, reciprocity, round_trips, self_funded, simple_cycles,
    };

    #[pymodule_export]
    use crate::contagion::{
        clearing, clearing_many, debtrank, debtrank_many, furfine, furfine_many,
    };

    #[pymodule_export]
    use crate::control::{blocked, control};

    #[pymodule_export]
    use crate::synth::synthetic_investor_graph;

    #[pymodule_export]
    use crate::bods::{read_bods_bytes, read_bods_path};

    #[pymodule_export]
    use crate::detach::{num_threads, panic_for_test, spin_for_test};

    #[pymodule_export]
    use crate::memory::release_freed;
}
