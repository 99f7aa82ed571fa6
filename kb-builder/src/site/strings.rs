//! Interface text of the help-center pages, per language.

use kb_core::Lang;
use serde::Serialize;

/// Every label the templates use.
#[derive(Debug, Serialize)]
pub struct Strings {
    pub language: &'static str,
    pub language_name: &'static str,
    pub home: &'static str,
    pub home_heading: &'static str,
    pub search_label: &'static str,
    pub search_placeholder: &'static str,
    pub search_button: &'static str,
    pub search_without_js: &'static str,
    pub categories: &'static str,
    pub articles: &'static str,
    pub see_all: &'static str,
    pub all_articles: &'static str,
    pub breadcrumbs: &'static str,
    pub related: &'static str,
    pub still_need_help: &'static str,
    pub not_found: &'static str,
    pub not_found_hint: &'static str,
}

/// The strings for `lang`.
pub fn strings(lang: Lang) -> &'static Strings {
    match lang {
        Lang::Vi => &VI,
        Lang::En => &EN,
    }
}

static VI: Strings = Strings {
    language: "Ngôn ngữ",
    language_name: "Tiếng Việt",
    home: "Trang chủ",
    home_heading: "Chúng tôi có thể giúp gì cho bạn?",
    search_label: "Tìm câu trả lời",
    search_placeholder: "Nhập câu hỏi, ví dụ: chính sách đổi trả",
    search_button: "Tìm",
    search_without_js: "Tất cả bài viết, theo chủ đề. Bật JavaScript để tìm kiếm ngay khi gõ.",
    categories: "Chủ đề",
    articles: "bài viết",
    see_all: "Xem tất cả",
    all_articles: "Tất cả bài viết",
    breadcrumbs: "Đường dẫn",
    related: "Bài viết liên quan",
    still_need_help: "Vẫn cần trợ giúp? Hãy mở khung hỗ trợ ở góc màn hình để trò chuyện với chúng tôi.",
    not_found: "Không tìm thấy trang",
    not_found_hint: "Trang này không tồn tại hoặc đã được chuyển đi. Hãy thử tìm kiếm:",
};

static EN: Strings = Strings {
    language: "Language",
    language_name: "English",
    home: "Home",
    home_heading: "How can we help?",
    search_label: "Search for answers",
    search_placeholder: "Type a question, e.g. return policy",
    search_button: "Search",
    search_without_js: "Every article, by topic. Turn on JavaScript to search as you type.",
    categories: "Topics",
    articles: "articles",
    see_all: "See all",
    all_articles: "All articles",
    breadcrumbs: "Breadcrumbs",
    related: "Related articles",
    still_need_help: "Still need help? Open the support panel in the corner of the page to chat with us.",
    not_found: "Page not found",
    not_found_hint: "This page does not exist or has moved. Try a search:",
};
