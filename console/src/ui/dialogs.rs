//! Dialogs over the console: the keyboard shortcuts, the ratings, "close this conversation?" and the
//! article draft ([`super::draft`]). Each
//! traps nothing but takes the focus, and Escape closes it (see `on_key`).

use leptos::html;
use leptos::prelude::*;
use protocol::rest::AgentRatings;

use crate::desk::{Desk, Dialog};
use crate::i18n::strings;

#[component]
pub fn Dialogs(desk: Desk) -> impl IntoView {
    move || {
        desk.dialog.get().map(|dialog| {
            let inner = match dialog {
                Dialog::Help => view! { <Help desk/> }.into_any(),
                Dialog::Ratings => view! { <Ratings desk/> }.into_any(),
                Dialog::ConfirmClose => view! { <ConfirmClose desk/> }.into_any(),
                Dialog::Draft => view! { <super::draft::Draft desk/> }.into_any(),
            };
            view! {
                <div class="overlay" on:click=move |_| desk.dialog.set(None)>
                    <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="dialog-title"
                        on:click=|event| event.stop_propagation()>
                        {inner}
                    </div>
                </div>
            }
        })
    }
}

/// Focuses `target` once it is on the page.
fn focus_on_mount(target: NodeRef<html::Button>) {
    Effect::new(move |_| {
        if let Some(element) = target.get() {
            let _ = element.focus();
        }
    });
}

#[component]
fn Help(desk: Desk) -> impl IntoView {
    let t = move || strings(desk.lang.get());
    let close = NodeRef::<html::Button>::new();
    focus_on_mount(close);
    let rows = move || {
        t().keys
            .iter()
            .map(|(key, what)| view! { <tr><td><kbd>{*key}</kbd></td><td>{*what}</td></tr> })
            .collect_view()
    };
    view! {
        <h2 id="dialog-title">{move || t().shortcuts}</h2>
        <table class="keys"><tbody>{rows}</tbody></table>
        <div class="buttons">
            <button node_ref=close type="button" class="primary" on:click=move |_| desk.dialog.set(None)>
                {move || t().dismiss}
            </button>
        </div>
    }
}

#[component]
fn ConfirmClose(desk: Desk) -> impl IntoView {
    let t = move || strings(desk.lang.get());
    let confirm = NodeRef::<html::Button>::new();
    focus_on_mount(confirm);
    view! {
        <h2 id="dialog-title">{move || t().close}</h2>
        <p>{move || t().close_confirm}</p>
        <div class="buttons">
            <button type="button" class="ghost" on:click=move |_| desk.dialog.set(None)>{move || t().cancel}</button>
            <button node_ref=confirm type="button" class="danger confirm-close" on:click=move |_| desk.close()>
                {move || t().close}
            </button>
        </div>
    }
}

#[component]
fn Ratings(desk: Desk) -> impl IntoView {
    let t = move || strings(desk.lang.get());
    let loaded = RwSignal::new(None::<Result<Vec<AgentRatings>, String>>);
    leptos::task::spawn_local(async move { loaded.set(Some(crate::api::ratings().await)) });
    let close = NodeRef::<html::Button>::new();
    focus_on_mount(close);
    let here = move || desk.locale();
    let body = move || {
        match loaded.get() {
        None => view! { <p>{t().loading}</p> }.into_any(),
        Some(Err(reason)) => view! { <p class="problem" role="alert">{reason}</p> }.into_any(),
        Some(Ok(groups)) if groups.is_empty() => view! { <p>{t().ratings_none}</p> }.into_any(),
        Some(Ok(groups)) => groups
            .into_iter()
            .map(|group| {
                let who = if group.agent.is_empty() { t().nobody.to_owned() } else { group.agent.clone() };
                let count = group.ratings.len();
                let rows = group
                    .ratings
                    .into_iter()
                    .map(|r| {
                        view! {
                            <tr>
                                <td class="stars" aria-label=format!("{}/5", r.score)>{"★".repeat(r.score.into())}</td>
                                <td>{r.comment.unwrap_or_default()}</td>
                                <td>{crate::clock::long(&r.rated_at, &here())}</td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <h3>{format!("{who}: {:.2} / 5 ({count})", group.average)}</h3>
                    <table class="ratings"><tbody>{rows}</tbody></table>
                }
            })
            .collect_view()
            .into_any(),
    }
    };
    view! {
        <h2 id="dialog-title">{move || t().ratings}</h2>
        <div class="scroll">{body}</div>
        <div class="buttons">
            <button node_ref=close type="button" class="primary" on:click=move |_| desk.dialog.set(None)>
                {move || t().dismiss}
            </button>
        </div>
    }
}
