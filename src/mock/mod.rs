//! The mock target: `mock "api" { route "GET" "/api/users" status=200 body="[]" latency="20ms" }`
//! and `backendctl mock FILE`. A scenario can be tried before its service exists, and the load
//! tests use it as their target. Served by axum on hyper, with fixed or log-normal latency,
//! injected error statuses, connection resets and periodic stalls.

pub mod cli;
pub(crate) mod node;
pub(crate) mod route_behavior;
pub mod server;

pub use node::MockNode;

use crate::globals::Globals;

/// A mock failure.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    /// The server could not start or failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Server(#[from] server::MockError),
    /// The manifest's mock is wrong.
    #[error("mock `{name}`: {reason}")]
    #[diagnostic(code(mock::invalid))]
    Invalid {
        /// The mock's name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// The manifest could not be loaded.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Manifest(#[from] crate::manifest::LoadError),
    /// Writing to stdout failed.
    #[error("cannot write to stdout: {0}")]
    #[diagnostic(code(mock::output))]
    Output(#[from] std::io::Error),
}

impl Error {
    /// The process exit code for this error.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Manifest(_) => crate::exit_code::INVALID_MANIFEST,
            Error::Server(_) | Error::Invalid { .. } | Error::Output(_) => crate::exit_code::ERROR,
        }
    }
}

/// `backendctl mock …`.
///
/// # Errors
/// [`Error`].
pub async fn run(args: cli::MockArgs, globals: &Globals) -> Result<u8, Error> {
    let path = args
        .file
        .clone()
        .unwrap_or_else(|| globals.manifest.clone());
    let loaded = crate::manifest::load(&path, &globals.load_options())?;
    let mocks: Vec<_> = loaded
        .manifest
        .mock
        .iter()
        .filter(|(name, _)| args.only.as_ref().is_none_or(|only| only == *name))
        .collect();
    if mocks.is_empty() {
        return Err(Error::Invalid {
            name: args.only.unwrap_or_default(),
            reason: format!("{} declares no such mock", path.display()),
        });
    }
    if args.listen.is_some() && mocks.len() > 1 {
        return Err(Error::Invalid {
            name: String::new(),
            reason: "--listen needs exactly one mock: add --only NAME".to_owned(),
        });
    }
    let mut servers = Vec::new();
    for (name, mock) in mocks {
        let (listen, shown) = match &args.listen {
            Some(listen) => (listen.clone(), format!("`{listen}`")),
            None => (
                mock.listen.clone(),
                loaded.describe_value(&node::listen_pointer(name), &mock.listen),
            ),
        };
        node::check_listen(name, &listen, &shown)?;
        let server = server::MockServer::start(&listen, node::routes_of(name, mock)?).await?;
        crate::output::println(&format!(
            "mock.{name} listening on http://{} ({} route(s))",
            server.addr,
            mock.route.len()
        ))?;
        servers.push(server);
    }
    let _ = tokio::signal::ctrl_c().await;
    for server in servers {
        server.stop();
    }
    Ok(crate::exit_code::OK)
}
