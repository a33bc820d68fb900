//! The look-through loss of many scenarios: one pass over the plan for every `WIDTH` of them.
//!
//! A row reads the (s, t) pairs of what it holds for all `WIDTH` scenarios side by side, so
//! the random reads that dominate a pass fetch 16 · `WIDTH` bytes at a time instead of 16,
//! and the plan's rows and entries are streamed once for `WIDTH` right-hand sides. Each
//! scenario's sums are the single call's, in the same order: the same bits.

use rayon::prelude::*;

use super::look_through::non_equity_losses;
use super::plan::{Direction, Solver};
use crate::contagion::Scenarios;
use crate::error::{Error, Result};
use crate::interrupt::Interrupt;

/// Scenarios per pass.
pub const WIDTH: usize = 8;
type Pairs = [[f64; 2]; WIDTH];
const S: usize = 0;
const T: usize = 1;
const E: usize = 0;
const D: usize = 1;

/// Rows (scenario, node) of the nodes with a non-zero first-round or total loss, and the
/// sums per scenario.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct LossesMany {
    pub scenario: Vec<u32>,
    pub node: Vec<u32>,
    pub equity: Vec<f64>,
    pub credit: Vec<f64>,
    pub commitment: Vec<f64>,
    pub direct: Vec<f64>,
    pub total: Vec<f64>,
    /// Per scenario, in node order: Σ direct, Σ total.
    pub direct_sum: Vec<f64>,
    pub total_sum: Vec<f64>,
}

/// The look-through loss of every scenario k: value loss `value_loss.get(k)` (currency),
/// default `default.get(k)` (fractions in [0, 1]); both hold the same number of scenarios.
/// `unknown` as in `look_through`. With `rows` false only the sums are kept.
pub fn look_through_many(
    s: &Solver<'_>,
    value_loss: Scenarios<'_>,
    default: Scenarios<'_>,
    unknown: f64,
    rows: bool,
    interrupt: Interrupt,
) -> Result<LossesMany> {
    let (g, plan) = (s.g, s.plan);
    let n = g.num_nodes();
    if value_loss.len() != default.len() {
        return Err(Error::InvalidArgument(format!(
            "{} value-loss scenarios and {} default ones",
            value_loss.len(),
            default.len()
        )));
    }
    default.check(n, "default")?;
    check_finite(value_loss, n)?;
    let mut out = LossesMany::default();
    let count = value_loss.len();
    for first in (0..count).step_by(WIDTH) {
        interrupt.check()?;
        let width = (count - first).min(WIDTH);
        // R d of each scenario that has a default, by channel.
        let channels: Vec<Option<(Vec<f64>, Vec<f64>)>> = (first..first + width)
            .map(|k| {
                let (nodes, values) = default.get(k);
                (!nodes.is_empty()).then(|| {
                    let mut d = vec![0.0; n];
                    for (&i, &x) in nodes.iter().zip(values) {
                        d[i as usize] = x;
                    }
                    non_equity_losses(g, &d, unknown)
                })
            })
            .collect();
        let mut xs: Vec<Pairs> = vec![[[0.0; 2]; WIDTH]; n];
        xs.par_iter_mut()
            .zip(plan.order.par_iter())
            .for_each(|(x, &u)| {
                for (c, ch) in channels.iter().enumerate() {
                    if let Some((credit, commitment)) = ch {
                        x[c][T] = credit[u as usize] + commitment[u as usize];
                    }
                }
            });
        for (c, k) in (first..first + width).enumerate() {
            let (nodes, values) = value_loss.get(k);
            for (&i, &v) in nodes.iter().zip(values) {
                xs[plan.pos[i as usize] as usize][c][S] = v;
            }
        }
        let mut ds: Vec<Pairs> = vec![[[0.0; 2]; WIDTH]; n];
        let inside = &plan.holdings.inside;
        plan.run_levels(
            Direction::Holdings,
            &mut xs,
            &mut ds,
            |x, d, cols, vals, done| {
                let (mut dsum, mut tsum) = ([0.0; WIDTH], [0.0; WIDTH]);
                for (&j, &w) in cols.iter().zip(vals) {
                    let y = done.get(j);
                    for c in 0..WIDTH {
                        dsum[c] += w * y[c][S];
                        tsum[c] += w * y[c][T];
                    }
                }
                let mut next = x;
                for c in 0..WIDTH {
                    // x[c][T] holds R d until the row is done.
                    d[c] = [dsum[c], x[c][T] + dsum[c]];
                    next[c][T] = d[c][D] + tsum[c];
                }
                next
            },
            |slot, values, direct| {
                // The component's own holdings, then one local solve per scenario.
                let first_row = plan.range(slot).0;
                let mut rhs = vec![vec![0.0f64; values.len()]; width];
                for (i, d) in direct.iter_mut().enumerate() {
                    let (cols, vals) = inside.row(first_row + i);
                    for c in 0..width {
                        let own: f64 = cols
                            .iter()
                            .zip(vals)
                            .map(|(&j, &w)| w * values[j as usize][c][S])
                            .sum();
                        d[c][E] += own;
                        d[c][D] += own;
                        rhs[c][i] = values[i][c][T] + own;
                    }
                }
                for (c, r) in rhs.iter().enumerate() {
                    let t = plan.solve_block(Direction::Holdings, slot, r, interrupt)?;
                    for (v, t) in values.iter_mut().zip(t) {
                        v[c][T] = t;
                    }
                }
                Ok(())
            },
            None::<fn(&[Pairs], &[Pairs])>,
            interrupt,
        )?;
        for (c, ch) in channels.iter().enumerate() {
            let (mut dsum, mut tsum) = (0.0, 0.0);
            for v in 0..n {
                let p = plan.pos[v] as usize;
                let (direct, total) = (ds[p][c][D], xs[p][c][T]);
                dsum += direct;
                tsum += total;
                if rows && (direct != 0.0 || total != 0.0) {
                    let (credit, commitment) =
                        ch.as_ref().map_or((0.0, 0.0), |(a, b)| (a[v], b[v]));
                    out.scenario.push((first + c) as u32);
                    out.node.push(v as u32);
                    out.equity.push(ds[p][c][E]);
                    out.credit.push(credit);
                    out.commitment.push(commitment);
                    out.direct.push(direct);
                    out.total.push(total);
                }
            }
            out.direct_sum.push(dsum);
            out.total_sum.push(tsum);
        }
    }
    Ok(out)
}

