//! Visitor text as an agent must read it: direction controls shown, not obeyed. A right-to-left override
//! in a name or message would otherwise reverse or reorder what follows it on the agent's screen
//! ("invoice\u{202E}fdp.exe" reads as "invoiceexe.pdf").

use std::borrow::Cow;

/// `text` with each bidirectional control (marks, embeddings, overrides, isolates) written as a visible
/// `[U+202E]` tag.
pub fn reveal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_direction_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_direction_control(c) {
            out.push_str(&format!("[U+{:04X}]", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_direction_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_controls_are_shown_as_tags_and_other_text_is_untouched() {
        assert_eq!(reveal("invoice\u{202E}fdp.exe"), "invoice[U+202E]fdp.exe");
        assert_eq!(reveal("\u{2067}x\u{2069}\u{200F}"), "[U+2067]x[U+2069][U+200F]");
        assert!(matches!(reveal("Xin chào, ko đc 👍"), Cow::Borrowed("Xin chào, ko đc 👍")));
    }
}
