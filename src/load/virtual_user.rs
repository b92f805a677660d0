//! A virtual user: one connection, its own extracted variables, and the loop of sending a
//! scenario's requests, checking the responses and recording what happened.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::time::Instant;

use crate::load::connection::Connection;
use crate::load::error_category::ErrorCategory;
use crate::load::exchange::Exchange;
use crate::load::recorder::Sample;
use crate::load::request_spec::{Check, Extraction, RenderedRequest};
use crate::load::run_context::{PreparedRequest, RunContext, header};
use crate::load::workload::IterationOrder;

/// One simulated user.
pub(crate) struct VirtualUser {
    id: u64,
    connection: Option<Connection>,
    /// Bytes this user has written to its connections, ever: a request's share is the
    /// difference across its exchange, so only what reached a socket counts as sent. (An
    /// atomic only so that the exchange and its in-flight guard can both hold it; one task
    /// touches it.)
    sent: AtomicU64,
    vars: BTreeMap<String, String>,
    iterations: u64,
    /// Iterations not yet added to the run's count (a shared counter is touched rarely).
    unreported: u64,
    rng: fastrand::Rng,
    /// Cookies the target set during this iteration (emptied when the next one starts).
    cookies: cookie_store::CookieStore,
    /// Whether `cookies` may hold any (keeps the common cookie-less path free of lookups).
    has_cookies: bool,
}

impl VirtualUser {
    pub(crate) fn new(id: u64) -> Self {
        Self {
            id,
            connection: None,
            sent: AtomicU64::new(0),
            vars: BTreeMap::new(),
            iterations: 0,
            unreported: 0,
            rng: fastrand::Rng::with_seed(0x9e37_79b9_7f4a_7c15 ^ id),
            cookies: cookie_store::CookieStore::default(),
            has_cookies: false,
        }
    }

    /// Runs one iteration. In the open model `intended` is when the iteration was due, and the
    /// first request's latency is measured from then (so a stalled target cannot hide it).
    pub(crate) async fn iterate(&mut self, run: &Arc<RunContext>, intended: Option<Instant>) {
        let row = run.feeder.next_row();
        if self.has_cookies {
            self.cookies.clear();
            self.has_cookies = false;
        }
        match run.workload.order {
            IterationOrder::Weighted => {
                let index = self.pick(run);
                self.send(run, index, intended, row).await;
            }
            IterationOrder::Sequence => {
                for index in 0..run.requests.len() {
                    let from = if index == 0 { intended } else { None };
                    self.send(run, index, from, row).await;
                    if let Some(pause) = run.requests[index].spec.think_time
                        && !run.is_stopping()
                    {
                        tokio::time::sleep(pause).await;
                    }
                }
            }
        }
        self.iterations += 1;
        self.unreported += 1;
    }

    /// Iterations this user has run.
    pub(crate) fn iterations(&self) -> u64 {
        self.iterations
    }

    /// Adds this user's iterations to the run's count.
    pub(crate) fn report_iterations(&mut self, run: &RunContext) {
        run.iterations.fetch_add(self.unreported, Ordering::Relaxed);
        self.unreported = 0;
    }

    fn pick(&mut self, run: &RunContext) -> usize {
        let total = *run.cumulative_weights.last().expect("at least one request");
        let roll = self.rng.u64(0..total);
        run.cumulative_weights.partition_point(|&w| w <= roll)
    }

    async fn send(
        &mut self,
        run: &Arc<RunContext>,
        index: usize,
        intended: Option<Instant>,
        row: Option<&BTreeMap<String, String>>,
    ) {
        let prepared = &run.requests[index];
        let request = match &prepared.fixed {
            Some(r) => Cow::Borrowed(r.as_ref()),
            None => match self.render(run, index, prepared, row) {
                Ok(r) => Cow::Owned(r),
                Err(()) => {
                    run.recorder
                        .record(index, &failure(ErrorCategory::Other, 0));
                    return;
                }
            },
        };
        let request = if self.has_cookies {
            self.with_cookies(request)
        } else {
            request
        };
        let connection = match &mut self.connection {
            Some(c) => c,
            None => match Connection::new(&request.url, run.workload.client) {
                Ok(c) => self.connection.insert(c),
                Err(category) => {
                    run.recorder.record(index, &failure(category, 0));
                    return;
                }
            },
        };
        let started = intended.unwrap_or_else(Instant::now);
        let in_flight = InFlight::new(run, index, &self.sent);
        let outcome = tokio::time::timeout(
            prepared.spec.timeout,
            connection.exchange(
                &request,
                prepared.keep_body,
                prepared.keep_headers,
                &self.sent,
            ),
        )
        .await;
        let bytes_out = in_flight.answered();
        let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let exchange = match outcome {
            Err(_elapsed) => {
                connection.reset();
                run.recorder
                    .record(index, &failure(ErrorCategory::Timeout, bytes_out));
                return;
            }
            Ok(Err(category)) => {
                run.recorder.record(index, &failure(category, bytes_out));
                return;
            }
            Ok(Ok(exchange)) => exchange,
        };
        if run.workload.client.cookies {
            for value in exchange.headers.get_all(http::header::SET_COOKIE) {
                if let Ok(text) = value.to_str() {
                    // A cookie the jar refuses (bad domain, malformed) is ignored, as browsers do.
                    self.has_cookies |= self.cookies.parse(text, &request.url).is_ok();
                }
            }
        }
        let sample = self.judge(prepared, &exchange, latency_us, bytes_out);
        run.recorder.record(index, &sample);
    }

