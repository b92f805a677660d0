//! One virtual user's connection to the target.
//!
//! Plain `http://` with HTTP/1.1 — the common case, and the one the throughput goal is measured
//! on — goes through a lean hyper client: one `http1` connection per virtual user, no pool, no
//! per-request lookups. Measured against nginx on this 2-core machine, reqwest's pooled client
//! spent noticeably more CPU per request (pool checkout, URL re-parsing, a `tower` stack; see
//! `docs/load.md`), and on two shared cores the generator's CPU per request *is* the
//! throughput. `https://` and HTTP/2 go through reqwest with rustls, which brings TLS, ALPN and
//! the `insecure` opt-in for self-signed local certificates.

use std::sync::Once;

use bytes::{Bytes, BytesMut};
use http::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use http::{HeaderMap, HeaderValue, Request};
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::load::error_category::ErrorCategory;
use crate::load::request_spec::RenderedRequest;
use crate::load::workload::ClientOptions;

/// At most this much of a response body is kept for checks and extraction; the rest is only
/// counted, so a huge body cannot exhaust memory.
const KEPT_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// What came back for one request.
#[derive(Debug)]
pub(crate) struct Exchange {
    pub status: u16,
    pub headers: HeaderMap,
    /// The body, when it was asked for (truncated at 16 MiB).
    pub body: Option<Bytes>,
    /// Status line, headers and body, as received.
    pub bytes_in: u64,
}

/// A virtual user's connection.
pub(crate) enum Connection {
    Lean(LeanConnection),
    Pooled(reqwest::Client),
}

/// A single HTTP/1.1 connection, reopened when the server closes it.
pub(crate) struct LeanConnection {
    keep_alive: bool,
    open: Option<(String, SendRequest<Full<Bytes>>)>,
}

