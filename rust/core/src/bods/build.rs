//! Records that hold -> the node, interest and edge tables (docs/bods.md, "Interests to
//! equity edges"). Parties first, in input order, then relationships; an unspecified party
//! becomes its node when its relationship is built.

use std::borrow::Cow;
use std::hash::BuildHasher;

use hashbrown::{HashSet, HashTable};
use rayon::prelude::*;

use super::arena::Arena;
use super::columns::{Bools, Column, Floats, Identifiers, Strings, Table, MAX_TEXT};
use super::json::Val;
use super::pack::{Text, Unpacker};
use super::records::{invalid, version_texts, Key, Record, Records, Version};
use super::statement::{
    date_chars, parse_date, RecordType, PARTY_BAD, PARTY_REF, PARTY_UNSPECIFIED,
};
use super::{Options, ShareChoice, Tables};
use crate::error::Result;
use crate::interrupt::Interrupt;

#[derive(Default)]
struct Nodes {
    node: Strings,
    record_type: Strings,
    name: Strings,
    kind: Strings,
    jurisdiction: Strings,
    identifiers: Identifiers,
    unknown: Bools,
    unknown_reason: Strings,
    unknown_description: Strings,
    statement_id: Strings,
    statement_date: Strings,
    record_status: Strings,
}

#[derive(Default)]
struct Interests {
    statement_id: Strings,
    record_id: Strings,
    interested_party: Strings,
    subject: Strings,
    kind: Strings,
    direct_or_indirect: Strings,
    share_exact: Floats,
    share_min: Floats,
    share_max: Floats,
    share_min_exclusive: Bools,
    share_max_exclusive: Bools,
    beneficial: Bools,
    start_date: Strings,
    end_date: Strings,
    details: Strings,
    used: Strings,
}

#[derive(Default)]
struct Edges {
    source: Strings,
    target: Strings,
    kind: Strings,
    share: Floats,
    share_min: Floats,
    share_max: Floats,
    share_min_exclusive: Bools,
    share_max_exclusive: Bools,
    shareholding: Floats,
    voting_rights: Floats,
    statement_id: Strings,
    record_id: Strings,
}

/// One interest of a relationship, as declared (shares in percent).
struct Row<'a> {
    error: Option<Text<'a>>,
    kind: Option<Text<'a>>,
    direct: Option<Text<'a>>,
    exact: Option<f64>,
    low: Option<f64>,
    high: Option<f64>,
    low_open: bool,
    high_open: bool,
    beneficial: Option<bool>,
    start: Option<Text<'a>>,
    end: Option<Text<'a>>,
    details: Option<Text<'a>>,
    used: &'static str,
}

/// A run's table, appended to the others' in order.
trait Part: Default + Send + Sized {
    fn append(&mut self, other: &Self);

    /// The bytes of its texts, every column's.
    fn text_bytes(&self) -> usize;

    /// A column took more text than its offsets can say.
    fn overflowed(&self) -> bool;

    /// Room for `factor` times what it holds.
    fn grow_to(&mut self, factor: f64);
}

/// A table's [`Part`], field by field.
macro_rules! table_appends {
    ($table:ident: $($field:ident),+) => {
        impl Part for $table {
            fn append(&mut self, o: &$table) {
                $(self.$field.append(&o.$field);)+
            }

            fn text_bytes(&self) -> usize {
                0 $(+ self.$field.text_bytes())+
            }

            fn overflowed(&self) -> bool {
                false $(|| self.$field.overflowed())+
            }

            fn grow_to(&mut self, factor: f64) {
                $(self.$field.grow_to(factor);)+
            }
        }
    };
}

table_appends!(Nodes: node, record_type, name, kind, jurisdiction, identifiers, unknown,
    unknown_reason, unknown_description, statement_id, statement_date, record_status);

table_appends!(Interests: statement_id, record_id, interested_party, subject, kind,
    direct_or_indirect, share_exact, share_min, share_max, share_min_exclusive,
    share_max_exclusive, beneficial, start_date, end_date, details, used);

