//! The investor graph in compressed sparse row form, forward (holder → issuer) and reverse.
//!
//! Building validates what only the whole graph can tell (shares per issuer) and merges
//! duplicate (source, target, kind) edges by summing share and amount, in input order so the
//! sums are bit-for-bit reproducible.

use crate::error::{Error, OverHeld, Result};
use rayon::prelude::*;

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

/// One forward edge. Packed so that the build's random writes touch one cache line per edge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// Share of `target` held by the source; `NaN` on non-equity edges.
    pub share: f64,
    pub target: u32,
    pub kind: Kind,
}

impl Edge {
    fn key(&self) -> (u32, Kind) {
        (self.target, self.kind)
    }
}

/// One reverse entry: the source of an in-edge and the edge's forward position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InEdge {
    pub source: u32,
    pub edge: u32,
}

/// An investor graph. Edge positions `p` index the forward arrays; within a node's range the
/// edges are sorted by (target, kind), one edge per (source, target, kind).
#[derive(Debug, Clone)]
pub struct Graph {
    num_nodes: usize,
    out_offsets: Vec<usize>,
    out_edges: Vec<Edge>,
    /// Empty when no amount is known at all (saves 8 bytes an edge).
    out_amounts: Vec<f64>,
    in_offsets: Vec<usize>,
    in_edges: Vec<InEdge>,
    merged_duplicates: usize,
}

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

        let out_offsets = offsets_from_degrees(n, input.source, |s| *s, interrupt)?;
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
        split_parts(&mut edges, &bounds)
            .into_par_iter()
            .zip(split_optional(&mut amounts, &bounds))
            .enumerate()
            .try_for_each(|(k, (edges, amounts))| {
                let (lo, hi) = (parts[k], parts[k + 1]);
                let base = out_offsets[lo];
                let mut cursor: Vec<usize> =
                    out_offsets[lo..hi].iter().map(|&o| o - base).collect();
                for e in 0..m {
                    if e % POLL_EVERY == 0 {
                        interrupt.check()?;
                    }
                    let s = input.source[e] as usize;
                    if s < lo || s >= hi {
                        continue;
                    }
                    let kind = edge_kind(input, e);
                    let p = cursor[s - lo];
                    cursor[s - lo] += 1;
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
                }
                Ok(())
            })?;

        let mut graph = Graph {
            num_nodes: n,
            out_offsets,
            out_edges: edges,
            out_amounts: amounts,
            in_offsets: Vec::new(),
            in_edges: Vec::new(),
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
        for u in 0..self.num_nodes {
            if u % POLL_EVERY == 0 {
                interrupt.check()?;
            }
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
            out_offsets,
            out_edges,
            out_amounts,
            in_offsets: Vec::new(),
            in_edges: Vec::new(),
            merged_duplicates: self.merged_duplicates,
        }
        .finish(check_share_sums, interrupt)
    }

    /// The forward position of edge (`source[i]`, `target[i]`, `kind[i]`) for each i (`kind`
    /// empty: equity), `None` where the graph has no such edge.
    pub fn edge_positions(
        &self,
        source: &[u32],
        target: &[u32],
        kind: &[u8],
    ) -> Result<Vec<Option<u32>>> {
        if target.len() != source.len() || !(kind.is_empty() || kind.len() == source.len()) {
            return Err(Error::InvalidArgument(
                "source, target and kind differ in length".into(),
            ));
        }
        Ok((0..source.len())
            .into_par_iter()
            .map(|i| {
                let (u, v) = (source[i], target[i]);
                if u as usize >= self.num_nodes {
                    return None;
                }
                let k = match kind.get(i) {
                    None => Kind::Equity,
                    Some(&code) => Kind::from_code(code)?,
                };
                let key = (v, k);
                let range = self.out_range(u);
                let base = range.start;
                self.out_edges[range]
                    .binary_search_by(|e| e.key().cmp(&key))
                    .ok()
                    .map(|p| (base + p) as u32)
            })
            .collect())
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
                for u in parts[k]..parts[k + 1] {
                    if u % POLL_EVERY == 0 {
                        interrupt.check()?;
                    }
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
        for u in 0..self.num_nodes {
            if u % POLL_EVERY == 0 {
                interrupt.check()?;
            }
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
        self.out_edges.truncate(write);
        if has_amounts {
            self.out_amounts.truncate(write);
        }
        Ok(())
    }

    /// Fills the reverse CSR and returns the equity shares held in each node, summed in holder
    /// order (deterministic).
    fn build_reverse(&mut self, interrupt: Interrupt) -> Result<Vec<f64>> {
        let n = self.num_nodes;
        let in_offsets = offsets_from_degrees(n, &self.out_edges, |e| e.target, interrupt)?;
        let parts = balanced_parts(&in_offsets);
        let bounds: Vec<usize> = parts.iter().map(|&v| in_offsets[v]).collect();
        let mut in_edges = vec![InEdge { source: 0, edge: 0 }; self.out_edges.len()];
        let mut held = vec![0.0f64; n];
        let (out_offsets, out_edges) = (&self.out_offsets, &self.out_edges);
        split_parts(&mut in_edges, &bounds)
            .into_par_iter()
            .zip(split_parts(&mut held, &parts))
            .enumerate()
            .try_for_each(|(k, (in_edges, held))| {
                let (lo, hi) = (parts[k] as u32, parts[k + 1] as u32);
                let base = in_offsets[lo as usize];
                let mut cursor: Vec<usize> = in_offsets[lo as usize..hi as usize]
                    .iter()
                    .map(|&o| o - base)
                    .collect();
                for u in 0..n {
                    if u % POLL_EVERY == 0 {
                        interrupt.check()?;
                    }
                    let range = out_offsets[u]..out_offsets[u + 1];
                    for (p, e) in range.clone().zip(&out_edges[range]) {
                        if e.target < lo || e.target >= hi {
                            continue;
                        }
                        let t = (e.target - lo) as usize;
                        in_edges[cursor[t]] = InEdge {
                            source: u as u32,
                            edge: p as u32,
                        };
                        cursor[t] += 1;
                        if e.kind == Kind::Equity {
                            held[t] += e.share;
                        }
                    }
                }
                Ok(())
            })?;
        self.in_offsets = in_offsets;
        self.in_edges = in_edges;
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

    pub fn num_nodes(&self) -> usize {
        self.num_nodes
    }

    /// Distinct (source, target, kind) edges.
    pub fn num_edges(&self) -> usize {
        self.out_edges.len()
    }

    /// How many input rows were merged into an earlier identical (source, target, kind).
    pub fn merged_duplicates(&self) -> usize {
        self.merged_duplicates
    }

    /// Forward edge positions of `u`'s out-edges.
    pub fn out_range(&self, u: u32) -> std::ops::Range<usize> {
        self.out_offsets[u as usize]..self.out_offsets[u as usize + 1]
    }

    /// For a loop over the nodes `nodes`, now at `i`: hints the offsets of the node 16 on and
    /// the out-edges of the node 8 on (whose offsets the earlier hint brought in).
    pub(crate) fn prefetch_ahead(&self, nodes: &[u32], i: usize) {
        if let Some(&u) = nodes.get(i + 16) {
            crate::prefetch::prefetch(&self.out_offsets, u as usize);
        }
        if let Some(&u) = nodes.get(i + 8) {
            crate::prefetch::prefetch(&self.out_edges, self.out_offsets[u as usize]);
        }
    }

    /// `u`'s out-edges, sorted by (target, kind).
    pub fn out_edges(&self, u: u32) -> &[Edge] {
        &self.out_edges[self.out_range(u)]
    }

    /// `v`'s in-edges, sorted by source.
    pub fn in_edges(&self, v: u32) -> &[InEdge] {
        &self.in_edges[self.in_offsets[v as usize]..self.in_offsets[v as usize + 1]]
    }

    pub fn edge(&self, p: usize) -> &Edge {
        &self.out_edges[p]
    }

    /// The amount of edge `p`, `NaN` when unknown.
    pub fn amount(&self, p: usize) -> f64 {
        self.out_amounts.get(p).copied().unwrap_or(f64::NAN)
    }

    /// `v`'s equity holders and their shares, in holder order.
    pub fn equity_holders(&self, v: u32) -> impl Iterator<Item = (u32, f64)> + '_ {
        self.in_edges(v).iter().filter_map(move |ie| {
            let e = &self.out_edges[ie.edge as usize];
            (e.kind == Kind::Equity).then_some((ie.source, e.share))
        })
    }

    /// The forward arrays, for export.
    pub fn csr(&self) -> CsrView<'_> {
        CsrView {
            offsets: &self.out_offsets,
            edges: &self.out_edges,
            amounts: &self.out_amounts,
        }
    }
}

