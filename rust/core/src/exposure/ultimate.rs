//! Ultimate owners (Dietzenbacher & Temurshoev): the part of each company owned by each root
//! and by the free float.

use rayon::prelude::*;

use super::integrated::{holdings_of, Stake, SPARSE_BOUND_FRACTION};
use super::plan::{Direction, Solver};
use super::sparse_columns::{sparse_columns, Wanted};
use crate::error::{Error, Result};
use crate::interrupt::Interrupt;
use crate::kind::Kind;

/// Roots whose rows are gathered in one buffer (then the buffers concatenated in order).
const ROOTS_PER_PART: usize = 4096;

/// Ultimate owners (Dietzenbacher & Temurshoev): for every company with an equity holder,
/// the part owned by each root (a node nobody holds) and by the free float (`holder` None),
/// summing to 1 per company. Entries above `threshold`, by holder then issuer.
///
/// `sparse` with `threshold` > 0: the roots' rows come from the sparse columns of every issuer
/// (`sparse_columns`), each value within the returned bound (at most `SPARSE_BOUND_FRACTION ·
/// threshold`) of the exact one and every pair above `threshold` reported; otherwise each
/// root's row is solved exactly (bound 0). The free float is always exact.
pub fn ultimate_owners(
    s: &Solver<'_>,
    threshold: f64,
    sparse: bool,
    interrupt: Interrupt,
) -> Result<(Vec<Stake>, f64)> {
    let held: Vec<bool> = (0..s.g.num_nodes() as u32)
        .map(|v| s.g.equity_holders(v).next().is_some())
        .collect();
    ultimate_owners_with(s, &held, threshold, threshold, sparse, interrupt)
}

/// `ultimate_owners` with the roots given by `held` (`held[v]`: v has an equity holder in the
/// data), so that the graphs of an interval stake's minimums and maximums, which leave out the
/// edges whose bound is 0, share the roots of the data.
///
/// On a plan of upper bounds (`Plan::upper`) the free float is the lower bound
/// max(0, 1 − Σ_roots U[r, v]) (the free float shrinks as stakes grow), and a component whose
/// walk sum diverges gives the roots above it +inf instead of an error. The free float's rows
/// are those above `float_threshold` (the bounds of the free float come from the other run,
/// which needs them all).
pub fn ultimate_owners_with(
    s: &Solver<'_>,
    held: &[bool],
    threshold: f64,
    float_threshold: f64,
    sparse: bool,
    interrupt: Interrupt,
) -> Result<(Vec<Stake>, f64)> {
    let g = s.g;
    let n = g.num_nodes();
    if held.len() != n {
        return Err(Error::InvalidArgument(format!(
            "held has {} entries for {n} nodes",
            held.len()
        )));
    }
    let upper = s.plan.is_upper();
    if !upper {
        // A closed component has no root above it and no free float: U is undefined there.
        s.check_no_closed_cycle()?;
    }
    let is_root = |v: u32| !held[v as usize];
    let held_share: Vec<f64> = (0..n as u32)
        .map(|v| g.equity_holders(v).map(|(_, sh)| sh).sum())
        .collect();
    let roots: Vec<u32> = (0..n as u32)
        .filter(|&v| is_root(v) && g.out_edges(v).iter().any(|e| e.kind == Kind::Equity))
        .collect();
    let (mut out, bound) = if sparse && threshold > 0.0 {
        let mut root = vec![false; n];
        for &r in &roots {
            root[r as usize] = true;
        }
        let wanted = Wanted {
            threshold,
            holders: &root,
            issuers: held,
            pairs: None,
        };
        let sparse = sparse_columns(s, SPARSE_BOUND_FRACTION * threshold, &wanted, interrupt)?;
        let stakes = sparse.stakes(s.plan, &wanted);
        (stakes, sparse.largest_bound())
    } else {
        // Roots a few thousand at a time: millions of roots with a Vec each cost more than
        // their rows.
        let exact = roots
            .par_chunks(ROOTS_PER_PART)
            .map(|part| {
                let mut rows = Vec::new();
                for &r in part {
                    rows.extend(
                        holdings_of(s, r, interrupt)?
                            .into_iter()
                            .filter(|&(j, v)| v > threshold && !is_root(j))
                            .map(|(j, v)| Stake {
                                holder: Some(r),
                                issuer: j,
                                value: v,
                            }),
                    );
                }
                Ok(rows)
            })
            .collect::<Result<Vec<_>>>()?
            .concat();
        (exact, 0.0)
    };
    let float: Vec<f64> = if upper {
        // Σ_roots U[r, ·] = (what the roots hold directly) (I − A)^-1; the float is the rest.
        let by_roots: Vec<f64> = (0..n as u32)
            .map(|v| {
                g.equity_holders(v)
                    .filter(|&(h, _)| is_root(h))
                    .map(|(_, sh)| sh)
                    .sum()
            })
            .collect();
        let owned = s.solve(Direction::Holders, &by_roots, interrupt)?;
        owned.iter().map(|&o| (1.0 - o).max(0.0)).collect()
    } else {
        let float: Vec<f64> = (0..n as u32)
            .map(|v| {
                if is_root(v) {
                    0.0
                } else {
                    (1.0 - held_share[v as usize]).max(0.0)
                }
            })
            .collect();
        s.solve(Direction::Holders, &float, interrupt)?
    };
    out.extend(
        (0..n as u32)
            .filter(|&v| !is_root(v) && float[v as usize] > float_threshold)
            .map(|v| Stake {
                holder: None,
                issuer: v,
                value: float[v as usize],
            }),
    );
    Ok((out, bound))
}
