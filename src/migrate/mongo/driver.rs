//! One client per run: the server's description, the lock document, the history collection and
//! running commands, with the official `mongodb` driver.
//!
//! - **Lock**: one document `{_id: "lock"}` in `backendctl_migration_lock`; `_id` is unique, so
//!   only one insert succeeds. It names its holder (`user@host pid N`) and carries an expiry that
//!   a background task pushes forward while the run lives; a killed run's lock expires
//!   ([`LOCK_TTL`]) and the next run takes it over, naming the holder it replaced.
//! - **History**: one document per migration in `backendctl_migrations`, `_id` = `set/version`,
//!   with the same fields as the SQL history table (`commands_total` / `commands_done` are the
//!   SQL engine's statement counts).

use std::time::{Duration, Instant};

use mongodb::bson::{Bson, DateTime, Document, doc};
use mongodb::error::{ErrorKind, WriteFailure};
use mongodb::options::ClientOptions;
use mongodb::{Client, ClientSession, Database};

use super::MongoUrl;
use crate::migrate::error::MigrateError;
use crate::migrate::history::{Actor, HistoryRow, RowState};

/// The history collection.
pub(crate) const HISTORY: &str = "backendctl_migrations";
/// The lock collection.
pub(crate) const LOCK: &str = "backendctl_migration_lock";
/// How long a lock lives without being renewed (a killed run's lock is stale after this).
pub(crate) const LOCK_TTL: Duration = Duration::from_secs(30);
/// How often a held lock is renewed.
const RENEW_EVERY: Duration = Duration::from_secs(10);

/// What the server says about itself.
#[derive(Debug, Clone)]
pub(crate) struct ServerInfo {
    pub(crate) version: String,
    /// A replica set or a sharded cluster: multi-document transactions are available.
    pub(crate) transactions: bool,
}

/// A command that failed, as the server reported it.
#[derive(Debug, Clone)]
pub(crate) struct CommandFailure {
    pub(crate) message: String,
}

impl CommandFailure {
    fn from_driver(e: &mongodb::error::Error) -> CommandFailure {
        let message = match e.kind.as_ref() {
            ErrorKind::Command(c) => format!("{} (code {} {})", c.message, c.code, c.code_name),
            ErrorKind::Write(WriteFailure::WriteError(w)) => {
                format!("{} (code {})", w.message, w.code)
            }
            _ => e.to_string(),
        };
        CommandFailure { message }
    }
}

/// An open client on one database.
pub(crate) struct Mongo {
    client: Client,
    pub(crate) db: Database,
    pub(crate) url: MongoUrl,
    /// The lock's token and its renewing task, while held.
    held: Option<(String, tokio::task::JoinHandle<()>)>,
}

impl Mongo {
    /// Connects and checks that the server answers, within `timeout`.
    pub(crate) async fn connect(url: &MongoUrl, timeout: Duration) -> Result<Mongo, MigrateError> {
        let fail = |e: &dyn std::fmt::Display| MigrateError::Database {
            url: url.masked(),
            message: e.to_string(),
        };
        let mut options = ClientOptions::parse(&url.raw).await.map_err(|e| fail(&e))?;
        options.app_name = Some("backendctl".to_string());
        options.server_selection_timeout = Some(timeout);
        options.connect_timeout = Some(timeout);
        let client = Client::with_options(options).map_err(|e| fail(&e))?;
        let db = client.database(&url.database);
        let mongo = Mongo {
            client,
            db,
            url: url.clone(),
            held: None,
        };
        mongo
            .db
            .run_command(doc! {"ping": 1})
            .await
            .map_err(|e| fail(&e))?;
        Ok(mongo)
    }

    fn error(&self, what: &str, e: &dyn std::fmt::Display) -> MigrateError {
        MigrateError::Database {
            url: self.url.masked(),
            message: format!("{what}: {e}"),
        }
    }

    /// The server's version and whether it supports transactions.
    pub(crate) async fn server_info(&self) -> Result<ServerInfo, MigrateError> {
        let hello = self
            .db
            .run_command(doc! {"hello": 1})
            .await
            .map_err(|e| self.error("hello", &e))?;
        let transactions =
            hello.get_str("setName").is_ok() || hello.get_str("msg").is_ok_and(|m| m == "isdbgrid");
        let version = match self.db.run_command(doc! {"buildInfo": 1}).await {
            Ok(info) => info.get_str("version").unwrap_or("unknown").to_string(),
            Err(_) => "unknown".to_string(),
        };
        Ok(ServerInfo {
            version,
            transactions,
        })
    }

