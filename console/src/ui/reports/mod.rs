//! The reports page: a range of days (compared with the range of the same length before it), one language or
//! both, and three reports — the help center's ([`help_center`]), the conversations' ([`conversations`]) and
//! the content gaps ([`gaps`]). The numbers come from chat-server (`protocol::reports` defines each); these
//! views only lay them out, and link the same report as CSV.

mod conversations;
mod gaps;
mod help_center;

use leptos::prelude::*;
use protocol::reports::{ConversationReport, GapsReport, HelpCenterReport};

use crate::desk::Desk;
use crate::i18n::strings;

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    HelpCenter,
    Conversations,
    Gaps,
}

/// The range and language asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ask {
    which: Which,
    from: String,
    to: String,
    lang: String,
}

/// A report as loaded.
#[derive(Debug, Clone)]
enum Loaded {
    HelpCenter(Box<HelpCenterReport>),
    Conversations(Box<ConversationReport>),
    Gaps(GapsReport),
}

/// `YYYY-MM-DD` (UTC) `days` days before today.
fn days_ago(days: u32) -> String {
    const DAY_MS: f64 = 86_400_000.0;
    let date = js_sys::Date::new(&(js_sys::Date::now() - f64::from(days) * DAY_MS).into());
    String::from(date.to_iso_string()).chars().take(10).collect()
}

#[component]
pub fn Reports(desk: Desk) -> impl IntoView {
    let t = move || strings(desk.lang.get());
    let ask = RwSignal::new(Ask {
        which: Which::HelpCenter,
        from: days_ago(29),
        to: days_ago(0),
        lang: String::new(),
    });
    let loaded = RwSignal::new(None::<Result<Loaded, String>>);
    Effect::new(move |_| {
        let Ask { which, from, to, lang } = ask.get();
        loaded.set(None);
        leptos::task::spawn_local(async move {
            let report = match which {
                Which::HelpCenter => crate::api::help_center_report(&from, &to, &lang)
                    .await
                    .map(|r| Loaded::HelpCenter(Box::new(r))),
                Which::Conversations => crate::api::conversations_report(&from, &to, &lang)
                    .await
                    .map(|r| Loaded::Conversations(Box::new(r))),
                Which::Gaps => crate::api::gaps_report(&from, &to, &lang).await.map(Loaded::Gaps),
            };
            // Only if it is still what is asked for.
            if ask.with_untracked(|a| a.which == which && a.from == from && a.to == to && a.lang == lang) {
                loaded.set(Some(report));
            }
        });
    });
    let preset = move |days: u32| ask.update(|a| (a.from, a.to) = (days_ago(days - 1), days_ago(0)));
    let csv = move || {
        let Ask { which, from, to, lang } = ask.get();
        let kind = match which {
            Which::HelpCenter => "help-center",
            Which::Conversations => "conversations",
            Which::Gaps => return None,
        };
        Some(crate::api::report_csv_url(kind, &from, &to, &lang))
    };
    let tab = move |which: Which| {
        view! {
            <button type="button" role="tab" class="tab" aria-selected=move || (ask.get().which == which).to_string()
                on:click=move |_| ask.update(|a| a.which = which)>
                {move || match which {
                    Which::HelpCenter => t().report_help_center,
                    Which::Conversations => t().report_conversations,
                    Which::Gaps => t().report_gaps,
                }}
            </button>
        }
    };
    view! {
        <section class="reports" aria-labelledby="reports-title">
            <h1 id="reports-title" class="sr-only">{move || t().reports}</h1>
            <div class="reports-head">
                <div class="tabs" role="tablist">{tab(Which::HelpCenter)}{tab(Which::Conversations)}{tab(Which::Gaps)}</div>
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
                    {move || csv().map(|href| view! { <a class="csv" href=href download>{t().report_csv}</a> })}
                </div>
            </div>
            {move || match loaded.get() {
                None => view! { <p class="loading">{t().loading}</p> }.into_any(),
                Some(Err(reason)) => view! { <p class="problem" role="alert">{reason}</p> }.into_any(),
                Some(Ok(Loaded::HelpCenter(report))) => view! { <help_center::HelpCenter report=*report t=t()/> }.into_any(),
                Some(Ok(Loaded::Gaps(report))) => view! { <gaps::Gaps report t=t() desk/> }.into_any(),
                Some(Ok(Loaded::Conversations(report))) => {
                    view! { <conversations::Conversations report=*report t=t() locale=desk.locale()/> }.into_any()
                }
            }}
        </section>
    }
}

/// A report's table: a titled section, a header row (the first column names the row, the others are
/// numbers) and the rows.
pub fn table(
    title: &'static str,
    first: &'static str,
    numbers: impl IntoIterator<Item = &'static str>,
    rows: AnyView,
) -> impl IntoView {
    let numbers =
        numbers.into_iter().map(|name| view! { <th scope="col" class="num">{name}</th> }).collect_view();
    view! {
        <section class="table">
            <h2>{title}</h2>
            <table>
                <thead><tr><th scope="col">{first}</th>{numbers}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}

pub fn tile(name: &'static str, value: String, change: String, means: Option<&'static str>) -> AnyView {
    view! {
        <li class="tile">
            <span class="name">{name}</span>
            <span class="value">{value}</span>
            <span class="change">{change}</span>
            {means.map(|m| view! { <span class="means">{m}</span> })}
        </li>
    }
    .into_any()
}

pub fn count(n: u64) -> String {
    n.to_string()
}

pub fn rate(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

pub fn percent(ratio: f64) -> String {
    format!("{:.0}%", ratio * 100.0)
}

pub fn share(part: u64, whole: u64) -> String {
    format!("{} ({part})", percent(rate(part, whole)))
}

/// Change against the previous range, in per cent of it ("+12%"), or "new" when it was nothing.
pub fn delta(now: u64, before: u64) -> String {
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
pub fn points(now: f64, before: f64) -> String {
    let change = (now - before) * 100.0;
    format!("{}{change:.0} pp", if change >= 0.0 { "+" } else { "" })
}
