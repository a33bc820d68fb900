//! DebtRank, sequential defaults and clearing over many scenarios at once (`Scenarios`).
//!
//! DebtRank and Furfine scenarios run one per task at a time, in parallel, each pushing from
//! the nodes it reaches only: a scenario costs what its cascade touches, not the graph's
//! size, and gives the same bits as the single call (the same sums in the same order). A task
//! keeps one workspace of about 26 bytes per node, and at most `TASKS_PER_THREAD` × threads
//! tasks run. Clearing reads every node in every round, so its scenarios run in chunks of
//! one per thread, each solved by the parallel kernel: at most that many scenarios' arrays
//! (about 80 bytes per node each) are alive at once.

use rayon::prelude::*;

use super::clearing::{clearing, Clearing, Priority};
use super::debtrank::{check_inputs, impacts, Variant, MAX_ROUNDS, TOLERANCE};
use super::furfine::AtThreshold;
use super::scenarios::{in_tasks, Scenarios, Touched, TASKS_PER_THREAD};
use crate::csr::Csr;
use crate::error::{Error, Result};
use crate::interrupt::Interrupt;

/// Rows of the nodes each scenario reached (scenario, node, values), and totals per
/// scenario.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct DebtRankMany {
    pub scenario: Vec<u32>,
    pub node: Vec<u32>,
    pub initial: Vec<f64>,
    pub distress: Vec<f64>,
    /// Per scenario: Σ (h − h0) w over the nodes, in node order.
    pub added: Vec<f64>,
    /// Per scenario: nodes with distress > 0, and with distress 1.
    pub distressed: Vec<u32>,
    pub defaulted: Vec<u32>,
    pub rounds: Vec<u32>,
}

impl DebtRankMany {
    fn extend(&mut self, o: DebtRankMany) {
        self.scenario.extend(o.scenario);
        self.node.extend(o.node);
        self.initial.extend(o.initial);
        self.distress.extend(o.distress);
        self.added.extend(o.added);
        self.distressed.extend(o.distressed);
        self.defaulted.extend(o.defaulted);
        self.rounds.extend(o.rounds);
    }
}

/// A task's workspace for DebtRank: distress, the shock, the next round's sums, states.
struct DebtWork {
    h: Vec<f64>,
    initial: Vec<f64>,
    next: Vec<f64>,
    state: Vec<u8>,
    touched: Touched,
    hit: Touched,
}

const UNDISTRESSED: u8 = 0;
const DISTRESSED: u8 = 1;
const INACTIVE: u8 = 2;

/// The DebtRank cascade of every scenario of `shocks` (relative equity losses), over the
/// claims `a` with `equity` per node; `weight` per node gives each scenario's Σ (h − h0) w.
/// With `rows` false only the totals are kept.
pub fn debtrank_many(
    a: &Csr,
    equity: &[f64],
    weight: &[f64],
    shocks: Scenarios<'_>,
    variant: Variant,
    rows: bool,
    interrupt: Interrupt,
) -> Result<DebtRankMany> {
    let n = equity.len();
    check_inputs(a, equity, variant)?;
    shocks.check(n, "shock")?;
    if weight.len() != n {
        return Err(Error::InvalidArgument(format!(
            "weight has {} entries for {n} nodes",
            weight.len()
        )));
    }
    let w = impacts(a, equity);
    let by_debtor = w.transpose_with(n, |i, j| (j as usize, i as u32), interrupt)?;
    let make = || DebtWork {
        h: vec![0.0; n],
        initial: vec![0.0; n],
        next: vec![0.0; n],
        state: vec![UNDISTRESSED; n],
        touched: Touched::new(n),
        hit: Touched::new(n),
    };
    let run = |k: usize, work: &mut DebtWork, out: &mut DebtRankMany| {
        let (nodes, values) = shocks.get(k);
        let rounds = match variant {
            Variant::SingleHit => single_hit(&by_debtor, nodes, values, work, interrupt)?,
            Variant::NonLinear { alpha } => {
                increments(&by_debtor, nodes, values, alpha, work, interrupt)?
            }
        };
        let (mut added, mut distressed, mut defaulted) = (0.0, 0, 0);
        let DebtWork {
            h,
            initial,
            state,
            touched,
            ..
        } = work;
        for &i in touched.sorted() {
            let i = i as usize;
            let (x, x0) = (h[i], initial[i]);
            added += (x - x0) * weight[i];
            distressed += u32::from(x > 0.0);
            defaulted += u32::from(x >= 1.0);
            if rows && (x > 0.0 || x0 > 0.0) {
                out.scenario.push(k as u32);
                out.node.push(i as u32);
                out.initial.push(x0);
                out.distress.push(x);
            }
            (h[i], initial[i], state[i]) = (0.0, 0.0, UNDISTRESSED);
        }
        touched.clear();
        out.added.push(added);
        out.distressed.push(distressed);
        out.defaulted.push(defaulted);
        out.rounds.push(rounds as u32);
        Ok(())
    };
    let parts = in_tasks(shocks.len(), TASKS_PER_THREAD, make, run, interrupt)?;
    let mut all = DebtRankMany::default();
    for p in parts {
        all.extend(p);
    }
    Ok(all)
}

