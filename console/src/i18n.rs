//! The console's interface strings in Vietnamese and English. One instance per language, so a missing
//! translation is a compile error. The agent picks the language; dates and times follow it too.

use kb_core::Lang;

/// Every string the console shows.
#[derive(Debug)]
pub struct Strings {
    pub login_title: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub log_in: &'static str,
    pub logging_in: &'static str,
    pub log_out: &'static str,
    pub online: &'static str,
    pub connecting: &'static str,
    pub reconnecting: &'static str,
    pub ratings: &'static str,
    pub shortcuts: &'static str,
    pub language: &'static str,
    pub theme: &'static str,
    pub theme_system: &'static str,
    pub theme_light: &'static str,
    pub theme_dark: &'static str,
    pub queues: &'static str,
    pub mine: &'static str,
    /// `{team}` is replaced by the team's name.
    pub unassigned: &'static str,
    pub all_open: &'static str,
    pub closed: &'static str,
    pub unread: &'static str,
    pub filter: &'static str,
    pub empty_queue: &'static str,
    pub no_match: &'static str,
    /// Heads what the search over every conversation found outside the shown list.
    pub elsewhere: &'static str,
    pub no_message_yet: &'static str,
    /// `{agent}` is replaced by the assignee's username.
    pub assigned_to: &'static str,
    pub pick_conversation: &'static str,
    pub assign_me: &'static str,
    pub unassign: &'static str,
    pub close: &'static str,
    pub close_confirm: &'static str,
    pub cancel: &'static str,
    pub closed_notice: &'static str,
    pub reply: &'static str,
    pub note: &'static str,
    pub reply_placeholder: &'static str,
    pub note_placeholder: &'static str,
    pub send: &'static str,
    pub add_note: &'static str,
    pub canned: &'static str,
    pub canned_none: &'static str,
    pub articles: &'static str,
    pub articles_none: &'static str,
    pub articles_searching: &'static str,
    pub articles_hint: &'static str,
    pub visitor: &'static str,
    pub visitor_typing: &'static str,
    pub private_note: &'static str,
    pub sending: &'static str,
    pub seen: &'static str,
    pub loading: &'static str,
    pub messages_label: &'static str,
    pub context: &'static str,
    pub verified: &'static str,
    pub unverified: &'static str,
    pub anonymous: &'static str,
    pub page: &'static str,
    pub visitor_language: &'static str,
    pub team: &'static str,
    pub no_team: &'static str,
    pub started: &'static str,
    pub searched: &'static str,
    pub read: &'static str,
    pub helped: &'static str,
    pub did_not_help: &'static str,
    pub rating: &'static str,
    pub earlier: &'static str,
    pub still_open: &'static str,
    pub earlier_unverified: &'static str,
    pub ratings_none: &'static str,
    pub nobody: &'static str,
    pub dismiss: &'static str,
    /// The shortcuts dialog: key, then what it does.
    pub keys: [(&'static str, &'static str); 11],
    /// `{n}` is replaced by the number of unread messages.
    pub new_messages: &'static str,
}