/// Borrowed forward CSR arrays; `amounts` is empty when no amount is known.
pub struct CsrView<'a> {
    pub offsets: &'a [usize],
    pub edges: &'a [Edge],
    pub amounts: &'a [f64],
}

/// At most this many parallel parts: every part scans all edges, so more parts than cores
/// only adds scanning.
const MAX_PARTS: usize = 8;

fn num_parts() -> usize {
    rayon::current_num_threads().clamp(1, MAX_PARTS)
}

/// CSR offsets (length n + 1) from the node each item belongs to, counted in parallel over
/// equal node ranges.
fn offsets_from_degrees<T: Sync>(
    n: usize,
    items: &[T],
    node: impl Fn(&T) -> u32 + Sync,
    interrupt: Interrupt,
) -> Result<Vec<usize>> {
    let mut offsets = vec![0usize; n + 1];
    let parts = num_parts();
    let node_bounds: Vec<usize> = (0..=parts).map(|k| k * n / parts).collect();
    // offsets[v + 1] counts node v, so part k of offsets[1..] covers its nodes exactly.
    split_parts(&mut offsets[1..], &node_bounds)
        .into_par_iter()
        .enumerate()
        .try_for_each(|(k, counts)| {
            let lo = node_bounds[k];
            for (i, item) in items.iter().enumerate() {
                if i % POLL_EVERY == 0 {
                    interrupt.check()?;
                }
                let v = (node(item) as usize).wrapping_sub(lo);
                if v < counts.len() {
                    counts[v] += 1;
                }
            }
            Ok(())
        })?;
    for i in 1..offsets.len() {
        offsets[i] += offsets[i - 1];
    }
    Ok(offsets)
}

