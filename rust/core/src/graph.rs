//! The investor graph in compressed sparse row form, forward (holder → issuer) and reverse.
//!
//! Building validates what only the whole graph can tell (shares per issuer) and merges
//! duplicate (source, target, kind) edges by summing share and amount, in input order so the
//! sums are bit-for-bit reproducible.

use crate::error::{Error, OverHeld, Result};
use crate::interrupt::Interrupt;

/// How often (in nodes or edges) the build loops poll the interrupt flag.
const POLL_EVERY: usize = 1 << 16;

/// Shares held in one issuer may exceed 1 by this much (rounding in the source data).
pub const SHARE_SUM_TOLERANCE: f64 = 1e-9;

/// The kind of an edge. Money flows source → target in all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Kind {
    /// Source holds `share` of target's equity.
    Equity = 0,
    /// Source lends `amount` to target.
    Credit = 1,
    /// Source commits to pay `amount` to target (cloud, chips, services).
    Commitment = 2,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Equity, Kind::Credit, Kind::Commitment];

    pub fn from_code(code: u8) -> Option<Kind> {
        Kind::ALL.get(code as usize).copied()
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Equity => "equity",
            Kind::Credit => "credit",
            Kind::Commitment => "commitment",
        }
    }
}

/// Edge columns as parallel slices, one item per input row.
pub struct EdgeInput<'a> {
    pub num_nodes: usize,
    pub source: &'a [u32],
    pub target: &'a [u32],
    /// `Kind` codes; empty means every edge is equity.
    pub kind: &'a [u8],
    /// Share of target held by source, in (0, 1] on equity edges, ignored on others; may be
    /// empty only when no edge is equity.
    pub share: &'a [f64],
    /// Money amounts, `NaN` where unknown; empty means all unknown.
    pub amount: &'a [f64],
}

/// An investor graph. Edge positions `p` index the forward arrays; within a node's range the
/// edges are sorted by (target, kind), one edge per (source, target, kind).
#[derive(Debug, Clone)]
pub struct Graph {
    num_nodes: usize,
    out_offsets: Vec<usize>,
    out_targets: Vec<u32>,
    out_kinds: Vec<Kind>,
    /// `NaN` on non-equity edges.
    out_shares: Vec<f64>,
    /// Empty when no amount is known at all (saves 8 bytes an edge).
    out_amounts: Vec<f64>,
    in_offsets: Vec<usize>,
    in_sources: Vec<u32>,
    /// Forward position of each reverse entry.
    in_edges: Vec<u32>,
    merged_duplicates: usize,
}

impl Graph {
    /// Builds and validates a graph. Fails with `OverHeld` when the shares held in an issuer
    /// sum above 1 + `SHARE_SUM_TOLERANCE`, and with `InvalidArgument` on malformed columns.
    pub fn build(input: &EdgeInput<'_>, interrupt: Interrupt) -> Result<Graph> {
        let m = input.source.len();
        check_columns(input)?;
        let has_amounts = !input.amount.is_empty();

        // Counting sort by source: stable, so duplicates stay in input order.
        let mut out_offsets = vec![0usize; input.num_nodes + 1];
        for &s in input.source {
            out_offsets[s as usize + 1] += 1;
        }
        prefix_sum(&mut out_offsets);
        let mut cursor = out_offsets[..input.num_nodes].to_vec();
        let mut targets = vec![0u32; m];
        let mut kinds = vec![Kind::Equity; m];
        let mut shares = vec![f64::NAN; m];
        let mut amounts = if has_amounts {
            vec![0.0; m]
        } else {
            Vec::new()
        };
        for e in 0..m {
            if e % POLL_EVERY == 0 {
                interrupt.check()?;
            }
            let kind = edge_kind(input, e)?;
            let p = cursor[input.source[e] as usize];
            cursor[input.source[e] as usize] += 1;
            targets[p] = input.target[e];
            kinds[p] = kind;
            if kind == Kind::Equity {
                let s = input.share[e];
                if !(s > 0.0 && s <= 1.0) {
                    return Err(Error::InvalidArgument(format!(
                        "row {e}: equity share {s} is outside (0, 1]"
                    )));
                }
                shares[p] = s;
            }
            if has_amounts {
                let a = input.amount[e];
                if a < 0.0 || a.is_infinite() {
                    return Err(Error::InvalidArgument(format!(
                        "row {e}: amount {a} is negative or infinite"
                    )));
                }
                amounts[p] = a;
            }
        }
        drop(cursor);

        let mut graph = Graph {
            num_nodes: input.num_nodes,
            out_offsets,
            out_targets: targets,
            out_kinds: kinds,
            out_shares: shares,
            out_amounts: amounts,
            in_offsets: Vec::new(),
            in_sources: Vec::new(),
            in_edges: Vec::new(),
            merged_duplicates: 0,
        };
        graph.sort_and_merge(interrupt)?;
        graph.build_reverse(interrupt)?;
        graph.check_share_sums(interrupt)?;
        Ok(graph)
    }

