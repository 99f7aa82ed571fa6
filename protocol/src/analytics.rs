//! Anonymous usage events the widget sends to chat-server's `POST /api/events`, in batches.
//!
//! What is collected is exactly these types: no cookie, no visitor or user id, no IP address stored, no
//! page URL; a random id that lives only as long as the page view ([`Batch::page_view`]) groups one
//! visit's events so that the reports can tell "found an answer" from "contacted you". The widget sends
//! a batch with `navigator.sendBeacon` as `text/plain` (a CORS-safelisted type, so no preflight and no
//! cost to the host page).

use serde::{Deserialize, Serialize};

/// Version of the batch format.
pub const EVENTS_VERSION: u32 = 1;
/// The most events one batch may carry; a longer batch is refused whole.
pub const BATCH_EVENTS: usize = 50;
/// The most characters of a query or an article id kept; longer ones are cut.
pub const EVENT_TEXT_CHARS: usize = 200;
/// Characters of [`Batch::page_view`]: 16 to 64 of `[0-9a-z]`.
pub const PAGE_VIEW_CHARS: std::ops::RangeInclusive<usize> = 16..=64;

/// One `sendBeacon` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    /// [`EVENTS_VERSION`].
    pub v: u32,
    /// Random id of this page view, made when the widget starts and kept only in memory.
    pub page_view: String,
    /// In the order they happened.
    pub events: Vec<Event>,
}

/// Something a visitor did in the widget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A search the visitor settled on (stopped typing, opened a result, asked for a person).
    Search {
        /// The text as typed.
        query: String,
        /// Language searched.
        lang: String,
        /// Results shown.
        results: u32,
        /// Whether the first result was marked as the answer.
        confident: bool,
    },
    /// An article opened in the panel.
    View {
        /// Article id (shared by its translations).
        article: String,
        /// Language of the version read.
        lang: String,
    },
    /// "Did this answer your question?"
    Helpful {
        /// Article id.
        article: String,
        /// Language of the version read.
        lang: String,
        /// Yes or no.
        helpful: bool,
    },
    /// The visitor asked for a person (the contact screen opened).
    Escalate {
        /// Interface language.
        lang: String,
    },
    /// A live chat started.
    Chat {
        /// Interface language.
        lang: String,
    },
    /// A message was left for when someone is back.
    Message {
        /// Interface language.
        lang: String,
    },
}

/// Why a batch was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchError {
    /// Another [`Batch::v`].
    Version(u32),
    /// More than [`BATCH_EVENTS`] events.
    TooMany(usize),
    /// [`Batch::page_view`] is not 16 to 64 of `[0-9a-z]`.
    PageView,
}

impl std::fmt::Display for BatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BatchError::Version(v) => {
                write!(f, "events version {v} is not supported; this server reads {EVENTS_VERSION}")
            }
            BatchError::TooMany(n) => write!(f, "{n} events in one batch; send at most {BATCH_EVENTS}"),
            BatchError::PageView => f.write_str("page_view must be 16 to 64 characters of [0-9a-z]"),
        }
    }
}

impl std::error::Error for BatchError {}

impl Batch {
    /// The batch as a server may store it: refused when its shape is wrong, every text cut at
    /// [`EVENT_TEXT_CHARS`] (a client must not choose how much is kept).
    pub fn checked(mut self) -> Result<Self, BatchError> {
        if self.v != EVENTS_VERSION {
            return Err(BatchError::Version(self.v));
        }
        if self.events.len() > BATCH_EVENTS {
            return Err(BatchError::TooMany(self.events.len()));
        }
        let id = &self.page_view;
        if !PAGE_VIEW_CHARS.contains(&id.len())
            || !id.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
        {
            return Err(BatchError::PageView);
        }
        for event in &mut self.events {
            match event {
                Event::Search { query, lang, .. } => {
                    *query = redact(query);
                    crate::cut(query, EVENT_TEXT_CHARS);
                    crate::cut(lang, EVENT_TEXT_CHARS);
                }
                Event::View { article, lang } | Event::Helpful { article, lang, .. } => {
                    crate::cut(article, EVENT_TEXT_CHARS);
                    crate::cut(lang, EVENT_TEXT_CHARS);
                }
                Event::Escalate { lang } | Event::Chat { lang } | Event::Message { lang } => {
                    crate::cut(lang, EVENT_TEXT_CHARS);
                }
            }
        }
        Ok(self)
    }
}

