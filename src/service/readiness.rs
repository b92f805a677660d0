//! Readiness probes: an HTTP GET answered with 2xx, or a TCP connect.

use std::time::Duration;

/// How long one probe attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);

/// A readiness probe.
#[derive(Debug, Clone)]
pub enum Probe {
    /// Ready when a GET answers 2xx.
    Http(reqwest::Url),
    /// Ready when a TCP connection opens.
    Tcp(String),
}

impl Probe {
    /// Parses `http(s)://…` or `tcp://host:port`.
    ///
    /// # Errors
    /// Why the target is not a probe.
    pub fn parse(target: &str) -> Result<Self, String> {
        // The one rule, which `validate` applies to every `ready` target too.
        crate::manifest::rules::readiness_target(target).map_err(|v| v.reason)?;
        if let Some(address) = target.strip_prefix("tcp://") {
            return Ok(Probe::Tcp(address.trim_end_matches('/').to_owned()));
        }
        let url = reqwest::Url::parse(target).map_err(|error| error.to_string())?;
        match url.scheme() {
            "http" | "https" => Ok(Probe::Http(url)),
            other => Err(format!("unsupported scheme `{other}`")),
        }
    }

    /// One attempt: whether the target answered.
    pub async fn check(&self) -> bool {
        match self {
            Probe::Tcp(address) => matches!(
                tokio::time::timeout(ATTEMPT_TIMEOUT, tokio::net::TcpStream::connect(address))
                    .await,
                Ok(Ok(_))
            ),
            Probe::Http(url) => {
                let client = crate::http_client::client();
                match client
                    .get(url.clone())
                    .timeout(ATTEMPT_TIMEOUT)
                    .send()
                    .await
                {
                    Ok(response) => response.status().is_success(),
                    Err(_) => false,
                }
            }
        }
    }
}
