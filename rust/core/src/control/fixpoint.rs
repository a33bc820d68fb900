//! The least fixpoint of holdings counted in full: from some sources, a node is caught when
//! the shares held in it by the sources and the nodes already caught meet a rule; each caught
//! node passes its holdings on once.

use super::blocked::Rule;
use crate::contagion::Touched;
use crate::error::Result;
use crate::graph::Graph;
use crate::interrupt::Interrupt;
use crate::kind::Kind;

/// A workspace: shares held per node by the run's listed and blocked nodes.
pub(crate) struct Work {
    held: Vec<f64>,
    done: Vec<bool>,
    touched: Touched,
}

impl Work {
    pub(crate) fn new(n: usize) -> Work {
        Work {
            held: vec![0.0; n],
            done: vec![false; n],
            touched: Touched::new(n),
        }
    }
}

/// A node a fixpoint reached: (node, share held in it, caught).
pub(crate) type Reached = (u32, f64, bool);

/// Bounds of one search: caught nodes, and links of a chain from the sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub max_caught: usize,
    pub max_depth: usize,
}

impl Bounds {
    pub const NONE: Bounds = Bounds {
        max_caught: usize::MAX,
        max_depth: usize::MAX,
    };
}

/// The least fixpoint from `sources`: (node, held, caught) for every node they reach but
/// the `excluded` ones, nodes increasing, and whether a bound cut it (a node caught
/// `max_depth` links from the sources passes nothing on; the search stops at `max_caught`
/// caught nodes): then the caught set is a lower bound. The workspace is left clean.
pub(crate) fn fixpoint(
    g: &Graph,
    sources: &[u32],
    excluded: &dyn Fn(u32) -> bool,
    rule: Rule,
    bounds: Bounds,
    w: &mut Work,
    interrupt: Interrupt,
) -> Result<(Vec<Reached>, bool)> {
    // (node, links from the sources), in the order caught.
    let mut queue: Vec<(u32, usize)> = sources.iter().map(|&s| (s, 0)).collect();
    for &s in sources {
        w.done[s as usize] = true;
    }
    let mut next = 0;
    let mut tick = interrupt.ticker(1 << 14);
    let mut cut = false;
    while next < queue.len() {
        tick.tick()?;
        if queue.len() - sources.len() >= bounds.max_caught {
            cut = true;
            break;
        }
        let (u, depth) = queue[next];
        next += 1;
        for e in g.out_edges(u) {
            if e.kind != Kind::Equity || e.share.is_nan() || e.share <= 0.0 {
                continue;
            }
            if depth >= bounds.max_depth {
                cut = true; // a holding not followed
                break;
            }
            let v = e.target as usize;
            w.touched.mark(e.target);
            w.held[v] += e.share;
            // An excluded node (a listed person, the controller itself) is never caught.
            if !w.done[v] && !excluded(e.target) && rule.meets(w.held[v]) {
                w.done[v] = true;
                queue.push((e.target, depth + 1));
            }
        }
    }
    let mut out: Vec<Reached> = w
        .touched
        .sorted()
        .iter()
        .map(|&v| (v, w.held[v as usize], w.done[v as usize]))
        .collect();
    out.retain(|r| !excluded(r.0));
    for &v in &w.touched.list {
        w.held[v as usize] = 0.0;
        w.done[v as usize] = false;
    }
    for &s in sources {
        w.done[s as usize] = false;
    }
    w.touched.clear();
    Ok((out, cut))
}
