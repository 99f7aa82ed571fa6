//! The languages a knowledge base can be written in.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A language with its own analyzer. Adding one means adding an analyzer in [`crate::analysis`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Vietnamese: accent-insensitive matching (tone marks and đ folded).
    Vi,
    /// English: stemming and stopwords.
    En,
}

impl Lang {
    /// Every supported language, in a stable order (the order of fields in the schema).
    pub const ALL: [Lang; 2] = [Lang::Vi, Lang::En];

    /// The BCP 47 code used in folders, front matter, URLs and `hreflang`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The text was not the code of a supported language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language `{0}` (supported: vi, en)")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // Accept region subtags (`en-US`, `vi_VN`) because editors and browsers write them.
        let primary = s.split(['-', '_']).next().unwrap_or(s).to_ascii_lowercase();
        match primary.as_str() {
            "vi" => Ok(Lang::Vi),
            "en" => Ok(Lang::En),
            _ => Err(UnknownLang(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_with_regions() {
        assert_eq!("vi".parse(), Ok(Lang::Vi));
        assert_eq!("en-US".parse(), Ok(Lang::En));
        assert_eq!("VI_vn".parse(), Ok(Lang::Vi));
        assert!("fr".parse::<Lang>().is_err());
    }
}
