//! Notes: a sheet's comments part (`xl/commentsN.xml`, the text) and its
//! VML drawing (`xl/drawings/vmlDrawingN.vml`, the yellow boxes). A note
//! the provider already had on a finding cell keeps its text; ours follows
//! it, introduced by a bold `sozialraum:` line (the way Excel starts a note
//! with its author). That line is how an earlier copy's notes are found
//! again: a later copy takes them off (a fixed cell loses its note) and
//! gives the provider's text back.

use std::collections::{BTreeMap, HashMap, HashSet};

use quick_xml::events::Event;

use super::xml::{self, attr, parse_ref, t_element};
use super::OverlayError;

/// The author of our notes.
pub const AUTHOR: &str = "sozialraum";
/// The first line of our part of a note.
pub const MARKER: &str = "sozialraum:";

#[derive(Debug, Clone)]
struct Run {
    xml: String,
    text: String,
}

#[derive(Debug, Clone)]
enum Body {
    /// As written in the part (unchanged).
    Raw(String),
    /// Rebuilt: the comment's start tag, its runs, what follows the runs
    /// inside `<text>` (phonetic runs), what follows `</text>`.
    Parts {
        start: String,
        runs: Vec<Run>,
        rest: String,
        after: String,
    },
}

#[derive(Debug, Clone)]
struct Item {
    pos: Option<(u32, u32)>,
    author: Option<usize>,
    /// The comment's runs as text (`<t>` outside runs included).
    text: String,
    start: String,
    runs: Vec<Run>,
    rest: String,
    after: String,
    body: Body,
}

/// A sheet's comments part.
#[derive(Debug, Clone)]
pub struct Comments {
    prefix: String,
    head: String,
    authors: Vec<String>,
    /// Between `</authors>` and `<commentList>`.
    middle: String,
    items: Vec<Item>,
    tail: String,
}

/// What happened to a sheet's notes.
#[derive(Debug, Default, PartialEq)]
pub struct NoteChanges {
    /// Cells whose note an earlier copy added (the cell was marked by it).
    pub earlier: HashSet<(u32, u32)>,
    /// Cells whose note is gone now (their box goes too).
    pub removed: HashSet<(u32, u32)>,
    /// Cells that have a note now and had none (they need a box).
    pub added: Vec<(u32, u32)>,
}

fn text_of_ref(r: &quick_xml::events::BytesRef<'_>) -> String {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return c.to_string();
    }
    match &*r.clone().into_inner() {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => "",
    }
    .to_string()
}

