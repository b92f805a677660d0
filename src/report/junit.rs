//! JUnit XML for CI test tabs: one test suite per scenario, one test case per threshold
//! (failed when breached, with the measured value as the message), or, with no threshold, one
//! "run completed" case (failed when every request failed), written by quick-junit. With an
//! OpenAPI document, a second suite per scenario has one case per operation: passed, failed
//! with its violations (JSON path, error, example), or skipped when no request hit it — the
//! coverage as CI test tabs show it. The gate is the `conformance` threshold's case.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::report::conformance_table;
use crate::results::conformance_report::ConformanceReport;
use crate::results::run_report::RunReport;

/// Renders `report` as JUnit XML.
pub(crate) fn render(report: &RunReport) -> Result<String, String> {
    let mut junit = Report::new("backendctl load");
    for s in &report.scenarios {
        let mut suite = TestSuite::new(format!("scenario {}", s.name));
        suite.set_time(std::time::Duration::from_secs_f64(s.duration_secs.max(0.0)));
        for t in &s.thresholds {
            let name = t.label();
            let status = if t.passed {
                TestCaseStatus::success()
            } else {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status
                    .set_message(format!("{} was {}", t.metric, t.shown))
                    .set_type("threshold breached");
                status
            };
            let mut case = TestCase::new(name, status);
            case.set_classname(format!("load.{}", s.name));
            case.add_property(("value", t.shown.as_str()));
            suite.add_test_case(case);
        }
        if s.thresholds.is_empty() {
            let status = if s.passed() {
                TestCaseStatus::success()
            } else {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status
                    .set_message(format!(
                        "every request failed: {} of {}",
                        s.total.failed, s.total.count
                    ))
                    .set_type("no request succeeded");
                status
            };
            let mut case = TestCase::new("run completed", status);
            case.set_classname(format!("load.{}", s.name));
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
        if let Some(conformance) = &s.conformance {
            junit.add_test_suite(conformance_suite(&s.name, conformance));
        }
    }
    junit.to_string().map_err(|e| e.to_string())
}

/// One test case per operation of the document.
fn conformance_suite(scenario: &str, c: &ConformanceReport) -> TestSuite {
    let mut suite = TestSuite::new(format!("contract of scenario {scenario}"));
    let violations = conformance_table::violations(c);
    for (operation, row) in c.operations.iter().zip(conformance_table::rows(c)) {
        let status = if operation.requests == 0 {
            let mut status = TestCaseStatus::skipped();
            status.set_message("never exercised: no request hit this operation");
            status
        } else if operation.failed > 0 {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let mine: Vec<_> = violations
                .iter()
                .filter(|v| v.operation == operation.operation)
                .collect();
            let message = mine
                .iter()
                .map(|v| {
                    format!(
                        "{} × {}{}: {}",
                        v.kind,
                        v.count,
                        if v.json_path.is_empty() {
                            String::new()
                        } else {
                            format!(" at {}", v.json_path)
                        },
                        v.error
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            let description = mine
                .iter()
                .map(|v| format!("{} example: {}", v.kind, v.example))
                .collect::<Vec<_>>()
                .join("\n");
            status
                .set_message(message)
                .set_type("contract broken")
                .set_description(description);
            status
        } else {
            TestCaseStatus::success()
        };
        let mut case = TestCase::new(operation.operation.clone(), status);
        case.set_classname(format!("contract.{scenario}"));
        case.add_property(("responses", row[1].as_str()));
        case.add_property(("checked", row[2].as_str()));
        case.add_property(("conformance", row[4].as_str()));
        suite.add_test_case(case);
    }
    suite
}
