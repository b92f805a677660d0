//! An independent tester against the generated backends: schemathesis (`--checks all`) reads
//! each REST stack's own `/openapi.json`, or the GraphQL stack's schema by introspection, and
//! attacks the running server — every feature, a bearer token from register + login, the
//! machine's PostgreSQL and Redis. Any finding fails the test.
//!
//! schemathesis is the one pinned in `tests/python-tools.txt`, in the Python tools' virtualenv;
//! `schemathesis.toml` below holds the one documented exception (docs/scaffold.md); the GraphQL
//! stack's input scalars get their value spaces from `GRAPHQL_SCALARS`. Opt-in like
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
    vec![
        trial!(
            schemathesis_finds_nothing_against_every_rest_stack,
            needs = [ScaffoldMatrix, Npm, Node, Python, Postgres, Redis],
            exclusive
        ),
        trial!(
            schemathesis_finds_nothing_against_the_graphql_stack,
            needs = [ScaffoldMatrix, Npm, Node, Python, Postgres, Redis],
            exclusive
        ),
    ]
}

/// The cursor of `GET /api/products` is opaque: only the values the API handed out are valid,
/// which no JSON Schema can say, so a generated one is a 400 (docs/scaffold.md).
const CONFIG: &str = r#"[[operations]]
include-name = "GET /api/products"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
"#;

/// A schemathesis hooks file: what each custom input scalar of the apollo-graphql stack accepts
/// (`src/graphql/scalars.ts`, whose descriptions say it in words), as hypothesis strategies —
/// GraphQL's SDL has no machine-readable form for it, as JSON Schema has for the REST stacks.
/// `UUID` is built in. BMP characters only: a JavaScript string's length counts UTF-16 units.
const GRAPHQL_SCALARS: &str = r#"import base64

import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

chars = st.characters(max_codepoint=0xFFFF, exclude_categories=("Cs",), exclude_characters="\x00")
edge = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
cursor = st.uuids().map(lambda u: base64.urlsafe_b64encode(str(u).encode()).decode().rstrip("="))
schemathesis.graphql.scalar("Cursor", cursor.map(nodes.String))
schemathesis.graphql.scalar("PageSize", st.integers(1, 100).map(nodes.Int))
schemathesis.graphql.scalar("PriceCents", st.integers(0, 2**31 - 1).map(nodes.Int))
schemathesis.graphql.scalar(
    "ProductName",
    st.one_of(edge, st.tuples(edge, st.text(chars, max_size=198), edge).map("".join)).map(nodes.String),
)
email = st.from_regex(r"\A[a-z0-9._-]{1,20}@[a-z0-9]{1,20}\.[a-z]{2,6}\Z")
schemathesis.graphql.scalar("Email", email.map(nodes.String))
schemathesis.graphql.scalar("Password", st.text(chars, min_size=8, max_size=200).map(nodes.String))
schemathesis.graphql.scalar("Token", st.text(chars, min_size=1, max_size=200).map(nodes.String))
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
    // Through the project's own backend.kdl, whose database URL is `DATABASE_URL`.
    Backendctl::new()
        .current_dir(dir)
        .args(["migrate", "up"])
        .env("DATABASE_URL", &url)
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

/// Registers a user and logs in over GraphQL with Node's fetch; returns the access token.
fn graphql_bearer_token(dir: &Path, port: u16) -> String {
    let script = format!(
        r#"const call = async (query) => {{
  const res = await fetch("http://127.0.0.1:{port}/graphql", {{ method: "POST",
    headers: {{ "content-type": "application/json" }}, body: JSON.stringify({{ query }}) }});
  const body = await res.json();
  if (res.status !== 200 || body.errors) throw new Error(JSON.stringify(body));
  return body.data;
}};
const credentials = 'email: "schemathesis@example.com", password: "schemathesis password"';
await call(`mutation {{ register(${{credentials}}) {{ ... on User {{ id }} }} }}`);
const {{ login }} = await call(`mutation {{ login(${{credentials}}) {{ ... on TokenPair {{ accessToken }} }} }}`);
console.log(login.accessToken);"#
    );
    let (out, _) = run(dir, "node", &["--input-type=module", "-e", &script], &[]);
    out.trim().to_owned()
}

/// The line after "Test cases:" in schemathesis' summary: "N generated, M found K unique failures,
/// ..." (or "N generated, N passed").
fn cases_line(stdout: &str) -> String {
    stdout
        .lines()
        .skip_while(|line| !line.starts_with("Test cases:"))
        .nth(1)
        .unwrap_or("no summary")
        .trim()
        .to_owned()
}

/// Scaffolds `stack` with every feature into `work` and installs it; returns its directory.
fn scaffold_installed(work: &Path, stack: &str) -> PathBuf {
    Backendctl::new()
        .current_dir(work)
        .args(["scaffold", stack, "--stack", stack])
        .run()
        .assert_status(exit_code::OK);
    let dir = work.join(stack);
    run(&dir, "npm", &NPM_INSTALL, &[]);
    dir
}

/// `schemathesis` (with its global options) `run URL --checks all` as the bearer of `token`,
/// 50 examples per operation, without colour.
fn attack<'a>(schemathesis: &'a mut Command, url: &str, token: &str) -> &'a mut Command {
    schemathesis
        .args(["run", url, "--checks", "all"])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--max-examples", "50", "--no-color"])
        .env("NO_COLOR", "1")
}

fn schemathesis_finds_nothing_against_every_rest_stack() {
    let work = tempfile::tempdir().unwrap();
    let config = work.path().join("schemathesis.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let mut report = Vec::new();
    let mut failed = Vec::new();
    for stack in ["express-typescript", "fastify-typescript", "nestjs"] {
        let dir = scaffold_installed(work.path(), stack);
        let port = free_port();
        let _server = start(&dir, stack, port);
        let token = bearer_token(&dir, port);
        let output = attack(
            Command::new(schemathesis())
                // Its example database (.schemathesis/) goes to the project, not this repository.
                .current_dir(&dir)
                .arg("--config-file")
                .arg(&config),
            &format!("http://127.0.0.1:{port}/openapi.json"),
            &token,
        )
        .output()
        .expect("run schemathesis");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let cases = cases_line(&stdout);
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

/// The apollo-graphql stack, every feature: schemathesis reads the schema by introspection (on in
/// development) and runs every check against `/graphql`. Its input scalars say what they accept
/// (`GRAPHQL_SCALARS`), and outcomes that depend on the data (no such product, wrong password,
/// email taken) are answers rather than errors, so there is no exception to configure.
fn schemathesis_finds_nothing_against_the_graphql_stack() {
    let stack = "apollo-graphql";
    let work = tempfile::tempdir().unwrap();
    let hooks = work.path().join("graphql_scalars.py");
    std::fs::write(&hooks, GRAPHQL_SCALARS).unwrap();
    let dir = scaffold_installed(work.path(), stack);
    let port = free_port();
    let _server = start(&dir, stack, port);
    let token = graphql_bearer_token(&dir, port);
    let output = attack(
        Command::new(schemathesis())
            .current_dir(&dir)
            .env("SCHEMATHESIS_HOOKS", &hooks),
        &format!("http://127.0.0.1:{port}/graphql"),
        &token,
    )
    .output()
    .expect("run schemathesis");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let line = format!("{stack:<20} {}", cases_line(&stdout));
    eprintln!("{line}");
    std::fs::write(
        target_dir().join("scaffold-schemathesis-graphql.txt"),
        line + "\n",
    )
    .unwrap();
    assert!(
        output.status.success(),
        "schemathesis found problems:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
