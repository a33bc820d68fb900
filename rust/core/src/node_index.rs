//! A graph's label -> index map, built once per graph, so that the node ids a caller passes
//! (tables, mappings, lists, in any order) are resolved at hash speed in parallel rather than
//! by hashing every label again on each call.

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::ids::{hash_bytes, ArrowOffset, FastMap, StringChunk};
use crate::interrupt::Interrupt;

/// What `find_*` returns for a key that names no node.
pub const MISSING: i64 = -1;

/// Keys resolved per parallel task, between interrupt polls.
const TASK: usize = 1 << 14;

/// The labels of a graph (distinct, in index order) and how to find each one.
pub struct NodeIndex(Labels);

enum Labels {
    /// Integer labels spanning a compact range: a direct table from `label - min`.
    Dense { min: i64, slots: Vec<u32> },
    /// Other integer labels.
    Ints(FastMap<i64>),
    /// UTF-8 labels: an open-addressing table over a copy of their bytes. A slot packs the
    /// hash's high 32 bits (a tag that rejects almost every mismatch) and `index + 1`.
    Strings {
        slots: Vec<u64>,
        arena: Vec<u8>,
        ends: Vec<usize>,
    },
}

fn duplicate(position: usize) -> Error {
    Error::InvalidArgument(format!("label {position} repeats an earlier one"))
}

impl NodeIndex {
    /// The index of integer labels (distinct).
    pub fn of_ints(labels: &[i64]) -> Result<NodeIndex> {
        let (Some(&min), Some(&max)) = (labels.iter().min(), labels.iter().max()) else {
            return Ok(NodeIndex(Labels::Ints(FastMap::default())));
        };
        let span = max as i128 - min as i128 + 1;
        if span <= 2 * labels.len() as i128 + 1024 {
            let mut slots = vec![u32::MAX; span as usize];
            for (i, &v) in labels.iter().enumerate() {
                let slot = &mut slots[(v as i128 - min as i128) as usize];
                if *slot != u32::MAX {
                    return Err(duplicate(i));
                }
                *slot = i as u32;
            }
            return Ok(NodeIndex(Labels::Dense { min, slots }));
        }
        let mut map = FastMap::default();
        map.reserve(labels.len());
        for (i, &v) in labels.iter().enumerate() {
            if map.insert(v, i as u32).is_some() {
                return Err(duplicate(i));
            }
        }
        Ok(NodeIndex(Labels::Ints(map)))
    }

