//! One constructor for every latency histogram, so that shards, seconds and request names can be
//! added together bucket for bucket (an HdrHistogram merge is exact only when every histogram
//! shares `(low, high, significant figures)`), and one encoding for `run.json` (V2 + DEFLATE,
//! base64), which `report merge` decodes to add machines' results exactly.

use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer as _, V2DeflateSerializer};

/// Latencies are recorded in microseconds, from 1 µs to 10 minutes, at 3 significant figures.
pub(crate) type Latency = Histogram<u64>;

const LOWEST_US: u64 = 1;
const HIGHEST_US: u64 = 600_000_000;
const SIGNIFICANT_FIGURES: u8 = 3;

/// A new, empty latency histogram with the run-wide bounds.
pub(crate) fn new_latency() -> Latency {
    Histogram::new_with_bounds(LOWEST_US, HIGHEST_US, SIGNIFICANT_FIGURES)
        .expect("constant histogram bounds are valid")
}

/// Records one latency, clamping to the histogram's range instead of failing.
pub(crate) fn record(histogram: &mut Latency, micros: u64) {
    histogram.saturating_record(micros.max(LOWEST_US));
}

/// Adds `other` into `into`; values outside the range were clamped when recorded, so the only
/// failure left is a histogram built with other bounds, which is reported as an error.
pub(crate) fn add(into: &mut Latency, other: &Latency) -> Result<(), HistogramError> {
    into.add(other).map_err(|e| HistogramError::Merge {
        reason: format!("{e:?}"),
    })
}

/// Encodes a histogram as base64 of its V2 + DEFLATE serialisation.
pub(crate) fn encode(histogram: &Latency) -> String {
    let mut bytes = Vec::new();
    V2DeflateSerializer::new()
        .serialize(histogram, &mut bytes)
        .expect("serialising into memory cannot fail");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Decodes what [`encode`] produced, into a histogram with the run-wide bounds.
pub(crate) fn decode(text: &str) -> Result<Latency, HistogramError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| HistogramError::Decode {
            reason: e.to_string(),
        })?;
    let decoded: Histogram<u64> = Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| HistogramError::Decode {
            reason: format!("{e:?}"),
        })?;
    let mut histogram = new_latency();
    add(&mut histogram, &decoded)?;
    Ok(histogram)
}

/// A histogram that could not be decoded or added.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum HistogramError {
    #[error("cannot decode a latency histogram: {reason}")]
    #[diagnostic(
        code("report::bad-histogram"),
        help("the histogram must be base64 of an HdrHistogram V2 (DEFLATE) serialisation")
    )]
    Decode { reason: String },
    #[error("cannot add latency histograms: {reason}")]
    #[diagnostic(
        code("report::histogram-mismatch"),
        help("merge only results files written by backendctl, whose histograms share one range")
    )]
    Merge { reason: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips_and_merging_is_exact() {
        let mut all = new_latency();
        let mut merged = new_latency();
        for shard in 0..4_u64 {
            let mut part = new_latency();
            for i in 0..10_000_u64 {
                let v = (i * 37 + shard * 101) % 250_000 + 1;
                record(&mut part, v);
                record(&mut all, v);
            }
            let back = decode(&encode(&part)).unwrap();
            add(&mut merged, &back).unwrap();
        }
        assert_eq!(merged, all);
        assert_eq!(merged.value_at_quantile(0.95), all.value_at_quantile(0.95));
    }

    #[test]
    fn out_of_range_values_are_clamped() {
        let mut h = new_latency();
        record(&mut h, 0);
        record(&mut h, u64::MAX);
        assert_eq!(h.len(), 2);
    }
}
