//! JUnit XML for CI test tabs: one test suite per scenario, one test case per threshold
//! (failed when breached, with the measured value as the message), or, with no threshold, one
//! "run completed" case (failed when every request failed), written by quick-junit.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

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
    }
    junit.to_string().map_err(|e| e.to_string())
}
