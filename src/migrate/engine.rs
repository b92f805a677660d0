//! The engine: lock, history, and running migrations up and down with their bookkeeping.
//!
//! Order of work in every writing command: connect → take the database's lock → create the
//! history tables if missing → read history → check → run. The lock comes before the history
//! table so two first-ever runs cannot race to create it (sqitch's registry race), and history
//! is read only after the lock is held, so a run that waited finds the work done and exits 0.
//!
//! Two ways to run a migration:
//! - **in a transaction** (PostgreSQL, SQLite): the body, its history row and its log row commit
//!   together, or nothing is left;
//! - **step by step** (MySQL/MariaDB always, and files marked `-- backendctl:no-transaction`): a
//!   `running` row first, then each statement followed by a progress update, so a failure or a
//!   crash leaves a row that says exactly which statements ran. `resolve` continues or settles it.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use super::checksum::Algorithm;
use super::dialect::Dialect;
use super::driver::{Conn, ExecFailure};
use super::error::MigrateError;
use super::history::{self, Actor, HistoryRow, Record, RowState};
use super::progress::Reporter;
use super::source::{Migration, MigrationSet, Script};
use super::split::{self, Statement};
use super::status::{SetStatus, State};
use super::url::DbUrl;

/// Settings shared by the commands.
#[derive(Debug, Clone)]
pub struct Options {
    pub lock_timeout: Duration,
    pub allow_out_of_order: bool,
    pub ignore_missing: bool,
    pub dry_run: bool,
    pub quiet: bool,
    /// How to spell a follow-up command in messages (`backendctl migrate -D … --set core`).
    pub command_hint: String,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            lock_timeout: Duration::from_secs(300),
            allow_out_of_order: false,
            ignore_missing: false,
            dry_run: false,
            quiet: false,
            command_hint: "backendctl migrate".to_string(),
        }
    }
}

/// Whether a command changes the database (and so takes the lock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// An open connection with its lock and history.
pub struct Engine {
    conn: Conn,
    dialect: Dialect,
    actor: Actor,
    pub reporter: Reporter,
    opts: Options,
}

/// Direction of a step-by-step run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Up,
    Down,
}

