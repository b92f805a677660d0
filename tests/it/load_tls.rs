//! HTTPS through rustls: a self-signed local certificate is refused (category `tls`) unless
//! `--insecure` opts in. The server is `openssl s_server` on a loopback port.

mod common;
mod load_common;

use std::process::{Child, Command, Stdio};

struct TlsServer(Child);

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(dir: &std::path::Path, port: u16) -> Option<TlsServer> {
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
        .ok()?;
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
        .ok()?;
    let server = TlsServer(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(server);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("openssl s_server did not start");
}

#[test]
fn self_signed_certificates_need_the_insecure_opt_in() {
    let dir = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let Some(_server) = start(dir.path(), port) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "openssl is needed for the TLS test"
        );
        eprintln!("skipped: no openssl");
        return;
    };
    let url = format!("https://127.0.0.1:{port}/");
    // HTTP/1.1 goes through the lean client's own TLS; `--http2` through reqwest (ALPN, which
    // falls back to HTTP/1.1 with this server).
    for client in [&[][..], &["--http2"][..]] {
        let refused = common::backendctl()
            .args(["load", &url, "-n", "3", "-o", "json", "-t", "error-rate<1%"])
            .args(client)
            .output()
            .unwrap();
        assert_eq!(refused.status.code(), Some(99), "{client:?}");
        let report = load_common::json(&common::stdout(&refused));
        assert_eq!(
            report["scenarios"][0]["total"]["errors"]["tls"], 3,
            "{client:?}"
        );
        let accepted = common::backendctl()
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
            .output()
            .unwrap();
        assert_eq!(
            accepted.status.code(),
            Some(0),
            "{client:?}: {}",
            common::stderr(&accepted)
        );
        let report = load_common::json(&common::stdout(&accepted));
        assert_eq!(
            report["scenarios"][0]["total"]["statuses"]["200"], 3,
            "{client:?}"
        );
    }
}
