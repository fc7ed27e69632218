//! Checks of a zip container (xlsx, xlsm, xlsb, ods) beyond its declared
//! sizes: duplicate part names, parts whose real size or checksum differs
//! from the directory, and XML parts that are not well-formed or carry a DTD
//! (entity bombs). Declared sizes can lie, so bytes are counted while reading.

use std::collections::HashSet;
use std::io::{Read, Seek};

use quick_xml::events::{BytesStart, Event};

use crate::config::Limits;
use crate::read::error::{Damage, Limit, ReadError, ReferenceProblem, Unreadable, XlsbProblem};
use crate::read::relay;

/// Parts larger than this are inflated into a sink here, neither kept nor
/// parsed: only their real size counts (the sheet reader parses them).
pub const VERIFY_MAX: u64 = 16 << 20;

/// The part the verification relays to the reader (`relay`): its index, its
/// name, and the relay's outlet (none without a reader to take it; the part
/// is verified last all the same, so the order never depends on a thread).
pub struct Relayed<'n> {
    pub index: usize,
    pub name: &'n str,
    pub outlet: Option<relay::Outlet>,
}

/// Returns damage that does not stop reading (a checksum or size mismatch, a
/// malformed part no sheet needs); fails on what makes the file unsafe or ambiguous.
pub fn validate<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    limits: &Limits,
    mut relayed: Option<Relayed<'_>>,
) -> Result<Vec<Damage>, ReadError> {
    let mut damage = Vec::new();
    let mut seen = HashSet::new();
    for i in 0..archive.len() {
        let name = archive
            .name_for_index(i)
            .and_then(|n| n.ok())
            .map(|n| n.to_string())
            .unwrap_or_default();
        if escapes_container(&name) {
            return Err(Unreadable::PathEscapes { part: shown(&name) }.into());
        }
        if !seen.insert(name.to_lowercase()) {
            return Err(Unreadable::DuplicatePart { part: shown(&name) }.into());
        }
    }
    let mut total: u64 = 0;
    let last = relayed.as_ref().map(|r| r.index);
    let order = (0..archive.len())
        .filter(|&i| Some(i) != last)
        .chain(last.filter(|&i| i < archive.len()));
    for i in order {
        let mut entry = archive.by_index(i).map_err(|e| Unreadable::ZipEntry {
            entry: i.to_string(),
            detail: e.to_string(),
        })?;
        if entry.is_dir() {
            continue;
        }
        let declared = entry.size();
        let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
        if declared > VERIFY_MAX {
            total = total.saturating_add(declared);
            // Inflated into a sink, not kept: a directory that lies about a
            // big part shows after its declared size here, not after the
            // sheet reader has parsed every row of it. (The declared sizes
            // are within the limits already; other damage is the reader's.)
            let part = &mut (&mut entry).take(declared.saturating_add(1));
            let outlet = match &mut relayed {
                Some(r) if r.index == i && r.name == name => r.outlet.take(),
                _ => None,
            };
            let counted = match outlet {
                Some(outlet) => outlet.pump(part),
                None => relay::count(part),
            };
            if let Err(e) = counted {
                if is_size_lie(&e) {
                    return Err(lying_size(&name, declared));
                }
            }
            continue;
        }
        if name.starts_with("__MACOSX/")
            || name.rsplit('/').next().is_some_and(|b| b.starts_with("._"))
        {
            continue; // resource forks a Mac adds when zipping; never read
        }
        let mut buf = Vec::with_capacity(declared.min(VERIFY_MAX) as usize);
        let read = (&mut entry).take(VERIFY_MAX + 1).read_to_end(&mut buf);
        if let Err(e) = &read {
            // The zip reader stops a part at its declared size: the directory lies.
            if is_size_lie(e) {
                return Err(lying_size(&name, declared));
            }
            // A checksum error comes at the end, with every byte read: the
            // part is still checked below, as the reader will read it.
            damage.push(Damage::PartRead {
                part: shown(&name),
                detail: e.to_string(),
            });
        }
        let real = buf.len() as u64;
        if real > VERIFY_MAX {
            return Err(Limit::PartBeyondDeclared {
                part: name,
                declared,
            }
            .into());
        }
        total = total.saturating_add(real);
        if total > limits.max_unpacked_bytes {
            return Err(Limit::UnpackedBytes {
                actual: None,
                limit: limits.max_unpacked_bytes,
            }
            .into());
        }
        let lower = name.to_lowercase();
        if lower.ends_with(".xml") || lower.ends_with(".rels") {
            match check_xml(&name, &buf) {
                Ok(()) => {}
                Err(XmlProblem::Fatal(e)) => return Err(e),
                Err(XmlProblem::Malformed(d)) if read.is_ok() => damage.push(d),
                Err(XmlProblem::Malformed(_)) => {} // the read error says it already
            }
        }
    }
    Ok(damage)
}

