//! The `backendctl` binary: parse, run, exit. Everything else is in the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(backendctl::run(std::env::args_os()))
}
