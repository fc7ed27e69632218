//! The district workbook: `Übersicht`, one detail sheet per category,
//! `Befunde` and `Quellen`. Totals are values, not formulas that could drift.

use crate::config::Role;
use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook, Worksheet};

use crate::config::{ChargeTo, Config, FieldType};
use crate::consolidate::{Consolidation, RowStatus, Status};
use crate::finding::Finding;
use crate::finding::Texts;
use crate::i18n::{t, Lang};
use crate::read::sniff::OwnOutput;
use crate::rules::table::CellData;
use crate::xlsx::{self, SheetNames, WriteError};

const MONEY: &str = "#,##0.00 \"€\"";
const HOURS: &str = "#,##0.00";
const DATE: &str = "dd.mm.yyyy";

pub fn category_label(lang: Lang, category: &str) -> String {
    match (lang, category) {
        (Lang::En, "Fallarbeit") => "Case work".into(),
        (Lang::En, "Milieuarbeit") => "Community work".into(),
        (Lang::En, "Strukturarbeit") => "Structural work".into(),
        _ => category.to_string(),
    }
}

fn money(d: Decimal) -> f64 {
    d.round_dp(2).to_f64().unwrap_or(0.0)
}

struct Fmt {
    header: Format,
    money: Format,
    money_bold: Format,
    hours: Format,
    date: Format,
    text: Format,
    bold: Format,
    quoted: Format,
}

fn formats() -> Fmt {
    Fmt {
        header: xlsx::header_format(),
        money: Format::new().set_num_format(MONEY),
        money_bold: Format::new().set_num_format(MONEY).set_bold(),
        hours: Format::new().set_num_format(HOURS),
        date: Format::new().set_num_format(DATE),
        text: Format::new(),
        bold: Format::new().set_bold(),
        quoted: Format::new().set_quote_prefix(),
    }
}

pub fn build(c: &Consolidation, cfg: &Config, texts: Texts) -> Result<Workbook, WriteError> {
    let lang = texts.lang;
    let mut wb = Workbook::new();
    let created = c
        .period
        .last()
        .and_then(|(y, q)| crate::rules::quarter_bounds(*y, *q))
        .map(|(_, end)| end)
        .or_else(|| chrono::NaiveDate::from_ymd_opt(2000, 1, 1))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    let title = format!(
        "{} – {}",
        cfg.district.name,
        t(lang, "Konsolidierung", "Consolidation")
    );
    wb.set_properties(&xlsx::properties(
        &title,
        created,
        OwnOutput::DistrictWorkbook,
    ));
    let f = formats();
    let mut names = SheetNames::new();
    let mut overview = overview(
        c,
        cfg,
        lang,
        &f,
        &names.reserve(t(lang, "Übersicht", "Overview")),
    )?;
    overview.set_active(true);
    wb.push_worksheet(overview);
    for cat in &c.categories {
        let name = names.reserve(&category_label(lang, cat));
        wb.push_worksheet(detail(c, cfg, lang, &f, cat, &name)?);
    }
    wb.push_worksheet(findings_sheet(
        c,
        texts,
        &names.reserve(t(lang, "Befunde", "Findings")),
    )?);
    wb.push_worksheet(sources_sheet(
        &names.reserve(t(lang, "Quellen", "Sources")),
        &c.categories,
        &source_lines(c),
        lang,
    )?);
    Ok(wb)
}

#[derive(Default, Clone)]
struct Cell3 {
    by_cat: BTreeMap<String, Decimal>,
    /// Distinct cases (Fall-IDs; a row without one counts as its own case).
    cases: BTreeSet<String>,
    /// Case-quarters: Fallarbeit rows, one per case and quarter.
    case_quarters: usize,
    hours: Decimal,
}

/// A money cell as the reader sees it (for its column's width).
pub fn money_shown(d: Decimal) -> String {
    format!("{} €", crate::coerce::show_money(d, Lang::De))
}

