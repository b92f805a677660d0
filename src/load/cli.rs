//! `backendctl load URL …`: an ad-hoc load test without a manifest. The flags build the same
//! [`Workload`] a manifest `scenario` would, and run through the same engine and reports.

use std::path::PathBuf;
use std::time::Duration;

use http::{HeaderName, HeaderValue, Method};
use tokio_util::sync::CancellationToken;

use crate::engine::StopSignals;
use crate::exit_code;
use crate::load::conformance::ContractSource;
use crate::load::engine;
use crate::load::error::Error;
use crate::load::error::WorkloadError;
use crate::load::execution::{self, Execution};
use crate::load::request_spec::{Check, RequestBody, RequestSpec};
use crate::load::workload::{ClientOptions, IterationOrder, LoadModel, Shard, Stage, Workload};
use crate::report::report_files;
use crate::results::report_format::ReportFormat;
use crate::results::report_outputs::ReportOutputs;
use crate::results::run_directory;
use crate::results::run_report::{self, RunReport};
use crate::results::threshold::Threshold;

/// Load-test one URL.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "Examples:
  backendctl load http://127.0.0.1:3000/api/products --users 50 --requests 1000
  backendctl load http://127.0.0.1:3000/api/orders -X POST --data order.json -H 'Authorization: Bearer …'
  backendctl load http://127.0.0.1:3000/ --rate 200 --duration 30s --threshold 'p99<250ms'
  backendctl load http://127.0.0.1:3000/api/users --openapi openapi.yaml -t 'conformance>99.9%'")]
pub struct LoadArgs {
    /// Boxed: the flags are many, and the `Command` enum stays small.
    #[command(flatten)]
    pub(crate) flags: Box<LoadFlags>,
}

/// The flags of `backendctl load`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct LoadFlags {
    /// The URL to load (http:// or https://).
    pub(crate) url: String,

    /// Virtual users (concurrent connections) in the closed model.
    #[arg(short = 'u', long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) users: u64,

    /// Total requests to send, shared by all users [default: 100, or unlimited with --duration].
    #[arg(short = 'n', long, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) requests: Option<u64>,

    /// Stop after this long (`30s`, `2m`).
    #[arg(short = 'd', long, value_parser = humantime::parse_duration)]
    pub(crate) duration: Option<Duration>,

    /// Open model: start this many requests per second, whatever the latency (needs --duration);
    /// latency is measured from each request's intended start.
    #[arg(long, requires = "duration")]
    pub(crate) rate: Option<f64>,

    /// Open model: most users busy at once; requests due beyond that are dropped and counted.
    #[arg(long, default_value_t = 1000)]
    pub(crate) max_vus: u64,

    /// HTTP method [default: GET, or POST with --data/--form].
    #[arg(short = 'X', long)]
    pub(crate) method: Option<String>,

    /// Request body: inline text, or `@FILE`, or the path of an existing file. A body that is
    /// JSON is sent as `application/json`.
    #[arg(long, conflicts_with = "form")]
    pub(crate) data: Option<String>,

    /// A form field `NAME=VALUE`, sent as `application/x-www-form-urlencoded` (repeatable).
    #[arg(long, value_name = "NAME=VALUE")]
    pub(crate) form: Vec<String>,

    /// A request header `Name: value` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub(crate) headers: Vec<String>,

    /// Per-request timeout, including the response body.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    pub(crate) timeout: Duration,

    /// Count a response as failed unless it has this status.
    #[arg(long)]
    pub(crate) expect_status: Option<u16>,

    /// A pass/fail condition (`p95<250ms`, `error-rate<1%`, `rps>200`); a breach exits 99.
    #[arg(short = 't', long = "threshold", value_name = "CONDITION")]
    pub(crate) thresholds: Vec<String>,

    /// Use HTTP/2 (prior knowledge on http://, ALPN on https://).
    #[arg(long)]
    pub(crate) http2: bool,

    /// Accept self-signed or otherwise invalid TLS certificates (for local targets).
    #[arg(short = 'k', long)]
    pub(crate) insecure: bool,

    /// Open a new connection for every request.
    #[arg(long)]
    pub(crate) no_keepalive: bool,

    /// Check responses against this OpenAPI 3.0/3.1 document (a JSON or YAML file, or an
    /// http:// URL fetched once at the start): status, content type and body.
    #[arg(long, value_name = "FILE|URL")]
    pub(crate) openapi: Option<String>,

    /// The share of responses checked against --openapi [default: 5%].
    #[arg(long, value_name = "PERCENT", requires = "openapi")]
    pub(crate) openapi_sample: Option<String>,

    /// Run shard I of N (`2/4`): one N-th of the users, requests or rate.
    #[arg(long, value_name = "I/N", value_parser = Shard::parse)]
    pub(crate) shard: Option<Shard>,

    /// Print the full results (`run.json`) on stdout: the same as `-o json`.
    #[arg(long, conflicts_with = "output")]
    pub(crate) json: bool,

    /// Also write the run's reports (`scenario-load.json`, `.html`, `.junit.xml`) into a new
    /// directory under DIR named after the run's start, and point DIR/latest at it.
    #[arg(long, value_name = "DIR")]
    pub(crate) report_dir: Option<PathBuf>,

    #[command(flatten)]
    pub(crate) outputs: ReportOutputs,
}

