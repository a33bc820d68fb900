//! The linear look-through loss L = (I − W)^-1 (W s + R d) in one pass over the plan.
//!
//! The first-round loss d = W s + R d and the total t = d + W t share every row, so one level
//! pass computes both: each row reads (s_j, t_j) of what it holds, side by side in memory, and
//! never forms W s on its own. d, which no other row reads, is kept apart, so the pairs that are
//! read at random take 16 bytes a node.

use rayon::prelude::*;

use super::plan::{gather, Direction, Solver};
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::interrupt::Interrupt;
use crate::kind::Kind;
use crate::prefetch::prefetch;

/// Per plan position, what other rows read: value loss s, total loss t (R d before the row is
/// done).
type Pair = [f64; 2];
const S: usize = 0;
const T: usize = 1;

/// The look-through loss per node, with the first round split by channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Losses {
    /// First-round loss through equity: `W s`.
    pub equity: Vec<f64>,
    /// First-round loss on loans to defaulting borrowers: Σ credit amount · d(borrower).
    pub credit: Vec<f64>,
    /// First-round loss on defaulting customers' commitments: Σ committed amount · d(customer).
    pub commitment: Vec<f64>,
    /// `W s + R d`, the whole first round.
    pub direct: Vec<f64>,
    /// `(I − W)^-1 (W s + R d)`.
    pub total: Vec<f64>,
}

