//! Compressed sparse rows: the plan's (column, share) rows, and the one counting sort that
//! builds every CSR here (the graph's forward and reverse sides, the plan's transposes).
//!
//! A counting sort fills its rows in parallel parts of about equal entry counts: every part
//! scans all the items in order and writes only its own rows, so each row keeps the items'
//! order and the result is the same bits for any thread count.

use rayon::prelude::*;

use crate::buffer::Buffer;
use crate::error::Result;
use crate::interrupt::Interrupt;

/// How often (in items) the counting-sort scans poll the interrupt flag.
const POLL_EVERY: usize = 1 << 16;

/// At most this many parallel parts: every part scans all items, so more parts than cores
/// only adds scanning.
const MAX_PARTS: usize = 8;

fn num_parts() -> usize {
    rayon::current_num_threads().clamp(1, MAX_PARTS)
}

/// Rows of (column, value) entries, columns and values in separate arrays (the solves read
/// them in separate streams).
#[derive(Default)]
pub struct Csr {
    pub(crate) offsets: Buffer<usize>,
    pub(crate) cols: Buffer<u32>,
    pub(crate) vals: Buffer<f64>,
}

impl Csr {
    pub(crate) fn new(offsets: Vec<usize>, cols: Vec<u32>, vals: Vec<f64>) -> Csr {
        Csr {
            offsets: offsets.into(),
            cols: cols.into(),
            vals: vals.into(),
        }
    }

    #[inline]
    pub(crate) fn row(&self, k: usize) -> (&[u32], &[f64]) {
        let r = self.offsets[k]..self.offsets[k + 1];
        (&self.cols[r.clone()], &self.vals[r])
    }

    fn num_rows(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Every entry as (row, column, value), rows in order.
    fn entries(&self) -> impl Iterator<Item = (usize, u32, f64)> + '_ {
        (0..self.num_rows()).flat_map(move |k| {
            let (cols, vals) = self.row(k);
            cols.iter().zip(vals).map(move |(&c, &w)| (k, c, w))
        })
    }

    /// Concatenates row blocks built independently (in order).
    pub(crate) fn concat(parts: Vec<Csr>) -> Csr {
        let rows: usize = parts.iter().map(|p| p.offsets.len() - 1).sum();
        let nnz: usize = parts.iter().map(|p| p.cols.len()).sum();
        let mut offsets = Vec::with_capacity(rows + 1);
        let mut cols = Vec::with_capacity(nnz);
        let mut vals = Vec::with_capacity(nnz);
        offsets.push(0);
        for p in parts {
            let base = cols.len();
            offsets.extend(p.offsets[1..].iter().map(|o| o + base));
            cols.extend_from_slice(&p.cols);
            vals.extend_from_slice(&p.vals);
        }
        Csr::new(offsets, cols, vals)
    }

    /// An `n`-row CSR where entry (row k, column c) is entry `at(k, c)` = (row, column): with
    /// `|k, c| (c as usize, k as u32)` the transpose. Each row's entries come in increasing k.
    pub(crate) fn transpose_with(
        &self,
        n: usize,
        at: impl Fn(usize, u32) -> (usize, u32) + Sync,
        interrupt: Interrupt,
    ) -> Result<Csr> {
        let at = &at;
        let offsets = offsets(n, || self.entries().map(|(k, c, _)| at(k, c).0), interrupt)?;
        let parts = balanced_parts(&offsets);
        let bounds: Vec<usize> = parts.iter().map(|&r| offsets[r]).collect();
        let nnz = offsets[n];
        let (mut cols, mut vals) = (vec![0u32; nnz], vec![0.0f64; nnz]);
        let states = split_parts(&mut cols, &bounds)
            .into_iter()
            .zip(split_parts(&mut vals, &bounds))
            .collect();
        let items = || {
            self.entries().map(|(k, c, w)| {
                let (r, c) = at(k, c);
                (r, (c, w))
            })
        };
        let put = |(cols, vals): &mut (&mut [u32], &mut [f64]), i: usize, _, (c, w)| {
            cols[i] = c;
            vals[i] = w;
        };
        scatter(&offsets, &parts, states, items, put, interrupt)?;
        Ok(Csr::new(offsets, cols, vals))
    }
}

