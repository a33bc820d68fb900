//! One statement's JSON text -> what the reader keeps of it: the header the record store
//! needs (ids, type, date) and the record's fields packed for the build.
//!
//! The checks are those of the reference reader, in its order, with its messages (see
//! docs/bods.md). Checks that depend on the other statements (duplicates, references) or
//! that only count for the statement that holds (its shares, its dates) are left to the
//! record store and the build: a superseded statement is never an error.
//!
//! A field of the wrong type (a string where an object belongs, a number where text does)
//! is an error naming the statement and the field, never a value quietly read as nothing.

use std::borrow::Cow;
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};

use serde::Deserialize;

use super::json::{List, Obj, Val};
use super::pack::Packer;
use super::text::format_g;

pub const V04_DOCS: &str = "https://standard.openownership.org/en/0.4.0/";
const UNKNOWN_ENTITY_TYPES: [&str; 2] = ["anonymousEntity", "unknownEntity"];
const UNKNOWN_PERSON_TYPES: [&str; 2] = ["anonymousPerson", "unknownPerson"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordType {
    Entity,
    Person,
    Relationship,
}

impl RecordType {
    pub fn name(self) -> &'static str {
        match self {
            RecordType::Entity => "entity",
            RecordType::Person => "person",
            RecordType::Relationship => "relationship",
        }
    }
}

// --- the shape of a statement ------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct Statement<'a> {
    #[serde(rename = "statementId", borrow)]
    statement_id: Val<'a>,
    #[serde(rename = "statementID", borrow)]
    statement_id_v03: Val<'a>,
    #[serde(rename = "statementType", borrow)]
    statement_type: Val<'a>,
    #[serde(rename = "publicationDetails", borrow)]
    publication: Obj<'a, Publication<'a>>,
    #[serde(rename = "recordId", borrow)]
    record_id: Val<'a>,
    #[serde(rename = "recordType", borrow)]
    record_type: Val<'a>,
    #[serde(rename = "recordDetails", borrow)]
    details: Obj<'a, Box<Details<'a>>>,
    #[serde(rename = "statementDate", borrow)]
    statement_date: Val<'a>,
    #[serde(rename = "recordStatus", borrow)]
    record_status: Val<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Publication<'a> {
    #[serde(rename = "bodsVersion", borrow)]
    bods_version: Val<'a>,
}

/// The fields of entity, person and relationship details, side by side.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Details<'a> {
    #[serde(borrow)]
    name: Val<'a>,
    #[serde(rename = "entityType", borrow)]
    entity_type: Obj<'a, EntityType<'a>>,
    #[serde(rename = "unspecifiedEntityDetails", borrow)]
    unspecified_entity: Obj<'a, Unspecified<'a>>,
    #[serde(borrow)]
    jurisdiction: Obj<'a, Place<'a>>,
    #[serde(borrow)]
    identifiers: List<'a, Identifier<'a>>,
    #[serde(rename = "personType", borrow)]
    person_type: Val<'a>,
    #[serde(rename = "unspecifiedPersonDetails", borrow)]
    unspecified_person: Obj<'a, Unspecified<'a>>,
    #[serde(borrow)]
    names: List<'a, Name<'a>>,
    #[serde(borrow)]
    nationalities: List<'a, Place<'a>>,
    #[serde(borrow)]
    subject: Obj<'a, Unspecified<'a>>,
    #[serde(rename = "interestedParty", borrow)]
    interested_party: Obj<'a, Unspecified<'a>>,
    #[serde(borrow)]
    interests: List<'a, Interest<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EntityType<'a> {
    #[serde(rename = "type", borrow)]
    kind: Val<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Unspecified<'a> {
    #[serde(borrow)]
    reason: Val<'a>,
    #[serde(borrow)]
    description: Val<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Place<'a> {
    #[serde(borrow)]
    code: Val<'a>,
    #[serde(borrow)]
    name: Val<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Identifier<'a> {
    #[serde(borrow)]
    scheme: Val<'a>,
    #[serde(rename = "schemeName", borrow)]
    scheme_name: Val<'a>,
    #[serde(borrow)]
    id: Val<'a>,
    #[serde(borrow)]
    uri: Val<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Name<'a> {
    #[serde(rename = "type", borrow)]
    kind: Val<'a>,
    #[serde(rename = "fullName", borrow)]
    full_name: Val<'a>,
    #[serde(rename = "givenName", borrow)]
    given_name: Val<'a>,
    #[serde(rename = "familyName", borrow)]
    family_name: Val<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Interest<'a> {
    #[serde(rename = "type", borrow)]
    kind: Val<'a>,
    #[serde(rename = "directOrIndirect", borrow)]
    direct_or_indirect: Val<'a>,
    #[serde(borrow)]
    share: Obj<'a, Share<'a>>,
    #[serde(rename = "beneficialOwnershipOrControl", borrow)]
    beneficial: Val<'a>,
    #[serde(rename = "startDate", borrow)]
    start_date: Val<'a>,
    #[serde(rename = "endDate", borrow)]
    end_date: Val<'a>,
    #[serde(borrow)]
    details: Val<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Share<'a> {
    #[serde(borrow)]
    exact: Val<'a>,
    #[serde(borrow)]
    minimum: Val<'a>,
    #[serde(rename = "exclusiveMinimum", borrow)]
    exclusive_minimum: Val<'a>,
    #[serde(borrow)]
    maximum: Val<'a>,
    #[serde(rename = "exclusiveMaximum", borrow)]
    exclusive_maximum: Val<'a>,
}