/// Sets the shock of one scenario; the nodes it names are touched.
fn start(nodes: &[u32], values: &[f64], work: &mut DebtWork) {
    for (&i, &s) in nodes.iter().zip(values) {
        work.h[i as usize] = s;
        work.initial[i as usize] = s;
        work.touched.mark(i);
    }
}

/// Single-hit by pushing, as `debtrank::single_hit` does for one scenario.
fn single_hit(
    by_debtor: &Csr,
    nodes: &[u32],
    values: &[f64],
    work: &mut DebtWork,
    interrupt: Interrupt,
) -> Result<usize> {
    start(nodes, values, work);
    let DebtWork {
        h,
        state,
        touched,
        hit,
        ..
    } = work;
    let mut distressed: Vec<u32> = Vec::new();
    for (&i, &s) in nodes.iter().zip(values) {
        if s > 0.0 {
            state[i as usize] = DISTRESSED;
            distressed.push(i);
        }
    }
    let mut rounds = 1;
    let mut passed: Vec<f64> = Vec::new();
    while !distressed.is_empty() {
        interrupt.check()?;
        passed.clear();
        passed.extend(distressed.iter().map(|&j| h[j as usize]));
        for (&j, &hj) in distressed.iter().zip(&passed) {
            let (claimants, impacts) = by_debtor.row(j as usize);
            for (&i, &wij) in claimants.iter().zip(impacts) {
                h[i as usize] += wij * hj;
                hit.mark(i);
            }
        }
        for &j in &distressed {
            state[j as usize] = INACTIVE;
        }
        distressed.clear();
        for &i in hit.sorted() {
            let x = &mut h[i as usize];
            *x = x.min(1.0);
            touched.mark(i);
            if state[i as usize] == UNDISTRESSED && *x > 0.0 {
                distressed.push(i);
            }
        }
        hit.clear();
        for &i in &distressed {
            state[i as usize] = DISTRESSED;
        }
        rounds += 1;
    }
    Ok(rounds)
}

