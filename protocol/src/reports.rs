//! What the console's reports show, as chat-server's `GET /api/agent/reports/help-center` answers it.
//!
//! Definitions (after Help Scout's Docs report; a *visit* is one page view in which the visitor did
//! anything in the widget — the widget keeps no id across page views, by design):
//! - **found an answer**: the visit viewed at least one article and did not contact you;
//! - **failed**: the visit viewed no article and did not contact you;
//! - **contacted**: the visit started a live chat or left a message;
//! - **deflection rate** = found an answer ÷ visits;
//! - a **failed search** showed no result, or none marked as the answer.

use serde::{Deserialize, Serialize};

/// The formula of the deflection rate, as the console prints it beside the number.
pub const DEFLECTION_FORMULA: &str = "found an answer ÷ visits";

/// The help center's report for a range of days, with the previous range of the same length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HelpCenterReport {
    /// First day (`YYYY-MM-DD`, UTC), inclusive.
    pub from: String,
    /// Last day, inclusive.
    pub to: String,
    /// Only this language, when asked.
    pub lang: Option<String>,
    /// The range's totals.
    pub totals: Totals,
    /// The same number of days just before `from`.
    pub previous: Totals,
    /// Most searched, most first.
    pub top_searches: Vec<SearchRow>,
    /// Searches that found nothing or nothing sure, most first.
    pub failed_searches: Vec<SearchRow>,
    /// Most viewed articles, with what visitors said of them.
    pub top_articles: Vec<ArticleRow>,
    /// One row per day of the range, for the chart.
    pub days: Vec<DayRow>,
}

/// Counts over a range, and the rates made of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Page views in which the visitor did something in the widget.
    pub visits: u64,
    /// Searches settled on.
    pub searches: u64,
    /// Of which found nothing, or nothing marked as the answer.
    pub failed_searches: u64,
    /// Articles opened.
    pub views: u64,
    /// Visits that viewed an article and did not contact you.
    pub found_an_answer: u64,
    /// Visits that viewed no article and did not contact you.
    pub failed: u64,
    /// Visits that started a chat or left a message.
    pub contacted: u64,
    /// "Talk to us" pressed (whether or not they went on).
    pub escalations: u64,
    /// Live chats started.
    pub chats: u64,
    /// Messages left for later.
    pub messages: u64,
    /// "Did this help?": yes.
    pub helpful_yes: u64,
    /// "Did this help?": no.
    pub helpful_no: u64,
    /// found an answer ÷ visits (0 without visits).
    pub deflection_rate: f64,
    /// Articles viewed per visit.
    pub views_per_visit: f64,
}

/// A search text and how often it was asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchRow {
    /// The text, lower-cased with its spaces collapsed.
    pub query: String,
    /// Times asked.
    pub count: u64,
    /// Results shown, on average.
    pub results: f64,
    /// Times it found nothing or nothing sure.
    pub failed: u64,
}

/// An article and how it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleRow {
    /// Article id.
    pub article: String,
    /// Times opened.
    pub views: u64,
    /// "Did this help?": yes.
    pub helpful_yes: u64,
    /// "Did this help?": no.
    pub helpful_no: u64,
}

/// One day's main counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayRow {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Visits.
    pub visits: u64,
    /// Searches.
    pub searches: u64,
    /// Visits that found an answer.
    pub found_an_answer: u64,
    /// Visits that contacted you.
    pub contacted: u64,
}

/// The conversations' report for a range of days (conversations started in it), with the range before
/// it, per agent and per team, the ratings, and the desk right now.
///
/// Definitions (Chatwoot's): **first response time** = first agent reply − conversation start;
/// **resolution time** = closed − started; **customer waiting time** = for each visitor message an agent
/// answered, the time until that answer; **CSAT** = ratings of 4–5 ÷ ratings; **response rate** =
/// ratings ÷ closed conversations (every closed conversation asks its visitor); **NPS** = % promoters
/// (9–10) − % detractors (0–6) of the answers to "how likely are you to recommend us?", −100 to 100.
/// Private notes are not replies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationReport {
    /// First day (`YYYY-MM-DD`, UTC), inclusive.
    pub from: String,
    /// Last day, inclusive.
    pub to: String,
    /// The range's numbers.
    pub totals: ConversationTotals,
    /// The range before it, of the same length.
    pub previous: ConversationTotals,
    /// Per assignee (`""`: never assigned), most conversations first.
    pub agents: Vec<GroupRow>,
    /// Per team (`""`: no team), most conversations first.
    pub teams: Vec<GroupRow>,
    /// Ratings given 1 to 5: `distribution[0]` is the count of 1s.
    pub distribution: [u64; 5],
    /// Ratings with a comment, newest first (at most 50).
    pub comments: Vec<RatingComment>,
    /// The desk now.
    pub live: Live,
}

