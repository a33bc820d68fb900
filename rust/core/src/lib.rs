//! Pure-Rust core of aiexposure: investor graphs in CSR form and the algorithms over them.
//!
//! Nothing here knows about Python. Node ids are dense `u32` indices; the binding layer maps
//! them back to the caller's labels. Every long function takes an [`Interrupt`] and returns
//! [`Error::Interrupted`] soon after it is raised.

pub mod bounds;
pub mod circular;
pub mod cycles;
pub mod error;
pub mod exposure;
pub mod find_cycle;
pub mod graph;
pub mod ids;
pub mod interrupt;
mod local_solve;
pub mod look_through;
pub mod paths;
pub mod plan;
mod prefetch;
pub mod rng;
pub mod scc;
mod solve;
mod spectral;
pub mod synth;

pub use error::{Error, Result};
pub use graph::{EdgeInput, Graph, Kind};
pub use interrupt::Interrupt;