/// The look-through loss per node: direct = `W s + R d`, total = `(I − W)^-1 (W s + R d)`.
/// Credit: the lender is exposed to its borrower by the amount; commitment: the supplier to
/// its customer by the committed amount. An unknown amount (NaN) hit by a default d > 0
/// counts as `unknown` (0 for a lower bound, +inf for an upper one); one whose counterparty
/// does not default counts 0. Empty `s` or `d` mean all zero (and skip their terms).
pub fn look_through(
    s: &Solver<'_>,
    value_loss: &[f64],
    default: &[f64],
    unknown: f64,
    interrupt: Interrupt,
) -> Result<Losses> {
    let plan = s.plan;
    let n = s.g.num_nodes();
    for (name, v) in [("value_loss", value_loss), ("default", default)] {
        if !v.is_empty() && v.len() != n {
            return Err(Error::InvalidArgument(format!(
                "{name} has {} entries for {n} nodes",
                v.len()
            )));
        }
    }
    // No default: no credit or commitment term, and no per-node reads for it in the pass.
    let channels = (!default.is_empty()).then(|| non_equity_losses(s.g, default, unknown));
    let nonequity: Option<Vec<f64>> = channels.as_ref().map(|(credit, commitment)| {
        credit
            .par_iter()
            .zip(commitment)
            .map(|(c, m)| c + m)
            .collect()
    });
    let done = |equity: Vec<f64>, direct: Vec<f64>, total: Vec<f64>| {
        let (credit, commitment) = channels.unwrap_or_else(|| (vec![0.0; n], vec![0.0; n]));
        Losses {
            equity,
            credit,
            commitment,
            direct,
            total,
        }
    };
    if value_loss.is_empty() {
        // No value loss: the first-round loss is R d alone, and one plain solve finishes it.
        let direct = nonequity.unwrap_or_else(|| vec![0.0; n]);
        let total = plan.solve(Direction::Holdings, &direct, interrupt)?;
        return Ok(done(vec![0.0; n], direct, total));
    }
    let r = |u: u32| nonequity.as_ref().map_or(0.0, |c| c[u as usize]);
    let mut xs: Vec<Pair> = Vec::with_capacity(n);
    gather(&plan.order, value_loss, |&v| v)
        .zip(plan.order.par_iter())
        .map(|(v, &u)| [v, r(u)])
        .collect_into_vec(&mut xs);
    // Per row, (first-round loss through equity, whole first round): read by no other row.
    let mut ds = vec![[0.0f64; 2]; n];
    let inside = &plan.holdings.inside;
    // The output, by node, of everything final before a large cycle's solve is gathered
    // while that solve runs; the rest after.
    let outputs = |finished: &[Pair], direct_p: &[Pair]| {
        const CHUNK: usize = 4096;
        let pos = &plan.pos;
        // Zeroed pages cost nothing until written; each output is written once, in place.
        let (mut equity, mut direct, mut total) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        equity
            .par_chunks_mut(CHUNK)
            .zip(direct.par_chunks_mut(CHUNK))
            .zip(total.par_chunks_mut(CHUNK))
            .zip(pos.par_chunks(CHUNK))
            .for_each(|(((e, d), t), ks)| {
                for (i, &k) in ks.iter().enumerate() {
                    if let Some(&next) = ks.get(i + 16) {
                        prefetch(finished, next as usize);
                        prefetch(direct_p, next as usize);
                    }
                    let k = k as usize;
                    // Positions not yet final stay 0: filled in once the rest is final.
                    if let Some(x) = finished.get(k) {
                        (e[i], d[i], t[i]) = (direct_p[k][E], direct_p[k][D], x[T]);
                    }
                }
            });
        (equity, direct, total)
    };
    let overlapped = plan.run_levels(
        Direction::Holdings,
        &mut xs,
        &mut ds,
        |x, d, cols, vals, done| {
            let (mut dsum, mut tsum) = (0.0, 0.0);
            for (&j, &w) in cols.iter().zip(vals) {
                let y = done.get(j);
                dsum += w * y[S];
                tsum += w * y[T];
            }
            // x[T] holds R d until the row is done.
            *d = [dsum, x[T] + dsum];
            [x[S], d[D] + tsum]
        },
        |slot, values, direct| {
            // The component's own holdings add to d and to the right-hand side of t: a pass
            // over its inside entries, in parallel row chunks for a large one (each row's sum
            // in its own fixed order, whatever the thread count).
            const ROWS: usize = 4096;
            let first = plan.range(slot).0;
            let read: &[Pair] = values;
            let mut rhs = vec![0.0f64; read.len()];
            let fill = |at: usize, direct: &mut [[f64; 2]], rhs: &mut [f64]| {
                for (i, (d, r)) in direct.iter_mut().zip(rhs).enumerate() {
                    let (cols, vals) = inside.row(first + at + i);
                    let own: f64 = cols
                        .iter()
                        .zip(vals)
                        .map(|(&j, &w)| w * read[j as usize][S])
                        .sum();
                    d[E] += own;
                    d[D] += own;
                    *r = read[at + i][T] + own;
                }
            };
            if read.len() >= 2 * ROWS {
                direct
                    .par_chunks_mut(ROWS)
                    .zip(rhs.par_chunks_mut(ROWS))
                    .enumerate()
                    .for_each(|(c, (d, r))| fill(c * ROWS, d, r));
            } else {
                fill(0, direct, &mut rhs);
            }
            let t = plan.solve_block(Direction::Holdings, slot, &rhs, interrupt)?;
            for (v, t) in values.iter_mut().zip(t) {
                v[T] = t;
            }
            Ok(())
        },
        Some(outputs),
        interrupt,
    )?;
    let (equity, direct, total) = match overlapped {
        Some((finished, (mut equity, mut direct, mut total))) => {
            for (k, x) in xs.iter().enumerate().skip(finished) {
                let v = plan.order[k] as usize;
                (equity[v], direct[v], total[v]) = (ds[k][E], ds[k][D], x[T]);
            }
            (equity, direct, total)
        }
        None => outputs(&xs, &ds),
    };
    Ok(done(equity, direct, total))
}

/// Indices into a row's first-round pair: equity channel, whole first round.
const E: usize = 0;
const D: usize = 1;

