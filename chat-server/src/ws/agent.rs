//! The agent socket: session cookie at the upgrade, CSRF token in the hello, then the live inbox.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use protocol::agent::{CLOSE_LOGGED_OUT as LOGGED_OUT, ClientFrame, ServerFrame};
use protocol::chat::{Ack, Author, ChatMessage, ErrorCode};
use protocol::rest::AgentInfo;
use protocol::{PROTOCOL_VERSION, visitor};
use tokio::sync::broadcast::error::RecvError;

use super::{Incoming, check_body, check_client_id, close, db_error, error, next_frame, send};
use crate::AppState;
use crate::auth::same_secret;
use crate::db::NewMessage;
use crate::http::extract::same_origin;
use crate::publish;

/// `GET /ws/agent`: same-origin page and a valid session cookie, then upgrade.
pub async fn upgrade(
    ws: WebSocketUpgrade,
    State(state): State<Arc<AppState>>,
    client: crate::http::extract::ClientIp,
    headers: HeaderMap,
) -> Response {
    if !same_origin(&headers, state.config.public_url.as_ref()) {
        return (StatusCode::FORBIDDEN, "origin not allowed").into_response();
    }
    let (agent, csrf) = match crate::http::extract::agent_session(&state, &headers).await {
        Ok(session) => session,
        Err(e) => return e.into_response(),
    };
    // A session was found, so its cookie is there.
    let session = crate::http::extract::session_hash(&headers).unwrap_or_default();
    let place = match super::admit(&state, client) {
        Ok(place) => place,
        Err(refused) => return super::refusal(refused),
    };
    let max = state.config.limits.max_frame_bytes;
    super::limited(ws, max).on_upgrade(move |socket| async move {
        let _open = (state.socket_opened(), place);
        run(socket, state.clone(), agent, Session { hash: session, csrf }).await;
    })
}

/// How many closed conversations the inbox lists, and how many of a visitor's earlier ones a history
/// carries: enough for the agent's day, small enough for every (re)connect.
const CLOSED_LISTED: u32 = 50;
const EARLIER_LISTED: u32 = 10;

fn refuse(code: ErrorCode, message: impl Into<String>) -> ServerFrame {
    ServerFrame::Error(error(code, message))
}

/// The login a socket was opened with.
struct Session {
    /// SHA-256 of the session token.
    hash: String,
    csrf: String,
}

/// How often an idle agent socket checks that its session still exists: a session ended on a node the
/// hub did not hear from, or by `chat-server agent add` (a new password), closes its sockets within this.
const SESSION_RECHECK: Duration = Duration::from_secs(10);

/// Whether the session still lets its agent in (a database failure gives it the benefit of the doubt).
async fn session_lives(state: &AppState, hash: &str) -> bool {
    let now = jiff::Timestamp::now().as_second();
    !matches!(state.db.session(hash, now).await, Err(crate::db::DbError::NotFound))
}

