//! A record's fields packed into one byte buffer: a register holds millions of records
//! between parsing and building, and one allocation each (rather than one per string)
//! keeps that within a little more than the text itself. Texts that registers repeat are
//! packed smaller: BODS codelist values as a code, dates as a number, UUID statementIds as
//! their 16 bytes, small whole shares as a byte; each is read back as the same bytes.

use std::ops::Deref;
use std::sync::OnceLock;

use super::statement::{date_chars, parse_date};

/// Texts packed as a code: the BODS v0.4 codelists the reader keeps (recordStatus, entity
/// and person types, interest types, directOrIndirect, unspecified reasons), the UK PSC
/// register's scheme and natures of control. A compression table only: any other text is
/// packed as it is. Never reorder (a code is an index), only append.
const COMMON: &[&str] = &[
    "new",
    "updated",
    "closed",
    "direct",
    "indirect",
    "unknown",
    "shareholding",
    "votingRights",
    "appointmentOfBoard",
    "otherInfluenceOrControl",
    "seniorManagingOfficial",
    "registeredEntity",
    "legalEntity",
    "arrangement",
    "anonymousEntity",
    "unknownEntity",
    "state",
    "stateBody",
    "knownPerson",
    "anonymousPerson",
    "unknownPerson",
    "GB-COH",
    "Companies House",
    "ownership-of-shares-25-to-50-percent",
    "ownership-of-shares-50-to-75-percent",
    "ownership-of-shares-75-to-100-percent",
    "voting-rights-25-to-50-percent",
    "voting-rights-50-to-75-percent",
    "voting-rights-75-to-100-percent",
    "right-to-appoint-and-remove-directors",
    "significant-influence-or-control",
    "settlor",
    "trustee",
    "protector",
    "beneficiaryOfLegalArrangement",
    "rightsToSurplusAssetsOnDissolution",
    "rightsToProfitOrIncome",
    "rightsGrantedByContract",
    "conditionalRightsGrantedByContract",
    "controlViaCompanyRulesOrArticles",
    "controlByLegalFramework",
    "boardMember",
    "boardChair",
    "unknownInterest",
    "unpublishedInterest",
    "enjoymentAndUseOfAssets",
    "rightToProfitOrIncomeFromAssets",
    "nominee",
    "nominator",
    "noBeneficialOwners",
    "subjectUnableToConfirmOrIdentifyBeneficialOwner",
    "interestedPartyHasNotProvidedInformation",
    "subjectExemptFromDisclosure",
    "interestedPartyExemptFromDisclosure",
    "informationUnknownToPublisher",
    "ownership-of-shares-25-to-50-percent-as-trust",
    "ownership-of-shares-50-to-75-percent-as-trust",
    "ownership-of-shares-75-to-100-percent-as-trust",
    "ownership-of-shares-25-to-50-percent-as-firm",
    "ownership-of-shares-50-to-75-percent-as-firm",
    "ownership-of-shares-75-to-100-percent-as-firm",
    "voting-rights-25-to-50-percent-as-trust",
    "voting-rights-50-to-75-percent-as-trust",
    "voting-rights-75-to-100-percent-as-trust",
    "voting-rights-25-to-50-percent-as-firm",
    "voting-rights-50-to-75-percent-as-firm",
    "voting-rights-75-to-100-percent-as-firm",
    "right-to-appoint-and-remove-directors-as-trust",
    "right-to-appoint-and-remove-directors-as-firm",
    "significant-influence-or-control-as-trust",
    "significant-influence-or-control-as-firm",
];

/// The code of a [`COMMON`] text: the candidates of its length only are compared.
fn common_code(s: &str) -> Option<usize> {
    static BY_LENGTH: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    let by_length = BY_LENGTH.get_or_init(|| {
        let longest = COMMON.iter().map(|t| t.len()).max().unwrap_or(0);
        let mut table = vec![Vec::new(); longest + 1];
        for (code, t) in COMMON.iter().enumerate() {
            table[t.len()].push(code as u8);
        }
        table
    });
    let candidates = by_length.get(s.len())?;
    candidates
        .iter()
        .map(|&c| c as usize)
        .find(|&c| COMMON[c] == s)
}

