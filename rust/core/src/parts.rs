//! A built graph (and its solve plan) as named byte arrays, and back: what `Graph.save`
//! writes into an Arrow IPC file and `Graph.open` borrows from its memory-mapped pages.
//!
//! Saving copies each array once into bytes (`Saved`). Opening borrows the bytes (`Loader`,
//! see `crate::buffer`) after checks that make a damaged or foreign file an error rather than
//! a panic or an out-of-bounds read: every array's length, every offset array's order and
//! every index's range. The values themselves (shares, amounts) are trusted as written.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::buffer::{Buffer, Foreign, Plain};
use crate::error::{Error, Result};

/// An array's bytes to save: a view of the array itself, or a copy (types with padding).
pub enum Bytes<'a> {
    View(&'a [u8]),
    Copy(Vec<u8>),
}

impl Bytes<'_> {
    pub fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::View(b) => b,
            Bytes::Copy(v) => v,
        }
    }
}

/// Named arrays and numbers to save, borrowing the arrays of what is saved.
#[derive(Default)]
pub struct Saved<'a> {
    pub numbers: Vec<(String, u64)>,
    pub arrays: Vec<(String, Bytes<'a>)>,
}

impl<'a> Saved<'a> {
    pub(crate) fn number(&mut self, name: &str, value: u64) {
        self.numbers.push((name.to_owned(), value));
    }

    pub(crate) fn array<T: Plain>(&mut self, name: &str, values: &'a Buffer<T>) {
        let bytes = match values.as_bytes() {
            Some(view) => Bytes::View(view),
            None => Bytes::Copy(values.to_bytes()),
        };
        self.arrays.push((name.to_owned(), bytes));
    }

    /// An array built for saving (not kept by the graph).
    pub(crate) fn copied<T: Plain>(&mut self, name: &str, values: Vec<T>) {
        let bytes = Buffer::from(values).to_bytes();
        self.arrays.push((name.to_owned(), Bytes::Copy(bytes)));
    }
}

/// Named arrays and numbers to open.
pub struct Loader {
    numbers: HashMap<String, u64>,
    arrays: HashMap<String, Foreign>,
}

impl Loader {
    pub fn new(numbers: HashMap<String, u64>, arrays: HashMap<String, Foreign>) -> Loader {
        Loader { numbers, arrays }
    }

    pub(crate) fn number(&self, name: &str) -> Result<u64> {
        self.numbers.get(name).copied().ok_or_else(|| missing(name))
    }

    pub(crate) fn count(&self, name: &str) -> Result<usize> {
        usize::try_from(self.number(name)?).map_err(|_| damaged(name, "is too large"))
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.arrays.contains_key(name)
    }

    /// The array `name` of `len` items (any length when `None`).
    pub(crate) fn array<T: Plain>(&mut self, name: &str, len: Option<usize>) -> Result<Buffer<T>> {
        let bytes = self.arrays.remove(name).ok_or_else(|| missing(name))?;
        let values = Buffer::<T>::borrow(bytes, name)?;
        if let Some(len) = len {
            if values.len() != len {
                return Err(damaged(
                    name,
                    &format!("has {} items where {len} were expected", values.len()),
                ));
            }
        }
        Ok(values)
    }

    /// An offsets array of `rows + 1` items from 0 to `total`, never decreasing.
    pub(crate) fn offsets(
        &mut self,
        name: &str,
        rows: usize,
        total: Option<usize>,
    ) -> Result<Buffer<usize>> {
        let o: Buffer<usize> = self.array(name, Some(rows + 1))?;
        let ordered = o.first() == Some(&0) && o.par_windows(2).all(|w| w[0] <= w[1]);
        if !ordered || total.is_some_and(|t| o[rows] != t) {
            return Err(damaged(name, "is not an offsets array of the saved sizes"));
        }
        Ok(o)
    }
}

/// Fails, naming `name`, unless every item of `values` is below `bound`.
pub(crate) fn check_below(name: &str, values: &[u32], bound: usize) -> Result<()> {
    if values.par_iter().all(|&v| (v as usize) < bound) {
        Ok(())
    } else {
        Err(damaged(
            name,
            &format!("holds an index out of range 0..{bound}"),
        ))
    }
}

pub(crate) fn damaged(name: &str, what: &str) -> Error {
    Error::InvalidArgument(format!(
        "saved graph is damaged: array {name:?} {what}; save the graph again"
    ))
}

fn missing(name: &str) -> Error {
    Error::InvalidArgument(format!(
        "saved graph has no {name:?}: not a file written by Graph.save, or from another \
         version; save the graph again"
    ))
}
