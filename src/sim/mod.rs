//! The deterministic world: virtual time, the event queue, the RNG, links, and the loop that
//! moves frames between nodes.

pub mod captures;
pub mod ctx;
pub mod link;
pub mod queue;
pub mod rng;
pub mod time;
pub mod world;

pub use ctx::Ctx;
pub use time::Time;