const VI: Strings = Strings {
    login_title: "Đăng nhập hộp thư hỗ trợ",
    username: "Tên đăng nhập",
    password: "Mật khẩu",
    log_in: "Đăng nhập",
    logging_in: "Đang đăng nhập…",
    log_out: "Đăng xuất",
    online: "Trực tuyến",
    connecting: "Đang kết nối…",
    reconnecting: "Mất kết nối, đang thử lại…",
    ratings: "Đánh giá",
    shortcuts: "Phím tắt",
    language: "Ngôn ngữ",
    theme: "Giao diện",
    theme_system: "Theo hệ thống",
    theme_light: "Sáng",
    theme_dark: "Tối",
    queues: "Hàng đợi",
    mine: "Của tôi",
    unassigned: "Chờ nhận · {team}",
    all_open: "Tất cả đang mở",
    closed: "Đã đóng",
    unread: "chưa đọc",
    filter: "Tìm hội thoại (tên, email, nội dung)",
    empty_queue: "Không có hội thoại nào ở đây.",
    no_match: "Không có hội thoại nào khớp.",
    elsewhere: "Ở danh sách khác",
    no_message_yet: "(chưa có tin nhắn)",
    assigned_to: "→ {agent}",
    pick_conversation: "Chọn một hội thoại ở danh sách bên trái (j/k để di chuyển, Enter để mở).",
    assign_me: "Nhận xử lý",
    unassign: "Trả về hàng đợi",
    close: "Đóng hội thoại",
    close_confirm: "Đóng hội thoại này? Khách sẽ được mời đánh giá.",
    cancel: "Huỷ",
    closed_notice: "Hội thoại đã đóng.",
    reply: "Trả lời",
    note: "Ghi chú nội bộ",
    reply_placeholder: "Trả lời khách (Enter để gửi, Shift+Enter xuống dòng, / để chèn mẫu, # để chèn bài viết)",
    note_placeholder: "Ghi chú chỉ nhân viên thấy (Enter để lưu)",
    send: "Gửi",
    add_note: "Lưu ghi chú",
    canned: "Câu trả lời mẫu",
    canned_none: "Không có mẫu nào khớp.",
    articles: "Chèn bài viết",
    articles_none: "Không có bài viết nào khớp.",
    articles_searching: "Đang tìm trong trung tâm trợ giúp…",
    articles_hint: "Gõ câu hỏi để tìm bài viết trong trung tâm trợ giúp.",
    visitor: "Khách",
    visitor_typing: "Khách đang nhập…",
    private_note: "ghi chú nội bộ",
    sending: "đang gửi…",
    seen: "đã xem",
    loading: "Đang tải…",
    messages_label: "Tin nhắn",
    context: "Thông tin khách",
    verified: "đã xác minh",
    unverified: "chưa xác minh",
    anonymous: "Khách ẩn danh",
    page: "Trang",
    visitor_language: "Ngôn ngữ",
    team: "Nhóm",
    no_team: "chưa có nhóm",
    started: "Bắt đầu",
    searched: "Đã tìm",
    read: "Đã đọc",
    helped: "có ích",
    did_not_help: "không có ích",
    rating: "Đánh giá",
    earlier: "Các lần liên hệ trước",
    still_open: "đang mở",
    earlier_unverified: "Lịch sử chỉ hiện với khách đã được trang web xác minh.",
    ratings_none: "Chưa có đánh giá nào.",
    nobody: "chưa giao",
    dismiss: "Đóng",
    keys: [
        ("j / ↓", "Hội thoại tiếp theo"),
        ("k / ↑", "Hội thoại trước"),
        ("Enter", "Mở hội thoại đang chọn"),
        ("r", "Viết trả lời"),
        ("n", "Viết ghi chú nội bộ"),
        ("a", "Nhận xử lý"),
        ("u", "Trả về hàng đợi"),
        ("e", "Đóng hội thoại"),
        ("/", "Tìm hội thoại"),
        ("1 – 9", "Chuyển hàng đợi"),
        ("Esc", "Rời ô nhập, đóng hộp thoại"),
    ],
    new_messages: "{n} tin nhắn mới",
};

