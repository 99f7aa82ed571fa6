//! What the widget and the agent console both do in the browser to talk to chat-server, written once:
//! read a REST answer (chat-server explains refusals with the protocol's error frame), write a frame to a
//! socket, and wait.
#![warn(missing_docs)]

use futures_util::{Sink, SinkExt};
use gloo_net::http::Response;
use gloo_net::websocket::Message;
use protocol::chat::ErrorFrame;
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen_futures::JsFuture;

/// The JSON body of a successful answer, or why the request failed: chat-server's own words when it
/// refused, else the status line or the network error.
pub async fn answer<T: DeserializeOwned>(response: Result<Response, gloo_net::Error>) -> Result<T, String> {
    let response = response.map_err(|e| e.to_string())?;
    if response.ok() {
        return response.json::<T>().await.map_err(|e| e.to_string());
    }
    match response.json::<ErrorFrame>().await {
        Ok(error) => Err(error.message),
        Err(_) => Err(format!("HTTP {} {}", response.status(), response.status_text())),
    }
}

/// Sends `frame` as a JSON text message; `false` once the socket is gone. A frame that does not
/// serialize (none of the protocol's can fail) is skipped.
pub async fn write<S, F>(sink: &mut S, frame: &F) -> bool
where
    S: Sink<Message> + Unpin,
    F: Serialize,
{
    match serde_json::to_string(frame) {
        Ok(text) => sink.send(Message::Text(text)).await.is_ok(),
        Err(_) => true,
    }
}

/// Resolves after `ms` milliseconds (in a browser window; without one, never).
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}
