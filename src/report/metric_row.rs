//! The request table that the text summary, the Markdown summary and the HTML report all show:
//! one [`MetricRow`] per request name (and the total when there are several), its figures
//! formatted once, here, so the three renderers cannot drift apart. Each renderer picks its
//! [`Column`]s, escapes the cells for its markup and lays them out.

use crate::results::run_report::{NO_DATA, RequestMetrics, ScenarioReport};

/// A column of the request table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    Request,
    Count,
    Rps,
    Failed,
    Min,
    Mean,
    P50,
    P90,
    P95,
    P99,
    P999,
    Max,
}

impl Column {
    /// Every column, in the order the text and HTML reports show them.
    pub(crate) const ALL: [Self; 12] = [
        Self::Request,
        Self::Count,
        Self::Rps,
        Self::Failed,
        Self::Min,
        Self::Mean,
        Self::P50,
        Self::P90,
        Self::P95,
        Self::P99,
        Self::P999,
        Self::Max,
    ];

    /// The column's heading.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Count => "count",
            Self::Rps => "rps",
            Self::Failed => "failed",
            Self::Min => "min",
            Self::Mean => "mean",
            Self::P50 => "p50",
            Self::P90 => "p90",
            Self::P95 => "p95",
            Self::P99 => "p99",
            Self::P999 => "p99.9",
            Self::Max => "max",
        }
    }
}

/// One line of the request table, every figure formatted for people: the rate to one decimal,
/// the failed share as a percentage, latencies in milliseconds to two decimals, and "no data"
/// for a figure with nothing to measure (latencies when no request got a response, the failed
/// share when none was sent).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MetricRow {
    cells: [String; Column::ALL.len()],
}

impl MetricRow {
    /// The row of one request name, or of the total.
    pub(crate) fn of(metrics: &RequestMetrics) -> Self {
        let ms = |v: Option<f64>| v.map_or_else(|| NO_DATA.to_owned(), |v| format!("{v:.2}ms"));
        let l = &metrics.latency;
        Self {
            cells: [
                metrics.name.clone(),
                metrics.count.to_string(),
                format!("{:.1}", metrics.rps),
                metrics
                    .error_rate()
                    .map_or_else(|| NO_DATA.to_owned(), |r| format!("{:.2}%", r * 100.0)),
                ms(l.min),
                ms(l.mean),
                ms(l.p50),
                ms(l.p90),
                ms(l.p95),
                ms(l.p99),
                ms(l.p999),
                ms(l.max),
            ],
        }
    }

    /// A scenario's table: one row per request name, then the total when there are several
    /// (with one, the total would repeat it).
    pub(crate) fn table(scenario: &ScenarioReport) -> Vec<Self> {
        let show_total = scenario.requests.len() > 1;
        scenario
            .requests
            .iter()
            .chain(show_total.then_some(&scenario.total))
            .map(Self::of)
            .collect()
    }

    /// The formatted figure in `column`.
    pub(crate) fn cell(&self, column: Column) -> &str {
        &self.cells[column as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_index_their_cells() {
        let metrics = RequestMetrics {
            name: "GET /".to_owned(),
            count: 4,
            failed: 1,
            rps: 2.0,
            ..RequestMetrics::default()
        };
        let row = MetricRow::of(&metrics);
        assert_eq!(row.cell(Column::Request), "GET /");
        assert_eq!(row.cell(Column::Rps), "2.0");
        assert_eq!(row.cell(Column::Failed), "25.00%");
        // Nothing answered: no latency to show, and none made up.
        assert_eq!(row.cell(Column::Max), "no data");
        assert_eq!(row.cell(Column::P95), "no data");
        let nothing_sent = MetricRow::of(&RequestMetrics::default());
        assert_eq!(nothing_sent.cell(Column::Failed), "no data");
        for (i, column) in Column::ALL.into_iter().enumerate() {
            assert_eq!(column as usize, i);
        }
    }
}