// --- what is kept --------------------------------------------------------------------------

/// A statement as the record store sees it. Its texts are in the buffer of the run of
/// statements it was parsed with (one allocation a run, not three a statement): the
/// statementId, the recordId and the body, one after the other from `at`.
pub struct Parsed {
    pub sid_hash: u128,
    /// A check failed that comes after the duplicate-statementId check (the reference's
    /// order); the rest of the header is then empty.
    pub invalid: Option<String>,
    pub rid_hash: u64,
    pub record_type: RecordType,
    /// statementDate as YYYYMMDD.
    pub date: u32,
    at: usize,
    sid_len: usize,
    rid_len: usize,
    body_len: usize,
}

impl Parsed {
    pub fn statement_id<'b>(&self, texts: &'b [u8]) -> &'b str {
        str_at(texts, self.at, self.sid_len)
    }

    pub fn record_id<'b>(&self, texts: &'b [u8]) -> &'b str {
        str_at(texts, self.at + self.sid_len, self.rid_len)
    }

    /// The record's fields for the build (see [`super::build`] for the layout).
    pub fn body<'b>(&self, texts: &'b [u8]) -> &'b [u8] {
        let start = self.at + self.sid_len + self.rid_len;
        &texts[start..start + self.body_len]
    }
}

fn str_at(texts: &[u8], at: usize, len: usize) -> &str {
    std::str::from_utf8(&texts[at..at + len]).expect("ids are copied from str")
}

/// What one statement's text gave.
pub enum Outcome {
    Statement(Parsed),
    /// A check before the duplicate check failed: (message, statement ids).
    Invalid(String, Vec<String>),
    Syntax(serde_json::Error),
    /// The text is not UTF-8 from this byte of the statement on.
    Encoding(usize),
}

/// A YYYY-MM-DD date (date-times keep their date) as YYYYMMDD.
pub fn parse_date(text: &str) -> Option<u32> {
    let b = text.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let mut v = 0u32;
    for (i, &c) in b[..10].iter().enumerate() {
        if i == 4 || i == 7 {
            continue;
        }
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    Some(v)
}

/// YYYYMMDD as "YYYY-MM-DD", without an allocation (one per node otherwise).
pub fn date_chars(d: u32) -> [u8; 10] {
    let mut out = *b"0000-00-00";
    let digits = [
        d / 10_000_000,
        d / 1_000_000,
        d / 100_000,
        d / 10_000,
        d / 1000,
        d / 100,
        d / 10,
        d,
    ];
    for (slot, v) in [0, 1, 2, 3, 5, 6, 8, 9].into_iter().zip(digits) {
        out[slot] = b'0' + (v % 10) as u8;
    }
    out
}

fn date_error(what: &str, value: &Val) -> String {
    format!("{what} {} is not a YYYY-MM-DD date", value.repr())
}

/// "statement ID" (or "statement #N" without an id) in messages: formatted only for one.
struct Where<'a> {
    sid: Option<&'a str>,
    position: u64,
}

