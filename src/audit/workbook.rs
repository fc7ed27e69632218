//! The controlling workbook: `Abweichungen` (plan and actual, coloured by
//! status), `Diagramme` (native Excel charts over the table's ranges and the
//! spending per quarter), `Kennzahlen` (case-level figures), `Befunde` and
//! `Quellen` (the district workbook's sources sheet, shared).
//! Figures are values, not formulas; the creation date is the period's last
//! day, so equal inputs give equal bytes.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use rust_xlsxwriter::{
    Chart, ChartLegendPosition, ChartType, Color, ConditionalFormatFormula, Format, Workbook,
    Worksheet,
};

use crate::audit::{status_label, Audit, BudgetStatus, Direction, Line, Scope, PAIR_CATEGORY};
use crate::config::Config;
use crate::consolidate::workbook::{category_label, money_shown};
use crate::finding::Severity;
use crate::finding::Texts;
use crate::i18n::{quarter_label, t, Lang};
use crate::read::sniff::OwnOutput;
use crate::xlsx::{self, SheetNames, WriteError};

const MONEY: &str = "#,##0.00 \"€\"";
const MONEY_AXIS: &str = "#,##0 \"€\"";
const PCT: &str = "0.00 %";
const HOURS: &str = "#,##0.00";

/// The Abweichungen table: header row and first data row (0-based).
pub const TABLE_HEADER_ROW: u32 = 3;
const FIRST_ROW: u32 = TABLE_HEADER_ROW + 1;

/// Columns of the Abweichungen table.
const C_CATEGORY: u16 = 0;
const C_AREA: u16 = 1;
const C_BUDGET: u16 = 2;
const C_PRO_RATA: u16 = 3;
const C_ACTUAL: u16 = 4;
const C_DEVIATION: u16 = 5;
const C_PCT: u16 = 6;
const C_PROJECTION: u16 = 7;
const C_STATUS: u16 = 8;
const C_REMARK: u16 = 9;

