//! The `scenario` node kind: turns a manifest scenario into a [`Workload`], plans it as a
//! step that always runs, and applies it by running the engine and writing its reports into
//! the run directory (`scenario-NAME.json`, `.html`, `.junit.xml`).

use std::path::Path;
use std::time::Duration;

use http::HeaderValue;

use futures_util::future::LocalBoxFuture;

use crate::engine::{
    Action, ApplyContext, Node, NodeError, Outcome, OutcomeStatus, PlanContext, Step,
};
use crate::load::engine;
use crate::load::error::Error;
use crate::load::execution::{self, Execution};
use crate::load::request_spec::{Check, Extraction, RequestBody, RequestSpec};
use crate::load::workload::{ClientOptions, IterationOrder, LoadModel, Shard, Stage, Workload};
use crate::manifest::model::scenario::{Request, Scenario, Thresholds};
use crate::manifest::rules;
use crate::manifest::{Address, NodeKind};
use crate::report::report_files;
use crate::results::report_format::ReportFormat;
use crate::results::run_report::{self, RunReport};
use crate::results::threshold::{Metric, Threshold};
use crate::secret::SecretUrl;

/// The `scenario` node kind.
#[derive(Debug, Clone, Copy)]
pub struct ScenarioNode;

// By hand rather than by `impl_node!`: a scenario that fails still hands its figures over.
impl Node for ScenarioNode {
    fn plan<'a>(
        &'a self,
        context: &'a PlanContext<'_>,
        name: &'a str,
    ) -> LocalBoxFuture<'a, Result<Step, NodeError>> {
        Box::pin(async move { plan(context, name).map_err(NodeError::new) })
    }

    fn apply<'a>(
        &'a self,
        context: &'a ApplyContext<'_>,
        step: &'a Step,
    ) -> LocalBoxFuture<'a, Result<Outcome, NodeError>> {
        Box::pin(apply(context, step))
    }
}

/// Default per-request timeout in a scenario.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default cap on busy virtual users in the open model.
const DEFAULT_MAX_VUS: u64 = 1000;

/// The workload a manifest scenario describes.
/// `shard` is the `shard` setting (`apply --shard 2/4` or `BACKENDCTL_SHARD=2/4`).
pub(crate) fn workload_of(
    name: &str,
    scenario: &Scenario,
    base_dir: &Path,
    shard: Option<&str>,
) -> Result<Workload, Error> {
    let invalid = |reason: String| Error::Scenario {
        name: name.to_owned(),
        reason,
    };
    let stages = &scenario.stages.stage;
    let to_stages = |value: fn(&crate::manifest::model::Stage) -> Option<u32>| {
        stages
            .iter()
            .map(|s| Stage {
                duration: s.duration.get(),
                target: f64::from(value(s).unwrap_or(0)),
            })
            .collect()
    };
    // Validation reported a broken model already (rules::load_model is the one rule).
    let shape = stages
        .iter()
        .map(|s| (s.target.is_some(), s.rate.is_some()));
    let model = match rules::load_model(shape) {
        Ok(rules::LoadModel::Closed) => LoadModel::Closed {
            stages: to_stages(|s| s.target),
        },
        Ok(rules::LoadModel::Open) => LoadModel::Open {
            stages: to_stages(|s| s.rate),
            max_vus: scenario.stages.max_vus.map_or(DEFAULT_MAX_VUS, u64::from),
        },
        Err((index, violation)) => {
            return Err(invalid(format!("stage {} {violation}", index + 1)));
        }
    };
    let timeout = scenario.timeout.map_or(DEFAULT_TIMEOUT, |d| d.get());
    let mut requests = Vec::new();
    let mut thresholds = thresholds_of(scenario.thresholds.as_ref(), None)?;
    for request in &scenario.request {
        requests.push(request_of(request, &scenario.base_url, timeout, base_dir).map_err(invalid)?);
        thresholds.extend(thresholds_of(
            request.thresholds.as_ref(),
            Some(request.name.clone()),
        )?);
    }
    let abort_delay = scenario
        .thresholds
        .as_ref()
        .and_then(|t| t.abort_delay)
        .map_or(Duration::ZERO, |d| d.get());
    let shard = match shard {
        Some(text) if !text.trim().is_empty() => {
            Some(Shard::parse(text).map_err(|e| invalid(format!("shard `{text}`: {e}")))?)
        }
        _ => None,
    };
    Ok(Workload {
        name: name.to_owned(),
        order: if scenario.request.iter().any(|r| r.weight.is_some()) {
            IterationOrder::Weighted
        } else {
            IterationOrder::Sequence
        },
        requests,
        model,
        thresholds,
        abort_delay,
        feeder: scenario.data_file.as_ref().map(|f| base_dir.join(f)),
        client: ClientOptions {
            keep_alive: scenario.keep_alive.unwrap_or(true),
            http2: scenario.http2,
            insecure: scenario.insecure,
            cookies: scenario.cookies.unwrap_or(true),
        },
        shard,
    })
}

