//! `xl/styles.xml`: the cell formats the overlay adds. A finding cell gets
//! a copy of its own format (`xf`: number format, font, border, alignment,
//! protection) with a solid fill by severity; the report sheet gets one
//! format per style. Everything is appended (fonts, fills, borders,
//! `cellXfs`), so every index in the workbook keeps its meaning.
//!
//! An earlier annotated copy's fills are recognised by their colours: a
//! cell that carried our note gets its format back without our fill before
//! it is marked again (fills never stack, and a fixed cell loses its fill).

use std::collections::{BTreeMap, HashMap};

use quick_xml::events::{BytesStart, Event};

use super::xml::{self, attr, unescape};
use super::OverlayError;
use crate::finding::Severity;
use crate::render::report_sheet::{severity_rgb, Look, Style};

const PART: &str = "xl/styles.xml";
const SEVERITIES: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Info];

/// One `xf` of `cellXfs`: its attributes (unescaped) and its children as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Xf {
    attrs: Vec<(String, String)>,
    inner: String,
}

impl Xf {
    fn get(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn with(&self, set: &[(&str, String)], remove: &[&str]) -> Xf {
        let mut attrs: Vec<(String, String)> = self
            .attrs
            .iter()
            .filter(|(k, _)| !remove.contains(&k.as_str()))
            .cloned()
            .collect();
        for (k, v) in set {
            match attrs.iter_mut().find(|(ak, _)| ak == k) {
                Some(slot) => slot.1 = v.clone(),
                None => attrs.push((k.to_string(), v.clone())),
            }
        }
        Xf {
            attrs,
            inner: self.inner.clone(),
        }
    }

    fn to_xml(&self, prefix: &str) -> String {
        let mut out = format!("<{prefix}xf");
        for (k, v) in &self.attrs {
            xml::push_attr(&mut out, k, v);
        }
        if self.inner.is_empty() {
            out.push_str("/>");
        } else {
            out.push('>');
            out.push_str(&self.inner);
            out.push_str(&format!("</{prefix}xf>"));
        }
        out
    }
}

/// What the overlay needs to know of the workbook's styles.
#[derive(Debug)]
pub struct Styles {
    text: String,
    prefix: String,
    fonts: u32,
    fills: u32,
    borders: u32,
    xfs: Vec<Xf>,
    /// Per fill: one of our severity fills (solid, our colour).
    our_fills: Vec<bool>,
    /// Sections the part lacks: fonts, fills, borders, cellXfs,
    /// cellStyleXfs, cellStyles.
    missing: [bool; 6],
}

impl Styles {
    pub fn parse(text: String) -> Result<Styles, OverlayError> {
        let err = |detail: String| OverlayError::Xml {
            part: PART.into(),
            detail,
        };
        let ours: Vec<String> = SEVERITIES
            .iter()
            .map(|s| format!("FF{:06X}", severity_rgb(*s)))
            .collect();
        let mut reader = quick_xml::Reader::from_str(&text);
        let mut prefix = None;
        let (mut fonts, mut fills, mut borders) = (None, None, None);
        let mut xfs = None;
        let mut our_fills = Vec::new();
        let (mut style_xfs, mut cell_styles) = (false, false);
        let mut stack: Vec<String> = Vec::new();
        // Inside a fill: whether it is solid, and its foreground colour.
        let mut fill: Option<(bool, String)> = None;
        loop {
            let event = reader.read_event().map_err(|e| err(e.to_string()))?;
            let empty = matches!(event, Event::Empty(_));
            match event {
                Event::Start(e) | Event::Empty(e) => {
                    let local = e.local_name().as_ref().to_string();
                    if stack.is_empty() {
                        xml::check_root(&e, PART, "styleSheet")?;
                        prefix = Some(xml::prefix_of(&e));
                    }
                    let parent = stack.last().map(String::as_str);
                    match (parent, local.as_str()) {
                        (Some("styleSheet"), "fonts") => fonts = Some(0),
                        (Some("styleSheet"), "fills") => fills = Some(0),
                        (Some("styleSheet"), "borders") => borders = Some(0),
                        (Some("styleSheet"), "cellXfs") => xfs = Some(Vec::new()),
                        (Some("styleSheet"), "cellStyleXfs") => style_xfs = true,
                        (Some("styleSheet"), "cellStyles") => cell_styles = true,
                        (Some("fonts"), "font") => *fonts.get_or_insert(0) += 1,
                        (Some("borders"), "border") => *borders.get_or_insert(0) += 1,
                        (Some("fills"), "fill") => {
                            *fills.get_or_insert(0) += 1;
                            fill = Some((false, String::new()));
                            if empty {
                                our_fills.push(false);
                                fill = None;
                            }
                        }
                        (Some("fill"), "patternFill") => {
                            if let Some(f) = fill.as_mut() {
                                f.0 = attr(&e, "patternType").is_some_and(|t| t == "solid");
                            }
                        }
                        (Some("patternFill"), "fgColor") => {
                            if let Some(f) = fill.as_mut() {
                                f.1 = attr(&e, "rgb").unwrap_or_default().to_ascii_uppercase();
                            }
                        }
                        (Some("cellXfs"), "xf") => {
                            let inner = if empty {
                                String::new()
                            } else {
                                inner_xml(&mut reader, &e).map_err(err)?
                            };
                            xfs.get_or_insert_with(Vec::new).push(Xf {
                                attrs: attrs_of(&e),
                                inner,
                            });
                            continue;
                        }
                        _ => {}
                    }
                    if !empty {
                        stack.push(local);
                    }
                }
                Event::End(e) => {
                    if e.local_name().as_ref() == "fill" {
                        if let Some((solid, rgb)) = fill.take() {
                            let rgb = if rgb.len() == 6 {
                                format!("FF{rgb}")
                            } else {
                                rgb
                            };
                            our_fills.push(solid && ours.contains(&rgb));
                        }
                    }
                    stack.pop();
                }
                Event::Eof if stack.is_empty() => break,
                Event::Eof => return Err(err("unvollständig".into())),
                _ => {}
            }
        }
        // A section the part lacks is written with its defaults (what a
        // reader assumes without it), then ours.
        let mut missing = [false, false, false, false, !style_xfs, !cell_styles];
        let mut count = |n: Option<u32>, i: usize, default: u32| {
            missing[i] = n.is_none();
            n.unwrap_or(default)
        };
        let fonts = count(fonts, 0, 1);
        let fills = count(fills, 1, 2);
        let borders = count(borders, 2, 1);
        let xfs = match xfs {
            Some(x) => x,
            None => {
                missing[3] = true;
                vec![Xf {
                    attrs: DEFAULT_XF
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                    inner: String::new(),
                }]
            }
        };
        if missing[1] {
            our_fills = vec![false, false];
        }
        Ok(Styles {
            prefix: prefix.ok_or_else(|| err("leer".into()))?,
            fonts,
            fills,
            borders,
            xfs,
            our_fills,
            missing,
            text,
        })
    }

