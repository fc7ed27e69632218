//! The annotated copy (`check --annotate`): a first sheet `Prüfbericht` with
//! every finding and a link to its cell, then every sheet of the input with
//! every value at its original position, bad cells filled and explained in a
//! note. Built from the check's findings; no rule is evaluated here.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use rust_xlsxwriter::{Format, FormatAlign, Formula, Note, Url, Workbook, Worksheet};

use crate::coerce;
use crate::config::Config;
use crate::finding::severity_word;
use crate::finding::{FileReport, Finding, Severity};
use crate::i18n::{t, Lang};
use crate::read::sniff::OwnOutput;
use crate::read::{Input, InputReader, NumberFormats, Raw, Workbook as InputWorkbook};
use crate::xlsx::{self, SheetNames, WriteError};

/// Excel allows 65,530 hyperlinks per sheet; beyond, links become HYPERLINK formulas.
const MAX_URLS: usize = 65_000;

pub struct AnnotateRequest<'a> {
    /// The input's path: its name titles the copy, and the copy never replaces it.
    pub input: &'a Path,
    pub report: &'a FileReport,
    /// The input's bytes as the check read them; `None` for an input that
    /// could not be read (it gets a report-only workbook).
    pub source: Option<&'a Input<'a>>,
    pub created: Option<NaiveDate>,
    pub check_date: NaiveDate,
    pub lang: Lang,
    /// Number formats per sheet, when parsed already (`number_formats`,
    /// alongside the check); otherwise each sheet's are read here.
    pub formats: Option<HashMap<String, NumberFormats>>,
}

/// The number formats of every worksheet of an xlsx input (a second pass
/// over each sheet, so worth running alongside the check). `None` for other
/// formats or an unreadable input.
pub fn number_formats(input: &Input) -> Option<HashMap<String, NumberFormats>> {
    let mut input = input.workbook().ok()?;
    let names: Vec<String> = input.sheets.iter().map(|s| s.name.clone()).collect();
    let mut out = HashMap::new();
    for name in names {
        if let Some(f) = input.number_formats(&name) {
            out.insert(name, f);
        }
    }
    Some(out)
}

/// Builds the annotated workbook in memory.
pub fn build(req: &AnnotateRequest, cfg: &Config) -> Result<Workbook, WriteError> {
    let mut wb = Workbook::new();
    let lang = req.lang;
    let created: NaiveDateTime = req
        .created
        .or_else(|| NaiveDate::from_ymd_opt(2000, 1, 1))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    let file_name = req
        .input
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let title = format!("{} – {}", t(lang, "Prüfbericht", "Check report"), file_name);
    wb.set_properties(&xlsx::properties(&title, created, OwnOutput::AnnotatedCopy));

    let mut names = SheetNames::new();
    let report_name = names.reserve(t(lang, "Prüfbericht", "Check report"));
    // Copied sheets keep their names where Excel allows them.
    let mut copies: Vec<(String, String, bool)> = Vec::new();
    let mut input = None;
    if let Some(source) = req.source {
        if let Ok(mut opened) = source.workbook() {
            for s in &opened.sheets {
                copies.push((s.name.clone(), names.reserve(&s.name), s.hidden));
            }
            let mut sheets = Vec::new();
            for (original, written, hidden) in &copies {
                let prepared = req.formats.as_ref().and_then(|m| m.get(original));
                sheets.push(copy_sheet(
                    &mut opened,
                    prepared,
                    cfg,
                    req.report,
                    original,
                    written,
                    *hidden,
                    lang,
                )?);
            }
            input = Some(sheets);
        }
    }
    let written_name: HashMap<&str, &str> = copies
        .iter()
        .map(|(o, w, _)| (o.as_str(), w.as_str()))
        .collect();
    let mut report = report_sheet(req, &report_name, &file_name, &written_name)?;
    report.set_active(true);
    wb.push_worksheet(report);
    for ws in input.unwrap_or_default() {
        wb.push_worksheet(ws);
    }
    Ok(wb)
}

/// Writes the annotated workbook to `out` (temporary file + rename).
pub fn write(
    req: &AnnotateRequest,
    cfg: &Config,
    out: &Path,
    replace: bool,
) -> Result<(), WriteError> {
    xlsx::refuse_overwrite(out, &[req.input.to_path_buf()])?;
    let mut wb = build(req, cfg)?;
    xlsx::save_atomic(&mut wb, out, replace)
}