/// A part that inflates to more than the directory says.
fn lying_size(name: &str, declared: u64) -> ReadError {
    Unreadable::PartLargerThanDeclared {
        part: shown(name),
        declared,
    }
    .into()
}

/// The zip reader stops a part at its declared size with an `InvalidData`
/// error that only its text tells from a broken deflate stream (zip 9 has no
/// error variant for it).
pub(crate) fn is_size_lie(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::InvalidData
        && e.to_string().contains("larger than its declared")
}

/// A part name that leaves the container when unpacked (`../`, an absolute
/// path, a drive letter). OPC part names have no such segments; only a
/// crafted file carries them.
fn escapes_container(name: &str) -> bool {
    let bytes = name.as_bytes();
    name.starts_with('/')
        || name.starts_with('\\')
        || (bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic())
        || name.split(['/', '\\']).any(|seg| seg == "..")
}

/// A part name as it may appear in a message: no control characters, not too long.
pub(crate) fn shown(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .take(120)
        .collect();
    if name.chars().count() > 120 {
        s.push('…');
    }
    s
}

enum XmlProblem {
    Fatal(ReadError),
    Malformed(Damage),
}

/// Well-formed, without a DTD (OOXML and ODF allow none; a DTD is how entity bombs come in).
fn check_xml(name: &str, bytes: &[u8]) -> Result<(), XmlProblem> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    let mut depth: u32 = 0;
    loop {
        // Events borrow from the part in memory: no copy per element.
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::DocType(_)) => {
                return Err(XmlProblem::Fatal(
                    Unreadable::Dtd {
                        part: name.to_string(),
                    }
                    .into(),
                ))
            }
            Ok(Event::Empty(e)) => check_refs(name, &e)?,
            Ok(Event::Start(e)) => {
                check_refs(name, &e)?;
                depth += 1;
                if depth > 10_000 {
                    // No configured limit: raising one would not help, so no `Limit`.
                    return Err(XmlProblem::Fatal(
                        Unreadable::TooDeep {
                            part: name.to_string(),
                        }
                        .into(),
                    ));
                }
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(_) => {}
            Err(e) => {
                return Err(XmlProblem::Malformed(Damage::MalformedXml {
                    part: name.to_string(),
                    position: reader.buffer_position(),
                    detail: e.to_string(),
                }))
            }
        }
    }
    Ok(())
}

/// Excel's grid, A1:XFD1048576.
const MAX_ROW: u64 = 1_048_576;
const MAX_COL: u64 = 16_384;

/// A cell reference such as `XFD1048576` as 1-based (row, column; 0 = none),
/// saturating; `None` when it is not of that form (the reader reports those).
fn cell_ref(s: &[u8]) -> Option<(u64, u64)> {
    let letters = s.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let digits = s.get(letters..)?;
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let col = s[..letters].iter().fold(0u64, |c, b| {
        c.saturating_mul(26)
            .saturating_add(u64::from(b.to_ascii_uppercase() - b'A' + 1))
    });
    let row = digits.iter().fold(0u64, |r, b| {
        r.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    });
    Some((row, col))
}

