//! The contact screen: what will be handed over, live chat when someone is online or a message when
//! nobody is, and the other ways to reach the team.

use leptos::ev;
use leptos::html;
use leptos::prelude::*;

use crate::bridge;
use crate::config::help_center_base;
use crate::i18n::{Strings, strings};
use crate::journey;
use crate::state::{Reach, Widget};

/// Ways to reach a person, showing exactly what will be handed over.
#[component]
pub(super) fn ContactScreen(widget: Widget) -> impl IntoView {
    let t = move || widget.panel.strings();
    let context = widget
        .journey
        .with_untracked(|j| j.escalation(&bridge::page_url(), widget.panel.lang.get_untracked().code()));
    let (contact, kb_url) =
        widget.panel.config.with_value(|c| (c.contact.clone().unwrap_or_default(), c.kb.clone()));
    let hours = widget.panel.site.with_untracked(|s| s.business_hours.clone());
    let strings_now: &Strings = strings(widget.panel.lang.get_untracked());
    let email_link = contact.email.map(|email| {
        let body =
            journey::summary(&context, strings_now.you_searched, strings_now.you_read, strings_now.page);
        let subject = context
            .searches
            .last()
            .map_or(strings_now.email_subject.to_owned(), |q| format!("{}: {q}", strings_now.email_subject));
        format!(
            "mailto:{email}?subject={}&body={}",
            js_sys::encode_uri_component(&subject),
            js_sys::encode_uri_component(&body)
        )
    });
    let searches = context.searches.join(" · ");
    let read: Vec<String> = context.articles.iter().map(|a| a.title.clone()).collect();
    let read = read.join(" · ");
    let help_center = help_center_base(&kb_url);

    view! {
        <div class="contact">
            <h3 class="contact-title" tabindex="-1">{move || t().talk_to_us}</h3>
            <p>{move || t().contact_intro}</p>
            {hours.map(|h| view! { <p class="hours">{t().hours.replace("{open}", &h.open).replace("{close}", &h.close)}</p> })}
            <dl class="handover">
                <Show when={
                    let empty = searches.is_empty();
                    move || !empty
                }>
                    <dt>{move || t().you_searched}</dt>
                    <dd>{searches.clone()}</dd>
                </Show>
                <Show when={
                    let empty = read.is_empty();
                    move || !empty
                }>
                    <dt>{move || t().you_read}</dt>
                    <dd>{read.clone()}</dd>
                </Show>
            </dl>
            <Show when=move || widget.panel.chat_server().is_some()>
                <LiveChatOffer widget/>
                <h4 class="section">{move || t().other_ways}</h4>
            </Show>
            <div class="ways">
                {email_link.map(|href| view! { <a class="cta" href=href>{t().email_us}</a> })}
                {contact.url.map(|href| view! { <a class="cta secondary" href=href target="_blank" rel="noopener">{t().contact_page}</a> })}
                <a class="cta secondary" href=help_center target="_blank" rel="noopener">{t().browse}</a>
            </div>
        </div>
    }
}

/// On the contact screen: a way to talk to a person now, or to leave a message.
#[component]
fn LiveChatOffer(widget: Widget) -> impl IntoView {
    let t = move || widget.panel.strings();
    view! {
        <section class="live" aria-live="polite">
            {move || match widget.live.reach.get() {
                Reach::Unknown => ().into_any(),
                Reach::Checking => view! { <p class="status">{t().checking}</p> }.into_any(),
                Reach::Unreachable => view! { <p class="status">{t().chat_unreachable}</p> }.into_any(),
                Reach::Answered(availability) if availability.online => {
                    view! { <StartChatForm widget/> }.into_any()
                }
                Reach::Answered(availability) => {
                    view! { <LeaveMessageForm widget expected=availability.expected_reply/> }.into_any()
                }
            }}
        </section>
    }
}

/// The visitor's last question, as a first message they can edit.
fn last_question(widget: Widget) -> String {
    widget.journey.with_untracked(|j| j.last_search().unwrap_or_default().to_owned())
}

