//! The one place core errors become Python exceptions. The classes live in
//! `aiexposure.errors`; node references are written `⟦index⟧` and listed in the exception's
//! `node_indices` so the Python layer can name them with the caller's labels.

use std::any::Any;
use std::fmt::Write;

use aiexposure_core::error::{Error, OverHeld};
use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError};
use pyo3::prelude::*;

fn node(i: u32) -> String {
    format!("⟦{i}⟧")
}

fn raise(py: Python<'_>, class: &str, message: String, nodes: Vec<u32>) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let module = py.import("aiexposure.errors")?;
        let exc = module.getattr(class)?.call1((message.clone(),))?;
        exc.setattr("node_indices", nodes.clone())?;
        Ok(PyErr::from_value(exc))
    };
    // Only if the Python package itself is broken; keep the message anyway.
    build().unwrap_or_else(|e| PyRuntimeError::new_err(format!("{message} ({e})")))
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
        Error::InvalidArgument(msg) => raise(py, "InvalidGraphError", msg, nodes),
        Error::TooLarge { .. } => raise(py, "InvalidGraphError", error.to_string(), nodes),
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
            raise(py, "ClosedCycleError", msg, members)
        }
        Error::Convergence { .. } => raise(
            py,
            "ConvergenceError",
            format!("{error}; no result is returned rather than an inaccurate one"),
            nodes,
        ),
        Error::OverHeld { issuers, count } => {
            let msg = describe_over_held(&issuers, count, &mut nodes);
            raise(py, "InvalidGraphError", msg, nodes)
        }
    }
}

pub fn internal_error(py: Python<'_>, payload: &(dyn Any + Send)) -> PyErr {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    raise(
        py,
        "InternalError",
        format!(
            "internal error in aiexposure's Rust core: {what}. This is a bug: please report it \
             with the input that triggered it."
        ),
        Vec::new(),
    )
}
