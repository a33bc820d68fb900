//! Rows and columns of integrated ownership W̃ = W (I − W)^-1 (walks), exactly or as a sparse
//! thresholded table.

use rayon::prelude::*;

use super::plan::{Direction, Solver};
use crate::error::Result;
use crate::graph::Graph;
use crate::interrupt::Interrupt;
use crate::kind::Kind;

/// Entries of one row or column of an exposure matrix: (node, value).
pub type Entries = Vec<(u32, f64)>;

/// Row `h` of W̃: what `h` holds in every node, directly and through chains (zeros omitted).
pub fn holdings_of(s: &Solver<'_>, h: u32, interrupt: Interrupt) -> Result<Entries> {
    let seeds: Vec<(u32, f64)> =
        s.g.out_edges(h)
            .iter()
            .filter(|e| e.kind == Kind::Equity)
            .map(|e| (e.target, e.share))
            .collect();
    s.plan.solve_sparse(Direction::Holders, &seeds, interrupt)
}

/// Column `c` of W̃: every holder's integrated stake in `c` (zeros omitted).
pub fn exposure_to(s: &Solver<'_>, c: u32, interrupt: Interrupt) -> Result<Entries> {
    let seeds: Vec<(u32, f64)> = s.g.equity_holders(c).collect();
    s.plan.solve_sparse(Direction::Holdings, &seeds, interrupt)
}

/// One (holder, issuer, integrated) entry; `holder` None is the free float.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stake {
    pub holder: Option<u32>,
    pub issuer: u32,
    pub value: f64,
}

/// Integrated ownership (walks) for every holder, entries above `threshold`, holder order.
pub fn integrated_walks(
    s: &Solver<'_>,
    threshold: f64,
    interrupt: Interrupt,
) -> Result<Vec<Stake>> {
    let g = s.g;
    let holders = holders_with_equity(g);
    let rows = holders
        .par_iter()
        .map(|&h| Ok(stakes_above(h, holdings_of(s, h, interrupt)?, threshold)))
        .collect::<Result<Vec<_>>>()?;
    Ok(rows.concat())
}

/// Nodes with at least one equity holding, in node order.
pub(crate) fn holders_with_equity(g: &Graph) -> Vec<u32> {
    (0..g.num_nodes() as u32)
        .filter(|&h| g.out_edges(h).iter().any(|e| e.kind == Kind::Equity))
        .collect()
}

/// Holder `h`'s entries above `threshold` as stakes.
pub(crate) fn stakes_above(
    h: u32,
    row: impl IntoIterator<Item = (u32, f64)>,
    threshold: f64,
) -> Vec<Stake> {
    row.into_iter()
        .filter(|&(_, v)| v > threshold)
        .map(|(j, v)| Stake {
            holder: Some(h),
            issuer: j,
            value: v,
        })
        .collect()
}

/// How far below the threshold the error bound of the sparse walks rows is driven.
pub const SPARSE_BOUND_FRACTION: f64 = 0.01;

/// Integrated ownership (walks) above `threshold` > 0 without solving every row exactly:
/// each holder's row is computed by residual pushing (mass r_u at node u moves to the estimate
/// and on to u's holdings), until the row's error bound `Σ_u r_u · y_u`, where
/// `y = (I − W)^{-1} 1` (one solve, `y_u = 1 + Σ_j W̃[u, j]`), is at most
/// `SPARSE_BOUND_FRACTION · threshold`. Every reported value is a lower bound of the true one
/// and within that row's bound of it; every pair whose true value exceeds `threshold + bound`
/// is reported. Returns the stakes (holder order) and the largest row bound.
pub fn integrated_walks_sparse(
    s: &Solver<'_>,
    threshold: f64,
    interrupt: Interrupt,
) -> Result<(Vec<Stake>, f64)> {
    let g = s.g;
    let n = g.num_nodes();
    let y = s.solve(Direction::Holdings, &vec![1.0; n], interrupt)?;
    let target = SPARSE_BOUND_FRACTION * threshold;
    let holders = holders_with_equity(g);
    let rows = holders
        .par_iter()
        .map(|&h| {
            interrupt.check()?;
            if !y[h as usize].is_finite() {
                // The row reaches a component whose walk sum diverges (an upper bound): pushing
                // would not end, and the exact row says where it is infinite.
                return Ok((
                    stakes_above(h, holdings_of(s, h, interrupt)?, threshold),
                    0.0,
                ));
            }
            let (row, bound) = push_row(g, &y, h, target, interrupt)?;
            Ok((stakes_above(h, row, threshold), bound))
        })
        .collect::<Result<Vec<_>>>()?;
    let bound = rows.iter().fold(0.0f64, |m, (_, b)| m.max(*b));
    Ok((rows.into_iter().flat_map(|(r, _)| r).collect(), bound))
}

/// One row of W̃ by residual pushing, with its error bound (see `integrated_walks_sparse`).
fn push_row(
    g: &Graph,
    y: &[f64],
    h: u32,
    target: f64,
    interrupt: Interrupt,
) -> Result<(Vec<(u32, f64)>, f64)> {
    use std::collections::{BTreeMap, VecDeque};
    let mut estimate: BTreeMap<u32, f64> = BTreeMap::new();
    let mut residual: BTreeMap<u32, f64> = BTreeMap::new();
    for e in g.out_edges(h).iter().filter(|e| e.kind == Kind::Equity) {
        *residual.entry(e.target).or_insert(0.0) += e.share;
    }
    let mut cutoff = target;
    let mut tick = interrupt.ticker(4096);
    loop {
        let mut queue: VecDeque<u32> = residual
            .iter()
            .filter(|(&u, &r)| r * y[u as usize] > cutoff)
            .map(|(&u, _)| u)
            .collect();
        while let Some(u) = queue.pop_front() {
            tick.tick()?;
            let r = residual.remove(&u).unwrap_or(0.0);
            if r * y[u as usize] <= cutoff {
                if r > 0.0 {
                    residual.insert(u, r);
                }
                continue;
            }
            *estimate.entry(u).or_insert(0.0) += r;
            for e in g.out_edges(u).iter().filter(|e| e.kind == Kind::Equity) {
                let slot = residual.entry(e.target).or_insert(0.0);
                let before = *slot * y[e.target as usize];
                *slot += r * e.share;
                if before <= cutoff && *slot * y[e.target as usize] > cutoff {
                    queue.push_back(e.target);
                }
            }
        }
        let bound: f64 = residual.iter().map(|(&u, &r)| r * y[u as usize]).sum();
        if bound <= target || residual.is_empty() {
            return Ok((estimate.into_iter().collect(), bound));
        }
        cutoff /= 4.0;
    }
}
