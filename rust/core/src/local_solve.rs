//! Local solves of one strongly connected component: `x = A x + r`, where A holds the entries
//! inside the component (rows `s..s + len` of an inside CSR, columns local) and r the input
//! plus the final values of everything the component depends on.

use crate::error::{Error, Result};
use crate::interrupt::Interrupt;
use crate::plan::PlanCsr;

/// Relative change (max norm) of a sweep at which the iterative solve stops.
pub const TOLERANCE: f64 = 1e-13;
/// Sweeps before giving up with `Error::Convergence`.
pub const MAX_SWEEPS: usize = 100_000;
/// Anderson acceleration depth: the last few sweeps combined into the next iterate.
const DEPTH: usize = 5;

/// The rows of one component in an inside CSR.
pub(crate) struct Block<'a> {
    pub(crate) inside: &'a PlanCsr,
    pub(crate) s: usize,
    /// Sweep from the end (Holders): large components are laid out in DFS postorder of the
    /// holdings edges, so a sweep in that order (Holdings) or its reverse (Holders) solves
    /// every dependency exactly but those across the edges that close cycles.
    pub(crate) reverse: bool,
}

impl Block<'_> {
    /// LU with partial pivoting on I − A.
    pub(crate) fn dense(&self, rhs: &[f64]) -> Vec<f64> {
        let k = rhs.len();
        let mut m = vec![0.0f64; k * k];
        for a in 0..k {
            m[a * k + a] += 1.0;
            let (cols, vals) = self.inside.row(self.s + a);
            for (&j, &w) in cols.iter().zip(vals) {
                m[a * k + j as usize] -= w;
            }
        }
        let mut x = rhs.to_vec();
        for col in 0..k {
            let pivot = (col..k)
                .max_by(|&p, &q| m[p * k + col].abs().total_cmp(&m[q * k + col].abs()))
                .expect("non-empty");
            if pivot != col {
                for j in 0..k {
                    m.swap(col * k + j, pivot * k + j);
                }
                x.swap(col, pivot);
            }
            let d = m[col * k + col];
            for r in col + 1..k {
                let f = m[r * k + col] / d;
                if f != 0.0 {
                    for j in col..k {
                        m[r * k + j] -= f * m[col * k + j];
                    }
                    x[r] -= f * x[col];
                }
            }
        }
        for col in (0..k).rev() {
            let mut s = x[col];
            for j in col + 1..k {
                s -= m[col * k + j] * x[j];
            }
            x[col] = s / m[col * k + col];
        }
        x
    }

    /// One Gauss–Seidel sweep in place.
    fn sweep(&self, rhs: &[f64], x: &mut [f64]) {
        let len = x.len();
        for step in 0..len {
            let a = if self.reverse { len - 1 - step } else { step };
            let (cols, vals) = self.inside.row(self.s + a);
            let mut acc = rhs[a];
            for (&j, &w) in cols.iter().zip(vals) {
                acc += w * x[j as usize];
            }
            x[a] = acc;
        }
    }

    /// Gauss–Seidel sweeps G with Anderson acceleration over the last `DEPTH` sweeps, until a
    /// sweep changes no value by more than `TOLERANCE` relative to the largest value.
    /// Sequential and in a fixed order: the same bits every run.
    pub(crate) fn gauss_seidel(&self, rhs: &[f64], interrupt: Interrupt) -> Result<Vec<f64>> {
        let n = rhs.len();
        let mut x = rhs.to_vec();
        let mut gx = vec![0.0f64; n];
        let mut f = vec![0.0f64; n];
        let mut anderson = Anderson::new(n);
        let mut residual = f64::INFINITY;
        for sweep in 1..=MAX_SWEEPS {
            if sweep % 4 == 0 {
                interrupt.check()?;
            }
            gx.copy_from_slice(&x);
            self.sweep(rhs, &mut gx);
            let (mut change, mut scale) = (0.0f64, 0.0f64);
            for ((fi, &g), &xi) in f.iter_mut().zip(&gx).zip(&x) {
                *fi = g - xi;
                change = change.max(fi.abs());
                scale = scale.max(g.abs());
            }
            residual = if scale > 0.0 { change / scale } else { 0.0 };
            if residual <= TOLERANCE {
                return Ok(gx);
            }
            anderson.next(&gx, &f, &mut x);
        }
        Err(Error::Convergence {
            size: n,
            iterations: MAX_SWEEPS,
            residual,
            tolerance: TOLERANCE,
        })
    }
}