fn report_sheet(
    req: &AnnotateRequest,
    name: &str,
    file_name: &str,
    written: &HashMap<&str, &str>,
) -> Result<Worksheet, WriteError> {
    let lang = req.lang;
    let r = req.report;
    let mut ws = Worksheet::new();
    ws.set_name(name)?;
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    ws.write_string_with_format(
        0,
        0,
        format!("{} – {}", t(lang, "Prüfbericht", "Check report"), file_name),
        &title,
    )?;
    let facts: Vec<(&str, String)> = vec![
        (t(lang, "Datei", "File"), file_name.to_string()),
        (
            t(lang, "Träger", "Provider"),
            r.provider.clone().unwrap_or_default(),
        ),
        (
            t(lang, "Quartal", "Quarter"),
            match (r.year, r.quarter) {
                (Some(y), Some(q)) => format!("{y}-Q{q}"),
                _ => String::new(),
            },
        ),
        ("SHA-256", r.sha256.clone().unwrap_or_default()),
        (
            t(lang, "Geprüft am", "Checked on"),
            coerce::date::format_de(req.check_date),
        ),
        (t(lang, "Fehler", "Errors"), r.summary.errors.to_string()),
        (
            t(lang, "Warnungen", "Warnings"),
            r.summary.warnings.to_string(),
        ),
        (t(lang, "Hinweise", "Infos"), r.summary.infos.to_string()),
    ];
    for (i, (label, value)) in facts.iter().enumerate() {
        let row = 2 + i as u32;
        ws.write_string_with_format(row, 0, *label, &bold)?;
        ws.write_string(row, 1, value)?;
    }
    let header_row = 2 + facts.len() as u32 + 1;
    let headers = xlsx::finding_headers(lang);
    let hf = xlsx::header_format();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(header_row, c as u16, *h, &hf)?;
    }
    let widths = [10.0, 12.0, 26.0, 16.0, 8.0, 22.0, 22.0, 70.0, 50.0];
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    if r.findings.is_empty() {
        let ok = Format::new()
            .set_bold()
            .set_font_color(rust_xlsxwriter::Color::RGB(0x006100));
        ws.write_string_with_format(
            header_row + 1,
            0,
            t(lang, "Keine Befunde", "No findings"),
            &ok,
        )?;
        ws.set_freeze_panes(header_row + 1, 0)?;
        return Ok(ws);
    }
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let sev_formats: HashMap<Severity, Format> =
        [Severity::Error, Severity::Warning, Severity::Info]
            .into_iter()
            .map(|s| {
                (
                    s,
                    Format::new()
                        .set_background_color(xlsx::severity_fill(s))
                        .set_align(FormatAlign::Top),
                )
            })
            .collect();
    let link_format = Format::new()
        .set_font_color(rust_xlsxwriter::Color::Blue)
        .set_underline(rust_xlsxwriter::FormatUnderline::Single)
        .set_align(FormatAlign::Top);
    for (i, f) in r.findings.iter().enumerate() {
        let row = header_row + 1 + i as u32;
        let sf = sev_formats.get(&f.severity).cloned().unwrap_or_default();
        ws.write_string_with_format(row, 0, severity_word(lang, f.severity), &sf)?;
        ws.write_string_with_format(row, 1, f.rule.as_str(), &wrap)?;
        ws.write_string_with_format(row, 2, f.code.as_ref(), &wrap)?;
        ws.write_string_with_format(row, 3, f.sheet.clone().unwrap_or_default(), &wrap)?;
        match (&f.sheet, &f.a1()) {
            (Some(sheet), Some(cell)) if written.contains_key(sheet.as_str()) => {
                let target = written.get(sheet.as_str()).copied().unwrap_or(sheet);
                if i < MAX_URLS {
                    let url = Url::new(xlsx::internal_link(target, cell)).set_text(cell);
                    ws.write_url_with_format(row, 4, url, &link_format)?;
                } else {
                    let formula = format!(
                        "=HYPERLINK(\"#'{}'!{}\",\"{}\")",
                        target.replace('\'', "''").replace('"', "\"\""),
                        cell,
                        cell
                    );
                    ws.write_formula_with_format(
                        row,
                        4,
                        Formula::new(formula).set_result(cell),
                        &link_format,
                    )?;
                }
            }
            (_, Some(cell)) => {
                ws.write_string_with_format(row, 4, cell, &wrap)?;
            }
            _ => {}
        }
        ws.write_string_with_format(row, 5, f.column.clone().unwrap_or_default(), &wrap)?;
        // Privacy findings never carry their value (it is null in the finding).
        ws.write_string_with_format(row, 6, f.value.clone().unwrap_or_default(), &wrap)?;
        let (message, hint) = crate::registry::render(f, lang);
        ws.write_string_with_format(row, 7, &message, &wrap)?;
        ws.write_string_with_format(row, 8, hint.unwrap_or_default(), &wrap)?;
    }
    let last = header_row + r.findings.len() as u32;
    ws.autofilter(header_row, 0, last, (headers.len() - 1) as u16)?;
    ws.set_freeze_panes(header_row + 1, 0)?;
    Ok(ws)
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Text,
    Number,
    Date,
    Bool,
}

