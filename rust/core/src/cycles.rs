//! Simple cycles of the money-flow graph (money flows source → target on every edge).
//!
//! Parallel edges of different kinds are distinct edges, so one node sequence can give several
//! cycles (networkx `MultiDiGraph` semantics). Every cycle is found once, from its smallest
//! node `s`, by a search over the nodes `> s` of `s`'s strongly connected component that can
//! reach `s` (a backward BFS, which also gives each node's hop distance back to `s`).
//!
//! * Unbounded: Johnson's algorithm (blocked nodes, unblocked through the B lists).
//! * `max_length`: Gupta & Suzumura's bounded search (2021), as networkx's
//!   `simple_cycles(length_bound=...)`: a node that failed at some depth stays locked against
//!   deeper positions, and is relaxed when a short enough way back to `s` turns up.
//!
//! Both are one loop over an explicit stack (cycles can be as long as the graph). Edge filters
//! that do not depend on the path (kinds, `min_amount`, a share below `min_weight`) are applied
//! to the graph; the path-dependent `min_weight` prune is not a structural failure, so a branch
//! it cuts counts as "found" for the blocking logic (conservative: it may search more, never
//! less). Start nodes run in parallel; cycles come out sorted by their `edges` (edge positions,
//! lexicographically) for any thread count: starts are concatenated in order, and each start's
//! depth-first search tries a node's out-edges in position, i.e. (target, kind), order.
//!
//! Memory is bounded by `max_nodes`, the node slots the cycles found may hold in all (cycles
//! can average thousands of nodes, so counting cycles bounds nothing): the searches of a
//! batch share one counter and stop when it passes the budget; the output is then cut to
//! the longest prefix within it, the same prefix for any thread count.

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::graph::{Graph, InEdge, Kind};
use crate::interrupt::Interrupt;
use crate::scc::{strongly_connected_components, KindMask};

/// Poll the interrupt flag every this many search steps (a power of two).
const POLL_EVERY: usize = 1 << 12;
/// Upper bound on start nodes searched in one parallel batch.
const MAX_BATCH: usize = 1 << 14;

/// What to enumerate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CycleOptions {
    /// Longest cycle (in edges = nodes) to report; `None` for no bound.
    pub max_length: Option<usize>,
    /// Smallest product of shares; only all-equity cycles qualify when set.
    pub min_weight: Option<f64>,
    /// Smallest amount on every edge; edges of unknown amount fail it.
    pub min_amount: Option<f64>,
    /// The edge kinds followed.
    pub kinds: KindMask,
    /// At most this many cycles are returned.
    pub limit: usize,
    /// At most this many nodes, summed over the cycles returned (the memory they hold).
    pub max_nodes: usize,
}

impl Default for CycleOptions {
    fn default() -> Self {
        CycleOptions {
            max_length: None,
            min_weight: None,
            min_amount: None,
            kinds: KindMask::ALL,
            limit: usize::MAX,
            max_nodes: usize::MAX,
        }
    }
}

/// One simple cycle.
#[derive(Debug, Clone, PartialEq)]
pub struct Cycle {
    /// Distinct nodes in edge order, starting at the smallest.
    pub nodes: Vec<u32>,
    /// Forward edge positions: `edges[i]` goes `nodes[i]` → `nodes[(i + 1) % len]`.
    pub edges: Vec<usize>,
    /// Product of the shares, when every edge is equity.
    pub weight: Option<f64>,
    /// Smallest amount; `None` when any amount on the cycle is unknown.
    pub bottleneck: Option<f64>,
}

impl Cycle {
    /// The cycle through `nodes` along `edges` (`edges[i]` leaves `nodes[i]`), with its
    /// weight and bottleneck.
    pub fn new(g: &Graph, nodes: Vec<u32>, edges: Vec<usize>) -> Cycle {
        let equity = edges.iter().all(|&q| g.edge(q).kind == Kind::Equity);
        // Multiplied in edge order, as the search's prefix weights, so `min_weight` compares
        // the reported bits.
        let weight = equity.then(|| edges.iter().fold(1.0, |w, &q| w * g.edge(q).share));
        let amounts = edges.iter().map(|&q| g.amount(q));
        let bottleneck = amounts
            .clone()
            .all(|a| !a.is_nan())
            .then(|| amounts.fold(f64::INFINITY, f64::min));
        Cycle {
            nodes,
            edges,
            weight,
            bottleneck,
        }
    }
}

/// The cycles found, sorted by `edges` (lexicographically): smallest start node first, then
/// (target, kind) at each step.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleSet {
    pub cycles: Vec<Cycle>,
    /// More cycles match than `limit` or fit in `max_nodes`; `cycles` holds the first ones.
    pub truncated: bool,
    /// `max_nodes` (not `limit`) cut the cycles short.
    pub over_budget: bool,
}

