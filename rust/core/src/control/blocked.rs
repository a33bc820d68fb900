//! Entities blocked through ownership by listed persons, as a least fixpoint: Y is blocked
//! when the shares held in Y by the listed persons and by the entities already blocked,
//! counted in full, meet the threshold. `Rule::aggregate` adds up the holdings of every
//! listed person (OFAC, EU); otherwise each listed person counts alone, with what it blocks
//! on its own (UK). Each blocked entity passes its holdings on once: one pass over the edges
//! it holds (per listed person when not aggregated).

use rayon::prelude::*;

use super::fixpoint::{fixpoint, Bounds, Reached, Work};
use crate::contagion::{in_tasks, Touched};
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::interrupt::Interrupt;
use crate::kind::Kind;

/// Comparisons with the threshold allow this much: 0.1 + 0.35 + 0.05 is 0.49999999999999994
/// in floating point and must count as 50%.
pub const TOLERANCE: f64 = 1e-9;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    pub threshold: f64,
    /// More than the threshold (true) or at least it (false).
    pub strict: bool,
    /// The listed persons' holdings added up (true) or each person alone (false).
    pub aggregate: bool,
}

impl Rule {
    pub(super) fn meets(&self, held: f64) -> bool {
        if self.strict {
            held > self.threshold + TOLERANCE
        } else {
            held >= self.threshold - TOLERANCE
        }
    }
}

/// Per node: blocked (listed persons themselves excluded), the share held by the listed and
/// the blocked (aggregated: together; per person: the largest one person's), and the listed
/// persons behind each blocked node (`owners`: CSR rows by node, persons increasing).
#[derive(Debug, Clone, PartialEq)]
pub struct Blocked {
    pub blocked: Vec<bool>,
    pub held: Vec<f64>,
    pub owner_offsets: Vec<usize>,
    pub owners: Vec<u32>,
}

/// The fixpoint from `listed` (node indices, any order, no repeats needed).
pub fn blocked(g: &Graph, listed: &[u32], rule: Rule, interrupt: Interrupt) -> Result<Blocked> {
    let n = g.num_nodes();
    if !(rule.threshold > 0.0 && rule.threshold <= 1.0) {
        return Err(Error::InvalidArgument(format!(
            "threshold is {}; a share threshold is in (0, 1]",
            rule.threshold
        )));
    }
    let mut persons: Vec<u32> = listed.to_vec();
    persons.sort_unstable();
    persons.dedup();
    if let Some(&v) = persons.last().filter(|&&v| v as usize >= n) {
        return Err(Error::InvalidArgument(format!(
            "listed node {v} out of range"
        )));
    }
    let mut is_listed = vec![false; n];
    for &p in &persons {
        is_listed[p as usize] = true;
    }
    // Each listed person's own fixpoint: the nodes it blocks alone and the share it holds
    // in every node it reaches. Aggregated, one fixpoint from all of them together.
    let excluded = |v: u32| is_listed[v as usize];
    let all = Bounds::NONE;
    let runs: Vec<Vec<Reached>> = if rule.aggregate {
        let mut work = Work::new(n);
        vec![fixpoint(g, &persons, &excluded, rule, all, &mut work, interrupt)?.0]
    } else {
        in_tasks(
            persons.len(),
            1,
            || Work::new(n),
            |k, work, out: &mut Vec<Vec<Reached>>| {
                let one = &persons[k..k + 1];
                out.push(fixpoint(g, one, &excluded, rule, all, work, interrupt)?.0);
                Ok(())
            },
            interrupt,
        )?
        .into_iter()
        .flatten()
        .collect()
    };
    let mut blocked = vec![false; n];
    let mut held = vec![0.0f64; n];
    for run in &runs {
        for &(v, h, b) in run {
            let v = v as usize;
            blocked[v] |= b;
            if rule.aggregate || b {
                held[v] = held[v].max(h);
            }
        }
    }
    // Who is behind each blocked node: per person, what it reaches through blocked nodes
    // (aggregated) or what it blocks alone (per person).
    let behind: Vec<Vec<u32>> = if rule.aggregate {
        in_tasks(
            persons.len(),
            1,
            || Touched::new(n),
            |k, seen, out: &mut Vec<Vec<u32>>| {
                out.push(reach_through(g, persons[k], &blocked, seen));
                Ok(())
            },
            interrupt,
        )?
        .into_iter()
        .flatten()
        .collect()
    } else {
        runs.iter()
            .map(|run| run.iter().filter(|r| r.2).map(|r| r.0).collect())
            .collect()
    };
    let mut counts = vec![0usize; n + 1];
    for nodes in &behind {
        for &v in nodes {
            counts[v as usize + 1] += 1;
        }
    }
    for i in 0..n {
        counts[i + 1] += counts[i];
    }
    let mut fill = counts.clone();
    let mut owners = vec![0u32; counts[n]];
    for (k, nodes) in behind.iter().enumerate() {
        for &v in nodes {
            owners[fill[v as usize]] = persons[k];
            fill[v as usize] += 1;
        }
    }
    Ok(Blocked {
        blocked,
        held,
        owner_offsets: counts,
        owners,
    })
}

