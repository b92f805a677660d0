//! The `migrate` verbs on a MongoDB set: lock → read history → check → run, as the SQL engine.
//!
//! A migration runs in a transaction together with its history write when the server supports
//! transactions (a replica set or sharded cluster) and every command may run in one (CRUD).
//! Otherwise it runs command by command: a `running` document first, then each command followed
//! by a progress update, so a failure or a crash leaves a document that says exactly which
//! commands ran; `resolve` continues (`--resume`) or settles it.

use std::time::Instant;

use mongodb::bson::{Bson, Document, doc};

use super::MongoTarget;
use super::commands;
use super::driver::{self, CommandFailure, Mongo, ServerInfo};
use crate::exit_code;
use crate::migrate::checksum::Algorithm;
use crate::migrate::command::MigrateCommand;
use crate::migrate::engine::{Resolution, incomplete_row};
use crate::migrate::error::{Direction, MigrateError};
use crate::migrate::history::{Actor, HistoryRow, RowState};
use crate::migrate::other_tool::{self, Tool, ToolHistory};
use crate::migrate::progress::{fmt_duration, println};
use crate::migrate::source::{Migration, MigrationSet};
use crate::migrate::status::{SetStatus, State};
use crate::migrate::target::SetPlan;

/// An open client with its lock and settings.
struct Run<'a> {
    mongo: Mongo,
    /// `--statement-timeout`: each command's `maxTimeMS`, where it takes one.
    command_limit: Option<std::time::Duration>,
    info: ServerInfo,
    actor: Actor,
    quiet: bool,
    dry_run: bool,
    hint: &'a str,
}

/// Runs `command` on `set`; returns the exit code. `new` and `lint` never come here.
pub(crate) async fn run_command(
    command: &MigrateCommand,
    target: &MongoTarget,
    set: &MigrationSet,
    quiet: bool,
    hint: &str,
) -> Result<u8, MigrateError> {
    let dry_run = match command {
        MigrateCommand::Up { run, .. }
        | MigrateCommand::Down { run, .. }
        | MigrateCommand::Redo { run, .. } => run.dry_run,
        _ => false,
    };
    let writes = !matches!(command, MigrateCommand::Status { .. }) && !dry_run;
    let mut run = Run::open(target, writes, quiet, dry_run, hint).await?;
    let result = run.command(command, set).await;
    let closed = run.mongo.close().await;
    let code = result?;
    closed?;
    Ok(code)
}

/// Plans one set on a MongoDB database (read-only).
pub(crate) async fn plan_set(
    target: &MongoTarget,
    set: &MigrationSet,
    address: String,
    follow_up: &str,
) -> Result<SetPlan, MigrateError> {
    let mongo = Mongo::connect(&target.url, target.connect_timeout()).await?;
    let read =
        async { Ok::<_, MigrateError>((mongo.server_info().await?, mongo.read_history().await?)) }
            .await;
    mongo.close().await?;
    let (info, rows) = read?;
    let status = SetStatus::compute(set, &rows);
    let mut pending = Vec::new();
    let mut warnings = Vec::new();
    for e in &status.entries {
        if e.state == State::Pending {
            let m = e.migration.expect("pending entries have files");
            warnings.extend(
                super::lint::lint_migration(m)?
                    .iter()
                    .map(ToString::to_string),
            );
            pending.push(crate::migrate::target::PlannedMigration {
                version: m.version,
                name: m.name.clone(),
                file: m.label(),
                stepwise: !info.transactions
                    || !commands::parse(&m.up.path, &m.up.sql)?
                        .iter()
                        .all(commands::transactional),
            });
        }
    }
    Ok(SetPlan {
        address,
        database: target.name.clone(),
        applied: status.count(State::Applied) + status.count(State::BelowBaseline),
        pending,
        problems: blockers(&status, follow_up),
        warnings,
        fingerprint: rows
            .iter()
            .filter(|r| r.set == set.name)
            .map(|r| format!("{}:{}:{}", r.version, r.state.as_str(), r.checksum))
            .collect::<Vec<_>>()
            .join(","),
        empty: set.migrations.is_empty().then(|| set.why_empty()),
    })
}

/// Applies one `migrations` node on a MongoDB database; returns how many migrations ran.
pub(crate) async fn apply_set(
    target: &MongoTarget,
    set: &crate::migrate::target::SetTarget,
    quiet: bool,
) -> Result<usize, MigrateError> {
    let loaded = MigrationSet::load(&set.name, &set.dir)?;
    let mut run = Run::open(target, true, quiet, false, &set.follow_up).await?;
    let result = run.up(&loaded, None).await;
    let closed = run.mongo.close().await;
    let n = result?;
    closed?;
    Ok(n)
}

