//! One worksheet rewritten in a single streaming pass (quick-xml reader →
//! writer, no document tree): every event is written as it was read, except
//! the start tags of the finding cells (only their `s`), the cells a
//! finding needs where the sheet has none (inserted in row and column
//! order), `tabSelected` (the report sheet becomes the one selected tab)
//! and a `legacyDrawing` for new notes, at its place in the schema's order.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, Write};

use quick_xml::events::{BytesStart, Event};

use super::styles::XfAlloc;
use super::xml::{self, parse_ref, parse_u32, raw_attr};
use super::OverlayError;
use crate::finding::Severity;

/// What to change in one sheet.
#[derive(Debug, Default)]
pub struct SheetPlan {
    /// Finding cells: row → column → severity (the worst of the cell's findings).
    pub marks: BTreeMap<u32, BTreeMap<u32, Severity>>,
    /// Cells an earlier annotated copy marked (they carried its note): their
    /// fill is ours, not the provider's, and comes off.
    pub unmark: HashSet<(u32, u32)>,
    /// The relationship id of a `legacyDrawing` to add if the sheet has none.
    pub legacy_rid: Option<String>,
    pub clear_tab_selected: bool,
}

/// What the pass found out.
#[derive(Debug, Default, PartialEq)]
pub struct SheetOutcome {
    /// The sheet's own `legacyDrawing` (its relationship id), if it had one.
    pub own_legacy_rid: Option<String>,
    /// Whether `plan.legacy_rid` was written.
    pub legacy_added: bool,
}

/// Children of `worksheet` that come after `legacyDrawing` (ECMA-376 CT_Worksheet).
const AFTER_LEGACY_DRAWING: [&str; 9] = [
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
    "AlternateContent",
];

/// A row longer than this is no row a spreadsheet program wrote.
const MAX_ROW_BYTES: usize = 256 << 20;

#[derive(Clone, Copy, PartialEq, Default)]
enum Markup {
    #[default]
    Text,
    Cdata,
    Comment,
    Instruction,
}

/// Where the search for a row's end tag stands in the bytes read so far.
#[derive(Default)]
struct RowScan {
    at: usize,
    inside: Markup,
}

