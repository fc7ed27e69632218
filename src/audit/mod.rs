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
pub mod district;
pub mod workbook;

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::coerce::number::{cents, format_json};
use crate::coerce::{machine, show_money};
use crate::config::{AuditSettings, Config};
use crate::consolidate::workbook::{source_lines, SourceLine};
use crate::consolidate::{Consolidation, Status};
use crate::finding::catalog::{Code, FindingBuilder};
use crate::finding::{Finding, Severity};
use crate::i18n::{quarter_label, t, Lang};
use crate::rules::table::CellData;
use budget::BudgetPlan;

/// The categories that may cover each other, and the name of their combined line.
pub const PAIR: [&str; 2] = ["Fallarbeit", "Milieuarbeit"];
pub const PAIR_CATEGORY: &str = "Fallarbeit+Milieuarbeit";

/// Where a row of spending came from, for findings and for the reader.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Origin {
    /// The file the cells below are in (a submission, or the district workbook).
    pub path: String,
    pub sheet: String,
    pub cost_cell: Option<String>,
    pub rate_cell: Option<String>,
    /// The original submission row as the reader should see it (`T01_2026-Q3.xlsx, Fallarbeit!H7`).
    pub source: String,
}

/// One row of spending: a case, a measure or a project of one provider in one quarter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entry {
    pub provider: String,
    pub year: i32,
    pub quarter: u8,
    pub category: String,
    /// The Sozialraum the cost is charged to; `None` when the row has no valid one.
    pub sozialraum: Option<String>,
    pub cost: Option<Decimal>,
    pub hours: Option<Decimal>,
    pub case_id: Option<String>,
    /// Canonical help type (Fallarbeit only).
    pub help_type: Option<String>,
    pub rate: Option<Decimal>,
    pub origin: Origin,
}

/// The spending the audit looks at.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    pub entries: Vec<Entry>,
    /// The (year, quarter) pairs the data covers.
    pub period: Vec<(i32, u8)>,
    /// Findings that travel with the data (the consolidation's cross-file findings).
    pub findings: Vec<Finding>,
    /// The files the data came from (and the submissions that are missing).
    pub sources: Vec<SourceLine>,
}

impl Ledger {
    pub fn years(&self) -> BTreeSet<i32> {
        self.period
            .iter()
            .map(|p| p.0)
            .chain(self.entries.iter().map(|e| e.year))
            .collect()
    }
}

fn text_of(values: &[Option<CellData>], idx: Option<usize>) -> Option<String> {
    idx.and_then(|i| values.get(i))
        .and_then(|v| v.as_ref())
        .and_then(|v| v.as_text())
        .map(str::to_string)
}

fn dec_of(values: &[Option<CellData>], idx: Option<usize>) -> Option<Decimal> {
    idx.and_then(|i| values.get(i))
        .and_then(|v| v.as_ref())
        .and_then(|v| v.as_dec())
}

/// The consolidation's rows as a ledger: the same rows, amounts and charged
/// Sozialräume the consolidation's totals are built from.
pub fn ledger_from_consolidation(c: &Consolidation, cfg: &Config) -> Ledger {
    let entries = c
        .rows
        .iter()
        .map(|r| {
            let sheet = cfg
                .tables()
                .find(|t| t.category.as_deref().unwrap_or(&t.name) == r.category);
            let idx = |key: &str| sheet.and_then(|s| s.column_index(key));
            let path = c
                .sources
                .get(r.source)
                .map(|s| s.path().to_string())
                .unwrap_or_default();
            let cost_cell = r.cell(idx("cost"));
            let file = std::path::Path::new(&path)
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let at = cost_cell
                .clone()
                .unwrap_or_else(|| (r.record.row + 1).to_string());
            Entry {
                provider: r.provider.clone(),
                year: r.year,
                quarter: r.quarter,
                category: r.category.clone(),
                sozialraum: r.record.charged_to.clone(),
                cost: r.cost,
                hours: r.hours,
                case_id: text_of(&r.record.values, idx("case_id")),
                help_type: text_of(&r.record.values, idx("help_type")),
                rate: dec_of(&r.record.values, idx("rate")),
                origin: Origin {
                    path: path.clone(),
                    sheet: r.sheet.clone(),
                    cost_cell,
                    rate_cell: r.cell(idx("rate")),
                    source: format!("{file}, {}!{at}", r.sheet),
                },
            }
        })
        .collect();
    let mut findings = c.findings.clone();
    // A file that could not be included leaves a gap in the actuals: its errors say why.
    for s in c
        .sources
        .iter()
        .filter(|s| s.status == Status::Rejected && (!s.outcome.readable || s.key().is_none()))
    {
        for f in s
            .outcome
            .report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
        {
            let mut f = f.clone();
            f.path = Some(s.path().to_string());
            findings.push(f);
        }
    }
    Ledger {
        entries,
        period: c.period.clone(),
        findings,
        sources: source_lines(c),
    }
}

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BudgetStatus {
    Ok,
    Warning,
    Alert,
}