const EN: Strings = Strings {
    login_title: "Log in to the support inbox",
    username: "Username",
    password: "Password",
    log_in: "Log in",
    logging_in: "Logging in…",
    log_out: "Log out",
    online: "Online",
    connecting: "Connecting…",
    reconnecting: "Connection lost, retrying…",
    ratings: "Ratings",
    shortcuts: "Shortcuts",
    language: "Language",
    theme: "Theme",
    theme_system: "System",
    theme_light: "Light",
    theme_dark: "Dark",
    queues: "Queues",
    mine: "Mine",
    unassigned: "Unassigned · {team}",
    all_open: "All open",
    closed: "Closed",
    unread: "unread",
    filter: "Search conversations (name, email, text)",
    empty_queue: "No conversations here.",
    no_match: "No conversation matches.",
    elsewhere: "In other lists",
    no_message_yet: "(no message yet)",
    assigned_to: "→ {agent}",
    pick_conversation: "Pick a conversation on the left (j/k to move, Enter to open).",
    assign_me: "Assign to me",
    unassign: "Back to queue",
    close: "Close conversation",
    close_confirm: "Close this conversation? The visitor will be asked to rate it.",
    cancel: "Cancel",
    closed_notice: "This conversation is closed.",
    reply: "Reply",
    note: "Private note",
    reply_placeholder: "Reply to the visitor (Enter sends, Shift+Enter for a new line, / for a canned reply, # for an article)",
    note_placeholder: "A note only agents see (Enter saves)",
    send: "Send",
    add_note: "Save note",
    canned: "Canned replies",
    canned_none: "No canned reply matches.",
    articles: "Insert article",
    articles_none: "No article matches.",
    articles_searching: "Searching the help center…",
    articles_hint: "Type a question to find a help-center article.",
    visitor: "Visitor",
    visitor_typing: "The visitor is typing…",
    private_note: "private note",
    sending: "sending…",
    seen: "seen",
    loading: "Loading…",
    messages_label: "Messages",
    context: "About the visitor",
    verified: "verified",
    unverified: "not verified",
    anonymous: "Anonymous visitor",
    page: "Page",
    visitor_language: "Language",
    team: "Team",
    no_team: "no team",
    started: "Started",
    searched: "Searched",
    read: "Read",
    helped: "helped",
    did_not_help: "did not help",
    rating: "Rating",
    earlier: "Earlier conversations",
    still_open: "open",
    earlier_unverified: "History is shown only for visitors the site has verified.",
    ratings_none: "No ratings yet.",
    nobody: "unassigned",
    dismiss: "Dismiss",
    keys: [
        ("j / ↓", "Next conversation"),
        ("k / ↑", "Previous conversation"),
        ("Enter", "Open the highlighted conversation"),
        ("r", "Write a reply"),
        ("n", "Write a private note"),
        ("a", "Assign to me"),
        ("u", "Back to the queue"),
        ("e", "Close the conversation"),
        ("/", "Search conversations"),
        ("1 – 9", "Switch queue"),
        ("Esc", "Leave the text box, close a dialog"),
    ],
    new_messages: "{n} new messages",
};

/// The strings of `lang`.
pub fn strings(lang: Lang) -> &'static Strings {
    match lang {
        Lang::Vi => &VI,
        Lang::En => &EN,
    }
}

/// The BCP 47 locale dates and times are written in: the browser's own when it is a variant of the
/// chosen language (en-US keeps its 12-hour clock), else the language's usual one.
pub fn locale(lang: Lang, browser: Option<&str>) -> String {
    let code = lang.code();
    match browser {
        Some(tag) if tag.split(['-', '_']).next().is_some_and(|l| l.eq_ignore_ascii_case(code)) => {
            tag.to_owned()
        }
        _ => match lang {
            Lang::Vi => "vi-VN".into(),
            Lang::En => "en-GB".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browser_locale_is_used_only_for_its_own_language() {
        assert_eq!(locale(Lang::En, Some("en-US")), "en-US");
        assert_eq!(locale(Lang::En, Some("vi-VN")), "en-GB");
        assert_eq!(locale(Lang::Vi, Some("vi")), "vi");
        assert_eq!(locale(Lang::Vi, None), "vi-VN");
    }

    #[test]
    fn placeholders_are_in_both_languages() {
        for lang in [Lang::Vi, Lang::En] {
            let t = strings(lang);
            assert!(t.unassigned.contains("{team}"));
            assert!(t.assigned_to.contains("{agent}"));
            assert!(t.new_messages.contains("{n}"));
        }
    }
}