/// Node boundaries `[0, ..., n]` splitting the nodes into parts of about equal edge counts.
fn balanced_parts(offsets: &[usize]) -> Vec<usize> {
    let n = offsets.len() - 1;
    let m = offsets[n];
    let parts = num_parts();
    let mut bounds = vec![0usize];
    for k in 1..parts {
        let want = k * m / parts;
        let u = offsets.partition_point(|&o| o < want).min(n);
        bounds.push(u.max(bounds[k - 1]));
    }
    bounds.push(n);
    bounds
}

/// Splits `data` at the interior points of `bounds` (`[0, b1, ..., len]`) into
/// `bounds.len() - 1` consecutive parts.
fn split_parts<'a, T>(data: &'a mut [T], bounds: &[usize]) -> Vec<&'a mut [T]> {
    let mut parts = Vec::with_capacity(bounds.len().saturating_sub(1));
    let mut rest = data;
    for w in bounds.windows(2) {
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(w[1] - w[0]);
        parts.push(head);
        rest = tail;
    }
    parts
}

/// Like `split_parts`, or empty parts when `data` is empty (the optional amounts column).
fn split_optional<'a, T>(data: &'a mut [T], bounds: &[usize]) -> Vec<&'a mut [T]> {
    if data.is_empty() {
        bounds.windows(2).map(|_| &mut [][..]).collect()
    } else {
        split_parts(data, bounds)
    }
}

