//! The record store: statements stream in, and for each record only the statement that
//! holds is kept (the latest by statementDate, then input order; on or before `as_of` when
//! given), packed into an arena. Duplicate statementIds are found from 128-bit fingerprints,
//! so the ids of superseded statements are not kept, and superseded bodies are dropped when
//! they pass a quarter of the kept ones.

use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use hashbrown::{HashSet, HashTable};
use rayon::slice::ParallelSliceMut;

use super::arena::{Arena, At};
use super::json::Val;
use super::pack::{Packer, Text, Unpacker};
use super::statement::{Parsed, RecordType};
use crate::error::{Error, Result};

/// The statement of a record that is kept: its statementId (packed, 17 bytes for a UUID)
/// then its body, in the arena of versions. The arena is in input order, so `at` orders
/// versions as the input does.
#[derive(Clone, Copy, Default)]
pub struct Version {
    pub date: u32,
    pub(super) at: At,
    len: u32,
}

impl Version {
    fn len(&self) -> usize {
        self.len as usize
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kept {
    /// A relationship with only statements after `as_of`.
    Nothing,
    /// The latest statement on or before `as_of` (any date without `as_of`).
    Held,
    /// An entity or person with only later statements keeps its first (docs/bods.md).
    First,
}

/// A record and the statement that holds for it (40 bytes: the store has one per record).
pub struct Record {
    /// The recordId, in the arena of ids.
    rid: At,
    pub hash: u64,
    pub version: Version,
    rid_len: u32,
    pub record_type: RecordType,
    kept: Kept,
}

/// A record as the build looks it up (16 bytes: the versions are kept apart, and freed a
/// wave at a time as the tables are built).
#[derive(Clone, Copy)]
pub struct Key {
    rid: At,
    rid_len: u32,
    pub record_type: RecordType,
}

impl Key {
    pub fn record_id<'a>(&self, ids: &'a Arena) -> &'a str {
        ids.str(self.rid, self.rid_len as usize)
    }

    /// The recordId's bytes, for comparisons (no UTF-8 check).
    pub fn record_id_bytes<'a>(&self, ids: &'a Arena) -> &'a [u8] {
        ids.get(self.rid, self.rid_len as usize)
    }
}

impl Record {
    pub fn key(&self) -> Key {
        Key {
            rid: self.rid,
            rid_len: self.rid_len,
            record_type: self.record_type,
        }
    }

    /// The recordId's bytes, for comparisons (no UTF-8 check).
    pub fn record_id_bytes<'a>(&self, ids: &'a Arena) -> &'a [u8] {
        ids.get(self.rid, self.rid_len as usize)
    }
}

/// The records that hold, in the order of their statements in the input, and their texts.
pub struct Records {
    pub list: Vec<Record>,
    /// The recordIds, kept to the end of the build (references are looked up by them).
    pub ids: Arena,
    /// The versions, in the order of `list`: freed as the build goes.
    pub versions: Arena,
}