table_appends!(Edges: source, target, kind, share, share_min, share_max,
    share_min_exclusive, share_max_exclusive, shareholding, voting_rights, statement_id,
    record_id);

/// Builds the tables of a run of records: its parties' nodes, then its relationships'
/// interests, edges and unspecified parties' nodes.
struct Builder<'r, H> {
    records: &'r [Key],
    ids: &'r Arena,
    index: &'r HashTable<u32>,
    hasher: &'r H,
    /// Ids given to unspecified parties so far (they can clash with later references).
    unspecified: HashSet<String>,
    options: &'r Options,
    nodes: Nodes,
    /// The unspecified parties' nodes, after every party's.
    more_nodes: Nodes,
    interests: Interests,
    edges: Edges,
    party_error: Option<crate::error::Error>,
    relationship_error: Option<crate::error::Error>,
}

enum Kind {
    Record(RecordType),
    Unspecified,
}

impl Kind {
    fn name(&self) -> &'static str {
        match self {
            Kind::Record(t) => t.name(),
            Kind::Unspecified => "unspecified",
        }
    }
}

/// Records per run built in parallel (the runs' tables are appended in order, so the
/// result is the same for any number of threads), and per wave: the versions a wave read
/// are freed before the next (a few runs a thread). A table's chunk holds at most `text`
/// bytes of texts (i32 offsets: [`MAX_TEXT`]).
#[derive(Clone, Copy)]
pub struct Runs {
    pub run: usize,
    pub wave: usize,
    pub text: usize,
}

impl Default for Runs {
    fn default() -> Self {
        Runs {
            run: 1 << 14,
            wave: 1 << 17,
            text: MAX_TEXT,
        }
    }
}

pub fn build<H: BuildHasher + Sync>(
    records: Records,
    hasher: &H,
    options: &Options,
    interrupt: Interrupt<'_>,
    sizes: Runs,
) -> Result<Tables> {
    let Records {
        list,
        ids,
        mut versions,
    } = records;
    let mut index = HashTable::with_capacity(list.len());
    for (i, r) in list.iter().enumerate() {
        index.insert_unique(r.hash, i as u32, |&j| list[j as usize].hash);
    }
    // Keys for the lookups, to the end; versions a wave apiece, freed as each is built.
    let records: Vec<Key> = list.iter().map(Record::key).collect();
    let mut waves: Vec<Vec<Version>> = list
        .chunks(sizes.wave)
        .map(|w| w.iter().map(|r| r.version).collect())
        .collect();
    drop(list);
    let builder = || Builder {
        records: &records,
        ids: &ids,
        index: &index,
        hasher,
        unspecified: HashSet::new(),
        options,
        nodes: Nodes::default(),
        more_nodes: Nodes::default(),
        interests: Interests::default(),
        edges: Edges::default(),
        party_error: None,
        relationship_error: None,
    };
    // A relationship naming an unspecified party's id depends on the relationships before
    // it (which made that party): then the whole build runs in input order, at once.
    let probe = builder();
    let ordered = records.chunks(sizes.wave).zip(&waves).any(|(keys, vs)| {
        keys.par_iter().zip(vs).any(|(k, v)| {
            k.record_type == RecordType::Relationship
                && probe.names_unspecified(version_texts(&versions, v).1)
        })
    });
    let mut tables = Assembly::new(sizes.text);
    if ordered {
        let mut b = builder();
        for (keys, vs) in records.chunks(sizes.wave).zip(&waves) {
            b.run(keys, vs, &versions, interrupt);
        }
        tables.add(vec![b])?;
    } else {
        // A wave of runs at a time, appended to the tables while the next is built, and the
        // versions it read freed (the arena is in the records' order): the peak is the
        // tables and two waves' runs, not every version plus the tables twice (the runs'
        // and the whole).
        let mut built: Option<Vec<Builder<H>>> = None;
        for (w, keys) in records.chunks(sizes.wave).enumerate() {
            let vs = std::mem::take(&mut waves[w]);
            let (added, runs) = rayon::join(
                || built.take().map_or(Ok(()), |runs| tables.add(runs)),
                || {
                    keys.par_chunks(sizes.run)
                        .zip(vs.par_chunks(sizes.run))
                        .map(|(keys, vs)| {
                            let mut b = builder();
                            b.run(keys, vs, &versions, interrupt);
                            b
                        })
                        .collect::<Vec<_>>()
                },
            );
            added?;
            if w == 1 {
                // Two waves in: the tables' size is known to within a few percent. Each of
                // their buffers is given room for all of it now, so that it is mapped once
                // (rather than grown by copies, and among the runs' freed blocks, which the
                // allocator would keep).
                let factor = 1.05 * records.len() as f64 / sizes.wave as f64;
                tables.grow_to(factor);
            }
            drop(vs);
            if let Some(next) = waves.get(w + 1).and_then(|vs| vs.first()) {
                versions.free_before(next.at);
            }
            if w % TRIM_EVERY == TRIM_EVERY - 1 {
                // The runs' freed blocks, which malloc keeps among the live ones.
                crate::memory::release_freed();
            }
            built = Some(runs);
        }
        if let Some(runs) = built {
            tables.add(runs)?;
        }
    }
    drop(versions);
    drop(probe);
    drop(index);
    drop(records);
    drop(ids);
    interrupt.check()?;
    tables.finish()
}