impl Connection {
    /// A connection suited to `url` and the client options.
    pub(crate) fn new(url: &url::Url, options: ClientOptions) -> Result<Self, ErrorCategory> {
        if url.scheme() == "http" && !options.http2 {
            return Ok(Self::Lean(LeanConnection {
                keep_alive: options.keep_alive,
                open: None,
            }));
        }
        static PROVIDER: Once = Once::new();
        PROVIDER.call_once(|| {
            // Another part of the program may have installed one already; either is fine.
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(usize::from(options.keep_alive))
            .tls_danger_accept_invalid_certs(options.insecure);
        if options.http2 && url.scheme() == "http" {
            builder = builder.http2_prior_knowledge();
        } else if !options.http2 {
            builder = builder.http1_only();
        }
        builder
            .build()
            .map(Self::Pooled)
            .map_err(|e| ErrorCategory::of_error(&e, true))
    }

    /// Sends one request and reads its whole response; `keep_body` keeps the body's bytes.
    pub(crate) async fn exchange(
        &mut self,
        request: &RenderedRequest,
        keep_body: bool,
    ) -> Result<Exchange, ErrorCategory> {
        match self {
            Self::Lean(lean) => lean.exchange(request, keep_body).await,
            Self::Pooled(client) => exchange_pooled(client, request, keep_body).await,
        }
    }

    /// Forgets the current connection (after a timeout leaves it in an unknown state).
    pub(crate) fn reset(&mut self) {
        if let Self::Lean(lean) = self {
            lean.open = None;
        }
    }
}

impl LeanConnection {
    async fn connect(&mut self, url: &url::Url) -> Result<(), ErrorCategory> {
        let host = url.host_str().ok_or(ErrorCategory::Other)?;
        let port = url.port_or_known_default().ok_or(ErrorCategory::Other)?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let stream = match TcpStream::connect((host, port)).await {
            Ok(s) => s,
            Err(e) => {
                // A name that does not resolve surfaces as an I/O error of kind `Other` (or
                // `Uncategorized`) from getaddrinfo; anything that parses as an IP did resolve.
                let is_ip = host.parse::<std::net::IpAddr>().is_ok();
                let category = ErrorCategory::of_io(&e, true);
                return Err(if !is_ip && category == ErrorCategory::Connect {
                    ErrorCategory::Dns
                } else {
                    category
                });
            }
        };
        let _ = stream.set_nodelay(true);
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| ErrorCategory::of_error(&e, true))?;
        tokio::spawn(async move {
            // Errors surface on the request side too, where they are categorised.
            let _ = connection.await;
        });
        let authority = authority_of(url);
        self.open = Some((authority, sender));
        Ok(())
    }

    async fn exchange(
        &mut self,
        request: &RenderedRequest,
        keep_body: bool,
    ) -> Result<Exchange, ErrorCategory> {
        let authority = authority_of(&request.url);
        let reusable = self
            .open
            .as_ref()
            .is_some_and(|(a, s)| *a == authority && !s.is_closed());
        if !reusable {
            self.open = None;
            self.connect(&request.url).await?;
        }
        let (_, sender) = self.open.as_mut().expect("connected above");
        if sender.ready().await.is_err() {
            // The server closed the idle connection between requests: reconnect once.
            self.open = None;
            self.connect(&request.url).await?;
        }
        let (_, sender) = self.open.as_mut().expect("connected above");

        let path = match request.url.query() {
            Some(q) => format!("{}?{q}", request.url.path()),
            None => request.url.path().to_owned(),
        };
        let mut builder = Request::builder()
            .method(request.method.clone())
            .uri(path)
            .header(
                HOST,
                HeaderValue::from_str(&authority).map_err(|_| ErrorCategory::Other)?,
            );
        if let Some(ct) = &request.content_type {
            builder = builder.header(CONTENT_TYPE, ct.clone());
        }
        if !self.keep_alive {
            builder = builder.header(CONNECTION, HeaderValue::from_static("close"));
        }
        for (name, value) in &request.headers {
            builder = builder.header(name.clone(), value.clone());
        }
        if !request.body.is_empty() {
            builder = builder.header(CONTENT_LENGTH, request.body.len());
        }
        let hyper_request = builder
            .body(Full::new(request.body.clone()))
            .map_err(|_| ErrorCategory::Other)?;

        let result = async {
            let response = sender
                .send_request(hyper_request)
                .await
                .map_err(|e| ErrorCategory::of_error(&e, false))?;
            let (parts, mut body) = response.into_parts();
            let mut bytes_in = head_size(parts.status.as_u16(), &parts.headers);
            let mut kept = keep_body.then(BytesMut::new);
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| ErrorCategory::of_error(&e, false))?;
                if let Some(data) = frame.data_ref() {
                    bytes_in += data.len() as u64;
                    if let Some(k) = kept.as_mut()
                        && k.len() < KEPT_BODY_LIMIT
                    {
                        let room = KEPT_BODY_LIMIT - k.len();
                        k.extend_from_slice(&data[..data.len().min(room)]);
                    }
                }
            }
            Ok(Exchange {
                status: parts.status.as_u16(),
                headers: parts.headers,
                body: kept.map(BytesMut::freeze),
                bytes_in,
            })
        }
        .await;
        if result.is_err() || !self.keep_alive {
            self.open = None;
        }
        result
    }
}

async fn exchange_pooled(
    client: &reqwest::Client,
    request: &RenderedRequest,
    keep_body: bool,
) -> Result<Exchange, ErrorCategory> {
    let mut builder = client.request(request.method.clone(), request.url.clone());
    if let Some(ct) = &request.content_type {
        builder = builder.header(CONTENT_TYPE, ct.clone());
    }
    for (name, value) in &request.headers {
        builder = builder.header(name.clone(), value.clone());
    }
    if !request.body.is_empty() {
        builder = builder.body(request.body.clone());
    }
    let mut response = builder
        .send()
        .await
        .map_err(|e| ErrorCategory::of_error(&e, e.is_connect()))?;
    let status = response.status().as_u16();
    let headers = std::mem::take(response.headers_mut());
    let mut bytes_in = head_size(status, &headers);
    let mut kept = keep_body.then(BytesMut::new);
    loop {
        match response.chunk().await {
            Ok(Some(data)) => {
                bytes_in += data.len() as u64;
                if let Some(k) = kept.as_mut()
                    && k.len() < KEPT_BODY_LIMIT
                {
                    let room = KEPT_BODY_LIMIT - k.len();
                    k.extend_from_slice(&data[..data.len().min(room)]);
                }
            }
            Ok(None) => break,
            Err(e) => return Err(ErrorCategory::of_error(&e, false)),
        }
    }
    Ok(Exchange {
        status,
        headers,
        body: kept.map(BytesMut::freeze),
        bytes_in,
    })
}

fn authority_of(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    }
}

/// Size of a response's status line and headers as sent.
fn head_size(_status: u16, headers: &HeaderMap) -> u64 {
    let lines: usize = headers
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len() + 4)
        .sum();
    (17 + lines + 2) as u64
}
