//! Chain multiplication (EU AMLR 2024/1624 art. 52; Glattfelder–Battiston): the sum over
//! simple paths of the product of shares, with depth and weight bounds that say when they cut.

use rayon::prelude::*;

use super::integrated::{holders_with_equity, stakes_above, Stake};
use crate::error::Result;
use crate::graph::Graph;
use crate::interrupt::Interrupt;
use crate::kind::Kind;

/// Sum over simple paths (no repeated node) of the product of shares, from every holder.
/// `max_depth` bounds the path length in edges; a partial path whose product falls below
/// `min_weight` is dropped with everything beyond it. Returns the stakes above `threshold`
/// and whether a bound cut any path.
pub fn simple_paths(
    g: &Graph,
    max_depth: Option<usize>,
    min_weight: f64,
    threshold: f64,
    interrupt: Interrupt,
) -> Result<(Vec<Stake>, bool)> {
    let n = g.num_nodes();
    let holders = holders_with_equity(g);
    let depth = max_depth.unwrap_or(usize::MAX);
    let rows = holders
        .par_iter()
        .map(|&h| {
            let mut acc: std::collections::BTreeMap<u32, f64> = Default::default();
            let mut on_path = vec![false; n];
            let mut cut = false;
            // Iterative DFS: (node, product so far, next out-edge position).
            let mut stack: Vec<(u32, f64, usize)> = vec![(h, 1.0, g.out_range(h).start)];
            on_path[h as usize] = true;
            let mut tick = interrupt.ticker(1 << 16);
            while let Some(&mut (v, w, ref mut p)) = stack.last_mut() {
                tick.tick()?;
                if *p >= g.out_range(v).end {
                    on_path[v as usize] = false;
                    stack.pop();
                    continue;
                }
                let e = *g.edge(*p);
                *p += 1;
                if e.kind != Kind::Equity {
                    continue;
                }
                if on_path[e.target as usize] {
                    continue;
                }
                let product = w * e.share;
                if product < min_weight {
                    cut = true;
                    continue;
                }
                *acc.entry(e.target).or_insert(0.0) += product;
                if stack.len() < depth {
                    on_path[e.target as usize] = true;
                    stack.push((e.target, product, g.out_range(e.target).start));
                } else if g.out_edges(e.target).iter().any(|f| f.kind == Kind::Equity) {
                    cut = true;
                }
            }
            Ok((stakes_above(h, acc, threshold), cut))
        })
        .collect::<Result<Vec<_>>>()?;
    let cut = rows.iter().any(|(_, c)| *c);
    Ok((rows.into_iter().flat_map(|(s, _)| s).collect(), cut))
}
