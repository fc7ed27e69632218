//! Text normalisation: how labels, headers and enum values are compared.

/// Replaces the blanks Excel users produce (NBSP, narrow NBSP, tabs) by a plain
/// space, collapses runs of blanks and trims.
pub fn clean(s: &str) -> String {
    if is_clean(s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut blank = false;
    for c in s.chars() {
        let c = match c {
            '\u{a0}' | '\u{202f}' | '\u{2007}' | '\t' | '\r' | '\n' => ' ',
            '\u{200b}' | '\u{feff}' => continue,
            c => c,
        };
        if c == ' ' {
            blank = true;
        } else {
            if blank && !out.is_empty() {
                out.push(' ');
            }
            blank = false;
            out.push(c);
        }
    }
    out
}

/// Whether `clean` would return the text unchanged (the common case, checked
/// without allocating).
pub fn is_clean(s: &str) -> bool {
    let b = s.as_bytes();
    if b.first() == Some(&b' ') || b.last() == Some(&b' ') {
        return false;
    }
    let mut prev_blank = false;
    for &c in b {
        match c {
            b'\t' | b'\r' | b'\n' => return false,
            // Any non-ASCII byte may start NBSP, a zero-width space or a BOM: take the slow path.
            0x80..=0xFF if !s.is_ascii() => {
                return s.chars().all(|c| {
                    !matches!(
                        c,
                        '\u{a0}' | '\u{202f}' | '\u{2007}' | '\u{200b}' | '\u{feff}'
                    )
                }) && !s.contains("  ")
            }
            b' ' if prev_blank => return false,
            _ => {}
        }
        prev_blank = c == b' ';
    }
    true
}

/// True when the text holds nothing but blanks (as `clean` counts them).
#[inline]
pub fn is_blank(s: &str) -> bool {
    // The common case first: a text that starts with a visible ASCII character.
    if s.as_bytes().first().is_some_and(u8::is_ascii_graphic) {
        return false;
    }
    s.chars().all(|c| {
        c.is_whitespace()
            || matches!(
                c,
                '\u{a0}' | '\u{202f}' | '\u{2007}' | '\u{200b}' | '\u{feff}'
            )
    })
}

/// The key two enum values are compared by: case, blanks (also around `/`),
/// non-breaking spaces and umlaut spellings (`ö`/`oe`, `ß`/`ss`) do not matter.
pub fn match_key(s: &str) -> String {
    if s.is_ascii() {
        return s
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .map(|b| b.to_ascii_lowercase() as char)
            .collect();
    }
    let mut out = String::with_capacity(s.len());
    for c in clean(s).chars() {
        match c {
            ' ' => {}
            'ä' | 'Ä' => out.push_str("ae"),
            'ö' | 'Ö' => out.push_str("oe"),
            'ü' | 'Ü' => out.push_str("ue"),
            'ß' | 'ẞ' => out.push_str("ss"),
            '–' | '—' | '‐' | '‑' => out.push('-'),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The key headers, labels and sheet names are compared by: like `match_key`,
/// and a word broken with a hyphen at a line break (`Fach-\nleistungs-\nstunden`)
/// is joined; currency signs, brackets and a trailing colon do not matter.
pub fn header_key(s: &str) -> String {
    let joined = s
        .replace("-\r\n", "")
        .replace("-\n", "")
        .replace("\u{ad}", "");
    let stripped: String = joined
        .chars()
        .filter(|c| !matches!(c, '€' | '(' | ')' | '[' | ']' | '*'))
        .collect();
    let k = match_key(&stripped);
    k.trim_end_matches(':').to_string()
}

/// A help type without the law's name after it: `§ 31 SGB VIII` → `§ 31`,
/// `§ 27 Abs. 2 SGB 8` → `§ 27 Abs. 2`. `None` when no law name ends the text.
pub fn strip_law_name(s: &str) -> Option<&str> {
    let t = s.trim_end_matches(|c: char| c.is_whitespace() || c == '.' || c == ',');
    let lower = t.to_ascii_lowercase();
    for law in ["sgb viii", "sgbviii", "sgb 8", "sgb8", "sgb-viii"] {
        if let Some(head) = lower.strip_suffix(law) {
            let head = t.get(..head.len())?;
            let head = head.trim_end_matches(|c: char| c.is_whitespace() || c == ',');
            if head.chars().any(|c| c.is_ascii_digit()) {
                return Some(head);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_across_case_blanks_and_line_breaks() {
        assert_eq!(
            header_key("Fach-\nleistungs-\nstunden"),
            header_key("Fachleistungsstunden")
        );
        assert_eq!(header_key("  FALL-ID "), header_key("Fall-ID"));
        assert_eq!(
            header_key("Abweichende\nZuständigkeit"),
            header_key("Abweichende Zuständigkeit")
        );
        assert_eq!(header_key("Kosten (€)"), header_key("Kosten"));
        assert_eq!(header_key("Träger-Nr.:"), header_key("Träger-Nr."));
    }

    #[test]
    fn enum_values_match_across_spelling_variants() {
        assert_eq!(
            match_key("Oyten / Ottersberg"),
            match_key("Oyten/Ottersberg")
        );
        assert_eq!(
            match_key("oyten\u{a0}/ottersberg "),
            match_key("Oyten/Ottersberg")
        );
        assert_eq!(
            match_key("Doerverden/Kirchlinteln"),
            match_key("Dörverden/Kirchlinteln")
        );
        assert_ne!(match_key("Achm"), match_key("Achim"));
    }

    #[test]
    fn law_names_after_help_types() {
        for (text, want) in [
            ("§ 31 SGB VIII", Some("§ 31")),
            ("§ 27 Abs. 2 SGB VIII", Some("§ 27 Abs. 2")),
            ("§35a SGBVIII", Some("§35a")),
            ("§ 30 SGB 8.", Some("§ 30")),
            ("§ 31", None),
            ("SGB VIII", None),
            ("§ 31 SGB XII", None),
        ] {
            assert_eq!(strip_law_name(text), want, "{text}");
        }
    }

    #[test]
    fn clean_collapses_blanks() {
        assert_eq!(clean("  a \u{a0}\n b  "), "a b");
    }
}
