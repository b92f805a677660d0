//! The `project` node kind at the engine's boundary: scaffolding planned and applied.
//!
//! `plan_project` renders in memory and describes every file that would change; the step's
//! `state` is the plan's fingerprint. `apply_project` plans again and refuses to write when the
//! fingerprint moved (the files changed since the plan was shown), so what is applied is what
//! was reviewed.

use crate::engine::{ApplyContext, PlanContext, impl_node};

use crate::engine::{Action, Outcome, Step};
use crate::manifest::model::project::{Language, Stack};
use crate::manifest::{Address, NodeKind};

use super::error::{Error, ScaffoldError};
use super::options::ScaffoldOptions;
use super::rel_path::RelPath;
use super::scaffold_plan::{ScaffoldPlan, apply_scaffold, plan_scaffold};

/// The `project` node kind.
#[derive(Debug, Clone, Copy)]
pub struct ProjectNode;

impl_node!(ProjectNode,
    plan(context, name) => plan_project(context, name).await,
    apply(context, step) => apply_project(context, step).await,
);

/// How a project's dependencies are installed: the command the `install` option runs, the files
/// whose change makes it run again, and the directory whose absence does.
#[derive(Debug, Clone, Copy)]
pub struct Installer {
    /// The program.
    pub program: &'static str,
    /// Its arguments.
    pub args: &'static [&'static str],
    /// The dependency manifests: when the plan writes one, the install runs again.
    manifests: &'static [&'static str],
    /// What the install creates: when it is missing, the install runs.
    installed: &'static str,
}

impl Installer {
    /// The installer of `stack`'s projects: npm for TypeScript, uv for Python.
    #[must_use]
    pub fn of(stack: Stack) -> Self {
        match stack.language() {
            Language::Typescript => Self {
                program: "npm",
                args: &[
                    "install",
                    "--strict-allow-scripts",
                    "--no-audit",
                    "--no-fund",
                ],
                manifests: &["package.json"],
                installed: "node_modules",
            },
            Language::Python => Self {
                program: "uv",
                args: &["sync", "--locked"],
                manifests: &["pyproject.toml", "uv.lock"],
                installed: ".venv",
            },
        }
    }

    /// The command line, for messages: `uv sync --locked`.
    #[must_use]
    pub fn command_line(&self) -> String {
        std::iter::once(self.program)
            .chain(self.args.iter().copied())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Whether the install must run: asked for, and a dependency manifest changes or nothing is
/// installed.
fn needs_install(project: &crate::manifest::model::Project, plan: &ScaffoldPlan) -> bool {
    let installer = Installer::of(project.stack);
    project.install
        && (plan
            .files
            .iter()
            .any(|f| installer.manifests.contains(&f.path.as_str()) && f.action.writes())
            || !plan.target.join(installer.installed).is_dir())
}

fn project_plan(
    base_dir: &std::path::Path,
    manifest: &crate::manifest::Manifest,
    name: &str,
) -> Result<ScaffoldPlan, ScaffoldError> {
    let project = manifest
        .project
        .get(name)
        .expect("the planner only asks for declared projects");
    let options = ScaffoldOptions::from_project(name, project)?;
    let path = RelPath::new(project.path.trim_end_matches('/'))?;
    // Nothing between the manifest's directory and the project may be a symlink out of it.
    Ok(plan_scaffold(&path.under(base_dir), &options, project.force)?.confined_to(base_dir))
}

/// Plans a `project` node.
///
/// # Errors
/// An invalid name or path, a refused directory, an unreadable record, a template error.
async fn plan_project(context: &PlanContext<'_>, name: &str) -> Result<Step, Error> {
    let plan = project_plan(&context.base_dir(), context.manifest(), name)?;
    let project = &context.manifest().project[name];
    let install = needs_install(project, &plan);
    let action = if !plan.exists {
        Action::Create
    } else if plan.has_changes() || install {
        Action::Change
    } else {
        Action::UpToDate
    };
    let mut step = Step::new(
        Address::new(NodeKind::Project, name),
        action,
        format!("{} in {}: {}", project.stack, project.path, plan.summary()),
    );
    step.details = plan.details();
    if install {
        step.details.push(format!(
            "run       {}",
            Installer::of(project.stack).command_line()
        ));
    }
    if let Some(previous) = &plan.previous_template_version
        && previous != &plan.template_version
    {
        step.details.insert(
            0,
            format!(
                "templates {previous} -> {} (3-way merge)",
                plan.template_version
            ),
        );
    }
    let conflicts = plan.conflicts();
    if !conflicts.is_empty() {
        step.warnings.push(format!(
            "{} file(s) will have conflict markers: {}",
            conflicts.len(),
            conflicts.join(", ")
        ));
    }
    step.state = plan.fingerprint();
    Ok(step)
}

/// Applies a `project` step.
///
/// # Errors
/// A stale plan, a write failure, or conflicts (after everything else was written).
async fn apply_project(context: &ApplyContext<'_>, step: &Step) -> Result<Outcome, Error> {
    let name = step.address.name.as_str();
    let plan = project_plan(&context.base_dir(), context.manifest(), name)?;
    if !step.state.is_empty() && plan.fingerprint() != step.state {
        return Err(ScaffoldError::Stale(plan.target.clone()).into());
    }
    let project = &context.manifest().project[name];
    let install = needs_install(project, &plan);
    apply_scaffold(&plan)?;
    let mut details = plan.details();
    if install {
        let installer = Installer::of(project.stack);
        let log = context
            .run_dir
            .join(format!("project-{name}-{}-install.log", installer.program));
        run_install(installer, &plan.target, &log).await?;
        details.push(format!(
            "{} {} done (log: {})",
            installer.program,
            installer.args[0],
            log.display()
        ));
    }
    Ok(Outcome {
        details,
        ..Outcome::done(plan.summary())
    })
}

/// Runs the installer in `dir`, its output going to `log`.
async fn run_install(
    installer: Installer,
    dir: &std::path::Path,
    log: &std::path::Path,
) -> Result<(), ScaffoldError> {
    if let Some(parent) = log.parent() {
        std::fs::create_dir_all(parent).map_err(ScaffoldError::io(parent))?;
    }
    let out = std::fs::File::create(log).map_err(ScaffoldError::io(log))?;
    let err = out.try_clone().map_err(ScaffoldError::io(log))?;
    let status = tokio::process::Command::new(installer.program)
        .args(installer.args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(out)
        .stderr(err)
        .status()
        .await
        .map_err(ScaffoldError::io(installer.program))?;
    if status.success() {
        Ok(())
    } else {
        Err(ScaffoldError::Install {
            command: installer.command_line(),
            dir: dir.to_path_buf(),
            log: log.to_path_buf(),
        })
    }
}
