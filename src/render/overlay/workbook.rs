//! `xl/workbook.xml`: the report sheet goes first and becomes the active
//! tab; an earlier copy's report sheet goes; sheet-scoped defined names
//! (print areas, filters: `localSheetId` is a position in `<sheets>`)
//! follow their sheets to their new positions; the report's print titles
//! and filter are added.

use std::collections::HashSet;

use quick_xml::events::{BytesStart, Event};

use super::xml::{self, attr, escape};
use super::OverlayError;

const PART: &str = "xl/workbook.xml";

#[derive(Debug, Clone, PartialEq)]
pub struct SheetEntry {
    pub name: String,
    pub rid: String,
}

#[derive(Debug, Clone)]
pub struct WorkbookInfo {
    pub sheets: Vec<SheetEntry>,
    max_sheet_id: u32,
}

/// The relationship id of a `<sheet>` (`r:id`, whatever the prefix).
fn sheet_rid(e: &BytesStart<'_>) -> Option<String> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.local_name().as_ref() == "id" && a.key.prefix().is_some())
        .map(|a| xml::unescape(&a.value).into_owned())
}

fn err(detail: impl ToString) -> OverlayError {
    OverlayError::Xml {
        part: PART.into(),
        detail: detail.to_string(),
    }
}

pub fn parse(text: &str) -> Result<WorkbookInfo, OverlayError> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut depth = 0usize;
    let mut in_sheets = false;
    let mut sheets = Vec::new();
    let mut max_sheet_id = 0;
    loop {
        let event = reader.read_event().map_err(err)?;
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let local = e.local_name();
                match (depth, local.as_ref()) {
                    (0, _) => xml::check_root(&e, PART, "workbook")?,
                    (1, "sheets") => in_sheets = !empty,
                    (2, "sheet") if in_sheets => {
                        max_sheet_id = max_sheet_id.max(
                            attr(&e, "sheetId")
                                .and_then(|s| s.parse().ok())
                                .unwrap_or(0),
                        );
                        sheets.push(SheetEntry {
                            name: attr(&e, "name").unwrap_or_default(),
                            rid: sheet_rid(&e).ok_or_else(|| err("<sheet> ohne r:id"))?,
                        });
                    }
                    _ => {}
                }
                if !empty {
                    depth += 1;
                }
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                if depth == 1 && e.local_name().as_ref() == "sheets" {
                    in_sheets = false;
                }
            }
            Event::Eof if depth == 0 => break,
            Event::Eof => return Err(err("unvollständig")),
            _ => {}
        }
    }
    if sheets.is_empty() {
        return Err(err("keine Blätter"));
    }
    Ok(WorkbookInfo {
        sheets,
        max_sheet_id,
    })
}

/// What changes in the workbook part.
pub struct WorkbookEdit<'a> {
    pub report_name: &'a str,
    pub report_rid: &'a str,
    /// Sheets (by relationship id) that go: an earlier copy's report.
    pub drop: &'a HashSet<String>,
    /// The report's rows printed on every page (`$12:$12`).
    pub print_titles: Option<String>,
    /// The report's autofilter range (`$A$12:$I$40`).
    pub filter: Option<String>,
}

/// Children of `workbook` after `definedNames` (ECMA-376 CT_Workbook).
const AFTER_DEFINED_NAMES: [&str; 10] = [
    "calcPr",
    "oleSize",
    "customWorkbookViews",
    "pivotCaches",
    "smartTagPr",
    "smartTagTypes",
    "webPublishing",
    "fileRecoveryPr",
    "webPublishObjects",
    "extLst",
];

