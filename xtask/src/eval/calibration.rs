//! Calibration of "Best answer": which thresholds on kb-core's two confidence signals (coverage and
//! margin, see `kb_core::confidence`) let the widget present its first hit as the answer and be right.
//!
//! Every query of a set falls in one half: an official `train` split is dev and `val` is val; a set without
//! splits is halved by a hash of the query id (even → dev, odd → val). The threshold is chosen on the dev
//! halves only, then checked on the val halves it never saw.

use std::fmt::Write as _;

use anyhow::Context;
use serde_json::Value;

use super::qid_hash;
use super::variants::Variant;

/// "Best answer" must be right this often to be worth showing instead of a list of suggestions.
pub const MIN_PRECISION: f64 = 0.90;
/// A set and variant with fewer confident dev queries than this cannot veto a threshold: a precision from
/// a handful of queries is mostly noise.
pub const MIN_CONFIDENT_TO_DECIDE: usize = 20;
/// Margins shown in the dev curve (with [`CURVE_COVERAGE`]).
const CURVE_MARGINS: [f32; 9] = [0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7];
const CURVE_COVERAGE: f32 = 0.5;
/// Coverages of the search grid; margins run from 0.20 to 0.80 in steps of 0.05.
const GRID_COVERAGES: [f32; 6] = [0.0, 0.3, 0.5, 0.6, 0.7, 0.8];

/// Which half of a set a query belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Half {
    /// Thresholds are chosen here.
    Dev,
    /// ... and checked here.
    Val,
}

impl Half {
    /// The half of a query with this id and official split (`None` for a split that is neither train nor
    /// val, such as a test split kept out of sight).
    pub fn of(qid: &str, split: Option<&str>) -> Option<Half> {
        match split {
            Some("train") => Some(Half::Dev),
            Some("val") => Some(Half::Val),
            Some(_) => None,
            None if qid_hash(qid).is_multiple_of(2) => Some(Half::Dev),
            None => Some(Half::Val),
        }
    }
}

/// What kb-core made of one query (a line of `kb-builder eval --details`).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub half: Half,
    /// Whether the first hit is relevant.
    pub first_right: bool,
    pub coverage: f32,
    pub margin: f32,
    /// How many content words the query has.
    pub words: usize,
    /// kb-core's own verdict.
    pub confident: bool,
}

/// The outcomes of one set and variant.
pub struct Run {
    pub set: String,
    pub variant: Variant,
    pub outcomes: Vec<Outcome>,
}

/// Parses `kb-builder eval --details` output; queries in neither half are left out.
pub fn read_details(text: &str) -> anyhow::Result<Vec<Outcome>> {
    let mut outcomes = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let detail: Value = serde_json::from_str(line).with_context(|| format!("details line {}", i + 1))?;
        let confidence: kb_core::Confidence = serde_json::from_value(detail["confidence"].clone())
            .with_context(|| format!("details line {}: no confidence object", i + 1))?;
        let qid = detail["qid"].as_str().with_context(|| format!("details line {}: no qid", i + 1))?;
        if let Some(half) = Half::of(qid, detail["split"].as_str()) {
            outcomes.push(Outcome {
                half,
                first_right: detail["rank"].as_u64() == Some(1),
                coverage: confidence.coverage,
                margin: confidence.margin,
                words: confidence.words,
                confident: confidence.is_confident(),
            });
        }
    }
    Ok(outcomes)
}

/// The two signals' minimums for "Best answer".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    pub margin: f32,
    pub coverage: f32,
}

impl Threshold {
    /// The pair kb-core ships.
    pub fn shipped() -> Self {
        Threshold { margin: kb_core::confidence::MIN_MARGIN, coverage: kb_core::confidence::MIN_COVERAGE }
    }

    /// kb-core's rule (`confidence::judge`) with these minimums (and its fixed `MIN_WORDS`).
    fn admits(self, outcome: &Outcome) -> bool {
        outcome.coverage >= self.coverage
            && outcome.margin >= self.margin
            && outcome.words >= kb_core::confidence::MIN_WORDS
    }