/// The forms of a packed optional text: the low two bits of its varint (0 is None).
const LITERAL: usize = 1;
const CODE: usize = 2;
const DATE: usize = 3;

/// A YYYY-MM-DD text as a number under 2^23 (four varint bytes with the form), when its
/// month and day fit; its digits come back as they were.
fn date_code(s: &str) -> Option<usize> {
    if s.len() != 10 {
        return None;
    }
    let v = parse_date(s)? as usize;
    let (year, month, day) = (v / 10_000, v / 100 % 100, v % 100);
    (month < 16 && day < 32).then_some((year * 16 + month) * 32 + day)
}

fn date_of_code(code: usize) -> [u8; 10] {
    let (day, month, year) = (code % 32, code / 32 % 16, code / 512);
    date_chars((year * 10_000 + month * 100 + day) as u32)
}

/// Where a canonical UUID's 32 hex digits are in its 36 characters.
const UUID_DIGITS: [usize; 32] = {
    let mut at = [0usize; 32];
    let (mut i, mut c) = (0, 0);
    while c < 36 {
        if !matches!(c, 8 | 13 | 18 | 23) {
            at[i] = c;
            i += 1;
        }
        c += 1;
    }
    at
};

/// The value of each lowercase hex digit, 16 for any other byte.
const HEX_VALUE: [u8; 256] = {
    let mut v = [16u8; 256];
    let mut d = 0;
    while d < 10 {
        v[b'0' as usize + d] = d as u8;
        d += 1;
    }
    let mut d = 0;
    while d < 6 {
        v[b'a' as usize + d] = 10 + d as u8;
        d += 1;
    }
    v
};

/// A canonical lowercase UUID's 16 bytes.
fn uuid_bytes(s: &str) -> Option<[u8; 16]> {
    let b = s.as_bytes();
    if b.len() != 36 || b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
        return None;
    }
    let mut out = [0u8; 16];
    let mut bad = 0u8;
    for (k, slot) in out.iter_mut().enumerate() {
        let hi = HEX_VALUE[b[UUID_DIGITS[2 * k]] as usize];
        let lo = HEX_VALUE[b[UUID_DIGITS[2 * k + 1]] as usize];
        bad |= hi | lo;
        *slot = (hi << 4) | (lo & 15);
    }
    (bad < 16).then_some(out)
}

fn uuid_text(bytes: &[u8]) -> Text<'static> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = *b"00000000-0000-0000-0000-000000000000";
    for (k, &byte) in bytes.iter().enumerate() {
        out[UUID_DIGITS[2 * k]] = HEX[(byte >> 4) as usize];
        out[UUID_DIGITS[2 * k + 1]] = HEX[(byte & 15) as usize];
    }
    Text::Spelt(out, 36)
}

/// A packed text read back: borrowed from the buffer or the codes, or spelt out again (a
/// date, a UUID) into a few bytes of its own.
#[derive(Clone, Copy)]
pub enum Text<'a> {
    Borrowed(&'a str),
    Spelt([u8; 36], u8),
}

impl Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Text::Borrowed(s) => s,
            Text::Spelt(bytes, n) => {
                std::str::from_utf8(&bytes[..*n as usize]).expect("spelt from ASCII")
            }
        }
    }
}

impl std::fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

/// Appends fields; [`Unpacker`] reads them back in the same order.
#[derive(Default)]
pub struct Packer(Vec<u8>);

impl Packer {
    /// Packs into `buffer` (cleared): a reused scratch buffer, given back by [`Self::into_inner`].
    pub fn reuse(mut buffer: Vec<u8>) -> Self {
        buffer.clear();
        Packer(buffer)
    }

