//! DebtRank: distress h ∈ [0, 1] (relative equity loss) spreading over claims.
//!
//! The impact of j's distress on i is `W[i, j] = min(1, A[i, j] / E_i)`, A[i, j] the claim of
//! i on j, E_i i's equity (an equity of zero or less: impact 1 on any non-zero claim). Rounds are
//! synchronous: round t + 1 reads round t only, every row sums its terms in claim order, so
//! the result is the same bits for any thread count.
//!
//! * Single-hit (Battiston et al. 2012): a node distressed in round t passes on its whole
//!   distress h_j(t) once, in round t + 1, then is inactive;
//!   h_i(t + 1) = min(1, h_i(t) + Σ_{j distressed in t} W[i, j] h_j(t)).
//! * Linear (Bardoscia et al. 2015) and non-linear (Bardoscia et al. 2016): every round passes
//!   on the increments, h_i(t + 1) = min(1, h_i(t) + Σ_j W[i, j] (p_j(t) − p_j(t − 1))), with
//!   p(h) = h · exp(α (h − 1)) (α = 0: p = h, linear), h(0) = 0 and h(1) the shock; until no
//!   increment is above `TOLERANCE`.

use rayon::prelude::*;

use crate::csr::Csr;
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::interrupt::Interrupt;
use crate::kind::{Kind, KindMask};

/// Increments (absolute, distress is in [0, 1]) at or below which the linear and non-linear
/// variants stop.
pub const TOLERANCE: f64 = 1e-12;
/// Rounds before the linear and non-linear variants give up with `Error::Convergence`.
pub const MAX_ROUNDS: usize = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Variant {
    SingleHit,
    /// α ≥ 0; 0 is the linear DebtRank.
    NonLinear {
        alpha: f64,
    },
}

/// The distress after the cascade, and the number of rounds it took (the shock is round 1).
#[derive(Debug, Clone, PartialEq)]
pub struct DebtRank {
    pub distress: Vec<f64>,
    pub rounds: usize,
}

/// A block of rows: each row's end, the columns and the values.
type Block = (Vec<usize>, Vec<u32>, Vec<f64>);

/// Each node's claims `A[i, ·]` from the graph's edges of `kinds`: a credit edge lender →
/// borrower is the lender's claim on the borrower, a commitment edge customer → supplier the
/// supplier's claim on its customer; claims of one node on another are summed (in edge
/// order). Fails on an unknown amount (NaN) or a negative one: no claim is assumed.
pub fn claims(g: &Graph, kinds: KindMask) -> Result<Csr> {
    const ROWS: usize = 1 << 14;
    let n = g.num_nodes();
    let (credit, commitment) = (
        kinds.contains(Kind::Credit),
        kinds.contains(Kind::Commitment),
    );
    let check = |i: u32, j: u32, p: usize| -> Result<f64> {
        let a = g.amount(p);
        if a.is_nan() || a < 0.0 {
            return Err(Error::InvalidArgument(format!(
                "the {} edge between ⟦{i}⟧ and ⟦{j}⟧ has {} amount: a claim must be known to \
                 spread distress; give its amount, or leave its kind out of `kinds`",
                g.edge(p).kind.name(),
                if a.is_nan() {
                    "an unknown"
                } else {
                    "a negative"
                }
            )));
        }
        Ok(a)
    };
    // Blocks of rows built in parallel, each row merging two lists already sorted by
    // counterparty: credit out-edges (by target) and commitment in-edges (by source).
    let blocks: Vec<Result<Block>> = (0..n.div_ceil(ROWS))
        .into_par_iter()
        .map(|b| {
            let (mut ends, mut cols, mut vals) = (Vec::new(), Vec::new(), Vec::new());
            for i in (b * ROWS) as u32..((b + 1) * ROWS).min(n) as u32 {
                let start = g.out_range(i).start;
                let lent = g
                    .out_edges(i)
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| credit && e.kind == Kind::Credit);
                let lent = lent.map(|(k, e)| (e.target, start + k));
                let sold = g
                    .in_edges(i)
                    .iter()
                    .filter(|ie| commitment && g.edge(ie.edge as usize).kind == Kind::Commitment);
                let sold = sold.map(|ie| (ie.source, ie.edge as usize));
                let (mut lent, mut sold) = (lent.peekable(), sold.peekable());
                loop {
                    // The next claim by counterparty; on a tie, the credit edge first.
                    let next = match (lent.peek(), sold.peek()) {
                        (Some(&(a, _)), Some(&(b, _))) if b < a => sold.next(),
                        (Some(_), _) => lent.next(),
                        (None, Some(_)) => sold.next(),
                        (None, None) => None,
                    };
                    let Some((j, p)) = next else { break };
                    let a = check(i, j, p)?;
                    if cols.len() > ends.last().copied().unwrap_or(0) && cols.last() == Some(&j) {
                        *vals.last_mut().expect("pushed with its column") += a;
                    } else {
                        cols.push(j);
                        vals.push(a);
                    }
                }
                ends.push(cols.len());
            }
            Ok((ends, cols, vals))
        })
        .collect();
    let mut offsets = Vec::with_capacity(n + 1);
    let (mut cols, mut vals) = (Vec::new(), Vec::new());
    offsets.push(0);
    for block in blocks {
        let (ends, c, v) = block?;
        let base = cols.len();
        offsets.extend(ends.iter().map(|e| e + base));
        cols.extend_from_slice(&c);
        vals.extend_from_slice(&v);
    }
    Ok(Csr::new(offsets, cols, vals))
}