async fn run(mut socket: WebSocket, state: Arc<AppState>, agent: AgentInfo, session: Session) {
    let Session { hash: session, csrf } = session;
    let hello =
        tokio::time::timeout(super::HELLO_TIMEOUT, next_frame(&mut socket, &mut true, ServerFrame::Error))
            .await;
    match hello {
        Ok(Incoming::Frame(ClientFrame::Hello { version, csrf: sent })) => {
            if version != PROTOCOL_VERSION {
                let message = format!("protocol version {version} is not supported; use {PROTOCOL_VERSION}");
                let _ = send(&mut socket, &refuse(ErrorCode::UnsupportedVersion, message)).await;
                return;
            }
            if !same_secret(&sent, &csrf) {
                let _ = send(&mut socket, &refuse(ErrorCode::Unauthorized, "wrong CSRF token")).await;
                return;
            }
        }
        Ok(Incoming::Frame(_)) => {
            let _ =
                send(&mut socket, &refuse(ErrorCode::HelloRequired, "the first frame must be a hello")).await;
            return;
        }
        // A rejected frame has had its error already; without a hello there is nothing to keep open.
        Ok(Incoming::Rejected | Incoming::Gone) | Err(_) => return,
    }
    let _present = state.hub.agent_present(&agent.username);
    let mut live = state.hub.subscribe_agents();
    let mut typing = state.hub.subscribe_agent_typing();
    let mut ended = state.hub.watch_sessions_ended();
    // A logout between the upgrade's check and this subscription would go unheard: look once more.
    if !session_lives(&state, &session).await {
        let _ = socket.send(close(LOGGED_OUT, "logged out")).await;
        return;
    }
    let mut recheck =
        tokio::time::interval_at(tokio::time::Instant::now() + SESSION_RECHECK, SESSION_RECHECK);
    // Someone is free now: the line may move before the inbox is listed.
    crate::assignment::balance(&state).await;
    let listed = async {
        Ok::<_, crate::db::DbError>((
            state.db.open_summaries().await?,
            state.db.closed_summaries(CLOSED_LISTED).await?,
        ))
    };
    let (conversations, closed) = match listed.await {
        Ok(lists) => lists,
        Err(e) => {
            let _ = send(&mut socket, &ServerFrame::Error(db_error(e, None))).await;
            return;
        }
    };
    let inbox = ServerFrame::Inbox { version: PROTOCOL_VERSION, agent: agent.clone(), conversations, closed };
    if send(&mut socket, &inbox).await.is_err() {
        return;
    }
    tracing::info!(agent = %agent.username, "agent connected");
    let mut shutdown = state.shutdown.clone();
    // A shutdown that began before this clone would never show up as a change: check it once.
    if *shutdown.borrow_and_update() {
        let _ = socket.send(close(1001, "server restarting; reconnect")).await;
        return;
    }
    let mut liveness = super::Liveness::new(Duration::from_secs(state.config.limits.ping_secs.max(1)));
    loop {
        tokio::select! {
            incoming = next_frame(&mut socket, &mut liveness.heard, ServerFrame::Error) => match incoming {
                Incoming::Frame(frame) => {
                    // Every action asks the database first: a session ended elsewhere acts no more.
                    let hint = matches!(frame, ClientFrame::Typing { .. });
                    if !hint && !session_lives(&state, &session).await {
                        let _ = socket.send(close(LOGGED_OUT, "logged out")).await;
                        break;
                    }
                    if handle(&state, &agent, &mut socket, frame).await.is_err() {
                        break;
                    }
                }
                Incoming::Rejected => {}
                Incoming::Gone => break,
            },
            event = live.recv() => match event {
                Ok(frame) => {
                    if send(&mut socket, &frame).await.is_err() {
                        break;
                    }
                }
                Err(RecvError::Lagged(_)) => {
                    // The page reloads its inbox on reconnect, so closing loses nothing.
                    let _ = socket.send(close(1013, "lagging; reconnect")).await;
                    break;
                }
                Err(RecvError::Closed) => break,
            },
            hint = typing.recv() => match hint {
                Ok(frame) => {
                    if send(&mut socket, &frame).await.is_err() {
                        break;
                    }
                }
                // Hints missed while behind are stale anyway; the next one says how things are.
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            },
            gone = ended.recv() => {
                let out = match gone {
                    Ok(hash) => hash == session,
                    // Too many ended at once to tell which: ask the database.
                    Err(RecvError::Lagged(_)) => !session_lives(&state, &session).await,
                    Err(RecvError::Closed) => break,
                };
                if out {
                    let _ = socket.send(close(LOGGED_OUT, "logged out")).await;
                    break;
                }
            }
            _ = recheck.tick() => {
                if !session_lives(&state, &session).await {
                    let _ = socket.send(close(LOGGED_OUT, "logged out")).await;
                    break;
                }
            }
            _ = liveness.ticks.tick() => {
                if liveness.ping(&mut socket).await.is_err() {
                    break;
                }
            }
            _ = shutdown.changed() => {
                let _ = socket.send(close(1001, "server restarting; reconnect")).await;
                break;
            }
        }
    }
    tracing::info!(agent = %agent.username, "agent disconnected");
}

