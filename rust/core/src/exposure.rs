//! Exposure solvers over the equity matrix W (`W[i, j]` = share of j held by i).
//!
//! Every quantity is a solution of `x = M x + b` with M = W (a node's value depends on its
//! holdings, "Holdings") or M = Wᵀ (on its holders, "Holders"). The equity graph is condensed
//! into strongly connected components, which Tarjan numbers sinks first: Holdings solves finish
//! components in increasing number, Holders solves in decreasing number, each component once,
//! with the values it depends on already final. A single node is one multiply-add per edge; a
//! cycle is solved locally, densely (LU) when small, by Gauss–Seidel sweeps to a stated
//! tolerance when large. Results are the same bits for any thread count.

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::graph::{Graph, Kind};
use crate::interrupt::Interrupt;
use crate::scc::{strongly_connected_components, Components, KindMask};

/// Components up to this size are solved by dense LU.
pub const DENSE_LIMIT: usize = 256;
/// Relative residual (max norm) at which the iterative local solve stops.
pub const TOLERANCE: f64 = 1e-13;
/// Gauss–Seidel sweeps before giving up with `Error::Convergence`.
pub const MAX_SWEEPS: usize = 100_000;
/// A component is closed when every member is held inside it at least this much.
const CLOSED: f64 = 1.0 - 1e-12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `x_i = Σ_j W[i, j] x_j + b_i`: value flows up from holdings to holders.
    Holdings,
    /// `x_j = Σ_i W[i, j] x_i + b_j`: value flows down from holders to holdings.
    Holders,
}

/// The equity condensation of a graph, reusable across many right-hand sides.
pub struct Solver<'g> {
    g: &'g Graph,
    comps: Components,
    closed: Vec<bool>,
}

impl<'g> Solver<'g> {
    pub fn new(g: &'g Graph, interrupt: Interrupt) -> Result<Solver<'g>> {
        let comps = strongly_connected_components(g, KindMask::EQUITY, interrupt)?;
        let closed = (0..comps.count())
            .map(|c| {
                let members = comps.members(c);
                let cyclic = members.len() > 1 || equity_self_share(g, members[0]) > 0.0;
                cyclic
                    && members.iter().all(|&v| {
                        let inside: f64 = g
                            .equity_holders(v)
                            .filter(|&(h, _)| comps.component[h as usize] as usize == c)
                            .map(|(_, s)| s)
                            .sum();
                        inside >= CLOSED
                    })
            })
            .collect();
        Ok(Solver { g, comps, closed })
    }

    pub fn graph(&self) -> &'g Graph {
        self.g
    }

    pub fn components(&self) -> &Components {
        &self.comps
    }

    /// `Err(ClosedCycle)` for the first closed component, if any.
    pub fn check_no_closed_cycle(&self) -> Result<()> {
        match self.closed.iter().position(|&c| c) {
            Some(c) => Err(self.closed_error(c)),
            None => Ok(()),
        }
    }

    fn closed_error(&self, c: usize) -> Error {
        let members = self.comps.members(c);
        let mut first: Vec<u32> = members.to_vec();
        first.sort_unstable();
        first.truncate(10);
        Error::ClosedCycle {
            members: first,
            size: members.len(),
        }
    }

    /// Solves `x = M x + b` (M = W or Wᵀ by `dir`). Fails with `ClosedCycle` when a closed
    /// component receives a non-zero input (its walk sum diverges), and with `Convergence`
    /// when a large component's iterative solve does not reach `TOLERANCE`.
    pub fn solve(&self, dir: Direction, b: &[f64], interrupt: Interrupt) -> Result<Vec<f64>> {
        let g = self.g;
        let n = g.num_nodes();
        if b.len() != n {
            return Err(Error::InvalidArgument(format!(
                "right-hand side has {} entries for {n} nodes",
                b.len()
            )));
        }
        let mut x = vec![0.0f64; n];
        let count = self.comps.count();
        let mut local = LocalSystem::default();
        for step in 0..count {
            if step % 4096 == 0 {
                interrupt.check()?;
            }
            let c = match dir {
                Direction::Holdings => step,
                Direction::Holders => count - 1 - step,
            };
            let members = self.comps.members(c);
            if members.len() == 1 && equity_self_share(g, members[0]) == 0.0 {
                let v = members[0];
                x[v as usize] = b[v as usize] + self.outside_sum(dir, v, c, &x);
                continue;
            }
            let rhs: Vec<f64> = members
                .iter()
                .map(|&v| b[v as usize] + self.outside_sum(dir, v, c, &x))
                .collect();
            if self.closed[c] {
                if rhs.iter().all(|&r| r == 0.0) {
                    continue; // nothing flows into it: its values stay 0
                }
                return Err(self.closed_error(c));
            }
            local.build(self, dir, c);
            let solution = local.solve(&rhs, interrupt)?;
            for (&v, s) in members.iter().zip(solution) {
                x[v as usize] = s;
            }
        }
        Ok(x)
    }

