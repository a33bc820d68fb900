//! What to enumerate and what comes out: options, cycles, and the batched parallel driver
//! over start nodes.

use std::sync::atomic::AtomicUsize;

use rayon::prelude::*;

use super::search::{Budget, Found, Scratch, Search};
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::interrupt::Interrupt;
use crate::kind::{Kind, KindMask};
use crate::scc::strongly_connected_components;

/// Upper bound on start nodes searched in one parallel batch.
const MAX_BATCH: usize = 1 << 14;

/// What to enumerate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CycleOptions {
    /// Longest cycle (in edges = nodes) to report; `None` for no bound.
    pub max_length: Option<usize>,
    /// Smallest product of shares; only all-equity cycles qualify when set.
    pub min_weight: Option<f64>,
    /// Smallest amount on every edge; edges of unknown amount fail it.
    pub min_amount: Option<f64>,
    /// The edge kinds followed.
    pub kinds: KindMask,
    /// At most this many cycles are returned.
    pub limit: usize,
    /// At most this many nodes, summed over the cycles returned (the memory they hold).
    pub max_nodes: usize,
}

impl Default for CycleOptions {
    fn default() -> Self {
        CycleOptions {
            max_length: None,
            min_weight: None,
            min_amount: None,
            kinds: KindMask::ALL,
            limit: usize::MAX,
            max_nodes: usize::MAX,
        }
    }
}

/// One simple cycle.
#[derive(Debug, Clone, PartialEq)]
pub struct Cycle {
    /// Distinct nodes in edge order, starting at the smallest.
    pub nodes: Vec<u32>,
    /// Forward edge positions: `edges[i]` goes `nodes[i]` → `nodes[(i + 1) % len]`.
    pub edges: Vec<usize>,
    /// Product of the shares, when every edge is equity.
    pub weight: Option<f64>,
    /// Smallest amount; `None` when any amount on the cycle is unknown.
    pub bottleneck: Option<f64>,
}

impl Cycle {
    /// The cycle through `nodes` along `edges` (`edges[i]` leaves `nodes[i]`), with its
    /// weight and bottleneck.
    pub fn new(g: &Graph, nodes: Vec<u32>, edges: Vec<usize>) -> Cycle {
        let equity = edges.iter().all(|&q| g.edge(q).kind == Kind::Equity);
        // Multiplied in edge order, as the search's prefix weights, so `min_weight` compares
        // the reported bits.
        let weight = equity.then(|| edges.iter().fold(1.0, |w, &q| w * g.edge(q).share));
        let amounts = edges.iter().map(|&q| g.amount(q));
        let bottleneck = amounts
            .clone()
            .all(|a| !a.is_nan())
            .then(|| amounts.fold(f64::INFINITY, f64::min));
        Cycle {
            nodes,
            edges,
            weight,
            bottleneck,
        }
    }
}

/// The cycles found, sorted by `edges` (lexicographically): smallest start node first, then
/// (target, kind) at each step.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleSet {
    pub cycles: Vec<Cycle>,
    /// More cycles match than `limit` or fit in `max_nodes`; `cycles` holds the first ones.
    pub truncated: bool,
    /// `max_nodes` (not `limit`) cut the cycles short.
    pub over_budget: bool,
}

