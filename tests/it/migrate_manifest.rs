//! `backendctl migrate` through the manifest: with a `backend.kdl` and no `--dir`, commands run
//! on the manifest's sets with their databases' interpolated URLs.

use backendctl::exit_code;

use crate::binary::Output;
use crate::common::Workspace;
use crate::harness::{Test, trial};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(status_up_and_down_follow_the_manifest),
        trial!(json_through_the_manifest_is_one_line_per_set_in_order),
        trial!(a_piped_yes_does_not_confirm_a_revert),
        trial!(a_server_that_never_answers_fails_within_the_connect_timeout),
        trial!(database_url_flag_replaces_the_manifest_url_and_says_so),
        trial!(database_url_flag_is_refused_when_the_sets_use_several_databases),
        trial!(an_explicit_dir_runs_ad_hoc_beside_a_manifest),
    ]
}

const MANIFEST: &str = r#"backend version=1
database "main" {
    url "{{ env.APP_DB | default('sqlite://var/app.db') }}"
}
migrations "schema" {
    database "main"
    path "db/schema"
}
migrations "seed" {
    database "main"
    path "db/seed"
    after "migrations.schema"
}
"#;

fn workspace() -> Workspace {
    let workspace = Workspace::new(MANIFEST);
    for (path, text) in [
        (
            "db/schema/0001_users.up.sql",
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n",
        ),
        ("db/schema/0001_users.down.sql", "DROP TABLE users;\n"),
        (
            "db/seed/0001_admin.up.sql",
            "INSERT INTO users (id, name) VALUES (1, 'admin');\n",
        ),
        (
            "db/seed/0001_admin.down.sql",
            "DELETE FROM users WHERE id = 1;\n",
        ),
    ] {
        write_file(&workspace, path, text);
    }
    std::fs::create_dir_all(workspace.join("var")).unwrap();
    workspace
}

/// Writes `text` to `path` in the workspace, creating its directories.
fn write_file(workspace: &Workspace, path: &str, text: &str) {
    let file = workspace.join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, text).unwrap();
}

fn status_up_and_down_follow_the_manifest() {
    let workspace = workspace();
    workspace
        .run(&["migrate", "status"])
        .assert_status(exit_code::MIGRATIONS_PENDING)
        .stdout_contains("migrations.schema (database.main):")
        .stdout_contains("migrations.seed (database.main):");

    let output = workspace
        .run(&["migrate", "up"])
        .assert_status(exit_code::OK);
    let text = output.stdout();
    let schema = text
        .find("applied schema/0001_users")
        .expect("schema applied");
    let seed = text.find("applied seed/0001_admin").expect("seed applied");
    assert!(schema < seed, "sets run in dependency order: {text}");
    assert!(
        workspace.join("var/app.db").exists(),
        "the SQLite path is the manifest's"
    );

    workspace
        .run(&["migrate", "status"])
        .assert_status(exit_code::OK);

    // Going backwards needs one set.
    workspace
        .run(&["migrate", "down", "--yes"])
        .assert_status(exit_code::USAGE);
    workspace
        .run(&["migrate", "--migrations", "seed", "down", "--yes"])
        .assert_status(exit_code::OK);
    // The seed is pending again.
    workspace
        .run(&["migrate", "status"])
        .assert_status(exit_code::MIGRATIONS_PENDING);
}

fn json_through_the_manifest_is_one_line_per_set_in_order() {
    let workspace = workspace();
    let output = workspace
        .run(&["migrate", "up", "--json"])
        .assert_status(exit_code::OK);
    let lines: Vec<serde_json::Value> = output
        .stdout()
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect();
    let sets: Vec<&str> = lines.iter().map(|l| l["set"].as_str().unwrap()).collect();
    assert_eq!(sets, ["schema", "seed"]);
    for line in &lines {
        assert_eq!(line["success"], true, "{line}");
        assert_eq!(line["migrations"][0]["version"], 1, "{line}");
        assert_eq!(line["migrations"][0]["action"], "applied", "{line}");
    }
}

/// Only a terminal can confirm a revert: "yes" on a pipe is not an answer, and nothing is
/// reverted without `--yes`.
fn a_piped_yes_does_not_confirm_a_revert() {
    let workspace = workspace();
    workspace
        .run(&["migrate", "up"])
        .assert_status(exit_code::OK);
    workspace
        .backendctl()
        .args(["migrate", "--migrations", "seed", "down"])
        .stdin("yes\n")
        .run()
        .assert_status(exit_code::ERROR)
        .stderr_contains("pass --yes when not running on a terminal");
    workspace
        .run(&["migrate", "status"])
        .assert_status(exit_code::OK);
}

/// A TCP server that accepts connections and never answers (a proxy with nothing behind it),
/// holding every connection open for the life of the test process.
fn silent_server() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    port
}

/// Runs backendctl in `workspace`, killed after 60 s so that a hang fails the test instead of
/// stalling it; returns the output and how long it took.
fn run_bounded(workspace: &Workspace, args: &[&str]) -> (Output, std::time::Duration) {
    let started = std::time::Instant::now();
    let output = workspace
        .backendctl()
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .run();
    (output, started.elapsed())
}

