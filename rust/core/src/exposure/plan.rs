//! The solve plan of the equity matrix W (`W[i, j]` = share of j held by i), built once per
//! graph and reused across right-hand sides.
//!
//! Every exposure quantity solves `x = M x + b` with M = W ("Holdings": a node's value depends
//! on what it holds) or M = Wᵀ ("Holders": on who holds it). The plan condenses the equity
//! graph into strongly connected components and lays the nodes out in *levels*: a component's
//! level is one more than the highest level of the components it holds (0 if it holds none).
//! Components of one level never depend on each other, so a Holdings solve finishes the levels
//! in increasing order (a Holders solve in decreasing order), each level's rows in parallel.
//! Every level, and every component, is a contiguous range of plan positions. The entries of
//! each row are split in two CSRs: those leaving the row's component (read from finished
//! levels) and those inside it (local indices, read by the component's own solve).

use std::sync::OnceLock;

use rayon::prelude::*;

use crate::buffer::Buffer;
use crate::csr::Csr;
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::interrupt::Interrupt;
use crate::kind::Kind;
use crate::kind::KindMask;
use crate::prefetch::prefetch;
use crate::scc::strongly_connected_components;

use super::sweep_order::sweep_layout;

/// Components up to this size are solved by dense LU, larger ones iteratively.
pub const DENSE_LIMIT: usize = 256;
/// A component is closed when every member is held inside it at least this much.
const CLOSED: f64 = 1.0 - 1e-12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `x_i = Σ_j W[i, j] x_j + b_i`: value flows up from holdings to holders.
    Holdings,
    /// `x_j = Σ_i W[i, j] x_i + b_j`: value flows down from holders to holdings.
    Holders,
}

/// One direction's entries: those leaving each row's component (plan positions) and those
/// inside it (positions relative to the component's first position).
pub(crate) struct Side {
    pub(crate) outside: Csr,
    pub(crate) inside: Csr,
}

/// A level: its rows and its components that need a local solve (indices into `blocks`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Level {
    pub(crate) rows: (usize, usize),
    pub(crate) blocks: (usize, usize),
}

pub struct Plan {
    /// Plan position → node, and node → plan position.
    pub(crate) order: Buffer<u32>,
    pub(crate) pos: Buffer<u32>,
    /// Plan component ("slot", in plan order) of each position, and each slot's first
    /// position (`start[slot]..start[slot + 1]`).
    pub(crate) slot_of: Buffer<u32>,
    pub(crate) start: Buffer<usize>,
    /// Slot is one node without a treasury self-loop: nothing to solve locally.
    pub(crate) simple: Buffer<bool>,
    /// Slot is a closed cycle: every member 100% held inside it.
    pub(crate) closed: Buffer<bool>,
    /// A plan of upper bounds (see `Plan::upper`): a component whose walk sum diverges gives
    /// +inf instead of an error.
    pub(crate) upper: bool,
    /// Slot's walk sum diverges (spectral radius of its block ≥ 1, or not shown below 1):
    /// closed components, and in an upper plan the blocks whose capped shares do not decay.
    pub(crate) divergent: Buffer<bool>,
    pub(crate) levels: Vec<Level>,
    /// The slots that need a local solve, in plan order.
    pub(crate) blocks: Buffer<u32>,
    pub(crate) holdings: Side,
    /// The transpose of `holdings`, built on the first Holders solve: a plan used only for
    /// look-through (Holdings) never holds it (at 10M nodes it is 0.6 GB).
    pub(crate) holders: OnceLock<Side>,
    /// The sweep levels of each large component (`sweep_order`), by slot.
    pub(crate) sweeps: Vec<(u32, Vec<u32>)>,
}

impl Plan {
    pub fn new(g: &Graph, interrupt: Interrupt) -> Result<Plan> {
        Plan::build(g, false, interrupt)
    }

    /// The plan of a graph of upper bounds, whose issuers may be held more than 100% (the
    /// capped maximums of interval stakes): the walk sum of a component whose block has
    /// spectral radius ≥ 1 diverges, and a solve gives +inf there (and wherever it flows)
    /// rather than an error. Each component that could diverge (some column of its block
    /// sums above 1) is tested once, here (`crate::spectral`).
    pub fn upper(g: &Graph, interrupt: Interrupt) -> Result<Plan> {
        Plan::build(g, true, interrupt)
    }

