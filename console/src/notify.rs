//! A short tone when a visitor writes while the agent looks elsewhere: WebAudio, so no sound file ships.
//! Browsers allow it once the agent has clicked on the page; without it the title's count still shows.

use std::cell::RefCell;

thread_local! {
    static AUDIO: RefCell<Option<web_sys::AudioContext>> = const { RefCell::new(None) };
}

/// Plays the tone, unless the console has the focus (the agent sees the message arrive).
pub fn chime() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    if document.has_focus().unwrap_or(false) && !document.hidden() {
        return;
    }
    AUDIO.with(|audio| {
        let mut audio = audio.borrow_mut();
        if audio.is_none() {
            *audio = web_sys::AudioContext::new().ok();
        }
        if let Some(context) = audio.as_ref() {
            let _ = tone(context);
        }
    });
}

fn tone(context: &web_sys::AudioContext) -> Result<(), wasm_bindgen::JsValue> {
    let oscillator = context.create_oscillator()?;
    let gain = context.create_gain()?;
    oscillator.frequency().set_value(880.0);
    gain.gain().set_value(0.1);
    oscillator.connect_with_audio_node(&gain)?;
    gain.connect_with_audio_node(&context.destination())?;
    oscillator.start()?;
    oscillator.stop_with_when(context.current_time() + 0.15)?;
    Ok(())
}
