//! Words and phrases visitors use interchangeably (`content/_synonyms.yml`), applied at query time.
//!
//! They travel inside the bundle, so the widget expands a query exactly as `kb-builder eval` measured it,
//! and changing them needs a rebuild but no re-analysis of the articles.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Lang;
use crate::analysis::{self, TermKind};

/// Groups of equivalent words or phrases, per language, as the editor wrote them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Synonyms {
    groups: BTreeMap<Lang, Vec<Vec<String>>>,
}

impl Synonyms {
    /// No synonyms.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a group of equivalent words or phrases in `lang`. Blank entries are ignored; a group needs two
    /// entries to do anything.
    pub fn add_group(&mut self, lang: Lang, phrases: impl IntoIterator<Item = impl Into<String>>) {
        let phrases: Vec<String> =
            phrases.into_iter().map(Into::into).filter(|p: &String| !p.trim().is_empty()).collect();
        if phrases.len() > 1 {
            self.groups.entry(lang).or_default().push(phrases);
        }
    }

    /// The groups of `lang`.
    pub fn groups(&self, lang: Lang) -> &[Vec<String>] {
        self.groups.get(&lang).map_or(&[], Vec::as_slice)
    }

    /// Whether there is no group at all.
    pub fn is_empty(&self) -> bool {
        self.groups.values().all(Vec::is_empty)
    }
}

/// One phrase as index words, each with its offset from the phrase's first word.
pub(crate) type Phrase = Vec<(usize, String)>;

/// [`Synonyms`] analyzed once, the way queries are, so matching a query is a comparison of words.
#[derive(Debug, Clone, Default)]
pub(crate) struct SynonymTable {
    groups: Vec<(Lang, Vec<Phrase>)>,
}

impl SynonymTable {
    pub(crate) fn new(synonyms: &Synonyms) -> Self {
        let mut groups = Vec::new();
        for (&lang, lang_groups) in &synonyms.groups {
            for group in lang_groups {
                let phrases: Vec<Phrase> = group
                    .iter()
                    .map(|text| {
                        let words: Vec<_> = analysis::tokens(lang, text)
                            .into_iter()
                            .filter(|t| t.kind == TermKind::Word)
                            .collect();
                        let first = words.first().map_or(0, |w| w.position);
                        words.into_iter().map(|w| (w.position - first, w.text)).collect()
                    })
                    .filter(|p: &Phrase| !p.is_empty())
                    .collect();
                if phrases.len() > 1 {
                    groups.push((lang, phrases));
                }
            }
        }
        SynonymTable { groups }
    }

    /// For each group with a phrase among the query's `words` (in order, as analyzed), that group's other
    /// phrases, leaving out any the query already has.
    pub(crate) fn alternatives(&self, lang: Lang, words: &[&str]) -> Vec<Vec<&Phrase>> {
        let contains = |phrase: &Phrase| {
            let needle: Vec<&str> = phrase.iter().map(|(_, w)| w.as_str()).collect();
            words.windows(needle.len()).any(|window| window == needle.as_slice())
        };
        self.groups
            .iter()
            .filter(|(l, _)| *l == lang)
            .filter(|(_, phrases)| phrases.iter().any(contains))
            .map(|(_, phrases)| phrases.iter().filter(|p| !contains(p)).collect::<Vec<_>>())
            .filter(|alternatives| !alternatives.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> SynonymTable {
        let mut synonyms = Synonyms::new();
        synonyms.add_group(Lang::Vi, ["hoàn tiền", "hoàn trả", "hoàn lại tiền", "refund"]);
        synonyms.add_group(Lang::En, ["refund", "money back", "reimbursement"]);
        synonyms.add_group(Lang::En, ["lonely", " "]);
        SynonymTable::new(&synonyms)
    }

    fn words(phrases: &[&Phrase]) -> Vec<String> {
        phrases.iter().map(|p| p.iter().map(|(_, w)| w.as_str()).collect::<Vec<_>>().join(" ")).collect()
    }

    #[test]
    fn a_phrase_of_the_query_brings_the_rest_of_its_group() {
        let table = table();
        let found = table.alternatives(Lang::Vi, &["lam", "sao", "hoan", "tien"]);
        assert_eq!(found.len(), 1);
        assert_eq!(words(&found[0]), ["hoan tra", "hoan lai tien", "refund"]);
        // Folded and unaccented queries meet the same group.
        assert_eq!(table.alternatives(Lang::Vi, &["hoan", "lai", "tien"]).len(), 1);
        assert!(table.alternatives(Lang::Vi, &["tien", "hoan"]).is_empty(), "order matters");
        assert!(table.alternatives(Lang::En, &["hoan", "tien"]).is_empty(), "per language");
    }

    #[test]
    fn english_phrases_are_stemmed_like_queries() {
        let table = table();
        let found = table.alternatives(Lang::En, &["get", "money", "back"]);
        assert_eq!(words(&found[0]), ["refund", "reimburs"]);
        assert_eq!(words(&table.alternatives(Lang::En, &["refund"])[0]), ["money back", "reimburs"]);
    }

    #[test]
    fn groups_of_one_do_nothing() {
        assert!(table().groups.iter().all(|(_, phrases)| phrases.len() > 1));
        assert_eq!(table().groups.len(), 2);
    }
}
