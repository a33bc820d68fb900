//! The columns of a bounded result: from the values at the minimum and at the capped maximum
//! stakes, the ordered bounds and Arrow validity bitmaps (the value where both agree, each
//! bound where it was computed), in one parallel pass.

use rayon::prelude::*;

/// Bounds within this relative distance agree: the two solves run over different plans and
/// sum in different orders.
pub const AGREE: f64 = 1e-12;

/// Elements per parallel chunk (a multiple of 8: whole bitmap bytes).
const CHUNK: usize = 1 << 14;

/// Ordered bounds and their validity bitmaps (bit i of byte i / 8, least significant first;
/// 1 = valid), with the count of nulls of each.
#[derive(Debug, Clone, PartialEq)]
pub struct Bounded {
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
    /// Valid where both bounds are known and agree (the value column).
    pub agree: Vec<u8>,
    pub disagree: usize,
    /// Valid where a bound is known (not NaN).
    pub lo_valid: Vec<u8>,
    pub lo_nulls: usize,
    pub hi_valid: Vec<u8>,
    pub hi_nulls: usize,
}

/// `lo` and `hi` per element, swapped where rounding left them out of order.
pub fn bounded(lo: &[f64], hi: &[f64]) -> Bounded {
    let n = lo.len().min(hi.len());
    let bytes = n.div_ceil(8);
    let mut out = Bounded {
        lo: vec![0.0; n],
        hi: vec![0.0; n],
        agree: vec![0; bytes],
        disagree: 0,
        lo_valid: vec![0; bytes],
        lo_nulls: 0,
        hi_valid: vec![0; bytes],
        hi_nulls: 0,
    };
    let counts: Vec<(usize, usize, usize)> = out
        .lo
        .par_chunks_mut(CHUNK)
        .zip(out.hi.par_chunks_mut(CHUNK))
        .zip(out.agree.par_chunks_mut(CHUNK / 8))
        .zip(out.lo_valid.par_chunks_mut(CHUNK / 8))
        .zip(out.hi_valid.par_chunks_mut(CHUNK / 8))
        .enumerate()
        .map(|(c, ((((l, h), agree), lv), hv))| {
            let base = c * CHUNK;
            let mut nulls = (0, 0, 0);
            for i in 0..l.len() {
                let (mut a, mut b) = (lo[base + i], hi[base + i]);
                if a > b {
                    (a, b) = (b, a);
                }
                (l[i], h[i]) = (a, b);
                let known = !a.is_nan() && !b.is_nan();
                let same = known && (a == b || (b.is_finite() && (b - a).abs() <= AGREE * b.abs()));
                let bit = 1u8 << (i % 8);
                if same {
                    agree[i / 8] |= bit;
                } else {
                    nulls.0 += 1;
                }
                if a.is_nan() {
                    nulls.1 += 1;
                } else {
                    lv[i / 8] |= bit;
                }
                if b.is_nan() {
                    nulls.2 += 1;
                } else {
                    hv[i / 8] |= bit;
                }
            }
            nulls
        })
        .collect();
    for (d, l, h) in counts {
        out.disagree += d;
        out.lo_nulls += l;
        out.hi_nulls += h;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bit(bits: &[u8], i: usize) -> bool {
        bits[i / 8] >> (i % 8) & 1 == 1
    }

    #[test]
    fn agreement_order_and_nulls() {
        let inf = f64::INFINITY;
        let lo = [1.0, 0.0, 2.0, f64::NAN, 1.0, 0.0, 5.0];
        let hi = [1.0, inf, 1.0, 3.0, 1.0 + 1e-15, 0.5, inf];
        let b = bounded(&lo, &hi);
        assert_eq!(&b.lo[..3], &[1.0, 0.0, 1.0]);
        assert_eq!(&b.lo[4..], &[1.0, 0.0, 5.0]);
        assert!(b.lo[3].is_nan());
        assert_eq!(b.hi[2], 2.0); // swapped into order
        let agree: Vec<bool> = (0..7).map(|i| bit(&b.agree, i)).collect();
        assert_eq!(agree, vec![true, false, false, false, true, false, false]);
        assert_eq!(b.disagree, 5);
        assert!(!bit(&b.lo_valid, 3) && bit(&b.hi_valid, 3));
        assert_eq!((b.lo_nulls, b.hi_nulls), (1, 0));
    }

    #[test]
    fn chunks_give_the_same_bits_as_one_pass() {
        let n = 3 * CHUNK + 5;
        let lo: Vec<f64> = (0..n).map(|i| (i % 7) as f64).collect();
        let hi: Vec<f64> = (0..n)
            .map(|i| (i % 7) as f64 + (i % 3 == 0) as u8 as f64)
            .collect();
        let b = bounded(&lo, &hi);
        for i in 0..n {
            assert_eq!(bit(&b.agree, i), i % 3 != 0, "{i}");
        }
        assert_eq!(b.disagree, n.div_ceil(3));
    }
}