    fn build(g: &Graph, upper: bool, interrupt: Interrupt) -> Result<Plan> {
        let comps = strongly_connected_components(g, KindMask::EQUITY, interrupt)?;
        let n = g.num_nodes();
        let count = comps.count();
        let comp = &comps.component;
        // Tarjan numbers components sinks first: what a component holds is numbered lower.
        let mut level = vec![0u32; count];
        let flat = comps.all_members();
        let mut at = 0;
        let mut tick = interrupt.ticker(1 << 16);
        for c in 0..count {
            let mut l = 0u32;
            for &v in comps.members(c) {
                // Members are visited in a known order: prefetch, a few members ahead, the
                // chain of random reads each one needs (offsets, edges, components, levels).
                prefetch_ahead(g, flat, at, comp, &level);
                at += 1;
                for e in g.out_edges(v) {
                    let d = comp[e.target as usize] as usize;
                    if e.kind == Kind::Equity && d != c {
                        l = l.max(level[d] + 1);
                    }
                }
            }
            level[c] = l;
            tick.tick()?;
        }
        let num_levels = level.iter().max().map_or(0, |&l| l as usize + 1);
        // Slots: components by level, a counting sort.
        let mut first = vec![0usize; num_levels + 1];
        for &l in &level {
            first[l as usize + 1] += 1;
        }
        for l in 0..num_levels {
            first[l + 1] += first[l];
        }
        // Within a level, components by their smallest node: nodes whose ids are close (often
        // alike in the data: hubs, issuers of one batch) stay close in memory.
        let mut slot_comp = vec![0u32; count];
        let mut fill = first.clone();
        let mut placed = vec![false; count];
        for &c in comp {
            let c = c as usize;
            if !std::mem::replace(&mut placed[c], true) {
                let l = level[c] as usize;
                slot_comp[fill[l]] = c as u32;
                fill[l] += 1;
            }
        }
        let mut order = Vec::with_capacity(n);
        let mut start = Vec::with_capacity(count + 1);
        let mut local = vec![0u32; n];
        let mut sweeps = Vec::new();
        for (slot, &c) in slot_comp.iter().enumerate() {
            start.push(order.len());
            let members = comps.members(c as usize);
            if members.len() > DENSE_LIMIT {
                let layout = sweep_layout(g, comp, c, members, &mut local);
                order.extend_from_slice(&layout.order);
                sweeps.push((slot as u32, layout.bounds));
                interrupt.check()?;
            } else {
                order.extend_from_slice(members);
            }
        }
        start.push(order.len());
        // The components and the scratch are laid out: free them before the CSRs are built.
        drop((local, slot_comp, placed, fill, level, comps));
        let mut pos = vec![0u32; n];
        for (k, &v) in order.iter().enumerate() {
            pos[v as usize] = k as u32;
        }
        let mut slot_of = vec![0u32; n];
        for slot in 0..count {
            slot_of[start[slot]..start[slot + 1]].fill(slot as u32);
        }
        interrupt.check()?;
        let slot_by_node: Vec<u32> = pos.par_iter().map(|&k| slot_of[k as usize]).collect();
        let layout = Layout {
            order: &order,
            pos: &pos,
            slot_by_node: &slot_by_node,
            slot_of: &slot_of,
            start: &start,
        };
        let holdings = layout.holdings(g);
        drop(slot_by_node);
        interrupt.check()?;
        let simple: Vec<bool> = (0..count)
            .map(|slot| {
                start[slot + 1] - start[slot] == 1 && holdings.inside.row(start[slot]).0.is_empty()
            })
            .collect();
        let closed = closed_slots(&holdings.inside, &start, &simple);
        let holders = OnceLock::new();
        let divergent = if upper {
            let transposed = transpose(&holdings, &start, &slot_of, interrupt)?;
            let divergent = super::spectral::divergent_blocks(
                &holdings,
                &transposed,
                &start,
                &simple,
                &closed,
                interrupt,
            )?;
            let _ = holders.set(transposed);
            divergent
        } else {
            closed.clone()
        };
        let mut blocks = Vec::new();
        let mut levels = Vec::with_capacity(num_levels);
        for l in 0..num_levels {
            let b = blocks.len();
            blocks.extend(
                (first[l]..first[l + 1])
                    .filter(|&s| !simple[s])
                    .map(|s| s as u32),
            );
            levels.push(Level {
                rows: (start[first[l]], start[first[l + 1]]),
                blocks: (b, blocks.len()),
            });
        }
        Ok(Plan {
            order: order.into(),
            pos: pos.into(),
            slot_of: slot_of.into(),
            start: start.into(),
            simple: simple.into(),
            closed: closed.into(),
            upper,
            divergent: divergent.into(),
            levels,
            blocks: blocks.into(),
            holdings,
            holders,
            sweeps,
        })
    }

