//! A minimal HTTP/1.1 client connection for the load engine's hot path.
//!
//! One TCP connection per virtual user (TLS by rustls for `https://`, see `tls.rs`), written and
//! read by the user's own task: the request is
//! serialised into a reused buffer, the response head parsed in place by `httparse`, and the
//! body framed by `Content-Length`, chunked encoding or connection close, and only counted
//! unless a check needs it. Compared with hyper's client connection this saves a second task
//! and a channel per connection (about 9 KB each), an 8 KB header buffer, and two task
//! hand-offs per request — measured with heaptrack and against wrk, see `docs/load.md`.

use std::io::Write as _;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use bytes::{Buf as _, BytesMut};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::load::error_category::ErrorCategory;
use crate::load::exchange::{Exchange, keep_bytes};
use crate::load::request_spec::RenderedRequest;

/// The read buffer's first size; it grows only for larger heads or kept bodies.
const READ_CHUNK: usize = 4096;
/// The largest response head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// The most response headers parsed.
const MAX_HEADERS: usize = 64;

/// One keep-alive HTTP/1.1 connection, reopened when needed.
pub(crate) struct Http1Connection {
    keep_alive: bool,
    /// Accept any certificate on `https://` (local targets with self-signed ones).
    insecure: bool,
    /// The open stream and the `host:port` it goes to.
    open: Option<(String, Stream)>,
    read: BytesMut,
    write: Vec<u8>,
}

