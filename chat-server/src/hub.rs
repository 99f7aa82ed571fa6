//! Live fan-out inside one process: each conversation's visitor sockets, and all agent sockets.
//!
//! The hub only carries notifications; the database is the truth. A socket that falls behind is closed
//! and its client resumes from its last seq, so nothing is lost when a channel overflows.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use protocol::{agent, visitor};
use tokio::sync::broadcast;

/// Frames buffered per subscriber before it counts as lagging.
const CAPACITY: usize = 256;

/// In-process publish/subscribe for live frames.
#[derive(Debug)]
pub struct Hub {
    conversations: Mutex<HashMap<String, broadcast::Sender<visitor::ServerFrame>>>,
    agents: broadcast::Sender<agent::ServerFrame>,
    agents_online: AtomicUsize,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            conversations: Mutex::new(HashMap::new()),
            agents: broadcast::channel(CAPACITY).0,
            agents_online: AtomicUsize::new(0),
        }
    }
}

impl Hub {
    /// Frames for the visitor sockets of one conversation.
    pub fn subscribe_conversation(&self, conversation_id: &str) -> broadcast::Receiver<visitor::ServerFrame> {
        let mut map = self.conversations.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(conversation_id.to_owned()).or_insert_with(|| broadcast::channel(CAPACITY).0).subscribe()
    }

    /// Sends a frame to every visitor socket of a conversation.
    pub fn to_visitor(&self, conversation_id: &str, frame: visitor::ServerFrame) {
        let mut map = self.conversations.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(sender) = map.get(conversation_id)
            && sender.send(frame).is_err()
        {
            // Nobody listens any more: forget the channel so the map does not grow forever.
            map.remove(conversation_id);
        }
    }

    /// Frames for agent sockets.
    pub fn subscribe_agents(&self) -> broadcast::Receiver<agent::ServerFrame> {
        self.agents.subscribe()
    }

    /// Sends a frame to every agent socket.
    pub fn to_agents(&self, frame: agent::ServerFrame) {
        // No agent connected is fine: they load the inbox from the database when they connect.
        let _ = self.agents.send(frame);
    }

    /// Counts an agent socket as present until the guard drops.
    pub fn agent_present(&self) -> PresenceGuard<'_> {
        self.agents_online.fetch_add(1, Ordering::SeqCst);
        PresenceGuard { hub: self }
    }

    /// Whether any agent is connected.
    pub fn any_agent_online(&self) -> bool {
        self.agents_online.load(Ordering::SeqCst) > 0
    }
}

/// Keeps an agent counted as online while alive.
#[derive(Debug)]
pub struct PresenceGuard<'a> {
    hub: &'a Hub,
}

impl Drop for PresenceGuard<'_> {
    fn drop(&mut self) {
        self.hub.agents_online.fetch_sub(1, Ordering::SeqCst);
    }
}
