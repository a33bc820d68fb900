//! Beneficial Ownership Data Standard v0.4 statements -> node, interest and edge tables.
//!
//! A streaming reader: the input is read a block at a time ([`split`]), the statements of a
//! block are parsed in parallel straight from the bytes into the fields the reader needs
//! ([`statement`]), the record store keeps only the statement that holds for each record
//! ([`records`]), and the tables are built from those ([`build`]) as Arrow columns. Memory
//! is the kept records (packed) plus the tables plus a block, never a tree of the input.
//! The conventions are docs/bods.md's; the Python reference reader in the test suite gives
//! the same tables.

mod arena;
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
    /// The most bytes of texts in a chunk of a table ([`columns::MAX_TEXT`]; smaller in
    /// tests, to see chunks without 2 GiB of input).
    pub chunk_text: usize,
}

/// The reader's tables, columns in the order of the Python schemas; each table in chunks
/// of rows (one unless its texts pass 2 GiB, what i32 offsets hold).
#[derive(Debug)]
pub struct Tables {
    pub nodes: Vec<Table>,
    pub interests: Vec<Table>,
    pub edges: Vec<Table>,
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
    let runs = build::Runs {
        text: options.chunk_text,
        ..build::Runs::default()
    };
    let tables = read_blocks(input, name, options, interrupt, runs);
    // The record store and the parsed blocks are freed by now, failed or not.
    crate::memory::release_freed();
    tables
}

fn read_blocks(
    input: impl Read + Send,
    name: &str,
    options: &Options,
    interrupt: Interrupt<'_>,
    runs: build::Runs,
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
                    .par_chunks(PARSE_RUN)
                    .enumerate()
                    .map(|(c, run)| {
                        let mut texts = Vec::new();
                        let first = first + (c * PARSE_RUN) as u64;
                        let outcomes = run
                            .iter()
                            .enumerate()
                            .map(|(i, s)| {
                                let text = &block[s.start..s.end];
                                statement::parse(text, first + i as u64, &hasher, &mut texts)
                            })
                            .collect();
                        ParsedRun { texts, outcomes }
                    })
                    .collect::<Vec<ParsedRun>>()
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
    build::build(records, &hasher, options, interrupt, runs)
}

/// Statements parsed together, their texts in one buffer.
const PARSE_RUN: usize = 256;

struct ParsedRun {
    texts: Vec<u8>,
    outcomes: Vec<Outcome>,
}

/// A block and what its statements gave, waiting for the record store.
struct Pending {
    block: Vec<u8>,
    spans: Vec<split::Span>,
    outcomes: Vec<ParsedRun>,
}

