//! Personal data (Sozialdaten) where only pseudonyms belong. The suspect value
//! is never repeated: findings of rule `privacy` carry no value.

use chrono::Datelike;

use crate::coerce::date;
use crate::config::privacy::PrivacyPatterns;
use crate::finding::arg::Phrase;

crate::violation! {
/// Eine Spaltenüberschrift fragt nach personenbezogenen Daten (Name, Geburtsdatum, Anschrift …). Sozialdaten dürfen den Träger nicht verlassen (§ 35 SGB I, § 67 SGB X, §§ 61–65 SGB VIII).
/// English: a column header asks for personal data (name, birth date, address …), which must not leave the provider.
PrivacyColumn = "PRIVACY-COLUMN", Privacy, Error {  }
    de: "Die Spalte „{column}“ enthält personenbezogene Daten; sie gehört nicht in die Meldung.",
    en: "The column \"{column}\" holds personal data; it does not belong in the report.",
    hint_de: "Bitte die Spalte löschen. Die Meldung kommt mit der pseudonymen Fall-ID aus.",
    hint_en: "Delete the column. The report needs only the pseudonymous case key.";

/// Ein Wert sieht nach personenbezogenen Daten aus (ein Name, ein Geburtsdatum). Der Wert wird in Berichten nicht wiederholt.
/// English: a value looks like personal data (a name, a birth date); it is never repeated in reports.
PrivacyValue = "PRIVACY-VALUE", Privacy, Warning { reading: Phrase }
    de: "„{column}“ enthält vermutlich personenbezogene Daten ({reading}).",
    en: "\"{column}\" probably holds personal data ({reading}).",
    hint_de: "Keine Namen oder Geburtsdaten eintragen; die Fall-ID genügt.",
    hint_en: "Do not enter names or birth dates; the case key is enough.";
}

/// Forms of address: whatever capitalised word follows is a surname
/// (`Frau Yilmaz`, `Herr Dr. Kowalski`).
const TITLES: [&str; 6] = ["Herr", "Herrn", "Frau", "Hr.", "Hrn.", "Fr."];

/// Academic titles between a form of address and the name.
const ACADEMIC: [&str; 3] = ["Dr.", "Prof.", "Dipl."];

/// Relation words: a first name after them (`Kind: Lea`), or a capitalised
/// word that is no common noun (`Mutter Krüger`), is a name.
const RELATIONS: [&str; 40] = [
    "Mutter",
    "Vater",
    "Kind",
    "Sohn",
    "Tochter",
    "Oma",
    "Opa",
    "Großmutter",
    "Großvater",
    "Grossmutter",
    "Grossvater",
    "Bruder",
    "Schwester",
    "Halbbruder",
    "Halbschwester",
    "Onkel",
    "Tante",
    "Stiefvater",
    "Stiefmutter",
    "Pflegemutter",
    "Pflegevater",
    "Kindesmutter",
    "Kindesvater",
    "KM",
    "KV",
    "Familie",
    "Fam.",
    "Eltern",
    "Klient",
    "Klientin",
    "Jugendliche",
    "Jugendlicher",
    "Enkel",
    "Enkelin",
    "Partner",
    "Partnerin",
    "Lebensgefährte",
    "Lebensgefährtin",
    "Freund",
    "Freundin",
];

/// Capitalised words that follow a relation word without being a name
/// (`Familie Umzug nach Achim`, `Mutter Termin abgesagt`).
const COMMON_NOUNS: [&str; 64] = [
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
    "Termin",
    "Gespräch",
    "Kontakt",
    "Besuch",
    "Arzt",
    "Ärztin",
    "Klinik",
    "Therapie",
    "Sorgerecht",
    "Umgang",
    "Obhut",
    "Inobhutnahme",
    "Elternteil",
    "Hausbesuch",
    "Haushalt",
    "Arbeit",
    "Ausbildung",
    "Praktikum",
    "Kindergarten",
    "Hort",
    "Verein",
    "Sport",
    "Freizeit",
    "Ferien",
    "Urlaub",
    "Gericht",
    "Polizei",
    "Jobcenter",
    "Antrag",
    "Diagnose",
    "Kinderarzt",
    "Frauenhaus",
    "Absprache",
    "Rückmeldung",
    "Wohnort",
    "Landkreis",
    "Stadt",
    "Gemeinde",
    "Einrichtung",
    "Nachricht",
    "Info",
    "Anruf",
    "Absage",
    "Zusage",
    "Ende",
    "Beginn",
    "Kosten",
    "Stunden",
    "Alltag",
    "Pflege",
    "Situation",
    "Lage",
];

