//! The deviation findings of the budget lines: a line off its pro-rata
//! budget (or covered by the pair), spending without a budget, spending
//! without a Sozialraum.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::budget::BudgetPlan;
use super::lines::{show_pct, BudgetStatus, Line, PAIR_CATEGORY};
use super::Period;
use crate::coerce::number::format_json;
use crate::coerce::show_money;
use crate::config::AuditSettings;
use crate::finding::catalog::{Code, FindingBuilder};
use crate::finding::{Finding, Severity};
use crate::i18n::{t, Lang};

pub(super) fn area_label(area: &Option<String>, lang: Lang) -> String {
    area.clone()
        .unwrap_or_else(|| t(lang, "Landkreis gesamt", "County total").to_string())
}

pub(super) fn budget_findings(
    lines: &[Line],
    plan: &BudgetPlan,
    period: &Period,
    s: &AuditSettings,
    lang: Lang,
    out: &mut Vec<Finding>,
) {
    for l in lines {
        let area = area_label(&l.sozialraum, lang);
        let pct = l
            .deviation_pct
            .map(|p| show_pct(p, lang))
            .unwrap_or_default();
        let mut b = match (&l.covered_by, l.deviation_pct) {
            (Some(partner), _) => {
                let pair_pct = lines
                    .iter()
                    .find(|p| p.sozialraum == l.sozialraum && p.category == PAIR_CATEGORY)
                    .and_then(|p| p.deviation_pct)
                    .map(|p| show_pct(p, lang))
                    .unwrap_or_default();
                FindingBuilder::new(Code::DeviationCovered, lang)
                    .arg("deviation", show_money(l.deviation, lang))
                    .arg("partner", partner.clone())
                    .arg("pair_pct", pair_pct)
            }
            (None, None) if l.status == BudgetStatus::Alert => {
                FindingBuilder::new(Code::DeviationNoBudget, lang)
            }
            (None, _) if l.status != BudgetStatus::Ok => {
                let severity = if l.status == BudgetStatus::Alert && l.deviation > Decimal::ZERO {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                FindingBuilder::new(Code::DeviationBudget, lang)
                    .severity(severity)
                    .arg("deviation", show_money(l.deviation, lang))
                    .arg("pro_rata", show_money(l.pro_rata, lang))
                    .arg("projection", show_money(l.projection, lang))
                    .arg("budget", show_money(l.budget, lang))
                    .arg("quarters", period.label())
                    .arg("status", l.status.label(lang))
                    .arg("ok", s.ok_pct.normalize().to_string())
                    .arg("warning", s.warning_pct.normalize().to_string())
            }
            _ => continue,
        };
        b = b
            .value(
                l.deviation_pct
                    .map(|p| format!("{p:.2}"))
                    .unwrap_or_else(|| format_json(l.actual)),
            )
            .arg("sozialraum", area)
            .arg("category", l.category.clone())
            .arg("actual", show_money(l.actual, lang))
            .arg("pct", pct);
        if let Some(cell) = &l.budget_cell {
            b = b
                .sheet(plan.sheet.clone())
                .cell_a1(cell.clone())
                .column("Budget");
        }
        let mut f = b.build();
        if !plan.path.is_empty() {
            f.path = Some(plan.path.clone());
        }
        out.push(f);
    }
}

pub(super) fn unassigned_findings(
    actual: &BTreeMap<(Option<String>, String), (Decimal, usize)>,
    categories: &[String],
    lang: Lang,
    out: &mut Vec<Finding>,
) {
    for cat in categories {
        let Some((spent, rows)) = actual.get(&(None, cat.clone())) else {
            continue;
        };
        let f = FindingBuilder::new(Code::DeviationUnassigned, lang)
            .value(format_json(*spent))
            .arg("category", cat.clone())
            .arg("actual", show_money(*spent, lang))
            .arg("rows", rows.to_string())
            .build();
        out.push(f);
    }
}
