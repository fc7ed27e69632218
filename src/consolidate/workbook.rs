//! The district workbook: `Übersicht`, one detail sheet per category,
//! `Befunde` and `Quellen`. Totals are values, not formulas that could drift.

use std::collections::BTreeMap;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook, Worksheet};

use crate::config::{ChargeTo, Config, FieldType};
use crate::consolidate::{Consolidation, RowStatus, Status};
use crate::finding::Finding;
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

pub fn build(c: &Consolidation, cfg: &Config, lang: Lang) -> Result<Workbook, WriteError> {
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
        lang,
        &names.reserve(t(lang, "Befunde", "Findings")),
    )?);
    wb.push_worksheet(sources_sheet(
        c,
        lang,
        &f,
        &names.reserve(t(lang, "Quellen", "Sources")),
    )?);
    Ok(wb)
}

#[derive(Default, Clone)]
struct Cell3 {
    by_cat: BTreeMap<String, Decimal>,
    cases: usize,
    hours: Decimal,
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
    headers.push(t(lang, "Stunden", "Hours").into());
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
            ws.write_string_with_format(row, i as u16, h, &f.header)?;
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
                    g.cases += v.rows;
                }
                g.hours += v.hours;
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
                )?;
                for (cat, v) in &g.by_cat {
                    *sum.by_cat.entry(cat.clone()).or_default() += *v;
                }
                sum.cases += g.cases;
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
            )?;
            row += 2;
        }
    }
    ws.set_column_width(0, 16)?;
    ws.set_column_width(1, 30)?;
    for col in 2..(headers.len() as u16) {
        ws.set_column_width(col, 16)?;
    }
    ws.set_freeze_panes(3, 2)?;
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
) -> Result<(), WriteError> {
    let mf = if bold { &f.money_bold } else { &f.money };
    let tf = if bold { &f.bold } else { &f.text };
    ws.write_string_with_format(row, 0, period, tf)?;
    ws.write_string_with_format(row, 1, label, tf)?;
    let mut col = 2u16;
    let mut total = Decimal::ZERO;
    for cat in cats {
        let v = g.by_cat.get(cat).copied().unwrap_or_default();
        total += v;
        ws.write_number_with_format(row, col, money(v), mf)?;
        col += 1;
    }
    let pair = g.by_cat.get(fall).copied().unwrap_or_default()
        + g.by_cat.get(milieu).copied().unwrap_or_default();
    ws.write_number_with_format(row, col, money(pair), mf)?;
    ws.write_number_with_format(row, col + 1, money(total), mf)?;
    ws.write_number_with_format(row, col + 2, g.cases as f64, tf)?;
    ws.write_number_with_format(row, col + 3, g.hours.to_f64().unwrap_or(0.0), &f.hours)?;
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
    for (i, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, h, &f.header)?;
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
        ws.write_string(row, 0, &r.provider)?;
        ws.write_number(row, 1, f64::from(r.year))?;
        ws.write_number(row, 2, f64::from(r.quarter))?;
        ws.write_string(row, 3, format!("{file}:{}!{}", r.sheet, r.record.row + 1))?;
        let status = match r.status {
            RowStatus::Ok => "ok",
            RowStatus::Warning => t(lang, "Warnung", "warning"),
            RowStatus::Error => t(lang, "Fehler", "error"),
        };
        ws.write_string(row, 4, status)?;
        for (i, col) in columns.iter().enumerate() {
            let c16 = (5 + i) as u16;
            match r.record.values.get(i).and_then(|v| v.as_ref()) {
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
            ws.write_string(
                row,
                (5 + columns.len()) as u16,
                r.record.charged_to.clone().unwrap_or_default(),
            )?;
        }
        row += 1;
    }
    ws.autofilter(0, 0, row.saturating_sub(1), (headers.len() - 1) as u16)?;
    ws.set_freeze_panes(1, 0)?;
    for (i, h) in headers.iter().enumerate() {
        let w = if i == 3 {
            34.0
        } else {
            (h.chars().count() as f64 + 4.0).clamp(10.0, 28.0)
        };
        ws.set_column_width(i as u16, w)?;
    }
    Ok(ws)
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

fn findings_sheet(c: &Consolidation, lang: Lang, name: &str) -> Result<Worksheet, WriteError> {
    xlsx::findings_sheet(name, &finding_rows(c), lang)
}

pub fn status_label(lang: Lang, s: Status) -> &'static str {
    match s {
        Status::Included => t(lang, "übernommen", "included"),
        Status::IncludedWithErrors => t(lang, "übernommen, mit Fehlern", "included with errors"),
        Status::Rejected => t(lang, "abgewiesen", "rejected"),
        Status::Excluded => t(lang, "außerhalb des Zeitraums", "outside the period"),
    }
}

fn sources_sheet(
    c: &Consolidation,
    lang: Lang,
    f: &Fmt,
    name: &str,
) -> Result<Worksheet, WriteError> {
    let mut ws = Worksheet::new();
    ws.set_name(name)?;
    let mut headers: Vec<String> = vec![
        t(lang, "Datei", "File").into(),
        "SHA-256".into(),
        t(lang, "Träger-Nr.", "Provider").into(),
        t(lang, "Jahr", "Year").into(),
        t(lang, "Quartal", "Quarter").into(),
    ];
    headers.extend(c.categories.iter().map(|cat| {
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
    for (i, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, h, &f.header)?;
    }
    let mut r = 1u32;
    for s in &c.sources {
        let rep = &s.outcome.report;
        ws.write_string(r, 0, s.path())?;
        ws.write_string(r, 1, rep.sha256.clone().unwrap_or_default())?;
        ws.write_string(r, 2, rep.provider.clone().unwrap_or_default())?;
        if let Some(y) = rep.year {
            ws.write_number(r, 3, f64::from(y))?;
        }
        if let Some(q) = rep.quarter {
            ws.write_number(r, 4, f64::from(q))?;
        }
        let rows = s.rows();
        for (i, cat) in c.categories.iter().enumerate() {
            let sheet_rows = rows.get(cat).copied().unwrap_or(0);
            ws.write_number(r, (5 + i) as u16, sheet_rows as f64)?;
        }
        let base = (5 + c.categories.len()) as u16;
        ws.write_number(r, base, rep.summary.errors as f64)?;
        ws.write_number(r, base + 1, rep.summary.warnings as f64)?;
        ws.write_string(r, base + 2, status_label(lang, s.status))?;
        ws.write_string(r, base + 3, s.reason.clone().unwrap_or_default())?;
        r += 1;
    }
    for (p, y, q) in &c.missing {
        ws.write_string(r, 0, t(lang, "(keine Meldung)", "(no submission)"))?;
        ws.write_string(r, 2, p)?;
        ws.write_number(r, 3, f64::from(*y))?;
        ws.write_number(r, 4, f64::from(*q))?;
        let base = (5 + c.categories.len()) as u16;
        ws.write_string(r, base + 2, t(lang, "fehlt", "missing"))?;
        r += 1;
    }
    ws.autofilter(0, 0, r.saturating_sub(1), (headers.len() - 1) as u16)?;
    ws.set_freeze_panes(1, 0)?;
    ws.set_column_width(0, 40)?;
    ws.set_column_width(1, 20)?;
    Ok(ws)
}