/// Formats by (kind, severity) and number format, built once each; looked up
/// per cell without an allocation.
struct Formats {
    cache: HashMap<(Kind, Option<Severity>), FormatList>,
    plain: Format,
}

/// The formats of one (kind, severity): number format, the address of the
/// reader's copy of that text (cells of one style share it, so most lookups
/// compare two numbers, not two strings), format.
type FormatList = Vec<(String, usize, Format)>;

impl Formats {
    fn new() -> Self {
        Formats {
            cache: HashMap::new(),
            plain: Format::new(),
        }
    }

    fn get(&mut self, kind: Kind, num_format: &str, sev: Option<Severity>) -> &Format {
        let Formats { cache, plain } = self;
        let list = cache.entry((kind, sev)).or_default();
        let addr = num_format.as_ptr() as usize;
        let same_text = |nf: &String, a: usize| a == addr && nf.len() == num_format.len();
        if !list.iter().any(|(nf, a, _)| same_text(nf, *a)) {
            let format = list
                .iter()
                .find(|(nf, _, _)| nf == num_format)
                .map(|(_, _, f)| f.clone())
                .unwrap_or_else(|| Self::make(kind, num_format, sev));
            list.push((num_format.to_string(), addr, format));
        }
        list.iter()
            .find(|(nf, a, _)| same_text(nf, *a))
            .map_or(plain, |(_, _, f)| f)
    }

    fn make(kind: Kind, num_format: &str, sev: Option<Severity>) -> Format {
        let mut f = Format::new();
        let nf = match kind {
            Kind::Date if num_format.is_empty() || num_format == "General" => "dd.mm.yyyy",
            _ => num_format,
        };
        if !nf.is_empty() && nf != "General" {
            f = f.set_num_format(nf);
        }
        if kind == Kind::Text {
            // Provider text is text: never a formula, whatever it starts with.
            f = f.set_quote_prefix();
        }
        if let Some(s) = sev {
            f = f.set_background_color(xlsx::severity_fill(s));
        }
        f
    }
}

/// About how many characters a cell shows, for the column width, without
/// formatting every value (a copy holds up to millions of cells).
fn shown_width(raw: &Raw) -> usize {
    match raw {
        Raw::Empty => 0,
        Raw::Text(s) => s.chars().take(64).count(),
        Raw::Error(s) | Raw::NoValue(s) => s.chars().take(64).count(),
        Raw::Number(f) => number_width(*f),
        Raw::Int(i) => number_width(*i as f64),
        Raw::Bool(_) => 4,
        Raw::DateTime(_) => 10,
    }
}

/// Digits with German thousands separators and two decimals.
fn number_width(f: f64) -> usize {
    let a = f.abs();
    let digits = if a < 10.0 || !a.is_finite() {
        1
    } else {
        (a.log10().floor() as usize).min(30) + 1
    };
    digits + (digits - 1) / 3 + 3 + usize::from(f < 0.0)
}

