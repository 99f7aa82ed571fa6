//! Search behaviour a visitor relies on, over a small bilingual knowledge base.

use futures_executor::block_on;
use kb_core::{Article, ConfidenceLevel, Indexer, KnowledgeBase, Lang, SearchRequest, Synonyms};

fn article(lang: Lang, id: &str, title: &str, questions: &[&str], body: &str) -> Article {
    Article {
        id: id.into(),
        lang,
        title: title.into(),
        category: "help".into(),
        tags: Vec::new(),
        questions: questions.iter().map(|q| q.to_string()).collect(),
        summary: format!("Summary of {title}"),
        team: Some("support".into()),
        url: format!("/{lang}/help/{id}/"),
        body_html: format!("<p>{body}</p>"),
        body_text: body.into(),
    }
}

fn synonyms() -> Synonyms {
    let mut synonyms = Synonyms::new();
    synonyms.add_group(Lang::Vi, ["hoàn tiền", "hoàn trả", "hoàn lại tiền", "refund"]);
    synonyms.add_group(Lang::En, ["refund", "money back", "reimbursement"]);
    synonyms
}

fn kb() -> KnowledgeBase {
    kb_with(synonyms())
}

fn kb_with(synonyms: Synonyms) -> KnowledgeBase {
    let mut indexer = Indexer::new().unwrap();
    indexer.set_synonyms(synonyms);
    for a in [
        article(
            Lang::Vi,
            "return-policy",
            "Chính sách đổi trả là gì?",
            &["Tôi có thể trả lại hàng không?"],
            "Bạn được đổi trả trong 30 ngày. Sản phẩm cần còn nguyên tem.",
        ),
        article(
            Lang::Vi,
            "order-status",
            "Kiểm tra tình trạng đơn hàng",
            &["Đơn của tôi đang ở đâu?"],
            "Vào mục Đơn hàng của tôi để xem đơn đang được giao đến đâu.",
        ),
        article(
            Lang::Vi,
            "shipping-fees",
            "Phí vận chuyển",
            &[],
            "Đường dây nóng: giao hàng miễn phí cho đơn từ 300.000đ.",
        ),
        article(
            Lang::Vi,
            "refund-time",
            "Bao lâu thì tôi nhận được hoàn tiền?",
            &[],
            "Hoàn tiền về thẻ trong 7 ngày làm việc.",
        ),
        article(
            Lang::Vi,
            "test-result",
            "Kết quả xét nghiệm",
            &[],
            "Nếu kết quả dương tính, hãy liên hệ bác sĩ.",
        ),
        article(
            Lang::En,
            "return-policy",
            "What is the return policy?",
            &["Can I send an item back?"],
            "You can return items within 30 days if the tags are still on.",
        ),
        article(
            Lang::En,
            "order-status",
            "How do I check my order status?",
            &["Where is my order?"],
            "Open My orders to see where your parcel is.",
        ),
        article(
            Lang::En,
            "refund-time",
            "How long do refunds take?",
            &["When do I get my money back?"],
            "Refunds reach your card within 7 business days.",
        ),
    ] {
        indexer.add(&a).unwrap();
    }
    KnowledgeBase::from_split(&indexer.finish().unwrap()).unwrap()
}

fn ids(kb: &KnowledgeBase, request: SearchRequest) -> Vec<(Lang, String)> {
    block_on(kb.search(&request)).unwrap().hits.into_iter().map(|h| (h.lang, h.id)).collect()
}

#[test]
fn unaccented_vietnamese_finds_the_accented_article() {
    let kb = kb();
    let hits = ids(&kb, SearchRequest::new("chinh sach doi tra").lang(Some(Lang::Vi)));
    assert_eq!(hits[0], (Lang::Vi, "return-policy".into()));
    let hits = ids(&kb, SearchRequest::new("don hang cua toi o dau").lang(Some(Lang::Vi)));
    assert_eq!(hits[0], (Lang::Vi, "order-status".into()));
}

#[test]
fn language_filter_keeps_other_languages_out() {
    let kb = kb();
    let hits = ids(&kb, SearchRequest::new("return policy 30").lang(Some(Lang::Vi)));
    assert!(hits.iter().all(|(lang, _)| *lang == Lang::Vi), "{hits:?}");
    let hits = ids(&kb, SearchRequest::new("return policy"));
    assert_eq!(hits[0], (Lang::En, "return-policy".into()), "no filter searches every language");
}

