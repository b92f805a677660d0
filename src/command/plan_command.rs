//! `backendctl plan [--json] [--out FILE] [--detailed-exitcode] [--only ADDRESS]`.

use crate::cli::PlanArgs;
use crate::engine::{SavedPlan, render_json, render_text};
use crate::error::Error;
use crate::globals::Globals;
use crate::manifest;
use crate::secret::PlanKey;
use crate::{exit_code, output};

/// Plans and prints; with `--out` also saves the plan.
///
/// # Errors
/// [`Error`] when the manifest is invalid or an executor cannot read its state.
pub async fn plan(args: PlanArgs, globals: &Globals) -> Result<u8, Error> {
    let loaded = manifest::load(&globals.manifest, &globals.load_options())?;
    let plan = super::make_plan(&loaded, globals, args.only.as_deref()).await?;
    let fingerprint = plan.fingerprint(&loaded);
    super::step_annotations::record_plan(&loaded, &plan);
    if args.format.json {
        output::print_json(&render_json(&plan, &fingerprint))?;
    } else {
        output::print(&render_text(&plan, globals.verbose > 0))?;
    }
    if let Some(out) = &args.out {
        // Secrets are kept as keyed fingerprints; the key is needed only when one is set.
        let key = if loaded.secret_variables.any_set() {
            Some(PlanKey::for_saving(&|name| std::env::var(name).ok())?)
        } else {
            None
        };
        let saved = SavedPlan::new(
            &plan,
            &loaded.source.display_path,
            fingerprint,
            &loaded.secret_variables,
            key.as_ref(),
        );
        let text = serde_json::to_string_pretty(&saved).expect("plans serialise");
        std::fs::write(out, text + "\n").map_err(|source| Error::Write {
            path: out.display().to_string(),
            source,
        })?;
        if !args.format.json {
            output::println(&format!(
                "\nSaved the plan to {}. Apply exactly this plan with `backendctl apply {}`.",
                out.display(),
                out.display()
            ))?;
        }
    }
    let blocked: Vec<String> = plan
        .steps
        .iter()
        .filter(|step| step.is_blocked())
        .map(|step| step.address.to_string())
        .collect();
    if !blocked.is_empty() {
        eprintln!(
            "error: apply will refuse {} until the errors shown under {} are settled",
            blocked.join(", "),
            if blocked.len() == 1 { "it" } else { "them" }
        );
        return Ok(exit_code::PLAN_BLOCKED);
    }
    Ok(if args.detailed_exitcode && plan.has_changes() {
        exit_code::PLAN_HAS_CHANGES
    } else {
        exit_code::OK
    })
}
