//! HTTPS through rustls: a self-signed local certificate is refused (category `tls`) unless
//! `--insecure` opts in. The server is `openssl s_server` on a loopback port.

use std::process::{Child, Command, Stdio};

use backendctl::exit_code;

use crate::binary::Backendctl;
use crate::common::free_port;
use crate::harness::{Test, trial};

pub(crate) fn tests() -> Vec<Test> {
    vec![trial!(
        self_signed_certificates_need_the_insecure_opt_in,
        needs = [Openssl]
    )]
}

struct TlsServer(Child);

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(dir: &std::path::Path, port: u16) -> TlsServer {
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ])
        .args(["-keyout", "key.pem", "-out", "cert.pem"])
        .current_dir(dir)
        .stderr(Stdio::null())
        .status()
        .expect("run openssl req");
    assert!(made.success(), "openssl made no certificate");
    let child = Command::new("openssl")
        .args([
            "s_server", "-quiet", "-www", "-cert", "cert.pem", "-key", "key.pem",
        ])
        .args(["-accept", &format!("127.0.0.1:{port}")])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run openssl s_server");
    let server = TlsServer(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return server;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("openssl s_server did not start");
}

fn self_signed_certificates_need_the_insecure_opt_in() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _server = start(dir.path(), port);
    let url = format!("https://127.0.0.1:{port}/");
    // HTTP/1.1 goes through the lean client's own TLS; `--http2` through reqwest (ALPN, which
    // falls back to HTTP/1.1 with this server).
    for client in [&[][..], &["--http2"][..]] {
        let report = Backendctl::new()
            .args(["load", &url, "-n", "3", "-o", "json", "-t", "error-rate<1%"])
            .args(client)
            .run()
            .assert_status(exit_code::THRESHOLD_BREACHED)
            .json();
        assert_eq!(
            report["scenarios"][0]["total"]["errors"]["tls"], 3,
            "{client:?}"
        );
        let report = Backendctl::new()
            .args([
                "load",
                &url,
                "-n",
                "3",
                "-u",
                "1",
                "-o",
                "json",
                "--insecure",
            ])
            .args(client)
            .run()
            .assert_status(exit_code::OK)
            .json();
        assert_eq!(
            report["scenarios"][0]["total"]["statuses"]["200"], 3,
            "{client:?}"
        );
    }
}
