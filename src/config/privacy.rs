//! The privacy rule's patterns, compiled once when the configuration loads.
//! A pattern that does not compile is a configuration error: the rule is
//! never silently switched off.

use std::collections::HashSet;

use regex::Regex;

/// Common first names (German, Turkish, Arabic, Polish, Russian); see the
/// header of the file for where the list comes from.
/// A public list (see its header for source and licence) and the project's supplement.
const FIRST_NAMES: [&str; 2] = [
    include_str!("../../schemas/first_names_nam_dict.txt"),
    include_str!("../../schemas/first_names.txt"),
];

/// The compiled patterns and word lists `rules::privacy` looks for.
#[derive(Debug, Clone)]
pub struct PrivacyPatterns {
    /// `geb.`, `geboren`, `Geburtsdatum` …
    pub birth_word: Regex,
    /// A full date `dd.mm.yy(yy)` inside a text.
    pub full_date: Regex,
    /// `Name:`, `Vorname:` …
    pub name_label: Regex,
    /// The configuration's own patterns (`[privacy] patterns`).
    pub extra: Vec<Regex>,
    first_names: HashSet<&'static str>,
}

/// Which pattern failed: a built-in one, or the configured one at this index.
#[derive(Debug)]
pub enum PatternError {
    BuiltIn(regex::Error),
    Configured(usize, regex::Error),
}

impl PrivacyPatterns {
    pub fn compile(extra: &[String]) -> Result<PrivacyPatterns, PatternError> {
        let built_in = |s: &str| Regex::new(s).map_err(PatternError::BuiltIn);
        let extra = extra
            .iter()
            .enumerate()
            .map(|(i, p)| Regex::new(p).map_err(|e| PatternError::Configured(i, e)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PrivacyPatterns {
            birth_word: built_in(r"(?i)\b(geb\.|geboren|geburtsdatum|geb\.-datum|geburtstag)")?,
            full_date: built_in(r"\b(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})\b")?,
            name_label: built_in(r"(?i)\b(name|vorname|nachname)\s*:")?,
            extra,
            first_names: first_names(),
        })
    }

    /// Whether a word, exactly as written (`Sabine`, `Anna-Lena`), is a common first name.
    pub fn is_first_name(&self, word: &str) -> bool {
        !word.is_empty() && word.split('-').all(|part| self.first_names.contains(part))
    }
}

fn first_names() -> HashSet<&'static str> {
    FIRST_NAMES
        .iter()
        .flat_map(|f| f.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .flat_map(|l| l.split(',').map(str::trim).filter(|n| !n.is_empty()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_list_is_read_and_a_bad_pattern_is_an_error() {
        let p = PrivacyPatterns::compile(&[]).unwrap();
        for name in [
            "Sabine",
            "Lea",
            "Mehmet",
            "Fatima",
            "Katarzyna",
            "Dmitri",
            "Anna-Lena",
        ] {
            assert!(p.is_first_name(name), "{name}");
        }
        for word in ["Mutter", "Hilfeplan", "sabine", "", "Sabine-"] {
            assert!(!p.is_first_name(word), "{word}");
        }
        assert!(first_names().len() >= 300, "{}", first_names().len());
        assert!(matches!(
            PrivacyPatterns::compile(&["ok".into(), "(unclosed".into()]),
            Err(PatternError::Configured(1, _))
        ));
    }
}
