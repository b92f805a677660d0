//! `backendctl apply [PLAN] [--only ADDRESS] [--yes] [--json]`.

use crate::cli::ApplyArgs;
use crate::engine::{ApplyContext, PlanContext, SavedPlan, Supervisor, render_text};
use crate::error::Error;
use crate::globals::Globals;
use crate::manifest;
use crate::results::run_directory;
use crate::secret::PlanKey;
use crate::{exit_code, output};

/// Plans (or checks a saved plan), asks on a terminal, then applies.
///
/// # Errors
/// [`Error`] when the manifest is invalid, planning fails or a saved plan is stale.
pub async fn apply(args: ApplyArgs, globals: &Globals) -> Result<u8, Error> {
    let saved = match &args.plan {
        Some(path) => Some(SavedPlan::read(path)?),
        None => None,
    };
    let manifest_path = saved
        .as_ref()
        .filter(|_| globals.manifest.as_os_str() == crate::DEFAULT_MANIFEST)
        .map_or_else(
            || globals.manifest.clone(),
            |saved| saved.manifest.clone().into(),
        );
    let loaded = manifest::load(&manifest_path, &globals.load_options())?;
    // A saved plan's secrets are checked before anything is planned with them.
    if let (Some(saved), Some(path)) = (&saved, &args.plan) {
        let key = if saved.needs_key() {
            PlanKey::for_checking(&|name| std::env::var(name).ok())?
        } else {
            None
        };
        saved.check_secrets(path, &loaded.secret_variables, key.as_ref())?;
    }
    let plan = super::make_plan(&loaded, globals, args.only.as_deref()).await?;
    let plan_context = PlanContext {
        loaded: &loaded,
        settings: &globals.settings,
        nodes: crate::nodes::node,
    };
    if let (Some(saved), Some(path)) = (&saved, &args.plan) {
        saved.check(path, &plan, &plan.fingerprint(&loaded))?;
    }
    let interactive = output::stdin_is_terminal() && output::stderr_is_terminal();
    if !args.format.json {
        output::print(&render_text(&plan, globals.verbose > 0))?;
    }
    match approval(args.yes, saved.is_some(), interactive) {
        Approval::Given => {}
        Approval::Missing => return Err(Error::NeedsApproval),
        Approval::Ask if plan.steps.is_empty() => {}
        Approval::Ask => {
            output::println("")?;
            if !output::confirm("Apply these steps?")? {
                output::println("Nothing applied.")?;
                return Ok(exit_code::DECLINED);
            }
        }
    }
    let base_dir = std::fs::canonicalize(loaded.base_dir()).unwrap_or_else(|_| loaded.base_dir());
    let run_dir = run_directory::new_run_directory(&base_dir.join(&globals.settings.report_dir));
    let supervisor = Supervisor::default();
    let context = ApplyContext {
        plan: plan_context,
        run_dir: run_dir.clone(),
        supervisor: &supervisor,
        interactive,
        cancel: tokio_util::sync::CancellationToken::new(),
    };
    if !args.format.json {
        output::println("\nApplying:")?;
    }
    let json = args.format.json;
    let mut print_line = |line: String| {
        if !json {
            let _ = output::println(&line);
        }
    };
    let report = crate::engine::apply(&plan, &context, &mut print_line).await;
    super::step_annotations::record_apply(&loaded, &report.steps);
    // Only a run that wrote something has a directory for `latest` to name.
    if run_dir.is_dir() {
        run_directory::point_latest_or_warn(&run_dir);
    }
    if json {
        output::print_json(&serde_json::json!({
            "run-dir": run_dir,
            "exit-code": report.exit_code(),
            "interrupted": report.signal.is_some(),
            "signal": report.signal,
            "steps": report.steps,
            "stopped": report.stopped,
            "summary": report.summary_line(),
        }))?;
    } else {
        output::println(&format!("\n{}", report.summary_line()))?;
    }
    Ok(report.exit_code())
}

/// Whether `apply` may go ahead, as terraform decides: `--yes` (or `BACKENDCTL_AUTO_APPROVE`)
/// and a saved plan (reviewed when it was saved) are approval; otherwise a person at a terminal
/// is asked, and without a terminal nothing is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Approval {
    /// Apply.
    Given,
    /// Ask on the terminal (when there is anything to apply).
    Ask,
    /// Refuse: nobody can be asked.
    Missing,
}

fn approval(yes: bool, saved_plan: bool, terminal: bool) -> Approval {
    if yes || saved_plan {
        Approval::Given
    } else if terminal {
        Approval::Ask
    } else {
        Approval::Missing
    }
}

#[cfg(test)]
mod tests {
    use super::{Approval, approval};

    #[test]
    fn without_a_terminal_only_yes_or_a_saved_plan_approves() {
        assert_eq!(approval(false, false, false), Approval::Missing);
        assert_eq!(approval(true, false, false), Approval::Given);
        assert_eq!(approval(false, true, false), Approval::Given);
    }

    #[test]
    fn on_a_terminal_a_person_is_asked_unless_yes() {
        assert_eq!(approval(false, false, true), Approval::Ask);
        assert_eq!(approval(true, false, true), Approval::Given);
        assert_eq!(approval(false, true, true), Approval::Given);
    }
}