/// The case a Fallarbeit row belongs to: its Fall-ID, else the row itself.
fn case_key(r: &crate::consolidate::DetailRow, idx: Option<usize>, i: usize) -> String {
    idx.and_then(|k| r.record.values.get(k))
        .and_then(|v| v.as_ref())
        .and_then(|v| v.as_text())
        .map(|id| id.trim().to_string())
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| format!("\u{0}{i}"))
}

fn overview(
    c: &Consolidation,
    cfg: &Config,
    lang: Lang,
    f: &Fmt,
    name: &str,
) -> Result<Worksheet, WriteError> {
    let mut ws = Worksheet::new();
    ws.set_name(name)?;
    let cats = &c.categories;
    let fall = cats.first().cloned().unwrap_or_default();
    let milieu = cats.get(1).cloned().unwrap_or_default();
    let mut headers: Vec<String> = vec![t(lang, "Zeitraum", "Period").into(), "Sozialraum".into()];
    headers.extend(cats.iter().map(|c| category_label(lang, c)));
    headers.push(t(lang, "Fall+Milieu", "Case+Community").into());
    headers.push(t(lang, "Gesamt", "Total").into());
    headers.push(t(lang, "Fälle", "Cases").into());
    headers.push(t(lang, "Fall-Quartale", "Case-quarters").into());
    headers.push(t(lang, "Stunden", "Hours").into());
    let mut widths = xlsx::ColumnWidths::new();
    let case_idx = cfg
        .tables()
        .find(|t| t.category.as_deref().unwrap_or(&t.name) == fall)
        .and_then(|t| t.role(Role::CaseId));
    ws.write_string_with_format(
        0,
        0,
        t(
            lang,
            "Ausgaben je Sozialraum und Kategorie",
            "Spending per Sozialraum and category",
        ),
        &f.bold,
    )?;
    let mut row = 2u32;
    // Block 1: per period × Sozialraum; block 2: per period × provider.
    for (block, by_provider) in [(0, false), (1, true)] {
        if block == 1 {
            row += 2;
            ws.write_string_with_format(
                row,
                0,
                t(
                    lang,
                    "Ausgaben je Träger und Kategorie",
                    "Spending per provider and category",
                ),
                &f.bold,
            )?;
            row += 2;
        }
        for (i, h) in headers.iter().enumerate() {
            let h = if i == 1 && by_provider {
                t(lang, "Träger", "Provider").to_string()
            } else {
                h.clone()
            };
            widths.header(&mut ws, row, i as u16, &h, &f.header)?;
        }
        row += 1;
        let mut periods: Vec<Option<(i32, u8)>> = c.period.iter().map(|p| Some(*p)).collect();
        if c.period.len() > 1 {
            periods.push(None);
        }
        for p in periods {
            // Sozialräume in the configuration's order, then county-wide, then rows without a valid one.
            let year = p.map(|(y, _)| y).or(c.period.last().map(|(y, _)| *y));
            let order: Vec<String> = cfg
                .sozialraum_names(year)
                .iter()
                .map(|s| s.to_string())
                .collect();
            let rank = |label: &str| -> (usize, String) {
                if by_provider {
                    return (0, label.to_string());
                }
                match order.iter().position(|o| o == label) {
                    Some(i) => (i, String::new()),
                    None if label == cfg.county_wide.name => (order.len(), String::new()),
                    None => (order.len() + 1, label.to_string()),
                }
            };
            let mut groups: BTreeMap<(usize, String), (String, Cell3)> = BTreeMap::new();
            for (k, v) in &c.totals {
                if p.is_some_and(|(y, q)| (k.year, k.quarter) != (y, q)) {
                    continue;
                }
                let label = if by_provider {
                    k.provider.clone()
                } else {
                    k.sozialraum.clone().unwrap_or_else(|| {
                        t(lang, "(ohne gültigen Sozialraum)", "(no valid Sozialraum)").into()
                    })
                };
                let (_, g) = groups
                    .entry(rank(&label))
                    .or_insert_with(|| (label.clone(), Cell3::default()));
                *g.by_cat.entry(k.category.clone()).or_default() += v.amount;
                if k.category == fall {
                    g.case_quarters += v.rows;
                }
                g.hours += v.hours;
            }
            for (i, r) in c
                .rows
                .iter()
                .enumerate()
                .filter(|(_, r)| r.category == fall)
            {
                if p.is_some_and(|(y, q)| (r.year, r.quarter) != (y, q)) {
                    continue;
                }
                let label = if by_provider {
                    r.provider.clone()
                } else {
                    r.record.charged_to.clone().unwrap_or_else(|| {
                        t(lang, "(ohne gültigen Sozialraum)", "(no valid Sozialraum)").into()
                    })
                };
                if let Some((_, g)) = groups.get_mut(&rank(&label)) {
                    g.cases.insert(case_key(r, case_idx, i));
                }
            }
            let period_label = match p {
                Some((y, q)) => format!("{y}-Q{q}"),
                None => t(lang, "Zeitraum gesamt", "Whole period").into(),
            };
            let mut sum = Cell3::default();
            for (label, g) in groups.values() {
                write_overview_row(
                    &mut ws,
                    row,
                    &period_label,
                    label,
                    g,
                    cats,
                    &fall,
                    &milieu,
                    f,
                    false,
                    &mut widths,
                )?;
                for (cat, v) in &g.by_cat {
                    *sum.by_cat.entry(cat.clone()).or_default() += *v;
                }
                sum.cases.extend(g.cases.iter().cloned());
                sum.case_quarters += g.case_quarters;
                sum.hours += g.hours;
                row += 1;
            }
            write_overview_row(
                &mut ws,
                row,
                &period_label,
                t(lang, "Summe", "Total"),
                &sum,
                cats,
                &fall,
                &milieu,
                f,
                true,
                &mut widths,
            )?;
            row += 2;
        }
    }
    widths.apply(&mut ws, 8.0, 48.0)?;
    ws.set_freeze_panes(3, 2)?;
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    Ok(ws)
}

