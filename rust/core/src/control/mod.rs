//! Control and sanctions over equity holdings counted in full through controlled companies,
//! never multiplied along chains: `blocked` (the OFAC, EU and UK ownership rules) and
//! `control` (company control).

mod blocked;
mod company;
mod fixpoint;

pub use self::blocked::{blocked, Blocked, Rule, TOLERANCE};
pub use self::company::{control, Control};
pub use self::fixpoint::Bounds;
