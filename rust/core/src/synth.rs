//! Reproducible synthetic investor graphs.
//!
//! Nodes are numbered from the top of the holding pyramid down: issuer `j` draws its equity
//! holders from the nodes before it, with a power law favouring low indices, so investor
//! out-degrees are heavy-tailed (Pareto-like) and these forward edges form a DAG. Cycles come
//! from cross-holdings: an issuer takes a stake in one of its own ancestors, one to three hops
//! up a holder chain (local) or further (long range). Optional commitment edges (customer →
//! supplier, with amounts) go half to an ancestor (money coming back, as in circular financing)
//! and half to a random node.
//!
//! Shares held in each issuer sum to at most `max_held`. Every issuer draws from its own random
//! streams, so the output is the same bits for any number of threads.

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::interrupt::Interrupt;
use crate::rng::Rng;

/// Issuers per parallel work item (fixed, so the output does not depend on the thread count).
const CHUNK: usize = 1 << 14;
/// Power-law exponent of the holder choice over node indices: P(holder = i) ∝ (i + 1)^-A.
const HOLDER_EXPONENT: f64 = 0.6;
/// Share of cross-holdings that are local (1–3 hops up); the others go 4–20 hops up.
const LOCAL_BACK_EDGES: f64 = 0.9;

#[derive(Debug, Clone)]
pub struct SynthParams {
    pub num_nodes: usize,
    /// Mean number of equity edges per node (forward and cross-holdings together).
    pub avg_degree: f64,
    /// Fraction of equity edges that are cross-holdings closing cycles, in [0, 1).
    pub cross_holding: f64,
    /// Upper bound of the shares held in any one issuer, in (0, 1].
    pub max_held: f64,
    /// Commitment edges per equity edge (0 for none).
    pub commitments: f64,
    pub seed: u64,
    /// Shares already held in the first `core_held.len()` nodes (a real core the graph grows
    /// around): they get no synthetic holders, and cross-holdings into them respect the room
    /// left.
    pub core_held: Vec<f64>,
}

/// Generated edges as parallel columns. Kind codes as in `graph::Kind`; `share` is NaN on
/// commitments, `amount` NaN on equity edges.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SynthEdges {
    pub source: Vec<i64>,
    pub target: Vec<i64>,
    pub kind: Vec<u8>,
    pub share: Vec<f64>,
    pub amount: Vec<f64>,
}

impl SynthParams {
    fn check(&self) -> Result<()> {
        let bad = |msg: String| Err(Error::InvalidArgument(msg));
        if self.num_nodes == 0 || self.num_nodes > u32::MAX as usize - 1 {
            return bad(format!(
                "num_nodes must be between 1 and {}, got {}",
                u32::MAX - 1,
                self.num_nodes
            ));
        }
        if !(self.avg_degree.is_finite() && self.avg_degree >= 0.0 && self.avg_degree <= 1000.0) {
            return bad(format!(
                "avg_degree must be in [0, 1000], got {}",
                self.avg_degree
            ));
        }
        if !(self.cross_holding >= 0.0 && self.cross_holding < 1.0) {
            return bad(format!(
                "cross_holding must be in [0, 1), got {}",
                self.cross_holding
            ));
        }
        if !(self.max_held > 0.0 && self.max_held <= 1.0) {
            return bad(format!("max_held must be in (0, 1], got {}", self.max_held));
        }
        if !(self.commitments.is_finite() && self.commitments >= 0.0 && self.commitments <= 100.0) {
            return bad(format!(
                "commitments must be in [0, 100], got {}",
                self.commitments
            ));
        }
        if self.core_held.len() > self.num_nodes {
            return bad("the core has more nodes than num_nodes".into());
        }
        Ok(())
    }
}

/// A holder of issuer `j` (> 0) drawn from `0..j` with P(i) ∝ (i + 1)^-A, by inverting the
/// continuous power law's CDF on [1, j + 1).
fn draw_holder(rng: &mut Rng, j: usize) -> usize {
    let a1 = 1.0 - HOLDER_EXPONENT;
    let top = (j as f64 + 1.0).powf(a1);
    let x = (1.0 + rng.open01() * (top - 1.0)).powf(1.0 / a1);
    ((x - 1.0) as usize).min(j - 1)
}