#[allow(clippy::too_many_arguments)]
fn write_overview_row(
    ws: &mut Worksheet,
    row: u32,
    period: &str,
    label: &str,
    g: &Cell3,
    cats: &[String],
    fall: &str,
    milieu: &str,
    f: &Fmt,
    bold: bool,
    widths: &mut xlsx::ColumnWidths,
) -> Result<(), WriteError> {
    let mf = if bold { &f.money_bold } else { &f.money };
    let tf = if bold { &f.bold } else { &f.text };
    ws.write_string_with_format(row, 0, period, tf)?;
    ws.write_string_with_format(row, 1, label, tf)?;
    widths.fit(0, period);
    widths.fit(1, label);
    let mut col = 2u16;
    let mut total = Decimal::ZERO;
    let mut amount = |ws: &mut Worksheet, col: u16, v: Decimal| -> Result<(), WriteError> {
        ws.write_number_with_format(row, col, money(v), mf)?;
        widths.fit(col, &money_shown(v));
        Ok(())
    };
    for cat in cats {
        let v = g.by_cat.get(cat).copied().unwrap_or_default();
        total += v;
        amount(ws, col, v)?;
        col += 1;
    }
    let pair = g.by_cat.get(fall).copied().unwrap_or_default()
        + g.by_cat.get(milieu).copied().unwrap_or_default();
    amount(ws, col, pair)?;
    amount(ws, col + 1, total)?;
    ws.write_number_with_format(row, col + 2, g.cases.len() as f64, tf)?;
    ws.write_number_with_format(row, col + 3, g.case_quarters as f64, tf)?;
    ws.write_number_with_format(row, col + 4, g.hours.to_f64().unwrap_or(0.0), &f.hours)?;
    widths.fit(col + 2, &g.cases.len().to_string());
    widths.fit(col + 3, &g.case_quarters.to_string());
    widths.fit(col + 4, &crate::coerce::show_money(g.hours, Lang::De));
    Ok(())
}

