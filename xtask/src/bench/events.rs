//! The widget's events under load: batches posted to `/api/events` open-loop at a fixed rate, as many
//! page views' beacons would arrive, while the chat load runs beside them; what each POST took, and how
//! many were refused.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use protocol::analytics::{Batch, EVENTS_VERSION, Event};

/// Events per batch (a page view that searched, read and answered "did this help?" a few times).
pub const BATCH: usize = 10;

/// What one events phase measured.
#[derive(Debug, Clone)]
pub struct EventsPhase {
    /// Events offered per second.
    pub offered_per_s: f64,
    /// Events accepted (204) per second, first send to last answer.
    pub accepted_per_s: f64,
    /// Batches refused (any status but 204) or failed.
    pub refused: usize,
    /// Batches sent.
    pub sent: usize,
    /// Send → answer, per batch.
    pub latency: Vec<Duration>,
}

fn batch(n: usize) -> String {
    let events = (0..BATCH)
        .map(|i| match i % 4 {
            0 => Event::Search {
                query: format!("doi tra hang {}", n % 50),
                lang: "vi".into(),
                results: 3,
                confident: i.is_multiple_of(3),
            },
            1 => Event::View { article: format!("article-{}", n % 200), lang: "vi".into() },
            2 => Event::Helpful {
                article: format!("article-{}", n % 200),
                lang: "vi".into(),
                helpful: n.is_multiple_of(2),
            },
            _ => Event::Search {
                query: "ko dc hoan tien".into(),
                lang: "vi".into(),
                results: 0,
                confident: false,
            },
        })
        .collect();
    let batch = Batch { v: EVENTS_VERSION, page_view: format!("{n:016x}bench"), events };
    serde_json::to_string(&batch).unwrap_or_default()
}

/// Posts batches of [`BATCH`] events to `node` at `events_per_s` for `duration`, open-loop (each on its
/// own task, on schedule whether or not earlier ones were answered), and waits for the answers.
pub async fn offer(node: &str, events_per_s: u32, duration: Duration) -> anyhow::Result<EventsPhase> {
    let http =
        reqwest::Client::builder().timeout(Duration::from_secs(10)).pool_max_idle_per_host(256).build()?;
    let batches_per_s = f64::from(events_per_s) / BATCH as f64;
    let every = Duration::from_secs_f64(1.0 / batches_per_s);
    let total = (duration.as_secs_f64() * batches_per_s) as usize;
    let url = format!("http://{node}/api/events");
    let results: Arc<Mutex<Vec<(Instant, Duration, bool)>>> = Arc::default();
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for n in 0..total {
        tokio::time::sleep_until((started + every * n as u32).into()).await;
        let (http, url, results) = (http.clone(), url.clone(), results.clone());
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let ok = http
                .post(&url)
                .header("content-type", "text/plain;charset=UTF-8")
                .body(batch(n))
                .send()
                .await
                .is_ok_and(|r| r.status().as_u16() == 204);
            results.lock().unwrap_or_else(|e| e.into_inner()).push((Instant::now(), sent.elapsed(), ok));
        }));
    }
    for task in tasks {
        task.await?;
    }
    let results = results.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut latency: Vec<Duration> = results.iter().map(|(_, latency, _)| *latency).collect();
    // `quantile` reads a sorted list.
    latency.sort();
    let last = results.iter().map(|(at, ..)| *at).max().unwrap_or(started);
    let accepted = results.iter().filter(|(.., ok)| *ok).count();
    Ok(EventsPhase {
        offered_per_s: f64::from(events_per_s),
        accepted_per_s: (accepted * BATCH) as f64 / last.duration_since(started).as_secs_f64().max(1e-9),
        refused: results.len() - accepted,
        sent: results.len(),
        latency,
    })
}