impl LoadFlags {
    /// The workload these flags describe.
    pub(crate) fn workload(&self) -> Result<Workload, Error> {
        let parsed = url::Url::parse(&self.url).map_err(|e| WorkloadError::Url {
            request: "load".to_owned(),
            url: crate::secret::SecretUrl::literal(self.url.as_str()).masked(),
            reason: e.to_string(),
        })?;
        let body = self.body()?;
        let method = match &self.method {
            Some(m) => Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                .map_err(|_| Error::Method { method: m.clone() })?,
            None if body.is_some() => Method::POST,
            None => Method::GET,
        };
        let mut headers = Vec::new();
        for h in &self.headers {
            let bad_header = || Error::Header { header: h.clone() };
            let (name, value) = h.split_once(':').ok_or_else(bad_header)?;
            let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| bad_header())?;
            headers.push((name, value.trim().to_owned()));
        }
        let path = match parsed.query() {
            Some(q) => format!("{}?{q}", parsed.path()),
            None => parsed.path().to_owned(),
        };
        let mut request = RequestSpec::get(&format!("{method} {path}"), parsed.as_str());
        request.method = method;
        request.headers = headers;
        request.body = body;
        request.timeout = self.timeout;
        if let Some(status) = self.expect_status {
            request.checks.push(Check::Status(status));
        }
        let model = match (self.rate, self.duration) {
            (Some(rate), Some(duration)) => {
                if !(rate.is_finite() && rate > 0.0) {
                    return Err(Error::Rate { rate });
                }
                LoadModel::Open {
                    stages: vec![Stage {
                        duration,
                        target: rate,
                    }],
                    max_vus: self.max_vus,
                }
            }
            _ => LoadModel::Fixed {
                users: self.users,
                iterations: self.requests.or(if self.duration.is_some() {
                    None
                } else {
                    Some(100)
                }),
                duration: self.duration,
            },
        };
        let thresholds = self
            .thresholds
            .iter()
            .map(|t| Threshold::parse_flag(t))
            .collect::<Result<_, _>>()?;
        let contract = match &self.openapi {
            Some(document) => Some(
                ContractSource::new(
                    document,
                    crate::secret::SecretUrl::literal(document.as_str()).masked(),
                    std::path::Path::new("."),
                    self.openapi_sample.as_deref(),
                )
                .map_err(|reason| Error::Scenario {
                    name: "load".to_owned(),
                    reason,
                })?,
            ),
            None => None,
        };
        Ok(Workload {
            name: "load".to_owned(),
            requests: vec![request],
            order: IterationOrder::Sequence,
            model,
            thresholds,
            abort_delay: Duration::ZERO,
            feeder: None,
            client: ClientOptions {
                keep_alive: !self.no_keepalive,
                http2: self.http2,
                insecure: self.insecure,
                ..ClientOptions::default()
            },
            shard: self.shard,
            contract,
        })
    }

    fn body(&self) -> Result<Option<RequestBody>, Error> {
        if !self.form.is_empty() {
            let mut pairs = Vec::new();
            for field in &self.form {
                let (k, v) = field.split_once('=').ok_or_else(|| Error::Form {
                    field: field.clone(),
                })?;
                pairs.push((k.to_owned(), v.to_owned()));
            }
            let encoded = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            return Ok(Some(RequestBody {
                content: encoded,
                content_type: Some(HeaderValue::from_static(
                    "application/x-www-form-urlencoded",
                )),
            }));
        }
        let Some(data) = &self.data else {
            return Ok(None);
        };
        let file = data
            .strip_prefix('@')
            .map(PathBuf::from)
            .or_else(|| Some(PathBuf::from(data)).filter(|p| p.is_file()));
        let content = match file {
            Some(path) => std::fs::read_to_string(&path).map_err(|source| Error::Body {
                path: path.clone(),
                source,
            })?,
            None => data.clone(),
        };
        let is_json = serde_json::from_str::<serde_json::Value>(&content).is_ok();
        Ok(Some(RequestBody {
            content,
            content_type: is_json.then(|| HeaderValue::from_static("application/json")),
        }))
    }
}

