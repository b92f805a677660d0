//! The engine's own subcommands: init, validate, plan, apply, schema, config, completions.
//! Capability subcommands (migrate, load, scaffold, mock, report) live in their modules.

mod apply_command;
mod config_command;
mod init_command;
mod plan_command;
mod step_annotations;
mod validate_command;

pub use apply_command::apply;
pub use config_command::config;
pub use init_command::{STARTER_MANIFEST, STARTER_MIGRATIONS, init};
pub use plan_command::plan;
pub use validate_command::validate;

use crate::error::Error;
use crate::manifest::Address;

/// Plans `loaded` (or, with `only`, one node and what it needs).
///
/// # Errors
/// [`Error::BadAddress`] for a bad `--only`; [`Error::Plan`] when an executor cannot read its
/// state.
pub async fn make_plan(
    loaded: &crate::manifest::LoadedManifest,
    globals: &crate::globals::Globals,
    only: Option<&str>,
) -> Result<crate::engine::Plan, Error> {
    let only = parse_only(only, loaded)?;
    let context = crate::engine::PlanContext {
        loaded,
        settings: &globals.settings,
        nodes: crate::nodes::node,
    };
    crate::engine::Plan::make(&context, only.as_ref())
        .await
        .map_err(|(address, source)| Error::Plan {
            address: address.to_string(),
            source,
        })
}

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
