//! The widget's interface strings in Vietnamese and English, and how the interface language is chosen.

use kb_core::Lang;

/// Every string the widget shows. One instance per language, so a missing translation is a compile error.
#[derive(Debug)]
pub struct Strings {
    pub recommend_question: &'static str,
    pub recommend_low: &'static str,
    pub recommend_high: &'static str,
    pub recommend_skip: &'static str,
    pub title: &'static str,
    pub close: &'static str,
    pub search_label: &'static str,
    pub search_placeholder: &'static str,
    pub loading: &'static str,
    pub load_failed: &'static str,
    pub results_one: &'static str,
    /// `{n}` is replaced by the number of results.
    pub results_many: &'static str,
    /// `{q}` is replaced by the query.
    pub no_results: &'static str,
    pub other_language: &'static str,
    /// Above the first result when the engine is confident it answers the question.
    pub best_answer: &'static str,
    /// Under results the engine is not sure of.
    pub unsure: &'static str,
    pub suggested: &'static str,
    pub prompt: &'static str,
    pub back: &'static str,
    pub open_in_help_center: &'static str,
    pub helpful_question: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub thanks: &'static str,
    pub sorry: &'static str,
    pub need_more: &'static str,
    pub talk_to_us: &'static str,
    pub contact_intro: &'static str,
    pub email_us: &'static str,
    pub contact_page: &'static str,
    pub browse: &'static str,
    /// `{open}` and `{close}` are replaced by the opening hours.
    pub hours: &'static str,
    pub you_searched: &'static str,
    pub you_read: &'static str,
    pub email_subject: &'static str,
    pub page: &'static str,
    pub checking: &'static str,
    pub online_intro: &'static str,
    pub your_message: &'static str,
    pub email_optional: &'static str,
    pub start_chat: &'static str,
    pub offline_intro: &'static str,
    pub leave_message_intro: &'static str,
    pub your_email: &'static str,
    pub your_name: &'static str,
    pub send_message: &'static str,
    pub chat_unreachable: &'static str,
    /// `{reason}` is replaced by the server's explanation.
    pub could_not_send: &'static str,
    pub invalid_email: &'static str,
    pub empty_message: &'static str,
    pub other_ways: &'static str,
    pub you: &'static str,
    pub our_team: &'static str,
    pub sending: &'static str,
    pub not_sent: &'static str,
    pub retry: &'static str,
    pub seen: &'static str,
    pub agent_typing: &'static str,
    /// `{n}` is the visitor's place in line (2 or more).
    pub queue_place: &'static str,
    pub queue_next: &'static str,
    /// `{n}` is whole minutes (2 or more).
    pub queue_wait_minutes: &'static str,
    pub queue_wait_minute: &'static str,
    pub reconnecting: &'static str,
    pub send: &'static str,
    pub composer_label: &'static str,
    pub closed_notice: &'static str,
    pub rate_question: &'static str,
    /// Labels of scores 1 to 5.
    pub rate_labels: [&'static str; 5],
    pub rate_comment: &'static str,
    pub rate_send: &'static str,
    pub rate_thanks: &'static str,
    pub new_conversation: &'static str,
    pub continue_chat: &'static str,
    /// `{email}` is replaced by the visitor's address.
    pub left_message: &'static str,
    pub chat_gone: &'static str,
}

const EN: Strings = Strings {
    recommend_question: "How likely are you to recommend us to a friend?",
    recommend_low: "0 = not at all",
    recommend_high: "10 = extremely likely",
    recommend_skip: "Skip",
    title: "How can we help?",
    close: "Close help",
    search_label: "Search the help center",
    search_placeholder: "Type your question…",
    loading: "Loading answers…",
    load_failed: "We couldn't load the help articles. Check your connection, or talk to our team.",
    results_one: "1 article found",
    results_many: "{n} articles found",
    no_results: "No article answers “{q}” yet.",
    other_language: "Articles in another language",
    best_answer: "Best answer",
    unsure: "Not sure these answer your question? Our team can, and they will see what you searched.",
    suggested: "Suggested articles",
    prompt: "Ask in your own words, e.g. “where is my order”.",
    back: "Back",
    open_in_help_center: "Open in the help center",
    helpful_question: "Did this answer your question?",
    yes: "Yes",
    no: "No",
    thanks: "Thanks! Glad it helped.",
    sorry: "Sorry it didn't help. These articles might, or talk to our team:",
    need_more: "Still need help?",
    talk_to_us: "Talk to our team",
    contact_intro: "We'll pass on what you searched and read, so you don't have to repeat yourself.",
    email_us: "Email us",
    contact_page: "Contact page",
    browse: "Browse the help center",
    hours: "Our team is available {open}–{close}.",
    you_searched: "You searched",
    you_read: "You read",
    email_subject: "Question from the help widget",
    page: "Page",
    checking: "Checking who is available…",
    online_intro: "We're online. Write your question and someone from our team will answer here.",
    your_message: "Your message",
    email_optional: "Email (optional, so we can answer if you leave)",
    start_chat: "Start chat",
    offline_intro: "Nobody from our team is online right now.",
    leave_message_intro: "Leave a message and we'll answer by email.",
    your_email: "Your email",
    your_name: "Your name (optional)",
    send_message: "Send message",
    chat_unreachable: "Live chat can't be reached right now.",
    could_not_send: "That didn't go through: {reason}",
    invalid_email: "Please enter a valid email address.",
    empty_message: "Please write your message.",
    other_ways: "Other ways to reach us",
    you: "You",
    our_team: "Our team",
    sending: "Sending…",
    not_sent: "Not sent",
    retry: "Try again",
    seen: "Seen",
    agent_typing: "Our team is typing…",
    queue_place: "You are number {n} in line.",
    queue_next: "You are next in line.",
    queue_wait_minutes: "A reply usually comes within {n} minutes.",
    queue_wait_minute: "A reply usually comes within a minute.",
    reconnecting: "Reconnecting…",
    send: "Send",
    composer_label: "Write a message",
    closed_notice: "This conversation has ended.",
    rate_question: "How would you rate this conversation?",
    rate_labels: ["Very bad", "Bad", "Okay", "Good", "Great"],
    rate_comment: "Anything to add? (optional)",
    rate_send: "Send rating",
    rate_thanks: "Thank you for your feedback!",
    new_conversation: "Start a new conversation",
    continue_chat: "Back to your conversation",
    left_message: "Thanks! We'll answer at {email}.",
    chat_gone: "This conversation is no longer available.",
};

const VI: Strings = Strings {
    recommend_question: "Bạn có sẵn lòng giới thiệu chúng tôi cho bạn bè không?",
    recommend_low: "0 = không hề",
    recommend_high: "10 = chắc chắn có",
    recommend_skip: "Bỏ qua",
    title: "Chúng tôi có thể giúp gì?",
    close: "Đóng trợ giúp",
    search_label: "Tìm trong trung tâm trợ giúp",
    search_placeholder: "Nhập câu hỏi của bạn…",
    loading: "Đang tải câu trả lời…",
    load_failed: "Không tải được bài viết trợ giúp. Hãy kiểm tra kết nối, hoặc trò chuyện với chúng tôi.",
    results_one: "Tìm thấy 1 bài viết",
    results_many: "Tìm thấy {n} bài viết",
    no_results: "Chưa có bài viết nào trả lời “{q}”.",
    other_language: "Bài viết bằng ngôn ngữ khác",
    best_answer: "Câu trả lời phù hợp nhất",
    unsure: "Chưa chắc các bài này trả lời câu hỏi của bạn? Đội ngũ của chúng tôi sẽ giúp, và họ thấy được những gì bạn đã tìm.",
    suggested: "Bài viết gợi ý",
    prompt: "Hỏi theo cách của bạn, ví dụ “đơn hàng của tôi đâu”.",
    back: "Quay lại",
    open_in_help_center: "Mở trong trung tâm trợ giúp",
    helpful_question: "Bài viết có trả lời được câu hỏi của bạn không?",
    yes: "Có",
    no: "Không",
    thanks: "Cảm ơn bạn! Rất vui vì đã giúp được.",
    sorry: "Rất tiếc bài viết chưa giúp được bạn. Có thể các bài này sẽ giúp, hoặc hãy liên hệ chúng tôi:",
    need_more: "Vẫn cần hỗ trợ?",
    talk_to_us: "Trò chuyện với chúng tôi",
    contact_intro: "Chúng tôi sẽ chuyển kèm những gì bạn đã tìm và đọc, để bạn không phải nhắc lại.",
    email_us: "Gửi email cho chúng tôi",
    contact_page: "Trang liên hệ",
    browse: "Xem trung tâm trợ giúp",
    hours: "Đội hỗ trợ làm việc từ {open} đến {close}.",
    you_searched: "Bạn đã tìm",
    you_read: "Bạn đã đọc",
    email_subject: "Câu hỏi từ tiện ích trợ giúp",
    page: "Trang",
    checking: "Đang kiểm tra nhân viên trực…",
    online_intro: "Chúng tôi đang trực tuyến. Hãy nhập câu hỏi, nhân viên sẽ trả lời ngay tại đây.",
    your_message: "Tin nhắn của bạn",
    email_optional: "Email (không bắt buộc, để chúng tôi trả lời nếu bạn rời đi)",
    start_chat: "Bắt đầu trò chuyện",
    offline_intro: "Hiện chưa có nhân viên trực tuyến.",
    leave_message_intro: "Hãy để lại lời nhắn, chúng tôi sẽ trả lời qua email.",
    your_email: "Email của bạn",
    your_name: "Tên của bạn (không bắt buộc)",
    send_message: "Gửi lời nhắn",
    chat_unreachable: "Hiện không kết nối được với bộ phận trò chuyện trực tuyến.",
    could_not_send: "Chưa gửi được: {reason}",
    invalid_email: "Vui lòng nhập địa chỉ email hợp lệ.",
    empty_message: "Vui lòng nhập lời nhắn.",
    other_ways: "Cách liên hệ khác",
    you: "Bạn",
    our_team: "Nhân viên",
    sending: "Đang gửi…",
    not_sent: "Chưa gửi được",
    retry: "Thử lại",
    seen: "Đã xem",
    agent_typing: "Nhân viên đang nhập…",
    queue_place: "Bạn đang ở vị trí thứ {n} trong hàng chờ.",
    queue_next: "Bạn là người tiếp theo.",
    queue_wait_minutes: "Thường có trả lời trong khoảng {n} phút.",
    queue_wait_minute: "Thường có trả lời trong vòng một phút.",
    reconnecting: "Đang kết nối lại…",
    send: "Gửi",
    composer_label: "Nhập tin nhắn",
    closed_notice: "Cuộc trò chuyện đã kết thúc.",
    rate_question: "Bạn đánh giá cuộc trò chuyện này thế nào?",
    rate_labels: ["Rất tệ", "Tệ", "Bình thường", "Tốt", "Tuyệt vời"],
    rate_comment: "Bạn muốn góp ý thêm? (không bắt buộc)",
    rate_send: "Gửi đánh giá",
    rate_thanks: "Cảm ơn bạn đã đánh giá!",
    new_conversation: "Bắt đầu cuộc trò chuyện mới",
    continue_chat: "Quay lại cuộc trò chuyện",
    left_message: "Cảm ơn bạn! Chúng tôi sẽ trả lời qua {email}.",
    chat_gone: "Cuộc trò chuyện này không còn nữa.",
};

/// The strings for `lang`.
pub fn strings(lang: Lang) -> &'static Strings {
    match lang {
        Lang::Vi => &VI,
        Lang::En => &EN,
    }
}

