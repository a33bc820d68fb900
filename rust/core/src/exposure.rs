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

/// Equity edges in solve order: rows are plan positions, columns plan positions too.
#[derive(Default)]
struct PlanCsr {
    offsets: Vec<usize>,
    cols: Vec<u32>,
    vals: Vec<f64>,
}

impl PlanCsr {
    fn row(&self, k: usize) -> (&[u32], &[f64]) {
        let r = self.offsets[k]..self.offsets[k + 1];
        (&self.cols[r.clone()], &self.vals[r])
    }
}

/// The equity condensation of a graph as a solve plan, built once and reused across many
/// right-hand sides: nodes renumbered so that every component is a contiguous range of
/// positions, sinks first, and the equity matrix (and its transpose) stored in that order, so
/// a solve is one sequential pass over the edges plus the cycles' local solves.
pub struct Plan {
    comps: Components,
    closed: Vec<bool>,
    /// Plan position → node; component `c` is `order[start[c]..start[c + 1]]`.
    order: Vec<u32>,
    /// Plan position → component.
    comp_of: Vec<u32>,
    /// Node → plan position.
    pos: Vec<u32>,
    start: Vec<usize>,
    /// Component is a single node without a treasury self-loop: one multiply-add per edge.
    simple: Vec<bool>,
    /// Row = holder position, entries = (issuer position, share).
    holdings: PlanCsr,
    /// Row = issuer position, entries = (holder position, share).
    holders: PlanCsr,
    /// For each component above `DENSE_LIMIT`: its inside entries in local indices, for the
    /// holdings and the holders direction (the sweeps touch only these).
    local: Vec<Option<Box<[PlanCsr; 2]>>>,
}

impl Plan {
    pub fn new(g: &Graph, interrupt: Interrupt) -> Result<Plan> {
        let comps = strongly_connected_components(g, KindMask::EQUITY, interrupt)?;
        let n = g.num_nodes();
        let mut order = Vec::with_capacity(n);
        let mut start = Vec::with_capacity(comps.count() + 1);
        for c in 0..comps.count() {
            start.push(order.len());
            let members = comps.members(c);
            if members.len() > DENSE_LIMIT {
                order.extend(postorder(g, &comps.component, c as u32, members));
            } else {
                order.extend_from_slice(members);
            }
        }
        start.push(order.len());
        let mut pos = vec![0u32; n];
        for (k, &v) in order.iter().enumerate() {
            pos[v as usize] = k as u32;
        }
        interrupt.check()?;
        let holdings = plan_csr(&order, |v, cols, vals| {
            for e in g.out_edges(v).iter().filter(|e| e.kind == Kind::Equity) {
                cols.push(pos[e.target as usize]);
                vals.push(e.share);
            }
        });
        interrupt.check()?;
        let holders = plan_csr(&order, |v, cols, vals| {
            for (h, share) in g.equity_holders(v) {
                cols.push(pos[h as usize]);
                vals.push(share);
            }
        });
        interrupt.check()?;
        let count = comps.count();
        let mut simple = vec![false; count];
        let mut closed = vec![false; count];
        for c in 0..count {
            let (s, e) = (start[c], start[c + 1]);
            let self_loop = e - s == 1 && holdings.row(s).0.contains(&(s as u32));
            simple[c] = e - s == 1 && !self_loop;
            // Closed: every member held at least CLOSED from inside the component.
            closed[c] = !simple[c]
                && (s..e).all(|k| {
                    let (cols, vals) = holders.row(k);
                    let inside: f64 = cols
                        .iter()
                        .zip(vals)
                        .filter(|(&h, _)| (h as usize) >= s && (h as usize) < e)
                        .map(|(_, v)| v)
                        .sum();
                    inside >= CLOSED
                });
        }
        let local = (0..count)
            .map(|c| {
                let (s, e) = (start[c], start[c + 1]);
                (e - s > DENSE_LIMIT)
                    .then(|| Box::new([inside_csr(&holdings, s, e), inside_csr(&holders, s, e)]))
            })
            .collect();
        let mut comp_of = vec![0u32; n];
        for c in 0..count {
            comp_of[start[c]..start[c + 1]].fill(c as u32);
        }
        Ok(Plan {
            local,
            comp_of,
            pos,
            comps,
            closed,
            order,
            start,
            simple,
            holdings,
            holders,
        })
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
        let n = self.order.len();
        if b.len() != n {
            return Err(Error::InvalidArgument(format!(
                "right-hand side has {} entries for {n} nodes",
                b.len()
            )));
        }
        let bp = self.to_plan(b);
        let xp = self.solve_in_plan_order(dir, &bp, interrupt)?;
        Ok(self.from_plan(&xp))
    }

