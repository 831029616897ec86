//! The commands, one module each, on top of everything else: nothing below
//! them imports a command.

pub mod audit;
pub mod check;
pub mod evaluate;
pub mod remediate;
pub mod report;
pub mod shell;
