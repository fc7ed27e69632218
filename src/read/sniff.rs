//! Which reader a file needs, decided by its bytes (not its name), and the
//! checks a zip container must pass: its directory before any reader unpacks
//! it, its parts' bytes (`verify_parts`) alongside the reading.

use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use zip::read::ZipArchiveMetadata;

use crate::config::Limits;
use crate::i18n::{t, Lang};
use crate::read::cfb::OleDamage;
use crate::read::error::{Damage, Emptiness, Limit, ReadError, Unreadable};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Xlsb,
    Xls,
    Ods,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Xlsb => "xlsb",
            Format::Xls => "xls",
            Format::Ods => "ods",
        }
    }
}

const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// File extensions we look for when walking a folder.
pub const EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// Whether the first bytes are those of a container a workbook can live in
/// (zip or OLE): such a file is checked whatever its name.
pub fn container_magic(head: &[u8]) -> bool {
    head.starts_with(&CFB_MAGIC)
        || head.starts_with(b"PK\x03\x04")
        || head.starts_with(b"PK\x05\x06")
        || head.starts_with(b"PK\x07\x08")
}

/// A workbook this tool wrote, recognised by the custom document property
/// [`OwnOutput::PROPERTY`] that every workbook we write carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OwnOutput {
    AnnotatedCopy,
    DistrictWorkbook,
    ControllingWorkbook,
    Template,
}

impl OwnOutput {
    /// The name of the custom document property (File → Properties → Custom in Excel).
    pub const PROPERTY: &'static str = "sozialraum-Art";

    pub fn as_str(self) -> &'static str {
        match self {
            OwnOutput::AnnotatedCopy => "kommentierte-Kopie",
            OwnOutput::DistrictWorkbook => "Kreis-Arbeitsmappe",
            OwnOutput::ControllingWorkbook => "Controlling-Arbeitsmappe",
            OwnOutput::Template => "Meldungsvorlage",
        }
    }

    pub fn parse(s: &str) -> Option<OwnOutput> {
        [
            OwnOutput::AnnotatedCopy,
            OwnOutput::DistrictWorkbook,
            OwnOutput::ControllingWorkbook,
            OwnOutput::Template,
        ]
        .into_iter()
        .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            OwnOutput::AnnotatedCopy => t(
                lang,
                "kommentierte Kopie mit Prüfbericht",
                "annotated copy with check report",
            ),
            OwnOutput::DistrictWorkbook => t(lang, "Kreis-Arbeitsmappe", "district workbook"),
            OwnOutput::ControllingWorkbook => {
                t(lang, "Controlling-Arbeitsmappe", "controlling workbook")
            }
            OwnOutput::Template => t(lang, "Meldungsvorlage", "submission template"),
        }
    }
}

/// What a file is when it is no spreadsheet at all: named, not reported as damage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotSpreadsheet {
    Word,
    PowerPoint,
    Pdf,
    Markup,
    Text,
    Zip,
    Ole,
    Unknown,
}

