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
use backendctl::manifest::model::project::{
    DataLayer, DatabaseEngine, GENERATED_DATA_CHOICES, Stack,
};

use crate::binary::Backendctl;
use crate::common::free_port;
use crate::harness::{Test, trial};
use crate::migrate_support::{Kind, TestDb};
use crate::scaffold_matrix::{DataCell, NPM_INSTALL, path_with_node_lts, run, target_dir};

pub(crate) fn tests() -> Vec<Test> {
    vec![
        trial!(
            schemathesis_finds_nothing_against_every_rest_stack,
            needs = [ScaffoldMatrix, Npm, Node, Python, Postgres, Redis],
            exclusive
        ),
        trial!(
            schemathesis_finds_nothing_through_every_data_layer,
            needs = [
                ScaffoldMatrix,
                Npm,
                Node,
                Python,
                Postgres,
                MariaDb,
                MongoDb,
                Redis
            ],
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

/// Where a target's data lives for one run: a throw-away database on the machine's PostgreSQL or
/// MariaDB (dropped when dropped), or a SecantusDB server of its own.
enum Database {
    Sql(TestDb),
    Mongodb(crate::migrate_mongodb::Server),
}

impl Database {
    fn create(engine: DatabaseEngine, stack: &str) -> Database {
        let name = format!("st_{}", stack.replace('-', "_"));
        match engine {
            DatabaseEngine::Postgresql => Database::Sql(TestDb::new(Kind::Postgres, &name)),
            DatabaseEngine::Mysql => Database::Sql(TestDb::new(Kind::MySql, &name)),
            DatabaseEngine::Mongodb => Database::Mongodb(crate::migrate_mongodb::Server::start()),
        }
    }

    fn url(&self) -> String {
        match self {
            Database::Sql(db) => db.url.clone(),
            Database::Mongodb(server) => server.url_of("schemathesis"),
        }
    }
}

/// The running server; killed (by its own pid) when dropped, then its database.
struct Server {
    child: Child,
    _database: Database,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Builds `dir`, migrates a fresh database on `engine` and starts the server on `port`,
/// answering /health.
fn start(dir: &Path, stack: &str, engine: DatabaseEngine, port: u16) -> Server {
    let database = Database::create(engine, stack);
    let url = database.url();
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
    let server = Server {
        child,
        _database: database,
    };
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

/// A generated backend to attack: a stack on a data layer and engine.
type Target = DataCell;

/// The REST stacks.
const REST_STACKS: [Stack; 3] = [
    Stack::ExpressTypescript,
    Stack::FastifyTypescript,
    Stack::Nestjs,
];

/// Every data layer once beyond the default choice (Kysely on PostgreSQL), on a REST stack: the
/// layers in a fixed order, the stacks in turn, and for each layer the engine attacked least so
/// far (ties to the first it supports), so the security bar is checked through every layer's
/// own repositories and on every engine.
fn data_layer_targets() -> Vec<Target> {
    let default = Target::on_the_default_data_choice(REST_STACKS[0]);
    let mut engines_used: Vec<DatabaseEngine> = vec![default.engine];
    let mut targets = Vec::new();
    for layer in DataLayer::ALL {
        let engines: Vec<DatabaseEngine> = GENERATED_DATA_CHOICES
            .iter()
            .filter(|(l, _)| *l == layer)
            .map(|(_, e)| *e)
            .filter(|e| !(layer == default.layer && *e == default.engine))
            .collect();
        let Some(engine) = engines
            .iter()
            .copied()
            .min_by_key(|e| engines_used.iter().filter(|u| *u == e).count())
        else {
            continue; // the default layer on no other engine
        };
        engines_used.push(engine);
        targets.push(Target {
            stack: REST_STACKS[targets.len() % REST_STACKS.len()],
            layer,
            engine,
        });
    }
    targets
}

/// Scaffolds `target` with every feature into `work` and installs it; returns its directory.
fn scaffold_installed(work: &Path, target: Target) -> PathBuf {
    let name = target.name();
    Backendctl::new()
        .current_dir(work)
        .args(["scaffold", &name, "--stack", target.stack.as_str()])
        .args(["--data-layer", target.layer.as_str()])
        .args(["--database-engine", target.engine.as_str()])
        .run()
        .assert_status(exit_code::OK);
    let dir = work.join(&name);
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
    let targets = REST_STACKS.map(Target::on_the_default_data_choice);
    attack_rest_targets(&targets, "scaffold-schemathesis.txt");
}

/// The same attack through every other data layer (`data_layer_targets`): the layers' own
/// repositories and error mapping under schemathesis, on the real servers.
fn schemathesis_finds_nothing_through_every_data_layer() {
    attack_rest_targets(&data_layer_targets(), "scaffold-schemathesis-data.txt");
}

/// Scaffolds, installs, migrates and starts each target, and runs schemathesis against its own
/// `/openapi.json`; fails with every finding. The cases per target go to `target/<report>`.
fn attack_rest_targets(targets: &[Target], report_file: &str) {
    let work = tempfile::tempdir().unwrap();
    let config = work.path().join("schemathesis.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let mut report = Vec::new();
    let mut failed = Vec::new();
    for &target in targets {
        let name = target.name();
        let dir = scaffold_installed(work.path(), target);
        let port = free_port();
        let _server = start(&dir, &name, target.engine, port);
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
        let line = format!("{name:<45} {cases}");
        eprintln!("{line}");
        report.push(line);
        if !output.status.success() {
            failed.push(format!(
                "--- {name}\n{stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    std::fs::write(target_dir().join(report_file), report.join("\n") + "\n").unwrap();
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
    let target = Target::on_the_default_data_choice(Stack::ApolloGraphql);
    let dir = scaffold_installed(work.path(), target);
    let port = free_port();
    let _server = start(&dir, stack, target.engine, port);
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
