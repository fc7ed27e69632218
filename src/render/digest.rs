//! What a reader sees first: findings in the order of their weight (errors,
//! warnings, infos; then sheet and row) and infos that repeat down a column
//! collapsed into one line with their range (`Stundensatz G2:G32: 31 Werte
//! aus anderer Darstellung gelesen …`). The terminal and the check report of
//! the annotated copy both show this.

use crate::finding::{CellPos, Finding, Severity};
use crate::i18n::Lang;
use crate::registry;

/// From how many findings of one code in one column infos are collapsed.
pub const COLLAPSE_FROM: usize = 3;

/// One line of a report: one finding, or several collapsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Line<'a> {
    pub severity: Severity,
    pub code: &'a str,
    pub sheet: Option<&'a str>,
    pub column: Option<&'a str>,
    /// `G5`, or `G2:G32` for collapsed findings.
    pub place: Option<String>,
    /// The first cell (for a link).
    pub first: Option<CellPos>,
    pub message: String,
    pub hint: Option<String>,
    /// The value as the reader knows it: as typed, or an amount in the
    /// language's format (`91.110,66 €`), never the JSON's `91110.66`.
    pub value: Option<String>,
    /// The findings behind the line (1 unless collapsed).
    pub findings: Vec<&'a Finding>,
}

/// The lines of one file's findings. `sheet_order` gives the workbook's sheet
/// order; findings without a sheet (the file as a whole) come first.
pub fn lines<'a>(findings: &'a [Finding], sheet_order: &[String], lang: Lang) -> Vec<Line<'a>> {
    let sheet_rank = |s: Option<&str>| match s {
        None => 0,
        Some(s) => {
            1 + sheet_order
                .iter()
                .position(|o| o == s)
                .unwrap_or(sheet_order.len())
        }
    };
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by_key(|f| {
        (
            f.severity,
            sheet_rank(f.sheet.as_deref()),
            f.sheet.clone(),
            f.cell.map(|c| (c.row, c.col)),
        )
    });
    // Collapsible groups: infos of one code in one sheet and column, with a text for many.
    let mut out: Vec<Line> = Vec::new();
    let mut taken = vec![false; sorted.len()];
    for i in 0..sorted.len() {
        if taken[i] {
            continue;
        }
        let f = sorted[i];
        let group: Vec<usize> =
            if f.severity == Severity::Info && f.cell.is_some() && f.column.is_some() {
                (i..sorted.len())
                    .filter(|j| {
                        let g = sorted[*j];
                        !taken[*j]
                            && g.severity == f.severity
                            && g.code == f.code
                            && g.sheet == f.sheet
                            && g.column == f.column
                            && g.cell.is_some_and(|c| Some(c.col) == f.cell.map(|x| x.col))
                    })
                    .collect()
            } else {
                vec![i]
            };
        let many = (group.len() >= COLLAPSE_FROM)
            .then(|| registry::many(f, group.len(), lang))
            .flatten();
        match many {
            Some(message) => {
                let members: Vec<&Finding> = group.iter().map(|j| sorted[*j]).collect();
                for j in &group {
                    taken[*j] = true;
                }
                let first = members.first().and_then(|m| m.cell);
                let last = members.last().and_then(|m| m.cell);
                let place = match (first, last) {
                    (Some(a), Some(b)) if a != b => Some(format!("{a}:{b}")),
                    (Some(a), _) => Some(a.a1()),
                    _ => None,
                };
                out.push(Line {
                    severity: f.severity,
                    code: &f.code,
                    sheet: f.sheet.as_deref(),
                    column: f.column.as_deref(),
                    place,
                    first,
                    message,
                    hint: registry::hint(f, lang),
                    value: None,
                    findings: members,
                });
            }
            None => {
                taken[i] = true;
                let (message, hint) = registry::render(f, lang);
                out.push(Line {
                    severity: f.severity,
                    code: &f.code,
                    sheet: f.sheet.as_deref(),
                    column: f.column.as_deref(),
                    place: f.a1(),
                    first: f.cell,
                    message,
                    hint,
                    value: shown_value(f, lang),
                    findings: vec![f],
                });
            }
        }
    }
    out
}

