//! The look-through loss of many scenarios.
//!
//! A scenario whose losses reach few nodes is solved alone, by pushing: its first round
//! from the nodes it shocks, the set of nodes that hold them (directly or not), then only
//! those rows, in plan order, and the local solves of the cycles among them. It costs what
//! it reaches, and scenarios run in parallel, one per thread at a time.
//!
//! The others (reaching more than 1 / `DENSE_SHARE` of the nodes) run one after another,
//! each by the single call's pass over the whole plan (its rows in parallel): the same bits
//! as the single call. (Passes shared by 2 to 8 scenarios, their values side by side, were
//! tried: 1.3x slower than as many single passes at 1M nodes on 2 cores, whose arrays stay
//! in cache.)

use super::look_through::look_through;
use super::plan::{Direction, Solver};
use crate::contagion::{in_tasks, Scenarios, Touched};
use crate::error::{Error, Result};
use crate::interrupt::Interrupt;
use crate::kind::Kind;

/// A scenario that reaches more than 1 / `DENSE_SHARE` of the nodes is solved by a full pass
/// (pushing costs about 8x a pass's time per node reached, from measurements at 1M nodes).
pub const DENSE_SHARE: usize = 64;

/// One scenario's rows (nodes increasing) and sums.
#[derive(Debug, Default, Clone, PartialEq)]
struct Rows {
    node: Vec<u32>,
    equity: Vec<f64>,
    credit: Vec<f64>,
    commitment: Vec<f64>,
    direct: Vec<f64>,
    total: Vec<f64>,
    direct_sum: f64,
    total_sum: f64,
}

impl Rows {
    #[allow(clippy::too_many_arguments)]
    fn push(&mut self, rows: bool, v: u32, e: f64, c: f64, m: f64, d: f64, t: f64) {
        self.direct_sum += d;
        self.total_sum += t;
        if rows && (d != 0.0 || t != 0.0) {
            self.node.push(v);
            self.equity.push(e);
            self.credit.push(c);
            self.commitment.push(m);
            self.direct.push(d);
            self.total.push(t);
        }
    }
}

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
    /// Per scenario: Σ direct, Σ total, in node order.
    pub direct_sum: Vec<f64>,
    pub total_sum: Vec<f64>,
    /// How many scenarios were solved by full passes (the rest by pushing).
    pub dense: usize,
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
    let n = s.g.num_nodes();
    if value_loss.len() != default.len() {
        return Err(Error::InvalidArgument(format!(
            "{} value-loss scenarios and {} default ones",
            value_loss.len(),
            default.len()
        )));
    }
    default.check(n, "default")?;
    check_finite(value_loss, n)?;
    let limit = n / DENSE_SHARE;
    solve(s, value_loss, default, unknown, rows, limit, interrupt)
}

/// `look_through_many` with scenarios reaching more than `limit` nodes in full passes.
fn solve(
    s: &Solver<'_>,
    value_loss: Scenarios<'_>,
    default: Scenarios<'_>,
    unknown: f64,
    rows: bool,
    limit: usize,
    interrupt: Interrupt,
) -> Result<LossesMany> {
    let (count, n) = (value_loss.len(), s.g.num_nodes());
    // One workspace per thread: about 45 bytes per node each.
    let alone: Vec<Option<Rows>> = in_tasks(
        count,
        1,
        || Work::new(n),
        |k, work, out: &mut Vec<Option<Rows>>| {
            let one = pushed(
                s,
                value_loss.get(k),
                default.get(k),
                unknown,
                limit,
                rows,
                work,
            );
            out.push(one?);
            Ok(())
        },
        interrupt,
    )?
    .into_iter()
    .flatten()
    .collect();
    let mut out = LossesMany::default();
    for (k, one) in alone.into_iter().enumerate() {
        let r = match one {
            Some(r) => r,
            None => {
                interrupt.check()?;
                out.dense += 1;
                pass(s, value_loss, default, k, unknown, rows, interrupt)?
            }
        };
        out.scenario
            .extend(std::iter::repeat_n(k as u32, r.node.len()));
        out.node.extend(r.node);
        out.equity.extend(r.equity);
        out.credit.extend(r.credit);
        out.commitment.extend(r.commitment);
        out.direct.extend(r.direct);
        out.total.extend(r.total);
        out.direct_sum.push(r.direct_sum);
        out.total_sum.push(r.total_sum);
    }
    Ok(out)
}

/// A thread's workspace for scenarios solved alone: by plan position the equity channel,
/// the first round and the total; by node the credit and commitment channels.
struct Work {
    equity: Vec<f64>,
    direct: Vec<f64>,
    total: Vec<f64>,
    credit: Vec<f64>,
    commitment: Vec<f64>,
    reached: Touched,
    rhs: Vec<f64>,
}

impl Work {
    fn new(n: usize) -> Work {
        Work {
            equity: vec![0.0; n],
            direct: vec![0.0; n],
            total: vec![0.0; n],
            credit: vec![0.0; n],
            commitment: vec![0.0; n],
            reached: Touched::new(n),
            rhs: Vec::new(),
        }
    }

    fn reset(&mut self, order: &[u32]) {
        for &p in &self.reached.list {
            let (p, v) = (p as usize, order[p as usize] as usize);
            (self.equity[p], self.direct[p], self.total[p]) = (0.0, 0.0, 0.0);
            (self.credit[v], self.commitment[v]) = (0.0, 0.0);
        }
        self.reached.clear();
    }
}

