//! Rows and columns of integrated ownership W̃ = W (I − W)^-1 (walks), exactly or as a sparse
//! thresholded table.

use rayon::prelude::*;

use super::plan::{Direction, Solver};
use super::sparse_columns::{sparse_columns, Wanted};
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

/// How far below the threshold the error bound of the sparse tables is driven: the bound is
/// at most this fraction of the threshold.
pub const SPARSE_BOUND_FRACTION: f64 = 0.1;

/// Integrated ownership (walks) above `threshold` > 0 from the columns of every issuer at once
/// (`sparse_columns`): every value is a lower bound of the true one and within the stated bound
/// of it (at most `SPARSE_BOUND_FRACTION · threshold`), and every pair whose true value exceeds
/// `threshold` is reported (those whose value is above `threshold` less its column's bound).
/// Returns the stakes (holder order, then issuer) and the bound.
pub fn integrated_walks_sparse(
    s: &Solver<'_>,
    threshold: f64,
    interrupt: Interrupt,
) -> Result<(Vec<Stake>, f64)> {
    let every = vec![true; s.g.num_nodes()];
    let wanted = Wanted {
        threshold,
        holders: &every,
        issuers: &every,
        pairs: None,
    };
    let sparse = sparse_columns(s, SPARSE_BOUND_FRACTION * threshold, &wanted, interrupt)?;
    let stakes = sparse.stakes(s.plan, &wanted);
    Ok((stakes, sparse.largest_bound()))
}