/// Generates a synthetic investor graph (see the module docs).
pub fn investor_graph(p: &SynthParams, interrupt: Interrupt) -> Result<SynthEdges> {
    p.check()?;
    let n = p.num_nodes;
    let first = p.core_held.len();
    let forward_mean = p.avg_degree * (1.0 - p.cross_holding);

    // 1. Forward holders: in-degree per issuer, then holders and shares, issuer by issuer.
    let degrees: Vec<u32> = (0..n)
        .into_par_iter()
        .map(|j| {
            if j < first || j == 0 {
                return 0;
            }
            let k = Rng::stream(p.seed, j as u64, 0).poisson(forward_mean);
            k.min(j as u64).min(u32::MAX as u64) as u32
        })
        .collect();
    let mut offsets = vec![0usize; n + 1];
    for j in 0..n {
        offsets[j + 1] = offsets[j] + degrees[j] as usize;
    }
    drop(degrees);
    let m = offsets[n];
    let mut holders = vec![0u32; m];
    let mut shares = vec![0.0f64; m];
    let mut held = vec![0.0f64; n];
    held[..first].copy_from_slice(&p.core_held);
    {
        // Split the output by fixed chunks of issuers.
        let mut holder_parts = Vec::new();
        let mut share_parts = Vec::new();
        let mut held_parts = Vec::new();
        let (mut hs, mut ss, mut he) = (&mut holders[..], &mut shares[..], &mut held[..]);
        for c in 0..n.div_ceil(CHUNK) {
            let (lo, hi) = (c * CHUNK, ((c + 1) * CHUNK).min(n));
            let len = offsets[hi] - offsets[lo];
            let (h1, h2) = std::mem::take(&mut hs).split_at_mut(len);
            let (s1, s2) = std::mem::take(&mut ss).split_at_mut(len);
            let (e1, e2) = std::mem::take(&mut he).split_at_mut(hi - lo);
            holder_parts.push(h1);
            share_parts.push(s1);
            held_parts.push(e1);
            (hs, ss, he) = (h2, s2, e2);
        }
        holder_parts
            .into_par_iter()
            .zip(share_parts)
            .zip(held_parts)
            .enumerate()
            .try_for_each(|(c, ((hs, ss), he))| {
                interrupt.check()?;
                let lo = c * CHUNK;
                let base = offsets[lo];
                for j in lo.max(first)..((c + 1) * CHUNK).min(n) {
                    let range = offsets[j] - base..offsets[j + 1] - base;
                    if range.is_empty() {
                        continue;
                    }
                    let mut rng = Rng::stream(p.seed, j as u64, 1);
                    let total = p.max_held * (0.2 + 0.8 * rng.open01());
                    fill_holders(&mut rng, j, &mut hs[range.clone()]);
                    let weights: Vec<f64> = range.clone().map(|_| -rng.open01().ln()).collect();
                    let sum: f64 = weights.iter().sum();
                    for (slot, w) in ss[range].iter_mut().zip(&weights) {
                        *slot = total * w / sum;
                    }
                    he[j - lo] = ss[offsets[j] - base..offsets[j + 1] - base].iter().sum();
                }
                Ok(())
            })?;
    }
    let holders_of = |j: usize| &holders[offsets[j]..offsets[j + 1]];

    // 2. Cross-holdings: issuer j takes a stake in an ancestor a (j holds a).
    let back_per_forward = if p.cross_holding > 0.0 {
        p.cross_holding / (1.0 - p.cross_holding)
    } else {
        0.0
    };
    let walk_up = |rng: &mut Rng, j: usize, hops: usize| -> Option<usize> {
        let mut cur = j;
        for _ in 0..hops {
            let hs = holders_of(cur);
            if hs.is_empty() {
                break;
            }
            cur = hs[rng.below(hs.len() as u64) as usize] as usize;
        }
        (cur != j).then_some(cur)
    };
    let mut back: Vec<(u32, u32, f64)> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            interrupt.check()?;
            let mut out = Vec::new();
            for j in c * CHUNK..((c + 1) * CHUNK).min(n) {
                let mut rng = Rng::stream(p.seed, j as u64, 2);
                let count = rng.poisson(back_per_forward * holders_of(j).len() as f64);
                let start = out.len();
                for _ in 0..count {
                    let hops = if rng.bernoulli(LOCAL_BACK_EDGES) {
                        1 + rng.below(3) as usize
                    } else {
                        4 + rng.below(17) as usize
                    };
                    if let Some(a) = walk_up(&mut rng, j, hops) {
                        let dup = out[start..].iter().any(|&(t, _, _)| t == a as u32);
                        if !dup {
                            out.push((a as u32, j as u32, 0.01 + 0.09 * rng.open01()));
                        }
                    }
                }
            }
            Ok(out)
        })
        .collect::<Result<Vec<_>>>()?
        .concat();
    // Scale each target's incoming cross-holdings into the room its holders left.
    back.par_sort_unstable_by_key(|&(a, j, _)| (a, j));
    let mut kept = Vec::with_capacity(back.len());
    let mut i = 0;
    while i < back.len() {
        let a = back[i].0 as usize;
        let end = i + back[i..].iter().take_while(|e| e.0 as usize == a).count();
        let room = p.max_held - held[a];
        let raw: f64 = back[i..end].iter().map(|e| e.2).sum();
        if room > 1e-9 {
            let scale = (room / raw).min(1.0);
            kept.extend(back[i..end].iter().map(|&(a, j, s)| (a, j, s * scale)));
        }
        i = end;
    }
    drop(back);
    interrupt.check()?;

    // 3. Commitments: customer j pays supplier s (half an ancestor, half anyone).
    let commitments: Vec<(u32, u32, f64)> = if p.commitments > 0.0 {
        (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                interrupt.check()?;
                let mut out = Vec::new();
                for j in c * CHUNK..((c + 1) * CHUNK).min(n) {
                    let mut rng = Rng::stream(p.seed, j as u64, 3);
                    let start = out.len();
                    for _ in 0..rng.poisson(p.commitments * p.avg_degree) {
                        let supplier = if rng.bernoulli(0.5) {
                            {
                                let hops = 1 + rng.below(3) as usize;
                                walk_up(&mut rng, j, hops)
                            }
                        } else {
                            let s = rng.below(n as u64) as usize;
                            (s != j).then_some(s)
                        };
                        let fresh = |s: usize| {
                            !out[start..]
                                .iter()
                                .any(|e: &(u32, u32, f64)| e.1 == s as u32)
                        };
                        if let Some(s) = supplier.filter(|&s| fresh(s)) {
                            let amount = (16.0 + 2.0 * rng.normal()).exp().round().max(1.0);
                            out.push((j as u32, s as u32, amount));
                        }
                    }
                }
                Ok(out)
            })
            .collect::<Result<Vec<_>>>()?
            .concat()
    } else {
        Vec::new()
    };

    // 4. Columns: forward equity, cross-holdings, commitments.
    let total = m + kept.len() + commitments.len();
    let mut out = SynthEdges {
        source: Vec::with_capacity(total),
        target: Vec::with_capacity(total),
        kind: Vec::with_capacity(total),
        share: Vec::with_capacity(total),
        amount: Vec::new(),
    };
    for j in 0..n {
        for &h in &holders[offsets[j]..offsets[j + 1]] {
            out.source.push(h as i64);
            out.target.push(j as i64);
        }
    }
    out.share.extend_from_slice(&shares);
    drop((holders, shares));
    for &(a, j, s) in &kept {
        out.source.push(j as i64);
        out.target.push(a as i64);
        out.share.push(s);
    }
    out.kind.resize(m + kept.len(), 0);
    if !commitments.is_empty() {
        out.amount.resize(m + kept.len(), f64::NAN);
        for &(j, s, amount) in &commitments {
            out.source.push(j as i64);
            out.target.push(s as i64);
            out.kind.push(2);
            out.share.push(f64::NAN);
            out.amount.push(amount);
        }
    }
    Ok(out)
}

