//! The annotated copy of an `.xlsx`/`.xlsm` as an overlay on the original
//! package, written in one streaming pass. Every part the overlay does not
//! need is copied with its compressed bytes (`raw_copy_file`): formulas and
//! their cached values, data validations, conditional formats, defined
//! names, tables, charts, images, the provider's notes and macros stay as
//! they are. The overlay changes:
//!
//! - `xl/styles.xml`: formats appended (see [`styles`]);
//! - the marked sheets: the `s` of their finding cells, cells inserted
//!   where a finding has none, `tabSelected`, a `legacyDrawing` ([`sheet`]);
//! - their notes (comments part and VML drawing, [`comments`]);
//! - `xl/workbook.xml` and its relationships: the report sheet first and
//!   active, defined names renumbered ([`workbook`]);
//! - `[Content_Types].xml`, `docProps/custom.xml` ([`props`]).
//!
//! Whatever the overlay does not understand (strict Open XML, a part it
//! cannot parse, one missing) is an [`OverlayError`]: the caller then
//! rebuilds the copy and says why in its report.
//!
//! How others patch packages: the OPC rules (parts, relationships, content
//! types) as ECMA-376 part 2 gives them; the note boxes as rust_xlsxwriter
//! draws them; the traps listed in the project's notes on OOXML.

pub mod comments;
pub mod package;
pub mod props;
pub mod report;
pub mod sheet;
pub mod styles;
pub mod workbook;
pub mod xml;

use std::collections::{BTreeMap, HashSet};
use std::io::{BufReader, BufWriter, Cursor, Read, Write};

use zip::write::SimpleFileOptions;

use crate::i18n::Lang;
use crate::render::report_sheet::{Mark, ReportSheet};
use comments::{Comments, Vml};
use package::{relative, rels_of, resolve, ContentTypes, Package, Rels};
use sheet::SheetPlan;
use styles::{Styles, XfAlloc};

/// Why the overlay could not be written (the copy is rebuilt instead).
#[derive(Debug, Clone, PartialEq)]
pub enum OverlayError {
    /// The zip container could not be read or written.
    Zip(String),
    /// A part the overlay needs is missing.
    Missing(String),
    /// A part is no XML the overlay understands.
    Xml { part: String, detail: String },
    /// Strict Open XML (ISO/IEC 29500 strict namespaces).
    Strict,
    /// Something else the overlay does not handle.
    Unsupported(String),
}

impl OverlayError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (OverlayError::Zip(d), Lang::De) => format!("ZIP-Container nicht lesbar ({d})"),
            (OverlayError::Zip(d), Lang::En) => format!("zip container not readable ({d})"),
            (OverlayError::Missing(p), Lang::De) => format!("Teil {p} fehlt"),
            (OverlayError::Missing(p), Lang::En) => format!("part {p} is missing"),
            (OverlayError::Xml { part, detail }, Lang::De) => {
                format!("Teil {part} nicht verstanden ({detail})")
            }
            (OverlayError::Xml { part, detail }, Lang::En) => {
                format!("part {part} not understood ({detail})")
            }
            (OverlayError::Strict, Lang::De) => "Strict-Open-XML-Format".into(),
            (OverlayError::Strict, Lang::En) => "Strict Open XML format".into(),
            (OverlayError::Unsupported(d), Lang::De) => format!("nicht unterstützt: {d}"),
            (OverlayError::Unsupported(d), Lang::En) => format!("not supported: {d}"),
        }
    }
}

/// What to lay over the original.
pub struct Request<'a> {
    /// One per finding cell (sheet names as in the workbook).
    pub marks: &'a [Mark],
    pub report: &'a ReportSheet,
    /// Custom document properties to set.
    pub properties: &'a [(&'a str, &'a str)],
    /// The input is an earlier annotated copy: its report sheets (these
    /// names) are replaced, its notes and fills taken off before the new ones.
    pub earlier_copy: Option<&'a [&'a str]>,
    /// The copy is written as `.xlsm`: macros stay and the workbook is
    /// macro-enabled. Otherwise it is an `.xlsx`: macros are left out
    /// (Excel refuses an `.xlsx` that holds them).
    pub macro_enabled: bool,
}

