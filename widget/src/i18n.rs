//! The widget's interface strings in Vietnamese and English, and how the interface language is chosen.

use kb_core::Lang;

/// Every string the widget shows. One instance per language, so a missing translation is a compile error.
#[derive(Debug)]
pub struct Strings {
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
}

const EN: Strings = Strings {
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
};

const VI: Strings = Strings {
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
}
