//! The deviation findings of the budget lines: a line off its pro-rata
//! budget (or covered by the pair), spending without a budget, spending
//! without a Sozialraum.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::budget::BudgetPlan;
use super::lines::{BudgetStatus, Line, PAIR_CATEGORY};
use super::Period;
use crate::config::AuditSettings;
use crate::finding::arg::{Arg, Money, Num, Pct, Phrase};
use crate::finding::violation::{FindingBuilder, Message};
use crate::finding::{Finding, Severity};
use crate::show::json_money as format_json;

crate::violation! {
/// Das Ist eines Sozialraums (oder des Landkreises) in einer Kategorie weicht vom anteiligen Budget
/// (Jahresbudget × gemeldete Quartale / 4) um mehr als `ok_pct` ab (`[audit]`). Bis `warning_pct` eine
/// Warnung; darüber Alarm: bei Mehrausgaben ein Fehler, bei Minderausgaben eine Warnung.
/// English: a Sozialraum's (or the county's) actual spending in a category deviates from the pro-rata
/// budget by more than `ok_pct`; up to `warning_pct` a warning, beyond that an alert (an error when
/// overspent, a warning when underspent).
DeviationBudget = "DEVIATION-BUDGET", Deviation, Warning { sozialraum: Arg, category: String, actual: Money, pct: Option<Pct>, deviation: Money, pro_rata: Money, projection: Money, budget: Money, quarters: String, status: Phrase, ok: Num, warning: Num }
    de: "{sozialraum}, {category}: Ist {actual} € gegenüber anteiligem Budget {pro_rata} € ({quarters}), Abweichung {deviation} € ({pct} %); Hochrechnung {projection} € bei {budget} € Jahresbudget.",
    en: "{sozialraum}, {category}: actual {actual} € against a pro-rata budget of {pro_rata} € ({quarters}), deviation {deviation} € ({pct} %); projected {projection} € against an annual budget of {budget} €.",
    hint_de: "Status {status}: ok bis ±{ok} %, Warnung bis ±{warning} %, darüber Alarm.",
    hint_en: "Status {status}: ok up to ±{ok} %, warning up to ±{warning} %, alert beyond.";

/// Mehrausgaben in der Fallarbeit oder der Milieuarbeit eines Sozialraums, die das Paar
/// Fallarbeit+Milieuarbeit (gegenseitig deckungsfähig) deckt: zusammen höchstens `ok_pct` über dem
/// anteiligen Budget. Ein Hinweis statt einer Warnung; die Strukturarbeit ist nicht deckungsfähig.
/// English: overspending in Fallarbeit or Milieuarbeit that the mutually coverable pair covers
/// (together at most `ok_pct` above the pro-rata budget); an info instead of a warning.
DeviationCovered = "DEVIATION-COVERED", Deviation, Info { sozialraum: Arg, category: String, pct: Option<Pct>, deviation: Money, partner: String, pair_pct: Option<Pct> }
    de: "{sozialraum}, {category}: Mehrausgabe {deviation} € ({pct} %), gedeckt durch {partner}; Fallarbeit+Milieuarbeit zusammen {pair_pct} %.",
    en: "{sozialraum}, {category}: overspending of {deviation} € ({pct} %), covered by {partner}; Fallarbeit+Milieuarbeit together {pair_pct} %.",
    hint_de: "Fallarbeit und Milieuarbeit sind gegenseitig deckungsfähig.",
    hint_en: "Fallarbeit and Milieuarbeit are mutually coverable.";

/// Ausgaben in einem Sozialraum und einer Kategorie, für die der Budgetplan kein Budget (oder 0 €) vorsieht.
/// English: spending in a Sozialraum and category for which the budget plan has no budget (or 0 €).
DeviationNoBudget = "DEVIATION-NO-BUDGET", Deviation, Error { sozialraum: Arg, category: String, actual: Money }
    de: "{sozialraum}, {category}: Ausgaben von {actual} €, aber kein Budget im Plan.",
    en: "{sozialraum}, {category}: spending of {actual} €, but no budget in the plan.",
    hint_de: "Bitte den Budgetplan ergänzen oder die Zuordnung der Ausgaben prüfen.",
    hint_en: "Complete the budget plan or check where the spending is charged.";

/// Ausgaben aus Zeilen ohne gültigen Sozialraum: sie zählen in der Kreissumme, in keinem Sozialraum.
/// English: spending from rows without a valid Sozialraum; it counts in the county total only.
DeviationUnassigned = "DEVIATION-UNASSIGNED", Deviation, Warning { category: String, actual: Money, rows: usize }
    de: "{category}: {actual} € aus {rows} Zeile(n) ohne gültigen Sozialraum zählen nur in der Kreissumme.",
    en: "{category}: {actual} € from {rows} row(s) without a valid Sozialraum count in the county total only.",
    hint_de: "Die Zeilen nennt die Prüfung der Meldungen (ENUM-UNKNOWN).",
    hint_en: "The check of the submissions lists the rows (ENUM-UNKNOWN).";
}

