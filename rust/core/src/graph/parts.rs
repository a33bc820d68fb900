//! A graph's arrays saved and opened (`crate::parts`).

use rayon::prelude::*;

use super::Graph;
use crate::error::Result;
use crate::parts::{damaged, Loader, Saved};

impl Graph {
    pub fn save<'a>(&'a self, out: &mut Saved<'a>) {
        out.number("num_nodes", self.num_nodes as u64);
        out.number("num_edges", self.out_edges.len() as u64);
        out.number("merged_duplicates", self.merged_duplicates as u64);
        out.array("out_offsets", &self.out_offsets);
        out.array("out_edges", &self.out_edges);
        out.array("out_amounts", &self.out_amounts);
        out.array("in_offsets", &self.in_offsets);
        out.array("in_edges", &self.in_edges);
    }

    /// The graph saved in `parts`, its arrays borrowed; checked so that no index leaves
    /// its range.
    pub fn load(parts: &mut Loader) -> Result<Graph> {
        let n = parts.count("num_nodes")?;
        let m = parts.count("num_edges")?;
        if n > u32::MAX as usize || m > u32::MAX as usize {
            return Err(damaged("num_nodes", "is beyond the core's u32 indices"));
        }
        let out_offsets = parts.offsets("out_offsets", n, Some(m))?;
        let out_edges = parts.array::<super::Edge>("out_edges", Some(m))?;
        let out_amounts = parts.array::<f64>("out_amounts", None)?;
        if !(out_amounts.is_empty() || out_amounts.len() == m) {
            return Err(damaged("out_amounts", "is neither empty nor one per edge"));
        }
        let in_offsets = parts.offsets("in_offsets", n, Some(m))?;
        let in_edges = parts.array::<super::InEdge>("in_edges", Some(m))?;
        let targets_ok = out_edges.par_iter().all(|e| (e.target as usize) < n);
        let sources_ok = in_edges
            .par_iter()
            .all(|e| (e.source as usize) < n && (e.edge as usize) < m);
        if !targets_ok || !sources_ok {
            return Err(damaged("out_edges", "holds a node or edge out of range"));
        }
        Ok(Graph {
            num_nodes: n,
            out_offsets,
            out_edges,
            out_amounts,
            in_offsets,
            in_edges,
            merged_duplicates: parts.count("merged_duplicates")?,
        })
    }
}
