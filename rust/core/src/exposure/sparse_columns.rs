//! Every column of W̃ = W (I − W)^-1 at once, thresholded, with a stated error bound per
//! column: the sparse tables of integrated ownership (walks) and ultimate owners.
//!
//! Columns are built top-down in plan order. Who holds an issuer c through chains is who
//! holds it directly plus, for each direct holder m, the same share of whoever holds m:
//! W̃[·, c] = Σ_m W[m, c] (e_m + W̃[·, m]), so a column is a sparse sum of the columns of its
//! holders (higher levels, finished); a component's columns are solved together (a dense
//! inverse for small ones, sweeps for large ones). Entries below a cutoff are dropped as each
//! column is made, so columns stay short.
//!
//! The bound. Let δ_c bound the error of every entry of column c. An issuer is held at most
//! 100% (Σ_m W[m, c] ≤ 1), so errors do not grow on the way down: column c inherits at most
//! Σ_m W[m, c] δ_m from its holders and adds the largest entry it drops. Each column's cutoff
//! is the room left under the target, so every δ_c stays at or below it; δ_c is computed
//! exactly by the same recurrence and returned, one number per column.

use std::cell::RefCell;

use rayon::prelude::*;

use super::integrated::Stake;
use super::local_solve::{i_minus, pivot};
use super::plan::{Direction, Plan, Side, Solver, DENSE_LIMIT};
use crate::csr::Csr;
use crate::error::{Error, Result};
use crate::interrupt::Interrupt;

/// One column of W̃: holders (plan positions, increasing) and values.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Line {
    pub(crate) at: Box<[u32]>,
    pub(crate) vals: Box<[f64]>,
}

impl Line {
    fn entries(&self) -> impl Iterator<Item = (u32, f64)> + '_ {
        self.at.iter().copied().zip(self.vals.iter().copied())
    }
}

/// The columns of every issuer (by plan position) and the error bound of each.
pub(crate) struct SparseColumns {
    pub(crate) columns: Vec<Line>,
    /// `bound[c]`: no entry of column c (plan position) is off by more.
    pub(crate) bound: Vec<f64>,
}

/// A large component's first cutoff is the room left over this many times its amplification:
/// what a sweep drops, summed over sweeps and carried through the cycles, comes to about
/// three times the cutoff times the amplification on the generator's graphs.
const FIRST_SHARE: f64 = 4.0;
/// Tries of a large component, each with a lower cutoff, before its bound is taken as reached.
const RETRIES: usize = 4;
/// Sweeps before a large component gives up with `Error::Convergence`.
const MAX_SWEEPS: usize = 10_000;
/// Columns per parallel task.
const CHUNK: usize = 256;