impl fmt::Display for Where<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.sid {
            Some(s) => write!(f, "statement {s}"),
            None => write!(f, "statement #{}", self.position),
        }
    }
}

/// A field's name in messages, `head[index].key`: formatted only when the field is wrong.
#[derive(Clone, Copy)]
struct Field<'a> {
    head: &'a str,
    index: Option<usize>,
    key: &'a str,
}

impl<'a> Field<'a> {
    const fn at(head: &'a str) -> Self {
        Field {
            head,
            index: None,
            key: "",
        }
    }

    const fn item(head: &'a str, index: usize, key: &'a str) -> Self {
        Field {
            head,
            index: Some(index),
            key,
        }
    }

    const fn key(head: &'a str, key: &'a str) -> Self {
        Field {
            head,
            index: None,
            key,
        }
    }
}

impl fmt::Display for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.head)?;
        if let Some(i) = self.index {
            write!(f, "[{i}]")?;
        }
        if !self.key.is_empty() {
            write!(f, ".{}", self.key)?;
        }
        Ok(())
    }
}

/// The 128-bit fingerprint of a statementId: the duplicate check keeps these, not the ids.
fn fingerprint(sid: &str) -> u128 {
    let mut a = std::hash::DefaultHasher::new();
    sid.hash(&mut a);
    let mut b = std::hash::DefaultHasher::new();
    0x5eed_u32.hash(&mut b);
    sid.hash(&mut b);
    ((a.finish() as u128) << 64) | b.finish() as u128
}

/// Parses one statement; its texts are appended to `texts`.
pub fn parse(
    text: &[u8],
    position: u64,
    hasher: &impl BuildHasher,
    texts: &mut Vec<u8>,
) -> Outcome {
    // One check of the whole statement, rather than serde_json's of each string.
    let text = match simdutf8::compat::from_utf8(text) {
        Ok(t) => t,
        Err(e) => return Outcome::Encoding(e.valid_up_to()),
    };
    let statement: Obj<Statement> = match serde_json::from_str(text) {
        Ok(s) => s,
        Err(e) if e.to_string().starts_with("duplicate field") => {
            // A key twice in an object: JSON allows it and Python keeps the last value, as
            // a JSON value does; rare, so read once more from that value.
            return match serde_json::from_str::<serde_json::Value>(text) {
                Ok(value) => parse(value.to_string().as_bytes(), position, hasher, texts),
                Err(e) => Outcome::Syntax(e),
            };
        }
        Err(e) => return Outcome::Syntax(e),
    };
    let wrong = match statement {
        Obj::Ok(st) => return header(&st, position, hasher, texts),
        Obj::Null | Obj::Missing => Val::Null,
        Obj::Wrong(v) => v,
    };
    Outcome::Invalid(
        format!(
            "statement #{position} is a {}, not an object",
            wrong.type_name()
        ),
        vec![],
    )
}

fn header(
    st: &Statement,
    position: u64,
    hasher: &impl BuildHasher,
    texts: &mut Vec<u8>,
) -> Outcome {
    // The reference: st.get("statementId", st.get("statementID")).
    let sid_val = if matches!(st.statement_id, Val::Missing) {
        &st.statement_id_v03
    } else {
        &st.statement_id
    };
    let sid = sid_val.str();
    let place = Where { sid, position };
    let ids = || sid.map(|s| vec![s.to_owned()]).unwrap_or_default();
    let version = match &st.publication {
        Obj::Ok(p) if !matches!(p.bods_version, Val::Missing) => p.bods_version.python_text(),
        _ => Cow::Borrowed(""),
    };
    let old_version = matches!(version.as_ref(), "0.1" | "0.2" | "0.3");
    if !matches!(st.statement_type, Val::Missing)
        || !matches!(st.statement_id_v03, Val::Missing)
        || old_version
    {
        let shape = if matches!(st.statement_type, Val::Missing) {
            format!(
                "bodsVersion {}",
                if version.is_empty() {
                    "< 0.4"
                } else {
                    &version
                }
            )
        } else {
            st.statement_type.python_text().into_owned()
        };
        return Outcome::Invalid(
            format!(
                "{place} is BODS v0.3 or older ({shape}); aiexposure reads BODS v0.4 statements \
                 (recordId, recordType, recordDetails): convert the data to v0.4 ({V04_DOCS})"
            ),
            ids(),
        );
    }
    let sid = match sid {
        Some(s) if !s.is_empty() => s,
        _ => return Outcome::Invalid(format!("{place} has no statementId string"), vec![]),
    };
    let at = texts.len();
    texts.extend_from_slice(sid.as_bytes());
    let mut parsed = Parsed {
        sid_hash: fingerprint(sid),
        invalid: None,
        rid_hash: 0,
        record_type: RecordType::Entity,
        date: 0,
        at,
        sid_len: sid.len(),
        rid_len: 0,
        body_len: 0,
    };
    match checked_header(st, &place, sid) {
        Ok((record_id, record_type, date, details)) => {
            parsed.rid_hash = hasher.hash_one(record_id);
            texts.extend_from_slice(record_id.as_bytes());
            parsed.rid_len = record_id.len();
            parsed.record_type = record_type;
            parsed.date = date;
            let start = texts.len();
            body(st, details, record_type, sid, record_id, texts);
            parsed.body_len = texts.len() - start;
        }
        Err(message) => parsed.invalid = Some(message),
    }
    Outcome::Statement(parsed)
}

