//! `backendctl report render|compare|merge`: work on saved `run.json` files.

use std::path::PathBuf;

use crate::results::report_outputs::ReportOutputs;

/// Render, compare and merge results files.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub(crate) command: ReportCommand,
}

/// What to do with results files.
#[derive(Debug, Clone, clap::Subcommand)]
pub(crate) enum ReportCommand {
    /// Render a run.json as text, JSON, HTML, JUnit or Markdown.
    #[command(
        after_help = "Example:\n  backendctl report render run.json --save report.html --save junit.xml"
    )]
    Render {
        /// The results file.
        file: PathBuf,
        /// Where the reports go.
        #[command(flatten)]
        outputs: ReportOutputs,
    },
    /// Compare two runs; exits 99 when the new one regressed.
    #[command(
        after_help = "Example:\n  backendctl report compare base.json new.json --max-regression 10%"
    )]
    Compare {
        /// The baseline run.
        base: PathBuf,
        /// The run to judge.
        new: PathBuf,
        /// How much worse a figure may get (`10%`).
        #[arg(long, default_value = "10%", value_parser = parse_fraction)]
        max_regression: f64,
    },
    /// Add shards' results exactly (histograms added, percentiles recomputed).
    #[command(
        after_help = "Example:\n  backendctl report merge shard-*.json --out merged.json --save merged.html"
    )]
    Merge {
        /// The shards' results files.
        #[arg(required = true, num_args = 1..)]
        files: Vec<PathBuf>,
        /// Where the reports go.
        #[command(flatten)]
        outputs: ReportOutputs,
    },
}

/// Reads `10%` or `0.1`.
fn parse_fraction(text: &str) -> Result<f64, String> {
    let value = match text.trim().strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => text.trim().parse::<f64>(),
    }
    .map_err(|_| format!("`{text}` is not a percentage such as 10%"))?;
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(format!("`{text}` must be zero or more"))
    }
}
