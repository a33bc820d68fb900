//! Many scenarios at once: each scenario's sparse input, and the driver that runs them in
//! parallel in a bounded number of tasks, each reusing one workspace.

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::interrupt::Interrupt;

/// Scenario k's entries are `nodes[offsets[k]..offsets[k + 1]]` (increasing, no repeats)
/// with `values` beside them.
#[derive(Debug, Clone, Copy)]
pub struct Scenarios<'a> {
    pub offsets: &'a [usize],
    pub nodes: &'a [u32],
    pub values: &'a [f64],
}

impl<'a> Scenarios<'a> {
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, k: usize) -> (&'a [u32], &'a [f64]) {
        let r = self.offsets[k]..self.offsets[k + 1];
        (&self.nodes[r.clone()], &self.values[r])
    }

    /// Offsets that cover the entries in order, nodes below `n` and increasing within each
    /// scenario, values in [0, 1].
    pub fn check(&self, n: usize, what: &str) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidArgument(m));
        if self.offsets.first().copied().unwrap_or(0) != 0
            || self.offsets.windows(2).any(|w| w[0] > w[1])
            || self.offsets.last().copied().unwrap_or(0) != self.nodes.len()
            || self.nodes.len() != self.values.len()
        {
            return bad("scenario offsets do not cover the entries in order".into());
        }
        for k in 0..self.len() {
            let (nodes, values) = self.get(k);
            if nodes.windows(2).any(|w| w[0] >= w[1])
                || nodes.last().is_some_and(|&v| v as usize >= n)
            {
                return bad(format!("scenario {k}: nodes out of order or out of range"));
            }
            if let Some(p) = values.iter().position(|x| !(0.0..=1.0).contains(x)) {
                return bad(format!(
                    "scenario {k}: the {what} on ⟦{}⟧ is {}; it must be in [0, 1]",
                    nodes[p], values[p]
                ));
            }
        }
        Ok(())
    }
}

/// Tasks per thread: enough to even out scenarios of unequal cost, few enough that the
/// workspaces (one per task) stay a small multiple of the thread count.
pub const TASKS_PER_THREAD: usize = 4;

/// Runs `run(k, work, out)` for every scenario k, in at most `per_thread` × threads
/// contiguous ranges in parallel, each with its own `make()` workspace; the outputs in
/// scenario order. The interrupt is checked before every scenario.
pub(crate) fn in_tasks<W, O>(
    count: usize,
    per_thread: usize,
    make: impl Fn() -> W + Sync,
    run: impl Fn(usize, &mut W, &mut O) -> Result<()> + Sync,
    interrupt: Interrupt,
) -> Result<Vec<O>>
where
    O: Default + Send,
{
    let tasks = count.min(per_thread * rayon::current_num_threads()).max(1);
    let per = count.div_ceil(tasks).max(1);
    (0..count.div_ceil(per))
        .into_par_iter()
        .map(|t| {
            let mut work = make();
            let mut out = O::default();
            for k in t * per..((t + 1) * per).min(count) {
                interrupt.check()?;
                run(k, &mut work, &mut out)?;
            }
            Ok(out)
        })
        .collect()
}

/// Nodes a scenario touched, to report and then reset: each listed once.
#[derive(Default)]
pub(crate) struct Touched {
    seen: Vec<bool>,
    pub(crate) list: Vec<u32>,
}

impl Touched {
    pub(crate) fn new(n: usize) -> Touched {
        Touched {
            seen: vec![false; n],
            list: Vec::new(),
        }
    }

    /// Marks `i`; true if it was not marked yet.
    #[inline]
    pub(crate) fn mark(&mut self, i: u32) -> bool {
        let fresh = !self.seen[i as usize];
        if fresh {
            self.seen[i as usize] = true;
            self.list.push(i);
        }
        fresh
    }

    /// The touched nodes in increasing order; `clear` afterwards.
    pub(crate) fn sorted(&mut self) -> &[u32] {
        self.list.sort_unstable();
        &self.list
    }

    pub(crate) fn clear(&mut self) {
        for &i in &self.list {
            self.seen[i as usize] = false;
        }
        self.list.clear();
    }
}
