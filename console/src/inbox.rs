//! What the console knows about the desk: the conversations, their messages, what is being sent, and
//! which queue and conversation the agent is looking at. Plain data, changed only by [`Inbox::apply`]
//! (frames from chat-server) and the agent's own actions, so it is tested without a browser.

use std::collections::{BTreeMap, HashMap};

use kb_core::analysis::folded_words;
use protocol::EscalationContext;
use protocol::agent::ServerFrame;
use protocol::chat::{Author, ChatMessage, ConversationStatus, ConversationSummary, ErrorFrame};
use protocol::rest::AgentInfo;

/// A list in the left column.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Queue {
    /// Assigned to the logged-in agent.
    Mine,
    /// Waiting for someone in this team (one queue per team of the agent).
    Unassigned(String),
    /// Every open conversation.
    All,
    /// Closed since the console was opened, or opened from another list.
    Closed,
}

impl Queue {
    /// Whether `conversation` belongs in this list for `me`.
    pub fn holds(&self, conversation: &ConversationSummary, me: &AgentInfo) -> bool {
        let open = conversation.status == ConversationStatus::Open;
        match self {
            Queue::Mine => open && conversation.assignee.as_deref() == Some(me.username.as_str()),
            Queue::Unassigned(team) => {
                open && conversation.assignee.is_none() && conversation.team.as_deref() == Some(team.as_str())
            }
            Queue::All => open,
            Queue::Closed => !open,
        }
    }
}

/// A reply or note the agent sent that the server has not acknowledged yet; resent after a reconnect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Conversation id.
    pub conversation_id: String,
    /// Stable across resends, so the server stores it once.
    pub client_id: String,
    /// Plain text.
    pub body: String,
    /// A private note rather than a reply.
    pub private: bool,
}

/// Everything the console shows, apart from what only the view cares about.
#[derive(Debug, Clone, Default)]
pub struct Inbox {
    /// The logged-in agent.
    pub me: Option<AgentInfo>,
    conversations: HashMap<String, ConversationSummary>,
    histories: HashMap<String, History>,
    /// Conversations whose visitor is typing right now.
    typing: HashMap<String, bool>,
    /// Waiting for an ack, oldest first.
    pub outbox: Vec<Outgoing>,
    /// The list shown.
    pub queue: Option<Queue>,
    /// The conversation open in the middle column.
    pub selected: Option<String>,
    /// Folded words the list is filtered by.
    filter: Vec<String>,
    /// What chat-server's search over every conversation found for [`Inbox::filter`]: it also reads
    /// messages the console never loaded and conversations closed long ago.
    found: Vec<ConversationSummary>,
    /// The last refusal, until the agent dismisses it or does something else.
    pub problem: Option<String>,
}

/// A conversation's messages, once opened.
#[derive(Debug, Clone, Default)]
struct History {
    context: EscalationContext,
    messages: BTreeMap<u64, ChatMessage>,
    /// Highest seq the visitor has read.
    visitor_read: u64,
    /// The visitor's other conversations (verified visitors only), newest first.
    earlier: Vec<String>,
}

/// What happened, for the view to react to (sound, focus, re-opening the selected conversation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum News {
    /// Nothing the agent needs to notice.
    Quiet,
    /// The inbox (re)arrived: resend the outbox and reopen the selected conversation.
    Connected,
    /// A visitor wrote, or a new conversation arrived.
    VisitorSpoke,
}

