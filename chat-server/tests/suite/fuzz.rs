//! Fuzz target (see the `fuzzing` crate): frames on the visitor and agent sockets of a live server.
//!
//! Each case starts a conversation, opens a socket (saying hello first, or not), sends one to three
//! frames made from `fuzz/seeds/{visitor,agent}-frames` by mutation (`@TOKEN@` and `@ID@` stand for the
//! case's own conversation), as text or binary, then a probe the server must answer: an ack or an error
//! for the probe, or a clean close. No handler may panic (a panic hook counts them), nothing may hang,
//! and the server keeps serving.
#![allow(clippy::unwrap_used)] // Tests fail loudly on purpose.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::{SinkExt, StreamExt};
use proptest::prelude::*;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{Server, WAIT, login, start, start_conversation};
use protocol::{PROTOCOL_VERSION, agent, visitor};

/// Panics anywhere in this process since the fuzz server started.
static PANICS: AtomicUsize = AtomicUsize::new(0);

struct Fuzzed {
    runtime: tokio::runtime::Runtime,
    server: Server,
    cookie: String,
    csrf: String,
    /// The server's database, to close each case's conversation: open ones pile up in every agent's inbox,
    /// and a long run would measure that rather than the frames.
    db: std::sync::Arc<dyn chat_server::db::Database>,
}

/// One server for every case, with limits out of the way (the cases come from one address, fast).
fn fuzzed() -> &'static Fuzzed {
    static FUZZED: OnceLock<Fuzzed> = OnceLock::new();
    FUZZED.get_or_init(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            previous(info);
        }));
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let (server, cookie, csrf) = runtime.block_on(async {
            let server = start(|c| {
                c.limits.conversations_per_hour = u32::MAX;
                c.limits.messages_per_minute = u32::MAX;
                c.limits.max_frame_bytes = 4096;
            })
            .await;
            let (cookie, session) = login(&server, "lan").await;
            (server, cookie, session.csrf)
        });
        let db = runtime.block_on(chat_server::db::connect(&server.database_url)).unwrap();
        Fuzzed { runtime, server, cookie, csrf, db }
    })
}

/// A mutated frame, as text (usually) or as a binary frame.
fn frames(seeds: &str) -> impl Strategy<Value = Vec<(bool, Vec<u8>)>> {
    let frame = (prop::bool::weighted(0.9), fuzzing::mutated(fuzzing::seeds(seeds)));
    proptest::collection::vec(frame, 1..4)
}

fn message(text: bool, bytes: &[u8], token: &str, id: &str) -> Message {
    if text {
        let text = String::from_utf8_lossy(bytes).replace("@TOKEN@", token).replace("@ID@", id);
        Message::text(text)
    } else {
        Message::binary(bytes.to_vec())
    }
}

/// Reads until `answered` picks a frame or the socket closes; fails on a hang or on a frame that is not
/// the protocol's.
async fn answered<In: serde::de::DeserializeOwned>(
    socket: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    answered: impl Fn(&In) -> bool,
) -> Result<(), String> {
    loop {
        let next =
            tokio::time::timeout(WAIT, socket.next()).await.map_err(|_| "no answer: the server hangs")?;
        match next {
            Some(Ok(Message::Text(text))) => {
                let frame: In = serde_json::from_str(text.as_str()).map_err(|e| format!("{e}: {text}"))?;
                if answered(&frame) {
                    return Ok(());
                }
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            Some(Ok(Message::Close(_)) | Err(_)) | None => return Ok(()),
            Some(Ok(other)) => return Err(format!("unexpected {other:?}")),
        }
    }
}

/// The fuzzed frames of one case, with what stands for `@TOKEN@` and `@ID@` in them.
struct Sent<'a> {
    frames: &'a [(bool, Vec<u8>)],
    token: &'a str,
    conversation_id: &'a str,
}

