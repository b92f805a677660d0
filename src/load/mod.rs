//! The load engine: `backendctl load URL …` and the `scenario` node.
//!
//! A scenario becomes a [`workload::Workload`]; the [`engine`] runs it with one connection per
//! virtual user, records every request into per-thread HdrHistograms ([`recorder`]), harvests
//! them once a second ([`collector`]) and evaluates [`threshold`]s live and at the end. No
//! sample is kept, so memory stays flat however long the run; histograms are exact to three
//! significant figures and mergeable across shards and machines.

pub mod cli;
pub(crate) mod collector;
pub(crate) mod connection;
pub(crate) mod engine;
pub(crate) mod error_category;
pub mod feeder;
pub mod histogram;
pub(crate) mod http1_connection;
pub(crate) mod node;
pub(crate) mod recorder;
pub(crate) mod request_spec;
pub mod run_context;
pub mod threshold;
pub(crate) mod tls;
pub(crate) mod virtual_user;
pub(crate) mod workload;

pub use node::ScenarioNode;

use crate::globals::Globals;
use crate::load::run_context::WorkloadError;
use crate::load::threshold::ThresholdError;

/// Why a load test could not run.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error("invalid HTTP method `{0}`")]
    Method(String),
    #[error("invalid header `{0}`")]
    #[diagnostic(help("write headers as -H 'Name: value'"))]
    Header(String),
    #[error("invalid form field `{0}`")]
    #[diagnostic(help("write form fields as --form name=value"))]
    Form(String),
    #[error("cannot read the request body from {path}: {source}")]
    Body {
        path: String,
        source: std::io::Error,
    },
    #[error("--rate must be a positive number of requests per second")]
    Rate,
    #[error(transparent)]
    #[diagnostic(transparent)]
    Threshold(#[from] ThresholdError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Workload(#[from] WorkloadError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Output(#[from] crate::report::output::OutputError),
    #[error("scenario `{name}`: {reason}")]
    Scenario { name: String, reason: String },
    #[error("every request failed ({0})")]
    #[diagnostic(help("is the target running and reachable at that URL?"))]
    AllFailed(String),
}

/// `backendctl load …`.
///
/// # Errors
/// [`Error`].
pub async fn run(args: cli::LoadArgs, _globals: &Globals) -> Result<u8, Error> {
    cli::run(args).await
}
