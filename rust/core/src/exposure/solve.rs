//! Solving `x = M x + b` over a [`Plan`]: level by level, each level's rows in parallel, then
//! its cycles' local solves. Every value is computed by one task in a fixed order, so the
//! result is the same bits for any thread count.

use rayon::prelude::*;

use super::local_solve::Block;
use super::plan::{Direction, Plan, DENSE_LIMIT};
use crate::error::{Error, Result};
use crate::interrupt::Interrupt;
use crate::prefetch::prefetch;

/// Rows per parallel task, and the level size below which a level runs on one thread.
const CHUNK: usize = 2048;
const PARALLEL_ROWS: usize = 4 * CHUNK;
/// How many rows ahead the reads are prefetched.
const AHEAD: usize = 32;

/// The finished values a level reads: positions below it (Holdings) or above it (Holders).
pub(crate) struct Done<'a, T> {
    values: &'a [T],
    offset: usize,
}

impl<T: Copy> Done<'_, T> {
    #[inline]
    pub(crate) fn get(&self, k: u32) -> T {
        self.values[k as usize - self.offset]
    }

    #[inline]
    fn prefetch(&self, k: u32) {
        prefetch(self.values, (k as usize).wrapping_sub(self.offset));
    }
}

/// The overlap of a pass that has none.
type NoOverlap<T, A> = fn(&[T], &[A]);

