//! Circular financing: money invested in a firm that comes back to the investor as purchases.
//!
//! * Round trip of an investment edge i → j (equity or credit, amount I_ij): the part that the
//!   investee's committed purchases from the investor, P_ji, can pay back:
//!   min(I_ij, P_ji) / I_ij.
//! * Look-through self-funded revenue of v: Σ_b W̃[v, b] · P[b → v], the committed revenue of v
//!   paid by customers that v owns, directly or through chains (W̃: integrated ownership,
//!   walks).
//! * Weighted reciprocity of the money graph (Squartini et al. 2013):
//!   Σ_{i≠j} min(F_ij, F_ji) / Σ_{i≠j} F_ij, F_ij the money i → j over all kinds.
//!
//! Unknown amounts (NaN) are never guessed: a ratio that needs one is NaN (null in Python),
//! and sums skip them (and count them).

use std::collections::HashMap;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::exposure::{holdings_of, sparse_columns, Solver, Wanted};
use crate::graph::Graph;
use crate::interrupt::Interrupt;
use crate::kind::Kind;

/// Round trips, one per equity or credit edge, in edge-position order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoundTrips {
    /// Edge position of each investment.
    pub edge: Vec<usize>,
    /// I_ij (NaN: unknown).
    pub invested: Vec<f64>,
    /// P_ji, the committed purchases of the investee from the investor: 0 when there is no
    /// commitment back, NaN when there is one of unknown amount.
    pub returned: Vec<f64>,
    /// min(I, P) / I; NaN when I or P is unknown or I is 0.
    pub ratio: Vec<f64>,
}

/// The commitment j → i, if any: out-edges are sorted by (target, kind).
fn commitment(g: &Graph, j: u32, i: u32) -> Option<usize> {
    let range = g.out_range(j);
    let edges = g.out_edges(j);
    let at = edges.partition_point(|e| (e.target, e.kind) < (i, Kind::Commitment));
    (at < edges.len() && edges[at].target == i && edges[at].kind == Kind::Commitment)
        .then_some(range.start + at)
}

/// The round trip of every investment edge.
pub fn round_trips(g: &Graph) -> RoundTrips {
    let rows: Vec<RoundTrips> = (0..g.num_nodes() as u32)
        .into_par_iter()
        .with_min_len(1024)
        .fold(RoundTrips::default, |mut acc, i| {
            for p in g.out_range(i) {
                let e = g.edge(p);
                if e.kind == Kind::Commitment {
                    continue;
                }
                let invested = g.amount(p);
                let returned = commitment(g, e.target, i).map_or(0.0, |q| g.amount(q));
                let ratio = if invested > 0.0 {
                    invested.min(returned) / invested // NaN if either is unknown
                } else {
                    f64::NAN
                };
                let ratio = if returned.is_nan() { f64::NAN } else { ratio };
                acc.edge.push(p);
                acc.invested.push(invested);
                acc.returned.push(returned);
                acc.ratio.push(ratio);
            }
            acc
        })
        .collect();
    // Folds cover consecutive node ranges in order, so concatenation keeps edge order.
    let mut out = RoundTrips::default();
    for r in rows {
        out.edge.extend(r.edge);
        out.invested.extend(r.invested);
        out.returned.extend(r.returned);
        out.ratio.extend(r.ratio);
    }
    out
}

/// Self-funded revenue of one node that receives commitments.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SelfFunded {
    pub node: u32,
    /// Σ_b P[b → v] over the known amounts.
    pub revenue: f64,
    /// Σ_b W̃[v, b] · P[b → v] over the known amounts.
    pub self_funded: f64,
    /// Commitments to v of unknown amount (left out of both sums).
    pub unknown: u32,
    /// Of those, the ones paid by a customer v owns (W̃[v, b] > 0): each makes the true
    /// self-funded revenue larger than `self_funded` by an unknown amount.
    pub unknown_owned: u32,
}

