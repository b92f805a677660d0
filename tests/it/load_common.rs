//! Helpers for the load, mock and report tests: a real `backendctl mock` process as the
//! target (on a port the OS picks), and reading `run.json` output.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;

use crate::binary::{Backendctl, Spawned};

/// A `backendctl mock` process serving one mock of a manifest; killed when dropped.
pub(crate) struct MockProcess {
    process: Spawned,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base: String,
    _dir: tempfile::TempDir,
}

impl MockProcess {
    /// Serves `routes` (KDL `route` nodes) as mock `target` on a free loopback port.
    #[must_use]
    pub(crate) fn start(routes: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let manifest = format!(
            "backend version=1\nmock \"target\" {{\n    listen \"127.0.0.1:1\"\n{routes}\n}}\n"
        );
        let path = dir.path().join("mock.kdl");
        std::fs::write(&path, manifest).expect("write manifest");
        let mut process = Backendctl::new()
            .arg("mock")
            .arg(&path)
            .args(["--listen", "127.0.0.1:0"])
            .spawn(Stdio::piped(), Stdio::inherit());
        let stdout = process.child().stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the listening line");
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_owned();
        Self {
            process,
            base,
            _dir: dir,
        }
    }

    /// A URL on the mock.
    #[must_use]
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `127.0.0.1:PORT`.
    #[must_use]
    pub(crate) fn authority(&self) -> String {
        self.base.trim_start_matches("http://").to_owned()
    }
}

impl Drop for MockProcess {
    fn drop(&mut self) {
        let _ = self.process.child().kill();
        let _ = self.process.child().wait();
    }
}

/// Parses JSON output.
#[must_use]
pub(crate) fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Reads a JSON file.
#[must_use]
pub(crate) fn json_file(path: &Path) -> serde_json::Value {
    json(&std::fs::read_to_string(path).expect("read JSON file"))
}

/// Sends one raw HTTP/1.1 request and returns the whole response as text.
#[must_use]
pub(crate) fn raw_request(authority: &str, request: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(authority).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("timeout");
    stream.write_all(request.as_bytes()).expect("write");
    let mut out = String::new();
    let _ = stream.read_to_string(&mut out);
    out
}

/// A loopback target that accepts every connection and never answers (nor closes): what a
/// stuck server looks like from the outside. Its connections are held until it is dropped.
pub struct SilentTarget {
    /// `127.0.0.1:PORT`.
    pub authority: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    accepting: Option<std::thread::JoinHandle<()>>,
}

impl SilentTarget {
    /// Listens on a free loopback port.
    #[must_use]
    pub fn start() -> Self {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let authority = listener.local_addr().expect("address").to_string();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopping = std::sync::Arc::clone(&stop);
        let accepting = std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming() {
                if stopping.load(Ordering::Acquire) {
                    break;
                }
                if let Ok(stream) = stream {
                    held.push(stream);
                }
            }
        });
        Self {
            authority,
            stop,
            accepting: Some(accepting),
        }
    }

    /// `http://127.0.0.1:PORT/`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}/", self.authority)
    }
}

impl Drop for SilentTarget {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Release);
        // Wakes the accepting thread, which then sees `stop` and drops every connection.
        let _ = std::net::TcpStream::connect(&self.authority);
        if let Some(thread) = self.accepting.take() {
            let _ = thread.join();
        }
    }
}

/// A keep-alive HTTP/1.1 target on a free loopback port, one thread per connection, living as
/// long as the test process: `answer` gets each request's line (`GET /x HTTP/1.1\r\n`) and
/// header lines and returns the whole response. Requests have no body.
pub(crate) fn http_target(
    answer: impl Fn(&str, &[String]) -> String + Send + Sync + 'static,
) -> u16 {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let answer = std::sync::Arc::new(answer);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let answer = std::sync::Arc::clone(&answer);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
                let mut writer = stream;
                loop {
                    let mut request_line = String::new();
                    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut headers = Vec::new();
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        headers.push(line);
                    }
                    let response = answer(&request_line, &headers);
                    if writer.write_all(response.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}