    /// The candidates, looser first: margin-major, so a tie goes to the later, stricter pair.
    fn grid() -> Vec<Threshold> {
        // Hundredths divided once, so 0.35 is the same f32 as the literal kb-core would write.
        (20..=80)
            .step_by(5)
            .flat_map(|margin| {
                GRID_COVERAGES.map(|coverage| Threshold { margin: margin as f32 / 100.0, coverage })
            })
            .collect()
    }

    fn same_as(self, other: Threshold) -> bool {
        (self.margin - other.margin).abs() < 1e-6 && (self.coverage - other.coverage).abs() < 1e-6
    }
}

/// Counts of one half under one threshold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub queries: usize,
    pub confident: usize,
    /// Confident and right.
    pub right: usize,
}

impl Tally {
    pub fn of(outcomes: &[Outcome], half: Half, threshold: Threshold) -> Tally {
        let mut tally = Tally::default();
        for outcome in outcomes.iter().filter(|o| o.half == half) {
            tally.queries += 1;
            if threshold.admits(outcome) {
                tally.confident += 1;
                tally.right += usize::from(outcome.first_right);
            }
        }
        tally
    }

    /// Of the queries, the share shown a "Best answer".
    pub fn share(self) -> f64 {
        if self.queries == 0 { 0.0 } else { self.confident as f64 / self.queries as f64 }
    }

    /// Of the "Best answer"s, the share that are right; `None` when there are none.
    pub fn precision(self) -> Option<f64> {
        (self.confident > 0).then(|| self.right as f64 / self.confident as f64)
    }

    fn precise_enough(self) -> bool {
        self.precision().is_some_and(|p| p >= MIN_PRECISION)
    }

    /// Whether this tally is large enough to veto a threshold.
    fn decides(self) -> bool {
        self.confident >= MIN_CONFIDENT_TO_DECIDE
    }
}

/// The threshold chosen on the dev halves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Choice {
    pub threshold: Threshold,
    /// Mean over the sets (as written) of the dev share confident.
    pub mean_share: f64,
}

/// One grid pair judged on the dev halves.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Assessment {
    threshold: Threshold,
    /// Mean over the sets (as written) of the dev share confident.
    mean_share: f64,
    /// The least precise run (index into the runs) among those large enough to decide, when it misses
    /// [`MIN_PRECISION`].
    veto: Option<(usize, Tally)>,
    /// Whether any run is large enough to decide.
    judged: bool,
}

fn assess(runs: &[Run], threshold: Threshold) -> Assessment {
    let tallies: Vec<Tally> = runs.iter().map(|r| Tally::of(&r.outcomes, Half::Dev, threshold)).collect();
    let veto =
        tallies.iter().copied().enumerate().filter(|(_, t)| t.decides() && !t.precise_enough()).min_by(
            |(_, a), (_, b)| a.precision().partial_cmp(&b.precision()).unwrap_or(std::cmp::Ordering::Equal),
        );
    let as_written: Vec<f64> = runs
        .iter()
        .zip(&tallies)
        .filter(|(r, _)| r.variant == Variant::AsWritten)
        .map(|(_, t)| t.share())
        .collect();
    Assessment {
        threshold,
        mean_share: as_written.iter().sum::<f64>() / as_written.len().max(1) as f64,
        veto,
        judged: tallies.iter().any(|t| t.decides()),
    }
}

/// Over the grid, the pair with the largest mean dev share confident over the sets as written, among the
/// pairs whose dev precision is at least [`MIN_PRECISION`] on every set and variant with at least
/// [`MIN_CONFIDENT_TO_DECIDE`] confident queries, and on at least one such (a pair no sample can judge is
/// not chosen). `None` when no pair qualifies.
pub fn choose_threshold(runs: &[Run]) -> Option<Choice> {
    let mut best: Option<Choice> = None;
    for assessment in Threshold::grid().into_iter().map(|t| assess(runs, t)) {
        if !assessment.judged || assessment.veto.is_some() {
            continue;
        }
        if best.is_none_or(|b| assessment.mean_share >= b.mean_share) {
            best = Some(Choice { threshold: assessment.threshold, mean_share: assessment.mean_share });
        }
    }
    best
}

