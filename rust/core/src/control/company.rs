//! Company control (the Bank of Italy's definition, as Vadalog computes it): X controls Y when
//! the shares held in Y by X and by the companies X controls, counted in full, exceed the
//! threshold. One least fixpoint per candidate controller, candidates in parallel; a node
//! never controls itself, and what a controlled company holds in its controller is not
//! counted.

use super::blocked::{Rule, TOLERANCE};
use super::fixpoint::{fixpoint, Bounds, Reached, Work};
use crate::contagion::in_tasks;
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::interrupt::Interrupt;

/// Pairs (controller, controlled, held), controllers in the order given and controlled
/// nodes increasing; `cut` lists the controllers whose search a bound cut.
/// With `report_above`, also the pairs held above it but not controlled (`controls` false).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Control {
    pub controller: Vec<u32>,
    pub controlled: Vec<u32>,
    pub held: Vec<f64>,
    pub controls: Vec<bool>,
    pub cut: Vec<u32>,
}

/// Who each of `candidates` controls under `rule` (`aggregate` is not read); with
/// `report_above` (UK PSC: 25%), also every node in which a candidate and the companies it
/// controls hold more than that, controlled or not.
pub fn control(
    g: &Graph,
    candidates: &[u32],
    rule: Rule,
    bounds: Bounds,
    report_above: Option<f64>,
    interrupt: Interrupt,
) -> Result<Control> {
    let n = g.num_nodes();
    if !(rule.threshold > 0.0 && rule.threshold <= 1.0) {
        return Err(Error::InvalidArgument(format!(
            "threshold is {}; a share threshold is in (0, 1]",
            rule.threshold
        )));
    }
    if let Some(&v) = candidates.iter().find(|&&v| v as usize >= n) {
        return Err(Error::InvalidArgument(format!(
            "candidate node {v} out of range"
        )));
    }
    type Found = (u32, Vec<Reached>, bool);
    let runs: Vec<Found> = in_tasks(
        candidates.len(),
        1,
        || Work::new(n),
        |k, work, out: &mut Vec<Found>| {
            let x = candidates[k];
            let me = |v: u32| v == x;
            let (found, cut) = fixpoint(g, &[x], &me, rule, bounds, work, interrupt)?;
            out.push((x, found, cut));
            Ok(())
        },
        interrupt,
    )?
    .into_iter()
    .flatten()
    .collect();
    let mut out = Control::default();
    for (x, found, cut) in runs {
        for (v, h, caught) in found {
            let above = report_above.is_some_and(|a| h > a + TOLERANCE);
            if caught || above {
                out.controller.push(x);
                out.controlled.push(v);
                out.held.push(h);
                out.controls.push(caught);
            }
        }
        if cut {
            out.cut.push(x);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::testing::equity;

    const MAJORITY: Rule = Rule {
        threshold: 0.5,
        strict: true,
        aggregate: false,
    };

    fn pairs(n: usize, edges: &[(u32, u32, f64)]) -> Vec<(u32, u32)> {
        let all: Vec<u32> = (0..n as u32).collect();
        let g = equity(n, edges);
        let c = control(&g, &all, MAJORITY, Bounds::NONE, None, Interrupt::never());
        let c = c.unwrap();
        c.controller.into_iter().zip(c.controlled).collect()
    }

    #[test]
    fn control_through_controlled_companies_counted_in_full() {
        // 0 holds 60% of 1; 0 and 1 hold 30% each of 2: 0 controls 1 and 2 (60%).
        let e = [(0, 1, 0.6), (0, 2, 0.3), (1, 2, 0.3)];
        assert_eq!(pairs(3, &e), [(0, 1), (0, 2)]);
        // Exactly 50% is not control (more than half).
        assert_eq!(pairs(2, &[(0, 1, 0.5)]), []);
    }

    #[test]
    fn mutual_control_and_never_oneself() {
        // 0 and 1 hold 60% of each other: each controls the other, neither itself.
        assert_eq!(pairs(2, &[(0, 1, 0.6), (1, 0, 0.6)]), [(0, 1), (1, 0)]);
    }

    #[test]
    fn a_search_that_reaches_its_bound_says_so() {
        let e: Vec<(u32, u32, f64)> = (0..9).map(|i| (i, i + 1, 0.9)).collect();
        let g = equity(10, &e);
        let caught = Bounds {
            max_caught: 3,
            max_depth: usize::MAX,
        };
        let c = control(&g, &[0], MAJORITY, caught, None, Interrupt::never()).unwrap();
        assert_eq!(c.controlled, [1, 2, 3]);
        assert_eq!(c.cut, [0]);
        let depth = Bounds {
            max_caught: usize::MAX,
            max_depth: 2,
        };
        let c = control(&g, &[0], MAJORITY, depth, None, Interrupt::never()).unwrap();
        assert_eq!(c.controlled, [1, 2]);
        assert_eq!(c.cut, [0]);
        // A chain that ends within the bound is not cut.
        let c = control(&g, &[7], MAJORITY, depth, None, Interrupt::never()).unwrap();
        assert_eq!((c.controlled, c.cut), (vec![8, 9], vec![]));
    }
}

#[cfg(test)]
mod psc_tests {
    use super::*;
    use crate::graph::testing::equity;

    #[test]
    fn holdings_above_a_floor_are_reported_controlled_or_not() {
        // P 60% of H, H 30% of C: P controls H; P's group holds 30% of C, above 25%.
        let g = equity(3, &[(0, 1, 0.6), (1, 2, 0.3)]);
        let rule = Rule {
            threshold: 0.5,
            strict: true,
            aggregate: false,
        };
        let c = control(&g, &[0], rule, Bounds::NONE, Some(0.25), Interrupt::never()).unwrap();
        assert_eq!(c.controlled, [1, 2]);
        assert_eq!(c.controls, [true, false]);
        assert_eq!(c.held, [0.6, 0.3]);
    }
}