/// A plain TCP stream, or TLS over one.
enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Stream {
    fn is_tls(&self) -> bool {
        matches!(self, Self::Tls(_))
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// How the body of a response is delimited.
enum Framing {
    None,
    Length(u64),
    Chunked,
    UntilClose,
}

impl Http1Connection {
    pub(crate) fn new(keep_alive: bool, insecure: bool) -> Self {
        Self {
            keep_alive,
            insecure,
            open: None,
            read: BytesMut::new(),
            write: Vec::new(),
        }
    }

    /// Forgets the connection (its state is unknown after a timeout).
    pub(crate) fn reset(&mut self) {
        self.open = None;
    }

    /// Sends `request` and reads the whole response. Every byte written to the socket is
    /// added to `sent` as it is written, so a request cut short (refused, reset, or cancelled
    /// by its timeout) counts exactly what left, and one that never connected counts nothing.
    pub(crate) async fn exchange(
        &mut self,
        request: &RenderedRequest,
        keep_body: bool,
        keep_headers: bool,
        sent: &AtomicU64,
    ) -> Result<Exchange, ErrorCategory> {
        self.serialise(request);
        let tls = request.url.scheme() == "https";
        let reused = matches!(&self.open,
            Some((a, s)) if same_authority(a, &request.url) && s.is_tls() == tls);
        if !reused {
            let authority = authority_of(&request.url);
            self.connect(request, &authority).await?;
        }
        match self
            .round_trip(request, keep_body, keep_headers, sent)
            .await
        {
            // A kept-alive connection the server closed while idle: retry once on a new one.
            Err(Attempt::Stale) if reused => {
                self.connect(request, &authority_of(&request.url)).await?;
                self.round_trip(request, keep_body, keep_headers, sent)
                    .await
                    .map_err(Attempt::category)
            }
            other => other.map_err(Attempt::category),
        }
    }

    async fn connect(
        &mut self,
        request: &RenderedRequest,
        authority: &str,
    ) -> Result<(), ErrorCategory> {
        self.open = None;
        let url = &request.url;
        let host = url.host_str().ok_or(ErrorCategory::Other)?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let port = url.port_or_known_default().ok_or(ErrorCategory::Other)?;
        let stream = match TcpStream::connect((host, port)).await {
            Ok(s) => s,
            Err(e) => {
                // A name that does not resolve surfaces as an I/O error of kind `Other` from
                // getaddrinfo; anything that parses as an IP address did resolve.
                let category = ErrorCategory::of_io(&e, true);
                let is_ip = host.parse::<std::net::IpAddr>().is_ok();
                return Err(if !is_ip && category == ErrorCategory::Connect {
                    ErrorCategory::Dns
                } else {
                    category
                });
            }
        };
        let _ = stream.set_nodelay(true);
        let stream = if url.scheme() == "https" {
            let config = crate::load::tls::config(self.insecure).map_err(|e| {
                tracing::error!("cannot set up TLS: {e}");
                ErrorCategory::Tls
            })?;
            let name = rustls::pki_types::ServerName::try_from(host.to_owned())
                .map_err(|_| ErrorCategory::Tls)?;
            let connector = tokio_rustls::TlsConnector::from(config);
            match connector.connect(name, stream).await {
                Ok(tls) => Stream::Tls(Box::new(tls)),
                // A reset or refusal during the handshake says more than "TLS".
                Err(e) => {
                    return Err(match ErrorCategory::of_io(&e, true) {
                        ErrorCategory::Reset | ErrorCategory::Timeout => {
                            ErrorCategory::of_io(&e, true)
                        }
                        _ => ErrorCategory::Tls,
                    });
                }
            }
        } else {
            Stream::Plain(stream)
        };
        self.read.clear();
        self.open = Some((authority.to_owned(), stream));
        Ok(())
    }

    fn serialise(&mut self, request: &RenderedRequest) {
        let w = &mut self.write;
        w.clear();
        w.extend_from_slice(request.method.as_str().as_bytes());
        w.push(b' ');
        w.extend_from_slice(request.url.path().as_bytes());
        if let Some(q) = request.url.query() {
            w.push(b'?');
            w.extend_from_slice(q.as_bytes());
        }
        w.extend_from_slice(b" HTTP/1.1\r\nhost: ");
        w.extend_from_slice(request.url.host_str().unwrap_or_default().as_bytes());
        if let Some(port) = request.url.port() {
            let _ = write!(w, ":{port}");
        }
        w.extend_from_slice(b"\r\n");
        if let Some(ct) = &request.content_type {
            push_header(w, "content-type", ct);
        }
        if !self.keep_alive {
            w.extend_from_slice(b"connection: close\r\n");
        }
        for (name, value) in &request.headers {
            push_header(w, name.as_str(), value);
        }
        if !request.body.is_empty()
            || matches!(request.method, Method::POST | Method::PUT | Method::PATCH)
        {
            let _ = write!(w, "content-length: {}\r\n", request.body.len());
        }
        w.extend_from_slice(b"\r\n");
        w.extend_from_slice(&request.body);
    }

    async fn round_trip(
        &mut self,
        request: &RenderedRequest,
        keep_body: bool,
        keep_headers: bool,
        sent: &AtomicU64,
    ) -> Result<Exchange, Attempt> {
        let (_, stream) = self
            .open
            .as_mut()
            .ok_or(Attempt::Failed(ErrorCategory::Other))?;
        if let Err(e) = write_counted(stream, &self.write, sent).await {
            self.open = None;
            return Err(Attempt::from_io(&e, true));
        }
        let result = read_response(
            stream,
            &mut self.read,
            request.method == Method::HEAD,
            keep_body,
            keep_headers,
        )
        .await;
        match &result {
            Ok((_, reusable)) if *reusable && self.keep_alive => {}
            _ => self.open = None,
        }
        result.map(|(exchange, _)| exchange)
    }
}

/// Why one attempt failed: `Stale` when nothing at all came back on a reused connection.
enum Attempt {
    Stale,
    Failed(ErrorCategory),
}

impl Attempt {
    fn from_io(error: &std::io::Error, nothing_read: bool) -> Self {
        let category = ErrorCategory::of_io(error, false);
        if nothing_read && category == ErrorCategory::Reset {
            Self::Stale
        } else {
            Self::Failed(category)
        }
    }

    /// An I/O failure once the response has begun.
    fn failed_io(error: std::io::Error) -> Self {
        Self::Failed(ErrorCategory::of_io(&error, false))
    }

    fn category(self) -> ErrorCategory {
        match self {
            Self::Stale => ErrorCategory::Reset,
            Self::Failed(c) => c,
        }
    }
}

/// Writes all of `bytes` and flushes (TLS may hold the last record back; a no-op on plain
/// TCP), adding each write's length to `sent` as soon as the stream has taken it.
async fn write_counted(
    stream: &mut Stream,
    mut bytes: &[u8],
    sent: &AtomicU64,
) -> std::io::Result<()> {
    while !bytes.is_empty() {
        let written = stream.write(bytes).await?;
        if written == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        sent.fetch_add(written as u64, Ordering::Relaxed);
        bytes = &bytes[written..];
    }
    stream.flush().await
}

/// Reads more bytes into `buf`; `Ok(0)` at end of stream.
async fn fill(stream: &mut Stream, buf: &mut BytesMut) -> std::io::Result<usize> {
    if buf.capacity() - buf.len() < READ_CHUNK / 4 {
        buf.reserve(READ_CHUNK);
    }
    stream.read_buf(buf).await
}

/// Reads one response; returns it and whether the connection can carry another request.
async fn read_response(
    stream: &mut Stream,
    buf: &mut BytesMut,
    head_request: bool,
    keep_body: bool,
    keep_headers: bool,
) -> Result<(Exchange, bool), Attempt> {
    let head = read_head(stream, buf, head_request, keep_headers).await?;
    let mut bytes_in = head.size;
    let mut reusable = head.reusable;
    let mut kept = keep_body.then(BytesMut::new);
    match head.framing {
        Framing::None => {}
        Framing::Length(length) => {
            bytes_in += read_sized_body(stream, buf, length, &mut kept).await?;
        }
        Framing::UntilClose => {
            reusable = false;
            bytes_in += read_body_until_close(stream, buf, &mut kept).await?;
        }
        Framing::Chunked => bytes_in += read_chunked_body(stream, buf, &mut kept).await?,
    }
    if !buf.is_empty() {
        // Bytes beyond the response: the connection's framing cannot be trusted any more.
        buf.clear();
        reusable = false;
    }
    Ok((
        Exchange {
            status: head.status,
            headers: head.headers,
            body: kept.map(BytesMut::freeze),
            bytes_in,
        },
        reusable,
    ))
}

/// A response head, parsed.
struct Head {
    status: u16,
    /// The headers kept: all of them when a check reads headers, else only `Set-Cookie`.
    headers: HeaderMap,
    framing: Framing,
    /// Whether the head lets the connection carry another request.
    reusable: bool,
    /// Bytes of this head and of any 1xx interim heads before it.
    size: u64,
}

/// Reads the final response head, skipping 1xx interim responses (but not 101).
#[inline]
async fn read_head(
    stream: &mut Stream,
    buf: &mut BytesMut,
    head_request: bool,
    keep_headers: bool,
) -> Result<Head, Attempt> {
    let mut size = 0_u64;
    let mut read_any = false;
    loop {
        if let Some((len, mut head)) = parse_head(buf, head_request, keep_headers)? {
            buf.advance(len);
            size += len as u64;
            if (100..200).contains(&head.status) && head.status != 101 {
                continue;
            }
            head.size = size;
            return Ok(head);
        }
        if buf.len() >= MAX_HEAD {
            return Err(Attempt::Failed(ErrorCategory::Protocol));
        }
        match fill(stream, buf).await {
            Ok(0) if !read_any && buf.is_empty() => return Err(Attempt::Stale),
            Ok(0) => return Err(Attempt::Failed(ErrorCategory::Reset)),
            Ok(_) => read_any = true,
            Err(e) => return Err(Attempt::from_io(&e, !read_any)),
        }
    }
}

/// Parses the head at the start of `buf`: its length and what it says, or `None` while it is
/// incomplete. The head is parsed in place; only the headers kept are copied.
#[inline]
fn parse_head(
    buf: &[u8],
    head_request: bool,
    keep_headers: bool,
) -> Result<Option<(usize, Head)>, Attempt> {
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut slots);
    let len = match response.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(Attempt::Failed(ErrorCategory::Protocol)),
    };
    let status = response.code.unwrap_or(0);
    let mut framing = Framing::UntilClose;
    let mut close = response.version == Some(0);
    let mut headers = HeaderMap::new();
    for h in response.headers.iter() {
        read_connection_header(h, &mut framing, &mut close)?;
        // Set-Cookie always: the user's cookie jar needs it.
        if (keep_headers || h.name.eq_ignore_ascii_case("set-cookie"))
            && let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(h.name.as_bytes()),
                HeaderValue::from_bytes(h.value),
            )
        {
            headers.append(n, v);
        }
    }
    if head_request || status == 204 || status == 304 || (100..200).contains(&status) {
        framing = Framing::None;
    }
    Ok(Some((
        len,
        Head {
            status,
            headers,
            framing,
            reusable: !close,
            size: 0,
        },
    )))
}