/// A search text with what could identify someone taken out: a word with `@` (an e-mail address)
/// becomes `[email]`; a word with five or more digits, or a run of number-only words with five or more
/// digits between them ("0912 345 678"), becomes `[number]` (a phone, order or card number). Visitors
/// type such things into search boxes; the reports need the question, not the person.
pub fn redact(query: &str) -> String {
    let digits = |word: &str| word.chars().filter(char::is_ascii_digit).count();
    let numeric =
        |word: &str| word.chars().all(|c| c.is_ascii_digit() || "+-.()#/".contains(c)) && digits(word) > 0;
    let mut out: Vec<&str> = Vec::new();
    let words: Vec<&str> = query.split_whitespace().collect();
    let mut i = 0;
    while i < words.len() {
        let run = words[i..].iter().take_while(|w| numeric(w)).count();
        if run > 0 {
            let total: usize = words[i..i + run].iter().map(|w| digits(w)).sum();
            if total >= 5 {
                out.push("[number]");
            } else {
                out.extend(&words[i..i + run]);
            }
            i += run;
            continue;
        }
        let word = words[i];
        out.push(if word.contains('@') {
            "[email]"
        } else if digits(word) >= 5 {
            "[number]"
        } else {
            word
        });
        i += 1;
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(events: Vec<Event>) -> Batch {
        Batch { v: EVENTS_VERSION, page_view: "k3j9x0a1b2c3d4e5".into(), events }
    }

    #[test]
    fn the_wire_format_is_pinned() {
        let sent = batch(vec![
            Event::Search { query: "doi tra".into(), lang: "vi".into(), results: 3, confident: true },
            Event::Helpful { article: "returns".into(), lang: "vi".into(), helpful: false },
            Event::Chat { lang: "vi".into() },
        ]);
        let json = serde_json::to_string(&sent).unwrap();
        assert_eq!(
            json,
            r#"{"v":1,"page_view":"k3j9x0a1b2c3d4e5","events":[{"type":"search","query":"doi tra","lang":"vi","results":3,"confident":true},{"type":"helpful","article":"returns","lang":"vi","helpful":false},{"type":"chat","lang":"vi"}]}"#
        );
        assert_eq!(serde_json::from_str::<Batch>(&json).unwrap(), sent);
    }

    #[test]
    fn what_could_name_a_visitor_is_taken_out_of_a_search() {
        assert_eq!(redact("goi 0912 345 678 giup"), "goi [number] giup", "a number in groups");
        assert_eq!(redact("size 40 42"), "size 40 42", "four digits in all stay");
        assert_eq!(redact("goi 0912345678 giup"), "goi [number] giup");
        assert_eq!(redact("order #A-12345-X late"), "order [number] late");
        assert_eq!(redact("lan.nguyen@mail.vn  quen mat khau"), "[email] quen mat khau");
        assert_eq!(redact("iphone 15 pro"), "iphone 15 pro");
        let checked = batch(vec![Event::Search {
            query: "email me: a@b.vn".into(),
            lang: "en".into(),
            results: 0,
            confident: false,
        }])
        .checked()
        .unwrap();
        assert_eq!(
            checked.events[0],
            Event::Search {
                query: "email me: [email]".into(),
                lang: "en".into(),
                results: 0,
                confident: false
            }
        );
    }

    #[test]
    fn a_batch_is_bounded_and_its_page_view_id_is_plain() {
        let long = "đ".repeat(EVENT_TEXT_CHARS + 50);
        let checked =
            batch(vec![Event::Search { query: long, lang: "vi".into(), results: 0, confident: false }])
                .checked()
                .unwrap();
        let Event::Search { query, .. } = &checked.events[0] else { panic!("a search") };
        assert_eq!(query.chars().count(), EVENT_TEXT_CHARS);

        let many = vec![Event::Chat { lang: "en".into() }; BATCH_EVENTS + 1];
        assert_eq!(batch(many).checked(), Err(BatchError::TooMany(BATCH_EVENTS + 1)));
        for bad in ["short", "UPPERCASE0123456789", "with space 0123456", &"a".repeat(65)] {
            let mut b = batch(Vec::new());
            b.page_view = bad.into();
            assert_eq!(b.checked(), Err(BatchError::PageView), "{bad}");
        }
        let mut old = batch(Vec::new());
        old.v = 0;
        assert_eq!(old.checked(), Err(BatchError::Version(0)));
    }
}
