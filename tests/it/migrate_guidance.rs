//! What backendctl tells a person to do next is true (issue 12, items 10 and 11): every suggested
//! command is one exact command for the context it ran in, and each test here runs the commands
//! it was given, parsed from the output, and checks they work; a plan whose step apply will
//! refuse says so as an error and fails.

use std::path::Path;

use backendctl::exit_code;

use crate::binary::{Backendctl, Output};
use crate::common::Workspace;
use crate::harness::{Test, trial};
use crate::migrate_support::{Kind, TestDb, flat, per_engine, write};

pub(crate) fn tests() -> Vec<Test> {
    per_engine!(a_failed_migration_suggests_commands_that_run_as_printed)
        .into_iter()
        .chain([
            trial!(drift_has_one_command_in_plan_apply_and_status),
            trial!(ad_hoc_commands_repeat_the_database_and_the_directory),
            trial!(
                mariadb_a_first_statement_that_fails_needs_no_resolve,
                needs = [MariaDb]
            ),
            trial!(
                mariadb_a_failure_under_apply_suggests_manifest_commands,
                needs = [MariaDb]
            ),
            trial!(plan_marks_a_blocked_step_as_an_error_and_fails),
        ])
        .collect()
}

/// Every `` `backendctl …` `` span of `text`, in order, once each (miette's wrapping undone).
fn suggestions(text: &str) -> Vec<String> {
    let flat = flat(text);
    let mut found: Vec<String> = Vec::new();
    for (i, span) in flat.split('`').enumerate() {
        if i % 2 == 1 && span.starts_with("backendctl ") && !found.iter().any(|f| f == span) {
            found.push(span.to_string());
        }
    }
    found
}

/// The one suggestion of `text` that contains `needle`.
fn suggestion(text: &str, needle: &str) -> String {
    let matching: Vec<String> = suggestions(text)
        .into_iter()
        .filter(|s| s.contains(needle))
        .collect();
    assert_eq!(matching.len(), 1, "one `{needle}` command in:\n{text}");
    matching[0].clone()
}

/// The `resolve` commands `text` suggests, in order.
fn resolve_commands(text: &str) -> Vec<String> {
    suggestions(text)
        .into_iter()
        .filter(|s| s.contains(" resolve "))
        .collect()
}

/// Runs `command` as a shell would in `dir`: words split as the shell splits them, a `$NAME`
/// word taken from `env`, which is also the process's environment.
fn run_suggested(command: &str, dir: &Path, env: &[(&str, &str)]) -> Output {
    let words = shlex::split(command).unwrap_or_else(|| panic!("not shell words: {command}"));
    assert_eq!(words[0], "backendctl", "{command}");
    let args = words[1..].iter().map(|word| match word.strip_prefix('$') {
        Some(name) => env
            .iter()
            .find(|(key, _)| *key == name)
            .unwrap_or_else(|| panic!("{command} needs ${name}"))
            .1
            .to_string(),
        None => word.clone(),
    });
    let mut backendctl = Backendctl::new().current_dir(dir).args(args);
    for (key, value) in env {
        backendctl = backendctl.env(key, value);
    }
    backendctl.run()
}

const MANIFEST: &str = r#"backend version=1
database "main" {
    url "sqlite://var/app.db"
}
migrations "schema" {
    database "main"
    path "db"
}
"#;

/// A workspace with `MANIFEST` and three SQLite migrations (users, orders, items).
fn sqlite_workspace() -> Workspace {
    let workspace = Workspace::new(MANIFEST);
    std::fs::create_dir_all(workspace.join("db")).unwrap();
    write(
        &workspace.join("db"),
        &[
            ("0001_users.up.sql", "CREATE TABLE users (id int);\n"),
            ("0002_orders.up.sql", "CREATE TABLE orders (id int);\n"),
            ("0003_items.up.sql", "CREATE TABLE items (id int);\n"),
        ],
    );
    workspace
}

