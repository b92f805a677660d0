//! Why a load test could not run: the flags or the scenario are wrong, or nothing answered.
//! Kept out of `mod.rs` so that `cli.rs` and `scenario_node.rs`, which `mod.rs` calls, import it
//! without an import circle.

use std::path::PathBuf;

use crate::load::run_context::WorkloadError;
use crate::report::ReportWriteError;
use crate::results::threshold::ThresholdError;

/// Why a load test could not run.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error("invalid HTTP method `{method}`")]
    #[diagnostic(
        code("load::bad-method"),
        help("use a method such as GET, POST, PUT, PATCH, DELETE or HEAD")
    )]
    Method { method: String },
    #[error("invalid header `{header}`")]
    #[diagnostic(code("load::bad-header"), help("write headers as -H 'Name: value'"))]
    Header { header: String },
    #[error("invalid form field `{field}`")]
    #[diagnostic(
        code("load::bad-form-field"),
        help("write form fields as --form name=value")
    )]
    Form { field: String },
    #[error("cannot read the request body from {}: {source}", path.display())]
    #[diagnostic(
        code("load::unreadable-body"),
        help("--data @FILE reads FILE; --data TEXT sends TEXT as it is")
    )]
    Body {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("--rate must be a positive number of requests per second, not {rate}")]
    #[diagnostic(code("load::bad-rate"), help("for example --rate 200 --duration 30s"))]
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
    #[diagnostic(code("load::bad-scenario"))]
    Scenario { name: String, reason: String },
    #[error("cannot install the signal handlers: {0}")]
    #[diagnostic(
        code("load::signal-handlers"),
        help("SIGINT, SIGTERM and SIGHUP stop a load test and keep its figures")
    )]
    Signals(#[source] std::io::Error),
    #[error("no request completed in {elapsed}: {waiting}")]
    #[diagnostic(
        code("load::none-completed"),
        help(
            "the target took the connections but answered nothing in time: is it stuck, \
             overloaded or not an HTTP server? The requests cancelled at the end count as \
             `timeout` failures in the report"
        )
    )]
    NoneCompleted { elapsed: String, waiting: String },
    #[error("every request failed ({0})")]
    #[diagnostic(
        code("load::all-failed"),
        help("is the target running and reachable at that URL?")
    )]
    AllFailed(String),
}
