use aiexposure_core::exposure::{look_through, Plan, Solver};
use aiexposure_core::synth::{investor_graph, SynthParams};
use aiexposure_core::{EdgeInput, Graph, Interrupt};
use std::time::Instant;
fn main() {
    let cross: f64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(0.0005);
    let params = SynthParams {
        num_nodes: 1_000_000,
        avg_degree: 3.5,
        cross_holding: cross,
        max_held: 0.9,
        commitments: 0.0,
        seed: 0,
        core_held: Vec::new(),
    };
    let edges = investor_graph(&params, Interrupt::never()).unwrap();
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
    .unwrap();
    let t = Instant::now();
    let plan = Plan::new(&g, Interrupt::never()).unwrap();
    println!("plan {:?} levels {}", t.elapsed(), plan.num_levels());
    let s: Vec<f64> = (0..g.num_nodes()).map(|i| (i % 97) as f64).collect();
    let solver = Solver { g: &g, plan: &plan };
    for _ in 0..3 {
        let t = Instant::now();
        let x = plan
            .solve(
                aiexposure_core::exposure::Direction::Holdings,
                &s,
                Interrupt::never(),
            )
            .unwrap();
        println!("plain solve {:?} {}", t.elapsed(), x.iter().sum::<f64>());
    }
    for _ in 0..10 {
        let t = Instant::now();
        let (_d, tt) = look_through(&solver, &s, &[], Interrupt::never()).unwrap();
        println!("look_through {:?} {}", t.elapsed(), tt.iter().sum::<f64>());
        let sm = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap();
        println!(
            "{}",
            sm.lines().find(|l| l.starts_with("AnonHuge")).unwrap()
        );
    }
}
#[allow(dead_code)]
fn unused() {}
