//! Telling everyone concerned about a change to a conversation: the visitor's sockets and the agents'
//! consoles, through the hub (which, with several nodes, goes by the bus to every node's hub).

use protocol::agent;
use protocol::visitor::ServerFrame;

use crate::AppState;

/// Tells everyone about a committed message: visitor sockets (unless private) and agents.
pub async fn message(state: &AppState, id: &str, message: protocol::chat::ChatMessage) {
    if !message.private {
        state.hub.to_visitor(id, ServerFrame::Message(message.clone()));
    }
    state.hub.to_agents(agent::ServerFrame::Message { conversation_id: id.to_owned(), message });
    summary(state, id).await;
}

/// Pushes a conversation's fresh summary (unread count, preview, assignee) to agents.
pub async fn summary(state: &AppState, id: &str) {
    match state.db.summary(id).await {
        Ok(summary) => state.hub.to_agents(agent::ServerFrame::Updated(summary)),
        Err(e) => tracing::error!(conversation = %id, error = %e, "summary failed"),
    }
}