/// Cell references (`<c r>`, `<row r>`, `<dimension ref>`) outside Excel's
/// grid, or a reversed dimension: calamine 0.38 computes them in `u32`
/// without overflow checks (a panic in debug builds, a wrong cell position
/// in release builds), so they never reach it.
fn check_refs(name: &str, e: &BytesStart<'_>) -> Result<(), XmlProblem> {
    let (key, is_range) = match e.local_name().as_ref() {
        "c" | "row" => ("r", false),
        "dimension" => ("ref", true),
        _ => return Ok(()),
    };
    let Some(attr) = e
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == key)
    else {
        return Ok(());
    };
    // Borrowed, not copied: this runs for every cell of every sheet.
    let value: &str = &attr.value;
    let bad = |problem| {
        Err(XmlProblem::Fatal(
            Unreadable::CellReference {
                part: name.to_string(),
                reference: shown(value),
                problem,
            }
            .into(),
        ))
    };
    let mut parts = value.split(':').map(|p| cell_ref(p.as_bytes()));
    let first = parts.next().flatten();
    let second = parts.next().flatten();
    if [first, second]
        .iter()
        .flatten()
        .any(|(row, col)| *row > MAX_ROW || *col > MAX_COL)
        || parts
            .flatten()
            .any(|(row, col)| row > MAX_ROW || col > MAX_COL)
    {
        return bad(ReferenceProblem::OutsideGrid);
    }
    if let (true, Some((r0, c0)), Some((r1, c1))) = (is_range, first, second) {
        if r1 < r0 || c1 < c0 {
            return bad(ReferenceProblem::Reversed);
        }
    }
    Ok(())
}

/// The sheet list of an `.xlsb` (`xl/workbook.bin`, records BrtBundleSh up to
/// BrtEndBundleShs) as calamine 0.38 reads it inside `Xlsb::new`: it slices
/// each record without a length check and looks the relationship id up in a
/// map with `[]`, so a short record or an id missing from
/// `xl/_rels/workbook.bin.rels` is a panic there. Such a file never reaches it.
pub fn check_xlsb_workbook<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
) -> Result<(), ReadError> {
    let Some(workbook) = part_named(archive, "xl/workbook.bin", true)? else {
        return Ok(()); // calamine reports the missing part itself
    };
    let relationships = match part_named(archive, "xl/_rels/workbook.bin.rels", false)? {
        Some(rels) => relationship_ids(&rels),
        None => HashSet::new(),
    };
    let broken = |problem| ReadError::from(Unreadable::XlsbWorkbook(problem));
    let mut at = 0;
    while let Some((typ, body)) = next_record(&workbook, &mut at) {
        match typ {
            0x0099 if body.is_empty() => return Err(broken(XlsbProblem::EmptyProperties)),
            0x009C => {
                let Some(len) = body.get(8..12) else {
                    return Err(broken(XlsbProblem::ShortSheetEntry));
                };
                let units = u32::from_le_bytes([len[0], len[1], len[2], len[3]]);
                if units == u32::MAX {
                    continue;
                }
                let Some(id) = (units as usize)
                    .checked_mul(2)
                    .and_then(|n| body.get(12..12 + n))
                else {
                    return Err(broken(XlsbProblem::ShortSheetEntry));
                };
                let id: Vec<u16> = id
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect();
                let id = String::from_utf16_lossy(&id);
                if !relationships.contains(&id) {
                    return Err(broken(XlsbProblem::MissingRelationship(shown(&id))));
                }
            }
            0x0090 => break, // BrtEndBundleShs: the sheet list ends
            _ => {}
        }
    }
    Ok(())
}

/// The bytes of a part (at most `VERIFY_MAX`), found by exact name or, as
/// calamine finds `xl/workbook.bin`, ignoring ASCII case.
fn part_named<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    name: &str,
    any_case: bool,
) -> Result<Option<Vec<u8>>, ReadError> {
    let index = (0..archive.len()).find(|&i| {
        archive
            .name_for_index(i)
            .and_then(|n| n.ok())
            .is_some_and(|n| n == name || (any_case && n.eq_ignore_ascii_case(name)))
    });
    let Some(index) = index else {
        return Ok(None);
    };
    let mut entry = archive.by_index(index).map_err(|e| Unreadable::ZipEntry {
        entry: name.to_string(),
        detail: e.to_string(),
    })?;
    let mut buf = Vec::new();
    // A read error (checksum, size) is the zip check's to report; the bytes read so far are checked.
    let _ = (&mut entry).take(VERIFY_MAX).read_to_end(&mut buf);
    Ok(Some(buf))
}

/// The `Id`s of the `Relationship` elements that also name a `Target`, as
/// calamine collects them.
fn relationship_ids(xml: &[u8]) -> HashSet<String> {
    let mut ids = HashSet::new();
    let mut reader = quick_xml::Reader::from_reader(xml);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.name().as_ref() == "Relationship" => {
                let attr = |key: &str| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == key)
                        .map(|a| a.value.to_string())
                };
                if let (Some(id), Some(_)) = (attr("Id"), attr("Target")) {
                    ids.insert(id);
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    ids
}

