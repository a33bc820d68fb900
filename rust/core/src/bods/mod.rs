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
    /// Build the interests table (the audit of every interest); a graph needs only the
    /// nodes and edges, and at register scale the interests are the largest table.
    pub interests: bool,
}

/// The reader's tables, columns in the order of the Python schemas.
#[derive(Debug)]
pub struct Tables {
    pub nodes: Table,
    pub interests: Table,
    pub edges: Table,
}

/// Reads BODS JSON Lines or a JSON array from `input` (`name` is used in messages).
///
/// A pipeline over blocks: while block N is parsed in parallel, the statements of block N-1
/// go into the record store and block N+1 is read and split, so the serial steps overlap
/// the parallel one.
pub fn read(
    input: impl Read + Send,
    name: &str,
    options: &Options,
    interrupt: Interrupt<'_>,
) -> Result<Tables> {
    let hasher = records::record_hasher();
    let mut store = records::Store::new(options.as_of);
    let mut splitter = split::Splitter::new(input, name);
    let mut position = 0u64;
    let mut current = splitter.next_block()?;
    let mut parsed: Option<Pending> = None;
    // The first statement error: the rest of the input is still read, since a syntax error
    // anywhere comes first (the reference parses the whole input before any check).
    let mut failed: Option<crate::error::Error> = None;
    while let Some((block, spans)) = current.take() {
        interrupt.check()?;
        let first = position;
        position += spans.len() as u64;
        let (next, outcomes) = rayon::join(
            || -> Result<_> {
                if let Some(mut done) = parsed.take() {
                    add(&mut store, &splitter, &mut done, &mut failed)?;
                    splitter.recycle(done.block);
                }
                splitter.next_block()
            },
            || {
                spans
                    .par_iter()
                    .enumerate()
                    .map(|(i, s)| {
                        statement::parse(&block[s.start..s.end], first + i as u64, &hasher)
                    })
                    .collect::<Vec<Outcome>>()
            },
        );
        current = next?;
        parsed = Some(Pending {
            block,
            spans,
            outcomes,
        });
    }
    if let Some(mut done) = parsed.take() {
        add(&mut store, &splitter, &mut done, &mut failed)?;
    }
    if let Some(e) = failed {
        return Err(e);
    }
    let records = store.finish()?;
    interrupt.check()?;
    build::build(records, &hasher, options, interrupt)
}

/// A block and what its statements gave, waiting for the record store.
struct Pending {
    block: Vec<u8>,
    spans: Vec<split::Span>,
    outcomes: Vec<Outcome>,
}

/// The block's statements into the store, in input order. A syntax error is the answer at
/// once; the first statement error is kept in `failed`, and after it only syntax is checked.
fn add<R: Read>(
    store: &mut records::Store,
    splitter: &split::Splitter<R>,
    done: &mut Pending,
    failed: &mut Option<crate::error::Error>,
) -> Result<()> {
    for (outcome, span) in done.outcomes.drain(..).zip(&done.spans) {
        match outcome {
            Outcome::Statement(p) => {
                if failed.is_none() {
                    if let Err(e) = store.add(p) {
                        *failed = Some(e);
                    }
                }
            }
            Outcome::Invalid(message, statement_ids) => {
                if failed.is_none() {
                    *failed = Some(records::invalid(message, statement_ids));
                }
            }
            Outcome::Syntax(e) => {
                let text = &done.block[span.start..span.end];
                return Err(splitter.syntax_error(&e, span, text));
            }
            Outcome::Encoding(at) => {
                let text = &done.block[span.start..span.start + at];
                return Err(splitter.encoding_error(text, span));
            }
        }
    }
    Ok(())
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
