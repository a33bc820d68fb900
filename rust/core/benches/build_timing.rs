//! Times the phases of building a 1M-node / 3.5M-edge random graph (an optimized build):
//! `cargo bench -p aiexposure-core --bench build_timing`
use std::time::Instant;

use aiexposure_core::graph::{EdgeInput, Graph};
use aiexposure_core::interrupt::Interrupt;

fn main() {
    let n = 1_000_000usize;
    let m = 3_500_000usize;
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let source: Vec<u32> = (0..m).map(|_| (next() % n as u64) as u32).collect();
    let target: Vec<u32> = source
        .iter()
        .map(|&s| ((s as u64 + 1 + next() % (n as u64 - 1)) % n as u64) as u32)
        .collect();
    let mut indegree = vec![0u32; n];
    for &t in &target {
        indegree[t as usize] += 1;
    }
    let share: Vec<f64> = target
        .iter()
        .map(|&t| 0.9 / indegree[t as usize] as f64)
        .collect();
    let start = Instant::now();
    let g = Graph::build(
        &EdgeInput {
            num_nodes: n,
            source: &source,
            target: &target,
            kind: &[],
            share: &share,
            amount: &[],
        },
        Interrupt::never(),
    )
    .expect("valid graph");
    println!("build: {:?} for {} edges", start.elapsed(), g.num_edges());
}
