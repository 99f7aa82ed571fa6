//! What the widget handed over, laid out to be read in two seconds: who (verified or not), where, what
//! they searched and read and whether it helped. Empty sections are left out; a page link is a link
//! only when it is http(s).

use leptos::prelude::*;
use protocol::chat::{ConversationStatus, ConversationSummary};

use crate::desk::Desk;
use crate::i18n::{Strings, strings};
use crate::inbox::linkable;
use crate::reveal::reveal;

#[component]
pub fn Context(desk: Desk) -> impl IntoView {
    let t = move || strings(desk.lang.get());
    let shown = Memo::new(move |_| {
        desk.inbox.with(|inbox| {
            let summary = inbox.current().cloned();
            let context = summary.as_ref().and_then(|s| inbox.context(&s.id).cloned());
            let earlier = summary.as_ref().map(|s| inbox.earlier(&s.id)).unwrap_or_default();
            (summary, context, earlier)
        })
    });
    let body = move || {
        let (summary, context, earlier) = shown.get();
        let (summary, context) = (summary?, context?);
        let here = desk.locale();
        let identified = context.identity.is_some();
        let history = history(desk, t(), &summary, earlier, identified, &here);
        Some(view! { {details(t(), &summary, context, &here)} {history} })
    };
    view! {
        <aside class="context" aria-label=move || t().context>
            {body}
        </aside>
    }
}

/// The visitor's other conversations, each opened with a click; for an unverified identity, why there
/// is no history.
fn history(
    desk: Desk,
    t: &'static Strings,
    summary: &ConversationSummary,
    earlier: Vec<ConversationSummary>,
    identified: bool,
    here: &str,
) -> Option<impl IntoView + use<>> {
    if earlier.is_empty() {
        return (identified && !summary.identity_verified).then(|| {
            view! { <section class="earlier"><h4>{t.earlier}</h4><p class="hint">{t.earlier_unverified}</p></section> }
                .into_any()
        });
    }
    let items = earlier
        .into_iter()
        .map(|c| {
            let when = crate::clock::short(&c.started_at, here);
            let closed = c.status == ConversationStatus::Closed;
            let preview =
                c.preview.clone().or_else(|| c.context.searches.last().cloned()).unwrap_or_default();
            let stars = c.rating.map(|score| "★".repeat(score.into()));
            let id = c.id.clone();
            view! {
                <li>
                    <button type="button" class="ghost earlier-open" on:click=move |_| desk.open(id.clone())>
                        <span class="when">{when}</span>
                        <span class="state">{if closed { t.closed } else { t.still_open }}</span>
                        {stars.map(|s| view! { <span class="stars">{s}</span> })}
                        <span class="preview">{preview}</span>
                    </button>
                </li>
            }
        })
        .collect_view();
    Some(view! { <section class="earlier"><h4>{t.earlier}</h4><ul>{items}</ul></section> }.into_any())
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
            // The name and email are the visitor's own claim unless the signature covered them too.
            let claimed = !summary.identity_details_verified;
            let name = identity.name.filter(|n| !n.trim().is_empty());
            let email = identity.email.filter(|e| !e.trim().is_empty());
            // A message left offline is identified by its email: say it once.
            let id = (Some(&identity.id) != email.as_ref()).then_some(identity.id);
            let shown = |text: String| reveal(&text).into_owned();
            let (name, email, id) = (name.map(shown), email.map(shown), id.map(shown));
            let unverified_tag = move || view! { <span class="claimed">{t.unverified}</span> };
            let has_name = name.is_some();
            view! {
                <section class="who">
                    <h3>
                        {name.unwrap_or_else(|| t.anonymous.to_owned())}
                        {(claimed && has_name).then(unverified_tag)}
                    </h3>
                    {email.map(|email| view! {
                        <p class="email">{email}{claimed.then(unverified_tag)}</p>
                        {claimed.then(|| view! { <p class="hint email-unverified">{t.email_unverified}</p> })}
                    })}
                    <p class="identity" class:verified=verified>
                        {id.map(|id| view! { <span class="id">{id}</span> })}
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
