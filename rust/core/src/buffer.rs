//! Read-only arrays that are either owned here (a `Vec`) or borrowed from memory another owner
//! keeps alive and unchanged: the pages of a memory-mapped saved graph, a Python `bytes`. A
//! saved graph opens by borrowing its arrays, without copying them (`crate::parts`).
//!
//! A borrowed array is never written: asking for a mutable view copies it first (copy on
//! write), so the build code, which only ever mutates arrays it owns, works unchanged.

use std::any::Any;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::error::{Error, Result};

/// Bytes someone else owns: `keep` holds them alive and unchanged while any array borrows
/// them.
#[derive(Clone)]
pub struct Foreign {
    ptr: *const u8,
    len: usize,
    _keep: Arc<dyn Any + Send + Sync>,
}

// SAFETY: the bytes are read-only for as long as `keep` lives (the contract of `new`), and
// `keep` itself is Send + Sync.
unsafe impl Send for Foreign {}
unsafe impl Sync for Foreign {}

impl Foreign {
    /// # Safety
    /// `ptr..ptr + len` must be readable and must not change for as long as `keep` lives.
    pub unsafe fn new(ptr: *const u8, len: usize, keep: Arc<dyn Any + Send + Sync>) -> Foreign {
        Foreign {
            ptr,
            len,
            _keep: keep,
        }
    }

    pub fn bytes(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: the contract of `new`.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

/// Element types whose arrays can be borrowed from bytes and written out as bytes.
///
/// # Safety
/// `Self` must be `repr(C)` or a primitive, and every byte string of its size for which
/// `valid` returns true must be a valid value (padding bytes may hold anything).
pub unsafe trait Plain: Copy + Send + Sync + 'static {
    /// The type has padding bytes: its arrays are saved through `write`, never viewed as
    /// bytes (padding is uninitialised memory).
    const PADDED: bool = false;

    /// Whether `bytes` (a whole number of items) holds valid values.
    fn valid(_bytes: &[u8]) -> bool {
        true
    }

    /// Appends the bytes of `items`, padding zeroed.
    fn write(items: &[Self], out: &mut Vec<u8>);
}

/// Writes the bytes of a type without padding.
macro_rules! plain_without_padding {
    ($($t:ty),*) => {$(
        // SAFETY: a primitive; every bit pattern is a value.
        unsafe impl Plain for $t {
            fn write(items: &[Self], out: &mut Vec<u8>) {
                for x in items {
                    out.extend_from_slice(&x.to_ne_bytes());
                }
            }
        }
    )*};
}
plain_without_padding!(u8, u32, u64, usize, f64);

// SAFETY: one byte, valid when 0 or 1.
unsafe impl Plain for bool {
    fn valid(bytes: &[u8]) -> bool {
        bytes.iter().all(|&b| b <= 1)
    }

    fn write(items: &[Self], out: &mut Vec<u8>) {
        out.extend(items.iter().map(|&b| b as u8));
    }
}

/// A read-only array: owned, or borrowed from `Foreign` bytes.
pub struct Buffer<T: 'static>(Inner<T>);

enum Inner<T: 'static> {
    Owned(Vec<T>),
    Borrowed {
        ptr: *const T,
        len: usize,
        _keep: Foreign,
    },
}

// SAFETY: a borrowed array is read-only memory kept alive by a Send + Sync owner.
unsafe impl<T: Send + Sync> Send for Buffer<T> {}
unsafe impl<T: Send + Sync> Sync for Buffer<T> {}

impl<T> Default for Buffer<T> {
    fn default() -> Self {
        Buffer(Inner::Owned(Vec::new()))
    }
}

impl<T> From<Vec<T>> for Buffer<T> {
    fn from(v: Vec<T>) -> Self {
        Buffer(Inner::Owned(v))
    }
}

impl<T> FromIterator<T> for Buffer<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Vec::from_iter(iter).into()
    }
}

impl<T: PartialEq> PartialEq for Buffer<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Eq> Eq for Buffer<T> {}

impl<'a, T> IntoIterator for &'a Buffer<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: PartialEq> PartialEq<Vec<T>> for Buffer<T> {
    fn eq(&self, other: &Vec<T>) -> bool {
        **self == other[..]
    }
}

impl<T: Clone> Clone for Buffer<T> {
    fn clone(&self) -> Self {
        match &self.0 {
            Inner::Owned(v) => Buffer(Inner::Owned(v.clone())),
            Inner::Borrowed { ptr, len, _keep } => Buffer(Inner::Borrowed {
                ptr: *ptr,
                len: *len,
                _keep: _keep.clone(),
            }),
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Buffer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T> Deref for Buffer<T> {
    type Target = [T];

    #[inline]
    fn deref(&self) -> &[T] {
        match &self.0 {
            Inner::Owned(v) => v,
            // SAFETY: checked in `borrow` (size, alignment, valid values); kept alive by `_keep`.
            Inner::Borrowed { ptr, len, .. } => unsafe { std::slice::from_raw_parts(*ptr, *len) },
        }
    }
}

impl<T: Clone> DerefMut for Buffer<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        self.vec_mut()
    }
}

impl<T: Clone> Buffer<T> {
    /// The items as a vector: no copy when owned.
    pub fn into_vec(self) -> Vec<T> {
        match self.0 {
            Inner::Owned(v) => v,
            Inner::Borrowed { .. } => self.to_vec(),
        }
    }