impl NotSpreadsheet {
    pub fn describe(self, lang: Lang) -> &'static str {
        match self {
            NotSpreadsheet::Word => t(
                lang,
                "ein Word-Dokument, keine Tabelle",
                "a Word document, not a spreadsheet",
            ),
            NotSpreadsheet::PowerPoint => t(
                lang,
                "eine PowerPoint-Präsentation, keine Tabelle",
                "a PowerPoint presentation, not a spreadsheet",
            ),
            NotSpreadsheet::Pdf => t(
                lang,
                "eine PDF-Datei, keine Tabelle",
                "a PDF file, not a spreadsheet",
            ),
            NotSpreadsheet::Markup => t(
                lang,
                "eine XML/HTML-Datei, keine Excel-Arbeitsmappe",
                "an XML/HTML file, not an Excel workbook",
            ),
            NotSpreadsheet::Text => t(
                lang,
                "eine Textdatei (z. B. CSV), keine Excel-Arbeitsmappe",
                "a text file (e.g. CSV), not an Excel workbook",
            ),
            NotSpreadsheet::Zip => t(
                lang,
                "ein ZIP-Archiv ohne Arbeitsmappe",
                "a zip archive without a workbook",
            ),
            NotSpreadsheet::Ole => t(
                lang,
                "ein OLE-Container ohne Arbeitsmappe (z. B. ein Word-Dokument), keine Excel-Datei",
                "an OLE container without a workbook (e.g. a Word document), not an Excel file",
            ),
            NotSpreadsheet::Unknown => t(
                lang,
                "kein bekanntes Tabellenformat (xlsx, xlsm, xlsb, xls, ods)",
                "no known spreadsheet format (xlsx, xlsm, xlsb, xls, ods)",
            ),
        }
    }

    /// What the first bytes of a file that is neither zip nor OLE say it is.
    pub fn of_head(head: &[u8]) -> NotSpreadsheet {
        if head.starts_with(b"%PDF") {
            NotSpreadsheet::Pdf
        } else if head.starts_with(b"<?xml") || head.starts_with(b"<") {
            NotSpreadsheet::Markup
        } else if !head.is_empty()
            && head.iter().all(|b| {
                b.is_ascii_graphic() || b.is_ascii_whitespace() || *b == b';' || *b == b','
            })
        {
            NotSpreadsheet::Text
        } else {
            NotSpreadsheet::Unknown
        }
    }
}

/// What sniffing found: the format, and damage that did not stop reading
/// (reported as a warning).
#[derive(Debug, Clone)]
pub struct Sniffed {
    pub format: Format,
    pub damage: Vec<Damage>,
    /// The workbook asks to be recalculated on open (`fullCalcOnLoad`): it was
    /// written by a program that does not calculate, so a cached 0 of a formula
    /// is no result.
    pub uncalculated: bool,
    /// Unpacked bytes of the zip parts `verify_parts` inflates (as declared;
    /// 0 for an OLE file).
    pub verify_bytes: u64,
    /// Written by this tool (its document property says which kind).
    pub own: Option<OwnOutput>,
    /// The zip directory as the sniff read it (`None` for an OLE file): the
    /// verification works from it instead of reading it again.
    pub directory: Option<Arc<ZipArchiveMetadata>>,
}

/// The parts' bytes of a zip container: real sizes and checksums,
/// well-formed XML without a DTD, cell references inside Excel's grid.
/// `directory` is the zip directory the sniff read from these `bytes`;
/// `relayed` names the part handed to the reader as it is inflated (`relay`).
/// Returns damage that does not stop reading; fails on what makes the file
/// unsafe or ambiguous.
pub fn verify_parts(
    bytes: &[u8],
    directory: Arc<ZipArchiveMetadata>,
    limits: &Limits,
    relayed: Option<crate::read::zipcheck::Relayed<'_>>,
) -> Result<Vec<Damage>, ReadError> {
    // SAFETY: the directory was read from these very bytes (`sniff`), which
    // nothing changes: every offset in it lies where the sniff found it.
    let mut archive = unsafe {
        zip::ZipArchive::unsafe_new_with_metadata(std::io::Cursor::new(bytes), directory)
    };
    crate::read::zipcheck::validate(&mut archive, limits, relayed)
}

/// Which reader the bytes need, and the checks of their container that come
/// before any reader: for a zip, its directory (names, declared sizes,
/// ratios, encryption) and the parts a reader trusts at open
/// (`sharedStrings.xml`'s count, an `.xlsb`'s sheet list); for an OLE file,
/// its whole structure. The parts' bytes are `verify_parts`' business.
pub fn sniff(bytes: &[u8], limits: &Limits) -> Result<Sniffed, ReadError> {
    let head = bytes.get(..8).unwrap_or(bytes);
    if head.is_empty() {
        return Err(ReadError::Empty(Emptiness::ZeroBytes));
    }
    if head == CFB_MAGIC {
        return cfb_kind(bytes).map(|(format, damage)| Sniffed {
            verify_bytes: 0,
            format,
            damage,
            uncalculated: false,
            own: None,
            directory: None,
        });
    }
    if head.starts_with(b"PK\x03\x04")
        || head.starts_with(b"PK\x05\x06")
        || head.starts_with(b"PK\x07\x08")
    {
        return zip_kind(bytes, limits);
    }
    match old_excel(head) {
        Some(biff) => Err(Unreadable::OldExcel { biff }.into()),
        None => Err(ReadError::NotSpreadsheet(NotSpreadsheet::of_head(head))),
    }
}

