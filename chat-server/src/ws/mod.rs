//! The two WebSockets: visitors (`/ws/visitor`) and agents (`/ws/agent`).
//!
//! Both speak JSON text frames from `protocol`. A frame that is not valid JSON for the protocol (or is
//! binary) gets an error frame and the socket stays open; a frame bigger than the configured limit closes
//! the socket. Neither ever takes the server down.

pub mod agent;
pub mod visitor;

pub(crate) use visitor::publish_summary;

use std::time::Duration;

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use protocol::chat::{ErrorCode, ErrorFrame};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// How long a new socket may take to say hello.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

/// Each socket's read buffer. Chat frames are small; tungstenite's default of 128 KiB, reserved up front
/// for every idle visitor, was most of a connection's memory. The buffer still grows for a larger frame.
const READ_BUFFER_BYTES: usize = 4 * 1024;

/// The limits every socket gets: frames and messages up to `max_frame_bytes`, and a small read buffer.
fn limited(ws: WebSocketUpgrade, max_frame_bytes: usize) -> WebSocketUpgrade {
    ws.max_message_size(max_frame_bytes).max_frame_size(max_frame_bytes).read_buffer_size(READ_BUFFER_BYTES)
}

/// A place for one more socket from `client`, or why not.
fn admit(
    state: &crate::AppState,
    client: crate::http::ClientIp,
) -> Result<crate::net::Held, crate::net::Refused> {
    state.memory.admit().and_then(|()| state.sockets.admit(Some(client.0))).inspect_err(|refused| {
        tracing::warn!(client = %client.0, %refused, "socket refused");
    })
}

/// The answer to an upgrade refused: 503 when the server holds `limits.max_sockets`, 429 when the
/// address holds `limits.sockets_per_ip`.
fn refusal(refused: crate::net::Refused) -> axum::response::Response {
    use axum::response::IntoResponse;
    let status = match refused {
        crate::net::Refused::Full | crate::net::Refused::LowOnMemory => {
            axum::http::StatusCode::SERVICE_UNAVAILABLE
        }
        crate::net::Refused::TooManyFromAddress => axum::http::StatusCode::TOO_MANY_REQUESTS,
    };
    (status, refused.to_string()).into_response()
}

/// Pings a socket every `every` and tells when its peer stopped answering: a peer that vanished without
/// closing (a dropped mobile connection) is otherwise noticed only when a write fails, which may be never
/// for a quiet conversation, and it holds a socket place meanwhile.
struct Liveness {
    ticks: tokio::time::Interval,
    /// Whether anything (a pong, a frame) came in since the last ping.
    heard: bool,
}

impl Liveness {
    fn new(every: Duration) -> Self {
        let start = tokio::time::Instant::now() + every;
        let mut ticks = tokio::time::interval_at(start, every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Liveness { ticks, heard: true }
    }

    /// At a tick: `Ok` after sending the next ping, `Err` when nothing came since the last one (or the
    /// socket is gone): the caller drops the socket.
    async fn ping(&mut self, socket: &mut WebSocket) -> Result<(), ()> {
        if !std::mem::replace(&mut self.heard, false) {
            tracing::debug!("socket silent since the last ping; dropping it");
            return Err(());
        }
        socket.send(Message::Ping(Default::default())).await.map_err(|_| ())
    }
}

/// What came in on a socket.
enum Incoming<T> {
    Frame(T),
    /// Not a protocol frame; already answered with an error.
    Rejected,
    /// The peer closed or the socket failed.
    Gone,
}

/// Reads the next frame, answering malformed ones with `malformed(error)`.
async fn next_frame<T: DeserializeOwned, E: Serialize>(
    socket: &mut WebSocket,
    heard: &mut bool,
    malformed: impl Fn(ErrorFrame) -> E,
) -> Incoming<T> {
    loop {
        let received = socket.recv().await;
        *heard |= matches!(received, Some(Ok(_)));
        let text = match received {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Binary(_))) => {
                let error = error(ErrorCode::Malformed, "binary frames are not part of the protocol");
                return match send(socket, &malformed(error)).await {
                    Ok(()) => Incoming::Rejected,
                    Err(()) => Incoming::Gone,
                };
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(Message::Close(_))) | None => return Incoming::Gone,
            Some(Err(e)) => {
                tracing::debug!(error = %e, "socket read failed");
                return Incoming::Gone;
            }
        };
        return match serde_json::from_str(text.as_str()) {
            Ok(frame) => Incoming::Frame(frame),
            Err(e) => {
                let error = error(ErrorCode::Malformed, format!("not a protocol frame: {e}"));
                match send(socket, &malformed(error)).await {
                    Ok(()) => Incoming::Rejected,
                    Err(()) => Incoming::Gone,
                }
            }
        };
    }
}