fn zip_err(e: impl std::fmt::Display) -> OverlayError {
    OverlayError::Zip(e.to_string())
}

/// Options of the parts the overlay writes: fixed time (same input, same
/// bytes), fast compression (the copy is written on every check).
fn options() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644)
}

/// One worksheet the overlay touches.
struct Work {
    part: String,
    rels_part: String,
    rels: Rels,
    rels_changed: bool,
    comments_part: Option<String>,
    comments: Option<Comments>,
    changes: comments::NoteChanges,
    plan: SheetPlan,
    /// The VML drawings the sheet refers to (written after the sheet).
    vml_parts: Vec<String>,
    outcome: Option<sheet::SheetOutcome>,
}

/// The annotated copy: the original package with the overlay.
pub fn apply(original: &[u8], req: &Request) -> Result<Vec<u8>, OverlayError> {
    let mut pkg = Package::open(original)?;
    let (mut root_rels, wb_part) = workbook_part(&mut pkg)?;
    let mut ct = ContentTypes::parse(&pkg.read_text("[Content_Types].xml")?)?;
    let wb_text = pkg.read_text(&wb_part)?;
    let info = workbook::parse(&wb_text)?;
    let wb_rels_part = rels_of(&wb_part);
    let mut wb_rels = Rels::parse(&pkg.read_text(&wb_rels_part)?, &wb_rels_part)?;
    // A workbook without styles (some generators write none) gets them.
    let styles_at = wb_rels
        .of_kind("styles")
        .next()
        .and_then(|r| resolve(&wb_part, &r.target))
        .and_then(|p| pkg.canonical(&p));
    let (styles_part, styles) = match styles_at {
        Some(p) => {
            let styles = Styles::parse(pkg.read_text(&p)?)?;
            (p, styles)
        }
        None => {
            let usual = format!("{}styles.xml", package::folder(&wb_part));
            let p = if pkg.has(&usual) {
                pkg.free_name(package::folder(&wb_part), "styles", "xml", &[])
            } else {
                usual
            };
            wb_rels.items.retain(|r| r.short_kind() != "styles");
            wb_rels.add("styles", relative(&wb_part, &p));
            ct.set_override(&p, package::CT_STYLES);
            (p, Styles::parse(Styles::empty())?)
        }
    };
    let mut xfs = XfAlloc::new(&styles);

    // The sheets: which go (an earlier report), which stay, where each lives.
    let earlier: Vec<&str> = req.earlier_copy.unwrap_or(&[]).to_vec();
    let mut drop_rids = HashSet::new();
    let mut skip_parts: HashSet<String> = HashSet::new();
    let mut names = crate::xlsx::SheetNames::new();
    let mut worksheets: Vec<(String, String)> = Vec::new();
    let mut others_unselected: std::collections::HashMap<String, String> =
        std::collections::HashMap::new();
    for s in &info.sheets {
        let rel = wb_rels
            .by_id(&s.rid)
            .ok_or_else(|| OverlayError::Missing(format!("Beziehung {}", s.rid)))?;
        let part = resolve(&wb_part, &rel.target).unwrap_or_default();
        let is_worksheet = rel.short_kind() == "worksheet";
        if is_worksheet && earlier.iter().any(|n| *n == s.name) {
            drop_rids.insert(s.rid.clone());
            skip_parts.insert(part.to_ascii_lowercase());
            skip_parts.insert(rels_of(&part).to_ascii_lowercase());
            ct.remove_override(&part);
            continue;
        }
        names.reserve(&s.name);
        if is_worksheet {
            if !pkg.has(&part) {
                return Err(OverlayError::Missing(part));
            }
            worksheets.push((s.name.clone(), part));
        } else if pkg.has(&part) && tab_selected(&mut pkg, &part) {
            // A chart sheet selected too would be grouped with the report.
            let text = pkg.read_text(&part)?;
            others_unselected.insert(package::key(&part), sheet::unselected(&text, &part)?);
        }
    }
    wb_rels.items.retain(|r| !drop_rids.contains(&r.id));
    let report_name = names.reserve(&req.report.name);

    // Macros: kept in an .xlsm, left out of an .xlsx.
    let main_type = if req.macro_enabled {
        package::CT_MACRO_MAIN
    } else {
        package::CT_MAIN
    };
    ct.set_override(&wb_part, main_type);
    if !req.macro_enabled {
        let vba: Vec<String> = wb_rels
            .of_kind("vbaProject")
            .filter_map(|r| resolve(&wb_part, &r.target))
            .collect();
        for part in vba {
            let rels = rels_of(&part);
            if pkg.has(&rels) {
                let more = Rels::parse(&pkg.read_text(&rels)?, &rels)?;
                for r in &more.items {
                    if let Some(p) = resolve(&part, &r.target) {
                        ct.remove_override(&p);
                        skip_parts.insert(p.to_ascii_lowercase());
                    }
                }
            }
            ct.remove_override(&part);
            skip_parts.insert(part.to_ascii_lowercase());
            skip_parts.insert(rels.to_ascii_lowercase());
        }
        wb_rels.items.retain(|r| r.short_kind() != "vbaProject");
    }

    // The report sheet: a new part, its relationship, its content type.
    // New parts live beside the workbook part (`xl/` as a rule).
    let wb_dir = package::folder(&wb_part).to_string();
    let report_part = pkg.free_name(&format!("{wb_dir}worksheets/"), "sheet", "xml", &[]);
    let report_rid = wb_rels.add("worksheet", relative(&wb_part, &report_part));
    ct.set_override(&report_part, package::CT_WORKSHEET);
    let (print_titles, filter) = report::names(req.report);
    let wb_new = workbook::rewrite(
        &wb_text,
        &info,
        &workbook::WorkbookEdit {
            report_name: &report_name,
            report_rid: &report_rid,
            drop: &drop_rids,
            print_titles,
            filter,
        },
    )?;

    // Custom properties: set in the part there is, or in a new one.
    let custom = root_rels
        .of_kind("custom-properties")
        .next()
        .and_then(|r| resolve("", &r.target))
        .filter(|p| pkg.has(p));
    let (custom_part, custom_xml, custom_new) = match custom {
        Some(p) => {
            let text = pkg.read_text(&p)?;
            let xml = props::set(&text, &p, req.properties)?;
            (p, xml, false)
        }
        None => {
            let p = "docProps/custom.xml".to_string();
            root_rels.add("custom-properties", p.clone());
            (p, props::new_part(req.properties), true)
        }
    };
    ct.set_override(&custom_part, package::CT_CUSTOM);

    // The sheets the overlay touches, with their notes.
    let mut by_sheet: BTreeMap<&str, BTreeMap<(u32, u32), &Mark>> = BTreeMap::new();
    for m in req.marks {
        by_sheet
            .entry(m.sheet.as_str())
            .or_default()
            .insert((m.row, m.col), m);
    }
    let mut work: Vec<Work> = Vec::new();
    let mut taken_names: Vec<String> = vec![report_part.clone()];
    for (name, part) in &worksheets {
        let marks = by_sheet.get(name.as_str());
        let rels_part = rels_of(part);
        let has_rels = pkg.has(&rels_part);
        let tab_selected = tab_selected(&mut pkg, part);
        if marks.is_none() && req.earlier_copy.is_none() && !tab_selected {
            continue;
        }
        let rels = if has_rels {
            Rels::parse(&pkg.read_text(&rels_part)?, &rels_part)?
        } else {
            Rels::default()
        };
        let comments_part = rels
            .of_kind("comments")
            .next()
            .and_then(|r| resolve(part, &r.target))
            .filter(|p| pkg.has(p));
        let notes: BTreeMap<(u32, u32), String> = marks
            .map(|m| m.iter().map(|(k, v)| (*k, v.note.clone())).collect())
            .unwrap_or_default();
        let mut comments = match &comments_part {
            Some(p) if req.earlier_copy.is_some() || !notes.is_empty() => {
                Some(Comments::parse(&pkg.read_text(p)?, p)?)
            }
            _ => None,
        };
        if comments.is_none() && !notes.is_empty() {
            comments = Some(Comments::new());
        }
        let changes = match comments.as_mut() {
            Some(c) => c.apply(&notes),
            None => comments::NoteChanges::default(),
        };
        if marks.is_none() && changes.earlier.is_empty() && !tab_selected {
            continue;
        }
        let mut rels = rels;
        let mut rels_changed = false;
        let comments_part = match (&comments, comments_part) {
            (Some(_), Some(p)) => Some(p),
            (Some(_), None) => {
                let p = pkg.free_name(&wb_dir, "comments", "xml", &taken_names);
                taken_names.push(p.clone());
                rels.add("comments", relative(part, &p));
                rels_changed = true;
                ct.set_override(&p, package::CT_COMMENTS);
                Some(p)
            }
            (None, p) => p,
        };
        let has_notes = comments.as_ref().is_some_and(|c| !c.is_empty());
        if has_notes {
            ct.ensure_default("vml", package::CT_VML);
        }
        let vml_parts: Vec<String> = rels
            .of_kind("vmlDrawing")
            .filter_map(|r| resolve(part, &r.target))
            .filter(|p| pkg.has(p))
            .collect();
        for p in &vml_parts {
            skip_parts.insert(p.to_ascii_lowercase());
        }
        let mut plan = SheetPlan {
            marks: marks
                .map(|m| {
                    let mut rows: BTreeMap<u32, BTreeMap<u32, crate::finding::Severity>> =
                        BTreeMap::new();
                    for ((r, c), mark) in m.iter() {
                        rows.entry(*r).or_default().insert(*c, mark.severity);
                    }
                    rows
                })
                .unwrap_or_default(),
            unmark: changes.earlier.clone(),
            legacy_rid: None,
            clear_tab_selected: tab_selected,
        };
        if has_notes {
            plan.legacy_rid = Some(rels.free_id());
        }
        if let Some(p) = &comments_part {
            if comments.is_some() {
                skip_parts.insert(p.to_ascii_lowercase());
            }
        }
        skip_parts.insert(rels_part.to_ascii_lowercase());
        work.push(Work {
            part: part.clone(),
            rels_part,
            rels,
            rels_changed,
            comments_part,
            comments,
            changes,
            plan,
            vml_parts,
            outcome: None,
        });
    }
    skip_parts.insert(styles_part.to_ascii_lowercase());
    // Note boxes take id blocks none of the workbook's drawings uses.
    let mut next_block = next_vml_block(&mut pkg);

    // The pass: every part in the zip's order, then the new and deferred ones.
    let work_at: std::collections::HashMap<String, usize> = work
        .iter()
        .enumerate()
        .map(|(j, w)| (package::key(&w.part), j))
        .collect();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(original.len() + (64 << 10))));
    let ct_part = "[content_types].xml".to_string();
    let wb_key = wb_part.to_ascii_lowercase();
    let wb_rels_key = wb_rels_part.to_ascii_lowercase();
    let custom_key = custom_part.to_ascii_lowercase();
    for i in 0..pkg.names.len() {
        let name = pkg.names[i].clone();
        let canon = package::canonical(&name);
        let key = package::key(&name);
        let written: Option<Vec<u8>> = if key == ct_part {
            Some(ct.to_xml().into_bytes())
        } else if key == "_rels/.rels" {
            custom_new.then(|| root_rels.to_xml().into_bytes())
        } else if key == wb_key {
            Some(wb_new.clone().into_bytes())
        } else if key == wb_rels_key {
            Some(wb_rels.to_xml().into_bytes())
        } else if key == custom_key {
            Some(custom_xml.clone().into_bytes())
        } else if let Some(text) = others_unselected.get(&key) {
            Some(text.clone().into_bytes())
        } else if let Some(w) = work_at.get(&key).and_then(|&j| work.get_mut(j)) {
            out.start_file(name.clone(), options()).map_err(zip_err)?;
            let entry = pkg.zip.by_index(i).map_err(zip_err)?;
            let mut sink = BufWriter::with_capacity(256 << 10, &mut out);
            let outcome = sheet::rewrite(
                BufReader::with_capacity(256 << 10, entry),
                &mut sink,
                &w.plan,
                &mut xfs,
                &canon,
            )?;
            sink.flush().map_err(zip_err)?;
            drop(sink);
            w.outcome = Some(outcome);
            continue;
        } else if skip_parts.contains(&key) {
            continue;
        } else {
            None
        };
        match written {
            Some(bytes) => {
                out.start_file(name.clone(), options()).map_err(zip_err)?;
                out.write_all(&bytes).map_err(zip_err)?;
            }
            None => {
                let entry = pkg.zip.by_index_raw(i).map_err(zip_err)?;
                out.raw_copy_file(entry).map_err(zip_err)?;
            }
        }
    }
    let add = |out: &mut zip::ZipWriter<Cursor<Vec<u8>>>, name: &str, bytes: &[u8]| {
        out.start_file(name.to_string(), options())
            .and_then(|()| out.write_all(bytes).map_err(Into::into))
            .map_err(zip_err)
    };
    add(
        &mut out,
        &report_part,
        report::sheet_xml(req.report, &xfs).as_bytes(),
    )?;
    if custom_new {
        add(&mut out, &custom_part, custom_xml.as_bytes())?;
        if !pkg.has("_rels/.rels") {
            add(&mut out, "_rels/.rels", root_rels.to_xml().as_bytes())?;
        }
    }
    for w in &mut work {
        let outcome = w.outcome.take().ok_or_else(|| {
            OverlayError::Missing(format!("{} (nicht im ZIP-Verzeichnis)", w.part))
        })?;
        let mut edited: Option<(String, Vec<u8>)> = None;
        if let Some(c) = &w.comments {
            let cells = c.cells();
            match (&outcome.own_legacy_rid, outcome.legacy_added) {
                (Some(rid), _) => {
                    let vml = w
                        .rels
                        .by_id(rid)
                        .and_then(|r| resolve(&w.part, &r.target))
                        .filter(|p| pkg.has(p))
                        .ok_or_else(|| OverlayError::Missing(format!("{}: {rid}", w.rels_part)))?;
                    let bytes = pkg.read_bytes(&vml)?;
                    let mut added = w.changes.added.clone();
                    // Notes the drawing lacks a box for get one as well.
                    added.extend(cells.iter().copied());
                    let new = Vml::from_bytes(bytes).edit(
                        &w.changes.removed,
                        &added,
                        &mut next_block,
                        &vml,
                    )?;
                    edited = Some((vml, new));
                }
                (None, true) => {
                    let vml = pkg.free_name(
                        &format!("{wb_dir}drawings/"),
                        "vmlDrawing",
                        "vml",
                        &taken_names,
                    );
                    taken_names.push(vml.clone());
                    let rid = w.plan.legacy_rid.clone().unwrap_or_default();
                    w.rels.items.push(package::Rel {
                        id: rid,
                        kind: format!("{}vmlDrawing", xml::REL_TYPE),
                        target: relative(&w.part, &vml),
                        external: false,
                    });
                    w.rels_changed = true;
                    let new = Vml::new().edit(&HashSet::new(), &cells, &mut next_block, &vml)?;
                    edited = Some((vml, new));
                }
                (None, false) => {}
            }
            if let Some(p) = &w.comments_part {
                add(&mut out, p, c.to_xml().as_bytes())?;
            }
        }
        for vml in &w.vml_parts {
            match &edited {
                Some((p, bytes)) if p.eq_ignore_ascii_case(vml) => add(&mut out, vml, bytes)?,
                _ => {
                    let i = pkg
                        .find(vml)
                        .ok_or_else(|| OverlayError::Missing(vml.clone()))?;
                    let entry = pkg.zip.by_index_raw(i).map_err(zip_err)?;
                    out.raw_copy_file(entry).map_err(zip_err)?;
                }
            }
        }
        if let Some((p, bytes)) = &edited {
            if !w.vml_parts.iter().any(|v| v.eq_ignore_ascii_case(p)) {
                add(&mut out, p, bytes)?;
            }
        }
        if w.rels_changed {
            add(&mut out, &w.rels_part, w.rels.to_xml().as_bytes())?;
        } else if let Some(i) = pkg.find(&w.rels_part) {
            let entry = pkg.zip.by_index_raw(i).map_err(zip_err)?;
            out.raw_copy_file(entry).map_err(zip_err)?;
        }
    }
    add(&mut out, &styles_part, &xfs.write(&styles)?)?;
    let cursor = out.finish().map_err(zip_err)?;
    Ok(cursor.into_inner())
}

