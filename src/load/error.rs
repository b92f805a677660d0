//! Why a load test could not run: the flags or the scenario are wrong, or nothing answered.
//! Kept out of `mod.rs` so that `cli.rs` and `scenario_node.rs`, which `mod.rs` calls, import it
//! without an import circle.

use std::path::PathBuf;

use crate::report::ReportWriteError;
use crate::results::threshold::ThresholdError;

/// A workload that cannot be run as written.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum WorkloadError {
    #[error("request `{request}`: invalid URL `{url}`: {reason}")]
    #[diagnostic(
        code("load::bad-url"),
        help("write a full URL such as http://127.0.0.1:3000/api, or set base-url")
    )]
    Url {
        request: String,
        url: String,
        reason: String,
    },
    #[error("request `{request}`: invalid template: {reason}")]
    #[diagnostic(
        code("load::bad-template"),
        help("templates are minijinja: {{{{ vars.token }}}}, {{{{ data.email }}}}")
    )]
    Template { request: String, reason: String },
    #[error("request `{request}`: invalid header `{header}`")]
    #[diagnostic(
        code("load::bad-header"),
        help("a header name is a token such as X-Request-Id; its value is visible ASCII")
    )]
    Header { request: String, header: String },
    #[error("request `{request}`: invalid JSON path `{path}`: {reason}")]
    #[diagnostic(
        code("load::bad-json-path"),
        help("write an RFC 9535 JSON path such as $.data.token")
    )]
    JsonPath {
        request: String,
        path: String,
        reason: String,
    },
    #[error("the scenario has no request to send")]
    #[diagnostic(
        code("load::no-request"),
        help("add a `request \"NAME\" \"GET\" \"/path\"` to the scenario")
    )]
    NoRequest,
    #[error(transparent)]
    #[diagnostic(transparent)]
    Feeder(#[from] crate::load::feeder::FeederError),
    #[error("cannot use the OpenAPI document {document}: {reason}")]
    #[diagnostic(
        code("load::openapi"),
        help(
            "`openapi` names an OpenAPI 3.0 or 3.1 document (JSON or YAML): a file relative to \
             the manifest, or an http:// URL fetched when the run starts"
        )
    )]
    OpenApi { document: String, reason: String },
}

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