/// What stood in the way: for each margin, the vetoed pair that would have shown "Best answer" most often,
/// when that is more often than the chosen pair.
fn rejected(runs: &[Run], choice: Option<Choice>) -> Vec<Assessment> {
    let floor = choice.map_or(0.0, |c| c.mean_share);
    let mut rejected: Vec<Assessment> = Vec::new();
    for assessment in Threshold::grid().into_iter().map(|t| assess(runs, t)) {
        if assessment.veto.is_none() || assessment.mean_share <= floor {
            continue;
        }
        match rejected.last_mut() {
            Some(last) if last.threshold.margin == assessment.threshold.margin => {
                if assessment.mean_share > last.mean_share {
                    *last = assessment;
                }
            }
            _ => rejected.push(assessment),
        }
    }
    rejected
}

/// How many outcomes kb-core judged differently from the two-signal rule with its own constants: when
/// this is not zero, kb-core's rule uses more than coverage and margin, and the calibration below is of the
/// two-signal rule only.
pub fn disagreements(runs: &[Run]) -> usize {
    let shipped = Threshold::shipped();
    runs.iter().flat_map(|r| &r.outcomes).filter(|o| o.confident != shipped.admits(o)).count()
}

/// Whether kb-core ships the chosen pair.
pub fn shipped_matches(choice: Option<Choice>) -> bool {
    choice.is_some_and(|c| c.threshold.same_as(Threshold::shipped()))
}