/// The impacts `W[i, j] = min(1, A[i, j] / E_i)` of the claims `a`.
pub(super) fn impacts(a: &Csr, equity: &[f64]) -> Csr {
    let n = equity.len();
    let vals: Vec<f64> = (0..n)
        .into_par_iter()
        .flat_map_iter(|i| {
            let e = equity[i];
            a.row(i).1.iter().map(move |&c| match () {
                _ if c == 0.0 => 0.0,
                _ if e > 0.0 => (c / e).min(1.0),
                _ => 1.0,
            })
        })
        .collect();
    Csr {
        offsets: a.offsets.clone(),
        cols: a.cols.clone(),
        vals: vals.into(),
    }
}

/// The DebtRank cascade of `shock` (relative equity loss per node, in [0, 1]) over the claims
/// `a` (`claims`), with `equity` per node (finite).
pub fn debtrank(
    a: &Csr,
    equity: &[f64],
    shock: &[f64],
    variant: Variant,
    interrupt: Interrupt,
) -> Result<DebtRank> {
    let n = equity.len();
    if shock.len() != n || a.offsets.len() != n + 1 {
        return Err(Error::InvalidArgument(format!(
            "shock has {} entries, equity {n}, the claims {} rows",
            shock.len(),
            a.offsets.len().saturating_sub(1)
        )));
    }
    if let Some(i) = shock.iter().position(|&s| !(0.0..=1.0).contains(&s)) {
        return Err(Error::InvalidArgument(format!(
            "the shock on ⟦{i}⟧ is {}; a shock is a relative equity loss in [0, 1]",
            shock[i]
        )));
    }
    check_inputs(a, equity, variant)?;
    let w = impacts(a, equity);
    match variant {
        Variant::SingleHit => Ok(single_hit(&w, shock, interrupt)?),
        Variant::NonLinear { alpha } => increments(&w, shock, alpha, interrupt),
    }
}

/// Claims of one row per node, finite equity, a finite alpha ≥ 0.
pub(super) fn check_inputs(a: &Csr, equity: &[f64], variant: Variant) -> Result<()> {
    let n = equity.len();
    if a.offsets.len() != n + 1 {
        return Err(Error::InvalidArgument(format!(
            "equity has {n} entries, the claims {} rows",
            a.offsets.len().saturating_sub(1)
        )));
    }
    if let Some(i) = equity.iter().position(|e| !e.is_finite()) {
        return Err(Error::InvalidArgument(format!(
            "the equity of ⟦{i}⟧ is {}; equity must be a finite number",
            equity[i]
        )));
    }
    if let Variant::NonLinear { alpha } = variant {
        if alpha.is_nan() || alpha < 0.0 || alpha.is_infinite() {
            return Err(Error::InvalidArgument(format!(
                "alpha is {alpha}; the non-linear DebtRank takes a finite alpha >= 0"
            )));
        }
    }
    Ok(())
}

/// Node states of the single-hit variant.
#[derive(Clone, Copy, PartialEq)]
enum State {
    Undistressed,
    Distressed,
    Inactive,
}

/// Single-hit by pushing: each round only the distressed nodes' claimants are touched (each
/// node is distressed once, so the whole cascade reads every claim at most once). A claimant
/// adds its terms in increasing debtor order and is capped at 1 after the last, as a row's
/// sum over its claims would: the same bits as pulling every row every round.
fn single_hit(w: &Csr, shock: &[f64], interrupt: Interrupt) -> Result<DebtRank> {
    let n = shock.len();
    // Row j: the claimants on j and their impacts, claimants increasing.
    let by_debtor = w.transpose_with(n, |i, j| (j as usize, i as u32), interrupt)?;
    let mut h = shock.to_vec();
    let mut state: Vec<State> = h
        .iter()
        .map(|&x| {
            if x > 0.0 {
                State::Distressed
            } else {
                State::Undistressed
            }
        })
        .collect();
    let mut distressed: Vec<u32> = (0..n as u32)
        .filter(|&i| state[i as usize] == State::Distressed)
        .collect();
    let mut rounds = 1;
    let mut touched: Vec<u32> = Vec::new();
    while !distressed.is_empty() {
        interrupt.check()?;
        // What each distressed node passes on: its distress of this round.
        let passed: Vec<f64> = distressed.iter().map(|&j| h[j as usize]).collect();
        touched.clear();
        for (&j, &hj) in distressed.iter().zip(&passed) {
            let (claimants, impacts) = by_debtor.row(j as usize);
            for (&i, &wij) in claimants.iter().zip(impacts) {
                h[i as usize] += wij * hj;
                touched.push(i);
            }
        }
        touched.sort_unstable();
        touched.dedup();
        for &i in &touched {
            h[i as usize] = h[i as usize].min(1.0);
        }
        for &j in &distressed {
            state[j as usize] = State::Inactive;
        }
        distressed = touched
            .iter()
            .copied()
            .filter(|&i| state[i as usize] == State::Undistressed && h[i as usize] > 0.0)
            .collect();
        for &i in &distressed {
            state[i as usize] = State::Distressed;
        }
        rounds += 1;
    }
    Ok(DebtRank {
        distress: h,
        rounds,
    })
}