impl RowScan {
    /// The index just past the row's end tag (`end` is `</row` with the
    /// row's prefix), once the bytes hold it; `None`: more bytes are needed.
    fn find_end(&mut self, b: &[u8], end: &[u8]) -> Option<usize> {
        loop {
            let closing: &[u8] = match self.inside {
                Markup::Text => b"",
                Markup::Cdata => b"]]>",
                Markup::Comment => b"-->",
                Markup::Instruction => b"?>",
            };
            if !closing.is_empty() {
                match b[self.at..]
                    .windows(closing.len())
                    .position(|w| w == closing)
                {
                    Some(i) => {
                        self.at += i + closing.len();
                        self.inside = Markup::Text;
                    }
                    None => {
                        self.at = b.len().saturating_sub(closing.len() - 1).max(self.at);
                        return None;
                    }
                }
                continue;
            }
            let Some(i) = b[self.at..].iter().position(|&c| c == b'<') else {
                self.at = b.len();
                return None;
            };
            let at = self.at + i;
            let rest = &b[at..];
            // Waits only while the bytes could still become one of the
            // markups that matter: no byte after a row's end is consumed.
            let could_be = |p: &[u8]| rest.len() <= p.len() && p.starts_with(rest);
            if could_be(end) || could_be(b"<![CDATA[") || could_be(b"<!--") {
                self.at = at;
                return None;
            }
            if rest.starts_with(end) {
                let next = rest[end.len()];
                if next == b'>' {
                    return Some(at + end.len() + 1);
                }
                if next.is_ascii_whitespace() {
                    match rest.iter().position(|&c| c == b'>') {
                        Some(gt) => return Some(at + gt + 1),
                        None => {
                            self.at = at;
                            return None;
                        }
                    }
                }
                self.at = at + 1;
            } else if rest.starts_with(b"<![CDATA[") {
                self.inside = Markup::Cdata;
                self.at = at + 9;
            } else if rest.starts_with(b"<!--") {
                self.inside = Markup::Comment;
                self.at = at + 4;
            } else if rest.starts_with(b"<?") {
                self.inside = Markup::Instruction;
                self.at = at + 2;
            } else {
                self.at = at + 1;
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Section {
    Other,
    SheetData,
    SheetViews,
    Cols,
}

struct Pass<'p, 'x, W: Write> {
    w: quick_xml::Writer<W>,
    plan: &'p SheetPlan,
    xfs: &'x mut XfAlloc,
    part: &'p str,
    prefix: String,
    rel_prefix: Option<String>,
    /// Marked rows in order, and the next one not written yet.
    rows: Vec<(u32, Vec<(u32, Severity)>)>,
    next_row: usize,
    /// The current row: its number, its format (if it has one), its marks
    /// not written yet, whether earlier marks come off in it.
    row: u32,
    row_xf: Option<u32>,
    pending: Vec<(u32, Severity)>,
    next_cell: usize,
    unmark_here: bool,
    last_row: Option<u32>,
    last_col: Option<u32>,
    in_row: bool,
    unmark_rows: HashSet<u32>,
    col_styles: Vec<(u32, u32, u32)>,
    outcome: SheetOutcome,
    legacy_done: bool,
    saw_sheet_data: bool,
}

pub fn rewrite<R: BufRead, W: Write>(
    src: R,
    out: W,
    plan: &SheetPlan,
    xfs: &mut XfAlloc,
    part: &str,
) -> Result<SheetOutcome, OverlayError> {
    let mut pass = Pass {
        w: quick_xml::Writer::new(out),
        plan,
        xfs,
        part,
        prefix: String::new(),
        rel_prefix: None,
        rows: plan
            .marks
            .iter()
            .map(|(r, cols)| (*r, cols.iter().map(|(c, s)| (*c, *s)).collect()))
            .collect(),
        next_row: 0,
        row: 0,
        row_xf: None,
        pending: Vec::new(),
        next_cell: 0,
        unmark_here: false,
        last_row: None,
        last_col: None,
        in_row: false,
        unmark_rows: plan.unmark.iter().map(|(r, _)| *r).collect(),
        col_styles: Vec::new(),
        outcome: SheetOutcome::default(),
        legacy_done: false,
        saw_sheet_data: false,
    };
    pass.run(src)?;
    if !pass.saw_sheet_data && !plan.marks.is_empty() {
        return Err(OverlayError::Xml {
            part: part.to_string(),
            detail: "keine <sheetData>".into(),
        });
    }
    Ok(pass.outcome)
}

impl<W: Write> Pass<'_, '_, W> {
    fn err(&self, detail: impl ToString) -> OverlayError {
        OverlayError::Xml {
            part: self.part.to_string(),
            detail: detail.to_string(),
        }
    }

    fn raw(&mut self, s: &str) -> Result<(), OverlayError> {
        self.w
            .get_mut()
            .write_all(s.as_bytes())
            .map_err(|e| OverlayError::Zip(e.to_string()))
    }

    fn event(&mut self, e: Event<'_>) -> Result<(), OverlayError> {
        self.w
            .write_event(e)
            .map_err(|e| OverlayError::Zip(e.to_string()))
    }

    fn run<R: BufRead>(&mut self, src: R) -> Result<(), OverlayError> {
        let mut reader = quick_xml::Reader::from_reader(src);
        // Rows left alone are copied past the reader (`copy_row`), so it
        // never sees their end tags.
        reader.config_mut().check_end_names = false;
        let mut buf = Vec::with_capacity(64 << 10);
        let mut row_buf = Vec::with_capacity(64 << 10);
        let mut depth = 0usize;
        let mut section = Section::Other;
        loop {
            buf.clear();
            let event = reader.read_event_into(&mut buf).map_err(|e| self.err(e))?;
            match event {
                Event::Start(e) => {
                    self.open(&e, depth, &mut section, false)?;
                    let plain_row = depth == 2
                        && section == Section::SheetData
                        && self.in_row
                        && self.pending.is_empty()
                        && !self.unmark_here;
                    if plain_row {
                        let end = format!("</{}", e.name().as_ref());
                        self.copy_row(reader.stream(), end.as_bytes(), &mut row_buf)?;
                        self.in_row = false;
                        continue;
                    }
                    depth += 1;
                }
                Event::Empty(e) => self.open(&e, depth, &mut section, true)?,
                Event::End(e) => {
                    depth = depth.saturating_sub(1);
                    let local = e.local_name();
                    match (depth, local.as_ref()) {
                        (2, "row") if section == Section::SheetData => {
                            self.finish_row()?;
                            self.in_row = false;
                        }
                        (1, "sheetData") => self.flush_rows(u32::MAX)?,
                        (0, _) => self.add_legacy_drawing()?,
                        _ => {}
                    }
                    if depth == 1 {
                        section = Section::Other;
                    }
                    self.event(Event::End(e))?;
                }
                Event::Eof if depth == 0 => break,
                Event::Eof => return Err(self.err("unvollständig")),
                other => self.event(other)?,
            }
        }
        Ok(())
    }

    /// Copies the rest of a row the pass leaves alone, through its end tag,
    /// as bytes: no tokens, no text checks (most rows of a big sheet carry
    /// no finding). Markup that may hold a `</row>` as text (CDATA,
    /// comments, processing instructions) is stepped over.
    fn copy_row<S: BufRead>(
        &mut self,
        mut src: S,
        end: &[u8],
        row: &mut Vec<u8>,
    ) -> Result<(), OverlayError> {
        row.clear();
        let mut scan = RowScan::default();
        loop {
            let chunk = src
                .fill_buf()
                .map_err(|e| OverlayError::Zip(e.to_string()))?;
            if chunk.is_empty() {
                return Err(self.err("Zeile ohne Ende"));
            }
            let before = row.len();
            let n = chunk.len();
            row.extend_from_slice(chunk);
            match scan.find_end(row, end) {
                Some(stop) if stop > before => {
                    src.consume(stop - before);
                    return self
                        .w
                        .get_mut()
                        .write_all(&row[..stop])
                        .map_err(|e| OverlayError::Zip(e.to_string()));
                }
                Some(_) => return Err(self.err("Zeile ohne Ende")),
                None => src.consume(n),
            }
            if row.len() > MAX_ROW_BYTES {
                return Err(self.err("Zeile über 256 MiB"));
            }
        }
    }

    fn open(
        &mut self,
        e: &BytesStart<'_>,
        depth: usize,
        section: &mut Section,
        empty: bool,
    ) -> Result<(), OverlayError> {
        let local = e.local_name();
        let local = local.as_ref();
        match depth {
            0 => {
                xml::check_root(e, self.part, "worksheet")?;
                self.prefix = xml::prefix_of(e);
                self.rel_prefix = xml::ns_prefix(e, xml::REL_NS).filter(|p| !p.is_empty());
            }
            1 => {
                if AFTER_LEGACY_DRAWING.contains(&local) {
                    self.add_legacy_drawing()?;
                }
                match local {
                    "sheetData" => {
                        self.saw_sheet_data = true;
                        if empty && !self.rows.is_empty() {
                            let name = e.name().as_ref().to_string();
                            self.raw(&format!("<{}>", &**e))?;
                            self.flush_rows(u32::MAX)?;
                            return self.raw(&format!("</{name}>"));
                        }
                        *section = Section::SheetData;
                    }
                    "sheetViews" => *section = Section::SheetViews,
                    "cols" => *section = Section::Cols,
                    "dimension" if !self.rows.is_empty() => {
                        // The used range, grown to the cells a finding adds.
                        if let Some(r) = self.dimension(e) {
                            let tag = xml::with_attr(e, &[("ref", &r)], &[]);
                            *section = Section::Other;
                            return self.raw(&if empty {
                                format!("<{tag}/>")
                            } else {
                                format!("<{tag}>")
                            });
                        }
                    }
                    "legacyDrawing" => {
                        self.outcome.own_legacy_rid = e
                            .attributes()
                            .with_checks(false)
                            .flatten()
                            .find(|a| a.key.local_name().as_ref() == "id")
                            .map(|a| xml::unescape(&a.value).into_owned());
                        // Its notes go into the drawing it has.
                        self.legacy_done = true;
                    }
                    _ => *section = Section::Other,
                }
                if empty {
                    *section = Section::Other;
                }
            }
            2 if *section == Section::SheetData && local == "row" => {
                return self.open_row(e, empty);
            }
            2 if *section == Section::SheetViews
                && local == "sheetView"
                && self.plan.clear_tab_selected
                && raw_attr(e, "tabSelected").is_some() =>
            {
                let tag = xml::with_attr(e, &[], &["tabSelected"]);
                return self.raw(&if empty {
                    format!("<{tag}/>")
                } else {
                    format!("<{tag}>")
                });
            }
            2 if *section == Section::Cols && local == "col" => {
                let num = |k| raw_attr(e, k).and_then(|v| parse_u32(v.as_bytes()));
                if let (Some(min), Some(max), Some(style)) = (num("min"), num("max"), num("style"))
                {
                    if min >= 1 {
                        self.col_styles
                            .push((min - 1, max.saturating_sub(1), style));
                    }
                }
            }
            3 if self.in_row && local == "c" => return self.open_cell(e, empty),
            _ => {}
        }
        let owned = e.borrow();
        self.event(if empty {
            Event::Empty(owned)
        } else {
            Event::Start(owned)
        })
    }

    /// The `ref` of `<dimension>` covering the marked cells too (`None`: it does already, or is unreadable).
    fn dimension(&self, e: &BytesStart<'_>) -> Option<String> {
        let old = raw_attr(e, "ref")?;
        let mut parts = old.split(':');
        let first = parse_ref(parts.next()?.as_bytes())?;
        let last = parts
            .next()
            .map_or(Some(first), |p| parse_ref(p.as_bytes()))?;
        let (mut top, mut left, mut bottom, mut right) = (first.0, first.1, last.0, last.1);
        for (r, cells) in &self.rows {
            for (c, _) in cells {
                top = top.min(*r);
                bottom = bottom.max(*r);
                left = left.min(*c);
                right = right.max(*c);
            }
        }
        let new = format!("{}:{}", xml::a1(top, left), xml::a1(bottom, right));
        (new != *old && (top, left, bottom, right) != (first.0, first.1, last.0, last.1))
            .then_some(new)
    }

    fn open_row(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), OverlayError> {
        let row = raw_attr(e, "r")
            .and_then(|v| parse_u32(v.as_bytes()))
            .and_then(|r| r.checked_sub(1))
            .unwrap_or_else(|| self.last_row.map_or(0, |r| r.saturating_add(1)));
        self.last_row = Some(row);
        self.last_col = None;
        self.flush_rows(row)?;
        self.pending.clear();
        self.next_cell = 0;
        if self.rows.get(self.next_row).is_some_and(|(r, _)| *r == row) {
            self.pending = std::mem::take(&mut self.rows[self.next_row].1);
            self.next_row += 1;
        }
        self.row = row;
        self.unmark_here = self.unmark_rows.contains(&row);
        self.row_xf = None;
        if !self.pending.is_empty() {
            let custom = raw_attr(e, "customFormat").is_some_and(|v| v == "1" || v == "true");
            if custom {
                self.row_xf = raw_attr(e, "s").and_then(|v| parse_u32(v.as_bytes()));
            }
        }
        if self.pending.is_empty() {
            self.in_row = !empty;
            return self.event(if empty {
                Event::Empty(e.borrow())
            } else {
                Event::Start(e.borrow())
            });
        }
        // Cells are added: the row's column span (an optional hint) goes.
        let tag = xml::with_attr(e, &[], &["spans"]);
        if empty {
            let name = e.name().as_ref().to_string();
            self.raw(&format!("<{tag}>"))?;
            self.finish_row()?;
            return self.raw(&format!("</{name}>"));
        }
        self.in_row = true;
        self.raw(&format!("<{tag}>"))
    }

    fn open_cell(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), OverlayError> {
        fn as_is<'a>(e: &'a BytesStart<'_>, empty: bool) -> Event<'a> {
            if empty {
                Event::Empty(e.borrow())
            } else {
                Event::Start(e.borrow())
            }
        }
        if self.next_cell >= self.pending.len() && !self.unmark_here {
            return self.event(as_is(e, empty));
        }
        let col = raw_attr(e, "r")
            .and_then(|v| parse_ref(v.as_bytes()))
            .map(|(_, c)| c)
            .unwrap_or_else(|| self.last_col.map_or(0, |c| c.saturating_add(1)));
        self.last_col = Some(col);
        self.write_pending_before(col)?;
        let row = self.row;
        let own = raw_attr(e, "s")
            .and_then(|v| parse_u32(v.as_bytes()))
            .unwrap_or(0);
        let earlier = self.plan.unmark.contains(&(row, col));
        let new_xf = match self.pending.get(self.next_cell) {
            Some(&(c, severity)) if c == col => {
                self.next_cell += 1;
                Some(self.xfs.marked(own, severity, earlier))
            }
            _ if earlier && self.xfs.is_ours(own) => Some(self.xfs.unmarked(own)),
            _ => None,
        };
        match new_xf {
            Some(xf) => {
                let tag = xml::with_attr(e, &[("s", &xf.to_string())], &[]);
                self.raw(&if empty {
                    format!("<{tag}/>")
                } else {
                    format!("<{tag}>")
                })
            }
            None => self.event(as_is(e, empty)),
        }
    }

    /// The format a new cell of the current row starts from: the row's, else its column's.
    fn base_xf(&self, col: u32, row_xf: Option<u32>) -> u32 {
        row_xf
            .or_else(|| {
                self.col_styles
                    .iter()
                    .rev()
                    .find(|(min, max, _)| (*min..=*max).contains(&col))
                    .map(|(_, _, s)| *s)
            })
            .unwrap_or(0)
    }

    fn new_cell(&mut self, row: u32, col: u32, severity: Severity) -> Result<(), OverlayError> {
        let base = self.base_xf(col, self.row_xf);
        let xf = self.xfs.marked(base, severity, false);
        let p = &self.prefix;
        let cell = format!("<{p}c r=\"{}\" s=\"{xf}\"/>", xml::a1(row, col));
        self.raw(&cell)
    }

    fn write_pending_before(&mut self, col: u32) -> Result<(), OverlayError> {
        while let Some(&(c, severity)) = self.pending.get(self.next_cell) {
            if c >= col {
                break;
            }
            self.next_cell += 1;
            self.new_cell(self.row, c, severity)?;
        }
        Ok(())
    }

    fn finish_row(&mut self) -> Result<(), OverlayError> {
        self.write_pending_before(u32::MAX)?;
        self.pending.clear();
        self.next_cell = 0;
        Ok(())
    }

    /// Writes the marked rows before `row` that the sheet does not have.
    fn flush_rows(&mut self, before: u32) -> Result<(), OverlayError> {
        while let Some((r, _)) = self.rows.get(self.next_row) {
            let r = *r;
            if r >= before {
                break;
            }
            let cells = std::mem::take(&mut self.rows[self.next_row].1);
            self.next_row += 1;
            let p = self.prefix.clone();
            self.raw(&format!("<{p}row r=\"{}\">", u64::from(r) + 1))?;
            self.row_xf = None;
            for (c, severity) in cells {
                self.new_cell(r, c, severity)?;
            }
            self.raw(&format!("</{p}row>"))?;
        }
        Ok(())
    }

    fn add_legacy_drawing(&mut self) -> Result<(), OverlayError> {
        if self.legacy_done {
            return Ok(());
        }
        let Some(rid) = self.plan.legacy_rid.clone() else {
            return Ok(());
        };
        self.legacy_done = true;
        self.outcome.legacy_added = true;
        let p = &self.prefix;
        let el = match &self.rel_prefix {
            Some(rp) => format!("<{p}legacyDrawing {rp}id=\"{}\"/>", xml::escape(&rid)),
            None => format!(
                "<{p}legacyDrawing xmlns:r=\"{}\" r:id=\"{}\"/>",
                xml::REL_NS,
                xml::escape(&rid)
            ),
        };
        self.raw(&el)
    }
}

/// A sheet part (a chart sheet) with `tabSelected` taken off its views.
pub fn unselected(text: &str, part: &str) -> Result<String, OverlayError> {
    let err = |d: String| OverlayError::Xml {
        part: part.to_string(),
        detail: d,
    };
    let mut reader = quick_xml::Reader::from_str(text);
    let mut w = quick_xml::Writer::new(Vec::with_capacity(text.len()));
    loop {
        let event = reader.read_event().map_err(|e| err(e.to_string()))?;
        let io = |e: std::io::Error| err(e.to_string());
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(e) | Event::Empty(e)
                if e.local_name().as_ref() == "sheetView"
                    && raw_attr(&e, "tabSelected").is_some() =>
            {
                let tag = xml::with_attr(&e, &[], &["tabSelected"]);
                w.get_mut().extend_from_slice(
                    if empty {
                        format!("<{tag}/>")
                    } else {
                        format!("<{tag}>")
                    }
                    .as_bytes(),
                );
            }
            Event::Eof => break,
            other => w.write_event(other).map_err(io)?,
        }
    }
    String::from_utf8(w.into_inner()).map_err(|e| err(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::overlay::styles::Styles;

    const STYLES: &str = r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font/></fonts><fills count="2"><fill/><fill/></fills><borders count="1"><border/></borders><cellXfs count="6"><xf/><xf/><xf/><xf/><xf/><xf/></cellXfs></styleSheet>"#;

    fn run(xml: &str, plan: &SheetPlan) -> (String, SheetOutcome) {
        let styles = Styles::parse(STYLES.into()).expect("styles");
        let mut xfs = XfAlloc::new(&styles);
        let mut out = Vec::new();
        let outcome =
            rewrite(xml.as_bytes(), &mut out, plan, &mut xfs, "sheet1.xml").expect("rewrite");
        (String::from_utf8(out).expect("utf8"), outcome)
    }

    fn marks(cells: &[(u32, u32, Severity)]) -> BTreeMap<u32, BTreeMap<u32, Severity>> {
        let mut m: BTreeMap<u32, BTreeMap<u32, Severity>> = BTreeMap::new();
        for (r, c, s) in cells {
            m.entry(*r).or_default().insert(*c, *s);
        }
        m
    }

    const SHEET: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><dimension ref="A2:C4"/><sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews><cols><col min="3" max="4" width="9" style="5" customWidth="1"/></cols><sheetData><row r="2" spans="1:3"><c r="A2" s="1" t="s"><v>0</v></c><c r="C2" s="2"><f>A2*2</f><v>4</v></c></row><row r="4" s="3" customFormat="1"><c r="B4"><v>1</v></c></row><row r="6"/></sheetData><dataValidations count="1"><dataValidation type="list" sqref="A2:A9"><formula1>"a,b"</formula1></dataValidation></dataValidations><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/><tableParts count="1"><tablePart r:id="rId1"/></tableParts></worksheet>"#;

    #[test]
    fn only_the_marked_cells_change_and_missing_cells_are_inserted_in_order() {
        let plan = SheetPlan {
            marks: marks(&[
                (0, 0, Severity::Info),    // a row the sheet lacks, before the first
                (1, 1, Severity::Warning), // missing cell between A2 and C2
                (1, 2, Severity::Error),   // C2: a formula keeps its formula
                (3, 0, Severity::Error),   // missing in a formatted row
                (3, 1, Severity::Error),   // B4 without style
                (5, 3, Severity::Warning), // an empty row element
                (9, 2, Severity::Info),    // beyond the last row, column with a style
            ]),
            legacy_rid: Some("rId7".into()),
            clear_tab_selected: true,
            ..SheetPlan::default()
        };
        let (out, outcome) = run(SHEET, &plan);
        // Indices: 6 original formats, 12 report formats, then the marks in order of use.
        let expected = SHEET
            .replace(" tabSelected=\"1\"", "")
            .replace("<dimension ref=\"A2:C4\"/>", "<dimension ref=\"A1:D10\"/>")
            .replace("<row r=\"2\" spans=\"1:3\">", "<row r=\"2\">")
            .replace(
                "<sheetData><row r=\"2\"",
                "<sheetData><row r=\"1\"><c r=\"A1\" s=\"18\"/></row><row r=\"2\"",
            )
            .replace(
                "<v>0</v></c><c r=\"C2\" s=\"2\">",
                "<v>0</v></c><c r=\"B2\" s=\"19\"/><c r=\"C2\" s=\"20\">",
            )
            .replace(
                "<c r=\"B4\"><v>1</v></c>",
                "<c r=\"A4\" s=\"21\"/><c r=\"B4\" s=\"22\"><v>1</v></c>",
            )
            .replace(
                "<row r=\"6\"/></sheetData>",
                "<row r=\"6\"><c r=\"D6\" s=\"23\"/></row><row r=\"10\"><c r=\"C10\" s=\"24\"/></row></sheetData>",
            )
            .replace(
                "<tableParts",
                "<legacyDrawing r:id=\"rId7\"/><tableParts",
            );
        assert_eq!(out, expected);
        assert_eq!(
            outcome,
            SheetOutcome {
                own_legacy_rid: None,
                legacy_added: true
            }
        );
    }

    #[test]
    fn a_sheet_with_a_drawing_keeps_it_and_an_unmarked_sheet_is_unchanged() {
        let with = SHEET.replace("<tableParts", "<legacyDrawing r:id=\"rId3\"/><tableParts");
        let plan = SheetPlan {
            marks: marks(&[(1, 0, Severity::Error)]),
            legacy_rid: Some("rId9".into()),
            ..SheetPlan::default()
        };
        let (out, outcome) = run(&with, &plan);
        assert!(!out.contains("rId9"));
        assert_eq!(outcome.own_legacy_rid.as_deref(), Some("rId3"));
        let (same, _) = run(SHEET, &SheetPlan::default());
        assert_eq!(same, SHEET);
    }

    #[test]
    fn a_row_is_copied_through_its_end_tag_whatever_it_holds() {
        let row = br#"<c r="A1" t="inlineStr"><is><t><![CDATA[</row> in text]]></t></is></c><!-- </row> --><?pi </row>?><c r="B1"><v>1</v></c></row ><row r="2">"#;
        let end_at = row.windows(7).position(|w| w == b"</row >").expect("end") + 7;
        // Whole, and fed in pieces of every size.
        for piece in 1..row.len() {
            let mut scan = RowScan::default();
            let mut found = None;
            let mut upto = 0;
            while found.is_none() && upto < row.len() {
                upto = (upto + piece).min(row.len());
                found = scan.find_end(&row[..upto], b"</row");
            }
            assert_eq!(found, Some(end_at), "pieces of {piece}");
        }
        let mut scan = RowScan::default();
        assert_eq!(
            scan.find_end(b"<c/></rows></row>xxxxxxxxxx", b"</row"),
            Some(17)
        );
        let mut scan = RowScan::default();
        assert_eq!(
            scan.find_end(b"<x:c/></x:row>xxxxxxxxxxxx", b"</x:row"),
            Some(14)
        );
    }

    #[test]
    fn a_sheet_with_many_plain_rows_streams_through_small_buffers() {
        let mut xml = String::from(
            r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
        );
        for r in 1..=300 {
            xml.push_str(&format!(r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t><![CDATA[</row>]]></t></is></c><c r="B{r}"><v>{r}</v></c></row>"#));
        }
        xml.push_str("</sheetData></worksheet>");
        let styles = Styles::parse(STYLES.into()).expect("styles");
        let mut xfs = XfAlloc::new(&styles);
        let plan = SheetPlan {
            marks: marks(&[(149, 1, Severity::Error)]),
            ..SheetPlan::default()
        };
        let mut out = Vec::new();
        let src = std::io::BufReader::with_capacity(7, xml.as_bytes());
        rewrite(src, &mut out, &plan, &mut xfs, "s").expect("rewrite");
        let expected = xml.replace(r#"<c r="B150">"#, r#"<c r="B150" s="18">"#);
        assert_eq!(String::from_utf8(out).expect("utf8"), expected);
    }

    #[test]
    fn a_chart_sheet_is_unselected() {
        let chart = r#"<chartsheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews><sheetView tabSelected="1" zoomScale="90" workbookViewId="0"/></sheetViews><drawing r:id="rId1" xmlns:r="x"/></chartsheet>"#;
        assert_eq!(
            unselected(chart, "c").expect("rewrite"),
            chart.replace(" tabSelected=\"1\"", "")
        );
    }

    #[test]
    fn a_prefixed_sheet_gets_prefixed_cells() {
        let xml = r#"<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData/></x:worksheet>"#;
        let plan = SheetPlan {
            marks: marks(&[(0, 1, Severity::Error)]),
            legacy_rid: Some("rId1".into()),
            ..SheetPlan::default()
        };
        let (out, _) = run(xml, &plan);
        assert_eq!(
            out,
            r#"<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row r="1"><x:c r="B1" s="18"/></x:row></x:sheetData><x:legacyDrawing xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId1"/></x:worksheet>"#
        );
    }

    #[test]
    fn strict_and_foreign_sheets_are_refused() {
        let strict = r#"<worksheet xmlns="http://purl.oclc.org/ooxml/spreadsheetml/main"><sheetData/></worksheet>"#;
        let styles = Styles::parse(STYLES.into()).expect("styles");
        let mut xfs = XfAlloc::new(&styles);
        let r = rewrite(
            strict.as_bytes(),
            Vec::new(),
            &SheetPlan::default(),
            &mut xfs,
            "s",
        );
        assert!(matches!(r, Err(OverlayError::Strict)));
        let broken = "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row></sheetData>";
        let r = rewrite(
            broken.as_bytes(),
            Vec::new(),
            &SheetPlan::default(),
            &mut xfs,
            "s",
        );
        assert!(matches!(r, Err(OverlayError::Xml { .. })), "{r:?}");
    }
}