/// The report's section on "Best answer".
pub fn render(runs: &[Run], choice: Option<Choice>) -> String {
    let mut out = String::new();
    let shipped = Threshold::shipped();
    let _ = writeln!(out, "## Calibration of \"Best answer\"\n");
    let _ = writeln!(
        out,
        "The widget presents its first hit as \"Best answer\" when kb-core judges it `Confident`: the hit holds \
         ≥ `MIN_COVERAGE` of the query's content words (IDF-weighted) and leads the second hit by ≥ `MIN_MARGIN` \
         of its score, and the query has ≥ `MIN_WORDS` ({}) content words (fixed, not calibrated). Precision: \
         of the queries judged confident, the share whose first hit is relevant; share: confident / all queries. Each set's queries (all of them, as written and in every stress variant, \
         answerdesk only) are halved: an official `train` split is dev and `val` is val; a set without splits \
         is halved by the FNV-1a hash of the query id (even → dev, odd → val). The pair is chosen on dev and \
         checked on val.\n",
        kb_core::confidence::MIN_WORDS
    );
    let wrong = disagreements(runs);
    if wrong > 0 {
        let _ = writeln!(
            out,
            "**kb-core's verdicts differ from \"coverage ≥ MIN_COVERAGE, margin ≥ MIN_MARGIN, words ≥ \
             MIN_WORDS\" on {wrong} queries**: its rule uses more than these signals, so the thresholds below \
             calibrate this rule only.\n"
        );
    }

    let sets: Vec<&Run> = runs.iter().filter(|r| r.variant == Variant::AsWritten).collect();
    let _ = writeln!(out, "### Dev curve (as written, coverage ≥ {CURVE_COVERAGE:.2})\n");
    let _ = writeln!(out, "Each cell: precision / share confident.\n");
    let _ = write!(out, "| margin ≥ |");
    for run in &sets {
        let _ = write!(out, " {} |", run.set);
    }
    let _ = writeln!(out, "\n|---|{}", "---|".repeat(sets.len()));
    for margin in CURVE_MARGINS {
        let _ = write!(out, "| {margin:.2} |");
        for run in &sets {
            let tally = Tally::of(&run.outcomes, Half::Dev, Threshold { margin, coverage: CURVE_COVERAGE });
            let _ = write!(out, " {} / {:.3} |", precision(tally), tally.share());
        }
        let _ = writeln!(out);
    }

    let _ = writeln!(out, "\n### Chosen on dev\n");
    let _ = writeln!(
        out,
        "Grid: margin 0.20–0.80 in steps of 0.05 × coverage {{{}}}. Chosen: the pair with the largest mean dev \
         share confident over the sets (as written), among the pairs whose dev precision is ≥ {MIN_PRECISION:.2} \
         on every set and variant with ≥ {MIN_CONFIDENT_TO_DECIDE} confident dev queries (fewer cannot veto; \
         a pair none of them can judge is not chosen); a tie goes to the higher margin.\n",
        GRID_COVERAGES.map(|c| format!("{c:.1}")).join(", ")
    );
    let checked = match choice {
        Some(choice) => {
            let _ = writeln!(
                out,
                "**margin ≥ {:.2}, coverage ≥ {:.2}** (mean dev share confident {:.3}).\n",
                choice.threshold.margin, choice.threshold.coverage, choice.mean_share
            );
            choice.threshold
        }
        None => {
            let _ = writeln!(
                out,
                "**No pair qualifies**: no threshold on these two signals reaches precision {MIN_PRECISION:.2} \
                 on dev. kb-core ships margin ≥ {:.2}, coverage ≥ {:.2}.\n",
                shipped.margin, shipped.coverage
            );
            shipped
        }
    };
    render_rejected(&mut out, runs, choice);

    let _ = writeln!(out, "### Checked on val\n");
    let _ = writeln!(
        out,
        "With the {} pair; the dev columns show which samples were large enough to decide (≥ \
         {MIN_CONFIDENT_TO_DECIDE} confident).\n",
        if choice.is_some() { "chosen" } else { "shipped" }
    );
    let _ = writeln!(
        out,
        "| set | variant | dev confident | dev precision | val queries | val confident | val share confident | \
         val precision | val precision ≥ {MIN_PRECISION:.2} |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
    for run in runs {
        let dev = Tally::of(&run.outcomes, Half::Dev, checked);
        let tally = Tally::of(&run.outcomes, Half::Val, checked);
        let holds = match tally.precision() {
            None => "— (none confident)",
            Some(_) if tally.precise_enough() => "yes",
            Some(_) => "**no**",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {:.3} | {} | {holds} |",
            run.set,
            run.variant.name(),
            dev.confident,
            precision(dev),
            tally.queries,
            tally.confident,
            tally.share(),
            precision(tally),
        );
    }
    let Some(choice) = choice else {
        let _ = writeln!(out);
        return out;
    };
    let chosen = choice.threshold;
    let _ = writeln!(out);
    if shipped_matches(Some(choice)) {
        let _ = writeln!(
            out,
            "kb-core's constants (`MIN_MARGIN` = {:.2}, `MIN_COVERAGE` = {:.2}) are the chosen pair.\n",
            shipped.margin, shipped.coverage
        );
    } else {
        let _ = writeln!(
            out,
            "**kb-core's constants differ from the chosen pair**: it ships `MIN_MARGIN` = {:.2}, `MIN_COVERAGE` = \
             {:.2}; this run chose margin {:.2}, coverage {:.2} (kb-core/src/confidence.rs).\n",
            shipped.margin, shipped.coverage, chosen.margin, chosen.coverage
        );
    }
    out
}

/// The [`rejected`] pairs and the run that vetoed each.
fn render_rejected(out: &mut String, runs: &[Run], choice: Option<Choice>) {
    let rejected = rejected(runs, choice);
    if rejected.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "Pairs that would confide more often, the widest per margin, and what vetoed each (the least precise \
         run large enough to decide):\n"
    );
    let _ = writeln!(
        out,
        "| margin ≥ | coverage ≥ | mean dev share confident | vetoed by | dev precision (confident) |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|");
    for assessment in &rejected {
        let Some((index, tally)) = assessment.veto else { continue };
        let run = &runs[index];
        let _ = writeln!(
            out,
            "| {:.2} | {:.2} | {:.3} | {} {} | {} ({}) |",
            assessment.threshold.margin,
            assessment.threshold.coverage,
            assessment.mean_share,
            run.set,
            run.variant.name(),
            precision(tally),
            tally.confident,
        );
    }
    let _ = writeln!(out);
}

