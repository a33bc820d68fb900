//! One witness cycle, or proof there is none: a depth-first search that stops at the first
//! back edge. Cheaper than enumerating (`simple_cycles`) or condensing (`scc`) when a cycle exists
//! early; one pass over the edges when the graph is acyclic.

use super::api::Cycle;
use crate::error::Result;
use crate::graph::Graph;
use crate::interrupt::Interrupt;
use crate::kind::KindMask;

const WHITE: u8 = 0;
const ON_PATH: u8 = 1;
const DONE: u8 = 2;

/// A DFS frame: the node, its next out-edge to try, and the edge that entered it.
struct Frame {
    node: u32,
    next: usize,
    via: usize,
}

/// The first cycle met by a depth-first search from nodes 0, 1, ... following out-edges in
/// position order, restricted to `kinds`; `None` when the graph is acyclic. Deterministic.
/// The cycle's nodes are rotated to start at its smallest node, as in `simple_cycles`.
pub fn find_cycle(g: &Graph, kinds: KindMask, interrupt: Interrupt) -> Result<Option<Cycle>> {
    let n = g.num_nodes();
    let mut color = vec![WHITE; n];
    // Depth of each node on the current path, to cut the cycle out of it.
    let mut depth = vec![0u32; n];
    let mut path: Vec<Frame> = Vec::new();
    let mut tick = interrupt.ticker(1 << 16);
    for root in 0..n as u32 {
        if color[root as usize] != WHITE {
            continue;
        }
        color[root as usize] = ON_PATH;
        path.push(Frame {
            node: root,
            next: g.out_range(root).start,
            via: usize::MAX,
        });
        while let Some(top) = path.last_mut() {
            tick.tick()?;
            let v = top.node;
            if top.next == g.out_range(v).end {
                color[v as usize] = DONE;
                path.pop();
                continue;
            }
            let p = top.next;
            top.next += 1;
            let e = g.edge(p);
            if !kinds.contains(e.kind) {
                continue;
            }
            let w = e.target;
            match color[w as usize] {
                WHITE => {
                    color[w as usize] = ON_PATH;
                    depth[w as usize] = path.len() as u32;
                    path.push(Frame {
                        node: w,
                        next: g.out_range(w).start,
                        via: p,
                    });
                }
                ON_PATH => {
                    let on_cycle = &path[depth[w as usize] as usize..];
                    let nodes: Vec<u32> = on_cycle.iter().map(|f| f.node).collect();
                    let edges: Vec<usize> =
                        on_cycle[1..].iter().map(|f| f.via).chain([p]).collect();
                    return Ok(Some(rotated(g, nodes, edges)));
                }
                _ => {}
            }
        }
    }
    Ok(None)
}

/// The same cycle starting at its smallest node.
fn rotated(g: &Graph, mut nodes: Vec<u32>, mut edges: Vec<usize>) -> Cycle {
    let first = (0..nodes.len()).min_by_key(|&i| nodes[i]).unwrap_or(0);
    nodes.rotate_left(first);
    edges.rotate_left(first);
    Cycle::new(g, nodes, edges)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::testing;
    use crate::kind::Kind;

    fn build(n: usize, edges: &[(u32, u32, u8)]) -> Graph {
        let rows: Vec<_> = edges
            .iter()
            .map(|&(u, v, k)| (u, v, k, if k == 0 { 0.5 } else { f64::NAN }, 10.0))
            .collect();
        testing::build(n, &rows).unwrap()
    }

    fn check_is_cycle(g: &Graph, c: &Cycle) {
        assert_eq!(c.nodes.len(), c.edges.len());
        assert_eq!(c.nodes[0], *c.nodes.iter().min().unwrap());
        for (i, &p) in c.edges.iter().enumerate() {
            let u = c.nodes[i];
            assert!(g.out_range(u).contains(&p), "edge {p} leaves {u}");
            assert_eq!(g.edge(p).target, c.nodes[(i + 1) % c.nodes.len()]);
        }
        let mut distinct = c.nodes.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), c.nodes.len(), "simple");
    }

    #[test]
    fn finds_the_cycle_behind_a_tail() {
        // 0 -> 1 -> 2 -> 3 -> 1
        let g = build(4, &[(0, 1, 0), (1, 2, 1), (2, 3, 2), (3, 1, 0)]);
        let c = find_cycle(&g, KindMask::ALL, Interrupt::never())
            .unwrap()
            .unwrap();
        check_is_cycle(&g, &c);
        assert_eq!(c.nodes, vec![1, 2, 3]);
        assert_eq!(c.weight, None);
        assert_eq!(c.bottleneck, Some(10.0));
    }

    #[test]
    fn acyclic_graphs_and_filtered_kinds_give_none() {
        let g = build(4, &[(0, 1, 0), (1, 2, 0), (0, 2, 1), (2, 3, 2), (3, 0, 2)]);
        let equity = KindMask::of(&[Kind::Equity, Kind::Credit]);
        assert!(find_cycle(&g, equity, Interrupt::never())
            .unwrap()
            .is_none());
        let c = find_cycle(&g, KindMask::ALL, Interrupt::never())
            .unwrap()
            .unwrap();
        check_is_cycle(&g, &c);
        assert!(
            find_cycle(&build(0, &[]), KindMask::ALL, Interrupt::never())
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_self_loop_is_a_cycle_of_one() {
        let g = build(2, &[(0, 1, 0), (1, 1, 2)]);
        let c = find_cycle(&g, KindMask::ALL, Interrupt::never())
            .unwrap()
            .unwrap();
        assert_eq!(c.nodes, vec![1]);
        check_is_cycle(&g, &c);
    }

    #[test]
    fn an_equity_cycle_has_its_weight() {
        let g = build(3, &[(0, 1, 0), (1, 2, 0), (2, 0, 0)]);
        let c = find_cycle(&g, KindMask::EQUITY, Interrupt::never())
            .unwrap()
            .unwrap();
        assert_eq!(c.nodes, vec![0, 1, 2]);
        assert_eq!(c.weight, Some(0.125));
    }

    #[test]
    fn long_paths_need_no_recursion() {
        let n = 200_000u32;
        let mut edges: Vec<(u32, u32, u8)> = (0..n - 1).map(|i| (i, i + 1, 1)).collect();
        edges.push((n - 1, n / 2, 1));
        let g = build(n as usize, &edges);
        let c = find_cycle(&g, KindMask::ALL, Interrupt::never())
            .unwrap()
            .unwrap();
        assert_eq!(c.nodes.len(), (n - n / 2) as usize);
        check_is_cycle(&g, &c);
    }
}