    pub fn into_inner(self) -> Vec<u8> {
        self.0
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    fn varint(&mut self, mut v: usize) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    pub fn u8(&mut self, v: u8) {
        self.0.push(v);
    }

    pub fn count(&mut self, n: usize) {
        self.varint(n);
    }

    pub fn str(&mut self, s: &str) {
        self.varint(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }

    pub fn opt(&mut self, s: Option<&str>) {
        let Some(s) = s else {
            return self.varint(0);
        };
        if let Some(code) = common_code(s) {
            self.varint(code << 2 | CODE);
        } else if let Some(code) = date_code(s) {
            self.varint(code << 2 | DATE);
        } else {
            self.varint(s.len() << 2 | LITERAL);
            self.0.extend_from_slice(s.as_bytes());
        }
    }

    /// A statementId: a canonical UUID as its 16 bytes (0 then the bytes), any other text
    /// as its length + 1 then the text.
    pub fn id(&mut self, s: &str) {
        match uuid_bytes(s) {
            Some(bytes) => {
                self.varint(0);
                self.0.extend_from_slice(&bytes);
            }
            None => self.str_plus_one(s),
        }
    }

    fn str_plus_one(&mut self, s: &str) {
        self.varint(s.len() + 1);
        self.0.extend_from_slice(s.as_bytes());
    }

    pub fn f64(&mut self, v: Option<f64>) {
        match v {
            None => self.0.push(0),
            // A whole percent (most declared shares and bands) in a byte, bits unchanged.
            Some(v) if (0.0..=255.0).contains(&v) && (v as u8 as f64).to_bits() == v.to_bits() => {
                self.0.push(2);
                self.0.push(v as u8);
            }
            Some(v) => {
                self.0.push(1);
                self.0.extend_from_slice(&v.to_le_bytes());
            }
        }
    }

    pub fn bool(&mut self, v: Option<bool>) {
        self.0.push(match v {
            None => 2,
            Some(b) => b as u8,
        });
    }
}

/// Reads what a [`Packer`] wrote. The buffer is always one of ours, so a short read is a
/// bug, not bad data.
pub struct Unpacker<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Unpacker<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Unpacker { buf, pos: 0 }
    }

    fn varint(&mut self) -> usize {
        let mut v = 0usize;
        let mut shift = 0;
        loop {
            let b = self.buf[self.pos];
            self.pos += 1;
            v |= ((b & 0x7f) as usize) << shift;
            if b < 0x80 {
                return v;
            }
            shift += 7;
        }
    }

    pub fn u8(&mut self) -> u8 {
        let b = self.buf[self.pos];
        self.pos += 1;
        b
    }

    pub fn count(&mut self) -> usize {
        self.varint()
    }