/// Waves built between two returns of the freed heap to the system (a return costs a
/// scan of the heap and the faults of the pages then reused: not after every wave).
const TRIM_EVERY: usize = 16;

/// The tables, the runs' appended in input order as they are built: each table in chunks
/// of at most `text` bytes of texts (a run larger than that is a chunk of its own).
struct Assembly {
    nodes: Chunks<Nodes>,
    /// The unspecified parties' nodes, after every party's.
    more_nodes: Vec<Nodes>,
    interests: Chunks<Interests>,
    edges: Chunks<Edges>,
    /// The first relationship error in input order: told unless a party error comes.
    relationship_error: Option<crate::error::Error>,
}

impl Assembly {
    fn new(text: usize) -> Self {
        Assembly {
            nodes: Chunks::new(text),
            more_nodes: Vec::new(),
            interests: Chunks::new(text),
            edges: Chunks::new(text),
            relationship_error: None,
        }
    }

    /// Appends runs, in order; the first party error (the reference's first error whatever
    /// the relationships gave) ends the build.
    fn add<H>(&mut self, runs: Vec<Builder<H>>) -> Result<()> {
        for mut b in runs {
            if let Some(e) = b.party_error.take() {
                return Err(e);
            }
            if self.relationship_error.is_none() {
                self.relationship_error = b.relationship_error.take();
            }
            // Past an error the tables are not returned: only the parties are still checked.
            if self.relationship_error.is_some() {
                continue;
            }
            self.nodes.push(b.nodes)?;
            self.more_nodes.push(b.more_nodes);
            self.interests.push(b.interests)?;
            self.edges.push(b.edges)?;
        }
        Ok(())
    }

    /// Room for `factor` times what the tables hold.
    fn grow_to(&mut self, factor: f64) {
        if let Some(t) = &mut self.nodes.last {
            t.grow_to(factor);
        }
        if let Some(t) = &mut self.interests.last {
            t.grow_to(factor);
        }
        if let Some(t) = &mut self.edges.last {
            t.grow_to(factor);
        }
    }

    fn finish(mut self) -> Result<Tables> {
        if let Some(e) = self.relationship_error {
            return Err(e);
        }
        for part in self.more_nodes {
            self.nodes.push(part)?;
        }
        Ok(Tables {
            nodes: self.nodes.finish().into_iter().map(node_table).collect(),
            interests: self
                .interests
                .finish()
                .into_iter()
                .map(interest_table)
                .collect(),
            edges: self.edges.finish().into_iter().map(edge_table).collect(),
        })
    }
}

/// A table's chunks: runs appended to the last until its texts would pass `limit`.
struct Chunks<T> {
    done: Vec<T>,
    last: Option<T>,
    text: usize,
    limit: usize,
}

impl<T: Part> Chunks<T> {
    fn new(limit: usize) -> Self {
        Chunks {
            done: Vec::new(),
            last: None,
            text: 0,
            limit,
        }
    }

