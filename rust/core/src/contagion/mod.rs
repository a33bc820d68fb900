//! Contagion over claims (credit and commitment amounts): DebtRank (`debtrank`), sequential
//! defaults (`furfine`) and clearing (`clearing`).

mod clearing;
mod debtrank;
mod furfine;

pub use self::clearing::{clearing, Clearing, Priority, MAX_ROUNDS as CLEARING_MAX_ROUNDS};
pub use self::debtrank::{claims, debtrank, DebtRank, Variant, MAX_ROUNDS, TOLERANCE};
pub use self::furfine::{furfine, AtThreshold, Furfine};

/// The claims of one node on another (`claims`), rows by claimant.
pub type Claims = crate::csr::Csr;
