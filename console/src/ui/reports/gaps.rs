//! Content gaps: what visitors asked that the help center did not answer, by topic, most hit first, with
//! how they asked, the chats that followed, and whether it is closing (the range before).

use leptos::prelude::*;
use protocol::reports::{Gap, GapsReport, ProposeDraft};

use crate::desk::{Desk, Page};
use crate::i18n::Strings;

#[component]
pub fn Gaps(report: GapsReport, t: &'static Strings, desk: Desk) -> impl IntoView {
    let empty = report.gaps.is_empty();
    let rows = report.gaps.into_iter().map(|gap| view! { <GapRow gap t desk/> }).collect_view();
    view! {
        <p class="range-shown">{format!("{} – {} · {}", report.from, report.to, t.report_gaps_means)}</p>
        {empty.then(|| view! { <p class="empty">{t.report_gaps_none}</p> })}
        <ol class="gaps">{rows}</ol>
    }
}

#[component]
fn GapRow(gap: Gap, t: &'static Strings, desk: Desk) -> impl IntoView {
    let title = gap.examples.first().cloned().unwrap_or_else(|| gap.topic.clone());
    let asked = gap.examples.clone();
    let others = gap.examples.iter().skip(1).cloned().collect::<Vec<_>>().join(" · ");
    let trend = match gap.previous_failed_searches {
        0 => t.report_gap_new.to_owned(),
        before => t.report_gap_before.replace("{n}", &before.to_string()),
    };
    let chats = gap
        .conversations
        .into_iter()
        .map(|id| {
            let open = id.clone();
            view! {
                <li><button type="button" class="link-button" on:click=move |_| {
                    desk.page.set(Page::Inbox);
                    desk.open(open.clone());
                }>{id}</button></li>
            }
        })
        .collect_view();
    view! {
        <li class="gap">
            <div class="gap-head">
                <span class="gap-title">{title}</span>
                <span class="gap-topic">{gap.topic}</span>
            </div>
            {(!others.is_empty()).then(|| view! { <p class="gap-asked">{others}</p> })}
            <p class="gap-counts">
                <span class="failed">{t.report_gap_failed.replace("{n}", &gap.failed_searches.to_string())}</span>
                <span class="trend">{trend}</span>
                <span class="chats">{t.report_gap_chats.replace("{n}", &gap.chats.to_string())}</span>
            </p>
            <ul class="gap-chats">{chats}</ul>
            <button type="button" class="ghost draft-gap" on:click=move |_| desk.draft(ProposeDraft {
                asked: asked.clone(),
                lang: Some(desk.lang.get_untracked().code().to_owned()),
                ..Default::default()
            })>{t.draft_article}</button>
        </li>
    }
}