/// Anderson acceleration (type II) of a fixed-point map G: with f = G(x) − x, the next iterate
/// is G(x_k) − Σ γ_i ΔG_i, γ minimising ‖f_k − Σ γ_i Δf_i‖ over the last `DEPTH` differences.
/// Histories live in a ring; the Gram matrix of the Δf is updated one row per step.
struct Anderson {
    dg: Vec<Vec<f64>>,
    df: Vec<Vec<f64>>,
    gram: [[f64; DEPTH]; DEPTH],
    /// Ring slots filled so far, and the slot the next difference goes to.
    len: usize,
    next: usize,
    prev_g: Vec<f64>,
    prev_f: Vec<f64>,
    started: bool,
}

impl Anderson {
    fn new(n: usize) -> Self {
        Anderson {
            dg: vec![vec![0.0; n]; DEPTH],
            df: vec![vec![0.0; n]; DEPTH],
            gram: [[0.0; DEPTH]; DEPTH],
            len: 0,
            next: 0,
            prev_g: vec![0.0; n],
            prev_f: vec![0.0; n],
            started: false,
        }
    }

    /// Writes the next iterate into `x` from G(x) = `g` and f = `f`.
    fn next(&mut self, g: &[f64], f: &[f64], x: &mut [f64]) {
        if self.started {
            let slot = self.next;
            for (((dg, df), (&g, &f)), (pg, pf)) in self.dg[slot]
                .iter_mut()
                .zip(self.df[slot].iter_mut())
                .zip(g.iter().zip(f))
                .zip(self.prev_g.iter().zip(&self.prev_f))
            {
                *dg = g - pg;
                *df = f - pf;
            }
            self.len = (self.len + 1).min(DEPTH);
            self.next = (slot + 1) % DEPTH;
            for other in 0..self.len {
                let v = dot(&self.df[slot], &self.df[other]);
                self.gram[slot][other] = v;
                self.gram[other][slot] = v;
            }
        }
        self.started = true;
        self.prev_g.copy_from_slice(g);
        self.prev_f.copy_from_slice(f);
        x.copy_from_slice(g);
        let m = self.len;
        if m == 0 {
            return;
        }
        let rhs: Vec<f64> = (0..m).map(|i| dot(&self.df[i], f)).collect();
        let mut a = vec![0.0f64; m * m];
        for i in 0..m {
            a[i * m..(i + 1) * m].copy_from_slice(&self.gram[i][..m]);
        }
        if let Some(gamma) = cholesky_solve(&mut a, &rhs, m) {
            for (i, gi) in gamma.iter().enumerate() {
                for (v, d) in x.iter_mut().zip(&self.dg[i]) {
                    *v -= gi * d;
                }
            }
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Solves the small symmetric positive semi-definite system `a γ = rhs` (regularised by
/// 1e-12 of its trace) by Cholesky, or None when it is too ill-conditioned to help.
fn cholesky_solve(a: &mut [f64], rhs: &[f64], m: usize) -> Option<Vec<f64>> {
    let trace: f64 = (0..m).map(|i| a[i * m + i]).sum();
    if !trace.is_finite() || trace <= 0.0 {
        return None;
    }
    for i in 0..m {
        a[i * m + i] += 1e-12 * trace;
    }
    let mut l = vec![0.0f64; m * m];
    for i in 0..m {
        for j in 0..=i {
            let mut sum = a[i * m + j];
            for k in 0..j {
                sum -= l[i * m + k] * l[j * m + k];
            }
            if i == j {
                if sum <= 0.0 {
                    return None;
                }
                l[i * m + i] = sum.sqrt();
            } else {
                l[i * m + j] = sum / l[j * m + j];
            }
        }
    }
    let mut y = vec![0.0f64; m];
    for i in 0..m {
        let mut sum = rhs[i];
        for k in 0..i {
            sum -= l[i * m + k] * y[k];
        }
        y[i] = sum / l[i * m + i];
    }
    let mut gamma = vec![0.0f64; m];
    for i in (0..m).rev() {
        let mut sum = y[i];
        for k in i + 1..m {
            sum -= l[k * m + i] * gamma[k];
        }
        gamma[i] = sum / l[i * m + i];
    }
    gamma.iter().all(|g| g.is_finite()).then_some(gamma)
}