fn thresholds_of(
    thresholds: Option<&Thresholds>,
    request: Option<String>,
) -> Result<Vec<Threshold>, Error> {
    let Some(t) = thresholds else {
        return Ok(Vec::new());
    };
    t.conditions()
        .into_iter()
        .map(|(metric, condition)| {
            Threshold::parse(metric, condition, request.clone(), t.abort_on_fail)
                .map_err(Error::from)
        })
        .collect()
}

/// The request's URL to send and to show: the path joined to the base URL, each part masked
/// as its own position masks it.
fn joined_url(base_url: &SecretUrl, path: &SecretUrl) -> (String, String) {
    let raw = path.expose();
    if raw.starts_with("http://") || raw.starts_with("https://") {
        return (raw.to_owned(), path.masked());
    }
    let join = |base: &str, path: &str| {
        format!(
            "{}/{}",
            base.trim_end_matches('/'),
            path.trim_start_matches('/')
        )
    };
    (
        join(base_url.expose(), raw),
        join(&base_url.masked(), &path.masked()),
    )
}

fn request_of(
    request: &Request,
    base_url: &SecretUrl,
    timeout: Duration,
    base_dir: &Path,
) -> Result<RequestSpec, String> {
    let named = |what: &str| format!("request `{}`: {what}", request.name);
    let method = rules::http_method(&request.method)
        .map_err(|v| named(&format!("`{}` {v}", request.method)))?;
    let (url, shown_url) = joined_url(base_url, &request.path);
    let mut headers = Vec::new();
    for h in &request.header {
        let name = rules::header_name(&h.name).map_err(|v| named(&format!("`{}` {v}", h.name)))?;
        headers.push((name, h.value.expose().to_owned()));
    }
    rules::at_most_one(&[
        ("body", request.body.is_some()),
        ("json", request.json.is_some()),
        ("body-file", request.body_file.is_some()),
        ("form", !request.form.is_empty()),
    ])
    .map_err(|v| named(&v.reason))?;
    let json_type = || Some(HeaderValue::from_static("application/json"));
    let body = if let Some(text) = &request.body {
        Some(RequestBody {
            content: text.expose().to_owned(),
            content_type: None,
        })
    } else if let Some(json) = &request.json {
        let json = json.expose();
        rules::json_text(json).map_err(|v| named(&format!("`json` {v}")))?;
        Some(RequestBody {
            content: json.to_owned(),
            content_type: json_type(),
        })
    } else if let Some(file) = &request.body_file {
        let path = base_dir.join(file);
        let content = std::fs::read_to_string(&path)
            .map_err(|e| named(&format!("cannot read {}: {e}", path.display())))?;
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        Some(RequestBody {
            content,
            content_type: if is_json { json_type() } else { None },
        })
    } else if request.form.is_empty() {
        None
    } else {
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(
                request
                    .form
                    .iter()
                    .map(|f| (f.name.as_str(), f.value.expose())),
            )
            .finish();
        Some(RequestBody {
            content: encoded,
            content_type: Some(HeaderValue::from_static(
                "application/x-www-form-urlencoded",
            )),
        })
    };
    let mut checks = Vec::new();
    if let Some(expect) = &request.expect {
        if let Some(status) = expect.status {
            checks.push(Check::Status(status));
        }
        if let Some(text) = &expect.body_contains {
            checks.push(Check::BodyContains(text.clone()));
        }
        if let Some(header) = &expect.header {
            checks.push(Check::HeaderPresent(
                rules::header_name(header).map_err(|v| named(&format!("`{header}` {v}")))?,
            ));
        }
    }
    for j in &request.expect_json {
        checks.push(Check::JsonEquals {
            path: j.path.clone(),
            value: j.value.clone(),
        });
    }
    let mut extractions = Vec::new();
    for x in &request.extract {
        rules::exactly_one(&[("json", x.json.is_some()), ("header", x.header.is_some())])
            .map_err(|v| named(&format!("extract `{}` {v}", x.var)))?;
        extractions.push(match (&x.json, &x.header) {
            (Some(path), _) => Extraction::Json {
                var: x.var.clone(),
                path: path.clone(),
            },
            (None, header) => {
                let header = header.as_deref().unwrap_or_default();
                Extraction::Header {
                    var: x.var.clone(),
                    header: rules::header_name(header)
                        .map_err(|v| named(&format!("`{header}` {v}")))?,
                }
            }
        });
    }
    Ok(RequestSpec {
        name: request.name.clone(),
        method,
        url,
        shown_url,
        headers,
        body,
        timeout: request.timeout.map_or(timeout, |d| d.get()),
        weight: request.weight.unwrap_or(1),
        checks,
        extractions,
        think_time: request.think_time.map(|d| d.get()),
    })
}

