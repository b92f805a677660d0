//! `backendctl migrate` through the manifest: with a `backend.kdl` and no `--dir`, commands run
//! on the manifest's sets with their databases' interpolated URLs.

mod common;

use common::{Workspace, stdout};

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
        let file = workspace.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }
    std::fs::create_dir_all(workspace.join("var")).unwrap();
    workspace
}

#[test]
fn status_up_and_down_follow_the_manifest() {
    let workspace = workspace();
    let output = workspace.run(&["migrate", "status"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "pending: {}",
        stdout(&output)
    );
    let text = stdout(&output);
    assert!(
        text.contains("migrations.schema (database.main):"),
        "{text}"
    );
    assert!(text.contains("migrations.seed (database.main):"), "{text}");

    let output = workspace.run(&["migrate", "up"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let text = stdout(&output);
    let schema = text
        .find("applied schema/0001_users")
        .expect("schema applied");
    let seed = text.find("applied seed/0001_admin").expect("seed applied");
    assert!(schema < seed, "sets run in dependency order: {text}");
    assert!(
        workspace.join("var/app.db").exists(),
        "the SQLite path is the manifest's"
    );

    let output = workspace.run(&["migrate", "status"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));

    // Going backwards needs one set.
    let output = workspace.run(&["migrate", "down", "--yes"]);
    assert_eq!(output.status.code(), Some(64));
    let output = workspace.run(&["migrate", "--set", "seed", "down", "--yes"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let output = workspace.run(&["migrate", "status"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "seed pending again: {}",
        stdout(&output)
    );
}

#[test]
fn json_through_the_manifest_is_one_line_per_set_in_order() {
    let workspace = workspace();
    let output = workspace.run(&["migrate", "up", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let lines: Vec<serde_json::Value> = stdout(&output)
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