fn checked_header<'s>(
    st: &'s Statement,
    place: &Where,
    sid: &str,
) -> Result<(&'s str, RecordType, u32, &'s Details<'s>), String> {
    for (key, missing) in [
        ("recordId", matches!(st.record_id, Val::Missing)),
        ("recordType", matches!(st.record_type, Val::Missing)),
        ("recordDetails", matches!(st.details, Obj::Missing)),
        ("statementDate", matches!(st.statement_date, Val::Missing)),
    ] {
        if missing {
            return Err(format!("{place} has no {key}"));
        }
    }
    let record_id = match st.record_id.str() {
        Some(r) if !r.is_empty() => r,
        _ => {
            return Err(format!(
                "{place}: recordId must be a non-empty string, not {}",
                st.record_id.repr()
            ))
        }
    };
    let record_type = match st.record_type.str() {
        Some("entity") => RecordType::Entity,
        Some("person") => RecordType::Person,
        Some("relationship") => RecordType::Relationship,
        _ => {
            return Err(format!(
                "{place}: recordType {} is not one of ('entity', 'person', 'relationship')",
                st.record_type.repr()
            ))
        }
    };
    let Obj::Ok(details) = &st.details else {
        return Err(format!("{place}: recordDetails must be an object"));
    };
    // The reference reads str(value)[:10].
    let date = parse_date(&st.statement_date.python_text()).ok_or_else(|| {
        date_error(
            &format!("statement {sid}: statementDate"),
            &st.statement_date,
        )
    })?;
    Ok((record_id, record_type, date, details))
}

// --- the record's fields -------------------------------------------------------------------

/// The first field error of a statement; later ones are not looked for.
struct Fields<'s> {
    sid: &'s str,
    error: Option<String>,
}

impl<'s> Fields<'s> {
    fn fail(&mut self, message: String) {
        if self.error.is_none() {
            self.error = Some(message);
        }
    }

    fn text<'v>(&mut self, v: &'v Val, field: Field) -> Option<&'v str> {
        match v {
            Val::Missing | Val::Null => None,
            Val::Str(s) => Some(s),
            other => {
                self.fail(format!(
                    "statement {}: {field} must be a string, not {}",
                    self.sid,
                    other.repr()
                ));
                None
            }
        }
    }

    fn obj<'v, T>(&mut self, v: &'v Obj<T>, field: Field) -> Option<&'v T> {
        match v {
            Obj::Ok(t) => Some(t),
            Obj::Missing | Obj::Null => None,
            Obj::Wrong(w) => {
                self.fail(format!(
                    "statement {}: {field} must be an object, not {}",
                    self.sid,
                    w.repr()
                ));
                None
            }
        }
    }

    fn list<'v, T>(&mut self, v: &'v List<T>, field: &str) -> Vec<&'v T> {
        match v {
            List::Ok(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    if let Some(t) = self.obj(item, Field::item(field, i, "")) {
                        out.push(t);
                    }
                }
                out
            }
            List::Missing | List::Null => vec![],
            List::Wrong(w) => {
                self.fail(format!(
                    "statement {}: {field} must be a list, not {}",
                    self.sid,
                    w.repr()
                ));
                vec![]
            }
        }
    }
}

