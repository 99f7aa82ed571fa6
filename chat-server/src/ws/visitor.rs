//! The visitor socket: hello with the visitor token, replay after the last seen seq, then live.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use protocol::chat::{Ack, Author, ConversationStatus, ErrorCode};
use protocol::visitor::{ClientFrame, QueueStatus, ServerFrame};
use protocol::{PROTOCOL_VERSION, agent};
use tokio::sync::broadcast::error::RecvError;

use super::{Incoming, check_body, check_client_id, close, db_error, error, next_frame, send};
use crate::AppState;
use crate::auth::token_hash;
use crate::db::{DbError, NewMessage};
use crate::http::extract::origin_allowed;
use crate::limits::Coalesce;
use crate::publish;

/// `GET /ws/visitor`: checks the Origin, then upgrades.
pub async fn upgrade(
    ws: WebSocketUpgrade,
    State(state): State<Arc<AppState>>,
    client: crate::http::extract::ClientIp,
    headers: HeaderMap,
) -> Response {
    if !origin_allowed(&headers, &state.config.allowed_origins) {
        tracing::warn!(origin = ?headers.get("origin"), "visitor socket from a page not allowed");
        return (StatusCode::FORBIDDEN, "origin not allowed").into_response();
    }
    let place = match super::admit(&state, client) {
        Ok(place) => place,
        Err(refused) => return super::refusal(refused),
    };
    let max = state.config.limits.max_frame_bytes;
    super::limited(ws, max).on_upgrade(move |socket| async move {
        let _open = (state.socket_opened(), place);
        run(socket, state.clone()).await;
    })
}

fn refuse(code: ErrorCode, message: impl Into<String>) -> ServerFrame {
    ServerFrame::Error(error(code, message))
}

