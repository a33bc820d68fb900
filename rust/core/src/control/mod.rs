//! Control and sanctions over equity holdings counted in full through controlled companies,
//! never multiplied along chains (`blocked`: the OFAC, EU and UK ownership rules).

mod blocked;

pub use self::blocked::{blocked, Blocked, Rule, TOLERANCE};