/// Python truthiness of an optional text: `a or b`.
fn or<'v>(a: Option<&'v str>, b: Option<&'v str>) -> Option<&'v str> {
    match a {
        Some(s) if !s.is_empty() => Some(s),
        _ => b,
    }
}

fn body(
    st: &Statement,
    details: &Details,
    record_type: RecordType,
    sid: &str,
    rid: &str,
    out: &mut Vec<u8>,
) {
    thread_local! {
        // Each parsing thread packs into its own scratch buffers, reused.
        static SCRATCH: std::cell::Cell<(Vec<u8>, Vec<u8>)> = const { std::cell::Cell::new((Vec::new(), Vec::new())) };
    }
    let (head, rest) = SCRATCH.take();
    let mut f = Fields { sid, error: None };
    let mut p = Packer::reuse(rest);
    let status = f.text(&st.record_status, Field::at("recordStatus"));
    match record_type {
        RecordType::Relationship => relationship(&mut p, details, sid, rid),
        _ => party(&mut f, &mut p, details, record_type),
    }
    let mut first = Packer::reuse(head);
    first.opt(status);
    first.opt(f.error.as_deref());
    out.extend_from_slice(first.bytes());
    out.extend_from_slice(p.bytes());
    SCRATCH.set((first.into_inner(), p.into_inner()));
}

/// Entity or person: name, type, jurisdiction, identifiers, unknown flags.
fn party(f: &mut Fields, p: &mut Packer, d: &Details, record_type: RecordType) {
    let (kind, unspecified, name, place, spec_field);
    if record_type == RecordType::Entity {
        spec_field = "recordDetails.unspecifiedEntityDetails";
        kind = f
            .obj(&d.entity_type, Field::at("recordDetails.entityType"))
            .and_then(|t| f.text(&t.kind, Field::at("recordDetails.entityType.type")));
        unspecified = f.obj(&d.unspecified_entity, Field::at(spec_field));
        name = f
            .text(&d.name, Field::at("recordDetails.name"))
            .map(str::to_owned);
        place = f
            .obj(&d.jurisdiction, Field::at("recordDetails.jurisdiction"))
            .and_then(|j| {
                let code = f.text(&j.code, Field::at("recordDetails.jurisdiction.code"));
                let name = f.text(&j.name, Field::at("recordDetails.jurisdiction.name"));
                or(code, name)
            });
    } else {
        spec_field = "recordDetails.unspecifiedPersonDetails";
        kind = f.text(&d.person_type, Field::at("recordDetails.personType"));
        unspecified = f.obj(&d.unspecified_person, Field::at(spec_field));
        name = person_name(f, d);
        place = f
            .list(&d.nationalities, "recordDetails.nationalities")
            .first()
            .and_then(|n| {
                let code = f.text(&n.code, Field::at("recordDetails.nationalities[0].code"));
                let name = f.text(&n.name, Field::at("recordDetails.nationalities[0].name"));
                or(code, name)
            });
    }
    let unknown_types = if record_type == RecordType::Entity {
        UNKNOWN_ENTITY_TYPES
    } else {
        UNKNOWN_PERSON_TYPES
    };
    let unknown = kind.is_some_and(|k| unknown_types.contains(&k)) || unspecified.is_some();
    let (reason, description) = match unspecified {
        Some(u) => (
            f.text(&u.reason, Field::key(spec_field, "reason")),
            f.text(&u.description, Field::key(spec_field, "description")),
        ),
        None => (None, None),
    };
    p.opt(name.as_deref());
    p.opt(kind);
    p.opt(place);
    let identifiers = f.list(&d.identifiers, "recordDetails.identifiers");
    p.count(identifiers.len());
    for (i, ident) in identifiers.iter().enumerate() {
        let field = |k| Field::item("recordDetails.identifiers", i, k);
        p.opt(f.text(&ident.scheme, field("scheme")));
        p.opt(f.text(&ident.scheme_name, field("schemeName")));
        p.opt(f.text(&ident.id, field("id")));
        p.opt(f.text(&ident.uri, field("uri")));
    }
    p.u8(unknown as u8);
    p.opt(or(reason, if unknown { kind } else { None }));
    p.opt(description);
}

