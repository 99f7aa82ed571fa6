//! Article drafts from what visitors asked: a conversation (their searches and messages as the
//! questions, the agent's replies as the body) or a content gap (the ways it was asked). The console
//! shows the proposal for an agent to edit, saves it here, and `kb-builder drafts pull` writes the saved
//! ones into the content tree, marked `draft: true` until an editor publishes them.

use protocol::chat::{Author, ChatMessage};
use protocol::reports::ArticleDraft;

/// The longest title proposed, in characters.
const TITLE_CHARS: usize = 120;
/// The most `questions:` proposed.
const QUESTIONS: usize = 6;
/// The longest question kept, in characters.
const QUESTION_CHARS: usize = 200;
/// The longest slug, in characters.
const SLUG_CHARS: usize = 60;

/// What a draft is made from.
#[derive(Debug, Clone, Default)]
pub struct Material {
    /// Ways visitors asked, most telling first (searches, then their messages).
    pub asked: Vec<String>,
    /// What agents answered, in order.
    pub answers: Vec<String>,
    /// Language code.
    pub lang: String,
    /// Category (the last article read, if it had one).
    pub category: Option<String>,
    /// Team the conversation went to.
    pub team: Option<String>,
}

impl Material {
    /// From a conversation: the searches handed over, then the visitor's messages; the agents' replies
    /// (never a private note, never the server's own lines).
    pub fn from_conversation(
        context: &protocol::EscalationContext,
        team: Option<String>,
        messages: &[ChatMessage],
    ) -> Self {
        let mut asked: Vec<String> = context.searches.iter().rev().cloned().collect();
        let mut answers = Vec::new();
        for message in messages.iter().filter(|m| !m.private) {
            match &message.author {
                Author::Visitor => asked.push(message.body.clone()),
                Author::Agent { .. } => answers.push(message.body.clone()),
                Author::System => {}
            }
        }
        let category = context.articles.iter().rev().find_map(|a| a.category.clone());
        Material { asked, answers, lang: context.lang.clone(), category, team }
    }
}

fn first_sentence(text: &str) -> String {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
    let end = line
        .char_indices()
        .find(|(_, c)| matches!(c, '?' | '.' | '!'))
        .map_or(line.len(), |(i, c)| i + c.len_utf8());
    line[..end].chars().take(TITLE_CHARS).collect::<String>().trim().to_owned()
}

