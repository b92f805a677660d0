//! How to spell a follow-up `backendctl migrate` command in the context the user is in, so that
//! every command backendctl suggests (`repair 2`, `resolve 3 --resume`, `up`) can be pasted into
//! the same shell and run as it is (issue 12: `plan`, `apply` and `status` suggested three
//! different commands for one drift, one with a placeholder, one without the database).
//!
//! - Through the manifest (`plan`, `apply`, `migrate` without `--dir`): the manifest names the
//!   database, so the command names the manifest (`-f`, unless it is `backend.kdl`) and the set
//!   (`--migrations NAME`).
//! - Ad hoc (`migrate --dir … -D …`): the same `-D`, `--dir` and `--migrations` the user gave. A URL
//!   that came from `DATABASE_URL` is written as `-D "$DATABASE_URL"`, so no secret is printed and
//!   the command still runs. A URL typed after `-D` is repeated, with its password masked (`****`)
//!   if it has one: backendctl never prints a password; pass such a URL through `DATABASE_URL` to
//!   get commands that run as printed.
//!
//! Paths and URLs are shell-quoted when they need it.

use std::path::Path;

use super::url::mask;

/// The environment variable `migrate -D` falls back to.
pub(crate) const DATABASE_URL_VARIABLE: &str = "DATABASE_URL";

/// Where the ad-hoc database URL came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UrlOrigin<'a> {
    /// `-D URL` on the command line.
    Flag(&'a str),
    /// The named environment variable.
    Variable(&'static str),
}

/// `backendctl migrate -D … --dir … --migrations …`: the prefix of an ad-hoc follow-up command.
/// `dir` and `set` are left out when they are the defaults (`default_dir`, `default_set`).
pub(crate) fn ad_hoc(
    url: Option<UrlOrigin<'_>>,
    dir: &Path,
    set: &str,
    (default_dir, default_set): (&str, &str),
) -> String {
    let mut words = vec!["backendctl".to_string(), "migrate".to_string()];
    match url {
        Some(UrlOrigin::Flag(raw)) => {
            words.push("-D".to_string());
            words.push(quote(&mask(raw)));
        }
        Some(UrlOrigin::Variable(name)) => {
            words.push("-D".to_string());
            words.push(format!("\"${name}\""));
        }
        None => {}
    }
    if dir != Path::new(default_dir) {
        words.push("--dir".to_string());
        words.push(quote(&dir.display().to_string()));
    }
    if set != default_set {
        words.push("--migrations".to_string());
        words.push(quote(set));
    }
    words.join(" ")
}

/// `backendctl [-f MANIFEST] migrate --migrations SET`: the prefix of a follow-up command on a
/// manifest's set (`-f` only when the manifest is not `default_manifest`).
pub(crate) fn manifest(manifest: &Path, default_manifest: &str, set: &str) -> String {
    let file = if manifest == Path::new(default_manifest) {
        String::new()
    } else {
        format!(" -f {}", quote(&manifest.display().to_string()))
    };
    format!("backendctl{file} migrate --migrations {}", quote(set))
}

/// `text` as one shell word (quoted only when it needs it).
fn quote(text: &str) -> String {
    shlex::try_quote(text).map_or_else(|_| text.to_string(), |q| q.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULTS: (&str, &str) = ("migrations", "default");

    #[test]
    fn ad_hoc_commands_repeat_the_flags_without_secrets() {
        assert_eq!(
            ad_hoc(
                Some(UrlOrigin::Flag("postgres://u@h/db?sslmode=disable")),
                Path::new("db dir"),
                "core",
                DEFAULTS
            ),
            "backendctl migrate -D 'postgres://u@h/db?sslmode=disable' --dir 'db dir' --migrations core"
        );
        assert_eq!(
            ad_hoc(
                Some(UrlOrigin::Flag("postgres://u:secret@h/db")),
                Path::new("migrations"),
                "default",
                DEFAULTS
            ),
            "backendctl migrate -D 'postgres://u:****@h/db'"
        );
        assert_eq!(
            ad_hoc(
                Some(UrlOrigin::Variable(DATABASE_URL_VARIABLE)),
                Path::new("m"),
                "default",
                DEFAULTS
            ),
            "backendctl migrate -D \"$DATABASE_URL\" --dir m"
        );
    }

    #[test]
    fn manifest_commands_name_the_manifest_and_the_set() {
        assert_eq!(
            manifest(Path::new("backend.kdl"), "backend.kdl", "schema"),
            "backendctl migrate --migrations schema"
        );
        assert_eq!(
            manifest(Path::new("deploy/my backend.kdl"), "backend.kdl", "schema"),
            "backendctl -f 'deploy/my backend.kdl' migrate --migrations schema"
        );
    }
}
