//! The help center's numbers: events tallied per day and language ([`Tally`]), days added up into a
//! [`HelpCenterReport`]. Raw events and the summaries kept after the retention period go through the same
//! tallies, so a report reads the same whether its days are raw or folded.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::Date;
use protocol::analytics::Event;
use protocol::reports::{ArticleRow, DayRow, HelpCenterReport, SearchRow, Totals};
use serde::{Deserialize, Serialize};

/// An event as stored: when it arrived (RFC 3339, UTC, seconds) and the page view it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Arrival time, `YYYY-MM-DDTHH:MM:SSZ`: its first ten characters are the day.
    pub received_at: String,
    /// The page view's random id.
    pub page_view: String,
    /// What happened.
    pub event: Event,
}

/// The most search texts (and articles) a folded day keeps per language; the long tail of texts asked
/// once goes, the counts stay.
pub const FOLDED_ROWS: usize = 1000;

/// One day's counts in one language.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    /// Visits (first event of the page view on this day, in this language).
    pub visits: u64,
    /// Visits that viewed an article and contacted nobody.
    pub found: u64,
    /// Visits that viewed nothing and contacted nobody.
    pub failed: u64,
    /// Visits that started a chat or left a message.
    pub contacted: u64,
    /// Searches.
    pub searches: u64,
    /// Searches with no result or none sure.
    pub failed_searches: u64,
    /// Articles opened.
    pub views: u64,
    /// Contact screens opened.
    pub escalations: u64,
    /// Chats started.
    pub chats: u64,
    /// Messages left.
    pub messages: u64,
    /// "Did this help?" yes, all articles (the per-article rows of a folded day are cut, these are not).
    #[serde(default)]
    pub helpful_yes: u64,
    /// "Did this help?" no, all articles.
    #[serde(default)]
    pub helpful_no: u64,
    /// Per normalised search text: times, results shown (summed), times failed.
    pub queries: BTreeMap<String, (u64, u64, u64)>,
    /// Per article: views, helpful yes, helpful no.
    pub articles: BTreeMap<String, (u64, u64, u64)>,
}

/// Per language, a day's tally.
pub type Day = BTreeMap<String, Tally>;

