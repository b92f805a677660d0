//! Why a request did not succeed, in the categories users act on: the target is down
//! (connect refused), slow (timeout), misnamed (DNS), misconfigured (TLS), crashing (reset),
//! speaking garbage (protocol), or answering with an error status, content a check rejects, or
//! a response its OpenAPI document does not allow.

use serde::{Deserialize, Serialize};

/// The category of one failed request. Every failed request has exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum ErrorCategory {
    /// Nothing listens on the target's port.
    ConnectRefused,
    /// Connecting failed for another reason (unreachable, too many open files, …).
    Connect,
    /// The request, including its response body, did not finish within its timeout.
    Timeout,
    /// The target's host name did not resolve.
    Dns,
    /// The TLS handshake failed (certificate, protocol version, …).
    Tls,
    /// The connection was reset or closed before the response was complete.
    Reset,
    /// The response was not valid HTTP.
    Protocol,
    /// The response had a 4xx status and no check expected it.
    #[serde(rename = "4xx")]
    Status4xx,
    /// The response had a 5xx status and no check expected it.
    #[serde(rename = "5xx")]
    Status5xx,
    /// The response arrived but a check (`expect …`) rejected it.
    FailedCheck,
    /// The response broke the scenario's OpenAPI contract (status, content type or body).
    Conformance,
    /// Anything else, such as a request that could not be built from its template.
    Other,
}

impl ErrorCategory {
    /// Every category, in report order.
    pub(crate) const ALL: [Self; 12] = [
        Self::ConnectRefused,
        Self::Connect,
        Self::Timeout,
        Self::Dns,
        Self::Tls,
        Self::Reset,
        Self::Protocol,
        Self::Status4xx,
        Self::Status5xx,
        Self::FailedCheck,
        Self::Conformance,
        Self::Other,
    ];

    /// The name used in reports and `run.json`.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::ConnectRefused => "connect-refused",
            Self::Connect => "connect",
            Self::Timeout => "timeout",
            Self::Dns => "dns",
            Self::Tls => "tls",
            Self::Reset => "reset",
            Self::Protocol => "protocol",
            Self::Status4xx => "4xx",
            Self::Status5xx => "5xx",
            Self::FailedCheck => "failed-check",
            Self::Conformance => "conformance",
            Self::Other => "other",
        }
    }

    /// Index into a fixed-size counter array.
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The category of an I/O error met while connecting or exchanging.
    pub(crate) fn of_io(error: &std::io::Error, connecting: bool) -> Self {
        use std::io::ErrorKind as K;
        match error.kind() {
            K::ConnectionRefused => Self::ConnectRefused,
            K::TimedOut => Self::Timeout,
            K::ConnectionReset
            | K::ConnectionAborted
            | K::BrokenPipe
            | K::UnexpectedEof
            | K::NotConnected => Self::Reset,
            K::InvalidData => Self::Protocol,
            _ if connecting => Self::Connect,
            _ => Self::Other,
        }
    }

    /// The category of any error, by walking its source chain for the most telling cause.
    pub(crate) fn of_error(error: &(dyn std::error::Error + 'static), connecting: bool) -> Self {
        let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
        let mut text = String::new();
        while let Some(e) = current {
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                let category = Self::of_io(io, connecting);
                if category != Self::Other && category != Self::Connect {
                    return category;
                }
            }
            if e.downcast_ref::<rustls::Error>().is_some() {
                return Self::Tls;
            }
            if let Some(h2) = e.downcast_ref::<h2::Error>()
                && let Some(category) = Self::of_h2(h2)
            {
                return category;
            }
            if let Some(h) = e.downcast_ref::<hyper::Error>() {
                if h.is_incomplete_message() || h.is_canceled() || h.is_closed() {
                    return Self::Reset;
                }
                if h.is_parse() || h.is_parse_status() {
                    return Self::Protocol;
                }
                if h.is_timeout() {
                    return Self::Timeout;
                }
            }
            text.push_str(&e.to_string().to_ascii_lowercase());
            text.push(' ');
            current = e.source();
        }
        if text.contains("dns error") || text.contains("failed to lookup address") {
            Self::Dns
        } else if text.contains("certificate") || text.contains("tls") {
            Self::Tls
        } else if connecting {
            Self::Connect
        } else {
            Self::Other
        }
    }

    /// The category of an HTTP/2 error, by its reason: a frame the peer should not have sent
    /// (what a server that does not speak HTTP/2 answers) is `protocol`, a stream or
    /// connection the peer closed is `reset`. An I/O error is left to the I/O mapping.
    fn of_h2(error: &h2::Error) -> Option<Self> {
        use h2::Reason as R;
        if let Some(io) = error.get_io() {
            return Some(Self::of_io(io, false)).filter(|c| *c != Self::Other);
        }
        match error.reason()? {
            R::PROTOCOL_ERROR
            | R::FRAME_SIZE_ERROR
            | R::COMPRESSION_ERROR
            | R::FLOW_CONTROL_ERROR
            | R::STREAM_CLOSED
            | R::SETTINGS_TIMEOUT
            | R::HTTP_1_1_REQUIRED => Some(Self::Protocol),
            R::NO_ERROR
            | R::REFUSED_STREAM
            | R::CANCEL
            | R::INTERNAL_ERROR
            | R::ENHANCE_YOUR_CALM
            | R::CONNECT_ERROR => Some(Self::Reset),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_follow_the_report_order() {
        for (i, c) in ErrorCategory::ALL.iter().enumerate() {
            assert_eq!(c.index(), i);
        }
    }

    /// Regression (issue 11): over HTTP/2, a response that was not HTTP (hyper reports the
    /// frame-size or protocol error h2 detected) was category `other`, not `protocol`.
    #[test]
    fn http2_errors_of_a_peer_speaking_garbage_are_protocol_errors() {
        for reason in [h2::Reason::FRAME_SIZE_ERROR, h2::Reason::PROTOCOL_ERROR] {
            let error = h2::Error::from(reason);
            assert_eq!(
                ErrorCategory::of_error(&error, false),
                ErrorCategory::Protocol,
                "{reason:?}"
            );
        }
        let refused = h2::Error::from(h2::Reason::REFUSED_STREAM);
        assert_eq!(
            ErrorCategory::of_error(&refused, false),
            ErrorCategory::Reset
        );
    }

    #[test]
    fn io_errors_map_to_categories() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(
            ErrorCategory::of_error(&refused, true),
            ErrorCategory::ConnectRefused
        );
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert_eq!(ErrorCategory::of_error(&reset, false), ErrorCategory::Reset);
    }
}