/// Columns of W̃ for every issuer, every entry a lower bound of the true value and off by at
/// most its column's bound, every bound at most `target` (≥ 0; 0 keeps every entry).
///
/// Only `wanted`'s entries are kept once no other column needs a column any more (after the
/// level of the last issuer its issuer holds), so memory follows the output and the columns
/// still in use, not every entry ever made.
pub(crate) fn sparse_columns(
    s: &Solver<'_>,
    target: f64,
    wanted: &Wanted<'_>,
    interrupt: Interrupt,
) -> Result<SparseColumns> {
    let plan = s.plan;
    if !plan.is_upper() {
        plan.check_no_closed_cycle()?;
    }
    let n = plan.order.len();
    let holders = plan.side(Direction::Holders, interrupt)?;
    let outside = &holders.outside;
    let mut columns: Vec<Line> = vec![Line::default(); n];
    let mut bound = vec![0.0f64; n];
    let last_use = last_use(plan);
    for (li, level) in plan.levels.iter().enumerate().rev() {
        interrupt.check()?;
        let (ls, le) = level.rows;
        let (cur, done) = columns.split_at_mut(le);
        let (cur_bound, done_bound) = bound.split_at_mut(le);
        let (cur, cur_bound) = (&mut cur[ls..], &mut cur_bound[ls..]);
        // What a column inherits from holders outside its component; columns outside cycles
        // are final here, a component's get their outside part, which its own solve completes.
        cur.par_iter_mut()
            .zip(cur_bound.par_iter_mut())
            .enumerate()
            .with_min_len(CHUNK)
            .for_each(|(i, (line, err))| {
                let k = ls + i;
                let (at, vals) = outside.row(k);
                let inherited: f64 = at
                    .iter()
                    .zip(vals)
                    .filter(|(_, &w)| w != 0.0)
                    .map(|(&m, &w)| w * done_bound[m as usize - le])
                    .sum();
                SCRATCH.with(|scratch| {
                    let acc = &mut *scratch.borrow_mut();
                    acc.holdings(n, at, vals, |m| &done[m as usize - le]);
                    if plan.simple[plan.slot_of[k] as usize] {
                        let (kept, dropped) = acc.pruned(target - inherited);
                        *line = kept;
                        *err = inherited + dropped;
                    } else {
                        *line = acc.full();
                        *err = inherited;
                    }
                })
            });
        let (bs, be) = level.blocks;
        // Disjoint components of one level, solved in parallel.
        let mut jobs: Vec<(usize, &mut [Line], &mut [f64])> = Vec::with_capacity(be - bs);
        let (mut rest, mut rest_bound): (&mut [Line], &mut [f64]) = (cur, cur_bound);
        let mut base = ls;
        for &slot in &plan.blocks[bs..be] {
            let (s, e) = plan.range(slot as usize);
            let (_, tail) = std::mem::take(&mut rest).split_at_mut(s - base);
            let (mine, tail) = tail.split_at_mut(e - s);
            let (_, tail_bound) = std::mem::take(&mut rest_bound).split_at_mut(s - base);
            let (mine_bound, tail_bound) = tail_bound.split_at_mut(e - s);
            jobs.push((slot as usize, mine, mine_bound));
            (rest, rest_bound) = (tail, tail_bound);
            base = e;
        }
        let block = Component {
            plan,
            holders,
            target,
            interrupt,
            n,
        };
        jobs.into_par_iter()
            .with_max_len(1)
            .map(|(slot, mine, err)| block.solve(slot, mine, err))
            .collect::<Result<Vec<()>>>()?;
        // Columns no later level reads: down to what is wanted (moved out, shrunk in
        // parallel, moved back).
        let spent: Vec<(u32, Line)> = last_use[li]
            .iter()
            .map(|&c| (c, std::mem::take(&mut columns[c as usize])))
            .collect();
        let spent: Vec<(u32, Line)> = spent
            .into_par_iter()
            .with_min_len(CHUNK)
            .map(|(c, line)| {
                (
                    c,
                    wanted.entries(plan, c as usize, &line, bound[c as usize]),
                )
            })
            .collect();
        for (c, line) in spent {
            columns[c as usize] = line;
        }
    }
    Ok(SparseColumns { columns, bound })
}

impl SparseColumns {
    /// The largest column bound: no entry is off by more.
    pub(crate) fn largest_bound(&self) -> f64 {
        self.bound.iter().fold(0.0f64, |m, &b| m.max(b))
    }