impl Strings {
    /// "1 article found" / "7 articles found".
    pub fn results(&self, n: usize) -> String {
        if n == 1 { self.results_one.to_owned() } else { self.results_many.replace("{n}", &n.to_string()) }
    }

    /// The visitor's place in line and the expected wait, in one sentence each ("You are number 3 in
    /// line. A reply usually comes within 4 minutes."); the wait is rounded up to whole minutes.
    pub fn queue(&self, status: &protocol::visitor::QueueStatus) -> String {
        let place = match status.position {
            0 | 1 => self.queue_next.to_owned(),
            n => self.queue_place.replace("{n}", &n.to_string()),
        };
        match status.expected_wait_secs {
            None => place,
            Some(secs) if secs <= 60 => format!("{place} {}", self.queue_wait_minute),
            Some(secs) => {
                format!("{place} {}", self.queue_wait_minutes.replace("{n}", &secs.div_ceil(60).to_string()))
            }
        }
    }
}

/// The interface language: the site owner's choice, else the page's `<html lang>`, else the browser's
/// languages in order, else `fallback`. Tags like `vi-VN` or `en_US` count as their primary language.
pub fn choose_lang<'a>(
    configured: Option<&str>,
    page: Option<&str>,
    browser: impl IntoIterator<Item = &'a str>,
    fallback: Lang,
) -> Lang {
    configured
        .and_then(primary_lang)
        .or_else(|| page.and_then(primary_lang))
        .or_else(|| browser.into_iter().find_map(primary_lang))
        .unwrap_or(fallback)
}