/// Enumerates the simple cycles matching `opts`, sorted by `edges`.
pub fn simple_cycles(g: &Graph, opts: &CycleOptions, interrupt: Interrupt) -> Result<CycleSet> {
    check_options(opts)?;
    // With `min_weight` only equity edges can be on a qualifying cycle.
    let kinds: Vec<Kind> = Kind::ALL
        .into_iter()
        .filter(|&k| opts.kinds.contains(k) && (opts.min_weight.is_none() || k == Kind::Equity))
        .collect();
    let kinds = KindMask::of(&kinds);
    let comps = strongly_connected_components(g, kinds, interrupt)?;
    let n = g.num_nodes();
    // Position of each node inside its component: per-thread scratch is indexed by it, so it
    // is sized by the largest component searched, not by the graph.
    let mut pos = vec![0u32; n];
    for c in 0..comps.count() {
        for (i, &v) in comps.members(c).iter().enumerate() {
            pos[v as usize] = i as u32;
        }
    }
    let search = Search {
        g,
        comp: &comps.component,
        pos: &pos,
        kinds,
        min_weight: opts.min_weight,
        min_amount: opts.min_amount,
        max_length: opts.max_length.unwrap_or(usize::MAX),
        interrupt,
    };
    let size = |v: u32| comps.size(comps.component[v as usize] as usize);
    let starts: Vec<u32> = (0..n as u32)
        .filter(|&v| {
            size(v) > 1
                || g.out_range(v)
                    .any(|p| g.edge(p).target == v && search.allows(p))
        })
        .collect();
    let scratch_len = starts.iter().map(|&v| size(v)).max().unwrap_or(0);

    // Start nodes in order, in parallel batches: the output is the batches' results
    // concatenated, and a batch only runs while at most `limit` cycles are known. Every start
    // of a batch may find up to `limit` + 1 cycles that a truncation then drops, so batches
    // start at one node and double only while they find few cycles compared with what is
    // left: a small `limit` wastes little, an unlimited search runs in few batches.
    let mut cycles: Vec<Cycle> = Vec::new();
    let mut nodes_held = 0usize;
    let (mut truncated, mut over_budget) = (false, false);
    let mut next = 0;
    let mut batch = 1;
    while next < starts.len() {
        interrupt.check()?;
        let end = (next + batch).min(starts.len());
        // One cycle past the limit tells whether the result is truncated.
        let cap = (opts.limit - cycles.len()).saturating_add(1);
        let budget = Budget {
            held: AtomicUsize::new(0),
            left: opts.max_nodes - nodes_held,
        };
        let found = starts[next..end]
            .par_iter()
            .map_init(
                || Scratch::new(scratch_len),
                |scratch, &s| search.run(scratch, s, cap, &budget),
            )
            .collect::<Result<Vec<Found>>>()?;
        let mut produced = 0usize;
        let mut redo = None;
        for (i, f) in found.into_iter().enumerate() {
            if f.over_budget && end - next > 1 {
                // Which start the shared budget stopped depends on timing: redo it alone,
                // so the cut falls at the same cycle for any thread count.
                redo = Some(next + i);
                break;
            }
            produced += f.cycles.len();
            nodes_held += f.cycles.iter().map(|c| c.nodes.len()).sum::<usize>();
            cycles.extend(f.cycles);
            // Alone, its cycles are the longest prefix within the budget: the next overflows.
            over_budget |= f.over_budget;
        }
        // When both bounds cut at the same cycle, the limit is the one reported.
        if cycles.len() > opts.limit || (over_budget && cycles.len() == opts.limit) {
            cycles.truncate(opts.limit);
            (truncated, over_budget) = (true, false);
        }
        if truncated || over_budget {
            truncated = true;
            break;
        }
        if let Some(start) = redo {
            (next, batch) = (start, 1);
            continue;
        }
        let left = opts.limit - cycles.len();
        let nodes_left = opts.max_nodes - nodes_held;
        let few =
            produced.saturating_mul(4) <= left && budget.used().saturating_mul(4) <= nodes_left;
        batch = if few {
            (batch * 2).min(MAX_BATCH)
        } else {
            (batch / 2).max(1)
        };
        next = end;
    }
    Ok(CycleSet {
        cycles,
        truncated,
        over_budget,
    })
}

fn check_options(opts: &CycleOptions) -> Result<()> {
    let bad = |msg: String| Err(Error::InvalidArgument(msg));
    if opts.limit == 0 {
        return bad("limit must be at least 1".into());
    }
    if opts.max_nodes == 0 {
        return bad("max_nodes must be at least 1".into());
    }
    if opts.max_length == Some(0) {
        return bad("max_length must be at least 1".into());
    }
    for (name, value) in [
        ("min_weight", opts.min_weight),
        ("min_amount", opts.min_amount),
    ] {
        if let Some(x) = value {
            if !(x.is_finite() && x >= 0.0) {
                return bad(format!("{name} must be finite and non-negative, got {x}"));
            }
        }
    }
    Ok(())
}
