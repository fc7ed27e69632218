//! Human output, grouped by file and sheet, in the style of miette/rustc:
//! where, what was found, what was expected, and help. Colour only on a terminal.

use std::fmt::Write;

use crate::finding::{severity_word, FileReport, Severity, Skipped};
use crate::i18n::{t, Lang};

pub struct Style {
    pub color: bool,
    pub show_infos: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

fn sev_color(s: Severity) -> &'static str {
    match s {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
        Severity::Info => "1;36",
    }
}

fn sev_mark(s: Severity) -> &'static str {
    match s {
        Severity::Error => "×",
        Severity::Warning => "⚠",
        Severity::Info => "ℹ",
    }
}

/// Text from a file never reaches the terminal raw: control characters (an
/// escape sequence could hide lines or fake a verdict) are shown as `\u{..}`.
pub fn safe(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

pub fn render_file(out: &mut String, r: &FileReport, lang: Lang, style: &Style) {
    let facts = match (&r.provider, r.year, r.quarter) {
        (Some(p), Some(y), Some(q)) => {
            format!(" — {} {p}, {y}-Q{q}", t(lang, "Träger", "provider"))
        }
        (Some(p), _, _) => format!(" — {} {p}", t(lang, "Träger", "provider")),
        _ => String::new(),
    };
    let _ = writeln!(out, "{}{}", style.paint("1", &safe(&r.path)), safe(&facts));
    // The sheets in the order the check met them (the workbook's order).
    let mut sheets: Vec<String> = Vec::new();
    for s in r.findings.iter().filter_map(|f| f.sheet.as_deref()) {
        if !sheets.iter().any(|x| x == s) {
            sheets.push(s.to_string());
        }
    }
    let mut current: Option<(Severity, Option<&str>)> = None;
    let mut hidden_infos = 0;
    for line in super::digest::lines(&r.findings, &sheets, lang) {
        if line.severity == Severity::Info && !style.show_infos {
            hidden_infos += line.findings.len();
            continue;
        }
        if current != Some((line.severity, line.sheet)) {
            current = Some((line.severity, line.sheet));
            let heading = line
                .sheet
                .map(str::to_string)
                .unwrap_or_else(|| t(lang, "Datei", "file").to_string());
            let _ = writeln!(out, "  {}", style.paint("4", &safe(&heading)));
        }
        render_line(out, &line, lang, style);
    }
    let s = &r.summary;
    use crate::finding::count;
    use crate::finding::Severity;
    let mut line = format!(
        "  {}, {}, {}",
        count(lang, s.errors, Severity::Error),
        count(lang, s.warnings, Severity::Warning),
        count(lang, s.infos, Severity::Info),
    );
    if hidden_infos > 0 {
        line.push_str(t(lang, " (Hinweise zeigt --all)", " (--all shows infos)"));
    }
    let verdict = if s.errors > 0 {
        style.paint("1;31", t(lang, "nicht annehmbar", "not acceptable"))
    } else {
        style.paint("1;32", t(lang, "in Ordnung", "ok"))
    };
    let _ = writeln!(out, "  → {verdict}: {}\n", line.trim_start());
}

fn render_line(out: &mut String, f: &super::digest::Line, lang: Lang, style: &Style) {
    let place = match (f.sheet, &f.place) {
        (Some(s), Some(c)) => format!("{}!{c}", quote_sheet(s)),
        (Some(s), None) => s.to_string(),
        _ => String::new(),
    };
    let column = f.column.map(|c| format!(" ({c})")).unwrap_or_default();
    let head = format!(
        "{} {}",
        sev_mark(f.severity),
        severity_word(lang, f.severity)
    );
    let _ = writeln!(
        out,
        "    {} {}{}  [{} {}]",
        style.paint(sev_color(f.severity), &head),
        style.paint("1", &safe(&place)),
        safe(&column),
        f.findings
            .first()
            .map(|x| x.rule.as_str())
            .unwrap_or_default(),
        f.code
    );
    let _ = writeln!(out, "      {}", safe(&f.message));
    if let Some(h) = &f.hint {
        let _ = writeln!(
            out,
            "      {} {}",
            style.paint("36", t(lang, "Hilfe:", "help:")),
            safe(h)
        );
    }
}

/// A sheet name as Excel writes it in a reference: quoted when it has blanks or signs.
pub fn quote_sheet(name: &str) -> String {
    if name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', "''"))
    }
}

/// The skipped files as the terminal shows them, one line each.
pub fn skipped_lines(skipped: &[Skipped], lang: Lang) -> String {
    let mut s = String::new();
    for k in skipped {
        s.push_str(&format!(
            "{} {} ({})\n",
            t(lang, "Übersprungen:", "Skipped:"),
            safe(&k.path),
            safe(&k.reason)
        ));
    }
    s
}

#[cfg(test)]
mod safety_tests {
    use super::safe;

    #[test]
    fn control_characters_never_reach_the_terminal() {
        assert_eq!(safe("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(safe("Zeile\nzwei"), "Zeile\\u{a}zwei");
        assert_eq!(safe("Oyten/Ottersberg"), "Oyten/Ottersberg");
    }
}
