//! The annotated copy (`check --annotate`): the provider's workbook with a
//! first sheet `Prüfbericht` listing every finding with a link to its cell,
//! each finding cell filled and explained in a note. Built from the check's
//! findings; no rule is evaluated here.
//!
//! An `.xlsx`/`.xlsm` gets the overlay ([`crate::render::overlay`]): the
//! original package with the report, fills and notes laid over it, so it
//! stays the provider's working workbook (formulas, dropdowns, formats).
//! `.xls`, `.ods` and `.xlsb`, and a package the overlay does not
//! understand, get a rebuilt copy (rust_xlsxwriter: every value at its
//! place, formulas as values), and its report says so.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Formula, Note, Url, Workbook, Worksheet};

use crate::coerce;
use crate::config::Config;
use crate::finding::severity_word;
use crate::finding::{FileReport, Finding, Severity};
use crate::i18n::{t, Lang};
use crate::pipeline::REPORT_SHEETS;
use crate::read::sniff::{self, OwnOutput};
use crate::read::{Input, InputReader, NumberFormats, Raw, Workbook as InputWorkbook};
use crate::render::overlay;
use crate::render::report_sheet::{Column, Mark, ReportCell, ReportRow, ReportSheet, Style, Value};
use crate::xlsx::{self, SheetNames, WriteError};

/// Excel allows 65,530 hyperlinks per sheet; beyond, links become HYPERLINK formulas.
const MAX_URLS: usize = overlay::report::MAX_URLS;

pub struct AnnotateRequest<'a> {
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

/// Whether the copy of this input is rebuilt (and so needs the sheets'
/// number formats): everything but an xlsx package, which gets the overlay.
pub fn is_rebuilt(input: &Input) -> bool {
    input.format() != sniff::Format::Xlsx
}

/// The number formats of every worksheet of an input (a second pass over
/// each sheet, so worth running alongside the check). `None` for an
/// unreadable input.
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

/// Writes the annotated copy to `out` (temporary file + rename).
pub fn write(
    req: &AnnotateRequest,
    cfg: &Config,
    out: &Path,
    replace: bool,
) -> Result<(), WriteError> {
    xlsx::refuse_overwrite(out, &[req.input.to_path_buf()])?;
    let macro_enabled = out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xlsm"));
    let bytes = copy_bytes(req, cfg, macro_enabled)?;
    xlsx::write_atomic(out, &bytes, replace)
}

/// The annotated copy as an `.xlsx` file's bytes, in memory (the portal's
/// copy: it never touches the disk). The same bytes [`write`] puts in a
/// file named `.xlsx`.
pub fn to_bytes(req: &AnnotateRequest, cfg: &Config) -> Result<Vec<u8>, WriteError> {
    copy_bytes(req, cfg, false)
}

/// The copy's bytes: the overlay where it applies, else the rebuilt copy.
/// `macro_enabled`: the copy is named `.xlsm`.
fn copy_bytes(
    req: &AnnotateRequest,
    cfg: &Config,
    macro_enabled: bool,
) -> Result<Vec<u8>, WriteError> {
    let lang = req.lang;
    // A rebuilt copy named .xlsm is declared macro-enabled (it has no
    // macros): Excel refuses a file whose name and content disagree.
    let named = |bytes: Vec<u8>| -> Vec<u8> {
        if macro_enabled {
            overlay::declare_macro_enabled(&bytes).unwrap_or(bytes)
        } else {
            bytes
        }
    };
    let Some(source) = req.source else {
        return rebuilt_bytes(req, cfg, &[]).map(named);
    };
    let why = match source.format() {
        sniff::Format::Xlsx => {
            match overlay_bytes(req, source.bytes(), source.sniffed().own, macro_enabled) {
                Ok(bytes) => return Ok(bytes),
                Err(e) => Some(e.message(lang)),
            }
        }
        _ => None,
    };
    let notice = match (why, lang) {
        (None, Lang::De) => "Kopie neu aufgebaut: Formeln als Werte, Dropdowns entfallen; bitte Korrekturen in der Originaldatei vornehmen".to_string(),
        (None, Lang::En) => "Copy rebuilt: formulas as values, dropdowns dropped; please make corrections in the original file".to_string(),
        (Some(why), Lang::De) => format!("Kopie neu aufgebaut ({why}): Formeln als Werte, Dropdowns entfallen; bitte Korrekturen in der Originaldatei vornehmen"),
        (Some(why), Lang::En) => format!("Copy rebuilt ({why}): formulas as values, dropdowns dropped; please make corrections in the original file"),
    };
    rebuilt_bytes(req, cfg, &[notice]).map(named)
}