/// The block's statements into the store, in input order. A syntax error is the answer at
/// once; the first statement error is kept in `failed`, and after it only syntax is checked.
fn add<R: Read>(
    store: &mut records::Store,
    splitter: &split::Splitter<R>,
    done: &mut Pending,
    failed: &mut Option<crate::error::Error>,
) -> Result<()> {
    let mut spans = done.spans.iter();
    for ParsedRun { texts, outcomes } in done.outcomes.drain(..) {
        for outcome in outcomes {
            let span = spans.next().expect("an outcome a span");
            match outcome {
                Outcome::Statement(p) => {
                    if failed.is_none() {
                        if let Err(e) = store.add(p, &texts) {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Entities, persons and relationships with updates: built in many small waves (each
    /// freeing the versions it read) the tables are those of one wave.
    #[test]
    fn waves_give_the_tables_of_one() {
        let mut text = String::new();
        let mut sid = 0;
        let mut statement = |rid: String, rtype: &str, details: String| {
            sid += 1;
            text.push_str(&format!(
                r#"{{"statementId":"{sid:032}","statementDate":"2020-01-{:02}","recordId":"{rid}","recordType":"{rtype}","recordDetails":{details}}}"#,
                1 + sid % 28
            ));
            text.push('\n');
        };
        for c in 0..300 {
            for version in 0..1 + c % 3 {
                statement(
                    format!("c{c}"),
                    "entity",
                    format!(
                        r#"{{"isComponent":false,"entityType":{{"type":"registeredEntity"}},"name":"Co {c} v{version}"}}"#
                    ),
                );
            }
            statement(
                format!("p{c}"),
                "person",
                format!(
                    r#"{{"isComponent":false,"personType":"knownPerson","names":[{{"fullName":"P {c}"}}]}}"#
                ),
            );
            let holder = if c % 4 == 0 {
                format!("c{}", c / 2)
            } else {
                format!("p{c}")
            };
            statement(
                format!("r{c}"),
                "relationship",
                format!(
                    r#"{{"isComponent":false,"subject":"c{c}","interestedParty":"{holder}","interests":[{{"type":"shareholding","directOrIndirect":"direct","share":{{"exact":{}}}}}]}}"#,
                    10 + c % 80
                ),
            );
        }
        let options = Options {
            share_range: ShareChoice::Range,
            interest: "shareholding".into(),
            as_of: None,
            interests: true,
            chunk_text: columns::MAX_TEXT,
        };
        let read = |runs| {
            let tables = read_blocks(text.as_bytes(), "t", &options, Interrupt::never(), runs)
                .expect("reads");
            let (nodes, edges) = (rows(&tables.nodes), rows(&tables.edges));
            assert_eq!(
                (nodes.len(), edges.len()),
                (600, 300),
                "every party, every edge"
            );
            (tables.nodes.len(), nodes, rows(&tables.interests), edges)
        };
        let one = read(build::Runs::default());
        assert_eq!(one.0, 1, "one chunk");
        for (run, wave) in [(7, 7), (5, 40), (64, 64)] {
            let runs = build::Runs {
                run,
                wave,
                text: columns::MAX_TEXT,
            };
            assert_eq!(read(runs), one, "runs of {run}, waves of {wave}");
        }
        // Chunks of at most 2,000 bytes of texts (as past 2 GiB): the same rows, in order.
        let runs = build::Runs {
            run: 16,
            wave: 64,
            text: 2000,
        };
        let (chunks, nodes, interests, edges) = read(runs);
        assert!(chunks > 10, "{chunks} chunks");
        assert_eq!((nodes, interests, edges), (one.1, one.2, one.3));
    }

    /// A chunked table's rows, each the text of its values, across its chunks.
    fn rows(chunks: &[Table]) -> Vec<String> {
        use columns::{Column, Strings, Validity};
        fn valid(v: &Validity, i: usize) -> bool {
            v.nulls == 0 || v.bits[i / 8] >> (i % 8) & 1 == 1
        }
        fn text(s: &Strings, i: usize) -> String {
            let (a, b) = (s.offsets[i] as usize, s.offsets[i + 1] as usize);
            match valid(&s.validity, i) {
                true => String::from_utf8_lossy(&s.data[a..b]).into_owned(),
                false => "null".into(),
            }
        }
        let mut out = Vec::new();
        for table in chunks {
            let n = match &table[0].1 {
                Column::Str(s) => s.offsets.len() - 1,
                _ => unreachable!("the first column is a string"),
            };
            for i in 0..n {
                let row: Vec<String> = table
                    .iter()
                    .map(|(_, c)| match c {
                        Column::Str(s) => text(s, i),
                        Column::Float(f) if valid(&f.validity, i) => f.values[i].to_string(),
                        Column::Bool(b) if valid(&b.validity, i) => valid(&b.values, i).to_string(),
                        Column::Float(_) | Column::Bool(_) => "null".into(),
                        Column::Identifiers(l) => {
                            let items = l.offsets[i] as usize..l.offsets[i + 1] as usize;
                            let items: Vec<String> = items
                                .map(|j| l.fields.iter().map(|f| text(f, j)).collect())
                                .collect();
                            items.join(";")
                        }
                    })
                    .collect();
                out.push(row.join("|"));
            }
        }
        out
    }
}