/// Regression (issue 12): for one drifted migration `plan` suggested `backendctl migrate repair
/// 2` (no set), `apply` `backendctl migrate -D <main> --dir /abs/db --migrations schema repair 2`
/// (a placeholder) and `status` a third command. Now all three say the same command, and it
/// works; with `-f`, the command names the manifest.
fn drift_has_one_command_in_plan_apply_and_status() {
    let workspace = sqlite_workspace();
    workspace
        .run(&["apply", "--yes"])
        .assert_status(exit_code::OK);
    write(
        &workspace.join("db"),
        &[("0002_orders.up.sql", "CREATE TABLE orders (id bigint);\n")],
    );
    let expected = "backendctl migrate --migrations schema repair 2";

    let plan = workspace
        .run(&["plan"])
        .assert_status(exit_code::PLAN_BLOCKED);
    let apply = workspace
        .run(&["apply", "--yes"])
        .assert_status(exit_code::ERROR);
    let status = workspace
        .run(&["migrate", "status"])
        .assert_status(exit_code::ERROR);
    for (what, output) in [("plan", &plan), ("apply", &apply), ("status", &status)] {
        assert_eq!(
            suggestions(&output.text()),
            [expected],
            "{what}:\n{}",
            output.text()
        );
    }

    run_suggested(expected, workspace.path(), &[]).assert_status(exit_code::OK);
    workspace.run(&["plan"]).assert_status(exit_code::OK);
    workspace
        .run(&["migrate", "status"])
        .assert_status(exit_code::OK);

    // Another manifest file: the command names it.
    std::fs::rename(workspace.join("backend.kdl"), workspace.join("deploy.kdl")).unwrap();
    write(
        &workspace.join("db"),
        &[("0001_users.up.sql", "CREATE TABLE users (id bigint);\n")],
    );
    let plan = workspace
        .run(&["-f", "deploy.kdl", "plan"])
        .assert_status(exit_code::PLAN_BLOCKED);
    let command = suggestion(&plan.text(), "repair 1");
    assert_eq!(
        command,
        "backendctl -f deploy.kdl migrate --migrations schema repair 1"
    );
    run_suggested(&command, workspace.path(), &[]).assert_status(exit_code::OK);
    workspace
        .run(&["-f", "deploy.kdl", "plan"])
        .assert_status(exit_code::OK);
}

/// Ad hoc, the suggested command repeats the `-D`, `--dir` and `--migrations` of the command
/// that printed it (status's lacked `-D` and exited 64); a URL from `DATABASE_URL` is written as
/// `"$DATABASE_URL"`, never printed.
fn ad_hoc_commands_repeat_the_database_and_the_directory() {
    let db = TestDb::new(Kind::Sqlite, "adhoc_hint");
    db.migrations("m");
    write(
        &db.dir.path().join("m"),
        &[
            ("0001_users.up.sql", "CREATE TABLE users (id int);\n"),
            ("0002_orders.up.sql", "CREATE TABLE orders (id int);\n"),
        ],
    );
    let here = db.dir.path();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut backendctl = Backendctl::new().current_dir(here).args(args);
        for (key, value) in env {
            backendctl = backendctl.env(key, value);
        }
        backendctl.run()
    };
    let set = ["migrate", "--dir", "m", "--migrations", "core"];
    let with_url = [&["migrate", "-D", &db.url][..], &set[1..]].concat();
    run(&[&with_url[..], &["up"]].concat(), &[]).assert_status(exit_code::OK);
    write(
        &here.join("m"),
        &[("0002_orders.up.sql", "CREATE TABLE orders (id bigint);\n")],
    );

    let up = run(&[&with_url[..], &["up"]].concat(), &[]).assert_status(exit_code::ERROR);
    let status = run(&[&with_url[..], &["status"]].concat(), &[]).assert_status(exit_code::ERROR);
    let command = suggestion(&up.text(), "repair 2");
    assert_eq!(suggestions(&status.text()), std::slice::from_ref(&command));
    assert_eq!(
        shlex::split(&command).unwrap(),
        [
            "backendctl",
            "migrate",
            "-D",
            &db.url,
            "--dir",
            "m",
            "--migrations",
            "core",
            "repair",
            "2"
        ]
    );
    run_suggested(&command, here, &[]).assert_status(exit_code::OK);
    run(&[&with_url[..], &["status"]].concat(), &[]).assert_status(exit_code::OK);

    // The URL from the environment: named, not printed.
    write(
        &here.join("m"),
        &[("0002_orders.up.sql", "CREATE TABLE orders (id text);\n")],
    );
    let env = [("DATABASE_URL", db.url.as_str())];
    let up = run(&[&set[..], &["up"]].concat(), &env).assert_status(exit_code::ERROR);
    let command = suggestion(&up.text(), "repair 2");
    assert_eq!(
        command,
        "backendctl migrate -D \"$DATABASE_URL\" --dir m --migrations core repair 2"
    );
    assert!(!up.text().contains(&db.url), "{}", up.text());
    run_suggested(&command, here, &env).assert_status(exit_code::OK);
    run(&[&set[..], &["status"]].concat(), &env).assert_status(exit_code::OK);
}