/// Endings of German nouns; a word ending so after a relation word is taken
/// for a noun (`Vater Sorgerecht übertragen`), not a name.
const NOUN_ENDINGS: [&str; 26] = [
    "ung",
    "heit",
    "keit",
    "schaft",
    "tion",
    "nis",
    "tät",
    "ment",
    "chen",
    "gespräch",
    "termin",
    "plan",
    "recht",
    "amt",
    "hilfe",
    "schule",
    "gruppe",
    "kurs",
    "zentrum",
    "stelle",
    "antrag",
    "bericht",
    "besuch",
    "kontakt",
    "arbeit",
    "zeit",
];

/// Why a free text looks like personal data, or `None`.
pub fn suspect_text(
    patterns: &PrivacyPatterns,
    text: &str,
    report_year: Option<i32>,
    min_years: i32,
) -> Option<Phrase> {
    if patterns.birth_word.is_match(text) {
        return Some(Phrase::BirthData);
    }
    if patterns.name_label.is_match(text) {
        return Some(Phrase::NameLabel);
    }
    if names_a_person(patterns, text) {
        return Some(Phrase::ProbablyName);
    }
    if let Some(year) = report_year {
        for caps in patterns.full_date.find_iter(text) {
            if let Some((d, _)) = date::parse_text(caps.as_str()) {
                if d.year() <= year - min_years {
                    return Some(Phrase::ProbablyBirthDate);
                }
            }
        }
    }
    if patterns.extra.iter().any(|p| p.is_match(text)) {
        return Some(Phrase::ConfigPattern);
    }
    None
}

/// A name after a form of address or a relation word (`Frau Yilmaz`,
/// `Mutter: Sabine Krüger`, `Vater Herr Kowalski`, `Kind: Lea`), or a first
/// name followed by a capitalised word (`Sabine Krüger`, `Lea K.`).
fn names_a_person(patterns: &PrivacyPatterns, text: &str) -> bool {
    let words: Vec<&str> = text
        .split(|c: char| {
            c.is_whitespace() || matches!(c, ':' | ';' | '(' | ')' | '/' | '"' | '„' | '“' | '”')
        })
        .filter(|w| !w.is_empty())
        .collect();
    for (i, word) in words.iter().enumerate() {
        let is_title = TITLES.contains(word);
        if is_title || RELATIONS.contains(word) {
            let mut addressed = is_title;
            let mut j = i + 1;
            while let Some(next) = words.get(j) {
                if TITLES.contains(next) {
                    addressed = true;
                } else if !(RELATIONS.contains(next) || ACADEMIC.contains(next)) {
                    break;
                }
                j += 1;
            }
            if let Some(next) = words.get(j) {
                let candidate = bare(next);
                if is_capitalised(candidate)
                    && (addressed
                        || patterns.is_first_name(candidate)
                        || !is_common_noun(candidate))
                {
                    return true;
                }
            }
        }
        if patterns.is_first_name(word) {
            if let Some(next) = words.get(i + 1) {
                if is_capitalised(bare(next)) || is_initial(next) {
                    return true;
                }
            }
        }
    }
    false
}

fn bare(word: &str) -> &str {
    word.trim_end_matches(['.', ',', '!', '?'])
}

/// `Krüger`, `Müller-Lüdenscheidt`, `O'Neill`: a capital, then small letters.
fn is_capitalised(word: &str) -> bool {
    let mut chars = word.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if !first.is_uppercase() || word.chars().count() < 2 {
        return false;
    }
    let mut after_hyphen = false;
    for c in chars {
        let ok = c.is_lowercase() || (after_hyphen && c.is_uppercase()) || matches!(c, '-' | '\'');
        if !ok {
            return false;
        }
        after_hyphen = c == '-';
    }
    !after_hyphen
}