    /// `v` (by node) in plan order.
    pub fn to_plan(&self, v: &[f64]) -> Vec<f64> {
        self.order.iter().map(|&u| v[u as usize]).collect()
    }

    /// `vp` (in plan order) by node.
    pub fn from_plan(&self, vp: &[f64]) -> Vec<f64> {
        let mut v = vec![0.0f64; vp.len()];
        for (k, &u) in self.order.iter().enumerate() {
            v[u as usize] = vp[k];
        }
        v
    }

    /// `Σ_j W[i, j] v_j` for every holder i, everything in plan order.
    pub fn holdings_product(&self, vp: &[f64]) -> Vec<f64> {
        (0..self.order.len())
            .into_par_iter()
            .map(|k| {
                let (cols, vals) = self.holdings.row(k);
                cols.iter()
                    .zip(vals)
                    .map(|(&j, &w)| w * vp[j as usize])
                    .sum()
            })
            .collect()
    }

    /// `solve` for a right-hand side that is zero but at a few `seeds` (node, value): only the
    /// components reachable from the seeds are touched, so the cost is that of the reach, not
    /// of the graph. Returns the non-zero values by node, in node order.
    pub fn solve_sparse(
        &self,
        dir: Direction,
        seeds: &[(u32, f64)],
        interrupt: Interrupt,
    ) -> Result<Entries> {
        use std::collections::HashMap;
        let (csr, spread) = match dir {
            Direction::Holdings => (&self.holdings, &self.holders),
            Direction::Holders => (&self.holders, &self.holdings),
        };
        let mut b: HashMap<usize, f64> = HashMap::new();
        for &(v, value) in seeds {
            let k =
                *self.pos.get(v as usize).ok_or_else(|| {
                    Error::InvalidArgument(format!("node {v} is not in the graph"))
                })? as usize;
            *b.entry(k).or_insert(0.0) += value;
        }
        // Everything that depends on a seed: reachable along `spread`.
        let mut seen: std::collections::HashSet<usize> = b.keys().copied().collect();
        let mut queue: Vec<usize> = seen.iter().copied().collect();
        while let Some(k) = queue.pop() {
            if seen.len() % (1 << 16) == 0 {
                interrupt.check()?;
            }
            for &j in spread.row(k).0 {
                if seen.insert(j as usize) {
                    queue.push(j as usize);
                }
            }
        }
        if seen.len() > self.order.len() / 8 {
            // A large reach: the dense pass over every component is cheaper than hashing.
            let mut bp = vec![0.0f64; self.order.len()];
            for (&k, &v) in &b {
                bp[k] = v;
            }
            let xp = self.solve_in_plan_order(dir, &bp, interrupt)?;
            let mut out: Entries = (0..xp.len())
                .filter(|&k| xp[k] != 0.0)
                .map(|k| (self.order[k], xp[k]))
                .collect();
            out.sort_unstable_by_key(|&(v, _)| v);
            return Ok(out);
        }
        let mut comps: Vec<u32> = seen.iter().map(|&k| self.comp_of[k]).collect();
        comps.sort_unstable();
        comps.dedup();
        if dir == Direction::Holders {
            comps.reverse();
        }
        let mut xp: HashMap<usize, f64> = HashMap::with_capacity(seen.len());
        let at = |m: &HashMap<usize, f64>, k: usize| m.get(&k).copied().unwrap_or(0.0);
        for (step, &c) in comps.iter().enumerate() {
            if step % 4096 == 0 {
                interrupt.check()?;
            }
            let c = c as usize;
            let (s, e) = (self.start[c], self.start[c + 1]);
            let rhs: Vec<f64> = (s..e)
                .map(|k| {
                    let (cols, vals) = csr.row(k);
                    at(&b, k)
                        + cols
                            .iter()
                            .zip(vals)
                            .filter(|(&j, _)| (j as usize) < s || (j as usize) >= e)
                            .map(|(&j, &w)| w * at(&xp, j as usize))
                            .sum::<f64>()
                })
                .collect();
            let solution = if self.simple[c] {
                rhs
            } else if self.closed[c] {
                if rhs.iter().all(|&r| r == 0.0) {
                    continue;
                }
                return Err(self.closed_error(c));
            } else if e - s <= DENSE_LIMIT {
                let block = Block {
                    csr,
                    s,
                    e,
                    reverse: dir == Direction::Holders,
                };
                block.dense(&rhs)
            } else {
                let block = Block {
                    csr,
                    s,
                    e,
                    reverse: dir == Direction::Holders,
                };
                let local = self.local[c]
                    .as_ref()
                    .expect("large components have a local CSR");
                block.gauss_seidel(
                    &local[usize::from(dir == Direction::Holders)],
                    &rhs,
                    interrupt,
                )?
            };
            for (k, v) in (s..e).zip(solution) {
                if v != 0.0 {
                    xp.insert(k, v);
                }
            }
        }
        let mut out: Entries = xp.into_iter().map(|(k, v)| (self.order[k], v)).collect();
        out.sort_unstable_by_key(|&(v, _)| v);
        Ok(out)
    }