    /// The wanted entries (see `Wanted`), by holder then issuer (nodes).
    pub(crate) fn stakes(&self, plan: &Plan, wanted: &Wanted<'_>) -> Vec<Stake> {
        let mut out: Vec<Stake> = self
            .columns
            .par_iter()
            .enumerate()
            .with_min_len(CHUNK)
            .flat_map_iter(|(c, line)| {
                let issuer = plan.order[c];
                wanted
                    .entries(plan, c, line, self.bound[c])
                    .entries()
                    .map(|(m, v)| Stake {
                        holder: Some(plan.order[m as usize]),
                        issuer,
                        value: v,
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        out.par_sort_unstable_by_key(|st| (st.holder, st.issuer));
        out
    }
}

/// Which entries a table keeps: holder and issuer wanted (by node), and a value that may exceed
/// `threshold` (above `threshold` less its column's bound, so that every pair whose true
/// value exceeds `threshold` is kept).
pub(crate) struct Wanted<'a> {
    pub(crate) threshold: f64,
    pub(crate) holders: &'a [bool],
    pub(crate) issuers: &'a [bool],
    /// Only these (holder, issuer) pairs (nodes), when given.
    pub(crate) pairs: Option<&'a (dyn Fn(u32, u32) -> bool + Sync)>,
}

impl Wanted<'_> {
    fn entries(&self, plan: &Plan, c: usize, line: &Line, bound: f64) -> Line {
        if !self.issuers[plan.order[c] as usize] || line.at.is_empty() {
            return Line::default();
        }
        let cut = self.threshold - bound;
        let issuer = plan.order[c];
        let keep = |(m, v): &(u32, f64)| {
            let holder = plan.order[*m as usize];
            *v > cut
                && self.holders[holder as usize]
                && self.pairs.is_none_or(|pair| pair(holder, issuer))
        };
        Line {
            at: line.entries().filter(keep).map(|(m, _)| m).collect(),
            vals: line.entries().filter(keep).map(|(_, v)| v).collect(),
        }
    }
}

/// The positions whose column is read last by each level (the lowest level of what they hold,
/// or their own when they hold nothing outside their component), level by level.
fn last_use(plan: &Plan) -> Vec<Vec<u32>> {
    let n = plan.order.len();
    let mut level_of = vec![0u32; n];
    for (l, level) in plan.levels.iter().enumerate() {
        level_of[level.rows.0..level.rows.1].fill(l as u32);
    }
    let mut buckets: Vec<Vec<u32>> = vec![Vec::new(); plan.levels.len()];
    for k in 0..n {
        let lowest = plan
            .holdings
            .outside
            .row(k)
            .0
            .iter()
            .map(|&j| level_of[j as usize]);
        let last = lowest.fold(level_of[k], u32::min);
        buckets[last as usize].push(k as u32);
    }
    buckets
}

/// What a component's solve reads.
struct Component<'a> {
    plan: &'a Plan,
    holders: &'a Side,
    target: f64,
    interrupt: Interrupt<'a>,
    n: usize,
}

impl Component<'_> {
    /// Completes the columns of component `slot`, given each member's outside part
    /// (unpruned) and what it inherits (`err`).
    fn solve(&self, slot: usize, lines: &mut [Line], err: &mut [f64]) -> Result<()> {
        let plan = self.plan;
        let (s, _) = plan.range(slot);
        if plan.divergent[slot] {
            // An upper plan (a closed one was refused): every walk through the component sums
            // to +inf, for its members and for everyone who reaches it.
            let mut reach: Vec<u32> = (s as u32..(s + lines.len()) as u32).collect();
            for line in lines.iter() {
                reach.extend_from_slice(&line.at);
            }
            reach.sort_unstable();
            reach.dedup();
            let all = Line {
                vals: vec![f64::INFINITY; reach.len()].into_boxed_slice(),
                at: reach.into_boxed_slice(),
            };
            lines.fill(all);
            err.fill(0.0);
            return Ok(());
        }
        if lines.len() <= DENSE_LIMIT {
            self.dense(s, lines, err);
            Ok(())
        } else {
            self.sweep(slot, s, lines, err)
        }
    }

