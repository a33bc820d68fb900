//! Contagion over claims (credit and commitment amounts): DebtRank (`debtrank`).

mod debtrank;

pub use self::debtrank::{claims, debtrank, DebtRank, Variant, MAX_ROUNDS, TOLERANCE};