    /// Takes the lock, waiting up to `timeout`; `waiting` hears who holds it.
    pub(crate) async fn lock(
        &mut self,
        actor: &Actor,
        timeout: Duration,
        waiting: &mut dyn FnMut(&str),
    ) -> Result<(), MigrateError> {
        let locks = self.db.collection::<Document>(LOCK);
        let token = format!("{:016x}", rand_token());
        let holder = format!("{} pid {}", actor.by, std::process::id());
        let started = Instant::now();
        let mut last_told = None::<Instant>;
        let mut attempt = 0u32;
        loop {
            let now = DateTime::now();
            let expires = DateTime::from_millis(now.timestamp_millis() + ttl_ms());
            let taken = locks
                .insert_one(doc! {"_id": "lock", "token": &token, "holder": &holder,
                "host": host_of(actor), "pid": i64::from(std::process::id()),
                "acquired_at": now, "expires_at": expires})
                .await;
            match taken {
                Ok(_) => break,
                Err(e) if is_duplicate(&e) => {}
                Err(e) => return Err(self.error("taking the migration lock", &e)),
            }
            let current = locks
                .find_one(doc! {"_id": "lock"})
                .await
                .map_err(|e| self.error("reading the migration lock", &e))?;
            let Some(current) = current else { continue };
            let other = describe_holder(&current);
            if expired(&current) || dead_here(&current, actor) {
                // A run that stopped renewing: take its lock over, naming it.
                let gone = locks
                    .delete_one(
                        doc! {"_id": "lock", "token": current.get_str("token").unwrap_or("")},
                    )
                    .await
                    .map_err(|e| self.error("clearing a stale migration lock", &e))?;
                if gone.deleted_count == 1 {
                    eprintln!(
                        "warning: took over a stale migration lock held by {other} (that run stopped: {})",
                        if expired(&current) {
                            format!("not renewed for {}s", LOCK_TTL.as_secs())
                        } else {
                            "its process is gone".to_string()
                        }
                    );
                }
                continue;
            }
            if started.elapsed() >= timeout {
                return Err(MigrateError::LockTimeout {
                    waited: format!("{}s", timeout.as_secs()),
                    lock: format!("MongoDB database {}", self.url.database),
                    holder: other,
                    remedy: "",
                });
            }
            if last_told.is_none_or(|t| t.elapsed() >= Duration::from_secs(5)) {
                waiting(&format!("waiting for the migration lock held by {other}"));
                last_told = Some(Instant::now());
            }
            tokio::time::sleep(Duration::from_millis((25u64 << attempt.min(4)).min(400))).await;
            attempt += 1;
        }
        let renew_on = locks.clone();
        let renew_token = token.clone();
        let task = tokio::spawn(async move {
            loop {
                tokio::time::sleep(RENEW_EVERY).await;
                let expires = DateTime::from_millis(DateTime::now().timestamp_millis() + ttl_ms());
                let _ = renew_on
                    .update_one(
                        doc! {"_id": "lock", "token": &renew_token},
                        doc! {"$set": {"expires_at": expires}},
                    )
                    .await;
            }
        });
        self.held = Some((token, task));
        Ok(())
    }

    /// Who holds the lock now, if anyone (for `status`); an expired lock is held by no one.
    pub(crate) async fn lock_holder(&self) -> Result<Option<String>, MigrateError> {
        let current = self
            .db
            .collection::<Document>(LOCK)
            .find_one(doc! {"_id": "lock"})
            .await
            .map_err(|e| self.error("reading the migration lock", &e))?;
        let actor = Actor::current();
        Ok(current
            .filter(|lock| !expired(lock) && !dead_here(lock, &actor))
            .as_ref()
            .map(describe_holder))
    }

    /// Releases the lock if held.
    pub(crate) async fn unlock(&mut self) -> Result<(), MigrateError> {
        let Some((token, task)) = self.held.take() else {
            return Ok(());
        };
        task.abort();
        self.db
            .collection::<Document>(LOCK)
            .delete_one(doc! {"_id": "lock", "token": token})
            .await
            .map_err(|e| self.error("releasing the migration lock", &e))?;
        Ok(())
    }