    /// W̃[·, C] = B (I − W_CC)^-1 with B_b = (b's outside part) + Σ_a W[a, b] e_a, exact given
    /// the columns above; what they carry in error reaches c as (Z δ_in)_c, Z = (I − W_CCᵀ)^-1;
    /// each column is then pruned with the room left.
    fn dense(&self, s: usize, lines: &mut [Line], err: &mut [f64]) {
        let inside = &self.holders.inside;
        let k = lines.len();
        let z = inverse_of_i_minus(inside, s, k);
        let base: Vec<Line> = (0..k)
            .map(|b| {
                SCRATCH.with(|scratch| {
                    let acc = &mut *scratch.borrow_mut();
                    acc.begin(self.n);
                    for (m, v) in lines[b].entries() {
                        acc.add(m, v);
                    }
                    let (at, vals) = inside.row(s + b);
                    for (&a, &w) in at.iter().zip(vals) {
                        acc.add((s + a as usize) as u32, w);
                    }
                    acc.full()
                })
            })
            .collect();
        let inherited: Vec<f64> = (0..k)
            .map(|c| (0..k).map(|b| z[c * k + b].max(0.0) * err[b]).sum())
            .collect();
        for (c, line) in lines.iter_mut().enumerate() {
            SCRATCH.with(|scratch| {
                let acc = &mut *scratch.borrow_mut();
                acc.begin(self.n);
                for (b, base_b) in base.iter().enumerate() {
                    let zcb = z[c * k + b];
                    if zcb != 0.0 {
                        for (m, v) in base_b.entries() {
                            acc.add(m, zcb * v);
                        }
                    }
                }
                let (kept, dropped) = acc.pruned(self.target - inherited[c]);
                *line = kept;
                err[c] = inherited[c] + dropped;
            });
        }
    }

    /// A large component, by sweeps over what changed: from the outside parts X⁰, each sweep's
    /// change D¹ = Σ_b W[b, ·] (e_b + X⁰_b), D^{t+1}_c = Σ_b W[b, c] D^t_b (holders b inside),
    /// entries below the cutoff dropped, until nothing is left; the columns are X⁰ + Σ D^t.
    /// Sweeps are Jacobi steps (every member from the last sweep, in parallel: the same
    /// arithmetic for any thread count) and touch only what still moves. The bound is then
    /// exact a posteriori: δ = Z (δ_in + f), Z = (I − W_CCᵀ)^-1, f the largest amount one
    /// more full combination would add to each member. The cutoff starts at the room left
    /// over the component's amplification max (Z 1), and is lowered if δ overshoots.
    fn sweep(&self, slot: usize, s: usize, lines: &mut [Line], err: &mut [f64]) -> Result<()> {
        let plan = self.plan;
        let len = lines.len();
        let carried = plan.solve_block(Direction::Holders, slot, err, self.interrupt)?;
        let amplification = plan
            .solve_block(Direction::Holders, slot, &vec![1.0; len], self.interrupt)?
            .into_iter()
            .fold(1.0f64, f64::max);
        let room = self.target - carried.iter().fold(0.0f64, |m, &d| m.max(d));
        // Moved out (no copy): the columns are rebuilt from them.
        let outside_part: Vec<Line> = lines.iter_mut().map(std::mem::take).collect();
        // No room left (what flows in already fills the target): a small cutoff still, so that
        // the changes die out; the bound then states how far past the target it is.
        let mut cutoff =
            if room > 0.0 { room } else { 1e-3 * self.target } / (FIRST_SHARE * amplification);
        for attempt in 1..=RETRIES {
            let current = self.iterate(s, &outside_part, cutoff)?;
            // The defect of each member: one more full combination minus the stored column.
            let defect: Vec<f64> = (0..len)
                .into_par_iter()
                .with_min_len(CHUNK)
                .map(|a| {
                    SCRATCH.with(|scratch| {
                        let acc = &mut *scratch.borrow_mut();
                        self.combine(s, a, &outside_part[a], &current, acc);
                        largest_excess(&acc.full(), &current[a])
                    })
                })
                .collect();
            let rhs: Vec<f64> = err.iter().zip(&defect).map(|(e, f)| e + f).collect();
            let total = plan.solve_block(Direction::Holders, slot, &rhs, self.interrupt)?;
            let worst = total.iter().fold(0.0f64, |m, &d| m.max(d));
            if worst <= self.target || attempt == RETRIES || room.is_nan() || room <= 0.0 {
                err.copy_from_slice(&total);
                for (line, c) in lines.iter_mut().zip(current) {
                    *line = c;
                }
                return Ok(());
            }
            cutoff *= (0.5 * room / (worst - (self.target - room))).clamp(1.0 / 64.0, 0.5);
        }
        unreachable!("the last attempt returns")
    }