/// `vi-VN` → vi; unknown or empty → None.
pub fn primary_lang(tag: &str) -> Option<Lang> {
    tag.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_language_wins_then_page_then_browser() {
        assert_eq!(choose_lang(Some("vi"), Some("en"), ["en-US"], Lang::En), Lang::Vi);
        assert_eq!(choose_lang(None, Some("vi-VN"), ["en-US"], Lang::En), Lang::Vi);
        assert_eq!(choose_lang(None, Some("fr"), ["de-DE", "vi"], Lang::En), Lang::Vi);
        assert_eq!(choose_lang(Some("xx"), Some(""), [], Lang::Vi), Lang::Vi);
        assert_eq!(choose_lang(None, None, ["EN_gb"], Lang::Vi), Lang::En);
    }

    #[test]
    fn result_counts_read_naturally() {
        assert_eq!(strings(Lang::En).results(1), "1 article found");
        assert_eq!(strings(Lang::En).results(3), "3 articles found");
        assert_eq!(strings(Lang::Vi).results(3), "Tìm thấy 3 bài viết");
    }

    #[test]
    fn the_place_in_line_reads_naturally_in_both_languages() {
        use protocol::visitor::QueueStatus;
        let status = |position, expected_wait_secs| QueueStatus { position, expected_wait_secs };
        let en = strings(Lang::En);
        assert_eq!(en.queue(&status(1, None)), "You are next in line.");
        assert_eq!(
            en.queue(&status(3, Some(185))),
            "You are number 3 in line. A reply usually comes within 4 minutes."
        );
        assert_eq!(
            en.queue(&status(2, Some(40))),
            "You are number 2 in line. A reply usually comes within a minute."
        );
        assert_eq!(
            strings(Lang::Vi).queue(&status(2, Some(600))),
            "Bạn đang ở vị trí thứ 2 trong hàng chờ. Thường có trả lời trong khoảng 10 phút."
        );
    }

    #[test]
    fn the_loaders_shell_says_what_the_panel_says() {
        // The shell (loader/answerdesk.js) shows these words until the panel replaces it: any difference
        // would flash.
        let loader = include_str!("../loader/answerdesk.js");
        for lang in [Lang::En, Lang::Vi] {
            let t = strings(lang);
            for words in [t.title, t.close, t.search_label, t.search_placeholder, t.loading] {
                assert!(loader.contains(&format!("'{words}'")), "the shell lacks {lang:?} {words:?}");
            }
        }
    }
}