    /// Sorts each node's out-edges by (target, kind) and merges duplicates in place.
    fn sort_and_merge(&mut self, interrupt: Interrupt) -> Result<()> {
        let has_amounts = !self.out_amounts.is_empty();
        let mut scratch: Vec<(u32, Kind, f64, f64)> = Vec::new();
        let mut write = 0usize;
        let mut start = self.out_offsets[0];
        for u in 0..self.num_nodes {
            if u % POLL_EVERY == 0 {
                interrupt.check()?;
            }
            let end = self.out_offsets[u + 1];
            let key = |g: &Graph, p: usize| (g.out_targets[p], g.out_kinds[p]);
            if (start + 1..end).any(|p| key(self, p - 1) > key(self, p)) {
                scratch.clear();
                scratch.extend((start..end).map(|p| {
                    let amount = if has_amounts {
                        self.out_amounts[p]
                    } else {
                        0.0
                    };
                    (
                        self.out_targets[p],
                        self.out_kinds[p],
                        self.out_shares[p],
                        amount,
                    )
                }));
                // Stable: equal keys keep input order, so merged sums are reproducible.
                scratch.sort_by_key(|&(t, k, _, _)| (t, k));
                for (i, &(t, k, s, a)) in scratch.iter().enumerate() {
                    let p = start + i;
                    self.out_targets[p] = t;
                    self.out_kinds[p] = k;
                    self.out_shares[p] = s;
                    if has_amounts {
                        self.out_amounts[p] = a;
                    }
                }
            }
            let node_start = write;
            for p in start..end {
                if write > node_start && key(self, write - 1) == key(self, p) {
                    self.out_shares[write - 1] += self.out_shares[p];
                    if has_amounts {
                        self.out_amounts[write - 1] += self.out_amounts[p];
                    }
                    self.merged_duplicates += 1;
                } else {
                    self.out_targets[write] = self.out_targets[p];
                    self.out_kinds[write] = self.out_kinds[p];
                    self.out_shares[write] = self.out_shares[p];
                    if has_amounts {
                        self.out_amounts[write] = self.out_amounts[p];
                    }
                    write += 1;
                }
            }
            start = end;
            self.out_offsets[u + 1] = write;
        }
        if self.merged_duplicates > 0 {
            self.out_targets.truncate(write);
            self.out_kinds.truncate(write);
            self.out_shares.truncate(write);
            if has_amounts {
                self.out_amounts.truncate(write);
            }
        }
        Ok(())
    }

