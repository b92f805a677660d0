//! `backendctl scaffold NAME --stack STACK …`: an ad-hoc scaffold without a manifest. It builds
//! the same [`ScaffoldOptions`] a `project` node would and runs the same plan/apply code.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::error::{Error, ScaffoldError};
use super::options::{DataChoice, ScaffoldOptions, select_features};
use super::project_name::ProjectName;
use super::scaffold_plan::{apply_scaffold, plan_scaffold};
use crate::exit_code;
use crate::globals::Globals;
use crate::manifest::model::project::{DataLayer, DatabaseEngine, Feature, Stack};
use crate::settings::OutputFormat;

/// Arguments of `backendctl scaffold`.
#[derive(Debug, Clone, clap::Args)]
pub struct ScaffoldArgs {
    /// The project name (an npm package name); also the directory unless --path is given.
    pub name: String,

    /// The template stack.
    #[arg(long, value_enum)]
    pub stack: Stack,

    /// The project directory (default: ./NAME).
    #[arg(long)]
    pub path: Option<PathBuf>,

    /// Generate none of the optional features.
    #[arg(long, conflicts_with = "features")]
    pub minimal: bool,

    /// The optional features to generate, comma separated (default: all).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub features: Option<Vec<Feature>>,

    /// Optional features to leave out of the default set, comma separated.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub without: Vec<Feature>,

    /// How the repositories reach the database (default: kysely on SQL, mongodb-driver on MongoDB).
    #[arg(long, value_enum)]
    pub data_layer: Option<DataLayer>,

    /// The database the project is written for.
    #[arg(long, value_enum, default_value_t)]
    pub database_engine: DatabaseEngine,

    /// Show the plan for every file and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Scaffold into an existing non-empty directory that backendctl did not create.
    #[arg(long)]
    pub force: bool,

    /// Install the project's dependencies afterwards (`npm install --strict-allow-scripts`, or
    /// `uv sync --locked` for Python stacks).
    #[arg(long)]
    pub install: bool,

    /// Print the plan as JSON.
    #[arg(long)]
    pub json: bool,
}

impl ScaffoldArgs {
    /// The validated options and the target directory.
    ///
    /// # Errors
    /// An invalid project name, a data layer without support for the engine.
    pub fn options(&self) -> Result<(ScaffoldOptions, PathBuf), ScaffoldError> {
        let name = ProjectName::new(&self.name)?;
        let features: Option<Vec<Feature>> = self.features.clone();
        let without: Vec<Feature> = self.without.clone();
        let target = self
            .path
            .clone()
            .unwrap_or_else(|| PathBuf::from(name.as_str()));
        let mut options = ScaffoldOptions::new(
            name,
            self.stack,
            select_features(self.minimal, features.as_deref(), &without),
        );
        options.data = DataChoice {
            engine: self.database_engine,
            layer: self.data_layer,
        }
        .checked(self.stack)?;
        Ok((options, target))
    }
}

/// Runs `backendctl scaffold`: prints the plan, then applies it unless `--dry-run`.
///
/// # Errors
/// Any [`ScaffoldError`]; conflicts are reported after everything else was written.
pub async fn run(args: ScaffoldArgs, globals: &Globals) -> Result<u8, Error> {
    let (options, target) = args.options()?;
    let plan = plan_scaffold(&target, &options, args.force)?;
    let json = args.json || globals.settings.output == OutputFormat::Json;
    let mut text = String::new();
    if json {
        text = serde_json::to_string_pretty(&plan).expect("a plan serialises");
    } else {
        let verb = if args.dry_run {
            "Would scaffold"
        } else {
            "Scaffolding"
        };
        let _ = writeln!(
            text,
            "{verb} {} ({}) in {}",
            options.name,
            options.stack,
            target.display()
        );
        for file in &plan.files {
            let _ = match &file.note {
                Some(note) => writeln!(
                    text,
                    "  {:<13} {}  ({note})",
                    file.action.label(),
                    file.path
                ),
                None => writeln!(text, "  {:<13} {}", file.action.label(), file.path),
            };
        }
        let _ = write!(text, "{}", plan.summary());
    }
    crate::output::println(&text).map_err(ScaffoldError::io("<stdout>"))?;
    if args.dry_run {
        return Ok(exit_code::OK);
    }
    apply_scaffold(&plan)?;
    if args.install {
        let installer = super::node::Installer::of(options.stack);
        let status = std::process::Command::new(installer.program)
            .args(installer.args)
            .current_dir(&target)
            .status()
            .map_err(ScaffoldError::io(installer.program))?;
        if !status.success() {
            return Err(ScaffoldError::Install {
                command: installer.command_line(),
                dir: target.clone(),
                log: PathBuf::from("<the output above>"),
            }
            .into());
        }
    }
    Ok(exit_code::OK)
}
