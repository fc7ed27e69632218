//! The entry workbook of one provider's quarter, built from the configuration
//! (workflow 1: errors prevented at entry). Every configured sheet in its
//! order; the cover pre-filled with the provider's facts; table sheets with
//! their headers, number formats, dropdowns for enums, input rules for
//! dates, numbers and unique keys, an input message per column that says the
//! column's rule, and the product rule (`Kosten` = hours × rate) as a
//! formula; the totals sheet with its `SUM` formulas. A filled-in template is
//! a submission `check` accepts.

use chrono::{Datelike, NaiveDate};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use rust_xlsxwriter::{
    utility::column_number_to_name, Color, DataValidation, DataValidationErrorStyle,
    DataValidationRule, ExcelDateTime, Format, Formula, Workbook, Worksheet, XlsxError,
};

use crate::config::row_rule::TemplateHint;
use crate::config::{
    Column, Config, DateBound, EnumSet, FieldType, Provider, ReferenceKind, Sheet, SheetKind,
};
use crate::read::sniff::OwnOutput;
use crate::rules::quarter_bounds;
use crate::xlsx;

/// Data rows prepared below each table header (formats, input rules, formulas).
pub const DATA_ROWS: u32 = 500;

/// What the template is for.
pub struct Request<'a> {
    pub provider: &'a Provider,
    pub year: i32,
    pub quarter: u8,
}

/// The template as a workbook, ready to save. `None` for a quarter that does not exist.
pub fn build(cfg: &Config, req: &Request) -> Result<Option<Workbook>, XlsxError> {
    let Some((start, end)) = quarter_bounds(req.year, req.quarter) else {
        return Ok(None);
    };
    let mut wb = Workbook::new();
    let title = format!(
        "Quartalsmeldung {} {}/Q{} – {}",
        req.provider.id, req.year, req.quarter, cfg.district.name
    );
    let created = start.and_hms_opt(0, 0, 0).unwrap_or_default();
    wb.set_properties(&xlsx::properties(&title, created, OwnOutput::Template));
    let quarter = Quarter { start, end };
    for sheet in &cfg.sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&sheet.name)?;
        match sheet.kind {
            SheetKind::Form if !sheet.sums.is_empty() => sums_sheet(ws, cfg, sheet)?,
            SheetKind::Form => cover_sheet(ws, cfg, sheet, req, &quarter)?,
            SheetKind::Table => table_sheet(ws, cfg, sheet, req, &quarter)?,
        }
    }
    Ok(Some(wb))
}

struct Quarter {
    start: NaiveDate,
    end: NaiveDate,
}

impl Quarter {
    fn bound(&self, b: DateBound) -> NaiveDate {
        match b {
            DateBound::QuarterStart => self.start,
            DateBound::QuarterEnd => self.end,
        }
    }
}

/// Light yellow: a cover field the provider fills in.
const INPUT_FILL: Color = Color::RGB(0xFFF2CC);

fn number_format(ty: FieldType, places: Option<u32>) -> Option<&'static str> {
    match (ty, places) {
        (FieldType::Money, _) => Some("#,##0.00 \"€\""),
        (FieldType::Date, _) => Some("dd.mm.yyyy"),
        (FieldType::Integer, _) => Some("0"),
        (FieldType::Decimal, Some(0)) => Some("0"),
        (FieldType::Decimal, Some(1)) => Some("0.0"),
        (FieldType::Decimal, _) => Some("0.00"),
        _ => None,
    }
}

fn cell_format(col: &Column) -> Format {
    let f = Format::new();
    match number_format(col.def.ty, col.def.decimal_places) {
        Some(n) => f.set_num_format(n),
        None if col.def.ty == FieldType::Text => f.set_num_format("@"),
        None => f,
    }
}

