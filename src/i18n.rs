//! The user's language and every user-facing text that is not a finding message
//! (those live with their codes in `rules::catalog`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    De,
    En,
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::De => "de",
            Lang::En => "en",
        }
    }
}

/// A text in both languages; `pick` chooses.
pub fn t(lang: Lang, de: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::De => de,
        Lang::En => en,
    }
}

pub fn severity_word(lang: Lang, s: crate::finding::Severity) -> &'static str {
    use crate::finding::Severity::*;
    match s {
        Error => t(lang, "Fehler", "error"),
        Warning => t(lang, "Warnung", "warning"),
        Info => t(lang, "Hinweis", "info"),
    }
}

pub fn quarter_label(year: i32, q: u8) -> String {
    format!("{year}-Q{q}")
}
