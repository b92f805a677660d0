//! Contract checks under load: a scenario's OpenAPI document, read (or fetched) once when the
//! run starts, and the judging of a sample of its responses against it.
//!
//! Each response's request is matched to its operation (once per request when the request has
//! no template); an operation is *exercised* when a response to it came back. A sampled
//! response (a share the scenario sets, 5 % by default, picked at random by each virtual
//! user) has its body kept and is checked: status, content type, body against the schema
//! ([`crate::openapi::response_check`]). The hot path stays cheap: a response that is not
//! sampled is only counted, its body never kept. The first response of each kind of violation
//! on each operation is kept as the report's example, built once.

use std::path::PathBuf;
use std::sync::OnceLock;

use http::Method;

use crate::load::error::WorkloadError;
use crate::load::exchange::{Exchange, KEPT_BODY_LIMIT};
use crate::load::recorder::{ContractVerdict, NameStats, OperationStats, Sample};
use crate::load::request_spec::RenderedRequest;
use crate::openapi::document::OpenApiDocument;
use crate::openapi::response_check::{Response, ViolationKind};
use crate::results::conformance_report::{
    ConformanceReport, OperationReport, UndeclaredRequests, ViolationExample, ViolationReport,
};

/// The share of responses checked when the scenario does not say (`sample="5%"`): a check of
/// a 470-byte body costs about 2.4 µs of CPU against 5.8 µs for the request (bench/conformance.sh),
/// so 5 % keeps the generator within about 2 % of its speed without checks (0.95× with a body
/// twice as costly), while a run of 10,000 requests still checks about 500 responses
/// (docs/load.md, "Cost of the contract checks").
pub(crate) const DEFAULT_SAMPLE: f64 = 0.05;

/// Where a scenario's OpenAPI document is, and how many responses to check.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ContractSource {
    pub location: DocumentLocation,
    /// The document as reports show it: the path as written, or the URL (masked).
    pub shown: String,
    /// The share of responses checked, in (0, 1].
    pub sample: f64,
}

/// A document file or URL.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DocumentLocation {
    File(PathBuf),
    /// Fetched once, when the run starts (the service's own `/openapi.json`).
    Url(url::Url),
}

impl ContractSource {
    /// The source `document` names: an `http://`/`https://` URL, or a file relative to
    /// `base_dir`. `sample` is a percentage (`"10%"`); none is the default.
    pub(crate) fn new(
        document: &str,
        shown: String,
        base_dir: &std::path::Path,
        sample: Option<&str>,
    ) -> Result<Self, String> {
        let location = if document.starts_with("http://") || document.starts_with("https://") {
            let url = url::Url::parse(document)
                .map_err(|e| format!("openapi URL {shown} is not a URL: {e}"))?;
            if url.host_str().is_none() {
                return Err(format!("openapi URL {shown} has no host"));
            }
            DocumentLocation::Url(url)
        } else if document.contains("://") {
            return Err(format!(
                "openapi {shown}: only files and http:// or https:// URLs can be read"
            ));
        } else {
            DocumentLocation::File(base_dir.join(document))
        };
        let sample = match sample {
            None => DEFAULT_SAMPLE,
            Some(text) => parse_sample(text)?,
        };
        Ok(Self {
            location,
            shown,
            sample,
        })
    }

    /// Reads or fetches the document.
    pub(crate) async fn load(&self) -> Result<OpenApiDocument, WorkloadError> {
        let unusable = |reason: String| WorkloadError::OpenApi {
            document: self.shown.clone(),
            reason,
        };
        match &self.location {
            DocumentLocation::File(path) => {
                OpenApiDocument::read(path).map_err(|e| unusable(e.to_string()))
            }
            DocumentLocation::Url(url) => {
                let response = crate::http_client::client()
                    .get(url.clone())
                    .timeout(std::time::Duration::from_secs(30))
                    .send()
                    .await
                    .and_then(reqwest::Response::error_for_status)
                    .map_err(|e| unusable(format!("cannot fetch it: {}", e.without_url())))?;
                let body = response
                    .bytes()
                    .await
                    .map_err(|e| unusable(format!("cannot fetch it: {}", e.without_url())))?;
                OpenApiDocument::parse(&body, &self.shown).map_err(|e| unusable(e.to_string()))
            }
        }
    }
}

/// `"10%"` → 0.1; above 0 and at most 100 %.
pub(crate) fn parse_sample(text: &str) -> Result<f64, String> {
    let share = text
        .trim()
        .strip_suffix('%')
        .and_then(|n| n.trim().parse::<f64>().ok())
        .map(|p| p / 100.0)
        .ok_or_else(|| format!("sample `{text}` is not a percentage such as \"10%\""))?;
    if share > 0.0 && share <= 1.0 {
        Ok(share)
    } else {
        Err(format!("sample `{text}` must be above 0% and at most 100%"))
    }
}

/// The contract checks of one run, shared by its virtual users.
pub(crate) struct Conformance {
    pub document: OpenApiDocument,
    pub shown: String,
    pub sample: f64,
    /// The first example of each kind of violation on each operation.
    examples: Vec<[OnceLock<ViolationExample>; ViolationKind::ALL.len()]>,
}

