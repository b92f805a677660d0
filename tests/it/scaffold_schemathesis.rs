//! An independent tester against the generated REST backends: schemathesis (`--checks all`) reads
//! each stack's own `/openapi.json` and attacks the running server — every feature, a bearer
//! token from register + login, the machine's PostgreSQL and Redis. Any finding fails the test.
//!
//! schemathesis is the one pinned in `tests/python-tools.txt`, in the Python tools' virtualenv;
//! `schemathesis.toml` below holds the one documented exception (docs/scaffold.md). Opt-in like
//! the npm matrix (`CI` or `BACKENDCTL_SCAFFOLD_MATRIX=1`), alone; the cases run and the findings
//! per stack are printed.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use backendctl::exit_code;

use crate::binary::Backendctl;
use crate::common::free_port;
use crate::harness::{Test, trial};
use crate::scaffold_matrix::{NPM_INSTALL, path_with_node_lts, run, target_dir};

pub(crate) fn tests() -> Vec<Test> {
    vec![trial!(
        schemathesis_finds_nothing_against_every_rest_stack,
        needs = [ScaffoldMatrix, Npm, Node, Python, Postgres, Redis],
        exclusive
    )]
}

/// The cursor of `GET /api/products` is opaque: only the values the API handed out are valid,
/// which no JSON Schema can say, so a generated one is a 400 (docs/scaffold.md).
const CONFIG: &str = r#"[[operations]]
include-name = "GET /api/products"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
"#;

/// The `schemathesis` executable: the one pinned in `tests/python-tools.txt`, in the Python
/// tools' virtualenv (`.ci/run` installs it; the Python matrix's `tools` does otherwise).
fn schemathesis() -> PathBuf {
    crate::scaffold_matrix_python::tools().join("schemathesis")
}

/// psql against the test server's maintenance database.
fn psql(sql: &str) {
    let url = crate::harness::server_url("BACKENDCTL_TEST_POSTGRES_URL");
    let output = Command::new("psql")
        .args([url.as_str(), "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .expect("run psql");
    assert!(
        output.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The running server; killed (by its own pid) and its database dropped when dropped.
struct Server {
    child: Child,
    database: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        psql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.database
        ));
    }
}

/// Builds `dir`, migrates a fresh database and starts the server on `port`, answering /health.
fn start(dir: &Path, stack: &str, port: u16) -> Server {
    let database = format!("st_{}_{}", stack.replace('-', "_"), std::process::id());
    psql(&format!("CREATE DATABASE {database}"));
    let base = crate::harness::server_url("BACKENDCTL_TEST_POSTGRES_URL");
    let url = format!(
        "{}/{database}",
        base.rsplit_once('/').expect("a database URL").0
    );
    Backendctl::new()
        .current_dir(dir)
        .args(["migrate", "up", "--database-url", &url])
        .run()
        .assert_status(exit_code::OK);
    run(dir, "npm", &["run", "build"], &[]);
    let child = Command::new("node")
        .arg("dist/server.js")
        .current_dir(dir)
        .env("PATH", path_with_node_lts())
        .env("NODE_ENV", "development")
        .env("PORT", port.to_string())
        .env("LOG_LEVEL", "warn")
        .env("DATABASE_URL", &url)
        .env(
            "REDIS_URL",
            crate::harness::server_url("BACKENDCTL_TEST_REDIS_URL"),
        )
        .env("JWT_SECRET", "schemathesis-secret-schemathesis-secret")
        // The limiter is documented (429) and tested by the project; here it would hide the rest.
        .env("RATE_LIMIT_MAX", "1000000")
        .env("CORS_ORIGIN", "*")
        .stdout(Stdio::null())
        .spawn()
        .expect("start the server");
    let server = Server { child, database };
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{stack} did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

/// Registers a user and logs in with Node's fetch; returns the access token.
fn bearer_token(dir: &Path, port: u16) -> String {
    let script = format!(
        r#"const base = "http://127.0.0.1:{port}/auth";
const init = {{ method: "POST", headers: {{ "content-type": "application/json" }},
  body: JSON.stringify({{ email: "schemathesis@example.com", password: "schemathesis password" }}) }};
const registered = await fetch(base + "/register", init);
if (registered.status !== 201) throw new Error("register: " + registered.status);
const login = await fetch(base + "/login", init);
if (login.status !== 200) throw new Error("login: " + login.status);
console.log((await login.json()).accessToken);"#
    );
    let (out, _) = run(dir, "node", &["--input-type=module", "-e", &script], &[]);
    out.trim().to_owned()
}

fn schemathesis_finds_nothing_against_every_rest_stack() {
    let work = tempfile::tempdir().unwrap();
    let config = work.path().join("schemathesis.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let mut report = Vec::new();
    let mut failed = Vec::new();
    for stack in ["express-typescript", "fastify-typescript", "nestjs"] {
        Backendctl::new()
            .current_dir(work.path())
            .args(["scaffold", stack, "--stack", stack])
            .run()
            .assert_status(exit_code::OK);
        let dir = work.path().join(stack);
        run(&dir, "npm", &NPM_INSTALL, &[]);
        let port = free_port();
        let _server = start(&dir, stack, port);
        let token = bearer_token(&dir, port);
        let output = Command::new(schemathesis())
            .arg("--config-file")
            .arg(&config)
            .args([
                "run",
                &format!("http://127.0.0.1:{port}/openapi.json"),
                "--checks",
                "all",
            ])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .args(["--max-examples", "50", "--no-color"])
            .env("NO_COLOR", "1")
            .output()
            .expect("run schemathesis");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        // "Test cases:" is followed by "N generated, M found K unique failures, ..." (or "N passed").
        let cases = stdout
            .lines()
            .skip_while(|line| !line.starts_with("Test cases:"))
            .nth(1)
            .unwrap_or("no summary")
            .trim()
            .to_owned();
        let line = format!("{stack:<20} {cases}");
        eprintln!("{line}");
        report.push(line);
        if !output.status.success() {
            failed.push(format!(
                "--- {stack}\n{stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    std::fs::write(
        target_dir().join("scaffold-schemathesis.txt"),
        report.join("\n") + "\n",
    )
    .unwrap();
    assert!(
        failed.is_empty(),
        "schemathesis found problems:\n{}",
        failed.join("\n")
    );
}