/// Sends one frame as JSON text; `Err` means the socket is gone.
async fn send<T: Serialize>(socket: &mut WebSocket, frame: &T) -> Result<(), ()> {
    let json = serde_json::to_string(frame).map_err(|_| ())?;
    socket.send(Message::Text(Utf8Bytes::from(json))).await.map_err(|_| ())
}

fn error(code: ErrorCode, message: impl Into<String>) -> ErrorFrame {
    ErrorFrame { code, message: message.into(), client_id: None }
}

/// Whether the page that opened the socket is allowed. No Origin header means a non-browser client,
/// which could claim any origin anyway; the token or session still has to be valid.
pub(crate) fn origin_allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    let Some(origin) = headers.get("origin").and_then(|v| v.to_str().ok()) else { return true };
    allowed.iter().any(|a| a == "*" || a.trim_end_matches('/').eq_ignore_ascii_case(origin))
}

/// For the agent socket: the page must come from this very server: exactly its public URL's origin when
/// that is set (so an http page cannot reach an https server), else the same host (the scheme is not
/// known behind a proxy).
fn same_origin(headers: &HeaderMap, public: Option<&crate::config::PublicUrl>) -> bool {
    let Some(origin) = headers.get("origin").and_then(|v| v.to_str().ok()) else { return true };
    if let Some(public) = public {
        return origin.trim_end_matches('/').eq_ignore_ascii_case(public.origin());
    }
    let host = headers.get("host").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

/// Checks a message body: something visible in it, not longer than allowed.
fn check_body(body: &str, max_chars: usize) -> Result<(), ErrorFrame> {
    if !crate::text::visible(body) {
        return Err(error(ErrorCode::Invalid, "message is empty"));
    }
    if body.chars().count() > max_chars {
        return Err(error(ErrorCode::TooLarge, format!("message is longer than {max_chars} characters")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(origin: &str, host: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("origin", HeaderValue::from_str(origin).expect("a header value"));
        headers.insert("host", HeaderValue::from_str(host).expect("a header value"));
        headers
    }

    /// Regression (issue 16): the agent socket compared hosts only, so a page served over plain HTTP on
    /// the same host name could open the socket of a server agents reach over HTTPS.
    #[test]
    fn the_agent_socket_takes_only_its_public_origin_scheme_included() {
        let public: crate::config::PublicUrl = "https://chat.shop.example".parse().expect("a URL");
        let page = |origin: &str| same_origin(&headers(origin, "chat.shop.example"), Some(&public));
        assert!(page("https://chat.shop.example"));
        assert!(page("HTTPS://Chat.Shop.Example"));
        assert!(!page("http://chat.shop.example"), "the scheme counts");
        assert!(!page("https://chat.shop.example:8443"), "so does the port");
        assert!(!page("https://evil.example"));
        // Without a public URL, the host is all that is known (a proxy may terminate TLS).
        assert!(same_origin(&headers("http://127.0.0.1:8787", "127.0.0.1:8787"), None));
        assert!(!same_origin(&headers("http://evil.example", "127.0.0.1:8787"), None));
    }
}
