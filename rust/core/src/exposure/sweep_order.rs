//! The layout of a large component for its Gauss–Seidel sweeps: an order in which few holdings
//! point forward, cut into *sweep levels* that a sweep can run in parallel.
//!
//! A sweep in an order where every row's holdings come before it solves the component exactly;
//! the holdings that point forward (they close cycles) are what the sweeps iterate on, so the
//! fewer and lighter they are, the fewer sweeps. The order is the greedy feedback-arc-set
//! heuristic of Eades, Lin and Smyth (1993), weighted by shares: rows that hold nothing left go
//! first, rows that nobody left holds go last, and otherwise the row whose remaining holders
//! outweigh its remaining holdings the most (balances compared to about 1/4096, in a bucket
//! queue: a binary heap made this order half of the plan build at 10M nodes). (A DFS
//! postorder, used before, left 12% of the entries of the generator's 227k-node component
//! pointing forward and chains 41k rows deep; this order leaves about 4%, in about 50
//! levels.)
//!
//! A row's sweep level is one more than the highest level of the holdings before it in that
//! order; rows are then stably sorted by level. Rows of one level never read each other's new
//! values, so a sweep runs each level's rows in parallel: a row reads the new value of a
//! holding on a lower level and the previous iterate's value of any other. That rule depends
//! only on the layout, so the sweep gives the same bits for any thread count.

use crate::graph::Graph;
use crate::kind::Kind;
use crate::prefetch::prefetch;

/// The component's members in sweep order, and the boundaries of its sweep levels (positions
/// relative to its first row: `0 = bounds[0] < bounds[1] < … = members.len()`).
pub(crate) struct SweepLayout {
    pub(crate) order: Vec<u32>,
    pub(crate) bounds: Vec<u32>,
}

/// Balances are compared in steps of at most 1/`STEPS` (a bucket queue: a heap's pops cost a
/// cache miss per level on components of millions of rows, and dominated the plan build at
/// 10M nodes), over at most `BUCKETS_PER_ROW` buckets a row.
const STEPS: f64 = 4096.0;
const BUCKETS_PER_ROW: f64 = 4.0;

/// Rows by quantised balance, largest first; stale entries (a row placed, or whose balance
/// moved to another bucket) are skipped when met. Within a bucket, the last pushed first.
struct Buckets {
    rows: Vec<Vec<u32>>,
    top: usize,
    lowest: f64,
    steps: f64,
}

impl Buckets {
    /// Buckets for balances in `lowest..=highest` (others share the end buckets).
    fn new(lowest: f64, highest: f64, k: usize) -> Buckets {
        let span = (highest - lowest).max(1e-9);
        let steps = STEPS.min(BUCKETS_PER_ROW * k as f64 / span).max(1.0 / span);
        let count = (span * steps) as usize + 1;
        Buckets {
            rows: vec![Vec::new(); count],
            top: 0,
            lowest,
            steps,
        }
    }

    fn key(&self, balance: f64) -> usize {
        // NaN (no weight) sorts as the lowest balance.
        let b = if balance.is_nan() {
            self.lowest
        } else {
            balance
        };
        let k = ((b - self.lowest).max(0.0) * self.steps) as usize;
        k.min(self.rows.len() - 1)
    }

    fn push(&mut self, row: u32, balance: f64) {
        let k = self.key(balance);
        self.rows[k].push(row);
        self.top = self.top.max(k);
    }

    /// The row of largest balance still current (`current(row, key)`), if any.
    fn pop(&mut self, current: impl Fn(&Buckets, u32, usize) -> bool) -> Option<u32> {
        loop {
            match self.rows[self.top].pop() {
                Some(r) if current(self, r, self.top) => return Some(r),
                Some(_) => continue,
                None if self.top == 0 => return None,
                None => self.top -= 1,
            }
        }
    }
}

/// Local adjacency of one component: each member's holdings inside it (CSR over local
/// indices) and its holders (the transpose), with shares.
struct Local {
    hold_at: Vec<usize>,
    hold: Vec<(u32, f64)>,
    held_at: Vec<usize>,
    held: Vec<(u32, f64)>,
}

impl Local {
    /// `local[v]` must hold v's index in `members` for every member (other entries unread).
    fn new(g: &Graph, component: &[u32], c: u32, members: &[u32], local: &[u32]) -> Local {
        let k = members.len();
        let mut hold_at = Vec::with_capacity(k + 1);
        let mut hold = Vec::new();
        hold_at.push(0);
        for (i, &v) in members.iter().enumerate() {
            // Members come in no memory order: hint the random reads a few members ahead.
            g.prefetch_ahead(members, i);
            if let Some(&a) = members.get(i + 4) {
                for e in g.out_edges(a) {
                    prefetch(component, e.target as usize);
                    prefetch(local, e.target as usize);
                }
            }
            for e in g.out_edges(v) {
                let t = e.target as usize;
                if e.kind == Kind::Equity && component[t] == c && t != v as usize {
                    // A NaN share (unknown) weighs nothing in the balance.
                    let w = if e.share.is_nan() { 0.0 } else { e.share.abs() };
                    hold.push((local[t], w));
                }
            }
            hold_at.push(hold.len());
        }
        let mut held_at = vec![0usize; k + 1];
        for &(t, _) in &hold {
            held_at[t as usize + 1] += 1;
        }
        for a in 0..k {
            held_at[a + 1] += held_at[a];
        }
        let mut fill = held_at.clone();
        let mut held = vec![(0u32, 0.0f64); hold.len()];
        for a in 0..k {
            for &(t, w) in &hold[hold_at[a]..hold_at[a + 1]] {
                held[fill[t as usize]] = (a as u32, w);
                fill[t as usize] += 1;
            }
        }
        Local {
            hold_at,
            hold,
            held_at,
            held,
        }
    }

