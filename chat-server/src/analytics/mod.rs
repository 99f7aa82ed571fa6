//! What the console's reports measure. The widget's anonymous events: taken in by `POST /api/events`
//! ([`crate::http`]), written in groups by one task ([`Collector`]), folded into daily summaries after
//! the retention period ([`fold_old_days`]), added up into the help center's report ([`help_center`],
//! [`report`]). And the conversations' report ([`conversations_report`], [`conversations`]), from what the
//! chat keeps anyway. And the gaps between them ([`gaps_report`], [`gaps`]): what visitors asked that
//! the help center did not answer.
//!
//! Events are worth less than messages: the collector answers the widget before they are written and
//! writes what arrived in the last [`FLUSH_EVERY`] in one transaction (one fsync on SQLite, however
//! many batches came, up to [`GROUP_EVENTS`] events), so a flood of events never queues behind or in
//! front of chat. A crash loses at most that last second (a graceful stop writes everything queued); a
//! queue full past [`QUEUE_BATCHES`] drops new batches rather than grow.

pub mod conversations;
pub mod gaps;
pub mod report;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::civil::Date;
use protocol::reports::HelpCenterReport;
use tokio::sync::{mpsc, watch};

use crate::db::{Database, Result};
use report::{Day, StoredEvent};

/// How long events wait to be written with the others.
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);
/// Batches waiting to be written at most.
pub const QUEUE_BATCHES: usize = 10_000;
/// Events one transaction writes at most.
pub const GROUP_EVENTS: usize = 1_200;
/// How often old days are folded.
const FOLD_EVERY: Duration = Duration::from_secs(3600);

/// Hands events to the writer task.
#[derive(Debug, Clone)]
pub struct Collector {
    queue: mpsc::Sender<Vec<StoredEvent>>,
    writer: Arc<std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

impl Collector {
    /// Starts the writer task on `db`; when `shutdown` flips it writes what is queued and ends.
    pub fn start(db: Arc<dyn Database>, shutdown: watch::Receiver<bool>) -> Self {
        let (queue, batches) = mpsc::channel(QUEUE_BATCHES);
        let writer = tokio::spawn(write_in_groups(db, batches, shutdown));
        Collector { queue, writer: Arc::new(std::sync::Mutex::new(Some(writer))) }
    }

    /// Queues a batch; false when the queue is full (the batch is dropped).
    pub fn offer(&self, batch: Vec<StoredEvent>) -> bool {
        self.queue.try_send(batch).is_ok()
    }

    /// After shutdown has flipped: waits up to `within` for the writer to store what was queued (each
    /// batch queued was answered 204, so it is stored unless the process dies first).
    pub async fn finish(&self, within: Duration) {
        let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(writer) = writer
            && tokio::time::timeout(within, writer).await.is_err()
        {
            tracing::warn!("analytics: events still being written at shutdown; the rest is lost");
        }
    }
}

async fn write(db: &dyn Database, events: &[StoredEvent]) {
    if !events.is_empty()
        && let Err(err) = db.record_events(events).await
    {
        tracing::warn!(error = %err, events = events.len(), "analytics events not stored");
    }
}

async fn write_in_groups(
    db: Arc<dyn Database>,
    mut batches: mpsc::Receiver<Vec<StoredEvent>>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let mut group = Vec::new();
        let stopping = tokio::select! {
            received = batches.recv() => match received {
                Some(batch) => {
                    group.extend(batch);
                    // Whatever else arrives within the next second joins this write, up to a group's
                    // worth: a transaction on SQLite's one writer must stay short, chat commits there too.
                    let deadline = tokio::time::Instant::now() + FLUSH_EVERY;
                    while group.len() < GROUP_EVENTS {
                        match tokio::time::timeout_at(deadline, batches.recv()).await {
                            Ok(Some(batch)) => group.extend(batch),
                            _ => break,
                        }
                    }
                    false
                }
                None => true,
            },
            _ = shutdown.changed() => true,
        };
        write(db.as_ref(), &group).await;
        if stopping {
            let mut rest = Vec::new();
            while let Ok(batch) = batches.try_recv() {
                rest.extend(batch);
                if rest.len() >= GROUP_EVENTS {
                    write(db.as_ref(), &rest).await;
                    rest.clear();
                }
            }
            write(db.as_ref(), &rest).await;
            return;
        }
    }
}