async fn handle(
    state: &AppState,
    agent: &AgentInfo,
    socket: &mut WebSocket,
    frame: ClientFrame,
) -> Result<(), ()> {
    let reply = match frame {
        ClientFrame::Hello { .. } => refuse(ErrorCode::Invalid, "hello was already received"),
        ClientFrame::Open { conversation_id } => {
            crate::privacy::audit(state.db.as_ref(), &agent.username, "open", Some(&conversation_id), None)
                .await;
            let loaded = async {
                let context = state.db.context(&conversation_id).await?;
                let messages =
                    state.db.messages_after(&conversation_id, 0, crate::db::Notes::Included).await?;
                let earlier = state.db.earlier_summaries(&conversation_id, EARLIER_LISTED).await?;
                Ok::<_, crate::db::DbError>((context, messages, earlier))
            };
            match loaded.await {
                Ok((context, messages, earlier)) => {
                    ServerFrame::History { conversation_id, context, messages, earlier }
                }
                Err(e) => ServerFrame::Error(db_error(e, None)),
            }
        }
        ClientFrame::Reply { conversation_id, client_id, body } => {
            write(state, agent, conversation_id, client_id, body, Said::Reply).await
        }
        ClientFrame::Note { conversation_id, client_id, body } => {
            write(state, agent, conversation_id, client_id, body, Said::Note).await
        }
        ClientFrame::Typing { conversation_id, typing } => {
            state.hub.to_visitor(&conversation_id, visitor::ServerFrame::Typing { typing });
            return Ok(());
        }
        ClientFrame::Read { conversation_id, up_to_seq } => {
            match state.db.mark_read(&conversation_id, crate::db::Reader::Agents, up_to_seq).await {
                Ok(()) => {
                    state.hub.to_visitor(&conversation_id, visitor::ServerFrame::Read { up_to_seq });
                    publish::summary(state, &conversation_id).await;
                    return Ok(());
                }
                Err(e) => ServerFrame::Error(db_error(e, None)),
            }
        }
        ClientFrame::Assign { conversation_id, assignee, team } => {
            if let Some(username) = &assignee
                && let Err(e) = state.db.agent(username).await
            {
                let e = match e {
                    crate::db::DbError::NotFound => {
                        crate::db::DbError::Conflict(format!("no agent {username:?}"))
                    }
                    other => other,
                };
                return send(socket, &ServerFrame::Error(db_error(e, None))).await;
            }
            match state.db.assign(&conversation_id, assignee.as_deref(), team.as_deref()).await {
                Ok(()) => {
                    tracing::info!(conversation = %conversation_id, by = %agent.username, ?assignee, ?team, "assigned");
                    let detail = match &team {
                        Some(team) => format!("to {} in {team}", assignee.as_deref().unwrap_or("nobody")),
                        None => format!("to {}", assignee.as_deref().unwrap_or("nobody")),
                    };
                    crate::privacy::audit(
                        state.db.as_ref(),
                        &agent.username,
                        "assign",
                        Some(&conversation_id),
                        Some(detail),
                    )
                    .await;
                    publish::summary(state, &conversation_id).await;
                    // Given back, moved or taken from someone: whoever has room now may get the next one.
                    crate::assignment::balance(state).await;
                    // Given back (and not handed out again at once): its visitor is in line again, and their
                    // socket watches the line from here.
                    if assignee.is_none()
                        && let Some(status) = crate::assignment::queue_status(state, &conversation_id).await
                        && status.position > 0
                    {
                        state.hub.to_visitor(&conversation_id, visitor::ServerFrame::Queue(status));
                    }
                    return Ok(());
                }
                Err(e) => ServerFrame::Error(db_error(e, None)),
            }
        }
        ClientFrame::Close { conversation_id } => match state.db.close(&conversation_id).await {
            Ok(()) => {
                tracing::info!(conversation = %conversation_id, by = %agent.username, "closed");
                crate::privacy::audit(
                    state.db.as_ref(),
                    &agent.username,
                    "close",
                    Some(&conversation_id),
                    None,
                )
                .await;
                state.hub.to_visitor(&conversation_id, visitor::ServerFrame::Closed);
                publish::summary(state, &conversation_id).await;
                crate::assignment::balance(state).await;
                return Ok(());
            }
            Err(e) => ServerFrame::Error(db_error(e, None)),
        },
    };
    send(socket, &reply).await
}

