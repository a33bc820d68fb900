//! Graph builders shared by the unit tests of every module.

use super::{EdgeInput, Graph};
use crate::error::Result;
use crate::interrupt::Interrupt;
use crate::kind::Kind;

/// Kind codes and the unknown amount, as the test edge rows spell them.
pub const EQ: u8 = Kind::Equity as u8;
pub const CR: u8 = Kind::Credit as u8;
pub const CM: u8 = Kind::Commitment as u8;
pub const NAN: f64 = f64::NAN;

/// A graph from (source, target, kind code, share, amount) rows.
pub fn build(n: usize, edges: &[(u32, u32, u8, f64, f64)]) -> Result<Graph> {
    let source: Vec<u32> = edges.iter().map(|e| e.0).collect();
    let target: Vec<u32> = edges.iter().map(|e| e.1).collect();
    let kind: Vec<u8> = edges.iter().map(|e| e.2).collect();
    let share: Vec<f64> = edges.iter().map(|e| e.3).collect();
    let amount: Vec<f64> = edges.iter().map(|e| e.4).collect();
    Graph::build(
        &EdgeInput {
            num_nodes: n,
            source: &source,
            target: &target,
            kind: &kind,
            share: &share,
            amount: &amount,
        },
        Interrupt::never(),
    )
}

/// A graph of equity edges (holder, issuer, share).
pub fn equity(n: usize, edges: &[(u32, u32, f64)]) -> Graph {
    let rows: Vec<_> = edges
        .iter()
        .map(|&(u, v, s)| (u, v, 0, s, f64::NAN))
        .collect();
    build(n, &rows).expect("valid test graph")
}

/// Runs `f` in a rayon pool of `threads` threads (tests of thread-count determinism).
pub fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}
