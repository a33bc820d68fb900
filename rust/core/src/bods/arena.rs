//! Bytes appended into large chunks: one allocation a chunk rather than one a record, and
//! chunks handed back whole once read, so that what the reader frees is returned to the
//! system (millions of small freed buffers are kept by the allocator instead).

/// Where bytes are in an [`Arena`]: the chunk in the high bits, the offset in the low ones.
pub type At = u64;

const OFFSET_BITS: u32 = 40;
/// 64 MiB: past glibc's largest mmap threshold (32 MiB), so that every chunk is mapped on
/// its own and goes back to the system when freed (a smaller one may come from the heap,
/// which keeps it). Small in the core's tests, so that they cross chunks and free them.
const CHUNK: usize = if cfg!(test) { 256 } else { 64 << 20 };

#[derive(Default)]
pub struct Arena {
    chunks: Vec<Vec<u8>>,
    /// Bytes in the chunks not yet freed.
    held: usize,
}

impl Arena {
    /// Appends `a` then `b`, together (a larger item has a chunk of its own).
    pub fn push(&mut self, a: &[u8], b: &[u8]) -> At {
        let n = a.len() + b.len();
        let fits = self
            .chunks
            .last()
            .is_some_and(|c| c.capacity() - c.len() >= n);
        if !fits {
            self.chunks.push(Vec::with_capacity(n.max(CHUNK)));
        }
        let i = self.chunks.len() - 1;
        let chunk = &mut self.chunks[i];
        let offset = chunk.len();
        chunk.extend_from_slice(a);
        chunk.extend_from_slice(b);
        self.held += n;
        ((i as u64) << OFFSET_BITS) | offset as u64
    }

    pub fn get(&self, at: At, len: usize) -> &[u8] {
        let chunk = &self.chunks[(at >> OFFSET_BITS) as usize];
        let offset = (at & ((1 << OFFSET_BITS) - 1)) as usize;
        &chunk[offset..offset + len]
    }

    pub fn str(&self, at: At, len: usize) -> &str {
        std::str::from_utf8(self.get(at, len)).expect("the arena holds copies of str")
    }

    /// Frees every chunk before the one `at` is in: what was appended before it is never read
    /// again.
    pub fn free_before(&mut self, at: At) {
        let end = ((at >> OFFSET_BITS) as usize).min(self.chunks.len());
        for chunk in &mut self.chunks[..end] {
            self.held -= chunk.len();
            *chunk = Vec::new();
        }
    }

    /// Bytes appended and not freed.
    pub fn held(&self) -> usize {
        self.held
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_come_back_across_chunks_and_freeing() {
        let mut arena = Arena::default();
        let big = vec![7u8; CHUNK + 3];
        let a = arena.push(b"ab", b"cd");
        let b = arena.push(&big, b"");
        let c = arena.push(b"", b"xyz");
        assert_eq!(arena.get(a, 4), b"abcd");
        assert_eq!(arena.get(b, big.len()), &big[..]);
        assert_eq!(arena.str(c, 3), "xyz");
        assert_eq!(arena.held(), 4 + big.len() + 3);
        arena.free_before(c);
        assert_eq!(arena.held(), 3);
        assert_eq!(arena.str(c, 3), "xyz");
    }
}
