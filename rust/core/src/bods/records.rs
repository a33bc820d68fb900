//! The record store: statements stream in, and for each record only the statement that
//! holds is kept (the latest by statementDate, then input order; on or before `as_of` when
//! given), packed. Duplicate statementIds are found from 128-bit fingerprints, so the ids
//! of superseded statements are not kept.

use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use hashbrown::{HashSet, HashTable};

use super::json::Val;
use super::statement::{Parsed, RecordType};
use crate::error::{Error, Result};

/// The statement of a record that is kept.
pub struct Version {
    pub date: u32,
    pub position: u64,
    pub statement_id: Box<str>,
    pub body: Box<[u8]>,
}

struct Slot {
    record_id: Box<str>,
    hash: u64,
    record_type: RecordType,
    /// The latest statement on or before `as_of` (any date without `as_of`).
    held: Option<Version>,
    /// An entity or person with only later statements keeps its first (docs/bods.md).
    first: Option<Box<Version>>,
}

/// A record and the statement that holds for it.
pub struct Record {
    pub record_id: Box<str>,
    pub hash: u64,
    pub record_type: RecordType,
    pub version: Version,
}

/// Fingerprints are already uniform: hash them by their low bits.
#[derive(Default)]
struct Fingerprint(u64);

impl Hasher for Fingerprint {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("only u128 fingerprints are hashed")
    }
    fn write_u128(&mut self, v: u128) {
        self.0 = v as u64;
    }
}

pub struct Store {
    records: HashTable<Slot>,
    statements: HashSet<u128, BuildHasherDefault<Fingerprint>>,
    as_of: Option<u32>,
    /// A recordId used by two record types: told once every statement is checked (the
    /// reference's order), so the reading goes on.
    mixed: Option<Error>,
}

pub fn invalid(message: String, statement_ids: Vec<String>) -> Error {
    Error::InvalidBods {
        message,
        statement_ids,
    }
}

impl Store {
    pub fn new(as_of: Option<u32>) -> Self {
        Store {
            records: HashTable::new(),
            statements: HashSet::default(),
            as_of,
            mixed: None,
        }
    }

    pub fn add(&mut self, mut p: Parsed) -> Result<()> {
        if !self.statements.insert(p.sid_hash) {
            return Err(invalid(
                format!(
                    "statementId {} appears twice; each statement needs its own",
                    p.statement_id
                ),
                vec![p.statement_id.into()],
            ));
        }
        if let Some(message) = p.invalid {
            return Err(invalid(message, vec![p.statement_id.into()]));
        }
        let known = self.as_of.is_none_or(|d| p.date <= d);
        let slot = match self
            .records
            .find_mut(p.rid_hash, |s| *s.record_id == *p.record_id)
        {
            Some(slot) => {
                if slot.record_type != p.record_type {
                    if self.mixed.is_none() {
                        self.mixed = Some(mixed_types(slot, &p));
                    }
                    return Ok(());
                }
                slot
            }
            None => self
                .records
                .insert_unique(
                    p.rid_hash,
                    Slot {
                        record_id: std::mem::take(&mut p.record_id),
                        hash: p.rid_hash,
                        record_type: p.record_type,
                        held: None,
                        first: None,
                    },
                    |s| s.hash,
                )
                .into_mut(),
        };
        let version = Version {
            date: p.date,
            position: p.position,
            statement_id: p.statement_id,
            body: p.body,
        };
        // Statements arrive in input order, so a date on or after the held one is later.
        if known {
            if slot.held.as_ref().is_none_or(|h| version.date >= h.date) {
                slot.held = Some(version);
                slot.first = None;
            }
        } else if slot.record_type != RecordType::Relationship
            && slot.held.is_none()
            && slot.first.as_ref().is_none_or(|f| version.date < f.date)
        {
            slot.first = Some(Box::new(version));
        }
        Ok(())
    }

    /// The records that hold, in the order of their statements in the input.
    pub fn finish(self) -> Result<Vec<Record>> {
        if let Some(e) = self.mixed {
            return Err(e);
        }
        let mut out: Vec<Record> = self
            .records
            .into_iter()
            .filter_map(|s| {
                let version = s.held.or(s.first.map(|b| *b))?;
                Some(Record {
                    record_id: s.record_id,
                    hash: s.hash,
                    record_type: s.record_type,
                    version,
                })
            })
            .collect();
        out.sort_unstable_by_key(|r| r.version.position);
        Ok(out)
    }
}

fn mixed_types(slot: &Slot, p: &Parsed) -> Error {
    let mut types = [slot.record_type.name(), p.record_type.name()];
    types.sort_unstable();
    let mut ids: Vec<String> = [slot.held.as_ref(), slot.first.as_deref()]
        .into_iter()
        .flatten()
        .map(|v| v.statement_id.to_string())
        .collect();
    ids.push(p.statement_id.to_string());
    invalid(
        format!(
            "recordId {} is used by statements of different recordTypes ({}): statements {}",
            Val::Str(p.record_id.as_ref().into()).repr(),
            types.join(", "),
            ids.join(", ")
        ),
        ids,
    )
}

/// The hasher of record ids, shared by the parser (which hashes in parallel) and the store.
pub fn record_hasher() -> impl BuildHasher + Sync {
    hashbrown::DefaultHashBuilder::default()
}
