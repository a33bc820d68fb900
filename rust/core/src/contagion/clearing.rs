//! Clearing (Eisenberg–Noe 2001) with default costs (Rogers–Veraart 2013).
//!
//! Node i owes `p̄_i` = Σ_j L[i, j] + its external liabilities. `Priority::PariPassu` pays
//! every creditor in proportion (`Π[i, j] = L[i, j] / p̄_i`, the outside creditors one more);
//! `Priority::ExternalSenior` pays the outside creditors first and shares what is left,
//! max(0, p_i − external liabilities), among the graph's creditors in proportion to L[i, j]. Its assets are its external assets e_i plus what
//! its debtors pay it, `a_i(p) = e_i + Σ_j Π[j, i] p_j`. A clearing vector solves
//! p_i = p̄_i where a_i(p) ≥ p̄_i, and p_i = α e_i + β Σ_j Π[j, i] p_j otherwise (α = β = 1:
//! Eisenberg–Noe, p_i = min(p̄_i, a_i(p))). The greatest one is found by Rogers and Veraart's
//! greatest-clearing-vector algorithm: from full payment, the set of defaulting nodes grows
//! round by round; within a round the defaulters' payments are iterated from above (Jacobi,
//! synchronous: the same bits for any thread count) to their fixed point, reading the
//! defaulters' rows only; then one pass over every row finds the next defaulters.

use rayon::prelude::*;

use crate::csr::Csr;
use crate::error::{Error, Result};
use crate::interrupt::Interrupt;

/// Relative change (to the largest obligation) at which a round's payments are final.
pub const TOLERANCE: f64 = 1e-13;
/// Payment iterations (over all rounds) before `Error::Convergence`.
pub const MAX_ROUNDS: usize = 1_000_000;

/// Who is paid first by a node that cannot pay everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    PariPassu,
    ExternalSenior,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Clearing {
    /// p̄: what each node owes in all.
    pub obligation: Vec<f64>,
    /// p: what it pays.
    pub payment: Vec<f64>,
    /// Its assets at the clearing vector, e_i + Σ_j Π[j, i] p_j.
    pub assets: Vec<f64>,
    pub defaulted: Vec<bool>,
    /// Rounds of the default set (1: nobody defaults).
    pub rounds: usize,
}

