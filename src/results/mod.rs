//! What a load run produced, below both the load engine (`load`, which fills it in) and the
//! report renderers (`report`, which format it): the run report itself (`run_report`), the
//! latency histograms it carries (`histogram`), the thresholds judged on it (`threshold`),
//! and the vocabulary for where its reports go (`report_format`, `report_outputs`,
//! `report_writer`).
//!
//! `load` and `report` never import each other. The engine hands a finished run to the
//! renderers through the `report_writer::ReportWriter` port, which `report` implements and the
//! program installs at start-up; `report merge` re-judges thresholds with `threshold` without
//! knowing the engine exists.

pub mod histogram;
pub(crate) mod report_format;
pub(crate) mod report_outputs;
pub mod report_writer;
pub(crate) mod run_report;
pub mod threshold;