/// Writes the run's reports into a new run directory under `report_dir` and points `latest`
/// at it; says where on stderr (stdout may be a report).
fn write_run_directory(report: &RunReport, report_dir: &std::path::Path) -> Result<(), Error> {
    let run_dir = run_directory::new_run_directory(report_dir);
    for (extension, format) in report_files::RUN_FILES {
        let path = run_dir.join(format!("scenario-load.{extension}"));
        report_files::write_file(&path, &report_files::render(report, format)?)?;
    }
    run_directory::point_latest_or_warn(&run_dir);
    eprintln!("reports: {}", run_dir.display());
    Ok(())
}

/// Runs an ad-hoc load test; returns the process exit code.
///
/// SIGINT (Ctrl-C), SIGTERM (a CI runner cancelling the job) and SIGHUP (a closed terminal)
/// each stop the run like the end of its time: the figures measured so far are printed and
/// saved, and the exit code says which signal it was (130, 143, 129).
pub(crate) async fn run(args: LoadArgs, json_output: bool) -> Result<u8, Error> {
    let args = args.flags;
    let workload = args.workload()?;
    let started_at = run_report::now_rfc3339();
    let cancel = CancellationToken::new();
    let on_signal = cancel.clone();
    let mut signals = StopSignals::install().map_err(Error::Signals)?;
    let watcher = tokio::spawn(async move {
        let signal = signals.recv().await;
        on_signal.cancel();
        signal
    });
    let execution = engine::execute(workload, true, cancel.clone()).await;
    let stopped_by = if cancel.is_cancelled() {
        watcher.await.ok()
    } else {
        watcher.abort();
        None
    };
    let Execution {
        report: scenario,
        unanswered,
    } = execution?;
    let report = RunReport::new(started_at, vec![scenario]);
    let stdout = if args.json || json_output {
        ReportFormat::Json
    } else {
        ReportFormat::Text
    };
    report_files::write(&report, &args.outputs, stdout)?;
    if let Some(dir) = &args.report_dir {
        write_run_directory(&report, dir)?;
    }
    if let Some(signal) = stopped_by {
        return Ok(signal.exit_code());
    }
    execution::ensure_measured(&report.scenarios[0], unanswered)?;
    Ok(if report.passed() {
        exit_code::OK
    } else {
        exit_code::THRESHOLD_BREACHED
    })
}
