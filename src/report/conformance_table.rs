//! The contract checks' part of a report, formatted once for the text summary, the Markdown
//! summary, the HTML page and JUnit: a headline (how many checked responses kept the
//! contract), the coverage (operations exercised out of those declared, and those never hit),
//! one row per operation, and one line per kind of violation with its example.

use crate::results::conformance_report::{ConformanceReport, ViolationExample};
use crate::results::run_report::NO_DATA;

/// The operation table's headings.
pub(crate) const HEADINGS: [&str; 5] =
    ["operation", "responses", "checked", "failed", "conformance"];

/// `99.80% of 1000 checked responses kept the contract of openapi.yaml (every response
/// checked)`.
pub(crate) fn headline(report: &ConformanceReport) -> String {
    let (checked, failed) = report.totals();
    let share = crate::results::conformance_report::rate(checked, failed)
        .map_or_else(|| NO_DATA.to_owned(), percent);
    format!(
        "{share} of {checked} checked responses kept the contract of {} ({} checked)",
        report.document,
        report.sample_label(),
    )
}

/// `3 of 4 operations exercised; never hit: DELETE /users/{id}`.
pub(crate) fn coverage(report: &ConformanceReport) -> String {
    let never: Vec<&str> = report.never_hit().map(|o| o.operation.as_str()).collect();
    let mut line = format!(
        "{} of {} operations exercised",
        report.exercised(),
        report.operations.len()
    );
    if !never.is_empty() {
        line.push_str("; never hit: ");
        line.push_str(&never.join(", "));
    }
    line
}

/// `health × 120, metrics × 3`: requests that matched no operation; none when every one did.
pub(crate) fn undeclared(report: &ConformanceReport) -> Option<String> {
    (!report.undeclared.is_empty()).then(|| {
        report
            .undeclared
            .iter()
            .map(|u| format!("{} × {}", u.request, u.count))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// One row per operation, cells as [`HEADINGS`].
pub(crate) fn rows(report: &ConformanceReport) -> Vec<[String; 5]> {
    report
        .operations
        .iter()
        .map(|o| {
            [
                o.operation.clone(),
                o.requests.to_string(),
                o.checked.to_string(),
                o.failed.to_string(),
                o.conformance().map_or_else(|| NO_DATA.to_owned(), percent),
            ]
        })
        .collect()
}

/// One kind of violation on one operation, formatted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ViolationLine {
    /// `GET /users/{id}`.
    pub operation: String,
    /// `body`.
    pub kind: String,
    pub count: u64,
    /// `$.name`, or empty.
    pub json_path: String,
    pub error: String,
    /// `200 application/json {"id":50}`.
    pub example: String,
}

/// Every kind of violation on every operation, in the operations' order.
pub(crate) fn violations(report: &ConformanceReport) -> Vec<ViolationLine> {
    report
        .operations
        .iter()
        .flat_map(|o| {
            o.violations.iter().map(|v| ViolationLine {
                operation: o.operation.clone(),
                kind: v.kind.clone(),
                count: v.count,
                json_path: v.example.json_path.clone().unwrap_or_default(),
                error: v.example.error.clone(),
                example: example(&v.example),
            })
        })
        .collect()
}

/// The example response on one line: status, content type and the start of the body, with
/// line breaks shown as spaces.
fn example(e: &ViolationExample) -> String {
    let mut text = e.status.to_string();
    if let Some(content_type) = &e.content_type {
        text.push(' ');
        text.push_str(content_type);
    }
    let body: String = e
        .body
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if !body.trim().is_empty() {
        text.push(' ');
        text.push_str(body.trim());
        if e.body_truncated {
            text.push('…');
        }
    }
    text
}

/// `text` cut to at most `max` characters, with `…` where it was cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn percent(share: f64) -> String {
    format!("{:.2}%", share * 100.0)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::results::conformance_report::{OperationReport, ViolationReport};

    /// A run against a document of four operations: one broke its contract 10 times in 500,
    /// one was never hit.
    pub(crate) fn sample_conformance() -> ConformanceReport {
        ConformanceReport {
            document: "openapi.yaml".to_owned(),
            sample: 1.0,
            operations: vec![
                OperationReport {
                    operation: "GET /users".to_owned(),
                    operation_id: Some("listUsers".to_owned()),
                    requests: 500,
                    checked: 500,
                    failed: 0,
                    violations: Vec::new(),
                },
                OperationReport {
                    operation: "GET /users/{id}".to_owned(),
                    operation_id: Some("getUser".to_owned()),
                    requests: 500,
                    checked: 500,
                    failed: 10,
                    violations: vec![ViolationReport {
                        kind: "body".to_owned(),
                        count: 10,
                        example: ViolationExample {
                            status: 200,
                            content_type: Some("application/json".to_owned()),
                            json_path: Some("$.name".to_owned()),
                            error: "\"name\" is a required property".to_owned(),
                            body: "{\"id\":50,\n \"email\":null}".to_owned(),
                            body_truncated: false,
                        },
                    }],
                },
                OperationReport {
                    operation: "DELETE /users/{id}".to_owned(),
                    ..OperationReport::default()
                },
            ],
            undeclared: vec![crate::results::conformance_report::UndeclaredRequests {
                request: "health".to_owned(),
                count: 120,
            }],
        }
    }

    #[test]
    fn the_parts_read_as_sentences() {
        let report = sample_conformance();
        assert_eq!(
            headline(&report),
            "99.00% of 1000 checked responses kept the contract of openapi.yaml \
             (every response checked)"
        );
        assert_eq!(
            coverage(&report),
            "2 of 3 operations exercised; never hit: DELETE /users/{id}"
        );
        assert_eq!(undeclared(&report).as_deref(), Some("health × 120"));
        let lines = violations(&report);
        assert_eq!(lines.len(), 1);
        assert_eq!(
            lines[0].example,
            "200 application/json {\"id\":50,  \"email\":null}"
        );
        assert_eq!(rows(&report)[2][4], "no data");
    }
}