fn scenario<'a>(
    manifest: &'a crate::manifest::Manifest,
    name: &str,
) -> Result<&'a Scenario, Error> {
    manifest.scenario.get(name).ok_or_else(|| Error::Scenario {
        name: name.to_owned(),
        reason: "no such scenario in the manifest".to_owned(),
    })
}

/// Plans a `scenario` node: it always runs.
fn plan(context: &PlanContext<'_>, name: &str) -> Result<Step, Error> {
    let scenario = scenario(context.manifest(), name)?;
    let workload = workload_of(
        name,
        scenario,
        &context.base_dir(),
        context.settings.shard.as_deref(),
    )?;
    let address = Address {
        kind: NodeKind::Scenario,
        name: name.to_owned(),
    };
    let summary = format!(
        "run {}, {} request(s), {} threshold(s)",
        workload.model.describe(),
        workload.requests.len(),
        workload.thresholds.len()
    );
    let mut step = Step::new(address, Action::Run, summary);
    step.concurrent = scenario.parallel;
    for s in &scenario.stages.stage {
        step.details.push(match (s.target, s.rate) {
            (Some(t), _) => format!("stage {}: ramp to {t} VUs", s.duration),
            (_, Some(r)) => format!("stage {}: ramp to {r} iterations/s", s.duration),
            _ => format!("stage {}", s.duration),
        });
    }
    for r in &workload.requests {
        step.details
            .push(format!("request {}: {} {}", r.name, r.method, r.shown_url));
    }
    for t in &workload.thresholds {
        let scope = t
            .request
            .as_ref()
            .map(|n| format!("{n}: "))
            .unwrap_or_default();
        step.details
            .push(format!("threshold {scope}{} {}", t.metric, t.condition));
    }
    Ok(step)
}

/// Runs a scenario and writes its reports. Its figures go into the outcome's `metrics` (and,
/// when the run measured nothing, into the error's), for `apply --json`.
async fn apply(context: &ApplyContext<'_>, step: &Step) -> Result<Outcome, NodeError> {
    let (report, unanswered, details) = run(context, step).await.map_err(NodeError::new)?;
    let s = &report.scenarios[0];
    let metrics =
        serde_json::to_value(s.without_histograms()).expect("a scenario's figures serialise");
    // A run that measured nothing (no request completed, or every one failed with no
    // threshold to judge it) fails the step, so a dead or stuck target never looks like success.
    if let Err(error) = execution::ensure_measured(s, unanswered) {
        return Err(NodeError::new(error).with_metrics(metrics));
    }
    let passed = report.passed();
    let summary = format!(
        "{} requests, {:.1}/s, p95 {}, {} failed{}",
        s.total.count,
        s.total.rps,
        Metric::P95.show(s.total.latency.p95),
        Metric::ErrorRate.show(s.total.error_rate()),
        if s.thresholds.is_empty() {
            String::new()
        } else if passed {
            ", thresholds passed".to_owned()
        } else {
            ", thresholds breached".to_owned()
        }
    );
    Ok(Outcome {
        status: if passed {
            OutcomeStatus::Done
        } else {
            OutcomeStatus::ThresholdBreached
        },
        summary,
        details,
        metrics: Some(metrics),
    })
}

/// Runs a scenario and writes its reports into the run directory; returns the run's report,
/// how many requests were still unanswered at its end, and the lines to show.
async fn run(
    context: &ApplyContext<'_>,
    step: &Step,
) -> Result<(RunReport, u64, Vec<String>), Error> {
    let name = step.address.name.as_str();
    let scenario = scenario(context.manifest(), name)?;
    let workload = workload_of(
        name,
        scenario,
        &context.base_dir(),
        context.plan.settings.shard.as_deref(),
    )?;
    let started_at = run_report::now_rfc3339();
    let Execution {
        report: scenario,
        unanswered,
    } = engine::execute(workload, context.interactive, context.cancel.clone()).await?;
    let report = RunReport::new(started_at, vec![scenario]);
    let mut details: Vec<String> = report_files::render(&report, ReportFormat::Text)?
        .lines()
        .map(str::to_owned)
        .collect();
    let stem = context.run_dir.join(format!("scenario-{name}"));
    for (extension, format) in report_files::RUN_FILES {
        let path = stem.with_extension(extension);
        // Reports are built from the run's figures and names, which hold no secret: they are
        // written as rendered (never searched and rewritten, which broke JSON and XML).
        let text = report_files::render(&report, format)?;
        report_files::write_file(&path, &text)?;
        details.push(format!("report: {}", path.display()));
    }
    let markdown = report_files::render(&report, ReportFormat::Markdown)?;
    report_files::append_to_step_summary(&markdown)?;
    Ok((report, unanswered, details))
}
