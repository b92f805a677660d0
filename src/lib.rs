//! backendctl: one manifest (`backend.kdl`) for a backend project's whole lifecycle.
//!
//! The pipeline (see `docs/architecture.md`): the manifest is parsed, lowered to JSON with spans,
//! overlaid with overrides, validated against the schema generated from [`manifest::model`],
//! interpolated and resolved into a dependency graph; each node kind plans its nodes as
//! [`engine::Step`]s ([`nodes`] maps a kind to its implementation); [`engine::apply`] runs them
//! in order.

pub mod annotation;
pub mod cli;
pub mod command;
pub mod diagnostics;
pub mod engine;
pub mod error;
mod error_annotations;
pub mod exit_code;
pub mod format_args;
pub mod globals;
pub mod http_client;
pub mod load;
pub mod manifest;
pub mod migrate;
pub mod mock;
pub mod nodes;
pub mod openapi;
pub mod output;
pub mod report;
pub mod results;
pub mod scaffold;
pub mod secret;
pub mod service;
pub mod settings;

use clap::{CommandFactory, Parser};
use cli::{Cli, Command};
use error::Error;
use globals::Globals;
use settings::{FlagSettings, OutputFormat};
use std::ffi::OsString;
use std::path::PathBuf;

/// The manifest read when `-f` is not given.
pub const DEFAULT_MANIFEST: &str = "backend.kdl";

/// Runs backendctl with `args` (including the program name) and returns the exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> u8 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                exit_code::USAGE
            } else {
                exit_code::OK
            };
        }
    };
    let flags = FlagSettings {
        color: cli.color,
        output: None,
        shard: match &cli.command {
            Command::Apply(args) => args.shard.clone(),
            _ => None,
        },
        report_dir: match &cli.command {
            Command::Apply(args) => args.report_dir.clone(),
            _ => None,
        },
    };
    let settings = match settings::load(&flags) {
        Ok(settings) => settings,
        Err(error) => return report(&Error::from(error), false),
    };
    let color = settings.color_stderr();
    let globals = Globals {
        settings,
        manifest: cli
            .file
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_MANIFEST)),
        set: match &cli.command {
            Command::Validate(args) => args.set.clone(),
            Command::Plan(args) => args.set.clone(),
            Command::Apply(args) => args.set.clone(),
            _ => Vec::new(),
        },
        verbose: cli.verbose,
    };
    http_client::install_crypto_provider();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return report(&Error::Output(error), color),
    };
    let annotations = annotations_asked(&cli.command);
    if annotations.is_some() {
        // stdout carries the annotations alone; what the command says for people goes to stderr.
        annotation::Collector::start();
        output::send_text_to_stderr();
    }
    let code = match runtime.block_on(dispatch(cli.command, &globals, &flags)) {
        Ok(code) => code,
        Err(Error::Output(error)) if error.kind() == std::io::ErrorKind::BrokenPipe => {
            exit_code::OK
        }
        Err(error) => {
            if annotations.is_some() {
                error_annotations::record(&error, &globals.manifest);
            }
            report(&error, color)
        }
    };
    if let Some((format, limit)) = annotations {
        let rendered = annotation::render(
            annotation::Collector::take(),
            format,
            limit,
            annotation_root(format).as_deref(),
        );
        if let Some(note) = rendered.stderr_note {
            eprintln!("note: {note}");
        }
        if let Err(error) = output::print_annotations(&rendered.stdout) {
            return report(&Error::Output(error), color);
        }
    }
    code
}

/// `--format github|gitlab` and `--annotations-limit`, on the commands that take them.
fn annotations_asked(command: &Command) -> Option<(annotation::AnnotationFormat, usize)> {
    let format = match command {
        Command::Validate(args) => &args.format,
        Command::Plan(args) => &args.format,
        Command::Apply(args) => &args.format,
        Command::Migrate(args) => args.command.format()?,
        _ => return None,
    };
    Some((format.annotations()?, format.annotations_limit))
}

/// The directory annotation paths are relative to: the checkout (`GITHUB_WORKSPACE`,
/// `CI_PROJECT_DIR`), where the CI system looks files up.
fn annotation_root(format: annotation::AnnotationFormat) -> Option<PathBuf> {
    let variable = match format {
        annotation::AnnotationFormat::Github => "GITHUB_WORKSPACE",
        annotation::AnnotationFormat::Gitlab => "CI_PROJECT_DIR",
    };
    std::env::var_os(variable)
        .filter(|root| !root.is_empty())
        .map(PathBuf::from)
}

fn report(error: &Error, color: bool) -> u8 {
    // A migration's or a node's error: its commands, paths and URLs stay whole, so each can be
    // pasted.
    if matches!(error, Error::Migrate(_) | Error::Plan { .. }) {
        eprint!("{}", diagnostics::diagnostic_unwrapped(error, color));
    } else {
        eprint!("{}", diagnostics::diagnostic(error, color));
    }
    error.exit_code()
}

async fn dispatch(command: Command, globals: &Globals, flags: &FlagSettings) -> Result<u8, Error> {
    let json_output = globals.settings.output == OutputFormat::Json;
    match command {
        Command::Init(args) => command::init(args, globals),
        Command::Validate(args) => {
            command::validate(args.path, args.format.json(json_output), globals)
        }
        Command::Plan(mut args) => {
            args.format.json = args.format.json(json_output);
            command::plan(args, globals).await
        }
        Command::Apply(mut args) => {
            args.format.json = args.format.json(json_output);
            command::apply(args, globals).await
        }
        Command::Schema => {
            output::print(&manifest::schema_text())?;
            Ok(exit_code::OK)
        }
        Command::Config(args) => command::config(flags, args.json || json_output),
        Command::Completions(args) => {
            let mut buffer = Vec::new();
            clap_complete::generate(args.shell, &mut Cli::command(), "backendctl", &mut buffer);
            output::print(&String::from_utf8_lossy(&buffer))?;
            Ok(exit_code::OK)
        }
        Command::Migrate(args) => Ok(migrate::run(args, globals).await?),
        Command::Load(args) => Ok(load::run(args, globals).await?),
        Command::Scaffold(args) => Ok(scaffold::run(args, globals).await?),
        Command::Mock(args) => Ok(mock::run(args, globals).await?),
        Command::Report(args) => Ok(report::run(args, globals).await?),
    }
}