/// The cover: title, then one label/value row per field; the provider's facts filled in.
fn cover_sheet(
    ws: &mut Worksheet,
    cfg: &Config,
    sheet: &Sheet,
    req: &Request,
    quarter: &Quarter,
) -> Result<(), XlsxError> {
    let (lc, vc) = (col16(sheet.label_col), col16(sheet.value_col));
    ws.set_column_width(lc, 24)?;
    ws.set_column_width(vc, 48)?;
    let first = sheet.first_row;
    let title = Format::new().set_bold().set_font_size(14);
    ws.merge_range(
        first,
        lc.min(vc),
        first,
        lc.max(vc),
        &format!("Quartalsmeldung Sozialraumbudget {}", cfg.district.name),
        &title,
    )?;
    let label = Format::new().set_bold();
    for (i, col) in sheet.columns.iter().enumerate() {
        let row = first + 1 + i as u32;
        ws.write_string_with_format(row, lc, col.title(), &label)?;
        let fmt = cell_format(col);
        match (col.def.reference, col.def.key.as_str(), col.def.ty) {
            (Some(ReferenceKind::Provider), _, _) => {
                ws.write_string_with_format(row, vc, &req.provider.id, &fmt)?;
            }
            (Some(ReferenceKind::ProviderName), _, _) => {
                ws.write_string_with_format(row, vc, &req.provider.name, &fmt)?;
            }
            (_, "year", _) => {
                ws.write_number_with_format(row, vc, f64::from(req.year), &fmt)?;
            }
            (_, _, FieldType::Quarter) => {
                ws.write_number_with_format(row, vc, f64::from(req.quarter), &fmt)?;
            }
            _ => {
                ws.write_blank(row, vc, &fmt.set_background_color(INPUT_FILL))?;
                if let Some(v) = validation(cfg, sheet, col, req, quarter)? {
                    ws.add_data_validation(row, vc, row, vc, &v)?;
                }
            }
        }
    }
    Ok(())
}

/// The provider's own totals: one `SUM` over each summed table column.
fn sums_sheet(ws: &mut Worksheet, cfg: &Config, sheet: &Sheet) -> Result<(), XlsxError> {
    let (lc, vc) = (col16(sheet.label_col), col16(sheet.value_col));
    ws.set_column_width(lc, 24)?;
    ws.set_column_width(vc, 18)?;
    let label = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00 \"€\"");
    let first = sheet.first_row;
    for (i, (field, parts)) in sheet.sums.iter().enumerate() {
        let row = first + i as u32;
        let Some(col) = sheet.columns.get(*field) else {
            continue;
        };
        let terms: Vec<String> = parts
            .iter()
            .filter_map(|(table, idx)| {
                let letter = column_number_to_name(col16(u32::try_from(*idx).ok()?));
                cfg.sheet(table)?;
                Some(format!(
                    "SUM('{}'!{letter}:{letter})",
                    table.replace('\'', "''")
                ))
            })
            .collect();
        ws.write_string_with_format(row, lc, col.title(), &label)?;
        let formula = Formula::new(format!("={}", terms.join("+"))).set_result("0");
        ws.write_formula_with_format(row, vc, formula, &money)?;
    }
    Ok(())
}

/// A table: header row, formats and input rules for `DATA_ROWS` rows, the
/// product rule as a formula.
fn table_sheet(
    ws: &mut Worksheet,
    cfg: &Config,
    sheet: &Sheet,
    req: &Request,
    quarter: &Quarter,
) -> Result<(), XlsxError> {
    let header = xlsx::header_format().set_align(rust_xlsxwriter::FormatAlign::Top);
    let last = DATA_ROWS;
    for (i, col) in sheet.columns.iter().enumerate() {
        let c = col16(u32::try_from(i).unwrap_or(u32::MAX));
        ws.write_string_with_format(0, c, col.title(), &header)?;
        let width: f64 = match col.def.ty {
            FieldType::Text if col.def.privacy && col.def.pattern.is_none() => 40.0,
            FieldType::Text | FieldType::Enum => 24.0,
            _ => 14.0,
        };
        ws.set_column_width(c, width.max(col.title().chars().count() as f64 * 0.9 + 2.0))?;
        ws.set_column_format(c, &cell_format(col))?;
        if let Some(v) = validation(cfg, sheet, col, req, quarter)? {
            ws.add_data_validation(1, c, last, c, &v)?;
        }
    }
    ws.set_row_height(0, 30)?;
    ws.set_freeze_panes(1, 0)?;
    for rule in &sheet.rules {
        if let Some(TemplateHint::Product { result, factors }) = rule.template() {
            product_formulas(ws, sheet, result, &factors)?;
        }
    }
    Ok(())
}

/// `=IF(AND(ISNUMBER(F2),ISNUMBER(G2)),ROUND(F2*G2,2),"")` in each prepared
/// row: the cost appears as soon as hours and rate are there. Rows nobody
/// fills keep an empty result (Excel), a 0 (LibreOffice) or no result yet
/// (the file as written here); `check` reads such rows as empty (ROWS-PREPARED).
fn product_formulas(
    ws: &mut Worksheet,
    sheet: &Sheet,
    result: usize,
    factors: &[usize],
) -> Result<(), XlsxError> {
    let Some(col) = sheet.columns.get(result) else {
        return Ok(());
    };
    let letter = |i: usize| column_number_to_name(col16(u32::try_from(i).unwrap_or(u32::MAX)));
    let c = col16(u32::try_from(result).unwrap_or(u32::MAX));
    let factors: Vec<String> = factors.iter().map(|&f| letter(f)).collect();
    let fmt = cell_format(col);
    for row in 1..=DATA_ROWS {
        let refs: Vec<String> = factors.iter().map(|l| format!("{l}{}", row + 1)).collect();
        let tests: Vec<String> = refs.iter().map(|r| format!("ISNUMBER({r})")).collect();
        let formula = format!(
            "=IF(AND({}),ROUND({},2),\"\")",
            tests.join(","),
            refs.join("*")
        );
        ws.write_formula_with_format(row, c, Formula::new(formula).set_result(""), &fmt)?;
    }
    Ok(())
}