/// The overlay on the original package; a panic in it counts as a part it
/// did not understand.
fn overlay_bytes(
    req: &AnnotateRequest,
    original: &[u8],
    own: Option<OwnOutput>,
    macro_enabled: bool,
) -> Result<Vec<u8>, overlay::OverlayError> {
    let lang = req.lang;
    let earlier: Vec<&str> = REPORT_SHEETS.to_vec();
    let earlier_copy = (own == Some(OwnOutput::AnnotatedCopy)).then_some(earlier.as_slice());
    let run = || -> Result<Vec<u8>, overlay::OverlayError> {
        let sheets = overlay::sheet_names(original)?;
        let mut notices = Vec::new();
        if !macro_enabled && overlay::has_macros(original) {
            notices.push(
                t(
                    lang,
                    "Makros nicht übernommen: die Kopie ist eine .xlsx-Datei (als .xlsm angelegt, behält sie sie)",
                    "Macros left out: the copy is an .xlsx file (named .xlsm, it keeps them)",
                )
                .to_string(),
            );
        }
        let kept = |s: &str| {
            sheets.iter().any(|n| n == s) && !earlier_copy.is_some_and(|e| e.contains(&s))
        };
        let link = |sheet: &str| kept(sheet).then(|| sheet.to_string());
        let report_name = t(lang, "Prüfbericht", "Check report");
        let model = check_report(req, report_name, &link, &notices);
        let marks: Vec<Mark> = marks(req.report, lang)
            .into_iter()
            .filter(|m| kept(&m.sheet))
            .collect();
        let properties = [(OwnOutput::PROPERTY, OwnOutput::AnnotatedCopy.as_str())];
        overlay::apply(
            original,
            &overlay::Request {
                marks: &marks,
                report: &model,
                properties: &properties,
                earlier_copy,
                macro_enabled,
            },
        )
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).unwrap_or_else(|_| {
        Err(overlay::OverlayError::Unsupported(
            t(lang, "interner Fehler", "internal error").into(),
        ))
    })
}

/// One mark per finding cell: the worst severity, the notes of all its
/// findings (worst first).
pub fn marks(report: &FileReport, lang: Lang) -> Vec<Mark> {
    let mut by_cell: BTreeMap<(&str, u32, u32), Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        if let (Some(sheet), Some(p)) = (f.sheet.as_deref(), f.pos()) {
            by_cell.entry((sheet, p.row, p.col)).or_default().push(f);
        }
    }
    by_cell
        .into_iter()
        .map(|((sheet, row, col), mut fs)| {
            fs.sort_by_key(|f| f.severity);
            let note: Vec<String> = fs
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
            Mark {
                sheet: sheet.to_string(),
                row,
                col,
                severity: fs.first().map_or(Severity::Info, |f| f.severity),
                note: note.join("\n\n"),
            }
        })
        .collect()
}