/// Counts and times over a set of conversations. Times are in seconds; `None` when nothing to measure.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConversationTotals {
    /// Conversations started.
    pub conversations: u64,
    /// Of which an agent answered.
    pub answered: u64,
    /// Of which are closed.
    pub closed: u64,
    /// First response time, median.
    pub first_response_median: Option<u64>,
    /// First response time, mean.
    pub first_response_mean: Option<u64>,
    /// Resolution time, median.
    pub resolution_median: Option<u64>,
    /// Resolution time, mean.
    pub resolution_mean: Option<u64>,
    /// First response time counting business hours only, median (`None` without configured hours).
    #[serde(default)]
    pub first_response_business_median: Option<u64>,
    /// Resolution time counting business hours only, median.
    #[serde(default)]
    pub resolution_business_median: Option<u64>,
    /// Customer waiting time, mean over every answered visitor message.
    pub waiting_mean: Option<u64>,
    /// Ratings received.
    pub ratings: u64,
    /// Of which 4 or 5.
    pub satisfied: u64,
    /// satisfied ÷ ratings (0 without ratings).
    pub csat: f64,
    /// ratings ÷ closed (0 without closed conversations).
    pub response_rate: f64,
    /// Answers to the loyalty question.
    #[serde(default)]
    pub nps_responses: u64,
    /// Of which 9 or 10.
    #[serde(default)]
    pub promoters: u64,
    /// Of which 0 to 6.
    #[serde(default)]
    pub detractors: u64,
    /// % promoters − % detractors, −100 to 100; `None` without answers.
    #[serde(default)]
    pub nps: Option<f64>,
}

/// One agent's or team's numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRow {
    /// Username or team (`""`: none).
    pub name: String,
    /// Its numbers.
    pub totals: ConversationTotals,
}

/// A rating with its comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingComment {
    /// 1 to 5.
    pub score: u8,
    /// What the visitor wrote.
    pub comment: String,
    /// The agent the conversation was with.
    pub agent: Option<String>,
    /// RFC 3339.
    pub rated_at: String,
}

/// The desk right now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Live {
    /// Open conversations.
    pub open: u64,
    /// Of which nobody has taken.
    pub unassigned: u64,
    /// When the longest-waiting unassigned conversation started (RFC 3339).
    pub waiting_since: Option<String>,
    /// Agents connected now.
    pub agents_online: Vec<String>,
}

/// The help center's gaps: questions it does not answer, grouped into topics (`GET
/// /api/agent/reports/gaps`). A topic is the set of a question's words as the search engine reads them —
/// tone marks, case, word order and stopwords aside — so "doi tra hang" and "Đổi trả hàng?" are one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GapsReport {
    /// First day (`YYYY-MM-DD`, UTC), inclusive.
    pub from: String,
    /// Last day, inclusive.
    pub to: String,
    /// Most hit first (at most 100).
    pub gaps: Vec<Gap>,
}

/// One topic the help center does not answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    /// The topic's words, as the engine reads them (`doi hang tra`).
    pub topic: String,
    /// How visitors asked, most frequent first (at most 5).
    pub examples: Vec<String>,
    /// Searches on it that found nothing or nothing sure, in the range.
    pub failed_searches: u64,
    /// The same in the range before: after an article is published, this is what should fall.
    pub previous_failed_searches: u64,
    /// Conversations started after searching it.
    pub chats: u64,
    /// Their ids, newest first (at most 5).
    pub conversations: Vec<String>,
}

/// An article proposed from what visitors asked (`POST /api/agent/drafts/propose`), for an agent to edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleDraft {
    /// Where it goes under the content folder: `lang/category/slug.md`.
    pub path: String,
    /// The whole file: front matter (`draft: true`) and body.
    pub markdown: String,
}

/// What to propose a draft from: a conversation, or the ways a content gap was asked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposeDraft {
    /// A conversation: its searches and messages are the questions, its agents' replies the body.
    #[serde(default)]
    pub conversation_id: Option<String>,
    /// Otherwise (or also), ways visitors asked.
    #[serde(default)]
    pub asked: Vec<String>,
    /// Language code when no conversation says it.
    #[serde(default)]
    pub lang: Option<String>,
}

/// A draft saved by an agent (`POST /api/agent/drafts`), waiting for `kb-builder drafts pull`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedDraft {
    /// Random id.
    pub id: String,
    /// Where it goes under the content folder.
    pub path: String,
    /// The file.
    pub markdown: String,
    /// The conversation it came from, if any.
    pub conversation_id: Option<String>,
    /// The agent who saved it.
    pub created_by: String,
    /// RFC 3339.
    pub created_at: String,
    /// When `kb-builder drafts pull` wrote it, if it has.
    pub pulled_at: Option<String>,
}

/// A draft to save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveDraft {
    /// Where it goes under the content folder.
    pub path: String,
    /// The file.
    pub markdown: String,
    /// The conversation it came from, if any.
    #[serde(default)]
    pub conversation_id: Option<String>,
}

/// Whether a draft's `path` may be written under a content folder: relative, `lang/…/name.md`, plain names
/// only (letters, digits, `-`, `_`, `.`), none starting with `.`. chat-server checks it when a draft is saved
/// and
/// `kb-builder drafts pull` again before writing.
pub fn draft_path_is_safe(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    parts.len() >= 2
        && path.ends_with(".md")
        && parts.iter().all(|part| {
            // No hidden names either (`.git/…`, `...`).
            !part.is_empty()
                && !part.starts_with('.')
                && part.chars().all(|c| c.is_alphanumeric() || "-_.".contains(c))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_draft_paths_are_safe() {
        assert!(draft_path_is_safe("vi/returns/doi-tra.md"));
        for bad in [
            "../etc/passwd.md",
            "/abs/x.md",
            "vi//x.md",
            "vi/x.txt",
            "x.md",
            "vi/./x.md",
            "vi/a b.md",
            "vi\\..\\x.md",
            ".git/hooks/x.md",
            "vi/.../x.md",
        ] {
            assert!(!draft_path_is_safe(bad), "{bad}");
        }
    }
}
