//! Keyboard shortcuts: which key does what. Letters only act when the focus is not in a text box, so
//! typing a reply never triggers one; Escape always leaves the text box.

/// What a key asks the console to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Move the highlight down (`1`) or up (`-1`) the list.
    Move(isize),
    /// Open the highlighted conversation.
    Open,
    /// Focus the reply box in reply mode.
    Reply,
    /// Focus the reply box in note mode.
    Note,
    /// Assign the open conversation to me.
    AssignMe,
    /// Put it back in its team's queue.
    Unassign,
    /// Ask to close it.
    Close,
    /// Focus the conversation search.
    Search,
    /// Show the n-th queue (from 0).
    Queue(usize),
    /// Show the list of shortcuts.
    Help,
    /// Leave the text box.
    Leave,
}

/// The command for a key press: `key` as `KeyboardEvent.key`, `typing` when the focus is in a text box,
/// `modified` when Ctrl, Alt or Meta is held (those belong to the browser).
pub fn command(key: &str, typing: bool, modified: bool) -> Option<Command> {
    if key == "Escape" {
        return typing.then_some(Command::Leave);
    }
    if typing || modified {
        return None;
    }
    Some(match key {
        "j" | "ArrowDown" => Command::Move(1),
        "k" | "ArrowUp" => Command::Move(-1),
        "Enter" | "o" => Command::Open,
        "r" => Command::Reply,
        "n" => Command::Note,
        "a" => Command::AssignMe,
        "u" => Command::Unassign,
        "e" => Command::Close,
        "/" => Command::Search,
        "?" => Command::Help,
        digit => match digit.parse::<usize>() {
            Ok(n @ 1..=9) => Command::Queue(n - 1),
            _ => return None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_act_only_outside_text_boxes() {
        assert_eq!(command("j", false, false), Some(Command::Move(1)));
        assert_eq!(command("ArrowUp", false, false), Some(Command::Move(-1)));
        assert_eq!(command("r", false, false), Some(Command::Reply));
        assert_eq!(command("r", true, false), None, "typing an r in a reply");
        assert_eq!(command("Enter", true, false), None, "the reply box sends on Enter itself");
        assert_eq!(command("r", false, true), None, "Ctrl+R reloads, as the agent expects");
        assert_eq!(command("?", false, false), Some(Command::Help));
    }

    #[test]
    fn digits_pick_queues_and_escape_leaves_the_box() {
        assert_eq!(command("1", false, false), Some(Command::Queue(0)));
        assert_eq!(command("9", false, false), Some(Command::Queue(8)));
        assert_eq!(command("0", false, false), None);
        assert_eq!(command("Escape", true, false), Some(Command::Leave));
        assert_eq!(command("Escape", false, false), None, "dialogs close on Escape by themselves");
        assert_eq!(command("x", false, false), None);
    }
}
