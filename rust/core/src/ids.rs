//! Dense `u32` node indices for the caller's node ids (integers or UTF-8 strings), assigned in
//! order of first appearance so that the same table always gives the same indices.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::error::{Error, Result};
use crate::interrupt::Interrupt;

/// Largest number of distinct nodes: `u32::MAX` itself is kept free as a sentinel.
pub const MAX_NODES: usize = u32::MAX as usize;

/// How often (in items) the long loops poll the interrupt flag.
const POLL_EVERY: usize = 1 << 16;

/// The result of factorizing a sequence of ids laid end to end over several chunks.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Factorized {
    /// One dense index per input item.
    pub codes: Vec<u32>,
    /// For each dense index, the position (over all chunks) of the item that introduced it.
    pub first: Vec<u64>,
}

impl Factorized {
    fn with_capacity(items: usize) -> Self {
        Self {
            codes: Vec::with_capacity(items),
            first: Vec::new(),
        }
    }

    /// The index for a newly seen id, or `TooLarge` past `MAX_NODES`.
    fn introduce(&mut self, position: usize) -> Result<u32> {
        let index = self.first.len();
        if index >= MAX_NODES {
            return Err(Error::TooLarge {
                what: "distinct nodes",
                count: index + 1,
                max: MAX_NODES,
            });
        }
        self.first.push(position as u64);
        Ok(index as u32)
    }
}

/// FxHash-style multiply-rotate hasher with a final mix: ids are not attacker-chosen keys of
/// a long-lived service, and SipHash would double the cost of the factorization.
#[derive(Default, Clone, Copy)]
struct FastHasher(u64);

const K: u64 = 0xf135_7aea_2e62_a9c5;

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.write_u64(u64::from_le_bytes(c.try_into().expect("8-byte chunk")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.write_u64(u64::from_le_bytes(buf) ^ ((rest.len() as u64) << 59));
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(K);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn write_i64(&mut self, i: i64) {
        self.write_u64(i as u64);
    }
    fn finish(&self) -> u64 {
        let h = self.0 ^ (self.0 >> 32);
        h.wrapping_mul(K) ^ (h >> 29)
    }
}

type FastMap<KEY> = HashMap<KEY, u32, BuildHasherDefault<FastHasher>>;

/// Factorizes integer ids. Ids spanning a compact range (the usual 0..n) go through a direct
/// lookup table; others through a hash map.
pub fn factorize_ints(chunks: &[&[i64]], interrupt: Interrupt) -> Result<Factorized> {
    let total: usize = chunks.iter().map(|c| c.len()).sum();
    let mut out = Factorized::with_capacity(total);
    let Some((min, max)) =
        chunks
            .iter()
            .flat_map(|c| c.iter().copied())
            .fold(None, |acc: Option<(i64, i64)>, v| match acc {
                None => Some((v, v)),
                Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
            })
    else {
        return Ok(out);
    };
    let span = (max as i128 - min as i128 + 1) as u128;
    let compact = span <= (1u128 << 31) && span <= (4 * total as u128).max(1 << 16);
    let mut position = 0usize;
    if compact {
        let mut table = vec![u32::MAX; span as usize];
        for chunk in chunks {
            for &v in *chunk {
                if position % POLL_EVERY == 0 {
                    interrupt.check()?;
                }
                let slot = &mut table[(v as i128 - min as i128) as usize];
                if *slot == u32::MAX {
                    *slot = out.introduce(position)?;
                }
                out.codes.push(*slot);
                position += 1;
            }
        }
    } else {
        let mut map: FastMap<i64> = FastMap::default();
        for chunk in chunks {
            for &v in *chunk {
                if position % POLL_EVERY == 0 {
                    interrupt.check()?;
                }
                let code = match map.get(&v) {
                    Some(&c) => c,
                    None => {
                        let c = out.introduce(position)?;
                        map.insert(v, c);
                        c
                    }
                };
                out.codes.push(code);
                position += 1;
            }
        }
    }
    Ok(out)
}

/// An Arrow offset type (`i32` for utf8, `i64` for large_utf8).
pub trait ArrowOffset: Copy {
    fn to_usize(self) -> Option<usize>;
}

impl ArrowOffset for i32 {
    fn to_usize(self) -> Option<usize> {
        usize::try_from(self).ok()
    }
}

impl ArrowOffset for i64 {
    fn to_usize(self) -> Option<usize> {
        usize::try_from(self).ok()
    }
}

/// One chunk of an Arrow string array: `offsets` has one more entry than there are strings.
pub struct StringChunk<'a, O> {
    pub offsets: &'a [O],
    pub data: &'a [u8],
}