    /// The number of equity components (slots).
    pub fn num_components(&self) -> usize {
        self.simple.len()
    }

    pub fn num_levels(&self) -> usize {
        self.levels.len()
    }

    /// One direction's entries; the Holders side is built on first use.
    pub(crate) fn side(&self, dir: Direction, interrupt: Interrupt) -> Result<&Side> {
        match dir {
            Direction::Holdings => Ok(&self.holdings),
            Direction::Holders => {
                if let Some(side) = self.holders.get() {
                    return Ok(side);
                }
                let side = transpose(&self.holdings, &self.start, &self.slot_of, interrupt)?;
                // Another thread may have built it first: the same arrays.
                Ok(self.holders.get_or_init(|| side))
            }
        }
    }

    /// Builds what is built on first use (the Holders side), e.g. before saving the plan.
    pub fn build_all(&self, interrupt: Interrupt) -> Result<()> {
        self.side(Direction::Holders, interrupt).map(|_| ())
    }

    /// The sweep level boundaries of a large component (`sweep_order`), relative to its first
    /// row; None for a component of at most `DENSE_LIMIT` rows.
    pub(crate) fn sweep_levels(&self, slot: usize) -> Option<&[u32]> {
        let i = self
            .sweeps
            .binary_search_by_key(&(slot as u32), |s| s.0)
            .ok()?;
        Some(&self.sweeps[i].1)
    }

    pub(crate) fn range(&self, slot: usize) -> (usize, usize) {
        (self.start[slot], self.start[slot + 1])
    }

    /// Whether this is a plan of upper bounds (`Plan::upper`).
    pub fn is_upper(&self) -> bool {
        self.upper
    }

    /// The components whose walk sum diverges: for each, its size and first members (at most
    /// ten, in node order), in plan order. Empty on a plan that is not `upper` unless a
    /// component is closed.
    pub fn divergent_components(&self) -> Vec<(usize, Vec<u32>)> {
        (0..self.divergent.len())
            .filter(|&slot| self.divergent[slot])
            .map(|slot| self.first_members(slot))
            .collect()
    }

    /// `Err(ClosedCycle)` for the first closed component, if any.
    pub fn check_no_closed_cycle(&self) -> Result<()> {
        match self.closed.iter().position(|&c| c) {
            Some(slot) => Err(self.closed_error(slot)),
            None => Ok(()),
        }
    }

    pub(crate) fn closed_error(&self, slot: usize) -> Error {
        let (size, members) = self.first_members(slot);
        Error::ClosedCycle { members, size }
    }

    /// A component's size and first members (at most ten, in node order).
    fn first_members(&self, slot: usize) -> (usize, Vec<u32>) {
        let (s, e) = self.range(slot);
        let mut first: Vec<u32> = self.order[s..e].to_vec();
        first.sort_unstable();
        first.truncate(10);
        (e - s, first)
    }

    /// `v` (by node) in plan order.
    pub fn to_plan(&self, v: &[f64]) -> Vec<f64> {
        let mut out = Vec::with_capacity(v.len());
        gather(&self.order, v, |&x| x).collect_into_vec(&mut out);
        out
    }

