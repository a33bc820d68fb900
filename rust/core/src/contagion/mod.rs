//! Contagion over claims (credit and commitment amounts): DebtRank (`debtrank`), sequential
//! defaults (`furfine`) and clearing (`clearing`).

mod clearing;
mod debtrank;
mod furfine;
mod many;
mod scenarios;

pub use self::clearing::{clearing, Clearing, Priority, MAX_ROUNDS as CLEARING_MAX_ROUNDS};
pub use self::debtrank::{claims, debtrank, DebtRank, Variant, MAX_ROUNDS, TOLERANCE};
pub use self::furfine::{furfine, AtThreshold, Furfine};
pub use self::many::{
    clearing_many, debtrank_many, furfine_many, ClearingMany, DebtRankMany, FurfineMany,
};
pub(crate) use self::scenarios::{in_tasks, Touched};
pub use self::scenarios::{Scenarios, TASKS_PER_THREAD};

/// The claims of one node on another (`claims`), rows by claimant.
pub type Claims = crate::csr::Csr;
