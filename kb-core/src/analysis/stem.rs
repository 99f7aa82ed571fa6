//! The Snowball English stemmer as a token filter.
//!
//! tantivy's `Stemmer` picks its algorithm at run time, so it links every Snowball language it knows: with
//! its stopword lists for every language, 170 KB of wasm (33 KB brotli) the widget never ran. This filter
//! names English at compile time and uses the same frostem crate, so it stems exactly as tantivy's would.

use std::cell::RefCell;
use std::collections::HashMap;
use std::mem;

use frostem::{Algorithm, Stemmer};
use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Replaces each token's text with its English stem.
#[derive(Clone, Copy)]
pub(super) struct EnglishStemmer;

impl TokenFilter for EnglishStemmer {
    type Tokenizer<T: Tokenizer> = EnglishStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> EnglishStemmerFilter<T> {
        EnglishStemmerFilter(tokenizer)
    }
}

#[derive(Clone)]
pub(super) struct EnglishStemmerFilter<T>(T);

impl<T: Tokenizer> Tokenizer for EnglishStemmerFilter<T> {
    type TokenStream<'a> = EnglishStemmerStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        EnglishStemmerStream { tail: self.0.token_stream(text), stemmer: Stemmer::new(Algorithm::English) }
    }
}

pub(super) struct EnglishStemmerStream<T> {
    tail: T,
    stemmer: Stemmer,
}

/// How many stems a thread remembers before it starts over.
const REMEMBERED_STEMS: usize = 50_000;

thread_local! {
    // Snippets re-analyse each hit's text on every query, and stemming was a third of a query's time; the
    // same few thousand words recur across articles, so their stems are remembered.
    static STEMS: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
}

impl<T: TokenStream> TokenStream for EnglishStemmerStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        STEMS.with_borrow_mut(|stems| {
            if let Some(stem) = stems.get(&token.text) {
                token.text.clone_from(stem);
                return;
            }
            let stem = self.stemmer.stem(&token.text).into_owned();
            if stems.len() >= REMEMBERED_STEMS {
                stems.clear();
            }
            stems.insert(mem::replace(&mut token.text, stem.clone()), stem);
        });
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}