/// A migration whose second statement fails, on each engine (ad hoc): the report names the
/// statement and its line, and every command it suggests runs as printed and does what it says.
/// PostgreSQL and SQLite roll the migration back and suggest `up` once the file is fixed;
/// MariaDB ran statement 1, and suggests one `resolve` command per way to settle it, the same
/// ones `status` and a refused `up` print: each is run here, after doing by hand what it asks.
fn a_failed_migration_suggests_commands_that_run_as_printed(kind: Kind) {
    let db = TestDb::new(kind, "failed_hint");
    let m = db.migrations("m");
    let failing = "CREATE TABLE half_a (id int);\n\nINSERT INTO no_such_table VALUES (1);\nCREATE TABLE half_c (id int);\n";
    let fixed = "CREATE TABLE half_a (id int);\n\nINSERT INTO half_a VALUES (1);\nCREATE TABLE half_c (id int);\n";
    write(
        &m,
        &[
            ("0001_first.up.sql", "CREATE TABLE first (id int);\n"),
            ("0002_half.up.sql", failing),
            (
                "0002_half.down.sql",
                "DROP TABLE half_c;\nDROP TABLE half_a;\n",
            ),
        ],
    );
    let here = db.dir.path();
    let up = db
        .migrate(&m, &["up"])
        .assert_status(exit_code::ERROR)
        .text();
    assert!(flat(&up).contains("(statement 2 of 3, line 3)"), "{up}");
    if kind != Kind::MySql {
        let command = suggestion(&up, " up");
        assert_eq!(suggestions(&up), std::slice::from_ref(&command), "{up}");
        write(&m, &[("0002_half.up.sql", fixed)]);
        run_suggested(&command, here, &[]).assert_status(exit_code::OK);
        db.migrate(&m, &["status"]).assert_status(exit_code::OK);
        return;
    }
    // MariaDB: statement 1 ran. One command per way to settle it, everywhere.
    let status = db
        .migrate(&m, &["status"])
        .assert_status(exit_code::ERROR)
        .text();
    let refused = db
        .migrate(&m, &["up"])
        .assert_status(exit_code::ERROR)
        .text();
    let commands = resolve_commands(&up);
    assert_eq!(commands.len(), 3, "{up}");
    assert_eq!(resolve_commands(&status), commands, "{status}");
    assert_eq!(resolve_commands(&refused), commands, "{refused}");
    assert!(!flat(&up).contains("1–0"), "{up}");
    // The report also points at `status`, which shows the failure.
    run_suggested(&suggestion(&up, " status"), here, &[])
        .assert_status(exit_code::ERROR)
        .stdout_contains("statement 1 of 3 ran");

    // Undo statement 1 by hand, then `--rolled-back`: pending again.
    db.exec("DROP TABLE half_a");
    run_suggested(&suggestion(&up, "--rolled-back"), here, &[]).assert_status(exit_code::OK);
    db.migrate(&m, &["status"])
        .assert_status(exit_code::MIGRATIONS_PENDING);

    // It fails the same way; this time finish it by hand, then `--applied`.
    let up = db
        .migrate(&m, &["up"])
        .assert_status(exit_code::ERROR)
        .text();
    db.exec("INSERT INTO half_a VALUES (1); CREATE TABLE half_c (id int)");
    run_suggested(&suggestion(&up, "--applied"), here, &[]).assert_status(exit_code::OK);
    db.migrate(&m, &["status"]).assert_status(exit_code::OK);

    // Once more from the start; fix statement 2, then `--resume` runs statements 2–3.
    db.migrate(&m, &["down", "--yes"])
        .assert_status(exit_code::OK);
    let up = db
        .migrate(&m, &["up"])
        .assert_status(exit_code::ERROR)
        .text();
    write(&m, &[("0002_half.up.sql", fixed)]);
    run_suggested(&suggestion(&up, "--resume"), here, &[]).assert_status(exit_code::OK);
    db.migrate(&m, &["status"]).assert_status(exit_code::OK);
    assert!(db.has_table("half_c"));
}