#[test]
fn a_question_is_searched_in_the_language_it_is_written_in_first() {
    let kb = kb();
    // On the Vietnamese page, an English question goes to the English articles, and the other way round.
    let english = "what is the return policy";
    assert_eq!(kb.language_for(english, Lang::Vi), Lang::En);
    let hits = ids(&kb, SearchRequest::new(english).lang(Some(kb.language_for(english, Lang::Vi))));
    assert_eq!(hits[0], (Lang::En, "return-policy".into()));
    assert_eq!(kb.language_for("chinh sach doi tra", Lang::En), Lang::Vi);
    assert_eq!(kb.language_for("ko nhan dc hang", Lang::En), Lang::Vi);
    // A word both languages could own leaves the page's language.
    assert_eq!(kb.language_for("COD", Lang::Vi), Lang::Vi);
    assert_eq!(kb.language_for("COD", Lang::En), Lang::En);
}

#[test]
fn vietnamese_chat_abbreviations_are_read_as_the_words_they_stand_for() {
    let kb = kb();
    let typed = ids(&kb, SearchRequest::new("dh cua toi o dau").lang(Some(Lang::Vi)));
    assert_eq!(typed[0], (Lang::Vi, "order-status".into()), "dh = đơn hàng");
    let results = block_on(kb.search(&SearchRequest::new("dh o dau").lang(Some(Lang::Vi)))).unwrap();
    let snippet = &results.hits[0].snippet;
    let highlighted: Vec<&str> = snippet.highlights.iter().map(|r| &snippet.text[r.clone()]).collect();
    assert!(highlighted.iter().any(|w| w.to_lowercase() == "đơn"), "{highlighted:?} in {}", snippet.text);
}

#[test]
fn the_word_being_typed_matches_as_a_prefix() {
    let kb = kb();
    assert!(ids(&kb, SearchRequest::new("refu").lang(Some(Lang::En))).is_empty());
    let hits = ids(&kb, SearchRequest::new("refu").lang(Some(Lang::En)).typing(true));
    assert_eq!(hits[0], (Lang::En, "refund-time".into()));
    // A finished word (followed by a space) is not a prefix any more.
    assert!(ids(&kb, SearchRequest::new("refu ").lang(Some(Lang::En)).typing(true)).is_empty());
}

#[test]
fn a_typo_still_finds_the_article_but_ranks_below_exact_words() {
    let kb = kb();
    let hits = ids(&kb, SearchRequest::new("how long do refnuds take").lang(Some(Lang::En)));
    assert_eq!(hits[0], (Lang::En, "refund-time".into()));
    let exact = block_on(kb.search(&SearchRequest::new("refunds").lang(Some(Lang::En)))).unwrap().hits;
    let typo = block_on(kb.search(&SearchRequest::new("refnuds").lang(Some(Lang::En)))).unwrap().hits;
    assert_eq!(exact[0].id, typo[0].id);
    assert!(typo[0].score < exact[0].score, "typo {} vs exact {}", typo[0].score, exact[0].score);
}

#[test]
fn no_input_is_a_syntax_error() {
    let kb = kb();
    for text in
        ["", "   ", "\"", "(", "AND OR NOT", "title:", "-", "*", "?!", "\\", "\u{0}", "a\"b:c(d)[e]{f}^g~h"]
    {
        assert!(block_on(kb.search(&SearchRequest::new(text).typing(true))).is_ok(), "{text:?}");
    }
    let hits = ids(&kb, SearchRequest::new("\"where is\" my -order?").lang(Some(Lang::En)));
    assert_eq!(hits[0], (Lang::En, "order-status".into()));
}

#[test]
fn snippets_highlight_the_original_accented_words() {
    let kb = kb();
    let hit = block_on(kb.search(&SearchRequest::new("duong day nong").lang(Some(Lang::Vi))))
        .unwrap()
        .hits
        .remove(0);
    assert_eq!(hit.id, "shipping-fees");
    let marked: Vec<&str> = hit.snippet.highlights.iter().map(|r| &hit.snippet.text[r.clone()]).collect();
    // The query's syllable pairs matched, so the phrase lights up as one.
    assert_eq!(marked, ["Đường dây nóng"]);
    assert!(hit.snippet.to_html().contains("<mark>Đường dây nóng</mark>"));
}