fn increments(w: &Csr, shock: &[f64], alpha: f64, interrupt: Interrupt) -> Result<DebtRank> {
    let n = shock.len();
    let p = |h: f64| {
        if alpha == 0.0 {
            h
        } else {
            h * (alpha * (h - 1.0)).exp()
        }
    };
    let mut h = shock.to_vec();
    // p(h(t)) − p(h(t − 1)), with h(0) = 0.
    let mut dp: Vec<f64> = h.iter().map(|&x| p(x)).collect();
    let mut rounds = 1;
    let mut tick = interrupt.ticker(16);
    loop {
        if dp.iter().all(|&d| d.abs() <= TOLERANCE) {
            return Ok(DebtRank {
                distress: h,
                rounds,
            });
        }
        if rounds > MAX_ROUNDS {
            let residual = dp.iter().fold(0.0f64, |m, d| m.max(d.abs()));
            return Err(Error::Convergence {
                size: n,
                iterations: rounds,
                residual,
                tolerance: TOLERANCE,
            });
        }
        tick.tick()?;
        let next: Vec<f64> = (0..n)
            .into_par_iter()
            .map(|i| {
                let (cols, vals) = w.row(i);
                let mut sum = h[i];
                for (&j, &wij) in cols.iter().zip(vals) {
                    sum += wij * dp[j as usize];
                }
                sum.min(1.0)
            })
            .collect();
        dp = next.iter().zip(&h).map(|(&a, &b)| p(a) - p(b)).collect();
        h = next;
        rounds += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEVER: Interrupt<'static> = Interrupt::never();

    /// The NetworkRiskMeasures example: claims of a, b, c on one another.
    fn example() -> (Csr, Vec<f64>) {
        let a = Csr::new(
            vec![0, 1, 3, 5],
            vec![1, 0, 2, 0, 1],
            vec![1.0, 10.0, 3.0, 3.0, 2.0],
        );
        (a, vec![2.0, 5.0, 2.0])
    }

    fn close(x: &[f64], y: &[f64]) -> bool {
        x.iter().zip(y).all(|(a, b)| (a - b).abs() < 1e-12)
    }

    #[test]
    fn single_hit_worked_numbers() {
        let (a, e) = example();
        let r = debtrank(&a, &e, &[1.0, 0.0, 0.0], Variant::SingleHit, NEVER).unwrap();
        assert!(close(&r.distress, &[1.0, 1.0, 1.0]), "{:?}", r.distress);
        let r = debtrank(&a, &e, &[0.1; 3], Variant::SingleHit, NEVER).unwrap();
        assert!(close(&r.distress, &[0.15, 0.26, 0.30]), "{:?}", r.distress);
        assert_eq!(r.rounds, 2);
    }

    #[test]
    fn linear_spreads_increments_until_they_vanish() {
        // a holds a claim of 1 on b, equity 2: W = 0.5; b shocked 0.4 -> a gains 0.2, once.
        let a = Csr::new(vec![0, 1, 1], vec![1], vec![1.0]);
        let lin = Variant::NonLinear { alpha: 0.0 };
        let r = debtrank(&a, &[2.0, 1.0], &[0.0, 0.4], lin, NEVER).unwrap();
        assert!(close(&r.distress, &[0.2, 0.4]), "{:?}", r.distress);
        // A two-node ring with impacts 1 saturates at 1.
        let ring = Csr::new(vec![0, 1, 2], vec![1, 0], vec![5.0, 5.0]);
        let r = debtrank(&ring, &[1.0, 1.0], &[0.5, 0.0], lin, NEVER).unwrap();
        assert!(close(&r.distress, &[1.0, 1.0]), "{:?}", r.distress);
    }

    #[test]
    fn bad_parameters_are_errors() {
        let (a, e) = example();
        let err = debtrank(&a, &e, &[1.5, 0.0, 0.0], Variant::SingleHit, NEVER).unwrap_err();
        assert!(err.to_string().contains("⟦0⟧"), "{err}");
        let err = debtrank(
            &a,
            &[2.0, f64::NAN, 2.0],
            &[0.0; 3],
            Variant::SingleHit,
            NEVER,
        );
        assert!(err.unwrap_err().to_string().contains("⟦1⟧"));
        let bad = Variant::NonLinear { alpha: -1.0 };
        assert!(debtrank(&a, &e, &[0.0; 3], bad, NEVER).is_err());
    }
}
