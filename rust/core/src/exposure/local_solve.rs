//! Local solves of one strongly connected component: `x = A x + r`, where A holds the entries
//! inside the component (rows `s..s + len` of an inside CSR, columns local) and r the input
//! plus the final values of everything the component depends on.

use rayon::prelude::*;

use crate::csr::Csr;
use crate::error::{Error, Result};
use crate::interrupt::Interrupt;

/// Relative change (max norm) of a sweep at which the iterative solve stops.
pub const TOLERANCE: f64 = 1e-13;
/// Sweeps before giving up with `Error::Convergence`.
pub const MAX_SWEEPS: usize = 100_000;
/// Anderson acceleration depth: the last few sweeps combined into the next iterate.
const DEPTH: usize = 2;

/// The rows of one component in an inside CSR.
pub(crate) struct Block<'a> {
    pub(crate) inside: &'a Csr,
    pub(crate) s: usize,
    /// Sweep from the last level (Holders): large components are laid out in sweep levels
    /// (`sweep_order`) whose holdings are on lower levels but for the few that close cycles,
    /// so a sweep in level order (Holdings) or its reverse (Holders) solves every other
    /// dependency exactly.
    pub(crate) reverse: bool,
    /// The sweep level boundaries, relative to `s`: `0, …, len`.
    pub(crate) levels: &'a [u32],
}

/// Rows per parallel task of a sweep level (fixed: which rows a task sums does not change
/// what they read); a level of fewer than `2 * SWEEP_CHUNK` rows runs on the calling thread.
pub(crate) const SWEEP_CHUNK: usize = 1024;

/// I − A, dense and row-major, for the `k` rows `s..s + k` of an inside CSR.
pub(crate) fn i_minus(inside: &Csr, s: usize, k: usize) -> Vec<f64> {
    let mut m = vec![0.0f64; k * k];
    for a in 0..k {
        m[a * k + a] += 1.0;
        let (cols, vals) = inside.row(s + a);
        for (&j, &w) in cols.iter().zip(vals) {
            m[a * k + j as usize] -= w;
        }
    }
    m
}

/// The partial pivot of column `col` of the `k`×`k` matrix `m`: the row at or below `col`
/// with the largest magnitude there.
pub(crate) fn pivot(m: &[f64], k: usize, col: usize) -> usize {
    (col..k)
        .max_by(|&p, &q| m[p * k + col].abs().total_cmp(&m[q * k + col].abs()))
        .expect("non-empty")
}