impl Engine {
    /// Connects; for [`Access::Write`] (and not a dry run) takes the lock and creates the history
    /// tables.
    pub async fn open(url: &DbUrl, access: Access, opts: Options) -> Result<Engine, MigrateError> {
        let mut conn = Conn::connect(url).await?;
        let reporter = Reporter::new(opts.quiet);
        if access == Access::Write && !opts.dry_run {
            let mut waiting = |msg: &str| eprintln!("{msg}");
            conn.lock(opts.lock_timeout, &mut waiting).await?;
            conn.ensure_history().await?;
        }
        Ok(Engine {
            dialect: conn.dialect(),
            conn,
            actor: Actor::current(),
            reporter,
            opts,
        })
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Every history row.
    pub async fn history(&mut self) -> Result<Vec<HistoryRow>, MigrateError> {
        self.conn.read_history().await
    }

    /// Releases the lock and closes the connection.
    pub async fn close(mut self) -> Result<(), MigrateError> {
        self.reporter.finish();
        let r = self.conn.unlock().await;
        self.conn.close().await;
        r
    }

    /// Applies every pending migration of `sets` (in the given order), up to `to` if given.
    /// Returns how many ran.
    pub async fn up(
        &mut self,
        sets: &[MigrationSet],
        to: Option<i64>,
    ) -> Result<usize, MigrateError> {
        let rows = self.history().await?;
        let mut plan: Vec<(&MigrationSet, &Migration)> = Vec::new();
        let mut problems = Vec::new();
        for set in sets {
            let status = SetStatus::compute(set, &rows);
            problems.extend(self.blockers(&status));
            for e in &status.entries {
                let runnable = e.state == State::Pending
                    || (e.state == State::OutOfOrder && self.opts.allow_out_of_order);
                if runnable && to.is_none_or(|t| e.version <= t) {
                    plan.push((set, e.migration.expect("pending entries have files")));
                }
            }
            for p in &set.ignored {
                self.reporter.warn(&format!(
                    "{} does not look like a migration file; ignored",
                    p.display()
                ));
            }
        }
        if !problems.is_empty() {
            return Err(MigrateError::Refused(format!(
                "nothing was applied: {}\n{}",
                if problems.len() == 1 {
                    "one problem needs attention first"
                } else {
                    "these problems need attention first"
                },
                problems.join("\n")
            )));
        }
        self.reporter.start("apply", plan.len());
        let items: Vec<(&str, &Migration)> =
            plan.iter().map(|(s, m)| (s.name.as_str(), *m)).collect();
        self.run_plan(Direction::Up, &items).await?;
        self.reporter.finish();
        Ok(plan.len())
    }

    /// Reverts applied migrations of `set`, newest first: `steps` of them, or all above `to`.
    /// `confirm` is asked with the list before anything runs.
    pub async fn down(
        &mut self,
        set: &MigrationSet,
        steps: Option<usize>,
        to: Option<i64>,
        confirm: &mut dyn FnMut(&[&Migration]) -> bool,
    ) -> Result<Vec<i64>, MigrateError> {
        let rows = self.history().await?;
        let status = SetStatus::compute(set, &rows);
        if let Some(e) = status.entries.iter().find(|e| e.state == State::Incomplete) {
            return Err(MigrateError::Refused(format!(
                "nothing was reverted: {}/{} stopped part-way.\n{}",
                set.name,
                e.version,
                describe_incomplete(
                    e.row.expect("incomplete entries have rows"),
                    &self.opts.command_hint
                )
            )));
        }
        let applied: Vec<_> = status
            .entries
            .iter()
            .rev()
            .take_while(|e| e.state != State::Baseline)
            .filter(|e| {
                matches!(
                    e.state,
                    State::Applied | State::Drifted | State::Unverified | State::Missing
                )
            })
            .collect();
        let chosen: Vec<_> = match to {
            Some(t) => applied.into_iter().take_while(|e| e.version > t).collect(),
            None => applied.into_iter().take(steps.unwrap_or(1)).collect(),
        };
        let mut list = Vec::new();
        for e in &chosen {
            let Some(m) = e.migration else {
                return Err(MigrateError::Refused(format!(
                    "nothing was reverted: {}/{} ({}) is applied but its file is gone, so there is no down migration to run",
                    set.name, e.version, e.name
                )));
            };
            if m.down()?.is_none() {
                return Err(MigrateError::Refused(format!(
                    "nothing was reverted: {} has no down migration (add {}.down.sql), so it cannot be reverted",
                    m.label(),
                    m.label()
                )));
            }
            if e.state == State::Drifted {
                self.reporter.warn(&format!(
                    "{} changed after it was applied; its down migration may not match",
                    m.label()
                ));
            }
            list.push(m);
        }
        if list.is_empty() {
            return Ok(Vec::new());
        }
        if !self.opts.dry_run && !confirm(&list) {
            return Err(MigrateError::Refused(
                "nothing was reverted: not confirmed".to_string(),
            ));
        }
        self.reporter.start("revert", list.len());
        let items: Vec<(&str, &Migration)> = list.iter().map(|m| (set.name.as_str(), *m)).collect();
        self.run_plan(Direction::Down, &items).await?;
        self.reporter.finish();
        Ok(list.iter().map(|m| m.version).collect())
    }

    /// Reverts the newest applied migration of `set` and applies it again; returns its version.
    pub async fn redo(
        &mut self,
        set: &MigrationSet,
        confirm: &mut dyn FnMut(&[&Migration]) -> bool,
    ) -> Result<i64, MigrateError> {
        let reverted = self.down(set, Some(1), None, confirm).await?;
        let Some(&v) = reverted.first() else {
            return Err(MigrateError::Refused(format!(
                "{}: nothing is applied, nothing to redo",
                set.name
            )));
        };
        if self.opts.dry_run {
            // Nothing was reverted, so `up` would find nothing pending: show that version's up.
            let m = set.get(v).expect("reverted versions have files");
            self.run_up(&set.name, m, false, None, None).await?;
        } else {
            self.up(std::slice::from_ref(set), Some(v)).await?;
        }
        Ok(v)
    }

    /// Accepts the current content of drifted migrations (all of the set's, or one version).
    pub async fn repair(
        &mut self,
        set: &MigrationSet,
        version: Option<i64>,
    ) -> Result<Vec<i64>, MigrateError> {
        let rows = self.history().await?;
        let status = SetStatus::compute(set, &rows);
        let mut done = Vec::new();
        for e in &status.entries {
            if version.is_some_and(|v| v != e.version) {
                continue;
            }
            if e.state != State::Drifted {
                if version.is_some() {
                    return Err(MigrateError::Refused(format!(
                        "{}/{} is {}, not drifted: nothing to repair",
                        set.name,
                        e.version,
                        e.state.label()
                    )));
                }
                continue;
            }
            let m = e.migration.expect("drifted entries have files");
            let old = &e.row.expect("drifted entries have rows").checksum;
            let d = self.dialect;
            let sql = format!(
                "{};\n{}",
                history::mark_repaired(d, &self.actor, &set.name, m.version, &m.checksum),
                history::log(
                    d,
                    &self.actor,
                    &set.name,
                    m.version,
                    "repair",
                    Some(&format!("checksum {old} -> {}", m.checksum))
                )
            );
            self.bookkeeping(&sql, true).await?;
            self.reporter.info(&format!(
                "repaired {}/{}: its new content is accepted",
                set.name,
                m.label()
            ));
            done.push(m.version);
        }
        if version.is_some() && done.is_empty() {
            return Err(MigrateError::Refused(format!(
                "{} has no version {}",
                set.name,
                version.unwrap_or_default()
            )));
        }
        Ok(done)
    }

    /// Adopts an existing database: versions up to `version` count as applied.
    pub async fn baseline(&mut self, set: &MigrationSet, version: i64) -> Result<(), MigrateError> {
        let rows = self.history().await?;
        if let Some(r) = rows.iter().find(|r| r.set == set.name) {
            return Err(MigrateError::Refused(format!(
                "set {} already has history (version {} is {}); baseline adopts a database that has none",
                set.name,
                r.version,
                r.state.as_str()
            )));
        }
        let d = self.dialect;
        let sql = format!(
            "{};\n{}",
            history::insert_baseline(d, &self.actor, &set.name, version),
            history::log(d, &self.actor, &set.name, version, "baseline", None)
        );
        self.bookkeeping(&sql, true).await?;
        let covered = set
            .migrations
            .iter()
            .filter(|m| m.version <= version)
            .count();
        self.reporter.info(&format!(
            "baselined {} at version {version}: {covered} migration file(s) at or below it count as applied",
            set.name
        ));
        Ok(())
    }

    /// Settles a migration that stopped part-way.
    pub async fn resolve(
        &mut self,
        set: &MigrationSet,
        version: i64,
        how: Resolution,
    ) -> Result<(), MigrateError> {
        let rows = self.history().await?;
        let Some(row) = rows
            .iter()
            .find(|r| r.set == set.name && r.version == version)
        else {
            return Err(MigrateError::Refused(format!(
                "{}/{version} has no history row: nothing to resolve",
                set.name
            )));
        };
        if !row.state.is_incomplete() {
            return Err(MigrateError::Refused(format!(
                "{}/{version} is {}, not stopped part-way: nothing to resolve",
                set.name,
                row.state.as_str()
            )));
        }
        let down_direction = matches!(row.state, RowState::Reverting | RowState::RevertFailed);
        let d = self.dialect;
        let m = set.get(version);
        match how {
            Resolution::Applied => {
                let checksum = m.map_or_else(|| row.checksum.clone(), |m| m.checksum.clone());
                let total = usize::try_from(row.statements_total).unwrap_or(0);
                let sql = format!(
                    "{};\n{}",
                    history::finish_applied(d, &set.name, version, total, &checksum),
                    history::log(d, &self.actor, &set.name, version, "resolve-applied", None)
                );
                self.bookkeeping(&sql, true).await?;
                self.reporter.info(&format!(
                    "{}/{version} is now recorded as applied",
                    set.name
                ));
            }
            Resolution::RolledBack => {
                let sql = format!(
                    "{};\n{}",
                    history::delete(d, &set.name, version),
                    history::log(
                        d,
                        &self.actor,
                        &set.name,
                        version,
                        "resolve-rolled-back",
                        None
                    )
                );
                self.bookkeeping(&sql, true).await?;
                self.reporter.info(&format!(
                    "{}/{version} is now recorded as not applied{}",
                    set.name,
                    if down_direction {
                        ""
                    } else {
                        "; `up` will run it again from its first statement"
                    }
                ));
            }
            Resolution::Resume => {
                let Some(m) = m else {
                    return Err(MigrateError::Refused(format!(
                        "{}/{version}: its file is gone, so it cannot be resumed",
                        set.name
                    )));
                };
                let done = usize::try_from(row.statements_done).unwrap_or(0);
                let script = if down_direction {
                    m.down()?
                } else {
                    Some(&m.up)
                };
                let Some(script) = script else {
                    return Err(MigrateError::Refused(format!(
                        "{} has no down migration to resume",
                        m.label()
                    )));
                };
                let stmts = split::split(&script.sql, d);
                if done > stmts.len() {
                    return Err(MigrateError::Refused(format!(
                        "{} now has {} statements, but {done} already ran: it cannot be resumed; use --applied or --rolled-back",
                        m.label(),
                        stmts.len()
                    )));
                }
                if done > 0
                    && row.progress_checksum.as_deref()
                        != Some(progress_checksum(&stmts[..done]).as_str())
                {
                    return Err(MigrateError::Refused(format!(
                        "statements 1–{done} of {} ran already and have changed since; restore them (only statement {} onwards may change), or settle it with --applied / --rolled-back",
                        m.label(),
                        done + 1
                    )));
                }
                let state = if down_direction {
                    RowState::Reverting
                } else {
                    RowState::Running
                };
                let sql = format!(
                    "{};\n{}",
                    history::mark_state(d, &set.name, version, state, None),
                    history::log(
                        d,
                        &self.actor,
                        &set.name,
                        version,
                        "resume",
                        Some(&format!("from statement {}", done + 1))
                    )
                );
                self.bookkeeping(&sql, true).await?;
                let started = Instant::now();
                if down_direction {
                    self.run_down(&set.name, m, true, Some(done), None).await?;
                    self.reporter
                        .done("reverted", &set.name, m, started.elapsed());
                } else {
                    self.run_up(&set.name, m, true, Some(done), None).await?;
                    self.reporter
                        .done("applied", &set.name, m, started.elapsed());
                }
            }
        }
        Ok(())
    }

    /// Runs migrations in order, one direction.
    ///
    /// PostgreSQL: when applying more than one migration, each commit is asynchronous
    /// (`synchronous_commit = off`: atomic as ever, flushed by the WAL writer within a fraction of
    /// a second) and the run ends with one synchronous commit, which cannot complete before every
    /// earlier commit is on disk. The run is durable when the command returns, and a server crash
    /// in the middle loses at most the last few migrations whole, history rows included, so the
    /// next run applies them again.
    async fn run_plan(
        &mut self,
        dir: Direction,
        items: &[(&str, &Migration)],
    ) -> Result<(), MigrateError> {
        // Not for down migrations: PostgreSQL flushes a commit that drops relations (DROP TABLE,
        // the usual down) synchronously anyway, so the closing commit would be one sync more.
        let deferred = self.dialect == Dialect::Postgres
            && dir == Direction::Up
            && items.len() > 1
            && !self.opts.dry_run;
        if deferred {
            self.conn
                .exec("SET synchronous_commit = off")
                .await
                .map_err(|f| self.db_failure(&f))?;
        }
        let result = self.run_plan_inner(dir, items).await;
        if deferred {
            let barrier = self
                .conn
                .exec("SET synchronous_commit = on; BEGIN; SELECT txid_current(); COMMIT")
                .await
                .map_err(|f| self.db_failure(&f));
            result?;
            barrier?;
            return Ok(());
        }
        result
    }

    /// Consecutive transactional migrations share a
    /// commit on SQLite (see [`GROUP_MAX`]); everything else runs one at a time.
    async fn run_plan_inner(
        &mut self,
        dir: Direction,
        items: &[(&str, &Migration)],
    ) -> Result<(), MigrateError> {
        let verb = if dir == Direction::Up {
            "applied"
        } else {
            "reverted"
        };
        let mut pre = false;
        let mut i = 0;
        while i < items.len() {
            if self.dialect == Dialect::Sqlite && !self.runs_stepwise(script_of(dir, items[i].1)) {
                let mut end = i;
                // A file the engine would refuse (BEGIN/COMMIT inside) ends the group and then
                // runs alone, so the ones before it are committed as they would be elsewhere.
                while end < items.len() && end - i < GROUP_MAX && self.groupable(dir, items[end].1)
                {
                    end += 1;
                }
                if end - i > 1 {
                    match self.run_group(dir, &items[i..end]).await? {
                        Ok(durations) => {
                            for ((set, m), d) in items[i..end].iter().zip(durations) {
                                if !self.opts.dry_run {
                                    self.reporter.done(verb, set, m, d);
                                }
                            }
                            i = end;
                            continue;
                        }
                        Err(failed) => {
                            // The group was rolled back: commit the ones before the failure again,
                            // then run the failing one alone for its report.
                            if failed > 0 {
                                let again = self.run_group(dir, &items[i..i + failed]).await?;
                                let durations = again.map_err(|_| {
                                    MigrateError::Failed(format!(
                                        "{}: a migration that succeeded a moment ago failed when run again; nothing after it was applied",
                                        items[i].0
                                    ))
                                })?;
                                for ((set, m), d) in items[i..i + failed].iter().zip(durations) {
                                    self.reporter.done(verb, set, m, d);
                                }
                            }
                            i += failed;
                        }
                    }
                }
            }
            let (set, m) = items[i];
            let next = items
                .get(i + 1)
                .filter(|(_, n)| self.runs_stepwise(script_of(dir, n)))
                .map(|(s, n)| (*s, *n));
            let started = Instant::now();
            pre = match dir {
                Direction::Up => self.run_up(set, m, pre, None, next).await?,
                Direction::Down => self.run_down(set, m, pre, None, next).await?,
            };
            if !self.opts.dry_run {
                self.reporter.done(verb, set, m, started.elapsed());
            }
            i += 1;
        }
        Ok(())
    }

    /// Runs transactional migrations in one SQLite transaction. `Ok(Err(k))`: migration `k` of
    /// the slice failed and the whole group was rolled back.
    async fn run_group(
        &mut self,
        dir: Direction,
        items: &[(&str, &Migration)],
    ) -> Result<Result<Vec<Duration>, usize>, MigrateError> {
        let d = self.dialect;
        let mut text = String::new();
        let mut durations = Vec::with_capacity(items.len());
        if self.opts.dry_run {
            let _ = writeln!(
                text,
                "-- {} migrations in one transaction (SQLite: one commit instead of {})",
                items.len(),
                items.len()
            );
            let _ = writeln!(text, "{};", begin(d));
        } else {
            self.conn
                .exec(begin(d))
                .await
                .map_err(|f| self.db_failure(&f))?;
        }
        for (k, (set, m)) in items.iter().enumerate() {
            let script = script_of(dir, m);
            let stmts = split::split(&script.sql, d);
            if let Err(e) = check_no_transaction_control(script, &stmts) {
                if !self.opts.dry_run {
                    let _ = self.conn.exec("ROLLBACK").await;
                }
                return Err(e);
            }
            let record = |duration: &str| match dir {
                Direction::Up => format!(
                    "{};\n{}",
                    history::insert_applied(
                        d,
                        &self.actor,
                        &Record {
                            set,
                            version: m.version,
                            name: &m.name,
                            checksum: &m.checksum,
                            statements_total: stmts.len()
                        },
                        duration
                    ),
                    history::log(d, &self.actor, set, m.version, "apply", None)
                ),
                Direction::Down => format!(
                    "{};\n{}",
                    history::delete(d, set, m.version),
                    history::log(d, &self.actor, set, m.version, "revert", None)
                ),
            };
            if self.opts.dry_run {
                let _ = writeln!(
                    text,
                    "-- {set}: {}\n{}\n;\n{};",
                    script.path.display(),
                    script.sql.trim_end(),
                    record("<duration>")
                );
                continue;
            }
            let started = Instant::now();
            if self.conn.exec(&script.sql).await.is_err() {
                // exec rolled the transaction back.
                return Ok(Err(k));
            }
            let took = started.elapsed();
            if let Err(f) = self.conn.exec(&record(&took.as_millis().to_string())).await {
                return Err(self.db_failure(&f));
            }
            durations.push(took);
        }
        if self.opts.dry_run {
            let _ = writeln!(text, "COMMIT;");
            println!("{text}");
            return Ok(Ok(durations));
        }
        self.conn
            .exec("COMMIT")
            .await
            .map_err(|f| self.db_failure(&f))?;
        Ok(Ok(durations))
    }

    fn db_failure(&self, f: &ExecFailure) -> MigrateError {
        MigrateError::Database {
            url: self.conn.masked_url(),
            message: format!("writing the history table failed: {}", f.message),
        }
    }

    /// Who holds the lock right now, if anyone (for `status`, which does not wait for it).
    pub async fn lock_holder(&mut self) -> Option<String> {
        let mut ignore = |_: &str| {};
        match self.conn.lock(Duration::ZERO, &mut ignore).await {
            Ok(()) => {
                let _ = self.conn.unlock().await;
                None
            }
            Err(MigrateError::LockTimeout(msg)) => Some(
                msg.split("it is held by ")
                    .nth(1)
                    .and_then(|m| m.split(".\n").next())
                    .unwrap_or("another run")
                    .to_string(),
            ),
            Err(_) => None,
        }
    }

    /// Problems in a set that stop `up`.
    fn blockers(&self, status: &SetStatus<'_>) -> Vec<String> {
        let hint = &self.opts.command_hint;
        let set = &status.set.name;
        let mut out = Vec::new();
        for e in &status.entries {
            match e.state {
                State::Incomplete => out.push(format!(
                    "- {set}/{} stopped part-way:\n{}",
                    e.version,
                    indent(&describe_incomplete(e.row.expect("row"), hint), "    ")
                )),
                State::Drifted => out.push(format!(
                    "- {set}/{}: {} changed after it was applied (checksum {} → {}). Restore the file, or accept the change with `{hint} repair {}`",
                    e.version,
                    e.migration.map_or_else(String::new, Migration::label),
                    short(&e.row.expect("row").checksum),
                    short(&e.migration.expect("file").checksum),
                    e.version
                )),
                State::Missing if !self.opts.ignore_missing => out.push(format!(
                    "- {set}/{} ({}) is applied but its file is missing from {}; restore it, or pass --ignore-missing",
                    e.version,
                    e.name,
                    status.set.dir.display()
                )),
                State::OutOfOrder if !self.opts.allow_out_of_order => out.push(format!(
                    "- {set}/{} ({}) is older than the newest applied version; pass --allow-out-of-order to apply it anyway",
                    e.version,
                    e.migration.map_or_else(String::new, Migration::label)
                )),
                State::Unverified => self.reporter.warn(&format!(
                    "{set}/{} was checksummed by a newer backendctl; this build cannot check it for drift",
                    e.version
                )),
                _ => {}
            }
        }
        out
    }

    fn groupable(&self, dir: Direction, m: &Migration) -> bool {
        let script = script_of(dir, m);
        !self.runs_stepwise(script)
            && check_no_transaction_control(script, &split::split(&script.sql, self.dialect))
                .is_ok()
    }

    fn runs_stepwise(&self, script: &Script) -> bool {
        !self.dialect.transactional_ddl() || script.no_transaction
    }

    /// Runs one up migration. `row_exists`: its `running` row is already there (pre-inserted or
    /// being resumed). `next`: the migration that runs after this one, whose `running` row may be
    /// inserted in this one's last commit. Returns whether `next`'s row was inserted.
    async fn run_up(
        &mut self,
        set: &str,
        m: &Migration,
        row_exists: bool,
        resume_from: Option<usize>,
        next: Option<(&str, &Migration)>,
    ) -> Result<bool, MigrateError> {
        let d = self.dialect;
        let stmts = split::split(&m.up.sql, d);
        let record = Record {
            set,
            version: m.version,
            name: &m.name,
            checksum: &m.checksum,
            statements_total: stmts.len(),
        };
        if !self.runs_stepwise(&m.up) {
            check_no_transaction_control(&m.up, &stmts)?;
            let log = history::log(d, &self.actor, set, m.version, "apply", None);
            if self.opts.dry_run {
                let row = history::insert_applied(d, &self.actor, &record, "<duration>");
                Self::print_dry_run(
                    set,
                    &m.up,
                    "up, in one transaction",
                    &format!(
                        "{};\n{}\n;\n{row};\n{log};\nCOMMIT;\n",
                        begin(d),
                        m.up.sql.trim_end()
                    ),
                );
                return Ok(false);
            }
            let actor = self.actor.clone();
            let result = self
                .conn
                .run_in_transaction(&m.up.sql, &|duration| {
                    format!(
                        "{};\n{log}",
                        history::insert_applied(d, &actor, &record, duration)
                    )
                })
                .await;
            return match result {
                Ok(()) => Ok(false),
                Err(f) => Err(MigrateError::Failed(format!(
                    "{}\nNothing of it was applied: the transaction was rolled back{}.",
                    failure_headline(set, &m.up, &f, &stmts),
                    if f.message.contains("cannot run inside a transaction block")
                        || f.message.contains("cannot be executed within a pipeline")
                    {
                        ". This statement cannot run in a transaction: put `-- backendctl:no-transaction` on a line of its own in the file (and keep such statements in their own migration)"
                    } else {
                        ""
                    }
                ))),
            };
        }
        let next_insert = next.map(|(s, n)| {
            let n_stmts = split::split(&n.up.sql, d).len();
            history::insert_running(
                d,
                &self.actor,
                &Record {
                    set: s,
                    version: n.version,
                    name: &n.name,
                    checksum: &n.checksum,
                    statements_total: n_stmts,
                },
            )
        });
        let first = if row_exists {
            None
        } else {
            Some(history::insert_running(d, &self.actor, &record))
        };
        let finish = format!(
            "{};\n{}",
            history::finish_applied(d, set, m.version, stmts.len(), &m.checksum),
            history::log(
                d,
                &self.actor,
                set,
                m.version,
                if resume_from.is_some() {
                    "apply-resumed"
                } else {
                    "apply"
                },
                None
            )
        );
        self.run_steps(
            Direction::Up,
            set,
            m,
            &m.up,
            &stmts,
            resume_from.unwrap_or(0),
            first,
            finish,
            next_insert,
        )
        .await
    }

    /// Runs one down migration (see [`Engine::run_up`]).
    async fn run_down(
        &mut self,
        set: &str,
        m: &Migration,
        row_marked: bool,
        resume_from: Option<usize>,
        next: Option<(&str, &Migration)>,
    ) -> Result<bool, MigrateError> {
        let d = self.dialect;
        let script = script_of(Direction::Down, m);
        let stmts = split::split(&script.sql, d);
        let delete = format!(
            "{};\n{}",
            history::delete(d, set, m.version),
            history::log(d, &self.actor, set, m.version, "revert", None)
        );
        if !self.runs_stepwise(script) {
            check_no_transaction_control(script, &stmts)?;
            if self.opts.dry_run {
                Self::print_dry_run(
                    set,
                    script,
                    "down, in one transaction",
                    &format!(
                        "{};\n{}\n;\n{delete};\nCOMMIT;\n",
                        begin(d),
                        script.sql.trim_end()
                    ),
                );
                return Ok(false);
            }
            let result = self
                .conn
                .run_in_transaction(&script.sql, &|_| delete.clone())
                .await;
            return match result {
                Ok(()) => Ok(false),
                Err(f) => Err(MigrateError::Failed(format!(
                    "{}\nNothing of it was applied: the transaction was rolled back, and {}/{} is still applied.",
                    failure_headline(set, script, &f, &stmts),
                    set,
                    m.version
                ))),
            };
        }
        let next_mark = next.map(|(s, n)| {
            let total = split::split(&script_of(Direction::Down, n).sql, d).len();
            history::mark_reverting(d, s, n.version, total)
        });
        let first = if row_marked {
            None
        } else {
            Some(history::mark_reverting(d, set, m.version, stmts.len()))
        };
        self.run_steps(
            Direction::Down,
            set,
            m,
            script,
            &stmts,
            resume_from.unwrap_or(0),
            first,
            delete,
            next_mark,
        )
        .await
    }

    /// Statement-by-statement execution with progress rows. `first` is written before the first
    /// statement; `finish` after the last, in the same commit as `next` (the following
    /// migration's starting row), which is why this returns whether `next` was written.
    #[expect(
        clippy::too_many_arguments,
        reason = "one call site per direction; a struct would only rename them"
    )]
    async fn run_steps(
        &mut self,
        dir: Direction,
        set: &str,
        m: &Migration,
        script: &Script,
        stmts: &[Statement],
        start: usize,
        first: Option<String>,
        finish: String,
        next: Option<String>,
    ) -> Result<bool, MigrateError> {
        let d = self.dialect;
        let finish_all = match &next {
            Some(n) => format!("{finish};\n{n}"),
            None => finish,
        };
        let book_for = |i: usize| -> String {
            if i + 1 == stmts.len() {
                finish_all.clone()
            } else {
                history::mark_progress(d, set, m.version, i + 1, &progress_checksum(&stmts[..=i]))
            }
        };
        // One round trip for a statement and its bookkeeping where the results can be counted
        // unambiguously (MySQL; statements that return result sets go alone). PostgreSQL and
        // SQLite no-transaction statements go alone (CREATE INDEX CONCURRENTLY must).
        let batched = |i: usize| d == Dialect::MySql && !returns_rows(&stmts[i]);
        if self.opts.dry_run {
            let mut text = String::new();
            if let Some(f) = &first {
                let _ = writeln!(text, "{f};");
            }
            if stmts.is_empty() {
                let _ = writeln!(text, "{};\n{};\nCOMMIT;", begin(d), finish_all);
            }
            for (i, stmt) in stmts.iter().enumerate().skip(start) {
                if batched(i) {
                    let _ = writeln!(text, "{};", mysql_batch(&stmt.sql, &book_for(i)));
                } else {
                    let _ = writeln!(
                        text,
                        "{};\n{};\n{};\nCOMMIT;",
                        stmt.sql,
                        begin(d),
                        book_for(i)
                    );
                }
            }
            let how = if d == Dialect::MySql {
                "statement by statement: MySQL/MariaDB commits DDL itself"
            } else {
                "statement by statement, no transaction"
            };
            Self::print_dry_run(
                set,
                script,
                &format!(
                    "{}, {how}",
                    if dir == Direction::Up { "up" } else { "down" }
                ),
                &text,
            );
            return Ok(next.is_some());
        }
        if let Some(f) = first {
            self.bookkeeping(&f, false).await?;
        }
        if stmts.is_empty() {
            self.bookkeeping(&finish_all, true).await?;
            return Ok(next.is_some());
        }
        for i in start..stmts.len() {
            let book = book_for(i);
            let stmt = &stmts[i].sql;
            let (stmt_result, book_result) = if batched(i) {
                let batch = mysql_batch(stmt, &book);
                match self.conn.exec_counted(&batch).await {
                    (_, Ok(())) => (Ok(()), Ok(())),
                    // Result 1 is `SET autocommit = 0`: an error right after it is the statement's.
                    (n, Err(f)) if n <= 1 => (Err(f), Ok(())),
                    (_, Err(f)) => (Ok(()), Err(f)),
                }
            } else {
                match self.conn.exec(stmt).await {
                    Ok(()) => (
                        Ok(()),
                        self.conn
                            .exec(&format!("{};\n{book};\nCOMMIT", begin(d)))
                            .await,
                    ),
                    Err(f) => (Err(f), Ok(())),
                }
            };
            if let Err(f) = stmt_result {
                let state = if dir == Direction::Up {
                    RowState::Failed
                } else {
                    RowState::RevertFailed
                };
                let msg = format!(
                    "statement {} (line {}): {}",
                    i + 1,
                    line_of(script, &stmts[i]),
                    f.message
                );
                let record = format!(
                    "{};\n{}",
                    history::mark_state(d, set, m.version, state, Some(&msg)),
                    history::log(
                        d,
                        &self.actor,
                        set,
                        m.version,
                        if dir == Direction::Up {
                            "apply-failed"
                        } else {
                            "revert-failed"
                        },
                        Some(&msg)
                    )
                );
                let recorded = self.bookkeeping(&record, true).await;
                return Err(MigrateError::Failed(self.partial_report(
                    dir,
                    set,
                    m,
                    script,
                    stmts,
                    i,
                    &f,
                    recorded.is_ok(),
                )));
            }
            if let Err(f) = book_result {
                return Err(MigrateError::Failed(format!(
                    "{set}/{}: statement {} ran, but recording its progress failed: {}\n\
                     The history table says {} statement(s) ran; statement {} did too. Check the database, then settle it with `{} resolve {}`.",
                    m.label(),
                    i + 1,
                    f.message,
                    i,
                    i + 1,
                    self.opts.command_hint,
                    m.version
                )));
            }
        }
        Ok(next.is_some())
    }

    /// Runs the engine's own statements, in a transaction when `atomic`.
    async fn bookkeeping(&mut self, sql: &str, atomic: bool) -> Result<(), MigrateError> {
        let text = if atomic {
            format!("{};\n{sql};\nCOMMIT", begin(self.dialect))
        } else {
            sql.to_string()
        };
        self.conn
            .exec(&text)
            .await
            .map_err(|f| MigrateError::Database {
                url: self.conn.masked_url(),
                message: format!("writing the history table failed: {}", f.message),
            })
    }

    fn print_dry_run(set: &str, script: &Script, how: &str, sql: &str) {
        println!("-- {set}: {} ({how})", script.path.display());
        print!("{sql}");
        if !sql.ends_with('\n') {
            println!();
        }
        println!();
    }

    #[expect(clippy::too_many_arguments, reason = "all of it goes into the report")]
    fn partial_report(
        &self,
        dir: Direction,
        set: &str,
        m: &Migration,
        script: &Script,
        stmts: &[Statement],
        failed: usize,
        f: &ExecFailure,
        recorded: bool,
    ) -> String {
        let hint = &self.opts.command_hint;
        let mut out = failure_headline(set, script, f, stmts);
        let why = if self.dialect == Dialect::MySql {
            "MySQL/MariaDB commits DDL statement by statement"
        } else {
            "the file runs without a transaction (backendctl:no-transaction)"
        };
        let _ = writeln!(
            out,
            "\n{why}, so this {} migration is partly done:",
            if dir == Direction::Up { "up" } else { "down" }
        );
        for (i, s) in stmts.iter().enumerate() {
            let tag = match i.cmp(&failed) {
                std::cmp::Ordering::Less => "ran    ",
                std::cmp::Ordering::Equal => "FAILED ",
                std::cmp::Ordering::Greater => "not run",
            };
            let _ = writeln!(
                out,
                "  {tag}  statement {} (line {}): {}",
                i + 1,
                line_of(script, s),
                one_line(&s.sql, 70)
            );
        }
        if recorded {
            let _ = writeln!(
                out,
                "The history table records this; `{hint} status` shows it."
            );
        } else {
            let _ = writeln!(
                out,
                "Recording this in the history table failed too; the list above is the only record."
            );
        }
        let v = m.version;
        if dir == Direction::Up {
            let _ = write!(
                out,
                "To recover, do one of:\n\
                 \x20 - fix statement {n} in the file (keep statements 1–{failed} unchanged), then `{hint} resolve {v} --resume` runs statements {n}–{total};\n\
                 \x20 - undo statements 1–{failed} by hand, then `{hint} resolve {v} --rolled-back` makes it pending again;\n\
                 \x20 - finish it by hand, then `{hint} resolve {v} --applied` records it as applied.",
                n = failed + 1,
                total = stmts.len()
            );
        } else {
            let _ = write!(
                out,
                "To recover, do one of:\n\
                 \x20 - fix statement {n} of the down file, then `{hint} resolve {v} --resume` runs statements {n}–{total};\n\
                 \x20 - finish reverting by hand, then `{hint} resolve {v} --rolled-back` records it as reverted;\n\
                 \x20 - redo statements 1–{failed} by hand, then `{hint} resolve {v} --applied` records it as still applied.",
                n = failed + 1,
                total = stmts.len()
            );
        }
        out
    }
}

