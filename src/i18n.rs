//! The user's language and every user-facing text that is not a finding message
//! (those live with their codes in `finding::catalog`).

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operating_system_errors_are_words() {
        let e = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert_eq!(io_error(Lang::De, &e), "Datei oder Ordner nicht gefunden");
        assert_eq!(io_error(Lang::En, &e), "file or folder not found");
    }
}