    fn build_reverse(&mut self, interrupt: Interrupt) -> Result<()> {
        let m = self.out_targets.len();
        let mut in_offsets = vec![0usize; self.num_nodes + 1];
        for &t in &self.out_targets {
            in_offsets[t as usize + 1] += 1;
        }
        prefix_sum(&mut in_offsets);
        let mut cursor = in_offsets[..self.num_nodes].to_vec();
        let mut in_sources = vec![0u32; m];
        let mut in_edges = vec![0u32; m];
        for u in 0..self.num_nodes {
            if u % POLL_EVERY == 0 {
                interrupt.check()?;
            }
            for p in self.out_offsets[u]..self.out_offsets[u + 1] {
                let t = self.out_targets[p] as usize;
                in_sources[cursor[t]] = u as u32;
                in_edges[cursor[t]] = p as u32;
                cursor[t] += 1;
            }
        }
        self.in_offsets = in_offsets;
        self.in_sources = in_sources;
        self.in_edges = in_edges;
        Ok(())
    }

    fn check_share_sums(&self, interrupt: Interrupt) -> Result<()> {
        let mut issuers = Vec::new();
        let mut count = 0usize;
        for v in 0..self.num_nodes {
            if v % POLL_EVERY == 0 {
                interrupt.check()?;
            }
            let total: f64 = self.equity_holders(v as u32).map(|(_, s)| s).sum();
            if total > 1.0 + SHARE_SUM_TOLERANCE {
                count += 1;
                if issuers.len() < 10 {
                    let mut top: Vec<(u32, f64)> = self.equity_holders(v as u32).collect();
                    top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                    top.truncate(5);
                    issuers.push(OverHeld {
                        issuer: v as u32,
                        total,
                        top_holders: top,
                    });
                }
            }
        }
        if count > 0 {
            Err(Error::OverHeld { issuers, count })
        } else {
            Ok(())
        }
    }

    pub fn num_nodes(&self) -> usize {
        self.num_nodes
    }

    /// Distinct (source, target, kind) edges.
    pub fn num_edges(&self) -> usize {
        self.out_targets.len()
    }

    /// How many input rows were merged into an earlier identical (source, target, kind).
    pub fn merged_duplicates(&self) -> usize {
        self.merged_duplicates
    }

    /// Forward edge positions of `u`'s out-edges.
    pub fn out_range(&self, u: u32) -> std::ops::Range<usize> {
        self.out_offsets[u as usize]..self.out_offsets[u as usize + 1]
    }

    /// Reverse positions of `v`'s in-edges (index `in_sources`/`in_edges` with them).
    pub fn in_range(&self, v: u32) -> std::ops::Range<usize> {
        self.in_offsets[v as usize]..self.in_offsets[v as usize + 1]
    }

    pub fn target(&self, p: usize) -> u32 {
        self.out_targets[p]
    }

    pub fn kind(&self, p: usize) -> Kind {
        self.out_kinds[p]
    }

    /// The equity share of edge `p`, `NaN` when it is not an equity edge.
    pub fn share(&self, p: usize) -> f64 {
        self.out_shares[p]
    }

    /// The amount of edge `p`, `NaN` when unknown.
    pub fn amount(&self, p: usize) -> f64 {
        self.out_amounts.get(p).copied().unwrap_or(f64::NAN)
    }

    /// The source node and forward position of reverse entry `q`.
    pub fn in_edge(&self, q: usize) -> (u32, usize) {
        (self.in_sources[q], self.in_edges[q] as usize)
    }

    /// `v`'s equity holders and their shares, in holder order.
    pub fn equity_holders(&self, v: u32) -> impl Iterator<Item = (u32, f64)> + '_ {
        self.in_range(v).filter_map(move |q| {
            let (u, p) = self.in_edge(q);
            (self.out_kinds[p] == Kind::Equity).then(|| (u, self.out_shares[p]))
        })
    }

    /// The forward arrays, for export.
    pub fn csr(&self) -> CsrView<'_> {
        CsrView {
            offsets: &self.out_offsets,
            targets: &self.out_targets,
            kinds: &self.out_kinds,
            shares: &self.out_shares,
            amounts: &self.out_amounts,
        }
    }
}

/// Borrowed forward CSR arrays; `amounts` is empty when no amount is known.
pub struct CsrView<'a> {
    pub offsets: &'a [usize],
    pub targets: &'a [u32],
    pub kinds: &'a [Kind],
    pub shares: &'a [f64],
    pub amounts: &'a [f64],
}