/// The greatest clearing vector. `a` holds the claims (row i: i's claims on its debtors,
/// `crate::contagion::claims`); `external_assets` and `external_liabilities` per node (≥ 0).
pub fn clearing(
    a: &Csr,
    external_assets: &[f64],
    external_liabilities: &[f64],
    alpha: f64,
    beta: f64,
    priority: Priority,
    interrupt: Interrupt,
) -> Result<Clearing> {
    let n = external_assets.len();
    if external_liabilities.len() != n || a.offsets.len() != n + 1 {
        return Err(Error::InvalidArgument(
            "clearing inputs differ in size".into(),
        ));
    }
    for (name, x) in [("alpha", alpha), ("beta", beta)] {
        if !(0.0..=1.0).contains(&x) {
            return Err(Error::InvalidArgument(format!(
                "{name} is {x}; the share of assets recovered in default is in [0, 1]"
            )));
        }
    }
    // p̄_j: column sums of the claims (what j owes), in row order, plus external liabilities.
    let mut obligation = external_liabilities.to_vec();
    for i in 0..n {
        let (debtors, claims) = a.row(i);
        for (&j, &c) in debtors.iter().zip(claims) {
            obligation[j as usize] += c;
        }
    }
    let scale = obligation.iter().fold(1.0f64, |m, &x| m.max(x));
    // What j's graph creditors share, and what they are owed in all.
    let shared = |j: usize, pj: f64| match priority {
        Priority::PariPassu => (pj, obligation[j]),
        Priority::ExternalSenior => (
            (pj - external_liabilities[j]).max(0.0),
            obligation[j] - external_liabilities[j],
        ),
    };
    // What each creditor receives: Σ_j claim · (j's pool / what j owes its graph creditors),
    // the ratio computed once per debtor.
    let mut ratio = vec![0.0f64; n];
    let mut inflow = |p: &[f64], into: &mut Vec<f64>| {
        ratio.par_iter_mut().enumerate().for_each(|(j, r)| {
            let (pool, owed) = shared(j, p[j]);
            *r = if owed > 0.0 { pool / owed } else { 0.0 };
        });
        let ratio = &ratio;
        into.resize(n, 0.0);
        into.par_iter_mut().enumerate().for_each(|(i, x)| {
            let (debtors, claims) = a.row(i);
            *x = debtors
                .iter()
                .zip(claims)
                .map(|(&j, &c)| c * ratio[j as usize])
                .sum();
        });
    };
    // What defaulter i receives at payments p: the same sum as `inflow`'s row i.
    let received = |i: usize, p: &[f64]| -> f64 {
        let (debtors, claims) = a.row(i);
        debtors
            .iter()
            .zip(claims)
            .map(|(&j, &c)| {
                let (pool, owed) = shared(j as usize, p[j as usize]);
                c * if owed > 0.0 { pool / owed } else { 0.0 }
            })
            .sum()
    };
    let mut p = obligation.clone();
    let mut into: Vec<f64> = Vec::with_capacity(n);
    let mut defaulted = vec![false; n];
    // The defaulters: only their payments move within a round, so only their rows are read.
    let mut members: Vec<u32> = Vec::new();
    let mut rounds = 0;
    let mut iterations = 0;
    loop {
        rounds += 1;
        // Defaulters' payments, iterated from above to their fixed point (Jacobi: every
        // defaulter's next payment from the last ones).
        loop {
            interrupt.check()?;
            iterations += 1;
            if iterations > MAX_ROUNDS {
                return Err(Error::Convergence {
                    size: n,
                    iterations,
                    residual: f64::NAN,
                    tolerance: TOLERANCE,
                });
            }
            let next: Vec<f64> = members
                .par_iter()
                .map(|&i| {
                    let i = i as usize;
                    (alpha * external_assets[i] + beta * received(i, &p)).min(obligation[i])
                })
                .collect();
            let mut change = 0.0f64;
            for (&i, x) in members.iter().zip(next) {
                change = change.max((x - p[i as usize]).abs());
                p[i as usize] = x;
            }
            if change <= TOLERANCE * scale {
                break;
            }
        }
        inflow(&p, &mut into);
        let assets: Vec<f64> = (0..n).map(|i| external_assets[i] + into[i]).collect();
        // Those who cannot pay in full at these payments join the defaulters (never leave).
        let mut grew = false;
        for i in 0..n {
            if !defaulted[i] && assets[i] < obligation[i] * (1.0 - TOLERANCE) {
                defaulted[i] = true;
                members.push(i as u32);
                grew = true;
            }
        }
        if !grew {
            return Ok(Clearing {
                obligation,
                payment: p,
                assets,
                defaulted,
                rounds,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEVER: Interrupt<'static> = Interrupt::never();

    #[test]
    fn a_closed_ring_without_outside_assets_pays_in_full() {
        // 0 owes 1 ten, 1 owes 0 ten (claims: 1 on 0, 0 on 1).
        let a = Csr::new(vec![0, 1, 2], vec![1, 0], vec![10.0, 10.0]);
        let c = clearing(
            &a,
            &[0.0, 0.0],
            &[0.0, 0.0],
            1.0,
            1.0,
            Priority::PariPassu,
            NEVER,
        )
        .unwrap();
        assert_eq!(c.payment, vec![10.0, 10.0]);
        assert_eq!(c.defaulted, vec![false, false]);
        assert_eq!(c.rounds, 1);
    }

    #[test]
    fn eisenberg_noe_and_default_costs_worked_numbers() {
        // 0 owes 1 ten and has 4 outside: pays 4 (EN), 1 has 2 outside and owes 8 outside.
        let a = Csr::new(vec![0, 0, 1], vec![0], vec![10.0]);
        let en = clearing(
            &a,
            &[4.0, 2.0],
            &[0.0, 8.0],
            1.0,
            1.0,
            Priority::PariPassu,
            NEVER,
        )
        .unwrap();
        assert_eq!(en.payment, vec![4.0, 6.0]);
        assert_eq!(en.defaulted, vec![true, true]);
        // Default costs: 0 pays half its outside assets, 1 keeps 0.8 of what it receives.
        let rv = clearing(
            &a,
            &[4.0, 2.0],
            &[0.0, 8.0],
            0.5,
            0.8,
            Priority::PariPassu,
            NEVER,
        )
        .unwrap();
        assert!((rv.payment[0] - 2.0).abs() < 1e-12);
        assert!((rv.payment[1] - (0.5 * 2.0 + 0.8 * 2.0)).abs() < 1e-12);
    }

    #[test]
    fn external_seniority_serves_outside_creditors_first() {
        // 0 owes 1 ten and outsiders 5, with 6 outside: pari passu 1 gets 6 · 10/15 = 4;
        // senior, outsiders take 5 and 1 gets 1.
        let a = Csr::new(vec![0, 0, 1], vec![0], vec![10.0]);
        let (e, l) = ([6.0, 100.0], [5.0, 0.0]);
        let pp = clearing(&a, &e, &l, 1.0, 1.0, Priority::PariPassu, NEVER).unwrap();
        assert!((pp.assets[1] - 104.0).abs() < 1e-12);
        let senior = clearing(&a, &e, &l, 1.0, 1.0, Priority::ExternalSenior, NEVER).unwrap();
        assert!((senior.assets[1] - 101.0).abs() < 1e-12);
        assert_eq!(senior.payment[0], 6.0);
    }
}