    /// `base` plus the holders of member `a` inside the component, each `w · (e_b + lines[b])`.
    fn combine(&self, s: usize, a: usize, base: &Line, lines: &[Line], acc: &mut Accumulator) {
        acc.begin(self.n);
        for (m, v) in base.entries() {
            acc.add(m, v);
        }
        let (at, vals) = self.holders.inside.row(s + a);
        for (&b, &w) in at.iter().zip(vals) {
            acc.add_holding((s + b as usize) as u32, w, &lines[b as usize]);
        }
    }

    /// The swept columns X⁰ + Σ D^t of a component (see `sweep`), entries below `cutoff`
    /// dropped from every change.
    fn iterate(&self, s: usize, outside_part: &[Line], cutoff: f64) -> Result<Vec<Line>> {
        let len = outside_part.len();
        let inside = &self.holders.inside;
        let mut columns: Vec<Line> = outside_part.to_vec();
        // D¹ carries the direct holdings inside (e_b) and X⁰; later changes carry only D^t.
        let mut change: Vec<Line> = Vec::new();
        let mut first = true;
        let mut tick = self.interrupt.ticker(1);
        for _ in 0..MAX_SWEEPS {
            tick.tick()?;
            let next: Vec<Line> = (0..len)
                .into_par_iter()
                .with_min_len(CHUNK)
                .map(|a| {
                    SCRATCH.with(|scratch| {
                        let acc = &mut *scratch.borrow_mut();
                        acc.begin(self.n);
                        let (at, vals) = inside.row(s + a);
                        for (&b, &w) in at.iter().zip(vals) {
                            let b = b as usize;
                            if first {
                                acc.add_holding((s + b) as u32, w, &outside_part[b]);
                            } else if w != 0.0 {
                                for (m, v) in change[b].entries() {
                                    acc.add(m, w * v);
                                }
                            }
                        }
                        acc.pruned(cutoff).0
                    })
                })
                .collect();
            first = false;
            if next.iter().all(|d| d.at.is_empty()) {
                return Ok(columns);
            }
            columns
                .par_iter_mut()
                .zip(&next)
                .with_min_len(CHUNK)
                .filter(|(_, d)| !d.at.is_empty())
                .for_each(|(x, d)| *x = merged(x, d));
            change = next;
        }
        Err(Error::Convergence {
            size: len,
            iterations: MAX_SWEEPS,
            residual: change
                .iter()
                .flat_map(|d| d.vals.iter().copied())
                .fold(0.0, f64::max),
            tolerance: cutoff,
        })
    }
}

/// `x + d`, entry by entry.
fn merged(x: &Line, d: &Line) -> Line {
    let mut at = Vec::with_capacity(x.at.len() + d.at.len());
    let mut vals = Vec::with_capacity(x.at.len() + d.at.len());
    let (mut i, mut j) = (0, 0);
    while i < x.at.len() || j < d.at.len() {
        let take_x = j == d.at.len() || (i < x.at.len() && x.at[i] < d.at[j]);
        let take_d = i == x.at.len() || (j < d.at.len() && d.at[j] < x.at[i]);
        if take_x {
            at.push(x.at[i]);
            vals.push(x.vals[i]);
            i += 1;
        } else if take_d {
            at.push(d.at[j]);
            vals.push(d.vals[j]);
            j += 1;
        } else {
            at.push(x.at[i]);
            vals.push(x.vals[i] + d.vals[j]);
            i += 1;
            j += 1;
        }
    }
    Line {
        at: at.into_boxed_slice(),
        vals: vals.into_boxed_slice(),
    }
}

