//! The conversations' report: the desk now, response and resolution times, satisfaction, per agent and
//! team, the ratings and what visitors wrote with them.

use leptos::prelude::*;
use protocol::reports::{ConversationReport, ConversationTotals, GroupRow};

use super::{count, delta, percent, points, table, tile};
use crate::i18n::Strings;

/// "45 s", "12 min", "3 h 05 min", "2 d 4 h"; "–" when there was nothing to measure.
pub fn duration(seconds: Option<u64>) -> String {
    let Some(s) = seconds else { return "–".into() };
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86_400 => format!("{} h {:02} min", s / 3600, s % 3600 / 60),
        _ => format!("{} d {} h", s / 86_400, s % 86_400 / 3600),
    }
}

/// Change of a time against the previous range (shorter is better, so it is shown as it is).
fn time_delta(now: Option<u64>, before: Option<u64>) -> String {
    match (now, before) {
        (Some(now), Some(before)) => delta(now, before),
        _ => String::new(),
    }
}

/// A tile of a time (now and before), with how it moved.
fn time_tile(name: &'static str, (now, before): (Option<u64>, Option<u64>), means: &'static str) -> AnyView {
    tile(name, duration(now), time_delta(now, before), Some(means))
}

#[component]
pub fn Conversations(report: ConversationReport, t: &'static Strings, locale: String) -> impl IntoView {
    let (now, before) = (&report.totals, &report.previous);
    let live = &report.live;
    let waiting =
        live.waiting_since.as_deref().map(|at| crate::clock::long(at, &locale)).unwrap_or("–".into());
    let online = if live.agents_online.is_empty() { "–".to_owned() } else { live.agents_online.join(", ") };
    let live_tiles = vec![
        tile(t.report_open, count(live.open), String::new(), None),
        tile(t.report_unassigned, count(live.unassigned), String::new(), None),
        tile(t.report_waiting_since, waiting, String::new(), None),
        tile(t.report_agents_online, online, String::new(), None),
    ];
    let tiles = vec![
        tile(
            t.report_conversations,
            count(now.conversations),
            delta(now.conversations, before.conversations),
            None,
        ),
        time_tile(
            t.report_first_response,
            (now.first_response_median, before.first_response_median),
            t.report_median_means,
        ),
        time_tile(
            t.report_first_response_business,
            (now.first_response_business_median, before.first_response_business_median),
            t.report_business_means,
        ),
        time_tile(
            t.report_resolution,
            (now.resolution_median, before.resolution_median),
            t.report_median_means,
        ),
        time_tile(t.report_waiting, (now.waiting_mean, before.waiting_mean), t.report_waiting_means),
        tile(t.report_csat, percent(now.csat), points(now.csat, before.csat), Some(t.report_csat_means)),
        tile(
            t.report_response_rate,
            percent(now.response_rate),
            points(now.response_rate, before.response_rate),
            Some(t.report_response_rate_means),
        ),
        tile(
            t.report_nps,
            now.nps.map_or("–".into(), |nps| format!("{nps:.0} ({})", now.nps_responses)),
            match (now.nps, before.nps) {
                (Some(now), Some(before)) => format!("{:+.0}", now - before),
                _ => String::new(),
            },
            Some(t.report_nps_means),
        ),
    ];
    let comments = report
        .comments
        .iter()
        .map(|c| {
            view! {
                <li>
                    <span class="stars" aria-label=format!("{}/5", c.score)>{"★".repeat(c.score.into())}</span>
                    <span class="comment">{c.comment.clone()}</span>
                    <span class="who">{c.agent.clone().unwrap_or_default()}</span>
                    <span class="when">{crate::clock::long(&c.rated_at, &locale)}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <p class="range-shown">{format!("{} – {} · {}", report.from, report.to, t.report_compared)}</p>
        <h2 class="now">{t.report_now}</h2>
        <ul class="tiles live">{live_tiles}</ul>
        <ul class="tiles">{tiles}</ul>
        <div class="tables">
            <Groups title=t.report_per_agent rows=report.agents.clone() nobody=t.nobody t/>
            <Groups title=t.report_per_team rows=report.teams.clone() nobody=t.report_no_team t/>
            <Distribution counts=report.distribution t/>
            <section class="table comments">
                <h2>{t.report_comments}</h2>
                <ul>{comments}</ul>
            </section>
        </div>
    }
}

#[component]
fn Groups(
    title: &'static str,
    rows: Vec<GroupRow>,
    nobody: &'static str,
    t: &'static Strings,
) -> impl IntoView {
    let body = rows
        .into_iter()
        .map(|row| {
            let ConversationTotals { conversations, first_response_median, resolution_median, csat, ratings, .. } =
                row.totals;
            let name = if row.name.is_empty() { nobody.to_owned() } else { row.name };
            view! {
                <tr>
                    <td>{name}</td>
                    <td class="num">{conversations}</td>
                    <td class="num">{duration(first_response_median)}</td>
                    <td class="num">{duration(resolution_median)}</td>
                    <td class="num">{if ratings == 0 { "–".to_owned() } else { format!("{} ({ratings})", percent(csat)) }}</td>
                </tr>
            }
        })
        .collect_view();
    table(
        title,
        "",
        [t.report_conversations, t.report_first_response, t.report_resolution, t.report_csat],
        body.into_any(),
    )
}

/// Ratings 5 to 1 as bars (SVG attributes: the console's CSP allows no inline style).
#[component]
fn Distribution(counts: [u64; 5], t: &'static Strings) -> impl IntoView {
    let most = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let rows = (1..=5u8)
        .rev()
        .map(|score| {
            let n = counts[usize::from(score - 1)];
            let width = n as f64 / most * 100.0;
            view! {
                <tr>
                    <th scope="row" class="stars">{"★".repeat(score.into())}</th>
                    <td class="bar"><svg viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
                        <rect x="0" y="0" width=width height="10"/>
                    </svg></td>
                    <td class="num">{n}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="table distribution">
            <h2>{t.report_distribution}</h2>
            <table><tbody>{rows}</tbody></table>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration(None), "–");
        assert_eq!(duration(Some(45)), "45 s");
        assert_eq!(duration(Some(720)), "12 min");
        assert_eq!(duration(Some(3 * 3600 + 5 * 60)), "3 h 05 min");
        assert_eq!(duration(Some(2 * 86_400 + 4 * 3600)), "2 d 4 h");
    }
}