/// Distinct holders for issuer `j` (slot count ≤ j), drawn from the power law; when rejection
/// keeps hitting taken holders (small j), the lowest free indices fill the rest.
fn fill_holders(rng: &mut Rng, j: usize, slots: &mut [u32]) {
    let k = slots.len();
    let mut filled = 0;
    let mut attempts = 0;
    while filled < k && attempts < 8 * k + 16 {
        attempts += 1;
        let h = draw_holder(rng, j) as u32;
        if !slots[..filled].contains(&h) {
            slots[filled] = h;
            filled += 1;
        }
    }
    let mut next = 0u32;
    while filled < k {
        if !slots[..filled].contains(&next) {
            slots[filled] = next;
            filled += 1;
        }
        next += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::testing::in_pool;

    fn params(n: usize) -> SynthParams {
        SynthParams {
            num_nodes: n,
            avg_degree: 3.5,
            cross_holding: 0.05,
            max_held: 0.9,
            commitments: 0.2,
            seed: 42,
            core_held: Vec::new(),
        }
    }

    #[test]
    fn same_bits_for_any_thread_count() {
        let p = params(60_000);
        let one = in_pool(1, || investor_graph(&p, Interrupt::never()).unwrap());
        let three = in_pool(3, || investor_graph(&p, Interrupt::never()).unwrap());
        assert_eq!(one.source, three.source);
        assert_eq!(one.target, three.target);
        assert_eq!(one.kind, three.kind);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&one.share), bits(&three.share));
        assert_eq!(bits(&one.amount), bits(&three.amount));
    }

    #[test]
    fn shares_per_issuer_stay_under_max_held_and_no_equity_self_loops() {
        let p = params(20_000);
        let g = investor_graph(&p, Interrupt::never()).unwrap();
        let mut held = vec![0.0; p.num_nodes];
        for e in 0..g.source.len() {
            if g.kind[e] == 0 {
                assert_ne!(g.source[e], g.target[e]);
                assert!(g.share[e] > 0.0 && g.share[e] <= 1.0);
                held[g.target[e] as usize] += g.share[e];
            } else {
                assert!(g.amount[e] >= 1.0);
            }
        }
        assert!(held.iter().all(|&h| h <= p.max_held + 1e-12));
        let equity = g.kind.iter().filter(|&&k| k == 0).count() as f64;
        assert!((equity / p.num_nodes as f64 - 3.5).abs() < 0.35, "{equity}");
    }

    #[test]
    fn core_nodes_get_no_synthetic_holders() {
        let mut p = params(5_000);
        p.core_held = vec![0.5, 0.0, 0.89];
        let g = investor_graph(&p, Interrupt::never()).unwrap();
        let mut held = [0.5, 0.0, 0.89];
        for e in 0..g.source.len() {
            if g.kind[e] == 0 && g.target[e] < 3 {
                held[g.target[e] as usize] += g.share[e];
                // Only cross-holdings reach the core.
                assert!(g.source[e] > g.target[e]);
            }
        }
        assert!(held.iter().all(|&h| h <= 0.9 + 1e-12));
    }

    #[test]
    fn bad_parameters_are_errors() {
        for bad in [
            SynthParams {
                num_nodes: 0,
                ..params(1)
            },
            SynthParams {
                cross_holding: 1.0,
                ..params(10)
            },
            SynthParams {
                max_held: 0.0,
                ..params(10)
            },
            SynthParams {
                avg_degree: f64::NAN,
                ..params(10)
            },
            SynthParams {
                commitments: -1.0,
                ..params(10)
            },
        ] {
            assert!(matches!(
                investor_graph(&bad, Interrupt::never()),
                Err(Error::InvalidArgument(_))
            ));
        }
    }
}
