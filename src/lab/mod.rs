//! Labs: files of statements (topology, commands on nodes, expectations) that build a network,
//! run a lesson on it, and check what a student should see. The REPL speaks the same language.

pub mod current;
pub mod draw;
pub mod excerpt;
pub mod expect;
pub mod outdir;
pub mod parse;
pub mod runner;
pub mod validate;

pub use runner::Runner;

pub use parse::{parse_lab, Line, Stmt};
pub use runner::{run_lab, LabOptions, LabReport};
