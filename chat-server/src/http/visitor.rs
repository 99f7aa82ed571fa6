//! Visitor REST: availability, starting a conversation, reading it back, leaving a message offline.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use protocol::chat::{Author, ChatMessage, ErrorCode};
use protocol::rest::{Availability, ConversationStarted, LeaveMessage, StartConversation, TicketCreated};
use protocol::{EscalationContext, Identity, PROTOCOL_VERSION, agent};
use serde::Deserialize;

use super::extract::{ApiError, ClientIp, rate_limited};
use crate::AppState;
use crate::auth;
use crate::db::{DbError, NewConversation, NewMessage};

/// Whether a person can answer now: within hours, and an agent connected to this node or, with
/// several nodes, to any node that reported recently.
pub async fn availability_now(state: &AppState) -> Availability {
    let within_hours = crate::hours::within_hours(&state.config.hours, jiff::Timestamp::now());
    let agents = if state.hub.any_agent_online() {
        true
    } else if state.hub.is_remote() {
        let since = jiff::Timestamp::now().as_second() - crate::bus::PRESENCE_STALE;
        state.db.agents_online(since).await.is_ok_and(|online| !online.is_empty())
    } else {
        false
    };
    Availability {
        online: within_hours && agents,
        within_hours,
        expected_reply: state.config.hours.expected_reply.clone(),
    }
}

/// The agents connected now: to this node, and with several nodes to any that reported recently.
pub async fn agents_online(state: &AppState) -> Vec<String> {
    let mut online = state.hub.local_agents();
    if state.hub.is_remote() {
        let since = jiff::Timestamp::now().as_second() - crate::bus::PRESENCE_STALE;
        online.extend(state.db.agents_online(since).await.unwrap_or_default());
    }
    online.sort();
    online.dedup();
    online
}

pub(super) async fn availability(State(state): State<Arc<AppState>>) -> Json<Availability> {
    Json(availability_now(&state).await)
}

fn check_version(version: u32) -> Result<(), ApiError> {
    if version != PROTOCOL_VERSION {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::UnsupportedVersion,
            format!("protocol version {version} is not supported; this server speaks {PROTOCOL_VERSION}"),
        ));
    }
    Ok(())
}

fn vouched(state: &AppState, context: &EscalationContext) -> auth::Vouched {
    match (&state.config.identity_secret, &context.identity) {
        (Some(secret), Some(identity)) => auth::vouched(secret, identity),
        _ => auth::Vouched::default(),
    }
}

/// The team a new conversation goes to. The articles' teams and categories are first taken from the built
/// help center when chat-server has it (the context comes from the visitor's browser), so what agents
/// read is corrected too.
async fn team_for(state: &AppState, context: &mut EscalationContext) -> Option<String> {
    if let Some(articles) = &state.articles {
        articles.vouch(context).await;
    }
    state.config.routing.team_for(context)
}

/// A conversation just stored, and the token only its visitor gets.
struct Opened {
    id: String,
    token: String,
    team: Option<String>,
}

/// Stores a new open conversation for `context` (bounded, routed to its team, its identity checked).
async fn open(state: &AppState, context: protocol::EscalationContext) -> Result<Opened, ApiError> {
    let token = auth::random_token();
    let mut context = context.bounded();
    let team = team_for(state, &mut context).await;
    let vouched = vouched(state, &context);
    let new = NewConversation {
        id: auth::random_id(),
        token_hash: auth::token_hash(&token),
        team: team.clone(),
        identity_verified: vouched.id,
        identity_details_verified: vouched.details,
        context,
    };
    let id = new.id.clone();
    state.db.create_conversation(new).await?;
    Ok(Opened { id, token, team })
}

pub(super) async fn start(
    State(state): State<Arc<AppState>>,
    client: ClientIp,
    Json(request): Json<StartConversation>,
) -> Result<Json<ConversationStarted>, ApiError> {
    check_version(request.version)?;
    if !state.start_limit.allow(&client.key()).await {
        return Err(rate_limited());
    }
    within_memory(&state)?;
    let Opened { id, token, team } = open(&state, request.context).await?;
    tracing::info!(conversation = %id, team = ?team, "conversation started");
    state.hub.to_agents(agent::ServerFrame::Updated(state.db.summary(&id).await?));
    crate::assignment::balance(&state).await;
    Ok(Json(ConversationStarted {
        conversation_id: id,
        visitor_token: token,
        team,
        availability: availability_now(&state).await,
    }))
}

#[derive(Debug, Deserialize)]
pub(super) struct After {
    #[serde(default)]
    after_seq: u64,
}

/// History for the visitor who owns the conversation. Another visitor's token gets 404, never the data.
pub(super) async fn messages(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(after): Query<After>,
    headers: HeaderMap,
) -> Result<Json<Vec<ChatMessage>>, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, "visitor token required")
        })?;
    let conversation = match state.db.conversation_by_token(&auth::token_hash(token)).await {
        Ok(found) => found,
        Err(DbError::NotFound) => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                ErrorCode::Unauthorized,
                "unknown visitor token",
            ));
        }
        Err(other) => return Err(other.into()),
    };
    if conversation.id != id {
        tracing::warn!(conversation = %id, "visitor token used for another conversation");
        return Err(DbError::NotFound.into());
    }
    Ok(Json(state.db.messages_after(&id, after.after_seq, crate::db::Notes::Left).await?))
}

/// A new conversation only while the server is within its memory budget: 503, and the visitor is told to
/// try again, rather than a server killed for everyone.
fn within_memory(state: &AppState) -> Result<(), ApiError> {
    state.memory.admit().map_err(|refused| {
        tracing::warn!(%refused, "conversation refused");
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::RateLimited, refused.to_string())
    })
}

pub(super) async fn leave_message(
    State(state): State<Arc<AppState>>,
    client: ClientIp,
    Json(request): Json<LeaveMessage>,
) -> Result<(StatusCode, Json<TicketCreated>), ApiError> {
    check_version(request.version)?;
    within_memory(&state)?;
    let email = request.email.trim();
    if !protocol::plausible_email(email) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::Invalid,
            "a valid email address is required",
        ));
    }
    let chars = request.message.trim().chars().count();
    if !crate::text::visible(&request.message) || chars > state.config.limits.max_message_chars {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::TooLarge,
            "message is empty or too long",
        ));
    }
    if !state.start_limit.allow(&client.key()).await {
        return Err(rate_limited());
    }
    // The message becomes a conversation like any chat, so it waits in its team's queue in the inbox;
    // the address goes into the identity, where the email fallback sends an agent's reply.
    let mut context = request.context;
    let identity = context.identity.get_or_insert_with(|| Identity {
        id: email.to_owned(),
        name: None,
        email: None,
        signature: None,
    });
    identity.email = Some(email.to_owned());
    if identity.name.is_none() {
        identity.name = request.name.filter(|n| !n.trim().is_empty());
    }
    let Opened { id, token, .. } = open(&state, context).await?;
    let first = NewMessage {
        author: Author::Visitor,
        client_id: Some("left-message".to_owned()),
        body: request.message,
        private: false,
    };
    state.db.append_message(&id, first).await?;
    tracing::info!(conversation = %id, "message left while offline");
    state.hub.to_agents(agent::ServerFrame::Updated(state.db.summary(&id).await?));
    crate::assignment::balance(&state).await;
    Ok((
        StatusCode::CREATED,
        Json(TicketCreated {
            conversation_id: id,
            visitor_token: token,
            expected_reply: state.config.hours.expected_reply.clone(),
        }),
    ))
}