    fn push(&mut self, part: T) -> Result<()> {
        if part.overflowed() {
            return Err(invalid(
                format!(
                    "the texts of a run of records pass {MAX_TEXT} bytes in one column; read \
                     the register in parts"
                ),
                vec![],
            ));
        }
        let n = part.text_bytes();
        match &mut self.last {
            Some(last) if self.text + n <= self.limit => last.append(&part),
            last => {
                self.done.extend(last.take());
                *last = Some(part);
                self.text = 0;
            }
        }
        self.text += n;
        Ok(())
    }

    fn finish(mut self) -> Vec<T> {
        self.done.extend(self.last.take());
        if self.done.is_empty() {
            self.done.push(T::default());
        }
        self.done
    }
}

fn date_str(chars: &[u8; 10]) -> &str {
    std::str::from_utf8(chars).expect("digits")
}

fn fail<T>(message: String, sid: &str) -> Result<T> {
    Err(invalid(message, vec![sid.to_owned()]))
}

fn repr(s: &str) -> String {
    Val::Str(s.into()).repr()
}

impl<H: BuildHasher> Builder<'_, H> {
    /// Parties first, then relationships (`keys` and their `versions`); each stops at its
    /// first error, in this run or an earlier one of the same builder.
    fn run(&mut self, keys: &[Key], versions: &[Version], arena: &Arena, interrupt: Interrupt<'_>) {
        let mut ticker = interrupt.ticker(1 << 12);
        let records = || keys.iter().zip(versions);
        for (r, v) in records().filter(|(r, _)| r.record_type != RecordType::Relationship) {
            if self.party_error.is_some() {
                break;
            }
            let (sid, body) = version_texts(arena, v);
            if let Err(e) = ticker.tick().and_then(|()| self.party(r, v, &sid, body)) {
                self.party_error = Some(e);
            }
        }
        for (r, v) in records().filter(|(r, _)| r.record_type == RecordType::Relationship) {
            if self.relationship_error.is_some() {
                break;
            }
            let (sid, body) = version_texts(arena, v);
            if let Err(e) = ticker
                .tick()
                .and_then(|()| self.relationship(r, v, &sid, body))
            {
                self.relationship_error = Some(e);
            }
        }
    }

    /// Whether a relationship's subject or interested party is a reference to an id that is
    /// no record's but starts like an unspecified party's ("unspecified ...").
    fn names_unspecified(&self, body: &[u8]) -> bool {
        let mut u = Unpacker::new(body);
        u.opt();
        if u.opt().is_some() {
            return false;
        }
        for _ in 0..2 {
            match u.u8() {
                PARTY_REF => {
                    let id = u.str();
                    if id.starts_with("unspecified ") && self.record_kind(id).is_none() {
                        return true;
                    }
                }
                PARTY_UNSPECIFIED => {
                    u.str();
                    u.opt();
                }
                _ => return false,
            }
        }
        false
    }

    fn record_kind(&self, id: &str) -> Option<Kind> {
        self.index
            .find(self.hasher.hash_one(id), |&j| {
                self.records[j as usize].record_id_bytes(self.ids) == id.as_bytes()
            })
            .map(|&j| Kind::Record(self.records[j as usize].record_type))
    }

    fn kind_of(&self, id: &str) -> Option<Kind> {
        self.record_kind(id).or_else(|| {
            (id.starts_with("unspecified ") && self.unspecified.contains(id))
                .then_some(Kind::Unspecified)
        })
    }

    fn party(&mut self, r: &Key, v: &Version, sid: &str, body: &[u8]) -> Result<()> {
        let mut u = Unpacker::new(body);
        let status = u.opt();
        if let Some(message) = u.opt() {
            return fail(message.to_string(), sid);
        }
        let n = &mut self.nodes;
        n.node.push(Some(r.record_id(self.ids)));
        n.record_type.push(Some(r.record_type.name()));
        n.name.push(u.opt().as_deref());
        n.kind.push(u.opt().as_deref());
        n.jurisdiction.push(u.opt().as_deref());
        for _ in 0..u.count() {
            let [a, b, c, d] = [u.opt(), u.opt(), u.opt(), u.opt()];
            n.identifiers
                .push([a.as_deref(), b.as_deref(), c.as_deref(), d.as_deref()]);
        }
        n.identifiers.end_row();
        n.unknown.push(Some(u.u8() == 1));
        n.unknown_reason.push(u.opt().as_deref());
        n.unknown_description.push(u.opt().as_deref());
        n.statement_id.push(Some(sid));
        n.statement_date.push(Some(date_str(&date_chars(v.date))));
        n.record_status.push(status.as_deref());
        Ok(())
    }

    /// The node of a relationship's subject or interested party.
    fn resolve<'u>(
        &mut self,
        u: &mut Unpacker<'u>,
        role: &str,
        r: &Key,
        v: &Version,
        sid: &str,
        status: Option<&str>,
    ) -> Result<Cow<'u, str>> {
        let rid = r.record_id(self.ids);
        match u.u8() {
            PARTY_REF => {
                let id = u.str();
                let Some(kind) = self.kind_of(id) else {
                    return fail(
                        format!(
                            "statement {sid}: {role} {} of relationship {rid} is not the recordId \
                             of any entity or person statement in the input; include that \
                             statement, or give an unspecified-party object with a reason",
                            repr(id)
                        ),
                        sid,
                    );
                };
                if role == "subject" && !matches!(kind, Kind::Record(RecordType::Entity)) {
                    return fail(
                        format!(
                            "statement {sid}: the subject {} of relationship {rid} is a {}; a \
                             subject must be an entity",
                            repr(id),
                            kind.name()
                        ),
                        sid,
                    );
                }
                if matches!(kind, Kind::Record(RecordType::Relationship)) {
                    return fail(
                        format!(
                            "statement {sid}: {role} {} of relationship {rid} is a relationship \
                             record; it must be an entity or a person",
                            repr(id)
                        ),
                        sid,
                    );
                }
                Ok(Cow::Borrowed(id))
            }
            PARTY_UNSPECIFIED => {
                let reason = u.str();
                let description = u.opt();
                let node = format!("unspecified {role} of {rid}");
                // Only a record can clash: each unspecified party's id is its own.
                if self.record_kind(&node).is_some() {
                    return fail(
                        format!(
                            "statement {sid}: the recordId {} clashes with the id given to the \
                             unspecified {role} of relationship {rid}; rename that record",
                            repr(&node)
                        ),
                        sid,
                    );
                }
                let n = &mut self.more_nodes;
                n.node.push(Some(&node));
                n.record_type.push(Some("unspecified"));
                n.name.push(None);
                n.kind.push(None);
                n.jurisdiction.push(None);
                n.identifiers.end_row();
                n.unknown.push(Some(true));
                n.unknown_reason.push(Some(reason));
                n.unknown_description.push(description.as_deref());
                n.statement_id.push(Some(sid));
                n.statement_date.push(Some(date_str(&date_chars(v.date))));
                n.record_status.push(status);
                self.unspecified.insert(node.clone());
                Ok(Cow::Owned(node))
            }
            PARTY_BAD => fail(u.str().to_owned(), sid),
            tag => unreachable!("party tag {tag}"),
        }
    }

    fn relationship(&mut self, r: &Key, v: &Version, sid: &str, body: &[u8]) -> Result<()> {
        let mut u = Unpacker::new(body);
        let status = u.opt();
        if let Some(message) = u.opt() {
            return fail(message.to_string(), sid);
        }
        let status = status.as_deref();
        let subject = self.resolve(&mut u, "subject", r, v, sid, status)?;
        let holder = self.resolve(&mut u, "interestedParty", r, v, sid, status)?;
        if u.u8() == 1 {
            return fail(u.str().to_owned(), sid);
        }
        let closed = status == Some("closed");
        let count = u.count();
        let mut rows = Vec::with_capacity(count);
        for _ in 0..count {
            let mut row = Row {
                error: u.opt(),
                kind: u.opt(),
                direct: u.opt(),
                exact: u.f64(),
                low: u.f64(),
                high: u.f64(),
                low_open: u.u8() == 1,
                high_open: u.u8() == 1,
                beneficial: u.bool(),
                start: u.opt(),
                end: u.opt(),
                details: u.opt(),
                used: "",
            };
            if let Some(message) = &row.error {
                return fail(message.to_string(), sid);
            }
            row.used = self.use_of(&row, closed, sid)?;
            rows.push(row);
        }
        let rid = r.record_id(self.ids);
        let audit = if self.options.interests {
            &rows[..]
        } else {
            &[]
        };
        for row in audit {
            let i = &mut self.interests;
            i.statement_id.push(Some(sid));
            i.record_id.push(Some(rid));
            i.interested_party.push(Some(&*holder));
            i.subject.push(Some(&*subject));
            i.kind.push(row.kind.as_deref());
            i.direct_or_indirect.push(row.direct.as_deref());
            i.share_exact.push(row.exact);
            i.share_min.push(row.low);
            i.share_max.push(row.high);
            i.share_min_exclusive.push(Some(row.low_open));
            i.share_max_exclusive.push(Some(row.high_open));
            i.beneficial.push(row.beneficial);
            i.start_date.push(row.start.as_deref());
            i.end_date.push(row.end.as_deref());
            i.details.push(row.details.as_deref());
            i.used.push(Some(row.used));
        }
        let used: Vec<&Row> = rows.iter().filter(|r| r.used == "edge").collect();
        if used.is_empty() {
            return Ok(()); // voting rights alone (or the reverse) make no equity edge
        }
        let choice = self.options.share_range;
        let e = &mut self.edges;
        e.source.push(Some(&*holder));
        e.target.push(Some(&*subject));
        e.kind.push(Some("equity"));
        if choice == ShareChoice::Range {
            // Several direct interests of the type are share classes: their bounds add up. An
            // interest declaring no figure is an unknown stake: (0, 100%].
            let exact: Option<Vec<f64>> = used.iter().map(|r| r.exact).collect();
            let share = exact.map(|x| sum(x.into_iter()) / 100.0);
            let lows = sum(used.iter().map(|r| r.low.unwrap_or(0.0)));
            let highs = sum(used.iter().map(|r| r.high.unwrap_or(100.0)));
            e.share.push(share);
            e.share_min.push(share.is_none().then_some(lows / 100.0));
            e.share_max
                .push(share.is_none().then_some(highs.min(100.0) / 100.0));
            e.share_min_exclusive
                .push(Some(used.iter().any(|r| r.low_open || r.low.is_none())));
            e.share_max_exclusive
                .push(Some(used.iter().any(|r| r.high_open)));
        } else {
            e.share
                .push(Some(sum(used.iter().map(|r| pick(r, choice)))));
            e.share_min.push(None);
            e.share_max.push(None);
            e.share_min_exclusive.push(None);
            e.share_max_exclusive.push(None);
        }
        for (name, column) in [
            ("shareholding", &mut e.shareholding),
            ("votingRights", &mut e.voting_rights),
        ] {
            // Both types side by side, each from the direct interests that declare a share;
            // with "range" these hold exact figures only (ranges are in share_min/max).
            let values: Vec<f64> = rows
                .iter()
                .filter(|r| {
                    r.kind.as_deref() == Some(name)
                        && (r.used == "edge" || r.used == "other type")
                        && r.direct.as_deref() != Some("indirect")
                        && r.low.is_some()
                        && (choice != ShareChoice::Range || r.exact.is_some())
                })
                .map(|r| pick(r, choice))
                .collect();
            column.push((!values.is_empty()).then(|| sum(values.into_iter())));
        }
        e.statement_id.push(Some(sid));
        e.record_id.push(Some(rid));
        Ok(())
    }

    fn use_of(&self, row: &Row, closed: bool, sid: &str) -> Result<&'static str> {
        if closed {
            return Ok("record closed");
        }
        let as_of = self.options.as_of;
        if let Some(end) = row.end.as_deref() {
            let ended = match as_of {
                None => true,
                Some(d) => date(end, "endDate", sid)? <= d,
            };
            if ended {
                return Ok("ended");
            }
        }
        if let (Some(start), Some(d)) = (row.start.as_deref(), as_of) {
            if date(start, "startDate", sid)? > d {
                return Ok("not yet started");
            }
        }
        if row.kind.as_deref() != Some(self.options.interest.as_str()) {
            return Ok("other type");
        }
        if row.direct.as_deref() == Some("indirect") {
            return Ok("indirect"); // the chain of direct holdings carries it
        }
        let choice = self.options.share_range;
        let Some(high) = row.high else {
            // No figure declared: an unknown stake under "range"; points need a figure.
            return Ok(if choice == ShareChoice::Range {
                "edge"
            } else {
                "no share"
            });
        };
        let zero = if choice == ShareChoice::Range {
            high <= 0.0
        } else {
            pick(row, choice) <= 0.0
        };
        Ok(if zero { "zero share" } else { "edge" })
    }
}