impl BudgetStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetStatus::Ok => "ok",
            BudgetStatus::Warning => "warning",
            BudgetStatus::Alert => "alert",
        }
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            BudgetStatus::Ok => "ok",
            BudgetStatus::Warning => t(lang, "Warnung", "warning"),
            BudgetStatus::Alert => t(lang, "Alarm", "alert"),
        }
    }
}

/// Which way a line that is not ok deviates from its pro-rata budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// More spent than planned (also: spending without a budget).
    Over,
    /// Less spent than planned.
    Under,
}

impl Direction {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Direction::Over => t(lang, "Überschreitung", "overspend"),
            Direction::Under => t(lang, "Unterschreitung", "underspend"),
        }
    }
}

/// The status as the reader sees it: `ok`, `Warnung: Überschreitung`,
/// `Alarm: Unterschreitung` (English: `warning: overspend`, …).
pub fn status_label(status: BudgetStatus, direction: Option<Direction>, lang: Lang) -> String {
    match direction {
        Some(d) if status != BudgetStatus::Ok => {
            format!("{}: {}", status.label(lang), d.label(lang))
        }
        _ => status.label(lang).to_string(),
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

/// The annual budget's share for `quarters` reported quarters, to the cent.
pub fn pro_rata(budget: Decimal, quarters: usize) -> Decimal {
    cents(budget * Decimal::from(quarters) / Decimal::from(4))
}

/// The actual spending extrapolated to four quarters, to the cent.
pub fn projection(actual: Decimal, quarters: usize) -> Decimal {
    if quarters == 0 {
        return Decimal::ZERO;
    }
    cents(actual * Decimal::from(4) / Decimal::from(quarters))
}

/// The deviation in percent of the pro-rata budget, two places; `None` without a budget.
pub fn deviation_pct(deviation: Decimal, pro_rata: Decimal) -> Option<Decimal> {
    if pro_rata.is_zero() {
        return None;
    }
    Some(
        (deviation * Decimal::from(100) / pro_rata)
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero),
    )
}

/// The status of a line by its (shown, rounded) percentage: what the reader
/// sees decides, so 5.00 % is ok at `ok_pct = 5`. Spending without a budget is an alert.
pub fn status(pct: Option<Decimal>, actual: Decimal, s: &AuditSettings) -> BudgetStatus {
    match pct {
        None if actual.is_zero() => BudgetStatus::Ok,
        None => BudgetStatus::Alert,
        Some(p) if p.abs() <= s.ok_pct => BudgetStatus::Ok,
        Some(p) if p.abs() <= s.warning_pct => BudgetStatus::Warning,
        Some(_) => BudgetStatus::Alert,
    }
}

/// One line of the plan/actual table.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// `None`: the county total.
    pub sozialraum: Option<String>,
    pub category: String,
    pub budget: Decimal,
    /// The plan's `Budget` cell (lines of one Sozialraum and category only).
    pub budget_cell: Option<String>,
    pub pro_rata: Decimal,
    pub actual: Decimal,
    /// Rows of spending behind `actual`.
    pub rows: usize,
    pub deviation: Decimal,
    pub deviation_pct: Option<Decimal>,
    pub projection: Decimal,
    pub status: BudgetStatus,
    /// The pair partner that covers this line's overspending.
    pub covered_by: Option<String>,
}