/// Self-funded revenue per payee. Solves the row W̃[v, ·] (reach of v only) for the payees
/// that hold equity.
///
/// `payees`: the nodes to report, in that order (each costs one row solve over its reach,
/// so on big graphs callers pick the ones they need); None for every node that receives a
/// commitment, in node order.
pub fn self_funded_revenue(
    s: &Solver<'_>,
    payees: Option<&[u32]>,
    interrupt: Interrupt,
) -> Result<Vec<SelfFunded>> {
    let g = s.g;
    let all: Vec<u32>;
    let payees = match payees {
        Some(p) => {
            if let Some(&v) = p.iter().find(|&&v| v as usize >= g.num_nodes()) {
                return Err(Error::InvalidArgument(format!(
                    "payee {v} is not in the graph"
                )));
            }
            p
        }
        None => {
            all = (0..g.num_nodes() as u32)
                .filter(|&v| {
                    g.in_edges(v)
                        .iter()
                        .any(|ie| g.edge(ie.edge as usize).kind == Kind::Commitment)
                })
                .collect();
            &all
        }
    };
    payees
        .par_iter()
        .map(|&v| {
            let (paid, unknown_payers) = payers(g, v);
            let unknown = unknown_payers.len() as u32;
            // + 0.0: an empty f64 sum is -0.0.
            let revenue = paid.iter().map(|&(_, a)| a).sum::<f64>() + 0.0;
            let holds_equity = g.out_edges(v).iter().any(|e| e.kind == Kind::Equity);
            let (self_funded, unknown_owned) = if holds_equity && (!paid.is_empty() || unknown > 0)
            {
                let row: HashMap<u32, f64> = holdings_of(s, v, interrupt)?.into_iter().collect();
                let owned = |b: &u32| row.get(b).copied().unwrap_or(0.0);
                // An amount of 0 adds nothing, even from an owner whose upper bound diverged.
                let funded = paid
                    .iter()
                    .map(|(b, a)| if *a == 0.0 { 0.0 } else { owned(b) * a })
                    .sum::<f64>()
                    + 0.0;
                let unknown_owned = unknown_payers.iter().filter(|b| owned(b) > 0.0).count();
                (funded, unknown_owned as u32)
            } else {
                (0.0, 0)
            };
            Ok(SelfFunded {
                node: v,
                revenue,
                self_funded,
                unknown,
                unknown_owned,
            })
        })
        .collect()
}

/// How far the integrated stakes behind `self_funded_revenue_sparse` may be off: the self-funded
/// share of a payee's revenue is off by at most this much (0.1 percentage point).
pub const SELF_FUNDED_BOUND: f64 = 1e-3;

/// The payers of `v`'s commitments: (payer, known amount) in in-edge (source) order, and the
/// payers of unknown amounts.
fn payers(g: &Graph, v: u32) -> (Vec<(u32, f64)>, Vec<u32>) {
    let mut paid: Vec<(u32, f64)> = Vec::new();
    let mut unknown: Vec<u32> = Vec::new();
    for ie in g.in_edges(v) {
        let p = ie.edge as usize;
        if g.edge(p).kind != Kind::Commitment {
            continue;
        }
        let a = g.amount(p);
        if a.is_nan() {
            unknown.push(ie.source);
        } else {
            paid.push((ie.source, a));
        }
    }
    (paid, unknown)
}

/// Self-funded revenue of every node that receives a commitment (node order), from the
/// thresholded columns of every issuer at once (`exposure::sparse_columns`) rather than one
/// row solve per payee: each W̃[v, b] is a lower bound within `SELF_FUNDED_BOUND`, so
/// `self_funded` is a lower bound within the returned bound of each payee (Σ_b bound_b · P[b →
/// v], at most `SELF_FUNDED_BOUND` · revenue). An unknown amount from a customer whose stake
/// may be positive (found, or possibly dropped below its column's cutoff) counts in
/// `unknown_owned`.
pub fn self_funded_revenue_sparse(
    s: &Solver<'_>,
    interrupt: Interrupt,
) -> Result<(Vec<SelfFunded>, Vec<f64>)> {
    let g = s.g;
    let n = g.num_nodes();
    let is_payee: Vec<bool> = (0..n as u32)
        .map(|v| {
            g.in_edges(v)
                .iter()
                .any(|ie| g.edge(ie.edge as usize).kind == Kind::Commitment)
        })
        .collect();
    let holds: Vec<bool> = (0..n as u32)
        .map(|v| is_payee[v as usize] && g.out_edges(v).iter().any(|e| e.kind == Kind::Equity))
        .collect();
    let every = vec![true; n];
    let pays = |v: u32, b: u32| commitment(g, b, v).is_some();
    let wanted = Wanted {
        threshold: 0.0,
        holders: &holds,
        issuers: &every,
        pairs: Some(&pays),
    };
    let sparse = sparse_columns(s, SELF_FUNDED_BOUND, &wanted, interrupt)?;
    let stakes = sparse.stakes(s.plan, &wanted);
    let bound_of = |b: u32| sparse.bound[s.plan.pos[b as usize] as usize];
    let payees: Vec<u32> = (0..n as u32).filter(|&v| is_payee[v as usize]).collect();
    let rows: Vec<(SelfFunded, f64)> = payees
        .par_iter()
        .map(|&v| {
            let (paid, unknown_payers) = payers(g, v);
            // v's entries: stakes are sorted by (holder, issuer).
            let first = stakes.partition_point(|st| st.holder < Some(v));
            let last = stakes.partition_point(|st| st.holder <= Some(v));
            let mine = &stakes[first..last];
            let owned = |b: u32| {
                mine.binary_search_by_key(&b, |st| st.issuer)
                    .map_or(0.0, |i| mine[i].value)
            };
            let holds_equity = holds[v as usize];
            let revenue = paid.iter().map(|&(_, a)| a).sum::<f64>() + 0.0;
            let (mut funded, mut bound) = (0.0, 0.0);
            if holds_equity {
                for &(b, a) in &paid {
                    if a != 0.0 {
                        funded += owned(b) * a;
                        bound += bound_of(b) * a;
                    }
                }
            }
            let unknown_owned = if holds_equity {
                unknown_payers
                    .iter()
                    .filter(|&&b| owned(b) > 0.0 || bound_of(b) > 0.0)
                    .count() as u32
            } else {
                0
            };
            let row = SelfFunded {
                node: v,
                revenue,
                self_funded: funded + 0.0,
                unknown: unknown_payers.len() as u32,
                unknown_owned,
            };
            (row, bound + 0.0)
        })
        .collect();
    Ok(rows.into_iter().unzip())
}