/// The nodes `person` reaches through blocked nodes (holdings with a share), increasing.
fn reach_through(g: &Graph, person: u32, blocked: &[bool], seen: &mut Touched) -> Vec<u32> {
    let mut stack = vec![person];
    seen.mark(person);
    let mut out = Vec::new();
    while let Some(u) = stack.pop() {
        for e in g.out_edges(u) {
            let held = e.kind == Kind::Equity && e.share > 0.0 && blocked[e.target as usize];
            if held && seen.mark(e.target) {
                out.push(e.target);
                stack.push(e.target);
            }
        }
    }
    seen.clear();
    out.par_sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::testing::equity;

    const OFAC: Rule = Rule {
        threshold: 0.5,
        strict: false,
        aggregate: true,
    };
    const UK: Rule = Rule {
        threshold: 0.5,
        strict: true,
        aggregate: false,
    };

    fn run(n: usize, edges: &[(u32, u32, f64)], listed: &[u32], rule: Rule) -> Vec<bool> {
        blocked(&equity(n, edges), listed, rule, Interrupt::never())
            .unwrap()
            .blocked
    }

    #[test]
    fn ofac_faq_401_examples() {
        // X = 0. 1: X 50% of A (1), A 50% of B (2): B blocked.
        assert_eq!(
            run(3, &[(0, 1, 0.5), (1, 2, 0.5)], &[0], OFAC),
            [false, true, true]
        );
        // 2: X 50% of A and of B, A and B 25% each of C (3): C blocked.
        let e = [(0, 1, 0.5), (0, 2, 0.5), (1, 3, 0.25), (2, 3, 0.25)];
        assert_eq!(run(4, &e, &[0], OFAC), [false, true, true, true]);
        // 3: X 50% of A, 10% of B; A 40% of B: B blocked.
        let e = [(0, 1, 0.5), (0, 2, 0.1), (1, 2, 0.4)];
        assert_eq!(run(3, &e, &[0], OFAC), [false, true, true]);
        // 4: X 25% of A and of B, A and B 50% each of C: nothing blocked.
        let e = [(0, 1, 0.25), (0, 2, 0.25), (1, 3, 0.5), (2, 3, 0.5)];
        assert_eq!(run(4, &e, &[0], OFAC), [false; 4]);
    }

    #[test]
    fn uk_counts_each_person_alone_and_more_than_half() {
        // Two listed persons 30% each of C: blocked when aggregated, not per person.
        let e = [(0, 2, 0.3), (1, 2, 0.3)];
        assert_eq!(run(3, &e, &[0, 1], OFAC), [false, false, true]);
        assert_eq!(run(3, &e, &[0, 1], UK), [false; 3]);
        // Exactly 50%: OFAC yes, UK no; the float sum 0.1 + 0.35 + 0.05 counts as 50%.
        let e = [(0, 1, 0.5)];
        assert_eq!(run(2, &e, &[0], OFAC), [false, true]);
        assert_eq!(run(2, &e, &[0], UK), [false, false]);
        let e = [(0, 3, 0.1), (1, 3, 0.35), (2, 3, 0.05)];
        assert!(run(4, &e, &[0, 1, 2], OFAC)[3]);
    }

    #[test]
    fn cycles_and_owners() {
        // X holds 60% of A; A and B hold 60% of each other: both blocked, X behind both.
        let e = [(0, 1, 0.6), (1, 2, 0.6), (2, 1, 0.3)];
        let b = blocked(&equity(3, &e), &[0], OFAC, Interrupt::never()).unwrap();
        assert_eq!(b.blocked, [false, true, true]);
        assert_eq!(&b.owners[b.owner_offsets[2]..b.owner_offsets[3]], &[0]);
        assert!((b.held[1] - 0.9).abs() < 1e-15);
    }
}