/// The report sheet as data. `link_sheet` gives the name under which a
/// finding's sheet exists in the copy (`None`: not there, no link);
/// `notices` are lines about the copy itself, shown under the title.
pub fn check_report(
    req: &AnnotateRequest,
    name: &str,
    link_sheet: &dyn Fn(&str) -> Option<String>,
    notices: &[String],
) -> ReportSheet {
    let lang = req.lang;
    let r = req.report;
    let file_name = req
        .input
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    // The verdict first: what a clerk needs in ten seconds.
    let (errors, warnings) = (r.summary.errors, r.summary.warnings);
    let verdict_style = if errors > 0 {
        Style::VerdictBad
    } else {
        Style::VerdictOk
    };
    let mut top = vec![
        ReportRow::new(vec![ReportCell::text(
            format!("{} – {}", t(lang, "Prüfbericht", "Check report"), file_name),
            Style::Title,
        )]),
        ReportRow::new(vec![ReportCell::text(
            super::digest::verdict(errors, warnings, lang),
            verdict_style,
        )]),
    ];
    for n in notices {
        top.push(ReportRow::new(vec![ReportCell::text(
            n.clone(),
            Style::Notice,
        )]));
    }
    top.push(ReportRow::blank());
    let text_facts: Vec<(&str, String)> = vec![
        (t(lang, "Datei", "File"), file_name.clone()),
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
    ];
    for (label, value) in text_facts {
        top.push(ReportRow::new(vec![
            ReportCell::text(label, Style::Label),
            ReportCell::text(value, Style::Plain),
        ]));
    }
    // Counts are numbers.
    for (label, n) in [
        (t(lang, "Fehler", "Errors"), errors),
        (t(lang, "Warnungen", "Warnings"), warnings),
        (t(lang, "Hinweise", "Infos"), r.summary.infos),
    ] {
        top.push(ReportRow::new(vec![
            ReportCell::text(label, Style::Label),
            ReportCell::number(n as f64, Style::Plain),
        ]));
    }
    top.push(ReportRow::blank());
    let columns = [
        (t(lang, "Schwere", "Severity"), 11.0),
        (t(lang, "Blatt", "Sheet"), 14.0),
        (t(lang, "Zelle", "Cell"), 10.0),
        (t(lang, "Spalte", "Column"), 18.0),
        (t(lang, "Wert", "Value"), 16.0),
        (t(lang, "Meldung", "Message"), 62.0),
        (t(lang, "Hinweis", "Hint"), 44.0),
        ("Code", 24.0),
    ]
    .iter()
    .map(|(h, width)| Column {
        header: h.to_string(),
        width: *width,
    })
    .collect();
    let mut sheets: Vec<String> = Vec::new();
    for s in r.findings.iter().filter_map(|f| f.sheet.as_deref()) {
        if !sheets.iter().any(|x| x == s) {
            sheets.push(s.to_string());
        }
    }
    let lines = super::digest::lines(&r.findings, &sheets, lang);
    let rows: Vec<ReportRow> = if lines.is_empty() {
        vec![ReportRow::new(vec![ReportCell::text(
            t(lang, "Keine Befunde", "No findings"),
            Style::VerdictOk,
        )])]
    } else {
        lines
            .iter()
            .map(|l| {
                let text = |s: Option<&str>| {
                    ReportCell::text(s.unwrap_or_default().to_string(), Style::Text)
                };
                let cell = match (l.sheet, &l.place, l.first) {
                    (Some(sheet), Some(place), Some(first)) => match link_sheet(sheet) {
                        Some(target) => ReportCell::link(place.clone(), &target, &first.a1()),
                        None => ReportCell::text(place.clone(), Style::Text),
                    },
                    (_, Some(place), _) => ReportCell::text(place.clone(), Style::Text),
                    _ => ReportCell::empty(),
                };
                ReportRow::new(vec![
                    ReportCell::text(
                        severity_word(lang, l.severity),
                        Style::of_severity(l.severity),
                    ),
                    text(l.sheet),
                    cell,
                    text(l.column),
                    // Privacy findings never carry their value (it is null in the finding).
                    text(l.value.as_deref()),
                    ReportCell::text(l.message.clone(), Style::Text),
                    text(l.hint.as_deref()),
                    ReportCell::text(l.code.to_string(), Style::Text),
                ])
            })
            .collect()
    };
    ReportSheet {
        name: name.to_string(),
        autofilter: !lines.is_empty(),
        top,
        columns,
        rows,
        header_row_repeated: true,
        landscape_fit_to_width: true,
    }
}

/// The report sheet drawn with rust_xlsxwriter (the rebuilt copy).
pub fn report_worksheet(model: &ReportSheet) -> Result<Worksheet, WriteError> {
    let mut ws = Worksheet::new();
    ws.set_name(&model.name)?;
    let formats: HashMap<Style, Format> = Style::ALL.iter().map(|s| (*s, format_of(*s))).collect();
    for (c, col) in model.columns.iter().enumerate() {
        ws.set_column_width(c as u16, col.width)?;
    }
    let mut links = 0usize;
    for (r, row) in model.all_rows() {
        if let Some(h) = model.row_height(&row) {
            ws.set_row_height(r, h)?;
        }
        for (c, cell) in row.cells.iter().enumerate() {
            let c = c as u16;
            let format = formats.get(&cell.style).cloned().unwrap_or_default();
            match (&cell.value, &cell.link) {
                (Value::Empty, _) => {}
                (Value::Number(n), _) => {
                    ws.write_number_with_format(r, c, *n, &format)?;
                }
                (Value::Text(text), Some((sheet, target))) if links < MAX_URLS => {
                    links += 1;
                    let url = Url::new(xlsx::internal_link(sheet, target)).set_text(text);
                    ws.write_url_with_format(r, c, url, &format)?;
                }
                (Value::Text(text), Some((sheet, target))) => {
                    let formula = format!(
                        "=HYPERLINK(\"#'{}'!{}\",\"{}\")",
                        sheet.replace('\'', "''").replace('"', "\"\""),
                        target,
                        text.replace('"', "\"\"")
                    );
                    ws.write_formula_with_format(
                        r,
                        c,
                        Formula::new(formula).set_result(text),
                        &format,
                    )?;
                }
                (Value::Text(text), None) => {
                    ws.write_string_with_format(r, c, text, &format)?;
                }
            }
        }
    }
    let header = model.header_row();
    if model.header_row_repeated {
        ws.set_repeat_rows(header, header)?;
        ws.set_freeze_panes(header + 1, 0)?;
    }
    if model.autofilter && !model.rows.is_empty() && !model.columns.is_empty() {
        ws.autofilter(
            header,
            0,
            model.last_row(),
            (model.columns.len() - 1) as u16,
        )?;
    }
    if model.landscape_fit_to_width {
        ws.set_landscape();
        ws.set_paper_size(9);
        ws.set_print_fit_to_pages(1, 0);
    }
    Ok(ws)
}