impl Comments {
    /// An empty comments part (a sheet without notes so far).
    pub fn new() -> Comments {
        Comments {
            prefix: String::new(),
            head: format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<comments xmlns=\"{}\">",
                xml::MAIN_NS
            ),
            authors: Vec::new(),
            middle: String::new(),
            items: Vec::new(),
            tail: "</comments>".into(),
        }
    }

    pub fn parse(text: &str, part: &str) -> Result<Comments, OverlayError> {
        let err = |d: String| OverlayError::Xml {
            part: part.to_string(),
            detail: d,
        };
        let mut reader = quick_xml::Reader::from_str(text);
        let mut stack: Vec<String> = Vec::new();
        let mut prefix = String::new();
        let mut authors = Vec::new();
        let mut author_text: Option<String> = None;
        let (mut authors_span, mut list_span) = (None::<(usize, usize)>, None::<(usize, usize)>);
        let mut items = Vec::new();
        // The comment being read: its start, start tag, runs, texts.
        let mut item: Option<(usize, Item)> = None;
        let mut run: Option<(usize, String)> = None;
        let mut in_t = false;
        let mut text_end_of_runs: Option<usize> = None;
        let mut text_close: Option<usize> = None;
        loop {
            let before = reader.buffer_position() as usize;
            let event = reader.read_event().map_err(|e| err(e.to_string()))?;
            let after = reader.buffer_position() as usize;
            let empty = matches!(event, Event::Empty(_));
            match event {
                Event::Start(e) | Event::Empty(e) => {
                    let local = e.local_name().as_ref().to_string();
                    let parent = stack.last().map(String::as_str);
                    match (parent, local.as_str()) {
                        (None, _) => {
                            xml::check_root(&e, part, "comments")?;
                            prefix = xml::prefix_of(&e);
                        }
                        (Some("comments"), "authors") => {
                            authors_span = Some((before, after));
                        }
                        (Some("comments"), "commentList") => {
                            list_span = Some((before, after));
                        }
                        (Some("authors"), "author") => {
                            if empty {
                                authors.push(String::new());
                            } else {
                                author_text = Some(String::new());
                            }
                        }
                        (Some("commentList"), "comment") => {
                            let pos = attr(&e, "ref").and_then(|r| parse_ref(r.as_bytes()));
                            let author = attr(&e, "authorId").and_then(|a| a.parse().ok());
                            let start = text[before..after].to_string();
                            let start = if empty {
                                // `<comment …/>`: a comment without text.
                                format!("{}>", start.trim_end_matches('>').trim_end_matches('/'))
                            } else {
                                start
                            };
                            let it = Item {
                                pos,
                                author,
                                text: String::new(),
                                start,
                                runs: Vec::new(),
                                rest: String::new(),
                                after: String::new(),
                                body: Body::Raw(String::new()),
                            };
                            if empty {
                                let mut it = it;
                                it.body = Body::Raw(text[before..after].to_string());
                                items.push(it);
                            } else {
                                item = Some((before, it));
                                text_end_of_runs = None;
                                text_close = None;
                            }
                        }
                        (Some("text"), "r") if !empty => run = Some((before, String::new())),
                        (Some("text"), "rPh" | "phoneticPr") => {
                            text_end_of_runs.get_or_insert(before);
                        }
                        (Some("text"), "t") if !empty => {
                            // A `<t>` outside runs: kept as a run of its own when rebuilt.
                            if let Some((_, it)) = item.as_mut() {
                                it.runs.push(Run {
                                    xml: String::new(),
                                    text: String::new(),
                                });
                            }
                            in_t = true;
                        }
                        (Some("r"), "t") if !empty => in_t = true,
                        _ => {}
                    }
                    if !empty {
                        stack.push(local);
                    }
                }
                Event::Text(t) => {
                    let s = t.xml10_content();
                    if in_t {
                        push_text(&mut run, &mut item, &s);
                    } else if let Some(a) = author_text.as_mut() {
                        a.push_str(&s);
                    }
                }
                Event::GeneralRef(r) => {
                    let s = text_of_ref(&r);
                    if in_t {
                        push_text(&mut run, &mut item, &s);
                    } else if let Some(a) = author_text.as_mut() {
                        a.push_str(&s);
                    }
                }
                Event::CData(c) if in_t => {
                    push_text(&mut run, &mut item, &c.xml10_content());
                }
                Event::End(e) => {
                    stack.pop();
                    match e.local_name().as_ref() {
                        "t" => in_t = false,
                        "author" => {
                            if let Some(a) = author_text.take() {
                                authors.push(a);
                            }
                        }
                        "authors" if stack.len() == 1 => {
                            if let Some(s) = authors_span.as_mut() {
                                s.1 = after;
                            }
                        }
                        "commentList" if stack.len() == 1 => {
                            if let Some(s) = list_span.as_mut() {
                                s.1 = after;
                            }
                        }
                        "r" if stack.last().is_some_and(|p| p == "text") => {
                            if let (Some((start, t)), Some((_, it))) = (run.take(), item.as_mut()) {
                                it.runs.push(Run {
                                    xml: text[start..after].to_string(),
                                    text: t,
                                });
                            }
                        }
                        "text" if stack.last().is_some_and(|p| p == "comment") => {
                            text_close = Some(before);
                        }
                        "comment" if stack.len() == 2 => {
                            if let Some((start, mut it)) = item.take() {
                                let close = text_close.unwrap_or(before);
                                let runs_end = text_end_of_runs.unwrap_or(close);
                                it.rest = text[runs_end.min(close)..close].to_string();
                                // Children after </text> (commentPr), without the end tag.
                                let after_text = text_close
                                    .map(|c| {
                                        let from =
                                            text[c..before].find('>').map_or(before, |i| c + i + 1);
                                        text[from.min(before)..before].to_string()
                                    })
                                    .unwrap_or_default();
                                it.after = after_text;
                                it.body = Body::Raw(text[start..after].to_string());
                                items.push(it);
                            }
                        }
                        _ => {}
                    }
                }
                Event::Eof if stack.is_empty() => break,
                Event::Eof => return Err(err("unvollständig".into())),
                _ => {}
            }
        }
        let (authors_start, authors_end) =
            authors_span.ok_or_else(|| err("ohne <authors>".into()))?;
        let (list_start, list_end) = list_span.unwrap_or((authors_end, authors_end));
        if list_start < authors_end {
            return Err(err("<commentList> vor <authors>".into()));
        }
        Ok(Comments {
            prefix,
            head: text[..authors_start].to_string(),
            authors,
            middle: text[authors_end..list_start].to_string(),
            items,
            tail: text[list_end..].to_string(),
        })
    }

    fn our_author(&mut self) -> usize {
        match self.authors.iter().position(|a| a == AUTHOR) {
            Some(i) => i,
            None => {
                self.authors.push(AUTHOR.to_string());
                self.authors.len() - 1
            }
        }
    }

    /// Takes an earlier copy's notes off (whole notes, or our part of a
    /// provider's note), then adds `notes` (merged into a provider's note on
    /// the same cell). Returns which cells changed.
    pub fn apply(&mut self, notes: &BTreeMap<(u32, u32), String>) -> NoteChanges {
        let mut changes = NoteChanges::default();
        let ours = self.authors.iter().position(|a| a == AUTHOR);
        let mut kept = Vec::with_capacity(self.items.len());
        for mut it in std::mem::take(&mut self.items) {
            match (it.pos, strip_ours(&mut it, ours)) {
                (Some(pos), Stripped::Whole) => {
                    changes.earlier.insert(pos);
                    if !notes.contains_key(&pos) {
                        changes.removed.insert(pos);
                    }
                    // The new note (if any) replaces it in place below.
                    if notes.contains_key(&pos) {
                        it.runs.clear();
                        it.rest.clear();
                        it.body = Body::Parts {
                            start: it.start.clone(),
                            runs: vec![],
                            rest: String::new(),
                            after: it.after.clone(),
                        };
                        it.text.clear();
                        kept.push(it);
                    }
                }
                (Some(pos), Stripped::Part) => {
                    changes.earlier.insert(pos);
                    kept.push(it);
                }
                _ => kept.push(it),
            }
        }
        self.items = kept;
        let mut author = None;
        // The first note of each cell (a cell has one; a second is left alone).
        let mut at: HashMap<(u32, u32), usize> = HashMap::new();
        for (i, it) in self.items.iter().enumerate() {
            if let Some(pos) = it.pos {
                at.entry(pos).or_insert(i);
            }
        }
        for (&pos, note) in notes {
            let ours = our_runs(&self.prefix, note);
            match at.get(&pos).and_then(|&i| self.items.get_mut(i)) {
                Some(it) => {
                    let (start, mut runs, rest, after) = match &it.body {
                        Body::Parts {
                            start,
                            runs,
                            rest,
                            after,
                        } => (start.clone(), runs.clone(), rest.clone(), after.clone()),
                        Body::Raw(_) => (
                            it.start.clone(),
                            it.runs.clone(),
                            it.rest.clone(),
                            it.after.clone(),
                        ),
                    };
                    if runs.iter().any(|r| !r.text.trim().is_empty()) {
                        runs.push(Run {
                            xml: format!(
                                "<{p}r>{}</{p}r>",
                                t_element(&self.prefix, "\n\n"),
                                p = self.prefix
                            ),
                            text: "\n\n".into(),
                        });
                    } else {
                        runs.clear();
                    }
                    runs.extend(ours);
                    it.body = Body::Parts {
                        start,
                        runs,
                        rest,
                        after,
                    };
                }
                None => {
                    let id = *author.get_or_insert_with(|| self.our_author());
                    let p = self.prefix.clone();
                    let start = format!(
                        "<{p}comment ref=\"{}\" authorId=\"{id}\">",
                        xml::a1(pos.0, pos.1)
                    );
                    self.items.push(Item {
                        pos: Some(pos),
                        author: Some(id),
                        text: String::new(),
                        start: start.clone(),
                        runs: Vec::new(),
                        rest: String::new(),
                        after: String::new(),
                        body: Body::Parts {
                            start,
                            runs: ours,
                            rest: String::new(),
                            after: String::new(),
                        },
                    });
                    changes.added.push(pos);
                }
            }
        }
        // Excel writes notes in row, then column order.
        self.items
            .sort_by_key(|it| it.pos.map_or((u32::MAX, u32::MAX), |(r, c)| (r, c)));
        changes
    }

    /// Cells with a note.
    pub fn cells(&self) -> Vec<(u32, u32)> {
        self.items.iter().filter_map(|it| it.pos).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn to_xml(&self) -> String {
        let p = &self.prefix;
        let mut out = String::with_capacity(self.head.len() + self.items.len() * 300);
        out.push_str(&self.head);
        out.push_str(&format!("<{p}authors>"));
        for a in &self.authors {
            out.push_str(&format!("<{p}author>{}</{p}author>", xml::escape(a)));
        }
        out.push_str(&format!("</{p}authors>"));
        out.push_str(&self.middle);
        out.push_str(&format!("<{p}commentList>"));
        for it in &self.items {
            match &it.body {
                Body::Raw(raw) => out.push_str(raw),
                Body::Parts {
                    start,
                    runs,
                    rest,
                    after,
                } => {
                    out.push_str(start);
                    out.push_str(&format!("<{p}text>"));
                    for r in runs {
                        out.push_str(&r.xml);
                    }
                    out.push_str(rest);
                    out.push_str(&format!("</{p}text>"));
                    out.push_str(after);
                    out.push_str(&format!("</{p}comment>"));
                }
            }
        }
        out.push_str(&format!("</{p}commentList>"));
        out.push_str(&self.tail);
        out
    }
}