    /// `solve` with the right-hand side and the solution in plan order.
    pub fn solve_in_plan_order(
        &self,
        dir: Direction,
        bp: &[f64],
        interrupt: Interrupt,
    ) -> Result<Vec<f64>> {
        let n = self.order.len();
        let csr = match dir {
            Direction::Holdings => &self.holdings,
            Direction::Holders => &self.holders,
        };
        // Every dependency of a component is final before it starts.
        let mut xp = vec![0.0f64; n];
        let count = self.comps.count();
        for step in 0..count {
            if step % (1 << 16) == 0 {
                interrupt.check()?;
            }
            let c = match dir {
                Direction::Holdings => step,
                Direction::Holders => count - 1 - step,
            };
            let (s, e) = (self.start[c], self.start[c + 1]);
            if self.simple[c] {
                let (cols, vals) = csr.row(s);
                let mut acc = bp[s];
                for (&j, &w) in cols.iter().zip(vals) {
                    acc += w * xp[j as usize];
                }
                xp[s] = acc;
                continue;
            }
            let block = Block {
                csr,
                s,
                e,
                reverse: dir == Direction::Holders,
            };
            let rhs = block.outside_rhs(bp, &xp);
            if self.closed[c] {
                if rhs.iter().all(|&r| r == 0.0) {
                    continue; // nothing flows into it: its values stay 0
                }
                return Err(self.closed_error(c));
            }
            if e - s <= DENSE_LIMIT {
                let solution = block.dense(&rhs);
                xp[s..e].copy_from_slice(&solution);
            } else {
                let local = self.local[c]
                    .as_ref()
                    .expect("large components have a local CSR");
                let inside = &local[usize::from(dir == Direction::Holders)];
                let solution = block.gauss_seidel(inside, &rhs, interrupt)?;
                xp[s..e].copy_from_slice(&solution);
            }
        }
        Ok(xp)
    }
}

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