use Column::{Bool as B, Float as F, Identifiers as L, Str as S};

fn node_table(n: Nodes) -> Table {
    vec![
        ("node", S(n.node)),
        ("record_type", S(n.record_type)),
        ("name", S(n.name)),
        ("type", S(n.kind)),
        ("jurisdiction", S(n.jurisdiction)),
        ("identifiers", L(Box::new(n.identifiers))),
        ("unknown", B(n.unknown)),
        ("unknown_reason", S(n.unknown_reason)),
        ("unknown_description", S(n.unknown_description)),
        ("statement_id", S(n.statement_id)),
        ("statement_date", S(n.statement_date)),
        ("record_status", S(n.record_status)),
    ]
}

fn interest_table(i: Interests) -> Table {
    vec![
        ("statement_id", S(i.statement_id)),
        ("record_id", S(i.record_id)),
        ("interested_party", S(i.interested_party)),
        ("subject", S(i.subject)),
        ("type", S(i.kind)),
        ("direct_or_indirect", S(i.direct_or_indirect)),
        ("share_exact", F(i.share_exact)),
        ("share_min", F(i.share_min)),
        ("share_max", F(i.share_max)),
        ("share_min_exclusive", B(i.share_min_exclusive)),
        ("share_max_exclusive", B(i.share_max_exclusive)),
        ("beneficial_ownership_or_control", B(i.beneficial)),
        ("start_date", S(i.start_date)),
        ("end_date", S(i.end_date)),
        ("details", S(i.details)),
        ("use", S(i.used)),
    ]
}