impl Default for Comments {
    fn default() -> Self {
        Comments::new()
    }
}

fn push_text(run: &mut Option<(usize, String)>, item: &mut Option<(usize, Item)>, s: &str) {
    if let Some((_, t)) = run.as_mut() {
        t.push_str(s);
    }
    if let Some((_, it)) = item.as_mut() {
        if run.is_none() {
            if let Some(plain) = it.runs.last_mut() {
                plain.text.push_str(s);
            }
        }
        it.text.push_str(s);
    }
}

enum Stripped {
    No,
    Part,
    Whole,
}

/// Takes our part off a note; says what was ours.
fn strip_ours(it: &mut Item, our_author: Option<usize>) -> Stripped {
    let marker_at = |t: &str| t.trim_start_matches(['\n', '\r', ' ']).starts_with(MARKER);
    // A `<t>` outside runs has no XML of its own: rebuild it as a run.
    let p = prefix_of_start(&it.start);
    for r in it.runs.iter_mut().filter(|r| r.xml.is_empty()) {
        r.xml = format!("<{p}r>{}</{p}r>", t_element(&p, &r.text));
    }
    let by_author = our_author.is_some() && it.author == our_author;
    if marker_at(&it.text) || (by_author && !it.text.contains(&format!("\n{MARKER}"))) {
        return Stripped::Whole;
    }
    let keep = if let Some(i) = it.runs.iter().position(|r| marker_at(&r.text)) {
        let mut runs = it.runs[..i].to_vec();
        while runs.last().is_some_and(|r| r.text.trim().is_empty()) {
            runs.pop();
        }
        runs
    } else if let Some(i) = it.text.find(&format!("\n{MARKER}")) {
        // Runs flattened (a program rewrote the note): its text before ours.
        let before = it.text[..i].trim_end().to_string();
        vec![Run {
            xml: format!("<{p}r>{}</{p}r>", t_element(&p, &before)),
            text: before,
        }]
    } else {
        return Stripped::No;
    };
    if keep.iter().all(|r| r.text.trim().is_empty()) {
        return Stripped::Whole;
    }
    // The blank lines before our part belong to it (some programs merge
    // them into the provider's last run).
    let mut keep = keep;
    if let Some(last) = keep.last_mut() {
        if last.text.ends_with(char::is_whitespace) {
            *last = trimmed_run(last, &p);
        }
    }
    it.text = keep.iter().map(|r| r.text.as_str()).collect();
    it.runs = keep.clone();
    it.body = Body::Parts {
        start: it.start.clone(),
        runs: keep,
        rest: it.rest.clone(),
        after: it.after.clone(),
    };
    Stripped::Part
}

