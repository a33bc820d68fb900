//! The investor graph in compressed sparse row form, forward (holder → issuer) and reverse.
//!
//! Building validates what only the whole graph can tell (shares per issuer) and merges
//! duplicate (source, target, kind) edges by summing share and amount, in input order so the
//! sums are bit-for-bit reproducible.

use rayon::prelude::*;

use crate::buffer::{Buffer, Plain};
use crate::error::{Error, Result};
use crate::kind::Kind;

mod build;
mod parts;
mod validate;

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

/// Shares held in one issuer may exceed 1 by this much (rounding in the source data).
pub const SHARE_SUM_TOLERANCE: f64 = 1e-9;

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

/// One forward edge. Packed so that the build's random writes touch one cache line per edge;
/// `repr(C)` so that a saved graph's edges are read in place (share, target, kind, 3 bytes of
/// padding).
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C)]
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
#[repr(C)]
pub struct InEdge {
    pub source: u32,
    pub edge: u32,
}

const EDGE_SIZE: usize = std::mem::size_of::<Edge>();
const _: () = assert!(EDGE_SIZE == 16 && std::mem::align_of::<Edge>() == 8);

// SAFETY: repr(C); valid when the kind byte (offset 12) is a `Kind` code.
unsafe impl Plain for Edge {
    const PADDED: bool = true;

    fn valid(bytes: &[u8]) -> bool {
        bytes.par_chunks(EDGE_SIZE << 12).all(|part| {
            part.chunks_exact(EDGE_SIZE)
                .all(|e| Kind::from_code(e[12]).is_some())
        })
    }

    fn write(items: &[Self], out: &mut Vec<u8>) {
        for e in items {
            out.extend_from_slice(&e.share.to_ne_bytes());
            out.extend_from_slice(&e.target.to_ne_bytes());
            out.extend_from_slice(&[e.kind as u8, 0, 0, 0]);
        }
    }
}

// SAFETY: repr(C), two u32 and no padding.
unsafe impl Plain for InEdge {
    fn write(items: &[Self], out: &mut Vec<u8>) {
        for e in items {
            out.extend_from_slice(&e.source.to_ne_bytes());
            out.extend_from_slice(&e.edge.to_ne_bytes());
        }
    }
}

/// An investor graph. Edge positions `p` index the forward arrays; within a node's range the
/// edges are sorted by (target, kind), one edge per (source, target, kind).
#[derive(Debug, Clone)]
pub struct Graph {
    num_nodes: usize,
    out_offsets: Buffer<usize>,
    out_edges: Buffer<Edge>,
    /// Empty when no amount is known at all (saves 8 bytes an edge).
    out_amounts: Buffer<f64>,
    in_offsets: Buffer<usize>,
    in_edges: Buffer<InEdge>,
    merged_duplicates: usize,
}

impl Graph {
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