/// `R d` by channel: what each node loses on its loans (credit) and on its customers'
/// unpaid commitments (commitment). An unknown amount counts as `unknown` where its
/// counterparty defaults, 0 elsewhere.
fn non_equity_losses(g: &Graph, d: &[f64], unknown: f64) -> (Vec<f64>, Vec<f64>) {
    let loss = |a: f64, d: f64| {
        if d == 0.0 {
            0.0
        } else if a.is_nan() {
            unknown
        } else {
            a * d
        }
    };
    (0..g.num_nodes() as u32)
        .into_par_iter()
        .map(|i| {
            let mut credit = 0.0;
            for p in g.out_range(i) {
                let e = g.edge(p);
                if e.kind == Kind::Credit {
                    credit += loss(g.amount(p), d[e.target as usize]);
                }
            }
            let mut commitment = 0.0;
            for ie in g.in_edges(i) {
                let p = ie.edge as usize;
                if g.edge(p).kind == Kind::Commitment {
                    commitment += loss(g.amount(p), d[ie.source as usize]);
                }
            }
            (credit, commitment)
        })
        .unzip()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposure::Plan;
    use crate::graph::testing::equity;

    #[test]
    fn a_large_cycle_solved_alone_gives_the_same_losses_as_a_plain_solve() {
        // A 600-node ring (each 50% held by the previous one) holding a chain of 300 nodes
        // below it and held by a chain of 300 above: the ring is solved alone in its level,
        // while the output of the chain below is gathered beside it.
        let ring = 600u32;
        let mut edges: Vec<(u32, u32, f64)> = (0..ring).map(|i| (i, (i + 1) % ring, 0.5)).collect();
        edges.push((0, ring, 0.3));
        for i in ring..ring + 299 {
            edges.push((i, i + 1, 0.4));
        }
        edges.push((ring + 300, 5, 0.2));
        for i in ring + 300..ring + 599 {
            edges.push((i + 1, i, 0.7));
        }
        let n = (ring + 600) as usize;
        let g = equity(n, &edges);
        let plan = Plan::new(&g, Interrupt::never()).unwrap();
        let solver = Solver { g: &g, plan: &plan };
        let s: Vec<f64> = (0..n).map(|i| 1.0 + (i % 7) as f64).collect();
        let losses = look_through(&solver, &s, &[], 0.0, Interrupt::never()).unwrap();
        let (direct, total) = (losses.direct, losses.total);
        let mut ws = vec![0.0; n];
        for &(h, i, w) in &edges {
            ws[h as usize] += w * s[i as usize];
        }
        let plain = plan
            .solve(Direction::Holdings, &ws, Interrupt::never())
            .unwrap();
        for v in 0..n {
            assert!(
                (direct[v] - ws[v]).abs() <= 1e-12 * ws[v].abs().max(1.0),
                "node {v}"
            );
            assert!(
                (total[v] - plain[v]).abs() <= 1e-11 * plain[v].abs().max(1.0),
                "node {v}"
            );
        }
        assert!(total[0] > direct[0]); // the ring's round trips add to its members' losses
    }
}

#[cfg(test)]
mod unknown_amount_tests {
    use super::*;
    use crate::exposure::Plan;
    use crate::graph::testing::build;

    #[test]
    fn an_unknown_amount_counts_only_where_its_counterparty_defaults() {
        // 0 lends an unknown amount to 1; 2 commits 5 to 0; 3 holds half of 0.
        let g = build(
            4,
            &[
                (0, 1, 1, f64::NAN, f64::NAN),
                (2, 0, 2, f64::NAN, 5.0),
                (3, 0, 0, 0.5, f64::NAN),
            ],
        )
        .unwrap();
        let plan = Plan::new(&g, Interrupt::never()).unwrap();
        let s = Solver { g: &g, plan: &plan };
        let nobody = look_through(
            &s,
            &[],
            &[0.0, 0.0, 0.4, 0.0],
            f64::INFINITY,
            Interrupt::never(),
        )
        .unwrap();
        assert_eq!(nobody.commitment, vec![2.0, 0.0, 0.0, 0.0]);
        assert_eq!(nobody.credit, vec![0.0; 4]);
        assert_eq!(nobody.total[3], 1.0);
        let hit = look_through(
            &s,
            &[],
            &[0.0, 0.5, 0.0, 0.0],
            f64::INFINITY,
            Interrupt::never(),
        )
        .unwrap();
        assert_eq!(hit.credit[0], f64::INFINITY);
        assert_eq!(hit.total[3], f64::INFINITY); // passed on through the holding
        let low = look_through(&s, &[], &[0.0, 0.5, 0.0, 0.0], 0.0, Interrupt::never()).unwrap();
        assert_eq!(low.total, vec![0.0; 4]);
        // With a value loss too, the equity channel stays finite beside an infinite credit one.
        let both = look_through(
            &s,
            &[1.0, 0.0, 0.0, 0.0],
            &[0.0, 0.5, 0.0, 0.0],
            f64::INFINITY,
            Interrupt::never(),
        )
        .unwrap();
        assert_eq!(both.equity[3], 0.5);
        assert_eq!(both.credit[0], f64::INFINITY);
        assert_eq!(both.total[3], f64::INFINITY);
    }
}
