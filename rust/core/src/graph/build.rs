//! Building a graph: the forward side by a counting sort of the input rows, sorted and merged
//! per node, then the reverse side, and reweighting a built graph.

use rayon::prelude::*;

use super::validate::{check_columns, check_rows};
use super::{Edge, EdgeInput, Graph, InEdge, SHARE_SUM_TOLERANCE};
use crate::buffer::Buffer;
use crate::csr::{balanced_parts, offsets, scatter, split_optional, split_parts};
use crate::error::{Error, OverHeld, Result};
use crate::interrupt::Interrupt;
use crate::kind::Kind;

/// How often (in nodes) the per-node build loops poll the interrupt flag.
const POLL_EVERY: usize = 1 << 16;

impl Graph {
    /// Builds and validates a graph. Fails with `OverHeld` when the shares held in an issuer
    /// sum above 1 + `SHARE_SUM_TOLERANCE`, and with `InvalidArgument` on malformed columns.
    ///
    /// The random-access phases run in parallel over node ranges: every worker scans all the
    /// edges in input order and writes only its own nodes' slots, so the result is the same
    /// bits for any thread count.
    pub fn build(input: &EdgeInput<'_>, interrupt: Interrupt) -> Result<Graph> {
        Graph::build_with(input, true, interrupt)
    }

    /// `build`, checking the shares held per issuer only when `check_share_sums`: a graph of
    /// upper bounds (capped maximums) may hold more than 1 of an issuer.
    pub fn build_with(
        input: &EdgeInput<'_>,
        check_share_sums: bool,
        interrupt: Interrupt,
    ) -> Result<Graph> {
        check_columns(input)?;
        check_rows(input, interrupt)?;
        let n = input.num_nodes;
        let m = input.source.len();
        let has_amounts = !input.amount.is_empty();

        let out_offsets = offsets(n, || input.source.iter().map(|&s| s as usize), interrupt)?;
        let parts = balanced_parts(&out_offsets);
        let bounds: Vec<usize> = parts.iter().map(|&u| out_offsets[u]).collect();
        let blank = Edge {
            share: f64::NAN,
            target: 0,
            kind: Kind::Equity,
        };
        let mut edges = vec![blank; m];
        let mut amounts = if has_amounts {
            vec![0.0; m]
        } else {
            Vec::new()
        };
        let states: Vec<_> = split_parts(&mut edges, &bounds)
            .into_iter()
            .zip(split_optional(&mut amounts, &bounds))
            .collect();
        let rows = || (0..m).map(|e| (input.source[e] as usize, e));
        let put = |(edges, amounts): &mut (&mut [Edge], &mut [f64]), p: usize, _, e: usize| {
            let kind = edge_kind(input, e);
            let share = if kind == Kind::Equity {
                input.share[e]
            } else {
                f64::NAN
            };
            edges[p] = Edge {
                share,
                target: input.target[e],
                kind,
            };
            if has_amounts {
                amounts[p] = input.amount[e];
            }
        };
        scatter(&out_offsets, &parts, states, rows, put, interrupt)?;

        let mut graph = Graph {
            num_nodes: n,
            out_offsets: out_offsets.into(),
            out_edges: edges.into(),
            out_amounts: amounts.into(),
            in_offsets: Buffer::default(),
            in_edges: Buffer::default(),
            merged_duplicates: 0,
        };
        graph.sort_segments(&parts, &bounds, interrupt)?;
        graph.merge_duplicates(interrupt)?;
        graph.finish(check_share_sums, interrupt)
    }

    /// Builds the reverse side of a graph whose forward side is final, and checks the shares
    /// held per issuer when asked.
    fn finish(mut self, check_share_sums: bool, interrupt: Interrupt) -> Result<Graph> {
        let held = self.build_reverse(interrupt)?;
        if check_share_sums {
            self.check_share_sums(&held)?;
        }
        Ok(self)
    }

