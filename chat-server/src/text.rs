//! What counts as something written: a message of zero-width spaces, joiners or direction marks shows
//! nothing to the agent, yet could fake an empty line or a blank visitor turn.

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Whether `text` shows anything: a character that is neither white space, a control character nor an
/// invisible format character (zero-width space and joiners, direction marks, embeddings, overrides and
/// isolates, the byte-order mark, the soft hyphen).
pub fn visible(text: &str) -> bool {
    text.chars()
        .any(|c| !c.is_whitespace() && !c.is_control() && c.general_category() != GeneralCategory::Format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_width_and_direction_characters_alone_show_nothing() {
        for blank in
            ["", "  \n\t", "\u{200B}\u{200C}\u{200D}\u{FEFF}", "\u{202E}\u{2066}\u{200F}", "\u{AD}\u{0}"]
        {
            assert!(!visible(blank), "{blank:?}");
        }
        for shown in ["ko dc", "\u{202E}gnp.exe", "👍", "\u{200B}a"] {
            assert!(visible(shown), "{shown:?}");
        }
    }
}
