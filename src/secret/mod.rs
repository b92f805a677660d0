//! Secrets as a type, not a text search.
//!
//! A value read from the environment (`{{ env.NAME }}`) that lands in a *secret position* of the
//! manifest is wrapped when it is interpolated, and masked wherever it is displayed:
//!
//! - [`SecretText`] (the schema marks it `"x-secret": "value"`): request and response header
//!   values, request bodies (`body`, `json`, form values) and service `env` values. A value
//!   rendered from a template that reads the environment is hidden whole, however the template
//!   transformed it (`{{ env.TOKEN | upper }}`); a value written in the manifest is shown (only
//!   a URL password in it is masked).
//! - [`SecretUrl`] (`"x-secret": "url"`): database URLs, scenario `base-url`s, request paths and
//!   readiness targets. A URL's password is always masked, and so is its userinfo, a query value
//!   or a fragment that came from the environment; its scheme, host, port and path are shown. A
//!   value from the environment that is not a URL at all is hidden whole.
//!
//! Every other position is not secret: a value there is shown as it is, wherever it came from.
//! `Display`, `Debug` and `Serialize` print the masked form; only [`Sensitive::expose`] gives
//! the value, for the code that sends it. Nothing here searches rendered text: what is displayed
//! is built from these types, and reports are built from data that never held a secret.
//!
//! The one place where text is searched is the log of a service's own output
//! ([`LogMasker`]): backendctl does not know what a program prints, so the values of the secret
//! variables are masked line by line as the log is written.

mod log_mask;
mod plan_key;
mod url_parts;

pub use log_mask::LogMasker;
pub use plan_key::{PLAN_KEY_VARIABLE, PlanKey, PlanKeyError};

use schemars::JsonSchema;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;

/// What is shown in place of a secret.
pub const MASK: &str = "***";

/// The key of the object interpolation hands to deserialization in place of a string that read
/// the environment: `{"$backendctl-secret": {"value": "…", "from-env": [[0, 5]]}}`. It exists
/// only between interpolation and the typed manifest.
pub const SECRET_TAG: &str = "$backendctl-secret";

/// The schema extension that marks a secret position.
pub const SCHEMA_KEY: &str = "x-secret";

/// How one kind of secret position decides what to hide.
pub trait Position: 'static {
    /// The value of `x-secret` in the schema.
    const NAME: &'static str;
    /// The byte ranges of `value` to hide, given the ranges rendered from the environment.
    fn hidden(value: &str, from_env: &[Range<usize>]) -> Vec<Range<usize>>;
}

/// A value hidden whole when any of it came from the environment (headers, bodies, `env`).
#[derive(Debug, Clone, Copy)]
pub enum WholeValue {}

impl Position for WholeValue {
    const NAME: &'static str = "value";

    fn hidden(value: &str, from_env: &[Range<usize>]) -> Vec<Range<usize>> {
        if from_env.is_empty() {
            // Written in the manifest: shown, except a URL password (`postgres://u:pw@h`).
            url_parts::literal_password(value).into_iter().collect()
        } else {
            std::iter::once(0..value.len()).collect()
        }
    }
}

/// A URL: its password, and what came from the environment in its userinfo, query values and
/// fragment, are hidden; scheme, host, port and path are shown.
#[derive(Debug, Clone, Copy)]
pub enum UrlValue {}

impl Position for UrlValue {
    const NAME: &'static str = "url";

    fn hidden(value: &str, from_env: &[Range<usize>]) -> Vec<Range<usize>> {
        url_parts::hidden(value, from_env)
    }
}

/// Text at a secret position: the value, and which parts of it must never be shown.
pub struct Sensitive<P: Position> {
    value: String,
    from_env: Vec<Range<usize>>,
    hidden: Vec<Range<usize>>,
    position: PhantomData<fn() -> P>,
}

/// A header value, body or service `env` value.
pub type SecretText = Sensitive<WholeValue>;
/// A database URL, base URL, request path or readiness target.
pub type SecretUrl = Sensitive<UrlValue>;

impl<P: Position> Sensitive<P> {
    /// A value written as it is (in the manifest, or on the command line).
    #[must_use]
    pub fn literal(value: impl Into<String>) -> Self {
        Self::rendered(value.into(), Vec::new())
    }

    /// A value whose byte ranges `from_env` were rendered from the environment.
    #[must_use]
    pub fn rendered(value: String, from_env: Vec<Range<usize>>) -> Self {
        let hidden = merge(P::hidden(&value, &from_env));
        Self {
            value,
            from_env,
            hidden,
            position: PhantomData,
        }
    }

    /// The value itself, for the code that uses it (sends the header, starts the process).
    /// Never format it for a person: display the `Sensitive` instead.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// Whether any part of it is hidden.
    #[must_use]
    pub fn has_hidden_parts(&self) -> bool {
        !self.hidden.is_empty()
    }

    /// The value as shown: every hidden part replaced by [`MASK`].
    #[must_use]
    pub fn masked(&self) -> String {
        replace_ranges(&self.value, &self.hidden)
    }

