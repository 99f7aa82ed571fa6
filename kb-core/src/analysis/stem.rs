//! The Snowball English stemmer as a token filter.
//!
//! tantivy's `Stemmer` picks its algorithm at run time, so it links every Snowball language it knows: with its
//! stopword lists for every language, 170 KB of wasm (33 KB brotli) the widget never ran. This filter names
//! English at compile time and uses the same frostem crate, so it stems exactly as tantivy's would.

use std::borrow::Cow;
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
        EnglishStemmerStream {
            tail: self.0.token_stream(text),
            stemmer: Stemmer::new(Algorithm::English),
            buffer: String::new(),
        }
    }
}

pub(super) struct EnglishStemmerStream<T> {
    tail: T,
    stemmer: Stemmer,
    // Reused for stems borrowed from the token's own text.
    buffer: String,
}

impl<T: TokenStream> TokenStream for EnglishStemmerStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        match self.stemmer.stem(&token.text) {
            Cow::Owned(stemmed) => token.text = stemmed,
            Cow::Borrowed(stemmed) => {
                self.buffer.clear();
                self.buffer.push_str(stemmed);
                mem::swap(&mut token.text, &mut self.buffer);
            }
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}
