//! The agent socket: hello with the CSRF token, then every frame into the desk; reconnects with growing
//! pauses, and the desk resends what was not acknowledged once the new inbox arrives.

use std::cell::RefCell;

use futures_channel::mpsc::{TryRecvError, UnboundedReceiver, UnboundedSender, unbounded};
use futures_util::StreamExt;
use futures_util::future::{Either, select};
use gloo_net::websocket::futures::WebSocket;
use gloo_net::websocket::{Message, WebSocketError};
use protocol::PROTOCOL_VERSION;
use protocol::agent::{CLOSE_LOGGED_OUT, ClientFrame, ServerFrame};

/// Waits after a dropped socket: 0.5 s, doubling up to 15 s, reset by every inbox.
const FIRST_RETRY_MS: i32 = 500;
const LAST_RETRY_MS: i32 = 15_000;

/// Whether the socket is up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Opening the first time.
    Connecting,
    /// The inbox arrived; frames flow.
    Online,
    /// Dropped; trying again.
    Reconnecting,
    /// The server ended the session (logged out elsewhere, or a new password): not retried.
    LoggedOut,
}

thread_local! {
    static OUTGOING: RefCell<Option<UnboundedSender<ClientFrame>>> = const { RefCell::new(None) };
}

/// Sends a frame if the socket is up; dropped otherwise (the outbox keeps what must not be lost).
pub fn send(frame: ClientFrame) {
    OUTGOING.with(|outgoing| {
        if let Some(sender) = outgoing.borrow().as_ref() {
            let _ = sender.unbounded_send(frame);
        }
    });
}

/// Opens the socket and keeps it open; every server frame goes to `on_frame`, every change of state to
/// `on_state`. Ends when [`disconnect`] is called.
pub fn connect(
    csrf: String,
    on_frame: impl Fn(ServerFrame) + 'static,
    on_state: impl Fn(LinkState) + 'static,
) {
    let (sender, receiver) = unbounded();
    OUTGOING.with(|outgoing| *outgoing.borrow_mut() = Some(sender));
    leptos::task::spawn_local(run(csrf, receiver, on_frame, on_state));
}

/// Ends the socket task.
pub fn disconnect() {
    OUTGOING.with(|outgoing| outgoing.borrow_mut().take());
}

fn socket_url() -> String {
    let location = web_sys::window().map(|w| w.location());
    let host = location.as_ref().and_then(|l| l.host().ok()).unwrap_or_default();
    let secure = location.and_then(|l| l.protocol().ok()).is_some_and(|p| p == "https:");
    format!("{}://{host}/ws/agent", if secure { "wss" } else { "ws" })
}

async fn run(
    csrf: String,
    mut outgoing: UnboundedReceiver<ClientFrame>,
    on_frame: impl Fn(ServerFrame),
    on_state: impl Fn(LinkState),
) {
    let mut retry = FIRST_RETRY_MS;
    loop {
        let mut reached = false;
        if let Ok(socket) = WebSocket::open(&socket_url()) {
            let (mut sink, mut incoming) = socket.split();
            // Frames queued while the socket was down are stale: the inbox frame triggers the resends.
            while outgoing.try_recv().is_ok() {}
            let hello = ClientFrame::Hello { version: PROTOCOL_VERSION, csrf: csrf.clone() };
            let mut up = browser_link::write(&mut sink, &hello).await;
            while up {
                match select(incoming.next(), outgoing.next()).await {
                    Either::Left((Some(Ok(Message::Text(text))), _)) => {
                        match serde_json::from_str::<ServerFrame>(&text) {
                            Ok(frame) => {
                                if matches!(frame, ServerFrame::Inbox { .. }) {
                                    reached = true;
                                    retry = FIRST_RETRY_MS;
                                    on_state(LinkState::Online);
                                }
                                on_frame(frame);
                            }
                            Err(err) => {
                                web_sys::console::warn_1(&format!("Answerdesk console: {err}").into())
                            }
                        }
                    }
                    Either::Left((Some(Ok(Message::Bytes(_))), _)) => {}
                    Either::Left((Some(Err(WebSocketError::ConnectionClose(event))), _))
                        if event.code == CLOSE_LOGGED_OUT =>
                    {
                        on_state(LinkState::LoggedOut);
                        return;
                    }
                    Either::Left((Some(Err(_)) | None, _)) => up = false,
                    Either::Right((Some(frame), _)) => up = browser_link::write(&mut sink, &frame).await,
                    Either::Right((None, _)) => return,
                }
            }
        }
        // Refused before the inbox: a session that ended while the socket was down is refused at the
        // upgrade (the browser sees no close code), so ask.
        if !reached && crate::api::logged_in().await == Some(false) {
            on_state(LinkState::LoggedOut);
            return;
        }
        on_state(LinkState::Reconnecting);
        browser_link::sleep(retry).await;
        retry = (retry * 2).min(LAST_RETRY_MS);
        // Logged out (or logged in again, with a new task) while we waited.
        if matches!(outgoing.try_recv(), Err(TryRecvError::Closed)) {
            return;
        }
    }
}