fn prefix_sum(counts: &mut [usize]) {
    for i in 1..counts.len() {
        counts[i] += counts[i - 1];
    }
}

fn edge_kind(input: &EdgeInput<'_>, e: usize) -> Result<Kind> {
    if input.kind.is_empty() {
        return Ok(Kind::Equity);
    }
    Kind::from_code(input.kind[e]).ok_or_else(|| {
        Error::InvalidArgument(format!("row {e}: unknown kind code {}", input.kind[e]))
    })
}

fn check_columns(input: &EdgeInput<'_>) -> Result<()> {
    let m = input.source.len();
    if m >= u32::MAX as usize {
        return Err(Error::TooLarge {
            what: "edges",
            count: m,
            max: u32::MAX as usize - 1,
        });
    }
    let same = |name: &str, len: usize, optional: bool| {
        if len == m || (optional && len == 0) {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "column {name} has {len} items, expected {m}"
            )))
        }
    };
    same("target", input.target.len(), false)?;
    same("kind", input.kind.len(), true)?;
    same("amount", input.amount.len(), true)?;
    let has_equity = input.kind.is_empty() || input.kind.contains(&(Kind::Equity as u8));
    same("share", input.share.len(), !has_equity)?;
    let n = input.num_nodes;
    if let Some(e) =
        (0..m).find(|&e| input.source[e] as usize >= n || input.target[e] as usize >= n)
    {
        return Err(Error::InvalidArgument(format!(
            "row {e}: node index out of range for {n} nodes"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(n: usize, edges: &[(u32, u32, u8, f64, f64)]) -> Result<Graph> {
        let source: Vec<u32> = edges.iter().map(|e| e.0).collect();
        let target: Vec<u32> = edges.iter().map(|e| e.1).collect();
        let kind: Vec<u8> = edges.iter().map(|e| e.2).collect();
        let share: Vec<f64> = edges.iter().map(|e| e.3).collect();
        let amount: Vec<f64> = edges.iter().map(|e| e.4).collect();
        Graph::build(
            &EdgeInput {
                num_nodes: n,
                source: &source,
                target: &target,
                kind: &kind,
                share: &share,
                amount: &amount,
            },
            Interrupt::never(),
        )
    }

    #[test]
    fn forward_and_reverse_agree() {
        let g = build(
            4,
            &[
                (2, 0, 0, 0.5, 10.0),
                (0, 1, 0, 0.25, f64::NAN),
                (0, 3, 2, f64::NAN, 7.0),
                (1, 0, 1, f64::NAN, 3.0),
            ],
        )
        .unwrap();
        assert_eq!(g.num_nodes(), 4);
        assert_eq!(g.num_edges(), 4);
        let out0: Vec<u32> = g.out_range(0).map(|p| g.target(p)).collect();
        assert_eq!(out0, vec![1, 3]);
        let holders0: Vec<(u32, f64)> = g.equity_holders(0).collect();
        assert_eq!(holders0, vec![(2, 0.5)]);
        // The credit edge 1 → 0 is an in-edge of 0 but not an equity holding.
        assert_eq!(g.in_range(0).len(), 2);
        let p = g.out_range(0).find(|&p| g.target(p) == 3).unwrap();
        assert_eq!(g.kind(p), Kind::Commitment);
        assert_eq!(g.amount(p), 7.0);
        assert!(g.share(p).is_nan());
        assert_eq!(g.merged_duplicates(), 0);
    }

    #[test]
    fn duplicates_sum_in_input_order_and_unknown_amount_stays_unknown() {
        let g = build(
            3,
            &[
                (0, 1, 0, 0.1, 1.0),
                (0, 2, 2, f64::NAN, 5.0),
                (0, 1, 0, 0.2, 2.0),
                (0, 1, 1, f64::NAN, 4.0),
                (0, 2, 2, f64::NAN, f64::NAN),
            ],
        )
        .unwrap();
        assert_eq!(g.num_edges(), 3);
        assert_eq!(g.merged_duplicates(), 2);
        let edges: Vec<(u32, Kind, f64)> = g
            .out_range(0)
            .map(|p| (g.target(p), g.kind(p), g.amount(p)))
            .collect();
        assert_eq!(edges[0], (1, Kind::Equity, 3.0));
        assert_eq!(g.share(0), 0.1 + 0.2);
        assert_eq!(edges[1], (1, Kind::Credit, 4.0));
        assert_eq!(edges[2].0, 2);
        assert!(edges[2].2.is_nan());
        // The reverse side sees the merged edges only.
        assert_eq!(g.in_range(1).len(), 2);
    }

    #[test]
    fn over_held_issuer_is_refused_with_its_holders() {
        let err = build(
            4,
            &[
                (0, 3, 0, 0.5, 0.0),
                (1, 3, 0, 0.4, 0.0),
                (2, 3, 0, 0.2, 0.0),
            ],
        )
        .unwrap_err();
        let Error::OverHeld { issuers, count } = err else {
            panic!("expected OverHeld, got {err:?}");
        };
        assert_eq!(count, 1);
        assert_eq!(issuers[0].issuer, 3);
        assert!((issuers[0].total - 1.1).abs() < 1e-12);
        assert_eq!(issuers[0].top_holders, vec![(0, 0.5), (1, 0.4), (2, 0.2)]);
    }

    #[test]
    fn shares_summing_to_one_within_tolerance_pass() {
        let g = build(3, &[(0, 2, 0, 0.7, 0.0), (1, 2, 0, 0.3 + 5e-10, 0.0)]);
        assert!(g.is_ok());
    }

    #[test]
    fn malformed_columns_are_errors_not_panics() {
        let bad_share = build(2, &[(0, 1, 0, 1.5, 0.0)]);
        assert!(matches!(bad_share, Err(Error::InvalidArgument(_))));
        let bad_node = build(2, &[(0, 2, 0, 0.5, 0.0)]);
        assert!(matches!(bad_node, Err(Error::InvalidArgument(_))));
        let bad_kind = build(2, &[(0, 1, 9, 0.5, 0.0)]);
        assert!(matches!(bad_kind, Err(Error::InvalidArgument(_))));
        let bad_amount = build(2, &[(0, 1, 1, f64::NAN, -1.0)]);
        assert!(matches!(bad_amount, Err(Error::InvalidArgument(_))));
        let short = Graph::build(
            &EdgeInput {
                num_nodes: 2,
                source: &[0, 1],
                target: &[1],
                kind: &[],
                share: &[0.5, 0.5],
                amount: &[],
            },
            Interrupt::never(),
        );
        assert!(matches!(short, Err(Error::InvalidArgument(_))));
    }

    #[test]
    fn no_amounts_and_no_kinds() {
        let g = Graph::build(
            &EdgeInput {
                num_nodes: 3,
                source: &[0, 1],
                target: &[1, 2],
                kind: &[],
                share: &[0.5, 1.0],
                amount: &[],
            },
            Interrupt::never(),
        )
        .unwrap();
        assert_eq!(g.num_edges(), 2);
        assert!(g.amount(0).is_nan());
        assert_eq!(g.kind(1), Kind::Equity);
    }

    #[test]
    fn isolated_nodes_and_empty_graph() {
        let g = build(5, &[]).unwrap();
        assert_eq!(g.num_nodes(), 5);
        assert_eq!(g.num_edges(), 0);
        assert!(g.out_range(4).is_empty());
        let g0 = build(0, &[]).unwrap();
        assert_eq!(g0.num_nodes(), 0);
    }

    #[test]
    fn build_is_interruptible() {
        let flag = std::sync::atomic::AtomicBool::new(true);
        let r = Graph::build(
            &EdgeInput {
                num_nodes: 2,
                source: &[0],
                target: &[1],
                kind: &[],
                share: &[0.5],
                amount: &[],
            },
            Interrupt::new(&flag),
        );
        assert_eq!(r.unwrap_err(), Error::Interrupted);
    }
}