fn edge_kind(input: &EdgeInput<'_>, e: usize) -> Kind {
    match input.kind.get(e) {
        // Codes were checked by `check_rows`.
        Some(&code) => Kind::from_code(code).unwrap_or(Kind::Equity),
        None => Kind::Equity,
    }
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
    same("share", input.share.len(), !has_equity)
}

/// Row checks the Python layer already makes with better messages, repeated so that no caller
/// can build an invalid graph. Reports the first bad row.
fn check_rows(input: &EdgeInput<'_>, interrupt: Interrupt) -> Result<()> {
    let m = input.source.len();
    let first_bad = (0..m.div_ceil(POLL_EVERY))
        .into_par_iter()
        .map(|c| {
            interrupt.check()?;
            let rows = c * POLL_EVERY..((c + 1) * POLL_EVERY).min(m);
            Ok(rows.into_iter().find_map(|e| row_problem(input, e)))
        })
        .collect::<Result<Vec<_>>>()?;
    match first_bad.into_iter().flatten().next() {
        Some(msg) => Err(Error::InvalidArgument(msg)),
        None => Ok(()),
    }
}

fn row_problem(input: &EdgeInput<'_>, e: usize) -> Option<String> {
    let n = input.num_nodes;
    if input.source[e] as usize >= n || input.target[e] as usize >= n {
        return Some(format!("row {e}: node index out of range for {n} nodes"));
    }
    let kind = match input.kind.get(e) {
        None => Kind::Equity,
        Some(&code) => match Kind::from_code(code) {
            Some(k) => k,
            None => return Some(format!("row {e}: unknown kind code {code}")),
        },
    };
    if kind == Kind::Equity {
        // 0 is the lower bound of a stake known only as an interval (an unknown one: (0, 1]).
        let s = input.share[e];
        if !(0.0..=1.0).contains(&s) {
            return Some(format!("row {e}: equity share {s} is outside [0, 1]"));
        }
    }
    match input.amount.get(e) {
        Some(&a) if a < 0.0 || a.is_infinite() => {
            Some(format!("row {e}: amount {a} is negative or infinite"))
        }
        _ => None,
    }
}

/// Graph builders shared by the unit tests of every module.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// Kind codes and the unknown amount, as the test edge rows spell them.
    pub const EQ: u8 = Kind::Equity as u8;
    pub const CR: u8 = Kind::Credit as u8;
    pub const CM: u8 = Kind::Commitment as u8;
    pub const NAN: f64 = f64::NAN;

    /// A graph from (source, target, kind code, share, amount) rows.
    pub fn build(n: usize, edges: &[(u32, u32, u8, f64, f64)]) -> Result<Graph> {
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

    /// A graph of equity edges (holder, issuer, share).
    pub fn equity(n: usize, edges: &[(u32, u32, f64)]) -> Graph {
        let rows: Vec<_> = edges
            .iter()
            .map(|&(u, v, s)| (u, v, 0, s, f64::NAN))
            .collect();
        build(n, &rows).expect("valid test graph")
    }
}

