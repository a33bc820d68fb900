//! Dense `u32` node indices for the caller's node ids (integers or UTF-8 strings), assigned in
//! order of first appearance so that the same table always gives the same indices.

use crate::prefetch::prefetch;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU32, Ordering};

use rayon::prelude::*;

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
pub(crate) struct FastHasher(u64);

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

pub(crate) type FastMap<KEY> = HashMap<KEY, u32, BuildHasherDefault<FastHasher>>;

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
        let mut tick = interrupt.ticker(POLL_EVERY);
        for chunk in chunks {
            for &v in *chunk {
                tick.tick()?;
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
        let mut tick = interrupt.ticker(POLL_EVERY);
        for chunk in chunks {
            for &v in *chunk {
                tick.tick()?;
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
///
/// Ids are split by hash into one partition per worker thread; each worker scans all ids in
/// order, interns those of its partition in a compact open-addressing table, and the
/// partitions' first appearances are then merged into one global numbering. The result does not
/// depend on the number of threads.
pub fn factorize_strings<O: ArrowOffset + Sync>(
    chunks: &[StringChunk<'_, O>],
    interrupt: Interrupt,
) -> Result<Factorized> {
    let total: usize = chunks
        .iter()
        .map(|c| c.offsets.len().saturating_sub(1))
        .sum();
    for chunk in chunks {
        check_offsets(chunk)?;
    }
    let parts = rayon::current_num_threads().clamp(1, 8);
    let tagged: Vec<AtomicU32> = (0..total).map(|_| AtomicU32::new(0)).collect();
    let interned = (0..parts)
        .into_par_iter()
        .map(|part| intern_partition(chunks, part, parts, &tagged, interrupt))
        .collect::<Result<Vec<Interner>>>()?;

    // Global numbering: merge the partitions' first positions (each list is increasing).
    let distinct: usize = interned.iter().map(|t| t.first.len()).sum();
    if distinct > MAX_NODES {
        return Err(Error::TooLarge {
            what: "distinct nodes",
            count: distinct,
            max: MAX_NODES,
        });
    }
    let mut global: Vec<Vec<u32>> = interned.iter().map(|t| vec![0; t.first.len()]).collect();
    let mut next = vec![0usize; parts];
    let mut first = Vec::with_capacity(distinct);
    for code in 0..distinct as u32 {
        let part = (0..parts)
            .filter(|&p| next[p] < interned[p].first.len())
            .min_by_key(|&p| interned[p].first[next[p]])
            .expect("a partition with codes left");
        global[part][next[part]] = code;
        first.push(interned[part].first[next[part]]);
        next[part] += 1;
    }
    drop(interned); // its tables: the codes need only the merge
    interrupt.check()?;
    // In place (the same allocation): the tags and the codes are not held at once.
    let codes = tagged
        .into_iter()
        .map(|t| {
            let t = t.into_inner();
            global[(t >> PART_SHIFT) as usize][(t & LOCAL_MASK) as usize]
        })
        .collect();
    Ok(Factorized { codes, first })
}

const PART_SHIFT: u32 = 29;
const LOCAL_MASK: u32 = (1 << PART_SHIFT) - 1;

fn check_offsets<O: ArrowOffset>(chunk: &StringChunk<'_, O>) -> Result<()> {
    let bad = chunk.offsets.windows(2).position(|w| {
        !matches!((w[0].to_usize(), w[1].to_usize()), (Some(a), Some(b)) if a <= b && b <= chunk.data.len())
    });
    match bad {
        Some(i) => Err(Error::InvalidArgument(format!(
            "string offsets out of bounds at item {i} of a chunk"
        ))),
        None => Ok(()),
    }
}

/// 64-bit hash of a byte string: multiply-rotate over 8-byte words, then murmur3's finalizer
/// so that the low bits (the table index) and the high bits (tag, partition) are both good.
pub(crate) fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w.try_into().expect("8 bytes"))).wrapping_mul(K);
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut buf = [0u8; 8];
        buf[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(buf)).wrapping_mul(K);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The ids laid end to end over the chunks: the interner keeps positions into them rather
/// than copies (at register scale the copies were most of the factorization's memory).
struct Source<'c, 'a, O> {
    chunks: &'c [StringChunk<'a, O>],
    /// Position of each chunk's first id.
    starts: Vec<usize>,
}

impl<'c, 'a, O: ArrowOffset> Source<'c, 'a, O> {
    fn new(chunks: &'c [StringChunk<'a, O>]) -> Self {
        let mut starts = Vec::with_capacity(chunks.len());
        let mut at = 0;
        for c in chunks {
            starts.push(at);
            at += c.offsets.len().saturating_sub(1);
        }
        Source { chunks, starts }
    }

    fn bytes(&self, position: usize) -> &'a [u8] {
        let c = match self.chunks.len() {
            1 => 0,
            _ => self.starts.partition_point(|&s| s <= position) - 1,
        };
        let (chunk, j) = (&self.chunks[c], position - self.starts[c]);
        let a = chunk.offsets[j].to_usize().unwrap_or(0);
        let b = chunk.offsets[j + 1].to_usize().unwrap_or(0);
        &chunk.data[a..b]
    }
}

/// An open-addressing set of distinct byte strings. A slot packs the hash's high 32 bits (a tag
/// that rejects almost every mismatch without touching the strings) and `code + 1`; a code
/// keeps its hash's low 32 bits (to grow) and the position of its first id (its bytes).
struct Interner {
    slots: Vec<u64>,
    low: Vec<u32>,
    first: Vec<u64>,
}