/// The package's relationships and the workbook part they name.
fn workbook_part(pkg: &mut Package) -> Result<(Rels, String), OverlayError> {
    let root_rels = Rels::parse(&pkg.read_text("_rels/.rels")?, "_rels/.rels")?;
    if root_rels
        .items
        .iter()
        .any(|r| r.kind.starts_with(xml::STRICT_REL_TYPE))
    {
        return Err(OverlayError::Strict);
    }
    let office = root_rels
        .of_kind("officeDocument")
        .next()
        .ok_or_else(|| OverlayError::Missing("officeDocument".into()))?;
    let part =
        resolve("", &office.target).ok_or_else(|| OverlayError::Missing(office.target.clone()))?;
    let part = pkg
        .canonical(&part)
        .ok_or(OverlayError::Missing(part.clone()))?;
    Ok((root_rels, part))
}

/// The names of the workbook's sheets, in their order.
pub fn sheet_names(original: &[u8]) -> Result<Vec<String>, OverlayError> {
    let mut pkg = Package::open(original)?;
    let (_, wb_part) = workbook_part(&mut pkg)?;
    let info = workbook::parse(&pkg.read_text(&wb_part)?)?;
    Ok(info.sheets.into_iter().map(|s| s.name).collect())
}

/// A package whose workbook is declared macro-enabled (a rebuilt copy that
/// is to be named `.xlsm`): only `[Content_Types].xml` changes.
pub fn declare_macro_enabled(bytes: &[u8]) -> Result<Vec<u8>, OverlayError> {
    let mut pkg = Package::open(bytes)?;
    let (_, wb_part) = workbook_part(&mut pkg)?;
    let mut ct = ContentTypes::parse(&pkg.read_text("[Content_Types].xml")?)?;
    ct.set_override(&wb_part, package::CT_MACRO_MAIN);
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(bytes.len())));
    for i in 0..pkg.names.len() {
        let name = pkg.names[i].clone();
        if package::key(&name) == "[content_types].xml" {
            out.start_file(name, options()).map_err(zip_err)?;
            out.write_all(ct.to_xml().as_bytes()).map_err(zip_err)?;
        } else {
            let entry = pkg.zip.by_index_raw(i).map_err(zip_err)?;
            out.raw_copy_file(entry).map_err(zip_err)?;
        }
    }
    Ok(out.finish().map_err(zip_err)?.into_inner())
}

