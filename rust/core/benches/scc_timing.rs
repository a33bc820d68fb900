//! Times strongly connected components on a 1M-node synthetic graph (an optimized build):
//! `cargo bench -p aiexposure-core --bench scc_timing [-- cross_holding]`
use std::time::Instant;

use aiexposure_core::interrupt::Interrupt;
use aiexposure_core::kind::KindMask;
use aiexposure_core::scc::strongly_connected_components;

mod common;

fn main() {
    let g = common::synthetic_graph(common::cross_holding(0.01));
    for _ in 0..5 {
        let start = Instant::now();
        let c = strongly_connected_components(&g, KindMask::ALL, Interrupt::never()).expect("scc");
        println!("scc: {:?} ({} components)", start.elapsed(), c.count());
    }
}
