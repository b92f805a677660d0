//! The `database` and `migrations` executors as the manifest engine calls them.

use backendctl::manifest::model::database::Database;
use backendctl::manifest::model::migrations::Migrations;
use backendctl::migrate::target::{self, DatabaseTarget, SetAction, SetTarget};

use crate::harness::{Test, trial};
use crate::migrate_support::{Kind, TestDb, write};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(executor_postgres, needs = [Postgres]),
        trial!(executor_mariadb, needs = [MariaDb]),
        trial!(executor_sqlite),
    ]
}

fn run(kind: Kind) {
    let db = TestDb::new(kind, "executor");
    let base = db.dir.path().to_path_buf();
    write(
        &db.migrations("schema"),
        &[(
            "0001_users.up.sql",
            "CREATE TABLE users (id int primary key, email text);\n",
        )],
    );
    write(
        &db.migrations("reference"),
        &[
            (
                "0001_seed.up.sql",
                "INSERT INTO users VALUES (1, 'a@example.com');\n",
            ),
            (
                "0002_index.up.sql",
                "CREATE INDEX users_email ON users (email);\n",
            ),
        ],
    );
    let database = Database {
        url: "ignored: interpolated by the engine".into(),
        lock_timeout: Some("30s".to_string()),
        connect_timeout: None,
        statement_timeout: None,
        session_sql: None,
        create: false,
        after: vec![],
    };
    let target = DatabaseTarget::from_model("main", &database, &db.url).unwrap();
    let manifest = std::path::Path::new("backend.kdl");
    let schema = Migrations {
        database: "main".into(),
        path: "schema".into(),
        after: vec![],
        allow_out_of_order: false,
        ignore_missing: false,
    };
    let reference = Migrations {
        after: vec!["migrations.schema".into()],
        path: "reference".into(),
        ..schema.clone()
    };
    let sets = vec![
        SetTarget::from_model("reference-data", &reference, manifest, &base),
        SetTarget::from_model("schema", &schema, manifest, &base),
    ];
    let ordered = target::order_sets(&sets).unwrap();
    assert_eq!(ordered[0].name, "schema");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db_plan = target::plan_database_node(&target);
    if kind == Kind::Sqlite {
        assert!(db_plan.create.is_some(), "{db_plan:?}");
    }
    let plans = rt
        .block_on(target::plan_database(&target, &ordered))
        .unwrap();
    assert_eq!(plans[0].action(), SetAction::Run);
    assert_eq!(plans[0].pending.len(), 1);
    assert_eq!(plans[1].pending.len(), 2);
    // Lint warnings show in the plan: an index on a table created by another migration.
    if kind == Kind::Postgres {
        assert!(
            plans[1]
                .warnings
                .iter()
                .any(|w| w.contains("require-concurrent-index-creation")),
            "{:?}",
            plans[1].warnings
        );
    }
    assert!(
        plans[1].summary().contains("2 pending migrations"),
        "{}",
        plans[1].summary()
    );
    // Planning created nothing.
    if kind == Kind::Sqlite {
        assert!(
            target::plan_database_node(&target).create.is_some(),
            "planning created the SQLite file"
        );
    } else {
        assert!(!db.has_table("backendctl_migrations"));
    }
    rt.block_on(target::apply_database_node(&target)).unwrap();
    for set in &ordered {
        rt.block_on(target::apply_set(&target, set, true)).unwrap();
    }
    let again = rt
        .block_on(target::plan_database(&target, &ordered))
        .unwrap();
    assert!(
        again.iter().all(|p| p.action() == SetAction::UpToDate),
        "{again:?}"
    );
    assert_ne!(again[1].fingerprint, plans[1].fingerprint);
    // Drift blocks the plan.
    write(
        &base.join("schema"),
        &[(
            "0001_users.up.sql",
            "CREATE TABLE users (id bigint primary key, email text);\n",
        )],
    );
    let drifted = rt
        .block_on(target::plan_database(&target, &ordered))
        .unwrap();
    assert_eq!(drifted[0].action(), SetAction::Blocked);
    assert!(
        drifted[0].problems[0].contains("drifted"),
        "{:?}",
        drifted[0].problems
    );
    assert!(
        rt.block_on(target::apply_set(&target, &ordered[0], true))
            .is_err()
    );
}

fn executor_postgres() {
    run(Kind::Postgres);
}

fn executor_mariadb() {
    run(Kind::MySql);
}

fn executor_sqlite() {
    run(Kind::Sqlite);
}
