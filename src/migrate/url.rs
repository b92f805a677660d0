//! Database URLs: which engine, and how to show one without its password.

use super::dialect::Dialect;
use super::error::MigrateError;
use crate::manifest::rules::{self, DatabaseEngine};
use std::path::Path;

/// A database URL with its engine.
#[derive(Debug, Clone)]
pub(crate) struct DbUrl {
    /// The URL as given (may hold a password: never print it, print [`DbUrl::masked`]).
    pub(crate) raw: String,
    pub(crate) dialect: Dialect,
}

impl DbUrl {
    pub(crate) fn parse(raw: &str) -> Result<DbUrl, MigrateError> {
        let raw = raw.trim();
        // The one rule, which `validate` applies to every `database` URL too.
        let dialect = match rules::database_engine(raw) {
            Ok(DatabaseEngine::Postgres) => Dialect::Postgres,
            Ok(DatabaseEngine::MySql) => Dialect::MySql,
            Ok(DatabaseEngine::Sqlite) => Dialect::Sqlite,
            // MongoDB targets are built by `mongo/` before any SQL URL; a SQL-only path that
            // meets one refuses it like any other unsupported URL.
            // Named by its scheme only: a value that is no URL at all may be a secret that
            // landed in the wrong variable.
            Ok(DatabaseEngine::MongoDb) | Err(_) => {
                return Err(MigrateError::UnsupportedUrl {
                    url: describe_unsupported(raw),
                });
            }
        };
        let raw = if let Some(rest) = raw.strip_prefix("mariadb://") {
            format!("mysql://{rest}")
        } else {
            raw.to_string()
        };
        Ok(DbUrl { raw, dialect })
    }

    /// The URL with any password replaced by `****`.
    pub(crate) fn masked(&self) -> String {
        mask(&self.raw)
    }

    /// For SQLite, the database file (None for in-memory databases).
    pub(crate) fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        let rest = self
            .raw
            .strip_prefix("sqlite://")
            .or_else(|| self.raw.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or("");
        if path.is_empty() || path == ":memory:" || self.raw.contains("mode=memory") {
            return None;
        }
        Some(std::path::PathBuf::from(path))
    }
}

/// Where a server database lives and how to reach the server without it: what creating a
/// missing database needs (`database "main" { create #true }`).
#[derive(Debug, Clone)]
pub(crate) struct ServerDatabase {
    /// The database's name (PostgreSQL's default when the URL names none: the user's name).
    pub(crate) name: String,
    /// The same server, on its maintenance database (PostgreSQL: `postgres`; MySQL: none).
    pub(crate) maintenance: DbUrl,
    /// A shell command that creates it (`createdb -h 127.0.0.1 -p 5432 -U app shop`).
    pub(crate) create_command: String,
}

impl DbUrl {
    /// The server database this URL names (as the driver reads the URL); `None` for SQLite, a
    /// URL that names none (MySQL), or one the driver cannot read.
    pub(crate) fn server_database(&self) -> Option<ServerDatabase> {
        use std::str::FromStr as _;
        let quote = |text: &str| {
            shlex::try_quote(text).map_or_else(|_| text.to_string(), |q| q.into_owned())
        };
        let has_password = url::Url::parse(&self.raw).is_ok_and(|u| u.password().is_some());
        let (name, maintenance_path, create_command) = match self.dialect {
            Dialect::Sqlite => return None,
            Dialect::Postgres => {
                let options = sqlx::postgres::PgConnectOptions::from_str(&self.raw).ok()?;
                let user = options.get_username().to_string();
                let name = options.get_database().unwrap_or(&user).to_string();
                let command = format!(
                    "createdb -h {} -p {} -U {} {}",
                    quote(options.get_host()),
                    options.get_port(),
                    quote(&user),
                    quote(&name)
                );
                (name, "/postgres", command)
            }
            Dialect::MySql => {
                let options = sqlx::mysql::MySqlConnectOptions::from_str(&self.raw).ok()?;
                let name = options.get_database()?.to_string();
                let sql = format!("CREATE DATABASE `{}`", name.replace('`', "``"));
                let command = format!(
                    "mysql -h {} -P {} -u {}{} -e {}",
                    quote(options.get_host()),
                    options.get_port(),
                    quote(options.get_username()),
                    if has_password { " -p" } else { "" },
                    quote(&sql)
                );
                (name, "", command)
            }
        };
        let mut maintenance = url::Url::parse(&self.raw).ok()?;
        maintenance.set_path(maintenance_path);
        Some(ServerDatabase {
            name,
            maintenance: DbUrl {
                raw: maintenance.to_string(),
                dialect: self.dialect,
            },
            create_command,
        })
    }
}