/// A run without the blanks at its end, its formatting (`rPr`) kept.
fn trimmed_run(run: &Run, p: &str) -> Run {
    let text = run.text.trim_end().to_string();
    let open = format!("<{p}rPr");
    let rpr = run.xml.find(&open).and_then(|s| {
        let close = format!("</{p}rPr>");
        let end = match run.xml[s..].find(&close) {
            Some(e) => s + e + close.len(),
            None => s + run.xml[s..].find("/>")? + 2,
        };
        Some(run.xml[s..end].to_string())
    });
    Run {
        xml: format!(
            "<{p}r>{}{}</{p}r>",
            rpr.unwrap_or_default(),
            t_element(p, &text)
        ),
        text,
    }
}

fn prefix_of_start(start: &str) -> String {
    let name: String = start
        .trim_start_matches('<')
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
        .collect();
    match name.find(':') {
        Some(i) => name[..=i].to_string(),
        None => String::new(),
    }
}

/// Our part of a note: the bold `sozialraum:` line, then the text, in
/// Excel's note font.
fn our_runs(p: &str, note: &str) -> Vec<Run> {
    let font = format!(
        "<{p}sz val=\"9\"/><{p}color indexed=\"81\"/><{p}rFont val=\"Tahoma\"/><{p}family val=\"2\"/>"
    );
    let body = format!("\n{note}");
    vec![
        Run {
            xml: format!(
                "<{p}r><{p}rPr><{p}b/>{font}</{p}rPr>{}</{p}r>",
                t_element(p, MARKER)
            ),
            text: MARKER.into(),
        },
        Run {
            xml: format!(
                "<{p}r><{p}rPr>{font}</{p}rPr>{}</{p}r>",
                t_element(p, &body)
            ),
            text: body,
        },
    ]
}

/// A VML drawing, handled as bytes: shapes are found by their markup and
/// spliced (Excel's VML is not always well-formed XML, and may be in a
/// legacy encoding; what we add is ASCII). The prefixes are the drawing's
/// own (`v:`, `o:`, `x:` from Excel, `ns0:` … from openpyxl).
#[derive(Debug, Clone)]
pub struct Vml {
    bytes: Vec<u8>,
}