/// Enumerates the simple cycles matching `opts`, sorted by `edges`.
pub fn simple_cycles(g: &Graph, opts: &CycleOptions, interrupt: Interrupt) -> Result<CycleSet> {
    check_options(opts)?;
    // With `min_weight` only equity edges can be on a qualifying cycle.
    let kinds: Vec<Kind> = Kind::ALL
        .into_iter()
        .filter(|&k| opts.kinds.contains(k) && (opts.min_weight.is_none() || k == Kind::Equity))
        .collect();
    let kinds = KindMask::of(&kinds);
    let comps = strongly_connected_components(g, kinds, interrupt)?;
    let n = g.num_nodes();
    // Position of each node inside its component: per-thread scratch is indexed by it, so it
    // is sized by the largest component searched, not by the graph.
    let mut pos = vec![0u32; n];
    for c in 0..comps.count() {
        for (i, &v) in comps.members(c).iter().enumerate() {
            pos[v as usize] = i as u32;
        }
    }
    let search = Search {
        g,
        comp: &comps.component,
        pos: &pos,
        kinds,
        min_weight: opts.min_weight,
        min_amount: opts.min_amount,
        max_length: opts.max_length.unwrap_or(usize::MAX),
        interrupt,
    };
    let size = |v: u32| comps.size(comps.component[v as usize] as usize);
    let starts: Vec<u32> = (0..n as u32)
        .filter(|&v| {
            size(v) > 1
                || g.out_range(v)
                    .any(|p| g.edge(p).target == v && search.allows(p))
        })
        .collect();
    let scratch_len = starts.iter().map(|&v| size(v)).max().unwrap_or(0);

    // Start nodes in order, in parallel batches: the output is the batches' results
    // concatenated, and a batch only runs while at most `limit` cycles are known. Every start
    // of a batch may find up to `limit` + 1 cycles that a truncation then drops, so batches
    // start at one node and double only while they find few cycles compared with what is
    // left: a small `limit` wastes little, an unlimited search runs in few batches.
    let mut cycles: Vec<Cycle> = Vec::new();
    let mut nodes_held = 0usize;
    let (mut truncated, mut over_budget) = (false, false);
    let mut next = 0;
    let mut batch = 1;
    while next < starts.len() {
        interrupt.check()?;
        let end = (next + batch).min(starts.len());
        // One cycle past the limit tells whether the result is truncated.
        let cap = (opts.limit - cycles.len()).saturating_add(1);
        let budget = Budget {
            held: AtomicUsize::new(0),
            left: opts.max_nodes - nodes_held,
        };
        let found = starts[next..end]
            .par_iter()
            .map_init(
                || Scratch::new(scratch_len),
                |scratch, &s| search.run(scratch, s, cap, &budget),
            )
            .collect::<Result<Vec<Found>>>()?;
        let mut produced = 0usize;
        let mut redo = None;
        for (i, f) in found.into_iter().enumerate() {
            if f.over_budget && end - next > 1 {
                // Which start the shared budget stopped depends on timing: redo it alone,
                // so the cut falls at the same cycle for any thread count.
                redo = Some(next + i);
                break;
            }
            produced += f.cycles.len();
            nodes_held += f.cycles.iter().map(|c| c.nodes.len()).sum::<usize>();
            cycles.extend(f.cycles);
            // Alone, its cycles are the longest prefix within the budget: the next overflows.
            over_budget |= f.over_budget;
        }
        // When both bounds cut at the same cycle, the limit is the one reported.
        if cycles.len() > opts.limit || (over_budget && cycles.len() == opts.limit) {
            cycles.truncate(opts.limit);
            (truncated, over_budget) = (true, false);
        }
        if truncated || over_budget {
            truncated = true;
            break;
        }
        if let Some(start) = redo {
            (next, batch) = (start, 1);
            continue;
        }
        let left = opts.limit - cycles.len();
        let nodes_left = opts.max_nodes - nodes_held;
        let few =
            produced.saturating_mul(4) <= left && budget.used().saturating_mul(4) <= nodes_left;
        batch = if few {
            (batch * 2).min(MAX_BATCH)
        } else {
            (batch / 2).max(1)
        };
        next = end;
    }
    Ok(CycleSet {
        cycles,
        truncated,
        over_budget,
    })
}

/// The node slots the searches of one batch may still fill, shared by them.
struct Budget {
    held: AtomicUsize,
    left: usize,
}

impl Budget {
    /// Counts a cycle of `len` nodes; false once the batch holds more than it may.
    fn take(&self, len: usize) -> bool {
        self.held
            .fetch_add(len, Ordering::Relaxed)
            .saturating_add(len)
            <= self.left
    }

    fn used(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }
}

/// One start's cycles, and whether the node budget stopped its search.
struct Found {
    cycles: Vec<Cycle>,
    over_budget: bool,
}

fn check_options(opts: &CycleOptions) -> Result<()> {
    let bad = |msg: String| Err(Error::InvalidArgument(msg));
    if opts.limit == 0 {
        return bad("limit must be at least 1".into());
    }
    if opts.max_nodes == 0 {
        return bad("max_nodes must be at least 1".into());
    }
    if opts.max_length == Some(0) {
        return bad("max_length must be at least 1".into());
    }
    for (name, value) in [
        ("min_weight", opts.min_weight),
        ("min_amount", opts.min_amount),
    ] {
        if let Some(x) = value {
            if !(x.is_finite() && x >= 0.0) {
                return bad(format!("{name} must be finite and non-negative, got {x}"));
            }
        }
    }
    Ok(())
}

/// The read-only part of a search, shared by all start nodes.
struct Search<'a> {
    g: &'a Graph,
    comp: &'a [u32],
    pos: &'a [u32],
    kinds: KindMask,
    min_weight: Option<f64>,
    min_amount: Option<f64>,
    /// `usize::MAX` when unbounded.
    max_length: usize,
    interrupt: Interrupt<'a>,
}

