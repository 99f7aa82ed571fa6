//! What the widget handed over, laid out to be read in two seconds: who (verified or not), where, what
//! they searched and read and whether it helped. Empty sections are left out; a page link is a link
//! only when it is http(s).

use leptos::prelude::*;
use protocol::chat::ConversationSummary;

use crate::desk::Desk;
use crate::i18n::{Strings, locale, strings};
use crate::inbox::linkable;

#[component]
pub fn Context(desk: Desk) -> impl IntoView {
    let t = move || strings(desk.lang.get());
    let shown = Memo::new(move |_| {
        desk.inbox.with(|inbox| {
            let summary = inbox.current().cloned();
            let context = summary.as_ref().and_then(|s| inbox.context(&s.id).cloned());
            (summary, context)
        })
    });
    let body = move || {
        let (summary, context) = shown.get();
        let (summary, context) = (summary?, context?);
        Some(details(
            t(),
            &summary,
            context,
            &locale(desk.lang.get(), crate::prefs::browser_locale().as_deref()),
        ))
    };
    view! {
        <aside class="context" aria-label=move || t().context>
            {body}
        </aside>
    }
}

fn details(
    t: &'static Strings,
    summary: &ConversationSummary,
    context: protocol::EscalationContext,
    here: &str,
) -> impl IntoView + use<> {
    let who = match context.identity {
        Some(identity) => {
            let verified = summary.identity_verified;
            let name = identity.name.filter(|n| !n.trim().is_empty());
            let email = identity.email.filter(|e| !e.trim().is_empty());
            view! {
                <section class="who">
                    <h3>{name.clone().unwrap_or_else(|| t.anonymous.to_owned())}</h3>
                    {email.map(|email| view! { <p class="email">{email}</p> })}
                    <p class="identity" class:verified=verified>
                        <span class="id">{identity.id}</span>
                        <span class="badge-text">{if verified { t.verified } else { t.unverified }}</span>
                    </p>
                </section>
            }
            .into_any()
        }
        None => view! { <section class="who"><h3>{t.anonymous}</h3></section> }.into_any(),
    };
    let page = (!context.page_url.trim().is_empty()).then(|| {
        let url = context.page_url.clone();
        let shown = if linkable(&url) {
            let href = url.clone();
            view! { <a href=href target="_blank" rel="noopener noreferrer">{url}</a> }.into_any()
        } else {
            view! { <span class="not-a-link">{url}</span> }.into_any()
        };
        view! { <dt>{t.page}</dt><dd>{shown}</dd> }
    });
    let lang = (!context.lang.is_empty())
        .then(|| view! { <dt>{t.visitor_language}</dt><dd>{context.lang.clone()}</dd> });
    let team = summary.team.clone().unwrap_or_else(|| t.no_team.to_owned());
    let started = crate::clock::long(&summary.started_at, here);
    let rating = summary.rating.map(|score| {
        view! { <dt>{t.rating}</dt><dd class="stars" aria-label=format!("{score}/5")>{"★".repeat(score.into())}</dd> }
    });
    let searches = (!context.searches.is_empty()).then(|| {
        let items = context.searches.into_iter().map(|q| view! { <li>"“"{q}"”"</li> }).collect_view();
        view! { <section class="searched"><h4>{t.searched}</h4><ol>{items}</ol></section> }
    });
    let read = (!context.articles.is_empty()).then(|| {
        let items = context
            .articles
            .into_iter()
            .map(|article| {
                let verdict = article.helpful.map(|helped| {
                    let text = if helped { t.helped } else { t.did_not_help };
                    view! { <span class="verdict" class:helped=helped class:unhelpful=!helped>{text}</span> }
                });
                view! {
                    <li>
                        <span class="title">{article.title}</span>
                        <span class="lang">{article.lang}</span>
                        {verdict}
                    </li>
                }
            })
            .collect_view();
        view! { <section class="read"><h4>{t.read}</h4><ol>{items}</ol></section> }
    });
    view! {
        {who}
        <dl class="facts">
            {page}
            {lang}
            <dt>{t.team}</dt><dd>{team}</dd>
            <dt>{t.started}</dt><dd>{started}</dd>
            {rating}
        </dl>
        {searches}
        {read}
    }
}
