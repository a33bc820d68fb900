//! Sequential defaults (Furfine 2003): round 0 is the shocked set; in round r a node that has
//! not failed fails when its loss on the claims it holds on nodes failed before round r,
//! `lgd · Σ_{j failed} A[i, j]`, reaches its equity (`AtThreshold` says whether reaching it
//! exactly is a failure). A node with no loss never fails, whatever its equity.

use crate::csr::Csr;
use crate::error::{Error, Result};
use crate::interrupt::Interrupt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtThreshold {
    /// A loss equal to the equity is a failure (loss ≥ equity).
    Default,
    /// A loss equal to the equity is survived (loss > equity).
    Survive,
}

/// The round each node failed in (`None`: survived) and the number of rounds after round 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Furfine {
    pub round: Vec<Option<u32>>,
    pub rounds: usize,
}

/// The cascade of the nodes `shocked` (round 0) over the claims `a` (rows: claimants).
pub fn furfine(
    a: &Csr,
    equity: &[f64],
    shocked: &[u32],
    lgd: f64,
    at_threshold: AtThreshold,
    interrupt: Interrupt,
) -> Result<Furfine> {
    let n = equity.len();
    if a.offsets.len() != n + 1 {
        return Err(Error::InvalidArgument(
            "claims and equity differ in size".into(),
        ));
    }
    if !(0.0..=1.0).contains(&lgd) {
        return Err(Error::InvalidArgument(format!(
            "lgd is {lgd}; the loss given default is a fraction in [0, 1]"
        )));
    }
    // Who holds claims on j (column j of A): claimants in increasing order.
    let t = a.transpose_with(n, |i, j| (j as usize, i as u32), interrupt)?;
    let mut round: Vec<Option<u32>> = vec![None; n];
    let mut newly: Vec<u32> = Vec::new();
    for &j in shocked {
        let r = round
            .get_mut(j as usize)
            .ok_or_else(|| Error::InvalidArgument(format!("shocked node {j} out of range")))?;
        if r.is_none() {
            *r = Some(0);
            newly.push(j);
        }
    }
    newly.sort_unstable();
    let mut loss = vec![0.0f64; n];
    let mut rounds = 0;
    while !newly.is_empty() {
        interrupt.check()?;
        // Losses of this round's failures, added in (failed node, claimant) order.
        let mut hit: Vec<u32> = Vec::new();
        for &j in &newly {
            let (claimants, claims) = t.row(j as usize);
            for (&i, &c) in claimants.iter().zip(claims) {
                if round[i as usize].is_none() && c > 0.0 {
                    loss[i as usize] += lgd * c;
                    hit.push(i);
                }
            }
        }
        hit.sort_unstable();
        hit.dedup();
        let fails = |i: u32| {
            let (l, e) = (loss[i as usize], equity[i as usize]);
            l > 0.0
                && match at_threshold {
                    AtThreshold::Default => l >= e,
                    AtThreshold::Survive => l > e,
                }
        };
        newly = hit.into_iter().filter(|&i| fails(i)).collect();
        if !newly.is_empty() {
            rounds += 1;
            for &i in &newly {
                round[i as usize] = Some(rounds as u32);
            }
        }
    }
    Ok(Furfine { round, rounds })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_fails_one_round_at_a_time_and_the_threshold_decides_ties() {
        // 1 claims 4 on 0, 2 claims 5 on 1; equity 4 and 5: losses equal to equity.
        let a = Csr::new(vec![0, 0, 1, 2], vec![0, 1], vec![4.0, 5.0]);
        let never = Interrupt::never();
        let r = furfine(&a, &[1.0, 4.0, 5.0], &[0], 1.0, AtThreshold::Default, never).unwrap();
        assert_eq!(r.round, vec![Some(0), Some(1), Some(2)]);
        assert_eq!(r.rounds, 2);
        let r = furfine(&a, &[1.0, 4.0, 5.0], &[0], 1.0, AtThreshold::Survive, never).unwrap();
        assert_eq!(r.round, vec![Some(0), None, None]);
        // Half the claim lost: 2 < 4, node 1 survives.
        let r = furfine(&a, &[1.0, 4.0, 5.0], &[0], 0.5, AtThreshold::Default, never).unwrap();
        assert_eq!(r.round, vec![Some(0), None, None]);
        assert!(furfine(&a, &[1.0; 3], &[0], 1.5, AtThreshold::Default, never).is_err());
    }
}
