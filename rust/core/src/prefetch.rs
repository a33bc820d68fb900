//! A cache prefetch hint for random accesses whose index is known ahead of time (hash slots,
//! per-node state of edge targets): overlapping the misses is most of the speed of such loops.

/// Hints that `items[i]` will be read soon. A hint only: nothing is read or written, and an
/// index out of bounds is ignored.
#[inline(always)]
pub fn prefetch<T>(items: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if i < items.len() {
        let at = items.as_ptr().wrapping_add(i);
        // SAFETY: _mm_prefetch never dereferences; `at` is inside `items` anyway.
        unsafe {
            std::arch::x86_64::_mm_prefetch(at as *const i8, std::arch::x86_64::_MM_HINT_T0);
        }
        // An item wider than a cache line (many scenarios' values side by side): its other
        // lines too. The size is a constant, so this is gone for small items.
        let mut line = 64;
        while line < std::mem::size_of::<T>() {
            // SAFETY: as above; the address is inside `items[i]`.
            unsafe {
                let p = (at as *const i8).wrapping_add(line);
                std::arch::x86_64::_mm_prefetch(p, std::arch::x86_64::_MM_HINT_T0);
            }
            line += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (items, i);
}