/// One node on the search path.
struct Frame {
    node: u32,
    /// Next out-edge position to try, and the end of the node's out-edges.
    next: usize,
    end: usize,
    /// The edge that entered this node (unused for the start).
    via: usize,
    /// Product of shares from the start to this node, in path order.
    weight: f64,
    /// Gupta–Suzumura's `blen`: a lower bound on the hops back to the start found below this
    /// node; `big` (see `run`) when nothing was found, i.e. the node failed.
    bl: u32,
}

const ON_PATH: u8 = 1;
/// The node failed at least once: it waits in the B lists of all its out-neighbours. Those
/// lists are never cleared within one start, so B[u] is exactly u's registered in-neighbours
/// and needs no storage.
const REGISTERED: u8 = 2;

/// Per-node state of one start's search.
struct NodeState {
    /// `epoch` marks the nodes of the current start's search region.
    mark: Vec<u32>,
    /// Hops from the node back to the start within the region.
    dist: Vec<u32>,
    /// The node may be entered from a path of fewer than `lock` nodes.
    lock: Vec<u32>,
    flags: Vec<u8>,
}

/// Per-thread working memory; node arrays are indexed by position within the component.
struct Scratch {
    epoch: u32,
    st: NodeState,
    queue: Vec<u32>,
    frames: Vec<Frame>,
    relax: Vec<(u32, u32)>,
}

impl Scratch {
    fn new(len: usize) -> Scratch {
        Scratch {
            epoch: 0,
            st: NodeState {
                mark: vec![0; len],
                dist: vec![0; len],
                lock: vec![0; len],
                flags: vec![0; len],
            },
            queue: Vec::new(),
            frames: Vec::new(),
            relax: Vec::new(),
        }
    }
}

/// What identifies one start's search.
#[derive(Clone, Copy)]
struct Region {
    s: u32,
    comp: u32,
    epoch: u32,
    bounded: bool,
    /// The length bound, or `u32::MAX` when unbounded: `bl == big` means "nothing found".
    big: u32,
}

