//! Exposure quantities over the equity matrix W (`W[i, j]` = share of j held by i): rows and
//! columns of integrated ownership (walks), its sparse thresholded form, and ultimate owners.
//! All of them are solves of `x = M x + b` over the graph's [`Plan`] (see `plan` and `solve`).

use rayon::prelude::*;

use crate::error::Result;
use crate::graph::{Graph, Kind};
use crate::interrupt::Interrupt;

pub use crate::local_solve::{MAX_SWEEPS, TOLERANCE};
pub use crate::look_through::look_through;
pub use crate::paths::simple_paths;
pub use crate::plan::{Direction, Plan, DENSE_LIMIT};

/// A graph with its solve plan: what the exposure functions take.
#[derive(Clone, Copy)]
pub struct Solver<'a> {
    pub g: &'a Graph,
    pub plan: &'a Plan,
}

impl Solver<'_> {
    pub fn solve(&self, dir: Direction, b: &[f64], interrupt: Interrupt) -> Result<Vec<f64>> {
        self.plan.solve(dir, b, interrupt)
    }

    pub fn check_no_closed_cycle(&self) -> Result<()> {
        self.plan.check_no_closed_cycle()
    }
}
/// Entries of one row or column of an exposure matrix: (node, value).
pub type Entries = Vec<(u32, f64)>;