    fn holdings(&self, a: usize) -> &[(u32, f64)] {
        &self.hold[self.hold_at[a]..self.hold_at[a + 1]]
    }

    fn holders(&self, a: usize) -> &[(u32, f64)] {
        &self.held[self.held_at[a]..self.held_at[a + 1]]
    }
}

/// The sweep layout of component `c` (`members` its nodes). `local` is scratch of one entry
/// per graph node; only the members' entries are written.
pub(crate) fn sweep_layout(
    g: &Graph,
    component: &[u32],
    c: u32,
    members: &[u32],
    local: &mut [u32],
) -> SweepLayout {
    let k = members.len();
    for (a, &v) in members.iter().enumerate() {
        local[v as usize] = a as u32;
    }
    let adj = Local::new(g, component, c, members, local);
    let sequence = greedy_order(&adj, k);
    // Sweep levels over the holdings that point backward in that sequence.
    let mut position = vec![0u32; k];
    for (p, &a) in sequence.iter().enumerate() {
        position[a as usize] = p as u32;
    }
    let mut level = vec![0u32; k];
    for (p, &a) in sequence.iter().enumerate() {
        let a = a as usize;
        level[a] = adj
            .holdings(a)
            .iter()
            .filter(|&&(t, _)| (position[t as usize] as usize) < p)
            .map(|&(t, _)| level[t as usize] + 1)
            .max()
            .unwrap_or(0);
    }
    // Stable counting sort of the sequence by level.
    let levels = level.iter().max().map_or(0, |&l| l as usize + 1);
    let mut bounds = vec![0u32; levels + 1];
    for &l in &level {
        bounds[l as usize + 1] += 1;
    }
    for l in 0..levels {
        bounds[l + 1] += bounds[l];
    }
    let mut fill = bounds.clone();
    let mut order = vec![0u32; k];
    for &a in &sequence {
        let l = level[a as usize] as usize;
        order[fill[l] as usize] = members[a as usize];
        fill[l] += 1;
    }
    SweepLayout { order, bounds }
}

/// Eades–Lin–Smyth, weighted: local indices, holdings first as far as the heuristic can.
fn greedy_order(adj: &Local, k: usize) -> Vec<u32> {
    let mut holdings_left: Vec<usize> = (0..k).map(|a| adj.holdings(a).len()).collect();
    let mut holders_left: Vec<usize> = (0..k).map(|a| adj.holders(a).len()).collect();
    let mut balance: Vec<f64> = (0..k)
        .map(|a| {
            let held: f64 = adj.holders(a).iter().map(|&(_, w)| w).sum();
            let holds: f64 = adj.holdings(a).iter().map(|&(_, w)| w).sum();
            held - holds
        })
        .collect();
    let mut removed = vec![false; k];
    // Balances only rise to what a row is held inside (at most about 1) and fall to minus
    // what it holds.
    let highest = (0..k)
        .map(|a| adj.holders(a).iter().map(|&(_, w)| w).sum::<f64>())
        .fold(0.0f64, f64::max);
    let lowest = (0..k)
        .map(|a| -adj.holdings(a).iter().map(|&(_, w)| w).sum::<f64>())
        .fold(0.0f64, f64::min);
    let mut queue = Buckets::new(lowest, highest, k);
    for (a, &b) in balance.iter().enumerate().rev() {
        queue.push(a as u32, b); // reversed: within a bucket, the lowest row first
    }
    // Rows that hold nothing left (go next, front) and that nobody left holds (go last).
    let mut first: Vec<u32> = (0..k as u32)
        .filter(|&a| holdings_left[a as usize] == 0)
        .collect();
    let mut last: Vec<u32> = (0..k as u32)
        .filter(|&a| holders_left[a as usize] == 0)
        .collect();
    let mut front = Vec::with_capacity(k);
    let mut back = Vec::new();
    let mut placed = 0;
    while placed < k {
        let (a, at_front) = if let Some(a) = last.pop() {
            (a, false)
        } else if let Some(a) = first.pop() {
            (a, true)
        } else {
            // An entry is current while its row is not placed and its balance is in the
            // bucket it was pushed to (every change of balance pushes the row again).
            let fresh =
                queue.pop(|q, r, key| !removed[r as usize] && q.key(balance[r as usize]) == key);
            match fresh {
                Some(r) => (r, true),
                None => break, // unreachable: a row not placed has a current entry
            }
        };
        let a = a as usize;
        if removed[a] {
            continue;
        }
        removed[a] = true;
        placed += 1;
        if at_front {
            front.push(a as u32);
        } else {
            back.push(a as u32);
        }
        // What a holds loses a holder; who holds a loses a holding.
        for &(t, w) in adj.holdings(a) {
            let t = t as usize;
            if !removed[t] {
                holders_left[t] -= 1;
                balance[t] -= w;
                if holders_left[t] == 0 {
                    last.push(t as u32);
                } else {
                    queue.push(t as u32, balance[t]);
                }
            }
        }
        for &(u, w) in adj.holders(a) {
            let u = u as usize;
            if !removed[u] {
                holdings_left[u] -= 1;
                balance[u] += w;
                if holdings_left[u] == 0 {
                    first.push(u as u32);
                } else {
                    queue.push(u as u32, balance[u]);
                }
            }
        }
    }
    // Every row is placed above; were one not, it would still be laid out, at the end.
    front.extend((0..k as u32).filter(|&a| !removed[a as usize]));
    front.extend(back.iter().rev());
    front
}
