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
pub mod feeder;
pub(crate) mod http1_connection;
pub(crate) mod recorder;
pub(crate) mod request_spec;
pub mod run_context;
pub(crate) mod scenario_node;
pub(crate) mod tls;
pub(crate) mod virtual_user;
pub(crate) mod workload;

use crate::executor::{ApplyContext, PlanContext};
use crate::globals::Globals;
use crate::plan::{Outcome, Step};

pub use error::Error;

/// Plans a `scenario` node.
///
/// # Errors
/// [`Error`].
pub async fn plan_scenario(context: &PlanContext<'_>, name: &str) -> Result<Step, Error> {
    scenario_node::plan(context, name)
}

/// Applies a `scenario` step.
///
/// # Errors
/// [`Error`].
pub async fn apply_scenario(context: &ApplyContext<'_>, step: &Step) -> Result<Outcome, Error> {
    scenario_node::apply(context, step).await
}

/// `backendctl load …`.
///
/// # Errors
/// [`Error`].
pub async fn run(args: cli::LoadArgs, _globals: &Globals) -> Result<u8, Error> {
    cli::run(args).await
}