/// A line's Sozialraum, or the county as a whole.
pub fn area_arg(area: &Option<String>) -> Arg {
    match area {
        Some(a) => Arg::Text(a.clone()),
        None => Arg::Phrase(Phrase::CountyTotal),
    }
}

fn status_phrase(s: BudgetStatus) -> Phrase {
    match s {
        BudgetStatus::Ok => Phrase::StatusOk,
        BudgetStatus::Warning => Phrase::StatusWarning,
        BudgetStatus::Alert => Phrase::StatusAlert,
    }
}

pub(super) fn budget_findings(
    lines: &[Line],
    plan: &BudgetPlan,
    period: &Period,
    s: &AuditSettings,
    out: &mut Vec<Finding>,
) {
    for l in lines {
        let sozialraum = area_arg(&l.sozialraum);
        let category = l.category.clone();
        let pct = l.deviation_pct.map(Pct);
        let mut b: FindingBuilder = match (&l.covered_by, l.deviation_pct) {
            (Some(partner), _) => {
                let pair_pct = lines
                    .iter()
                    .find(|p| p.sozialraum == l.sozialraum && p.category == PAIR_CATEGORY)
                    .and_then(|p| p.deviation_pct)
                    .map(Pct);
                DeviationCovered {
                    sozialraum,
                    category,
                    pct,
                    deviation: Money(l.deviation),
                    partner: partner.clone(),
                    pair_pct,
                }
                .finding()
            }
            (None, None) if l.status == BudgetStatus::Alert => DeviationNoBudget {
                sozialraum,
                category,
                actual: Money(l.actual),
            }
            .finding(),
            (None, _) if l.status != BudgetStatus::Ok => {
                let severity = if l.status == BudgetStatus::Alert && l.deviation > Decimal::ZERO {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                DeviationBudget {
                    sozialraum,
                    category,
                    actual: Money(l.actual),
                    pct,
                    deviation: Money(l.deviation),
                    pro_rata: Money(l.pro_rata),
                    projection: Money(l.projection),
                    budget: Money(l.budget),
                    quarters: period.label(),
                    status: status_phrase(l.status),
                    ok: Num(s.ok_pct),
                    warning: Num(s.warning_pct),
                }
                .finding()
                .severity(severity)
            }
            _ => continue,
        };
        b = b.value(
            l.deviation_pct
                .map(|p| format!("{p:.2}"))
                .unwrap_or_else(|| format_json(l.actual)),
        );
        if let Some(cell) = &l.budget_cell {
            b = b.sheet(plan.sheet.clone()).cell(*cell).column("Budget");
        }
        if !plan.path.is_empty() {
            b = b.path(plan.path.clone());
        }
        out.push(b.build());
    }
}

pub(super) fn unassigned_findings(
    actual: &BTreeMap<(Option<String>, String), (Decimal, usize)>,
    categories: &[String],
    out: &mut Vec<Finding>,
) {
    for cat in categories {
        let Some((spent, rows)) = actual.get(&(None, cat.clone())) else {
            continue;
        };
        let m = DeviationUnassigned {
            category: cat.clone(),
            actual: Money(*spent),
            rows: *rows,
        };
        out.push(m.finding().value(format_json(*spent)).build());
    }
}