    /// Adds a `Cookie` header with the jar's cookies for the request's URL, unless the request
    /// sets its own.
    fn with_cookies<'r>(&self, request: Cow<'r, RenderedRequest>) -> Cow<'r, RenderedRequest> {
        if request
            .headers
            .iter()
            .any(|(n, _)| n == http::header::COOKIE)
        {
            return request;
        }
        let mut pairs = self.cookies.get_request_values(&request.url);
        let Some((name, value)) = pairs.next() else {
            return request;
        };
        let mut header = format!("{name}={value}");
        for (name, value) in pairs {
            header.push_str("; ");
            header.push_str(name);
            header.push('=');
            header.push_str(value);
        }
        let Ok(header) = http::HeaderValue::from_str(&header) else {
            return request;
        };
        let mut request = request;
        request
            .to_mut()
            .headers
            .push((http::header::COOKIE, header));
        request
    }

    /// Evaluates checks, extracts variables and classifies the response.
    /// Runs the request's checks and extractions on what came back, and classifies it.
    fn judge(
        &mut self,
        prepared: &PreparedRequest,
        exchange: &Exchange,
        latency_us: u64,
        bytes_out: u64,
    ) -> Sample {
        // The body is parsed as JSON at most once, and only if a check or extraction needs it.
        let json = std::cell::OnceCell::new();
        let parsed = || {
            json.get_or_init(|| {
                exchange
                    .body
                    .as_ref()
                    .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
            })
            .as_ref()
        };
        let (passed, mut failed) = run_checks(prepared, exchange, &parsed);
        failed += self.extract(prepared, exchange, &parsed);
        Sample {
            latency_us: Some(latency_us),
            status: Some(exchange.status),
            error: error_of(exchange.status, prepared.expected_status, failed),
            bytes_in: exchange.bytes_in,
            bytes_out,
            checks_passed: passed,
            checks_failed: failed,
        }
    }

    /// Stores the request's extractions into the user's variables; returns how many found
    /// nothing (each counts as a failed check: later requests would be wrong).
    fn extract<'j>(
        &mut self,
        prepared: &PreparedRequest,
        exchange: &Exchange,
        parsed: &impl Fn() -> Option<&'j serde_json::Value>,
    ) -> u32 {
        let mut missing = 0;
        for (extraction, path) in prepared
            .spec
            .extractions
            .iter()
            .zip(&prepared.extraction_paths)
        {
            let value = match extraction {
                Extraction::Json { .. } => {
                    let path = path.as_ref().expect("compiled with the extraction");
                    parsed().and_then(|doc| path.query(doc).first().map(json_text))
                }
                Extraction::Header { header, .. } => exchange
                    .headers
                    .get(header)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
            };
            let var = match extraction {
                Extraction::Json { var, .. } | Extraction::Header { var, .. } => var,
            };
            match value {
                Some(v) => {
                    self.vars.insert(var.clone(), v);
                }
                None => {
                    self.vars.remove(var);
                    missing += 1;
                }
            }
        }
        missing
    }

    fn render(
        &self,
        run: &RunContext,
        index: usize,
        prepared: &PreparedRequest,
        row: Option<&BTreeMap<String, String>>,
    ) -> Result<RenderedRequest, ()> {
        let empty = BTreeMap::new();
        let context = minijinja::context! {
            vars => &self.vars,
            data => row.unwrap_or(&empty),
            vu => self.id,
            iteration => self.iterations,
        };
        let render = |name: String| {
            run.templates
                .get_template(&name)
                .and_then(|t| t.render(&context))
                .map_err(|e| tracing::debug!("request {index}: {e:#}"))
        };
        let spec = &prepared.spec;
        let url = url::Url::parse(&render(format!("{index}/url"))?).map_err(|_| ())?;
        let headers = spec
            .headers
            .iter()
            .enumerate()
            .map(|(h, (name, _))| {
                let value = render(format!("{index}/header/{h}"))?;
                header(spec, name, &value).map_err(|_| ())
            })
            .collect::<Result<_, ()>>()?;
        let body = match &spec.body {
            Some(_) => bytes::Bytes::from(render(format!("{index}/body"))?),
            None => bytes::Bytes::new(),
        };
        Ok(RenderedRequest {
            method: spec.method.clone(),
            url,
            headers,
            body,
            content_type: spec.body.as_ref().and_then(|b| b.content_type.clone()),
        })
    }
}