    /// `vp` (in plan order) by node.
    pub fn from_plan(&self, vp: &[f64]) -> Vec<f64> {
        let mut out = Vec::with_capacity(vp.len());
        gather(&self.pos, vp, |&x| x).collect_into_vec(&mut out);
        out
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

/// `f(src[i])` for every index i of `idx`, in parallel and in order, each read prefetched a
/// few items ahead: the reads are random, and overlapping their misses is most of the speed.
pub(crate) fn gather<'a, S: Sync, T: Send>(
    idx: &'a [u32],
    src: &'a [S],
    f: impl Fn(&S) -> T + Sync + Send + 'a,
) -> impl IndexedParallelIterator<Item = T> + 'a {
    const AHEAD: usize = 16;
    idx.par_iter().enumerate().map(move |(i, &k)| {
        if let Some(&next) = idx.get(i + AHEAD) {
            prefetch(src, next as usize);
        }
        f(&src[k as usize])
    })
}

/// Where every node went, to build the split CSRs.
struct Layout<'a> {
    order: &'a [u32],
    pos: &'a [u32],
    /// Slot of each node (by node) and of each position.
    slot_by_node: &'a [u32],
    slot_of: &'a [u32],
    start: &'a [usize],
}

impl Layout<'_> {
    /// The holdings CSRs, rows in plan order, built in parallel row blocks (the same arrays
    /// for any thread count).
    fn holdings(&self, g: &Graph) -> Side {
        const ROWS: usize = 1 << 14;
        let parts: Vec<(Csr, Csr)> = self
            .order
            .par_chunks(ROWS)
            .enumerate()
            .map(|(chunk, nodes)| {
                // (offsets, columns, values) of each side.
                let mut outside = (vec![0usize], Vec::new(), Vec::new());
                let mut inside = (vec![0usize], Vec::new(), Vec::new());
                for (i, &v) in nodes.iter().enumerate() {
                    let k = chunk * ROWS + i;
                    let slot = self.slot_of[k];
                    let s = self.start[slot as usize];
                    g.prefetch_ahead(nodes, i);
                    if let Some(&a) = nodes.get(i + 4) {
                        for e in g.out_edges(a) {
                            prefetch(self.pos, e.target as usize);
                            prefetch(self.slot_by_node, e.target as usize);
                        }
                    }
                    let equity = g.out_edges(v).iter().filter(|e| e.kind == Kind::Equity);
                    for (u, share) in equity.map(|e| (e.target, e.share)) {
                        let j = self.pos[u as usize];
                        if self.slot_by_node[u as usize] == slot {
                            inside.1.push(j - s as u32);
                            inside.2.push(share);
                        } else {
                            outside.1.push(j);
                            outside.2.push(share);
                        }
                    }
                    outside.0.push(outside.1.len());
                    inside.0.push(inside.1.len());
                }
                let csr = |(o, c, v)| Csr::new(o, c, v);
                (csr(outside), csr(inside))
            })
            .collect();
        let (outside, inside): (Vec<_>, Vec<_>) = parts.into_iter().unzip();
        Side {
            outside: Csr::concat(outside),
            inside: Csr::concat(inside),
        }
    }
}

/// The other direction's CSRs: entry (row k, column j) becomes (row j, column k), inside
/// entries staying inside with local columns; each row's entries by increasing column.
fn transpose(side: &Side, start: &[usize], slot_of: &[u32], interrupt: Interrupt) -> Result<Side> {
    let n = slot_of.len();
    // Inside entries never leave their component: row k's local column a is the row
    // start(k) + a, where start(k) is the first position of k's component.
    let base = |k: usize| start[slot_of[k] as usize];
    let (outside, inside) = rayon::join(
        || {
            side.outside
                .transpose_with(n, |k, j| (j as usize, k as u32), interrupt)
        },
        || {
            side.inside.transpose_with(
                n,
                |k, a| (base(k) + a as usize, (k - base(k)) as u32),
                interrupt,
            )
        },
    );
    Ok(Side {
        outside: outside?,
        inside: inside?,
    })
}

/// Closed slots: every member held at least `CLOSED` from inside its component (the column
/// sums of the inside block, added in row order as the transpose's rows would add them).
fn closed_slots(inside: &Csr, start: &[usize], simple: &[bool]) -> Vec<bool> {
    (0..simple.len())
        .into_par_iter()
        .map(|slot| {
            if simple[slot] {
                return false;
            }
            let (s, e) = (start[slot], start[slot + 1]);
            let mut held = vec![0.0f64; e - s];
            for k in s..e {
                let (cols, vals) = inside.row(k);
                for (&a, &w) in cols.iter().zip(vals) {
                    held[a as usize] += w;
                }
            }
            held.iter().all(|&h| h >= CLOSED)
        })
        .collect()
}

