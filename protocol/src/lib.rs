//! Wire types between the Answerdesk widget, chat-server and the agent inbox: serde only, so the same
//! definitions compile into the browser (wasm32) and the server.
//!
//! Messages are JSON objects tagged by `"type"`. Every connection starts by sending [`PROTOCOL_VERSION`];
//! a peer that sees a version it does not know closes the connection with a clear error instead of guessing.
//!
//! This crate is the contract the live-chat work builds on; it holds what the widget hands over when a
//! visitor escalates.
#![warn(missing_docs)]

use serde::{Deserialize, Serialize};

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
    /// HMAC of `id` with the site's secret, proving the host site vouches for this identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escalation_context_round_trips_and_omits_empty_options() {
        let context = EscalationContext {
            searches: vec!["chinh sach doi tra".into()],
            articles: vec![ArticleSeen {
                id: "return-policy".into(),
                lang: "vi".into(),
                title: "Chính sách đổi trả là gì?".into(),
                team: Some("returns".into()),
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
}
