//! A solve plan's arrays saved and opened (`crate::parts`), under names starting "plan.".

use rayon::prelude::*;

use super::plan::{Level, Plan, Side};
use crate::csr::Csr;
use crate::error::Result;
use crate::parts::{check_below, damaged, Loader, Saved};
use crate::scc::Components;

impl Plan {
    pub fn save<'a>(&'a self, out: &mut Saved<'a>) {
        out.number("plan.upper", self.upper as u64);
        out.number("plan.components", self.comps.count() as u64);
        out.number("plan.slots", self.simple.len() as u64);
        out.array("plan.component", &self.comps.component);
        out.array("plan.component_offsets", &self.comps.offsets);
        out.array("plan.members", &self.comps.members);
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
        out.array("plan.blocks", &self.blocks);
        for (name, side) in [("holdings", &self.holdings), ("holders", &self.holders)] {
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
        let count = parts.count("plan.components")?;
        let component = parts.array("plan.component", Some(n))?;
        check_below("plan.component", &component, count)?;
        let offsets = parts.offsets("plan.component_offsets", count, Some(n))?;
        let members = parts.array("plan.members", Some(n))?;
        check_below("plan.members", &members, n)?;
        let comps = Components {
            component,
            offsets,
            members,
        };
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
        // A row's inside columns are local to its component: below the component's size.
        let size = |k: usize| {
            let slot = slot_of[k] as usize;
            start[slot + 1] - start[slot]
        };
        let mut side = |name: &str| -> Result<Side> {
            let mut csr = |part: &str, bound: &(dyn Fn(usize) -> usize + Sync)| -> Result<Csr> {
                let name = format!("plan.{name}.{part}");
                let offsets = parts.offsets(&format!("{name}.offsets"), n, None)?;
                let nnz = offsets[n];
                let cols = parts.array::<u32>(&format!("{name}.cols"), Some(nnz))?;
                let vals = parts.array::<f64>(&format!("{name}.vals"), Some(nnz))?;
                let csr = Csr {
                    offsets,
                    cols,
                    vals,
                };
                let in_range = (0..n)
                    .into_par_iter()
                    .all(|k| csr.row(k).0.iter().all(|&c| (c as usize) < bound(k)));
                if !in_range {
                    return Err(damaged(&name, "holds a column out of range"));
                }
                Ok(csr)
            };
            Ok(Side {
                outside: csr("outside", &|_| n)?,
                inside: csr("inside", &size)?,
            })
        };
        let holdings = side("holdings")?;
        let holders = side("holders")?;
        Ok(Some(Plan {
            comps,
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
        }))
    }
}