/// A person's legal full name first, else any name, else given + family names.
fn person_name(f: &mut Fields, d: &Details) -> Option<String> {
    // The legal name first; a wrong field is named by its place in the input's list.
    let mut names: Vec<(usize, &Name)> = f
        .list(&d.names, "recordDetails.names")
        .into_iter()
        .enumerate()
        .collect();
    names.sort_by_key(|(_, n)| n.kind.str() != Some("legal"));
    for &(i, n) in &names {
        let field = |k| Field::item("recordDetails.names", i, k);
        if let Some(full) = or(f.text(&n.full_name, field("fullName")), None) {
            return Some(full.to_owned());
        }
        let given = f.text(&n.given_name, field("givenName"));
        let family = f.text(&n.family_name, field("familyName"));
        let parts: Vec<&str> = [given, family]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect();
        if !parts.is_empty() {
            return Some(parts.join(" "));
        }
    }
    None
}

pub const PARTY_REF: u8 = 0;
pub const PARTY_UNSPECIFIED: u8 = 1;
pub const PARTY_BAD: u8 = 2;

fn relationship(p: &mut Packer, d: &Details, sid: &str, rid: &str) {
    for (role, value) in [
        ("subject", &d.subject),
        ("interestedParty", &d.interested_party),
    ] {
        match value {
            Obj::Wrong(Val::Str(r)) => {
                p.u8(PARTY_REF);
                p.str(r);
            }
            Obj::Ok(u) => match u.reason.str() {
                Some(reason) => {
                    let mut own = Fields { sid, error: None };
                    let description = own.text(&u.description, Field::key(role, "description"));
                    match own.error {
                        Some(message) => {
                            p.u8(PARTY_BAD);
                            p.str(&message);
                        }
                        None => {
                            p.u8(PARTY_UNSPECIFIED);
                            p.str(reason);
                            p.opt(description);
                        }
                    }
                }
                None => {
                    p.u8(PARTY_BAD);
                    p.str(&format!(
                        "statement {sid}: an unspecified {role} needs a 'reason' string"
                    ));
                }
            },
            _ => {
                p.u8(PARTY_BAD);
                p.str(&format!(
                    "statement {sid}: relationship {rid} needs a {role} (a recordId string or an \
                     unspecified-party object with a reason)"
                ));
            }
        }
    }
    let items: &[Obj<Interest>] = match &d.interests {
        List::Missing => &[],
        List::Ok(items) => items,
        List::Null | List::Wrong(_) => {
            p.u8(1);
            p.str(&format!("statement {sid}: interests must be a list"));
            return;
        }
    };
    // Interests are checked in order (the reference's): the rows before one that is not an
    // object are packed, so that their own errors come first, then that one as an error row.
    let cut = items.iter().position(|i| !matches!(i, Obj::Ok(_)));
    p.u8(0);
    p.count(cut.map_or(items.len(), |c| c + 1));
    for (n, item) in items.iter().enumerate() {
        let Obj::Ok(i) = item else {
            p.opt(Some(&format!(
                "statement {sid}: each interest must be an object"
            )));
            p.opt(None);
            p.opt(None);
            p.f64(None);
            p.f64(None);
            p.f64(None);
            p.u8(0);
            p.u8(0);
            p.bool(None);
            p.opt(None);
            p.opt(None);
            p.opt(None);
            break;
        };
        let mut own = Fields { sid, error: None };
        let field = |k| Field::item("recordDetails.interests", n, k);
        let share = share_range(&i.share, sid);
        let kind = own.text(&i.kind, field("type"));
        let direct = own.text(&i.direct_or_indirect, field("directOrIndirect"));
        let beneficial = match i.beneficial {
            Val::Bool(b) => Some(b),
            Val::Missing | Val::Null => None,
            ref other => {
                own.fail(format!(
                    "statement {sid}: {} must be true or false, not {}",
                    field("beneficialOwnershipOrControl"),
                    other.repr()
                ));
                None
            }
        };
        let start = own.text(&i.start_date, field("startDate"));
        let end = own.text(&i.end_date, field("endDate"));
        let details = own.text(&i.details, field("details"));
        let share = match share {
            Ok(s) => {
                p.opt(own.error.as_deref());
                s
            }
            Err(message) => {
                p.opt(Some(&message));
                ShareRange::default()
            }
        };
        p.opt(kind);
        p.opt(direct);
        p.f64(share.exact);
        p.f64(share.low);
        p.f64(share.high);
        p.u8(share.low_open as u8);
        p.u8(share.high_open as u8);
        p.bool(beneficial);
        p.opt(start);
        p.opt(end);
        p.opt(details);
    }
}