    /// The owned vector, copied from the borrowed bytes first if need be.
    pub fn vec_mut(&mut self) -> &mut Vec<T> {
        if let Inner::Borrowed { .. } = self.0 {
            self.0 = Inner::Owned(self.to_vec());
        }
        match &mut self.0 {
            Inner::Owned(v) => v,
            Inner::Borrowed { .. } => unreachable!("made owned above"),
        }
    }
}

impl<T: Plain> Buffer<T> {
    /// Borrows `bytes` as an array of `T`: fails, naming `what`, when their size is not a
    /// whole number of items, they are not aligned for `T` or hold invalid values.
    pub fn borrow(bytes: Foreign, what: &str) -> Result<Buffer<T>> {
        let size = std::mem::size_of::<T>();
        let raw = bytes.bytes();
        if raw.len() % size != 0 {
            return Err(Error::InvalidArgument(format!(
                "{what}: {} bytes is not a whole number of {size}-byte items",
                raw.len()
            )));
        }
        if raw.is_empty() {
            return Ok(Buffer::default());
        }
        if (raw.as_ptr() as usize) % std::mem::align_of::<T>() != 0 {
            // Unaligned (a buffer the writer did not pad): a copy, not an error.
            let mut v = Vec::with_capacity(raw.len() / size);
            for chunk in raw.chunks_exact(size) {
                if !T::valid(chunk) {
                    return Err(invalid(what));
                }
                // SAFETY: `chunk` is `size` bytes of a valid value; read unaligned.
                v.push(unsafe { std::ptr::read_unaligned(chunk.as_ptr() as *const T) });
            }
            return Ok(v.into());
        }
        if !T::valid(raw) {
            return Err(invalid(what));
        }
        Ok(Buffer(Inner::Borrowed {
            ptr: raw.as_ptr() as *const T,
            len: raw.len() / size,
            _keep: bytes,
        }))
    }

    /// The array's bytes (padding zeroed), for saving.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(std::mem::size_of_val(&**self));
        T::write(self, &mut out);
        out
    }

    /// The array's memory as bytes, without a copy; `None` for a type with padding.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        if T::PADDED {
            return None;
        }
        let items: &[T] = self;
        // SAFETY: `T` has no padding (`Plain::PADDED`), so every byte is initialised.
        Some(unsafe {
            std::slice::from_raw_parts(items.as_ptr() as *const u8, std::mem::size_of_val(items))
        })
    }

    /// Whether the array borrows its bytes (no copy was made).
    pub fn is_borrowed(&self) -> bool {
        matches!(self.0, Inner::Borrowed { .. })
    }
}

fn invalid(what: &str) -> Error {
    Error::InvalidArgument(format!("{what}: holds values no saved graph can hold"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn foreign(bytes: Vec<u8>) -> Foreign {
        let keep = Arc::new(bytes);
        // SAFETY: the Vec is kept alive by the Arc and never changed.
        unsafe { Foreign::new(keep.as_ptr(), keep.len(), keep.clone()) }
    }

    #[test]
    fn borrowed_arrays_read_their_bytes_and_copy_on_write() {
        let values = vec![1.5f64, -2.0, 3.25];
        let bytes = Buffer::from(values.clone()).to_bytes();
        let mut b: Buffer<f64> = Buffer::borrow(foreign(bytes), "x").unwrap();
        assert!(b.is_borrowed());
        assert_eq!(&*b, &values[..]);
        b[0] = 7.0;
        assert!(!b.is_borrowed());
        assert_eq!(&*b, &[7.0, -2.0, 3.25]);
    }

    #[test]
    fn bad_bytes_are_refused_or_copied() {
        let err = Buffer::<u32>::borrow(foreign(vec![0; 7]), "offsets").unwrap_err();
        assert!(err.to_string().contains("offsets: 7 bytes"), "{err}");
        let err = Buffer::<bool>::borrow(foreign(vec![0, 1, 2]), "closed").unwrap_err();
        assert!(err.to_string().contains("closed"), "{err}");
        // One byte in: unaligned for u32, read by a copy.
        let mut raw = vec![0u8];
        raw.extend_from_slice(&5u32.to_ne_bytes());
        raw.extend_from_slice(&9u32.to_ne_bytes());
        let keep = Arc::new(raw);
        // SAFETY: kept alive by the Arc, never changed.
        let f = unsafe { Foreign::new(keep.as_ptr().wrapping_add(1), 8, keep.clone()) };
        let b = Buffer::<u32>::borrow(f, "x").unwrap();
        assert_eq!(&*b, &[5, 9]);
    }
}