async fn run(mut socket: WebSocket, state: Arc<AppState>) {
    let hello =
        tokio::time::timeout(super::HELLO_TIMEOUT, next_frame(&mut socket, &mut true, ServerFrame::Error))
            .await;
    let (token, after_seq) = match hello {
        Ok(Incoming::Frame(ClientFrame::Hello { version, token, after_seq })) => {
            if version != PROTOCOL_VERSION {
                let message = format!("protocol version {version} is not supported; use {PROTOCOL_VERSION}");
                let _ = send(&mut socket, &refuse(ErrorCode::UnsupportedVersion, message)).await;
                return;
            }
            (token, after_seq)
        }
        Ok(Incoming::Frame(_)) => {
            let _ =
                send(&mut socket, &refuse(ErrorCode::HelloRequired, "the first frame must be a hello")).await;
            return;
        }
        // A rejected frame has had its error already; without a hello there is nothing to keep open.
        Ok(Incoming::Rejected | Incoming::Gone) | Err(_) => return,
    };
    let conversation = match state.db.conversation_by_token(&token_hash(&token)).await {
        Ok(conversation) => conversation,
        Err(e) => {
            let frame = match e {
                DbError::NotFound => error(ErrorCode::Unauthorized, "unknown visitor token"),
                other => db_error(other, None),
            };
            let _ = send(&mut socket, &ServerFrame::Error(frame)).await;
            return;
        }
    };
    let id = conversation.id.clone();
    // Subscribe before reading the replay, so a message committed in between arrives live; the seq
    // check below drops whatever the replay already delivered.
    let mut live = state.hub.subscribe_conversation(&id);
    let replay = match state.db.messages_after(&id, after_seq, crate::db::Notes::Left).await {
        Ok(replay) => replay,
        Err(e) => {
            let _ = send(&mut socket, &ServerFrame::Error(db_error(e, None))).await;
            return;
        }
    };
    let last_seq = replay.last().map_or(conversation.last_seq, |m| m.seq.max(conversation.last_seq));
    let welcome = ServerFrame::Welcome {
        version: PROTOCOL_VERSION,
        conversation_id: id.clone(),
        status: conversation.status,
        last_seq,
        rated: conversation.rated,
    };
    let mut visit =
        Visit { typing: Coalesce::new(TYPING_GAP), read: conversation.visitor_read_seq, seen: last_seq };
    if send(&mut socket, &welcome).await.is_err() {
        return;
    }
    let mut sent_up_to = after_seq;
    for message in replay {
        sent_up_to = message.seq;
        if send(&mut socket, &ServerFrame::Message(message)).await.is_err() {
            return;
        }
    }
    // The line as this node last worked it out; a move wakes us with the new places.
    let mut places = state.places.subscribe();
    let mut place = None;
    let mut waiting = conversation.status == ConversationStatus::Open;
    if waiting {
        let now = places.borrow_and_update().clone();
        match tell_place(&now, &id, &mut socket, &mut place).await {
            Ok(still) => waiting = still,
            Err(()) => return,
        }
    }
    tracing::debug!(conversation = %id, after_seq, "visitor connected");
    let mut shutdown = state.shutdown.clone();
    // A shutdown that began before this clone would never show up as a change: check it once.
    if *shutdown.borrow_and_update() {
        let _ = socket.send(close(1001, "server restarting; reconnect and resume")).await;
        return;
    }
    let mut liveness =
        super::Liveness::new(std::time::Duration::from_secs(state.config.limits.ping_secs.max(1)));
    loop {
        tokio::select! {
            incoming = next_frame(&mut socket, &mut liveness.heard, ServerFrame::Error) => match incoming {
                Incoming::Frame(frame) => {
                    if handle(&state, &id, &mut socket, &mut visit, frame).await.is_err() {
                        break;
                    }
                }
                Incoming::Rejected => {}
                Incoming::Gone => break,
            },
            event = live.recv() => {
                let frame = match event {
                    Ok(ServerFrame::Message(message)) if message.seq <= sent_up_to => continue,
                    Ok(frame) => frame,
                    Err(RecvError::Lagged(_)) => {
                        // Too slow to keep up: close, and the client resumes from its last seq.
                        let _ = socket.send(close(1013, "lagging; reconnect and resume")).await;
                        break;
                    }
                    Err(RecvError::Closed) => break,
                };
                if let ServerFrame::Message(message) = &frame {
                    sent_up_to = message.seq;
                    visit.seen = visit.seen.max(message.seq);
                }
                if let ServerFrame::Queue(status) = &frame {
                    // Back in line (an agent gave the conversation back): watch the line again.
                    waiting = status.position > 0;
                    place = Some(status.clone());
                }
                if send(&mut socket, &frame).await.is_err() {
                    break;
                }
            }
            moved = places.changed(), if waiting => match moved {
                Ok(()) => {
                    let now = places.borrow_and_update().clone();
                    match tell_place(&now, &id, &mut socket, &mut place).await {
                        Ok(still) => waiting = still,
                        Err(()) => break,
                    }
                }
                Err(_) => waiting = false,
            },
            _ = tokio::time::sleep_until(visit.typing.due().unwrap_or_else(Instant::now).into()),
                if visit.typing.due().is_some() => {
                if let Some(typing) = visit.typing.flush(Instant::now()) {
                    state.hub.to_agents(agent::ServerFrame::Typing { conversation_id: id.clone(), typing });
                }
            }
            _ = liveness.ticks.tick() => {
                if liveness.ping(&mut socket).await.is_err() {
                    break;
                }
            }
            _ = shutdown.changed() => {
                let _ = socket.send(close(1001, "server restarting; reconnect and resume")).await;
                break;
            }
        }
    }
    // Gone while agents see "typing…" (a stop that waited out the gap is lost with the socket): say so.
    if visit.typing.shown() {
        state.hub.to_agents(agent::ServerFrame::Typing { conversation_id: id, typing: false });
    }
}

/// What one visitor socket remembers so that a flood of hints costs the agents nothing: typing is
/// passed on when it changes, at most once per [`TYPING_GAP`]; a read mark only when it moves forward,
/// and never past what this socket has seen.
#[derive(Debug)]
struct Visit {
    typing: Coalesce,
    /// The read mark last stored.
    read: u64,
    /// The highest seq this socket has delivered or acknowledged.
    seen: u64,
}

/// The most often agents hear that a visitor started or stopped typing.
const TYPING_GAP: std::time::Duration = std::time::Duration::from_millis(500);

