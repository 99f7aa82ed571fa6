//! Live fan-out inside one process: each conversation's visitor sockets, and all agent sockets.
//!
//! The hub only carries notifications; the database is the truth. A socket that falls behind is closed
//! and its client resumes from its last seq, so nothing is lost when a channel overflows. Typing hints
//! for agents travel apart, on a channel where falling behind only skips hints: however many visitors
//! type, no agent is disconnected for it.
//!
//! With several nodes (Postgres), publishing goes out through [`crate::bus`] instead, and every node,
//! this one included, delivers what comes back in; so all nodes see events in the same order.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, OnceLock};

use protocol::{agent, visitor};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, broadcast, mpsc, watch};

/// Frames buffered per subscriber before it counts as lagging.
const CAPACITY: usize = 256;

/// In-process publish/subscribe for live frames.
#[derive(Debug)]
pub struct Hub {
    conversations: Mutex<HashMap<String, broadcast::Sender<visitor::ServerFrame>>>,
    agents: broadcast::Sender<agent::ServerFrame>,
    /// Visitors' typing hints for agents (lossy).
    agents_typing: broadcast::Sender<agent::ServerFrame>,
    /// Hashes of agent sessions that ended (logout), so their open sockets close.
    sessions_ended: broadcast::Sender<String>,
    /// Agent sockets open on this node, by username (an agent may have several tabs).
    agents_online: Mutex<BTreeMap<String, usize>>,
    remote: OnceLock<mpsc::UnboundedSender<Wire>>,
    /// Woken whenever this node's agents come or go, so the bus can report it at once.
    pub presence_changed: Notify,
    /// Counts conversation changes seen by this node's agents (from any node), so visitors waiting in
    /// line learn when their place may have moved.
    queue_moved: watch::Sender<u64>,
}

/// An event as it crosses nodes. Frames travel whole, so the receiving node only delivers them; Postgres
/// NOTIFY payloads are limited to 8000 bytes, so a message or summary too large for that travels as a
/// reference the receiving node reads back from the database ([`Wire::fitted`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Wire {
    /// A frame for a conversation's visitors.
    Visitor(String, visitor::ServerFrame),
    /// A frame for agents.
    Agents(agent::ServerFrame),
    /// Message `seq` of a conversation, for its visitors.
    VisitorMessage(String, u64),
    /// Message `seq` of a conversation, for agents.
    AgentMessage(String, u64),
    /// A conversation's summary changed.
    AgentSummary(String),
    /// The agent session with this token hash ended.
    SessionEnded(String),
}

impl Wire {
    /// The event as a payload of at most `limit` bytes: whole when it fits, else as a reference.
    pub fn fitted(self, limit: usize) -> serde_json::Result<String> {
        let whole = serde_json::to_string(&self)?;
        if whole.len() <= limit {
            return Ok(whole);
        }
        let reference = match self {
            Wire::Visitor(id, visitor::ServerFrame::Message(message)) => {
                Wire::VisitorMessage(id, message.seq)
            }
            Wire::Agents(agent::ServerFrame::Message { conversation_id, message }) => {
                Wire::AgentMessage(conversation_id, message.seq)
            }
            Wire::Agents(agent::ServerFrame::Updated(summary)) => Wire::AgentSummary(summary.id),
            // Other frames are small by construction (typing, read marks, presence).
            small => small,
        };
        serde_json::to_string(&reference)
    }
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            conversations: Mutex::new(HashMap::new()),
            agents: broadcast::channel(CAPACITY).0,
            agents_typing: broadcast::channel(CAPACITY).0,
            sessions_ended: broadcast::channel(CAPACITY).0,
            agents_online: Mutex::new(BTreeMap::new()),
            remote: OnceLock::new(),
            presence_changed: Notify::new(),
            queue_moved: watch::channel(0).0,
        }
    }
}

impl Hub {
    /// Frames for the visitor sockets of one conversation.
    pub fn subscribe_conversation(&self, conversation_id: &str) -> broadcast::Receiver<visitor::ServerFrame> {
        let mut map = self.conversations.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(conversation_id.to_owned()).or_insert_with(|| broadcast::channel(CAPACITY).0).subscribe()
    }

    /// Sends a frame to every visitor socket of a conversation (on every node).
    pub fn to_visitor(&self, conversation_id: &str, frame: visitor::ServerFrame) {
        if let Some(remote) = self.remote.get() {
            let _ = remote.send(Wire::Visitor(conversation_id.to_owned(), frame));
        } else {
            self.deliver_to_visitor(conversation_id, frame);
        }
    }

    /// Delivers to this node's visitor sockets.
    pub fn deliver_to_visitor(&self, conversation_id: &str, frame: visitor::ServerFrame) {
        let mut map = self.conversations.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(sender) = map.get(conversation_id)
            && sender.send(frame).is_err()
        {
            // Nobody listens any more: forget the channel so the map does not grow forever.
            map.remove(conversation_id);
        }
    }

    /// Whether a visitor socket of this conversation is connected to this node.
    pub fn visitor_connected(&self, conversation_id: &str) -> bool {
        let map = self.conversations.lock().unwrap_or_else(|p| p.into_inner());
        map.get(conversation_id).is_some_and(|sender| sender.receiver_count() > 0)
    }

