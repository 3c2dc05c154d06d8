//! The health checkers, as keepalived's checker child runs them.

pub mod checker;
pub mod child;
mod ipvs;
pub mod probe;