fn format_of(style: Style) -> Format {
    let look = style.look();
    let mut f = Format::new()
        .set_font_size(look.size)
        .set_align(FormatAlign::Top);
    if look.bold {
        f = f.set_bold();
    }
    if look.italic {
        f = f.set_italic();
    }
    if look.underline {
        f = f.set_underline(rust_xlsxwriter::FormatUnderline::Single);
    }
    if let Some(rgb) = look.font_rgb {
        f = f.set_font_color(rust_xlsxwriter::Color::RGB(rgb));
    }
    if let Some(rgb) = look.fill_rgb {
        f = f.set_background_color(rust_xlsxwriter::Color::RGB(rgb));
    }
    if look.wrap {
        f = f.set_text_wrap();
    }
    if look.border_bottom {
        f = f.set_border_bottom(FormatBorder::Thin);
    }
    f
}

/// The rebuilt copy's bytes, with `notices` in its report.
fn rebuilt_bytes(
    req: &AnnotateRequest,
    cfg: &Config,
    notices: &[String],
) -> Result<Vec<u8>, WriteError> {
    let mut wb = build(req, cfg, notices)?;
    wb.set_zip_compression_level(1);
    Ok(wb.save_to_buffer()?)
}

/// Builds the rebuilt copy in memory: the report, then every sheet of the
/// input with its values (an earlier copy's report left out).
pub fn build(
    req: &AnnotateRequest,
    cfg: &Config,
    notices: &[String],
) -> Result<Workbook, WriteError> {
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
    let marks = marks(req.report, lang);
    if let Some(source) = req.source {
        let own = source.sniffed().own;
        if let Ok(mut opened) = source.workbook() {
            for s in &opened.sheets {
                let earlier_report = own == Some(OwnOutput::AnnotatedCopy)
                    && REPORT_SHEETS.iter().any(|r| *r == s.name);
                if !earlier_report {
                    copies.push((s.name.clone(), names.reserve(&s.name), s.hidden));
                }
            }
            let mut sheets = Vec::new();
            for (original, written, hidden) in &copies {
                let prepared = req.formats.as_ref().and_then(|m| m.get(original));
                let sheet_marks: BTreeMap<(u32, u32), &Mark> = marks
                    .iter()
                    .filter(|m| &m.sheet == original)
                    .map(|m| ((m.row, m.col), m))
                    .collect();
                sheets.push(copy_sheet(
                    &mut opened,
                    prepared,
                    cfg,
                    &sheet_marks,
                    original,
                    written,
                    *hidden,
                )?);
            }
            input = Some(sheets);
        }
    }
    let written_name: HashMap<&str, &str> = copies
        .iter()
        .map(|(o, w, _)| (o.as_str(), w.as_str()))
        .collect();
    let link = |sheet: &str| written_name.get(sheet).map(|w| w.to_string());
    let model = check_report(req, &report_name, &link, notices);
    let mut report = report_worksheet(&model)?;
    report.set_active(true);
    wb.push_worksheet(report);
    for ws in input.unwrap_or_default() {
        wb.push_worksheet(ws);
    }
    Ok(wb)
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
    marks: &BTreeMap<(u32, u32), &Mark>,
    original: &str,
    written: &str,
    hidden: bool,
) -> Result<Worksheet, WriteError> {
    let mut ws = Worksheet::new();
    ws.set_name(written)?;
    if hidden {
        ws.set_hidden(true);
    }
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
            let sev = marks.get(&(row, cell.col)).map(|m| m.severity);
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
    for ((row, col), mark) in marks {
        let (r, Ok(c)) = (*row, u16::try_from(*col)) else {
            continue;
        };
        let sev = Some(mark.severity);
        // Cells that were empty in the input carry only the fill.
        if !filled.contains(&(*row, *col)) {
            ws.write_blank(r, c, formats.get(Kind::Text, "", sev))?;
        }
        // The author line (`sozialraum:`) is how a later overlay finds our notes again.
        let note = Note::new(&mark.note)
            .set_author(overlay::comments::AUTHOR)
            .add_author_prefix(true)
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