/// One scenario by pushing; None (and the workspace clean) when it reaches more than
/// `limit` nodes.
fn pushed(
    s: &Solver<'_>,
    (v_nodes, v_values): (&[u32], &[f64]),
    (d_nodes, d_values): (&[u32], &[f64]),
    unknown: f64,
    limit: usize,
    rows: bool,
    w: &mut Work,
) -> Result<Option<Rows>> {
    let (g, plan) = (s.g, s.plan);
    let pos = &plan.pos;
    // The first round: W s from the shocked issuers to their holders, R d from the
    // defaulters to their lenders (credit) and suppliers (commitment).
    for (&j, &x) in v_nodes.iter().zip(v_values) {
        if x != 0.0 {
            for (i, share) in g.equity_holders(j) {
                let p = pos[i as usize] as usize;
                w.equity[p] += share * x;
                w.direct[p] += share * x;
                w.reached.mark(p as u32);
            }
        }
    }
    let loss = |a: f64, d: f64| if a.is_nan() { unknown } else { a * d };
    for (&j, &x) in d_nodes.iter().zip(d_values) {
        if x == 0.0 {
            continue;
        }
        for ie in g.in_edges(j) {
            if g.edge(ie.edge as usize).kind == Kind::Credit {
                let l = loss(g.amount(ie.edge as usize), x);
                w.credit[ie.source as usize] += l;
                let p = pos[ie.source as usize];
                w.direct[p as usize] += l;
                w.reached.mark(p);
            }
        }
        let start = g.out_range(j).start;
        for (k, e) in g.out_edges(j).iter().enumerate() {
            if e.kind == Kind::Commitment {
                let l = loss(g.amount(start + k), x);
                w.commitment[e.target as usize] += l;
                let p = pos[e.target as usize];
                w.direct[p as usize] += l;
                w.reached.mark(p);
            }
        }
    }
    // Everything that holds a node with a first-round loss, directly or not.
    let mut next = 0;
    while next < w.reached.list.len() {
        let v = plan.order[w.reached.list[next] as usize];
        next += 1;
        for (i, _) in g.equity_holders(v) {
            w.reached.mark(pos[i as usize]);
        }
        if w.reached.list.len() > limit {
            w.reset(&plan.order);
            return Ok(None);
        }
    }
    // Those rows in plan order: what a row holds comes before it.
    let outside = &plan.holdings.outside;
    let Work {
        direct,
        total,
        reached,
        rhs,
        ..
    } = &mut *w;
    let list = reached.sorted();
    let row = |p: usize, total: &[f64]| -> f64 {
        let (cols, vals) = outside.row(p);
        let sum: f64 = cols
            .iter()
            .zip(vals)
            .map(|(&j, &x)| x * total[j as usize])
            .sum();
        direct[p] + sum
    };
    let mut at = 0;
    while at < list.len() {
        let p = list[at] as usize;
        let slot = plan.slot_of[p] as usize;
        if plan.simple[slot] {
            total[p] = row(p, total);
            at += 1;
            continue;
        }
        // A cycle: every member holds every other, so all are reached, one after another.
        let (first, end) = plan.range(slot);
        if p != first || list.get(at + end - first - 1).copied() != Some((end - 1) as u32) {
            return Err(Error::InvalidArgument(format!(
                "component at plan position {first} reached in part"
            )));
        }
        rhs.clear();
        rhs.extend((first..end).map(|q| row(q, total)));
        let t = plan.solve_block(Direction::Holdings, slot, rhs, Interrupt::never())?;
        total[first..end].copy_from_slice(&t);
        at += end - first;
    }
    let mut by_node: Vec<(u32, u32)> = list.iter().map(|&p| (plan.order[p as usize], p)).collect();
    by_node.sort_unstable();
    let mut out = Rows::default();
    for (v, p) in by_node {
        let (p, vi) = (p as usize, v as usize);
        out.push(
            rows,
            v,
            w.equity[p],
            w.credit[vi],
            w.commitment[vi],
            w.direct[p],
            w.total[p],
        );
    }
    w.reset(&plan.order);
    Ok(Some(out))
}

/// Scenario `k` by the single call's pass over the whole plan (every row, in parallel).
fn pass(
    s: &Solver<'_>,
    value_loss: Scenarios<'_>,
    default: Scenarios<'_>,
    k: usize,
    unknown: f64,
    rows: bool,
    interrupt: Interrupt,
) -> Result<Rows> {
    let n = s.g.num_nodes();
    let dense = |sc: Scenarios<'_>| {
        let (nodes, values) = sc.get(k);
        if nodes.is_empty() {
            return Vec::new(); // all zero: the pass skips its terms
        }
        let mut x = vec![0.0; n];
        for (&i, &v) in nodes.iter().zip(values) {
            x[i as usize] = v;
        }
        x
    };
    let l = look_through(s, &dense(value_loss), &dense(default), unknown, interrupt)?;
    let mut out = Rows::default();
    for v in 0..n {
        out.push(
            rows,
            v as u32,
            l.equity[v],
            l.credit[v],
            l.commitment[v],
            l.direct[v],
            l.total[v],
        );
    }
    Ok(out)
}

fn check_finite(value_loss: Scenarios<'_>, n: usize) -> Result<()> {
    let zeros: Vec<f64> = vec![0.0; value_loss.nodes.len()];
    let shape = Scenarios {
        values: &zeros,
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
    use crate::exposure::Plan;
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
