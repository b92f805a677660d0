//! The load engine: `backendctl load URL …` and the `scenario` node.
//!
//! A scenario becomes a [`workload::Workload`]; the [`engine`] runs it with one connection per
//! virtual user, records every request into per-thread HdrHistograms ([`recorder`]), harvests
//! them once a second ([`collector`]) and evaluates thresholds (`crate::results::threshold`) live
//! and at the end. No
//! sample is kept, so memory stays flat however long the run; histograms are exact to three
//! significant figures and mergeable across shards and machines.

pub mod cli;
pub(crate) mod collector;
pub(crate) mod connection;
pub(crate) mod engine;
pub mod error;
pub(crate) mod error_category;
pub(crate) mod exchange;
pub(crate) mod execution;
pub mod feeder;
pub(crate) mod http1_connection;
pub(crate) mod node;
pub(crate) mod recorder;
pub(crate) mod request_spec;
pub mod run_context;
pub(crate) mod tls;
pub(crate) mod virtual_user;
pub(crate) mod workload;

pub use node::ScenarioNode;

use crate::globals::Globals;

pub use error::Error;

/// `backendctl load …`.
///
/// # Errors
/// [`Error`].
pub async fn run(args: cli::LoadArgs, globals: &Globals) -> Result<u8, Error> {
    let json_output = globals.settings.output == crate::settings::OutputFormat::Json;
    cli::run(args, json_output).await
}