/// A declared share in percent: exact, or a range whose missing bounds are 0 (open) and 100.
#[derive(Default, Debug, PartialEq)]
pub struct ShareRange {
    pub exact: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub low_open: bool,
    pub high_open: bool,
}

fn share_range(share: &Obj<Share>, sid: &str) -> Result<ShareRange, String> {
    let s = match share {
        Obj::Missing | Obj::Null => return Ok(ShareRange::default()),
        Obj::Wrong(_) => return Err(format!("statement {sid}: share must be an object")),
        Obj::Ok(s) => s,
    };
    let mut values: [Option<f64>; 5] = [None; 5];
    let keys = [
        ("exact", &s.exact),
        ("minimum", &s.minimum),
        ("exclusiveMinimum", &s.exclusive_minimum),
        ("maximum", &s.maximum),
        ("exclusiveMaximum", &s.exclusive_maximum),
    ];
    for (slot, (key, v)) in values.iter_mut().zip(keys) {
        if matches!(v, Val::Missing) {
            continue;
        }
        match v.number() {
            Some(x) if (0.0..=100.0).contains(&x) => *slot = Some(x),
            _ => {
                return Err(format!(
                    "statement {sid}: share.{key} = {} must be a number of percent in [0, 100]",
                    v.repr()
                ))
            }
        }
    }
    let [exact, minimum, exclusive_minimum, maximum, exclusive_maximum] = values;
    if let Some(e) = exact {
        return Ok(ShareRange {
            exact: Some(e),
            low: Some(e),
            high: Some(e),
            low_open: false,
            high_open: false,
        });
    }
    let lows: Vec<f64> = [minimum, exclusive_minimum].into_iter().flatten().collect();
    let highs: Vec<f64> = [maximum, exclusive_maximum].into_iter().flatten().collect();
    if lows.is_empty() && highs.is_empty() {
        return Ok(ShareRange::default());
    }
    let low = lows.iter().copied().reduce(f64::max).unwrap_or(0.0);
    let high = highs.iter().copied().reduce(f64::min).unwrap_or(100.0);
    let low_open = lows.is_empty() || exclusive_minimum == Some(low);
    let high_open = exclusive_maximum == Some(high);
    if low > high {
        return Err(format!(
            "statement {sid}: share range [{}, {}] has its minimum above its maximum",
            format_g(low),
            format_g(high)
        ));
    }
    Ok(ShareRange {
        exact: None,
        low: Some(low),
        high: Some(high),
        low_open,
        high_open,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("2026-01-31"), Some(20260131));
        assert_eq!(parse_date("2026-01-31T10:00:00Z"), Some(20260131));
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("2026/01/31"), None);
        assert_eq!(&date_chars(20260131), b"2026-01-31");
        assert_eq!(&date_chars(9991203), b"0999-12-03");
    }

    fn range(json: &str) -> Result<ShareRange, String> {
        let s: Obj<Share> = serde_json::from_str(json).unwrap();
        share_range(&s, "s")
    }

    #[test]
    fn share_ranges() {
        let r = range(r#"{"exclusiveMinimum": 25, "maximum": 50}"#).unwrap();
        assert_eq!(
            (r.low, r.high, r.low_open, r.high_open),
            (Some(25.0), Some(50.0), true, false)
        );
        let r = range(r#"{"maximum": 50}"#).unwrap();
        assert_eq!((r.low, r.low_open), (Some(0.0), true));
        assert_eq!(range("{}").unwrap(), ShareRange::default());
        assert!(range(r#"{"exact": true}"#)
            .unwrap_err()
            .contains("share.exact = True"));
        assert!(range(r#"{"minimum": 60, "maximum": 40}"#)
            .unwrap_err()
            .contains("[60, 40]"));
        assert!(range(r#""10""#)
            .unwrap_err()
            .contains("share must be an object"));
    }
}
