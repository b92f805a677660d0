//! A GitLab Code Quality report: a JSON array of issues, each with `description`,
//! `check_name`, `fingerprint`, `severity` and `location.path` / `location.lines.begin`
//! (GitLab's subset of the Code Climate format). GitLab shows them in merge requests when the
//! job declares the file as `artifacts: reports: codequality`.

use super::{Annotation, Level};
use serde::Serialize;
use sha2::{Digest, Sha256};

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
}

/// The report, pretty-printed, with a final newline.
pub(super) fn render(annotations: &[Annotation]) -> String {
    let mut fingerprints = std::collections::BTreeSet::new();
    let issues: Vec<Issue<'_>> = annotations
        .iter()
        .map(|annotation| Issue {
            description: if annotation.message.starts_with(&annotation.title) {
                annotation.message.clone()
            } else {
                format!("{}: {}", annotation.title, annotation.message)
            },
            check_name: &annotation.check,
            // Two problems of one check at one line (GitLab wants fingerprints unique in a
            // report): the second is told apart by its message.
            fingerprint: Some(fingerprint(annotation, false))
                .filter(|f| fingerprints.insert(f.clone()))
                .unwrap_or_else(|| fingerprint(annotation, true)),
            severity: severity(annotation.level),
            location: Location {
                path: &annotation.file,
                // GitLab requires a line; a problem with the whole file is on its first.
                lines: Lines {
                    begin: annotation.line.unwrap_or(1),
                },
            },
        })
        .collect();
    serde_json::to_string_pretty(&issues).expect("issues serialise") + "\n"
}

/// GitLab's severities: blocker, critical, major, minor, info.
fn severity(level: Level) -> &'static str {
    match level {
        Level::Error => "major",
        Level::Warning => "minor",
        Level::Notice => "info",
    }
}

/// Stable across runs for the same problem at the same place (GitLab compares a merge
/// request's issues with the target branch's by fingerprint), so no measured value is in it:
/// the check, the file, the line and the title.
fn fingerprint(annotation: &Annotation, with_message: bool) -> String {
    let mut hasher = Sha256::new();
    for part in [
        annotation.check.as_str(),
        annotation.file.as_str(),
        &annotation.line.unwrap_or(0).to_string(),
        annotation.title.as_str(),
        if with_message {
            &annotation.message
        } else {
            ""
        },
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::render;
    use crate::annotation::Annotation;

    #[test]
    fn the_fingerprint_ignores_the_message_but_not_the_place() {
        let at = |line, message: &str| {
            Annotation::error(
                "backend.kdl",
                (Some(line), None),
                "load::threshold",
                "p95",
                message,
            )
        };
        let report = |annotation| -> serde_json::Value {
            serde_json::from_str(&render(&[annotation])).unwrap()
        };
        let first = report(at(3, "300ms"));
        assert_eq!(
            first[0]["fingerprint"],
            report(at(3, "310ms"))[0]["fingerprint"]
        );
        assert_ne!(
            first[0]["fingerprint"],
            report(at(4, "300ms"))[0]["fingerprint"]
        );
        assert_eq!(first[0]["location"]["lines"]["begin"], 3);
        assert_eq!(first[0]["severity"], "major");
    }
}
