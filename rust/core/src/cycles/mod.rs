//! Simple cycles of the money-flow graph (money flows source → target on every edge).
//!
//! Parallel edges of different kinds are distinct edges, so one node sequence can give several
//! cycles (networkx `MultiDiGraph` semantics). Every cycle is found once, from its smallest
//! node `s`, by a search over the nodes `> s` of `s`'s strongly connected component that can
//! reach `s` (a backward BFS, which also gives each node's hop distance back to `s`).
//!
//! * Unbounded: Johnson's algorithm (blocked nodes, unblocked through the B lists).
//! * `max_length`: Gupta & Suzumura's bounded search (2021), as networkx's
//!   `simple_cycles(length_bound=...)`: a node that failed at some depth stays locked against
//!   deeper positions, and is relaxed when a short enough way back to `s` turns up.
//!
//! Both are one loop over an explicit stack (cycles can be as long as the graph). Edge filters
//! that do not depend on the path (kinds, `min_amount`, a share below `min_weight`) are applied
//! to the graph; the path-dependent `min_weight` prune is not a structural failure, so a branch
//! it cuts counts as "found" for the blocking logic (conservative: it may search more, never
//! less). Start nodes run in parallel; cycles come out sorted by their `edges` (edge positions,
//! lexicographically) for any thread count: starts are concatenated in order, and each start's
//! depth-first search tries a node's out-edges in position, i.e. (target, kind), order.
//!
//! Memory is bounded by `max_nodes`, the node slots the cycles found may hold in all (cycles
//! can average thousands of nodes, so counting cycles bounds nothing): the searches of a
//! batch share one counter and stop when it passes the budget; the output is then cut to
//! the longest prefix within it, the same prefix for any thread count.

mod api;
mod find_cycle;
mod search;

#[cfg(test)]
mod tests;

pub use self::{
    api::{simple_cycles, Cycle, CycleOptions, CycleSet},
    find_cycle::find_cycle,
};
