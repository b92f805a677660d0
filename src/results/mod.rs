//! What a load run produced, below both the load engine (`load`, which fills it in) and the
//! report renderers (`report`, which format it): the run report itself (`run_report`), the
//! latency histograms it carries (`histogram`), the thresholds judged on it (`threshold`),
//! the vocabulary for where its reports go (`report_format`, `report_outputs`), and the run
//! directories they are written into with the `latest` link to the last (`run_directory`).
//!
//! `report` never imports `load`: `report merge` re-judges thresholds with `threshold` without
//! knowing the engine exists. `load` hands a finished run to `report`'s writers.

pub mod histogram;
pub(crate) mod report_format;
pub(crate) mod report_outputs;
pub(crate) mod run_directory;
pub(crate) mod run_report;
pub mod threshold;