/// Whether the package holds a VBA project (macros).
pub fn has_macros(original: &[u8]) -> bool {
    Package::open(original).is_ok_and(|p| {
        p.names
            .iter()
            .any(|n| n.to_ascii_lowercase().ends_with("vbaproject.bin"))
    })
}

/// Whether a sheet is a selected tab (`tabSelected` in its view, near its
/// start: only the head of the part is read).
fn tab_selected(pkg: &mut Package, part: &str) -> bool {
    let Some(i) = pkg.find(part) else {
        return false;
    };
    let Ok(entry) = pkg.zip.by_index(i) else {
        return false;
    };
    let mut head = Vec::with_capacity(16 << 10);
    if entry.take(16 << 10).read_to_end(&mut head).is_err() {
        return false;
    }
    let head = String::from_utf8_lossy(&head);
    let head = head.split("sheetData").next().unwrap_or("");
    head.contains("tabSelected=\"1\"")
        || head.contains("tabSelected=\"true\"")
        || head.contains("tabSelected='1'")
}

/// The first VML id block above those of every drawing in the package.
fn next_vml_block(pkg: &mut Package) -> u32 {
    let vmls: Vec<String> = pkg
        .names
        .iter()
        .filter(|n| n.to_ascii_lowercase().ends_with(".vml"))
        .cloned()
        .collect();
    let mut max = 0;
    for v in vmls {
        if let Ok(bytes) = pkg.read_bytes(&v) {
            max = max.max(
                Vml::from_bytes(bytes)
                    .blocks()
                    .into_iter()
                    .max()
                    .unwrap_or(0),
            );
        }
    }
    max + 1
}