/// The input rule and input message of one column or form field.
fn validation(
    cfg: &Config,
    sheet: &Sheet,
    col: &Column,
    req: &Request,
    quarter: &Quarter,
) -> Result<Option<DataValidation>, XlsxError> {
    let def = &col.def;
    let mut hints: Vec<String> = Vec::new();
    if def.required {
        hints.push("Pflichtfeld.".into());
    }
    let idx = sheet.column_index(&def.key);
    let v = match def.ty {
        FieldType::Enum => {
            let mut values: Vec<String> = match def.enum_set {
                Some(EnumSet::Sozialraum) => cfg
                    .sozialraum_names(Some(req.year))
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
                Some(EnumSet::HelpType) => cfg.help_types.iter().map(|h| h.name.clone()).collect(),
                None => Vec::new(),
            };
            if def.allow_county_wide {
                values.push(cfg.county_wide.name.clone());
            }
            hints.push("Bitte aus der Liste wählen.".into());
            list(&values)
        }
        FieldType::Bool => {
            hints.push("ja oder nein.".into());
            list(&["ja".to_string(), "nein".to_string()])
        }
        FieldType::Date => {
            let (rule, hint) = date_rule(sheet, idx, def.not_before, quarter)?;
            hints.push(hint);
            DataValidation::new().allow_date(rule)
        }
        FieldType::Money | FieldType::Decimal => {
            if def.reference == Some(ReferenceKind::ProviderRate) {
                hints.push(format!(
                    "Vertraglicher Satz von {}: {} €.",
                    req.provider.id,
                    crate::coerce::show_money(req.provider.rate, crate::i18n::Lang::De)
                ));
                DataValidation::new()
                    .allow_decimal_number(DataValidationRule::EqualTo(to_f64(req.provider.rate)))
            } else {
                let (rule, hint) = number_rule(def.minimum, def.maximum, def.exclusive_minimum);
                hints.push(hint);
                if let Some(product) = product_hint(sheet, idx) {
                    hints.push(product);
                }
                DataValidation::new().allow_decimal_number(rule)
            }
        }
        FieldType::Integer => {
            let (rule, hint) = number_rule(def.minimum, def.maximum, def.exclusive_minimum);
            hints.push(hint.replace("Zahl", "ganze Zahl"));
            DataValidation::new().allow_whole_number(whole(rule))
        }
        FieldType::Quarter => {
            hints.push("1 bis 4.".into());
            DataValidation::new().allow_whole_number(DataValidationRule::Between(1, 4))
        }
        FieldType::Text => {
            if let Some(p) = &def.pattern_text {
                hints.push(format!("Form: {p}."));
            }
            if def.privacy {
                hints
                    .push("Keine Namen, Geburtsdaten oder Anschriften (Sozialdatenschutz).".into());
            }
            match (def.unique, sheet.kind, idx) {
                (true, SheetKind::Table, Some(i)) => {
                    hints.push("Jeder Wert nur einmal.".into());
                    let l = column_number_to_name(col16(u32::try_from(i).unwrap_or(u32::MAX)));
                    let f = format!("=COUNTIF(${l}$2:${l}${},{l}2)=1", DATA_ROWS + 1);
                    DataValidation::new().allow_custom(Formula::new(f))
                }
                _ => DataValidation::new().allow_any_value(),
            }
        }
    };
    let message = clip(&hints.join(" "), 255);
    let v = v
        .set_input_title(clip(col.title(), 32))?
        .set_input_message(message.clone())?
        .set_error_title(clip(col.title(), 32))?
        .set_error_message(message)?
        .set_error_style(DataValidationErrorStyle::Stop);
    Ok(Some(v))
}

/// "= Fachleistungsstunden × Stundensatz, auf den Cent gerundet." for the
/// result of a `product` rule (its cells carry that formula).
fn product_hint(sheet: &Sheet, idx: Option<usize>) -> Option<String> {
    sheet.rules.iter().find_map(|rule| match rule.template() {
        Some(TemplateHint::Product { result, factors }) if Some(result) == idx => {
            let names: Vec<&str> = factors
                .iter()
                .filter_map(|f| sheet.columns.get(*f).map(|c| c.title()))
                .collect();
            Some(format!("= {}, auf den Cent gerundet.", names.join(" × ")))
        }
        _ => None,
    })
}