fn precision(tally: Tally) -> String {
    tally.precision().map_or_else(|| "–".to_string(), |p| format!("{p:.3}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(half: Half, first_right: bool, coverage: f32, margin: f32) -> Outcome {
        Outcome { half, first_right, coverage, margin, words: 3, confident: false }
    }

    /// `n` copies of one outcome.
    fn many(n: usize, half: Half, first_right: bool, coverage: f32, margin: f32) -> Vec<Outcome> {
        vec![outcome(half, first_right, coverage, margin); n]
    }

    fn run(set: &str, variant: Variant, outcomes: Vec<Outcome>) -> Run {
        Run { set: set.into(), variant, outcomes }
    }

    #[test]
    fn official_splits_decide_the_half_and_the_rest_is_halved_by_hash() {
        assert_eq!(Half::of("q1", Some("train")), Some(Half::Dev));
        assert_eq!(Half::of("q1", Some("val")), Some(Half::Val));
        assert_eq!(Half::of("q1", Some("test")), None);
        assert_eq!(Half::of("q1", None), Half::of("q1", None), "deterministic");
        let dev = (0..1000).filter(|i| Half::of(&format!("q{i}"), None) == Some(Half::Dev)).count();
        assert!((400..600).contains(&dev), "about half: {dev}");
    }

    #[test]
    fn reads_details_lines() {
        let text = r#"{"qid":"a","split":"train","rank":1,"confidence":{"level":"confident","coverage":0.75,"margin":0.4,"words":3},"scores":[3.0,1.8]}
{"qid":"b","split":"val","rank":null,"confidence":{"level":"unsure","coverage":0.2,"margin":0.0,"words":2},"scores":[]}
{"qid":"c","split":"test","rank":2,"confidence":{"level":"unsure","coverage":1.0,"margin":0.1,"words":1},"scores":[1.0]}
"#;
        assert_eq!(
            read_details(text).unwrap(),
            [
                Outcome {
                    half: Half::Dev,
                    first_right: true,
                    coverage: 0.75,
                    margin: 0.4,
                    words: 3,
                    confident: true
                },
                Outcome {
                    half: Half::Val,
                    first_right: false,
                    coverage: 0.2,
                    margin: 0.0,
                    words: 2,
                    confident: false
                },
            ]
        );
    }

    #[test]
    fn one_word_is_never_admitted() {
        let threshold = Threshold { margin: 0.3, coverage: 0.5 };
        let two = outcome(Half::Dev, true, 0.9, 0.9);
        assert!(threshold.admits(&two));
        assert!(!threshold.admits(&Outcome { words: 1, ..two }));
    }

    #[test]
    fn tally_counts_one_half_under_one_threshold() {
        let mut outcomes = many(3, Half::Dev, true, 0.9, 0.5);
        outcomes.extend(many(1, Half::Dev, false, 0.9, 0.5));
        outcomes.extend(many(4, Half::Dev, true, 0.9, 0.1));
        outcomes.extend(many(5, Half::Val, true, 0.9, 0.5));
        let tally = Tally::of(&outcomes, Half::Dev, Threshold { margin: 0.3, coverage: 0.5 });
        assert_eq!(tally, Tally { queries: 8, confident: 4, right: 3 });
        assert_eq!((tally.share(), tally.precision()), (0.5, Some(0.75)));
        assert_eq!(Tally::default().precision(), None);
    }

    #[test]
    fn chooses_the_widest_pair_that_stays_precise_on_every_sample_large_enough() {
        // Set a: a lead of 0.4 is always right, one of 0.3 right one time in two.
        let mut a = many(40, Half::Dev, true, 0.9, 0.4);
        a.extend((0..40).map(|i| outcome(Half::Dev, i % 2 == 0, 0.9, 0.3)));
        // Its val half disagrees, which must not matter.
        a.extend(many(40, Half::Val, false, 0.9, 0.9));
        // Set b: a low-coverage hit far ahead is wrong.
        let mut b = many(30, Half::Dev, true, 0.8, 0.6);
        b.extend(many(30, Half::Dev, false, 0.2, 0.9));
        // A stress variant of a with too few confident queries to veto anything.
        let tiny = many(5, Half::Dev, false, 0.9, 0.9);
        let runs = [
            run("a", Variant::AsWritten, a),
            run("b", Variant::AsWritten, b),
            run("a", Variant::OneTypo, tiny),
        ];
        let choice = choose_threshold(&runs).expect("a pair qualifies");
        // Margin 0.35 or 0.40 with coverage 0.3–0.8 keep the same queries; the tie goes to the strictest.
        assert_eq!(choice.threshold, Threshold { margin: 0.4, coverage: 0.8 });
        assert_eq!(choice.mean_share, (40.0 / 80.0 + 30.0 / 60.0) / 2.0);
    }

    #[test]
    fn a_large_enough_stress_variant_can_veto() {
        let mut clean = many(40, Half::Dev, true, 1.0, 0.5);
        clean.extend(many(10, Half::Dev, true, 1.0, 0.3));
        let mut typo = many(20, Half::Dev, true, 1.0, 0.5);
        typo.extend(many(20, Half::Dev, false, 1.0, 0.3));
        let runs = [run("a", Variant::AsWritten, clean), run("a", Variant::OneTypo, typo)];
        let choice = choose_threshold(&runs).expect("a pair qualifies");
        assert!(choice.threshold.margin > 0.3, "{choice:?}");
        // Margins up to 0.30 would have confided in more as-written queries; the typo variant vetoed them.
        let rejected = rejected(&runs, Some(choice));
        assert!(!rejected.is_empty());
        assert!(
            rejected.iter().all(|a| a.threshold.margin <= 0.3 + 1e-6 && a.veto.is_some_and(|(i, _)| i == 1))
        );
        let margins: Vec<f32> = rejected.iter().map(|a| a.threshold.margin).collect();
        assert_eq!(margins, [0.2, 0.25, 0.3], "one row per margin");
    }

    #[test]
    fn no_pair_when_nothing_is_precise_or_nothing_can_be_judged() {
        let wrong = many(50, Half::Dev, false, 1.0, 1.0);
        assert_eq!(choose_threshold(&[run("a", Variant::AsWritten, wrong)]), None);
        let few = many(10, Half::Dev, true, 1.0, 1.0);
        assert_eq!(choose_threshold(&[run("a", Variant::AsWritten, few)]), None);
    }

    #[test]
    fn grid_values_are_the_literals_kb_core_would_write() {
        let grid = Threshold::grid();
        assert_eq!(grid.len(), 13 * 6);
        assert!(grid.contains(&Threshold { margin: 0.35, coverage: 0.5 }));
        assert!(grid.contains(&Threshold { margin: 0.8, coverage: 0.8 }));
    }

    #[test]
    fn disagreement_with_the_shipped_rule_is_counted() {
        let shipped = Threshold::shipped();
        let agrees =
            Outcome { confident: true, ..outcome(Half::Dev, true, shipped.coverage, shipped.margin) };
        let differs = Outcome { confident: true, ..outcome(Half::Dev, true, 0.0, 0.0) };
        assert_eq!(disagreements(&[run("a", Variant::AsWritten, vec![agrees.clone()])]), 0);
        assert_eq!(disagreements(&[run("a", Variant::AsWritten, vec![agrees, differs])]), 1);
    }
}