fn num(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

struct Fmt {
    header: Format,
    title: Format,
    money: Format,
    money_bold: Format,
    pct: Format,
    pct_bold: Format,
    hours: Format,
    bold: Format,
    note: Format,
    jump: Format,
}

fn formats() -> Fmt {
    Fmt {
        header: xlsx::header_format(),
        title: Format::new().set_bold().set_font_size(14),
        money: Format::new().set_num_format(MONEY),
        money_bold: Format::new().set_num_format(MONEY).set_bold(),
        pct: Format::new().set_num_format(PCT),
        pct_bold: Format::new().set_num_format(PCT).set_bold(),
        hours: Format::new().set_num_format(HOURS),
        bold: Format::new().set_bold(),
        note: Format::new()
            .set_italic()
            .set_font_color(Color::RGB(0x595959)),
        jump: Format::new()
            .set_num_format(PCT)
            .set_background_color(xlsx::severity_fill(Severity::Warning)),
    }
}

/// The fill of a status: green for ok; orange and red for overspending,
/// light and stronger blue for underspending.
pub fn status_fill(s: BudgetStatus, d: Option<Direction>) -> Color {
    match (s, d) {
        (BudgetStatus::Ok, _) => Color::RGB(0xC6EFCE),
        (BudgetStatus::Warning, Some(Direction::Under)) => Color::RGB(0xDDEBF7),
        (BudgetStatus::Alert, Some(Direction::Under)) => Color::RGB(0x9BC2E6),
        (BudgetStatus::Warning, _) => Color::RGB(0xFCD5B4),
        (BudgetStatus::Alert, _) => xlsx::severity_fill(Severity::Error),
    }
}

/// Every status a line can show, with its direction, strongest first.
pub const STATUSES: [(BudgetStatus, Option<Direction>); 5] = [
    (BudgetStatus::Alert, Some(Direction::Over)),
    (BudgetStatus::Alert, Some(Direction::Under)),
    (BudgetStatus::Warning, Some(Direction::Over)),
    (BudgetStatus::Warning, Some(Direction::Under)),
    (BudgetStatus::Ok, None),
];

/// Sheet names of the controlling workbook.
pub fn sheet_names(lang: Lang) -> [&'static str; 5] {
    [
        t(lang, "Abweichungen", "Deviations"),
        t(lang, "Diagramme", "Charts"),
        t(lang, "Kennzahlen", "Key figures"),
        t(lang, "Befunde", "Findings"),
        t(lang, "Quellen", "Sources"),
    ]
}

/// The rows of one category block in the Abweichungen table (Sozialräume only, without the county line).
#[derive(Debug, Clone)]
struct Block {
    category: String,
    first: u32,
    last: u32,
}

pub fn build(
    a: &Audit,
    cfg: &Config,
    plan_path: &str,
    texts: Texts,
) -> Result<Workbook, WriteError> {
    let lang = texts.lang;
    let mut wb = Workbook::new();
    let last_q = a.period.quarters.iter().max().copied().unwrap_or(4);
    let created = crate::rules::quarter_bounds(a.period.year, last_q)
        .map(|(_, end)| end)
        .or_else(|| chrono::NaiveDate::from_ymd_opt(2000, 1, 1))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    let title = format!(
        "{} – {} {}",
        cfg.district.name,
        t(lang, "Controlling", "Controlling"),
        a.period.label()
    );
    wb.set_properties(&xlsx::properties(
        &title,
        created,
        OwnOutput::ControllingWorkbook,
    ));
    let f = formats();
    let mut names = SheetNames::new();
    let [n_dev, n_charts, n_figures, n_findings, n_sources] =
        sheet_names(lang).map(|n| names.reserve(n));
    let (mut table, blocks) = deviations(a, cfg, plan_path, lang, &f, &n_dev)?;
    table.set_active(true);
    wb.push_worksheet(table);
    wb.push_worksheet(charts(a, lang, &f, &n_charts, &n_dev, &blocks)?);
    wb.push_worksheet(figures(a, lang, &f, &n_figures)?);
    wb.push_worksheet(findings(a, texts, &n_findings)?);
    wb.push_worksheet(crate::consolidate::workbook::sources_sheet(
        &n_sources,
        &a.categories,
        &a.sources,
        lang,
    )?);
    Ok(wb)
}

/// Landscape, one page wide: the tables go to the committee on paper too.
fn print_wide(ws: &mut Worksheet) {
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
}

fn area_label(l: &Line, lang: Lang) -> String {
    l.sozialraum
        .clone()
        .unwrap_or_else(|| t(lang, "Landkreis gesamt", "County total").to_string())
}

fn remark(l: &Line, lang: Lang) -> String {
    match (&l.covered_by, l.deviation_pct) {
        (Some(p), _) => format!("{} {p}", t(lang, "gedeckt durch", "covered by")),
        (None, None) if !l.actual.is_zero() => {
            t(lang, "kein Budget im Plan", "no budget in the plan").to_string()
        }
        _ => String::new(),
    }
}

fn deviations(
    a: &Audit,
    cfg: &Config,
    plan_path: &str,
    lang: Lang,
    f: &Fmt,
    name: &str,
) -> Result<(Worksheet, Vec<Block>), WriteError> {
    let mut ws = Worksheet::new();
    ws.set_name(name)?;
    let n = a.period.quarters.len();
    ws.write_string_with_format(
        0,
        0,
        format!(
            "{} – {} {}",
            cfg.district.name,
            t(lang, "Plan und Ist", "Plan and actual"),
            a.period.label()
        ),
        &f.title,
    )?;
    let explain = match lang {
        Lang::De => format!(
            "Budget anteilig = Jahresbudget × {n}/4 (gemeldete Quartale). Status: ok bis ±{} %, Warnung bis ±{} %, darüber Alarm; jeweils als Überschreitung (orange, rot) oder Unterschreitung (hellblau, blau). Fallarbeit und Milieuarbeit sind gegenseitig deckungsfähig. Budgetplan: {plan_path}",
            a.settings.ok_pct.normalize(),
            a.settings.warning_pct.normalize()
        ),
        Lang::En => format!(
            "Pro-rata budget = annual budget × {n}/4 (quarters reported). Status: ok up to ±{} %, warning up to ±{} %, alert beyond; each as overspend (orange, red) or underspend (light blue, blue). Fallarbeit and Milieuarbeit are mutually coverable. Budget plan: {plan_path}",
            a.settings.ok_pct.normalize(),
            a.settings.warning_pct.normalize()
        ),
    };
    // The explanation wraps inside the table's width, so the printed page is the table's width.
    ws.merge_range(1, 0, 1, C_REMARK, &explain, &f.note.clone().set_text_wrap())?;
    ws.set_row_height(1, 45)?;
    let headers = [
        t(lang, "Kategorie", "Category"),
        "Sozialraum",
        t(lang, "Jahresbudget", "Annual budget"),
        t(lang, "Budget anteilig", "Pro-rata budget"),
        t(lang, "Ist", "Actual"),
        t(lang, "Abweichung €", "Deviation €"),
        t(lang, "Abweichung %", "Deviation %"),
        t(lang, "Hochrechnung", "Projection"),
        "Status",
        t(lang, "Bemerkung", "Remark"),
    ];
    let mut widths = xlsx::ColumnWidths::new();
    for (i, h) in headers.iter().enumerate() {
        widths.header(&mut ws, TABLE_HEADER_ROW, i as u16, h, &f.header)?;
    }
    let mut blocks: Vec<Block> = Vec::new();
    let mut row = FIRST_ROW;
    for l in &a.lines {
        let county = l.sozialraum.is_none();
        let (mf, pf, tf) = if county {
            (&f.money_bold, &f.pct_bold, &f.bold)
        } else {
            (&f.money, &f.pct, &Format::new())
        };
        let label = if l.category == PAIR_CATEGORY {
            l.category.clone()
        } else {
            category_label(lang, &l.category)
        };
        ws.write_string_with_format(row, C_CATEGORY, &label, tf)?;
        ws.write_string_with_format(row, C_AREA, area_label(l, lang), tf)?;
        ws.write_number_with_format(row, C_BUDGET, num(l.budget), mf)?;
        ws.write_number_with_format(row, C_PRO_RATA, num(l.pro_rata), mf)?;
        ws.write_number_with_format(row, C_ACTUAL, num(l.actual), mf)?;
        ws.write_number_with_format(row, C_DEVIATION, num(l.deviation), mf)?;
        match l.deviation_pct {
            Some(p) => ws.write_number_with_format(row, C_PCT, num(p / Decimal::from(100)), pf)?,
            None => ws.write_string_with_format(row, C_PCT, "–", tf)?,
        };
        ws.write_number_with_format(row, C_PROJECTION, num(l.projection), mf)?;
        ws.write_string_with_format(row, C_STATUS, l.status_label(lang), tf)?;
        ws.write_string_with_format(row, C_REMARK, remark(l, lang), tf)?;
        widths.fit(C_CATEGORY, &label);
        widths.fit(C_AREA, &area_label(l, lang));
        for (col, v) in [
            (C_BUDGET, l.budget),
            (C_PRO_RATA, l.pro_rata),
            (C_ACTUAL, l.actual),
            (C_DEVIATION, l.deviation),
            (C_PROJECTION, l.projection),
        ] {
            widths.fit(col, &money_shown(v));
        }
        if let Some(p) = l.deviation_pct {
            widths.fit(C_PCT, &format!("{p:.2} %"));
        }
        widths.fit(C_STATUS, &l.status_label(lang));
        widths.fit(C_REMARK, &remark(l, lang));
        if !county {
            match blocks.last_mut() {
                Some(b) if b.category == l.category && b.last + 1 == row => b.last = row,
                _ => blocks.push(Block {
                    category: l.category.clone(),
                    first: row,
                    last: row,
                }),
            }
        }
        row += 1;
    }
    let last = row.saturating_sub(1).max(FIRST_ROW);
    // Whole rows coloured by their status; the status cell stays coloured even when sorted or filtered.
    for (s, d) in STATUSES {
        let formula = format!(
            "=${}{}=\"{}\"",
            crate::finding::column_letters(u32::from(C_STATUS)),
            FIRST_ROW + 1,
            status_label(s, d, lang)
        );
        let rule = ConditionalFormatFormula::new()
            .set_rule(formula.as_str())
            .set_format(Format::new().set_background_color(status_fill(s, d)));
        let last_col = if s == BudgetStatus::Ok {
            C_STATUS
        } else {
            C_REMARK
        };
        let first_col = if s == BudgetStatus::Ok {
            C_STATUS
        } else {
            C_CATEGORY
        };
        ws.add_conditional_format(FIRST_ROW, first_col, last, last_col, &rule)?;
    }
    ws.autofilter(TABLE_HEADER_ROW, 0, last, C_REMARK)?;
    ws.set_freeze_panes(FIRST_ROW, 2)?;
    print_wide(&mut ws);
    widths.apply(&mut ws, 8.0, 48.0)?;
    Ok((ws, blocks))
}

/// Clustered bars per Sozialraum (pro-rata budget and actual) for each category,
/// and columns of the county's spending per quarter and category.
fn charts(
    a: &Audit,
    lang: Lang,
    f: &Fmt,
    name: &str,
    table: &str,
    blocks: &[Block],
) -> Result<Worksheet, WriteError> {
    let mut ws = Worksheet::new();
    ws.set_name(name)?;
    ws.write_string_with_format(
        0,
        0,
        format!("{} {}", t(lang, "Diagramme", "Charts"), a.period.label()),
        &f.title,
    )?;
    // The quarter table the column chart reads.
    let head = 2u32;
    ws.write_string_with_format(head, 0, t(lang, "Quartal", "Quarter"), &f.header)?;
    for (i, cat) in a.categories.iter().enumerate() {
        ws.write_string_with_format(head, 1 + i as u16, category_label(lang, cat), &f.header)?;
    }
    for (qi, q) in a.period.quarters.iter().enumerate() {
        let r = head + 1 + qi as u32;
        ws.write_string(r, 0, quarter_label(a.period.year, *q))?;
        for (ci, cat) in a.categories.iter().enumerate() {
            let v = a
                .series
                .iter()
                .find(|s| s.sozialraum.is_none() && &s.category == cat)
                .and_then(|s| s.by_quarter.get(qi))
                .copied()
                .unwrap_or_default();
            ws.write_number_with_format(r, 1 + ci as u16, num(v), &f.money)?;
        }
    }
    ws.set_column_width(0, 12)?;
    for i in 0..a.categories.len() {
        ws.set_column_width(1 + i as u16, 16)?;
    }

    let mut placed: Vec<Chart> = Vec::new();
    let last_q = head + a.period.quarters.len() as u32;
    if !a.period.quarters.is_empty() && !a.categories.is_empty() {
        let mut c = Chart::new(ChartType::Column);
        for (ci, cat) in a.categories.iter().enumerate() {
            let col = 1 + ci as u16;
            c.add_series()
                .set_name(category_label(lang, cat).as_str())
                .set_categories((name, head + 1, 0, last_q, 0))
                .set_values((name, head + 1, col, last_q, col));
        }
        c.title().set_name(t(
            lang,
            "Ausgaben je Quartal (Landkreis)",
            "Spending per quarter (county)",
        ));
        c.y_axis().set_num_format(MONEY_AXIS);
        c.legend().set_position(ChartLegendPosition::Bottom);
        placed.push(c);
    }
    for b in blocks {
        let label = if b.category == PAIR_CATEGORY {
            b.category.clone()
        } else {
            category_label(lang, &b.category)
        };
        let mut c = Chart::new(ChartType::Bar);
        c.add_series()
            .set_name(t(lang, "Budget anteilig", "Pro-rata budget"))
            .set_categories((table, b.first, C_AREA, b.last, C_AREA))
            .set_values((table, b.first, C_PRO_RATA, b.last, C_PRO_RATA));
        c.add_series()
            .set_name(t(lang, "Ist", "Actual"))
            .set_categories((table, b.first, C_AREA, b.last, C_AREA))
            .set_values((table, b.first, C_ACTUAL, b.last, C_ACTUAL));
        c.title().set_name(
            format!(
                "{label}: {}",
                t(
                    lang,
                    "Budget anteilig und Ist",
                    "pro-rata budget and actual"
                )
            )
            .as_str(),
        );
        c.x_axis().set_num_format(MONEY_AXIS);
        // Top to bottom in the table's order.
        c.y_axis().set_reverse();
        c.legend().set_position(ChartLegendPosition::Bottom);
        placed.push(c);
    }
    // Two charts side by side, to the right of the quarter table: the first row is in view on opening.
    let left = 2 + a.categories.len() as u16;
    for (i, c) in placed.iter_mut().enumerate() {
        c.set_width(560).set_height(320);
        let row = 2 + (i as u32 / 2) * 17;
        let col = left + (i as u16 % 2) * 9;
        ws.insert_chart(row, col, c)?;
    }
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    Ok(ws)
}

fn figures(a: &Audit, lang: Lang, f: &Fmt, name: &str) -> Result<Worksheet, WriteError> {
    let mut ws = Worksheet::new();
    ws.set_name(name)?;
    ws.write_string_with_format(
        0,
        0,
        format!(
            "{} {}",
            t(
                lang,
                "Fallarbeit je Sozialraum und Hilfeart",
                "Case work per Sozialraum and help type"
            ),
            a.period.label()
        ),
        &f.title,
    )?;
    let mut row = 2u32;
    let headers = [
        "Sozialraum",
        t(lang, "Hilfeart", "Help type"),
        t(lang, "Fälle", "Cases"),
        t(lang, "Fall-Quartale", "Case-quarters"),
        t(lang, "Fachleistungsstunden", "Hours"),
        t(lang, "Kosten", "Cost"),
        t(lang, "Kosten je Fall", "Cost per case"),
        t(lang, "Stunden je Fall", "Hours per case"),
    ];
    let mut widths = xlsx::ColumnWidths::new();
    for (i, h) in headers.iter().enumerate() {
        widths.header(&mut ws, row, i as u16, h, &f.header)?;
    }
    row += 1;
    for fig in &a.figures {
        let county = fig.scope == Scope::County;
        let tf = if county { &f.bold } else { &Format::new() };
        let area = match &fig.scope {
            Scope::Sozialraum(s) => s.clone(),
            Scope::Unassigned => {
                t(lang, "(ohne gültigen Sozialraum)", "(no valid Sozialraum)").to_string()
            }
            Scope::County => t(lang, "Landkreis gesamt", "County total").to_string(),
        };
        let help = fig
            .help_type
            .clone()
            .unwrap_or_else(|| t(lang, "(ohne gültige Hilfeart)", "(no valid help type)").into());
        widths.fit(0, &area);
        widths.fit(1, &help);
        for (col, v) in [(5, fig.cost), (6, fig.cost_per_case)] {
            widths.fit(col, &money_shown(v));
        }
        widths.fit(4, &money_shown(fig.hours));
        ws.write_string_with_format(row, 0, area, tf)?;
        ws.write_string_with_format(row, 1, help, tf)?;
        ws.write_number_with_format(row, 2, fig.cases as f64, tf)?;
        ws.write_number_with_format(row, 3, fig.rows as f64, tf)?;
        ws.write_number_with_format(row, 4, num(fig.hours), &f.hours)?;
        ws.write_number_with_format(row, 5, num(fig.cost), &f.money)?;
        ws.write_number_with_format(row, 6, num(fig.cost_per_case), &f.money)?;
        ws.write_number_with_format(row, 7, num(fig.hours_per_case), &f.hours)?;
        row += 1;
    }

    row += 2;
    let factor = a.settings.outlier_factor.normalize();
    ws.write_string_with_format(
        row,
        0,
        t(
            lang,
            "Ausreißer je Hilfeart (Kosten je Fall und Quartal)",
            "Outliers per help type (cost per case and quarter)",
        ),
        &f.bold,
    )?;
    row += 1;
    let threshold = format!("{} ({factor} × Median)", t(lang, "Schwelle", "Threshold"));
    let headers = [
        t(lang, "Hilfeart", "Help type"),
        t(lang, "Fall-Quartale", "Case-quarters"),
        "Median",
        threshold.as_str(),
        t(lang, "Ausreißer", "Outliers"),
    ];
    for (i, h) in headers.iter().enumerate() {
        widths.header(&mut ws, row, i as u16, h, &f.header)?;
    }
    row += 1;
    for h in &a.help_stats {
        widths.fit(0, &h.help_type);
        widths.fit(3, &money_shown(h.threshold));
        ws.write_string(row, 0, &h.help_type)?;
        ws.write_number(row, 1, h.rows as f64)?;
        ws.write_number_with_format(row, 2, num(h.median), &f.money)?;
        ws.write_number_with_format(row, 3, num(h.threshold), &f.money)?;
        ws.write_number(row, 4, h.outliers as f64)?;
        row += 1;
    }

    row += 2;
    ws.write_string_with_format(
        row,
        0,
        t(
            lang,
            "Ausgaben je Quartal und Veränderung zum Vorquartal",
            "Spending per quarter and change from the previous quarter",
        ),
        &f.bold,
    )?;
    row += 1;
    let mut headers: Vec<String> =
        vec!["Sozialraum".into(), t(lang, "Kategorie", "Category").into()];
    headers.extend(
        a.period
            .quarters
            .iter()
            .map(|q| quarter_label(a.period.year, *q)),
    );
    headers.extend(a.period.quarters.windows(2).map(|w| match w {
        [p, q] => format!("Q{p}→Q{q}"),
        _ => String::new(),
    }));
    for (i, h) in headers.iter().enumerate() {
        widths.header(&mut ws, row, i as u16, h, &f.header)?;
    }
    row += 1;
    let nq = a.period.quarters.len() as u16;
    for s in &a.series {
        let tf = if s.sozialraum.is_none() {
            &f.bold
        } else {
            &Format::new()
        };
        let area = s
            .sozialraum
            .clone()
            .unwrap_or_else(|| t(lang, "Landkreis gesamt", "County total").to_string());
        widths.fit(0, &area);
        widths.fit(1, &category_label(lang, &s.category));
        ws.write_string_with_format(row, 0, area, tf)?;
        ws.write_string_with_format(row, 1, category_label(lang, &s.category), tf)?;
        for (i, v) in s.by_quarter.iter().enumerate() {
            widths.fit(2 + i as u16, &money_shown(*v));
            ws.write_number_with_format(row, 2 + i as u16, num(*v), &f.money)?;
        }
        for (i, c) in s.change_pct.iter().enumerate().skip(1) {
            let col = 2 + nq + i as u16 - 1;
            match c {
                Some(p) => {
                    let fmt = if s.sozialraum.is_some() && p.abs() > a.settings.jump_pct {
                        &f.jump
                    } else {
                        &f.pct
                    };
                    ws.write_number_with_format(row, col, num(*p / Decimal::from(100)), fmt)?;
                }
                None => {
                    ws.write_string(row, col, "–")?;
                }
            }
        }
        row += 1;
    }
    widths.apply(&mut ws, 10.0, 48.0)?;
    print_wide(&mut ws);
    Ok(ws)
}

fn findings(a: &Audit, texts: Texts, name: &str) -> Result<Worksheet, WriteError> {
    let rows: Vec<(String, &crate::finding::Finding)> = a
        .findings
        .iter()
        .map(|f| (f.path.clone().unwrap_or_default(), f))
        .collect();
    let mut ws = xlsx::findings_sheet(name, &rows, texts)?;
    print_wide(&mut ws);
    Ok(ws)
}
