//! Whether the walk sum Σ Aᵏ of a component's block converges (spectral radius ρ(A) < 1), for
//! plans of upper bounds, whose capped shares may hold an issuer more than 100%.
//!
//! A block of a strongly connected component of positive entries is irreducible. Then:
//! * column sums (or row sums) all ≤ 1 and the component not closed give ρ < 1;
//! * otherwise the Collatz–Wielandt bounds of B = A + I (same Perron vector, ρ(B) = ρ(A) + 1;
//!   the shift makes B primitive, so power iteration converges) decide:
//!   min_i (Bx)_i / x_i ≤ ρ(B) ≤ max_i (Bx)_i / x_i for every x > 0. The iteration stops as
//!   soon as the upper bound is below 2 (converges) or the lower bound reaches 2 (diverges).
//!
//! A block left undecided within the work budget counts as divergent: +inf is always a valid
//! upper bound, and a finite one is given only when proven.

use rayon::prelude::*;

use super::plan::Side;
use crate::csr::Csr;
use crate::error::Result;
use crate::interrupt::Interrupt;

/// Entry visits allowed per undecided block (beyond `MIN_ITERATIONS` iterations).
const WORK_BUDGET: usize = 1_000_000_000;
const MIN_ITERATIONS: usize = 1_000;

/// One flag per slot: its walk sum diverges (or is not shown to converge).
pub(crate) fn divergent_blocks(
    holdings: &Side,
    holders: &Side,
    start: &[usize],
    simple: &[bool],
    closed: &[bool],
    interrupt: Interrupt,
) -> Result<Vec<bool>> {
    (0..simple.len())
        .into_par_iter()
        .with_max_len(1)
        .map(|slot| {
            if closed[slot] {
                return Ok(true);
            }
            if simple[slot] {
                return Ok(false);
            }
            let (s, e) = (start[slot], start[slot + 1]);
            let max_sum = |csr: &Csr| {
                (s..e)
                    .map(|k| csr.row(k).1.iter().sum::<f64>())
                    .fold(0.0f64, f64::max)
            };
            if max_sum(&holders.inside) <= 1.0 || max_sum(&holdings.inside) < 1.0 {
                return Ok(false);
            }
            Ok(!radius_below_one(&holdings.inside, s, e - s, interrupt)?)
        })
        .collect()
}