#[test]
fn snippet_html_survives_overlapping_and_bad_ranges() {
    let snippet =
        kb_core::Snippet { text: "đơn hàng".into(), highlights: vec![0..4, 0..4, 2..11, 50..60] };
    assert_eq!(snippet.to_html(), "<mark>đơn hàng</mark>");
    let inside_a_char = kb_core::Snippet { text: "đơn".into(), highlights: vec![1..2, 3..5] };
    assert_eq!(inside_a_char.to_html(), "đơn");
}

#[test]
fn snippet_html_escapes_the_text() {
    let snippet = kb_core::Snippet { text: "<b>x</b> & y".into(), highlights: vec![3..4, 9..10] };
    assert_eq!(snippet.to_html(), "&lt;b&gt;<mark>x</mark>&lt;/b&gt; <mark>&amp;</mark> y");
}

#[test]
fn articles_are_found_by_language_and_id() {
    let kb = kb();
    let article = block_on(kb.article(Lang::En, "refund-time")).unwrap().unwrap();
    assert_eq!(article.card.title, "How long do refunds take?");
    assert_eq!(article.card.team.as_deref(), Some("support"));
    assert_eq!(article.body_html, "<p>Refunds reach your card within 7 business days.</p>");
    assert!(block_on(kb.article(Lang::En, "test-result")).unwrap().is_none());
    assert_eq!((kb.len(), kb.count(Lang::Vi), kb.count(Lang::En)), (8, 5, 3));
}

#[test]
fn exact_accents_rank_above_folded_ones() {
    let kb = kb();
    let vi = |text: &str| ids(&kb, SearchRequest::new(text).lang(Some(Lang::Vi)));
    // dương (positive) and đường (road, line) fold to the same "duong"; both are in an article body.
    assert_eq!(vi("dương")[0].1, "test-result");
    assert_eq!(vi("đường")[0].1, "shipping-fees");
    let unaccented: Vec<String> = vi("duong").into_iter().map(|(_, id)| id).collect();
    assert!(unaccented.contains(&"test-result".into()) && unaccented.contains(&"shipping-fees".into()));
}

#[test]
fn synonyms_from_the_bundle_expand_queries() {
    let kb = kb();
    assert_eq!(
        ids(&kb, SearchRequest::new("hoàn trả mất mấy ngày").lang(Some(Lang::Vi)))[0].1,
        "refund-time"
    );
    assert_eq!(ids(&kb, SearchRequest::new("reimbursement").lang(Some(Lang::En)))[0].1, "refund-time");
    assert_eq!(kb.synonyms(), synonyms());
    let without = kb_with(Synonyms::new());
    assert!(ids(&without, SearchRequest::new("reimbursement").lang(Some(Lang::En))).is_empty());
}

#[test]
fn a_synonym_scores_below_the_word_itself() {
    let kb = kb();
    let exact = block_on(kb.search(&SearchRequest::new("refunds").lang(Some(Lang::En)))).unwrap().hits;
    let synonym =
        block_on(kb.search(&SearchRequest::new("reimbursement").lang(Some(Lang::En)))).unwrap().hits;
    assert_eq!(exact[0].id, synonym[0].id);
    assert!(synonym[0].score < exact[0].score, "synonym {} vs exact {}", synonym[0].score, exact[0].score);
}

#[test]
fn confidence_separates_answers_from_guesses() {
    let kb = kb();
    let sure =
        block_on(kb.search(&SearchRequest::new("how long do refunds take").lang(Some(Lang::En)))).unwrap();
    assert_eq!(sure.hits[0].id, "refund-time");
    assert_eq!(sure.confidence.level, ConfidenceLevel::Confident, "{:?}", sure.confidence);

    // One word of five matches, somewhere: show it, but offer a person.
    let guess =
        block_on(kb.search(&SearchRequest::new("my parcel arrived broken and smelly").lang(Some(Lang::En))))
            .unwrap();
    assert!(!guess.hits.is_empty());
    assert_eq!(guess.confidence.level, ConfidenceLevel::Unsure, "{:?}", guess.confidence);

    let nothing = block_on(kb.search(&SearchRequest::new("zebra").lang(Some(Lang::En)))).unwrap();
    assert!(nothing.hits.is_empty() && !nothing.confidence.is_confident());
    // The first answer (cards only) has the same hits, in the same order, with the same confidence.
    let request = SearchRequest::new("how long do refunds take").lang(Some(Lang::En));
    let cards = block_on(kb.search_cards(&request)).unwrap();
    assert_eq!(cards.confidence, sure.confidence);
    let ids = |hits: &[kb_core::Hit]| hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&cards.hits), ids(&sure.hits));
}