/// A request on its way: sent (or being sent) and not yet answered or timed out.
///
/// When the run's grace period runs out, the users still waiting are cancelled, and their
/// futures — with this guard — are dropped. The request is then counted as a `timeout` failure
/// and in the run's `unanswered` count, so a target that accepts connections and never answers
/// shows in the report instead of vanishing from it. Either way the request's bytes sent are
/// what its connection wrote to the socket since the guard was made.
struct InFlight<'r> {
    run: &'r RunContext,
    index: usize,
    /// The user's running count of bytes written, and its value when the request started.
    sent: &'r AtomicU64,
    sent_before: u64,
    answered: bool,
}

impl<'r> InFlight<'r> {
    fn new(run: &'r RunContext, index: usize, sent: &'r AtomicU64) -> Self {
        Self {
            run,
            index,
            sent_before: sent.load(Ordering::Relaxed),
            sent,
            answered: false,
        }
    }

    /// Bytes the request has written to its connection so far.
    fn bytes_out(&self) -> u64 {
        self.sent.load(Ordering::Relaxed) - self.sent_before
    }

    /// The request finished (answered, failed or timed out) and is recorded by its sender;
    /// returns the bytes it wrote.
    fn answered(mut self) -> u64 {
        self.answered = true;
        self.bytes_out()
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if !self.answered {
            self.run.unanswered.fetch_add(1, Ordering::Relaxed);
            self.run.recorder.record(
                self.index,
                &failure(ErrorCategory::Timeout, self.bytes_out()),
            );
        }
    }
}

fn failure(category: ErrorCategory, bytes_out: u64) -> Sample {
    Sample {
        latency_us: None,
        status: None,
        error: Some(category),
        bytes_in: 0,
        bytes_out,
        checks_passed: 0,
        checks_failed: 0,
    }
}

/// A JSON value as template text: strings without quotes, anything else as JSON.
fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Runs the request's checks; returns how many passed and how many failed.
fn run_checks<'j>(
    prepared: &PreparedRequest,
    exchange: &Exchange,
    parsed: &impl Fn() -> Option<&'j serde_json::Value>,
) -> (u32, u32) {
    let (mut passed, mut failed) = (0_u32, 0_u32);
    for (check, path) in prepared.spec.checks.iter().zip(&prepared.check_paths) {
        let ok = match check {
            Check::Status(s) => exchange.status == *s,
            Check::BodyContains(text) => exchange.body.as_ref().is_some_and(|b| {
                let needle = text.as_bytes();
                needle.is_empty() || b.windows(needle.len()).any(|w| w == needle)
            }),
            Check::JsonEquals { value, .. } => {
                let path = path.as_ref().expect("compiled with the check");
                parsed().is_some_and(|doc| path.query(doc).first() == Some(value))
            }
            Check::HeaderPresent(name) => exchange.headers.contains_key(name),
        };
        if ok {
            passed += 1;
        } else {
            failed += 1;
        }
    }
    (passed, failed)
}

/// The error category of a response with `status`, given the status the request expects and
/// how many of its checks failed; none when it counts as a success.
fn error_of(
    status: u16,
    expected_status: Option<u16>,
    failed_checks: u32,
) -> Option<ErrorCategory> {
    let error_status = match status {
        400..=499 => Some(ErrorCategory::Status4xx),
        500..=599 => Some(ErrorCategory::Status5xx),
        _ => None,
    };
    if failed_checks > 0 {
        // An unexpected error status explains a failed check better than "failed check".
        match (error_status, expected_status) {
            (Some(c), Some(expected)) if expected != status => Some(c),
            (Some(c), None) => Some(c),
            _ => Some(ErrorCategory::FailedCheck),
        }
    } else if expected_status.is_some() {
        None
    } else {
        error_status
    }
}