impl Conformance {
    pub(crate) fn new(document: OpenApiDocument, source: &ContractSource) -> Self {
        let examples = document
            .operations
            .iter()
            .map(|_| Default::default())
            .collect();
        Self {
            document,
            shown: source.shown.clone(),
            sample: source.sample,
            examples,
        }
    }

    /// How many operations the document declares.
    pub(crate) fn operations(&self) -> usize {
        self.document.operations.len()
    }

    /// Whether this response is to be checked (a random draw at the sample rate).
    #[inline]
    pub(crate) fn sampled(&self, rng: &mut fastrand::Rng) -> bool {
        self.sample >= 1.0 || rng.f64() < self.sample
    }

    /// The operation `request` is for, if the document declares one.
    pub(crate) fn operation_for(&self, request: &RenderedRequest) -> Option<u32> {
        self.document
            .operation_at(&request.method, request.url.path())
            .map(|i| u32::try_from(i).expect("fewer than 4 billion operations"))
    }

    /// Adds what the contract says about `exchange` to `sample`: its operation (or that it
    /// has none), and, when `checked`, the verdict. A broken contract fails a request that
    /// nothing else failed, with category `conformance`.
    pub(crate) fn judge(
        &self,
        operation: Option<u32>,
        method: &Method,
        exchange: &Exchange,
        checked: bool,
        sample: &mut Sample,
    ) {
        let Some(operation) = operation else {
            sample.undeclared = true;
            return;
        };
        sample.operation = Some(operation);
        if !checked {
            return;
        }
        let content_type = exchange
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let body = exchange
            .body
            .as_deref()
            .filter(|b| b.len() < KEPT_BODY_LIMIT);
        let response = Response {
            status: exchange.status,
            content_type,
            body,
            to_head: method == Method::HEAD,
        };
        let index = operation as usize;
        match self.document.check(index, &response) {
            Ok(()) => sample.contract = Some(ContractVerdict::Kept),
            Err(violation) => {
                sample.contract = Some(ContractVerdict::Broken(violation.kind));
                if sample.error.is_none() {
                    sample.error = Some(crate::load::error_category::ErrorCategory::Conformance);
                }
                let slot = &self.examples[index][violation.kind.index()];
                if slot.get().is_none() {
                    let (body, body_truncated) =
                        ViolationExample::excerpt(exchange.body.as_deref().unwrap_or_default());
                    let _ = slot.set(ViolationExample {
                        status: exchange.status,
                        content_type: content_type.map(str::to_owned),
                        json_path: violation.json_path,
                        error: violation.message,
                        body,
                        body_truncated,
                    });
                }
            }
        }
    }

    /// The report of the run: every operation with its figures and examples, and the
    /// requests (by name, from `names` and their `totals`) that matched no operation.
    pub(crate) fn report(
        &self,
        operations: &[OperationStats],
        names: &[String],
        totals: &[NameStats],
    ) -> ConformanceReport {
        let operations = self
            .document
            .operations
            .iter()
            .zip(operations)
            .zip(&self.examples)
            .map(|((operation, stats), examples)| OperationReport {
                operation: operation.label(),
                operation_id: operation.operation_id.clone(),
                requests: stats.responses,
                checked: stats.checked,
                failed: stats.failed,
                violations: ViolationKind::ALL
                    .iter()
                    .filter(|k| stats.violations[k.index()] > 0)
                    .filter_map(|k| {
                        Some(ViolationReport {
                            kind: k.label().to_owned(),
                            count: stats.violations[k.index()],
                            example: examples[k.index()].get()?.clone(),
                        })
                    })
                    .collect(),
            })
            .collect();
        let undeclared = names
            .iter()
            .zip(totals)
            .filter(|(_, t)| t.undeclared > 0)
            .map(|(name, t)| UndeclaredRequests {
                request: name.clone(),
                count: t.undeclared,
            })
            .collect();
        ConformanceReport {
            document: self.shown.clone(),
            sample: self.sample,
            operations,
            undeclared,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_percentages_above_zero_up_to_all() {
        assert_eq!(parse_sample("10%"), Ok(0.1));
        assert_eq!(parse_sample(" 100 % "), Ok(1.0));
        assert!((parse_sample("0.5%").unwrap() - 0.005).abs() < 1e-12);
        assert!(parse_sample("0%").is_err());
        assert!(parse_sample("150%").is_err());
        assert!(parse_sample("10").is_err());
    }

    #[test]
    fn documents_are_files_beside_the_manifest_or_urls() {
        let base = std::path::Path::new("/work/app");
        let file =
            ContractSource::new("api/openapi.yaml", "api/openapi.yaml".into(), base, None).unwrap();
        assert_eq!(
            file.location,
            DocumentLocation::File(base.join("api/openapi.yaml"))
        );
        assert_eq!(file.sample, DEFAULT_SAMPLE);
        let url = ContractSource::new(
            "http://127.0.0.1:3000/openapi.json",
            "http://127.0.0.1:3000/openapi.json".into(),
            base,
            Some("100%"),
        )
        .unwrap();
        assert!(matches!(url.location, DocumentLocation::Url(_)));
        assert!(
            ContractSource::new("ftp://x/a.yaml", "ftp://x/a.yaml".into(), base, None).is_err()
        );
        assert!(ContractSource::new("http://", "http://".into(), base, None).is_err());
    }
}
