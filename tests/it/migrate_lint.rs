//! `backendctl migrate lint` on risky files (no database needed).

use std::process::Command;

fn lint(files: &[(&str, &str)], dialect: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    for (n, t) in files {
        std::fs::write(dir.path().join(n), t).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_backendctl"))
        .args(["migrate", "--dir"])
        .arg(dir.path())
        .args(["lint", "--dialect", dialect])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn postgres_findings_name_rule_file_and_line() {
    let (code, out) = lint(
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
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("0002_risky.up.sql:2: warning[adding-required-field]"),
        "{out}"
    );
    assert!(
        out.contains("0002_risky.up.sql:3: warning[require-concurrent-index-creation]"),
        "{out}"
    );
    // The index on a table created in the same file is fine.
    assert!(!out.contains("0001_users.up.sql"), "{out}");
    assert!(out.contains("2 finding(s)"), "{out}");
}

#[test]
fn mysql_findings() {
    let (code, out) = lint(
        &[(
            "0001_m.up.sql",
            "ALTER TABLE users MODIFY COLUMN name varchar(10);\n",
        )],
        "mysql",
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("mysql-column-type-change-copies-table"),
        "{out}"
    );
    let (code, out) = lint(
        &[(
            "0001_m.up.sql",
            "ALTER TABLE users ADD COLUMN age int NOT NULL DEFAULT 0, ALGORITHM=INSTANT;\n",
        )],
        "mysql",
    );
    assert_eq!(code, 0, "{out}");
}
