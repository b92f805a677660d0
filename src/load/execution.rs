//! What one run of the engine produced, and whether it measured anything.
//!
//! Thresholds judge a run's figures, but some runs have no figures worth judging: a target that
//! accepts connections and never answers leaves every request waiting until the run ends, and
//! an `rps < 1000` threshold (or none) would pass on nothing. So, thresholds or not, a run in
//! which no request completed is an error, and so is a run where every request failed and no
//! threshold was given: a target that is down or stuck never looks like success.

use crate::load::error::Error;
use crate::results::run_report::ScenarioReport;

/// One finished run: its report and how its end went.
#[derive(Debug)]
pub(crate) struct Execution {
    pub report: ScenarioReport,
    /// Requests still waiting for an answer when the run's grace period ran out; they were
    /// cancelled and are counted in the report as `timeout` failures.
    pub unanswered: u64,
}

/// Fails a run that measured nothing a user could trust as a pass: no request completed
/// during the run (`unanswered` of its requests were cancelled at its end) and no threshold
/// aborted it, or every request failed and no threshold was there to say so.
pub(crate) fn ensure_measured(report: &ScenarioReport, unanswered: u64) -> Result<(), Error> {
    let total = &report.total;
    // A run a threshold aborted has its verdict already (breached), whatever it measured.
    if total.count.saturating_sub(unanswered) == 0 && !report.aborted {
        let waiting = match unanswered {
            0 => "no request was sent".to_owned(),
            1 => "1 was still waiting for an answer when the run ended".to_owned(),
            n => format!("{n} were still waiting for an answer when the run ended"),
        };
        return Err(Error::NoneCompleted {
            elapsed: format!("{:.1}s", report.duration_secs),
            waiting,
        });
    }
    if report.thresholds.is_empty() && total.failed == total.count {
        let causes: Vec<String> = total
            .errors
            .iter()
            .map(|(category, count)| format!("{category} {count}"))
            .collect();
        return Err(Error::AllFailed(causes.join(", ")));
    }
    Ok(())
}