    /// `Σ M[v, u] x_u` over equity neighbours u outside component `c`.
    fn outside_sum(&self, dir: Direction, v: u32, c: usize, x: &[f64]) -> f64 {
        let g = self.g;
        let comp = &self.comps.component;
        match dir {
            Direction::Holdings => g
                .out_edges(v)
                .iter()
                .filter(|e| e.kind == Kind::Equity && comp[e.target as usize] as usize != c)
                .map(|e| e.share * x[e.target as usize])
                .sum(),
            Direction::Holders => g
                .equity_holders(v)
                .filter(|&(h, _)| comp[h as usize] as usize != c)
                .map(|(h, s)| s * x[h as usize])
                .sum(),
        }
    }
}

fn equity_self_share(g: &Graph, v: u32) -> f64 {
    g.out_edges(v)
        .iter()
        .filter(|e| e.kind == Kind::Equity && e.target == v)
        .map(|e| e.share)
        .sum()
}

/// `x = A x + r` on one component, A in local indices (row a: the (b, coefficient) pairs).
#[derive(Default)]
struct LocalSystem {
    rows: Vec<Vec<(usize, f64)>>,
}

impl LocalSystem {
    fn build(&mut self, s: &Solver<'_>, dir: Direction, c: usize) {
        let members = s.comps.members(c);
        let mut position = std::collections::HashMap::with_capacity(members.len());
        for (a, &v) in members.iter().enumerate() {
            position.insert(v, a);
        }
        let comp = &s.comps.component;
        self.rows = members
            .iter()
            .map(|&v| match dir {
                Direction::Holdings => {
                    s.g.out_edges(v)
                        .iter()
                        .filter(|e| e.kind == Kind::Equity && comp[e.target as usize] as usize == c)
                        .map(|e| (position[&e.target], e.share))
                        .collect()
                }
                Direction::Holders => {
                    s.g.equity_holders(v)
                        .filter(|&(h, _)| comp[h as usize] as usize == c)
                        .map(|(h, share)| (position[&h], share))
                        .collect()
                }
            })
            .collect();
    }

    fn solve(&self, rhs: &[f64], interrupt: Interrupt) -> Result<Vec<f64>> {
        if rhs.len() <= DENSE_LIMIT {
            Ok(self.dense(rhs))
        } else {
            self.gauss_seidel(rhs, interrupt)
        }
    }

    /// LU with partial pivoting on I − A.
    fn dense(&self, rhs: &[f64]) -> Vec<f64> {
        let k = rhs.len();
        let mut m = vec![0.0f64; k * k];
        for (a, row) in self.rows.iter().enumerate() {
            m[a * k + a] = 1.0;
            for &(b, coef) in row {
                m[a * k + b] -= coef;
            }
        }
        let mut x = rhs.to_vec();
        for col in 0..k {
            let pivot = (col..k)
                .max_by(|&p, &q| m[p * k + col].abs().total_cmp(&m[q * k + col].abs()))
                .expect("non-empty");
            if pivot != col {
                for j in 0..k {
                    m.swap(col * k + j, pivot * k + j);
                }
                x.swap(col, pivot);
            }
            let d = m[col * k + col];
            for r in col + 1..k {
                let f = m[r * k + col] / d;
                if f != 0.0 {
                    for j in col..k {
                        m[r * k + j] -= f * m[col * k + j];
                    }
                    x[r] -= f * x[col];
                }
            }
        }
        for col in (0..k).rev() {
            let mut s = x[col];
            for j in col + 1..k {
                s -= m[col * k + j] * x[j];
            }
            x[col] = s / m[col * k + col];
        }
        x
    }

