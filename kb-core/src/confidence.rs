//! Whether the first hit answers the question: the widget's choice between "here is your answer" and
//! "these might help, or talk to us".
//!
//! Raw BM25 scores cannot be compared across queries (they grow with the query's length and its words'
//! rarity), so the judgement rests on two signals that can:
//! - coverage: the share of the query's content words (IDF-weighted) the first hit contains;
//! - margin: how far the first hit is ahead of the second, relative to its score.
//!
//! The thresholds were calibrated on the evaluation sets in `../shared/eval` (see `bench/results/quality.md`
//! for precision and recall of "confident" against "the first hit is right").

use serde::{Deserialize, Serialize};

/// A first hit with less of the query's meaning than this is never presented as the answer.
pub const MIN_COVERAGE: f32 = 0.5;
/// ... nor one this close to the runner-up (relative score gap).
pub const MIN_MARGIN: f32 = 0.2;

/// The engine's judgement of a result list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConfidenceLevel {
    /// The first hit very likely answers the question: show it as the answer.
    Confident,
    /// It may not: show the hits as suggestions and offer a person.
    Unsure,
}

/// How sure the engine is that the first hit answers the question, with the signals behind it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Confidence {
    /// The verdict.
    pub level: ConfidenceLevel,
    /// Share (0–1) of the query's content words, weighted by rarity, that the first hit contains.
    pub coverage: f32,
    /// How far the first hit is ahead of the second: `(first - second) / first` (1 when it is alone).
    pub margin: f32,
}

impl Confidence {
    /// No hits: nothing to be confident about.
    pub fn none() -> Self {
        Confidence { level: ConfidenceLevel::Unsure, coverage: 0.0, margin: 0.0 }
    }

    /// Whether the first hit can be presented as the answer.
    pub fn is_confident(&self) -> bool {
        self.level == ConfidenceLevel::Confident
    }
}

/// Judges a result list from the first hit's coverage and the two best scores.
pub fn judge(coverage: f32, first: f32, second: f32) -> Confidence {
    let margin = if first > 0.0 { ((first - second) / first).clamp(0.0, 1.0) } else { 0.0 };
    let level = if coverage >= MIN_COVERAGE && margin >= MIN_MARGIN {
        ConfidenceLevel::Confident
    } else {
        ConfidenceLevel::Unsure
    };
    Confidence { level, coverage, margin }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_both_coverage_and_a_lead() {
        assert!(judge(1.0, 10.0, 5.0).is_confident());
        assert!(judge(1.0, 10.0, 0.0).is_confident(), "a single hit leads by everything");
        assert!(!judge(1.0, 10.0, 9.99).is_confident(), "a tie is a coin toss");
        assert!(!judge(0.1, 10.0, 1.0).is_confident(), "far ahead but answers little of the question");
        assert!(!Confidence::none().is_confident());
        assert_eq!(judge(0.5, 0.0, 0.0).margin, 0.0);
    }
}