/// One note box: its byte range and cell.
struct Shape {
    start: usize,
    end: usize,
    cell: Option<(u32, u32)>,
}

/// The drawing's prefixes (with colon) for VML, Office and Excel markup.
struct Prefixes {
    v: String,
    o: String,
    x: String,
}

const NS_V: &str = "urn:schemas-microsoft-com:vml";
const NS_O: &str = "urn:schemas-microsoft-com:office:office";
const NS_X: &str = "urn:schemas-microsoft-com:office:excel";

impl Prefixes {
    /// Our markup (written with `v:`, `o:`, `x:`) in the drawing's prefixes.
    fn apply(&self, markup: &str) -> String {
        let mut out = markup.to_string();
        for (ours, theirs) in [("v:", &self.v), ("o:", &self.o), ("x:", &self.x)] {
            if ours == theirs.as_str() {
                continue;
            }
            for lead in ["</", "<", " "] {
                out = out.replace(&format!("{lead}{ours}"), &format!("{lead}{theirs}"));
            }
        }
        out
    }
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from >= hay.len() || needle.is_empty() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn number_in(block: &[u8], open: &[u8], close: &[u8]) -> Option<u32> {
    let s = find(block, open, 0)? + open.len();
    let e = find(block, close, s)?;
    std::str::from_utf8(&block[s..e]).ok()?.trim().parse().ok()
}

const SHAPETYPE: &str = "<v:shapetype id=\"_x0000_t202\" coordsize=\"21600,21600\" o:spt=\"202\" path=\"m,l,21600r21600,l21600,xe\"><v:stroke joinstyle=\"miter\"/><v:path gradientshapeok=\"t\" o:connecttype=\"rect\"/></v:shapetype>";

impl Vml {
    pub fn from_bytes(bytes: Vec<u8>) -> Vml {
        Vml { bytes }
    }

    /// A new drawing (its shapes are added by `edit`).
    pub fn new() -> Vml {
        Vml {
            bytes: format!(
                "<xml xmlns:v=\"{NS_V}\" xmlns:o=\"{NS_O}\" xmlns:x=\"{NS_X}\"><o:shapelayout v:ext=\"edit\"><o:idmap v:ext=\"edit\" data=\"\"/></o:shapelayout>{SHAPETYPE}</xml>"
            )
            .into_bytes(),
        }
    }

    /// The end of the root start tag and the prefixes it declares.
    fn root(&self) -> Option<(usize, Prefixes)> {
        let b = &self.bytes;
        let start = find(b, b"<xml", 0)?;
        let end = find(b, b">", start)?;
        let head = String::from_utf8_lossy(&b[start..end]);
        let prefix = |ns: &str| -> Option<String> {
            let at = head
                .find(&format!("=\"{ns}\""))
                .or_else(|| head.find(&format!("='{ns}'")))?;
            let decl = head[..at].rsplit(char::is_whitespace).next()?;
            let name = decl.strip_prefix("xmlns:")?;
            (!name.is_empty()).then(|| format!("{name}:"))
        };
        Some((
            end,
            Prefixes {
                v: prefix(NS_V)?,
                o: prefix(NS_O)?,
                x: prefix(NS_X)?,
            },
        ))
    }

    fn shapes(&self, p: &Prefixes) -> Vec<Shape> {
        let b = &self.bytes;
        let open = format!("<{}shape", p.v);
        let close = format!("</{}shape>", p.v);
        let (row_open, row_close) = (format!("<{}Row>", p.x), format!("</{}Row>", p.x));
        let (col_open, col_close) = (format!("<{}Column>", p.x), format!("</{}Column>", p.x));
        let mut out = Vec::new();
        let mut at = 0;
        while let Some(s) = find(b, open.as_bytes(), at) {
            let next = b.get(s + open.len()).copied().unwrap_or(b'>');
            if !(next.is_ascii_whitespace() || next == b'>') {
                at = s + open.len();
                continue;
            }
            let tag_end = find(b, b">", s).unwrap_or(b.len().saturating_sub(1));
            let end = if b.get(tag_end.wrapping_sub(1)) == Some(&b'/') {
                tag_end + 1
            } else {
                find(b, close.as_bytes(), s).map_or(b.len(), |e| e + close.len())
            };
            let block = &b[s..end];
            let note = find(block, b"ObjectType=\"Note\"", 0).is_some();
            let cell = if note {
                match (
                    number_in(block, row_open.as_bytes(), row_close.as_bytes()),
                    number_in(block, col_open.as_bytes(), col_close.as_bytes()),
                ) {
                    (Some(r), Some(c)) => Some((r, c)),
                    _ => None,
                }
            } else {
                None
            };
            out.push(Shape {
                start: s,
                end,
                cell,
            });
            at = end.max(s + 1);
        }
        out
    }

