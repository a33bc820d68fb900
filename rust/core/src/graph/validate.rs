//! Column and row checks of the edge input.

use rayon::prelude::*;

use super::EdgeInput;
use crate::error::{Error, Result};
use crate::interrupt::Interrupt;
use crate::kind::Kind;

/// Rows per parallel task of the row checks (each task polls the interrupt flag once).
const ROWS: usize = 1 << 16;

pub(super) fn check_columns(input: &EdgeInput<'_>) -> Result<()> {
    let m = input.source.len();
    if m >= u32::MAX as usize {
        return Err(Error::TooLarge {
            what: "edges",
            count: m,
            max: u32::MAX as usize - 1,
        });
    }
    let same = |name: &str, len: usize, optional: bool| {
        if len == m || (optional && len == 0) {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "column {name} has {len} items, expected {m}"
            )))
        }
    };
    same("target", input.target.len(), false)?;
    same("kind", input.kind.len(), true)?;
    same("amount", input.amount.len(), true)?;
    let has_equity = input.kind.is_empty() || input.kind.contains(&(Kind::Equity as u8));
    same("share", input.share.len(), !has_equity)
}

/// Row checks the Python layer already makes with better messages, repeated so that no caller
/// can build an invalid graph. Reports the first bad row.
pub(super) fn check_rows(input: &EdgeInput<'_>, interrupt: Interrupt) -> Result<()> {
    let m = input.source.len();
    let first_bad = (0..m.div_ceil(ROWS))
        .into_par_iter()
        .map(|c| {
            interrupt.check()?;
            let rows = c * ROWS..((c + 1) * ROWS).min(m);
            Ok(rows.into_iter().find_map(|e| row_problem(input, e)))
        })
        .collect::<Result<Vec<_>>>()?;
    match first_bad.into_iter().flatten().next() {
        Some((row, problem)) => Err(Error::InvalidRow { row, problem }),
        None => Ok(()),
    }
}

fn row_problem(input: &EdgeInput<'_>, e: usize) -> Option<(usize, String)> {
    let n = input.num_nodes;
    if input.source[e] as usize >= n || input.target[e] as usize >= n {
        return Some((e, format!("node index out of range for {n} nodes")));
    }
    let kind = match input.kind.get(e) {
        None => Kind::Equity,
        Some(&code) => match Kind::from_code(code) {
            Some(k) => k,
            None => return Some((e, format!("unknown kind code {code}"))),
        },
    };
    if kind == Kind::Equity {
        // 0 is the lower bound of a stake known only as an interval (an unknown one: (0, 1]).
        let s = input.share[e];
        if !(0.0..=1.0).contains(&s) {
            return Some((e, format!("equity share {s} is outside [0, 1]")));
        }
    }
    match input.amount.get(e) {
        Some(&a) if a < 0.0 || a.is_infinite() => {
            Some((e, format!("amount {a} is negative or infinite")))
        }
        _ => None,
    }
}
