//! Reports of load runs: the end-of-run summary, `run.json`, HTML, JUnit XML and the GitHub
//! step summary, and `backendctl report render|compare|merge` over saved `run.json` files.

pub(crate) mod run_report;
pub(crate) mod summary;
pub(crate) mod html;
pub(crate) mod junit;
pub(crate) mod markdown;
pub(crate) mod output;