impl Plan {
    /// Runs the levels in dependency order over `xs` (plan order), the values other rows
    /// read, and `aux` (plan order too), a per-row output no other row reads.
    /// `row(x, aux, cols, vals, done)` turns a row's value and its entries leaving its
    /// component into the row's new value; `block(slot, values, aux)` then finishes each
    /// component that needs a local solve.
    ///
    /// In a Holdings solve, `overlap(finished, finished_aux)` runs beside the first large
    /// component solved alone in its level (its one thread leaves the others idle), with the
    /// positions before that level, all final. Returns that prefix's length and `overlap`'s
    /// result, if it ran.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn run_levels<T, A, R, B, O, V>(
        &self,
        dir: Direction,
        xs: &mut [T],
        aux: &mut [A],
        row: R,
        block: B,
        overlap: Option<O>,
        interrupt: Interrupt,
    ) -> Result<Option<(usize, V)>>
    where
        T: Copy + Send + Sync,
        A: Send + Sync,
        R: Fn(T, &mut A, &[u32], &[f64], &Done<'_, T>) -> T + Sync,
        B: Fn(usize, &mut [T], &mut [A]) -> Result<()> + Sync,
        O: FnOnce(&[T], &[A]) -> V + Send,
        V: Send,
    {
        // Run on a pool thread: each level's parallel loops then start without waking the
        // pool from outside, which costs more than a small level's work.
        let (row, block) = (&row, &block);
        let overlap = if dir == Direction::Holdings {
            overlap
        } else {
            None
        };
        rayon::scope(|_| self.levels_in_pool(dir, xs, aux, row, block, overlap, interrupt))
    }

    #[allow(clippy::too_many_arguments)]
    fn levels_in_pool<T: Copy + Send + Sync, A: Send + Sync, V: Send>(
        &self,
        dir: Direction,
        xs: &mut [T],
        aux: &mut [A],
        row: &(impl Fn(T, &mut A, &[u32], &[f64], &Done<'_, T>) -> T + Sync),
        block: &(impl Fn(usize, &mut [T], &mut [A]) -> Result<()> + Sync),
        mut overlap: Option<impl FnOnce(&[T], &[A]) -> V + Send>,
        interrupt: Interrupt,
    ) -> Result<Option<(usize, V)>> {
        let mut overlapped = None;
        let outside = &self.side(dir, interrupt)?.outside;
        let count = self.levels.len();
        for step in 0..count {
            interrupt.check()?;
            let level = match dir {
                Direction::Holdings => self.levels[step],
                Direction::Holders => self.levels[count - 1 - step],
            };
            let (ls, le) = level.rows;
            let (cur, done) = match dir {
                Direction::Holdings => {
                    let (done, rest) = xs.split_at_mut(ls);
                    (
                        &mut rest[..le - ls],
                        Done {
                            values: done,
                            offset: 0,
                        },
                    )
                }
                Direction::Holders => {
                    let (before, done) = xs.split_at_mut(le);
                    (
                        &mut before[ls..],
                        Done {
                            values: done,
                            offset: le,
                        },
                    )
                }
            };
            let (aux_done, aux_cur) = match dir {
                Direction::Holdings => {
                    let (done, rest) = aux.split_at_mut(ls);
                    (&*done, &mut rest[..le - ls])
                }
                Direction::Holders => {
                    let (before, done) = aux.split_at_mut(le);
                    (&*done, &mut before[ls..])
                }
            };
            let rows = |first: usize, chunk: &mut [T], extra: &mut [A]| {
                let end = first + chunk.len();
                for (i, (x, a)) in chunk.iter_mut().zip(extra).enumerate() {
                    // Rows are short and their reads random: ask for the reads of a row
                    // `AHEAD` rows on while this one is summed.
                    if first + i + AHEAD < end {
                        for &j in outside.row(first + i + AHEAD).0 {
                            done.prefetch(j);
                        }
                    }
                    let (cols, vals) = outside.row(first + i);
                    *x = row(*x, a, cols, vals, &done);
                }
            };
            if le - ls >= PARALLEL_ROWS {
                cur.par_chunks_mut(CHUNK)
                    .zip(aux_cur.par_chunks_mut(CHUNK))
                    .enumerate()
                    .for_each(|(i, (chunk, extra))| rows(ls + i * CHUNK, chunk, extra));
            } else {
                rows(ls, cur, aux_cur);
            }
            let (bs, be) = level.blocks;
            if bs == be {
                continue;
            }
            // Disjoint slices of the level's components, solved in parallel; the first error
            // in plan order is the one reported.
            type Job<'a, T, A> = (usize, &'a mut [T], &'a mut [A]);
            let mut jobs: Vec<Job<'_, T, A>> = Vec::with_capacity(be - bs);
            let (mut rest, mut rest_aux): (&mut [T], &mut [A]) = (cur, aux_cur);
            let mut base = ls;
            for &slot in &self.blocks[bs..be] {
                let (s, e) = self.range(slot as usize);
                let (_, tail) = std::mem::take(&mut rest).split_at_mut(s - base);
                let (mine, tail) = tail.split_at_mut(e - s);
                let (_, tail_aux) = std::mem::take(&mut rest_aux).split_at_mut(s - base);
                let (mine_aux, tail_aux) = tail_aux.split_at_mut(e - s);
                jobs.push((slot as usize, mine, mine_aux));
                (rest, rest_aux) = (tail, tail_aux);
                base = e;
            }
            let solo = jobs.len() == 1 && jobs[0].1.len() > DENSE_LIMIT;
            let results: Vec<Result<()>> = if solo && overlap.is_some() {
                let (slot, v, a) = jobs.pop().expect("one job");
                let side = overlap.take().expect("checked");
                let (result, value) =
                    rayon::join(|| block(slot, v, a), || side(done.values, aux_done));
                overlapped = Some((ls, value));
                vec![result]
            } else if jobs.len() == 1 {
                jobs.into_iter()
                    .map(|(slot, v, a)| block(slot, v, a))
                    .collect()
            } else {
                jobs.into_par_iter()
                    .with_max_len(1)
                    .map(|(slot, v, a)| block(slot, v, a))
                    .collect()
            };
            results.into_iter().collect::<Result<Vec<()>>>()?;
        }
        Ok(overlapped)
    }

    /// Solves component `slot` locally: `rhs` is its input with everything outside the
    /// component already added; returns its values.
    pub(crate) fn solve_block(
        &self,
        dir: Direction,
        slot: usize,
        rhs: &[f64],
        interrupt: Interrupt,
    ) -> Result<Vec<f64>> {
        // An infinite input (an upper bound that diverged upstream, an unknown amount) reaches
        // every member of the component: its entries are positive and it is strongly connected.
        if rhs.iter().any(|r| r.is_infinite()) {
            return Ok(vec![f64::INFINITY; rhs.len()]);
        }
        if self.divergent[slot] {
            if rhs.iter().all(|&r| r == 0.0) {
                return Ok(rhs.to_vec()); // nothing flows into it: its values stay 0
            }
            if self.upper {
                return Ok(vec![f64::INFINITY; rhs.len()]);
            }
            return Err(self.closed_error(slot));
        }
        let whole = [0, rhs.len() as u32];
        let block = Block {
            inside: &self.side(dir, interrupt)?.inside,
            s: self.start[slot],
            reverse: dir == Direction::Holders,
            levels: self.sweep_levels(slot).unwrap_or(&whole),
        };
        if rhs.len() <= DENSE_LIMIT {
            Ok(block.dense(rhs))
        } else {
            block.gauss_seidel(rhs, interrupt)
        }
    }

    /// Solves `x = M x + b` (M = W or Wᵀ by `dir`), `b` and `x` by node. Fails with
    /// `ClosedCycle` when a closed component receives a non-zero input (its walk sum
    /// diverges), and with `Convergence` when a large component's iterative solve does not
    /// reach its tolerance.
    pub fn solve(&self, dir: Direction, b: &[f64], interrupt: Interrupt) -> Result<Vec<f64>> {
        let n = self.order.len();
        if b.len() != n {
            return Err(Error::InvalidArgument(format!(
                "right-hand side has {} entries for {n} nodes",
                b.len()
            )));
        }
        let mut xp = self.to_plan(b);
        self.solve_in_plan_order(dir, &mut xp, interrupt)?;
        Ok(self.from_plan(&xp))
    }

    /// `solve` in place, the right-hand side and the solution in plan order.
    pub fn solve_in_plan_order(
        &self,
        dir: Direction,
        xp: &mut [f64],
        interrupt: Interrupt,
    ) -> Result<()> {
        let mut none = vec![(); xp.len()];
        let no_overlap: Option<NoOverlap<f64, ()>> = None;
        self.run_levels(
            dir,
            xp,
            &mut none,
            |x, _, cols, vals, done| {
                let mut acc = x;
                for (&j, &w) in cols.iter().zip(vals) {
                    acc += w * done.get(j);
                }
                acc
            },
            |slot, values, _| {
                let solution = self.solve_block(dir, slot, values, interrupt)?;
                values.copy_from_slice(&solution);
                Ok(())
            },
            no_overlap,
            interrupt,
        )
        .map(|_| ())
    }

    /// `solve` for a right-hand side that is zero but at a few `seeds` (node, value): only the
    /// components reachable from the seeds are touched, so the cost is that of the reach, not
    /// of the graph. Returns the non-zero values by node, in node order.
    pub fn solve_sparse(
        &self,
        dir: Direction,
        seeds: &[(u32, f64)],
        interrupt: Interrupt,
    ) -> Result<Vec<(u32, f64)>> {
        use std::collections::{HashMap, HashSet};
        let side = self.side(dir, interrupt)?;
        let spread = match dir {
            Direction::Holdings => self.side(Direction::Holders, interrupt)?,
            Direction::Holders => &self.holdings,
        };
        let mut b: HashMap<usize, f64> = HashMap::new();
        for &(v, value) in seeds {
            let k =
                *self.pos.get(v as usize).ok_or_else(|| {
                    Error::InvalidArgument(format!("node {v} is not in the graph"))
                })? as usize;
            *b.entry(k).or_insert(0.0) += value;
        }
        // Everything that depends on a seed: reachable along `spread`, leaving components
        // and inside them.
        let mut seen: HashSet<usize> = b.keys().copied().collect();
        let mut queue: Vec<usize> = seen.iter().copied().collect();
        let mut tick = interrupt.ticker(1 << 16);
        while let Some(k) = queue.pop() {
            tick.tick()?;
            let base = self.start[self.slot_of[k] as usize];
            let out = spread.outside.row(k).0.iter().map(|&j| j as usize);
            let inside = spread.inside.row(k).0.iter().map(|&j| base + j as usize);
            for j in out.chain(inside) {
                if seen.insert(j) {
                    queue.push(j);
                }
            }
        }
        let nonzero = |xp: Vec<(usize, f64)>| {
            let mut out: Vec<(u32, f64)> = xp
                .into_iter()
                .filter(|&(_, v)| v != 0.0)
                .map(|(k, v)| (self.order[k], v))
                .collect();
            out.sort_unstable_by_key(|&(v, _)| v);
            out
        };
        if seen.len() > self.order.len() / 8 {
            // A large reach: the full pass over every level is cheaper than hashing.
            let mut xp = vec![0.0f64; self.order.len()];
            for (&k, &v) in &b {
                xp[k] = v;
            }
            self.solve_in_plan_order(dir, &mut xp, interrupt)?;
            return Ok(nonzero(xp.into_iter().enumerate().collect()));
        }
        let mut slots: Vec<u32> = seen.iter().map(|&k| self.slot_of[k]).collect();
        slots.sort_unstable();
        slots.dedup();
        if dir == Direction::Holders {
            slots.reverse();
        }
        let mut xp: HashMap<usize, f64> = HashMap::with_capacity(seen.len());
        let at = |m: &HashMap<usize, f64>, k: usize| m.get(&k).copied().unwrap_or(0.0);
        let mut tick = interrupt.ticker(4096);
        for &slot in &slots {
            tick.tick()?;
            let slot = slot as usize;
            let (s, e) = self.range(slot);
            let rhs: Vec<f64> = (s..e)
                .map(|k| {
                    let (cols, vals) = side.outside.row(k);
                    at(&b, k)
                        + cols
                            .iter()
                            .zip(vals)
                            .map(|(&j, &w)| w * at(&xp, j as usize))
                            .sum::<f64>()
                })
                .collect();
            let solution = if self.simple[slot] {
                rhs
            } else {
                self.solve_block(dir, slot, &rhs, interrupt)?
            };
            for (k, v) in (s..e).zip(solution) {
                if v != 0.0 {
                    xp.insert(k, v);
                }
            }
        }
        Ok(nonzero(xp.into_iter().collect()))
    }
}
