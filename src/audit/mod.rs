//! The audit: what was spent against what was planned, per Sozialraum and
//! category, with the budget pro rata to the quarters reported, a projection
//! to the year's end, a status by the thresholds of `[audit]`, Fallarbeit and
//! Milieuarbeit also taken together (they may cover each other), and the
//! case-level view: cost per case, outliers, rates other than the contracted
//! one, jumps from one quarter to the next.
//!
//! Everything here is a pure function of a [`Ledger`] (the spending, from a
//! consolidation or a district workbook) and a [`budget::BudgetPlan`].
//! Money stays `Decimal` throughout; it is rounded to the cent only where a
//! figure is shown (the pro-rata budget and the projection are shown figures).

pub mod budget;
pub mod checks;
pub mod district;
pub mod figures;
mod ledger;
mod lines;
pub mod workbook;

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::Serialize;

use crate::coerce::number::format_json;
use crate::config::{AuditSettings, Config};
use crate::consolidate::workbook::SourceLine;
use crate::finding::{Finding, Severity};
use budget::BudgetPlan;
use checks::{budget_findings, unassigned_findings};
use figures::{case_figures, jump_findings, outliers, rate_findings, spend_series};
pub use figures::{CaseFigure, HelpStats, Scope, SpendSeries};
pub use ledger::{ledger_from_consolidation, Entry, Ledger, Origin};
use lines::budget_lines;
pub use lines::{
    deviation_pct, pro_rata, projection, show_pct, status, status_label, BudgetStatus, Direction,
    Line, PAIR, PAIR_CATEGORY,
};

/// The audited period: one year and the quarters reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub year: i32,
    pub quarters: Vec<u8>,
}