impl Inbox {
    /// Takes one frame from chat-server.
    pub fn apply(&mut self, frame: ServerFrame) -> News {
        match frame {
            ServerFrame::Inbox { agent, conversations, closed, .. } => {
                // Closed ones seen earlier are kept: the server lists only the latest few.
                self.conversations.retain(|_, c| c.status == ConversationStatus::Closed);
                for conversation in closed.into_iter().chain(conversations) {
                    self.conversations.insert(conversation.id.clone(), conversation);
                }
                self.me = Some(agent);
                if self.queue.is_none() {
                    self.queue = Some(self.busiest_of_mine());
                }
                News::Connected
            }
            ServerFrame::Updated(summary) => {
                let new = !self.conversations.contains_key(&summary.id);
                self.conversations.insert(summary.id.clone(), summary);
                if new { News::VisitorSpoke } else { News::Quiet }
            }
            ServerFrame::History { conversation_id, context, messages, earlier } => {
                let history = self.histories.entry(conversation_id).or_default();
                history.context = context;
                history.messages = messages.into_iter().map(|m| (m.seq, m)).collect();
                history.earlier = earlier.iter().map(|c| c.id.clone()).collect();
                // So that each can be opened from the context panel.
                for conversation in earlier {
                    self.conversations.entry(conversation.id.clone()).or_insert(conversation);
                }
                News::Quiet
            }
            ServerFrame::Message { conversation_id, message } => {
                let from_visitor = message.author == Author::Visitor;
                if from_visitor {
                    self.typing.remove(&conversation_id);
                }
                if let Some(history) = self.histories.get_mut(&conversation_id) {
                    history.messages.insert(message.seq, message);
                }
                if from_visitor { News::VisitorSpoke } else { News::Quiet }
            }
            ServerFrame::Ack(ack) => {
                self.outbox.retain(|o| o.client_id != ack.client_id);
                News::Quiet
            }
            ServerFrame::Typing { conversation_id, typing } => {
                self.typing.insert(conversation_id, typing);
                News::Quiet
            }
            ServerFrame::Read { conversation_id, up_to_seq } => {
                if let Some(history) = self.histories.get_mut(&conversation_id) {
                    history.visitor_read = history.visitor_read.max(up_to_seq);
                }
                News::Quiet
            }
            ServerFrame::Error(ErrorFrame { message, client_id, .. }) => {
                if let Some(id) = client_id {
                    self.outbox.retain(|o| o.client_id != id);
                }
                self.problem = Some(message);
                News::Quiet
            }
        }
    }

    /// The queues of the left column, in order: mine, each of my teams' unassigned, all, closed.
    pub fn queues(&self) -> Vec<Queue> {
        let mut queues = vec![Queue::Mine];
        if let Some(me) = &self.me {
            queues.extend(me.teams.iter().cloned().map(Queue::Unassigned));
        }
        queues.extend([Queue::All, Queue::Closed]);
        queues
    }

    /// Where the agent starts: their own conversations if they have any, else the first of their teams'
    /// queues with someone waiting, else their own (empty) list.
    fn busiest_of_mine(&self) -> Queue {
        let mut waiting =
            self.queues().into_iter().filter(|q| matches!(q, Queue::Mine | Queue::Unassigned(_)));
        waiting.find(|q| self.count(q).0 > 0).unwrap_or(Queue::Mine)
    }

    /// How many conversations a queue holds (ignoring the filter), and how many of them have unread
    /// visitor messages.
    pub fn count(&self, queue: &Queue) -> (usize, usize) {
        let Some(me) = &self.me else { return (0, 0) };
        let held = self.conversations.values().filter(|c| queue.holds(c, me));
        held.fold((0, 0), |(all, unread), c| (all + 1, unread + usize::from(c.unread > 0)))
    }

    /// Unread visitor messages in open conversations, for the page title.
    pub fn unread_total(&self) -> u64 {
        let open = self.conversations.values().filter(|c| c.status == ConversationStatus::Open);
        open.map(|c| c.unread).sum()
    }

    /// The shown queue's conversations that match the filter, newest first.
    pub fn listed(&self) -> Vec<ConversationSummary> {
        let (Some(me), Some(queue)) = (&self.me, &self.queue) else { return Vec::new() };
        let mut listed: Vec<ConversationSummary> =
            self.known().filter(|c| queue.holds(c, me) && self.matches_filter(c)).cloned().collect();
        newest_first(&mut listed);
        listed
    }