/// A dropdown list: inline when it fits Excel's 255 characters, else none
/// (the message still names the rule, and `check` catches the rest).
fn list(values: &[String]) -> DataValidation {
    if values.iter().all(|v| !v.contains(',')) {
        if let Ok(v) = DataValidation::new().allow_list_strings(values) {
            return v;
        }
    }
    DataValidation::new().allow_any_value()
}

/// The date bound of a column: the cover's `not_before`, or the table's
/// `in_quarter` rule (begin on or before the quarter's end, end on or after its start).
fn date_rule(
    sheet: &Sheet,
    idx: Option<usize>,
    not_before: Option<DateBound>,
    quarter: &Quarter,
) -> Result<(DataValidationRule<ExcelDateTime>, String), XlsxError> {
    let de = crate::coerce::date::format_de;
    if let Some(b) = not_before {
        let d = quarter.bound(b);
        return Ok((
            DataValidationRule::GreaterThanOrEqualTo(excel_date(d)?),
            format!("Datum (TT.MM.JJJJ), frühestens {}.", de(d)),
        ));
    }
    for rule in &sheet.rules {
        if let Some(TemplateHint::DatesInQuarter { begin, end }) = rule.template() {
            if Some(begin) == idx {
                return Ok((
                    DataValidationRule::LessThanOrEqualTo(excel_date(quarter.end)?),
                    format!("Datum (TT.MM.JJJJ), spätestens {}.", de(quarter.end)),
                ));
            }
            if Some(end) == idx {
                return Ok((
                    DataValidationRule::GreaterThanOrEqualTo(excel_date(quarter.start)?),
                    format!(
                        "Datum (TT.MM.JJJJ), frühestens {}; leer, solange die Hilfe läuft.",
                        de(quarter.start)
                    ),
                ));
            }
        }
    }
    // Any real date: Excel's own range, so text such as "demnächst" is refused.
    Ok((
        DataValidationRule::Between(
            ExcelDateTime::from_ymd(1900, 1, 1)?,
            ExcelDateTime::from_ymd(9999, 12, 31)?,
        ),
        "Datum (TT.MM.JJJJ).".into(),
    ))
}

fn number_rule(
    min: Option<Decimal>,
    max: Option<Decimal>,
    exclusive_min: Option<Decimal>,
) -> (DataValidationRule<f64>, String) {
    let show = |d: Decimal| d.normalize().to_string().replace('.', ",");
    match (min, max, exclusive_min) {
        (Some(lo), Some(hi), _) => (
            DataValidationRule::Between(to_f64(lo), to_f64(hi)),
            format!("Zahl von {} bis {}.", show(lo), show(hi)),
        ),
        (_, _, Some(lo)) => (
            DataValidationRule::GreaterThan(to_f64(lo)),
            format!("Zahl größer als {}.", show(lo)),
        ),
        (Some(lo), None, None) => (
            DataValidationRule::GreaterThanOrEqualTo(to_f64(lo)),
            format!("Zahl ab {}.", show(lo)),
        ),
        (None, Some(hi), None) => (
            DataValidationRule::LessThanOrEqualTo(to_f64(hi)),
            format!("Zahl bis {}.", show(hi)),
        ),
        (None, None, None) => (
            DataValidationRule::Between(-1e15, 1e15),
            "Eine Zahl.".into(),
        ),
    }
}

fn whole(rule: DataValidationRule<f64>) -> DataValidationRule<i32> {
    let i = |f: f64| f.clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32;
    match rule {
        DataValidationRule::Between(a, b) => DataValidationRule::Between(i(a), i(b)),
        DataValidationRule::GreaterThan(a) => DataValidationRule::GreaterThan(i(a)),
        DataValidationRule::GreaterThanOrEqualTo(a) => {
            DataValidationRule::GreaterThanOrEqualTo(i(a))
        }
        DataValidationRule::LessThanOrEqualTo(a) => DataValidationRule::LessThanOrEqualTo(i(a)),
        _ => DataValidationRule::Between(i32::MIN, i32::MAX),
    }
}

fn to_f64(d: Decimal) -> f64 {
    d.to_f64().unwrap_or_default()
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(
        u16::try_from(d.year()).unwrap_or(1900),
        u8::try_from(d.month()).unwrap_or(1),
        u8::try_from(d.day()).unwrap_or(1),
    )
}

fn col16(c: u32) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// At most `n` characters (Excel's limits for input titles and messages).
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}