pub fn rewrite(
    text: &str,
    info: &WorkbookInfo,
    edit: &WorkbookEdit,
) -> Result<String, OverlayError> {
    // Old position → new position (the report takes 0; dropped sheets none).
    let mut moved: Vec<Option<u32>> = Vec::with_capacity(info.sheets.len());
    let mut next = 1u32;
    for s in &info.sheets {
        if edit.drop.contains(&s.rid) {
            moved.push(None);
        } else {
            moved.push(Some(next));
            next += 1;
        }
    }
    let quoted = format!("'{}'", edit.report_name.replace('\'', "''"));
    let mut reader = quick_xml::Reader::from_str(text);
    let mut w = quick_xml::Writer::new(Vec::with_capacity(text.len() + 1024));
    let mut depth = 0usize;
    let mut prefix = String::new();
    let mut rel_prefix: Option<String> = None;
    let mut section = String::new();
    let mut sheets_done = false;
    let mut names_done = false;
    // Inside an element being left out: the depth it started at.
    let mut skipping: Option<usize> = None;
    let raw =
        |w: &mut quick_xml::Writer<Vec<u8>>, s: &str| w.get_mut().extend_from_slice(s.as_bytes());
    let our_names = |prefix: &str| -> String {
        let mut out = String::new();
        if let Some(rows) = &edit.print_titles {
            out.push_str(&format!(
                "<{prefix}definedName name=\"_xlnm.Print_Titles\" localSheetId=\"0\">{}</{prefix}definedName>",
                escape(&format!("{quoted}!{rows}"))
            ));
        }
        if let Some(range) = &edit.filter {
            out.push_str(&format!(
                "<{prefix}definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"0\" hidden=\"1\">{}</{prefix}definedName>",
                escape(&format!("{quoted}!{range}"))
            ));
        }
        out
    };
    let has_names = edit.print_titles.is_some() || edit.filter.is_some();
    loop {
        let event = reader.read_event().map_err(err)?;
        let io = |e: std::io::Error| err(e);
        if let Some(at) = skipping {
            match &event {
                Event::Start(_) => depth += 1,
                Event::End(_) => {
                    depth -= 1;
                    if depth == at {
                        skipping = None;
                    }
                }
                Event::Eof => return Err(err("unvollständig")),
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let local = e.local_name().as_ref().to_string();
                let mut out: Option<String> = None;
                match depth {
                    0 => {
                        prefix = xml::prefix_of(e);
                        rel_prefix = xml::ns_prefix(e, xml::REL_NS).filter(|p| !p.is_empty());
                    }
                    1 => {
                        if sheets_done
                            && !names_done
                            && has_names
                            && AFTER_DEFINED_NAMES.contains(&local.as_str())
                        {
                            names_done = true;
                            raw(
                                &mut w,
                                &format!(
                                    "<{prefix}definedNames>{}</{prefix}definedNames>",
                                    our_names(&prefix)
                                ),
                            );
                        }
                        section = local.clone();
                        if local == "sheets" && empty {
                            return Err(err("keine Blätter"));
                        }
                        if local == "definedNames" && empty {
                            names_done = true;
                            if has_names {
                                let name = e.name().as_ref().to_string();
                                out = Some(format!("<{}>{}</{name}>", &**e, our_names(&prefix)));
                            }
                        }
                    }
                    2 => match (section.as_str(), local.as_str()) {
                        ("bookViews", "workbookView") => {
                            let tag = xml::with_attr(e, &[("activeTab", "0")], &["firstSheet"]);
                            out = Some(if empty {
                                format!("<{tag}/>")
                            } else {
                                format!("<{tag}>")
                            });
                        }
                        ("sheets", "sheet")
                            if sheet_rid(e).is_some_and(|r| edit.drop.contains(&r)) =>
                        {
                            if !empty {
                                skipping = Some(depth);
                                depth += 1;
                            }
                            continue;
                        }
                        ("definedNames", "definedName") => {
                            if let Some(old) = attr(e, "localSheetId") {
                                let new = old
                                    .trim()
                                    .parse::<usize>()
                                    .ok()
                                    .and_then(|i| moved.get(i).copied().flatten());
                                match new {
                                    Some(n) => {
                                        let tag = xml::with_attr(
                                            e,
                                            &[("localSheetId", &n.to_string())],
                                            &[],
                                        );
                                        out = Some(if empty {
                                            format!("<{tag}/>")
                                        } else {
                                            format!("<{tag}>")
                                        });
                                    }
                                    None => {
                                        // A name of a sheet that goes (or of none): it goes too.
                                        if !empty {
                                            skipping = Some(depth);
                                            depth += 1;
                                        }
                                        continue;
                                    }
                                }
                            }
                        }
                        _ => {}
                    },
                    _ => {}
                }
                match out {
                    Some(s) => raw(&mut w, &s),
                    None => w.write_event(event.borrow()).map_err(io)?,
                }
                if depth == 1 && !empty {
                    match local.as_str() {
                        "sheets" => {
                            let id = info.max_sheet_id + 1;
                            let name = escape(edit.report_name);
                            let rid = escape(edit.report_rid);
                            raw(
                                &mut w,
                                &match &rel_prefix {
                                    Some(rp) => format!("<{prefix}sheet name=\"{name}\" sheetId=\"{id}\" {rp}id=\"{rid}\"/>"),
                                    None => format!(
                                        "<{prefix}sheet name=\"{name}\" sheetId=\"{id}\" xmlns:r=\"{}\" r:id=\"{rid}\"/>",
                                        xml::REL_NS
                                    ),
                                },
                            );
                        }
                        "definedNames" => {
                            names_done = true;
                            raw(&mut w, &our_names(&prefix));
                        }
                        _ => {}
                    }
                }
                if !empty {
                    depth += 1;
                }
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                if depth == 1 && e.local_name().as_ref() == "sheets" {
                    sheets_done = true;
                }
                if depth == 0 && !names_done && has_names {
                    names_done = true;
                    raw(
                        &mut w,
                        &format!(
                            "<{prefix}definedNames>{}</{prefix}definedNames>",
                            our_names(&prefix)
                        ),
                    );
                }
                w.write_event(Event::End(e)).map_err(io)?;
            }
            Event::Eof if depth == 0 => break,
            Event::Eof => return Err(err("unvollständig")),
            other => w.write_event(other).map_err(io)?,
        }
    }
    String::from_utf8(w.into_inner()).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WB: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr/><bookViews><workbookView xWindow="0" activeTab="2" firstSheet="1"/></bookViews><sheets><sheet name="Prüfbericht" sheetId="7" r:id="rId9"/><sheet name="Deckblatt" sheetId="1" r:id="rId1"/><sheet name="Fallarbeit" sheetId="2" r:id="rId2"/></sheets><definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="2" hidden="1">Fallarbeit!$A$1:$K$9</definedName><definedName name="_xlnm.Print_Titles" localSheetId="0">'Prüfbericht'!$12:$12</definedName><definedName name="Satz">Fallarbeit!$G$2</definedName></definedNames><calcPr calcId="191029"/></workbook>"#;

    #[test]
    fn the_report_comes_first_and_scoped_names_follow_their_sheets() {
        let info = parse(WB).expect("parse");
        assert_eq!(info.sheets.len(), 3);
        let drop = HashSet::from(["rId9".to_string()]);
        let out = rewrite(
            WB,
            &info,
            &WorkbookEdit {
                report_name: "Prüfbericht",
                report_rid: "rId10",
                drop: &drop,
                print_titles: Some("$12:$12".into()),
                filter: None,
            },
        )
        .expect("rewrite");
        assert!(
            out.contains(r#"<workbookView xWindow="0" activeTab="0"/>"#),
            "{out}"
        );
        assert!(out.contains(r#"<sheets><sheet name="Prüfbericht" sheetId="8" r:id="rId10"/><sheet name="Deckblatt" sheetId="1" r:id="rId1"/><sheet name="Fallarbeit" sheetId="2" r:id="rId2"/></sheets>"#), "{out}");
        assert!(out.contains(r#"<definedNames><definedName name="_xlnm.Print_Titles" localSheetId="0">'Prüfbericht'!$12:$12</definedName><definedName name="_xlnm._FilterDatabase" localSheetId="2" hidden="1">Fallarbeit!$A$1:$K$9</definedName><definedName name="Satz">Fallarbeit!$G$2</definedName></definedNames><calcPr"#), "{out}");
    }

    #[test]
    fn a_workbook_without_names_gets_them_before_calc_pr() {
        let wb = WB.replace(
            &WB[WB.find("<definedNames>").expect("dn")..WB.find("<calcPr").expect("calc")],
            "",
        );
        let info = parse(&wb).expect("parse");
        let out = rewrite(
            &wb,
            &info,
            &WorkbookEdit {
                report_name: "Check report",
                report_rid: "rId10",
                drop: &HashSet::new(),
                print_titles: Some("$3:$3".into()),
                filter: Some("$A$3:$B$4".into()),
            },
        )
        .expect("rewrite");
        assert!(out.contains(r#"</sheets><definedNames><definedName name="_xlnm.Print_Titles" localSheetId="0">'Check report'!$3:$3</definedName><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'Check report'!$A$3:$B$4</definedName></definedNames><calcPr"#), "{out}");
        assert!(out.contains(r#"<sheet name="Prüfbericht" sheetId="7" r:id="rId9"/>"#));
    }
}
