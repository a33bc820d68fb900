//! A solve plan's arrays saved and opened (`crate::parts`), under names starting "plan.".

use std::sync::OnceLock;

use rayon::prelude::*;

use super::plan::{Level, Plan, Side};
use crate::csr::Csr;
use crate::error::Result;
use crate::parts::{check_below, damaged, Loader, Saved};

impl Plan {
    pub fn save<'a>(&'a self, out: &mut Saved<'a>) {
        out.number("plan.upper", self.upper as u64);
        out.number("plan.slots", self.simple.len() as u64);
        for (name, values) in [("plan.order", &self.order), ("plan.pos", &self.pos)] {
            out.array(name, values);
        }
        out.array("plan.slot_of", &self.slot_of);
        out.array("plan.start", &self.start);
        out.array("plan.simple", &self.simple);
        out.array("plan.closed", &self.closed);
        out.array("plan.divergent", &self.divergent);
        let levels: Vec<usize> = self
            .levels
            .iter()
            .flat_map(|l| [l.rows.0, l.rows.1, l.blocks.0, l.blocks.1])
            .collect();
        out.copied("plan.levels", levels);
        // The sweep levels of the large components: slots, offsets into one flat array.
        out.copied(
            "plan.sweep_slots",
            self.sweeps.iter().map(|s| s.0).collect(),
        );
        let mut offsets = vec![0usize];
        for (_, bounds) in &self.sweeps {
            offsets.push(offsets.last().copied().unwrap_or(0) + bounds.len());
        }
        out.copied("plan.sweep_offsets", offsets);
        out.copied(
            "plan.sweep_bounds",
            self.sweeps
                .iter()
                .flat_map(|s| s.1.iter().copied())
                .collect(),
        );
        out.array("plan.blocks", &self.blocks);
        let sides = [
            ("holdings", Some(&self.holdings)),
            ("holders", self.holders.get()),
        ];
        for (name, side) in sides.into_iter().filter_map(|(n, s)| Some((n, s?))) {
            for (part, csr) in [("outside", &side.outside), ("inside", &side.inside)] {
                out.array(&format!("plan.{name}.{part}.offsets"), &csr.offsets);
                out.array(&format!("plan.{name}.{part}.cols"), &csr.cols);
                out.array(&format!("plan.{name}.{part}.vals"), &csr.vals);
            }
        }
    }

    /// The plan saved in `parts` for a graph of `n` nodes, if one was saved.
    pub fn load(parts: &mut Loader, n: usize) -> Result<Option<Plan>> {
        if !parts.has("plan.order") {
            return Ok(None);
        }
        let order = parts.array("plan.order", Some(n))?;
        check_below("plan.order", &order, n)?;
        let pos = parts.array("plan.pos", Some(n))?;
        check_below("plan.pos", &pos, n)?;
        let slots = parts.count("plan.slots")?;
        let slot_of = parts.array("plan.slot_of", Some(n))?;
        check_below("plan.slot_of", &slot_of, slots)?;
        let start = parts.offsets("plan.start", slots, Some(n))?;
        let simple = parts.array("plan.simple", Some(slots))?;
        let closed = parts.array("plan.closed", Some(slots))?;
        let divergent = parts.array("plan.divergent", Some(slots))?;
        let blocks = parts.array("plan.blocks", None)?;
        check_below("plan.blocks", &blocks, slots)?;
        let flat = parts.array::<usize>("plan.levels", None)?;
        if flat.len() % 4 != 0 {
            return Err(damaged("plan.levels", "is not four numbers a level"));
        }
        let levels: Vec<Level> = flat
            .chunks_exact(4)
            .map(|l| Level {
                rows: (l[0], l[1]),
                blocks: (l[2], l[3]),
            })
            .collect();
        if levels.iter().any(|l| {
            l.rows.0 > l.rows.1
                || l.rows.1 > n
                || l.blocks.0 > l.blocks.1
                || l.blocks.1 > blocks.len()
        }) {
            return Err(damaged("plan.levels", "holds a range out of bounds"));
        }
        let slots_count = start.len() - 1;
        let side = |parts: &mut Loader, name: &str| -> Result<Side> {
            let mut csr = |part: &str| -> Result<Csr> {
                let name = format!("plan.{name}.{part}");
                let offsets = parts.offsets(&format!("{name}.offsets"), n, None)?;
                let nnz = offsets[n];
                let cols = parts.array::<u32>(&format!("{name}.cols"), Some(nnz))?;
                let vals = parts.array::<f64>(&format!("{name}.vals"), Some(nnz))?;
                let in_range = if part == "outside" {
                    cols.par_iter().all(|&c| (c as usize) < n)
                } else {
                    // Inside columns are local to the row's component: below its size.
                    (0..slots_count).into_par_iter().all(|slot| {
                        let (a, b) = (start[slot], start[slot + 1]);
                        let size = (b - a) as u32;
                        cols[offsets[a]..offsets[b]].iter().all(|&c| c < size)
                    })
                };
                if !in_range {
                    return Err(damaged(&name, "holds a column out of range"));
                }
                Ok(Csr {
                    offsets,
                    cols,
                    vals,
                })
            };
            Ok(Side {
                outside: csr("outside")?,
                inside: csr("inside")?,
            })
        };
        let sweeps = sweeps(parts, &start)?;
        let holdings = side(parts, "holdings")?;
        let holders = OnceLock::new();
        if parts.has("plan.holders.outside.offsets") {
            let _ = holders.set(side(parts, "holders")?);
        }
        Ok(Some(Plan {
            order,
            pos,
            slot_of,
            start,
            simple,
            closed,
            upper: parts.number("plan.upper")? != 0,
            divergent,
            levels,
            blocks,
            holdings,
            holders,
            sweeps,
        }))
    }
}

/// The sweep levels of the large components: slots increasing, each component's boundaries
/// non-decreasing and within its rows (copied: a few numbers per large component).
fn sweeps(parts: &mut Loader, start: &[usize]) -> Result<Vec<(u32, Vec<u32>)>> {
    let slots = parts.array::<u32>("plan.sweep_slots", None)?;
    let offsets = parts.offsets("plan.sweep_offsets", slots.len(), None)?;
    let flat = parts.array::<u32>("plan.sweep_bounds", Some(offsets[slots.len()]))?;
    let num_slots = start.len() - 1;
    let mut out = Vec::with_capacity(slots.len());
    for (i, &slot) in slots.iter().enumerate() {
        let bounds = &flat[offsets[i]..offsets[i + 1]];
        let ok = (slot as usize) < num_slots
            && out
                .last()
                .is_none_or(|&(prev, _): &(u32, Vec<u32>)| prev < slot)
            && bounds.windows(2).all(|w| w[0] <= w[1])
            && bounds
                .last()
                .is_none_or(|&b| b as usize <= start[slot as usize + 1] - start[slot as usize]);
        if !ok {
            return Err(damaged("plan.sweep_bounds", "holds levels out of range"));
        }
        out.push((slot, bounds.to_vec()));
    }
    Ok(out)
}
