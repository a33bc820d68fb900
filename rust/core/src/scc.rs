//! Strongly connected components (iterative Tarjan, no recursion-depth limit).
//!
//! Components are numbered in Tarjan's emission order, which is sinks first: every edge
//! leaving a component points to a component with a smaller number. Solvers of
//! `x = W x + b` (x depending on out-neighbours) can therefore finish components in
//! increasing number.

use crate::error::Result;
use crate::graph::{Graph, Kind};
use crate::interrupt::Interrupt;

/// The edge kinds a traversal follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindMask(u8);

impl KindMask {
    pub const ALL: KindMask = KindMask(0b111);
    pub const EQUITY: KindMask = KindMask(1 << Kind::Equity as u8);

    pub fn of(kinds: &[Kind]) -> KindMask {
        KindMask(kinds.iter().fold(0, |m, &k| m | (1 << k as u8)))
    }

    pub fn contains(self, kind: Kind) -> bool {
        self.0 & (1 << kind as u8) != 0
    }
}

/// A partition of the nodes into strongly connected components.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Components {
    /// Component number of each node.
    pub component: Vec<u32>,
    offsets: Vec<usize>,
    members: Vec<u32>,
}

impl Components {
    pub fn count(&self) -> usize {
        self.offsets.len() - 1
    }

    /// The nodes of component `c`, in the order Tarjan popped them.
    pub fn members(&self, c: usize) -> &[u32] {
        &self.members[self.offsets[c]..self.offsets[c + 1]]
    }

    pub fn size(&self, c: usize) -> usize {
        self.offsets[c + 1] - self.offsets[c]
    }
}

const UNSEEN: u32 = u32::MAX;

/// Tarjan's per-node state and its explicit DFS call stack of (node, next out-edge).
struct Tarjan {
    index: Vec<u32>,
    low: Vec<u32>,
    on_stack: Vec<bool>,
    stack: Vec<u32>,
    calls: Vec<(u32, usize)>,
    next: u32,
}

impl Tarjan {
    /// Numbers a newly found node and opens its frame.
    fn discover(&mut self, g: &Graph, w: u32) {
        self.index[w as usize] = self.next;
        self.low[w as usize] = self.next;
        self.next += 1;
        self.stack.push(w);
        self.on_stack[w as usize] = true;
        self.calls.push((w, g.out_range(w).start));
    }
}

/// Strongly connected components of the graph restricted to the edges of `kinds`.
pub fn strongly_connected_components(
    g: &Graph,
    kinds: KindMask,
    interrupt: Interrupt,
) -> Result<Components> {
    let n = g.num_nodes();
    let mut t = Tarjan {
        index: vec![UNSEEN; n],
        low: vec![0u32; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        calls: Vec::new(),
        next: 0,
    };
    let mut component = vec![0u32; n];
    let mut offsets = vec![0usize];
    let mut members = Vec::with_capacity(n);
    let mut steps = 0usize;

    for root in 0..n as u32 {
        if t.index[root as usize] != UNSEEN {
            continue;
        }
        t.discover(g, root);
        while let Some(&mut (v, ref mut p)) = t.calls.last_mut() {
            steps += 1;
            if steps % (1 << 16) == 0 {
                interrupt.check()?;
            }
            let end = g.out_range(v).end;
            if *p < end {
                let e = g.edge(*p);
                *p += 1;
                if !kinds.contains(e.kind) {
                    continue;
                }
                let w = e.target;
                if t.index[w as usize] == UNSEEN {
                    t.discover(g, w);
                } else if t.on_stack[w as usize] {
                    t.low[v as usize] = t.low[v as usize].min(t.index[w as usize]);
                }
                continue;
            }
            t.calls.pop();
            if t.low[v as usize] == t.index[v as usize] {
                let c = (offsets.len() - 1) as u32;
                loop {
                    let w = t.stack.pop().expect("v is on the stack");
                    t.on_stack[w as usize] = false;
                    component[w as usize] = c;
                    members.push(w);
                    if w == v {
                        break;
                    }
                }
                offsets.push(members.len());
            }
            if let Some(&(u, _)) = t.calls.last() {
                t.low[u as usize] = t.low[u as usize].min(t.low[v as usize]);
            }
        }
    }
    Ok(Components {
        component,
        offsets,
        members,
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
        assert!(KindMask::of(&[Kind::Credit]).contains(Kind::Credit));
        assert!(!KindMask::of(&[Kind::Credit]).contains(Kind::Equity));
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