fn detail(
    c: &Consolidation,
    cfg: &Config,
    lang: Lang,
    f: &Fmt,
    category: &str,
    name: &str,
) -> Result<Worksheet, WriteError> {
    let mut ws = Worksheet::new();
    ws.set_name(name)?;
    let sheet = cfg
        .tables()
        .find(|s| s.category.as_deref().unwrap_or(&s.name) == category);
    let columns = sheet.map(|s| s.columns.as_slice()).unwrap_or_default();
    let mut headers: Vec<String> = vec![
        t(lang, "Träger-Nr.", "Provider").into(),
        t(lang, "Jahr", "Year").into(),
        t(lang, "Quartal", "Quarter").into(),
        t(lang, "Quelle", "Source").into(),
        "Status".into(),
    ];
    headers.extend(columns.iter().map(|c| c.title().to_string()));
    let charge_col = cfg.district.charge_out_of_area_to == ChargeTo::Provider;
    if charge_col {
        headers.push(t(lang, "Gebucht auf Sozialraum", "Charged to Sozialraum").into());
    }
    let mut widths = xlsx::ColumnWidths::new();
    // The source reference and the case key are read whole; other long texts may be cut.
    widths.allow(3, 255.0);
    if let Some(i) = sheet.and_then(|s| s.role(Role::CaseId)) {
        widths.allow((5 + i) as u16, 255.0);
    }
    for (i, h) in headers.iter().enumerate() {
        widths.header(&mut ws, 0, i as u16, h, &f.header)?;
    }
    let mut row = 1u32;
    for r in c.rows.iter().filter(|r| r.category == category) {
        let file = c
            .sources
            .get(r.source)
            .map(|s| {
                std::path::Path::new(s.path())
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        let source = format!("{file}:{}!{}", r.sheet, r.record.row + 1);
        ws.write_string(row, 0, &r.provider)?;
        ws.write_number(row, 1, f64::from(r.year))?;
        ws.write_number(row, 2, f64::from(r.quarter))?;
        ws.write_string(row, 3, &source)?;
        let status = match r.status {
            RowStatus::Ok => "ok",
            RowStatus::Warning => t(lang, "Warnung", "warning"),
            RowStatus::Error => t(lang, "Fehler", "error"),
        };
        ws.write_string(row, 4, status)?;
        widths.fit(0, &r.provider);
        widths.fit(1, &r.year.to_string());
        widths.fit(2, &r.quarter.to_string());
        widths.fit(3, &source);
        widths.fit(4, status);
        for (i, col) in columns.iter().enumerate() {
            let c16 = (5 + i) as u16;
            let value = r.record.values.get(i).and_then(|v| v.as_ref());
            widths.fit_len(c16, shown_len(value));
            match value {
                None => {}
                Some(CellData::Text(s)) => {
                    // Text stays text, also when a user edits a cell that looks like a formula.
                    if s.starts_with(['=', '+', '-', '@']) {
                        ws.write_string_with_format(row, c16, s, &f.quoted)?;
                    } else {
                        ws.write_string(row, c16, s)?;
                    }
                }
                Some(CellData::Int(n)) => {
                    ws.write_number(row, c16, *n as f64)?;
                }
                Some(CellData::Dec(d)) => {
                    let fmt = if col.def.ty == FieldType::Money {
                        &f.money
                    } else {
                        &f.hours
                    };
                    ws.write_number_with_format(row, c16, d.to_f64().unwrap_or(0.0), fmt)?;
                }
                Some(CellData::Date(d)) => {
                    ws.write_datetime_with_format(row, c16, d, &f.date)?;
                }
                Some(CellData::Bool(b)) => {
                    ws.write_string(row, c16, if *b { "ja" } else { "nein" })?;
                }
            }
        }
        if charge_col {
            let charged = r.record.charged_to.clone().unwrap_or_default();
            widths.fit((5 + columns.len()) as u16, &charged);
            ws.write_string(row, (5 + columns.len()) as u16, charged)?;
        }
        row += 1;
    }
    ws.autofilter(0, 0, row.saturating_sub(1), (headers.len() - 1) as u16)?;
    ws.set_freeze_panes(1, 0)?;
    widths.apply(&mut ws, 8.0, 60.0)?;
    ws.set_landscape();
    Ok(ws)
}

/// Characters a detail cell shows (money and decimals with grouping, dates as dd.mm.yyyy).
fn shown_len(v: Option<&CellData>) -> usize {
    match v {
        None => 0,
        Some(CellData::Text(s)) => s.lines().map(|l| l.chars().count()).max().unwrap_or(0),
        Some(CellData::Int(n)) => n.to_string().chars().count(),
        Some(CellData::Dec(d)) => money_shown(*d).chars().count(),
        Some(CellData::Date(_)) => DATE.len(),
        Some(CellData::Bool(_)) => 4,
    }
}

fn finding_rows(c: &Consolidation) -> Vec<(String, &Finding)> {
    let mut out = Vec::new();
    for s in &c.sources {
        for f in &s.outcome.report.findings {
            out.push((s.path().to_string(), f));
        }
    }
    for f in &c.findings {
        out.push((f.path.clone().unwrap_or_default(), f));
    }
    out
}

fn findings_sheet(c: &Consolidation, texts: Texts, name: &str) -> Result<Worksheet, WriteError> {
    xlsx::findings_sheet(name, &finding_rows(c), texts)
}

pub fn status_label(lang: Lang, s: Status) -> &'static str {
    match s {
        Status::Included => t(lang, "übernommen", "included"),
        Status::IncludedWithErrors => t(lang, "übernommen, mit Fehlern", "included with errors"),
        Status::Rejected => t(lang, "abgewiesen", "rejected"),
        Status::Excluded => t(lang, "außerhalb des Zeitraums", "outside the period"),
    }
}

/// One line of a `Quellen` sheet: a source file (or a submission that is
/// missing) and what became of it. The district and the controlling workbook
/// both write their sources through [`sources_sheet`].
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SourceLine {
    pub path: String,
    /// The portal's receipt number (`VER-2026-Q3-T03-01`) of the submission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<String>,
    pub sha256: Option<String>,
    pub provider: Option<String>,
    pub year: Option<i32>,
    pub quarter: Option<u8>,
    /// Data rows per category.
    pub rows: BTreeMap<String, usize>,
    pub errors: usize,
    pub warnings: usize,
    /// `None`: no submission arrived from this provider for this quarter.
    pub status: Option<Status>,
    pub reason: Option<String>,
}

impl SourceLine {
    /// A file that was read and counts for the period (not excluded, not missing).
    pub fn is_input(&self) -> bool {
        self.status.is_some_and(|s| s != Status::Excluded)
    }
}

/// The consolidation's sources, then the missing submissions.
pub fn source_lines(c: &Consolidation) -> Vec<SourceLine> {
    let mut out: Vec<SourceLine> = c
        .sources
        .iter()
        .map(|s| {
            let rep = &s.outcome.report;
            SourceLine {
                path: s.path().to_string(),
                receipt: s.receipt.clone(),
                sha256: rep.sha256.clone(),
                provider: rep.provider.clone(),
                year: rep.year,
                quarter: rep.quarter,
                rows: s.rows(),
                errors: rep.summary.errors,
                warnings: rep.summary.warnings,
                status: Some(s.status),
                reason: s.reason.clone(),
            }
        })
        .collect();
    out.extend(c.missing.iter().map(|(p, y, q)| SourceLine {
        provider: Some(p.clone()),
        year: Some(*y),
        quarter: Some(*q),
        ..SourceLine::default()
    }));
    out
}

/// The status words of a `Quellen` sheet, with `None` for a missing submission.
pub fn source_status_label(lang: Lang, s: Option<Status>) -> &'static str {
    match s {
        Some(s) => status_label(lang, s),
        None => t(lang, "fehlt", "missing"),
    }
}