/// `K.`: a surname shortened to its initial.
fn is_initial(word: &str) -> bool {
    let mut chars = word.chars();
    matches!((chars.next(), chars.next(), chars.next()), (Some(c), Some('.'), None) if c.is_uppercase())
}

fn is_common_noun(word: &str) -> bool {
    if COMMON_NOUNS.contains(&word) {
        return true;
    }
    let lower = word.to_lowercase();
    let len = lower.chars().count();
    NOUN_ENDINGS
        .iter()
        .any(|e| lower.ends_with(e) && len >= e.chars().count() + 3)
}

/// A case key field holding something that is not a key but a person's name
/// or a date.
pub fn suspect_key(
    patterns: &PrivacyPatterns,
    text: &str,
    report_year: Option<i32>,
    min_years: i32,
) -> Option<Phrase> {
    if let Some(why) = suspect_text(patterns, text, report_year, min_years) {
        return Some(why);
    }
    if patterns.is_first_name(bare(text.trim())) {
        return Some(Phrase::ProbablyName);
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
        return Some(Phrase::ProbablyName);
    }
    if date::parse_text(text).is_some() {
        return Some(Phrase::ADate);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns() -> PrivacyPatterns {
        PrivacyPatterns::compile(&[]).unwrap()
    }

    #[test]
    fn names_and_birth_dates_are_suspect() {
        let p = patterns();
        let s = |x| suspect_text(&p, x, Some(2026), 3).is_some();
        for suspect in [
            "Kind Lena, geb. 03.04.2015",
            "Familie Müller zieht um",
            "Frau Yilmaz informiert",
            "Treffen am 12.03.2012",
            "Name: K.",
            "Mutter: Sabine Krüger",
            "Mutter:Sabine",
            "Vater Herr Kowalski",
            "Kind: Lea",
            "Sabine Krüger",
            "Gespräch mit Sabine Krüger am Montag",
            "Termin mit Mehmet Yıldız",
            "Lea K. wohnt jetzt bei der Oma",
            "KM Frau Nowak",
            "KV: Dmitri",
            "Kindesmutter Katarzyna",
            "Herr Dr. Schulz",
            "Sohn Anna-Lena",
            "Oma Müller-Lüdenscheidt betreut",
            "Tochter (Fatima) in der Kita",
        ] {
            assert!(s(suspect), "{suspect}");
        }
        for fine in [
            "Umzug der Familie, bestehende Hilfebeziehung fortgeführt",
            "Familie Umzug nach Achim",
            "Hilfeplan fortgeschrieben am 12.08.2026",
            "Krisenintervention im Quartal",
            "Mutter-Kind-Gruppe im Familienzentrum",
            "Kind in Obhut genommen",
            "Vater nimmt teil",
            "Herr der Lage",
            "Mutter Termin abgesagt",
            "Vater Sorgerecht übertragen",
            "Hilfeplangespräch mit KM und KV",
            "Familie Beratung fortgesetzt",
            "Kind Schulbegleitung beantragt",
            "Sabine",
            "Die Familie ist nach Verden gezogen",
            "Netzwerk Frühe Hilfen",
        ] {
            assert!(!s(fine), "{fine}");
        }
    }

    proptest::proptest! {
        #[test]
        fn privacy_checks_never_panic(s in "\\PC{0,80}") {
            let p = patterns();
            let _ = suspect_text(&p, &s, Some(2026), 3);
            let _ = suspect_key(&p, &s, Some(2026), 3);
        }
    }

    #[test]
    fn configured_patterns_are_looked_for() {
        let p = PrivacyPatterns::compile(&[r"\bKD-\d{6}\b".into()]).unwrap();
        assert_eq!(
            suspect_text(&p, "Kundennr. KD-123456", None, 3),
            Some(Phrase::ConfigPattern)
        );
        assert_eq!(suspect_text(&p, "KD-12", None, 3), None);
    }

    #[test]
    fn keys_holding_names_are_suspect() {
        let p = patterns();
        let k = |x| suspect_key(&p, x, Some(2026), 3).is_some();
        assert!(k("Max Mustermann"));
        assert!(k("Mustermann, Max"));
        assert!(k("03.04.2015"));
        assert!(k("Lea"));
        assert!(!k("JA-2026-00417"));
        assert!(!k("JA-2026-417"));
    }
}