    /// A part for a workbook that has none.
    pub fn empty() -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<styleSheet xmlns=\"{}\"></styleSheet>",
            xml::MAIN_NS
        )
    }
}

const DEFAULT_XF: [(&str, &str); 5] = [
    ("numFmtId", "0"),
    ("fontId", "0"),
    ("fillId", "0"),
    ("borderId", "0"),
    ("xfId", "0"),
];

fn attrs_of(e: &BytesStart<'_>) -> Vec<(String, String)> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .map(|a| (a.key.as_ref().to_string(), unescape(&a.value).into_owned()))
        .collect()
}

/// The children of the element just opened, as written, up to its end tag.
fn inner_xml(
    reader: &mut quick_xml::Reader<&[u8]>,
    start: &BytesStart<'_>,
) -> Result<String, String> {
    let mut w = quick_xml::Writer::new(Vec::new());
    let mut depth = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| e.to_string())?;
        match &event {
            Event::Start(_) => depth += 1,
            Event::End(_) if depth == 0 => break,
            Event::End(_) => depth -= 1,
            Event::Eof => return Err(format!("<{}> ohne Ende", start.name().as_ref())),
            _ => {}
        }
        w.write_event(event).map_err(|e| e.to_string())?;
    }
    String::from_utf8(w.into_inner()).map_err(|e| e.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NewXf {
    Report(Style),
    /// An earlier copy's format without our fill.
    Unmarked(u32),
    Marked(u32, Severity),
}

/// Hands out the indices of the formats the overlay adds, while the sheets
/// are rewritten; `write` then appends them to `styles.xml`.
#[derive(Debug)]
pub struct XfAlloc {
    base: u32,
    ours: Vec<bool>,
    new: Vec<NewXf>,
    unmarked: HashMap<u32, u32>,
    marked: HashMap<(u32, Severity), u32>,
    report: BTreeMap<Style, u32>,
}

/// The fills the overlay appends, in order: the three severities, the header grey, the verdict green.
const GREY: u32 = 0xD9D9D9;

impl XfAlloc {
    pub fn new(styles: &Styles) -> XfAlloc {
        let base = styles.xfs.len() as u32;
        let ours: Vec<bool> = styles
            .xfs
            .iter()
            .map(|xf| {
                xf.get("fillId")
                    .and_then(|f| f.parse::<usize>().ok())
                    .and_then(|f| styles.our_fills.get(f).copied())
                    .unwrap_or(false)
            })
            .collect();
        // A marked format's original is still in the table (we only ever
        // append): the same format with a fill not ours, no fill preferred.
        let fill_of = |xf: &Xf| xf.get("fillId").unwrap_or("0").to_string();
        let rest = |xf: &Xf| xf.with(&[], &["fillId", "applyFill"]);
        let mut originals: HashMap<Xf, (bool, u32)> = HashMap::new();
        for (j, other) in styles.xfs.iter().enumerate() {
            if ours.get(j).copied().unwrap_or(false) {
                continue;
            }
            let candidate = (fill_of(other) != "0", j as u32);
            originals
                .entry(rest(other))
                .and_modify(|best| *best = (*best).min(candidate))
                .or_insert(candidate);
        }
        let unmarked: HashMap<u32, u32> = styles
            .xfs
            .iter()
            .enumerate()
            .filter(|(i, _)| ours.get(*i).copied().unwrap_or(false))
            .filter_map(|(i, xf)| Some((i as u32, originals.get(&rest(xf))?.1)))
            .collect();
        let mut alloc = XfAlloc {
            base,
            ours,
            new: Vec::new(),
            unmarked,
            marked: HashMap::new(),
            report: BTreeMap::new(),
        };
        for style in Style::ALL {
            let i = alloc.push(NewXf::Report(style));
            alloc.report.insert(style, i);
        }
        alloc
    }

    fn push(&mut self, xf: NewXf) -> u32 {
        self.new.push(xf);
        self.base + self.new.len() as u32 - 1
    }

    /// The format of a report cell.
    pub fn report(&self, style: Style) -> u32 {
        self.report.get(&style).copied().unwrap_or(0)
    }

    /// Whether `xf` carries one of our fills (an earlier copy's mark).
    pub fn is_ours(&self, xf: u32) -> bool {
        self.ours.get(xf as usize).copied().unwrap_or(false)
    }

    /// `xf` without our fill (itself when it has none): the format it was
    /// made from when the table still has it, else the same without a fill.
    pub fn unmarked(&mut self, xf: u32) -> u32 {
        if !self.is_ours(xf) {
            return xf;
        }
        if let Some(&i) = self.unmarked.get(&xf) {
            return i;
        }
        let i = self.push(NewXf::Unmarked(xf));
        self.unmarked.insert(xf, i);
        i
    }

    /// The format of a finding cell whose own format is `xf`; `unmark`: the
    /// cell was marked by an earlier copy (its fill is ours, not the provider's).
    pub fn marked(&mut self, xf: u32, severity: Severity, unmark: bool) -> u32 {
        let own = if unmark { self.unmarked(xf) } else { xf };
        // A dangling index (no such format) is read as the default format.
        let own = if own < self.base + self.new.len() as u32 {
            own
        } else {
            0
        };
        if let Some(&i) = self.marked.get(&(own, severity)) {
            return i;
        }
        let i = self.push(NewXf::Marked(own, severity));
        self.marked.insert((own, severity), i);
        i
    }

    /// `styles.xml` with the fonts, fills, border and formats handed out appended.
    pub fn write(&self, styles: &Styles) -> Result<Vec<u8>, OverlayError> {
        let p = &styles.prefix;
        let fill_base = styles.fills;
        let font_base = styles.fonts;
        let border = styles.borders;
        let fill_of_rgb = |rgb: u32| -> u32 {
            if let Some(i) = SEVERITIES.iter().position(|s| severity_rgb(*s) == rgb) {
                fill_base + i as u32
            } else if rgb == GREY {
                fill_base + 3
            } else {
                fill_base + 4
            }
        };
        let new_fills: Vec<u32> = SEVERITIES
            .iter()
            .map(|s| severity_rgb(*s))
            .chain([GREY, 0xC6EFCE])
            .collect();
        let fills_xml: String = new_fills
            .iter()
            .map(|rgb| {
                format!(
                    "<{p}fill><{p}patternFill patternType=\"solid\"><{p}fgColor rgb=\"FF{rgb:06X}\"/><{p}bgColor indexed=\"64\"/></{p}patternFill></{p}fill>"
                )
            })
            .collect();
        let fonts_xml: String = Style::ALL.iter().map(|s| font_xml(p, s.look())).collect();
        let border_xml = format!(
            "<{p}border><{p}left/><{p}right/><{p}top/><{p}bottom style=\"thin\"><{p}color auto=\"1\"/></{p}bottom><{p}diagonal/></{p}border>"
        );
        let source = |i: u32| -> Xf {
            match i.checked_sub(styles.xfs.len() as u32) {
                None => styles.xfs[i as usize].clone(),
                Some(k) => match self.new.get(k as usize) {
                    Some(NewXf::Unmarked(from)) => unmark(&styles.xfs[*from as usize]),
                    _ => styles.xfs.first().cloned().unwrap_or_else(|| Xf {
                        attrs: vec![],
                        inner: String::new(),
                    }),
                },
            }
        };
        let mut xfs_xml = String::new();
        for xf in &self.new {
            let x = match *xf {
                NewXf::Report(style) => {
                    let look = style.look();
                    let font =
                        font_base + Style::ALL.iter().position(|s| *s == style).unwrap_or(0) as u32;
                    let fill = look.fill_rgb.map_or(0, fill_of_rgb);
                    let border = if look.border_bottom { border } else { 0 };
                    Xf {
                        attrs: vec![
                            ("numFmtId".into(), "0".into()),
                            ("fontId".into(), font.to_string()),
                            ("fillId".into(), fill.to_string()),
                            ("borderId".into(), border.to_string()),
                            ("xfId".into(), "0".into()),
                            ("applyFont".into(), "1".into()),
                            ("applyFill".into(), "1".into()),
                            ("applyBorder".into(), "1".into()),
                            ("applyAlignment".into(), "1".into()),
                        ],
                        inner: format!(
                            "<{p}alignment vertical=\"top\"{}/>",
                            if look.wrap { " wrapText=\"1\"" } else { "" }
                        ),
                    }
                }
                NewXf::Unmarked(from) => unmark(&styles.xfs[from as usize]),
                NewXf::Marked(from, severity) => source(from).with(
                    &[
                        ("fillId", fill_of_rgb(severity_rgb(severity)).to_string()),
                        ("applyFill", "1".into()),
                    ],
                    &[],
                ),
            };
            xfs_xml.push_str(&x.to_xml(p));
        }
        let with_default = |i: usize, default: String, ours: String| -> String {
            if styles.missing[i] {
                default + &ours
            } else {
                ours
            }
        };
        let fonts_xml = with_default(
            0,
            format!("<{p}font><{p}sz val=\"11\"/><{p}name val=\"Calibri\"/></{p}font>"),
            fonts_xml,
        );
        let fills_xml = with_default(
            1,
            format!(
                "<{p}fill><{p}patternFill patternType=\"none\"/></{p}fill><{p}fill><{p}patternFill patternType=\"gray125\"/></{p}fill>"
            ),
            fills_xml,
        );
        let border_xml = with_default(
            2,
            format!(
                "<{p}border><{p}left/><{p}right/><{p}top/><{p}bottom/><{p}diagonal/></{p}border>"
            ),
            border_xml,
        );
        let xfs_xml = with_default(3, styles.xfs[0].to_xml(p), xfs_xml);
        // Formats refer to the cell style 0 (`xfId`): a part without cell
        // styles gets the default one.
        let style_xf = format!("<{p}xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/>");
        let normal = format!("<{p}cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/>");
        let additions: [(&str, Option<u32>, &str); 6] = [
            (
                "fonts",
                Some(styles.fonts + Style::ALL.len() as u32),
                &fonts_xml,
            ),
            (
                "fills",
                Some(styles.fills + new_fills.len() as u32),
                &fills_xml,
            ),
            ("borders", Some(styles.borders + 1), &border_xml),
            (
                "cellXfs",
                Some(styles.xfs.len() as u32 + self.new.len() as u32),
                &xfs_xml,
            ),
            ("cellStyleXfs", styles.missing[4].then_some(1), &style_xf),
            ("cellStyles", styles.missing[5].then_some(1), &normal),
        ];
        append_children(&styles.text, &additions, &styles.missing, p)
    }
}

/// The format without a fill (what a marked cell had before, as far as we know).
fn unmark(xf: &Xf) -> Xf {
    xf.with(&[("fillId", "0".into())], &["applyFill"])
}

fn font_xml(p: &str, look: Look) -> String {
    let mut out = format!("<{p}font>");
    if look.bold {
        out.push_str(&format!("<{p}b/>"));
    }
    if look.italic {
        out.push_str(&format!("<{p}i/>"));
    }
    if look.underline {
        out.push_str(&format!("<{p}u/>"));
    }
    out.push_str(&format!("<{p}sz val=\"{}\"/>", look.size));
    if let Some(rgb) = look.font_rgb {
        out.push_str(&format!("<{p}color rgb=\"FF{rgb:06X}\"/>"));
    }
    out.push_str(&format!(
        "<{p}name val=\"Calibri\"/><{p}family val=\"2\"/></{p}font>"
    ));
    out
}

/// Children of `styleSheet` in the schema's order (CT_Stylesheet).
const ORDER: [&str; 11] = [
    "numFmts",
    "fonts",
    "fills",
    "borders",
    "cellStyleXfs",
    "cellXfs",
    "cellStyles",
    "dxfs",
    "tableStyles",
    "colors",
    "extLst",
];

fn rank(name: &str) -> usize {
    ORDER.iter().position(|o| *o == name).unwrap_or(ORDER.len())
}

/// Rewrites the document: each named child of the root gets `count` set
/// and the given XML appended before its end tag; a `missing` one is
/// written whole at its place in the schema's order.
fn append_children(
    text: &str,
    additions: &[(&str, Option<u32>, &str); 6],
    missing: &[bool; 6],
    prefix: &str,
) -> Result<Vec<u8>, OverlayError> {
    let err = |detail: String| OverlayError::Xml {
        part: PART.into(),
        detail,
    };
    let mut pending: Vec<usize> = (0..6).filter(|i| missing[*i]).collect();
    pending.sort_by_key(|&i| rank(additions[i].0));
    // Writes the missing sections that come before `next` (all, for `None`).
    let insert = |out: &mut Vec<u8>, pending: &mut Vec<usize>, next: Option<&str>| {
        let limit = next.map_or(usize::MAX, rank);
        pending.retain(|&i| {
            let (name, count, children) = additions[i];
            if rank(name) < limit {
                out.extend_from_slice(
                    format!(
                        "<{prefix}{name} count=\"{}\">{children}</{prefix}{name}>",
                        count.unwrap_or(0)
                    )
                    .as_bytes(),
                );
                false
            } else {
                true
            }
        });
    };
    let mut reader = quick_xml::Reader::from_str(text);
    let mut w = quick_xml::Writer::new(Vec::with_capacity(text.len() + 4096));
    let mut depth = 0usize;
    // Sections that get children: the ones with a count (present ones of
    // the last two stay as they are).
    let find = |name: &str| {
        additions
            .iter()
            .enumerate()
            .find(|(i, (n, c, _))| *n == name && c.is_some() && (*i < 4 || missing[*i]))
            .map(|(_, a)| (a.0, a.1.unwrap_or(0), a.2))
    };
    loop {
        let event = reader.read_event().map_err(|e| err(e.to_string()))?;
        let io = |e: std::io::Error| err(e.to_string());
        if depth == 1 {
            if let Event::Start(e) | Event::Empty(e) = &event {
                insert(w.get_mut(), &mut pending, Some(e.local_name().as_ref()));
            }
        }
        match event {
            Event::Start(e) => {
                let hit = (depth == 1)
                    .then(|| find(e.local_name().as_ref()))
                    .flatten();
                match hit {
                    Some((_, count, _)) => {
                        let tag = xml::with_attr(&e, &[("count", &count.to_string())], &[]);
                        w.get_mut().extend_from_slice(format!("<{tag}>").as_bytes());
                    }
                    None => w.write_event(Event::Start(e)).map_err(io)?,
                }
                depth += 1;
            }
            Event::Empty(e) if depth == 0 => {
                // `<styleSheet/>`: opened, the sections written, closed.
                let name = e.name().as_ref().to_string();
                w.get_mut()
                    .extend_from_slice(format!("<{}>", &*e).as_bytes());
                insert(w.get_mut(), &mut pending, None);
                w.get_mut()
                    .extend_from_slice(format!("</{name}>").as_bytes());
            }
            Event::Empty(e) => {
                let hit = (depth == 1)
                    .then(|| find(e.local_name().as_ref()))
                    .flatten();
                match hit {
                    Some((_, count, children)) => {
                        let tag = xml::with_attr(&e, &[("count", &count.to_string())], &[]);
                        let name = e.name().as_ref().to_string();
                        w.get_mut()
                            .extend_from_slice(format!("<{tag}>{children}</{name}>").as_bytes());
                    }
                    None => w.write_event(Event::Empty(e)).map_err(io)?,
                }
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    insert(w.get_mut(), &mut pending, None);
                }
                if depth == 1 {
                    if let Some((_, _, children)) = find(e.local_name().as_ref()) {
                        w.get_mut().extend_from_slice(children.as_bytes());
                    }
                }
                w.write_event(Event::End(e)).map_err(io)?;
            }
            Event::Eof if depth == 0 => break,
            Event::Eof => return Err(err("unvollständig".into())),
            other => w.write_event(other).map_err(io)?,
        }
    }
    Ok(w.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STYLES: &str = r##"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="#,##0.00\ &quot;€&quot;"/></numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid"><fgColor rgb="FFFFC7CE"/><bgColor indexed="64"/></patternFill></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"><alignment horizontal="right"/></xf><xf numFmtId="164" fontId="0" fillId="2" borderId="0" xfId="0" applyFill="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"##;

    fn cell_xfs(xml: &str) -> Vec<String> {
        let start = xml.find("<cellXfs").expect("cellXfs");
        let end = xml.find("</cellXfs>").expect("end");
        xml[start..end]
            .split("<xf ")
            .skip(1)
            .map(|s| format!("<xf {s}"))
            .collect()
    }

    #[test]
    fn an_earlier_mark_gives_back_the_format_it_was_made_from() {
        let styles = STYLES.replace(
            "</cellXfs>",
            "<xf numFmtId=\"164\" fontId=\"0\" fillId=\"1\" borderId=\"0\" xfId=\"0\"/><xf numFmtId=\"164\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/></cellXfs>",
        );
        let styles = Styles::parse(styles).expect("parse");
        let mut alloc = XfAlloc::new(&styles);
        // xf 2 (ours) = xf 4 with our fill; xf 3 has a fill too, xf 4 none: 4 wins.
        assert_eq!(alloc.unmarked(2), 4);
        assert_eq!(alloc.unmarked(1), 1, "not ours");
    }

    #[test]
    fn a_part_without_sections_gets_them_in_order() {
        for text in [
            Styles::empty(),
            r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xml:space="preserve"/>"#.to_string(),
            r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="0"/><cellStyles count="0"/></styleSheet>"#.to_string(),
        ] {
            let styles = Styles::parse(text.clone()).expect("parse");
            let mut alloc = XfAlloc::new(&styles);
            let marked = alloc.marked(0, Severity::Error, false);
            assert_eq!(marked, 1 + Style::ALL.len() as u32);
            let xml = String::from_utf8(alloc.write(&styles).expect("write")).expect("utf8");
            let at = |tag: &str| xml.find(tag).unwrap_or_else(|| panic!("{tag} in {xml}"));
            assert!(at("<fonts count=\"13\"><font><sz val=\"11\"/>") < at("<fills count=\"7\">"));
            assert!(at("<fills") < at("<borders count=\"2\">"));
            assert!(at("<borders") < at("<cellXfs count=\"14\"><xf numFmtId=\"0\""));
            if text.contains("cellStyles") {
                assert!(at("<cellXfs") < at("<cellStyles"));
                assert!(at("<numFmts") < at("<fonts"));
            }
            assert!(xml.contains("patternType=\"gray125\""));
            assert!(at("<borders") < at("<cellStyleXfs count=\"1\">"));
            assert!(at("<cellStyleXfs") < at("<cellXfs"));
            assert!(at("<cellXfs") < at("<cellStyles count="));
        }
    }

    #[test]
    fn a_marked_format_keeps_everything_but_its_fill() {
        let styles = Styles::parse(STYLES.to_string()).expect("parse");
        assert_eq!(styles.xfs.len(), 3);
        assert_eq!(styles.our_fills, vec![false, false, true]);
        let mut alloc = XfAlloc::new(&styles);
        let first = alloc.marked(1, Severity::Warning, false);
        assert_eq!(first, 3 + Style::ALL.len() as u32);
        assert_eq!(alloc.marked(1, Severity::Warning, false), first, "shared");
        // A cell an earlier copy marked: its own format first, then the new fill.
        assert!(alloc.is_ours(2));
        let again = alloc.marked(2, Severity::Error, true);
        let fixed = alloc.unmarked(2);
        assert_ne!(fixed, 2);
        let xml = String::from_utf8(alloc.write(&styles).expect("write")).expect("utf8");
        assert!(xml.contains("<cellXfs count=\"18\">"), "{xml}");
        assert!(xml.contains("<fills count=\"8\">"), "{xml}");
        assert!(xml.contains("<fonts count=\"13\">"), "{xml}");
        assert!(xml.contains("<borders count=\"2\">"), "{xml}");
        let xfs = cell_xfs(&xml);
        assert_eq!(
            xfs[first as usize],
            "<xf numFmtId=\"164\" fontId=\"0\" fillId=\"4\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\" applyFill=\"1\"><alignment horizontal=\"right\"/></xf>"
        );
        assert_eq!(
            xfs[fixed as usize],
            "<xf numFmtId=\"164\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
        );
        assert_eq!(
            xfs[again as usize],
            "<xf numFmtId=\"164\" fontId=\"0\" fillId=\"3\" borderId=\"0\" xfId=\"0\" applyFill=\"1\"/>"
        );
        // The original formats stay as they were, the number format too.
        assert!(xml.contains("formatCode=\"#,##0.00\\ &quot;€&quot;\""));
        assert_eq!(&xfs[..3], &cell_xfs(STYLES)[..]);
        // The new fills are recognised as ours when the copy is annotated again.
        let again = Styles::parse(xml).expect("parse again");
        assert_eq!(&again.our_fills[3..], &[true, true, true, false, false]);
    }
}
