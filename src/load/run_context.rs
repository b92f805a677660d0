//! What all virtual users of one scenario run share: the prepared requests (rendered once when
//! they hold no template), compiled templates and JSON paths, the feeder, the recorder and the
//! run's counters and stop signal.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::manifest::rules;
use http::{HeaderName, HeaderValue};
use minijinja::{Environment, UndefinedBehavior};
use serde_json_path::JsonPath;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::load::conformance::Conformance;
use crate::load::error::WorkloadError;
use crate::load::feeder::Feeder;
use crate::load::recorder::Recorder;
use crate::load::request_spec::{Check, Extraction, RenderedRequest, RequestSpec};
use crate::load::workload::{LoadModel, Workload};

/// A request made ready to send.
#[derive(Debug)]
pub(crate) struct PreparedRequest {
    pub spec: RequestSpec,
    /// The request itself when it has no template; otherwise rendered per send.
    pub fixed: Option<Arc<RenderedRequest>>,
    /// The compiled JSON path of each check (`None` for checks without one).
    pub check_paths: Vec<Option<JsonPath>>,
    /// The compiled JSON path of each extraction.
    pub extraction_paths: Vec<Option<JsonPath>>,
    pub keep_body: bool,
    /// Whether checks or extractions read response headers.
    pub keep_headers: bool,
    pub expected_status: Option<u16>,
    /// The OpenAPI operation of a request without template (`fixed`), when the scenario
    /// names a document; a templated request is matched per send.
    pub fixed_operation: Option<u32>,
}

/// Shared state of one scenario run.
pub(crate) struct RunContext {
    pub workload: Workload,
    pub requests: Vec<PreparedRequest>,
    pub templates: Environment<'static>,
    pub feeder: Feeder,
    pub recorder: Recorder,
    /// The contract checks, when the scenario names an OpenAPI document.
    pub conformance: Option<Conformance>,
    /// Cumulative weights, for weighted picking.
    pub cumulative_weights: Vec<u64>,
    pub start: Instant,
    pub stopping: AtomicBool,
    /// Becomes `true` when the run must stop (time is up, or a threshold aborted it).
    pub stop_signal: watch::Sender<bool>,
    pub aborted: AtomicBool,
    pub active_vus: AtomicU64,
    pub peak_vus: AtomicU64,
    pub iterations: AtomicU64,
    pub dropped: AtomicU64,
    /// Requests still waiting for an answer when the run's grace ran out: cancelled, and
    /// counted as `timeout` failures (see `virtual_user::InFlight`).
    pub unanswered: AtomicU64,
    /// Iterations not yet started, for a fixed iteration count.
    pub budget: Option<AtomicU64>,
}

impl RunContext {
    /// Prepares `workload` to run, with its OpenAPI document's checks if it has one.
    pub(crate) fn prepare(
        workload: Workload,
        conformance: Option<Conformance>,
    ) -> Result<Self, WorkloadError> {
        if workload.requests.is_empty() {
            return Err(WorkloadError::NoRequest);
        }
        let mut templates = Environment::new();
        templates.set_undefined_behavior(UndefinedBehavior::Strict);
        crate::manifest::interpolate::bound_work(&mut templates);
        let mut requests = Vec::new();
        for (index, spec) in workload.requests.iter().enumerate() {
            let mut prepared = prepare_request(index, spec, &mut templates)?;
            if let (Some(conformance), Some(fixed)) = (&conformance, &prepared.fixed) {
                prepared.fixed_operation = conformance.operation_for(fixed);
            }
            requests.push(prepared);
        }
        let feeder = match &workload.feeder {
            Some(path) => Feeder::read(path)?,
            None => Feeder::default(),
        };
        let mut total = 0;
        let cumulative_weights = workload
            .requests
            .iter()
            .map(|r| {
                total += u64::from(r.weight.max(1));
                total
            })
            .collect();
        let budget = match &workload.model {
            LoadModel::Fixed {
                iterations: Some(n),
                ..
            } => Some(AtomicU64::new(*n)),
            _ => None,
        };
        Ok(Self {
            recorder: Recorder::new(
                requests.len(),
                conformance.as_ref().map_or(0, Conformance::operations),
            ),
            conformance,
            requests,
            templates,
            feeder,
            cumulative_weights,
            start: Instant::now(),
            stopping: AtomicBool::new(false),
            stop_signal: watch::Sender::new(false),
            aborted: AtomicBool::new(false),
            active_vus: AtomicU64::new(0),
            peak_vus: AtomicU64::new(0),
            iterations: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            unanswered: AtomicU64::new(0),
            budget,
            workload,
        })
    }

    /// Asks every virtual user to stop after its current iteration.
    pub(crate) fn stop(&self) {
        self.stopping.store(true, Ordering::Release);
        self.stop_signal.send_replace(true);
    }

