//! Personal data (Sozialdaten) where only pseudonyms belong. The suspect value
//! is never repeated: findings of rule `privacy` carry no value.

use chrono::Datelike;
use regex::Regex;
use std::sync::OnceLock;

use crate::coerce::date;
use crate::i18n::{t, Lang};

fn patterns() -> &'static [Regex; 4] {
    static P: OnceLock<[Regex; 4]> = OnceLock::new();
    P.get_or_init(|| {
        let r = |s: &str| {
            Regex::new(s).unwrap_or_else(|_| Regex::new("$^").unwrap_or_else(|_| unreachable!()))
        };
        [
            r(r"(?i)\b(geb\.|geboren|geburtsdatum|geb\.-datum|geburtstag)"),
            r(r"\b(Herr|Frau|Hr\.|Fr\.|Familie|Fam\.|Kind|Mutter|Vater)\s+[A-ZÄÖÜ][a-zäöüß]+"),
            r(r"\b(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})\b"),
            r(r"(?i)\b(name|vorname|nachname)\s*:"),
        ]
    })
}

/// Why a free text looks like personal data, or `None`.
pub fn suspect_text(
    text: &str,
    report_year: Option<i32>,
    min_years: i32,
    lang: Lang,
) -> Option<&'static str> {
    let [birth_word, person, full_date, name_label] = patterns();
    if birth_word.is_match(text) {
        return Some(t(lang, "Geburtsangabe", "birth data"));
    }
    if name_label.is_match(text) {
        return Some(t(lang, "Namensangabe", "a name"));
    }
    if let Some(m) = person.find(text) {
        let follower = m.as_str().split_whitespace().nth(1).unwrap_or("");
        if !COMMON_NOUNS.contains(&follower) {
            return Some(t(lang, "vermutlich ein Name", "probably a name"));
        }
    }
    if let Some(year) = report_year {
        for caps in full_date.find_iter(text) {
            if let Some((d, _)) = date::parse_text(caps.as_str()) {
                if d.year() <= year - min_years {
                    return Some(t(
                        lang,
                        "vermutlich ein Geburtsdatum",
                        "probably a birth date",
                    ));
                }
            }
        }
    }
    None
}

/// Capitalised words that follow "Familie", "Kind" … without being a name.
const COMMON_NOUNS: [&str; 12] = [
    "Umzug",
    "Hilfe",
    "Schule",
    "Kita",
    "Jugendamt",
    "Gruppe",
    "Zuzug",
    "Wohnung",
    "Krise",
    "Beratung",
    "Bedarf",
    "Hilfeplan",
];

/// A case key field holding something that is not a key but a person's name
/// or a date.
pub fn suspect_key(
    text: &str,
    report_year: Option<i32>,
    min_years: i32,
    lang: Lang,
) -> Option<&'static str> {
    if let Some(why) = suspect_text(text, report_year, min_years, lang) {
        return Some(why);
    }
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    let digits = text.chars().filter(|c| c.is_ascii_digit()).count();
    let words = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .count();
    if digits == 0
        && letters >= 4
        && words >= 2
        && text.chars().next().is_some_and(|c| c.is_uppercase())
    {
        return Some(t(lang, "vermutlich ein Name", "probably a name"));
    }
    if date::parse_text(text).is_some() {
        return Some(t(lang, "ein Datum", "a date"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_birth_dates_are_suspect() {
        let s = |x| suspect_text(x, Some(2026), 3, Lang::De).is_some();
        assert!(s("Kind Lena, geb. 03.04.2015"));
        assert!(s("Familie Müller zieht um"));
        assert!(s("Frau Yilmaz informiert"));
        assert!(s("Treffen am 12.03.2012"));
        assert!(s("Name: K."));
        assert!(!s(
            "Umzug der Familie, bestehende Hilfebeziehung fortgeführt"
        ));
        assert!(!s("Familie Umzug nach Achim"));
        assert!(!s("Hilfeplan fortgeschrieben am 12.08.2026"));
        assert!(!s("Krisenintervention im Quartal"));
    }

    #[test]
    fn keys_holding_names_are_suspect() {
        let k = |x| suspect_key(x, Some(2026), 3, Lang::De).is_some();
        assert!(k("Max Mustermann"));
        assert!(k("Mustermann, Max"));
        assert!(k("03.04.2015"));
        assert!(!k("JA-2026-00417"));
        assert!(!k("JA-2026-417"));
    }
}