/// A finding's value as a reader knows it: the message's typed `value`
/// (an amount in the language's format) or the value as found.
pub fn shown_value(f: &Finding, lang: Lang) -> Option<String> {
    use crate::finding::arg::Arg;
    match f.arg("value") {
        Some(a @ (Arg::Money(_) | Arg::Amount(_))) => {
            let s = a.show(lang);
            Some(if matches!(a, Arg::Money(_)) {
                format!("{s} €")
            } else {
                s
            })
        }
        _ => f.value.clone(),
    }
}

/// The verdict a clerk reads first: `Nicht annehmbar: 2 Fehler, 1 Warnung –
/// bitte korrigieren` or `In Ordnung` (with the warnings, if any).
pub fn verdict(errors: usize, warnings: usize, lang: Lang) -> String {
    use crate::finding::count;
    use crate::i18n::t;
    if errors > 0 {
        let mut s = format!(
            "{}: {}",
            t(lang, "Nicht annehmbar", "Not acceptable"),
            count(lang, errors, Severity::Error)
        );
        if warnings > 0 {
            s.push_str(&format!(", {}", count(lang, warnings, Severity::Warning)));
        }
        s.push_str(t(lang, " – bitte korrigieren", " – please correct"));
        s
    } else if warnings > 0 {
        format!(
            "{}: {} – {}",
            t(lang, "In Ordnung", "Acceptable"),
            count(lang, warnings, Severity::Warning),
            t(lang, "bitte prüfen", "please check")
        )
    } else {
        t(lang, "In Ordnung", "Acceptable").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::arg::{Amount, Reading};
    use crate::finding::violation::Message;
    use crate::rules::field::{RequiredEmpty, TypeConverted};
    use rust_decimal::Decimal;

    fn converted(row: u32) -> Finding {
        TypeConverted {
            reading: Reading::NumberAsText(Amount::money(Decimal::new(6250, 2))),
        }
        .finding()
        .sheet("Fallarbeit")
        .cell(CellPos::new(row, 6))
        .column("Stundensatz")
        .value("62,50 €")
        .build()
    }

    #[test]
    fn repeated_infos_collapse_and_errors_come_first() {
        let mut fs: Vec<Finding> = (1..=31).map(converted).collect();
        fs.push(
            RequiredEmpty {}
                .finding()
                .sheet("Fallarbeit")
                .cell(CellPos::new(9, 1))
                .column("Fall-ID")
                .build(),
        );
        let lines = lines(&fs, &["Fallarbeit".into()], Lang::De);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].code, "REQUIRED-EMPTY");
        assert_eq!(lines[1].place.as_deref(), Some("G2:G32"));
        assert_eq!(lines[1].findings.len(), 31);
        assert_eq!(lines[0].value, None);
        assert_eq!(
            lines[1].message,
            "31 Werte aus anderer Darstellung gelesen, z. B. „62,50 €“ als 62,50 € (Zahl als Text)."
        );
        // Two are not a pattern yet.
        let two: Vec<Finding> = (1..=2).map(converted).collect();
        assert_eq!(super::lines(&two, &[], Lang::De).len(), 2);
    }

    #[test]
    fn the_verdict_says_what_to_do() {
        assert_eq!(
            verdict(2, 1, Lang::De),
            "Nicht annehmbar: 2 Fehler, 1 Warnung – bitte korrigieren"
        );
        assert_eq!(verdict(0, 0, Lang::De), "In Ordnung");
        assert_eq!(verdict(0, 0, Lang::En), "Acceptable");
    }

    #[test]
    fn amounts_show_as_the_reader_writes_them() {
        use crate::finding::arg::Money;
        use crate::rules::row::product::CrossCost;
        let f = CrossCost {
            value: Money(Decimal::new(9111066, 2)),
            factors: crate::finding::arg::Factors(vec![]),
            expected: Money(Decimal::ZERO),
            difference: Money(Decimal::ZERO),
        }
        .finding()
        .value("91110.66")
        .build();
        assert_eq!(shown_value(&f, Lang::De).as_deref(), Some("91.110,66 €"));
        assert_eq!(f.value.as_deref(), Some("91110.66"));
    }
}
