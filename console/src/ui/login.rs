//! The login form.

use leptos::ev;
use leptos::html;
use leptos::prelude::*;

use crate::desk::Desk;
use crate::i18n::strings;

#[component]
pub fn Login(desk: Desk) -> impl IntoView {
    let t = move || strings(desk.lang.get());
    let username: NodeRef<html::Input> = NodeRef::new();
    let password: NodeRef<html::Input> = NodeRef::new();
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let value = |input: NodeRef<html::Input>| input.get_untracked().map(|i| i.value()).unwrap_or_default();
    let on_submit = move |event: ev::SubmitEvent| {
        event.prevent_default();
        let (user, pass) = (value(username), value(password));
        busy.set(true);
        leptos::task::spawn_local(async move {
            match crate::api::login(user, pass).await {
                Ok(session) => desk.start(session),
                Err(reason) => {
                    problem.set(Some(reason));
                    busy.set(false);
                }
            }
        });
    };
    Effect::new(move |_| {
        if let Some(input) = username.get() {
            let _ = input.focus();
        }
    });
    view! {
        <main class="login">
            <form class="card" on:submit=on_submit aria-labelledby="login-title">
                <p class="brand">"Answerdesk"</p>
                <h1 id="login-title">{move || t().login_title}</h1>
                <label>
                    <span>{move || t().username}</span>
                    <input node_ref=username name="username" autocomplete="username" required/>
                </label>
                <label>
                    <span>{move || t().password}</span>
                    <input node_ref=password name="password" type="password" autocomplete="current-password" required/>
                </label>
                {move || problem.get().map(|text| view! { <p class="problem" role="alert">{text}</p> })}
                <button class="primary" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { t().logging_in } else { t().log_in }}
                </button>
            </form>
        </main>
    }
}