/// Regression (issue 11): a database server that accepts and never answers hung `migrate up`
/// (still waiting at 200 s) and `plan` (60 s) with no output. Connecting is bounded by the
/// database node's `connect-timeout` (or `--connect-timeout`), and the error names the server
/// (password masked), what it waited for and for how long.
fn a_server_that_never_answers_fails_within_the_connect_timeout() {
    let port = silent_server();
    for scheme in ["postgres", "mysql"] {
        let manifest = format!(
            r#"backend version=1
database "main" {{
    url "{scheme}://app:s3cret@127.0.0.1:{port}/app"
    connect-timeout "1s"
}}
migrations "schema" {{
    database "main"
    path "db/schema"
}}
"#
        );
        let workspace = Workspace::new(&manifest);
        std::fs::create_dir_all(workspace.join("db/schema")).unwrap();
        std::fs::write(
            workspace.join("db/schema/0001_t.up.sql"),
            "CREATE TABLE t (id int);\n",
        )
        .unwrap();
        for (args, waited) in [
            (&["migrate", "status"][..], "1s"),
            (&["migrate", "up"][..], "1s"),
            (&["migrate", "--connect-timeout", "2s", "up"][..], "2s"),
            (&["plan"][..], "1s"),
        ] {
            let (output, took) = run_bounded(&workspace, args);
            let err = output.stderr();
            assert_eq!(output.status(), Some(1), "{scheme} {args:?}: {err}");
            assert!(
                took < std::time::Duration::from_secs(20),
                "{scheme} {args:?} took {took:?}"
            );
            for expected in [
                "migrate::connect-timeout",
                &format!("{scheme}://app:****@127.0.0.1:{port}/app"),
                &format!("no answer within {waited} while connecting"),
                "connect-timeout",
            ] {
                assert!(
                    err.contains(expected),
                    "{scheme} {args:?}: {expected}\n{err}"
                );
            }
            assert!(!err.contains("s3cret"), "{err}");
        }
    }
}

/// `-D` beside a manifest used to be ignored without a word: the manifest's database was
/// migrated instead of the one named.
fn database_url_flag_replaces_the_manifest_url_and_says_so() {
    let workspace = workspace();
    let other = workspace.join("var/other.db");
    let url = format!("sqlite://{}", other.display());
    workspace
        .backendctl()
        .env_remove("DATABASE_URL")
        .args([
            "migrate",
            "--migrations",
            "schema",
            "-D",
            url.as_str(),
            "up",
        ])
        .run()
        .assert_status(exit_code::OK)
        .stdout_contains("applied schema/0001_users")
        .stderr_contains("--database-url replaces the URL of");
    assert!(other.exists(), "the flag's database was migrated");
    assert!(
        !workspace.join("var/app.db").exists(),
        "the manifest's database was left alone"
    );
    // Both sets use database.main: one URL stands for it, so all sets may run.
    workspace
        .backendctl()
        .env_remove("DATABASE_URL")
        .args(["migrate", "-D", url.as_str(), "up"])
        .run()
        .assert_status(exit_code::OK)
        .stdout_contains("applied seed/0001_admin");
}

/// Two sets on two SQLite databases: one `--database-url` cannot stand for both.
const TWO_DATABASES: &str = r#"backend version=1
database "main" {
    url "sqlite://var/main.db"
}
database "audit" {
    url "sqlite://var/audit.db"
}
migrations "schema" {
    database "main"
    path "db/schema"
}
migrations "audit" {
    database "audit"
    path "db/audit"
}
"#;

fn database_url_flag_is_refused_when_the_sets_use_several_databases() {
    let workspace = Workspace::new(TWO_DATABASES);
    for (path, text) in [
        (
            "db/schema/0001_users.up.sql",
            "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
        ),
        ("db/schema/0001_users.down.sql", "DROP TABLE users;\n"),
        (
            "db/audit/0001_events.up.sql",
            "CREATE TABLE events (id INTEGER PRIMARY KEY);\n",
        ),
        ("db/audit/0001_events.down.sql", "DROP TABLE events;\n"),
    ] {
        write_file(&workspace, path, text);
    }
    std::fs::create_dir_all(workspace.join("var")).unwrap();
    let other = workspace.join("var/other.db");
    let url = format!("sqlite://{}", other.display());
    let refused = workspace
        .backendctl()
        .env_remove("DATABASE_URL")
        .args(["migrate", "-D", url.as_str(), "up"])
        .run()
        .assert_status(exit_code::USAGE)
        .stdout_lacks("applied");
    insta::assert_snapshot!("url-for-several-databases", refused.stderr());
    for database in ["var/other.db", "var/main.db", "var/audit.db"] {
        assert!(
            !workspace.join(database).exists(),
            "{database}: nothing is migrated (or created) before the refusal"
        );
    }
    // One set chosen: one database, so the same flag is accepted.
    workspace
        .backendctl()
        .env_remove("DATABASE_URL")
        .args(["migrate", "--migrations", "audit", "-D", url.as_str(), "up"])
        .run()
        .assert_status(exit_code::OK)
        .stdout_contains("applied audit/0001_events");
    assert!(other.exists(), "the flag's database was migrated");
}

/// `--dir migrations` is explicit even though it is the default's name: it runs ad hoc.
fn an_explicit_dir_runs_ad_hoc_beside_a_manifest() {
    let workspace = workspace();
    let ad_hoc = workspace.join("migrations/0001_things.up.sql");
    std::fs::create_dir_all(ad_hoc.parent().unwrap()).unwrap();
    std::fs::write(&ad_hoc, "CREATE TABLE things (id INTEGER PRIMARY KEY);\n").unwrap();
    std::fs::write(
        workspace.join("migrations/0001_things.down.sql"),
        "DROP TABLE things;\n",
    )
    .unwrap();
    let url = format!("sqlite://{}", workspace.join("var/adhoc.db").display());
    workspace
        .backendctl()
        .env_remove("DATABASE_URL")
        .args(["migrate", "--dir", "migrations", "-D", url.as_str(), "up"])
        .run()
        .assert_status(exit_code::OK)
        .stdout_contains("applied default/0001_things");
    assert!(!workspace.join("var/app.db").exists());
}