    pub(crate) fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }

    /// Resolves once the run is asked to stop.
    pub(crate) async fn stopped(&self) {
        let mut rx = self.stop_signal.subscribe();
        let _ = rx.wait_for(|stop| *stop).await;
    }

    /// Takes one iteration from the fixed budget; false when none is left.
    pub(crate) fn take_iteration(&self) -> bool {
        match &self.budget {
            None => true,
            Some(b) => b
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
                .is_ok(),
        }
    }

    /// Counts a virtual user in; the returned guard counts it out when dropped.
    pub(crate) fn enter_vu(self: &Arc<Self>) -> ActiveVu {
        let now = self.active_vus.fetch_add(1, Ordering::AcqRel) + 1;
        self.peak_vus.fetch_max(now, Ordering::AcqRel);
        ActiveVu(Arc::clone(self))
    }
}

/// A running virtual user, counted in `active_vus` while it lives.
pub(crate) struct ActiveVu(Arc<RunContext>);

impl Drop for ActiveVu {
    fn drop(&mut self) {
        self.0.active_vus.fetch_sub(1, Ordering::AcqRel);
    }
}

fn prepare_request(
    index: usize,
    spec: &RequestSpec,
    templates: &mut Environment<'static>,
) -> Result<PreparedRequest, WorkloadError> {
    let fixed = if spec.is_templated() {
        add_templates(index, spec, templates)?;
        None
    } else {
        Some(Arc::new(render_fixed(spec)?))
    };
    let check_paths = spec
        .checks
        .iter()
        .map(|c| match c {
            Check::JsonEquals { path, .. } => compile_path(spec, path).map(Some),
            _ => Ok(None),
        })
        .collect::<Result<_, _>>()?;
    let extraction_paths = spec
        .extractions
        .iter()
        .map(|x| match x {
            Extraction::Json { path, .. } => compile_path(spec, path).map(Some),
            Extraction::Header { .. } => Ok(None),
        })
        .collect::<Result<_, _>>()?;
    Ok(PreparedRequest {
        spec: spec.clone(),
        fixed,
        check_paths,
        extraction_paths,
        keep_body: spec.needs_body(),
        keep_headers: spec
            .checks
            .iter()
            .any(|c| matches!(c, Check::HeaderPresent(_)))
            || spec
                .extractions
                .iter()
                .any(|x| matches!(x, Extraction::Header { .. })),
        expected_status: spec.expected_status(),
        fixed_operation: None,
    })
}

/// Compiles a templated request's URL, headers and body as templates named after its index.
fn add_templates(
    index: usize,
    spec: &RequestSpec,
    templates: &mut Environment<'static>,
) -> Result<(), WorkloadError> {
    let template_err = |e: minijinja::Error| WorkloadError::Template {
        request: spec.name.clone(),
        reason: e.to_string(),
    };
    templates
        .add_template_owned(format!("{index}/url"), spec.url.clone())
        .map_err(template_err)?;
    for (h, (_, value)) in spec.headers.iter().enumerate() {
        templates
            .add_template_owned(format!("{index}/header/{h}"), value.clone())
            .map_err(template_err)?;
    }
    if let Some(body) = &spec.body {
        templates
            .add_template_owned(format!("{index}/body"), body.content.clone())
            .map_err(template_err)?;
    }
    Ok(())
}

/// Renders a request without templates once, for every send.
fn render_fixed(spec: &RequestSpec) -> Result<RenderedRequest, WorkloadError> {
    let url = url::Url::parse(&spec.url).map_err(|e| WorkloadError::Url {
        request: spec.name.clone(),
        url: spec.shown_url.clone(),
        reason: e.to_string(),
    })?;
    check_scheme(spec, &url)?;
    let headers = spec
        .headers
        .iter()
        .map(|(n, v)| header(spec, n, v))
        .collect::<Result<_, _>>()?;
    Ok(RenderedRequest {
        method: spec.method.clone(),
        url,
        headers,
        body: spec
            .body
            .as_ref()
            .map(|b| bytes::Bytes::from(b.content.clone()))
            .unwrap_or_default(),
        content_type: spec.body.as_ref().and_then(|b| b.content_type.clone()),
    })
}

/// Compiles a check's or extraction's JSON path.
fn compile_path(spec: &RequestSpec, path: &str) -> Result<JsonPath, WorkloadError> {
    rules::json_path(path).map_err(|e| WorkloadError::JsonPath {
        request: spec.name.clone(),
        path: path.to_owned(),
        reason: e.reason,
    })
}

fn check_scheme(spec: &RequestSpec, url: &url::Url) -> Result<(), WorkloadError> {
    rules::http_url(url.as_str()).map_err(|_| WorkloadError::Url {
        request: spec.name.clone(),
        url: spec.shown_url.clone(),
        reason: "only http:// and https:// URLs with a host can be load-tested".to_owned(),
    })
}

/// A header name and value, validated.
pub(crate) fn header(
    spec: &RequestSpec,
    name: &HeaderName,
    value: &str,
) -> Result<(HeaderName, HeaderValue), WorkloadError> {
    rules::header_value(value)
        .map(|v| (name.clone(), v))
        .map_err(|_| WorkloadError::Header {
            request: spec.name.clone(),
            header: name.to_string(),
        })
}
