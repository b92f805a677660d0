//! What came back for one request, whichever connection carried it. Both connection kinds
//! (`http1_connection.rs` and the pooled reqwest client in `connection.rs`) build an
//! [`Exchange`]; it sits below both so that their imports go one way.

use bytes::{Bytes, BytesMut};
use http::HeaderMap;

/// At most this much of a response body is kept for checks and extraction; the rest is only
/// counted, so a huge body cannot exhaust memory.
pub(crate) const KEPT_BODY_LIMIT: usize = 16 * 1024 * 1024;

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

/// Appends `data` to the kept body, if one is kept, up to [`KEPT_BODY_LIMIT`].
#[inline]
pub(crate) fn keep_bytes(kept: &mut Option<BytesMut>, data: &[u8]) {
    if let Some(k) = kept.as_mut()
        && k.len() < KEPT_BODY_LIMIT
    {
        let room = KEPT_BODY_LIMIT - k.len();
        k.extend_from_slice(&data[..data.len().min(room)]);
    }
}