/// The linear and non-linear variants by pushing the non-zero increments only, each row's
/// terms in increasing debtor order as `debtrank::increments` adds them.
fn increments(
    by_debtor: &Csr,
    nodes: &[u32],
    values: &[f64],
    alpha: f64,
    work: &mut DebtWork,
    interrupt: Interrupt,
) -> Result<usize> {
    let p = |h: f64| {
        if alpha == 0.0 {
            h
        } else {
            h * (alpha * (h - 1.0)).exp()
        }
    };
    start(nodes, values, work);
    let DebtWork {
        h,
        next,
        touched,
        hit,
        ..
    } = work;
    // (node, p(h(t)) − p(h(t − 1))) for the non-zero increments, nodes increasing.
    let mut frontier: Vec<(u32, f64)> = nodes
        .iter()
        .zip(values)
        .map(|(&i, &s)| (i, p(s)))
        .filter(|&(_, d)| d != 0.0)
        .collect();
    let mut rounds = 1;
    let mut tick = interrupt.ticker(16);
    loop {
        if frontier.iter().all(|&(_, d)| d.abs() <= TOLERANCE) {
            return Ok(rounds);
        }
        if rounds > MAX_ROUNDS {
            let residual = frontier.iter().fold(0.0f64, |m, &(_, d)| m.max(d.abs()));
            return Err(Error::Convergence {
                size: h.len(),
                iterations: rounds,
                residual,
                tolerance: TOLERANCE,
            });
        }
        tick.tick()?;
        for &(j, dj) in &frontier {
            let (claimants, impacts) = by_debtor.row(j as usize);
            for (&i, &wij) in claimants.iter().zip(impacts) {
                let i = i as usize;
                if hit.mark(i as u32) {
                    next[i] = h[i];
                }
                next[i] += wij * dj;
            }
        }
        frontier.clear();
        for &i in hit.sorted() {
            let i = i as usize;
            let x = next[i].min(1.0);
            let d = p(x) - p(h[i]);
            h[i] = x;
            touched.mark(i as u32);
            if d != 0.0 {
                frontier.push((i as u32, d));
            }
        }
        hit.clear();
        rounds += 1;
    }
}

/// Rows of the nodes that failed in each scenario (scenario, node, round), and totals.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FurfineMany {
    pub scenario: Vec<u32>,
    pub node: Vec<u32>,
    pub round: Vec<u32>,
    /// Per scenario: nodes failed (the shocked ones included), rounds after round 0.
    pub failed: Vec<u32>,
    pub rounds: Vec<u32>,
}

struct FailWork {
    loss: Vec<f64>,
    round: Vec<u32>,
    touched: Touched,
    hit: Touched,
}

const SURVIVED: u32 = u32::MAX;

/// Sequential defaults from every scenario's shocked nodes (`shocks`' nodes; values unread),
/// as `furfine::furfine` runs one.
pub fn furfine_many(
    a: &Csr,
    equity: &[f64],
    shocks: Scenarios<'_>,
    lgd: f64,
    at_threshold: AtThreshold,
    rows: bool,
    interrupt: Interrupt,
) -> Result<FurfineMany> {
    let n = equity.len();
    if a.offsets.len() != n + 1 || !(0.0..=1.0).contains(&lgd) {
        return Err(Error::InvalidArgument(format!(
            "claims of {} rows for {n} nodes, lgd {lgd} (a fraction in [0, 1])",
            a.offsets.len().saturating_sub(1)
        )));
    }
    shocks.check(n, "shock")?;
    let t = a.transpose_with(n, |i, j| (j as usize, i as u32), interrupt)?;
    let make = || FailWork {
        loss: vec![0.0; n],
        round: vec![SURVIVED; n],
        touched: Touched::new(n),
        hit: Touched::new(n),
    };
    let run = |k: usize, work: &mut FailWork, out: &mut FurfineMany| {
        let FailWork {
            loss,
            round,
            touched,
            hit,
        } = work;
        let (nodes, _) = shocks.get(k);
        let mut newly: Vec<u32> = nodes.to_vec();
        for &j in nodes {
            round[j as usize] = 0;
            touched.mark(j);
        }
        let mut rounds = 0u32;
        while !newly.is_empty() {
            interrupt.check()?;
            for &j in &newly {
                let (claimants, claims) = t.row(j as usize);
                for (&i, &c) in claimants.iter().zip(claims) {
                    if round[i as usize] == SURVIVED && c > 0.0 {
                        loss[i as usize] += lgd * c;
                        hit.mark(i);
                        touched.mark(i);
                    }
                }
            }
            newly.clear();
            for &i in hit.sorted() {
                let (l, e) = (loss[i as usize], equity[i as usize]);
                let fails = l > 0.0
                    && match at_threshold {
                        AtThreshold::Default => l >= e,
                        AtThreshold::Survive => l > e,
                    };
                if fails {
                    newly.push(i);
                }
            }
            hit.clear();
            if !newly.is_empty() {
                rounds += 1;
                for &i in &newly {
                    round[i as usize] = rounds;
                }
            }
        }
        let mut failed = 0;
        for &i in touched.sorted() {
            let i = i as usize;
            if round[i] != SURVIVED {
                failed += 1;
                if rows {
                    out.scenario.push(k as u32);
                    out.node.push(i as u32);
                    out.round.push(round[i]);
                }
            }
            (loss[i], round[i]) = (0.0, SURVIVED);
        }
        touched.clear();
        out.failed.push(failed);
        out.rounds.push(rounds);
        Ok(())
    };
    let parts = in_tasks(shocks.len(), TASKS_PER_THREAD, make, run, interrupt)?;
    let mut all = FurfineMany::default();
    for p in parts {
        all.scenario.extend(p.scenario);
        all.node.extend(p.node);
        all.round.extend(p.round);
        all.failed.extend(p.failed);
        all.rounds.extend(p.rounds);
    }
    Ok(all)
}

