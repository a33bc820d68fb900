//! Times the BODS reader on a file (an optimized build), five runs:
//! `cargo bench -p aiexposure-core --bench bods_timing -- PATH` (a register from
//! `aiexposure generate --format bods PATH`).
use std::time::Instant;

use aiexposure_core::bods::{read_path, Options, ShareChoice};
use aiexposure_core::interrupt::Interrupt;

fn main() {
    let path = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .expect("usage: bods_timing PATH");
    let options = Options {
        share_range: ShareChoice::Range,
        interest: "shareholding".into(),
        as_of: None,
        interests: true,
        chunk_text: aiexposure_core::bods::columns::MAX_TEXT,
    };
    for _ in 0..5 {
        let start = Instant::now();
        let cpu = cpu_seconds();
        let t = read_path(path.as_ref(), &options, Interrupt::never()).expect("read");
        let rows = |chunks: &[aiexposure_core::bods::columns::Table]| -> usize {
            chunks
                .iter()
                .map(|t| match &t[0].1 {
                    aiexposure_core::bods::columns::Column::Str(s) => s.offsets.len() - 1,
                    _ => 0,
                })
                .sum()
        };
        println!(
            "read: {:?}, {:.2} s of CPU ({} nodes, {} interests, {} edges)",
            start.elapsed(),
            cpu_seconds() - cpu,
            rows(&t.nodes),
            rows(&t.interests),
            rows(&t.edges)
        );
    }
}

/// User + system CPU time of this process (Linux; 0 elsewhere): a timing that other work on
/// the machine does not inflate.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    let after = &stat[stat.rfind(')').map_or(0, |i| i + 2)..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 =
        fields[11].parse::<f64>().unwrap_or(0.0) + fields[12].parse::<f64>().unwrap_or(0.0);
    ticks / 100.0
}