/// Sends the visitor's place in line from this node's `places` if it changed since `place`; says whether
/// they are still waiting. Nothing is sent for a conversation never seen in line.
async fn tell_place(
    places: &crate::assignment::Places,
    id: &str,
    socket: &mut WebSocket,
    place: &mut Option<QueueStatus>,
) -> Result<bool, ()> {
    let now = match places.positions.get(id) {
        Some(&position) => QueueStatus { position, expected_wait_secs: places.expected_wait_secs },
        // Out of the line after being in it: taken (or closed). Never seen in it: not worked out yet
        // (a conversation that just started), or taken at once; keep watching either way.
        None if place.as_ref().is_some_and(|p| p.position > 0) => {
            QueueStatus { position: 0, expected_wait_secs: None }
        }
        None => return Ok(true),
    };
    if place.as_ref() != Some(&now) {
        send(socket, &ServerFrame::Queue(now.clone())).await?;
    }
    let waiting = now.position > 0;
    *place = Some(now);
    Ok(waiting)
}

async fn handle(
    state: &AppState,
    id: &str,
    socket: &mut WebSocket,
    visit: &mut Visit,
    frame: ClientFrame,
) -> Result<(), ()> {
    let reply = match frame {
        ClientFrame::Hello { .. } => refuse(ErrorCode::Invalid, "hello was already received"),
        ClientFrame::Send { client_id, body } => {
            let mut checked = check_client_id(&client_id)
                .and_then(|()| check_body(&body, state.config.limits.max_message_chars));
            if checked.is_ok() && !state.message_limit.allow(id).await {
                checked = Err(error(ErrorCode::RateLimited, "too many messages; slow down"));
            }
            if let Err(mut refused) = checked {
                refused.client_id = Some(client_id);
                return send(socket, &ServerFrame::Error(refused)).await;
            }
            let new = NewMessage {
                author: Author::Visitor,
                client_id: Some(client_id.clone()),
                body,
                private: false,
            };
            match state.db.append_message(id, new).await {
                Ok(appended) => {
                    visit.seen = visit.seen.max(appended.message.seq);
                    let ack = Ack { client_id, seq: appended.message.seq, duplicate: appended.duplicate };
                    // Ack first: the message is durable now, and the visitor should not wait on fan-out.
                    send(socket, &ServerFrame::Ack(ack)).await?;
                    if !appended.duplicate {
                        publish::message(state, id, appended.message).await;
                    }
                    return Ok(());
                }
                Err(e) => ServerFrame::Error(db_error(e, Some(client_id))),
            }
        }
        ClientFrame::Typing { typing } => {
            if let Some(typing) = visit.typing.offer(typing, Instant::now()) {
                state.hub.to_agents(agent::ServerFrame::Typing { conversation_id: id.to_owned(), typing });
            }
            return Ok(());
        }
        ClientFrame::Read { up_to_seq } => {
            let up_to_seq = up_to_seq.min(visit.seen);
            if up_to_seq <= visit.read {
                return Ok(());
            }
            match state.db.mark_read(id, crate::db::Reader::Visitor, up_to_seq).await {
                Ok(()) => {
                    visit.read = up_to_seq;
                    let read = agent::ServerFrame::Read { conversation_id: id.to_owned(), up_to_seq };
                    state.hub.to_agents(read);
                    return Ok(());
                }
                Err(e) => ServerFrame::Error(db_error(e, None)),
            }
        }
        ClientFrame::Rate { score, comment } => {
            let comment = comment.filter(|c| !c.trim().is_empty());
            if !(1..=5).contains(&score) {
                refuse(ErrorCode::Invalid, "score must be 1 to 5")
            } else if comment
                .as_ref()
                .is_some_and(|c| c.chars().count() > state.config.limits.max_message_chars)
            {
                refuse(ErrorCode::TooLarge, "comment is too long")
            } else {
                match state.db.rate(id, score, comment.as_deref()).await {
                    Ok(()) => {
                        tracing::info!(conversation = %id, score, "conversation rated");
                        publish::summary(state, id).await;
                        if state.config.satisfaction.ask_recommend {
                            send(socket, &ServerFrame::Rated).await?;
                            ServerFrame::AskRecommend
                        } else {
                            ServerFrame::Rated
                        }
                    }
                    Err(e) => ServerFrame::Error(db_error(e, None)),
                }
            }
        }
        ClientFrame::Recommend { score } => {
            if score > 10 {
                refuse(ErrorCode::Invalid, "score must be 0 to 10")
            } else {
                match state.db.recommend(id, score).await {
                    Ok(()) => ServerFrame::Recommended,
                    Err(e) => ServerFrame::Error(db_error(e, None)),
                }
            }
        }
    };
    send(socket, &reply).await
}