fn edge_table(e: Edges) -> Table {
    vec![
        ("source", S(e.source)),
        ("target", S(e.target)),
        ("kind", S(e.kind)),
        ("share", F(e.share)),
        ("share_min", F(e.share_min)),
        ("share_max", F(e.share_max)),
        ("share_min_exclusive", B(e.share_min_exclusive)),
        ("share_max_exclusive", B(e.share_max_exclusive)),
        ("shareholding", F(e.shareholding)),
        ("voting_rights", F(e.voting_rights)),
        ("statement_id", S(e.statement_id)),
        ("record_id", S(e.record_id)),
    ]
}

/// Python's `sum`: a left fold from 0, so the bits match the reference's.
fn sum(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0, |a, b| a + b)
}

/// The share under a point choice, as a fraction ("range" picks the lower bound).
fn pick(row: &Row, choice: ShareChoice) -> f64 {
    let (low, high) = (row.low.unwrap_or(0.0), row.high.unwrap_or(0.0));
    let value = match choice {
        ShareChoice::Min | ShareChoice::Range => low,
        ShareChoice::Max => high,
        ShareChoice::Mid => (low + high) / 2.0,
    };
    value / 100.0
}

fn date(text: &str, field: &str, sid: &str) -> Result<u32> {
    parse_date(text).ok_or_else(|| {
        invalid(
            format!(
                "statement {sid}: {field} {} is not a YYYY-MM-DD date",
                repr(text)
            ),
            vec![sid.to_owned()],
        )
    })
}
