//! The ledger: every row of spending the audit looks at, with where it came
//! from, built from a consolidation (or read back from a district workbook).

use crate::config::Role;
use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::consolidate::workbook::{source_lines, SourceLine};
use crate::consolidate::{Consolidation, Status};
use crate::finding::{Finding, Severity};
use crate::rules::table::CellData;

/// Where a row of spending came from, for findings and for the reader.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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
            let idx = |role: Role| sheet.and_then(|s| s.role(role));
            let path = c
                .sources
                .get(r.source)
                .map(|s| s.path().to_string())
                .unwrap_or_default();
            let cost_cell = r.cell(idx(Role::Cost));
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
                case_id: text_of(&r.record.values, idx(Role::CaseId)),
                help_type: text_of(&r.record.values, idx(Role::HelpType)),
                rate: dec_of(&r.record.values, idx(Role::Rate)),
                origin: Origin {
                    path: path.clone(),
                    sheet: r.sheet.clone(),
                    cost_cell,
                    rate_cell: r.cell(idx(Role::Rate)),
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