impl Block<'_> {
    /// LU with partial pivoting on I − A.
    pub(crate) fn dense(&self, rhs: &[f64]) -> Vec<f64> {
        let k = rhs.len();
        let mut m = i_minus(self.inside, self.s, k);
        let mut x = rhs.to_vec();
        for col in 0..k {
            let pivot = pivot(&m, k, col);
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

    /// One sweep in place, level by level: a row reads the new value of an entry on a level
    /// already swept and the old value of any other (its own level's, or one not swept yet).
    /// A level's rows are summed into `scratch` and copied back once the level is done, so
    /// they never read each other's new values: they run in parallel and the result does
    /// not depend on the thread count.
    fn sweep(&self, rhs: &[f64], x: &mut [f64], scratch: &mut [f64]) {
        let count = self.levels.len().saturating_sub(1);
        for step in 0..count {
            let l = if self.reverse { count - 1 - step } else { step };
            let (ls, le) = (self.levels[l] as usize, self.levels[l + 1] as usize);
            let out = &mut scratch[..le - ls];
            let read: &[f64] = x;
            let rows = |first: usize, out: &mut [f64]| {
                for (i, v) in out.iter_mut().enumerate() {
                    let a = first + i;
                    let (cols, vals) = self.inside.row(self.s + a);
                    let mut acc = rhs[a];
                    for (&j, &w) in cols.iter().zip(vals) {
                        acc += w * read[j as usize];
                    }
                    *v = acc;
                }
            };
            if le - ls >= 2 * SWEEP_CHUNK {
                out.par_chunks_mut(SWEEP_CHUNK)
                    .enumerate()
                    .for_each(|(c, out)| rows(ls + c * SWEEP_CHUNK, out));
            } else {
                rows(ls, out);
            }
            x[ls..le].copy_from_slice(out);
        }
    }

    /// Gauss–Seidel sweeps G with Anderson acceleration over the last `DEPTH` sweeps, until a
    /// sweep changes no value by more than `TOLERANCE` relative to the largest value.
    /// Deterministic: every sum is taken over fixed chunks in a fixed order.
    pub(crate) fn gauss_seidel(&self, rhs: &[f64], interrupt: Interrupt) -> Result<Vec<f64>> {
        let n = rhs.len();
        let mut x = rhs.to_vec();
        let mut ring = Anderson::new(n);
        let widest = self.levels.windows(2).map(|w| (w[1] - w[0]) as usize).max();
        let mut scratch = vec![0.0f64; widest.unwrap_or(0)];
        let mut residual = f64::INFINITY;
        let mut tick = interrupt.ticker(4);
        for sweep in 1..=MAX_SWEEPS {
            tick.tick()?;
            let slot = ring.open();
            if sweep == 1 {
                ring.g[slot].copy_from_slice(&x); // later sweeps' starts: `extrapolate`
            }
            self.sweep(rhs, &mut ring.g[slot], &mut scratch);
            let (change, scale) = ring.record(slot, &x);
            residual = if scale > 0.0 { change / scale } else { 0.0 };
            if residual <= TOLERANCE {
                return Ok(std::mem::take(&mut ring.g[slot]));
            }
            ring.extrapolate(&mut x);
        }
        Err(Error::Convergence {
            size: n,
            iterations: MAX_SWEEPS,
            residual,
            tolerance: TOLERANCE,
        })
    }
}

/// Iterates kept: the newest and the `DEPTH` before it.
const KEPT: usize = DEPTH + 1;
/// Elements per chunk of the parallel vector passes (fixed: the sums do not depend on the
/// thread count).
const VECTOR_CHUNK: usize = 1 << 13;

/// Anderson acceleration (type II) of a fixed-point map G, f = G(x) − x: the next iterate is
/// G(x_k) − Σ γ_i ΔG_i, with γ minimising ‖f_k − Σ γ_i Δf_i‖ over the last `DEPTH`
/// differences. The raw G(x_i) and f_i live in a ring with their dot products, so one step
/// costs one pass to record f (and its dots) and one to combine the G's.
struct Anderson {
    g: Vec<Vec<f64>>,
    f: Vec<Vec<f64>>,
    /// dots[a][b] = f_a · f_b over ring slots.
    dots: [[f64; KEPT]; KEPT],
    /// Iterates stored, and the slot of the newest.
    count: usize,
    newest: usize,
}

impl Anderson {
    fn new(n: usize) -> Self {
        Anderson {
            g: vec![vec![0.0; n]; KEPT],
            f: vec![vec![0.0; n]; KEPT],
            dots: [[0.0; KEPT]; KEPT],
            count: 0,
            newest: KEPT - 1,
        }
    }

    /// The slot the next G(x) goes to (the oldest one once the ring is full).
    fn open(&mut self) -> usize {
        self.newest = (self.newest + 1) % KEPT;
        self.count = (self.count + 1).min(KEPT);
        self.newest
    }

    /// Records f = G(x) − x in `slot` with its dots against the other stored f; returns
    /// (max |f|, max |G(x)|).
    fn record(&mut self, slot: usize, x: &[f64]) -> (f64, f64) {
        let mut f_new = std::mem::take(&mut self.f[slot]);
        let others: Vec<usize> = self.slots().filter(|&s| s != slot).collect();
        let (g, f) = (&self.g[slot], &self.f);
        let parts: Vec<(f64, f64, [f64; KEPT], f64)> = f_new
            .par_chunks_mut(VECTOR_CHUNK)
            .enumerate()
            .map(|(c, out)| {
                let at = c * VECTOR_CHUNK;
                let (mut change, mut scale, mut own) = (0.0f64, 0.0f64, 0.0f64);
                let mut cross = [0.0f64; KEPT];
                for (i, v) in out.iter_mut().enumerate() {
                    let e = at + i;
                    *v = g[e] - x[e];
                    change = change.max(v.abs());
                    scale = scale.max(g[e].abs());
                    own += *v * *v;
                    for (k, &o) in others.iter().enumerate() {
                        cross[k] += *v * f[o][e];
                    }
                }
                (change, scale, cross, own)
            })
            .collect();
        self.f[slot] = f_new;
        let (mut change, mut scale, mut own) = (0.0f64, 0.0f64, 0.0f64);
        let mut cross = [0.0f64; KEPT];
        for (c, s, x, o) in parts {
            change = change.max(c);
            scale = scale.max(s);
            own += o;
            for k in 0..KEPT {
                cross[k] += x[k];
            }
        }
        self.dots[slot][slot] = own;
        for (k, &o) in others.iter().enumerate() {
            self.dots[slot][o] = cross[k];
            self.dots[o][slot] = cross[k];
        }
        (change, scale)
    }

    /// Stored slots, oldest first.
    fn slots(&self) -> impl Iterator<Item = usize> {
        let (count, newest) = (self.count, self.newest);
        (0..count).map(move |i| (newest + KEPT + 1 + i - count) % KEPT)
    }

    /// Writes the next iterate, Σ c_i G(x_i), into `x` and into the slot the next sweep opens.
    fn extrapolate(&mut self, x: &mut [f64]) {
        let slots: Vec<usize> = self.slots().collect();
        let m = slots.len() - 1;
        let mut coef = vec![0.0f64; slots.len()];
        coef[m] = 1.0;
        if m > 0 {
            // Gram matrix of the Δf_i = f_{i+1} − f_i and their dots with the newest f.
            let d = |a: usize, b: usize| self.dots[slots[a]][slots[b]];
            let mut gram = vec![0.0f64; m * m];
            for i in 0..m {
                for j in 0..m {
                    gram[i * m + j] = d(i + 1, j + 1) - d(i + 1, j) - d(i, j + 1) + d(i, j);
                }
            }
            let rhs: Vec<f64> = (0..m).map(|i| d(i + 1, m) - d(i, m)).collect();
            if let Some(gamma) = cholesky_solve(&mut gram, &rhs, m) {
                for (i, gi) in gamma.iter().enumerate() {
                    coef[i + 1] -= gi;
                    coef[i] += gi;
                }
            }
        }
        // The next sweep starts from x in the slot it opens (the oldest, once the ring is
        // full): written here beside x, saving a pass, after its own value is read.
        let next = (self.newest + 1) % KEPT;
        let mut start = std::mem::take(&mut self.g[next]);
        let g: Vec<Option<&[f64]>> = slots
            .iter()
            .map(|&s| (s != next).then(|| self.g[s].as_slice()))
            .collect();
        x.par_chunks_mut(VECTOR_CHUNK)
            .zip(start.par_chunks_mut(VECTOR_CHUNK))
            .enumerate()
            .for_each(|(c, (out, own))| {
                let at = c * VECTOR_CHUNK;
                for (i, (v, o)) in out.iter_mut().zip(own).enumerate() {
                    let e = at + i;
                    *v = g
                        .iter()
                        .zip(&coef)
                        .map(|(g, c)| c * g.map_or(*o, |g| g[e]))
                        .sum();
                    *o = *v;
                }
            });
        self.g[next] = start;
    }
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