    /// The same graph with new equity shares, `shares[p]` for forward edge `p` (ignored on
    /// other kinds): one exposure graph of a graph whose stakes are intervals (its minimums,
    /// or its capped maximums). With `drop_zero`, equity edges whose new share is 0 are left
    /// out, so that every equity entry is positive and the strongly connected components of
    /// the exposure graph are those of its non-zero entries. Fails with `OverHeld` when
    /// `check_share_sums` and an issuer holds more than 1.
    pub fn reweighted(
        &self,
        shares: &[f64],
        drop_zero: bool,
        check_share_sums: bool,
        interrupt: Interrupt,
    ) -> Result<Graph> {
        let m = self.out_edges.len();
        if shares.len() != m {
            return Err(Error::InvalidArgument(format!(
                "shares has {} items for {m} edges",
                shares.len()
            )));
        }
        if let Some(p) = (0..m).find(|&p| {
            let s = shares[p];
            self.out_edges[p].kind == Kind::Equity && !(0.0..=1.0).contains(&s)
        }) {
            return Err(Error::InvalidArgument(format!(
                "edge {p}: equity share {} is outside [0, 1]",
                shares[p]
            )));
        }
        let has_amounts = !self.out_amounts.is_empty();
        let mut out_offsets = Vec::with_capacity(self.num_nodes + 1);
        let mut out_edges = Vec::with_capacity(m);
        let mut out_amounts = Vec::with_capacity(if has_amounts { m } else { 0 });
        out_offsets.push(0);
        let mut tick = interrupt.ticker(POLL_EVERY);
        for u in 0..self.num_nodes {
            tick.tick()?;
            for p in self.out_range(u as u32) {
                let mut e = self.out_edges[p];
                if e.kind == Kind::Equity {
                    if drop_zero && shares[p] == 0.0 {
                        continue;
                    }
                    e.share = shares[p];
                }
                out_edges.push(e);
                if has_amounts {
                    out_amounts.push(self.out_amounts[p]);
                }
            }
            out_offsets.push(out_edges.len());
        }
        Graph {
            num_nodes: self.num_nodes,
            out_offsets: out_offsets.into(),
            out_edges: out_edges.into(),
            out_amounts: out_amounts.into(),
            in_offsets: Buffer::default(),
            in_edges: Buffer::default(),
            merged_duplicates: self.merged_duplicates,
        }
        .finish(check_share_sums, interrupt)
    }

    /// Sorts each node's out-edges by (target, kind), stably: equal keys keep input order, so
    /// merged sums are reproducible.
    fn sort_segments(
        &mut self,
        parts: &[usize],
        bounds: &[usize],
        interrupt: Interrupt,
    ) -> Result<()> {
        let offsets = &self.out_offsets;
        split_parts(&mut self.out_edges, bounds)
            .into_par_iter()
            .zip(split_optional(&mut self.out_amounts, bounds))
            .enumerate()
            .try_for_each(|(k, (edges, amounts))| {
                let base = offsets[parts[k]];
                let mut scratch: Vec<(Edge, f64)> = Vec::new();
                let mut tick = interrupt.ticker(POLL_EVERY);
                for u in parts[k]..parts[k + 1] {
                    tick.tick()?;
                    let range = offsets[u] - base..offsets[u + 1] - base;
                    let segment = &mut edges[range.clone()];
                    if !segment.windows(2).any(|w| w[0].key() > w[1].key()) {
                        continue;
                    }
                    if amounts.is_empty() {
                        segment.sort_by_key(Edge::key);
                    } else {
                        let seg_amounts = &mut amounts[range];
                        scratch.clear();
                        scratch.extend(segment.iter().copied().zip(seg_amounts.iter().copied()));
                        scratch.sort_by_key(|(e, _)| e.key());
                        for (i, &(e, a)) in scratch.iter().enumerate() {
                            segment[i] = e;
                            seg_amounts[i] = a;
                        }
                    }
                }
                Ok(())
            })
    }

