//! Running a list of migrations in order, one direction: SQLite groups consecutive transactional
//! migrations into one commit, PostgreSQL defers the flush of each commit to the last.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use super::migration::record;
use super::{Engine, begin, check_no_transaction_control, script_of};
use crate::migrate::dialect::Dialect;
use crate::migrate::error::{Direction, MigrateError};
use crate::migrate::history;
use crate::migrate::source::Migration;
use crate::migrate::split;

/// Most transactional migrations one SQLite commit holds. A commit on SQLite's rollback journal
/// costs several fsyncs, far more than a small migration: 1,000 `CREATE TABLE`s take 17 s one
/// commit each and 0.3 s in one commit on the development machine. Each migration still commits
/// together with its history row; when one fails, the group is rolled back, the migrations before
/// it are committed again, and the failing one runs alone, so the result equals one transaction
/// per migration.
pub(crate) const GROUP_MAX: usize = 100;

/// Migrations to run: each with the name of its set.
type Items<'a> = [(&'a str, &'a Migration)];

impl Engine {
    /// Runs migrations in order, one direction.
    ///
    /// PostgreSQL: when applying more than one migration, each commit is asynchronous
    /// (`synchronous_commit = off`: atomic as ever, flushed by the WAL writer within a fraction of
    /// a second) and the run ends with one synchronous commit, which cannot complete before every
    /// earlier commit is on disk. The run is durable when the command returns, and a server crash
    /// in the middle loses at most the last few migrations whole, history rows included, so the
    /// next run applies them again.
    pub(super) async fn run_plan(
        &mut self,
        dir: Direction,
        items: &Items<'_>,
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
        let result = self.run_each(dir, items).await;
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

    /// Consecutive transactional migrations share a commit on SQLite (see [`GROUP_MAX`]);
    /// everything else runs one at a time.
    async fn run_each(&mut self, dir: Direction, items: &Items<'_>) -> Result<(), MigrateError> {
        let mut pre = false;
        let mut i = 0;
        while i < items.len() {
            if self.dialect == Dialect::Sqlite && !self.runs_stepwise(script_of(dir, items[i].1)) {
                let (ran, whole) = self.run_sqlite_group(dir, &items[i..]).await?;
                i += ran;
                if whole {
                    continue;
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
                self.reporter.done(verb(dir), set, m, started.elapsed());
            }
            i += 1;
        }
        Ok(())
    }

    /// Commits the leading groupable migrations of `items` together. Returns how many ran and
    /// whether the group ran whole; when not, the next item runs alone (it failed in the group,
    /// or it cannot be grouped) for its report.
    async fn run_sqlite_group(
        &mut self,
        dir: Direction,
        items: &Items<'_>,
    ) -> Result<(usize, bool), MigrateError> {
        // A file the engine would refuse (BEGIN/COMMIT inside) ends the group and then runs
        // alone, so the ones before it are committed as they would be elsewhere.
        let end = items
            .iter()
            .take(GROUP_MAX)
            .take_while(|(_, m)| self.groupable(dir, m))
            .count();
        if end <= 1 {
            return Ok((0, false));
        }
        let failed = match self.run_group(dir, &items[..end]).await? {
            Ok(durations) => {
                if !self.opts.dry_run {
                    self.report_done(dir, &items[..end], durations);
                }
                return Ok((end, true));
            }
            Err(failed) => failed,
        };
        // The group was rolled back: commit the ones before the failure again, then run the
        // failing one alone for its report.
        if failed > 0 {
            let again = self.run_group(dir, &items[..failed]).await?;
            let durations = again.map_err(|_| MigrateError::RerunFailed {
                set: items[0].0.to_string(),
                hint: self.opts.command_hint.clone(),
            })?;
            self.report_done(dir, &items[..failed], durations);
        }
        Ok((failed, false))
    }

    fn report_done(&mut self, dir: Direction, items: &Items<'_>, durations: Vec<Duration>) {
        for ((set, m), d) in items.iter().zip(durations) {
            self.reporter.done(verb(dir), set, m, d);
        }
    }

    /// Runs transactional migrations in one SQLite transaction. `Ok(Err(k))`: migration `k` of
    /// the slice failed and the whole group was rolled back.
    async fn run_group(
        &mut self,
        dir: Direction,
        items: &Items<'_>,
    ) -> Result<Result<Vec<Duration>, usize>, MigrateError> {
        let d = self.dialect;
        let mut text = String::new();
        let mut durations = Vec::with_capacity(items.len());
        if self.opts.dry_run {
            let n = items.len();
            let _ = writeln!(
                text,
                "-- {n} migrations in one transaction (SQLite: one commit instead of {n})"
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
            if self.opts.dry_run {
                let _ = writeln!(
                    text,
                    "-- {set}: {}\n{}\n;\n{};",
                    script.path.display(),
                    script.sql.trim_end(),
                    self.group_record(dir, set, m, stmts.len(), "<duration>")
                );
                continue;
            }
            let started = Instant::now();
            if self.conn.exec(&script.sql).await.is_err() {
                // exec rolled the transaction back.
                return Ok(Err(k));
            }
            let took = started.elapsed();
            let sql = self.group_record(dir, set, m, stmts.len(), &took.as_millis().to_string());
            if let Err(f) = self.conn.exec(&sql).await {
                return Err(self.db_failure(&f));
            }
            durations.push(took);
        }
        if self.opts.dry_run {
            let _ = writeln!(text, "COMMIT;");
            crate::migrate::progress::println(&text)?;
            return Ok(Ok(durations));
        }
        self.conn
            .exec("COMMIT")
            .await
            .map_err(|f| self.db_failure(&f))?;
        Ok(Ok(durations))
    }

    /// The history and log statements of one migration of a group.
    fn group_record(
        &self,
        dir: Direction,
        set: &str,
        m: &Migration,
        statements: usize,
        duration: &str,
    ) -> String {
        let d = self.dialect;
        match dir {
            Direction::Up => format!(
                "{};\n{}",
                history::insert_applied(d, &self.actor, &record(set, m, statements), duration),
                history::log(d, &self.actor, set, m.version, "apply", None)
            ),
            Direction::Down => format!(
                "{};\n{}",
                history::delete(d, set, m.version),
                history::log(d, &self.actor, set, m.version, "revert", None)
            ),
        }
    }
}

/// What the progress line says a migration did.
fn verb(dir: Direction) -> &'static str {
    match dir {
        Direction::Up => "applied",
        Direction::Down => "reverted",
    }
}