/// One XLSB record at `*at`: its type (1–2 bytes, 7 bits each) and body
/// (length in 1–4 bytes, 7 bits each); `None` at the end or when cut short.
fn next_record<'a>(bytes: &'a [u8], at: &mut usize) -> Option<(u16, &'a [u8])> {
    let mut byte = || {
        let b = *bytes.get(*at)?;
        *at += 1;
        Some(b)
    };
    let first = byte()?;
    let typ = if first & 0x80 != 0 {
        u16::from(first & 0x7F) + (u16::from(byte()? & 0x7F) << 7)
    } else {
        u16::from(first)
    };
    let mut b = byte()?;
    let mut len = usize::from(b & 0x7F);
    for i in 1..4 {
        if b & 0x80 == 0 {
            break;
        }
        b = byte()?;
        len += usize::from(b & 0x7F) << (7 * i);
    }
    let body = bytes.get(*at..at.checked_add(len)?)?;
    *at += len;
    Some((typ, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_names_that_leave_the_container_are_recognised() {
        for bad in [
            "../../evil.txt",
            "xl/../../evil.txt",
            "..\\evil.txt",
            "xl\\..\\..\\evil.txt",
            "/etc/passwd",
            "\\evil.txt",
            "C:/evil.txt",
            "c:\\evil.txt",
            "..",
        ] {
            assert!(escapes_container(bad), "{bad}");
        }
        for good in [
            "xl/worksheets/sheet1.xml",
            "xl\\worksheets\\sheet1.xml",
            "[Content_Types].xml",
            "xl/..data.xml",
            "docProps/app.xml",
            "mimetype",
        ] {
            assert!(!escapes_container(good), "{good}");
        }
    }

    #[test]
    fn part_names_in_messages_lose_control_characters_and_length() {
        assert_eq!(shown("a\u{1b}[2Jb\n"), "a\u{FFFD}[2Jb\u{FFFD}");
        let long = "x".repeat(500);
        assert_eq!(shown(&long).chars().count(), 121);
    }

    #[test]
    fn cell_references_outside_the_grid_are_fatal() {
        let sheet = |body: &str| {
            format!(
                r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{body}</worksheet>"#
            )
        };
        for bad in [
            // found by fuzzing (a POI clusterfuzz file): `row * 10` overflows u32 in calamine
            r#"<sheetData><row r="1"><c r="A231999999999940"><v>1</v></c></row></sheetData>"#,
            r#"<sheetData><row r="231999999999940"/></sheetData>"#,
            r#"<sheetData><row r="1"><c r="ZZZZZZZZ1"/></row></sheetData>"#,
            r#"<sheetData><row r="1048577"/></sheetData>"#,
            r#"<sheetData><row r="1"><c r="XFE1"/></row></sheetData>"#,
            r#"<dimension ref="A1:A99999999999"/><sheetData/>"#,
            r#"<dimension ref="B2:A1"/><sheetData/>"#,
        ] {
            assert!(
                matches!(
                    check_xml("xl/worksheets/sheet1.xml", sheet(bad).as_bytes()),
                    Err(XmlProblem::Fatal(ReadError::Unreadable(
                        Unreadable::CellReference { .. }
                    )))
                ),
                "{bad}"
            );
        }
        for good in [
            r#"<dimension ref="A1:XFD1048576"/><sheetData><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>"#,
            r#"<dimension ref="A1"/><sheetData><row><c><v>1</v></c></row></sheetData>"#,
            r#"<sheetData><row r="2" spans="1:3"><c r="a2" s="1"/></row></sheetData>"#,
        ] {
            assert!(
                check_xml("xl/worksheets/sheet1.xml", sheet(good).as_bytes()).is_ok(),
                "{good}"
            );
        }
        // Drawing anchors carry a `row` element without `r`: untouched.
        let drawing = r#"<xdr:wsDr xmlns:xdr="x"><xdr:from><xdr:row>99999999999</xdr:row></xdr:from></xdr:wsDr>"#;
        assert!(check_xml("xl/drawings/drawing1.xml", drawing.as_bytes()).is_ok());
    }
}