    /// The index of UTF-8 labels (distinct) given as Arrow chunks.
    pub fn of_strings<O: ArrowOffset>(chunks: &[StringChunk<'_, O>]) -> Result<NodeIndex> {
        let count: usize = chunks
            .iter()
            .map(|c| c.offsets.len().saturating_sub(1))
            .sum();
        let size = (2 * count).next_power_of_two().max(16);
        let mask = size - 1;
        let mut slots = vec![0u64; size];
        let mut arena = Vec::new();
        let mut ends = Vec::with_capacity(count + 1);
        ends.push(0);
        for chunk in chunks {
            for bytes in strings(chunk)? {
                let index = ends.len() - 1;
                let hash = hash_bytes(bytes);
                let mut i = hash as usize & mask;
                while slots[i] != 0 {
                    let code = (slots[i] as u32 - 1) as usize;
                    if slots[i] >> 32 == hash >> 32 && &arena[ends[code]..ends[code + 1]] == bytes {
                        return Err(duplicate(index));
                    }
                    i = (i + 1) & mask;
                }
                slots[i] = ((hash >> 32) << 32) | (index as u64 + 1);
                arena.extend_from_slice(bytes);
                ends.push(arena.len());
            }
        }
        Ok(NodeIndex(Labels::Strings { slots, arena, ends }))
    }

    fn find_int(&self, v: i64) -> i64 {
        match &self.0 {
            Labels::Dense { min, slots } => {
                let at = v as i128 - *min as i128;
                if (0..slots.len() as i128).contains(&at) && slots[at as usize] != u32::MAX {
                    slots[at as usize] as i64
                } else {
                    MISSING
                }
            }
            Labels::Ints(map) => map.get(&v).map_or(MISSING, |&i| i as i64),
            Labels::Strings { .. } => MISSING,
        }
    }

    fn find_bytes(&self, bytes: &[u8]) -> i64 {
        let Labels::Strings { slots, arena, ends } = &self.0 else {
            return MISSING;
        };
        let mask = slots.len() - 1;
        let hash = hash_bytes(bytes);
        let mut i = hash as usize & mask;
        loop {
            let slot = slots[i];
            if slot == 0 {
                return MISSING;
            }
            if slot >> 32 == hash >> 32 {
                let code = (slot as u32 - 1) as usize;
                if &arena[ends[code]..ends[code + 1]] == bytes {
                    return code as i64;
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// Each integer key's node index, `MISSING` where it names no node (a string index finds
    /// no integer).
    pub fn find_ints(&self, keys: &[i64], interrupt: Interrupt) -> Result<Vec<i64>> {
        let mut out = vec![MISSING; keys.len()];
        out.par_chunks_mut(TASK)
            .zip(keys.par_chunks(TASK))
            .try_for_each(|(out, keys)| {
                interrupt.check()?;
                for (o, &k) in out.iter_mut().zip(keys) {
                    *o = self.find_int(k);
                }
                Ok(())
            })?;
        Ok(out)
    }

    /// Each string key's node index, `MISSING` where it names no node.
    pub fn find_strings<O: ArrowOffset + Sync>(
        &self,
        keys: &StringChunk<'_, O>,
        interrupt: Interrupt,
    ) -> Result<Vec<i64>> {
        let spans = strings(keys)?.collect::<Vec<&[u8]>>();
        let mut out = vec![MISSING; spans.len()];
        out.par_chunks_mut(TASK)
            .zip(spans.par_chunks(TASK))
            .try_for_each(|(out, keys)| {
                interrupt.check()?;
                for (o, k) in out.iter_mut().zip(keys) {
                    *o = self.find_bytes(k);
                }
                Ok(())
            })?;
        Ok(out)
    }
}

/// The dense per-node vector of `values` added up by node (`found`: each value's node index,
/// `MISSING` for none), in input order: the same bits as a sequential sum. The second vector
/// lists the positions whose key named no node.
pub fn scatter(found: &[i64], values: &[f64], num_nodes: usize) -> Result<(Vec<f64>, Vec<usize>)> {
    if found.len() != values.len() {
        return Err(Error::InvalidArgument(format!(
            "{} positions for {} values",
            found.len(),
            values.len()
        )));
    }
    let mut dense = vec![0.0; num_nodes];
    let mut missing = Vec::new();
    for (i, (&at, &v)) in found.iter().zip(values).enumerate() {
        // `MISSING` (-1) wraps past every index: one bounds check tells both.
        match dense.get_mut(at as usize) {
            Some(sum) => *sum += v,
            None => missing.push(i),
        }
    }
    Ok((dense, missing))
}

/// The strings of an Arrow chunk, checked: offsets within the data and not decreasing.
fn strings<'a, O: ArrowOffset>(
    chunk: &'a StringChunk<'a, O>,
) -> Result<impl Iterator<Item = &'a [u8]> + 'a> {
    let bad = chunk.offsets.windows(2).position(|w| {
        !matches!((w[0].to_usize(), w[1].to_usize()),
                  (Some(a), Some(b)) if a <= b && b <= chunk.data.len())
    });
    if let Some(i) = bad {
        return Err(Error::InvalidArgument(format!(
            "string offsets out of bounds at item {i}"
        )));
    }
    Ok(chunk.offsets.windows(2).map(move |w| {
        let (a, b) = (w[0].to_usize().unwrap_or(0), w[1].to_usize().unwrap_or(0));
        &chunk.data[a..b]
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk<'a>(offsets: &'a [i64], data: &'a [u8]) -> StringChunk<'a, i64> {
        StringChunk { offsets, data }
    }

    #[test]
    fn dense_and_sparse_ints_find_their_labels() {
        let it = Interrupt::never();
        for labels in [vec![7, 3, 5, 4], vec![10, -(1 << 40), 1 << 50, 3]] {
            let index = NodeIndex::of_ints(&labels).unwrap();
            let keys: Vec<i64> = labels
                .iter()
                .rev()
                .copied()
                .chain([11, 2, i64::MIN])
                .collect();
            let found = index.find_ints(&keys, it).unwrap();
            assert_eq!(found, vec![3, 2, 1, 0, MISSING, MISSING, MISSING]);
        }
        assert!(matches!(
            NodeIndex::of_ints(&[1, 2, 1]),
            Err(Error::InvalidArgument(_))
        ));
    }

    #[test]
    fn strings_find_by_bytes_and_miss_the_rest() {
        let it = Interrupt::never();
        // "OpenAI", "", "Nvidia", "é"
        let data = "OpenAINvidiaé".as_bytes();
        let offsets = [0, 6, 6, 12, 14];
        let index = NodeIndex::of_strings(&[chunk(&offsets, data)]).unwrap();
        let keys = "NvidiaéopenaiOpenAI".as_bytes();
        let key_offsets = [0, 6, 8, 14, 20, 20];
        let found = index.find_strings(&chunk(&key_offsets, keys), it).unwrap();
        assert_eq!(found, vec![2, 3, MISSING, 0, 1]);
        assert_eq!(index.find_ints(&[0], it).unwrap(), vec![MISSING]);
        let dup = NodeIndex::of_strings(&[chunk(&[0, 1, 2], b"aa")]);
        assert!(matches!(dup, Err(Error::InvalidArgument(_))));
    }

    #[test]
    fn scatter_adds_in_order_and_lists_the_misses() {
        let (dense, missing) =
            scatter(&[2, MISSING, 0, 2, 7], &[1.0, 9.0, 3.0, 0.5, 4.0], 3).unwrap();
        assert_eq!(dense, vec![3.0, 0.0, 1.5]);
        assert_eq!(missing, vec![1, 4]);
        assert!(matches!(
            scatter(&[0], &[], 1),
            Err(Error::InvalidArgument(_))
        ));
    }

    #[test]
    fn many_keys_any_thread_count_same_answer() {
        let labels: Vec<i64> = (0..50_000).map(|i| i * 7919 % 1_000_003).collect();
        let index = NodeIndex::of_ints(&labels).unwrap();
        let keys: Vec<i64> = (0..100_000).map(|i| (i * 31) % 1_000_003).collect();
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let a = one.install(|| index.find_ints(&keys, Interrupt::never()).unwrap());
        let b = index.find_ints(&keys, Interrupt::never()).unwrap();
        assert_eq!(a, b);
        let reference: std::collections::HashMap<i64, i64> = labels
            .iter()
            .enumerate()
            .map(|(i, &l)| (l, i as i64))
            .collect();
        for (k, f) in keys.iter().zip(&a) {
            assert_eq!(*f, reference.get(k).copied().unwrap_or(MISSING));
        }
    }
}