/// Sends the fuzzed frames, then `probe`, and waits until an answer to it (`answers`) or a clean close;
/// the conversation is closed after, so it leaves every agent's inbox (see `Fuzzed::db`).
async fn probed<In: serde::de::DeserializeOwned>(
    fuzzed: &Fuzzed,
    socket: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    sent: Sent<'_>,
    probe: &impl serde::Serialize,
    answers: impl Fn(&In) -> bool,
) -> Result<(), String> {
    for (text, bytes) in sent.frames {
        // The server may have closed already (a frame over the limit, no hello): that is an answer.
        let _ = socket.send(message(*text, bytes, sent.token, sent.conversation_id)).await;
    }
    let _ = socket.send(Message::text(serde_json::to_string(probe).unwrap())).await;
    let outcome = answered(socket, answers).await;
    let _ = fuzzed.db.close(sent.conversation_id).await;
    outcome
}

proptest! {
    #![proptest_config(fuzzing::config())]

    #[test]
    fn any_visitor_frame_gets_a_clean_answer(hello_first in prop::bool::weighted(0.85), frames in frames("visitor-frames")) {
        let fuzzed = fuzzed();
        let outcome = fuzzed.runtime.block_on(async {
            let started = start_conversation(&fuzzed.server.http).await;
            let (token, id) = (started.visitor_token, started.conversation_id);
            let url = format!("{}/ws/visitor", fuzzed.server.ws);
            let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
            if hello_first {
                let hello = visitor::ClientFrame::Hello { version: PROTOCOL_VERSION, token: token.clone(), after_seq: 0 };
                socket.send(Message::text(serde_json::to_string(&hello).unwrap())).await.unwrap();
            }
            let probe = visitor::ClientFrame::Send { client_id: "probe".into(), body: "still there?".into() };
            let sent = Sent { frames: &frames, token: &token, conversation_id: &id };
            probed::<visitor::ServerFrame>(fuzzed, &mut socket, sent, &probe, |frame| match frame {
                visitor::ServerFrame::Ack(ack) => ack.client_id == "probe",
                visitor::ServerFrame::Error(error) => error.client_id.as_deref() == Some("probe") || error.client_id.is_none() && !hello_first,
                _ => false,
            })
            .await
        });
        prop_assert_eq!(outcome, Ok(()));
        prop_assert_eq!(PANICS.load(Ordering::SeqCst), 0, "a handler panicked");
    }

    #[test]
    fn any_agent_frame_gets_a_clean_answer(frames in frames("agent-frames")) {
        let fuzzed = fuzzed();
        let outcome = fuzzed.runtime.block_on(async {
            let id = start_conversation(&fuzzed.server.http).await.conversation_id;
            let mut request = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
                format!("{}/ws/agent", fuzzed.server.ws),
            )
            .unwrap();
            request.headers_mut().insert("cookie", fuzzed.cookie.parse().unwrap());
            let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
            let hello = agent::ClientFrame::Hello { version: PROTOCOL_VERSION, csrf: fuzzed.csrf.clone() };
            socket.send(Message::text(serde_json::to_string(&hello).unwrap())).await.unwrap();
            let probe = agent::ClientFrame::Open { conversation_id: id.clone() };
            let sent = Sent { frames: &frames, token: "", conversation_id: &id };
            probed::<agent::ServerFrame>(fuzzed, &mut socket, sent, &probe, |frame| {
                matches!(frame, agent::ServerFrame::History { conversation_id, .. } if *conversation_id == id)
            })
            .await
        });
        prop_assert_eq!(outcome, Ok(()));
        prop_assert_eq!(PANICS.load(Ordering::SeqCst), 0, "a handler panicked");
    }
}

#[test]
fn after_the_fuzzing_the_server_still_chats() {
    let fuzzed = fuzzed();
    fuzzed.runtime.block_on(async {
        let started = start_conversation(&fuzzed.server.http).await;
        let (mut guest, _) = crate::support::visitor(&fuzzed.server, &started.visitor_token, 0).await;
        guest.send(&visitor::ClientFrame::Send { client_id: "after".into(), body: "hello".into() }).await;
        let seq =
            guest.until(|f| if let visitor::ServerFrame::Ack(a) = f { Some(a.seq) } else { None }).await;
        assert_eq!(seq, 1);
    });
}
