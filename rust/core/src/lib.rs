//! Pure-Rust core of aiexposure: investor graphs in CSR form and the algorithms over them.
//!
//! Nothing here knows about Python. Node ids are dense `u32` indices; the binding layer maps
//! them back to the caller's labels. Every long function takes an [`Interrupt`] and returns
//! [`Error::Interrupted`] soon after it is raised.
//!
//! Every public item has one path, its module's: `graph::Graph`, `kind::Kind`,
//! `exposure::holdings_of`, `cycles::simple_cycles`, ...
//!
//! [`Interrupt`]: interrupt::Interrupt
//! [`Error::Interrupted`]: error::Error::Interrupted

pub mod bods;
pub mod bounds;
pub mod buffer;
pub mod circular;
pub mod contagion;
pub mod control;
mod csr;
pub mod cycles;
pub mod error;
pub mod exposure;
pub mod graph;
pub mod ids;
pub mod interrupt;
pub mod kind;
pub mod memory;
pub mod node_index;
pub mod parts;
mod prefetch;
pub mod rng;
pub mod scc;
pub mod synth;