/// The largest amount by which `full` exceeds `stored`, entry by entry (missing entries 0).
fn largest_excess(full: &Line, stored: &Line) -> f64 {
    let mut at = 0;
    let mut most = 0.0f64;
    for (c, v) in full.entries() {
        while at < stored.at.len() && stored.at[at] < c {
            at += 1;
        }
        let kept = if at < stored.at.len() && stored.at[at] == c {
            stored.vals[at]
        } else {
            0.0
        };
        most = most.max(v - kept);
    }
    most
}

/// The scratch of one thread (reused): a dense column with the entries it touched, and the
/// sorted list every sum ends in.
#[derive(Default)]
struct Accumulator {
    vals: Vec<f64>,
    stamp: Vec<u32>,
    generation: u32,
    touched: Vec<u32>,
    /// The sum, sorted: entries `at`, values `out` (and the buffers a merge writes into).
    at: Vec<u32>,
    out: Vec<f64>,
    next_at: Vec<u32>,
    next_out: Vec<f64>,
    /// Whether the sum is in the dense column (`add`) rather than the list (`merge_holding`).
    dense: bool,
}

thread_local! {
    static SCRATCH: RefCell<Accumulator> = RefCell::new(Accumulator::default());
}

/// Columns with at most this many holders are summed by merging sorted lists, the others in
/// the dense column (a merge costs the list's length per holder).
const MERGE_LIMIT: usize = 12;

impl Accumulator {
    /// Starts a sum in the dense column.
    fn begin(&mut self, n: usize) {
        if self.vals.len() < n {
            self.vals.resize(n, 0.0);
            self.stamp.resize(n, 0);
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.fill(0);
            self.generation = 1;
        }
        self.touched.clear();
        self.dense = true;
    }

    #[inline]
    fn add(&mut self, c: u32, v: f64) {
        let i = c as usize;
        if self.stamp[i] == self.generation {
            self.vals[i] += v;
        } else {
            self.stamp[i] = self.generation;
            self.vals[i] = v;
            self.touched.push(c);
        }
    }

    /// Adds `w · (e_m + line)` to the dense column.
    #[inline]
    fn add_holding(&mut self, m: u32, w: f64, line: &Line) {
        if w == 0.0 {
            return; // adds nothing (and 0 · inf would be NaN)
        }
        self.add(m, w);
        for (c, v) in line.entries() {
            self.add(c, w * v);
        }
    }