/// Applies what one header says about the body's framing and the connection's reuse:
/// `Content-Length`, `Transfer-Encoding: chunked` (which wins) and `Connection`.
#[inline]
fn read_connection_header(
    header: &httparse::Header<'_>,
    framing: &mut Framing,
    close: &mut bool,
) -> Result<(), Attempt> {
    let name = header.name;
    if name.eq_ignore_ascii_case("content-length") {
        let n = std::str::from_utf8(header.value)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .ok_or(Attempt::Failed(ErrorCategory::Protocol))?;
        if !matches!(framing, Framing::Chunked) {
            *framing = Framing::Length(n);
        }
    } else if name.eq_ignore_ascii_case("transfer-encoding") {
        if header.value.to_ascii_lowercase().ends_with(b"chunked") {
            *framing = Framing::Chunked;
        }
    } else if name.eq_ignore_ascii_case("connection") {
        let v = header.value.to_ascii_lowercase();
        if v == b"close" {
            *close = true;
        } else if v == b"keep-alive" {
            *close = false;
        }
    }
    Ok(())
}

/// Reads a body of `length` bytes; returns the bytes read.
#[inline]
async fn read_sized_body(
    stream: &mut Stream,
    buf: &mut BytesMut,
    length: u64,
    kept: &mut Option<BytesMut>,
) -> Result<u64, Attempt> {
    let mut remaining = length;
    while remaining > 0 {
        fill_if_empty(stream, buf).await?;
        let take = usize::try_from(remaining)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        keep_bytes(kept, &buf[..take]);
        buf.advance(take);
        remaining -= take as u64;
    }
    Ok(length)
}

