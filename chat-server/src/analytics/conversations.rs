//! The conversations' numbers (`protocol::reports::ConversationReport` defines each): worked out here
//! from what storage keeps of each conversation, so both backends and every group (range, agent, team)
//! count the same way.

use std::collections::{BTreeMap, HashMap};

use protocol::reports::{ConversationTotals, GroupRow, RatingComment};

use crate::config::BusinessHours;

/// What a report needs of one conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationFacts {
    /// Id.
    pub id: String,
    /// Started (RFC 3339).
    pub created_at: String,
    /// Closed, if it is.
    pub closed_at: Option<String>,
    /// Routed team.
    pub team: Option<String>,
    /// Assignee now.
    pub assignee: Option<String>,
    /// The visitor's rating: score, comment, when, and the agent rated.
    pub rating: Option<(u8, Option<String>, String, Option<String>)>,
    /// The answer to "how likely are you to recommend us?" (0–10), if given.
    pub recommend: Option<u8>,
    /// What the visitor searched before asking for a person (the hand-over).
    pub searches: Vec<String>,
    /// The visitor's language.
    pub lang: String,
}

/// A message that is not a private note: the conversation, who wrote it (`visitor`, `agent`, `system`),
/// when. In order within each conversation.
pub type MessageFact = (String, String, String);

/// Comments listed at most.
pub const COMMENTS: usize = 50;

fn seconds(from: &str, to: &str) -> Option<u64> {
    let (from, to) = (from.parse::<jiff::Timestamp>().ok()?, to.parse::<jiff::Timestamp>().ok()?);
    u64::try_from(to.as_second() - from.as_second()).ok()
}

fn business(hours: &BusinessHours, from: &str, to: &str) -> Option<u64> {
    let (from, to) = (from.parse::<jiff::Timestamp>().ok()?, to.parse::<jiff::Timestamp>().ok()?);
    crate::hours::business_seconds(hours, from, to)
}

fn median(values: &mut [u64]) -> Option<u64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let middle = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2
    } else {
        values[middle]
    })
}

fn mean(values: &[u64]) -> Option<u64> {
    (!values.is_empty()).then(|| values.iter().sum::<u64>() / values.len() as u64)
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// Per conversation: the first agent reply's time, and every wait of the visitor for an answer.
#[derive(Debug, Default)]
struct Replies {
    first: Option<String>,
    waits: Vec<u64>,
}

fn replies(messages: &[MessageFact]) -> HashMap<&str, Replies> {
    let mut by_conversation: HashMap<&str, Replies> = HashMap::new();
    // The visitor messages not answered yet, per conversation.
    let mut waiting: HashMap<&str, Vec<&str>> = HashMap::new();
    for (conversation, author, sent_at) in messages {
        let replies = by_conversation.entry(conversation).or_default();
        match author.as_str() {
            "visitor" => waiting.entry(conversation).or_default().push(sent_at),
            "agent" => {
                replies.first.get_or_insert_with(|| sent_at.clone());
                // Each visitor message this reply answers waited until now.
                for since in waiting.remove(conversation.as_str()).unwrap_or_default() {
                    replies.waits.extend(seconds(since, sent_at));
                }
            }
            _ => {}
        }
    }
    by_conversation
}

fn totals(
    conversations: &[&ConversationFacts],
    replies: &HashMap<&str, Replies>,
    hours: &BusinessHours,
) -> ConversationTotals {
    let (mut first, mut resolution, mut waits) = (Vec::new(), Vec::new(), Vec::new());
    // The same times counting business hours only (empty without configured hours).
    let (mut first_open, mut resolution_open) = (Vec::new(), Vec::new());
    let (mut answered, mut closed, mut ratings, mut satisfied) = (0, 0, 0, 0);
    // Answers to the loyalty question: all, promoters (9–10), detractors (0–6).
    let mut recommend = (0u64, 0u64, 0u64);
    for conversation in conversations {
        if let Some(reply) = replies.get(conversation.id.as_str()) {
            if let Some(at) = &reply.first {
                answered += 1;
                first.extend(seconds(&conversation.created_at, at));
                first_open.extend(business(hours, &conversation.created_at, at));
            }
            waits.extend(&reply.waits);
        }
        if let Some(at) = &conversation.closed_at {
            closed += 1;
            resolution.extend(seconds(&conversation.created_at, at));
            resolution_open.extend(business(hours, &conversation.created_at, at));
        }
        if let Some((score, ..)) = &conversation.rating {
            ratings += 1;
            satisfied += u64::from(*score >= 4);
        }
        if let Some(score) = conversation.recommend {
            recommend.0 += 1;
            recommend.1 += u64::from(score >= 9);
            recommend.2 += u64::from(score <= 6);
        }
    }
    ConversationTotals {
        conversations: conversations.len() as u64,
        answered,
        closed,
        first_response_median: median(&mut first),
        first_response_mean: mean(&first),
        resolution_median: median(&mut resolution),
        resolution_mean: mean(&resolution),
        first_response_business_median: median(&mut first_open),
        resolution_business_median: median(&mut resolution_open),
        waiting_mean: mean(&waits),
        ratings,
        satisfied,
        csat: ratio(satisfied, ratings),
        response_rate: ratio(ratings, closed),
        nps_responses: recommend.0,
        promoters: recommend.1,
        detractors: recommend.2,
        nps: (recommend.0 > 0)
            .then(|| (ratio(recommend.1, recommend.0) - ratio(recommend.2, recommend.0)) * 100.0),
    }
}

/// The numbers of a range: totals, per agent, per team, the distribution of ratings and their comments.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeNumbers {
    /// All conversations.
    pub totals: ConversationTotals,
    /// Per assignee.
    pub agents: Vec<GroupRow>,
    /// Per team.
    pub teams: Vec<GroupRow>,
    /// Count of ratings 1 to 5.
    pub distribution: [u64; 5],
    /// Commented ratings, newest first.
    pub comments: Vec<RatingComment>,
}

