//! The `service` node: it always runs; apply starts the process, waits until it is ready and
//! hands it to the engine's supervisor.

use super::{DEFAULT_READY_TIMEOUT, RunningService, ServiceError};
use crate::engine::{Action, ApplyContext, Outcome, PlanContext, Step, impl_node};
use crate::manifest::{Address, NodeKind};
use std::time::Duration;

/// The `service` node kind.
#[derive(Debug, Clone, Copy)]
pub struct ServiceNode;

impl_node!(ServiceNode,
    plan(context, name) => Ok::<_, ServiceError>(plan_service(context, name)),
    apply(context, step) => apply_service(context, step).await,
);

/// Plans a service: it always runs.
fn plan_service(context: &PlanContext<'_>, name: &str) -> Step {
    let service = &context.manifest().service[name];
    let command = service.run.join(" ");
    let ready = match &service.ready {
        Some(ready) => format!(
            ", ready when {} answers (timeout {})",
            ready.target,
            humantime::format_duration(ready.timeout.map_or(DEFAULT_READY_TIMEOUT, |t| t.get()))
        ),
        None => String::new(),
    };
    let cwd = service.cwd.as_deref().unwrap_or(".");
    let mut step = Step::new(
        Address::new(NodeKind::Service, name),
        Action::Run,
        format!("start `{command}` in {cwd}{ready}"),
    );
    step.details = service
        .env
        .iter()
        .map(|(key, value)| format!("env {key}={value}"))
        .collect();
    step
}

/// Starts a service and waits until it is ready; the supervisor stops it when `apply` ends.
async fn apply_service(context: &ApplyContext<'_>, step: &Step) -> Result<Outcome, ServiceError> {
    let name = &step.address.name;
    let service = &context.manifest().service[name];
    let masker = context.plan.loaded.secret_variables.log_masker();
    let mut running =
        RunningService::start(name, service, &context.base_dir(), &context.run_dir, masker)?;
    let log = running.log_path.display().to_string();
    let pid = running.pid();
    let waited = match running
        .wait_ready(service.ready.as_ref(), &context.cancel)
        .await
    {
        Ok(waited) => waited,
        Err(error) => {
            running.stop().await;
            return Err(error);
        }
    };
    context.supervisor.adopt(running).await;
    let mut outcome = Outcome::done(format!(
        "started (pid {pid}), ready after {}",
        humantime::format_duration(Duration::from_millis(
            u64::try_from(waited.as_millis()).unwrap_or(u64::MAX)
        ))
    ));
    outcome.details.push(format!("log: {log}"));
    Ok(outcome)
}