/// A search text as the report groups it: lower case, spaces collapsed.
pub fn normalise(query: &str) -> String {
    query.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

fn event_lang(event: &Event) -> &str {
    match event {
        Event::Search { lang, .. }
        | Event::View { lang, .. }
        | Event::Helpful { lang, .. }
        | Event::Escalate { lang }
        | Event::Chat { lang }
        | Event::Message { lang } => lang,
    }
}

fn day_of(received_at: &str) -> &str {
    received_at.get(..10).unwrap_or(received_at)
}

impl Tally {
    fn count(&mut self, event: &Event) {
        match event {
            Event::Search { query, results, confident, .. } => {
                let failed = *results == 0 || !confident;
                self.searches += 1;
                self.failed_searches += u64::from(failed);
                let row = self.queries.entry(normalise(query)).or_default();
                row.0 += 1;
                row.1 += u64::from(*results);
                row.2 += u64::from(failed);
            }
            Event::View { article, .. } => {
                self.views += 1;
                self.articles.entry(article.clone()).or_default().0 += 1;
            }
            Event::Helpful { article, helpful, .. } => {
                let row = self.articles.entry(article.clone()).or_default();
                if *helpful {
                    row.1 += 1;
                    self.helpful_yes += 1;
                } else {
                    row.2 += 1;
                    self.helpful_no += 1;
                }
            }
            Event::Escalate { .. } => self.escalations += 1,
            Event::Chat { .. } => self.chats += 1,
            Event::Message { .. } => self.messages += 1,
        }
    }

    /// Adds `other` in.
    pub fn add(&mut self, other: &Tally) {
        self.visits += other.visits;
        self.found += other.found;
        self.failed += other.failed;
        self.contacted += other.contacted;
        self.searches += other.searches;
        self.failed_searches += other.failed_searches;
        self.views += other.views;
        self.escalations += other.escalations;
        self.chats += other.chats;
        self.messages += other.messages;
        self.helpful_yes += other.helpful_yes;
        self.helpful_no += other.helpful_no;
        for (query, (n, results, failed)) in &other.queries {
            let row = self.queries.entry(query.clone()).or_default();
            *row = (row.0 + n, row.1 + results, row.2 + failed);
        }
        for (article, (views, yes, no)) in &other.articles {
            let row = self.articles.entry(article.clone()).or_default();
            *row = (row.0 + views, row.1 + yes, row.2 + no);
        }
    }

    /// The tally as a folded day keeps it: at most [`FOLDED_ROWS`] search texts and articles, the most
    /// frequent.
    pub fn trimmed(mut self) -> Tally {
        self.queries = most(self.queries, |row| row.0);
        self.articles = most(self.articles, |row| row.0 + row.1 + row.2);
        self
    }
}

fn most<V: Copy>(rows: BTreeMap<String, V>, weight: impl Fn(&V) -> u64) -> BTreeMap<String, V> {
    if rows.len() <= FOLDED_ROWS {
        return rows;
    }
    let mut rows: Vec<(String, V)> = rows.into_iter().collect();
    rows.sort_by(|a, b| weight(&b.1).cmp(&weight(&a.1)).then_with(|| a.0.cmp(&b.0)));
    rows.truncate(FOLDED_ROWS);
    rows.into_iter().collect()
}

/// Tallies events per day and language. Each event counts on its own day in its own language; a visit
/// (a page view) counts once, on the day and in the language of its first event, with its outcome.
pub fn tally(events: &[StoredEvent]) -> BTreeMap<String, Day> {
    let mut days: BTreeMap<String, Day> = BTreeMap::new();
    // Per page view: where it counts (day, language of its first event), viewed, contacted.
    let mut visits: HashMap<&str, (&str, &str, bool, bool)> = HashMap::new();
    for stored in events {
        let lang = event_lang(&stored.event);
        let day = day_of(&stored.received_at);
        days.entry(day.to_owned()).or_default().entry(lang.to_owned()).or_default().count(&stored.event);
        let visit = visits.entry(&stored.page_view).or_insert((day, lang, false, false));
        visit.2 |= matches!(stored.event, Event::View { .. });
        visit.3 |= matches!(stored.event, Event::Chat { .. } | Event::Message { .. });
    }
    for (day, lang, viewed, contacted) in visits.into_values() {
        let tally = days.entry(day.to_owned()).or_default().entry(lang.to_owned()).or_default();
        tally.visits += 1;
        match (viewed, contacted) {
            (_, true) => tally.contacted += 1,
            (true, false) => tally.found += 1,
            (false, false) => tally.failed += 1,
        }
    }
    days
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

fn totals(tally: &Tally) -> Totals {
    let (helpful_yes, helpful_no) =
        tally.articles.values().fold((0, 0), |(y, n), row| (y + row.1, n + row.2));
    Totals {
        visits: tally.visits,
        searches: tally.searches,
        failed_searches: tally.failed_searches,
        views: tally.views,
        found_an_answer: tally.found,
        failed: tally.failed,
        contacted: tally.contacted,
        escalations: tally.escalations,
        chats: tally.chats,
        messages: tally.messages,
        helpful_yes,
        helpful_no,
        deflection_rate: ratio(tally.found, tally.visits),
        views_per_visit: ratio(tally.views, tally.visits),
    }
}

/// The sum of `days` from `from` to `to` (inclusive), in `lang` or all languages.
fn sum(days: &BTreeMap<String, Day>, from: Date, to: Date, lang: Option<&str>) -> Tally {
    let mut total = Tally::default();
    for (_, day) in days.range(from.to_string()..=to.to_string()) {
        for (day_lang, tally) in day {
            if lang.is_none_or(|l| l == day_lang) {
                total.add(tally);
            }
        }
    }
    total
}

/// The previous range of the same length as `from..=to`: `(from', to')`.
pub fn previous_range(from: Date, to: Date) -> (Date, Date) {
    let length = (to - from).get_days() + 1;
    let before = from.yesterday().unwrap_or(from);
    (before.checked_sub(jiff::Span::new().days(length - 1)).unwrap_or(before), before)
}

/// How many rows of each list a report shows.
pub const REPORT_ROWS: usize = 50;

/// The report for `from..=to` in `lang` (or all), from tallies covering that range and the previous one.
pub fn report(days: &BTreeMap<String, Day>, from: Date, to: Date, lang: Option<&str>) -> HelpCenterReport {
    let (previous_from, previous_to) = previous_range(from, to);
    let range = sum(days, from, to, lang);
    let mut top_searches: Vec<SearchRow> = range
        .queries
        .iter()
        .map(|(query, &(count, results, failed))| SearchRow {
            query: query.clone(),
            count,
            results: ratio(results, count),
            failed,
        })
        .collect();
    top_searches.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.query.cmp(&b.query)));
    let mut failed_searches: Vec<SearchRow> =
        top_searches.iter().filter(|row| row.failed > 0).cloned().collect();
    failed_searches.sort_by(|a, b| b.failed.cmp(&a.failed).then_with(|| a.query.cmp(&b.query)));
    top_searches.truncate(REPORT_ROWS);
    failed_searches.truncate(REPORT_ROWS);
    let mut top_articles: Vec<ArticleRow> = range
        .articles
        .iter()
        .map(|(article, &(views, helpful_yes, helpful_no))| ArticleRow {
            article: article.clone(),
            views,
            helpful_yes,
            helpful_no,
        })
        .collect();
    top_articles.sort_by(|a, b| b.views.cmp(&a.views).then_with(|| a.article.cmp(&b.article)));
    top_articles.truncate(REPORT_ROWS);
    let days_rows = from
        .series(jiff::Span::new().days(1))
        .take_while(|day| *day <= to)
        .map(|day| {
            let tally = sum(days, day, day, lang);
            DayRow {
                day: day.to_string(),
                visits: tally.visits,
                searches: tally.searches,
                found_an_answer: tally.found,
                contacted: tally.contacted,
            }
        })
        .collect();
    HelpCenterReport {
        from: from.to_string(),
        to: to.to_string(),
        lang: lang.map(str::to_owned),
        totals: totals(&range),
        previous: totals(&sum(days, previous_from, previous_to, lang)),
        top_searches,
        failed_searches,
        top_articles,
        days: days_rows,
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn at(day: &str, page_view: &str, event: Event) -> StoredEvent {
        StoredEvent { received_at: format!("{day}T10:00:00Z"), page_view: page_view.into(), event }
    }

    fn search(query: &str, lang: &str, results: u32, confident: bool) -> Event {
        Event::Search { query: query.into(), lang: lang.into(), results, confident }
    }

    fn view(article: &str, lang: &str) -> Event {
        Event::View { article: article.into(), lang: lang.into() }
    }

    fn helpful(article: &str, yes: bool) -> Event {
        Event::Helpful { article: article.into(), lang: "vi".into(), helpful: yes }
    }

    /// Six visits over two days, written out so every number below can be counted by hand.
    fn fixture() -> Vec<StoredEvent> {
        let d1 = "2026-12-01";
        let d2 = "2026-12-02";
        vec![
            // Visit a (day 1, vi): searched, read, said yes: found an answer.
            at(d1, "a", search("Doi tra", "vi", 3, true)),
            at(d1, "a", view("returns", "vi")),
            at(d1, "a", helpful("returns", true)),
            // Visit b (day 1, vi): searched twice, nothing sure, left: failed.
            at(d1, "b", search("ko dc hoan tien", "vi", 0, false)),
            at(d1, "b", search("doi  tra", "vi", 2, false)),
            // Visit c (day 1, vi): read, said no, chatted: contacted (not found, though it viewed).
            at(d1, "c", view("returns", "vi")),
            at(d1, "c", helpful("returns", false)),
            at(d1, "c", Event::Escalate { lang: "vi".into() }),
            at(d1, "c", Event::Chat { lang: "vi".into() }),
            // Visit d (day 2, en): searched, read two articles: found an answer.
            at(d2, "d", search("shipping time", "en", 5, true)),
            at(d2, "d", view("shipping", "en")),
            at(d2, "d", view("returns", "en")),
            // Visit e (day 2, en): escalated, left a message: contacted.
            at(d2, "e", Event::Escalate { lang: "en".into() }),
            at(d2, "e", Event::Message { lang: "en".into() }),
            // Visit f (day 2, vi): escalated and gave up: failed.
            at(d2, "f", Event::Escalate { lang: "vi".into() }),
        ]
    }

    #[test]
    fn every_number_of_the_report_is_the_one_counted_by_hand() {
        let days = tally(&fixture());
        let report = report(&days, date(2026, 12, 1), date(2026, 12, 2), None);
        let t = &report.totals;
        assert_eq!((t.visits, t.found_an_answer, t.failed, t.contacted), (6, 2, 2, 2));
        assert_eq!((t.searches, t.failed_searches, t.views), (4, 2, 4));
        assert_eq!((t.escalations, t.chats, t.messages), (3, 1, 1));
        assert_eq!((t.helpful_yes, t.helpful_no), (1, 1));
        assert!((t.deflection_rate - 2.0 / 6.0).abs() < 1e-12, "found ÷ visits");
        assert!((t.views_per_visit - 4.0 / 6.0).abs() < 1e-12);
        // "Doi tra" and "doi  tra" are one text: asked twice, 5 results in all, failed once.
        assert_eq!(
            report.top_searches[0],
            SearchRow { query: "doi tra".into(), count: 2, results: 2.5, failed: 1 }
        );
        let failed: Vec<(&str, u64)> =
            report.failed_searches.iter().map(|r| (r.query.as_str(), r.failed)).collect();
        assert_eq!(failed, [("doi tra", 1), ("ko dc hoan tien", 1)]);
        assert_eq!(
            report.top_articles[0],
            ArticleRow { article: "returns".into(), views: 3, helpful_yes: 1, helpful_no: 1 }
        );
        let chart: Vec<(u64, u64, u64, u64)> =
            report.days.iter().map(|d| (d.visits, d.searches, d.found_an_answer, d.contacted)).collect();
        assert_eq!(chart, [(3, 3, 1, 1), (3, 1, 1, 1)]);
        assert_eq!(report.previous, Totals::default(), "nothing in Nov 29–30");
    }

    #[test]
    fn a_language_filter_and_the_previous_period() {
        let days = tally(&fixture());
        let vi = report(&days, date(2026, 12, 2), date(2026, 12, 2), Some("vi"));
        // Day 2 in Vietnamese: visit f only, failed.
        assert_eq!((vi.totals.visits, vi.totals.failed, vi.totals.escalations), (1, 1, 1));
        // The day before, in Vietnamese: visits a, b, c.
        assert_eq!((vi.previous.visits, vi.previous.found_an_answer, vi.previous.contacted), (3, 1, 1));
        assert_eq!(
            previous_range(date(2026, 12, 1), date(2026, 12, 7)),
            (date(2026, 11, 24), date(2026, 11, 30))
        );
    }

    #[test]
    fn a_folded_day_reads_as_its_raw_events_did() {
        let days = tally(&fixture());
        let folded: BTreeMap<String, Day> = days
            .iter()
            .map(|(day, langs)| {
                let langs = langs.iter().map(|(l, t)| (l.clone(), t.clone().trimmed())).collect::<Day>();
                let json = serde_json::to_string(&langs).unwrap();
                (day.clone(), serde_json::from_str(&json).unwrap())
            })
            .collect();
        let (from, to) = (date(2026, 12, 1), date(2026, 12, 2));
        assert_eq!(report(&folded, from, to, None), report(&days, from, to, None));
    }

    #[test]
    fn a_folded_day_keeps_the_most_asked_texts() {
        let mut tally = Tally::default();
        for n in 0..FOLDED_ROWS + 10 {
            tally.queries.insert(format!("q{n}"), (1, 0, 0));
        }
        tally.queries.insert("asked often".into(), (9, 0, 0));
        let kept = tally.trimmed();
        assert_eq!(kept.queries.len(), FOLDED_ROWS);
        assert_eq!(kept.queries["asked often"], (9, 0, 0));
    }
}