    /// Routes publishing through another node-spanning channel from now on.
    pub fn go_remote(&self, sender: mpsc::UnboundedSender<Wire>) {
        let _ = self.remote.set(sender);
    }

    /// Frames for agent sockets, but typing hints.
    pub fn subscribe_agents(&self) -> broadcast::Receiver<agent::ServerFrame> {
        self.agents.subscribe()
    }

    /// Visitors' typing hints for agent sockets: a receiver that lags has only missed hints.
    pub fn subscribe_agent_typing(&self) -> broadcast::Receiver<agent::ServerFrame> {
        self.agents_typing.subscribe()
    }

    /// Sends a frame to every agent socket (on every node).
    pub fn to_agents(&self, frame: agent::ServerFrame) {
        if let Some(remote) = self.remote.get() {
            let _ = remote.send(Wire::Agents(frame));
        } else {
            self.deliver_to_agents(frame);
        }
    }

    /// Delivers to this node's agent sockets.
    pub fn deliver_to_agents(&self, frame: agent::ServerFrame) {
        if matches!(frame, agent::ServerFrame::Updated(_)) {
            // Every start, assignment and close reaches every node as a summary: the line may have moved.
            self.queue_moved.send_modify(|n| *n = n.wrapping_add(1));
        }
        // No agent connected is fine: they load the inbox from the database when they connect.
        let channel = if matches!(frame, agent::ServerFrame::Typing { .. }) {
            &self.agents_typing
        } else {
            &self.agents
        };
        let _ = channel.send(frame);
    }

    /// Closes the agent sockets of a session that ended, on every node.
    pub fn end_session(&self, token_hash: &str) {
        if let Some(remote) = self.remote.get() {
            let _ = remote.send(Wire::SessionEnded(token_hash.to_owned()));
        } else {
            self.deliver_session_ended(token_hash);
        }
    }

    /// Tells this node's agent sockets that a session ended.
    pub fn deliver_session_ended(&self, token_hash: &str) {
        let _ = self.sessions_ended.send(token_hash.to_owned());
    }

    /// Hashes of sessions as they end. A socket that lagged behind them finds out at its next check of
    /// the database ([`crate::ws`]'s agent socket rechecks its session regularly).
    pub fn watch_sessions_ended(&self) -> broadcast::Receiver<String> {
        self.sessions_ended.subscribe()
    }

    /// Wakes whenever a conversation changed anywhere (see [`Hub::deliver_to_agents`]).
    pub fn watch_queue(&self) -> watch::Receiver<u64> {
        self.queue_moved.subscribe()
    }

    /// Counts an agent socket as present until the guard drops.
    pub fn agent_present(&self, username: &str) -> PresenceGuard<'_> {
        *self.online().entry(username.to_owned()).or_default() += 1;
        self.presence_changed.notify_one();
        PresenceGuard { hub: self, username: username.to_owned() }
    }

    fn online(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, usize>> {
        self.agents_online.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether any agent is connected to this node.
    pub fn any_agent_online(&self) -> bool {
        !self.online().is_empty()
    }

    /// Usernames of the agents connected to this node, sorted.
    pub fn local_agents(&self) -> Vec<String> {
        self.online().keys().cloned().collect()
    }

    /// Whether events cross nodes (Postgres).
    pub fn is_remote(&self) -> bool {
        self.remote.get().is_some()
    }
}

/// Keeps an agent counted as online while alive.
#[derive(Debug)]
pub struct PresenceGuard<'a> {
    hub: &'a Hub,
    username: String,
}

impl Drop for PresenceGuard<'_> {
    fn drop(&mut self) {
        let mut online = self.hub.online();
        if let Some(sockets) = online.get_mut(&self.username) {
            *sockets -= 1;
            if *sockets == 0 {
                online.remove(&self.username);
            }
        }
        drop(online);
        self.hub.presence_changed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use protocol::chat::{Author, ChatMessage};

    use super::*;

    fn message(body: &str) -> ChatMessage {
        ChatMessage {
            seq: 7,
            client_id: None,
            author: Author::Visitor,
            body: body.to_owned(),
            private: false,
            sent_at: "2026-11-23T10:00:00Z".to_owned(),
        }
    }

    #[test]
    fn events_cross_nodes_whole_unless_too_large_for_notify() {
        let small = Wire::Visitor("c1".into(), visitor::ServerFrame::Message(message("xin chào")));
        let payload = small.fitted(7900).unwrap();
        let Wire::Visitor(id, visitor::ServerFrame::Message(m)) = serde_json::from_str(&payload).unwrap()
        else {
            panic!("a small message travels whole: {payload}");
        };
        assert_eq!((id.as_str(), m.body.as_str()), ("c1", "xin chào"));

        // 4,000 Vietnamese characters are up to 12,000 bytes: more than NOTIFY takes.
        let large = Wire::Agents(agent::ServerFrame::Message {
            conversation_id: "c1".into(),
            message: message(&"đ".repeat(4000)),
        });
        let payload = large.fitted(7900).unwrap();
        assert!(payload.len() <= 7900);
        assert!(
            matches!(serde_json::from_str(&payload).unwrap(), Wire::AgentMessage(id, 7) if id == "c1"),
            "{payload}"
        );
    }
}
