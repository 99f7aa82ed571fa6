//! The help center's report: the outcome of visits, the searches that found nothing, and how each
//! article does, against the range before.

use leptos::prelude::*;
use protocol::reports::{ArticleRow, DayRow, HelpCenterReport, SearchRow, Totals};

use super::{count, delta, percent, points, rate, share, table, tile};
use crate::i18n::Strings;

/// A tile of a share of visits (`part` of `whole`, now and before), with how it moved in points.
fn share_tile(name: &'static str, part: (u64, u64), whole: (u64, u64), means: &'static str) -> AnyView {
    tile(name, share(part.0, whole.0), points(rate(part.0, whole.0), rate(part.1, whole.1)), Some(means))
}

/// The report's tiles, chart and tables.
#[component]
pub fn HelpCenter(report: HelpCenterReport, t: &'static Strings) -> impl IntoView {
    let (now, before) = (&report.totals, &report.previous);
    let of_visits = |name, part, means| share_tile(name, part, (now.visits, before.visits), means);
    let tiles = vec![
        tile(t.report_visits, count(now.visits), delta(now.visits, before.visits), None),
        tile(t.report_searches, count(now.searches), delta(now.searches, before.searches), None),
        of_visits(t.report_found, (now.found_an_answer, before.found_an_answer), t.report_found_means),
        of_visits(t.report_failed, (now.failed, before.failed), t.report_failed_means),
        of_visits(t.report_contacted, (now.contacted, before.contacted), t.report_contacted_means),
        tile(
            t.report_deflection,
            percent(now.deflection_rate),
            points(now.deflection_rate, before.deflection_rate),
            Some(t.report_deflection_means),
        ),
        tile(
            t.report_failed_searches,
            share(now.failed_searches, now.searches),
            delta(now.failed_searches, before.failed_searches),
            Some(t.report_failed_searches_means),
        ),
        tile(t.report_helpful, helpful(now, t), String::new(), None),
    ];
    let empty = now.visits == 0 && now.searches == 0;
    view! {
        <p class="range-shown">{format!("{} – {} · {}", report.from, report.to, t.report_compared)}</p>
        {empty.then(|| view! { <p class="empty">{t.report_empty}</p> })}
        <ul class="tiles">{tiles}</ul>
        <Chart days=report.days.clone() t/>
        <div class="tables">
            <Searches title=t.report_top_searches rows=report.top_searches.clone() t/>
            <Searches title=t.report_failed_searches_list rows=report.failed_searches.clone() t/>
            <Articles rows=report.top_articles.clone() t/>
        </div>
    }
}

/// "yes 3 · no 1", in words: an emoji font is not on every agent's machine.
fn helpful(totals: &Totals, t: &Strings) -> String {
    format!("{} {} · {} {}", t.report_yes, totals.helpful_yes, t.report_no, totals.helpful_no)
}

/// Visits per day as bars, the part that found an answer and the part that contacted you stacked at
/// the bottom. SVG attributes, not style attributes: the console's CSP allows no inline style.
#[component]
fn Chart(days: Vec<DayRow>, t: &'static Strings) -> impl IntoView {
    let tallest = days.iter().map(|d| d.visits).max().unwrap_or(0).max(1) as f64;
    let (width, height, gap) = (12.0, 120.0, 3.0);
    let scale = |n: u64| n as f64 / tallest * height;
    let total_width = days.len() as f64 * (width + gap);
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let x = i as f64 * (width + gap);
            let (visits, found, contacted) =
                (scale(day.visits), scale(day.found_an_answer), scale(day.contacted));
            let label = format!(
                "{}: {} {}, {} {}, {} {}",
                day.day,
                day.visits,
                t.report_visits,
                day.found_an_answer,
                t.report_found,
                day.contacted,
                t.report_contacted
            );
            view! {
                <g>
                    <title>{label}</title>
                    <rect class="visits" x=x y=height - visits width=width height=visits/>
                    <rect class="found" x=x y=height - found width=width height=found/>
                    <rect class="contacted" x=x y=height - found - contacted width=width height=contacted/>
                </g>
            }
        })
        .collect_view();
    let summary = format!("{} · {} · {}", t.report_visits, t.report_found, t.report_contacted);
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {total_width} {height}") preserveAspectRatio="none" role="img" aria-label=summary.clone()>
                {bars}
            </svg>
            <figcaption>
                <span class="key visits">{t.report_visits}</span>
                <span class="key found">{t.report_found}</span>
                <span class="key contacted">{t.report_contacted}</span>
            </figcaption>
        </figure>
    }
}

#[component]
fn Searches(title: &'static str, rows: Vec<SearchRow>, t: &'static Strings) -> impl IntoView {
    let body = rows
        .into_iter()
        .map(|row| {
            view! {
                <tr>
                    <td class="query">{row.query}</td>
                    <td class="num">{row.count}</td>
                    <td class="num">{format!("{:.1}", row.results)}</td>
                    <td class="num">{row.failed}</td>
                </tr>
            }
        })
        .collect_view();
    table(title, t.report_query, [t.report_times, t.report_results, t.report_failed_times], body.into_any())
}

#[component]
fn Articles(rows: Vec<ArticleRow>, t: &'static Strings) -> impl IntoView {
    let body = rows
        .into_iter()
        .map(|row| {
            let rated = row.helpful_yes + row.helpful_no;
            let share = if rated == 0 { "–".to_owned() } else { percent(rate(row.helpful_yes, rated)) };
            view! {
                <tr>
                    <td class="article">{row.article}</td>
                    <td class="num">{row.views}</td>
                    <td class="num">{row.helpful_yes}</td>
                    <td class="num">{row.helpful_no}</td>
                    <td class="num">{share}</td>
                </tr>
            }
        })
        .collect_view();
    table(
        t.report_top_articles,
        t.report_article,
        [t.report_views, t.report_yes, t.report_no, t.report_helpful_share],
        body.into_any(),
    )
}