/// Problems in a set that stop `up`.
fn blockers(status: &SetStatus<'_>, hint: &str) -> Vec<String> {
    let set = &status.set.name;
    status
        .entries
        .iter()
        .filter_map(|e| match e.state {
            State::Incomplete => Some(format!(
                "- {set}/{} stopped part-way: {}",
                e.version,
                crate::migrate::status::what_stopped(e.row.expect("row"), status.unit)
            ) + &format!("; settle it with `{hint} resolve {} --resume|--applied|--rolled-back`", e.version)),
            State::Drifted => Some(format!(
                "- {set}/{} ({}) changed after it was applied; restore the file, or accept the change with `{hint} repair {}`",
                e.version, e.name, e.version
            )),
            State::Missing => Some(format!(
                "- {set}/{} ({}) is applied but its file is missing",
                e.version, e.name
            )),
            State::OutOfOrder => Some(format!(
                "- {set}/{} ({}) is older than the newest applied version",
                e.version, e.name
            )),
            _ => None,
        })
        .collect()
}

impl<'a> Run<'a> {
    async fn open(
        target: &MongoTarget,
        writes: bool,
        quiet: bool,
        dry_run: bool,
        hint: &'a str,
    ) -> Result<Run<'a>, MigrateError> {
        let mut mongo = Mongo::connect(&target.url, target.connect_timeout()).await?;
        let actor = Actor::current();
        let info = mongo.server_info().await?;
        if writes {
            let mut waiting = |msg: &str| eprintln!("{msg}");
            mongo
                .lock(&actor, target.lock_timeout(), &mut waiting)
                .await?;
        }
        Ok(Run {
            mongo,
            command_limit: target.limits.deadlines.statement_limit(),
            info,
            actor,
            quiet,
            dry_run,
            hint,
        })
    }

    fn say(&self, line: &str) -> Result<(), MigrateError> {
        if self.quiet { Ok(()) } else { println(line) }
    }

    async fn command(
        &mut self,
        command: &MigrateCommand,
        set: &MigrationSet,
    ) -> Result<u8, MigrateError> {
        match command {
            MigrateCommand::Status { json } => self.status(set, *json).await,
            MigrateCommand::Up { to, .. } => {
                let n = self.up(set, *to).await?;
                if !self.dry_run {
                    self.say(&if n == 0 {
                        format!("{}: nothing to apply", set.name)
                    } else {
                        format!("{}: applied {n} migration(s)", set.name)
                    })?;
                }
                Ok(exit_code::OK)
            }
            MigrateCommand::Down {
                steps,
                to,
                all,
                yes,
                ..
            } => {
                let n = self.down(set, *steps, *to, *all, *yes).await?;
                if !self.dry_run {
                    self.say(&format!("{}: reverted {n} migration(s)", set.name))?;
                }
                Ok(exit_code::OK)
            }
            MigrateCommand::Redo { yes, .. } => {
                let rows = self.mongo.read_history().await?;
                let status = SetStatus::compute(set, &rows);
                let Some(last) = status
                    .entries
                    .iter()
                    .rev()
                    .find(|e| e.state == State::Applied)
                    .and_then(|e| e.migration)
                else {
                    return Err(MigrateError::NothingToRedo {
                        set: set.name.clone(),
                    });
                };
                self.down(set, Some(1), None, false, *yes).await?;
                self.up(set, Some(last.version)).await?;
                if !self.dry_run {
                    self.say(&format!("{}: redid version {}", set.name, last.version))?;
                }
                Ok(exit_code::OK)
            }
            MigrateCommand::Repair { version } => self.repair(set, *version).await,
            MigrateCommand::Baseline { version, from } => match version {
                Some(version) => self.baseline(set, *version).await,
                None => self.adopt(set, *from).await,
            },
            MigrateCommand::Resolve {
                version,
                resume,
                applied,
                rolled_back,
            } => {
                let how = crate::migrate::command::resolution(*resume, *applied, *rolled_back)?;
                self.resolve(set, *version, how).await
            }
            MigrateCommand::New { .. } | MigrateCommand::Lint { .. } => Ok(exit_code::OK),
        }
    }

    async fn status(&mut self, set: &MigrationSet, json: bool) -> Result<u8, MigrateError> {
        let rows = self.mongo.read_history().await?;
        let running = rows
            .iter()
            .any(|r| matches!(r.state, RowState::Running | RowState::Reverting));
        let holder = if running {
            self.mongo.lock_holder().await?
        } else {
            None
        };
        let status = SetStatus::compute_live(set, &rows, holder.is_some());
        if let Some(h) = &holder {
            eprintln!("note: a migration run is in progress (lock held by {h})");
        }
        if json {
            let mut value = status.to_json(self.hint);
            value["server"] = serde_json::json!({
                "engine": "mongodb",
                "version": self.info.version,
                "transactions": self.info.transactions,
            });
            println(&serde_json::to_string_pretty(&value).unwrap_or_default())?;
        } else {
            crate::migrate::progress::print(&status.render(self.hint))?;
        }
        Ok(if status.has_problems() {
            exit_code::ERROR
        } else if status.has_pending() {
            exit_code::MIGRATIONS_PENDING
        } else {
            exit_code::OK
        })
    }

    async fn up(&mut self, set: &MigrationSet, to: Option<i64>) -> Result<usize, MigrateError> {
        let rows = self.mongo.read_history().await?;
        let status = SetStatus::compute(set, &rows);
        let problems = blockers(&status, self.hint);
        if !problems.is_empty() {
            return Err(MigrateError::Blocked { problems });
        }
        let plan: Vec<&Migration> = status
            .entries
            .iter()
            .filter(|e| e.state == State::Pending && to.is_none_or(|t| e.version <= t))
            .filter_map(|e| e.migration)
            .collect();
        for m in &plan {
            self.apply(Direction::Up, set, m, 0).await?;
        }
        Ok(plan.len())
    }

    async fn down(
        &mut self,
        set: &MigrationSet,
        steps: Option<usize>,
        to: Option<i64>,
        all: bool,
        yes: bool,
    ) -> Result<usize, MigrateError> {
        let rows = self.mongo.read_history().await?;
        let status = SetStatus::compute(set, &rows);
        let applied: Vec<&Migration> = status
            .entries
            .iter()
            .rev()
            .filter(|e| e.state == State::Applied)
            .filter_map(|e| e.migration)
            .collect();
        // `--all` reverts every applied one, whatever the first version is (as on SQL).
        let list: Vec<&Migration> = match (all, to) {
            (true, _) => applied,
            (false, Some(to)) => applied.into_iter().filter(|m| m.version > to).collect(),
            (false, None) => applied.into_iter().take(steps.unwrap_or(1)).collect(),
        };
        for m in &list {
            if m.down()?.is_none() {
                return Err(MigrateError::NoDown {
                    migration: format!("{}/{}", set.name, m.label()),
                    down: m.down_file(),
                });
            }
        }
        if !list.is_empty() && !self.dry_run && !crate::migrate::command::confirm(&list, yes) {
            return Err(MigrateError::NotConfirmed);
        }
        for m in &list {
            self.apply(Direction::Down, set, m, 0).await?;
        }
        Ok(list.len())
    }

    /// Runs one migration's commands from `start` (0-based), with its history write.
    async fn apply(
        &mut self,
        dir: Direction,
        set: &MigrationSet,
        m: &Migration,
        start: usize,
    ) -> Result<(), MigrateError> {
        let script = match dir {
            Direction::Up => &m.up,
            Direction::Down => m.down()?.expect("down files are checked first"),
        };
        let cmds: Vec<Document> = commands::parse(&script.path, &script.sql)?
            .into_iter()
            .map(|c| commands::with_time_limit(c, self.command_limit))
            .collect();
        let transactional =
            self.info.transactions && start == 0 && cmds.iter().all(commands::transactional);
        if self.dry_run {
            let how = if transactional {
                "in one transaction with its history write"
            } else {
                "command by command"
            };
            let mut text = format!("// {}: {} ({how})\n", set.name, script.path.display());
            for c in &cmds {
                text.push_str(&format!("db.runCommand({})\n", commands::describe(c)));
            }
            return println(&text);
        }
        let id = driver::row_id(&set.name, m.version);
        let started = Instant::now();
        let total = i64::try_from(cmds.len()).unwrap_or(i64::MAX);
        let mut row = self.new_row(
            &set.name,
            m.version,
            &m.name,
            &m.checksum,
            RowState::Applied,
        );
        row.statements_total = total;
        row.statements_done = total;
        let fail =
            |number: usize, c: Option<&Document>, f: CommandFailure, ran: usize, tx: bool| {
                MigrateError::MongoCommandFailed {
                    set: set.name.clone(),
                    label: m.label(),
                    direction: dir,
                    number,
                    of: cmds.len(),
                    command: c.map(commands::describe).unwrap_or_default(),
                    message: f.message,
                    ran,
                    transactional: tx,
                    hint: self.hint.to_string(),
                    version: m.version,
                }
            };
        if transactional {
            let mut session = self
                .mongo
                .session()
                .await
                .map_err(|f| fail(0, None, f, 0, true))?;
            driver::begin(&mut session)
                .await
                .map_err(|f| fail(0, None, f, 0, true))?;
            for (i, c) in cmds.iter().enumerate() {
                if let Err(f) = self.mongo.run(c, Some(&mut session)).await {
                    let _ = session.abort_transaction().await;
                    return Err(fail(i + 1, Some(c), f, 0, true));
                }
            }
            row.duration_ms = elapsed_ms(started);
            let recorded = match dir {
                Direction::Up => {
                    self.mongo
                        .write_row(&driver::row_doc(&row), Some(&mut session))
                        .await
                }
                Direction::Down => self.mongo.delete_row(&id, Some(&mut session)).await,
            };
            if let Err(f) = recorded {
                let _ = session.abort_transaction().await;
                return Err(fail(0, None, f, 0, true));
            }
            driver::commit(&mut session)
                .await
                .map_err(|f| fail(0, None, f, 0, true))?;
        } else {
            let record_err = |f: CommandFailure| MigrateError::Database {
                url: self.mongo.url.masked(),
                message: format!("writing the history collection failed: {}", f.message),
            };
            if start == 0 {
                match dir {
                    Direction::Up => {
                        row.state = RowState::Running;
                        row.statements_done = 0;
                        self.mongo
                            .write_row(&driver::row_doc(&row), None)
                            .await
                            .map_err(record_err)?;
                    }
                    Direction::Down => self
                        .mongo
                        .update_row(
                            &id,
                            doc! {"state": RowState::Reverting.as_str(), "commands_total": total, "commands_done": 0_i64, "error": null},
                            None,
                        )
                        .await
                        .map_err(record_err)?,
                }
            }
            for (i, c) in cmds.iter().enumerate().skip(start) {
                if let Err(f) = self.mongo.run(c, None).await {
                    // Nothing of it ran: the history is as before, and running again is safe.
                    let _ = match (dir, i) {
                        (Direction::Up, 0) => self.mongo.delete_row(&id, None).await,
                        (Direction::Down, 0) => {
                            self.mongo
                                .update_row(&id, doc! {"state": RowState::Applied.as_str(), "commands_done": total}, None)
                                .await
                        }
                        (Direction::Up, _) => {
                            self.mongo
                                .update_row(&id, doc! {"state": RowState::Failed.as_str(), "error": &f.message, "commands_done": i as i64}, None)
                                .await
                        }
                        (Direction::Down, _) => {
                            self.mongo
                                .update_row(&id, doc! {"state": RowState::RevertFailed.as_str(), "error": &f.message, "commands_done": i as i64}, None)
                                .await
                        }
                    };
                    return Err(fail(i + 1, Some(c), f, i, false));
                }
                // After the last command, the final update records the progress with the state.
                if i + 1 < cmds.len() {
                    self.mongo
                        .update_row(&id, doc! {"commands_done": (i + 1) as i64}, None)
                        .await
                        .map_err(record_err)?;
                }
            }
            match dir {
                Direction::Up => self
                    .mongo
                    .update_row(
                        &id,
                        doc! {"state": RowState::Applied.as_str(), "error": null, "commands_done": total, "duration_ms": elapsed_ms(started), "checksum": &m.checksum, "checksum_algo": i64::from(Algorithm::CURRENT.number())},
                        None,
                    )
                    .await
                    .map_err(record_err)?,
                Direction::Down => self.mongo.delete_row(&id, None).await.map_err(record_err)?,
            }
        }
        let verb = match dir {
            Direction::Up => "applied",
            Direction::Down => "reverted",
        };
        self.say(&format!(
            "{verb} {}/{} ({})",
            set.name,
            m.label(),
            fmt_duration(started.elapsed())
        ))
    }

    async fn repair(
        &mut self,
        set: &MigrationSet,
        version: Option<i64>,
    ) -> Result<u8, MigrateError> {
        let rows = self.mongo.read_history().await?;
        let status = SetStatus::compute(set, &rows);
        let mut n = 0;
        for e in &status.entries {
            if e.state == State::Drifted && version.is_none_or(|v| v == e.version) {
                let m = e.migration.expect("drifted entries have files");
                self.mongo
                    .update_row(
                        &driver::row_id(&set.name, m.version),
                        doc! {"checksum": &m.checksum, "checksum_algo": i64::from(Algorithm::CURRENT.number()),
                              "repaired_at": now(), "repaired_by": &self.actor.by},
                        None,
                    )
                    .await
                    .map_err(|f| self.history_error(&f))?;
                self.say(&format!(
                    "{}: accepted the new content of {}",
                    set.name,
                    m.label()
                ))?;
                n += 1;
            }
        }
        if n == 0 {
            if let Some(v) = version {
                let state = status
                    .entries
                    .iter()
                    .find(|e| e.version == v)
                    .map(|e| e.state.label());
                let Some(state) = state else {
                    return Err(MigrateError::UnknownVersion {
                        set: set.name.clone(),
                        version: v,
                    });
                };
                return Err(MigrateError::NotDrifted {
                    set: set.name.clone(),
                    version: v,
                    state,
                });
            }
            self.say(&format!(
                "{}: no drifted migration, nothing to repair",
                set.name
            ))?;
        }
        Ok(exit_code::OK)
    }

    async fn baseline(&mut self, set: &MigrationSet, version: i64) -> Result<u8, MigrateError> {
        self.refuse_if_has_history(set).await?;
        let row = self.new_row(&set.name, version, "<< baseline >>", "", RowState::Baseline);
        self.mongo
            .write_row(&driver::row_doc(&row), None)
            .await
            .map_err(|f| self.history_error(&f))?;
        self.say(&format!(
            "{}: versions up to {version} count as applied",
            set.name
        ))?;
        Ok(exit_code::OK)
    }

    /// `baseline --from TOOL` (or, without it, the one tool whose collection is there): records
    /// every migration of `set` that golang-migrate or migrate-mongo applied as `adopted`.
    async fn adopt(&mut self, set: &MigrationSet, from: Option<Tool>) -> Result<u8, MigrateError> {
        self.refuse_if_has_history(set).await?;
        let collections = self.mongo.collection_names().await?;
        let found: Vec<Tool> = Tool::MONGODB
            .into_iter()
            .filter(|t| collections.iter().any(|c| c == t.table()))
            .collect();
        let (tool, detected) = other_tool::choose(from, &found, &self.mongo.url.masked())?;
        if detected {
            self.say(&format!("found {tool}; adopting what it applied"))?;
        }
        let documents = self.mongo.documents(tool.table()).await?;
        let theirs = ToolHistory::parse(tool, &other_tool_rows(tool, &documents).to_string())
            .map_err(|message| MigrateError::Database {
                url: self.mongo.url.masked(),
                message,
            })?;
        let adoption = other_tool::adoption(&theirs, set)?;
        if adoption.versions.is_empty() {
            self.say(&format!(
                "{tool} records none of {}'s migrations as applied: nothing adopted",
                set.name
            ))?;
            return Ok(exit_code::OK);
        }
        for &v in &adoption.versions {
            let m = set.get(v).expect("adopted versions have files");
            let mut row = self.new_row(&set.name, v, &m.name, &m.checksum, RowState::Adopted);
            row.tool_version = tool.name().to_string();
            self.mongo
                .write_row(&driver::row_doc(&row), None)
                .await
                .map_err(|f| self.history_error(&f))?;
        }
        let (warnings, summary) = other_tool::adoption_report(set, tool, &adoption);
        for warning in &warnings {
            eprintln!("warning: {warning}");
        }
        self.say(&summary)?;
        Ok(exit_code::OK)
    }

    /// Refuses `baseline` on a set that already has history.
    async fn refuse_if_has_history(&mut self, set: &MigrationSet) -> Result<(), MigrateError> {
        let rows = self.mongo.read_history().await?;
        if let Some(r) = rows.iter().find(|r| r.set == set.name) {
            return Err(MigrateError::HasHistory {
                set: set.name.clone(),
                version: r.version,
                state: r.state.as_str(),
            });
        }
        Ok(())
    }

    async fn resolve(
        &mut self,
        set: &MigrationSet,
        version: i64,
        how: Resolution,
    ) -> Result<u8, MigrateError> {
        let rows = self.mongo.read_history().await?;
        let row = incomplete_row(&rows, &set.name, version)?;
        let id = driver::row_id(&set.name, version);
        let reverting = matches!(row.state, RowState::Reverting | RowState::RevertFailed);
        let m = set.migrations.iter().find(|m| m.version == version);
        match how {
            Resolution::Resume => {
                let Some(m) = m else {
                    return Err(MigrateError::ResumeWithoutFile {
                        set: set.name.clone(),
                        version,
                    });
                };
                let dir = if reverting {
                    Direction::Down
                } else {
                    Direction::Up
                };
                let start = usize::try_from(row.statements_done).unwrap_or(0);
                self.apply(dir, set, m, start).await?;
            }
            Resolution::Applied => {
                let (checksum, algo) = m.map_or((row.checksum.clone(), row.checksum_algo), |m| {
                    (m.checksum.clone(), i64::from(Algorithm::CURRENT.number()))
                });
                if reverting {
                    self.mongo.delete_row(&id, None).await
                } else {
                    self.mongo
                        .update_row(
                            &id,
                            doc! {"state": RowState::Applied.as_str(), "error": null,
                                  "commands_done": row.statements_total, "checksum": checksum, "checksum_algo": algo},
                            None,
                        )
                        .await
                }
                .map_err(|f| self.history_error(&f))?;
                self.say(&format!(
                    "{}: {version} recorded as {}",
                    set.name,
                    if reverting { "reverted" } else { "applied" }
                ))?;
            }
            Resolution::RolledBack => {
                if reverting {
                    self.mongo
                        .update_row(&id, doc! {"state": RowState::Applied.as_str(), "error": null, "commands_done": row.statements_total}, None)
                        .await
                } else {
                    self.mongo.delete_row(&id, None).await
                }
                .map_err(|f| self.history_error(&f))?;
                self.say(&format!(
                    "{}: {version} recorded as {}",
                    set.name,
                    if reverting { "applied" } else { "not applied" }
                ))?;
            }
        }
        Ok(exit_code::OK)
    }

    /// A history row written now by this run, with no commands counted yet.
    fn new_row(
        &self,
        set: &str,
        version: i64,
        name: &str,
        checksum: &str,
        state: RowState,
    ) -> HistoryRow {
        HistoryRow {
            set: set.to_string(),
            version,
            name: name.to_string(),
            checksum_algo: i64::from(Algorithm::CURRENT.number()),
            checksum: checksum.to_string(),
            state,
            statements_total: 0,
            statements_done: 0,
            progress_checksum: None,
            error: None,
            applied_at: now(),
            duration_ms: 0,
            applied_by: self.actor.by.clone(),
            tool_version: self.actor.tool.clone(),
            repaired_at: None,
            repaired_by: None,
        }
    }

    fn history_error(&self, f: &CommandFailure) -> MigrateError {
        MigrateError::Database {
            url: self.mongo.url.masked(),
            message: format!("writing the history collection failed: {}", f.message),
        }
    }
}

