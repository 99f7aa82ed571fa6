//! The two WebSockets: visitors (`/ws/visitor`) and agents (`/ws/agent`).
//!
//! Both speak JSON text frames from `protocol`. A frame that is not valid JSON for the protocol (or is
//! binary) gets an error frame and the socket stays open; a frame bigger than the configured limit closes
//! the socket. Neither ever takes the server down.

pub mod agent;
pub mod visitor;

use std::time::Duration;

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
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
    client: crate::http::extract::ClientIp,
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

/// A close frame with its code and reason.
fn close(code: u16, reason: &'static str) -> Message {
    Message::Close(Some(axum::extract::ws::CloseFrame { code, reason: reason.into() }))
}

/// Valid client ids are short and printable, so they index well and log safely.
fn check_client_id(client_id: &str) -> Result<(), ErrorFrame> {
    if client_id.is_empty() || client_id.len() > 64 || client_id.chars().any(char::is_control) {
        return Err(error(ErrorCode::Invalid, "client_id must be 1 to 64 printable characters"));
    }
    Ok(())
}

/// A storage failure as the socket tells it (see [`crate::db::DbError::told`]).
fn db_error(error: crate::db::DbError, client_id: Option<String>) -> ErrorFrame {
    let (code, message) = error.told();
    ErrorFrame { code, message, client_id }
}
