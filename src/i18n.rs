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

/// An operating-system error in words, without "(os error 2)"; `None` for a
/// kind we have no words for (the system's own message is shown then).
pub fn io_kind(lang: Lang, kind: std::io::ErrorKind) -> Option<&'static str> {
    use std::io::ErrorKind::*;
    Some(match kind {
        NotFound => t(
            lang,
            "Datei oder Ordner nicht gefunden",
            "file or folder not found",
        ),
        PermissionDenied => t(lang, "keine Berechtigung", "permission denied"),
        AlreadyExists => t(lang, "die Datei gibt es schon", "the file exists"),
        IsADirectory => t(
            lang,
            "ist ein Ordner, keine Datei",
            "is a folder, not a file",
        ),
        NotADirectory => t(lang, "ist kein Ordner", "is not a folder"),
        StorageFull => t(
            lang,
            "kein Platz mehr auf dem Datenträger",
            "no space left on the drive",
        ),
        ReadOnlyFilesystem => t(
            lang,
            "der Datenträger ist schreibgeschützt",
            "the drive is read-only",
        ),
        InvalidFilename => t(lang, "ungültiger Dateiname", "invalid file name"),
        ResourceBusy => t(
            lang,
            "die Datei ist gerade in Benutzung",
            "the file is in use",
        ),
        CrossesDevices => t(
            lang,
            "Umbenennen über Laufwerksgrenzen nicht möglich",
            "cannot rename across drives",
        ),
        _ => return None,
    })
}

/// An operating-system error in the user's language.
pub fn io_error(lang: Lang, e: &std::io::Error) -> String {
    match io_kind(lang, e.kind()) {
        Some(words) => words.to_string(),
        None => e.to_string(),
    }
}

/// `1 Fehler`, `2 Warnungen`, `1 Hinweis`: a count with its noun in the right number.
pub fn count(lang: Lang, n: usize, severity: crate::finding::Severity) -> String {
    use crate::finding::Severity::*;
    let word = match (severity, n == 1) {
        (Error, true) => t(lang, "Fehler", "error"),
        (Error, false) => t(lang, "Fehler", "errors"),
        (Warning, true) => t(lang, "Warnung", "warning"),
        (Warning, false) => t(lang, "Warnungen", "warnings"),
        (Info, true) => t(lang, "Hinweis", "info"),
        (Info, false) => t(lang, "Hinweise", "infos"),
    };
    format!("{n} {word}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    #[test]
    fn counts_take_the_right_number() {
        assert_eq!(count(Lang::De, 1, Severity::Warning), "1 Warnung");
        assert_eq!(count(Lang::De, 2, Severity::Warning), "2 Warnungen");
        assert_eq!(count(Lang::De, 1, Severity::Info), "1 Hinweis");
        assert_eq!(count(Lang::De, 0, Severity::Info), "0 Hinweise");
        assert_eq!(count(Lang::De, 1, Severity::Error), "1 Fehler");
        assert_eq!(count(Lang::En, 1, Severity::Error), "1 error");
        assert_eq!(count(Lang::En, 3, Severity::Error), "3 errors");
    }

    #[test]
    fn operating_system_errors_are_words() {
        let e = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert_eq!(io_error(Lang::De, &e), "Datei oder Ordner nicht gefunden");
        assert_eq!(io_error(Lang::En, &e), "file or folder not found");
    }
}