/// Most transactional migrations one SQLite commit holds. A commit on SQLite's rollback journal
/// costs several fsyncs, far more than a small migration: 1,000 `CREATE TABLE`s take 17 s one
/// commit each and 0.3 s in one commit on the development machine. Each migration still commits
/// together with its history row; when one fails, the group is rolled back, the migrations before
/// it are committed again, and the failing one runs alone, so the result equals one transaction
/// per migration.
pub const GROUP_MAX: usize = 100;

fn script_of(dir: Direction, m: &Migration) -> &Script {
    match dir {
        Direction::Up => &m.up,
        // `down` reads every down file (and refuses missing ones) before anything runs.
        Direction::Down => m
            .down()
            .ok()
            .flatten()
            .expect("down migrations are read before running"),
    }
}

/// How `resolve` settles a migration that stopped part-way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Continue from the first statement that did not run (after fixing the file).
    Resume,
    /// Record it as applied (finished by hand).
    Applied,
    /// Record it as not applied (undone by hand).
    RolledBack,
}

/// What `status` prints under a row that stopped part-way.
/// `hint` spells the command (`backendctl migrate --dir … --set …`).
pub fn describe_incomplete(r: &HistoryRow, hint: &str) -> String {
    let (done, total) = (r.statements_done, r.statements_total);
    let ran = match done {
        0 => format!("none of its {total} statements ran"),
        1 => format!("statement 1 of {total} ran"),
        _ => format!("statements 1–{done} of {total} ran"),
    };
    let what = match r.state {
        RowState::Failed => format!(
            "↳ up failed: {ran}; {}",
            r.error.as_deref().unwrap_or("no error was recorded")
        ),
        RowState::RevertFailed => format!(
            "↳ down failed: {ran}; {}",
            r.error.as_deref().unwrap_or("no error was recorded")
        ),
        RowState::Running => format!(
            "↳ up was interrupted (the process stopped): {ran}; statement {} may or may not have completed",
            done + 1
        ),
        _ => format!(
            "↳ down was interrupted (the process stopped): {ran}; statement {} may or may not have completed",
            done + 1
        ),
    };
    format!(
        "{what}\n↳ settle it with `{hint} resolve {v} --resume` (after fixing the file), `--rolled-back` or `--applied`",
        v = r.version
    )
}