/// The BIFF version (2, 3 or 4) of an Excel 2.x–4.0 worksheet.
fn old_excel(magic: &[u8]) -> Option<u8> {
    // BIFF2–BIFF4 worksheets start with a BOF record: 09 00 / 09 02 / 09 04, length 4–16.
    match magic {
        [0x09, version @ (0x00 | 0x02 | 0x04), len, 0x00, ..] if (4..=16).contains(len) => {
            Some(2 + version / 2)
        }
        _ => None,
    }
}

/// A CFB (OLE) container is an `.xls` or an encrypted OOXML file. The
/// directory names tell; we look for them in UTF-16 without parsing the FAT,
/// so a looping sector chain cannot trap us here. Returns the format and the
/// damage that does not stop reading (document properties, drawing layer).
fn cfb_kind(buf: &[u8]) -> Result<(Format, Vec<Damage>), ReadError> {
    let utf16 = |s: &str| {
        s.encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect::<Vec<u8>>()
    };
    let has = |needle: &[u8]| buf.windows(needle.len()).any(|w| w == needle);
    if has(&utf16("EncryptedPackage")) || has(&utf16("EncryptionInfo")) {
        return Err(ReadError::Encrypted);
    }
    // A Word or PowerPoint document may embed a workbook; it is still not one.
    for (stream, what) in [
        ("WordDocument", NotSpreadsheet::Word),
        ("PowerPoint Document", NotSpreadsheet::PowerPoint),
    ] {
        if has(&utf16(stream)) {
            return Err(ReadError::NotSpreadsheet(what));
        }
    }
    // The structure first: a looping or overlapping sector chain never reaches calamine.
    match crate::read::cfb::validate(buf) {
        Ok(()) => Ok((
            Format::Xls,
            crate::read::cfb::damage(buf)
                .into_iter()
                .map(Damage::Ole)
                .collect(),
        )),
        Err(OleDamage::NoWorkbook) => Err(ReadError::NotSpreadsheet(NotSpreadsheet::Ole)),
        Err(damage) => Err(Unreadable::Ole(damage).into()),
    }
}

fn zip_kind(bytes: &[u8], limits: &Limits) -> Result<Sniffed, ReadError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| Unreadable::ZipCorrupt(e.to_string()))?;
    if archive.len() > 100_000 {
        return Err(Unreadable::TooManyParts(archive.len()).into());
    }
    let mut total: u64 = 0;
    let mut verify_bytes: u64 = 0;
    let mut names = Vec::new();
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| Unreadable::ZipEntry {
            entry: i.to_string(),
            detail: e.to_string(),
        })?;
        let size = entry.size();
        let packed = entry.compressed_size().max(1);
        let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
        if entry.encrypted() {
            return Err(ReadError::Encrypted);
        }
        if size > limits.max_part_bytes {
            return Err(Limit::PartBytes {
                part: name,
                actual: size,
                limit: limits.max_part_bytes,
            }
            .into());
        }
        if size > 1 << 20 && size / packed > limits.max_compression_ratio {
            return Err(Limit::CompressionRatio {
                part: name,
                actual: size / packed,
                limit: limits.max_compression_ratio,
            }
            .into());
        }
        total = total.saturating_add(size);
        verify_bytes = verify_bytes.saturating_add(size);
        names.push(name);
    }
    if total > limits.max_unpacked_bytes {
        return Err(Limit::UnpackedBytes {
            actual: Some(total),
            limit: limits.max_unpacked_bytes,
        }
        .into());
    }
    // The zip reader keeps one entry per name, so a duplicate is gone from
    // `names` already; it counts the directory's records and tells.
    if archive.has_duplicate_names() {
        return Err(Unreadable::DuplicateNames.into());
    }
    let has = |n: &str| names.iter().any(|x| x.eq_ignore_ascii_case(n));
    let ends = |n: &str| {
        names
            .iter()
            .any(|x| x.to_lowercase().replace('\\', "/").ends_with(n))
    };
    let format = if has("mimetype") || has("content.xml") {
        Format::Ods
    } else if ends("workbook.bin") {
        Format::Xlsb
    } else if ends("workbook.xml") {
        Format::Xlsx
    } else if ends("word/document.xml") {
        return Err(ReadError::NotSpreadsheet(NotSpreadsheet::Word));
    } else if ends("ppt/presentation.xml") {
        return Err(ReadError::NotSpreadsheet(NotSpreadsheet::PowerPoint));
    } else if has("[Content_Types].xml") {
        Format::Xlsx
    } else {
        return Err(ReadError::NotSpreadsheet(NotSpreadsheet::Zip));
    };
    if format == Format::Xlsx {
        check_shared_strings(&mut archive)?;
    }
    if format == Format::Xlsb {
        crate::read::zipcheck::check_xlsb_workbook(&mut archive)?;
    }
    let uncalculated = format == Format::Xlsx && full_calc_on_load(&mut archive);
    let own = own_output(&mut archive);
    Ok(Sniffed {
        format,
        damage: Vec::new(),
        uncalculated,
        verify_bytes,
        own,
        directory: Some(archive.metadata()),
    })
}

