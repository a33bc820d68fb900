//! Exposure quantities over the equity matrix W (`W[i, j]` = share of j held by i): rows and
//! columns of integrated ownership (walks) and its sparse thresholded form (`integrated`),
//! ultimate owners (`ultimate`), chain multiplication over simple paths (`paths`) and the
//! look-through loss (`look_through`).
//!
//! All but simple paths solve `x = M x + b` over the graph's [`Plan`], built once per graph
//! (`plan`): its components are finished level by level (`solve`), each cycle by a local solve
//! (`local_solve`); a plan of upper bounds first finds the components whose walk sum
//! diverges (`spectral`).

mod integrated;
mod local_solve;
mod look_through;
mod look_through_many;
mod paths;
mod plan;
mod plan_parts;
mod solve;
mod sparse_columns;
mod spectral;
mod sweep_order;
mod ultimate;

#[cfg(test)]
mod tests;

pub(crate) use self::sparse_columns::{sparse_columns, Wanted};
pub use self::{
    integrated::{
        exposure_to, holdings_of, integrated_walks, integrated_walks_sparse, Entries, Stake,
        SPARSE_BOUND_FRACTION,
    },
    local_solve::{MAX_SWEEPS, TOLERANCE},
    look_through::{look_through, Losses},
    look_through_many::{look_through_many, LossesMany, DENSE_SHARE},
    paths::simple_paths,
    plan::{Direction, Plan, Solver, DENSE_LIMIT},
    ultimate::{ultimate_owners, ultimate_owners_with},
};