    /// While filtering: what the server's search found outside the shown queue, newest first.
    pub fn elsewhere(&self) -> Vec<ConversationSummary> {
        let (Some(me), Some(queue)) = (&self.me, &self.queue) else { return Vec::new() };
        let mut elsewhere: Vec<ConversationSummary> = self
            .found
            .iter()
            .map(|c| self.conversations.get(&c.id).unwrap_or(c))
            .filter(|c| !queue.holds(c, me))
            .cloned()
            .collect();
        newest_first(&mut elsewhere);
        elsewhere
    }

    /// The loaded conversations, then those only the server's search found.
    fn known(&self) -> impl Iterator<Item = &ConversationSummary> {
        let only_found = self.found.iter().filter(|c| !self.conversations.contains_key(&c.id));
        self.conversations.values().chain(only_found)
    }

    /// Filters the list by `text`: every word must start a word, accents and case ignored, of the
    /// visitor's name, email or id, the preview, their searches, the page, the articles they read or a
    /// loaded message. What the server found for earlier text is dropped.
    pub fn set_filter(&mut self, text: &str) {
        let words = folded_words(text);
        if words != self.filter {
            self.found.clear();
        }
        self.filter = words;
    }

    /// Takes what chat-server's search found for `text`, unless the filter has changed since.
    pub fn found(&mut self, text: &str, conversations: Vec<ConversationSummary>) {
        if !self.filter.is_empty() && folded_words(text) == self.filter {
            self.found = conversations;
        }
    }

    /// Whether a filter is set.
    pub fn filtering(&self) -> bool {
        !self.filter.is_empty()
    }

    fn matches_filter(&self, conversation: &ConversationSummary) -> bool {
        if self.filter.is_empty() || self.found.iter().any(|c| c.id == conversation.id) {
            return true;
        }
        let mut haystack = String::new();
        let context = &conversation.context;
        if let Some(identity) = &context.identity {
            for part in
                [Some(&identity.id), identity.name.as_ref(), identity.email.as_ref()].into_iter().flatten()
            {
                haystack.push_str(part);
                haystack.push(' ');
            }
        }
        haystack.push_str(&visitor_label(conversation));
        for text in conversation.preview.iter().chain(&context.searches).chain([&context.page_url]) {
            haystack.push(' ');
            haystack.push_str(text);
        }
        for article in &context.articles {
            haystack.push(' ');
            haystack.push_str(&article.title);
        }
        if let Some(history) = self.histories.get(&conversation.id) {
            for message in history.messages.values() {
                haystack.push(' ');
                haystack.push_str(&message.body);
            }
        }
        let words = folded_words(&haystack);
        self.filter.iter().all(|wanted| words.iter().any(|word| word.starts_with(wanted.as_str())))
    }

    /// A conversation by id.
    pub fn conversation(&self, id: &str) -> Option<&ConversationSummary> {
        self.conversations.get(id)
    }

    /// Opens a conversation in the middle column; one only the search found joins the loaded ones (a
    /// closed one then stays in the closed list, as one opened from the visitor's history does).
    pub fn select(&mut self, id: &str) {
        if !self.conversations.contains_key(id)
            && let Some(found) = self.found.iter().find(|c| c.id == id)
        {
            self.conversations.insert(id.to_owned(), found.clone());
        }
        self.selected = Some(id.to_owned());
        self.problem = None;
    }

    /// The open conversation's summary.
    pub fn current(&self) -> Option<&ConversationSummary> {
        self.selected.as_deref().and_then(|id| self.conversations.get(id))
    }

    /// The context of a conversation: the full one once opened, else the summary's.
    pub fn context(&self, id: &str) -> Option<&EscalationContext> {
        self.histories.get(id).map(|h| &h.context).or_else(|| self.conversations.get(id).map(|c| &c.context))
    }

    /// The visitor's other conversations, newest first (known only for verified visitors).
    pub fn earlier(&self, id: &str) -> Vec<ConversationSummary> {
        let ids = self.histories.get(id).map(|h| h.earlier.as_slice()).unwrap_or_default();
        ids.iter().filter_map(|id| self.conversations.get(id).cloned()).collect()
    }

