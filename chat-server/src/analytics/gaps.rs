//! Content gaps: the searches that found no answer and the chats that followed a search, grouped into
//! topics by the words the search engine reads in them (kb-core's analysis: tone marks and case folded,
//! stopwords out, English stemmed), so that "doi tra hang" and "Đổi trả hàng?" count as one topic.

use std::collections::{BTreeMap, HashMap};

use kb_core::Lang;
use kb_core::analysis::{TermKind, tokens};
use protocol::reports::Gap;

use super::conversations::ConversationFacts;
use super::report::Day;

/// Topics listed at most.
pub const GAPS: usize = 100;
/// Examples and conversations shown per topic.
const EXAMPLES: usize = 5;

/// The topic of `text` in `lang` (a code; Vietnamese when unknown): its distinct searchable words, in
/// order of the alphabet. Empty when nothing searchable is left.
pub fn topic(text: &str, lang: &str) -> String {
    let lang = lang.parse::<Lang>().unwrap_or(Lang::Vi);
    let mut words: Vec<String> = tokens(lang, text)
        .into_iter()
        .filter(|t| matches!(t.kind, TermKind::Word | TermKind::Code))
        .map(|t| t.text)
        .collect();
    words.sort();
    words.dedup();
    words.join(" ")
}

#[derive(Debug, Default)]
struct Topic {
    failed: u64,
    previous: u64,
    /// Each way of asking, with its count.
    asked: HashMap<String, u64>,
    /// Conversations: (started, id).
    chats: Vec<(String, String)>,
}

/// Failed searches per (language, text) from day tallies.
fn failed_searches(days: &BTreeMap<String, Day>) -> BTreeMap<(String, String), u64> {
    let mut failed = BTreeMap::new();
    for day in days.values() {
        for (lang, tally) in day {
            for (text, (_, _, failures)) in &tally.queries {
                if *failures > 0 {
                    *failed.entry((lang.clone(), text.clone())).or_default() += failures;
                }
            }
        }
    }
    failed
}

/// The gaps of a range: failed searches of `days` (the range's tallies) and `previous` (the range
/// before), and the chats of `conversations` (those started in the range) with the searches handed over.
pub fn gaps(
    days: &BTreeMap<String, Day>,
    previous: &BTreeMap<String, Day>,
    conversations: &[ConversationFacts],
) -> Vec<Gap> {
    let mut topics: HashMap<String, Topic> = HashMap::new();
    for ((lang, text), failures) in failed_searches(days) {
        let key = topic(&text, &lang);
        if key.is_empty() {
            continue;
        }
        let entry = topics.entry(key).or_default();
        entry.failed += failures;
        *entry.asked.entry(text).or_default() += failures;
    }
    for conversation in conversations {
        let mut keys: Vec<String> = conversation
            .searches
            .iter()
            .map(|text| topic(text, &conversation.lang))
            .filter(|key| !key.is_empty())
            .collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            let asked: Vec<String> = conversation
                .searches
                .iter()
                .filter(|text| topic(text, &conversation.lang) == key)
                .map(|text| super::report::normalise(text))
                .collect();
            let entry = topics.entry(key).or_default();
            entry.chats.push((conversation.created_at.clone(), conversation.id.clone()));
            for text in asked {
                *entry.asked.entry(text).or_default() += 1;
            }
        }
    }
    // Only topics that are gaps now; their count before says whether they are closing.
    for ((lang, text), failures) in failed_searches(previous) {
        if let Some(entry) = topics.get_mut(&topic(&text, &lang)) {
            entry.previous += failures;
        }
    }
    let mut gaps: Vec<Gap> = topics
        .into_iter()
        .map(|(topic, mut t)| {
            let mut asked: Vec<(String, u64)> = t.asked.into_iter().collect();
            asked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            t.chats.sort_by(|a, b| b.cmp(a));
            Gap {
                topic,
                examples: asked.into_iter().take(EXAMPLES).map(|(text, _)| text).collect(),
                failed_searches: t.failed,
                previous_failed_searches: t.previous,
                chats: t.chats.len() as u64,
                conversations: t.chats.into_iter().take(EXAMPLES).map(|(_, id)| id).collect(),
            }
        })
        .collect();
    gaps.sort_by(|a, b| {
        (b.failed_searches + b.chats).cmp(&(a.failed_searches + a.chats)).then_with(|| a.topic.cmp(&b.topic))
    });
    gaps.truncate(GAPS);
    gaps
}

#[cfg(test)]
mod tests {
    use protocol::analytics::Event;

    use super::*;
    use crate::analytics::report::{StoredEvent, tally};

    fn failed(day: &str, query: &str, lang: &str) -> StoredEvent {
        StoredEvent {
            received_at: format!("{day}T08:00:00Z"),
            page_view: format!("pv-{query}-{day}"),
            event: Event::Search { query: query.into(), lang: lang.into(), results: 0, confident: false },
        }
    }

    fn chat(id: &str, searches: &[&str]) -> ConversationFacts {
        ConversationFacts {
            id: id.into(),
            created_at: format!("2026-12-02T09:00:0{}Z", id.len()),
            closed_at: None,
            team: None,
            assignee: None,
            rating: None,
            recommend: None,
            searches: searches.iter().map(|s| s.to_string()).collect(),
            lang: "vi".into(),
        }
    }

    #[test]
    fn with_or_without_tone_marks_in_any_order_a_question_is_one_topic() {
        assert_eq!(topic("doi tra hang", "vi"), topic("Đổi trả hàng?", "vi"));
        assert_eq!(topic("hàng đổi trả", "vi"), topic("doi tra hang", "vi"));
        assert_ne!(topic("doi tra hang", "vi"), topic("doi hang", "vi"));
        assert_eq!(topic("Returning items", "en"), topic("return item", "en"), "English is stemmed");
    }

    #[test]
    fn failed_searches_and_chats_on_one_topic_are_counted_together_and_against_the_range_before() {
        let now = tally(&[
            failed("2026-12-02", "doi tra hang", "vi"),
            failed("2026-12-02", "Đổi trả hàng", "vi"),
            failed("2026-12-03", "doi tra hang", "vi"),
            failed("2026-12-03", "giao hang quoc te", "vi"),
        ]);
        let before = tally(&[failed("2026-11-30", "đổi trả hàng", "vi"), failed("2026-11-30", "khac", "vi")]);
        let chats = [chat("c1", &["đổi trả hàng thế nào"]), chat("c22", &["hàng đổi trả", "doi tra hang"])];
        let gaps = gaps(&now, &before, &chats);
        let first = &gaps[0];
        assert_eq!(first.topic, topic("doi tra hang", "vi"));
        assert_eq!((first.failed_searches, first.previous_failed_searches, first.chats), (3, 1, 1));
        // Asked three times as "doi tra hang" (two searches, one chat), once each in the other ways.
        assert_eq!(first.examples, ["doi tra hang", "hàng đổi trả", "đổi trả hàng"]);
        assert_eq!(first.conversations, ["c22"]);
        // "đổi trả hàng thế nào" has more words: a topic of its own, from its chat alone.
        let how = gaps.iter().find(|g| g.conversations == ["c1"]).unwrap();
        assert_eq!((how.failed_searches, how.chats), (0, 1));
        assert!(gaps.iter().any(|g| g.topic == topic("giao hang quoc te", "vi") && g.failed_searches == 1));
        assert!(gaps.iter().all(|g| g.topic != "khac"), "a topic not missed in the range is not a gap");
    }
}
