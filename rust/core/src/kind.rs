//! Edge kinds and sets of them: what a traversal follows.

/// The kind of an edge. Money flows source → target in all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Kind {
    /// Source holds `share` of target's equity.
    Equity = 0,
    /// Source lends `amount` to target.
    Credit = 1,
    /// Source commits to pay `amount` to target (cloud, chips, services).
    Commitment = 2,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Equity, Kind::Credit, Kind::Commitment];

    pub fn from_code(code: u8) -> Option<Kind> {
        Kind::ALL.get(code as usize).copied()
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Equity => "equity",
            Kind::Credit => "credit",
            Kind::Commitment => "commitment",
        }
    }
}

/// The edge kinds a traversal follows, one bit per kind code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindMask(u8);

impl KindMask {
    pub const ALL: KindMask = KindMask(0b111);
    pub const EQUITY: KindMask = KindMask(1 << Kind::Equity as u8);

    pub fn of(kinds: &[Kind]) -> KindMask {
        KindMask(kinds.iter().fold(0, |m, &k| m | (1 << k as u8)))
    }

    /// One bit per kind code (a key for what is cached per set of kinds).
    pub fn bits(self) -> u8 {
        self.0
    }

    pub fn contains(self, kind: Kind) -> bool {
        self.0 & (1 << kind as u8) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_masks() {
        assert_eq!(Kind::from_code(2), Some(Kind::Commitment));
        assert_eq!(Kind::from_code(3), None);
        assert!(KindMask::of(&[Kind::Credit]).contains(Kind::Credit));
        assert!(!KindMask::of(&[Kind::Credit]).contains(Kind::Equity));
        assert!(Kind::ALL.iter().all(|&k| KindMask::ALL.contains(k)));
        assert_eq!(KindMask::of(&[Kind::Equity]), KindMask::EQUITY);
    }
}