    /// Whether the history of a conversation has arrived.
    pub fn loaded(&self, id: &str) -> bool {
        self.histories.contains_key(id)
    }

    /// The committed messages of a conversation, in order.
    pub fn messages(&self, id: &str) -> Vec<ChatMessage> {
        self.histories.get(id).map(|h| h.messages.values().cloned().collect()).unwrap_or_default()
    }

    /// Messages this agent sent to a conversation that are not acknowledged yet.
    pub fn sending(&self, id: &str) -> Vec<Outgoing> {
        self.outbox.iter().filter(|o| o.conversation_id == id).cloned().collect()
    }

    /// Highest seq the visitor has read in a conversation.
    pub fn visitor_read(&self, id: &str) -> u64 {
        self.histories.get(id).map_or(0, |h| h.visitor_read)
    }

    /// Whether the visitor of a conversation is typing.
    pub fn visitor_typing(&self, id: &str) -> bool {
        self.typing.get(id).copied().unwrap_or(false)
    }

    /// The highest seq of the open conversation, when it has unread visitor messages: the console then
    /// reports it read.
    pub fn unread_up_to(&self) -> Option<(String, u64)> {
        let current = self.current().filter(|c| c.unread > 0)?;
        let last = self.histories.get(&current.id)?.messages.keys().next_back().copied()?;
        Some((current.id.clone(), last))
    }

    /// The conversation `step` places after (or before, when negative) `from` in the shown list (and
    /// then what the search found elsewhere), staying at the ends; the first one when `from` is not in it.
    pub fn neighbour(&self, from: Option<&str>, step: isize) -> Option<String> {
        let mut listed = self.listed();
        listed.extend(self.elsewhere());
        let position = from.and_then(|id| listed.iter().position(|c| c.id == id));
        let target = match position {
            None => 0,
            Some(at) => at.saturating_add_signed(step).min(listed.len().saturating_sub(1)),
        };
        listed.get(target).map(|c| c.id.clone())
    }
}

fn newest_first(conversations: &mut [ConversationSummary]) {
    conversations.sort_by(|a, b| b.started_at.cmp(&a.started_at).then_with(|| a.id.cmp(&b.id)));
}

/// How the console names a visitor: the name the host site gave, else the email, else a short tag taken
/// from the conversation id, so two anonymous visitors never look the same; direction controls shown.
pub fn visitor_label(conversation: &ConversationSummary) -> String {
    let identity = conversation.context.identity.as_ref();
    if let Some(name) = identity.and_then(|i| i.name.as_deref()).filter(|n| !n.trim().is_empty()) {
        return crate::reveal::reveal(name.trim()).into_owned();
    }
    if let Some(email) = identity.and_then(|i| i.email.as_deref()).filter(|e| !e.trim().is_empty()) {
        return crate::reveal::reveal(email.trim()).into_owned();
    }
    let tag: String = conversation.id.chars().filter(char::is_ascii_alphanumeric).take(4).collect();
    format!("#{}", tag.to_uppercase())
}

/// Whether the host site vouches for what [`visitor_label`] shows: `None` for a visitor who gave no
/// identity; for a name or an email, whether the signature covered them; for the id alone, whether it
/// covered the id.
pub fn label_vouched(conversation: &ConversationSummary) -> Option<bool> {
    let identity = conversation.context.identity.as_ref()?;
    let claimed = [&identity.name, &identity.email]
        .into_iter()
        .any(|field| field.as_deref().is_some_and(|text| !text.trim().is_empty()));
    Some(if claimed { conversation.identity_details_verified } else { conversation.identity_verified })
}