/// The `Quellen` sheet: file, receipt number (only when a line has one:
/// the portal's), SHA-256, provider, year, quarter, rows per category,
/// errors, warnings, status and reason; autofilter, frozen header, columns
/// as wide as their content.
pub fn sources_sheet(
    name: &str,
    categories: &[String],
    lines: &[SourceLine],
    lang: Lang,
) -> Result<Worksheet, WriteError> {
    let mut ws = Worksheet::new();
    ws.set_name(name)?;
    let header = xlsx::header_format();
    let mut widths = xlsx::ColumnWidths::new();
    let receipts = lines.iter().any(|l| l.receipt.is_some());
    let mut headers: Vec<String> = vec![t(lang, "Datei", "File").into()];
    if receipts {
        headers.push(t(lang, "Eingangsnummer", "Receipt").into());
    }
    // Every column after the file's moves one right when receipts are shown.
    let at = u16::from(receipts);
    headers.extend([
        "SHA-256".into(),
        t(lang, "Träger-Nr.", "Provider").into(),
        t(lang, "Jahr", "Year").into(),
        t(lang, "Quartal", "Quarter").into(),
    ]);
    headers.extend(categories.iter().map(|cat| {
        format!(
            "{} {}",
            t(lang, "Zeilen", "rows"),
            category_label(lang, cat)
        )
    }));
    headers.extend([
        t(lang, "Fehler", "Errors").to_string(),
        t(lang, "Warnungen", "Warnings").into(),
        "Status".into(),
        t(lang, "Grund", "Reason").into(),
    ]);
    widths.allow(0, 255.0);
    for (i, h) in headers.iter().enumerate() {
        widths.header(&mut ws, 0, i as u16, h, &header)?;
    }
    let base = at + (5 + categories.len()) as u16;
    let mut r = 1u32;
    for l in lines {
        let mut text = |ws: &mut Worksheet, col: u16, v: &str| -> Result<(), WriteError> {
            if !v.is_empty() {
                ws.write_string(r, col, v)?;
                widths.fit(col, v);
            }
            Ok(())
        };
        let path = match l.status {
            None => t(lang, "(keine Meldung)", "(no submission)"),
            Some(_) => l.path.as_str(),
        };
        text(&mut ws, 0, path)?;
        if receipts {
            text(&mut ws, 1, l.receipt.as_deref().unwrap_or_default())?;
        }
        text(&mut ws, at + 1, l.sha256.as_deref().unwrap_or_default())?;
        text(&mut ws, at + 2, l.provider.as_deref().unwrap_or_default())?;
        text(&mut ws, base + 2, source_status_label(lang, l.status))?;
        text(&mut ws, base + 3, l.reason.as_deref().unwrap_or_default())?;
        let mut number = |ws: &mut Worksheet, col: u16, v: f64| -> Result<(), WriteError> {
            ws.write_number(r, col, v)?;
            widths.fit(col, &v.to_string());
            Ok(())
        };
        if let Some(y) = l.year {
            number(&mut ws, at + 3, f64::from(y))?;
        }
        if let Some(q) = l.quarter {
            number(&mut ws, at + 4, f64::from(q))?;
        }
        if l.status.is_some() {
            for (i, cat) in categories.iter().enumerate() {
                let n = l.rows.get(cat).copied().unwrap_or(0);
                number(&mut ws, at + (5 + i) as u16, n as f64)?;
            }
            number(&mut ws, base, l.errors as f64)?;
            number(&mut ws, base + 1, l.warnings as f64)?;
        }
        r += 1;
    }
    ws.autofilter(0, 0, r.saturating_sub(1), (headers.len() - 1) as u16)?;
    ws.set_freeze_panes(1, 0)?;
    widths.apply(&mut ws, 8.0, 80.0)?;
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    Ok(ws)
}