impl Search<'_> {
    /// The path-independent edge filter.
    fn allows(&self, p: usize) -> bool {
        let e = self.g.edge(p);
        self.kinds.contains(e.kind)
            && self
                .min_weight
                .is_none_or(|w| e.kind == Kind::Equity && e.share >= w)
            && self.min_amount.is_none_or(|a| self.g.amount(p) >= a)
    }

    fn at(&self, v: u32) -> usize {
        self.pos[v as usize] as usize
    }

    /// `u`'s in-edges from nodes `> s` (in-edges are sorted by source).
    fn in_edges_above(&self, u: u32, s: u32) -> &[InEdge] {
        let ins = self.g.in_edges(u);
        &ins[ins.partition_point(|ie| ie.source <= s)..]
    }

    fn poll(&self, steps: &mut usize) -> Result<()> {
        *steps += 1;
        if *steps % POLL_EVERY == 0 {
            self.interrupt.check()?;
        }
        Ok(())
    }

    /// The cycles whose smallest node is `s`, in `edges` order, at most `cap` of them; the
    /// search stops early when `budget` runs out.
    fn run(&self, scr: &mut Scratch, s: u32, cap: usize, budget: &Budget) -> Result<Found> {
        let g = self.g;
        let Scratch {
            epoch,
            st,
            queue,
            frames,
            relax,
        } = scr;
        // Stamps replace clearing the arrays between starts.
        *epoch += 1;
        let cs = self.comp[s as usize];
        let mut steps = 0usize;

        // The region: nodes > s of s's component that reach s through nodes > s (within
        // `max_length - 1` hops). Every other node is on no cycle whose smallest node is s.
        queue.clear();
        queue.push(s);
        st.mark[self.at(s)] = *epoch;
        st.dist[self.at(s)] = 0;
        let mut head = 0;
        while head < queue.len() {
            let v = queue[head];
            head += 1;
            let d = st.dist[self.at(v)];
            if d as usize + 1 >= self.max_length {
                continue;
            }
            for ie in self.in_edges_above(v, s) {
                self.poll(&mut steps)?;
                let u = ie.source;
                if self.comp[u as usize] != cs
                    || st.mark[self.at(u)] == *epoch
                    || !self.allows(ie.edge as usize)
                {
                    continue;
                }
                st.mark[self.at(u)] = *epoch;
                st.dist[self.at(u)] = d + 1;
                queue.push(u);
            }
        }
        // When the region is no larger than the bound, no simple path can exceed it: Johnson.
        let bounded = self.max_length < queue.len();
        let big = if bounded {
            self.max_length as u32
        } else {
            u32::MAX
        };
        let region = Region {
            s,
            comp: cs,
            epoch: *epoch,
            bounded,
            big,
        };
        for &v in queue.iter() {
            st.lock[self.at(v)] = big;
            st.flags[self.at(v)] = 0;
        }

        let mut cycles = Vec::new();
        let mut over_budget = false;
        st.lock[self.at(s)] = 0;
        st.flags[self.at(s)] = ON_PATH;
        frames.clear();
        frames.push(Frame {
            node: s,
            next: g.out_range(s).start,
            end: g.out_range(s).end,
            via: usize::MAX,
            weight: 1.0,
            bl: big,
        });
        loop {
            self.poll(&mut steps)?;
            let len = frames.len() as u32;
            let top = frames.last_mut().expect("the start stays on the path");
            if top.next < top.end {
                let p = top.next;
                top.next += 1;
                let e = g.edge(p);
                let w = e.target;
                if !self.inside(st, region, w) || !self.allows(p) {
                    continue;
                }
                let weight = top.weight * e.share;
                let light = self.min_weight.is_some_and(|mw| weight < mw);
                if w == s {
                    top.bl = 1;
                    if !light {
                        if !budget.take(frames.len()) {
                            over_budget = true;
                            break;
                        }
                        cycles.push(self.cycle(frames, p));
                        if cycles.len() >= cap {
                            break;
                        }
                    }
                    continue;
                }
                let (dw, lw) = (st.dist[self.at(w)], st.lock[self.at(w)]);
                // Too far from s, or locked: structural failures, which the locks account for.
                if (bounded && len + dw > big) || len >= lw {
                    continue;
                }
                if light {
                    // A heavier prefix might pass here: not a failure (see the module doc).
                    top.bl = top.bl.min(1 + dw);
                    continue;
                }
                st.lock[self.at(w)] = if bounded { len + 1 } else { 0 };
                st.flags[self.at(w)] = ON_PATH;
                let range = g.out_range(w);
                frames.push(Frame {
                    node: w,
                    next: range.start,
                    end: range.end,
                    via: p,
                    weight,
                    bl: big,
                });
                continue;
            }
            let done = frames
                .pop()
                .expect("the loop stops when the start is popped");
            st.flags[self.at(done.node)] &= !ON_PATH;
            let Some(parent) = frames.last_mut() else {
                break;
            };
            // As networkx: the parent inherits the child's bound, not bound + 1 (conservative).
            parent.bl = parent.bl.min(done.bl);
            if done.bl < big {
                self.relax(st, relax, region, done.node, done.bl, &mut steps)?;
            } else {
                st.flags[self.at(done.node)] |= REGISTERED;
            }
        }
        Ok(Found {
            cycles,
            over_budget,
        })
    }

    fn inside(&self, st: &NodeState, region: Region, w: u32) -> bool {
        self.comp[w as usize] == region.comp && st.mark[self.at(w)] == region.epoch
    }

    /// Unlocks `v`, found `bl` hops from the start, and transitively the failed nodes that
    /// wait on it (Johnson's unblock; Gupta–Suzumura's relax when bounded).
    fn relax(
        &self,
        st: &mut NodeState,
        stack: &mut Vec<(u32, u32)>,
        region: Region,
        v: u32,
        bl: u32,
        steps: &mut usize,
    ) -> Result<()> {
        stack.clear();
        stack.push((bl, v));
        while let Some((b, u)) = stack.pop() {
            let unlock = if region.bounded {
                (region.big + 1).saturating_sub(b)
            } else {
                u32::MAX
            };
            if st.lock[self.at(u)] >= unlock {
                continue;
            }
            st.lock[self.at(u)] = unlock;
            for ie in self.in_edges_above(u, region.s) {
                self.poll(steps)?;
                let x = ie.source;
                // Failed, off the path, and waiting on u through an edge the search follows.
                if self.inside(st, region, x)
                    && st.flags[self.at(x)] == REGISTERED
                    && self.allows(ie.edge as usize)
                {
                    stack.push((b.saturating_add(1), x));
                }
            }
        }
        Ok(())
    }

    /// The cycle made by the path and the closing edge `p`.
    fn cycle(&self, frames: &[Frame], p: usize) -> Cycle {
        let nodes: Vec<u32> = frames.iter().map(|f| f.node).collect();
        let edges: Vec<usize> = frames[1..].iter().map(|f| f.via).chain([p]).collect();
        Cycle::new(self.g, nodes, edges)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::graph::testing::{CM, CR, EQ, NAN};

    /// Edges as (source, target, kind, share, amount).
    fn build(n: usize, edges: &[(u32, u32, u8, f64, f64)]) -> Graph {
        crate::graph::testing::build(n, edges).expect("valid test graph")
    }

    fn cycles(g: &Graph, opts: &CycleOptions) -> CycleSet {
        simple_cycles(g, opts, Interrupt::never()).unwrap()
    }

    fn all(g: &Graph) -> Vec<Cycle> {
        cycles(g, &CycleOptions::default()).cycles
    }

    /// The position of edge u → v of `kind`.
    fn at(g: &Graph, u: u32, v: u32, kind: u8) -> usize {
        g.out_range(u)
            .find(|&p| g.edge(p).target == v && g.edge(p).kind as u8 == kind)
            .unwrap()
    }

    fn node_lists(cs: &[Cycle]) -> Vec<Vec<u32>> {
        cs.iter().map(|c| c.nodes.clone()).collect()
    }

    #[test]
    fn a_three_cycle() {
        let g = build(
            4,
            &[
                (1, 2, CR, NAN, 3.0),
                (2, 0, CM, NAN, 7.0),
                (0, 1, CR, NAN, 5.0),
                (2, 3, CR, NAN, 1.0),
            ],
        );
        let cs = all(&g);
        assert_eq!(
            cs,
            vec![Cycle {
                nodes: vec![0, 1, 2],
                edges: vec![at(&g, 0, 1, CR), at(&g, 1, 2, CR), at(&g, 2, 0, CM)],
                weight: None,
                bottleneck: Some(3.0),
            }]
        );
    }

    #[test]
    fn two_cycles_sharing_a_node() {
        // 0 ⇄ 1 ⇄ 2: the cycles meet at 1; there is no 3-cycle.
        let g = build(
            3,
            &[
                (0, 1, CR, NAN, 1.0),
                (1, 0, CR, NAN, 1.0),
                (1, 2, CR, NAN, 1.0),
                (2, 1, CR, NAN, 1.0),
            ],
        );
        assert_eq!(node_lists(&all(&g)), vec![vec![0, 1], vec![1, 2]]);
    }

    #[test]
    fn a_self_loop_on_a_commitment_edge() {
        let g = build(3, &[(0, 1, CR, NAN, 1.0), (2, 2, CM, NAN, 9.0)]);
        let cs = all(&g);
        assert_eq!(
            cs,
            vec![Cycle {
                nodes: vec![2],
                edges: vec![at(&g, 2, 2, CM)],
                weight: None,
                bottleneck: Some(9.0),
            }]
        );
        // A treasury share (equity self-loop) has a weight.
        let g = build(1, &[(0, 0, EQ, 0.1, NAN)]);
        assert_eq!(all(&g)[0].weight, Some(0.1));
        assert_eq!(all(&g)[0].bottleneck, None);
    }

    #[test]
    fn parallel_edges_of_two_kinds_are_two_cycles() {
        let g = build(
            2,
            &[
                (0, 1, CR, NAN, 4.0),
                (0, 1, EQ, 0.5, 10.0),
                (1, 0, EQ, 0.4, 6.0),
            ],
        );
        let back = at(&g, 1, 0, EQ);
        assert_eq!(
            all(&g),
            vec![
                Cycle {
                    nodes: vec![0, 1],
                    edges: vec![at(&g, 0, 1, EQ), back],
                    weight: Some(0.5 * 0.4),
                    bottleneck: Some(6.0),
                },
                Cycle {
                    nodes: vec![0, 1],
                    edges: vec![at(&g, 0, 1, CR), back],
                    weight: None,
                    bottleneck: Some(4.0),
                },
            ]
        );
    }

    #[test]
    fn weight_is_the_product_and_bottleneck_the_smallest_known_amount() {
        let g = build(
            5,
            &[
                (0, 1, EQ, 0.5, 8.0),
                (1, 2, EQ, 0.25, 2.0),
                (2, 0, EQ, 0.8, 5.0),
                (3, 4, EQ, 0.5, 1.0),
                (4, 3, CR, NAN, NAN),
            ],
        );
        let cs = all(&g);
        assert_eq!(cs.len(), 2);
        assert_eq!(cs[0].weight, Some(0.5 * 0.25 * 0.8));
        assert_eq!(cs[0].bottleneck, Some(2.0));
        assert_eq!(cs[1].nodes, vec![3, 4]);
        assert_eq!(cs[1].weight, None);
        assert_eq!(cs[1].bottleneck, None);
    }

    /// A 2-, a 3- and a 4-cycle through node 0, and a self-loop.
    fn nested() -> Graph {
        build(
            5,
            &[
                (0, 1, CR, NAN, 1.0),
                (1, 0, CR, NAN, 1.0),
                (1, 2, CR, NAN, 1.0),
                (2, 0, CR, NAN, 1.0),
                (2, 3, CR, NAN, 1.0),
                (3, 0, CR, NAN, 1.0),
                (4, 4, CR, NAN, 1.0),
            ],
        )
    }

    #[test]
    fn max_length_filters() {
        let g = nested();
        let with = |max_length| {
            let opts = CycleOptions {
                max_length,
                ..CycleOptions::default()
            };
            node_lists(&cycles(&g, &opts).cycles)
        };
        let full = vec![vec![0, 1], vec![0, 1, 2], vec![0, 1, 2, 3], vec![4]];
        assert_eq!(with(None), full);
        assert_eq!(with(Some(4)), full);
        assert_eq!(
            with(Some(3)),
            full[..2]
                .iter()
                .chain(&full[3..])
                .cloned()
                .collect::<Vec<_>>()
        );
        assert_eq!(with(Some(2)), vec![vec![0, 1], vec![4]]);
        assert_eq!(with(Some(1)), vec![vec![4]]);
    }

    #[test]
    fn min_weight_and_min_amount_prune() {
        let g = build(
            6,
            &[
                (0, 1, EQ, 0.5, 100.0),
                (1, 0, EQ, 0.5, 100.0),
                (2, 3, EQ, 0.9, 5.0),
                (3, 2, EQ, 0.9, NAN),
                (4, 5, CR, NAN, 50.0),
                (5, 4, CM, NAN, 20.0),
            ],
        );
        let run = |min_weight, min_amount| {
            let opts = CycleOptions {
                min_weight,
                min_amount,
                ..CycleOptions::default()
            };
            node_lists(&cycles(&g, &opts).cycles)
        };
        assert_eq!(run(None, None), vec![vec![0, 1], vec![2, 3], vec![4, 5]]);
        // Only all-equity cycles have a weight.
        assert_eq!(run(Some(0.0), None), vec![vec![0, 1], vec![2, 3]]);
        assert_eq!(run(Some(0.3), None), vec![vec![2, 3]]);
        assert_eq!(run(Some(0.25), None), vec![vec![0, 1], vec![2, 3]]);
        assert_eq!(run(Some(0.9), None), Vec::<Vec<u32>>::new());
        // An unknown amount fails any minimum.
        assert_eq!(run(None, Some(0.0)), vec![vec![0, 1], vec![4, 5]]);
        assert_eq!(run(None, Some(20.0)), vec![vec![0, 1], vec![4, 5]]);
        assert_eq!(run(None, Some(21.0)), vec![vec![0, 1]]);
        assert_eq!(run(Some(0.1), Some(21.0)), vec![vec![0, 1]]);
    }

    #[test]
    fn kinds_select_the_edges_followed() {
        let g = build(
            3,
            &[
                (0, 1, EQ, 0.5, NAN),
                (1, 0, CM, NAN, 1.0),
                (2, 2, CR, NAN, 1.0),
            ],
        );
        let run = |kinds| {
            let opts = CycleOptions {
                kinds,
                ..CycleOptions::default()
            };
            node_lists(&cycles(&g, &opts).cycles)
        };
        assert_eq!(run(KindMask::ALL), vec![vec![0, 1], vec![2]]);
        assert_eq!(run(KindMask::EQUITY), Vec::<Vec<u32>>::new());
        assert_eq!(
            run(KindMask::of(&[Kind::Equity, Kind::Commitment])),
            vec![vec![0, 1]]
        );
    }

    /// Credit edges between every ordered pair of `n` nodes.
    fn complete(n: u32) -> Graph {
        let edges: Vec<_> = (0..n)
            .flat_map(|u| {
                (0..n)
                    .filter(move |&v| v != u)
                    .map(move |v| (u, v, CR, NAN, 1.0))
            })
            .collect();
        build(n as usize, &edges)
    }

    #[test]
    fn limit_returns_the_first_cycles_and_flags_truncation() {
        let g = complete(5);
        let full = all(&g);
        // Σ_k C(5, k) (k - 1)! for k = 2..5.
        assert_eq!(full.len(), 84);
        for (limit, truncated) in [
            (1, true),
            (10, true),
            (83, true),
            (84, false),
            (1000, false),
        ] {
            let opts = CycleOptions {
                limit,
                ..CycleOptions::default()
            };
            let got = cycles(&g, &opts);
            assert_eq!(got.truncated, truncated, "limit {limit}");
            assert_eq!(got.cycles, full[..limit.min(84)], "limit {limit}");
        }
    }

    /// How many of `cycles`, from the first, hold at most `max_nodes` nodes in all.
    fn within(cycles: &[Cycle], max_nodes: usize) -> usize {
        let mut held = 0usize;
        cycles
            .iter()
            .take_while(|c| {
                held = held.saturating_add(c.nodes.len());
                held <= max_nodes
            })
            .count()
    }

    #[test]
    fn max_nodes_bounds_the_nodes_held_and_flags_it() {
        let g = complete(6);
        let full = all(&g);
        let total: usize = full.iter().map(|c| c.nodes.len()).sum();
        for max_nodes in [1, 2, 3, 17, 100, total - 1, total, usize::MAX] {
            for max_length in [None, Some(4)] {
                let opts = CycleOptions {
                    max_nodes,
                    max_length,
                    ..CycleOptions::default()
                };
                let want: Vec<Cycle> = full
                    .iter()
                    .filter(|c| max_length.is_none_or(|l| c.nodes.len() <= l))
                    .cloned()
                    .collect();
                let keep = within(&want, max_nodes);
                let got = cycles(&g, &opts);
                assert_eq!(got.cycles, want[..keep], "max_nodes {max_nodes}");
                assert_eq!(got.truncated, keep < want.len(), "max_nodes {max_nodes}");
                assert_eq!(got.over_budget, got.truncated, "max_nodes {max_nodes}");
                let held: usize = got.cycles.iter().map(|c| c.nodes.len()).sum();
                assert!(held <= max_nodes);
            }
        }
        // The limit cuts first: it is the one reported.
        let opts = CycleOptions {
            limit: 2,
            max_nodes: 100,
            ..CycleOptions::default()
        };
        let got = cycles(&g, &opts);
        assert!(got.truncated && !got.over_budget && got.cycles.len() == 2);
    }

    #[test]
    fn acyclic_and_empty_graphs_have_no_cycles() {
        let dag = build(
            4,
            &[
                (0, 1, CR, NAN, 1.0),
                (0, 2, EQ, 0.5, 1.0),
                (1, 3, CM, NAN, 1.0),
                (2, 3, CR, NAN, 1.0),
            ],
        );
        let none = CycleSet {
            cycles: vec![],
            truncated: false,
            over_budget: false,
        };
        assert_eq!(cycles(&dag, &CycleOptions::default()), none);
        assert_eq!(cycles(&build(0, &[]), &CycleOptions::default()), none);
        assert_eq!(cycles(&build(3, &[]), &CycleOptions::default()), none);
    }

    #[test]
    fn a_cycle_of_100k_nodes_needs_no_recursion() {
        let n = 100_000u32;
        let edges: Vec<_> = (0..n)
            .map(|i| (i, (i + 1) % n, CM, NAN, (n - i) as f64))
            .collect();
        let g = build(n as usize, &edges);
        let start = std::time::Instant::now();
        let cs = all(&g);
        let elapsed = start.elapsed();
        assert_eq!(cs.len(), 1);
        assert_eq!(cs[0].nodes, (0..n).collect::<Vec<_>>());
        assert_eq!(cs[0].edges, (0..n as usize).collect::<Vec<_>>());
        assert_eq!(cs[0].bottleneck, Some(1.0));
        let opts = CycleOptions {
            max_length: Some(99_999),
            ..CycleOptions::default()
        };
        assert!(cycles(&g, &opts).cycles.is_empty());
        eprintln!("100k-node cycle: {elapsed:?}");
    }

    #[test]
    fn bad_options_are_invalid_arguments() {
        let g = complete(3);
        let bad = [
            CycleOptions {
                limit: 0,
                ..CycleOptions::default()
            },
            CycleOptions {
                max_length: Some(0),
                ..CycleOptions::default()
            },
            CycleOptions {
                max_nodes: 0,
                ..CycleOptions::default()
            },
            CycleOptions {
                min_weight: Some(f64::NAN),
                ..CycleOptions::default()
            },
            CycleOptions {
                min_weight: Some(-0.5),
                ..CycleOptions::default()
            },
            CycleOptions {
                min_amount: Some(f64::INFINITY),
                ..CycleOptions::default()
            },
        ];
        for opts in bad {
            let r = simple_cycles(&g, &opts, Interrupt::never());
            assert!(matches!(r, Err(Error::InvalidArgument(_))), "{opts:?}");
        }
    }

    #[test]
    fn a_raised_flag_interrupts() {
        let flag = std::sync::atomic::AtomicBool::new(true);
        let r = simple_cycles(
            &complete(4),
            &CycleOptions::default(),
            Interrupt::new(&flag),
        );
        assert_eq!(r, Err(Error::Interrupted));
    }

    /// SplitMix64: a tiny deterministic generator for the randomized tests.
    struct Prng(u64);

    impl Prng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn below(&mut self, k: usize) -> usize {
            (self.next() % k as u64) as usize
        }

        fn unit(&mut self) -> f64 {
            (self.next() >> 11) as f64 / (1u64 << 53) as f64
        }

        fn pick<T: Copy>(&mut self, items: &[T]) -> T {
            items[self.below(items.len())]
        }
    }

    /// Each (u, v, kind) of `kinds` present with probability `density`; equity shares into a
    /// node sum below 1; a fifth of the amounts unknown.
    fn random_graph(rng: &mut Prng, n: u32, density: f64, kinds: &[u8]) -> Graph {
        let mut edges = Vec::new();
        for u in 0..n {
            for v in 0..n {
                for &kind in kinds {
                    let p = if u == v { density / 4.0 } else { density };
                    if rng.unit() < p {
                        let amount = if rng.below(5) == 0 {
                            NAN
                        } else {
                            (1 + rng.below(100)) as f64
                        };
                        edges.push((u, v, kind, NAN, amount));
                    }
                }
            }
        }
        let mut held = vec![0usize; n as usize];
        for e in edges.iter().filter(|e| e.2 == EQ) {
            held[e.1 as usize] += 1;
        }
        for e in edges.iter_mut().filter(|e| e.2 == EQ) {
            e.3 = (0.3 + 0.7 * rng.unit()) / held[e.1 as usize] as f64;
        }
        build(n as usize, &edges)
    }

    fn random_options(rng: &mut Prng) -> CycleOptions {
        let kinds = [
            KindMask::ALL,
            KindMask::ALL,
            KindMask::EQUITY,
            KindMask::of(&[Kind::Credit, Kind::Commitment]),
            KindMask::of(&[Kind::Equity, Kind::Commitment]),
        ];
        CycleOptions {
            max_length: rng.pick(&[None, None, Some(1), Some(2), Some(3), Some(4), Some(5)]),
            min_weight: rng.pick(&[
                None,
                None,
                None,
                Some(0.0),
                Some(0.01),
                Some(0.05),
                Some(0.2),
            ]),
            min_amount: rng.pick(&[None, None, None, Some(0.0), Some(10.0), Some(40.0)]),
            kinds: rng.pick(&kinds),
            limit: rng.pick(&[usize::MAX, usize::MAX, 1, 3, 10]),
            max_nodes: rng.pick(&[usize::MAX, usize::MAX, usize::MAX, 1, 4, 12, 40]),
        }
    }

    /// Every sequence of distinct nodes starting at its smallest, every choice of edges, then
    /// the options checked on the finished cycle.
    fn brute_force(g: &Graph, opts: &CycleOptions) -> Vec<Cycle> {
        fn extend(
            g: &Graph,
            opts: &CycleOptions,
            path: &mut Vec<u32>,
            edges: &mut Vec<usize>,
            out: &mut Vec<Cycle>,
        ) {
            let (s, u) = (path[0], *path.last().unwrap());
            for p in g.out_range(u) {
                let w = g.edge(p).target;
                edges.push(p);
                if w == s {
                    out.extend(accept(g, opts, path, edges));
                } else if w > s && !path.contains(&w) {
                    path.push(w);
                    extend(g, opts, path, edges, out);
                    path.pop();
                }
                edges.pop();
            }
        }
        fn accept(g: &Graph, opts: &CycleOptions, path: &[u32], edges: &[usize]) -> Option<Cycle> {
            let kinds: Vec<Kind> = edges.iter().map(|&p| g.edge(p).kind).collect();
            let amounts: Vec<f64> = edges.iter().map(|&p| g.amount(p)).collect();
            let equity = kinds.iter().all(|&k| k == Kind::Equity);
            let weight = equity.then(|| edges.iter().fold(1.0, |w, &p| w * g.edge(p).share));
            let ok = path.len() <= opts.max_length.unwrap_or(usize::MAX)
                && kinds.iter().all(|&k| opts.kinds.contains(k))
                && opts
                    .min_weight
                    .is_none_or(|mw| weight.is_some_and(|w| w >= mw))
                && opts
                    .min_amount
                    .is_none_or(|ma| amounts.iter().all(|&a| a >= ma));
            let known = amounts.iter().all(|a| !a.is_nan());
            ok.then(|| Cycle {
                nodes: path.to_vec(),
                edges: edges.to_vec(),
                weight,
                bottleneck: known.then(|| amounts.iter().copied().fold(f64::INFINITY, f64::min)),
            })
        }
        let mut out = Vec::new();
        for s in 0..g.num_nodes() as u32 {
            extend(g, opts, &mut vec![s], &mut Vec::new(), &mut out);
        }
        out.sort_by(|a, b| a.edges.cmp(&b.edges));
        out
    }

    #[test]
    fn matches_brute_force_on_random_small_graphs() {
        let mut rng = Prng(7);
        // Rounds with several cycles, under a length bound, under a weight bound.
        let (mut many, mut bounded, mut weighted) = (0, 0, 0);
        for round in 0..10_000 {
            let n = 2 + rng.below(6) as u32;
            let density = rng.pick(&[0.08, 0.15, 0.25, 0.4]);
            // Equity-only graphs so that `min_weight` often has cycles to cut.
            let kinds = rng.pick(&[&[EQ, CR, CM][..], &[EQ, CR, CM], &[EQ], &[EQ, CM]]);
            let g = random_graph(&mut rng, n, density, kinds);
            let opts = random_options(&mut rng);
            let want = brute_force(
                &g,
                &CycleOptions {
                    limit: usize::MAX,
                    max_nodes: usize::MAX,
                    ..opts
                },
            );
            let got = cycles(&g, &opts);
            let keep = within(&want, opts.max_nodes).min(opts.limit);
            assert_eq!(got.truncated, want.len() > keep, "round {round}: {opts:?}");
            assert_eq!(
                got.over_budget,
                keep < want.len().min(opts.limit),
                "round {round}: {opts:?}"
            );
            assert_eq!(got.cycles, want[..keep], "round {round}: {opts:?}");
            if want.len() >= 5 {
                many += 1;
                bounded += usize::from(opts.max_length.is_some());
            }
            if opts.min_weight.is_some_and(|w| w > 0.0) && !want.is_empty() {
                // The weight bound cut some cycles but not all.
                let looser = CycleOptions {
                    min_weight: Some(0.0),
                    limit: usize::MAX,
                    max_nodes: usize::MAX,
                    ..opts
                };
                weighted += usize::from(brute_force(&g, &looser).len() > want.len());
            }
        }
        eprintln!("{many} rounds with >= 5 cycles, {bounded} bounded, {weighted} weighted");
        assert!(many > 500 && bounded > 300 && weighted > 150);
    }

    #[test]
    fn weight_pruning_matches_brute_force_at_the_boundary() {
        // Equity-only graphs dense in cycles; the bound is the weight of one of the cycles, so
        // the cycles exactly at the bound must be kept and the ones just below cut.
        let mut rng = Prng(13);
        let mut cut = 0;
        for round in 0..3000 {
            let n = 4 + rng.below(4) as u32;
            let density = rng.pick(&[0.25, 0.4, 0.6]);
            let g = random_graph(&mut rng, n, density, &[EQ]);
            let every = brute_force(
                &g,
                &CycleOptions {
                    min_weight: Some(0.0),
                    ..CycleOptions::default()
                },
            );
            if every.is_empty() {
                continue;
            }
            let bound = every[rng.below(every.len())].weight;
            let opts = CycleOptions {
                min_weight: bound,
                max_length: rng.pick(&[None, None, Some(2), Some(3), Some(4)]),
                ..CycleOptions::default()
            };
            let want = brute_force(&g, &opts);
            assert_eq!(cycles(&g, &opts).cycles, want, "round {round}: {opts:?}");
            cut += usize::from(want.len() < every.len());
        }
        assert!(cut > 1500, "only {cut} rounds cut cycles");
    }

    #[test]
    fn same_output_for_any_thread_count() {
        let mut rng = Prng(11);
        let g = random_graph(&mut rng, 300, 0.004, &[EQ, CR, CM]);
        let in_pool = |threads: usize, opts: &CycleOptions| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| cycles(&g, opts))
        };
        let base = CycleOptions::default();
        for opts in [
            CycleOptions {
                max_length: Some(6),
                ..base
            },
            CycleOptions {
                max_length: Some(12),
                limit: 5000,
                ..base
            },
            CycleOptions {
                limit: 3000,
                ..base
            },
            CycleOptions {
                min_weight: Some(0.0),
                ..base
            },
            CycleOptions {
                min_amount: Some(30.0),
                limit: 2000,
                ..base
            },
            CycleOptions {
                max_nodes: 20_000,
                ..base
            },
        ] {
            let one = in_pool(1, &opts);
            let three = in_pool(3, &opts);
            assert!(!one.cycles.is_empty(), "{opts:?}");
            assert!(one.cycles.windows(2).all(|w| w[0].edges < w[1].edges));
            assert_eq!(one, three, "{opts:?}");
        }
    }
}