#[allow(clippy::too_many_arguments)]
fn copy_sheet(
    input: &mut InputWorkbook<InputReader<'_>>,
    prepared: Option<&NumberFormats>,
    cfg: &Config,
    report: &FileReport,
    original: &str,
    written: &str,
    hidden: bool,
    lang: Lang,
) -> Result<Worksheet, WriteError> {
    let mut ws = Worksheet::new();
    ws.set_name(written)?;
    if hidden {
        ws.set_hidden(true);
    }
    // The findings of this sheet, by cell; several share one note.
    let mut marks: BTreeMap<(u32, u32), Vec<&Finding>> = BTreeMap::new();
    for f in report
        .findings
        .iter()
        .filter(|f| f.sheet.as_deref() == Some(original))
    {
        if let Some(p) = f.pos() {
            marks.entry((p.row, p.col)).or_default().push(f);
        }
    }
    let worst = |v: &Vec<&Finding>| v.iter().map(|f| f.severity).min();
    let parsed_here;
    let num_formats = match prepared {
        Some(p) => Some(p),
        None => {
            parsed_here = input.number_formats(original);
            parsed_here.as_ref()
        }
    };
    let mut formats = Formats::new();
    let mut widths: HashMap<u32, usize> = HashMap::new();
    let mut first_error: Option<WriteError> = None;
    let mut filled: std::collections::HashSet<(u32, u32)> = std::collections::HashSet::new();
    let _ = input.for_each_row(original, &cfg.limits, |row, cells| {
        for cell in cells {
            let sev = marks.get(&(row, cell.col)).and_then(worst);
            if sev.is_some() {
                filled.insert((row, cell.col));
            }
            let nf = num_formats.and_then(|m| m.get(row, cell.col)).unwrap_or("");
            let (r, Ok(c)) = (row, u16::try_from(cell.col)) else {
                continue;
            };
            let w = widths.entry(cell.col).or_insert(0);
            *w = (*w).max(shown_width(&cell.raw));
            let res = match &cell.raw {
                Raw::Empty => Ok(&mut ws),
                Raw::Text(s) => {
                    ws.write_string_with_format(r, c, s.as_str(), formats.get(Kind::Text, "", sev))
                }
                Raw::Number(f) => {
                    ws.write_number_with_format(r, c, *f, formats.get(Kind::Number, nf, sev))
                }
                Raw::Int(i) => {
                    ws.write_number_with_format(r, c, *i as f64, formats.get(Kind::Number, nf, sev))
                }
                Raw::Bool(b) => {
                    ws.write_boolean_with_format(r, c, *b, formats.get(Kind::Bool, "", sev))
                }
                Raw::DateTime(dt) => {
                    ws.write_datetime_with_format(r, c, dt, formats.get(Kind::Date, nf, sev))
                }
                Raw::Error(e) | Raw::NoValue(e) => {
                    ws.write_string_with_format(r, c, e, formats.get(Kind::Text, "", sev))
                }
            };
            if let Err(e) = res {
                first_error.get_or_insert(WriteError::Xlsx(e));
                return false;
            }
        }
        true
    });
    if let Some(e) = first_error {
        return Err(e);
    }
    for ((row, col), fs) in &marks {
        let (r, Ok(c)) = (*row, u16::try_from(*col)) else {
            continue;
        };
        let sev = worst(fs);
        // Cells that were empty in the input carry only the fill.
        if !filled.contains(&(*row, *col)) {
            ws.write_blank(r, c, formats.get(Kind::Text, "", sev))?;
        }
        let mut ordered = fs.clone();
        ordered.sort_by_key(|f| f.severity);
        let text: Vec<String> = ordered
            .iter()
            .map(|f| {
                let (message, hint) = crate::registry::render(f, lang);
                let mut s = format!(
                    "{} [{}]: {}",
                    severity_word(lang, f.severity),
                    f.code,
                    message
                );
                if let Some(h) = &hint {
                    s.push_str(&format!("\n{} {}", t(lang, "Hilfe:", "Help:"), h));
                }
                s
            })
            .collect();
        let note = Note::new(text.join("\n\n"))
            .set_author("sozialraum")
            .add_author_prefix(false)
            .set_width(360)
            .set_height(160);
        ws.insert_note(r, c, &note)?;
    }
    for (col, w) in widths {
        if let Ok(c) = u16::try_from(col) {
            let width = (w as f64 * 1.1 + 2.0).clamp(6.0, 60.0);
            ws.set_column_width(c, width)?;
        }
    }
    Ok(ws)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_the_text_of_the_number_format_not_its_address() {
        let mut formats = Formats::new();
        let (a, b) = (String::from("0.00"), String::from("0.00"));
        let first = formats.get(Kind::Number, &a, None).clone();
        let again = formats.get(Kind::Number, &b, None).clone();
        assert_eq!(first, again);
        assert_eq!(first, Format::new().set_num_format("0.00"));
        let other = formats.get(Kind::Number, "#,##0.00 \"€\"", None).clone();
        assert_ne!(first, other);
        let filled = formats.get(Kind::Number, &a, Some(Severity::Error)).clone();
        assert_eq!(
            filled,
            Format::new()
                .set_num_format("0.00")
                .set_background_color(xlsx::severity_fill(Severity::Error))
        );
        // Text is always text (quote prefix), dates get a date format.
        assert_eq!(
            formats.get(Kind::Text, "", None).clone(),
            Format::new().set_quote_prefix()
        );
        assert_eq!(
            formats.get(Kind::Date, "", None).clone(),
            Format::new().set_num_format("dd.mm.yyyy")
        );
    }

    #[test]
    fn column_widths_are_estimated_like_the_shown_value() {
        assert_eq!(shown_width(&Raw::Number(5.0)), "5,00".len());
        assert_eq!(shown_width(&Raw::Number(3636.67)), "3.636,67".len());
        assert_eq!(shown_width(&Raw::Number(-1234567.5)), "-1.234.567,50".len());
        assert_eq!(shown_width(&Raw::Int(100)), "100,00".len());
        assert_eq!(shown_width(&Raw::Text("Dörverden".into())), 9);
        assert_eq!(shown_width(&Raw::Number(f64::NAN)), 4);
    }
}
