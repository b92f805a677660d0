//! One request of a scenario, resolved and ready to send: the typed form that both the ad-hoc
//! `load` command and a manifest's `request` node become, so both run the same engine.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method};

/// A request to send, possibly templated with `{{ vars.NAME }}` (values extracted from earlier
/// responses) and `{{ data.COLUMN }}` (the CSV feeder's current row).
#[derive(Debug, Clone)]
pub(crate) struct RequestSpec {
    /// The name metrics are grouped by.
    pub name: String,
    pub method: Method,
    /// Full URL (`http://127.0.0.1:3000/api?x=1`), possibly a template.
    pub url: String,
    /// The URL as shown in plans and errors: its secret parts masked (`crate::secret`).
    pub shown_url: String,
    /// Header name and value; the value may be a template.
    pub headers: Vec<(HeaderName, String)>,
    /// The body, possibly a template, and its content type if the spec implies one.
    pub body: Option<RequestBody>,
    pub timeout: Duration,
    /// Relative weight when a scenario picks one request per iteration.
    pub weight: u32,
    /// Conditions the response must meet.
    pub checks: Vec<Check>,
    /// Values to take from the response into `vars` for later requests.
    pub extractions: Vec<Extraction>,
    /// Pause after this request, before the next step of the sequence.
    pub think_time: Option<Duration>,
}

/// A request body.
#[derive(Debug, Clone)]
pub(crate) struct RequestBody {
    pub content: String,
    pub content_type: Option<HeaderValue>,
}

/// A condition on a response. A failed check makes the request count as failed
/// (category `failed-check`) and counts in the `checks` rate.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Check {
    /// The status must be this one. A request with a status check is not failed by a 4xx/5xx
    /// status on its own: the check decides.
    Status(u16),
    /// The body must contain this text.
    BodyContains(String),
    /// The value at this JSON path (RFC 9535, `$.data.id`) must equal this JSON value.
    JsonEquals {
        path: String,
        value: serde_json::Value,
    },
    /// This header must be present.
    HeaderPresent(HeaderName),
}

/// Where an extracted value comes from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Extraction {
    /// `vars.NAME` = the first value at this JSON path of the body.
    Json { var: String, path: String },
    /// `vars.NAME` = this response header's value.
    Header { var: String, header: HeaderName },
}

impl Check {
    /// Whether this check needs the response body.
    pub(crate) fn needs_body(&self) -> bool {
        matches!(self, Self::BodyContains(_) | Self::JsonEquals { .. })
    }
}

impl Extraction {
    pub(crate) fn needs_body(&self) -> bool {
        matches!(self, Self::Json { .. })
    }
}

impl RequestSpec {
    /// A plain GET of `url` with the defaults of the ad-hoc command.
    pub(crate) fn get(name: &str, url: &str) -> Self {
        Self {
            name: name.to_owned(),
            method: Method::GET,
            url: url.to_owned(),
            shown_url: crate::secret::SecretUrl::literal(url).masked(),
            headers: Vec::new(),
            body: None,
            timeout: Duration::from_secs(30),
            weight: 1,
            checks: Vec::new(),
            extractions: Vec::new(),
            think_time: None,
        }
    }

    /// Whether any part of the request is a template that must be rendered per send.
    pub(crate) fn is_templated(&self) -> bool {
        let t = |s: &str| s.contains("{{");
        t(&self.url)
            || self.headers.iter().any(|(_, v)| t(v))
            || self.body.as_ref().is_some_and(|b| t(&b.content))
    }

    /// Whether the response body must be kept (not only counted) for checks or extraction.
    pub(crate) fn needs_body(&self) -> bool {
        self.checks.iter().any(Check::needs_body)
            || self.extractions.iter().any(Extraction::needs_body)
    }

    /// The status this request's checks expect, if any.
    pub(crate) fn expected_status(&self) -> Option<u16> {
        self.checks.iter().find_map(|c| match c {
            Check::Status(s) => Some(*s),
            _ => None,
        })
    }
}

/// A request rendered for one send.
#[derive(Debug, Clone)]
pub(crate) struct RenderedRequest {
    pub method: Method,
    pub url: url::Url,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
    pub content_type: Option<HeaderValue>,
}

impl RenderedRequest {
    /// Approximate bytes on the wire: request line, headers and body.
    pub(crate) fn wire_size(&self) -> u64 {
        let line = self.method.as_str().len()
            + self.url.path().len()
            + self.url.query().map_or(0, |q| q.len() + 1)
            + 12;
        let host = self.url.host_str().map_or(0, str::len) + 8;
        let headers: usize = self
            .headers
            .iter()
            .map(|(n, v)| n.as_str().len() + v.len() + 4)
            .sum();
        (line + host + headers + self.body.len() + 2) as u64
    }
}