/// through chains, in every node (zeros omitted).
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
    let mut pushes = 0usize;
    loop {
        let mut queue: VecDeque<u32> = residual
            .iter()
            .filter(|(&u, &r)| r * y[u as usize] > cutoff)
            .map(|(&u, _)| u)
            .collect();
        while let Some(u) = queue.pop_front() {
            pushes += 1;
            if pushes % 4096 == 0 {
                interrupt.check()?;
            }
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

/// Ultimate owners (Dietzenbacher & Temurshoev): for every company with an equity holder,
/// the part owned by each root (a node nobody holds) and by the free float (`holder` None),
/// summing to 1 per company. Entries above `threshold`, by holder then issuer.
pub fn ultimate_owners(s: &Solver<'_>, threshold: f64, interrupt: Interrupt) -> Result<Vec<Stake>> {
    let held: Vec<bool> = (0..s.g.num_nodes() as u32)
        .map(|v| s.g.equity_holders(v).next().is_some())
        .collect();
    ultimate_owners_with(s, &held, threshold, interrupt)
}

/// `ultimate_owners` with the roots given by `held` (`held[v]`: v has an equity holder in the
/// data), so that the graphs of an interval stake's minimums and maximums, which leave out the
/// edges whose bound is 0, share the roots of the data.
///
/// On a plan of upper bounds (`Plan::upper`) the free float is the lower bound
/// max(0, 1 − Σ_roots U[r, v]) (the free float shrinks as stakes grow), and a component whose
/// walk sum diverges gives the roots above it +inf instead of an error.
pub fn ultimate_owners_with(
    s: &Solver<'_>,
    held: &[bool],
    threshold: f64,
    interrupt: Interrupt,
) -> Result<Vec<Stake>> {
    let g = s.g;
    let n = g.num_nodes();
    if held.len() != n {
        return Err(crate::error::Error::InvalidArgument(format!(
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
    let mut out = roots
        .par_iter()
        .map(|&r| {
            Ok(holdings_of(s, r, interrupt)?
                .into_iter()
                .filter(|&(j, v)| v > threshold && !is_root(j))
                .map(|(j, v)| Stake {
                    holder: Some(r),
                    issuer: j,
                    value: v,
                })
                .collect::<Vec<_>>())
        })
        .collect::<Result<Vec<_>>>()?
        .concat();
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
            .filter(|&v| !is_root(v) && float[v as usize] > threshold)
            .map(|v| Stake {
                holder: None,
                issuer: v,
                value: float[v as usize],
            }),
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::graph::testing::equity;
    use crate::graph::EdgeInput;
    use crate::look_through::look_through;

    fn value(entries: &[(u32, f64)], node: u32) -> f64 {
        entries.iter().find(|e| e.0 == node).map_or(0.0, |e| e.1)
    }

    const NEVER: Interrupt<'static> = Interrupt::never();

    #[test]
    fn chain_multiplies() {
        // P=0 → A=1 (0.8) → B=2 (0.75) → C=3 (0.6)
        let g = equity(4, &[(0, 1, 0.8), (1, 2, 0.75), (2, 3, 0.6)]);
        let plan = Plan::new(&g, NEVER).unwrap();
        let s = Solver { g: &g, plan: &plan };
        assert!((value(&holdings_of(&s, 0, NEVER).unwrap(), 3) - 0.36).abs() < 1e-15);
        assert!((value(&exposure_to(&s, 3, NEVER).unwrap(), 0) - 0.36).abs() < 1e-15);
        let (paths, cut) = simple_paths(&g, None, 0.0, 0.0, NEVER).unwrap();
        let p = paths
            .iter()
            .find(|s| s.holder == Some(0) && s.issuer == 3)
            .unwrap();
        assert!((p.value - 0.36).abs() < 1e-15 && !cut);
    }

    #[test]
    fn diamond_adds_paths() {
        // A=0 → B1=1 (1.0), A → B2=2 (0.8), B1 → C=3 (0.2), B2 → C (0.4): 0.2 + 0.32
        let g = equity(4, &[(0, 1, 1.0), (0, 2, 0.8), (1, 3, 0.2), (2, 3, 0.4)]);
        let plan = Plan::new(&g, NEVER).unwrap();
        let s = Solver { g: &g, plan: &plan };
        assert!((value(&holdings_of(&s, 0, NEVER).unwrap(), 3) - 0.52).abs() < 1e-15);
    }

    #[test]
    fn cross_holding_walks_and_ultimate() {
        // A=0 → B=1 (1.0), B → A (0.6), P=2 → A (0.4)
        let g = equity(3, &[(0, 1, 1.0), (1, 0, 0.6), (2, 0, 0.4)]);
        let plan = Plan::new(&g, NEVER).unwrap();
        let s = Solver { g: &g, plan: &plan };
        let a = holdings_of(&s, 0, NEVER).unwrap();
        assert!((value(&a, 1) - 2.5).abs() < 1e-12);
        assert!((value(&a, 0) - 1.5).abs() < 1e-12);
        let b = holdings_of(&s, 1, NEVER).unwrap();
        assert!((value(&b, 0) - 1.5).abs() < 1e-12);
        let u = ultimate_owners(&s, 0.0, NEVER).unwrap();
        for company in [0, 1] {
            let p = u
                .iter()
                .find(|x| x.holder == Some(2) && x.issuer == company)
                .unwrap();
            assert!((p.value - 1.0).abs() < 1e-12);
        }
        assert!(u
            .iter()
            .filter(|x| x.holder.is_none())
            .all(|x| x.value.abs() < 1e-12));
    }

    #[test]
    fn closed_cycle_raises_under_walks_but_simple_paths_are_finite() {
        let g = equity(2, &[(0, 1, 1.0), (1, 0, 1.0)]);
        let plan = Plan::new(&g, NEVER).unwrap();
        let s = Solver { g: &g, plan: &plan };
        match holdings_of(&s, 0, NEVER) {
            Err(Error::ClosedCycle { members, size }) => {
                assert_eq!(members, vec![0, 1]);
                assert_eq!(size, 2);
            }
            other => panic!("expected ClosedCycle, got {other:?}"),
        }
        let (paths, _) = simple_paths(&g, None, 0.0, 0.0, NEVER).unwrap();
        assert_eq!(paths.len(), 2);
        assert!(paths
            .iter()
            .all(|p| p.value == 1.0 && p.holder != Some(p.issuer)));
    }

    #[test]
    fn large_components_use_gauss_seidel_and_match_dense() {
        // A ring of 600 nodes, each 50% held by the previous one, plus an outside holder.
        let k = 600u32;
        let mut edges: Vec<(u32, u32, f64)> = (0..k).map(|i| (i, (i + 1) % k, 0.5)).collect();
        edges.push((k, 0, 0.3));
        let g = equity(k as usize + 1, &edges);
        let plan = Plan::new(&g, NEVER).unwrap();
        let s = Solver { g: &g, plan: &plan };
        let x = holdings_of(&s, k, NEVER).unwrap();
        // Holder k owns 0.3 of node 0; node i then 0.3 * 0.5^i, with the ring's round trips
        // multiplying by 1 / (1 - 0.5^600) ≈ 1.
        assert!((value(&x, 0) - 0.3).abs() < 1e-12);
        assert!((value(&x, 3) - 0.3 * 0.125).abs() < 1e-12);
    }

    #[test]
    fn look_through_counts_credit_and_commitments() {
        // 0 lends 10 to 1 (credit); 2 commits 5 to 0 (0 is the supplier of customer 2).
        let g = Graph::build(
            &EdgeInput {
                num_nodes: 3,
                source: &[0, 2],
                target: &[1, 0],
                kind: &[1, 2],
                share: &[f64::NAN, f64::NAN],
                amount: &[10.0, 5.0],
            },
            NEVER,
        )
        .unwrap();
        let plan = Plan::new(&g, NEVER).unwrap();
        let s = Solver { g: &g, plan: &plan };
        let l = look_through(&s, &[], &[0.0, 0.5, 0.2], 0.0, NEVER).unwrap();
        assert_eq!(l.direct, vec![10.0 * 0.5 + 5.0 * 0.2, 0.0, 0.0]);
        assert_eq!(l.credit, vec![10.0 * 0.5, 0.0, 0.0]);
        assert_eq!(l.commitment, vec![5.0 * 0.2, 0.0, 0.0]);
        assert_eq!(l.total, l.direct);
    }

    #[test]
    fn simple_path_bounds_are_reported() {
        let g = equity(4, &[(0, 1, 0.5), (1, 2, 0.5), (2, 3, 0.5)]);
        let (deep, cut) = simple_paths(&g, Some(2), 0.0, 0.0, NEVER).unwrap();
        assert!(cut);
        assert!(!deep.iter().any(|p| p.holder == Some(0) && p.issuer == 3));
        let (light, cut) = simple_paths(&g, None, 0.2, 0.0, NEVER).unwrap();
        assert!(cut);
        assert!(light
            .iter()
            .any(|p| p.holder == Some(0) && p.issuer == 2 && p.value == 0.25));
        assert!(!light.iter().any(|p| p.holder == Some(0) && p.issuer == 3));
    }
}