    /// Σ_m w_m (e_m + line(m)) over the holders `at`, `w` (in that order: every entry sums its
    /// terms in holder order, whichever way it is summed).
    fn holdings<'l>(&mut self, n: usize, at: &[u32], w: &[f64], line: impl Fn(u32) -> &'l Line) {
        if at.len() > MERGE_LIMIT {
            self.begin(n);
            for (&m, &w) in at.iter().zip(w) {
                self.add_holding(m, w, line(m));
            }
            return;
        }
        self.dense = false;
        self.at.clear();
        self.out.clear();
        for (&m, &w) in at.iter().zip(w) {
            if w != 0.0 {
                self.merge_holding(m, w, line(m));
            }
        }
    }

    /// The list plus `w · (e_m + line)`, merged in order.
    fn merge_holding(&mut self, m: u32, w: f64, line: &Line) {
        let (a, x) = (&self.at, &self.out);
        let (na, nx) = (&mut self.next_at, &mut self.next_out);
        na.clear();
        nx.clear();
        // e_m; `line` holds m too when m is on a cycle (then e_m comes first, as in `add_holding`).
        let mut own = Some(m);
        let terms = line.entries().map(|(c, v)| (c, w * v));
        let mut terms = terms.peekable();
        let mut i = 0;
        loop {
            // The next term: e_m or the line's next entry, whichever comes first.
            let next = match (own, terms.peek()) {
                (Some(o), Some(&(c, _))) if o <= c => own.take().map(|o| (o, w)),
                (Some(o), None) => {
                    own = None;
                    Some((o, w))
                }
                (_, Some(_)) => terms.next(),
                (None, None) => None,
            };
            let Some((c, v)) = next else { break };
            if na.last() == Some(&c) {
                *nx.last_mut().expect("pushed with its entry") += v; // e_m, then m's own entry
                continue;
            }
            while i < a.len() && a[i] < c {
                na.push(a[i]);
                nx.push(x[i]);
                i += 1;
            }
            if i < a.len() && a[i] == c {
                na.push(c);
                nx.push(x[i] + v);
                i += 1;
            } else {
                na.push(c);
                nx.push(v);
            }
        }
        na.extend_from_slice(&a[i..]);
        nx.extend_from_slice(&x[i..]);
        std::mem::swap(&mut self.at, &mut self.next_at);
        std::mem::swap(&mut self.out, &mut self.next_out);
    }

    /// Moves a dense sum into the sorted list.
    fn settle(&mut self) {
        if self.dense {
            self.touched.sort_unstable();
            self.at.clear();
            self.at.extend_from_slice(&self.touched);
            self.out.clear();
            let vals = &self.vals;
            self.out
                .extend(self.touched.iter().map(|&c| vals[c as usize]));
            self.dense = false;
        }
    }

    /// The sum in order, unpruned.
    fn full(&mut self) -> Line {
        self.settle();
        Line {
            at: self.at.as_slice().into(),
            vals: self.out.as_slice().into(),
        }
    }

    /// The entries of the sum at or above `cutoff`, in order, and the largest one dropped (0
    /// when none was).
    fn pruned(&mut self, cutoff: f64) -> (Line, f64) {
        if self.dense {
            // Drop before sorting: a column keeps a small part of what it touched.
            let (vals, mut dropped) = (&self.vals, 0.0f64);
            self.touched.retain(|&c| {
                let v = vals[c as usize];
                let keep = v >= cutoff;
                if !keep {
                    dropped = dropped.max(v);
                }
                keep
            });
            self.settle();
            let line = Line {
                at: self.at.as_slice().into(),
                vals: self.out.as_slice().into(),
            };
            return (line, dropped);
        }
        let kept = self.out.iter().filter(|&&v| v >= cutoff).count();
        let mut at = Vec::with_capacity(kept);
        let mut vals = Vec::with_capacity(kept);
        let mut dropped = 0.0f64;
        for (&c, &v) in self.at.iter().zip(&self.out) {
            if v >= cutoff {
                at.push(c);
                vals.push(v);
            } else {
                dropped = dropped.max(v);
            }
        }
        let line = Line {
            at: at.into_boxed_slice(),
            vals: vals.into_boxed_slice(),
        };
        (line, dropped)
    }
}

/// (I − A)^-1 for the `k` rows `s..s + k` of an inside CSR, row-major, by Gauss–Jordan with
/// partial pivoting.
fn inverse_of_i_minus(inside: &Csr, s: usize, k: usize) -> Vec<f64> {
    let mut m = i_minus(inside, s, k);
    let mut inv = vec![0.0f64; k * k];
    for a in 0..k {
        inv[a * k + a] = 1.0;
    }
    for col in 0..k {
        let pivot = pivot(&m, k, col);
        if pivot != col {
            for j in 0..k {
                m.swap(col * k + j, pivot * k + j);
                inv.swap(col * k + j, pivot * k + j);
            }
        }
        let d = m[col * k + col];
        for j in 0..k {
            m[col * k + j] /= d;
            inv[col * k + j] /= d;
        }
        for r in 0..k {
            let f = m[r * k + col];
            if r != col && f != 0.0 {
                for j in 0..k {
                    m[r * k + j] -= f * m[col * k + j];
                    inv[r * k + j] -= f * inv[col * k + j];
                }
            }
        }
    }
    inv
}
