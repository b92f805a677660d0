//! What a scenario's contract checks found (`openapi` in a scenario): per operation of the
//! OpenAPI document, the requests that hit it, the responses checked, and the violations by
//! kind, each with one example response; and so the coverage — operations exercised out of
//! those declared, and those never hit.

use serde::{Deserialize, Serialize};

/// The contract checks of one scenario run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct ConformanceReport {
    /// The OpenAPI document: its path as the manifest gives it, or its URL.
    pub document: String,
    /// The share of responses checked (1 for every response).
    pub sample: f64,
    /// Every operation the document declares, sorted by path then method.
    pub operations: Vec<OperationReport>,
    /// Requests whose method and path match no operation of the document: not checked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub undeclared: Vec<UndeclaredRequests>,
}

/// One operation's figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct OperationReport {
    /// `GET /users/{id}`.
    pub operation: String,
    /// Its `operationId`, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// Requests sent to it.
    pub requests: u64,
    /// Responses checked against it.
    pub checked: u64,
    /// Checked responses that broke its contract.
    pub failed: u64,
    /// Violations by kind (`status`, `content-type`, `body`), each with an example.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<ViolationReport>,
}

/// The violations of one kind on one operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct ViolationReport {
    /// `status`, `content-type` or `body`.
    pub kind: String,
    pub count: u64,
    /// The first response found with this violation.
    pub example: ViolationExample,
}

/// One response that broke the contract, as it came back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct ViolationExample {
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The JSON path of the first mismatch in the body (`$.items[3].name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json_path: Option<String>,
    /// What was wrong.
    pub error: String,
    /// The start of the body (at most 512 bytes, as text).
    pub body: String,
    /// Whether `body` is cut short.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub body_truncated: bool,
}

/// Requests of one name that matched no operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub(crate) struct UndeclaredRequests {
    /// The request's name in the scenario.
    pub request: String,
    pub count: u64,
}

/// How many bytes of a body an example keeps.
pub(crate) const EXAMPLE_BODY_BYTES: usize = 512;

impl ViolationExample {
    /// The start of `body` as text, and whether it was cut.
    pub(crate) fn excerpt(body: &[u8]) -> (String, bool) {
        let cut = body.len() > EXAMPLE_BODY_BYTES;
        let text = String::from_utf8_lossy(&body[..body.len().min(EXAMPLE_BODY_BYTES)]);
        // A cut may split a character: drop the replacement character it leaves.
        let text = if cut {
            text.trim_end_matches('\u{fffd}').to_owned()
        } else {
            text.into_owned()
        };
        (text, cut)
    }
}

impl ConformanceReport {
    /// Operations hit by at least one request.
    pub(crate) fn exercised(&self) -> usize {
        self.operations.iter().filter(|o| o.requests > 0).count()
    }

    /// Operations no request hit.
    pub(crate) fn never_hit(&self) -> impl Iterator<Item = &OperationReport> {
        self.operations.iter().filter(|o| o.requests == 0)
    }

    /// Responses checked, and of which failed, over every operation.
    pub(crate) fn totals(&self) -> (u64, u64) {
        self.operations
            .iter()
            .fold((0, 0), |(c, f), o| (c + o.checked, f + o.failed))
    }

    /// The sample as people read it: `every response` or `10% of responses`.
    pub(crate) fn sample_label(&self) -> String {
        if self.sample >= 1.0 {
            "every response".to_owned()
        } else {
            format!("{}% of responses", trim_number(self.sample * 100.0))
        }
    }

    /// Adds another shard's report of the same scenario into this one: counts add, the first
    /// example of each violation is kept.
    pub(crate) fn absorb(&mut self, other: &Self) {
        for theirs in &other.operations {
            match self
                .operations
                .iter_mut()
                .find(|o| o.operation == theirs.operation)
            {
                Some(mine) => mine.absorb(theirs),
                None => self.operations.push(theirs.clone()),
            }
        }
        for theirs in &other.undeclared {
            match self
                .undeclared
                .iter_mut()
                .find(|u| u.request == theirs.request)
            {
                Some(mine) => mine.count += theirs.count,
                None => self.undeclared.push(theirs.clone()),
            }
        }
    }
}

impl OperationReport {
    fn absorb(&mut self, other: &Self) {
        self.requests += other.requests;
        self.checked += other.checked;
        self.failed += other.failed;
        for theirs in &other.violations {
            match self.violations.iter_mut().find(|v| v.kind == theirs.kind) {
                Some(mine) => mine.count += theirs.count,
                None => self.violations.push(theirs.clone()),
            }
        }
    }

    /// The share of checked responses that kept the contract; none when none was checked.
    pub(crate) fn conformance(&self) -> Option<f64> {
        rate(self.checked, self.failed)
    }
}

/// The share of `checked` that did not fail; none when nothing was checked.
pub(crate) fn rate(checked: u64, failed: u64) -> Option<f64> {
    (checked > 0).then(|| (checked - failed.min(checked)) as f64 / checked as f64)
}

/// `10`, `0.5`, `12.25`: a number without trailing zeros.
fn trim_number(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operation(name: &str, requests: u64, failed: u64) -> OperationReport {
        OperationReport {
            operation: name.to_owned(),
            requests,
            checked: requests,
            failed,
            violations: (failed > 0)
                .then(|| ViolationReport {
                    kind: "body".to_owned(),
                    count: failed,
                    example: ViolationExample {
                        status: 200,
                        content_type: None,
                        json_path: Some(format!("$.{name}")),
                        error: "e".to_owned(),
                        body: String::new(),
                        body_truncated: false,
                    },
                })
                .into_iter()
                .collect(),
            ..OperationReport::default()
        }
    }

    #[test]
    fn shards_add_and_keep_the_first_example() {
        let mut first = ConformanceReport {
            document: "a.yaml".to_owned(),
            sample: 0.1,
            operations: vec![operation("a", 10, 1), operation("b", 0, 0)],
            undeclared: Vec::new(),
        };
        let second = ConformanceReport {
            operations: vec![operation("a", 5, 2), operation("b", 3, 0)],
            ..first.clone()
        };
        first.absorb(&second);
        assert_eq!(first.totals(), (18, 3));
        assert_eq!(first.operations[0].violations[0].count, 3);
        assert_eq!(
            first.operations[0].violations[0]
                .example
                .json_path
                .as_deref(),
            Some("$.a")
        );
        assert_eq!(first.exercised(), 2);
        assert_eq!(first.sample_label(), "10% of responses");
    }

    #[test]
    fn excerpts_are_cut_at_a_character_boundary() {
        let body = "é".repeat(400);
        let (text, cut) = ViolationExample::excerpt(body.as_bytes());
        assert!(cut);
        assert_eq!(text, "é".repeat(256));
        assert_eq!(ViolationExample::excerpt(b"{}"), ("{}".to_owned(), false));
    }
}