    /// The value as fingerprinted into plans: the hidden parts that came from the environment
    /// replaced by [`MASK`] (a saved plan checks those through the variables' keyed
    /// fingerprints instead), the rest as written.
    #[must_use]
    pub fn public_form(&self) -> String {
        let secret: Vec<Range<usize>> = self
            .hidden
            .iter()
            .filter(|hidden| self.from_env.iter().any(|env| touches(hidden, env)))
            .cloned()
            .collect();
        replace_ranges(&self.value, &secret)
    }

    /// Whether the environment range `range` reaches a hidden part (its variables are then
    /// secret variables).
    #[must_use]
    pub fn hides(&self, range: &Range<usize>) -> bool {
        self.hidden.iter().any(|hidden| touches(hidden, range))
    }

    /// The form interpolation hands to deserialization: the plain string when nothing came
    /// from the environment, else the tagged object [`SECRET_TAG`].
    #[must_use]
    pub fn to_tagged(&self) -> serde_json::Value {
        if self.from_env.is_empty() {
            return serde_json::Value::String(self.value.clone());
        }
        let ranges: Vec<[usize; 2]> = self.from_env.iter().map(|r| [r.start, r.end]).collect();
        serde_json::json!({ SECRET_TAG: { "value": self.value, "from-env": ranges } })
    }
}

/// What interpolation makes of a value rendered at a secret position.
#[derive(Debug, Clone)]
pub struct SecretForms {
    /// The value as fingerprinted ([`Sensitive::public_form`]).
    pub public: String,
    /// The value as deserialized ([`Sensitive::to_tagged`]).
    pub tagged: serde_json::Value,
    /// For each range rendered from the environment, whether it reaches a hidden part.
    pub hides: Vec<bool>,
}

/// The forms of `value` at the position named `position` (`value` or `url`, the schema's
/// `x-secret`), given the ranges rendered from the environment; `None` for an unknown name.
#[must_use]
pub fn forms_at(position: &str, value: &str, from_env: &[Range<usize>]) -> Option<SecretForms> {
    fn forms<P: Position>(value: &str, from_env: &[Range<usize>]) -> SecretForms {
        let sensitive = Sensitive::<P>::rendered(value.to_owned(), from_env.to_vec());
        SecretForms {
            public: sensitive.public_form(),
            tagged: sensitive.to_tagged(),
            hides: from_env
                .iter()
                .map(|range| sensitive.hides(range))
                .collect(),
        }
    }
    match position {
        WholeValue::NAME => Some(forms::<WholeValue>(value, from_env)),
        UrlValue::NAME => Some(forms::<UrlValue>(value, from_env)),
        _ => None,
    }
}

/// `value` with each of the (sorted, disjoint) `ranges` replaced by [`MASK`].
#[must_use]
pub fn replace_ranges(value: &str, ranges: &[Range<usize>]) -> String {
    let mut out = String::with_capacity(value.len());
    let mut at = 0;
    for range in ranges {
        out.push_str(&value[at..range.start]);
        out.push_str(MASK);
        at = range.end;
    }
    out.push_str(&value[at..]);
    out
}

/// Whether two byte ranges share a byte (an empty range shares nothing).
#[must_use]
pub fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

/// Whether the environment range `env` reaches the hidden range `hidden`: they share a byte,
/// or `env` is an empty value rendered inside or at the edge of `hidden`.
fn touches(hidden: &Range<usize>, env: &Range<usize>) -> bool {
    overlaps(hidden, env)
        || (env.start == env.end && hidden.start <= env.start && env.start <= hidden.end)
}

/// Sorts ranges and merges those that touch, so each masked part is one [`MASK`].
fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|range| (range.start, range.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => {
                last.end = last.end.max(range.end);
            }
            _ => merged.push(range),
        }
    }
    merged
}

impl<P: Position> Clone for Sensitive<P> {
    fn clone(&self) -> Self {
        Self {
            value: self.value.clone(),
            from_env: self.from_env.clone(),
            hidden: self.hidden.clone(),
            position: PhantomData,
        }
    }
}

impl<P: Position> PartialEq for Sensitive<P> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value && self.hidden == other.hidden
    }
}

impl<P: Position> Eq for Sensitive<P> {}

impl<P: Position> fmt::Display for Sensitive<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl<P: Position> fmt::Debug for Sensitive<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.masked(), f)
    }
}

impl<P: Position> From<&str> for Sensitive<P> {
    fn from(value: &str) -> Self {
        Self::literal(value)
    }
}

impl<P: Position> Serialize for Sensitive<P> {
    /// The masked form: a serialized manifest never holds a secret.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.masked())
    }
}