/// Rows of the nodes each scenario changes (shocked, or whose payment, assets or default
/// differ from the clearing without shock), and totals per scenario.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ClearingMany {
    pub scenario: Vec<u32>,
    pub node: Vec<u32>,
    pub shock: Vec<f64>,
    pub payment: Vec<f64>,
    pub assets: Vec<f64>,
    pub defaulted: Vec<bool>,
    /// The clearing without any shock (every node).
    pub base: Clearing,
    /// Per scenario: defaulters, Σ (obligation − payment), Σ equity lost against the base,
    /// rounds.
    pub defaulters: Vec<u32>,
    pub shortfall: Vec<f64>,
    pub equity_loss: Vec<f64>,
    pub rounds: Vec<u32>,
}

/// The greatest clearing vector of every scenario: scenario k's external assets are
/// `external_assets` × (1 − its shock).
#[allow(clippy::too_many_arguments)]
pub fn clearing_many(
    a: &Csr,
    external_assets: &[f64],
    external_liabilities: &[f64],
    alpha: f64,
    beta: f64,
    priority: Priority,
    shocks: Scenarios<'_>,
    rows: bool,
    interrupt: Interrupt,
) -> Result<ClearingMany> {
    let n = external_assets.len();
    shocks.check(n, "shock")?;
    let solve = |e: &[f64]| clearing(a, e, external_liabilities, alpha, beta, priority, interrupt);
    let base = solve(external_assets)?;
    let equity = |c: &Clearing, i: usize| (c.assets[i] - c.obligation[i]).max(0.0);
    let mut all = ClearingMany::default();
    let chunk = rayon::current_num_threads().max(1);
    for first in (0..shocks.len()).step_by(chunk) {
        let last = (first + chunk).min(shocks.len());
        let solved: Vec<Clearing> = (first..last)
            .into_par_iter()
            .map(|k| {
                let (nodes, values) = shocks.get(k);
                let mut e = external_assets.to_vec();
                for (&i, &s) in nodes.iter().zip(values) {
                    e[i as usize] *= 1.0 - s;
                }
                solve(&e)
            })
            .collect::<Result<_>>()?;
        for (k, c) in (first..last).zip(solved) {
            let (nodes, values) = shocks.get(k);
            let mut shocked = nodes.iter().zip(values).peekable();
            let (mut defaulters, mut shortfall, mut lost) = (0, 0.0, 0.0);
            for i in 0..n {
                let s = match shocked.peek() {
                    Some(&(&j, &s)) if j as usize == i => {
                        shocked.next();
                        s
                    }
                    _ => 0.0,
                };
                defaulters += u32::from(c.defaulted[i]);
                shortfall += c.obligation[i] - c.payment[i];
                lost += equity(&base, i) - equity(&c, i);
                let changed = s > 0.0
                    || c.payment[i] != base.payment[i]
                    || c.assets[i] != base.assets[i]
                    || c.defaulted[i] != base.defaulted[i];
                if rows && changed {
                    all.scenario.push(k as u32);
                    all.node.push(i as u32);
                    all.shock.push(s);
                    all.payment.push(c.payment[i]);
                    all.assets.push(c.assets[i]);
                    all.defaulted.push(c.defaulted[i]);
                }
            }
            all.defaulters.push(defaulters);
            all.shortfall.push(shortfall);
            all.equity_loss.push(lost);
            all.rounds.push(c.rounds as u32);
        }
    }
    all.base = base;
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::super::{debtrank, furfine};
    use super::*;
    use crate::rng::Rng;

    const NEVER: Interrupt<'static> = Interrupt::never();

    /// A random claims matrix on `n` nodes, about `per` claims a row, with equities.
    fn random(n: usize, per: usize, seed: u64) -> (Csr, Vec<f64>) {
        let mut r = Rng::stream(seed, 0, 0);
        let (mut offsets, mut cols, mut vals) = (vec![0], Vec::new(), Vec::new());
        for i in 0..n {
            let mut row: Vec<u32> = (0..per)
                .map(|_| (r.next_u64() % n as u64) as u32)
                .filter(|&j| j as usize != i)
                .collect();
            row.sort_unstable();
            row.dedup();
            for j in row {
                cols.push(j);
                vals.push(1.0 + (r.next_u64() % 100) as f64 / 10.0);
            }
            offsets.push(cols.len());
        }
        let equity = (0..n)
            .map(|_| 1.0 + (r.next_u64() % 200) as f64 / 10.0)
            .collect();
        (Csr::new(offsets, cols, vals), equity)
    }

    /// Every node shocked alone (by 1 and by 0.3), and two nodes together.
    fn shocks(n: usize) -> (Vec<usize>, Vec<u32>, Vec<f64>) {
        let (mut offsets, mut nodes, mut values) = (vec![0], Vec::new(), Vec::new());
        for i in 0..n as u32 {
            for s in [1.0, 0.3] {
                nodes.push(i);
                values.push(s);
                offsets.push(nodes.len());
            }
        }
        nodes.extend([1, 4]);
        values.extend([0.5, 0.25]);
        offsets.push(nodes.len());
        (offsets, nodes, values)
    }

    #[test]
    fn each_debtrank_scenario_gives_the_bits_of_a_single_call() {
        let n = 40;
        let (a, e) = random(n, 3, 7);
        let (offsets, nodes, values) = shocks(n);
        let sc = Scenarios {
            offsets: &offsets,
            nodes: &nodes,
            values: &values,
        };
        let weight: Vec<f64> = e.clone();
        for variant in [
            Variant::SingleHit,
            Variant::NonLinear { alpha: 0.0 },
            Variant::NonLinear { alpha: 2.0 },
        ] {
            let many = debtrank_many(&a, &e, &weight, sc, variant, true, NEVER).unwrap();
            for k in 0..sc.len() {
                let (ns, vs) = sc.get(k);
                let mut shock = vec![0.0; n];
                for (&i, &s) in ns.iter().zip(vs) {
                    shock[i as usize] = s;
                }
                let one = debtrank(&a, &e, &shock, variant, NEVER).unwrap();
                let mut got = vec![0.0; n];
                for r in (0..many.node.len()).filter(|&r| many.scenario[r] == k as u32) {
                    got[many.node[r] as usize] = many.distress[r];
                    assert_eq!(many.initial[r], shock[many.node[r] as usize]);
                }
                assert_eq!(got, one.distress, "{variant:?} scenario {k}");
                assert_eq!(
                    many.rounds[k] as usize, one.rounds,
                    "{variant:?} scenario {k}"
                );
                let added: f64 = (0..n)
                    .map(|i| (one.distress[i] - shock[i]) * weight[i])
                    .sum();
                assert!((many.added[k] - added).abs() <= 1e-9 * added.abs().max(1.0));
                let distressed = one.distress.iter().filter(|&&x| x > 0.0).count();
                assert_eq!(many.distressed[k] as usize, distressed);
            }
        }
    }

    #[test]
    fn each_furfine_scenario_gives_the_rounds_of_a_single_call() {
        let n = 40;
        let (a, e) = random(n, 4, 11);
        let (offsets, nodes, values) = shocks(n);
        let sc = Scenarios {
            offsets: &offsets,
            nodes: &nodes,
            values: &values,
        };
        for at in [AtThreshold::Default, AtThreshold::Survive] {
            let many = furfine_many(&a, &e, sc, 0.8, at, true, NEVER).unwrap();
            for k in 0..sc.len() {
                let one = furfine(&a, &e, sc.get(k).0, 0.8, at, NEVER).unwrap();
                let mut got = vec![None; n];
                for r in (0..many.node.len()).filter(|&r| many.scenario[r] == k as u32) {
                    got[many.node[r] as usize] = Some(many.round[r]);
                }
                assert_eq!(got, one.round, "scenario {k}");
                assert_eq!(many.rounds[k] as usize, one.rounds);
                let failed = one.round.iter().filter(|r| r.is_some()).count();
                assert_eq!(many.failed[k] as usize, failed);
            }
        }
    }

    #[test]
    fn each_clearing_scenario_is_the_clearing_of_its_shocked_assets() {
        let n = 30;
        let (a, e) = random(n, 3, 5);
        let liab: Vec<f64> = (0..n).map(|i| (i % 3) as f64).collect();
        let (offsets, nodes, values) = shocks(n);
        let sc = Scenarios {
            offsets: &offsets,
            nodes: &nodes,
            values: &values,
        };
        let pp = Priority::PariPassu;
        let many = clearing_many(&a, &e, &liab, 0.5, 0.9, pp, sc, true, NEVER).unwrap();
        for k in 0..sc.len() {
            let (ns, vs) = sc.get(k);
            let mut ek = e.clone();
            for (&i, &s) in ns.iter().zip(vs) {
                ek[i as usize] *= 1.0 - s;
            }
            let one = clearing(&a, &ek, &liab, 0.5, 0.9, pp, NEVER).unwrap();
            let rows: Vec<usize> = (0..many.node.len())
                .filter(|&r| many.scenario[r] == k as u32)
                .collect();
            for i in 0..n {
                let row = rows.iter().find(|&&r| many.node[r] as usize == i);
                match row {
                    Some(&r) => {
                        assert_eq!(many.payment[r], one.payment[i]);
                        assert_eq!(many.defaulted[r], one.defaulted[i]);
                    }
                    None => {
                        // Not listed: as without the shock.
                        assert_eq!(
                            one.payment[i], many.base.payment[i],
                            "scenario {k} node {i}"
                        );
                        assert_eq!(one.defaulted[i], many.base.defaulted[i]);
                    }
                }
            }
            let defaulters = one.defaulted.iter().filter(|&&d| d).count();
            assert_eq!(many.defaulters[k] as usize, defaulters);
            assert!(many.equity_loss[k] >= -1e-9);
        }
    }

    #[test]
    fn bad_scenarios_are_errors_and_totals_only_keeps_no_rows() {
        let (a, e) = random(5, 2, 1);
        let w = vec![1.0; 5];
        let bad = |offsets: &[usize], nodes: &[u32], values: &[f64]| {
            let sc = Scenarios {
                offsets,
                nodes,
                values,
            };
            debtrank_many(&a, &e, &w, sc, Variant::SingleHit, true, NEVER).is_err()
        };
        assert!(bad(&[0, 2], &[3, 1], &[0.1, 0.1])); // out of order
        assert!(bad(&[0, 1], &[9], &[0.1])); // out of range
        assert!(bad(&[0, 1], &[2], &[1.5])); // not a relative loss
        assert!(bad(&[0, 2], &[2], &[0.5])); // offsets past the entries
        let sc = Scenarios {
            offsets: &[0, 1],
            nodes: &[2],
            values: &[1.0],
        };
        let totals = debtrank_many(&a, &e, &w, sc, Variant::SingleHit, false, NEVER).unwrap();
        assert!(totals.node.is_empty());
        assert_eq!(totals.rounds.len(), 1);
    }
}