impl Line {
    /// Over or under the pro-rata budget; `None` while the status is ok.
    pub fn direction(&self) -> Option<Direction> {
        if self.status == BudgetStatus::Ok || self.deviation.is_zero() {
            None
        } else if self.deviation > Decimal::ZERO {
            Some(Direction::Over)
        } else {
            Some(Direction::Under)
        }
    }
    /// `Alarm: Überschreitung` and the like.
    pub fn status_label(&self, lang: Lang) -> String {
        status_label(self.status, self.direction(), lang)
    }
}

impl Line {
    /// A line from the (annual, pro-rata) budget and the (amount, rows) spent in `n` quarters.
    fn new(
        sozialraum: Option<String>,
        category: &str,
        plan: (Decimal, Decimal),
        spent: (Decimal, usize),
        n: usize,
        s: &AuditSettings,
    ) -> Line {
        let ((budget, pro_rata), (actual, rows)) = (plan, spent);
        let deviation = actual - pro_rata;
        let pct = deviation_pct(deviation, pro_rata);
        Line {
            sozialraum,
            category: category.to_string(),
            budget,
            budget_cell: None,
            pro_rata,
            actual,
            rows,
            deviation,
            deviation_pct: pct,
            projection: projection(actual, n),
            status: status(pct, actual, s),
            covered_by: None,
        }
    }
}

/// Case-level figures for one Sozialraum (or the county) and help type.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFigure {
    pub scope: Scope,
    /// `None`: rows without a valid help type.
    pub help_type: Option<String>,
    /// Distinct cases (Fall-IDs).
    pub cases: usize,
    /// Rows: one per case and quarter.
    pub rows: usize,
    pub hours: Decimal,
    pub cost: Decimal,
    pub cost_per_case: Decimal,
    pub hours_per_case: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    Sozialraum(String),
    Unassigned,
    County,
}

/// The outlier basis of one help type.
#[derive(Debug, Clone, PartialEq)]
pub struct HelpStats {
    pub help_type: String,
    pub rows: usize,
    /// Median cost per case and quarter.
    pub median: Decimal,
    /// `outlier_factor` × median.
    pub threshold: Decimal,
    pub outliers: usize,
}