    fn bytes(&mut self, n: usize) -> &'a str {
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        // Packed from `&str` values only.
        std::str::from_utf8(s).expect("packed text is UTF-8")
    }

    pub fn str(&mut self) -> &'a str {
        let n = self.varint();
        self.bytes(n)
    }

    pub fn opt(&mut self) -> Option<Text<'a>> {
        let v = self.varint();
        let (form, n) = (v & 3, v >> 2);
        Some(match form {
            LITERAL => Text::Borrowed(self.bytes(n)),
            CODE => Text::Borrowed(COMMON[n]),
            DATE => {
                let mut out = [0u8; 36];
                out[..10].copy_from_slice(&date_of_code(n));
                Text::Spelt(out, 10)
            }
            _ => return None,
        })
    }

    pub fn id(&mut self) -> Text<'a> {
        match self.varint() {
            0 => {
                let bytes = &self.buf[self.pos..self.pos + 16];
                self.pos += 16;
                uuid_text(bytes)
            }
            n => Text::Borrowed(self.bytes(n - 1)),
        }
    }

    /// The bytes after what was read.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    pub fn f64(&mut self) -> Option<f64> {
        match self.u8() {
            0 => None,
            2 => Some(self.u8() as f64),
            _ => {
                let mut b = [0u8; 8];
                b.copy_from_slice(&self.buf[self.pos..self.pos + 8]);
                self.pos += 8;
                Some(f64::from_le_bytes(b))
            }
        }
    }

    pub fn bool(&mut self) -> Option<bool> {
        match self.u8() {
            2 => None,
            b => Some(b == 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut p = Packer::default();
        p.str("é");
        p.opt(None);
        p.opt(Some(""));
        p.f64(Some(0.1));
        p.f64(None);
        p.bool(Some(true));
        p.bool(None);
        p.count(300);
        p.str(&"x".repeat(200));
        let buf = p.into_inner();
        let mut u = Unpacker::new(&buf);
        assert_eq!(u.str(), "é");
        assert!(u.opt().is_none());
        assert_eq!(u.opt().as_deref(), Some(""));
        assert_eq!(u.f64(), Some(0.1));
        assert_eq!(u.f64(), None);
        assert_eq!(u.bool(), Some(true));
        assert_eq!(u.bool(), None);
        assert_eq!(u.count(), 300);
        assert_eq!(u.str().len(), 200);
    }

    /// Codes, dates, UUIDs and whole shares come back as the same text and bits, and
    /// their look-alikes stay literal.
    #[test]
    fn compact_forms_round_trip() {
        let texts = [
            "shareholding",
            "significant-influence-or-control-as-firm",
            "Shareholding",
            "shareholding ",
            "2023-05-09",
            "0001-01-01",
            "9999-12-31",
            "2023-13-09",
            "2023-05-32",
            "2023-05-09T00:00:00Z",
            "2023-5-09",
            "２０２３-05-09",
            "x".repeat(300).leak(),
        ];
        let ids = [
            "e3500cbf-d66d-4e5a-a0ea-4c3c275ec922",
            "E3500CBF-D66D-4E5A-A0EA-4C3C275EC922",
            "e3500cbf-d66d-4e5a-a0ea-4c3c275ec92g",
            "e3500cbfd-66d-4e5a-a0ea-4c3c275ec922",
            "e3500cbf-d66d-4e5a-a0ea-4c3c275ec92",
            "",
            "00000000000000000000000000000001",
        ];
        let shares = [0.0, -0.0, 25.0, 255.0, 256.0, 25.5, 1e-300, 100.0];
        let mut p = Packer::default();
        for t in texts {
            p.opt(Some(t));
        }
        for id in ids {
            p.id(id);
        }
        for v in shares {
            p.f64(Some(v));
        }
        let buf = p.into_inner();
        let mut u = Unpacker::new(&buf);
        for t in texts {
            assert_eq!(u.opt().as_deref(), Some(t));
        }
        for id in ids {
            assert_eq!(&*u.id(), id);
        }
        for v in shares {
            assert_eq!(u.f64().map(f64::to_bits), Some(v.to_bits()));
        }
        assert!(u.rest().is_empty());
        let size = |f: &dyn Fn(&mut Packer)| {
            let mut p = Packer::default();
            f(&mut p);
            p.into_inner().len()
        };
        assert_eq!(size(&|p| p.opt(Some("shareholding"))), 1);
        assert_eq!(size(&|p| p.opt(Some("2023-05-09"))), 4);
        assert_eq!(size(&|p| p.id(ids[0])), 17);
        assert_eq!(size(&|p| p.f64(Some(75.0))), 2);
    }

    #[test]
    fn codes_are_distinct_and_one_byte_or_two() {
        let mut seen = std::collections::HashSet::new();
        for (code, t) in COMMON.iter().enumerate() {
            assert!(seen.insert(*t), "{t} twice");
            assert_eq!(common_code(t), Some(code));
        }
        assert!(COMMON.len() < 1 << 12);
    }
}