/// Prefetches for the level pass: offsets of member `at + 16`, out-edges of `at + 8`, the
/// components of `at + 4`'s targets and the levels of `at + 2`'s.
fn prefetch_ahead(g: &Graph, flat: &[u32], at: usize, comp: &[u32], level: &[u32]) {
    g.prefetch_ahead(flat, at);
    if let Some(&a) = flat.get(at + 4) {
        for e in g.out_edges(a) {
            prefetch(comp, e.target as usize);
        }
    }
    if let Some(&a) = flat.get(at + 2) {
        for e in g.out_edges(a) {
            prefetch(level, comp[e.target as usize] as usize);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::testing::equity;
    use crate::rng::Rng;

    fn plan_row(csr: &Csr, k: usize) -> impl Iterator<Item = (usize, u64)> + '_ {
        let (cols, vals) = csr.row(k);
        cols.iter()
            .zip(vals)
            .map(|(&j, &w)| (j as usize, w.to_bits()))
    }

    /// Random equity graphs with cycles of every size, treasury self-holdings included.
    fn random_graph(seed: u64, n: u32) -> Graph {
        let mut rng = Rng::stream(seed, 0, 0);
        let mut edges = Vec::new();
        for j in 0..n {
            let holders = rng.below(4);
            let mut room = 0.9;
            for _ in 0..holders {
                let i = rng.below(n as u64) as u32;
                if edges.iter().any(|&(a, b, _)| (a, b) == (i, j)) {
                    continue;
                }
                let share = room * rng.open01() * 0.5;
                room -= share;
                edges.push((i, j, share));
            }
        }
        // `equity` refuses nothing: treasury loops come from i == j above.
        equity(n as usize, &edges)
    }

    #[test]
    fn levels_order_every_dependency_and_sides_are_transposes() {
        let (mut cycles, mut deep) = (0, 0);
        for seed in 0..40 {
            let g = random_graph(seed, 300 + 40 * seed as u32);
            let plan = Plan::new(&g, Interrupt::never()).unwrap();
            let n = g.num_nodes();
            let level_of: Vec<usize> = {
                let mut l = vec![0; n];
                for (i, lv) in plan.levels.iter().enumerate() {
                    l[lv.rows.0..lv.rows.1].fill(i);
                }
                l
            };
            // (holder position, issuer position, share bits) of every entry of one side.
            let entries = |side: &Side, holder_row: bool| {
                let mut out = Vec::new();
                for k in 0..n {
                    let s = plan.range(plan.slot_of[k] as usize).0;
                    let outside = plan_row(&side.outside, k);
                    let inside = plan_row(&side.inside, k).map(|(a, w)| (s + a, w));
                    for (j, w) in outside.chain(inside) {
                        out.push(if holder_row { (k, j, w) } else { (j, k, w) });
                    }
                }
                out
            };
            let mut forward = entries(&plan.holdings, true);
            for (k, j, _) in &forward {
                let (s, e) = plan.range(plan.slot_of[*k] as usize);
                // What a row holds outside its component is on a lower level.
                assert!(
                    (s..e).contains(j) || level_of[*j] < level_of[*k],
                    "seed {seed}"
                );
                assert_eq!(plan.pos[plan.order[*k] as usize] as usize, *k);
            }
            // Every equity edge of the graph is in the plan, once.
            let edges = g
                .csr()
                .edges
                .iter()
                .filter(|e| e.kind == Kind::Equity)
                .count();
            assert_eq!(forward.len(), edges, "seed {seed}");
            let mut backward = entries(
                plan.side(Direction::Holders, Interrupt::never()).unwrap(),
                false,
            );
            forward.sort_unstable();
            backward.sort_unstable();
            assert_eq!(forward, backward, "seed {seed}");
            cycles += plan.blocks.len();
            deep = deep.max(plan.num_levels());
        }
        // The graphs had cycles and chains for the checks to bite on.
        assert!(cycles > 40 && deep > 5, "{cycles} cycles, {deep} levels");
    }
}
