//! Strongly connected components (iterative Tarjan, no recursion-depth limit).
//!
//! Components are numbered in Tarjan's emission order, which is sinks first: every edge
//! leaving a component points to a component with a smaller number. Solvers of
//! `x = W x + b` (x depending on out-neighbours) can therefore finish components in
//! increasing number.

use rayon::prelude::*;

use crate::buffer::Buffer;
use crate::error::Result;
use crate::graph::Graph;
use crate::interrupt::Interrupt;
use crate::kind::KindMask;

/// A partition of the nodes into strongly connected components.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Components {
    /// Component number of each node.
    pub component: Buffer<u32>,
    pub(crate) offsets: Buffer<usize>,
    pub(crate) members: Buffer<u32>,
}

impl Components {
    pub fn count(&self) -> usize {
        self.offsets.len() - 1
    }

    /// The nodes of component `c`, in the order Tarjan popped them.
    pub fn members(&self, c: usize) -> &[u32] {
        &self.members[self.offsets[c]..self.offsets[c + 1]]
    }

    /// The members of every component, component 0 first.
    pub fn all_members(&self) -> &[u32] {
        &self.members
    }

    pub fn size(&self, c: usize) -> usize {
        self.offsets[c + 1] - self.offsets[c]
    }
}

const UNSEEN: u32 = u32::MAX;

/// Tarjan's state of one node, packed so that one cache line serves each visit.
#[derive(Clone, Copy)]
struct NodeState {
    index: u32,
    low: u32,
    on_stack: bool,
}

/// Tarjan's per-node state and its explicit DFS call stack of (node, next out-edge).
struct Tarjan {
    state: Vec<NodeState>,
    stack: Vec<u32>,
    calls: Vec<(u32, usize)>,
    next: u32,
}

impl Tarjan {
    /// Numbers a newly found node and opens its frame.
    fn discover(&mut self, g: &Graph, w: u32) {
        self.state[w as usize] = NodeState {
            index: self.next,
            low: self.next,
            on_stack: true,
        };
        self.next += 1;
        self.stack.push(w);
        self.calls.push((w, g.out_range(w).start));
    }
}

/// A set of nodes as bits: n/8 bytes, so it stays in cache where per-node state does not.
struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Bits {
        Bits(vec![0; n.div_ceil(64)])
    }
    fn insert(&mut self, v: u32) {
        self.0[v as usize / 64] |= 1 << (v % 64);
    }
    fn contains(&self, v: u32) -> bool {
        self.0[v as usize / 64] >> (v % 64) & 1 != 0
    }
}

/// The nodes that no cycle goes through, peeled off before the search: first sinks, repeatedly
/// (nodes all of whose out-edges lead to peeled sinks), then sources among the rest. In
/// investor graphs that is most nodes (pure investors, pure issuers, chains into them), and
/// peeling touches memory at random independently per edge, so the CPU overlaps the misses
/// that the depth-first search would take one after another.
struct Peeled {
    /// Sinks in peel order: each one's successors were peeled before it.
    sinks: Vec<u32>,
    /// Sources in peel order: each one's predecessors were peeled before it.
    sources: Vec<u32>,
    all: Bits,
}

fn peel(g: &Graph, kinds: KindMask, interrupt: Interrupt) -> Result<Peeled> {
    let n = g.num_nodes();
    let mut all = Bits::new(n);
    let mut out_left: Vec<u32> = (0..n as u32)
        .into_par_iter()
        .with_min_len(1 << 14)
        .map(|v| {
            let out = g.out_edges(v);
            if kinds == KindMask::ALL {
                out.len() as u32
            } else {
                out.iter().filter(|e| kinds.contains(e.kind)).count() as u32
            }
        })
        .collect();
    let mut sinks: Vec<u32> = (0..n as u32)
        .filter(|&v| out_left[v as usize] == 0)
        .collect();
    let mut next = 0;
    let mut tick = interrupt.ticker(1 << 16);
    while next < sinks.len() {
        tick.tick()?;
        let v = sinks[next];
        next += 1;
        all.insert(v);
        for ie in g.in_edges(v) {
            if kinds == KindMask::ALL || kinds.contains(g.edge(ie.edge as usize).kind) {
                let left = &mut out_left[ie.source as usize];
                *left -= 1;
                if *left == 0 {
                    sinks.push(ie.source);
                }
            }
        }
    }
    drop(out_left);
    // In-degrees among the nodes left.
    let mut in_left = vec![0u32; n];
    for u in 0..n as u32 {
        if all.contains(u) {
            continue;
        }
        for e in g.out_edges(u) {
            if kinds.contains(e.kind) && !all.contains(e.target) {
                in_left[e.target as usize] += 1;
            }
        }
    }
    interrupt.check()?;
    let mut sources: Vec<u32> = (0..n as u32)
        .filter(|&v| !all.contains(v) && in_left[v as usize] == 0)
        .collect();
    let mut next = 0;
    let mut tick = interrupt.ticker(1 << 16);
    while next < sources.len() {
        tick.tick()?;
        let v = sources[next];
        next += 1;
        all.insert(v);
        for e in g.out_edges(v) {
            if kinds.contains(e.kind) && !all.contains(e.target) {
                let left = &mut in_left[e.target as usize];
                *left -= 1;
                if *left == 0 {
                    sources.push(e.target);
                }
            }
        }
    }
    Ok(Peeled {
        sinks,
        sources,
        all,
    })
}