/// A version's statementId and body.
pub fn version_texts<'a>(versions: &'a Arena, v: &Version) -> (Text<'a>, &'a [u8]) {
    // The two were pushed together: the body follows the id in the same chunk.
    let mut u = Unpacker::new(versions.get(v.at, v.len()));
    let sid = u.id();
    (sid, u.rest())
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

/// Superseded bytes are dropped once they are more than this and a quarter of the kept
/// ones: each compaction copies the kept bytes, so its cost is at most four times the bytes
/// dropped, and a history costs at most a quarter more than its latest statements.
const GARBAGE_FLOOR: usize = 64 << 20;

/// The index's hash of a record: its 32 low bits (kept in the index, so that growing it
/// reads no record), spread over 64 for hashbrown's buckets and tags.
fn spread(low: u32) -> u64 {
    (low as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

pub struct Store {
    /// The records, dense; the index holds their positions and hashes' low bits (9 bytes a
    /// bucket rather than a record's 48, so its growth and empty buckets cost little).
    records: Vec<Record>,
    index: HashTable<(u32, u32)>,
    statements: HashSet<u128, BuildHasherDefault<Fingerprint>>,
    ids: Arena,
    versions: Arena,
    /// Bytes of `versions` no longer held by any record.
    garbage: usize,
    /// [`GARBAGE_FLOOR`], smaller in tests.
    garbage_floor: usize,
    /// A statementId packed, reused.
    sid: Vec<u8>,
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

fn len32(n: usize) -> u32 {
    u32::try_from(n).expect("a statement's texts are under 4 GiB (a block is)")
}

impl Store {
    pub fn new(as_of: Option<u32>) -> Self {
        Store {
            records: Vec::new(),
            index: HashTable::new(),
            statements: HashSet::default(),
            ids: Arena::default(),
            versions: Arena::default(),
            garbage: 0,
            garbage_floor: GARBAGE_FLOOR,
            sid: Vec::new(),
            as_of,
            mixed: None,
        }
    }

    /// Adds a statement whose texts are in `texts`.
    pub fn add(&mut self, mut p: Parsed, texts: &[u8]) -> Result<()> {
        let sid = p.statement_id(texts);
        if !self.statements.insert(p.sid_hash) {
            return Err(invalid(
                format!("statementId {sid} appears twice; each statement needs its own"),
                vec![sid.into()],
            ));
        }
        if let Some(message) = p.invalid.take() {
            return Err(invalid(message, vec![sid.into()]));
        }
        let record_id = p.record_id(texts);
        let low = p.rid_hash as u32;
        let (records, ids) = (&mut self.records, &mut self.ids);
        let found = self.index.find(spread(low), |&(i, l)| {
            let r = &records[i as usize];
            l == low && r.record_id_bytes(ids) == record_id.as_bytes()
        });
        let i = match found {
            Some(&(i, _)) => {
                let r = &records[i as usize];
                if r.record_type != p.record_type {
                    if self.mixed.is_none() {
                        self.mixed = Some(mixed_types(r, &self.versions, &p, texts));
                    }
                    return Ok(());
                }
                i as usize
            }
            None => {
                let i = records.len();
                let position = u32::try_from(i).map_err(|_| {
                    invalid(
                        format!(
                            "statement {sid}: more than {} records; split the input",
                            u32::MAX
                        ),
                        vec![sid.into()],
                    )
                })?;
                records.push(Record {
                    rid: ids.push(record_id.as_bytes(), b""),
                    hash: p.rid_hash,
                    version: Version::default(),
                    rid_len: len32(record_id.len()),
                    record_type: p.record_type,
                    kept: Kept::Nothing,
                });
                self.index
                    .insert_unique(spread(low), (position, low), |&(_, l)| spread(l));
                i
            }
        };
        let r = &mut records[i];
        let known = self.as_of.is_none_or(|d| p.date <= d);
        // Statements arrive in input order, so a date on or after the held one is later.
        let replace = if known {
            r.kept != Kept::Held || p.date >= r.version.date
        } else {
            r.record_type != RecordType::Relationship
                && r.kept != Kept::Held
                && (r.kept == Kept::Nothing || p.date < r.version.date)
        };
        if replace {
            if r.kept != Kept::Nothing {
                self.garbage += r.version.len();
            }
            let body = p.body(texts);
            let mut packed = Packer::reuse(std::mem::take(&mut self.sid));
            packed.id(sid);
            r.version = Version {
                date: p.date,
                at: self.versions.push(packed.bytes(), body),
                len: len32(packed.bytes().len() + body.len()),
            };
            self.sid = packed.into_inner();
            r.kept = if known { Kept::Held } else { Kept::First };
        }
        let kept = self.versions.held() - self.garbage;
        if self.garbage > self.garbage_floor && self.garbage > kept / 4 {
            self.compact();
        }
        Ok(())
    }

    /// Copies the kept versions into a new arena, in input order (the order the build reads
    /// them in), freeing the old one a chunk at a time as it goes.
    fn compact(&mut self) {
        let mut kept: Vec<&mut Version> = self
            .records
            .iter_mut()
            .filter(|r| r.kept != Kept::Nothing)
            .map(|r| &mut r.version)
            .collect();
        kept.sort_unstable_by_key(|v| v.at);
        let mut fresh = Arena::default();
        for v in kept {
            let at = fresh.push(self.versions.get(v.at, v.len()), b"");
            self.versions.free_before(v.at);
            v.at = at;
        }
        self.versions = fresh;
        self.garbage = 0;
    }

    /// The records that hold, in the order of their statements in the input.
    pub fn finish(self) -> Result<Records> {
        if let Some(e) = self.mixed {
            return Err(e);
        }
        drop(self.index);
        drop(self.statements);
        let mut list = self.records;
        list.retain(|r| r.kept != Kept::Nothing);
        list.par_sort_unstable_by_key(|r| r.version.at);
        Ok(Records {
            list,
            ids: self.ids,
            versions: self.versions,
        })
    }
}

fn mixed_types(r: &Record, versions: &Arena, p: &Parsed, texts: &[u8]) -> Error {
    let mut types = [r.record_type.name(), p.record_type.name()];
    types.sort_unstable();
    let mut ids: Vec<String> = Vec::new();
    if r.kept != Kept::Nothing {
        ids.push(version_texts(versions, &r.version).0.to_string());
    }
    ids.push(p.statement_id(texts).to_string());
    invalid(
        format!(
            "recordId {} is used by statements of different recordTypes ({}): statements {}",
            Val::Str(p.record_id(texts).into()).repr(),
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

#[cfg(test)]
mod tests {
    use super::super::statement::{parse, Outcome};
    use super::*;

    fn entity(sid: usize, rid: usize, date: &str, name: &str) -> String {
        format!(
            r#"{{"statementId":"{sid:032}","statementDate":"{date}","recordId":"r{rid}","recordType":"entity","recordDetails":{{"isComponent":false,"entityType":{{"type":"registeredEntity"}},"name":"{name}"}}}}"#
        )
    }

    /// The store holds one of these per record: 20M-statement registers have 16M records;
    /// the build keeps a key and a version of each.
    #[test]
    fn a_record_is_40_bytes() {
        assert_eq!(std::mem::size_of::<Record>(), 40);
        assert_eq!(std::mem::size_of::<Key>(), 16);
        assert_eq!(std::mem::size_of::<Version>(), 16);
    }

    /// Many updates of a few records, the superseded versions dropped after every few
    /// statements: the kept versions are the latest, whole, in input order.
    #[test]
    fn compaction_keeps_the_latest_versions_in_order() {
        let hasher = record_hasher();
        let mut store = Store::new(None);
        store.garbage_floor = 0;
        let mut latest = vec![String::new(); 5];
        for sid in 0..200 {
            let rid = (sid * 7) % 5;
            let name = format!("name {sid} {}", "x".repeat(sid % 13));
            let text = entity(sid, rid, "2020-01-01", &name);
            let mut texts = Vec::new();
            let Outcome::Statement(p) = parse(text.as_bytes(), sid as u64, &hasher, &mut texts)
            else {
                panic!("statement {sid} did not parse");
            };
            store.add(p, &texts).unwrap();
            latest[rid] = format!("{sid:032}");
            assert!(store.garbage <= (store.versions.held() - store.garbage) / 4);
        }
        let records = store.finish().unwrap();
        let got: Vec<(String, String)> = records
            .list
            .iter()
            .map(|r| {
                let (sid, body) = version_texts(&records.versions, &r.version);
                assert!(String::from_utf8_lossy(body)
                    .contains(&format!("name {}", sid.trim_start_matches('0'))));
                (r.key().record_id(&records.ids).to_owned(), sid.to_string())
            })
            .collect();
        let mut want: Vec<(String, String)> = (0..5)
            .map(|r| (format!("r{r}"), latest[r].clone()))
            .collect();
        want.sort_by(|a, b| a.1.cmp(&b.1));
        assert_eq!(got, want);
    }

    /// With `as_of`, a record known only after it keeps its earliest statement (`First`)
    /// until one on or before `as_of` comes (`Held`); compacting after every statement keeps
    /// exactly those, whatever their mix.
    #[test]
    fn compaction_keeps_held_and_first_versions_under_as_of() {
        let hasher = record_hasher();
        let mut store = Store::new(Some(20200101));
        store.garbage_floor = 0;
        // (record, date): r0 only after as_of, its earliest (sid 2) kept; r1 after, then
        // before as_of (sid 4 held, later ones after as_of ignored); r2 before, twice.
        let statements = [
            (0, "2021-05-01"),
            (1, "2022-01-01"),
            (0, "2020-06-01"),
            (0, "2023-01-01"),
            (1, "2019-01-01"),
            (1, "2024-01-01"),
            (2, "2018-01-01"),
            (2, "2019-06-01"),
            (0, "2020-03-01"),
        ];
        for (sid, (rid, date)) in statements.iter().enumerate() {
            let name = format!("name {sid}");
            let text = entity(sid, *rid, date, &name);
            let mut texts = Vec::new();
            let Outcome::Statement(p) = parse(text.as_bytes(), sid as u64, &hasher, &mut texts)
            else {
                panic!("statement {sid} did not parse");
            };
            store.add(p, &texts).unwrap();
        }
        let records = store.finish().unwrap();
        let got: Vec<(String, String, bool)> = records
            .list
            .iter()
            .map(|r| {
                let (sid, body) = version_texts(&records.versions, &r.version);
                let sid = sid.trim_start_matches('0').to_owned();
                let whole = String::from_utf8_lossy(body).contains(&format!("name {sid}"));
                (r.key().record_id(&records.ids).to_owned(), sid, whole)
            })
            .collect();
        let want = [("r1", "4"), ("r2", "7"), ("r0", "8")];
        let want: Vec<(String, String, bool)> = want
            .iter()
            .map(|(r, s)| (r.to_string(), s.to_string(), true))
            .collect();
        assert_eq!(got, want);
    }
}
