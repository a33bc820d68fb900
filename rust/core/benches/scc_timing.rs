//! Times strongly connected components on a 1M-node synthetic graph (an optimized build):
//! `cargo bench -p aiexposure-core --bench scc_timing [-- cross_holding]`
use std::time::Instant;

use aiexposure_core::graph::{EdgeInput, Graph};
use aiexposure_core::interrupt::Interrupt;
use aiexposure_core::kind::KindMask;
use aiexposure_core::scc::strongly_connected_components;
use aiexposure_core::synth::{investor_graph, SynthParams};

fn main() {
    let cross: f64 = std::env::args()
        .skip(1)
        // `cargo bench` adds a `--bench` flag; the first number is the cross-holding share.
        .find_map(|a| a.parse().ok())
        .unwrap_or(0.01);
    let params = SynthParams {
        num_nodes: 1_000_000,
        avg_degree: 3.5,
        cross_holding: cross,
        max_held: 0.9,
        commitments: 0.0,
        seed: 0,
        core_held: Vec::new(),
    };
    let edges = investor_graph(&params, Interrupt::never()).expect("valid parameters");
    let source: Vec<u32> = edges.source.iter().map(|&v| v as u32).collect();
    let target: Vec<u32> = edges.target.iter().map(|&v| v as u32).collect();
    let g = Graph::build(
        &EdgeInput {
            num_nodes: params.num_nodes,
            source: &source,
            target: &target,
            kind: &edges.kind,
            share: &edges.share,
            amount: &[],
        },
        Interrupt::never(),
    )
    .expect("valid graph");
    for _ in 0..5 {
        let start = Instant::now();
        let c = strongly_connected_components(&g, KindMask::ALL, Interrupt::never()).expect("scc");
        println!("scc: {:?} ({} components)", start.elapsed(), c.count());
    }
}