/// calamine reserves `uniqueCount` strings up front; a forged count aborts the
/// process. Every string needs at least `<si><t/></si>` (12 bytes). The part
/// and the tag are found as calamine 0.38 finds them (`Xlsx::new`,
/// `read_shared_strings`): `sharedStrings.xml` beside the workbook part that
/// `_rels/.rels` names, matched case-insensitively, and the first `sst`
/// element, whatever its prefix, quotes or blanks.
fn check_shared_strings<R: Read + Seek>(archive: &mut zip::ZipArchive<R>) -> Result<(), ReadError> {
    let wanted = zip_key(&format!("{}sharedStrings.xml", workbook_folder(archive)));
    for i in 0..archive.len() {
        let part = part_name(archive, i);
        if zip_key(&part) != wanted {
            continue;
        }
        let Ok(entry) = archive.by_index(i) else {
            continue;
        };
        let size = entry.size();
        let room = size / 12 + 16;
        if let Some(declared) = declared_unique_count(entry) {
            if declared > room {
                // Not a configured limit (raising one would not help): a forged count.
                return Err(Unreadable::ForgedUniqueCount {
                    part: crate::read::zipcheck::shown(&part),
                    declared,
                    room,
                }
                .into());
            }
        }
    }
    Ok(())
}

fn part_name<R: Read + Seek>(archive: &zip::ZipArchive<R>, i: usize) -> String {
    archive
        .name_for_index(i)
        .and_then(|n| n.ok())
        .map(|n| n.to_string())
        .unwrap_or_default()
}

/// A part name as calamine's path cache keys it.
fn zip_key(name: &str) -> String {
    name.replace('\\', "/").to_ascii_lowercase()
}

