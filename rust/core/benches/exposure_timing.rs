//! Times a look-through solve on a 1M-node synthetic graph (an optimized build):
//! `cargo bench -p aiexposure-core --bench exposure_timing [-- cross_holding]`
use std::time::Instant;

use aiexposure_core::exposure::{look_through, Plan, Solver};
use aiexposure_core::interrupt::Interrupt;

mod common;

fn main() {
    let g = common::synthetic_graph(common::cross_holding(0.0005));
    let start = Instant::now();
    let plan = Plan::new(&g, Interrupt::never()).expect("plan");
    println!("plan: {:?} ({} levels)", start.elapsed(), plan.num_levels());
    let s: Vec<f64> = (0..g.num_nodes()).map(|i| (i % 97) as f64).collect();
    let solver = Solver { g: &g, plan: &plan };
    let mut best = std::time::Duration::MAX;
    for _ in 0..10 {
        let start = Instant::now();
        let total = look_through(&solver, &s, &[], 0.0, Interrupt::never())
            .expect("solve")
            .total;
        best = best.min(start.elapsed());
        assert_eq!(total.len(), g.num_nodes());
    }
    println!("look_through: best of 10 {best:?}");
}