/// Reads a body that ends with the connection; returns the bytes read.
#[inline]
async fn read_body_until_close(
    stream: &mut Stream,
    buf: &mut BytesMut,
    kept: &mut Option<BytesMut>,
) -> Result<u64, Attempt> {
    let mut size = 0_u64;
    loop {
        if buf.is_empty() && fill(stream, buf).await.map_err(Attempt::failed_io)? == 0 {
            return Ok(size);
        }
        keep_bytes(kept, &buf[..]);
        size += buf.len() as u64;
        buf.clear();
    }
}

/// Reads a chunked body and its trailers; returns the bytes read.
#[inline]
async fn read_chunked_body(
    stream: &mut Stream,
    buf: &mut BytesMut,
    kept: &mut Option<BytesMut>,
) -> Result<u64, Attempt> {
    let mut size = 0_u64;
    loop {
        let (line, chunk) = read_chunk_size(stream, buf).await?;
        size += line;
        if chunk == 0 {
            return Ok(size + read_trailers(stream, buf).await?);
        }
        size += read_chunk_data(stream, buf, chunk, kept).await?;
    }
}

/// Reads a chunk-size line; returns its length in bytes and the chunk's size.
#[inline]
async fn read_chunk_size(stream: &mut Stream, buf: &mut BytesMut) -> Result<(u64, u64), Attempt> {
    loop {
        match httparse::parse_chunk_size(buf) {
            Ok(httparse::Status::Complete((consumed, chunk))) => {
                buf.advance(consumed);
                return Ok((consumed as u64, chunk));
            }
            Ok(httparse::Status::Partial) => {
                if buf.len() > MAX_HEAD {
                    return Err(Attempt::Failed(ErrorCategory::Protocol));
                }
                if fill(stream, buf).await.map_err(Attempt::failed_io)? == 0 {
                    return Err(Attempt::Failed(ErrorCategory::Reset));
                }
            }
            Err(_) => return Err(Attempt::Failed(ErrorCategory::Protocol)),
        }
    }
}

