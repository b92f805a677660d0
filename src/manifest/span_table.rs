//! Where each value of the lowered manifest came from, so any later stage can point at it.
//!
//! Every stage after lowering works on a `serde_json::Value`; this table maps a JSON pointer
//! (`/database/main/url`) back to the KDL tokens it came from, or to the environment variable or
//! `--set` flag that overrode it. Lookups fall back to the nearest recorded ancestor.

use miette::SourceSpan;
use std::collections::BTreeMap;

/// The origin of one value in the lowered manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Written in the manifest: `key` is the node name, property key or block label; `value` is the
    /// argument, property value or the node itself.
    Source {
        /// Span of the key (node name, property name or block label).
        key: SourceSpan,
        /// Span of the value.
        value: SourceSpan,
    },
    /// Overridden by a `BACKENDCTL_*` environment variable.
    Env {
        /// The variable's name.
        variable: String,
    },
    /// Overridden by `--set POINTER=VALUE`.
    Flag {
        /// The flag as given.
        flag: String,
    },
}

/// JSON pointer → origin.
#[derive(Debug, Clone, Default)]
pub struct SpanTable {
    origins: BTreeMap<String, Origin>,
}

impl SpanTable {
    /// Records where the value at `pointer` came from, replacing any earlier origin.
    pub fn record(&mut self, pointer: impl Into<String>, origin: Origin) {
        self.origins.insert(pointer.into(), origin);
    }

    /// The origin recorded for `pointer` itself.
    #[must_use]
    pub fn exact(&self, pointer: &str) -> Option<&Origin> {
        self.origins.get(pointer)
    }

    /// The origin of `pointer`, or of its nearest recorded ancestor.
    #[must_use]
    pub fn locate(&self, pointer: &str) -> Option<&Origin> {
        let mut current = pointer;
        loop {
            if let Some(origin) = self.origins.get(current) {
                return Some(origin);
            }
            match current.rfind('/') {
                Some(0) | None => return self.origins.get(""),
                Some(index) => current = &current[..index],
            }
        }
    }

    /// The source span of the key at `pointer` (or the nearest ancestor written in the manifest).
    #[must_use]
    pub fn key_span(&self, pointer: &str) -> Option<SourceSpan> {
        self.source_ancestor(pointer).map(|(key, _)| key)
    }

    /// The source span of the value at `pointer` (or the nearest ancestor written in the manifest).
    #[must_use]
    pub fn value_span(&self, pointer: &str) -> Option<SourceSpan> {
        self.source_ancestor(pointer).map(|(_, value)| value)
    }

    fn source_ancestor(&self, pointer: &str) -> Option<(SourceSpan, SourceSpan)> {
        let mut current = pointer;
        loop {
            if let Some(Origin::Source { key, value }) = self.origins.get(current) {
                return Some((*key, *value));
            }
            match current.rfind('/') {
                Some(index) if !current.is_empty() => current = &current[..index],
                _ => return None,
            }
        }
    }
}

/// Escapes one pointer segment (RFC 6901).
#[must_use]
pub fn escape_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Appends one segment to a pointer.
#[must_use]
pub fn join(pointer: &str, segment: &str) -> String {
    format!("{pointer}/{}", escape_segment(segment))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_falls_back_to_the_nearest_ancestor() {
        let mut table = SpanTable::default();
        table.record(
            "/database/main",
            Origin::Source {
                key: (10, 4).into(),
                value: (10, 20).into(),
            },
        );
        assert_eq!(table.key_span("/database/main/url"), Some((10, 4).into()));
        assert_eq!(table.key_span("/scenario"), None);
    }

    #[test]
    fn segments_are_escaped() {
        assert_eq!(join("/env", "a/b~c"), "/env/a~1b~0c");
    }
}