/// The folder of the workbook part (`xl/` as a rule), as calamine takes it
/// from the `officeDocument` relationship in `_rels/.rels`: the last such
/// relationship wins, a leading `/` is dropped. Without one calamine fails to
/// open the file; `xl/` is its default.
fn workbook_folder<R: Read + Seek>(archive: &mut zip::ZipArchive<R>) -> String {
    use quick_xml::events::Event;
    let rels = (0..archive.len()).find(|&i| zip_key(&part_name(archive, i)) == "_rels/.rels");
    let mut xml = Vec::new();
    if let Some(entry) = rels.and_then(|i| archive.by_index(i).ok()) {
        let _ = entry.take(1 << 20).read_to_end(&mut xml);
    }
    let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
    reader.config_mut().check_end_names = false;
    let mut target = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "Relationship" => {
                let attr = |key: &str| {
                    e.attributes()
                        .with_checks(false)
                        .flatten()
                        .find(|a| a.key.local_name().as_ref() == key)
                        .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok())
                        .map(|v| v.into_owned())
                };
                if attr("Type").is_some_and(|t| t.ends_with("/relationships/officeDocument")) {
                    target = attr("Target").or(target);
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let Some(target) = target else {
        return "xl/".into();
    };
    let dir = target.rfind('/').map_or("", |i| &target[..=i]);
    dir.strip_prefix('/').unwrap_or(dir).to_string()
}

/// The largest `uniqueCount` of the first `sst` element (`None` without one):
/// streamed, since calamine skips anything before it. A value that is no
/// number counts as forged.
fn declared_unique_count(part: impl Read) -> Option<u64> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(std::io::BufReader::new(part));
    reader.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sst" => {
                return e
                    .attributes()
                    .with_checks(false)
                    .flatten()
                    .filter(|a| a.key.local_name().as_ref() == "uniqueCount")
                    .map(|a| {
                        let digits: String =
                            a.value.chars().take_while(char::is_ascii_digit).collect();
                        digits.parse().unwrap_or(u64::MAX)
                    })
                    .max();
            }
            Ok(Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

fn full_calc_on_load<R: Read + Seek>(archive: &mut zip::ZipArchive<R>) -> bool {
    let Ok(entry) = archive.by_name("xl/workbook.xml") else {
        return false;
    };
    let mut text = String::new();
    if entry.take(1 << 20).read_to_string(&mut text).is_err() {
        return false;
    }
    text.contains("fullCalcOnLoad=\"1\"") || text.contains("fullCalcOnLoad=\"true\"")
}

/// The kind of our own output the file at `path` is: a look at its zip
/// directory and one small part, bounded, for decisions before the guarded check.
pub fn own_output_of_file(path: &std::path::Path) -> Option<OwnOutput> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut magic = [0u8; 4];
    file.read_exact(&mut magic).ok()?;
    if &magic != b"PK\x03\x04" {
        return None;
    }
    file.seek(SeekFrom::Start(0)).ok()?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).ok()?;
    own_output(&mut zip)
}

/// The kind of workbook this tool wrote, from `docProps/custom.xml`
/// (`None` for every workbook someone else wrote).
pub fn own_output<R: Read + Seek>(archive: &mut zip::ZipArchive<R>) -> Option<OwnOutput> {
    use quick_xml::events::Event;
    let entry = archive.by_name("docProps/custom.xml").ok()?;
    let mut xml = String::new();
    entry.take(64 << 10).read_to_string(&mut xml).ok()?;
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut in_ours = false;
    let mut in_value = false;
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) if e.local_name().as_ref() == "property" => {
                in_ours = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.local_name().as_ref() == "name")
                    .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok())
                    .is_some_and(|v| v == OwnOutput::PROPERTY);
            }
            Event::End(e) if e.local_name().as_ref() == "property" => in_ours = false,
            Event::Start(e) if in_ours && e.local_name().as_ref() == "lpwstr" => in_value = true,
            Event::Text(text) if in_value => {
                let value = text.xml_content(quick_xml::XmlVersion::Implicit1_0);
                return OwnOutput::parse(&value);
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_count_is_read_in_every_spelling_calamine_accepts() {
        for (xml, expected) in [
            (r#"<sst count="1" uniqueCount="7"/>"#, Some(7)),
            (r#"<sst uniqueCount='7' count='1'></sst>"#, Some(7)),
            ("<sst count=\"1\"\n  uniqueCount \t=\t \"7\">", Some(7)),
            (
                r#"<x:sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="7">"#,
                Some(7),
            ),
            (r#"<sst x:uniqueCount="7">"#, Some(7)),
            (
                r#"<?xml version="1.0"?><!-- <sst uniqueCount="1"> --><a><sst uniqueCount="0007"/></a>"#,
                Some(7),
            ),
            (
                r#"<sst uniqueCount="4000000000000000000000">"#,
                Some(u64::MAX),
            ),
            (r#"<sst uniqueCount="lots">"#, Some(u64::MAX)),
            (r#"<sst count="3"><si><t>a</t></si></sst>"#, None),
            (r#"<other uniqueCount="7"/>"#, None),
        ] {
            assert_eq!(declared_unique_count(xml.as_bytes()), expected, "{xml}");
        }
    }
}