    /// Where the `data` of `o:idmap` starts and ends.
    fn idmap(bytes: &[u8], p: &Prefixes) -> Option<(usize, usize)> {
        let s = find(bytes, format!("<{}idmap", p.o).as_bytes(), 0)?;
        let tag_end = find(bytes, b">", s)?;
        let d = find(&bytes[..tag_end], b"data=\"", s)? + 6;
        let e = find(bytes, b"\"", d)?;
        Some((d, e))
    }

    /// The id blocks (`o:idmap data`) the drawing uses.
    pub fn blocks(&self) -> Vec<u32> {
        let Some((_, p)) = self.root() else {
            return Vec::new();
        };
        let Some((d, e)) = Self::idmap(&self.bytes, &p) else {
            return Vec::new();
        };
        std::str::from_utf8(&self.bytes[d..e])
            .unwrap_or("")
            .split(',')
            .filter_map(|x| x.trim().parse().ok())
            .collect()
    }

    /// Removes the boxes of `removed`, adds boxes for `added` (cells without
    /// one), their shape ids taken from new id blocks (`next_block` on).
    pub fn edit(
        &self,
        removed: &HashSet<(u32, u32)>,
        added: &[(u32, u32)],
        next_block: &mut u32,
        part: &str,
    ) -> Result<Vec<u8>, OverlayError> {
        let err = |d: &str| OverlayError::Xml {
            part: part.to_string(),
            detail: d.to_string(),
        };
        let b = &self.bytes;
        let (_, p) = self
            .root()
            .ok_or_else(|| err("ohne <xml> und die Namensräume v, o, x"))?;
        let close = rfind(b, b"</xml>").ok_or_else(|| err("ohne </xml>"))?;
        let shapes = self.shapes(&p);
        let have: HashSet<(u32, u32)> = shapes
            .iter()
            .filter_map(|s| s.cell)
            .filter(|c| !removed.contains(c))
            .collect();
        let mut seen = HashSet::new();
        let new: Vec<(u32, u32)> = added
            .iter()
            .copied()
            .filter(|c| !have.contains(c) && seen.insert(*c))
            .collect();
        let mut out = Vec::with_capacity(b.len() + new.len() * 700);
        let mut at = 0;
        for s in shapes
            .iter()
            .filter(|s| s.cell.is_some_and(|c| removed.contains(&c)))
        {
            out.extend_from_slice(&b[at..s.start]);
            at = s.end;
        }
        out.extend_from_slice(&b[at..close]);
        let mut blocks = Vec::new();
        if !new.is_empty() && find(b, b"_x0000_t202", 0).is_none() {
            out.extend_from_slice(p.apply(SHAPETYPE).as_bytes());
        }
        let z0 = shapes.len() as u32;
        for (i, &(row, col)) in new.iter().enumerate() {
            let i = i as u32;
            if i.is_multiple_of(1023) {
                blocks.push(*next_block);
                *next_block += 1;
            }
            let block = blocks.last().copied().unwrap_or(1);
            let id = block * 1024 + 1 + i % 1023;
            out.extend_from_slice(p.apply(&note_shape(id, z0 + i + 1, row, col)).as_bytes());
        }
        out.extend_from_slice(&b[close..]);
        if blocks.is_empty() {
            return Ok(out);
        }
        // The drawing's id blocks, ours added.
        let Some((d, e)) = Self::idmap(&out, &p) else {
            return Ok(out);
        };
        let mut all: Vec<String> = std::str::from_utf8(&out[d..e])
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(String::from)
            .collect();
        all.extend(blocks.iter().map(u32::to_string));
        let mut fixed = out[..d].to_vec();
        fixed.extend_from_slice(all.join(",").as_bytes());
        fixed.extend_from_slice(&out[e..]);
        Ok(fixed)
    }
}

impl Default for Vml {
    fn default() -> Self {
        Vml::new()
    }
}

/// A hidden note box beside its cell, 270 × 120 pt as rust_xlsxwriter draws
/// them (about five columns, eight rows of the default size).
fn note_shape(id: u32, z: u32, row: u32, col: u32) -> String {
    let top = row.saturating_sub(1);
    let left = f64::from(col + 1) * 48.0 + 11.25;
    let margin_top = f64::from(top) * 15.0 + 7.5;
    format!(
        "<v:shape id=\"_x0000_s{id}\" type=\"#_x0000_t202\" style=\"position:absolute;margin-left:{left}pt;margin-top:{margin_top}pt;width:270pt;height:120pt;z-index:{z};visibility:hidden\" fillcolor=\"#ffffe1\" o:insetmode=\"auto\"><v:fill color2=\"#ffffe1\"/><v:shadow on=\"t\" color=\"black\" obscured=\"t\"/><v:path o:connecttype=\"none\"/><v:textbox style=\"mso-direction-alt:auto\"><div style=\"text-align:left\"></div></v:textbox><x:ClientData ObjectType=\"Note\"><x:MoveWithCells/><x:SizeWithCells/><x:Anchor>{}, 15, {top}, 10, {}, 15, {}, 10</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>{row}</x:Row><x:Column>{col}</x:Column></x:ClientData></v:shape>",
        col + 1,
        col + 6,
        top + 8
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXCEL: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="xr" xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision"><authors><author>Anna &amp; Co</author></authors><commentList><comment ref="C4" authorId="0" shapeId="0" xr:uid="{1}"><text><r><rPr><b/><sz val="9"/></rPr><t>Anna:</t></r><r><rPr><sz val="9"/></rPr><t xml:space="preserve">
Bitte prüfen</t></r></text></comment><comment ref="A2" authorId="0"><text><t>nur Text</t></text></comment></commentList></comments>"#;

    fn notes(cells: &[((u32, u32), &str)]) -> BTreeMap<(u32, u32), String> {
        cells.iter().map(|(p, t)| (*p, t.to_string())).collect()
    }

    #[test]
    fn an_unchanged_part_is_written_as_it_was() {
        let c = Comments::parse(EXCEL, "c").expect("parse");
        assert_eq!(c.authors, vec!["Anna & Co".to_string()]);
        assert_eq!(c.cells(), vec![(3, 2), (1, 0)]);
        let mut again = c.clone();
        let changes = again.apply(&BTreeMap::new());
        assert_eq!(changes, NoteChanges::default());
        // Sorted by cell; each comment as it was.
        let xml = again.to_xml();
        assert!(xml.starts_with(&EXCEL[..EXCEL.find("<authors>").expect("a")]));
        assert!(xml.contains("<authors><author>Anna &amp; Co</author></authors>"));
        let a2 = xml.find("ref=\"A2\"").expect("A2");
        let c4 = xml.find("ref=\"C4\"").expect("C4");
        assert!(a2 < c4);
        assert!(xml.contains("<comment ref=\"C4\" authorId=\"0\" shapeId=\"0\" xr:uid=\"{1}\"><text><r><rPr><b/><sz val=\"9\"/></rPr><t>Anna:</t></r>"));
    }

    #[test]
    fn our_note_joins_the_providers_and_comes_off_again() {
        let mut c = Comments::parse(EXCEL, "c").expect("parse");
        let changes = c.apply(&notes(&[
            ((3, 2), "Fehler [X]: falsch"),
            ((5, 1), "Warnung [Y]: <auch>"),
        ]));
        assert_eq!(changes.added, vec![(5, 1)]);
        assert!(changes.earlier.is_empty());
        let copy = c.to_xml();
        assert!(copy.contains("<author>sozialraum</author>"), "{copy}");
        assert!(
            copy.contains(
                "Bitte prüfen</t></r><r><t xml:space=\"preserve\">\n\n</t></r><r><rPr><b/>"
            ),
            "{copy}"
        );
        assert!(copy.contains("Warnung [Y]: &lt;auch&gt;"));
        assert!(copy.contains("<comment ref=\"B6\" authorId=\"1\">"));
        // The copy of the copy: C4 fixed (no note of ours), B6 still wrong.
        let mut again = Comments::parse(&copy, "c").expect("parse copy");
        let changes = again.apply(&notes(&[((5, 1), "Warnung [Y]: noch immer")]));
        assert_eq!(changes.earlier, HashSet::from([(3, 2), (5, 1)]));
        assert!(changes.removed.is_empty(), "C4 keeps the provider's note");
        assert!(changes.added.is_empty());
        let xml = again.to_xml();
        assert!(!xml.contains("Fehler [X]"), "{xml}");
        assert!(xml.contains("Bitte prüfen</t></r></text>"), "{xml}");
        assert!(xml.contains("noch immer"));
        assert_eq!(xml.matches("sozialraum:").count(), 1);
        // Fixed as well: our note goes, the cell's box with it.
        let mut third = Comments::parse(&xml, "c").expect("parse");
        let changes = third.apply(&BTreeMap::new());
        assert_eq!(changes.removed, HashSet::from([(5, 1)]));
        assert_eq!(third.cells(), vec![(1, 0), (3, 2)]);
    }

    #[test]
    fn a_note_libreoffice_rewrote_gives_the_providers_text_back() {
        let lo = r#"<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><authors><author> </author></authors><commentList><comment ref="B4" authorId="0"><text><r><rPr><sz val="11"/><rFont val="Calibri"/></rPr><t xml:space="preserve">Bitte erfragen.&#10;&#10;</t></r><r><rPr><b val="true"/><sz val="9"/></rPr><t xml:space="preserve">sozialraum:&#10;</t></r><r><rPr><sz val="9"/></rPr><t xml:space="preserve">Fehler [ENUM-UNKNOWN]: alt</t></r></text></comment></commentList></comments>"#;
        let mut c = Comments::parse(lo, "c").expect("parse");
        let changes = c.apply(&BTreeMap::new());
        assert_eq!(changes.earlier, HashSet::from([(3, 1)]));
        assert!(changes.removed.is_empty());
        let xml = c.to_xml();
        assert!(xml.contains(r#"<comment ref="B4" authorId="0"><text><r><rPr><sz val="11"/><rFont val="Calibri"/></rPr><t>Bitte erfragen.</t></r></text></comment>"#), "{xml}");
    }

    #[test]
    fn flattened_notes_are_still_recognised() {
        let flat = EXCEL.replace(
            "<t>nur Text</t>",
            "<t xml:space=\"preserve\">nur Text\n\nsozialraum:\nFehler [Z]: alt</t>",
        );
        let mut c = Comments::parse(&flat, "c").expect("parse");
        let changes = c.apply(&BTreeMap::new());
        assert_eq!(changes.earlier, HashSet::from([(1, 0)]));
        let xml = c.to_xml();
        assert!(
            xml.contains(
                "<comment ref=\"A2\" authorId=\"0\"><text><r><t>nur Text</t></r></text></comment>"
            ),
            "{xml}"
        );
    }

    #[test]
    fn note_boxes_are_added_and_removed_by_cell() {
        let mut next = 3;
        let new = Vml::new()
            .edit(&HashSet::new(), &[(2, 1), (4, 0)], &mut next, "v")
            .expect("vml");
        let new = Vml::from_bytes(new);
        assert_eq!(new.blocks(), vec![3]);
        assert_eq!(next, 4);
        let p = new.root().expect("root").1;
        let cells: Vec<_> = new.shapes(&p).iter().filter_map(|s| s.cell).collect();
        assert_eq!(cells, vec![(2, 1), (4, 0)]);
        let edited = new
            .edit(&HashSet::from([(2, 1)]), &[(7, 7), (4, 0)], &mut next, "v")
            .expect("edit");
        let edited = Vml::from_bytes(edited);
        let cells: Vec<_> = edited.shapes(&p).iter().filter_map(|s| s.cell).collect();
        assert_eq!(cells, vec![(4, 0), (7, 7)]);
        assert_eq!(edited.blocks(), vec![3, 4]);
        let text = String::from_utf8(edited.bytes.clone()).expect("utf8");
        assert!(text.contains("_x0000_s4097"), "{text}");
        assert!(Vml::from_bytes(b"<xml>".to_vec())
            .edit(&HashSet::new(), &[(0, 0)], &mut next, "v")
            .is_err());
    }

    #[test]
    fn a_drawing_with_other_prefixes_gets_boxes_in_its_own() {
        let openpyxl = r##"<xml xmlns:ns0="urn:schemas-microsoft-com:office:office" xmlns:ns1="urn:schemas-microsoft-com:vml" xmlns:ns2="urn:schemas-microsoft-com:office:excel"><ns0:shapelayout ns1:ext="edit"><ns0:idmap ns1:ext="edit" data="1" /></ns0:shapelayout><ns1:shapetype id="_x0000_t202" coordsize="21600,21600" ns0:spt="202" path="m,l,21600r21600,l21600,xe"><ns1:stroke joinstyle="miter" /></ns1:shapetype><ns1:shape type="#_x0000_t202" id="_x0000_s1026"><ns2:ClientData ObjectType="Note"><ns2:Row>3</ns2:Row><ns2:Column>1</ns2:Column></ns2:ClientData></ns1:shape></xml>"##;
        let vml = Vml::from_bytes(openpyxl.as_bytes().to_vec());
        assert_eq!(vml.blocks(), vec![1]);
        let mut next = 2;
        let out = vml
            .edit(&HashSet::new(), &[(3, 1), (8, 6)], &mut next, "v")
            .expect("edit");
        let text = String::from_utf8(out).expect("utf8");
        assert!(text.contains("data=\"1,2\""), "{text}");
        assert!(text.contains("<ns1:shape id=\"_x0000_s2049\""), "{text}");
        assert!(
            text.contains("<ns2:Row>8</ns2:Row><ns2:Column>6</ns2:Column>"),
            "{text}"
        );
        assert!(
            !text.contains("<v:") && !text.contains("<x:") && !text.contains(" o:"),
            "{text}"
        );
        assert_eq!(text.matches("<ns2:Row>3</ns2:Row>").count(), 1);
    }
}
