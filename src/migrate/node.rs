//! The `database` and `migrations` node kinds at the engine's boundary: each node becomes a
//! [`Step`], and applying a step runs the migration engine under the database's lock.

use super::error::MigrateError;
use super::migration_target::MigrationTarget;
use super::mongo::MongoTarget;
use super::target::{
    SetAction, SetTarget, apply_database_node, plan_database_node, server_database_exists,
};
use crate::engine::{Action, ApplyContext, Outcome, PlanContext, Step, impl_node};
use crate::manifest::{Address, NodeKind};
use std::path::Path;

/// The `database` node kind.
#[derive(Debug, Clone, Copy)]
pub struct DatabaseNode;

impl_node!(DatabaseNode,
    plan(context, name) => plan_database_step(context, name).await,
    apply(context, step) => apply_database_step(context, step).await,
);

/// The `migrations` node kind.
#[derive(Debug, Clone, Copy)]
pub struct MigrationsNode;

impl_node!(MigrationsNode,
    plan(context, name) => plan_migrations_step(context, name).await,
    apply(context, step) => apply_migrations_step(context, step)
        .await
        .inspect_err(record_failed_file),
);

/// A failed migration annotated at its file and statement line (`apply --format github`).
fn record_failed_file(error: &MigrateError) {
    use miette::Diagnostic as _;
    if let Some((file, line)) = error.failed_at() {
        crate::annotation::record(crate::annotation::Annotation::error(
            file.display().to_string(),
            (line, None),
            error
                .code()
                .map_or_else(|| "migrate::failed".to_owned(), |code| code.to_string()),
            error.to_string().lines().next().unwrap_or_default(),
            error.to_string(),
        ));
    }
}

/// The database of node `name`, on the engine its URL names (a relative SQLite path resolved
/// against the manifest's directory, so `sqlite://var/app.db` means the same file wherever you
/// run from).
fn database_target(context: &PlanContext<'_>, name: &str) -> Result<MigrationTarget, MigrateError> {
    let model = context
        .manifest()
        .database
        .get(name)
        .ok_or_else(|| unknown_node("database", name))?;
    MigrationTarget::of_node(name, model, &context.base_dir()).map_err(|error| match error {
        // Read from the environment, the URL is named by its field and variable.
        MigrateError::UnsupportedUrl { .. } => MigrateError::UnsupportedUrl {
            url: context.describe_value(
                &format!(
                    "/database/{}/url",
                    crate::manifest::span_table::escape_segment(name)
                ),
                &model.url.to_string(),
            ),
        },
        other => other,
    })
}

