//! The one error type of the core. Node references are dense indices; the Python layer
//! replaces them with the caller's node labels.

use thiserror::Error;

pub type Result<T> = std::result::Result<T, Error>;

/// An issuer whose equity holders' shares sum above 1.
#[derive(Debug, Clone, PartialEq)]
pub struct OverHeld {
    pub issuer: u32,
    pub total: f64,
    /// The issuer's largest holders (index, share), largest first, at most five.
    pub top_holders: Vec<(u32, f64)>,
    /// How many equity holders the issuer has in all.
    pub holders: usize,
}

#[derive(Debug, Error, Clone, PartialEq)]
pub enum Error {
    /// The caller asked to stop (Ctrl-C).
    #[error("interrupted")]
    Interrupted,

    /// Arguments that break the function's contract (lengths, ranges): a bug in the caller.
    #[error("{0}")]
    InvalidArgument(String),

    /// An edge row that breaks the data model (a node index, kind code, share or amount out
    /// of range): bad data, told by its row.
    #[error("row {row}: {problem}")]
    InvalidRow { row: usize, problem: String },

    /// More distinct nodes or edges than `u32` indices can address.
    #[error("the graph has {count} {what}; at most {max} are supported")]
    TooLarge {
        what: &'static str,
        count: usize,
        max: usize,
    },

    /// A strongly connected component whose members are 100% held inside it: the walk sum
    /// (I - W)^-1 diverges there.
    #[error("closed cycle of {size} nodes: every member is 100% held inside it")]
    ClosedCycle {
        /// The first members (at most ten), in node order.
        members: Vec<u32>,
        size: usize,
    },

    /// An iterative solve did not reach its tolerance.
    #[error(
        "the iterative solve of a {size}-node component stopped after {iterations} sweeps at a \
         relative residual of {residual:e} (tolerance {tolerance:e})"
    )]
    Convergence {
        size: usize,
        iterations: usize,
        residual: f64,
        tolerance: f64,
    },

    /// BODS input that cannot be read as v0.4 statements, told by statementId.
    #[error("{message}")]
    InvalidBods {
        message: String,
        statement_ids: Vec<String>,
    },

    /// Shares held in some issuers sum above 1 (+ tolerance).
    #[error("{} issuer(s) have equity shares summing above 1", .count)]
    OverHeld {
        /// The first offending issuers in index order (at most ten).
        issuers: Vec<OverHeld>,
        count: usize,
    },
}