/// How an error names a URL of an unsupported engine: `` `redis://…` ``, never the rest.
fn describe_unsupported(raw: &str) -> String {
    match raw.split_once(':') {
        Some((scheme, _))
            if !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) =>
        {
            format!("`{scheme}:…`")
        }
        _ => "(it has no scheme)".to_owned(),
    }
}

/// Masks the password of `scheme://user:password@host/...`.
pub(crate) fn mask(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let userinfo = &authority[..at];
    match userinfo.find(':') {
        Some(colon) => format!(
            "{}://{}:****{}",
            &url[..scheme_end],
            &userinfo[..colon],
            &rest[at..]
        ),
        None => url.to_string(),
    }
}

/// A relative SQLite path resolved against `base` (the manifest's directory), so
/// `sqlite://var/app.db` means the same file wherever backendctl runs from.
pub(crate) fn anchor_sqlite_url(url: &str, base: &Path) -> String {
    let (scheme, rest) = if let Some(rest) = url.strip_prefix("sqlite://") {
        ("sqlite://", rest)
    } else if let Some(rest) = url.strip_prefix("sqlite:") {
        ("sqlite:", rest)
    } else {
        return url.to_owned();
    };
    let (path, query) = rest
        .split_once('?')
        .map_or((rest, None), |(p, q)| (p, Some(q)));
    if path.is_empty() || path == ":memory:" || Path::new(path).is_absolute() {
        return url.to_owned();
    }
    let absolute = base.join(path);
    match query {
        Some(query) => format!("{scheme}{}?{query}", absolute.display()),
        None => format!("{scheme}{}", absolute.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_passwords() {
        assert_eq!(
            mask("postgres://u:s3cr@t@h:5432/db?x=1"),
            "postgres://u:****@h:5432/db?x=1"
        );
        assert_eq!(mask("mysql://root@h/db"), "mysql://root@h/db");
        assert_eq!(mask("sqlite://var/x.db"), "sqlite://var/x.db");
    }

    #[test]
    fn detects_engines() {
        assert_eq!(
            DbUrl::parse("postgresql://h/db").unwrap().dialect,
            Dialect::Postgres
        );
        assert_eq!(DbUrl::parse("mariadb://h/db").unwrap().raw, "mysql://h/db");
        let s = DbUrl::parse("sqlite://var/shop.db?mode=rwc").unwrap();
        assert_eq!(
            s.sqlite_path().unwrap(),
            std::path::PathBuf::from("var/shop.db")
        );
        assert!(
            DbUrl::parse("sqlite::memory:")
                .unwrap()
                .sqlite_path()
                .is_none()
        );
        assert!(DbUrl::parse("redis://x").is_err());
        let unsupported = |raw| match DbUrl::parse(raw) {
            Err(MigrateError::UnsupportedUrl { url }) => url,
            _ => panic!("{raw} is not supported"),
        };
        assert_eq!(unsupported("redis://u:pw@x"), "`redis:…`");
        assert_eq!(unsupported("supersecret123"), "(it has no scheme)");
    }

    #[test]
    fn server_databases_and_how_to_create_them() {
        let pg = DbUrl::parse("postgres://app:pw@db.local:5433/shop%20db?sslmode=disable")
            .unwrap()
            .server_database()
            .unwrap();
        assert_eq!(pg.name, "shop db");
        assert_eq!(
            pg.maintenance.raw,
            "postgres://app:pw@db.local:5433/postgres?sslmode=disable"
        );
        assert_eq!(
            pg.create_command,
            "createdb -h db.local -p 5433 -U app 'shop db'"
        );
        let default_name = DbUrl::parse("postgres://app@h")
            .unwrap()
            .server_database()
            .unwrap();
        assert_eq!(default_name.name, "app");
        assert_eq!(
            default_name.create_command,
            "createdb -h h -p 5432 -U app app"
        );
        let my = DbUrl::parse("mariadb://root:pw@127.0.0.1:3306/shop")
            .unwrap()
            .server_database()
            .unwrap();
        assert_eq!(my.maintenance.raw, "mysql://root:pw@127.0.0.1:3306");
        assert_eq!(
            my.create_command,
            "mysql -h 127.0.0.1 -P 3306 -u root -p -e 'CREATE DATABASE `shop`'"
        );
        assert!(
            DbUrl::parse("mysql://root@h")
                .unwrap()
                .server_database()
                .is_none()
        );
        assert!(
            DbUrl::parse("sqlite://x.db")
                .unwrap()
                .server_database()
                .is_none()
        );
    }
}