impl<'de, P: Position> Deserialize<'de> for Sensitive<P> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Plain(String),
            Tagged(BTreeMap<String, TaggedValue>),
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "kebab-case")]
        struct TaggedValue {
            value: String,
            from_env: Vec<[usize; 2]>,
        }
        match Form::deserialize(deserializer)? {
            Form::Plain(value) => Ok(Self::literal(value)),
            Form::Tagged(mut map) => {
                let tagged = map
                    .remove(SECRET_TAG)
                    .ok_or_else(|| de::Error::custom("expected a string"))?;
                let len = tagged.value.len();
                let ranges = tagged
                    .from_env
                    .iter()
                    .map(|[start, end]| *start..*end)
                    .filter(|range| {
                        range.start <= range.end
                            && range.end <= len
                            && tagged.value.is_char_boundary(range.start)
                            && tagged.value.is_char_boundary(range.end)
                    })
                    .collect();
                Ok(Self::rendered(tagged.value, ranges))
            }
        }
    }
}

impl<P: Position> JsonSchema for Sensitive<P> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "String".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            SCHEMA_KEY: P::NAME,
        })
    }
}

/// A value that must not be shown: `Debug` prints [`MASK`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

/// The environment variables whose values reached a hidden part of a secret position, each
/// with its value (`None`: not set, a `default(…)` was used).
#[derive(Debug, Clone, Default)]
pub struct SecretVariables {
    variables: BTreeMap<String, Option<Secret>>,
}

impl SecretVariables {
    /// Records variable `name` with its value.
    pub fn insert(&mut self, name: &str, value: Option<&str>) {
        self.variables
            .insert(name.to_owned(), value.map(Secret::new));
    }

    /// Each variable with its value, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Option<&Secret>)> {
        self.variables
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_ref()))
    }

    /// Whether there is none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.variables.is_empty()
    }

    /// Whether any of them is set (only then does a saved plan need a key).
    #[must_use]
    pub fn any_set(&self) -> bool {
        self.variables.values().any(Option::is_some)
    }

    /// A masker of these values, for text backendctl does not build (a service's own output).
    #[must_use]
    pub fn log_masker(&self) -> LogMasker {
        LogMasker::new(
            self.variables
                .values()
                .flatten()
                .map(|secret| secret.expose().to_owned()),
        )
    }
}

#[cfg(test)]
// Lists of byte ranges, one range long.
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;

    fn text(value: &str, from_env: &[Range<usize>]) -> SecretText {
        SecretText::rendered(value.to_owned(), from_env.to_vec())
    }

    fn url(value: &str, from_env: &[Range<usize>]) -> SecretUrl {
        SecretUrl::rendered(value.to_owned(), from_env.to_vec())
    }

    #[test]
    fn a_value_from_the_environment_is_hidden_whole_however_short() {
        assert_eq!(text("Bearer 0", &[7..8]).to_string(), "***");
        assert_eq!(text("0", &[0..1]).to_string(), "***");
        assert_eq!(format!("{:?}", text("0", &[0..1])), "\"***\"");
        assert_eq!(text("", &[0..0]).to_string(), "***");
        assert_eq!(text("0", &[0..1]).expose(), "0");
        assert_eq!(
            text("application/json", &[]).to_string(),
            "application/json"
        );
        assert_eq!(
            serde_json::to_string(&text("tok", &[0..3])).unwrap(),
            "\"***\""
        );
    }

    #[test]
    fn a_literal_value_shows_all_but_a_url_password() {
        assert_eq!(
            text("postgres://app:pw@db:5432/app", &[]).to_string(),
            "postgres://app:***@db:5432/app"
        );
        assert_eq!(text("3000", &[]).public_form(), "3000");
    }

    #[test]
    fn a_url_shows_host_and_path_and_hides_password_and_secret_query_values() {
        let value = "http://api.internal:8080/v1";
        assert_eq!(url(value, &[0..value.len()]).to_string(), value);
        let value = "postgres://app:s3cret@db/app";
        assert_eq!(url(value, &[]).to_string(), "postgres://app:***@db/app");
        // The password came from the environment here: the public form hides it too.
        assert_eq!(
            url(value, &[15..21]).public_form(),
            "postgres://app:***@db/app"
        );
        // A literal password stays in the public form (it is in the manifest).
        assert_eq!(url(value, &[]).public_form(), value);
        let value = "/items?page=2&token=abc&x";
        assert_eq!(
            url(value, &[20..23]).to_string(),
            "/items?page=2&token=***&x"
        );
        let value = "https://ghp_token@github.com/o/r";
        assert_eq!(
            url(value, &[8..17]).to_string(),
            "https://***@github.com/o/r"
        );
        // Not a URL at all: what came from the environment is hidden.
        assert_eq!(url("supersecret123", &[0..14]).to_string(), "***");
    }

    #[test]
    fn deserializes_plain_and_tagged_forms() {
        let plain: SecretText = serde_json::from_value(serde_json::json!("x")).unwrap();
        assert_eq!(plain.to_string(), "x");
        let tagged = text("Bearer t", &[7..8]).to_tagged();
        let secret: SecretText = serde_json::from_value(tagged).unwrap();
        assert_eq!(secret.expose(), "Bearer t");
        assert_eq!(secret.to_string(), "***");
    }
}