    /// Merges runs of equal (target, kind) within each node by summing, compacting in place.
    fn merge_duplicates(&mut self, interrupt: Interrupt) -> Result<()> {
        let has_amounts = !self.out_amounts.is_empty();
        let mut write = 0usize;
        let mut start = self.out_offsets[0];
        let mut tick = interrupt.ticker(POLL_EVERY);
        for u in 0..self.num_nodes {
            tick.tick()?;
            let end = self.out_offsets[u + 1];
            let node_start = write;
            for p in start..end {
                let edge = self.out_edges[p];
                if write > node_start && self.out_edges[write - 1].key() == edge.key() {
                    self.out_edges[write - 1].share += edge.share;
                    if has_amounts {
                        self.out_amounts[write - 1] += self.out_amounts[p];
                    }
                    self.merged_duplicates += 1;
                } else {
                    self.out_edges[write] = edge;
                    if has_amounts {
                        self.out_amounts[write] = self.out_amounts[p];
                    }
                    write += 1;
                }
            }
            start = end;
            self.out_offsets[u + 1] = write;
        }
        self.out_edges.vec_mut().truncate(write);
        if has_amounts {
            self.out_amounts.vec_mut().truncate(write);
        }
        Ok(())
    }

    /// Fills the reverse CSR and returns the equity shares held in each node, summed in holder
    /// order (deterministic).
    fn build_reverse(&mut self, interrupt: Interrupt) -> Result<Vec<f64>> {
        let n = self.num_nodes;
        let (out_offsets, out_edges) = (&self.out_offsets, &self.out_edges);
        let targets = || out_edges.iter().map(|e| e.target as usize);
        let in_offsets = offsets(n, targets, interrupt)?;
        let parts = balanced_parts(&in_offsets);
        let bounds: Vec<usize> = parts.iter().map(|&v| in_offsets[v]).collect();
        let mut in_edges = vec![InEdge { source: 0, edge: 0 }; out_edges.len()];
        let mut held = vec![0.0f64; n];
        let states: Vec<_> = split_parts(&mut in_edges, &bounds)
            .into_iter()
            .zip(split_parts(&mut held, &parts))
            .collect();
        let rows = || {
            (0..n).flat_map(|u| {
                let range = out_offsets[u]..out_offsets[u + 1];
                (range.clone().zip(&out_edges[range]))
                    .map(move |(p, e)| (e.target as usize, (u, p, e)))
            })
        };
        let put = |(in_edges, held): &mut (&mut [InEdge], &mut [f64]),
                   i: usize,
                   t: usize,
                   (u, p, e): (usize, usize, &Edge)| {
            in_edges[i] = InEdge {
                source: u as u32,
                edge: p as u32,
            };
            if e.kind == Kind::Equity {
                held[t] += e.share;
            }
        };
        scatter(&in_offsets, &parts, states, rows, put, interrupt)?;
        self.in_offsets = in_offsets.into();
        self.in_edges = in_edges.into();
        Ok(held)
    }

    fn check_share_sums(&self, held: &[f64]) -> Result<()> {
        let over = |v: &usize| held[*v] > 1.0 + SHARE_SUM_TOLERANCE;
        let count = (0..self.num_nodes).filter(over).count();
        if count == 0 {
            return Ok(());
        }
        let issuers = (0..self.num_nodes)
            .filter(over)
            .take(10)
            .map(|v| {
                let mut top: Vec<(u32, f64)> = self.equity_holders(v as u32).collect();
                top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                let holders = top.len();
                top.truncate(5);
                OverHeld {
                    issuer: v as u32,
                    total: held[v],
                    top_holders: top,
                    holders,
                }
            })
            .collect();
        Err(Error::OverHeld { issuers, count })
    }
}

fn edge_kind(input: &EdgeInput<'_>, e: usize) -> Kind {
    match input.kind.get(e) {
        // Codes were checked by `check_rows`.
        Some(&code) => Kind::from_code(code).unwrap_or(Kind::Equity),
        None => Kind::Equity,
    }
}