/// Weighted reciprocity of the money graph.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reciprocity {
    /// Σ_{i≠j} min(F_ij, F_ji).
    pub reciprocated: f64,
    /// Σ_{i≠j} F_ij.
    pub total: f64,
    /// Edges of unknown amount, left out of F.
    pub unknown: usize,
}

impl Reciprocity {
    /// reciprocated / total; NaN when no amount is known.
    pub fn ratio(&self) -> f64 {
        if self.total > 0.0 {
            self.reciprocated / self.total
        } else {
            f64::NAN
        }
    }
}

/// F_i· of node i: (target, money) over known amounts, all kinds summed, targets ascending,
/// self-loops left out. The second value counts unknown amounts.
fn flows_out(g: &Graph, i: u32) -> (Vec<(u32, f64)>, usize) {
    let mut out: Vec<(u32, f64)> = Vec::new();
    let mut unknown = 0;
    for p in g.out_range(i) {
        let t = g.edge(p).target;
        let a = g.amount(p);
        if a.is_nan() {
            unknown += 1;
            continue;
        }
        if t == i {
            continue;
        }
        match out.last_mut() {
            Some((last, f)) if *last == t => *f += a,
            _ => out.push((t, a)),
        }
    }
    (out, unknown)
}

/// F_j→i for the sources j of i's in-edges, sources ascending (in-edges are source-sorted).
fn flows_in(g: &Graph, i: u32) -> Vec<(u32, f64)> {
    let mut out: Vec<(u32, f64)> = Vec::new();
    for ie in g.in_edges(i) {
        let a = g.amount(ie.edge as usize);
        if a.is_nan() || ie.source == i {
            continue;
        }
        match out.last_mut() {
            Some((last, f)) if *last == ie.source => *f += a,
            _ => out.push((ie.source, a)),
        }
    }
    out
}

