//! Durations as the manifest writes them: strings such as `"500ms"`, `"30s"`, `"1m"`, `"1h30m"`.
//!
//! KDL v2 cannot spell `30s` as a bare value, so durations are strings; the schema checks their
//! shape so a typo is reported at its span, and humantime does the arithmetic.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The pattern every duration must match; also used by the validator to recognise duration errors.
pub const DURATION_PATTERN: &str = r"^([0-9]+(\.[0-9]+)?(ms|us|ns|s|m|h|d) ?)+$";

/// A span of time written as `"30s"`, `"1m"`, `"250ms"` or `"1h30m"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub std::time::Duration);

impl Duration {
    /// The standard-library duration.
    #[must_use]
    pub fn get(self) -> std::time::Duration {
        self.0
    }

    /// Parses a duration in the manifest's notation.
    ///
    /// # Errors
    /// Returns humantime's message when the text is not a duration.
    pub fn parse(text: &str) -> Result<Self, String> {
        humantime::parse_duration(text.trim())
            .map(Duration)
            .map_err(|error| error.to_string())
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", humantime::format_duration(self.0))
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Duration::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": DURATION_PATTERN,
            "description": "A duration such as \"500ms\", \"30s\", \"1m\" or \"1h30m\".",
        })
    }
}
