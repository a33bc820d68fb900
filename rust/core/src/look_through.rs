//! The linear look-through loss L = (I − W)^-1 (W s + R d) in one pass over the plan.
//!
//! The first-round loss d = W s + R d and the total t = d + W t share every row, so one level
//! pass computes both: each row reads (s_j, t_j) of what it holds, side by side in memory, and
//! never forms W s on its own.

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::exposure::Solver;
use crate::graph::{Graph, Kind};
use crate::hugepage;
use crate::interrupt::Interrupt;
use crate::plan::{gather, Direction};

/// Per plan position: value loss s, total loss t, first-round loss d (s and t first: the two
/// that other rows read).
type Lanes = [f64; 3];
const S: usize = 0;
const T: usize = 1;
const D: usize = 2;

/// The look-through loss `(direct, total)` per node: direct = `W s + R d`, total =
/// `(I − W)^-1 (W s + R d)`. Credit: the lender is exposed to its borrower by the amount;
/// commitment: the supplier to its customer by the committed amount. Unknown amounts (NaN)
/// count as 0. Empty `s` or `d` mean all zero (and skip their terms).
pub fn look_through(
    s: &Solver<'_>,
    value_loss: &[f64],
    default: &[f64],
    interrupt: Interrupt,
) -> Result<(Vec<f64>, Vec<f64>)> {
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
    let credit = (!default.is_empty()).then(|| non_equity_losses(s.g, default));
    if value_loss.is_empty() {
        // d = R d alone: one plain solve.
        let direct = credit.unwrap_or_else(|| vec![0.0; n]);
        let total = plan.solve(Direction::Holdings, &direct, interrupt)?;
        return Ok((direct, total));
    }
    let r = |u: u32| credit.as_ref().map_or(0.0, |c| c[u as usize]);
    let mut xs: Vec<Lanes> = hugepage::vec_with_capacity(n);
    gather(&plan.order, value_loss, |&v| v)
        .zip(plan.order.par_iter())
        .map(|(v, &u)| [v, 0.0, r(u)])
        .collect_into_vec(&mut xs);
    let inside = &plan.holdings.inside;
    plan.run_levels(
        Direction::Holdings,
        &mut xs,
        |x, cols, vals, done| {
            let (mut ds, mut dt) = (0.0, 0.0);
            for (&j, &w) in cols.iter().zip(vals) {
                let y = done.get(j);
                ds += w * y[S];
                dt += w * y[T];
            }
            let d = x[D] + ds;
            [x[S], d + dt, d]
        },
        |slot, values| {
            // The component's own holdings add to d and to the right-hand side of t.
            let first = plan.range(slot).0;
            let mut rhs = Vec::with_capacity(values.len());
            for a in 0..values.len() {
                let (cols, vals) = inside.row(first + a);
                let own: f64 = cols
                    .iter()
                    .zip(vals)
                    .map(|(&j, &w)| w * values[j as usize][S])
                    .sum();
                values[a][D] += own;
                rhs.push(values[a][T] + own);
            }
            let t = plan.solve_block(Direction::Holdings, slot, &rhs, interrupt)?;
            for (v, t) in values.iter_mut().zip(t) {
                v[T] = t;
            }
            Ok(())
        },
        interrupt,
    )?;
    let mut direct = hugepage::vec_with_capacity(n);
    let mut total = hugepage::vec_with_capacity(n);
    gather(&plan.pos, &xs, |x| (x[D], x[T])).unzip_into_vecs(&mut direct, &mut total);
    Ok((direct, total))
}

/// `R d`: what each node loses on its loans and on its customers' unpaid commitments.
fn non_equity_losses(g: &Graph, d: &[f64]) -> Vec<f64> {
    let known = |a: f64| if a.is_nan() { 0.0 } else { a };
    (0..g.num_nodes() as u32)
        .into_par_iter()
        .map(|i| {
            let mut b = 0.0;
            for p in g.out_range(i) {
                let e = g.edge(p);
                if e.kind == Kind::Credit {
                    b += known(g.amount(p)) * d[e.target as usize];
                }
            }
            for ie in g.in_edges(i) {
                let p = ie.edge as usize;
                if g.edge(p).kind == Kind::Commitment {
                    b += known(g.amount(p)) * d[ie.source as usize];
                }
            }
            b
        })
        .collect()
}
