//! Handing freed heap memory back to the system after a large read.

/// Returns the free pages of the heap to the system. glibc's malloc keeps what a large read
/// freed (millions of small record buffers, in one arena per thread) and the process goes on
/// holding it until it is reused: after a register's read that was twice the tables' size.
/// Elsewhere this does nothing.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim has no preconditions; it only walks malloc's own arenas.
    unsafe {
        libc::malloc_trim(0);
    }
}