/// Checksum of the statements that ran, so `resume` can tell they were not edited since.
pub fn progress_checksum(done: &[Statement]) -> String {
    let joined: Vec<&str> = done.iter().map(|s| s.sql.as_str()).collect();
    Algorithm::CURRENT.digest(&joined.join("\n;\n"))
}

/// One MySQL round trip: a statement and the update that records it.
///
/// With autocommit off, a DML statement and its progress commit together, and after a DDL
/// statement (which commits itself, implicitly, before and after) the bookkeeping statements
/// still share one commit. `START TRANSACTION` would not do: its transaction ends at the DDL's
/// implicit commit and each bookkeeping statement would then commit on its own.
fn mysql_batch(stmt: &str, book: &str) -> String {
    format!("SET autocommit = 0;\n{stmt};\n{book};\nCOMMIT;\nSET autocommit = 1")
}

fn begin(d: Dialect) -> &'static str {
    match d {
        Dialect::MySql => "START TRANSACTION",
        Dialect::Postgres => "BEGIN",
        Dialect::Sqlite => "BEGIN IMMEDIATE",
    }
}

/// Statements that may send result sets (sent alone so results can be counted).
fn returns_rows(s: &Statement) -> bool {
    matches!(
        s.keywords(1).first().map(String::as_str),
        Some(
            "SELECT"
                | "CALL"
                | "WITH"
                | "SHOW"
                | "EXECUTE"
                | "DESCRIBE"
                | "DESC"
                | "EXPLAIN"
                | "VALUES"
                | "TABLE"
                | "HANDLER"
                | "CHECK"
                | "ANALYZE"
                | "OPTIMIZE"
                | "REPAIR"
                | "("
        )
    )
}

