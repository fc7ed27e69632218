//! The report sheet as worksheet XML, written by hand from the model:
//! inline strings (the shared strings stay untouched), the formats the
//! overlay appended, row heights that fit wrapped text, internal links,
//! frozen header, autofilter, landscape print one page wide.

use std::fmt::Write as _;

use super::styles::XfAlloc;
use super::xml::{self, escape, t_element};
use crate::render::report_sheet::{ReportSheet, Value};

/// Excel allows 65,530 hyperlinks per sheet; beyond, links become HYPERLINK formulas.
pub const MAX_URLS: usize = 65_000;

/// The print titles (`$12:$12`) and the autofilter range (`$A$12:$I$40`)
/// of the report, for the workbook's defined names.
pub fn names(model: &ReportSheet) -> (Option<String>, Option<String>) {
    let header = model.header_row() + 1;
    let titles = model
        .header_row_repeated
        .then(|| format!("${header}:${header}"));
    let filter = filter_range(model).map(|(a, b)| {
        let dollar = |r: &str| {
            let split = r.find(|c: char| c.is_ascii_digit()).unwrap_or(r.len());
            format!("${}${}", &r[..split], &r[split..])
        };
        format!("{}:{}", dollar(&a), dollar(&b))
    });
    (titles, filter)
}

fn filter_range(model: &ReportSheet) -> Option<(String, String)> {
    if !model.autofilter || model.rows.is_empty() || model.columns.is_empty() {
        return None;
    }
    let last_col = model.columns.len() as u32 - 1;
    Some((
        xml::a1(model.header_row(), 0),
        xml::a1(model.last_row(), last_col),
    ))
}

fn quoted(sheet: &str) -> String {
    format!("'{}'", sheet.replace('\'', "''"))
}

pub fn sheet_xml(model: &ReportSheet, xfs: &XfAlloc) -> String {
    let mut out = String::with_capacity(4096 + model.rows.len() * 600);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n");
    let _ = write!(
        out,
        "<worksheet xmlns=\"{}\" xmlns:r=\"{}\">",
        xml::MAIN_NS,
        xml::REL_NS
    );
    if model.landscape_fit_to_width {
        out.push_str("<sheetPr><pageSetUpPr fitToPage=\"1\"/></sheetPr>");
    }
    let width = model
        .all_rows()
        .map(|(_, r)| r.cells.len())
        .max()
        .unwrap_or(1)
        .max(model.columns.len())
        .max(1) as u32;
    let _ = write!(
        out,
        "<dimension ref=\"A1:{}\"/>",
        xml::a1(model.last_row(), width - 1)
    );
    out.push_str("<sheetViews><sheetView tabSelected=\"1\" workbookViewId=\"0\">");
    if model.header_row_repeated {
        let first = model.header_row() + 1;
        let _ = write!(
            out,
            "<pane ySplit=\"{first}\" topLeftCell=\"A{}\" activePane=\"bottomLeft\" state=\"frozen\"/><selection pane=\"bottomLeft\" activeCell=\"A{0}\" sqref=\"A{0}\"/>",
            first + 1
        );
    }
    out.push_str("</sheetView></sheetViews><sheetFormatPr defaultRowHeight=\"15\"/>");
    if !model.columns.is_empty() {
        out.push_str("<cols>");
        for (i, c) in model.columns.iter().enumerate() {
            let _ = write!(
                out,
                "<col min=\"{n}\" max=\"{n}\" width=\"{}\" customWidth=\"1\"/>",
                c.width,
                n = i + 1
            );
        }
        out.push_str("</cols>");
    }
    out.push_str("<sheetData>");
    let mut links: Vec<(String, String, String)> = Vec::new();
    for (r, row) in model.all_rows() {
        let _ = write!(out, "<row r=\"{}\"", r + 1);
        if let Some(ht) = model.row_height(&row) {
            let _ = write!(out, " ht=\"{ht}\" customHeight=\"1\"");
        }
        out.push('>');
        for (c, cell) in row.cells.iter().enumerate() {
            let at = xml::a1(r, c as u32);
            let s = xfs.report(cell.style);
            match &cell.value {
                Value::Empty => {}
                Value::Number(n) if n.is_finite() => {
                    let _ = write!(out, "<c r=\"{at}\" s=\"{s}\"><v>{n}</v></c>");
                }
                Value::Number(_) => {}
                Value::Text(text) => match &cell.link {
                    Some((sheet, target)) if links.len() >= MAX_URLS => {
                        let formula = format!(
                            "HYPERLINK(\"#{}!{}\",\"{}\")",
                            quoted(sheet).replace('"', "\"\""),
                            target,
                            text.replace('"', "\"\"")
                        );
                        let _ = write!(
                            out,
                            "<c r=\"{at}\" s=\"{s}\" t=\"str\"><f>{}</f><v>{}</v></c>",
                            escape(&formula),
                            escape(text)
                        );
                    }
                    link => {
                        if let Some((sheet, target)) = link {
                            links.push((
                                at.clone(),
                                format!("{}!{target}", quoted(sheet)),
                                text.clone(),
                            ));
                        }
                        let _ = write!(
                            out,
                            "<c r=\"{at}\" s=\"{s}\" t=\"inlineStr\"><is>{}</is></c>",
                            t_element("", text)
                        );
                    }
                },
            }
        }
        out.push_str("</row>");
    }
    out.push_str("</sheetData>");
    if let Some((a, b)) = filter_range(model) {
        let _ = write!(out, "<autoFilter ref=\"{a}:{b}\"/>");
    }
    if !links.is_empty() {
        out.push_str("<hyperlinks>");
        for (at, location, display) in &links {
            let _ = write!(
                out,
                "<hyperlink ref=\"{at}\" location=\"{}\" display=\"{}\"/>",
                escape(location),
                escape(display)
            );
        }
        out.push_str("</hyperlinks>");
    }
    out.push_str("<pageMargins left=\"0.5\" right=\"0.5\" top=\"0.6\" bottom=\"0.6\" header=\"0.3\" footer=\"0.3\"/>");
    if model.landscape_fit_to_width {
        out.push_str("<pageSetup paperSize=\"9\" orientation=\"landscape\" fitToWidth=\"1\" fitToHeight=\"0\"/>");
    }
    out.push_str("</worksheet>");
    out
}
