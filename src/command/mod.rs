//! The engine's own subcommands: init, validate, plan, apply, schema, config, completions.
//! Capability subcommands (migrate, load, scaffold, mock, report) live in their modules.

mod apply;
mod config;
mod init;
mod plan;
mod validate;

pub use apply::apply;
pub use config::config;
pub use init::{STARTER_MANIFEST, init};
pub use plan::plan;
pub use validate::validate;

use crate::error::Error;
use crate::manifest::Address;

/// Parses an `--only` address.
///
/// # Errors
/// [`Error::BadAddress`] when the text is not an address or names no node.
pub fn parse_only(
    text: Option<&str>,
    loaded: &crate::manifest::LoadedManifest,
) -> Result<Option<Address>, Error> {
    let Some(text) = text else { return Ok(None) };
    let address: Address =
        text.parse()
            .map_err(
                |error: crate::manifest::address::AddressError| Error::BadAddress {
                    message: error.to_string(),
                    help: "write `kind.name`, as `plan` prints it".to_owned(),
                },
            )?;
    if !loaded.graph.nodes().any(|node| *node == address) {
        let known: Vec<String> = loaded.graph.nodes().map(ToString::to_string).collect();
        return Err(Error::BadAddress {
            message: format!("the manifest has no node `{address}`"),
            help: format!("nodes: {}", known.join(", ")),
        });
    }
    Ok(Some(address))
}
