//! `backendctl migrate lint` on risky files (no database needed).

use backendctl::exit_code;

use crate::binary::{Backendctl, Output};
use crate::harness::{Test, trial};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(postgres_findings_name_rule_file_and_line),
        trial!(mysql_findings),
    ]
}

/// `backendctl migrate --dir DIR lint --dialect DIALECT` on a directory holding `files`.
fn lint(files: &[(&str, &str)], dialect: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    for (n, t) in files {
        std::fs::write(dir.path().join(n), t).unwrap();
    }
    Backendctl::new()
        .args(["migrate", "--dir"])
        .arg(dir.path())
        .args(["lint", "--dialect", dialect])
        .run()
}

fn postgres_findings_name_rule_file_and_line() {
    let output = lint(
        &[
            (
                "0001_users.up.sql",
                "CREATE TABLE users (id int primary key, email text);\nCREATE INDEX users_email ON users (email);\n",
            ),
            (
                "0002_risky.up.sql",
                "-- add a column\nALTER TABLE users ADD COLUMN age int NOT NULL;\nCREATE INDEX users_age ON users (age);\n",
            ),
        ],
        "postgres",
    );
    output
        .assert_status(exit_code::LINT_FINDINGS)
        .stdout_contains("0002_risky.up.sql:2: warning[adding-required-field]")
        .stdout_contains("0002_risky.up.sql:3: warning[require-concurrent-index-creation]")
        // The index on a table created in the same file is fine.
        .stdout_lacks("0001_users.up.sql")
        .stdout_contains("2 finding(s)");
}

fn mysql_findings() {
    lint(
        &[(
            "0001_m.up.sql",
            "ALTER TABLE users MODIFY COLUMN name varchar(10);\n",
        )],
        "mysql",
    )
    .assert_status(exit_code::LINT_FINDINGS)
    .stdout_contains("mysql-column-type-change-copies-table");
    lint(
        &[(
            "0001_m.up.sql",
            "ALTER TABLE users ADD COLUMN age int NOT NULL DEFAULT 0, ALGORITHM=INSTANT;\n",
        )],
        "mysql",
    )
    .assert_status(exit_code::OK);
}
