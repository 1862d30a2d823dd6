//! The `ioc-emit` command line, as a library.
//!
//! [`run`] is the whole program; the `ioc-emit` binary only calls it. A team that adds its own
//! backend builds its own binary the same way: link the backend crate and call [`main`].
//!
//! Exit codes: 0 on success (rejected rows are reported, not fatal), 1 when an input cannot be
//! read, 2 for a usage error, 3 when a backend refuses its options, 4 when no query could be
//! emitted (every record rejected, skipped or unsupported), 70 for an internal error.

mod builtin;
mod cli;
#[doc(hidden)]
pub mod fuzz_support;
mod input;
mod out_dir;
mod output;
mod pipeline;
mod progress;
mod warninglists;

use std::ffi::OsString;
use std::process::ExitCode;

pub use cli::Cli;
pub use pipeline::{
    emit, emit_detection, emit_full, emit_with, run as emit_from, Outcome, PipelineError,
};

/// Runs the command line with the process's arguments.
pub fn main() -> ExitCode {
    run(std::env::args_os())
}

/// Runs the command line with the given arguments (the first is the program name).
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    cli::run(args)
}