#[cfg(test)]
mod tests {
    use super::testing::build;
    use super::*;

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
        let out0: Vec<u32> = g.out_edges(0).iter().map(|e| e.target).collect();
        assert_eq!(out0, vec![1, 3]);
        let holders0: Vec<(u32, f64)> = g.equity_holders(0).collect();
        assert_eq!(holders0, vec![(2, 0.5)]);
        // The credit edge 1 → 0 is an in-edge of 0 but not an equity holding.
        assert_eq!(g.in_edges(0).len(), 2);
        let p = g.out_range(0).find(|&p| g.edge(p).target == 3).unwrap();
        assert_eq!(g.edge(p).kind, Kind::Commitment);
        assert_eq!(g.amount(p), 7.0);
        assert!(g.edge(p).share.is_nan());
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
            .map(|p| (g.edge(p).target, g.edge(p).kind, g.amount(p)))
            .collect();
        assert_eq!(edges[0], (1, Kind::Equity, 3.0));
        assert_eq!(g.edge(0).share, 0.1 + 0.2);
        assert_eq!(edges[1], (1, Kind::Credit, 4.0));
        assert_eq!(edges[2].0, 2);
        assert!(edges[2].2.is_nan());
        // The reverse side sees the merged edges only.
        assert_eq!(g.in_edges(1).len(), 2);
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
        assert_eq!(g.edge(1).kind, Kind::Equity);
    }

    #[test]
    fn isolated_nodes_and_empty_graph() {
        let g = build(5, &[]).unwrap();
        assert_eq!(g.num_nodes(), 5);
        assert_eq!(g.num_edges(), 0);
        assert!(g.out_edges(4).is_empty());
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

#[cfg(test)]
mod reweighting_tests {
    use super::testing::build;
    use super::*;

    #[test]
    fn reweighted_replaces_shares_drops_zeros_and_checks_sums() {
        let g = build(
            3,
            &[
                (0, 2, 0, 0.3, 5.0),
                (1, 2, 0, 0.0, 7.0), // an unknown stake at its minimum
                (1, 0, 2, f64::NAN, 9.0),
            ],
        )
        .unwrap();
        assert_eq!(g.num_edges(), 3);
        // Positions: 0 -> 2 (equity), then 1's edges by target: 1 -> 0 (commitment), 1 -> 2.
        assert_eq!(g.edge(1).kind, Kind::Commitment);
        let hi = [0.3, f64::NAN, 0.7];
        let upper = g.reweighted(&hi, true, true, Interrupt::never()).unwrap();
        let holders: Vec<(u32, f64)> = upper.equity_holders(2).collect();
        assert_eq!(holders, vec![(0, 0.3), (1, 0.7)]);
        let lower = g
            .reweighted(&[0.3, f64::NAN, 0.0], true, true, Interrupt::never())
            .unwrap();
        assert_eq!(lower.num_edges(), 2); // the zero stake left out; the commitment kept
        assert_eq!(lower.equity_holders(2).count(), 1);
        let kept = g
            .reweighted(&[0.3, f64::NAN, 0.0], false, true, Interrupt::never())
            .unwrap();
        assert_eq!(kept.num_edges(), 3);
        let over = g.reweighted(&[0.5, f64::NAN, 0.7], true, true, Interrupt::never());
        assert!(matches!(over, Err(Error::OverHeld { .. })));
        let unchecked = g.reweighted(&[0.5, f64::NAN, 0.7], true, false, Interrupt::never());
        assert!(unchecked.is_ok());
        let bad = g.reweighted(&[1.5, f64::NAN, 0.7], true, false, Interrupt::never());
        assert!(matches!(bad, Err(Error::InvalidArgument(_))));
        let nan = g.reweighted(&[0.3, f64::NAN, f64::NAN], true, false, Interrupt::never());
        assert!(matches!(nan, Err(Error::InvalidArgument(_))));
        // Amounts stay attached to their edges.
        let p = upper
            .out_range(1)
            .find(|&p| upper.edge(p).target == 2)
            .unwrap();
        assert_eq!(upper.amount(p), 7.0);
    }

    #[test]
    fn edge_positions_find_each_row_or_none() {
        let g = build(
            3,
            &[
                (0, 2, 0, 0.3, f64::NAN),
                (0, 1, 1, f64::NAN, 1.0),
                (0, 1, 0, 0.2, f64::NAN),
            ],
        )
        .unwrap();
        let found = g
            .edge_positions(&[0, 0, 0, 2, 7], &[1, 1, 2, 0, 0], &[0, 1, 0, 0, 0])
            .unwrap();
        assert_eq!(found, vec![Some(0), Some(1), Some(2), None, None]);
        assert!(g.edge_positions(&[0], &[1, 2], &[]).is_err());
    }
}