/// The e-mail the page gave for the visitor, if any.
fn known_email(widget: Widget) -> String {
    widget.journey.with_untracked(|j| j.identity().and_then(|i| i.email.clone()).unwrap_or_default())
}

/// The request failed, or the form is incomplete: say why, next to the button.
#[component]
fn FormProblem(widget: Widget, local: RwSignal<Option<&'static str>>) -> impl IntoView {
    let t = move || widget.panel.strings();
    move || {
        let text = local.get().map(str::to_owned).or_else(|| {
            widget.live.error.get().map(|reason| t().could_not_send.replace("{reason}", &reason))
        });
        text.map(|text| view! { <p class="problem" role="alert">{text}</p> })
    }
}

#[component]
fn StartChatForm(widget: Widget) -> impl IntoView {
    let t = move || widget.panel.strings();
    let message: NodeRef<html::Textarea> = NodeRef::new();
    let email: NodeRef<html::Input> = NodeRef::new();
    let local = RwSignal::new(None::<&'static str>);
    let on_submit = move |event: ev::SubmitEvent| {
        event.prevent_default();
        let body = message.get_untracked().map(|m| m.value()).unwrap_or_default();
        let email = email.get_untracked().map(|e| e.value()).unwrap_or_default();
        if body.trim().is_empty() {
            local.set(Some(t().empty_message));
        } else if !email.trim().is_empty() && !protocol::plausible_email(&email) {
            local.set(Some(t().invalid_email));
        } else {
            local.set(None);
            widget.start_chat(body, email);
        }
    };
    view! {
        <form class="chat-start" on:submit=on_submit novalidate>
            <p>{move || t().online_intro}</p>
            <label>
                <span>{move || t().your_message}</span>
                <textarea node_ref=message name="message" rows="3" prop:value=last_question(widget)></textarea>
            </label>
            <label>
                <span>{move || t().email_optional}</span>
                <input node_ref=email name="email" type="email" autocomplete="email" prop:value=known_email(widget)/>
            </label>
            <FormProblem widget local/>
            <button class="cta" type="submit" disabled=move || widget.live.busy.get()>
                {move || t().start_chat}
            </button>
        </form>
    }
}

#[component]
fn LeaveMessageForm(widget: Widget, expected: String) -> impl IntoView {
    let t = move || widget.panel.strings();
    let message: NodeRef<html::Textarea> = NodeRef::new();
    let email: NodeRef<html::Input> = NodeRef::new();
    let name: NodeRef<html::Input> = NodeRef::new();
    let local = RwSignal::new(None::<&'static str>);
    let value = |input: NodeRef<html::Input>| input.get_untracked().map(|i| i.value()).unwrap_or_default();
    let on_submit = move |event: ev::SubmitEvent| {
        event.prevent_default();
        let body = message.get_untracked().map(|m| m.value()).unwrap_or_default();
        let address = value(email);
        if !protocol::plausible_email(&address) {
            local.set(Some(t().invalid_email));
        } else if body.trim().is_empty() {
            local.set(Some(t().empty_message));
        } else {
            local.set(None);
            widget.leave_message(address, value(name), body);
        }
    };
    let known_name =
        widget.journey.with_untracked(|j| j.identity().and_then(|i| i.name.clone()).unwrap_or_default());
    view! {
        <form class="leave-message" on:submit=on_submit novalidate>
            <p><strong>{move || t().offline_intro}</strong>" "{expected}</p>
            <p>{move || t().leave_message_intro}</p>
            <label>
                <span>{move || t().your_email}</span>
                <input node_ref=email name="email" type="email" autocomplete="email" required prop:value=known_email(widget)/>
            </label>
            <label>
                <span>{move || t().your_name}</span>
                <input node_ref=name name="name" autocomplete="name" prop:value=known_name/>
            </label>
            <label>
                <span>{move || t().your_message}</span>
                <textarea node_ref=message name="message" rows="4" required prop:value=last_question(widget)></textarea>
            </label>
            <FormProblem widget local/>
            <button class="cta" type="submit" disabled=move || widget.live.busy.get()>
                {move || t().send_message}
            </button>
        </form>
    }
}