/// Now, as events store it: RFC 3339 in UTC to the second, so that text order is time order.
pub fn timestamp(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The start of `day` (UTC) as a [`timestamp`].
fn start_of(day: Date) -> String {
    format!("{day}T00:00:00Z")
}

/// Folds the raw events of every day older than `retention_days` before `today` into one summary per
/// day, and deletes them. Returns how many days were folded.
///
/// A page view that spans midnight at the fold's edge counts as a visit on both days; with the
/// retention measured in months, that error stays in the noise.
pub async fn fold_old_days(db: &dyn Database, today: Date, retention_days: u32) -> Result<usize> {
    // `retention_days` is checked at start (1 to 36,500), so the date exists.
    let Some(keep_from) = jiff::Span::new()
        .try_days(i64::from(retention_days))
        .ok()
        .and_then(|span| today.checked_sub(span).ok())
    else {
        return Ok(0);
    };
    let before = start_of(keep_from);
    let events = db.events_between("", &before).await?;
    let days: Vec<(String, String)> = report::tally(&events)
        .into_iter()
        .map(|(day, langs)| {
            let langs: Day = langs.into_iter().map(|(lang, tally)| (lang, tally.trimmed())).collect();
            Ok((day, serde_json::to_string(&langs)?))
        })
        .collect::<Result<_>>()?;
    db.fold_days(&days, &before).await?;
    Ok(days.len())
}

/// Folds old days every hour until shutdown.
pub async fn fold_regularly(db: Arc<dyn Database>, retention_days: u32, mut shutdown: watch::Receiver<bool>) {
    loop {
        let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
        match fold_old_days(db.as_ref(), today, retention_days).await {
            Ok(0) => {}
            Ok(days) => tracing::info!(days, "analytics: folded days past retention"),
            Err(err) => tracing::warn!(error = %err, "analytics: folding old days failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(FOLD_EVERY) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// The day tallies from `from` to `to` (inclusive): folded days and raw events added up the same way.
async fn days(db: &dyn Database, from: Date, to: Date) -> Result<BTreeMap<String, Day>> {
    let after = to.tomorrow().unwrap_or(to);
    // Raw events first, then folded days, which win: a fold that commits between the two reads, or one
    // whose purge was cut short, leaves a day in both, and it must count once.
    let events = db.events_between(&start_of(from), &start_of(after)).await?;
    let mut days = report::tally(&events);
    for (day, summary) in db.folded_days(&from.to_string(), &to.to_string()).await? {
        days.insert(day, serde_json::from_str(&summary)?);
    }
    Ok(days)
}

/// The help center's report for `from..=to` in `lang` (or all), compared with the range before it.
pub async fn help_center(
    db: &dyn Database,
    from: Date,
    to: Date,
    lang: Option<&str>,
) -> Result<HelpCenterReport> {
    let (since, _) = report::previous_range(from, to);
    Ok(report::report(&days(db, since, to).await?, from, to, lang))
}

/// The gaps of `from..=to` in `lang` (or all): failed searches and the chats that followed a search, by
/// topic, with the failed searches of the range before.
pub async fn gaps_report(
    db: &dyn Database,
    from: Date,
    to: Date,
    lang: Option<&str>,
) -> Result<protocol::reports::GapsReport> {
    let (previous_from, _) = report::previous_range(from, to);
    let in_lang = |mut days: BTreeMap<String, Day>| {
        if let Some(lang) = lang {
            days.values_mut().for_each(|day| day.retain(|l, _| l == lang));
        }
        days
    };
    // One read of both ranges, split at `from`.
    let mut before = in_lang(days(db, previous_from, to).await?);
    let now = before.split_off(&from.to_string());
    let until = to.tomorrow().unwrap_or(to).to_string();
    let mut conversations = db.conversation_facts(&from.to_string(), &until).await?;
    conversations.retain(|c| lang.is_none_or(|l| c.lang == l));
    Ok(protocol::reports::GapsReport {
        from: from.to_string(),
        to: to.to_string(),
        gaps: gaps::gaps(&now, &before, &conversations),
    })
}

/// The conversations' report for those started `from..=to` in `lang` (the visitor's; or all), with the
/// range before it, the times also in
/// business `hours`, and the desk now (`agents_online`: who is connected, which only the caller knows).
pub async fn conversations_report(
    db: &dyn Database,
    from: Date,
    to: Date,
    lang: Option<&str>,
    hours: &crate::config::BusinessHours,
    agents_online: Vec<String>,
) -> Result<protocol::reports::ConversationReport> {
    // One read of both ranges, split at `from` (messages are matched to their conversation by id).
    let (previous_from, _) = report::previous_range(from, to);
    let until = to.tomorrow().unwrap_or(to).to_string();
    let mut facts = db.conversation_facts(&previous_from.to_string(), &until).await?;
    facts.retain(|f| lang.is_none_or(|l| f.lang == l));
    let messages = db.message_facts(&previous_from.to_string(), &until).await?;
    let (in_range, earlier): (Vec<_>, Vec<_>) =
        facts.into_iter().partition(|f| f.created_at.as_str() >= from.to_string().as_str());
    let now = conversations::numbers(&in_range, &messages, hours);
    let before = conversations::numbers(&earlier, &messages, hours);
    let open = db.open_summaries().await?;
    let waiting = open.iter().filter(|c| c.assignee.is_none());
    Ok(protocol::reports::ConversationReport {
        from: from.to_string(),
        to: to.to_string(),
        totals: now.totals,
        previous: before.totals,
        agents: now.agents,
        teams: now.teams,
        distribution: now.distribution,
        comments: now.comments,
        live: protocol::reports::Live {
            open: open.len() as u64,
            unassigned: waiting.clone().count() as u64,
            waiting_since: waiting.map(|c| c.started_at.clone()).min(),
            agents_online,
        },
    })
}