/// Whether ρ(A) < 1 is proven for the block of rows `s..s + len` (columns local), by the
/// Collatz–Wielandt bounds of A + I along a power iteration.
fn radius_below_one(inside: &Csr, s: usize, len: usize, interrupt: Interrupt) -> Result<bool> {
    let nnz: usize = (s..s + len).map(|k| inside.row(k).0.len()).sum();
    let iterations = MIN_ITERATIONS.max(WORK_BUDGET / (nnz + len).max(1));
    let mut x = vec![1.0f64; len];
    let mut y = vec![0.0f64; len];
    let mut tick = interrupt.ticker(16);
    for _ in 0..iterations {
        tick.tick()?;
        let (mut lower, mut upper, mut top) = (f64::INFINITY, 0.0f64, 0.0f64);
        for a in 0..len {
            let (cols, vals) = inside.row(s + a);
            let mut acc = x[a];
            for (&j, &w) in cols.iter().zip(vals) {
                acc += w * x[j as usize];
            }
            y[a] = acc;
            let ratio = acc / x[a];
            lower = lower.min(ratio);
            upper = upper.max(ratio);
            top = top.max(acc);
        }
        if upper < 2.0 {
            return Ok(true);
        }
        if lower >= 2.0 || !top.is_finite() {
            return Ok(false);
        }
        // Rescale so that the iterate stays in range (x > 0 throughout: B has a positive
        // diagonal).
        for (xa, &ya) in x.iter_mut().zip(&y) {
            *xa = ya / top;
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use crate::exposure::{holdings_of, Direction, Plan, Solver};
    use crate::graph::testing::build;
    use crate::graph::Graph;
    use crate::interrupt::Interrupt;

    const NEVER: Interrupt<'static> = Interrupt::never();

    /// A=0 and B=1 each hold 0.6 of C=2 (C's column sums to 1.2: an upper-bound graph), and
    /// C holds `back` of A and of B. The cycle products give ρ² = 2 · 0.6 · back.
    fn star(back: f64) -> Graph {
        let rows = [
            (0, 2, 0, 0.6, f64::NAN),
            (1, 2, 0, 0.6, f64::NAN),
            (2, 0, 0, back, f64::NAN),
            (2, 1, 0, back, f64::NAN),
            (3, 0, 0, 0.1, f64::NAN), // an outside holder
        ];
        let source: Vec<u32> = rows.iter().map(|r| r.0).collect();
        let target: Vec<u32> = rows.iter().map(|r| r.1).collect();
        let kind: Vec<u8> = rows.iter().map(|r| r.2).collect();
        let share: Vec<f64> = rows.iter().map(|r| r.3).collect();
        let input = crate::graph::EdgeInput {
            num_nodes: 4,
            source: &source,
            target: &target,
            kind: &kind,
            share: &share,
            amount: &[],
        };
        Graph::build_with(&input, false, NEVER).unwrap()
    }

    #[test]
    fn radius_below_one_with_a_column_above_one_converges() {
        let g = star(0.5); // ρ² = 0.6
        let plan = Plan::upper(&g, NEVER).unwrap();
        assert!(plan.divergent_components().is_empty());
        // x = W x + b by a dense inverse: A's row.
        let s = Solver { g: &g, plan: &plan };
        let row = holdings_of(&s, 3, NEVER).unwrap();
        assert!(row.iter().all(|(_, v)| v.is_finite()));
    }

    #[test]
    fn radius_above_one_diverges_to_infinity_not_an_error() {
        let g = star(1.0); // ρ² = 1.2
        let plan = Plan::upper(&g, NEVER).unwrap();
        let divergent = plan.divergent_components();
        assert_eq!(divergent, vec![(3, vec![0, 1, 2])]);
        let s = Solver { g: &g, plan: &plan };
        let row = holdings_of(&s, 3, NEVER).unwrap();
        assert_eq!(row.len(), 3);
        assert!(row.iter().all(|(_, v)| *v == f64::INFINITY));
        // Nothing flows into it: zeros stay zeros.
        let x = plan
            .solve(Direction::Holdings, &[0.0, 0.0, 0.0, 1.0], NEVER)
            .unwrap();
        assert_eq!(x, vec![0.0, 0.0, 0.0, 1.0]);
    }

    #[test]
    fn closed_cycles_raise_in_a_plain_plan_and_diverge_in_an_upper_one() {
        let g = build(2, &[(0, 1, 0, 1.0, f64::NAN), (1, 0, 0, 1.0, f64::NAN)]).unwrap();
        let plain = Plan::new(&g, NEVER).unwrap();
        assert!(plain
            .solve(Direction::Holdings, &[1.0, 0.0], NEVER)
            .is_err());
        let upper = Plan::upper(&g, NEVER).unwrap();
        let x = upper
            .solve(Direction::Holdings, &[1.0, 0.0], NEVER)
            .unwrap();
        assert_eq!(x, vec![f64::INFINITY; 2]);
    }

    #[test]
    fn an_infinite_input_reaches_its_whole_component_and_what_holds_it() {
        // 0 and 1 hold each other (0.5 each); 2 holds 0.3 of 0; 1 gets an infinite input.
        let g = build(
            3,
            &[
                (0, 1, 0, 0.5, f64::NAN),
                (1, 0, 0, 0.5, f64::NAN),
                (2, 0, 0, 0.3, f64::NAN),
            ],
        )
        .unwrap();
        let plan = Plan::new(&g, NEVER).unwrap();
        let x = plan
            .solve(Direction::Holdings, &[0.0, f64::INFINITY, 1.0], NEVER)
            .unwrap();
        assert_eq!(x, vec![f64::INFINITY; 3]);
    }

    #[test]
    fn sparse_tables_on_an_upper_plan_match_the_exact_rows() {
        // Divergent (ρ² = 1.2): +inf wherever the exact rows are; convergent (ρ² = 0.6): finite
        // values within the bound.
        for back in [1.0, 0.5] {
            let g = star(back);
            let plan = Plan::upper(&g, NEVER).unwrap();
            let s = Solver { g: &g, plan: &plan };
            let (stakes, bound) =
                crate::exposure::integrated_walks_sparse(&s, 0.01, NEVER).unwrap();
            for h in 0..4u32 {
                let exact = holdings_of(&s, h, NEVER).unwrap();
                let mine: Vec<(u32, f64)> = stakes
                    .iter()
                    .filter(|st| st.holder == Some(h))
                    .map(|st| (st.issuer, st.value))
                    .collect();
                let wanted: Vec<&(u32, f64)> = exact.iter().filter(|e| e.1 > 0.01).collect();
                assert_eq!(mine.len(), wanted.len(), "back {back}, holder {h}");
                for ((i, v), (j, x)) in mine.iter().zip(wanted) {
                    assert_eq!(i, j);
                    if x.is_infinite() {
                        assert_eq!(*v, f64::INFINITY);
                    } else {
                        assert!(*v <= x + 1e-12 && x - v <= bound + 1e-12, "{v} {x}");
                    }
                }
            }
        }
    }
}
