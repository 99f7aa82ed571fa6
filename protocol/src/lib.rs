//! Wire types between the Answerdesk widget, chat-server and the agent inbox: serde only, so the same
//! definitions compile into the browser (wasm32) and the server.
//!
//! Messages are JSON objects tagged by `"type"`. Every connection starts by sending [`PROTOCOL_VERSION`];
//! a peer that sees a version it does not know closes the connection with a clear error instead of guessing.
//!
//! The pieces, by who talks to whom:
//! - [`EscalationContext`]: what the widget hands over when a visitor asks for a person.
//! - [`rest`]: JSON bodies of the HTTP endpoints (start a conversation, availability, leave a message,
//!   agent login, ratings).
//! - [`visitor`]: WebSocket frames between the widget and chat-server.
//! - [`agent`]: WebSocket frames between the agent inbox and chat-server.
//! - [`analytics`]: the widget's anonymous usage events, in batches.
//! - [`reports`]: what the console's reports show, and how each number is defined.
//! - [`chat`]: what both sides share: messages with sequence numbers, conversation summaries, errors.
//!
//! Delivery contract: the server numbers every message of a conversation (`seq`, from 1, no gaps). A client
//! gives each message it sends a `client_id`; the server commits the message, then acknowledges it with
//! [`chat::Ack`]. Resending the same `client_id` returns the same `seq` and stores nothing twice. After a
//! reconnect the client says which `seq` it saw last and receives everything after it.
#![warn(missing_docs)]

use serde::{Deserialize, Serialize};

pub mod agent;
pub mod analytics;
pub mod chat;
pub mod reports;
pub mod rest;
pub mod visitor;

/// Version of the message formats below. Bump on any incompatible change.
pub const PROTOCOL_VERSION: u32 = 1;

/// An article the visitor opened in the widget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleSeen {
    /// Article id (shared by its translations).
    pub id: String,
    /// Language code of the version read.
    pub lang: String,
    /// Title as shown.
    pub title: String,
    /// The article's team (front matter `team`), used to route the conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// The article's category slug, which routes the conversation when no article names a team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Whether the visitor answered "did this help?", and how.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helpful: Option<bool>,
}

/// Who the visitor is, when the host site tells us (`Answerdesk('identify', …)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// The host site's user id.
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// HMAC-SHA256 with the site's secret, in hex, proving the host site vouches for this identity: of
    /// [`Identity::signed_text`] to vouch for the id, name and email together, or of the id alone to
    /// vouch for the id only (the name and email then show as unverified).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl Identity {
    /// What the host site signs to vouch for everything shown: the id, the email and the name, each
    /// trimmed, joined by line feeds, an absent field empty (`"user-17\nan@shop.example\nAn"`). A field
    /// with a line feed of its own can only be vouched for by the id alone.
    pub fn signed_text(&self) -> Option<String> {
        let fields = [Some(self.id.as_str()), self.email.as_deref(), self.name.as_deref()]
            .map(|field| field.unwrap_or_default().trim());
        (!fields.iter().any(|field| field.contains('\n'))).then(|| fields.join("\n"))
    }
}

/// Whether `email` looks like an address a reply can go to: one `@` with a dotted host after it, no
/// white space, at most 254 characters (RFC 5321). Typos pass; the mail relay has the last word.
pub fn plausible_email(email: &str) -> bool {
    let email = email.trim();
    email.len() <= CONTEXT_EMAIL_CHARS
        && email.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && !host.contains('@') && host.contains('.') && !host.ends_with('.')
        })
        && !email.chars().any(char::is_whitespace)
}

/// Everything the widget knows when the visitor asks for a person: what they asked and read, and where.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationContext {
    /// The searches typed, oldest first.
    pub searches: Vec<String>,
    /// The articles opened, oldest first.
    pub articles: Vec<ArticleSeen>,
    /// URL of the page the widget is on.
    pub page_url: String,
    /// Language of the widget's interface.
    pub lang: String,
    /// The visitor's identity, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
}

