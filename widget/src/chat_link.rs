//! The widget's side of chat-server: its REST calls, the visitor socket with reconnect and resume, and
//! the one thing the widget ever stores — the visitor token, and only once the visitor has started a
//! conversation.

use std::cell::{Cell, RefCell};

use futures_channel::mpsc::{TryRecvError, UnboundedReceiver, UnboundedSender, unbounded};
use futures_util::StreamExt;
use futures_util::future::{Either, select};
use gloo_net::http::Request;
use gloo_net::websocket::Message;
use gloo_net::websocket::futures::WebSocket;
use leptos::prelude::*;
use protocol::PROTOCOL_VERSION;
use protocol::rest::{Availability, ConversationStarted, LeaveMessage, StartConversation, TicketCreated};
use protocol::visitor::{ClientFrame, ServerFrame};
use serde::{Deserialize, Serialize};

use crate::chat::{Chat, Link};

/// Waits after a dropped socket: 1 s, doubling up to 30 s, reset by every welcome.
const FIRST_RETRY_MS: i32 = 1_000;
const LAST_RETRY_MS: i32 = 30_000;

/// The conversation the visitor has with this chat server, as kept in `localStorage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    /// Conversation id.
    pub conversation_id: String,
    /// The secret that lets this visitor, and only them, read it.
    pub token: String,
}

fn storage_key(server: &str) -> String {
    format!("answerdesk.chat:{server}")
}

fn local_storage() -> Option<web_sys::Storage> {
    // Throws when storage is blocked (some privacy settings): then the chat just does not survive a reload.
    web_sys::window()?.local_storage().ok()?
}

/// The conversation saved for `server`, if any.
pub fn load(server: &str) -> Option<Saved> {
    let text = local_storage()?.get_item(&storage_key(server)).ok()??;
    serde_json::from_str(&text).ok()
}

/// Saves the conversation so it survives page reloads.
pub fn save(server: &str, saved: &Saved) {
    if let (Some(storage), Ok(text)) = (local_storage(), serde_json::to_string(saved)) {
        let _ = storage.set_item(&storage_key(server), &text);
    }
}

/// Forgets the saved conversation.
pub fn forget(server: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(&storage_key(server));
    }
}

fn post<B: Serialize>(url: &str, body: &B) -> Result<gloo_net::http::Request, String> {
    Request::post(url).json(body).map_err(|e| e.to_string())
}

/// Whether a person can answer now.
pub async fn availability(server: &str) -> Result<Availability, String> {
    browser_link::answer(Request::get(&format!("{server}/api/availability")).send().await).await
}

/// Starts a conversation with what the visitor searched and read.
pub async fn start(server: &str, request: &StartConversation) -> Result<ConversationStarted, String> {
    browser_link::answer(post(&format!("{server}/api/conversations"), request)?.send().await).await
}

/// Leaves a message for when someone is back.
pub async fn leave_message(server: &str, request: &LeaveMessage) -> Result<TicketCreated, String> {
    browser_link::answer(post(&format!("{server}/api/tickets"), request)?.send().await).await
}

thread_local! {
    /// Frames for the socket task. Replacing it (a new conversation) ends the old task.
    static OUTGOING: RefCell<Option<UnboundedSender<ClientFrame>>> = const { RefCell::new(None) };
    static NEXT_ID: Cell<u32> = const { Cell::new(0) };
}

/// A client id unique to this page view and conversation: random prefix, then a counter.
pub fn client_id() -> String {
    thread_local! {
        static PREFIX: String = format!("w{:x}", (js_sys::Math::random() * f64::from(u32::MAX)) as u32);
    }
    let n = NEXT_ID.with(|next| {
        next.set(next.get() + 1);
        next.get()
    });
    PREFIX.with(|prefix| format!("{prefix}-{n}"))
}

/// Sends a frame now if the socket is up. Frames sent while it is down are dropped: messages wait in
/// the outbox and are resent on reconnect; typing and read reports are only worth sending live.
pub fn send(frame: ClientFrame) {
    OUTGOING.with(|outgoing| {
        if let Some(sender) = outgoing.borrow().as_ref() {
            let _ = sender.unbounded_send(frame);
        }
    });
}

/// Ends the socket task, if any.
pub fn disconnect() {
    OUTGOING.with(|outgoing| outgoing.borrow_mut().take());
}

/// Opens the visitor socket for `token` and keeps it open (reconnecting with growing pauses) until
/// [`disconnect`] or the server refuses the token. `chat` says where to resume and what to resend, and
/// learns of every drop; each frame from the server goes to `on_frame`.
pub fn connect(server: &str, token: String, chat: RwSignal<Chat>, on_frame: impl Fn(ServerFrame) + 'static) {
    let (sender, receiver) = unbounded();
    OUTGOING.with(|outgoing| *outgoing.borrow_mut() = Some(sender));
    let url = format!("{}/ws/visitor", server.replacen("http", "ws", 1));
    leptos::task::spawn_local(run(url, token, chat, on_frame, receiver));
}

async fn run(
    url: String,
    token: String,
    chat: RwSignal<Chat>,
    on_frame: impl Fn(ServerFrame),
    mut outgoing: UnboundedReceiver<ClientFrame>,
) {
    let mut retry = FIRST_RETRY_MS;
    loop {
        if let Ok(socket) = WebSocket::open(&url) {
            let (mut sink, mut incoming) = socket.split();
            // Whatever piled up while the socket was down is stale; the outbox holds the messages.
            while outgoing.try_recv().is_ok() {}
            let after_seq = chat.with_untracked(Chat::last_seq);
            let mut first =
                vec![ClientFrame::Hello { version: PROTOCOL_VERSION, token: token.clone(), after_seq }];
            chat.with_untracked(|chat| {
                first.extend(
                    chat.to_resend()
                        .map(|o| ClientFrame::Send { client_id: o.client_id.clone(), body: o.body.clone() }),
                );
            });
            let mut up = true;
            for frame in &first {
                up = up && browser_link::write(&mut sink, frame).await;
            }
            while up {
                match select(incoming.next(), outgoing.next()).await {
                    Either::Left((Some(Ok(Message::Text(text))), _)) => {
                        match serde_json::from_str::<ServerFrame>(&text) {
                            Ok(frame) => {
                                if matches!(frame, ServerFrame::Welcome { .. }) {
                                    retry = FIRST_RETRY_MS;
                                }
                                on_frame(frame);
                            }
                            Err(err) => web_sys::console::warn_1(&format!("Answerdesk chat: {err}").into()),
                        }
                    }
                    Either::Left((Some(Ok(Message::Bytes(_))), _)) => {}
                    Either::Left((Some(Err(_)) | None, _)) => up = false,
                    Either::Right((Some(frame), _)) => up = browser_link::write(&mut sink, &frame).await,
                    Either::Right((None, _)) => return,
                }
            }
        }
        chat.update(Chat::disconnected);
        if chat.with_untracked(|chat| chat.link == Link::Gone) {
            return;
        }
        browser_link::sleep(retry).await;
        retry = (retry * 2).min(LAST_RETRY_MS);
        // Replaced or ended while we waited.
        if matches!(outgoing.try_recv(), Err(TryRecvError::Closed)) {
            return;
        }
    }
}
