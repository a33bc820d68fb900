//! What the timing harnesses share: the 1M-node synthetic graph they time, and their one
//! argument.

use aiexposure_core::graph::{EdgeInput, Graph};
use aiexposure_core::interrupt::Interrupt;
use aiexposure_core::synth::{investor_graph, SynthParams};

/// The cross-holding share given on the command line, else `default`. `cargo bench` adds a
/// `--bench` flag: the first number is the argument.
pub fn cross_holding(default: f64) -> f64 {
    std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(default)
}

/// The generator's 1M-node investor graph (3.5 holdings a node, no commitments).
pub fn synthetic_graph(cross_holding: f64) -> Graph {
    let params = SynthParams {
        num_nodes: 1_000_000,
        avg_degree: 3.5,
        cross_holding,
        max_held: 0.9,
        commitments: 0.0,
        seed: 0,
        core_held: Vec::new(),
    };
    let edges = investor_graph(&params, Interrupt::never()).expect("valid parameters");
    let source: Vec<u32> = edges.source.iter().map(|&v| v as u32).collect();
    let target: Vec<u32> = edges.target.iter().map(|&v| v as u32).collect();
    Graph::build(
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
    .expect("valid graph")
}