impl Interner {
    fn new() -> Self {
        Self {
            slots: vec![0; 1 << 12],
            low: Vec::new(),
            first: Vec::new(),
        }
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    fn prefetch(&self, hash: u64) {
        prefetch(&self.slots, hash as usize & self.mask());
    }

    fn code_of<O: ArrowOffset>(
        &mut self,
        hash: u64,
        bytes: &[u8],
        position: usize,
        source: &Source<'_, '_, O>,
    ) -> Result<u32> {
        let tag = hash >> 32;
        let mask = self.mask();
        let mut i = hash as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                let code = self.first.len();
                if code >= LOCAL_MASK as usize {
                    return Err(Error::TooLarge {
                        what: "distinct nodes in one hash partition",
                        count: code + 1,
                        max: LOCAL_MASK as usize,
                    });
                }
                self.slots[i] = (tag << 32) | (code as u64 + 1);
                self.low.push(hash as u32);
                self.first.push(position as u64);
                if 2 * self.first.len() > self.slots.len() {
                    self.grow();
                }
                return Ok(code as u32);
            }
            if slot >> 32 == tag {
                let code = (slot as u32 - 1) as usize;
                if source.bytes(self.first[code] as usize) == bytes {
                    return Ok(code as u32);
                }
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let size = self.slots.len() * 2;
        let mask = size - 1;
        let mut slots = vec![0u64; size];
        // A slot's index is its hash's low bits (the table stays under 2^32 slots).
        for &slot in self.slots.iter().filter(|&&s| s != 0) {
            let code = (slot as u32 - 1) as usize;
            let mut i = self.low[code] as usize & mask;
            while slots[i] != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = slot;
        }
        self.slots = slots;
    }
}

/// Interns the ids of one hash partition, writing `part << PART_SHIFT | local code` for each.
fn intern_partition<O: ArrowOffset>(
    chunks: &[StringChunk<'_, O>],
    part: usize,
    parts: usize,
    tagged: &[AtomicU32],
    interrupt: Interrupt,
) -> Result<Interner> {
    const BLOCK: usize = 32;
    let source = Source::new(chunks);
    let mut table = Interner::new();
    let mut position = 0usize;
    let mut block: Vec<(usize, u64, &[u8])> = Vec::with_capacity(BLOCK);
    // One tick a block: about one poll every `POLL_EVERY` ids.
    let mut tick = interrupt.ticker(POLL_EVERY / BLOCK);
    for chunk in chunks {
        let n = chunk.offsets.len().saturating_sub(1);
        let mut i = 0;
        while i < n {
            tick.tick()?;
            // Hash a block, prefetch its slots, then probe: the slot misses overlap.
            block.clear();
            let end = (i + BLOCK).min(n);
            for j in i..end {
                let a = chunk.offsets[j].to_usize().unwrap_or(0);
                let b = chunk.offsets[j + 1].to_usize().unwrap_or(0);
                let bytes = &chunk.data[a..b];
                let hash = hash_bytes(bytes);
                if ((hash >> 40) as usize) % parts == part {
                    table.prefetch(hash);
                    block.push((position + j - i, hash, bytes));
                }
            }
            for &(pos, hash, bytes) in &block {
                let code = table.code_of(hash, bytes, pos, &source)?;
                tagged[pos].store(((part as u32) << PART_SHIFT) | code, Ordering::Relaxed);
            }
            position += end - i;
            i = end;
        }
    }
    Ok(table)
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

    /// Ids over several chunks (some empty), repeated across them and growing the tables
    /// many times: the codes are those of first appearance, as a plain map gives.
    #[test]
    fn strings_over_chunks_match_a_plain_map() {
        let words: Vec<String> = (0..30_000)
            .map(|i| format!("id-{}", (i * 7919) % 9_973))
            .collect();
        let cuts = [0, 0, 1, 4_000, 4_000, 17_321, 30_000];
        let built: Vec<(Vec<i32>, Vec<u8>)> = cuts
            .windows(2)
            .map(|w| {
                let (mut offsets, mut data) = (vec![0i32], Vec::new());
                for word in &words[w[0]..w[1]] {
                    data.extend_from_slice(word.as_bytes());
                    offsets.push(data.len() as i32);
                }
                (offsets, data)
            })
            .collect();
        let chunks: Vec<StringChunk<i32>> = built
            .iter()
            .map(|(offsets, data)| StringChunk { offsets, data })
            .collect();
        let got = factorize_strings(&chunks, Interrupt::never()).unwrap();
        let mut seen: HashMap<&str, u32> = HashMap::new();
        let mut first = Vec::new();
        let want: Vec<u32> = words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let n = seen.len() as u32;
                *seen.entry(w).or_insert_with(|| {
                    first.push(i as u64);
                    n
                })
            })
            .collect();
        assert_eq!(got.codes, want);
        assert_eq!(got.first, first);
    }

    #[test]
    fn many_strings_same_codes_for_any_thread_count() {
        let words: Vec<String> = (0..50_000)
            .map(|i| format!("firm-{}", (i * 7919) % 20_011))
            .collect();
        let mut data = Vec::new();
        let mut offsets = vec![0i64];
        for w in &words {
            data.extend_from_slice(w.as_bytes());
            offsets.push(data.len() as i64);
        }
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                factorize_strings(
                    &[StringChunk {
                        offsets: &offsets,
                        data: &data,
                    }],
                    Interrupt::never(),
                )
                .unwrap()
            })
        };
        let one = run(1);
        assert_eq!(one.first.len(), 20_011);
        assert_eq!(one, run(2));
        assert_eq!(one, run(5));
        // First appearance order, checked against a plain map.
        let mut seen = std::collections::HashMap::new();
        for (i, w) in words.iter().enumerate() {
            let next = seen.len() as u32;
            let code = *seen.entry(w.as_str()).or_insert(next);
            assert_eq!(one.codes[i], code);
        }
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