/// Refuses BEGIN/COMMIT inside a migration the engine wraps in its own transaction.
fn check_no_transaction_control(script: &Script, stmts: &[Statement]) -> Result<(), MigrateError> {
    for s in stmts {
        let w = s.keywords(2);
        let first = w.first().map_or("", String::as_str);
        let second = w.get(1).map_or("", String::as_str);
        let control = match first {
            "BEGIN" => second != "ATOMIC",
            "START" => second == "TRANSACTION",
            "COMMIT" | "END" => true,
            "ROLLBACK" => second != "TO",
            _ => false,
        };
        if control {
            return Err(MigrateError::Refused(format!(
                "{} line {}: `{}` — backendctl runs each migration in its own transaction, so the file must not open or close one.\n\
                 help: remove the BEGIN/COMMIT lines, or put `-- backendctl:no-transaction` on a line of its own to run the file as written",
                script.path.display(),
                line_of(script, s),
                one_line(&s.sql, 40),
            )));
        }
    }
    Ok(())
}

/// First line of a failure report: which file, statement and line, and the server's message.
fn failure_headline(set: &str, script: &Script, f: &ExecFailure, stmts: &[Statement]) -> String {
    let file = script.path.display();
    let line = f.position.map(|p| {
        let before: String = script.sql.chars().take(p).collect();
        script.first_line + before.matches('\n').count()
    });
    let which = line
        .and_then(|l| {
            stmts
                .iter()
                .enumerate()
                .rev()
                .find(|(_, s)| line_of(script, s) <= l)
                .map(|(i, _)| format!(" (statement {} of {}, line {l})", i + 1, stmts.len()))
        })
        .unwrap_or_default();
    format!("migration {set} {file} failed{which}: {}", f.message)
}

fn line_of(script: &Script, s: &Statement) -> usize {
    script.first_line + s.line - 1
}

fn one_line(sql: &str, max: usize) -> String {
    let flat = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        format!("{}…", flat.chars().take(max).collect::<String>())
    } else {
        flat
    }
}

fn short(checksum: &str) -> &str {
    &checksum[..checksum.len().min(12)]
}

fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| format!("{by}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