/// CSR offsets (length `n + 1`) for the items of `rows()`, each the row it belongs to,
/// counted in parallel over equal row ranges.
pub(crate) fn offsets<I, F>(n: usize, rows: F, interrupt: Interrupt) -> Result<Vec<usize>>
where
    F: Fn() -> I + Sync,
    I: Iterator<Item = usize>,
{
    let mut offsets = vec![0usize; n + 1];
    let parts = num_parts();
    let row_bounds: Vec<usize> = (0..=parts).map(|k| k * n / parts).collect();
    // offsets[r + 1] counts row r, so part k of offsets[1..] covers its rows exactly.
    split_parts(&mut offsets[1..], &row_bounds)
        .into_par_iter()
        .enumerate()
        .try_for_each(|(k, counts)| {
            let lo = row_bounds[k];
            let mut tick = interrupt.ticker(POLL_EVERY);
            rows().try_for_each(|r| {
                tick.tick()?;
                let r = r.wrapping_sub(lo);
                if r < counts.len() {
                    counts[r] += 1;
                }
                Ok(())
            })
        })?;
    for i in 1..offsets.len() {
        offsets[i] += offsets[i - 1];
    }
    Ok(offsets)
}

/// Row boundaries `[0, ..., n]` splitting the rows into parts of about equal entry counts.
pub(crate) fn balanced_parts(offsets: &[usize]) -> Vec<usize> {
    let n = offsets.len() - 1;
    let m = offsets[n];
    let parts = num_parts();
    let mut bounds = vec![0usize];
    for k in 1..parts {
        let want = k * m / parts;
        let u = offsets.partition_point(|&o| o < want).min(n);
        bounds.push(u.max(bounds[k - 1]));
    }
    bounds.push(n);
    bounds
}

/// Fills the rows of `offsets` in the parts `parts` (row bounds, as `balanced_parts` gives):
/// part k scans every (row, item) of `items()` in order and, for those of its rows, calls
/// `put(&mut states[k], i, row - first row of the part, item)`, where `i` is the item's place
/// among the part's entries (entry `offsets[row]` and on, less the part's first entry).
pub(crate) fn scatter<S, X, I, F, P>(
    offsets: &[usize],
    parts: &[usize],
    states: Vec<S>,
    items: F,
    put: P,
    interrupt: Interrupt,
) -> Result<()>
where
    S: Send,
    F: Fn() -> I + Sync,
    I: Iterator<Item = (usize, X)>,
    P: Fn(&mut S, usize, usize, X) + Sync,
{
    states
        .into_par_iter()
        .enumerate()
        .try_for_each(|(k, mut state)| {
            let (lo, hi) = (parts[k], parts[k + 1]);
            let base = offsets[lo];
            let mut cursor: Vec<usize> = offsets[lo..hi].iter().map(|&o| o - base).collect();
            let mut tick = interrupt.ticker(POLL_EVERY);
            items().try_for_each(|(r, x)| {
                tick.tick()?;
                let r = r.wrapping_sub(lo);
                if r < cursor.len() {
                    let i = cursor[r];
                    cursor[r] += 1;
                    put(&mut state, i, r, x);
                }
                Ok(())
            })
        })
}

/// Splits `data` at the interior points of `bounds` (`[0, b1, ..., len]`) into
/// `bounds.len() - 1` consecutive parts.
pub(crate) fn split_parts<'a, T>(data: &'a mut [T], bounds: &[usize]) -> Vec<&'a mut [T]> {
    let mut parts = Vec::with_capacity(bounds.len().saturating_sub(1));
    let mut rest = data;
    for w in bounds.windows(2) {
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(w[1] - w[0]);
        parts.push(head);
        rest = tail;
    }
    parts
}

/// Like `split_parts`, or empty parts when `data` is empty (an optional column).
pub(crate) fn split_optional<'a, T>(data: &'a mut [T], bounds: &[usize]) -> Vec<&'a mut [T]> {
    if data.is_empty() {
        bounds.windows(2).map(|_| &mut [][..]).collect()
    } else {
        split_parts(data, bounds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csr(rows: &[&[(u32, f64)]]) -> Csr {
        let parts = rows
            .iter()
            .map(|r| Csr {
                offsets: vec![0, r.len()].into(),
                cols: r.iter().map(|e| e.0).collect(),
                vals: r.iter().map(|e| e.1).collect(),
            })
            .collect();
        Csr::concat(parts)
    }

    #[test]
    fn transpose_keeps_row_order_and_round_trips() {
        let a = csr(&[
            &[(2, 1.0), (0, 2.0)],
            &[],
            &[(0, 3.0), (1, 4.0)],
            &[(0, 5.0)],
        ]);
        let t = a
            .transpose_with(3, |k, c| (c as usize, k as u32), Interrupt::never())
            .unwrap();
        assert_eq!(t.offsets, vec![0, 3, 4, 5]);
        assert_eq!(t.row(0), (&[0, 2, 3][..], &[2.0, 3.0, 5.0][..]));
        assert_eq!(t.row(2), (&[0][..], &[1.0][..]));
        let back = t
            .transpose_with(4, |k, c| (c as usize, k as u32), Interrupt::never())
            .unwrap();
        assert_eq!(back.offsets, vec![0, 2, 2, 4, 5]);
        // Rows come back sorted by column.
        assert_eq!(back.row(0), (&[0, 2][..], &[2.0, 1.0][..]));
    }
}
