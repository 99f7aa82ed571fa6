//! The help center's report: a range of days (compared with the range before it), one language or
//! both, the outcome of visits, the searches that found nothing, and how each article does. The numbers
//! come from chat-server (`protocol::reports` defines each); this page only lays them out, and links
//! the same report as CSV.

use leptos::prelude::*;
use protocol::reports::{ArticleRow, DayRow, HelpCenterReport, SearchRow, Totals};

use crate::desk::Desk;
use crate::i18n::{Strings, strings};

/// The range and language asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ask {
    from: String,
    to: String,
    lang: String,
}

/// `YYYY-MM-DD` (UTC) `days` days before today.
fn days_ago(days: u32) -> String {
    let date = js_sys::Date::new_0();
    date.set_utc_date(date.get_utc_date() - days);
    String::from(date.to_iso_string()).chars().take(10).collect()
}

#[component]
pub fn Reports(desk: Desk) -> impl IntoView {
    let t = move || strings(desk.lang.get());
    let ask = RwSignal::new(Ask { from: days_ago(29), to: days_ago(0), lang: String::new() });
    let loaded = RwSignal::new(None::<Result<HelpCenterReport, String>>);
    Effect::new(move |_| {
        let Ask { from, to, lang } = ask.get();
        loaded.set(None);
        leptos::task::spawn_local(async move {
            loaded.set(Some(crate::api::help_center_report(&from, &to, &lang).await));
        });
    });
    let preset = move |days: u32| ask.update(|a| (a.from, a.to) = (days_ago(days - 1), days_ago(0)));
    let csv = move || {
        let Ask { from, to, lang } = ask.get();
        crate::api::help_center_csv_url(&from, &to, &lang)
    };
    view! {
        <section class="reports" aria-labelledby="reports-title">
            <div class="reports-head">
                <h1 id="reports-title">{move || t().report_help_center}</h1>
                <div class="range" role="group" aria-label=move || t().report_range>
                    <button type="button" class="ghost" on:click=move |_| preset(7)>{move || t().report_7_days}</button>
                    <button type="button" class="ghost" on:click=move |_| preset(30)>{move || t().report_30_days}</button>
                    <button type="button" class="ghost" on:click=move |_| preset(90)>{move || t().report_90_days}</button>
                    <label>
                        <span class="sr-only">{move || t().report_from}</span>
                        <input type="date" class="from" prop:value=move || ask.get().from
                            on:change=move |e| ask.update(|a| a.from = event_target_value(&e))/>
                    </label>
                    "–"
                    <label>
                        <span class="sr-only">{move || t().report_to}</span>
                        <input type="date" class="to" prop:value=move || ask.get().to
                            on:change=move |e| ask.update(|a| a.to = event_target_value(&e))/>
                    </label>
                    <label>
                        <span class="sr-only">{move || t().language}</span>
                        <select class="report-lang" prop:value=move || ask.get().lang
                            on:change=move |e| ask.update(|a| a.lang = event_target_value(&e))>
                            <option value="">{move || t().report_all_languages}</option>
                            <option value="vi">"Tiếng Việt"</option>
                            <option value="en">"English"</option>
                        </select>
                    </label>
                    <a class="csv" href=csv download>{move || t().report_csv}</a>
                </div>
            </div>
            {move || match loaded.get() {
                None => view! { <p class="loading">{t().loading}</p> }.into_any(),
                Some(Err(reason)) => view! { <p class="problem" role="alert">{reason}</p> }.into_any(),
                Some(Ok(report)) => view! { <Body report t=t()/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Body(report: HelpCenterReport, t: &'static Strings) -> impl IntoView {
    let (now, before) = (&report.totals, &report.previous);
    let tiles = vec![
        tile(t.report_visits, count(now.visits), delta(now.visits, before.visits), None),
        tile(t.report_searches, count(now.searches), delta(now.searches, before.searches), None),
        tile(
            t.report_found,
            share(now.found_an_answer, now.visits),
            points(rate(now.found_an_answer, now.visits), rate(before.found_an_answer, before.visits)),
            Some(t.report_found_means),
        ),
        tile(
            t.report_failed,
            share(now.failed, now.visits),
            points(rate(now.failed, now.visits), rate(before.failed, before.visits)),
            Some(t.report_failed_means),
        ),
        tile(
            t.report_contacted,
            share(now.contacted, now.visits),
            points(rate(now.contacted, now.visits), rate(before.contacted, before.visits)),
            Some(t.report_contacted_means),
        ),
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
        tile(t.report_helpful, helpful(now), String::new(), None),
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

fn tile(name: &'static str, value: String, change: String, means: Option<&'static str>) -> impl IntoView {
    view! {
        <li class="tile">
            <span class="name">{name}</span>
            <span class="value">{value}</span>
            <span class="change">{change}</span>
            {means.map(|m| view! { <span class="means">{m}</span> })}
        </li>
    }
}

fn count(n: u64) -> String {
    n.to_string()
}

fn rate(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

fn percent(ratio: f64) -> String {
    format!("{:.0}%", ratio * 100.0)
}

fn share(part: u64, whole: u64) -> String {
    format!("{} ({part})", percent(rate(part, whole)))
}

/// Change against the previous range, in per cent of it ("+12%"), or "new" when it was nothing.
fn delta(now: u64, before: u64) -> String {
    match (now, before) {
        (0, 0) => "±0".into(),
        (_, 0) => "▲".into(),
        _ => {
            let change = (now as f64 - before as f64) / before as f64 * 100.0;
            format!("{}{change:.0}%", if change >= 0.0 { "+" } else { "" })
        }
    }
}

/// Change of a rate, in percentage points.
fn points(now: f64, before: f64) -> String {
    let change = (now - before) * 100.0;
    format!("{}{change:.0} pp", if change >= 0.0 { "+" } else { "" })
}

fn helpful(totals: &Totals) -> String {
    format!("👍 {} · 👎 {}", totals.helpful_yes, totals.helpful_no)
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
    view! {
        <section class="table">
            <h2>{title}</h2>
            <table>
                <thead><tr>
                    <th scope="col">{t.report_query}</th>
                    <th scope="col" class="num">{t.report_times}</th>
                    <th scope="col" class="num">{t.report_results}</th>
                    <th scope="col" class="num">{t.report_failed_times}</th>
                </tr></thead>
                <tbody>{body}</tbody>
            </table>
        </section>
    }
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
    view! {
        <section class="table">
            <h2>{t.report_top_articles}</h2>
            <table>
                <thead><tr>
                    <th scope="col">{t.report_article}</th>
                    <th scope="col" class="num">{t.report_views}</th>
                    <th scope="col" class="num">"👍"</th>
                    <th scope="col" class="num">"👎"</th>
                    <th scope="col" class="num">{t.report_helpful_share}</th>
                </tr></thead>
                <tbody>{body}</tbody>
            </table>
        </section>
    }
}