/// The most searches and articles a hand-over keeps (the latest): enough for an agent, bounded for a
/// visitor who types all day. The widget keeps as many; chat-server cuts what a client sends to it.
pub const CONTEXT_ITEMS: usize = 20;
/// The most characters of one search, title, id, name, email, team, category or language in a hand-over.
pub const CONTEXT_TEXT_CHARS: usize = 200;
/// The most characters of the page URL in a hand-over.
pub const CONTEXT_URL_CHARS: usize = 2000;
/// The most characters of an email address (RFC 5321's 254, which chat-server accepts).
pub const CONTEXT_EMAIL_CHARS: usize = 254;

fn cut(text: &mut String, chars: usize) {
    if let Some((at, _)) = text.char_indices().nth(chars) {
        text.truncate(at);
    }
}

fn cut_latest<T>(items: &mut Vec<T>) {
    let extra = items.len().saturating_sub(CONTEXT_ITEMS);
    items.drain(..extra);
}

impl EscalationContext {
    /// The context within [`CONTEXT_ITEMS`], [`CONTEXT_TEXT_CHARS`] and [`CONTEXT_URL_CHARS`]: the
    /// latest searches and articles, each text cut at the limit. It travels with every summary to every
    /// agent, so a client must not choose its size. (A cut identity id no longer matches its signature,
    /// so it shows as unverified.)
    pub fn bounded(mut self) -> Self {
        cut_latest(&mut self.searches);
        cut_latest(&mut self.articles);
        self.searches.iter_mut().for_each(|search| cut(search, CONTEXT_TEXT_CHARS));
        for article in &mut self.articles {
            for text in [&mut article.id, &mut article.lang, &mut article.title] {
                cut(text, CONTEXT_TEXT_CHARS);
            }
            for text in [&mut article.team, &mut article.category].into_iter().flatten() {
                cut(text, CONTEXT_TEXT_CHARS);
            }
        }
        cut(&mut self.page_url, CONTEXT_URL_CHARS);
        cut(&mut self.lang, CONTEXT_TEXT_CHARS);
        if let Some(identity) = &mut self.identity {
            cut(&mut identity.id, CONTEXT_TEXT_CHARS);
            for text in [&mut identity.name, &mut identity.signature].into_iter().flatten() {
                cut(text, CONTEXT_TEXT_CHARS);
            }
            if let Some(email) = &mut identity.email {
                cut(email, CONTEXT_EMAIL_CHARS);
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_text_joins_id_email_and_name_and_refuses_fields_with_line_feeds() {
        let mut identity =
            Identity { id: "user-17".into(), name: Some(" An ".into()), email: None, signature: None };
        assert_eq!(identity.signed_text().as_deref(), Some("user-17\n\nAn"));
        identity.email = Some("an@shop.example".into());
        assert_eq!(identity.signed_text().as_deref(), Some("user-17\nan@shop.example\nAn"));
        identity.name = Some("An\nuser-18".into());
        assert_eq!(identity.signed_text(), None);
    }

    #[test]
    fn plausible_emails() {
        for good in ["an@shop.example", " an.nguyen+vip@mail.shop.vn "] {
            assert!(plausible_email(good), "{good}");
        }
        let long = format!("{}@shop.example", "a".repeat(250));
        for bad in
            ["", "an", "@shop.example", "an@shop", "an@@shop.example", "a n@shop.example", "an@shop.", &long]
        {
            assert!(!plausible_email(bad), "{bad}");
        }
    }

    #[test]
    fn a_context_keeps_the_latest_items_and_cuts_long_text_on_a_character() {
        let article = |n: usize| ArticleSeen {
            id: format!("a{n}"),
            lang: "vi".into(),
            title: "đ".repeat(500),
            team: Some("t".repeat(500)),
            category: None,
            helpful: None,
        };
        let context = EscalationContext {
            searches: (0..100).map(|n| format!("search {n}")).collect(),
            articles: (0..30).map(article).collect(),
            page_url: format!("https://shop.example/{}", "x".repeat(10_000)),
            lang: "vi".into(),
            identity: Some(Identity {
                id: "u".repeat(300),
                name: Some("Hoa".into()),
                email: None,
                signature: None,
            }),
        }
        .bounded();
        assert_eq!(context.searches.len(), CONTEXT_ITEMS);
        assert_eq!(context.searches[0], "search 80", "the latest are kept");
        assert_eq!(context.articles.len(), CONTEXT_ITEMS);
        assert_eq!(context.articles[0].id, "a10");
        assert_eq!(context.articles[0].title.chars().count(), CONTEXT_TEXT_CHARS, "cut on a character");
        assert_eq!(context.articles[0].team.as_ref().map(String::len), Some(CONTEXT_TEXT_CHARS));
        assert_eq!(context.page_url.chars().count(), CONTEXT_URL_CHARS);
        let identity = context.identity.unwrap();
        assert_eq!((identity.id.len(), identity.name.as_deref()), (CONTEXT_TEXT_CHARS, Some("Hoa")));
        assert!(serde_json::to_string(&context.searches).unwrap().len() < 1000);
    }

    #[test]
    fn escalation_context_round_trips_and_omits_empty_options() {
        let context = EscalationContext {
            searches: vec!["chinh sach doi tra".into()],
            articles: vec![ArticleSeen {
                id: "return-policy".into(),
                lang: "vi".into(),
                title: "Chính sách đổi trả là gì?".into(),
                team: Some("returns".into()),
                category: Some("orders".into()),
                helpful: Some(false),
            }],
            page_url: "https://shop.example/checkout".into(),
            lang: "vi".into(),
            identity: None,
        };
        let json = serde_json::to_string(&context).unwrap();
        assert!(!json.contains("identity"), "{json}");
        assert_eq!(serde_json::from_str::<EscalationContext>(&json).unwrap(), context);
    }

    #[test]
    fn frames_are_tagged_by_type_in_snake_case() {
        let hello =
            visitor::ClientFrame::Hello { version: PROTOCOL_VERSION, token: "t".into(), after_seq: 3 };
        assert_eq!(
            serde_json::to_string(&hello).unwrap(),
            r#"{"type":"hello","version":1,"token":"t","after_seq":3}"#
        );
        let ack = visitor::ServerFrame::Ack(chat::Ack { client_id: "c1".into(), seq: 4, duplicate: false });
        assert_eq!(serde_json::to_string(&ack).unwrap(), r#"{"type":"ack","client_id":"c1","seq":4}"#);
        let message = visitor::ServerFrame::Message(chat::ChatMessage {
            seq: 1,
            client_id: None,
            author: chat::Author::Agent { name: "Lan".into() },
            body: "<b>hi</b>".into(),
            private: false,
            sent_at: "2026-01-01T00:00:00Z".into(),
        });
        let json = serde_json::to_string(&message).unwrap();
        assert!(json.contains(r#""author":{"kind":"agent","name":"Lan"}"#), "{json}");
        assert_eq!(serde_json::from_str::<visitor::ServerFrame>(&json).unwrap(), message);
        let queue =
            visitor::ServerFrame::Queue(visitor::QueueStatus { position: 2, expected_wait_secs: Some(240) });
        assert_eq!(
            serde_json::to_string(&queue).unwrap(),
            r#"{"type":"queue","position":2,"expected_wait_secs":240}"#
        );
    }

    #[test]
    fn hello_without_after_seq_means_from_the_start() {
        let frame: visitor::ClientFrame =
            serde_json::from_str(r#"{"type":"hello","version":1,"token":"t"}"#).unwrap();
        assert_eq!(frame, visitor::ClientFrame::Hello { version: 1, token: "t".into(), after_seq: 0 });
    }
}