/// A file name for `title`: folded (no tone marks, đ as d), lower case, words joined by `-`.
pub fn slug(title: &str) -> String {
    let words = kb_core::analysis::folded_words(title);
    let mut slug = String::new();
    for word in
        words.iter().flat_map(|w| w.split(|c: char| !c.is_ascii_alphanumeric())).filter(|w| !w.is_empty())
    {
        if slug.len() + word.len() + 1 > SLUG_CHARS {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(word);
    }
    if slug.is_empty() { "new-article".into() } else { slug }
}

/// A YAML scalar that reads back as `text` whatever it holds: double-quoted, with `\` and `"` escaped
/// and line breaks and other control characters written as escapes.
fn yaml(text: &str) -> String {
    let mut out = String::from('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Proposes a draft: the title from the clearest way it was asked, the other ways as `questions:`, the
/// answers as the body (or a line saying what to write), `draft: true`.
pub fn propose(material: &Material) -> ArticleDraft {
    let asked: Vec<String> = {
        let mut seen = std::collections::HashSet::new();
        material
            .asked
            .iter()
            // What could name the visitor (an e-mail, a phone or order number) stays out of a public article.
            .map(|q| protocol::analytics::redact(q))
            .filter(|q| !q.is_empty() && seen.insert(q.to_lowercase()))
            .collect()
    };
    // A question mark says "this is the question"; else the longest search, the most specific.
    let title = asked
        .iter()
        .find(|q| q.contains('?'))
        .or_else(|| asked.iter().max_by_key(|q| q.chars().count()))
        .map(|q| first_sentence(q))
        .unwrap_or_else(|| "New article".into());
    let questions: Vec<String> = asked
        .iter()
        .filter(|q| first_sentence(q) != title)
        .map(|q| q.chars().take(QUESTION_CHARS).collect())
        .take(QUESTIONS)
        .collect();
    let id = slug(&title);
    // The language comes from the visitor's browser: a plain code, or Vietnamese.
    let plain =
        |l: &str| (2..=10).contains(&l.len()) && l.chars().all(|c| c.is_ascii_lowercase() || c == '-');
    let lang = if plain(&material.lang) { material.lang.clone() } else { "vi".to_owned() };
    let mut markdown = format!("---\nid: {id}\ntitle: {}\nlang: {lang}\n", yaml(&title));
    if let Some(category) = &material.category {
        markdown.push_str(&format!("category: {}\n", yaml(category)));
    }
    if !questions.is_empty() {
        markdown.push_str("questions:\n");
        for question in &questions {
            markdown.push_str(&format!("  - {}\n", yaml(question)));
        }
    }
    if let Some(team) = &material.team {
        markdown.push_str(&format!("team: {}\n", yaml(team)));
    }
    markdown.push_str("draft: true\n---\n");
    if material.answers.is_empty() {
        markdown.push_str(if lang == "vi" {
            "Viết câu trả lời ở đây.\n"
        } else {
            "Write the answer here.\n"
        });
    } else {
        markdown.push_str(&material.answers.join("\n\n"));
        markdown.push('\n');
    }
    let folder = material.category.as_deref().map(slug).unwrap_or_else(|| "drafts".into());
    ArticleDraft { path: format!("{lang}/{folder}/{id}.md"), markdown }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conversation_becomes_a_draft_in_the_visitors_words_with_the_agents_answer() {
        let material = Material {
            asked: vec![
                "doi tra hang".into(),
                "Hàng đã mở hộp có đổi trả được không?".into(),
                "doi tra hang".into(),
            ],
            answers: vec!["Được, trong 30 ngày.".into(), "Cần giữ hộp và phụ kiện.".into()],
            lang: "vi".into(),
            category: Some("returns".into()),
            team: Some("returns".into()),
        };
        let draft = propose(&material);
        assert_eq!(draft.path, "vi/returns/hang-da-mo-hop-co-doi-tra-duoc-khong.md");
        assert_eq!(
            draft.markdown,
            "---\nid: hang-da-mo-hop-co-doi-tra-duoc-khong\ntitle: \"Hàng đã mở hộp có đổi trả được không?\"\nlang: vi\ncategory: \"returns\"\nquestions:\n  - \"doi tra hang\"\nteam: \"returns\"\ndraft: true\n---\nĐược, trong 30 ngày.\n\nCần giữ hộp và phụ kiện.\n"
        );
    }

    #[test]
    fn what_a_visitor_typed_cannot_break_the_front_matter() {
        let material = Material {
            asked: vec!["a \"quoted\" \\ question?\n---\ninjected: true".into()],
            answers: Vec::new(),
            lang: "en".into(),
            ..Material::default()
        };
        let draft = propose(&material);
        assert!(
            draft
                .markdown
                .starts_with("---\nid: a-quoted-question\ntitle: \"a \\\"quoted\\\" \\\\ question?\"\n"),
            "{}",
            draft.markdown
        );
        assert!(!draft.markdown.contains("\ninjected: true"));
        assert!(draft.markdown.ends_with("draft: true\n---\nWrite the answer here.\n"));
        // The language comes from the visitor's browser too.
        let forged =
            Material { lang: "vi\ndraft: false".into(), asked: vec!["a?".into()], ..Material::default() };
        assert!(
            propose(&forged).markdown.contains("\nlang: vi\n")
                && !propose(&forged).markdown.contains("draft: false")
        );
        assert_eq!(draft.path, "en/drafts/a-quoted-question.md");
    }
}