impl Period {
    pub fn contains(&self, year: i32, quarter: u8) -> bool {
        year == self.year && self.quarters.contains(&quarter)
    }
    /// `2026, Q1–Q3` / `2026, Q1, Q3`.
    pub fn label(&self) -> String {
        let qs = &self.quarters;
        let contiguous = qs.windows(2).all(|w| matches!(w, [a, b] if *b == *a + 1));
        match (qs.first(), qs.last()) {
            (Some(a), Some(b)) if a == b => format!("{}-Q{a}", self.year),
            (Some(a), Some(b)) if contiguous => format!("{}, Q{a}–Q{b}", self.year),
            _ => format!(
                "{}, {}",
                self.year,
                qs.iter()
                    .map(|q| format!("Q{q}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// The files an audit read: how many, how many carry errors or warnings, and
/// their findings counted together. Files outside the period and missing
/// submissions are not inputs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct InputSummary {
    pub files: usize,
    pub with_errors: usize,
    pub with_warnings: usize,
    pub errors: usize,
    pub warnings: usize,
}

impl InputSummary {
    /// The inputs among `sources` that report a quarter of `period` (or none that could be read).
    pub fn of(sources: &[SourceLine], period: &Period) -> InputSummary {
        let mut s = InputSummary::default();
        let in_period = |l: &&SourceLine| match (l.year, l.quarter) {
            (Some(y), Some(q)) => period.contains(y, q),
            _ => true,
        };
        for l in sources.iter().filter(|l| l.is_input()).filter(in_period) {
            s.files += 1;
            s.with_errors += usize::from(l.errors > 0);
            s.with_warnings += usize::from(l.warnings > 0);
            s.errors += l.errors;
            s.warnings += l.warnings;
        }
        s
    }
}

/// The audit's result.
#[derive(Debug, Clone)]
pub struct Audit {
    pub period: Period,
    pub settings: AuditSettings,
    /// The categories in configuration order (without the pair).
    pub categories: Vec<String>,
    /// Grouped by category (each: the Sozialräume, then the county), the pair last.
    pub lines: Vec<Line>,
    pub figures: Vec<CaseFigure>,
    pub help_stats: Vec<HelpStats>,
    pub series: Vec<SpendSeries>,
    /// Plan findings, then the data's findings, then the audit's own.
    pub findings: Vec<Finding>,
    /// The files read, for the `Quellen` sheet.
    pub sources: Vec<SourceLine>,
    pub inputs: InputSummary,
}

impl Audit {
    /// An error finding of the audit, or an input file with errors (as `check` would fail it).
    pub fn has_errors(&self) -> bool {
        self.inputs.with_errors > 0 || self.findings.iter().any(|f| f.severity == Severity::Error)
    }
    pub fn county(&self, category: &str) -> Option<&Line> {
        self.lines
            .iter()
            .find(|l| l.sozialraum.is_none() && l.category == category)
    }
    pub fn line(&self, sozialraum: &str, category: &str) -> Option<&Line> {
        self.lines
            .iter()
            .find(|l| l.sozialraum.as_deref() == Some(sozialraum) && l.category == category)
    }
}

/// Sozialraum names in report order: the year's cut, county-wide, then any other name.
fn area_order(cfg: &Config, year: i32, plan: &BudgetPlan, entries: &[&Entry]) -> Vec<String> {
    let mut order: Vec<String> = cfg
        .sozialraum_names(Some(year))
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut others: BTreeSet<String> = plan
        .lines
        .iter()
        .filter(|l| l.year == year)
        .map(|l| l.sozialraum.clone())
        .collect();
    others.extend(entries.iter().filter_map(|e| e.sozialraum.clone()));
    if others.remove(&cfg.county_wide.name) {
        order.push(cfg.county_wide.name.clone());
    }
    for o in others {
        if !order.contains(&o) {
            order.push(o);
        }
    }
    order
}

/// Runs the audit. `plan` should be checked with `require_year` first.
pub fn audit(ledger: &Ledger, plan: &BudgetPlan, cfg: &Config, period: &Period) -> Audit {
    let s = cfg.audit.clone();
    let categories = budget::categories(cfg);
    let entries: Vec<&Entry> = ledger
        .entries
        .iter()
        .filter(|e| period.contains(e.year, e.quarter))
        .collect();
    let areas = area_order(cfg, period.year, plan, &entries);
    let configured: BTreeSet<String> = cfg
        .sozialraum_names(Some(period.year))
        .iter()
        .map(|s| s.to_string())
        .collect();

    let mut actual: BTreeMap<(Option<String>, String), (Decimal, usize)> = BTreeMap::new();
    for e in &entries {
        let a = actual
            .entry((e.sozialraum.clone(), e.category.clone()))
            .or_default();
        a.0 += e.cost.unwrap_or_default();
        a.1 += 1;
    }

    let lines = budget_lines(plan, period, &categories, &areas, &configured, &actual, &s);

    let mut findings: Vec<Finding> = plan.findings.clone();
    findings.extend(ledger.findings.iter().cloned());
    budget_findings(&lines, plan, period, &s, &mut findings);
    unassigned_findings(&actual, &categories, &mut findings);
    rate_findings(&entries, cfg, &mut findings);
    let help_stats = outliers(&entries, cfg, &s, &mut findings);
    let series = spend_series(&entries, &areas, &categories, period);
    jump_findings(&series, period, &s, &mut findings);
    let figures = case_figures(&entries, &areas);
    Audit {
        period: period.clone(),
        settings: s,
        categories,
        lines,
        figures,
        help_stats,
        series,
        findings,
        sources: ledger.sources.clone(),
        inputs: InputSummary::of(&ledger.sources, period),
    }
}

// ---------------------------------------------------------------- JSON

#[derive(Serialize)]
struct JsonRow<'a> {
    sozialraum: Option<&'a str>,
    category: &'a str,
    budget: String,
    budget_pro_rata: String,
    actual: String,
    deviation: String,
    deviation_pct: Option<String>,
    projection: String,
    status: BudgetStatus,
    direction: Option<Direction>,
}

#[derive(Serialize)]
struct JsonDoc<'a, J: Serialize> {
    year: i32,
    quarters: &'a [u8],
    inputs: InputSummary,
    rows: Vec<JsonRow<'a>>,
    findings: Vec<J>,
    skipped: &'a [crate::finding::Skipped],
}

/// The `audit --format json` document of `rules.md`; `findings` are the
/// audit's findings as the renderer shows them (`render::json::findings`).
pub fn json_document<J: Serialize>(
    a: &Audit,
    findings: Vec<J>,
    skipped: &[crate::finding::Skipped],
) -> String {
    let doc = JsonDoc {
        year: a.period.year,
        quarters: &a.period.quarters,
        inputs: a.inputs,
        rows: a
            .lines
            .iter()
            .map(|l| JsonRow {
                sozialraum: l.sozialraum.as_deref(),
                category: &l.category,
                budget: format_json(l.budget),
                budget_pro_rata: format_json(l.pro_rata),
                actual: format_json(l.actual),
                deviation: format_json(l.deviation),
                deviation_pct: l.deviation_pct.map(|p| format!("{p:.2}")),
                projection: format_json(l.projection),
                status: l.status,
                direction: l.direction(),
            })
            .collect(),
        findings,
        skipped,
    };
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}