/// Regression (issue 12): a MariaDB migration whose first statement fails said "keep statements
/// 1–0 unchanged" and asked for a `resolve` although nothing ran. Now it says nothing ran, leaves
/// the migration pending (or, for a revert, applied), and suggests the plain command to run once
/// the file is fixed, which works.
fn mariadb_a_first_statement_that_fails_needs_no_resolve() {
    let db = TestDb::new(Kind::MySql, "first_stmt");
    let m = db.migrations("m");
    write(
        &m,
        &[
            ("0001_ok.up.sql", "CREATE TABLE ok1 (id int);\n"),
            (
                "0002_bad.up.sql",
                "INSERT INTO nope VALUES (1);\nCREATE TABLE b2 (id int);\n",
            ),
            ("0002_bad.down.sql", "DROP TABLE nope;\nDROP TABLE b2;\n"),
        ],
    );
    let here = db.dir.path();
    let up = db
        .migrate(&m, &["up"])
        .assert_status(exit_code::ERROR)
        .text();
    let text = flat(&up);
    for expected in [
        "migrate::first-statement-failed",
        "(statement 1 of 2, line 1)",
        "Nothing of it ran",
        "default/2 is pending, as before",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
    for unexpected in ["resolve", "1–0", "partly"] {
        assert!(!text.contains(unexpected), "{unexpected}\n{text}");
    }
    let command = suggestion(&up, " up");
    assert_eq!(suggestions(&up), std::slice::from_ref(&command));
    let words = shlex::split(&command).unwrap();
    assert!(
        words.windows(2).any(|w| w[0] == "-D" && w[1] == db.url),
        "{command}"
    );
    db.migrate(&m, &["status"])
        .assert_status(exit_code::MIGRATIONS_PENDING)
        .stdout_lacks("failed");

    write(
        &m,
        &[(
            "0002_bad.up.sql",
            "INSERT INTO ok1 VALUES (1);\nCREATE TABLE b2 (id int);\n",
        )],
    );
    run_suggested(&command, here, &[]).assert_status(exit_code::OK);
    assert!(db.has_table("b2"));

    // A revert whose first statement fails: still applied, and `down --yes` once it is fixed.
    let down = db
        .migrate(&m, &["down", "--yes"])
        .assert_status(exit_code::ERROR)
        .text();
    assert!(
        flat(&down).contains("Nothing of it ran: its first statement failed, so default/2 is still applied, as before."),
        "{down}"
    );
    db.migrate(&m, &["status"]).assert_status(exit_code::OK);
    let command = suggestion(&down, " down");
    assert!(command.ends_with(" down --yes"), "{command}");
    write(
        &m,
        &[("0002_bad.down.sql", "DELETE FROM ok1;\nDROP TABLE b2;\n")],
    );
    run_suggested(&command, here, &[]).assert_status(exit_code::OK);
    assert!(!db.has_table("b2"));
    db.migrate(&m, &["status"])
        .assert_status(exit_code::MIGRATIONS_PENDING);
}

/// Regression (issue 12): under `apply`, a MariaDB failure suggested `backendctl migrate -D
/// <main> …`, a placeholder. Now `apply`, `plan` and `migrate status` suggest the same commands
/// on the manifest's set, and the one that fits runs as printed.
fn mariadb_a_failure_under_apply_suggests_manifest_commands() {
    let db = TestDb::new(Kind::MySql, "apply_hint");
    let workspace = Workspace::new(&format!(
        "backend version=1\ndatabase \"main\" {{\n    url \"{}\"\n}}\nmigrations \"schema\" {{\n    database \"main\"\n    path \"db\"\n}}\n",
        db.url
    ));
    std::fs::create_dir_all(workspace.join("db")).unwrap();
    write(
        &workspace.join("db"),
        &[(
            "0001_half.up.sql",
            "CREATE TABLE h1 (id int);\nINSERT INTO nope VALUES (1);\n",
        )],
    );
    let apply = workspace
        .run(&["apply", "--yes"])
        .assert_status(exit_code::ERROR)
        .text();
    run_suggested(&suggestion(&apply, " status"), workspace.path(), &[])
        .assert_status(exit_code::ERROR)
        .stdout_contains("statement 1 of 2 ran");
    let commands = resolve_commands(&apply);
    assert_eq!(
        commands,
        [
            "backendctl migrate --migrations schema resolve 1 --resume",
            "backendctl migrate --migrations schema resolve 1 --rolled-back",
            "backendctl migrate --migrations schema resolve 1 --applied",
        ],
        "{apply}"
    );
    let plan = workspace
        .run(&["plan"])
        .assert_status(exit_code::PLAN_BLOCKED)
        .text();
    assert_eq!(resolve_commands(&plan), commands, "{plan}");
    let status = workspace
        .run(&["migrate", "status"])
        .assert_status(exit_code::ERROR)
        .text();
    assert_eq!(resolve_commands(&status), commands, "{status}");

    write(
        &workspace.join("db"),
        &[(
            "0001_half.up.sql",
            "CREATE TABLE h1 (id int);\nINSERT INTO h1 VALUES (1);\n",
        )],
    );
    run_suggested(&commands[0], workspace.path(), &[]).assert_status(exit_code::OK);
    workspace
        .run(&["plan"])
        .assert_status(exit_code::OK)
        .stdout_contains("up to date (1 applied)");
}

/// Regression (issue 12): a drift that blocks apply was a `warning:` and `plan` exited 0, and the
/// step said "up to date (1 applied)" with 2 applied. The blocked step is `!` with `error:`
/// lines, the counts are right, and `plan` exits 1 (`PLAN_BLOCKED`), with `--detailed-exitcode`
/// and `--json` too.
fn plan_marks_a_blocked_step_as_an_error_and_fails() {
    let workspace = sqlite_workspace();
    std::fs::rename(
        workspace.join("db/0003_items.up.sql"),
        workspace.join("0003_items.up.sql"),
    )
    .unwrap();
    workspace
        .run(&["apply", "--yes"])
        .assert_status(exit_code::OK);
    std::fs::rename(
        workspace.join("0003_items.up.sql"),
        workspace.join("db/0003_items.up.sql"),
    )
    .unwrap();
    write(
        &workspace.join("db"),
        &[("0002_orders.up.sql", "CREATE TABLE orders (id bigint);\n")],
    );
    let plan = workspace
        .run(&["plan"])
        .assert_status(exit_code::PLAN_BLOCKED)
        .stderr_contains("error: apply will refuse migrations.schema");
    let dir = workspace.path().display().to_string();
    insta::with_settings!({filters => vec![(dir.as_str(), "[tmp]")]}, {
        insta::assert_snapshot!("plan-blocked", plan.stdout());
    });
    workspace
        .run(&["plan", "--detailed-exitcode"])
        .assert_status(exit_code::PLAN_BLOCKED);
    let json = workspace
        .run(&["plan", "--json"])
        .assert_status(exit_code::PLAN_BLOCKED)
        .json();
    assert_eq!(json["blocked"], 1, "{json}");
    let step = &json["steps"][1];
    assert_eq!(step["address"], "migrations.schema", "{json}");
    assert!(
        step["errors"][0]
            .as_str()
            .is_some_and(|e| e.contains("repair 2")),
        "{json}"
    );
    assert_eq!(step["warnings"], serde_json::json!([]), "{json}");
}