fn check_finite(value_loss: Scenarios<'_>, n: usize) -> Result<()> {
    let ones: Vec<f64> = vec![0.0; value_loss.nodes.len()];
    let shape = Scenarios {
        values: &ones,
        ..value_loss
    };
    shape.check(n, "value loss")?;
    if let Some(p) = value_loss.values.iter().position(|v| !v.is_finite()) {
        return Err(Error::InvalidArgument(format!(
            "the value loss on ⟦{}⟧ is {}; it must be a finite number",
            value_loss.nodes[p], value_loss.values[p]
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposure::{look_through, Plan};
    use crate::graph::testing::build;

    #[test]
    fn every_scenario_gives_the_bits_of_a_single_call() {
        // A ring of three (each 40% held by the next) under a holder, credit and commitment
        // edges around it; 11 scenarios, so two passes, the second part-full.
        let g = build(
            6,
            &[
                (0, 1, 0, 0.4, f64::NAN),
                (1, 2, 0, 0.4, f64::NAN),
                (2, 0, 0, 0.4, f64::NAN),
                (3, 0, 0, 0.5, f64::NAN),
                (4, 1, 1, f64::NAN, 7.0),
                (2, 5, 2, f64::NAN, 3.0),
                (5, 3, 0, 0.2, f64::NAN),
            ],
        )
        .unwrap();
        let plan = Plan::new(&g, Interrupt::never()).unwrap();
        let s = Solver { g: &g, plan: &plan };
        let (mut vo, mut vn, mut vv) = (vec![0], Vec::new(), Vec::new());
        let (mut dofs, mut dn, mut dv) = (vec![0], Vec::new(), Vec::new());
        for k in 0..11u32 {
            vn.push(k % 6);
            vv.push(1.0 + k as f64);
            if k % 2 == 0 {
                vn.push(5);
                vv.push(0.5);
            }
            vo.push(vn.len());
            if k % 3 == 0 {
                dn.push(1);
                dv.push(0.25);
                dn.push(2);
                dv.push(0.5);
            }
            dofs.push(dn.len());
        }
        let sc = |o: &'static [usize], n: &'static [u32], v: &'static [f64]| Scenarios {
            offsets: o,
            nodes: n,
            values: v,
        };
        let leak = |x: Vec<usize>| -> &'static [usize] { Box::leak(x.into_boxed_slice()) };
        let leak32 = |x: Vec<u32>| -> &'static [u32] { Box::leak(x.into_boxed_slice()) };
        let leakf = |x: Vec<f64>| -> &'static [f64] { Box::leak(x.into_boxed_slice()) };
        let values = sc(leak(vo), leak32(vn), leakf(vv));
        let defaults = sc(leak(dofs), leak32(dn), leakf(dv));
        let many = look_through_many(&s, values, defaults, 0.0, true, Interrupt::never()).unwrap();
        assert_eq!(many.total_sum.len(), 11);
        for k in 0..11 {
            let dense = |sc: Scenarios<'_>| {
                let mut x = vec![0.0; 6];
                let (nodes, vals) = sc.get(k);
                for (&i, &v) in nodes.iter().zip(vals) {
                    x[i as usize] = v;
                }
                x
            };
            let (sv, dv) = (dense(values), dense(defaults));
            let one = look_through(&s, &sv, &dv, 0.0, Interrupt::never()).unwrap();
            let mut total = vec![0.0; 6];
            let mut equity = vec![0.0; 6];
            for r in (0..many.node.len()).filter(|&r| many.scenario[r] == k as u32) {
                total[many.node[r] as usize] = many.total[r];
                equity[many.node[r] as usize] = many.equity[r];
                assert_eq!(many.credit[r], one.credit[many.node[r] as usize]);
            }
            assert_eq!(total, one.total, "scenario {k}");
            assert_eq!(equity, one.equity, "scenario {k}");
            assert_eq!(many.total_sum[k], one.total.iter().sum::<f64>());
        }
    }
}