/// The weighted reciprocity; per-node partial sums added in node order (same bits for any
/// thread count).
pub fn reciprocity(g: &Graph) -> Reciprocity {
    let parts: Vec<(f64, f64, usize)> = (0..g.num_nodes() as u32)
        .into_par_iter()
        .map(|i| {
            let (out, unknown) = flows_out(g, i);
            let back = flows_in(g, i);
            let total: f64 = out.iter().map(|&(_, f)| f).sum();
            // Merge the two source/target-sorted lists.
            let (mut reciprocated, mut k) = (0.0, 0);
            for &(j, f) in &out {
                while k < back.len() && back[k].0 < j {
                    k += 1;
                }
                if k < back.len() && back[k].0 == j {
                    reciprocated += f.min(back[k].1);
                }
            }
            (reciprocated, total, unknown)
        })
        .collect();
    let mut r = Reciprocity {
        reciprocated: 0.0,
        total: 0.0,
        unknown: 0,
    };
    for (rec, tot, unk) in parts {
        r.reciprocated += rec;
        r.total += tot;
        r.unknown += unk;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposure::Plan;
    use crate::graph::testing;

    use crate::graph::testing::{CM, CR, EQ, NAN};

    /// Amazon 0, OpenAI 1, Nvidia 2: Amazon invests 50 in OpenAI (7%), OpenAI commits 138 to
    /// Amazon; Nvidia lends 30 to OpenAI, OpenAI commits 10 to Nvidia, and an unknown
    /// amount to... nobody else.
    fn ai() -> Graph {
        testing::build(
            3,
            &[
                (0, 1, EQ, 0.07, 50.0),
                (1, 0, CM, NAN, 138.0),
                (2, 1, CR, NAN, 30.0),
                (1, 2, CM, NAN, 10.0),
            ],
        )
        .unwrap()
    }

    #[test]
    fn round_trip_ratios() {
        let g = ai();
        let r = round_trips(&g);
        assert_eq!(r.edge.len(), 2);
        assert_eq!(r.invested, vec![50.0, 30.0]);
        assert_eq!(r.returned, vec![138.0, 10.0]);
        assert_eq!(r.ratio[0], 1.0);
        assert_eq!(r.ratio[1], 10.0 / 30.0);
    }

    #[test]
    fn unknown_amounts_give_unknown_ratios() {
        let g = testing::build(
            3,
            &[
                (0, 1, EQ, 0.1, NAN),
                (1, 0, CM, NAN, 5.0),
                (0, 2, EQ, 0.1, 5.0),
                (2, 0, CM, NAN, NAN),
            ],
        )
        .unwrap();
        let r = round_trips(&g);
        assert!(r.ratio[0].is_nan() && r.ratio[1].is_nan());
        assert_eq!(r.returned[0], 5.0);
        assert!(r.returned[1].is_nan());
        // No commitment back at all: ratio 0.
        let g = testing::build(2, &[(0, 1, EQ, 0.1, 5.0)]).unwrap();
        assert_eq!(round_trips(&g).ratio, vec![0.0]);
    }

    #[test]
    fn self_funded_revenue_weights_payments_by_integrated_stakes() {
        // S (0) holds 50% of A (1), A holds 40% of B (2); A and B buy from S for 100 and 200,
        // C (3, not held) for 1000. W̃[S, A] = 0.5, W̃[S, B] = 0.2.
        let g = testing::build(
            4,
            &[
                (0, 1, EQ, 0.5, NAN),
                (1, 2, EQ, 0.4, NAN),
                (1, 0, CM, NAN, 100.0),
                (2, 0, CM, NAN, 200.0),
                (3, 0, CM, NAN, 1000.0),
                (3, 1, CM, NAN, NAN),
            ],
        )
        .unwrap();
        let plan = Plan::new(&g, Interrupt::never()).unwrap();
        let s = Solver { g: &g, plan: &plan };
        let rows = self_funded_revenue(&s, None, Interrupt::never()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].node, 0);
        assert_eq!(rows[0].revenue, 1300.0);
        assert!((rows[0].self_funded - (0.5 * 100.0 + 0.2 * 200.0)).abs() < 1e-12);
        assert_eq!(rows[0].unknown, 0);
        assert_eq!(
            (rows[1].node, rows[1].revenue, rows[1].unknown),
            (1, 0.0, 1)
        );
        assert_eq!(rows[1].self_funded, 0.0);

        // Chosen payees come back in the order asked, a non-payee with zeros.
        let picked = self_funded_revenue(&s, Some(&[2, 0]), Interrupt::never()).unwrap();
        assert_eq!(picked.len(), 2);
        assert_eq!((picked[0].node, picked[0].revenue), (2, 0.0));
        assert_eq!(
            (picked[1].node, picked[1].self_funded),
            (0, rows[0].self_funded)
        );
        assert!(self_funded_revenue(&s, Some(&[4]), Interrupt::never()).is_err());
    }

    #[test]
    fn reciprocity_of_the_money_graph() {
        // F01 = 50, F10 = 138 + 0 ; F21 = 30, F12 = 10.
        let r = reciprocity(&ai());
        assert_eq!(r.total, 50.0 + 138.0 + 30.0 + 10.0);
        assert_eq!(r.reciprocated, 50.0 + 50.0 + 10.0 + 10.0);
        assert_eq!(r.unknown, 0);
        // Kinds are summed per direction; self-loops and unknown amounts are left out.
        let g = testing::build(
            2,
            &[
                (0, 1, EQ, 0.1, 4.0),
                (0, 1, CR, NAN, 6.0),
                (1, 0, CM, NAN, 5.0),
                (1, 1, CM, NAN, 7.0),
                (1, 0, CR, NAN, NAN),
            ],
        )
        .unwrap();
        let r = reciprocity(&g);
        assert_eq!((r.reciprocated, r.total, r.unknown), (10.0, 15.0, 1));
        assert_eq!(r.ratio(), 10.0 / 15.0);
        let empty = testing::build(1, &[]).unwrap();
        assert!(reciprocity(&empty).ratio().is_nan());
    }

    /// Holdings chains with cross-holdings (a few cycles, one past the dense limit when
    /// `ring`), and commitments from issuers back to their holders and to strangers, some of
    /// unknown amount.
    fn random_money(seed: u64, n: u32, ring: bool) -> Graph {
        use crate::rng::Rng;
        let mut rng = Rng::stream(seed, 3, 1);
        let mut rows: Vec<(u32, u32, u8, f64, f64)> = Vec::new();
        let mut room = vec![0.9f64; n as usize];
        let mut equity = |rows: &mut Vec<_>, i: u32, j: u32, share: f64| {
            let share = share.min(room[j as usize]);
            let fresh = !rows
                .iter()
                .any(|r: &(u32, u32, u8, f64, f64)| (r.0, r.1, r.2) == (i, j, EQ));
            if i != j && share > 0.0 && fresh {
                room[j as usize] -= share;
                rows.push((i, j, EQ, share, NAN));
            }
        };
        let first_ring = n - if ring { 300 } else { 0 };
        for j in 1..first_ring {
            for _ in 0..1 + rng.below(2) {
                let i = rng.below(j as u64) as u32;
                equity(&mut rows, i, j, 0.7 * rng.open01());
            }
            if rng.bernoulli(0.08) {
                equity(&mut rows, j, rng.below(j as u64) as u32, 0.3 * rng.open01());
            }
        }
        for v in first_ring..n {
            let next = if v + 1 == n { first_ring } else { v + 1 };
            equity(&mut rows, v, next, 0.6);
            equity(&mut rows, rng.below(first_ring as u64) as u32, v, 0.2);
        }
        let holdings: Vec<(u32, u32)> = rows.iter().map(|r| (r.0, r.1)).collect();
        for (k, &(i, j)) in holdings.iter().enumerate() {
            // The issuer buys from its holder (or from anyone), sometimes an unknown amount.
            let payee = if k % 3 == 0 {
                rng.below(n as u64) as u32
            } else {
                i
            };
            if payee != j && rng.bernoulli(0.7) {
                let amount = if rng.bernoulli(0.1) {
                    NAN
                } else {
                    1.0 + 99.0 * rng.open01()
                };
                rows.push((j, payee, CM, NAN, amount));
            }
        }
        testing::build(n as usize, &rows).expect("valid graph")
    }

    #[test]
    fn sparse_self_funded_revenue_is_a_lower_bound_within_its_bound() {
        for seed in 0..8u64 {
            let g = random_money(seed, 400 + 50 * seed as u32, seed % 2 == 0);
            let plan = Plan::new(&g, Interrupt::never()).unwrap();
            let s = Solver { g: &g, plan: &plan };
            let exact = self_funded_revenue(&s, None, Interrupt::never()).unwrap();
            let (sparse, bound) = self_funded_revenue_sparse(&s, Interrupt::never()).unwrap();
            assert_eq!(exact.len(), sparse.len());
            let mut loose = 0;
            for ((e, x), b) in exact.iter().zip(&sparse).zip(&bound) {
                assert_eq!(
                    (e.node, e.revenue, e.unknown),
                    (x.node, x.revenue, x.unknown)
                );
                let slack = 1e-9 * e.revenue.max(1.0);
                assert!(
                    x.self_funded <= e.self_funded + slack,
                    "seed {seed}: {x:?} {e:?}"
                );
                assert!(e.self_funded - x.self_funded <= b + slack, "seed {seed}");
                assert!(*b <= SELF_FUNDED_BOUND * e.revenue + slack, "seed {seed}");
                // Unknown amounts the payee owns are counted (and maybe a few it may own).
                assert!(x.unknown_owned >= e.unknown_owned && x.unknown_owned <= x.unknown);
                loose += (*b > 0.0) as usize;
            }
            assert!(
                loose > 0,
                "seed {seed}: some stakes were dropped, and bounded"
            );
        }
    }
}