/// Reads one chunk's `chunk` bytes of data and its CRLF; returns the bytes read.
#[inline]
async fn read_chunk_data(
    stream: &mut Stream,
    buf: &mut BytesMut,
    chunk: u64,
    kept: &mut Option<BytesMut>,
) -> Result<u64, Attempt> {
    let mut remaining = chunk + 2; // the data and its CRLF
    while remaining > 0 {
        fill_if_empty(stream, buf).await?;
        let take = usize::try_from(remaining)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let data_end = take.min(usize::try_from(remaining.saturating_sub(2)).unwrap_or(usize::MAX));
        keep_bytes(kept, &buf[..data_end]);
        buf.advance(take);
        remaining -= take as u64;
    }
    Ok(chunk + 2)
}

/// Reads the trailers after the last chunk, up to and including the empty line that ends
/// them; returns the bytes read.
#[inline]
async fn read_trailers(stream: &mut Stream, buf: &mut BytesMut) -> Result<u64, Attempt> {
    let mut size = 0_u64;
    loop {
        if let Some(at) = buf.windows(2).position(|w| w == b"\r\n") {
            buf.advance(at + 2);
            size += at as u64 + 2;
            if at == 0 {
                return Ok(size);
            }
        } else if fill(stream, buf).await.map_err(Attempt::failed_io)? == 0 {
            return Err(Attempt::Failed(ErrorCategory::Reset));
        }
    }
}

/// Reads more when nothing is buffered; a body cut short by the end of stream is a reset.
#[inline]
async fn fill_if_empty(stream: &mut Stream, buf: &mut BytesMut) -> Result<(), Attempt> {
    if buf.is_empty() && fill(stream, buf).await.map_err(Attempt::failed_io)? == 0 {
        return Err(Attempt::Failed(ErrorCategory::Reset));
    }
    Ok(())
}

fn push_header(w: &mut Vec<u8>, name: &str, value: &HeaderValue) {
    w.extend_from_slice(name.as_bytes());
    w.extend_from_slice(b": ");
    w.extend_from_slice(value.as_bytes());
    w.extend_from_slice(b"\r\n");
}

/// Whether `url` goes to `authority` (`host[:port]`), without allocating.
fn same_authority(authority: &str, url: &url::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    match (authority.strip_prefix(host), url.port()) {
        (Some(""), None) => true,
        (Some(rest), Some(port)) => {
            rest.strip_prefix(':').and_then(|p| p.parse::<u16>().ok()) == Some(port)
        }
        _ => false,
    }
}