    /// The names of the database's collections.
    pub(crate) async fn collection_names(&self) -> Result<Vec<String>, MigrateError> {
        self.db
            .list_collection_names()
            .await
            .map_err(|e| self.error("listing the collections", &e))
    }

    /// Every document of `collection`, in natural order.
    pub(crate) async fn documents(&self, collection: &str) -> Result<Vec<Document>, MigrateError> {
        use futures_util::TryStreamExt as _;
        let what = format!("reading the {collection} collection");
        self.db
            .collection::<Document>(collection)
            .find(doc! {})
            .await
            .map_err(|e| self.error(&what, &e))?
            .try_collect()
            .await
            .map_err(|e| self.error(&what, &e))
    }

    /// Every history document, as history rows.
    pub(crate) async fn read_history(&self) -> Result<Vec<HistoryRow>, MigrateError> {
        use futures_util::TryStreamExt as _;
        let docs: Vec<Document> = self
            .db
            .collection::<Document>(HISTORY)
            .find(doc! {})
            .await
            .map_err(|e| self.error("reading the history collection", &e))?
            .try_collect()
            .await
            .map_err(|e| self.error("reading the history collection", &e))?;
        let mut rows: Vec<HistoryRow> = docs.iter().map(row_of).collect();
        rows.sort_by(|a, b| (a.set.as_str(), a.version).cmp(&(b.set.as_str(), b.version)));
        Ok(rows)
    }

    /// Writes (replaces) the history document of `row`, in `session` when given.
    pub(crate) async fn write_row(
        &self,
        row: &Document,
        session: Option<&mut ClientSession>,
    ) -> Result<(), CommandFailure> {
        let id = row.get_str("_id").unwrap_or_default().to_string();
        let history = self.db.collection::<Document>(HISTORY);
        let action = history
            .replace_one(doc! {"_id": id}, row.clone())
            .upsert(true);
        match session {
            Some(s) => action.session(s).await,
            None => action.await,
        }
        .map(|_| ())
        .map_err(|e| CommandFailure::from_driver(&e))
    }

    /// Sets fields of a history document.
    pub(crate) async fn update_row(
        &self,
        id: &str,
        set: Document,
        session: Option<&mut ClientSession>,
    ) -> Result<(), CommandFailure> {
        let history = self.db.collection::<Document>(HISTORY);
        let action = history.update_one(doc! {"_id": id}, doc! {"$set": set});
        match session {
            Some(s) => action.session(s).await,
            None => action.await,
        }
        .map(|_| ())
        .map_err(|e| CommandFailure::from_driver(&e))
    }

    /// Deletes a history document.
    pub(crate) async fn delete_row(
        &self,
        id: &str,
        session: Option<&mut ClientSession>,
    ) -> Result<(), CommandFailure> {
        let history = self.db.collection::<Document>(HISTORY);
        let action = history.delete_one(doc! {"_id": id});
        match session {
            Some(s) => action.session(s).await,
            None => action.await,
        }
        .map(|_| ())
        .map_err(|e| CommandFailure::from_driver(&e))
    }

    /// Runs one command; a reply with `writeErrors` or `writeConcernError` is a failure too
    /// (write commands answer `ok: 1` with their errors inside).
    pub(crate) async fn run(
        &self,
        command: &Document,
        session: Option<&mut ClientSession>,
    ) -> Result<(), CommandFailure> {
        let action = self.db.run_command(command.clone());
        let reply = match session {
            Some(s) => action.session(s).await,
            None => action.await,
        }
        .map_err(|e| CommandFailure::from_driver(&e))?;
        if let Ok(errors) = reply.get_array("writeErrors")
            && let Some(Bson::Document(first)) = errors.first()
        {
            return Err(CommandFailure {
                message: format!(
                    "{} (code {})",
                    first.get_str("errmsg").unwrap_or("write error"),
                    first.get_i32("code").unwrap_or_default()
                ),
            });
        }
        if let Ok(wce) = reply.get_document("writeConcernError") {
            return Err(CommandFailure {
                message: format!(
                    "write concern error: {}",
                    wce.get_str("errmsg").unwrap_or("unknown")
                ),
            });
        }
        Ok(())
    }

    /// A session for a transaction.
    pub(crate) async fn session(&self) -> Result<ClientSession, CommandFailure> {
        self.client
            .start_session()
            .await
            .map_err(|e| CommandFailure::from_driver(&e))
    }