/// Spending of one Sozialraum (or the county) and category per audited quarter.
#[derive(Debug, Clone, PartialEq)]
pub struct SpendSeries {
    pub sozialraum: Option<String>,
    pub category: String,
    /// One amount per quarter of the period, in order.
    pub by_quarter: Vec<Decimal>,
    /// Change to the previous quarter in percent (two places); `None` for the
    /// first quarter, after a gap or from nothing.
    pub change_pct: Vec<Option<Decimal>>,
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

/// A percentage with its sign, two places: `+4,87` / `+4.87`.
pub fn show_pct(p: Decimal, lang: Lang) -> String {
    let s = format!("{:+.2}", p);
    match lang {
        Lang::De => s.replace('.', ","),
        Lang::En => s,
    }
}

fn median(values: &mut [Decimal]) -> Decimal {
    values.sort();
    let n = values.len();
    match (values.get(n.wrapping_sub(1) / 2), values.get(n / 2)) {
        (Some(a), Some(b)) if n.is_multiple_of(2) => (*a + *b) / Decimal::from(2),
        (_, Some(b)) => *b,
        _ => Decimal::ZERO,
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
pub fn audit(
    ledger: &Ledger,
    plan: &BudgetPlan,
    cfg: &Config,
    period: &Period,
    lang: Lang,
) -> Audit {
    let s = cfg.audit.clone();
    let n = period.quarters.len();
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

    let mut lines = Vec::new();
    for cat in &categories {
        let mut county = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, 0usize);
        for area in &areas {
            let plan_line = plan.line(period.year, area, cat);
            let (spent, rows) = actual
                .get(&(Some(area.clone()), cat.clone()))
                .copied()
                .unwrap_or_default();
            if plan_line.is_none() && rows == 0 && !configured.contains(area) {
                continue;
            }
            let budget = plan_line.map(|l| l.amount).unwrap_or_default();
            let pr = pro_rata(budget, n);
            let mut line = Line::new(Some(area.clone()), cat, (budget, pr), (spent, rows), n, &s);
            line.budget_cell = plan_line.map(|l| l.cell.a1());
            county.0 += budget;
            county.1 += pr;
            lines.push(line);
        }
        for (spent, rows) in actual.iter().filter(|((_, c), _)| c == cat).map(|(_, v)| v) {
            county.2 += *spent;
            county.3 += *rows;
        }
        lines.push(Line::new(
            None,
            cat,
            (county.0, county.1),
            (county.2, county.3),
            n,
            &s,
        ));
    }
    if PAIR.iter().all(|p| categories.iter().any(|c| c == p)) {
        let pair_of = |area: &Option<String>| -> Option<Line> {
            let parts: Vec<&Line> = lines
                .iter()
                .filter(|l| l.sozialraum == *area && PAIR.contains(&l.category.as_str()))
                .collect();
            if parts.is_empty() {
                return None;
            }
            let sum = |f: fn(&Line) -> Decimal| parts.iter().map(|l| f(l)).sum::<Decimal>();
            let rows = parts.iter().map(|l| l.rows).sum();
            Some(Line::new(
                area.clone(),
                PAIR_CATEGORY,
                (sum(|l| l.budget), sum(|l| l.pro_rata)),
                (sum(|l| l.actual), rows),
                n,
                &s,
            ))
        };
        let mut pairs: Vec<Line> = areas
            .iter()
            .filter_map(|a| pair_of(&Some(a.clone())))
            .collect();
        pairs.extend(pair_of(&None));
        mark_covered(&mut lines, &pairs, &s);
        lines.extend(pairs);
    }

    let mut findings: Vec<Finding> = plan.findings.clone();
    findings.extend(ledger.findings.iter().cloned());
    budget_findings(&lines, plan, period, &s, lang, &mut findings);
    unassigned_findings(&actual, &categories, lang, &mut findings);
    rate_findings(&entries, cfg, lang, &mut findings);
    let help_stats = outliers(&entries, cfg, &s, lang, &mut findings);
    let series = spend_series(&entries, &areas, &categories, period);
    jump_findings(&series, period, &s, lang, &mut findings);
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

/// Overspending in one of the pair that the pair as a whole absorbs.
fn mark_covered(lines: &mut [Line], pairs: &[Line], s: &AuditSettings) {
    for line in lines.iter_mut() {
        if line.status == BudgetStatus::Ok
            || line.deviation <= Decimal::ZERO
            || !PAIR.contains(&line.category.as_str())
        {
            continue;
        }
        let Some(pair) = pairs.iter().find(|p| p.sozialraum == line.sozialraum) else {
            continue;
        };
        if pair.deviation_pct.is_some_and(|p| p <= s.ok_pct) {
            line.covered_by = PAIR
                .iter()
                .find(|p| **p != line.category)
                .map(|p| p.to_string());
        }
    }
}

fn area_label(area: &Option<String>, lang: Lang) -> String {
    area.clone()
        .unwrap_or_else(|| t(lang, "Landkreis gesamt", "County total").to_string())
}

fn budget_findings(
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

fn unassigned_findings(
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

fn located(b: FindingBuilder, origin: &Origin, cell: &Option<String>) -> Finding {
    let mut b = b.sheet(origin.sheet.clone());
    if let Some(c) = cell {
        b = b.cell_a1(c.clone());
    }
    let mut f = b.build();
    f.path = Some(origin.path.clone());
    f
}

fn column_title(cfg: &Config, category: &str, key: &str) -> String {
    cfg.tables()
        .find(|t| t.category.as_deref().unwrap_or(&t.name) == category)
        .and_then(|t| t.column_index(key).and_then(|i| t.columns.get(i)))
        .map(|c| c.title().to_string())
        .unwrap_or_else(|| key.to_string())
}

/// Rows billed at a rate other than the provider's contracted one.
fn rate_findings(entries: &[&Entry], cfg: &Config, lang: Lang, out: &mut Vec<Finding>) {
    for e in entries {
        let (Some(rate), Some(p)) = (e.rate, cfg.provider(&e.provider)) else {
            continue;
        };
        if rate == p.rate {
            continue;
        }
        let hours = e.hours.unwrap_or_default();
        let b = FindingBuilder::new(Code::DeviationRate, lang)
            .column(column_title(cfg, &e.category, "rate"))
            .value(machine(rate, true))
            .arg("value", show_money(rate, lang))
            .arg("expected", show_money(p.rate, lang))
            .arg("provider", e.provider.clone())
            .arg("quarter", quarter_label(e.year, e.quarter))
            .arg(
                "difference",
                show_money(cents((rate - p.rate) * hours), lang),
            )
            .arg("hours", crate::coerce::show_dec(hours, lang))
            .arg("source", e.origin.source.clone());
        out.push(located(b, &e.origin, &e.origin.rate_cell));
    }
}

/// Cases whose cost in a quarter exceeds `outlier_factor` × the median of their help type.
fn outliers(
    entries: &[&Entry],
    cfg: &Config,
    s: &AuditSettings,
    lang: Lang,
    out: &mut Vec<Finding>,
) -> Vec<HelpStats> {
    let mut by_help: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for e in entries {
        if let (Some(h), Some(_)) = (e.help_type.as_deref(), e.cost) {
            by_help.entry(h).or_default().push(e);
        }
    }
    let mut stats = Vec::new();
    for (help, rows) in by_help {
        let mut costs: Vec<Decimal> = rows.iter().filter_map(|e| e.cost).collect();
        let med = median(&mut costs);
        let threshold = s.outlier_factor * med;
        let mut count = 0;
        for e in rows
            .iter()
            .filter(|e| e.cost.is_some_and(|c| c > threshold))
        {
            count += 1;
            let cost = e.cost.unwrap_or_default();
            let b = FindingBuilder::new(Code::DeviationOutlier, lang)
                .column(column_title(cfg, &e.category, "cost"))
                .value(machine(cost, true))
                .arg("value", show_money(cost, lang))
                .arg("case", e.case_id.clone().unwrap_or_else(|| "–".into()))
                .arg("provider", e.provider.clone())
                .arg("quarter", quarter_label(e.year, e.quarter))
                .arg("help_type", help.to_string())
                .arg("factor", s.outlier_factor.normalize().to_string())
                .arg("median", show_money(med, lang))
                .arg("source", e.origin.source.clone());
            out.push(located(b, &e.origin, &e.origin.cost_cell));
        }
        stats.push(HelpStats {
            help_type: help.to_string(),
            rows: rows.len(),
            median: cents(med),
            threshold: cents(threshold),
            outliers: count,
        });
    }
    stats
}

fn spend_series(
    entries: &[&Entry],
    areas: &[String],
    categories: &[String],
    period: &Period,
) -> Vec<SpendSeries> {
    let mut spend: BTreeMap<(Option<String>, String, u8), Decimal> = BTreeMap::new();
    for e in entries {
        let cost = e.cost.unwrap_or_default();
        *spend
            .entry((e.sozialraum.clone(), e.category.clone(), e.quarter))
            .or_default() += cost;
        *spend
            .entry((None, e.category.clone(), e.quarter))
            .or_default() += cost;
    }
    let present: BTreeSet<(Option<String>, String)> =
        spend.keys().map(|k| (k.0.clone(), k.1.clone())).collect();
    let mut out = Vec::new();
    let scopes: Vec<Option<String>> = areas
        .iter()
        .cloned()
        .map(Some)
        .chain(std::iter::once(None))
        .collect();
    for cat in categories {
        for area in &scopes {
            if !present.contains(&(area.clone(), cat.clone())) {
                continue;
            }
            let by_quarter: Vec<Decimal> = period
                .quarters
                .iter()
                .map(|q| {
                    spend
                        .get(&(area.clone(), cat.clone(), *q))
                        .copied()
                        .unwrap_or_default()
                })
                .collect();
            let mut change_pct = vec![None];
            for (i, w) in period.quarters.windows(2).enumerate() {
                let consecutive = matches!(w, [a, b] if *b == *a + 1);
                let prev = by_quarter.get(i).copied().unwrap_or_default();
                let cur = by_quarter.get(i + 1).copied().unwrap_or_default();
                change_pct.push(if consecutive {
                    deviation_pct(cur - prev, prev)
                } else {
                    None
                });
            }
            out.push(SpendSeries {
                sozialraum: area.clone(),
                category: cat.clone(),
                by_quarter,
                change_pct,
            });
        }
    }
    out
}

/// A Sozialraum's spending changing by more than `jump_pct` from one quarter to the next.
fn jump_findings(
    series: &[SpendSeries],
    period: &Period,
    s: &AuditSettings,
    lang: Lang,
    out: &mut Vec<Finding>,
) {
    for sr in series.iter().filter(|sr| sr.sozialraum.is_some()) {
        for (i, change) in sr.change_pct.iter().enumerate() {
            let Some(pct) = change else { continue };
            if pct.abs() <= s.jump_pct {
                continue;
            }
            let (Some(q), Some(pq), Some(cur), Some(prev)) = (
                period.quarters.get(i),
                period.quarters.get(i.wrapping_sub(1)),
                sr.by_quarter.get(i),
                sr.by_quarter.get(i.wrapping_sub(1)),
            ) else {
                continue;
            };
            let f = FindingBuilder::new(Code::DeviationJump, lang)
                .value(format!("{pct:.2}"))
                .arg("sozialraum", area_label(&sr.sozialraum, lang))
                .arg("category", sr.category.clone())
                .arg("quarter", quarter_label(period.year, *q))
                .arg("previous_quarter", quarter_label(period.year, *pq))
                .arg("actual", show_money(*cur, lang))
                .arg("previous", show_money(*prev, lang))
                .arg("pct", show_pct(*pct, lang))
                .arg("jump", s.jump_pct.normalize().to_string())
                .build();
            out.push(f);
        }
    }
}

#[derive(Default)]
struct CaseAcc {
    cases: BTreeSet<String>,
    rows: usize,
    hours: Decimal,
    cost: Decimal,
}

impl CaseAcc {
    fn add(&mut self, e: &Entry, i: usize) {
        self.cases
            .insert(e.case_id.clone().unwrap_or_else(|| format!("\u{0}{i}")));
        self.rows += 1;
        self.hours += e.hours.unwrap_or_default();
        self.cost += e.cost.unwrap_or_default();
    }
    fn figure(self, scope: Scope, help_type: Option<String>) -> CaseFigure {
        let n = Decimal::from(self.cases.len().max(1));
        CaseFigure {
            scope,
            help_type,
            cases: self.cases.len(),
            rows: self.rows,
            hours: self.hours,
            cost: self.cost,
            cost_per_case: cents(self.cost / n),
            hours_per_case: (self.hours / n)
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero),
        }
    }
}

/// Cases, hours and cost per case for each Sozialraum and help type, then the county per help type.
fn case_figures(entries: &[&Entry], areas: &[String]) -> Vec<CaseFigure> {
    let mut acc: BTreeMap<(Scope, Option<String>), CaseAcc> = BTreeMap::new();
    for (i, e) in entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.case_id.is_some() || e.help_type.is_some())
    {
        let scope = match &e.sozialraum {
            Some(s) => Scope::Sozialraum(s.clone()),
            None => Scope::Unassigned,
        };
        acc.entry((scope, e.help_type.clone()))
            .or_default()
            .add(e, i);
        acc.entry((Scope::County, e.help_type.clone()))
            .or_default()
            .add(e, i);
    }
    let rank = |s: &Scope| match s {
        Scope::Sozialraum(name) => (
            0,
            areas.iter().position(|a| a == name).unwrap_or(usize::MAX),
        ),
        Scope::Unassigned => (1, 0),
        Scope::County => (2, 0),
    };
    let mut figures: Vec<CaseFigure> = acc
        .into_iter()
        .map(|((scope, help), a)| a.figure(scope, help))
        .collect();
    figures.sort_by(|a, b| (rank(&a.scope), &a.help_type).cmp(&(rank(&b.scope), &b.help_type)));
    figures
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
struct JsonDoc<'a> {
    year: i32,
    quarters: &'a [u8],
    inputs: InputSummary,
    rows: Vec<JsonRow<'a>>,
    findings: &'a [Finding],
    skipped: &'a [crate::finding::Skipped],
}

/// The `audit --format json` document of `rules.md`.
pub fn json_document(a: &Audit, skipped: &[crate::finding::Skipped]) -> String {
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
        findings: &a.findings,
        skipped,
    };
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}