/// The members of component `c` in DFS postorder over its internal equity edges (holder →
/// issuer): issuers come before their holders except across the edges that close cycles.
fn postorder(g: &Graph, component: &[u32], c: u32, members: &[u32]) -> Vec<u32> {
    let mut seen: std::collections::HashSet<u32> = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(members.len());
    let mut stack: Vec<(u32, usize)> = Vec::new();
    for &root in members {
        if !seen.insert(root) {
            continue;
        }
        stack.push((root, 0));
        while let Some(&mut (v, ref mut i)) = stack.last_mut() {
            let edges = g.out_edges(v);
            if *i < edges.len() {
                let e = edges[*i];
                *i += 1;
                if e.kind == Kind::Equity
                    && component[e.target as usize] == c
                    && seen.insert(e.target)
                {
                    stack.push((e.target, 0));
                }
            } else {
                out.push(v);
                stack.pop();
            }
        }
    }
    out
}

/// The entries of rows `s..e` that stay inside `s..e`, in local indices.
fn inside_csr(csr: &PlanCsr, s: usize, e: usize) -> PlanCsr {
    let mut out = PlanCsr {
        offsets: Vec::with_capacity(e - s + 1),
        cols: Vec::new(),
        vals: Vec::new(),
    };
    out.offsets.push(0);
    for k in s..e {
        let (cols, vals) = csr.row(k);
        for (&j, &w) in cols.iter().zip(vals) {
            if (j as usize) >= s && (j as usize) < e {
                out.cols.push((j as usize - s) as u32);
                out.vals.push(w);
            }
        }
        out.offsets.push(out.cols.len());
    }
    out
}

/// A CSR over plan positions, each row filled by `fill(node, &mut cols, &mut vals)`.
fn plan_csr(order: &[u32], fill: impl Fn(u32, &mut Vec<u32>, &mut Vec<f64>)) -> PlanCsr {
    let mut csr = PlanCsr {
        offsets: Vec::with_capacity(order.len() + 1),
        cols: Vec::new(),
        vals: Vec::new(),
    };
    csr.offsets.push(0);
    for &v in order {
        fill(v, &mut csr.cols, &mut csr.vals);
        csr.offsets.push(csr.cols.len());
    }
    csr
}

/// One strongly connected component: plan rows `s..e`, solved as `x = A x + r` where A holds
/// the entries inside the block and r the input plus the final values outside it.
struct Block<'a> {
    csr: &'a PlanCsr,
    s: usize,
    e: usize,
    /// Sweep from the end (Holders): large blocks are laid out in DFS postorder of the
    /// holdings edges, so a sweep in that order (Holdings) or its reverse (Holders) solves
    /// every dependency but the cross-holdings closing cycles exactly.
    reverse: bool,
}