/// Whether a page URL may be shown as a link (http or https); anything else is shown as text.
pub fn linkable(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::chat::Ack;
    use protocol::{ArticleSeen, Identity};

    fn me() -> AgentInfo {
        AgentInfo { username: "lan".into(), display_name: "Lan".into(), teams: vec!["returns".into()] }
    }

    fn summary(id: &str, started: &str) -> ConversationSummary {
        ConversationSummary {
            id: id.into(),
            status: ConversationStatus::Open,
            team: Some("returns".into()),
            assignee: None,
            unread: 1,
            last_seq: 1,
            preview: Some("Tôi muốn đổi trả".into()),
            started_at: started.into(),
            context: EscalationContext {
                searches: vec!["chinh sach doi tra".into()],
                articles: vec![ArticleSeen {
                    id: "return-policy".into(),
                    lang: "vi".into(),
                    title: "Chính sách đổi trả".into(),
                    team: None,
                    category: None,
                    helpful: Some(false),
                }],
                page_url: "https://shop.example/".into(),
                lang: "vi".into(),
                identity: None,
            },
            identity_verified: false,
            identity_details_verified: false,
            rating: None,
        }
    }

    fn inbox(conversations: Vec<ConversationSummary>) -> Inbox {
        let mut inbox = Inbox::default();
        let news = inbox.apply(ServerFrame::Inbox { version: 1, agent: me(), conversations, closed: vec![] });
        assert_eq!(news, News::Connected);
        inbox
    }

    fn message(seq: u64, author: Author, body: &str) -> ChatMessage {
        ChatMessage {
            seq,
            client_id: None,
            author,
            body: body.into(),
            private: false,
            sent_at: "2026-12-01T08:00:00Z".into(),
        }
    }

    #[test]
    fn queues_sort_conversations_by_who_has_them() {
        let mut mine = summary("c-mine", "2026-12-01T08:00:00Z");
        mine.assignee = Some("lan".into());
        let mut other = summary("c-other", "2026-12-01T08:01:00Z");
        other.assignee = Some("minh".into());
        let waiting = summary("c-waiting", "2026-12-01T08:02:00Z");
        let mut inbox = inbox(vec![mine, other, waiting]);
        assert_eq!(inbox.queue, Some(Queue::Mine), "the agent starts with their own");
        assert_eq!(
            inbox.queues(),
            vec![Queue::Mine, Queue::Unassigned("returns".into()), Queue::All, Queue::Closed]
        );
        assert_eq!(inbox.count(&Queue::Mine), (1, 1));
        assert_eq!(inbox.count(&Queue::Unassigned("returns".into())), (1, 1));
        inbox.queue = Some(Queue::All);
        let ids: Vec<String> = inbox.listed().into_iter().map(|c| c.id).collect();
        assert_eq!(ids, ["c-waiting", "c-other", "c-mine"], "newest first");

        // Closing moves it to Closed; a reconnect's inbox (open ones only) does not forget it.
        let mut closed = summary("c-waiting", "2026-12-01T08:02:00Z");
        closed.status = ConversationStatus::Closed;
        assert_eq!(inbox.apply(ServerFrame::Updated(closed)), News::Quiet);
        assert_eq!(inbox.count(&Queue::Closed), (1, 1));
        assert_eq!(inbox.count(&Queue::All), (2, 2));
        inbox.apply(ServerFrame::Inbox { version: 1, agent: me(), conversations: vec![], closed: vec![] });
        assert_eq!(inbox.count(&Queue::Closed), (1, 1));
        assert_eq!(inbox.count(&Queue::All), (0, 0));
    }

    #[test]
    fn without_conversations_of_their_own_the_agent_starts_where_visitors_wait() {
        let inbox = inbox(vec![summary("c1", "2026-12-01T08:00:00Z")]);
        assert_eq!(inbox.queue, Some(Queue::Unassigned("returns".into())));
        assert_eq!(self::inbox(vec![]).queue, Some(Queue::Mine));
    }

    #[test]
    fn the_filter_ignores_tone_marks_and_d() {
        let mut inbox = inbox(vec![summary("c1", "2026-12-01T08:00:00Z")]);
        inbox.queue = Some(Queue::All);
        for query in ["doi tra", "ĐỔI", "chinh", "shop", ""] {
            inbox.set_filter(query);
            assert_eq!(inbox.listed().len(), 1, "{query:?} should match");
        }
        inbox.set_filter("bao hanh");
        assert!(inbox.listed().is_empty());
        // Loaded messages count too.
        inbox.apply(ServerFrame::History {
            conversation_id: "c1".into(),
            context: summary("c1", "").context,
            messages: vec![message(1, Author::Visitor, "Bảo hành máy giặt")],
            earlier: vec![],
        });
        assert_eq!(inbox.listed().len(), 1);
    }

    #[test]
    fn what_the_server_search_finds_joins_the_list_or_shows_elsewhere() {
        let open = summary("c-open", "2026-12-01T08:00:00Z");
        let mut old = summary("c-old", "2026-11-01T08:00:00Z");
        old.status = ConversationStatus::Closed;
        let mut inbox = inbox(vec![open.clone()]);
        inbox.queue = Some(Queue::All);
        inbox.set_filter("may giat");
        assert!(inbox.listed().is_empty(), "no loaded text says it");
        // An answer to other text (typed before) is ignored.
        inbox.found("may", vec![open.clone()]);
        assert!(inbox.listed().is_empty());
        inbox.found("máy giặt", vec![open.clone(), old.clone()]);
        let ids = |list: Vec<ConversationSummary>| list.into_iter().map(|c| c.id).collect::<Vec<_>>();
        assert_eq!(ids(inbox.listed()), ["c-open"], "found in a message the console never loaded");
        assert_eq!(ids(inbox.elsewhere()), ["c-old"], "closed long ago: not in the open list");
        assert_eq!(inbox.neighbour(Some("c-open"), 1).as_deref(), Some("c-old"), "j reaches it");
        inbox.queue = Some(Queue::Closed);
        assert_eq!(ids(inbox.listed()), ["c-old"]);
        assert_eq!(ids(inbox.elsewhere()), ["c-open"]);
        // Opening it keeps it among the loaded ones, after the filter is gone.
        inbox.select("c-old");
        assert_eq!(inbox.current().map(|c| c.id.as_str()), Some("c-old"));
        inbox.set_filter("");
        assert!(inbox.elsewhere().is_empty());
        assert_eq!(ids(inbox.listed()), ["c-old"]);
        // New text drops what older text found.
        inbox.queue = Some(Queue::All);
        inbox.set_filter("bao hanh");
        assert!(inbox.listed().is_empty());
    }

    #[test]
    fn unacknowledged_messages_wait_in_the_outbox_until_acked_or_refused() {
        let mut inbox = inbox(vec![summary("c1", "2026-12-01T08:00:00Z")]);
        for id in ["a", "b"] {
            inbox.outbox.push(Outgoing {
                conversation_id: "c1".into(),
                client_id: id.into(),
                body: "Chào bạn".into(),
                private: false,
            });
        }
        inbox.apply(ServerFrame::Ack(Ack { client_id: "a".into(), seq: 2, duplicate: false }));
        assert_eq!(inbox.sending("c1").len(), 1);
        inbox.apply(ServerFrame::Error(ErrorFrame {
            code: protocol::chat::ErrorCode::TooLarge,
            message: "too long".into(),
            client_id: Some("b".into()),
        }));
        assert!(inbox.sending("c1").is_empty());
        assert_eq!(inbox.problem.as_deref(), Some("too long"));
    }

    #[test]
    fn visitor_messages_are_news_and_end_typing() {
        let mut inbox = inbox(vec![summary("c1", "2026-12-01T08:00:00Z")]);
        inbox.selected = Some("c1".into());
        inbox.apply(ServerFrame::History {
            conversation_id: "c1".into(),
            context: EscalationContext::default(),
            messages: vec![message(1, Author::Visitor, "hi")],
            earlier: vec![],
        });
        inbox.apply(ServerFrame::Typing { conversation_id: "c1".into(), typing: true });
        assert!(inbox.visitor_typing("c1"));
        let news = inbox.apply(ServerFrame::Message {
            conversation_id: "c1".into(),
            message: message(2, Author::Visitor, "còn đó không?"),
        });
        assert_eq!(news, News::VisitorSpoke);
        assert!(!inbox.visitor_typing("c1"));
        assert_eq!(inbox.messages("c1").len(), 2);
        assert_eq!(inbox.unread_up_to(), Some(("c1".into(), 2)));
        let own = message(3, Author::Agent { name: "Lan".into() }, "Dạ còn");
        assert_eq!(
            inbox.apply(ServerFrame::Message { conversation_id: "c1".into(), message: own }),
            News::Quiet
        );
        inbox.apply(ServerFrame::Read { conversation_id: "c1".into(), up_to_seq: 3 });
        assert_eq!(inbox.visitor_read("c1"), 3);
    }

    #[test]
    fn a_history_brings_the_visitors_earlier_conversations_which_can_be_opened() {
        let mut old = summary("c0", "2026-11-01T08:00:00Z");
        old.status = ConversationStatus::Closed;
        old.rating = Some(4);
        let mut inbox = inbox(vec![summary("c1", "2026-12-01T08:00:00Z")]);
        inbox.apply(ServerFrame::History {
            conversation_id: "c1".into(),
            context: EscalationContext::default(),
            messages: vec![],
            earlier: vec![old],
        });
        let earlier: Vec<String> = inbox.earlier("c1").into_iter().map(|c| c.id).collect();
        assert_eq!(earlier, ["c0"]);
        assert_eq!(inbox.count(&Queue::Closed), (1, 1));
        assert!(inbox.conversation("c0").is_some());
    }

    #[test]
    fn moving_through_the_list_stops_at_its_ends() {
        let mut inbox = inbox(vec![
            summary("a", "2026-12-01T08:03:00Z"),
            summary("b", "2026-12-01T08:02:00Z"),
            summary("c", "2026-12-01T08:01:00Z"),
        ]);
        inbox.queue = Some(Queue::All);
        assert_eq!(inbox.neighbour(None, 1).as_deref(), Some("a"));
        assert_eq!(inbox.neighbour(Some("a"), 1).as_deref(), Some("b"));
        assert_eq!(inbox.neighbour(Some("c"), 1).as_deref(), Some("c"));
        assert_eq!(inbox.neighbour(Some("a"), -1).as_deref(), Some("a"));
        assert_eq!(inbox.neighbour(Some("gone"), -1).as_deref(), Some("a"));
        inbox.queue = Some(Queue::Closed);
        assert_eq!(inbox.neighbour(None, 1), None);
    }

    #[test]
    fn visitors_are_named_by_name_then_email_then_a_tag() {
        let mut conversation = summary("3f2a9c-77", "");
        assert_eq!(visitor_label(&conversation), "#3F2A");
        conversation.context.identity = Some(Identity {
            id: "u1".into(),
            name: None,
            email: Some("an@shop.example".into()),
            signature: None,
        });
        assert_eq!(visitor_label(&conversation), "an@shop.example");
        conversation.context.identity.as_mut().unwrap().name = Some(" Nguyễn An ".into());
        assert_eq!(visitor_label(&conversation), "Nguyễn An");
    }

    #[test]
    fn a_name_shows_as_verified_only_when_the_signature_covered_it() {
        let mut conversation = summary("c1", "");
        assert_eq!(label_vouched(&conversation), None, "no identity, nothing to vouch for");
        conversation.context.identity =
            Some(Identity { id: "user-17".into(), name: None, email: None, signature: None });
        conversation.identity_verified = true;
        assert_eq!(label_vouched(&conversation), Some(true), "the id alone, signed");
        conversation.context.identity.as_mut().unwrap().name = Some("Shop CEO".into());
        assert_eq!(label_vouched(&conversation), Some(false), "a name the signature did not cover");
        conversation.identity_details_verified = true;
        assert_eq!(label_vouched(&conversation), Some(true));
    }

    #[test]
    fn only_http_urls_are_links() {
        assert!(linkable("https://shop.example/a"));
        assert!(linkable("HTTP://shop.example"));
        assert!(!linkable("javascript:alert(1)"));
        assert!(!linkable(" data:text/html,<b>x</b>"));
    }
}