    fn gauss_seidel(&self, rhs: &[f64], interrupt: Interrupt) -> Result<Vec<f64>> {
        let mut x = rhs.to_vec();
        let mut residual = f64::INFINITY;
        for sweep in 1..=MAX_SWEEPS {
            if sweep % 16 == 0 {
                interrupt.check()?;
            }
            let mut change = 0.0f64;
            let mut scale = 0.0f64;
            for (a, row) in self.rows.iter().enumerate() {
                let new = rhs[a] + row.iter().map(|&(b, coef)| coef * x[b]).sum::<f64>();
                change = change.max((new - x[a]).abs());
                scale = scale.max(new.abs());
                x[a] = new;
            }
            residual = if scale > 0.0 { change / scale } else { 0.0 };
            if residual <= TOLERANCE {
                return Ok(x);
            }
        }
        Err(Error::Convergence {
            size: rhs.len(),
            iterations: MAX_SWEEPS,
            residual,
            tolerance: TOLERANCE,
        })
    }
}

/// Right-hand side of the look-through loss: `W s + R d`. Credit: the lender is exposed to
/// its borrower by the amount; commitment: the supplier to its customer by the committed
/// amount. Unknown amounts (NaN) count as 0. Empty `s` or `d` mean all zero.
pub fn look_through_rhs(g: &Graph, s: &[f64], d: &[f64]) -> Vec<f64> {
    let n = g.num_nodes();
    let at = |v: &[f64], i: u32| v.get(i as usize).copied().unwrap_or(0.0);
    let known = |a: f64| if a.is_nan() { 0.0 } else { a };
    (0..n as u32)
        .into_par_iter()
        .map(|i| {
            let mut b = 0.0;
            for p in g.out_range(i) {
                let e = g.edge(p);
                match e.kind {
                    Kind::Equity => b += e.share * at(s, e.target),
                    Kind::Credit => b += known(g.amount(p)) * at(d, e.target),
                    Kind::Commitment => {}
                }
            }
            for ie in g.in_edges(i) {
                let p = ie.edge as usize;
                if g.edge(p).kind == Kind::Commitment {
                    b += known(g.amount(p)) * at(d, ie.source);
                }
            }
            b
        })
        .collect()
}

/// Entries of one row or column of an exposure matrix: (node, value).
pub type Entries = Vec<(u32, f64)>;

/// Row `h` of the integrated-ownership matrix W̃ = Σ_{k≥1} W^k: what `h` holds, directly or
/// through chains, in every node (zeros omitted).
pub fn holdings_of(s: &Solver<'_>, h: u32, interrupt: Interrupt) -> Result<Entries> {
    let mut b = vec![0.0; s.g.num_nodes()];
    for e in s.g.out_edges(h) {
        if e.kind == Kind::Equity {
            b[e.target as usize] += e.share;
        }
    }
    let x = s.solve(Direction::Holders, &b, interrupt)?;
    Ok(nonzero(&x))
}

/// Column `c` of W̃: every holder's integrated stake in `c` (zeros omitted).
pub fn exposure_to(s: &Solver<'_>, c: u32, interrupt: Interrupt) -> Result<Entries> {
    let mut b = vec![0.0; s.g.num_nodes()];
    for (h, share) in s.g.equity_holders(c) {
        b[h as usize] += share;
    }
    let x = s.solve(Direction::Holdings, &b, interrupt)?;
    Ok(nonzero(&x))
}