/// Another tool's history documents as the rows [`ToolHistory::parse`] reads: golang-migrate's
/// `[version, dirty]` (its one document; `version` an int32 or int64, as Go's driver wrote it),
/// migrate-mongo's `[fileName]`.
fn other_tool_rows(tool: Tool, documents: &[Document]) -> serde_json::Value {
    let number = |d: &Document, key: &str| match d.get(key) {
        Some(Bson::Int32(n)) => serde_json::json!(n.to_string()),
        Some(Bson::Int64(n)) => serde_json::json!(n.to_string()),
        #[expect(
            clippy::cast_possible_truncation,
            reason = "a whole version stored as a double"
        )]
        Some(Bson::Double(n)) if n.fract() == 0.0 => serde_json::json!((*n as i64).to_string()),
        Some(other) => serde_json::json!(other.to_string()),
        None => serde_json::Value::Null,
    };
    let rows: Vec<serde_json::Value> = documents
        .iter()
        .map(|d| match tool {
            Tool::MigrateMongo => serde_json::json!([d.get_str("fileName").unwrap_or_default()]),
            _ => serde_json::json!([number(d, "version"), d.get_bool("dirty").unwrap_or(false)]),
        })
        .collect();
    serde_json::Value::Array(rows)
}

fn elapsed_ms(since: Instant) -> i64 {
    i64::try_from(since.elapsed().as_millis()).unwrap_or(i64::MAX)
}

/// Now, as RFC 3339 (UTC), as the SQL history writes it.
fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
