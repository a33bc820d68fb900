//! Buffers read at random ask the kernel for transparent huge pages before they are touched,
//! as numpy does for its arrays: a random read into a 2 MiB page rarely misses the TLB, into a
//! 4 KiB one it nearly always does once the buffer is larger than a few megabytes.

/// Buffers from this size on are advised (numpy's threshold).
const THRESHOLD: usize = 4 << 20;
const HUGE: usize = 2 << 20;

/// An empty vector with room for `len` items whose memory is advised for huge pages; fill it
/// with `extend`, `resize` or rayon's `collect_into_vec` (which keeps the capacity).
pub fn vec_with_capacity<T>(len: usize) -> Vec<T> {
    let v: Vec<T> = Vec::with_capacity(len);
    advise(v.as_ptr() as usize, len * std::mem::size_of::<T>());
    v
}

#[cfg(target_os = "linux")]
fn advise(start: usize, bytes: usize) {
    if bytes < THRESHOLD {
        return;
    }
    // Only whole huge pages inside the allocation; the advice is a hint, so a failure is
    // harmless and ignored.
    let first = start.div_ceil(HUGE) * HUGE;
    let end = (start + bytes) / HUGE * HUGE;
    if end > first {
        // SAFETY: the range lies inside an allocation this process owns; MADV_HUGEPAGE
        // changes no contents and no permissions.
        unsafe {
            libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise(_start: usize, _bytes: usize) {}

#[cfg(test)]
mod tests {
    #[test]
    fn advised_vectors_behave_as_vectors() {
        let mut z: Vec<f64> = super::vec_with_capacity(1 << 20);
        z.resize(1 << 20, 1.5);
        assert!(z.iter().all(|&x| x == 1.5));
        let mut v: Vec<u64> = super::vec_with_capacity(10);
        v.extend(0..10);
        assert_eq!(v.iter().sum::<u64>(), 45);
    }
}