/// Strongly connected components of the graph restricted to the edges of `kinds`.
pub fn strongly_connected_components(
    g: &Graph,
    kinds: KindMask,
    interrupt: Interrupt,
) -> Result<Components> {
    let n = g.num_nodes();
    let peeled = peel(g, kinds, interrupt)?;
    let mut component = vec![0u32; n];
    let mut offsets = vec![0usize];
    let mut members = Vec::with_capacity(n);
    let single =
        |component: &mut [u32], members: &mut Vec<u32>, offsets: &mut Vec<usize>, v: u32| {
            component[v as usize] = (offsets.len() - 1) as u32;
            members.push(v);
            offsets.push(members.len());
        };
    // Peeled sinks take the smallest numbers, peeled sources the largest (in reverse peel
    // order), the searched rest those between: every edge still points to a smaller number.
    for &v in &peeled.sinks {
        single(&mut component, &mut members, &mut offsets, v);
    }
    let mut t = Tarjan {
        state: vec![
            NodeState {
                index: UNSEEN,
                low: 0,
                on_stack: false,
            };
            n
        ],
        stack: Vec::new(),
        calls: Vec::new(),
        next: 0,
    };
    let mut tick = interrupt.ticker(1 << 16);
    for root in 0..n as u32 {
        if peeled.all.contains(root) || t.state[root as usize].index != UNSEEN {
            continue;
        }
        t.discover(g, root);
        while let Some(&mut (v, ref mut p)) = t.calls.last_mut() {
            tick.tick()?;
            let end = g.out_range(v).end;
            if *p < end {
                let e = g.edge(*p);
                *p += 1;
                let w = e.target;
                // Peeled nodes are finished, and lie on no cycle.
                if !kinds.contains(e.kind) || peeled.all.contains(w) {
                    continue;
                }
                let sw = t.state[w as usize];
                if sw.index == UNSEEN {
                    t.discover(g, w);
                } else if sw.on_stack {
                    let sv = &mut t.state[v as usize];
                    sv.low = sv.low.min(sw.index);
                }
                continue;
            }
            t.calls.pop();
            let sv = t.state[v as usize];
            if sv.low == sv.index {
                loop {
                    let w = t.stack.pop().expect("v is on the stack");
                    t.state[w as usize].on_stack = false;
                    component[w as usize] = (offsets.len() - 1) as u32;
                    members.push(w);
                    if w == v {
                        break;
                    }
                }
                offsets.push(members.len());
            }
            if let Some(&(u, _)) = t.calls.last() {
                let su = &mut t.state[u as usize];
                su.low = su.low.min(sv.low);
            }
        }
    }
    for &v in peeled.sources.iter().rev() {
        single(&mut component, &mut members, &mut offsets, v);
    }
    Ok(Components {
        component: component.into(),
        offsets: offsets.into(),
        members: members.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(n: usize, edges: &[(u32, u32, u8)]) -> Graph {
        let rows: Vec<_> = edges
            .iter()
            .map(|&(u, v, k)| (u, v, k, if k == 0 { 0.1 } else { f64::NAN }, f64::NAN))
            .collect();
        crate::graph::testing::build(n, &rows).unwrap()
    }

    #[test]
    fn components_come_sinks_first() {
        // 0 → 1 ↔ 2 → 3, and 4 alone.
        let g = graph(5, &[(0, 1, 0), (1, 2, 0), (2, 1, 0), (2, 3, 0)]);
        let c = strongly_connected_components(&g, KindMask::ALL, Interrupt::never()).unwrap();
        assert_eq!(c.count(), 4);
        assert_eq!(c.component[1], c.component[2]);
        assert_eq!(c.size(c.component[1] as usize), 2);
        // Every edge goes from a higher component number to a lower (or the same) one.
        for (u, v) in [(0, 1), (1, 2), (2, 1), (2, 3)] {
            assert!(c.component[u] >= c.component[v]);
        }
    }

    #[test]
    fn kind_mask_filters_edges() {
        // The cycle closes only through a commitment edge.
        let g = graph(2, &[(0, 1, 0), (1, 0, 2)]);
        let all = strongly_connected_components(&g, KindMask::ALL, Interrupt::never()).unwrap();
        assert_eq!(all.count(), 1);
        let eq = strongly_connected_components(&g, KindMask::EQUITY, Interrupt::never()).unwrap();
        assert_eq!(eq.count(), 2);
    }

    #[test]
    fn a_long_chain_needs_no_recursion() {
        let n = 300_000u32;
        let edges: Vec<(u32, u32, u8)> = (0..n - 1)
            .map(|i| (i, i + 1, 1))
            .chain([(n - 1, 0, 1)])
            .collect();
        let g = graph(n as usize, &edges);
        let c = strongly_connected_components(&g, KindMask::ALL, Interrupt::never()).unwrap();
        assert_eq!(c.count(), 1);
        assert_eq!(c.members(0).len(), n as usize);
    }
}