/// `host[:port]` as the Host header needs it.
pub(crate) fn authority_of(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    /// Serves each accepted connection's canned answers in turn, one per request read.
    async fn serve(answers: Vec<Vec<&'static [u8]>>) -> std::net::SocketAddr {
        serve_telling_closes(answers).await.0
    }

    /// Like `serve`; the receiver gets a message each time the server has closed a connection.
    async fn serve_telling_closes(
        answers: Vec<Vec<&'static [u8]>>,
    ) -> (
        std::net::SocketAddr,
        tokio::sync::mpsc::UnboundedReceiver<()>,
    ) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (closed, closes) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            for connection in answers {
                let (mut socket, _) = listener.accept().await.unwrap();
                for answer in connection {
                    let mut buf = [0_u8; 4096];
                    let _ = socket.read(&mut buf).await.unwrap();
                    socket.write_all(answer).await.unwrap();
                }
                // Dropping the socket closes the connection.
                drop(socket);
                let _ = closed.send(());
            }
        });
        (addr, closes)
    }

    fn get(addr: std::net::SocketAddr) -> RenderedRequest {
        RenderedRequest {
            method: Method::GET,
            url: url::Url::parse(&format!("http://{addr}/x?y=1")).unwrap(),
            headers: Vec::new(),
            body: Bytes::new(),
            content_type: None,
        }
    }

    #[tokio::test]
    async fn chunked_bodies_with_trailers_are_decoded_and_the_connection_reused() {
        let addr = serve(vec![vec![
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nx-id: 7\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nx-trailer: 1\r\n\r\n",
            b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok",
        ]])
        .await;
        let mut c = Http1Connection::new(true, false);
        let sent = AtomicU64::new(0);
        let first = c.exchange(&get(addr), true, true, &sent).await.unwrap();
        assert_eq!(first.status, 200);
        assert_eq!(first.body.as_deref(), Some(&b"hello world"[..]));
        assert_eq!(first.headers["x-id"], "7");
        let second = c.exchange(&get(addr), true, false, &sent).await.unwrap();
        assert_eq!(
            (second.status, second.body.as_deref()),
            (201, Some(&b"ok"[..]))
        );
    }

    #[tokio::test]
    async fn a_connection_closed_while_idle_is_retried_once_on_a_new_one() {
        let (addr, mut closes) = serve_telling_closes(vec![
            vec![b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\na"],
            vec![b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nb"],
        ])
        .await;
        let mut c = Http1Connection::new(true, false);
        let sent = AtomicU64::new(0);
        assert_eq!(
            c.exchange(&get(addr), true, false, &sent)
                .await
                .unwrap()
                .body
                .as_deref(),
            Some(&b"a"[..])
        );
        // The server closed the first connection after one answer.
        closes
            .recv()
            .await
            .expect("the server closed the first connection");
        assert_eq!(
            c.exchange(&get(addr), true, false, &sent)
                .await
                .unwrap()
                .body
                .as_deref(),
            Some(&b"b"[..])
        );
    }

    #[tokio::test]
    async fn bodies_without_length_end_with_the_connection_and_short_ones_are_resets() {
        let addr = serve(vec![
            vec![b"HTTP/1.1 200 OK\r\n\r\nuntil close"],
            vec![b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nshort"],
        ])
        .await;
        let mut c = Http1Connection::new(true, false);
        let sent = AtomicU64::new(0);
        let until_close = c.exchange(&get(addr), true, false, &sent).await.unwrap();
        assert_eq!(until_close.body.as_deref(), Some(&b"until close"[..]));
        let short = c.exchange(&get(addr), false, false, &sent).await;
        assert!(matches!(short, Err(ErrorCategory::Reset)));
    }

    #[tokio::test]
    async fn only_bytes_written_to_a_socket_are_counted_as_sent() {
        // Nothing listens on a port just freed: the connection is refused, nothing is sent.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let refused = closed.local_addr().unwrap();
        drop(closed);
        let mut c = Http1Connection::new(true, false);
        let sent = AtomicU64::new(0);
        let outcome = c.exchange(&get(refused), false, false, &sent).await;
        assert!(
            matches!(outcome, Err(ErrorCategory::ConnectRefused)),
            "{outcome:?}"
        );
        assert_eq!(sent.load(Ordering::Relaxed), 0);

        let addr = serve(vec![vec![b"HTTP/1.1 204 No Content\r\n\r\n"]]).await;
        c.exchange(&get(addr), false, false, &sent).await.unwrap();
        let request = format!("GET /x?y=1 HTTP/1.1\r\nhost: {addr}\r\n\r\n");
        assert_eq!(sent.load(Ordering::Relaxed), request.len() as u64);
    }
}
