//! One start node's search: the backward BFS that bounds its region, then the depth-first
//! search with Johnson's blocking or Gupta–Suzumura's locks (see the module doc of `cycles`).

use std::sync::atomic::{AtomicUsize, Ordering};

use super::api::Cycle;
use crate::error::Result;
use crate::graph::{Graph, InEdge};
use crate::interrupt::{Interrupt, Ticker};
use crate::kind::{Kind, KindMask};

/// Poll the interrupt flag every this many search steps (a power of two).
const POLL_EVERY: usize = 1 << 12;

/// The node slots the searches of one batch may still fill, shared by them.
pub(super) struct Budget {
    pub(super) held: AtomicUsize,
    pub(super) left: usize,
}

impl Budget {
    /// Counts a cycle of `len` nodes; false once the batch holds more than it may.
    pub(super) fn take(&self, len: usize) -> bool {
        self.held
            .fetch_add(len, Ordering::Relaxed)
            .saturating_add(len)
            <= self.left
    }

    pub(super) fn used(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }
}

/// One start's cycles, and whether the node budget stopped its search.
pub(super) struct Found {
    pub(super) cycles: Vec<Cycle>,
    pub(super) over_budget: bool,
}

/// The read-only part of a search, shared by all start nodes.
pub(super) struct Search<'a> {
    pub(super) g: &'a Graph,
    pub(super) comp: &'a [u32],
    pub(super) pos: &'a [u32],
    pub(super) kinds: KindMask,
    pub(super) min_weight: Option<f64>,
    pub(super) min_amount: Option<f64>,
    /// `usize::MAX` when unbounded.
    pub(super) max_length: usize,
    pub(super) interrupt: Interrupt<'a>,
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
pub(super) struct Scratch {
    epoch: u32,
    st: NodeState,
    queue: Vec<u32>,
    frames: Vec<Frame>,
    relax: Vec<(u32, u32)>,
}

impl Scratch {
    pub(super) fn new(len: usize) -> Scratch {
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
    pub(super) fn allows(&self, p: usize) -> bool {
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

    /// The cycles whose smallest node is `s`, in `edges` order, at most `cap` of them; the
    /// search stops early when `budget` runs out.
    pub(super) fn run(
        &self,
        scr: &mut Scratch,
        s: u32,
        cap: usize,
        budget: &Budget,
    ) -> Result<Found> {
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
        let mut tick = self.interrupt.ticker(POLL_EVERY);

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
                tick.tick()?;
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
            tick.tick()?;
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
                self.relax(st, relax, region, done.node, done.bl, &mut tick)?;
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
        tick: &mut Ticker<'_>,
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
                tick.tick()?;
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
