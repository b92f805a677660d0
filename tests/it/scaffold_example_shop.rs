//! `examples/shop` end to end, the whole mission in one `backendctl apply`: scaffold an
//! express-typescript project (and `npm install --strict-allow-scripts` it), migrate a fresh
//! PostgreSQL database with the migrations the scaffold generated, start the project as a
//! service, and run the load scenario with its p95 threshold. A second `plan` is up to date.
//!
//! It installs npm packages, so it runs when `CI` is set (as `.ci/run` does) or when
//! `BACKENDCTL_SCAFFOLD_MATRIX=1` (the `ScaffoldMatrix` requirement; ignored otherwise), alone.
//! The database comes from `BACKENDCTL_TEST_POSTGRES_URL` (see `migrate_support`); under CI an
//! unreachable server fails the test.

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use backendctl::exit_code;

use crate::binary::{Backendctl, Output};
use crate::common::{copy_dir, free_port, rendered_dom};
use crate::harness::{Test, trial};
use crate::migrate_support::{Kind, TestDb};
use crate::scaffold_matrix::path_with_node_lts;

pub(crate) fn tests() -> Vec<Test> {
    vec![trial!(
        the_shop_example_scaffolds_migrates_serves_and_passes_its_load_threshold,
        needs = [ScaffoldMatrix, Postgres, Npm, Node, Chromium],
        exclusive
    )]
}

/// `backendctl ARGS` in `dir`, with `DATABASE_URL` set to `url` and the Node.js LTS the project
/// targets first on `PATH` (for `npm install` and the service).
fn backendctl(dir: &Path, url: &str, args: &[&str]) -> Output {
    Backendctl::new()
        .current_dir(dir)
        .env("PATH", path_with_node_lts())
        .env("DATABASE_URL", url)
        .args(args)
        .run()
}

/// The generated project's server (built by its `prestart` during apply), stopped on drop.
struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the generated server on `port` and returns once `/ready` answers 200.
fn serve(project: &Path, port: u16, database_url: &str) -> Served {
    let child = Command::new("node")
        .arg("dist/server.js")
        .current_dir(project)
        .env("PATH", path_with_node_lts())
        .env("PORT", port.to_string())
        .env("DATABASE_URL", database_url)
        .env("LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start node");
    let served = Served(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    let ready = || -> Option<bool> {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        stream
            .write_all(b"GET /ready HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            .ok()?;
        let mut head = String::new();
        stream.read_to_string(&mut head).ok()?;
        Some(head.starts_with("HTTP/1.1 200"))
    };
    while ready() != Some(true) {
        assert!(
            Instant::now() < deadline,
            "the generated server never became ready"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    served
}

fn the_shop_example_scaffolds_migrates_serves_and_passes_its_load_threshold() {
    let db = TestDb::new(Kind::Postgres, "shop_example");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop"),
        dir.path(),
    );

    let text = backendctl(dir.path(), &db.url, &["apply", "--yes"])
        .assert_status(exit_code::OK)
        .text();
    assert!(text.contains("npm install done"), "{text}");
    assert!(text.contains("migrations.shop done"), "{text}");
    assert!(text.contains("thresholds passed"), "{text}");
    assert!(db.has_table("products"), "the scaffold's migrations ran");

    let text = backendctl(dir.path(), &db.url, &["plan"])
        .assert_status(exit_code::OK)
        .text();
    assert!(text.contains("= project.shop-api"), "{text}");
    assert!(text.contains("= migrations.shop"), "{text}");

    // Swagger UI, as a person sees it: Chromium runs its scripts under the project's
    // Content-Security-Policy (helmet), fetches /openapi.json and draws every operation.
    let port = free_port();
    let _server = serve(&dir.path().join("shop-api"), port, &db.url);
    let dom = rendered_dom(&format!("http://127.0.0.1:{port}/docs"));
    for needle in [
        "data-path=\"/api/products\"",
        "data-path=\"/api/products/{id}\"",
        "opblock opblock-post",
        "opblock opblock-delete",
        "shop-api",
    ] {
        assert!(
            dom.contains(needle),
            "missing {needle:?} in the rendered /docs: {dom}"
        );
    }
}
