//! Beneficial Ownership Data Standard v0.4 statements -> node, interest and edge tables.
//!
//! A streaming reader: the input is read a block at a time ([`split`]), the statements of a
//! block are parsed in parallel straight from the bytes into the fields the reader needs
//! ([`statement`]), the record store keeps only the statement that holds for each record
//! ([`records`]), and the tables are built from those ([`build`]) as Arrow columns. Memory
//! is the kept records (packed) plus the tables plus a block, never a tree of the input.
//! The conventions are docs/bods.md's; the Python reference reader in the test suite gives
//! the same tables.

mod build;
pub mod columns;
mod json;
mod pack;
mod records;
mod split;
mod statement;
mod text;

use std::io::Read;

use rayon::prelude::*;

use crate::error::Result;
use crate::interrupt::Interrupt;
use columns::Table;
use statement::Outcome;

pub use statement::parse_date;

/// How a declared share range becomes an edge's share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareChoice {
    /// An interval stake (share_min, share_max).
    Range,
    Min,
    Mid,
    Max,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub share_range: ShareChoice,
    /// The interest type that makes edges: "shareholding" or "votingRights".
    pub interest: String,
    /// Statements after this date (YYYYMMDD) are ignored.
    pub as_of: Option<u32>,
}

/// The reader's tables, columns in the order of the Python schemas.
#[derive(Debug)]
pub struct Tables {
    pub nodes: Table,
    pub interests: Table,
    pub edges: Table,
}

/// Reads BODS JSON Lines or a JSON array from `input` (`name` is used in messages).
pub fn read(
    input: impl Read,
    name: &str,
    options: &Options,
    interrupt: Interrupt<'_>,
) -> Result<Tables> {
    let hasher = records::record_hasher();
    let mut store = records::Store::new(options.as_of);
    let mut splitter = split::Splitter::new(input, name);
    let mut position = 0u64;
    while let Some((block, spans)) = splitter.next_block()? {
        interrupt.check()?;
        let first = position;
        let outcomes: Vec<Outcome> = spans
            .par_iter()
            .enumerate()
            .map(|(i, s)| statement::parse(&block[s.start..s.end], first + i as u64, &hasher))
            .collect();
        drop(block);
        position += spans.len() as u64;
        for (outcome, span) in outcomes.into_iter().zip(&spans) {
            match outcome {
                Outcome::Statement(p) => store.add(p)?,
                Outcome::Invalid(message, statement_ids) => {
                    return Err(records::invalid(message, statement_ids))
                }
                Outcome::Syntax(e) => return Err(splitter.syntax_error(&e, span)),
            }
        }
    }
    let records = store.finish();
    interrupt.check()?;
    build::build(records, &hasher, options, interrupt)
}

/// Opens `path` (gzip-compressed when it ends in `.gz`) and reads it.
pub fn read_path(
    path: &std::path::Path,
    options: &Options,
    interrupt: Interrupt<'_>,
) -> Result<Tables> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = std::fs::File::open(path)
        .map_err(|e| split::syntax(format!("{name}: cannot read it as UTF-8 JSON text: {e}")))?;
    if path.extension().is_some_and(|e| e == "gz") {
        read(
            flate2::read::MultiGzDecoder::new(std::io::BufReader::new(file)),
            &name,
            options,
            interrupt,
        )
    } else {
        read(file, &name, options, interrupt)
    }
}