impl Block<'_> {
    fn inside(&self, j: u32) -> bool {
        (j as usize) >= self.s && (j as usize) < self.e
    }

    fn outside_rhs(&self, bp: &[f64], xp: &[f64]) -> Vec<f64> {
        (self.s..self.e)
            .map(|k| {
                let (cols, vals) = self.csr.row(k);
                let mut acc = bp[k];
                for (&j, &w) in cols.iter().zip(vals) {
                    if !self.inside(j) {
                        acc += w * xp[j as usize];
                    }
                }
                acc
            })
            .collect()
    }

    /// LU with partial pivoting on I − A.
    fn dense(&self, rhs: &[f64]) -> Vec<f64> {
        let k = rhs.len();
        let mut m = vec![0.0f64; k * k];
        for a in 0..k {
            m[a * k + a] += 1.0;
            let (cols, vals) = self.csr.row(self.s + a);
            for (&j, &w) in cols.iter().zip(vals) {
                if self.inside(j) {
                    m[a * k + (j as usize - self.s)] -= w;
                }
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

    /// One Gauss–Seidel sweep in place over the block's local values.
    fn sweep(&self, inside: &PlanCsr, rhs: &[f64], x: &mut [f64]) {
        let len = x.len();
        for step in 0..len {
            let a = if self.reverse { len - 1 - step } else { step };
            let (cols, vals) = inside.row(a);
            let mut acc = rhs[a];
            for (&j, &w) in cols.iter().zip(vals) {
                acc += w * x[j as usize];
            }
            x[a] = acc;
        }
    }

    /// Gauss–Seidel sweeps (the fixed-point map G) with Anderson acceleration over the last
    /// `ANDERSON` steps, until a sweep changes no value by more than `TOLERANCE` relative to
    /// the largest value. Sequential and in a fixed order: the same bits every run.
    fn gauss_seidel(
        &self,
        inside: &PlanCsr,
        rhs: &[f64],
        interrupt: Interrupt,
    ) -> Result<Vec<f64>> {
        const ANDERSON: usize = 6;
        let mut xs = rhs.to_vec();
        let mut dx: std::collections::VecDeque<Vec<f64>> = Default::default();
        let mut df: std::collections::VecDeque<Vec<f64>> = Default::default();
        let mut prev: Option<(Vec<f64>, Vec<f64>)> = None;
        let mut residual = f64::INFINITY;
        for sweep in 1..=MAX_SWEEPS {
            if sweep % 4 == 0 {
                interrupt.check()?;
            }
            let x = xs.clone();
            self.sweep(inside, rhs, &mut xs);
            let f: Vec<f64> = xs.iter().zip(&x).map(|(a, b)| a - b).collect();
            let change = f.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let scale = xs.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            residual = if scale > 0.0 { change / scale } else { 0.0 };
            if residual <= TOLERANCE {
                return Ok(xs);
            }
            if let Some((px, pf)) = prev.take() {
                dx.push_back(x.iter().zip(&px).map(|(a, b)| a - b).collect());
                df.push_back(f.iter().zip(&pf).map(|(a, b)| a - b).collect());
                if dx.len() > ANDERSON {
                    dx.pop_front();
                    df.pop_front();
                }
            }
            if let Some(gamma) = least_squares(&df, &f) {
                // x_next = G(x) - (ΔX + ΔF) γ
                for (i, gi) in gamma.iter().enumerate() {
                    for ((v, a), b) in xs.iter_mut().zip(&dx[i]).zip(&df[i]) {
                        *v -= gi * (a + b);
                    }
                }
            }
            prev = Some((x, f));
        }
        Err(Error::Convergence {
            size: self.e - self.s,
            iterations: MAX_SWEEPS,
            residual,
            tolerance: TOLERANCE,
        })
    }
}

/// γ minimising ‖f − ΔF γ‖ by the normal equations (a few unknowns), or None when ΔF is
/// empty or too ill-conditioned to help.
fn least_squares(df: &std::collections::VecDeque<Vec<f64>>, f: &[f64]) -> Option<Vec<f64>> {
    let m = df.len();
    if m == 0 {
        return None;
    }
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut a = vec![0.0f64; m * m];
    let mut rhs = vec![0.0f64; m];
    for i in 0..m {
        for j in 0..=i {
            let v = dot(&df[i], &df[j]);
            a[i * m + j] = v;
            a[j * m + i] = v;
        }
        rhs[i] = dot(&df[i], f);
    }
    let trace: f64 = (0..m).map(|i| a[i * m + i]).sum();
    if !trace.is_finite() || trace <= 0.0 {
        return None;
    }
    for i in 0..m {
        a[i * m + i] += 1e-12 * trace;
    }
    // Cholesky on the small symmetric positive definite system.
    let mut l = vec![0.0f64; m * m];
    for i in 0..m {
        for j in 0..=i {
            let mut sum = a[i * m + j];
            for k in 0..j {
                sum -= l[i * m + k] * l[j * m + k];
            }
            if i == j {
                if sum <= 0.0 {
                    return None;
                }
                l[i * m + i] = sum.sqrt();
            } else {
                l[i * m + j] = sum / l[j * m + j];
            }
        }
    }
    let mut y = vec![0.0f64; m];
    for i in 0..m {
        let mut sum = rhs[i];
        for k in 0..i {
            sum -= l[i * m + k] * y[k];
        }
        y[i] = sum / l[i * m + i];
    }
    let mut gamma = vec![0.0f64; m];
    for i in (0..m).rev() {
        let mut sum = y[i];
        for k in i + 1..m {
            sum -= l[k * m + i] * gamma[k];
        }
        gamma[i] = sum / l[i * m + i];
    }
    gamma.iter().all(|g| g.is_finite()).then_some(gamma)
}

/// The look-through loss `(direct, total)` per node: direct = `W s + R d`, total =
/// `(I − W)^-1 (W s + R d)`. Credit: the lender is exposed to its borrower by the amount;
/// commitment: the supplier to its customer by the committed amount. Unknown amounts (NaN)
/// count as 0. Empty `s` or `d` mean all zero.
pub fn look_through(
    s: &Solver<'_>,
    value_loss: &[f64],
    default: &[f64],
    interrupt: Interrupt,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let plan = s.plan;
    let n = s.g.num_nodes();
    for (name, v) in [("value_loss", value_loss), ("default", default)] {
        if !v.is_empty() && v.len() != n {
            return Err(Error::InvalidArgument(format!(
                "{name} has {} entries for {n} nodes",
                v.len()
            )));
        }
    }
    let mut direct_p = if value_loss.is_empty() {
        vec![0.0; n]
    } else {
        plan.holdings_product(&plan.to_plan(value_loss))
    };
    if !default.is_empty() {
        let credit = non_equity_losses(s.g, default);
        for (k, &v) in plan.order.iter().enumerate() {
            direct_p[k] += credit[v as usize];
        }
    }
    interrupt.check()?;
    let total_p = plan.solve_in_plan_order(Direction::Holdings, &direct_p, interrupt)?;
    Ok((plan.from_plan(&direct_p), plan.from_plan(&total_p)))
}

/// `R d`: what each node loses on its loans and on its customers' unpaid commitments.
fn non_equity_losses(g: &Graph, d: &[f64]) -> Vec<f64> {
    let known = |a: f64| if a.is_nan() { 0.0 } else { a };
    (0..g.num_nodes() as u32)
        .into_par_iter()
        .map(|i| {
            let mut b = 0.0;
            for p in g.out_range(i) {
                let e = g.edge(p);
                if e.kind == Kind::Credit {
                    b += known(g.amount(p)) * d[e.target as usize];
                }
            }
            for ie in g.in_edges(i) {
                let p = ie.edge as usize;
                if g.edge(p).kind == Kind::Commitment {
                    b += known(g.amount(p)) * d[ie.source as usize];
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
fn holders_with_equity(g: &Graph) -> Vec<u32> {
    (0..g.num_nodes() as u32)
        .filter(|&h| g.out_edges(h).iter().any(|e| e.kind == Kind::Equity))
        .collect()
}

/// Holder `h`'s entries above `threshold` as stakes.
fn stakes_above(h: u32, row: impl IntoIterator<Item = (u32, f64)>, threshold: f64) -> Vec<Stake> {
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
            Ok((stakes_above(h, acc, threshold), cut))
        })
        .collect::<Result<Vec<_>>>()?;
    let cut = rows.iter().any(|(_, c)| *c);
    Ok((rows.into_iter().flat_map(|(s, _)| s).collect(), cut))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::testing::equity;
    use crate::graph::EdgeInput;

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
        let (direct, total) = look_through(&s, &[], &[0.0, 0.5, 0.2], NEVER).unwrap();
        assert_eq!(direct, vec![10.0 * 0.5 + 5.0 * 0.2, 0.0, 0.0]);
        assert_eq!(total, direct);
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
