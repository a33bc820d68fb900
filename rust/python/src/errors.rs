//! The one place core errors become Python exceptions. The classes live in
//! `aiexposure.errors` and are imported once, typed; node references are written `⟦index⟧`
//! and listed in the exception's `node_indices` so the Python layer can name them with the
//! caller's labels. A broken contract (a caller's bug) is a plain `ValueError`; bad data is
//! an `InvalidGraphError` with its `rows` or `nodes`.

use std::any::Any;
use std::fmt::Write;

use aiexposure_core::error::{Error, OverHeld};
use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError, PyValueError};
use pyo3::prelude::*;

pyo3::import_exception!(aiexposure.errors, InvalidGraphError);
pyo3::import_exception!(aiexposure.errors, ClosedCycleError);
pyo3::import_exception!(aiexposure.errors, ConvergenceError);
pyo3::import_exception!(aiexposure.errors, InternalError);
pyo3::import_exception!(aiexposure.errors, InvalidBodsError);

fn node(i: u32) -> String {
    format!("⟦{i}⟧")
}

/// `err` with its node references and rows attached as attributes.
fn with_context(py: Python<'_>, err: PyErr, nodes: Vec<u32>, rows: Vec<usize>) -> PyErr {
    let value = err.value(py);
    let attached = value
        .setattr("node_indices", nodes)
        .and_then(|()| value.setattr("rows", rows));
    match attached {
        Ok(()) => err,
        Err(e) => e,
    }
}

fn describe_over_held(issuers: &[OverHeld], count: usize, nodes: &mut Vec<u32>) -> String {
    let mut msg = String::new();
    let first = &issuers[0];
    nodes.push(first.issuer);
    let _ = write!(
        msg,
        "equity shares held in issuer {} sum to {:.6}, above 1: ",
        node(first.issuer),
        first.total
    );
    let holders: Vec<String> = first
        .top_holders
        .iter()
        .map(|&(h, s)| {
            nodes.push(h);
            format!("{} holds {s}", node(h))
        })
        .collect();
    msg.push_str(&holders.join(", "));
    if first.holders > first.top_holders.len() {
        let _ = write!(msg, " and {} more", first.holders - first.top_holders.len());
    }
    if count > 1 {
        let others: Vec<String> = issuers[1..]
            .iter()
            .map(|o| {
                nodes.push(o.issuer);
                format!("{} ({:.6})", node(o.issuer), o.total)
            })
            .collect();
        let more = count - issuers.len();
        let _ = write!(
            msg,
            "; {} more over-held issuer(s): {}",
            count - 1,
            others.join(", ")
        );
        if more > 0 {
            let _ = write!(msg, " and {more} others");
        }
    }
    msg.push_str(
        ". Over-reported holdings make every exposure sum meaningless: \
         correct or rescale the shares of these issuers.",
    );
    msg
}

pub fn to_pyerr(py: Python<'_>, error: Error) -> PyErr {
    let mut nodes = Vec::new();
    match error {
        Error::Interrupted => PyKeyboardInterrupt::new_err("interrupted"),
        Error::InvalidArgument(msg) => PyValueError::new_err(msg),
        Error::InvalidRow { row, problem } => {
            let err = with_context(
                py,
                InvalidGraphError::new_err(format!("row {row} (0-based): {problem}")),
                nodes,
                vec![row],
            );
            // Where the row is, in the words of the reader that made it (`located`).
            match err
                .value(py)
                .setattr("template", format!("{{rows}}: {problem}"))
            {
                Ok(()) => err,
                Err(e) => e,
            }
        }
        Error::TooLarge { .. } => InvalidGraphError::new_err(error.to_string()),
        Error::ClosedCycle { members, size } => {
            let names: Vec<String> = members.iter().map(|&m| node(m)).collect();
            let more = size - members.len();
            let msg =
                format!(
                "closed cycle of {size} node(s) ({}{}): each is 100% held inside the cycle, so \
                 the walk sum (I - W)^-1 diverges. Use method='simple_paths' (always finite), \
                 or check the data: some shares of these nodes are missing or over-reported",
                names.join(", "),
                if more > 0 { format!(" and {more} more") } else { String::new() }
            );
            with_context(py, ClosedCycleError::new_err(msg), members, Vec::new())
        }
        Error::Convergence { .. } => ConvergenceError::new_err(format!(
            "{error}; no result is returned rather than an inaccurate one"
        )),
        Error::OverHeld { issuers, count } => {
            let msg = describe_over_held(&issuers, count, &mut nodes);
            with_context(py, InvalidGraphError::new_err(msg), nodes, Vec::new())
        }
        Error::InvalidBods {
            message,
            statement_ids,
        } => {
            let err = InvalidBodsError::new_err(message);
            match err.value(py).setattr("statement_ids", statement_ids) {
                Ok(()) => err,
                Err(e) => e,
            }
        }
    }
}

/// A panic, as `InternalError`; a plain `RuntimeError` should even the package's Python
/// part be broken (importing the class panics then), never `PanicException`.
pub fn internal_error(py: Python<'_>, payload: &(dyn Any + Send)) -> PyErr {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    let message = format!(
        "internal error in aiexposure's Rust core: {what}. This is a bug: please report it \
         with the input that triggered it."
    );
    let typed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let err = InternalError::new_err(message.clone());
        let _ = err.value(py);
        err
    }));
    typed.unwrap_or_else(|_| PyRuntimeError::new_err(message))
}