fn nonzero(x: &[f64]) -> Entries {
    x.iter()
        .enumerate()
        .filter(|(_, &v)| v != 0.0)
        .map(|(i, &v)| (i as u32, v))
        .collect()
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
    let holders: Vec<u32> = (0..g.num_nodes() as u32)
        .filter(|&h| g.out_edges(h).iter().any(|e| e.kind == Kind::Equity))
        .collect();
    let rows = holders
        .par_iter()
        .map(|&h| {
            Ok(holdings_of(s, h, interrupt)?
                .into_iter()
                .filter(|&(_, v)| v > threshold)
                .map(|(j, v)| Stake {
                    holder: Some(h),
                    issuer: j,
                    value: v,
                })
                .collect::<Vec<_>>())
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(rows.concat())
}

/// Ultimate owners (Dietzenbacher & Temurshoev): for every company with an equity holder,
/// the part owned by each root (a node nobody holds) and by the free float (`holder` None),
/// summing to 1 per company. Entries above `threshold`, by holder then issuer.
pub fn ultimate_owners(s: &Solver<'_>, threshold: f64, interrupt: Interrupt) -> Result<Vec<Stake>> {
    // A closed component has no root above it and no free float: U is undefined there.
    s.check_no_closed_cycle()?;
    let g = s.g;
    let n = g.num_nodes();
    let held: Vec<f64> = (0..n as u32)
        .map(|v| g.equity_holders(v).map(|(_, sh)| sh).sum())
        .collect();
    let is_root = |v: u32| g.equity_holders(v).next().is_none();
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
    let float: Vec<f64> = (0..n as u32)
        .map(|v| {
            if is_root(v) {
                0.0
            } else {
                (1.0 - held[v as usize]).max(0.0)
            }
        })
        .collect();
    let x = s.solve(Direction::Holders, &float, interrupt)?;
    out.extend(
        (0..n as u32)
            .filter(|&v| !is_root(v) && x[v as usize] > threshold)
            .map(|v| Stake {
                holder: None,
                issuer: v,
                value: x[v as usize],
            }),
    );
    Ok(out)
}

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
    let holders: Vec<u32> = (0..n as u32)
        .filter(|&h| g.out_edges(h).iter().any(|e| e.kind == Kind::Equity))
        .collect();
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
            let mut steps = 0usize;
            while let Some(&mut (v, w, ref mut p)) = stack.last_mut() {
                steps += 1;
                if steps % (1 << 16) == 0 {
                    interrupt.check()?;
                }
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
            let stakes = acc
                .into_iter()
                .filter(|&(_, v)| v > threshold)
                .map(|(j, v)| Stake {
                    holder: Some(h),
                    issuer: j,
                    value: v,
                })
                .collect::<Vec<_>>();
            Ok((stakes, cut))
        })
        .collect::<Result<Vec<_>>>()?;
    let cut = rows.iter().any(|(_, c)| *c);
    Ok((rows.into_iter().flat_map(|(s, _)| s).collect(), cut))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::EdgeInput;

    fn equity(n: usize, edges: &[(u32, u32, f64)]) -> Graph {
        let source: Vec<u32> = edges.iter().map(|e| e.0).collect();
        let target: Vec<u32> = edges.iter().map(|e| e.1).collect();
        let share: Vec<f64> = edges.iter().map(|e| e.2).collect();
        Graph::build(
            &EdgeInput {
                num_nodes: n,
                source: &source,
                target: &target,
                kind: &[],
                share: &share,
                amount: &[],
            },
            Interrupt::never(),
        )
        .unwrap()
    }

    fn value(entries: &[(u32, f64)], node: u32) -> f64 {
        entries.iter().find(|e| e.0 == node).map_or(0.0, |e| e.1)
    }

    const NEVER: Interrupt<'static> = Interrupt::never();

    #[test]
    fn chain_multiplies() {
        // P=0 → A=1 (0.8) → B=2 (0.75) → C=3 (0.6)
        let g = equity(4, &[(0, 1, 0.8), (1, 2, 0.75), (2, 3, 0.6)]);
        let s = Solver::new(&g, NEVER).unwrap();
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
        let s = Solver::new(&g, NEVER).unwrap();
        assert!((value(&holdings_of(&s, 0, NEVER).unwrap(), 3) - 0.52).abs() < 1e-15);
    }

    #[test]
    fn cross_holding_walks_and_ultimate() {
        // A=0 → B=1 (1.0), B → A (0.6), P=2 → A (0.4)
        let g = equity(3, &[(0, 1, 1.0), (1, 0, 0.6), (2, 0, 0.4)]);
        let s = Solver::new(&g, NEVER).unwrap();
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
        let s = Solver::new(&g, NEVER).unwrap();
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
        let s = Solver::new(&g, NEVER).unwrap();
        let x = holdings_of(&s, k, NEVER).unwrap();
        // Holder k owns 0.3 of node 0; node i then 0.3 * 0.5^i, with the ring's round trips
        // multiplying by 1 / (1 - 0.5^600) ≈ 1.
        assert!((value(&x, 0) - 0.3).abs() < 1e-12);
        assert!((value(&x, 3) - 0.3 * 0.125).abs() < 1e-12);
    }

    #[test]
    fn look_through_rhs_counts_credit_and_commitments() {
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
        let b = look_through_rhs(&g, &[], &[0.0, 0.5, 0.2]);
        assert_eq!(b, vec![10.0 * 0.5 + 5.0 * 0.2, 0.0, 0.0]);
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
