//! The audit on the terminal: the plan/actual table with each status in its
//! colour, the inputs, the findings. Colour only on a terminal.

use crate::audit::{self, Audit, BudgetStatus};
use crate::config::Config;
use crate::consolidate::workbook::category_label;
use crate::finding::severity_word;
use crate::finding::Skipped;
use crate::i18n::{t, Lang};

fn paint(color: bool, code: &str, s: &str) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

fn money(d: rust_decimal::Decimal, lang: Lang) -> String {
    crate::coerce::show_money(d, lang)
}

/// The audit for the terminal: the plan/actual table by category, the
/// inputs, the findings, the skipped files and the workbook written.
pub fn human(
    a: &Audit,
    cfg: &Config,
    lang: Lang,
    color: bool,
    skipped: &[Skipped],
    written: Option<&str>,
) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let n = a.period.quarters.len();
    let _ = writeln!(
        s,
        "{} {} {} ({} {n}/4)\n",
        paint(color, "1", t(lang, "Controlling", "Controlling")),
        cfg.district.name,
        a.period.label(),
        t(lang, "Budget anteilig", "pro-rata budget"),
    );
    let _ = writeln!(
        s,
        "{:<24} {:<24} {:>16} {:>16} {:>9}  Status",
        t(lang, "Kategorie", "Category"),
        "Sozialraum",
        t(lang, "Budget anteilig", "Pro-rata budget"),
        t(lang, "Ist", "Actual"),
        t(lang, "Abw. %", "Dev. %"),
    );
    let mut last_cat = "";
    for l in &a.lines {
        if !last_cat.is_empty() && last_cat != l.category {
            let _ = writeln!(s);
        }
        last_cat = &l.category;
        let area = l
            .sozialraum
            .clone()
            .unwrap_or_else(|| t(lang, "Landkreis gesamt", "County total").to_string());
        let pct = l
            .deviation_pct
            .map(|p| audit::show_pct(p, lang))
            .unwrap_or_else(|| "–".into());
        let category = if l.category == audit::PAIR_CATEGORY {
            l.category.clone()
        } else {
            category_label(lang, &l.category)
        };
        let code = status_color(l.status, l.direction());
        let mut status = l.status_label(lang);
        if let Some(p) = &l.covered_by {
            status.push_str(&format!(
                " ({} {p})",
                t(lang, "gedeckt durch", "covered by")
            ));
        }
        let row = format!(
            "{:<24} {:<24} {:>16} {:>16} {:>9}  ",
            truncate(&category, 24),
            truncate(&area, 24),
            money(l.pro_rata, lang),
            money(l.actual, lang),
            pct
        );
        let row = if l.sozialraum.is_none() {
            paint(color, "1", &row)
        } else {
            row
        };
        let _ = writeln!(s, "{row}{}", paint(color, code, &status));
    }
    let errors = a
        .findings
        .iter()
        .filter(|f| f.severity == crate::finding::Severity::Error)
        .count();
    let warnings = a
        .findings
        .iter()
        .filter(|f| f.severity == crate::finding::Severity::Warning)
        .count();
    let infos = a.findings.len() - errors - warnings;
    s.push_str(&inputs_summary(a, lang, color));
    let _ = writeln!(
        s,
        "\n{} {}, {}, {}",
        t(lang, "Befunde:", "Findings:"),
        crate::finding::count(lang, errors, crate::finding::Severity::Error),
        crate::finding::count(lang, warnings, crate::finding::Severity::Warning),
        crate::finding::count(lang, infos, crate::finding::Severity::Info)
    );
    for f in &a.findings {
        let code = match f.severity {
            crate::finding::Severity::Error => "1;31",
            crate::finding::Severity::Warning => "1;33",
            crate::finding::Severity::Info => "1;36",
        };
        let place = match (&f.path, &f.sheet, &f.a1()) {
            (Some(p), Some(sh), Some(c)) => {
                format!("{p} {}!{c}: ", super::terminal::quote_sheet(sh))
            }
            (Some(p), _, _) => format!("{p}: "),
            _ => String::new(),
        };
        let _ = writeln!(
            s,
            "  {} [{}] {place}{}",
            paint(color, code, severity_word(lang, f.severity)),
            f.code,
            crate::registry::message(f, lang)
        );
    }
    s.push_str(&super::terminal::skipped_lines(skipped, lang));
    if let Some(p) = written {
        let _ = writeln!(s, "\n{} {p}", t(lang, "Geschrieben:", "Written:"));
    }
    s
}

/// ANSI colours of a status: green ok; orange and red over, blue and bold blue under.
fn status_color(status: BudgetStatus, direction: Option<audit::Direction>) -> &'static str {
    use audit::Direction::{Over, Under};
    match (status, direction) {
        (BudgetStatus::Ok, _) => "32",
        (BudgetStatus::Warning, Some(Under)) => "36",
        (BudgetStatus::Alert, Some(Under)) => "1;34",
        (BudgetStatus::Warning, Some(Over) | None) => "38;5;208",
        (BudgetStatus::Alert, Some(Over) | None) => "1;31",
    }
}

/// How many input files carry errors and warnings, and which: the audit's
/// figures are only as good as its inputs.
fn inputs_summary(a: &Audit, lang: Lang, color: bool) -> String {
    use std::fmt::Write;
    let i = &a.inputs;
    let mut s = String::new();
    let line = match lang {
        Lang::De => format!(
            "Eingaben: {} Dateien, {} mit Fehlern ({} Fehler), {} mit Warnungen ({} Warnungen)",
            i.files, i.with_errors, i.errors, i.with_warnings, i.warnings
        ),
        Lang::En => format!(
            "Inputs: {} files, {} with errors ({} errors), {} with warnings ({} warnings)",
            i.files, i.with_errors, i.errors, i.with_warnings, i.warnings
        ),
    };
    let code = if i.with_errors > 0 {
        "1;31"
    } else if i.with_warnings > 0 {
        "1;33"
    } else {
        "32"
    };
    let _ = writeln!(s, "\n{}", paint(color, code, &line));
    for l in a
        .sources
        .iter()
        .filter(|l| l.is_input() && (l.errors > 0 || l.warnings > 0))
    {
        let _ = writeln!(
            s,
            "  {}: {} {}, {} {}",
            l.path,
            l.errors,
            t(lang, "Fehler", "errors"),
            l.warnings,
            t(lang, "Warnungen", "warnings")
        );
    }
    if i.with_errors > 0 {
        let _ = writeln!(
            s,
            "  {}",
            t(
                lang,
                "Die Zahlen enthalten Meldungen mit Fehlern; `sozialraum check DATEI` zeigt jede Zelle.",
                "The figures include submissions with errors; `sozialraum check FILE` shows every cell."
            )
        );
    }
    s
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// The `audit --format json` document of `rules.md`, findings in `lang`.
pub fn json(a: &crate::audit::Audit, skipped: &[crate::finding::Skipped], lang: Lang) -> String {
    crate::audit::json_document(a, super::json::findings(&a.findings, lang), skipped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_status_has_its_own_terminal_colour() {
        let codes: BTreeSet<&str> = crate::audit::workbook::STATUSES
            .iter()
            .map(|(s, d)| status_color(*s, *d))
            .collect();
        assert_eq!(codes.len(), crate::audit::workbook::STATUSES.len());
    }
}
