//! Events across chat-server nodes through Postgres LISTEN/NOTIFY, so a visitor on node A and an agent
//! on node B talk live. Only used with a Postgres database.

use std::sync::Arc;
use std::time::Duration;

use protocol::{agent, visitor};
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::mpsc;

use crate::AppState;
use crate::db::DbError;
use crate::hub::Wire;

const CHANNEL: &str = "answerdesk_events";

/// Postgres refuses NOTIFY payloads of 8000 bytes or more; larger events travel as references.
const MAX_PAYLOAD: usize = 7900;

/// Events sent in one statement at most.
const MAX_BATCH: usize = 256;

/// How often a node reports its agents even when they do not change.
pub const PRESENCE_EVERY: Duration = Duration::from_secs(15);

/// A node whose last report is older than this counts as gone (crashed without saying so).
pub const PRESENCE_STALE: i64 = 45;

/// Starts listening, then routes this node's publishing through NOTIFY. Returns once LISTEN is active.
pub async fn start(state: Arc<AppState>, pool: PgPool) -> Result<(), DbError> {
    let mut listener = PgListener::connect_with(&pool).await?;
    listener.listen(CHANNEL).await?;
    let (sender, mut outgoing) = mpsc::unbounded_channel::<Wire>();
    state.hub.go_remote(sender);

    // One task sends, in order, so events keep the order they were published in. Whatever queued up
    // while the last batch was on its way goes in one statement: one round trip per batch, not per event,
    // is what keeps fan-out from falling behind under load.
    tokio::spawn(async move {
        let mut batch = Vec::new();
        while outgoing.recv_many(&mut batch, MAX_BATCH).await > 0 {
            let payloads: Vec<String> = batch
                .drain(..)
                .filter_map(|wire| {
                    wire.fitted(MAX_PAYLOAD)
                        .inspect_err(|e| tracing::error!(error = %e, "event not serializable"))
                        .ok()
                })
                .collect();
            // unnest yields the array in order, and a transaction's notifications arrive in the order sent.
            let notify = "SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload";
            if let Err(e) = sqlx::query(notify).bind(CHANNEL).bind(&payloads).execute(&pool).await {
                // Clients still get everything on their next reconnect/resume; the database is the truth.
                tracing::error!(error = %e, events = payloads.len(), "NOTIFY failed");
            }
        }
    });

    let node = crate::auth::random_id();
    let reporter = state.clone();
    tokio::spawn(async move {
        loop {
            let agents = reporter.hub.local_agents();
            let now = jiff::Timestamp::now().as_second();
            if let Err(e) = reporter.db.report_presence(&node, &agents, now).await {
                tracing::error!(error = %e, "presence report failed");
            }
            tokio::select! {
                _ = reporter.hub.presence_changed.notified() => {}
                _ = tokio::time::sleep(PRESENCE_EVERY) => {}
            }
        }
    });

    tokio::spawn(async move {
        loop {
            match listener.recv().await {
                Ok(notification) => match serde_json::from_str::<Wire>(notification.payload()) {
                    Ok(wire) => deliver(&state, wire).await,
                    Err(e) => tracing::warn!(error = %e, "unreadable event from another node"),
                },
                Err(e) => {
                    // PgListener reconnects by itself on the next recv; pause so a dead database is not spun on.
                    tracing::error!(error = %e, "LISTEN connection failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
    Ok(())
}

async fn deliver(state: &AppState, wire: Wire) {
    let hub = &state.hub;
    match wire {
        Wire::Visitor(id, frame) => hub.deliver_to_visitor(&id, frame),
        Wire::Agents(frame) => hub.deliver_to_agents(frame),
        Wire::VisitorMessage(id, seq) => {
            if let Some(message) = message(state, &id, seq).await
                && !message.private
            {
                hub.deliver_to_visitor(&id, visitor::ServerFrame::Message(message));
            }
        }
        Wire::AgentMessage(id, seq) => {
            if let Some(message) = message(state, &id, seq).await {
                hub.deliver_to_agents(agent::ServerFrame::Message { conversation_id: id, message });
            }
        }
        Wire::SessionEnded(token_hash) => hub.deliver_session_ended(&token_hash),
        Wire::AgentSummary(id) => match state.db.summary(&id).await {
            Ok(summary) => hub.deliver_to_agents(agent::ServerFrame::Updated(summary)),
            Err(e) => tracing::error!(conversation = %id, error = %e, "summary failed"),
        },
    }
}

async fn message(state: &AppState, id: &str, seq: u64) -> Option<protocol::chat::ChatMessage> {
    match state.db.messages_after(id, seq.saturating_sub(1), crate::db::Notes::Included).await {
        Ok(messages) => messages.into_iter().find(|m| m.seq == seq),
        Err(e) => {
            tracing::error!(conversation = %id, error = %e, "reading a message failed");
            None
        }
    }
}
