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

use std::path::PathBuf;

use crate::executor::{ApplyContext, PlanContext};
use crate::globals::Globals;
use crate::load::run_context::WorkloadError;
use crate::plan::{Outcome, Step};
use crate::results::report_writer::ReportWriteError;
use crate::results::threshold::ThresholdError;

/// Why a load test could not run.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error("invalid HTTP method `{method}`")]
    #[diagnostic(
        code(load::bad_method),
        help("use a method such as GET, POST, PUT, PATCH, DELETE or HEAD")
    )]
    Method { method: String },
    #[error("invalid header `{header}`")]
    #[diagnostic(code(load::bad_header), help("write headers as -H 'Name: value'"))]
    Header { header: String },
    #[error("invalid form field `{field}`")]
    #[diagnostic(
        code(load::bad_form_field),
        help("write form fields as --form name=value")
    )]
    Form { field: String },
    #[error("cannot read the request body from {}: {source}", path.display())]
    #[diagnostic(
        code(load::unreadable_body),
        help("--data @FILE reads FILE; --data TEXT sends TEXT as it is")
    )]
    Body {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("--rate must be a positive number of requests per second, not {rate}")]
    #[diagnostic(code(load::bad_rate), help("for example --rate 200 --duration 30s"))]
    Rate { rate: f64 },
    #[error(transparent)]
    #[diagnostic(transparent)]
    Threshold(#[from] ThresholdError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Workload(#[from] WorkloadError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Report(#[from] ReportWriteError),
    #[error("scenario `{name}`: {reason}")]
    #[diagnostic(code(load::bad_scenario))]
    Scenario { name: String, reason: String },
    #[error("every request failed ({0})")]
    #[diagnostic(
        code(load::all_failed),
        help("is the target running and reachable at that URL?")
    )]
    AllFailed(String),
}

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