/// `sql` on one line, for a step's summary.
fn one_line(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn unknown_node(kind: &'static str, name: &str) -> MigrateError {
    MigrateError::UnknownNode {
        manifest: "the manifest".to_owned(),
        kind,
        name: name.to_owned(),
    }
}

fn set_target(context: &PlanContext<'_>, name: &str) -> Result<SetTarget, MigrateError> {
    let model = context
        .manifest()
        .migrations
        .get(name)
        .ok_or_else(|| unknown_node("migrations", name))?;
    Ok(SetTarget::from_model(
        name,
        model,
        Path::new(&context.loaded.source.display_path),
        &context.base_dir(),
    ))
}

/// Plans a `database` node: `+` when an embedded SQLite file, or with `create #true` a missing
/// server database, will be created; else `=`.
///
/// # Errors
/// [`MigrateError`] when the URL is not a supported database, or with `create #true` when the
/// server cannot be asked whether the database exists.
async fn plan_database_step(context: &PlanContext<'_>, name: &str) -> Result<Step, MigrateError> {
    let address = Address::new(NodeKind::Database, name);
    let target = match database_target(context, name)? {
        MigrationTarget::Sql(target) => target,
        MigrationTarget::MongoDb(mongodb) => return Ok(plan_mongodb_node(&mongodb, address).await),
    };
    let plan = plan_database_node(&target);
    let missing_server_database = if target.create && plan.create.is_none() {
        (!server_database_exists(&target).await?)
            .then(|| target.url.server_database().map(|db| db.name))
            .flatten()
    } else {
        None
    };
    let mut step = match (&plan.create, missing_server_database) {
        (Some(file), _) => {
            let mut step = Step::new(
                address,
                Action::Create,
                format!("create {} database {file}", plan.engine),
            );
            step.state = format!("absent:{file}");
            step
        }
        (None, Some(database)) => {
            let mut step = Step::new(
                address,
                Action::Create,
                format!(
                    "create database {database} ({} at {})",
                    plan.engine, plan.url
                ),
            );
            step.state = format!("absent-database:{database}");
            step
        }
        (None, None) => Step::new(
            address,
            Action::UpToDate,
            format!("{} at {}", plan.engine, plan.url),
        ),
    };
    if let Some(sql) = &plan.session_sql {
        step.summary
            .push_str(&format!("; session SQL: {}", one_line(sql)));
    }
    Ok(step)
}

/// Plans a MongoDB `database` node: `=`, with the server's version and whether it has
/// transactions, or a warning when it does not answer.
async fn plan_mongodb_node(mongodb: &MongoTarget, address: Address) -> Step {
    match super::mongo::describe(mongodb).await {
        Ok(summary) => Step::new(address, Action::UpToDate, summary),
        Err(error) => {
            let mut step = Step::new(
                address,
                Action::UpToDate,
                format!("MongoDB at {}: not reachable", mongodb.url.masked()),
            );
            step.warnings.push(format!("not reachable: {error}"));
            step
        }
    }
}

/// Applies a `database` step: connects to prove it answers, creating an embedded SQLite file or,
/// with `create #true`, a missing server database.
///
/// # Errors
/// [`MigrateError`] when the database cannot be reached or created.
async fn apply_database_step(
    context: &ApplyContext<'_>,
    step: &Step,
) -> Result<Outcome, MigrateError> {
    let target = match database_target(&context.plan, &step.address.name)? {
        MigrationTarget::Sql(target) => target,
        MigrationTarget::MongoDb(mongodb) => {
            return Ok(Outcome::done(super::mongo::describe(&mongodb).await?));
        }
    };
    let created = apply_database_node(&target).await?;
    let database = target
        .url
        .server_database()
        .map_or_else(String::new, |db| db.name);
    Ok(Outcome::done(if created {
        format!(
            "created database {database}; {} answers",
            target.url.masked()
        )
    } else {
        format!("{} answers", target.url.masked())
    }))
}

/// Plans a `migrations` node: pending migrations (`~`), up to date (`=`), or problems that make
/// apply refuse (drift, a failed migration, out-of-order files): the step's errors, which make it
/// blocked (`!`, and `plan` fails).
///
/// # Errors
/// [`MigrateError`] when the files or the database cannot be read.
async fn plan_migrations_step(context: &PlanContext<'_>, name: &str) -> Result<Step, MigrateError> {
    let set = set_target(context, name)?;
    let plan = database_target(context, &set.database)?
        .plan_set(&set)
        .await?;
    let action = match plan.action() {
        SetAction::UpToDate => Action::UpToDate,
        SetAction::Run | SetAction::Blocked => Action::Change,
    };
    let mut step = Step::new(
        Address::new(NodeKind::Migrations, name),
        action,
        format!("{} on database.{}", plan.summary(), plan.database),
    );
    step.details = plan
        .pending
        .iter()
        .map(|migration| format!("+ {} {}", migration.version, migration.file))
        .collect();
    // Regression (issue 12): problems were `warning:` lines and `plan` exited 0.
    step.errors = plan
        .problems
        .iter()
        .map(|problem| format!("apply will refuse: {problem}"))
        .collect();
    step.warnings.clone_from(&plan.warnings);
    step.state = plan.fingerprint;
    Ok(step)
}

/// Applies a `migrations` step under the database's lock.
///
/// # Errors
/// [`MigrateError`] when a migration fails or the set needs attention first.
async fn apply_migrations_step(
    context: &ApplyContext<'_>,
    step: &Step,
) -> Result<Outcome, MigrateError> {
    let set = set_target(&context.plan, &step.address.name)?;
    let applied = database_target(&context.plan, &set.database)?
        .apply_set(&set, !context.interactive)
        .await?;
    Ok(Outcome::done(match applied {
        0 => "nothing to apply".to_owned(),
        1 => "applied 1 migration".to_owned(),
        n => format!("applied {n} migrations"),
    }))
}

#[cfg(test)]
mod tests {
    use crate::migrate::url::anchor_sqlite_url;
    use std::path::Path;

    #[test]
    fn relative_sqlite_paths_are_anchored_at_the_manifest() {
        let base = Path::new("/srv/app");
        assert_eq!(
            anchor_sqlite_url("sqlite://var/app.db", base),
            "sqlite:///srv/app/var/app.db"
        );
        assert_eq!(
            anchor_sqlite_url("sqlite:app.db?mode=rwc", base),
            "sqlite:/srv/app/app.db?mode=rwc"
        );
        assert_eq!(
            anchor_sqlite_url("sqlite:///abs.db", base),
            "sqlite:///abs.db"
        );
        assert_eq!(
            anchor_sqlite_url("sqlite::memory:", base),
            "sqlite::memory:"
        );
        assert_eq!(
            anchor_sqlite_url("postgres://u@h/db", base),
            "postgres://u@h/db"
        );
    }
}
