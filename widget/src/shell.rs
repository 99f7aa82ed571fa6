//! Taking over from the loader's shell: the panel frame with a search box that the loader draws when the
//! launcher is clicked before this module has arrived. Whatever the visitor typed there, where the caret
//! was, and whether the shell was open become the panel's, and the shell goes.

use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, ShadowRoot};

use crate::state::Widget;

/// The shell as the visitor left it.
#[derive(Debug)]
pub struct Shell {
    element: web_sys::Element,
    input: HtmlInputElement,
}

impl Shell {
    /// The loader's shell in `root`, if it drew one.
    pub fn find(root: &ShadowRoot) -> Option<Shell> {
        let element = root.query_selector(".shell").ok()??;
        let input = element.query_selector("input").ok()??.dyn_into().ok()?;
        Some(Shell { element, input })
    }

    /// Gives the panel (just mounted in `root`) the shell's text and open state, then, in the next frame,
    /// its focus and caret, and removes the shell. Until then the shell stays on top and keeps taking
    /// keystrokes, which the panel picks up too.
    pub fn hand_over(self, widget: Widget, root: ShadowRoot) {
        let open = self.element.first_element_child().is_some_and(|panel| !panel.has_attribute("hidden"));
        let typed = self.input.value();
        if !typed.is_empty() {
            widget.search.type_query(typed.clone());
            // The visitor may have stopped typing long ago: the question counts as asked once answered,
            // as after a pause in the panel.
            let settle = move || widget.settle_search();
            let _ = leptos::prelude::set_timeout_with_handle(settle, crate::state::SETTLE_AFTER);
        }
        if open {
            widget.set_open(true);
        }
        leptos::prelude::request_animation_frame(move || {
            let text = self.input.value();
            if text != typed {
                widget.search.type_query(text.clone());
            }
            let focused = root.active_element().is_some_and(|active| active == **self.input);
            let (start, end) =
                (self.input.selection_start().ok().flatten(), self.input.selection_end().ok().flatten());
            let panel_input = root
                .query_selector(".answerdesk:not(.shell) .query")
                .ok()
                .flatten()
                .and_then(|input| input.dyn_into::<HtmlInputElement>().ok());
            if let Some(input) = panel_input {
                input.set_value(&text);
                if focused {
                    let _ = input.focus();
                    if let (Some(start), Some(end)) = (start, end) {
                        let _ = input.set_selection_range(start, end);
                    }
                }
            }
            self.element.remove();
        });
    }
}
