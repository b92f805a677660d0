//! `backendctl config [--json]`: each effective setting and where it came from.

use crate::error::Error;
use crate::settings::{self, FlagSettings};
use crate::{exit_code, output};

/// Prints the settings table.
///
/// # Errors
/// [`Error::Settings`] when a source is invalid.
pub fn config(flags: &FlagSettings, json: bool) -> Result<u8, Error> {
    let rows = settings::describe(flags)?;
    if json {
        let value: serde_json::Map<String, serde_json::Value> = rows
            .into_iter()
            .map(|(key, value, origin)| {
                (key, serde_json::json!({ "value": value, "origin": origin }))
            })
            .collect();
        output::print_json(&serde_json::Value::Object(value))?;
    } else {
        let width = rows.iter().map(|(key, _, _)| key.len()).max().unwrap_or(0);
        let value_width = rows
            .iter()
            .map(|(_, value, _)| value.len())
            .max()
            .unwrap_or(0);
        let mut text = String::new();
        for (key, value, origin) in rows {
            text.push_str(&format!(
                "{key:<width$}  {value:<value_width$}  from {origin}\n"
            ));
        }
        if let Some(path) = settings::config_file() {
            let state = if path.exists() { "" } else { " (not present)" };
            text.push_str(&format!("\nconfig file: {}{state}\n", path.display()));
        }
        output::print(&text)?;
    }
    Ok(exit_code::OK)
}