    /// Releases the lock and closes the client.
    pub(crate) async fn close(mut self) -> Result<(), MigrateError> {
        let r = self.unlock().await;
        self.client.shutdown().await;
        r
    }
}

/// Starts a transaction on `session`.
pub(crate) async fn begin(session: &mut ClientSession) -> Result<(), CommandFailure> {
    session
        .start_transaction()
        .await
        .map_err(|e| CommandFailure::from_driver(&e))
}

/// Commits the transaction of `session`.
pub(crate) async fn commit(session: &mut ClientSession) -> Result<(), CommandFailure> {
    session
        .commit_transaction()
        .await
        .map_err(|e| CommandFailure::from_driver(&e))
}

/// The host part of `user@host`.
fn host_of(actor: &Actor) -> &str {
    actor.by.rsplit_once('@').map_or("", |(_, host)| host)
}

/// Whether a lock document's holder is a process of this machine that no longer exists (no need
/// to wait for its expiry). A reused pid only makes the wait as long as the expiry.
fn dead_here(lock: &Document, actor: &Actor) -> bool {
    lock.get_str("host").is_ok_and(|h| h == host_of(actor))
        && lock
            .get_i64("pid")
            .is_ok_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists())
}

/// Whether a lock document's holder stopped renewing it.
fn expired(lock: &Document) -> bool {
    lock.get_datetime("expires_at")
        .is_ok_and(|t| t.timestamp_millis() < DateTime::now().timestamp_millis())
}

fn ttl_ms() -> i64 {
    i64::try_from(LOCK_TTL.as_millis()).unwrap_or(30_000)
}

fn is_duplicate(e: &mongodb::error::Error) -> bool {
    match e.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.code == 11000,
        ErrorKind::Command(c) => c.code == 11000,
        _ => e.to_string().contains("E11000"),
    }
}

/// `user@host pid N since 2026-…`.
fn describe_holder(lock: &Document) -> String {
    let holder = lock.get_str("holder").unwrap_or("an unknown run");
    match lock.get_datetime("acquired_at") {
        Ok(t) => format!(
            "{holder} since {}",
            t.try_to_rfc3339_string().unwrap_or_default()
        ),
        Err(_) => holder.to_string(),
    }
}

/// A random lock token: two runs in one process never share one.
fn rand_token() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    h.finish()
}

/// The `_id` of a history document.
pub(crate) fn row_id(set: &str, version: i64) -> String {
    format!("{set}/{version}")
}

/// A history document from its fields.
pub(crate) fn row_doc(row: &HistoryRow) -> Document {
    doc! {
        "_id": row_id(&row.set, row.version),
        "set": &row.set,
        "version": row.version,
        "name": &row.name,
        "checksum_algo": row.checksum_algo,
        "checksum": &row.checksum,
        "state": row.state.as_str(),
        "commands_total": row.statements_total,
        "commands_done": row.statements_done,
        "error": row.error.clone().map_or(Bson::Null, Bson::String),
        "applied_at": &row.applied_at,
        "duration_ms": row.duration_ms,
        "applied_by": &row.applied_by,
        "tool_version": &row.tool_version,
        "repaired_at": row.repaired_at.clone().map_or(Bson::Null, Bson::String),
        "repaired_by": row.repaired_by.clone().map_or(Bson::Null, Bson::String),
    }
}

fn row_of(d: &Document) -> HistoryRow {
    let s = |k: &str| d.get_str(k).unwrap_or_default().to_string();
    let opt = |k: &str| d.get_str(k).ok().map(str::to_string);
    let n = |k: &str| match d.get(k) {
        Some(Bson::Int64(v)) => *v,
        Some(Bson::Int32(v)) => i64::from(*v),
        Some(Bson::Double(v)) => *v as i64,
        _ => 0,
    };
    HistoryRow {
        set: s("set"),
        version: n("version"),
        name: s("name"),
        checksum_algo: n("checksum_algo"),
        checksum: s("checksum"),
        state: RowState::parse(&s("state")),
        statements_total: n("commands_total"),
        statements_done: n("commands_done"),
        progress_checksum: None,
        error: opt("error"),
        applied_at: s("applied_at"),
        duration_ms: n("duration_ms"),
        applied_by: s("applied_by"),
        tool_version: s("tool_version"),
        repaired_at: opt("repaired_at"),
        repaired_by: opt("repaired_by"),
    }
}