/// Factorizes string ids given as Arrow offset/data buffers, comparing bytes.
pub fn factorize_strings<O: ArrowOffset>(
    chunks: &[StringChunk<'_, O>],
    interrupt: Interrupt,
) -> Result<Factorized> {
    let total: usize = chunks
        .iter()
        .map(|c| c.offsets.len().saturating_sub(1))
        .sum();
    let mut out = Factorized::with_capacity(total);
    let mut map: FastMap<&[u8]> = FastMap::default();
    let mut position = 0usize;
    for chunk in chunks {
        for w in chunk.offsets.windows(2) {
            if position % POLL_EVERY == 0 {
                interrupt.check()?;
            }
            let bytes = match (w[0].to_usize(), w[1].to_usize()) {
                (Some(a), Some(b)) if a <= b => chunk.data.get(a..b),
                _ => None,
            }
            .ok_or_else(|| {
                Error::InvalidArgument(format!("string offsets out of bounds at item {position}"))
            })?;
            let code = match map.get(bytes) {
                Some(&c) => c,
                None => {
                    let c = out.introduce(position)?;
                    map.insert(bytes, c);
                    c
                }
            };
            out.codes.push(code);
            position += 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_ints_in_first_appearance_order() {
        let f = factorize_ints(&[&[5, 3, 5], &[7, 3]], Interrupt::never()).unwrap();
        assert_eq!(f.codes, vec![0, 1, 0, 2, 1]);
        assert_eq!(f.first, vec![0, 1, 3]);
    }

    #[test]
    fn sparse_ints_use_the_hash_path() {
        let ids = [i64::MIN, i64::MAX, 0, i64::MIN, 1 << 40];
        let f = factorize_ints(&[&ids], Interrupt::never()).unwrap();
        assert_eq!(f.codes, vec![0, 1, 2, 0, 3]);
        assert_eq!(f.first, vec![0, 1, 2, 4]);
    }

    #[test]
    fn both_int_paths_agree() {
        // The same pattern, once compact and once spread far apart.
        let compact: Vec<i64> = (0..5000).map(|i| (i * 7919) % 613).collect();
        let sparse: Vec<i64> = compact.iter().map(|v| v * 1_000_000_007).collect();
        let a = factorize_ints(&[&compact], Interrupt::never()).unwrap();
        let b = factorize_ints(&[&sparse], Interrupt::never()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.first.len(), 613);
    }

    #[test]
    fn empty_input() {
        let f = factorize_ints(&[], Interrupt::never()).unwrap();
        assert!(f.codes.is_empty() && f.first.is_empty());
        let s = factorize_strings::<i32>(&[], Interrupt::never()).unwrap();
        assert!(s.codes.is_empty());
    }

    #[test]
    fn strings_by_bytes() {
        let data = b"OpenAIAmazonOpenAI";
        let offsets: [i32; 4] = [0, 6, 12, 18];
        let more: [i64; 3] = [0, 6, 6];
        let a = factorize_strings(
            &[StringChunk {
                offsets: &offsets,
                data,
            }],
            Interrupt::never(),
        )
        .unwrap();
        assert_eq!(a.codes, vec![0, 1, 0]);
        let b = factorize_strings(
            &[StringChunk {
                offsets: &more,
                data: b"Amazon",
            }],
            Interrupt::never(),
        )
        .unwrap();
        // The empty string is an id like any other.
        assert_eq!(b.codes, vec![0, 1]);
    }

    #[test]
    fn bad_offsets_are_an_error_not_a_panic() {
        let offsets: [i32; 2] = [0, 99];
        let r = factorize_strings(
            &[StringChunk {
                offsets: &offsets,
                data: b"abc",
            }],
            Interrupt::never(),
        );
        assert!(matches!(r, Err(Error::InvalidArgument(_))));
    }
}