fn groups(
    conversations: &[ConversationFacts],
    replies: &HashMap<&str, Replies>,
    hours: &BusinessHours,
    key: impl Fn(&ConversationFacts) -> String,
) -> Vec<GroupRow> {
    let mut by: BTreeMap<String, Vec<&ConversationFacts>> = BTreeMap::new();
    for conversation in conversations {
        by.entry(key(conversation)).or_default().push(conversation);
    }
    let mut rows: Vec<GroupRow> =
        by.into_iter().map(|(name, list)| GroupRow { name, totals: totals(&list, replies, hours) }).collect();
    rows.sort_by(|a, b| {
        b.totals.conversations.cmp(&a.totals.conversations).then_with(|| a.name.cmp(&b.name))
    });
    rows
}

/// Works out a range's numbers from its conversations and their messages (private notes left out);
/// `hours` gives the business-hours variants of the times.
pub fn numbers(
    conversations: &[ConversationFacts],
    messages: &[MessageFact],
    hours: &BusinessHours,
) -> RangeNumbers {
    let replies = replies(messages);
    let all: Vec<&ConversationFacts> = conversations.iter().collect();
    let mut distribution = [0; 5];
    let mut comments = Vec::new();
    for conversation in conversations {
        if let Some((score, comment, rated_at, agent)) = &conversation.rating {
            if let Some(slot) = distribution.get_mut(usize::from(score.saturating_sub(1))) {
                *slot += 1;
            }
            if let Some(comment) = comment.as_ref().filter(|c| !c.trim().is_empty()) {
                let agent = agent.clone().or_else(|| conversation.assignee.clone());
                comments.push(RatingComment {
                    score: *score,
                    comment: comment.clone(),
                    agent,
                    rated_at: rated_at.clone(),
                });
            }
        }
    }
    comments.sort_by(|a, b| b.rated_at.cmp(&a.rated_at));
    comments.truncate(COMMENTS);
    RangeNumbers {
        totals: totals(&all, &replies, hours),
        agents: groups(conversations, &replies, hours, |c| c.assignee.clone().unwrap_or_default()),
        teams: groups(conversations, &replies, hours, |c| c.team.clone().unwrap_or_default()),
        distribution,
        comments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conversation(
        id: &str,
        start: &str,
        closed: Option<&str>,
        agent: Option<&str>,
        rating: Option<(u8, Option<&str>)>,
    ) -> ConversationFacts {
        ConversationFacts {
            id: id.into(),
            created_at: format!("2026-12-01T{start}Z"),
            closed_at: closed.map(|c| format!("2026-12-01T{c}Z")),
            team: Some(if id == "c" { "shipping" } else { "returns" }.into()),
            assignee: agent.map(str::to_owned),
            rating: rating.map(|(score, comment)| {
                (score, comment.map(str::to_owned), format!("2026-12-01T23:00:0{score}Z"), None)
            }),
            recommend: None,
            searches: Vec::new(),
            lang: "vi".into(),
        }
    }

    fn message(id: &str, author: &str, at: &str) -> MessageFact {
        (id.into(), author.into(), format!("2026-12-01T{at}Z"))
    }

    /// Four conversations, every time chosen so the numbers can be checked by hand.
    #[test]
    fn every_conversation_number_is_the_one_counted_by_hand() {
        let conversations = vec![
            // a: answered after 60 s, closed after 600 s, rated 5 with a comment.
            conversation("a", "10:00:00", Some("10:10:00"), Some("lan"), Some((5, Some("Nhanh")))),
            // b: answered after 180 s, closed after 1200 s, rated 2.
            conversation("b", "11:00:00", Some("11:20:00"), Some("lan"), Some((2, None))),
            // c: answered after 300 s, closed after 3600 s, not rated.
            conversation("c", "12:00:00", Some("13:00:00"), Some("minh"), None),
            // d: never answered, still open.
            conversation("d", "14:00:00", None, None, None),
        ];
        let messages = vec![
            message("a", "visitor", "10:00:00"),
            message("a", "agent", "10:01:00"), // waited 60
            message("a", "visitor", "10:02:00"),
            message("a", "visitor", "10:03:00"),
            message("a", "agent", "10:04:00"), // answers two: waited 120 and 60
            message("b", "visitor", "11:00:00"),
            message("b", "system", "11:01:00"),
            message("b", "agent", "11:03:00"), // waited 180
            message("c", "agent", "12:05:00"), // replied first, before any visitor message: no wait
            message("d", "visitor", "14:00:00"),
        ];
        // The loyalty question: a 10 and a 9 (promoters), c 3 (a detractor, though it gave no rating).
        let mut conversations = conversations;
        for (i, answer) in [(0, 10), (1, 9), (2, 3)] {
            conversations[i].recommend = Some(answer);
        }
        let numbers = numbers(&conversations, &messages, &BusinessHours::default());
        let t = &numbers.totals;
        assert_eq!((t.nps_responses, t.promoters, t.detractors), (3, 2, 1));
        assert!((t.nps.unwrap() - 100.0 / 3.0).abs() < 1e-9, "2/3 − 1/3, in points: {:?}", t.nps);
        assert_eq!((t.conversations, t.answered, t.closed), (4, 3, 3));
        assert_eq!((t.first_response_median, t.first_response_mean), (Some(180), Some(180)));
        assert_eq!((t.resolution_median, t.resolution_mean), (Some(1200), Some(1800)));
        assert_eq!(t.waiting_mean, Some(105), "(60 + 120 + 60 + 180) / 4");
        assert_eq!((t.ratings, t.satisfied), (2, 1));
        assert!((t.csat - 0.5).abs() < 1e-12);
        assert!((t.response_rate - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(numbers.distribution, [0, 1, 0, 0, 1]);
        assert_eq!(numbers.comments.len(), 1);
        assert_eq!((numbers.comments[0].score, numbers.comments[0].agent.as_deref()), (5, Some("lan")));

        let lan = &numbers.agents[0];
        assert_eq!(
            (lan.name.as_str(), lan.totals.conversations, lan.totals.first_response_median),
            ("lan", 2, Some(120))
        );
        assert_eq!(numbers.agents.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["lan", "", "minh"]);
        let returns = &numbers.teams[0];
        assert_eq!(
            (returns.name.as_str(), returns.totals.conversations, returns.totals.closed),
            ("returns", 3, 2)
        );
    }

    #[test]
    fn nothing_to_measure_is_none_not_zero() {
        let numbers = numbers(&[], &[], &BusinessHours::default());
        assert_eq!(numbers.totals, ConversationTotals::default());
        assert_eq!(numbers.totals.first_response_median, None);
        assert_eq!(median(&mut [4, 1]), Some(2));
    }
}
