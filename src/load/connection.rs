//! One virtual user's connection to the target.
//!
//! Plain `http://` with HTTP/1.1 — the common case, and the one the throughput goal is measured
//! on — goes through [`Http1Connection`], a minimal client run inside the virtual user's own
//! task. On two cores shared with the target the generator's CPU and memory per request *are*
//! the score (see `docs/load.md`). `https://` and HTTP/2 go through reqwest with rustls, which
//! brings TLS, ALPN and the `insecure` opt-in for self-signed local certificates.

use std::sync::atomic::{AtomicU64, Ordering};

use bytes::BytesMut;
use http::HeaderMap;
use http::header::CONTENT_TYPE;

use crate::load::error_category::ErrorCategory;
use crate::load::exchange::{Exchange, keep_bytes};
use crate::load::http1_connection::Http1Connection;
use crate::load::request_spec::RenderedRequest;
use crate::load::workload::ClientOptions;

/// A virtual user's connection.
pub(crate) enum Connection {
    Lean(Http1Connection),
    Pooled(reqwest::Client),
}

impl Connection {
    /// A connection suited to `url` and the client options.
    pub(crate) fn new(url: &url::Url, options: ClientOptions) -> Result<Self, ErrorCategory> {
        if matches!(url.scheme(), "http" | "https") && !options.http2 {
            return Ok(Self::Lean(Http1Connection::new(
                options.keep_alive,
                options.insecure,
            )));
        }
        crate::http_client::install_crypto_provider();
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
    ///
    /// The bytes of the request that were written are added to `sent` as they leave, also
    /// when the request then fails or is cancelled: a request that never connected sent
    /// nothing. On the lean connection the count is exact (every write to the socket); through
    /// reqwest, which does not say what it wrote, the request's size is counted once reqwest
    /// reports it sent (an answer, or a failure after the connection was made), and a request
    /// cancelled by its timeout counts nothing.
    pub(crate) async fn exchange(
        &mut self,
        request: &RenderedRequest,
        keep_body: bool,
        keep_headers: bool,
        sent: &AtomicU64,
    ) -> Result<Exchange, ErrorCategory> {
        match self {
            Self::Lean(lean) => lean.exchange(request, keep_body, keep_headers, sent).await,
            Self::Pooled(client) => exchange_pooled(client, request, keep_body, sent).await,
        }
    }

    /// Forgets the current connection (after a timeout leaves it in an unknown state).
    pub(crate) fn reset(&mut self) {
        if let Self::Lean(lean) = self {
            lean.reset();
        }
    }
}

async fn exchange_pooled(
    client: &reqwest::Client,
    request: &RenderedRequest,
    keep_body: bool,
    sent: &AtomicU64,
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
    let mut response = match builder.send().await {
        Ok(response) => response,
        Err(e) => {
            // Nothing left when the connection failed or the request could not be built.
            if !e.is_connect() && !e.is_builder() {
                sent.fetch_add(request.wire_size(), Ordering::Relaxed);
            }
            return Err(ErrorCategory::of_error(&e, e.is_connect()));
        }
    };
    sent.fetch_add(request.wire_size(), Ordering::Relaxed);
    let status = response.status().as_u16();
    let headers = std::mem::take(response.headers_mut());
    let mut bytes_in = head_size(status, &headers);
    let mut kept = keep_body.then(BytesMut::new);
    loop {
        match response.chunk().await {
            Ok(Some(data)) => {
                bytes_in += data.len() as u64;
                keep_bytes(&mut kept, &data);
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

/// Size of a response's status line and headers as sent.
fn head_size(_status: u16, headers: &HeaderMap) -> u64 {
    let lines: usize = headers
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len() + 4)
        .sum();
    (17 + lines + 2) as u64
}