/// What an agent writes: to the visitor, or a note only agents see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Said {
    Reply,
    Note,
}

/// A reply or a private note: committed, acknowledged, then published.
async fn write(
    state: &AppState,
    agent: &AgentInfo,
    conversation_id: String,
    client_id: String,
    body: String,
    said: Said,
) -> ServerFrame {
    let private = said == Said::Note;
    let checked =
        check_client_id(&client_id).and_then(|()| check_body(&body, state.config.limits.max_message_chars));
    if let Err(mut refused) = checked {
        refused.client_id = Some(client_id);
        return ServerFrame::Error(refused);
    }
    let author = Author::Agent { name: agent.display_name.clone() };
    let new = NewMessage { author, client_id: Some(client_id.clone()), body, private };
    let appended = match state.db.append_message(&conversation_id, new).await {
        Ok(appended) => appended,
        Err(e) => return ServerFrame::Error(db_error(e, Some(client_id))),
    };
    if !appended.duplicate {
        // The first agent to reply takes an unassigned conversation.
        if !private
            && let Ok(conversation) = state.db.conversation(&conversation_id).await
            && conversation.assignee.is_none()
            && let Err(e) = state.db.assign(&conversation_id, Some(&agent.username), None).await
        {
            tracing::error!(error = %e, "auto-assign failed");
        }
        if !private {
            email_if_unseen(state, &conversation_id, agent, &appended.message);
        }
        publish::message(state, &conversation_id, appended.message.clone()).await;
    }
    ServerFrame::Ack(Ack { client_id, seq: appended.message.seq, duplicate: appended.duplicate })
}

/// Sends a reply the visitor may never see to the email they gave, if any. On a single node, a visitor
/// with no socket here has left, so it goes at once. Otherwise (their socket is open, or may be open on
/// another node) it goes only if the shared read pointer has not reached it `email.unseen_after_secs` later.
fn email_if_unseen(state: &AppState, conversation_id: &str, agent: &AgentInfo, reply: &ChatMessage) {
    if state.config.email.smtp_url.is_none() {
        return;
    }
    let gone = !state.hub.is_remote() && !state.hub.visitor_connected(conversation_id);
    let wait = if gone { Duration::ZERO } else { Duration::from_secs(state.config.email.unseen_after_secs) };
    let (db, settings) = (state.db.clone(), state.config.email.clone());
    let (id, name, seq, body) =
        (conversation_id.to_owned(), agent.display_name.clone(), reply.seq, reply.body.clone());
    // Sending can take seconds; the agent's ack must not wait for it.
    tokio::spawn(async move {
        tokio::time::sleep(wait).await;
        if db.conversation(&id).await.is_ok_and(|c| c.visitor_read_seq >= seq) {
            return;
        }
        let Ok(context) = db.context(&id).await else { return };
        let Some(to) = context.identity.and_then(|identity| identity.email) else { return };
        match crate::email::send_reply(&settings, &to, &name, &body).await {
            Ok(true) => tracing::info!(conversation = %id, "reply emailed to the visitor"),
            Ok(false) => {}
            Err(e) => tracing::warn!(conversation = %id, error = %e, "emailing the reply failed"),
        }
    });
}
