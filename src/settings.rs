//! Settings: how backendctl behaves (colour, output format, report directory, parallelism), as
//! opposed to what the manifest declares.
//!
//! figment layers them: built-in defaults < the user config file (`$BACKENDCTL_CONFIG`, or
//! `~/.config/backendctl/config.toml`) < `BACKENDCTL_COLOR`-style variables < command-line flags.
//! `backendctl config` prints each effective setting and where it came from.

use clap::ValueEnum;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::io::IsTerminal;
use std::path::PathBuf;

/// When to use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is unset.
    #[default]
    Auto,
    /// Always colour (unless `NO_COLOR` is set).
    Always,
    /// Never colour.
    Never,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum OutputFormat {
    /// For people.
    #[default]
    Text,
    /// For programs.
    Json,
}

/// The effective settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// When to use colour.
    pub color: ColorChoice,
    /// How results are printed.
    pub output: OutputFormat,
    /// Where run logs and reports go, relative to the manifest's directory (`apply
    /// --report-dir DIR`: relative to the current one).
    pub report_dir: PathBuf,
    /// How many independent set-up steps (projects, databases, migrations, mocks, services) may
    /// run at once in `apply`; scenarios run together only when they say `parallel #true`.
    pub parallelism: usize,
    /// Run one shard of every scenario: `2/4` (see `docs/distributed.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            color: ColorChoice::Auto,
            output: OutputFormat::Text,
            report_dir: PathBuf::from(".backendctl/runs"),
            parallelism: 1,
            shard: None,
        }
    }
}

/// Settings given on the command line (only those given).
#[derive(Debug, Clone, Default, Serialize)]
pub struct FlagSettings {
    /// `--color`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<ColorChoice>,
    /// `--json` (sets `output = json`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<OutputFormat>,
    /// `apply --shard I/N`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// `apply --report-dir DIR`, made absolute against the current directory (the setting
    /// from elsewhere is relative to the manifest's directory).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_dir: Option<PathBuf>,
}

/// Why settings could not be read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("invalid settings: {0}")]
#[diagnostic(
    code(settings::invalid),
    help("`backendctl config` shows each setting and where it came from")
)]
pub struct SettingsError(#[from] Box<figment::Error>);

/// The names of the settings, as keys and (upper-cased, prefixed) variable names.
pub const KEYS: [&str; 5] = ["color", "output", "report_dir", "parallelism", "shard"];

/// A provider under a name of our choosing (figment names serialized values after their Rust
/// type, which means nothing to a user).
struct Named<P> {
    name: &'static str,
    inner: P,
}

impl<P: figment::Provider> figment::Provider for Named<P> {
    fn metadata(&self) -> figment::Metadata {
        figment::Metadata::named(self.name)
    }

    fn data(
        &self,
    ) -> Result<figment::value::Map<figment::Profile, figment::value::Dict>, figment::Error> {
        self.inner.data()
    }
}

/// The layered sources of settings.
#[must_use]
pub fn figment(flags: &FlagSettings) -> Figment {
    let mut figment = Figment::from(Named {
        name: "built-in default",
        inner: Serialized::defaults(Settings::default()),
    });
    if let Some(path) = config_file() {
        figment = figment.merge(Toml::file(path));
    }
    figment
        .merge(Env::prefixed("BACKENDCTL_").only(&KEYS))
        .merge(Named {
            name: "command-line flag",
            inner: Serialized::defaults(flags),
        })
}

/// Reads the effective settings.
///
/// # Errors
/// [`SettingsError`] when a source holds an invalid value.
pub fn load(flags: &FlagSettings) -> Result<Settings, SettingsError> {
    figment(flags)
        .extract()
        .map_err(|error| SettingsError(Box::new(error)))
}

/// The user config file: `$BACKENDCTL_CONFIG`, else `$XDG_CONFIG_HOME/backendctl/config.toml`,
/// else `~/.config/backendctl/config.toml`.
#[must_use]
pub fn config_file() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("BACKENDCTL_CONFIG") {
        return Some(PathBuf::from(path));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))?;
    Some(base.join("backendctl").join("config.toml"))
}

impl Settings {
    /// Whether to colour output written to stderr.
    #[must_use]
    pub fn color_stderr(&self) -> bool {
        if std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty()) {
            return false;
        }
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => std::io::stderr().is_terminal(),
        }
    }
}

/// Each setting's value and where it came from, for `backendctl config`.
///
/// # Errors
/// [`SettingsError`] when a source holds an invalid value.
pub fn describe(flags: &FlagSettings) -> Result<Vec<(String, String, String)>, SettingsError> {
    let figment = figment(flags);
    let settings: Settings = figment
        .extract()
        .map_err(|error| SettingsError(Box::new(error)))?;
    let values = serde_json::to_value(&settings).expect("settings serialise");
    Ok(KEYS
        .iter()
        .map(|key| {
            let value = match &values[key] {
                serde_json::Value::Null => "(unset)".to_owned(),
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            let origin = figment.find_metadata(key).map_or_else(
                || "built-in default".to_owned(),
                |metadata| match &metadata.source {
                    Some(source) => format!("{} ({source})", metadata.name),
                    None if metadata.name.contains("environment") => {
                        format!("environment variable BACKENDCTL_{}", key.to_uppercase())
                    }
                    None => metadata.name.to_string(),
                },
            );
            ((*key).to_owned(), value, origin)
        })
        .collect())
}
