//! The structure of an OLE/CFB container (the wrapper of an `.xls`), checked
//! before calamine reads it.
//!
//! calamine follows sector chains without remembering where it has been and
//! sizes its buffers from the lengths the file declares: a chain that runs in
//! a circle grows memory until the process dies (`phpspreadsheet__oleloop.xls`,
//! 1 KB). Here every chain is walked at most once per sector, every sector
//! number is checked against the file length, and nothing is allocated from a
//! number in the file before that number is bounded by the file's length.
//!
//! The walk mirrors what calamine reads (see [MS-CFB] and calamine's `cfb.rs`):
//! the header, the FAT through the DIFAT, the directory chain, the mini stream
//! and mini FAT when the header announces a mini FAT, and the chain of the
//! `Workbook` (or `Book`) stream. Like xlrd, it notes which part owns each
//! sector, so a sector used twice is found as well as a loop.
//!
//! The parts, in the order a file is read: [`container`] (header, FAT,
//! directory, sector chains), [`records`] (the BIFF record walk of the
//! workbook stream), and, for the damage notes only, [`properties`] (the
//! property-set streams) and [`drawing`] (the drawing layer of the sheets).

mod container;
mod drawing;
mod properties;
mod records;
#[cfg(test)]
mod testkit;

use container::{workbook_stream, Container, STREAM_OBJECT};
use drawing::drawing_damage;
use properties::check_property_set;
use records::check_records;

pub use container::{OleDamage, Part};
pub use drawing::{Carrier, DrawingDamage};
pub use properties::PropertyDamage;
pub use records::{Corrupt, Place, RecordName};

use serde::{Deserialize, Serialize};

use crate::i18n::{t, Lang};

/// Checks the structure of a CFB container: header, FAT (via the DIFAT, with loop
/// detection), the directory chain, and the sector chain of the workbook stream.
pub fn validate(bytes: &[u8]) -> Result<(), OleDamage> {
    let stream = workbook_stream(&mut Container::open(bytes)?)?;
    check_records(&stream)?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Damage that does not stop reading: parts of the container calamine never
// reads, but whose corruption says the file was damaged (fuzzed, cut, badly
// repaired). Reported as notes, not as errors.

/// The property-set streams calamine never reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertyStream {
    SummaryInformation,
    DocumentSummaryInformation,
}

impl PropertyStream {
    const ALL: [PropertyStream; 2] = [
        PropertyStream::SummaryInformation,
        PropertyStream::DocumentSummaryInformation,
    ];

    /// The stream's name in the container.
    fn entry(self) -> &'static str {
        match self {
            PropertyStream::SummaryInformation => "\u{5}SummaryInformation",
            PropertyStream::DocumentSummaryInformation => "\u{5}DocumentSummaryInformation",
        }
    }

    fn label(self, lang: Lang) -> &'static str {
        match self {
            PropertyStream::SummaryInformation => t(
                lang,
                "Dokumenteigenschaften (SummaryInformation)",
                "document properties (SummaryInformation)",
            ),
            PropertyStream::DocumentSummaryInformation => t(
                lang,
                "Dokumenteigenschaften (DocumentSummaryInformation)",
                "document properties (DocumentSummaryInformation)",
            ),
        }
    }
}

/// What is broken in a property-set stream: its frame, or its sector chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertyProblem {
    Frame(PropertyDamage),
    Container(OleDamage),
}

/// A damaged part of an `.xls` that calamine never reads: noted, not rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OleNote {
    Properties {
        stream: PropertyStream,
        problem: PropertyProblem,
    },
    Drawing {
        place: Place,
        problem: DrawingDamage,
    },
}

impl OleNote {
    pub fn describe(&self, lang: Lang) -> String {
        let damaged = t(lang, "beschädigt", "damaged");
        match self {
            OleNote::Properties { stream, problem } => {
                let problem = match problem {
                    PropertyProblem::Frame(d) => d.describe(lang),
                    PropertyProblem::Container(d) => d.detail(lang),
                };
                format!("{} {damaged}: {problem}", stream.label(lang))
            }
            OleNote::Drawing { place, problem } => format!(
                "{} {} {damaged}: {}",
                t(lang, "Zeichnungsebene", "drawing layer"),
                place.dative(lang),
                problem.describe(lang)
            ),
        }
    }
}

/// Damage notes for a container that [`validate`] accepted: broken
/// property-set streams (`\x05SummaryInformation`,
/// `\x05DocumentSummaryInformation`) and broken drawing records in the
/// sheets. Empty for a container that `validate` rejects (that error says
/// more) and for a sound one.
pub fn damage(bytes: &[u8]) -> Vec<OleNote> {
    let Ok(mut container) = Container::open(bytes) else {
        return Vec::new();
    };
    let Ok(stream) = workbook_stream(&mut container) else {
        return Vec::new();
    };
    if check_records(&stream).is_err() {
        return Vec::new();
    }
    let mut notes = Vec::new();
    for stream_kind in PropertyStream::ALL {
        let index = container
            .entries
            .iter()
            .position(|e| e.kind == STREAM_OBJECT && e.name == stream_kind.entry());
        let Some(index) = index else { continue };
        let problem = match container.read(index, Part::Properties) {
            Ok(data) => check_property_set(&data).err().map(PropertyProblem::Frame),
            Err(damage) => Some(PropertyProblem::Container(damage)),
        };
        if let Some(problem) = problem {
            notes.push(OleNote::Properties {
                stream: stream_kind,
                problem,
            });
        }
    }
    notes.extend(
        drawing_damage(&stream)
            .into_iter()
            .map(|(place, problem)| OleNote::Drawing { place, problem }),
    );
    notes
}

// Little-endian readers that every part uses; a short slice reads as 0.

pub(super) fn le_u16(bytes: &[u8], at: usize) -> u16 {
    bytes
        .get(at..at + 2)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u16::from_le_bytes)
}

pub(super) fn le_u32(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

pub(super) fn le_u64(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at + 8)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

pub(super) fn u16s(bytes: &[u8]) -> impl Iterator<Item = u16> + '_ {
    bytes
        .chunks_exact(2)
        .map(|c| c.try_into().map_or(0, u16::from_le_bytes))
}

pub(super) fn u32s(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    bytes
        .chunks_exact(4)
        .map(|c| c.try_into().map_or(0, u32::from_le_bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::cfb::testkit::*;
    use container::{END_OF_CHAIN, FREE_SECTOR, MAGIC, MINI_SECTOR_LEN};
    use std::path::Path;

    /// The German reason, as the report shows it.
    fn validate(bytes: &[u8]) -> Result<(), String> {
        super::validate(bytes).map_err(|d| d.to_string())
    }

    /// The German notes, as the report shows them.
    fn damage(bytes: &[u8]) -> Vec<String> {
        super::damage(bytes)
            .iter()
            .map(|n| n.describe(Lang::De))
            .collect()
    }

    #[test]
    fn reasons_and_notes_are_english_with_lang_en() {
        let mut buf = container();
        put_u32(&mut buf, fat(1), 1);
        let damage = super::validate(&buf).expect_err("a loop");
        assert_eq!(
            damage.describe(Lang::En),
            "OLE container damaged: the sector chain of the directory runs in a circle"
        );
        let mut stream = sound_properties();
        let at = property_value(&stream, 2);
        put_u32(&mut stream, at + 4, 0x8000_0022);
        let notes = super::damage(&container_with_properties(&stream));
        assert_eq!(
            notes.iter().map(|n| n.describe(Lang::En)).collect::<Vec<_>>(),
            vec!["document properties (DocumentSummaryInformation) damaged: text length 2147483682 larger than the section (property 2)"]
        );
    }

    #[test]
    fn the_reason_is_german_and_short() {
        let mut buf = container();
        put_u32(&mut buf, fat(1), 1);
        assert_eq!(
            validate(&buf),
            Err("OLE-Container beschädigt: Sektorkette des Verzeichnisses läuft im Kreis".into())
        );
    }

    #[test]
    fn no_prefix_of_a_container_panics() {
        let buf = container();
        for len in 0..buf.len() {
            let _ = validate(&buf[..len]);
            let _ = damage(&buf[..len]);
        }
    }

    fn corpus(folder: &str) -> Option<Vec<std::path::PathBuf>> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/corpus")
            .join(folder);
        // CI has the corpus next to the repository: missing is a failure, not a skip.
        assert!(dir.is_dir(), "corpus missing: {}", dir.display());
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .expect("corpus folder readable")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        Some(files)
    }

    fn is_cfb(bytes: &[u8]) -> bool {
        bytes.starts_with(&MAGIC)
    }

    /// Every OLE file among the good `.xls` files passes. (Raw BIFF2–4 streams
    /// in that folder are no OLE containers and never reach this check.)
    #[test]
    fn every_good_xls_in_the_corpus_passes() {
        let Some(files) = corpus("xls") else { return };
        let mut failed = Vec::new();
        for path in files {
            let bytes = std::fs::read(&path).unwrap_or_default();
            if !is_cfb(&bytes) {
                continue;
            }
            if let Err(reason) = validate(&bytes) {
                failed.push(format!("{}: {reason}", path.display()));
            }
        }
        assert!(failed.is_empty(), "{failed:#?}");
    }

    #[test]
    fn known_corrupt_xls_files_fail() {
        let Some(files) = corpus("broken") else {
            return;
        };
        for name in [
            "phpspreadsheet__oleloop.xls",
            "phpspreadsheet__pr.4687.excel.badendian.xls",
            "xlrd__corrupted_error.xls",
            "sheetjs__phpexcel_bad_cfb_dir.xls",
            "calamine__OOM_alloc3.xls",
            // Found by the record checks: an XF record of 38932 bytes,
            "poi__61300.xls",
            // a sheet position two bytes before its BOF,
            "poi__clusterfuzz-testcase-minimized-POIHSSFFuzzer-4657005060816896.xls",
            // an OBJ record whose type became 0xDC5D.
            "poi__clusterfuzz-testcase-minimized-POIHSSFFuzzer-4977868385681408.xls",
            // Not found: `…-5285517825277952.xls` is damaged only inside the
            // drawing layer (an OfficeArt record of type 0x0000 in a CONTINUE
            // after an OBJ), `poi__poi-fuzz.xls` only in its
            // DocumentSummaryInformation stream and in the padding after the
            // last EOF. calamine reads neither part.
        ] {
            let path = files
                .iter()
                .find(|p| p.file_name().is_some_and(|n| n == name));
            let Some(path) = path else {
                panic!("{name} missing from the corpus")
            };
            let bytes = std::fs::read(path).unwrap_or_default();
            assert!(validate(&bytes).is_err(), "{name} passed");
        }
    }

    #[test]
    fn no_broken_file_panics() {
        let Some(files) = corpus("broken") else {
            return;
        };
        for path in files {
            let bytes = std::fs::read(&path).unwrap_or_default();
            let _ = validate(&bytes);
            let _ = damage(&bytes);
        }
    }

    /// Password-protected files are reported as encrypted elsewhere: the
    /// record checks stop at FILEPASS and must not reject them.
    #[test]
    fn encrypted_xls_files_pass() {
        let Some(files) = corpus("broken") else {
            return;
        };
        for name in [
            "calamine__issue_385.xls",
            "phpspreadsheet__pwtest.xls",
            "phpspreadsheet__pwtest2.xls",
            "phpspreadsheet__pwtest3.xls",
            "poi__35897-type4.xls",
            "poi__51832.xls",
            "poi__password.xls",
            "poi__xor-encryption-abc.xls",
            "sheetjs__biff5-password_2002_40_xor.xls",
            "sheetjs__password_2002_128_enhanced.xls",
            "sheetjs__password_2002_128_enhrsa.xls",
            "sheetjs__password_2002_128_strong.xls",
            "sheetjs__password_2002_40_972000.xls",
            "sheetjs__password_2002_40_basecrypto.xls",
            "sheetjs__password_2002_40_xor.xls",
        ] {
            let path = files
                .iter()
                .find(|p| p.file_name().is_some_and(|n| n == name));
            let Some(path) = path else {
                panic!("{name} missing from the corpus")
            };
            let bytes = std::fs::read(path).unwrap_or_default();
            assert_eq!(validate(&bytes), Ok(()), "{name}");
        }
    }

    /// Damaged copies of the good files: any answer, but no panic.
    #[test]
    fn mutated_corpus_files_do_not_panic() {
        let Some(files) = corpus("xls") else { return };
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for path in files {
            let original = std::fs::read(&path).unwrap_or_default();
            if !is_cfb(&original) {
                continue;
            }
            for _ in 0..20 {
                let mut bytes = original.clone();
                for _ in 0..1 + next() % 4 {
                    let at = (next() % bytes.len() as u64) as usize;
                    bytes[at] = next() as u8;
                }
                let _ = validate(&bytes);
                let _ = damage(&bytes);
            }
        }
    }

    /// The record checks run on the stream the container walk extracted,
    /// from regular sectors and from the mini stream.
    #[test]
    fn the_records_are_read_from_the_container() {
        let stream = sound_book();
        let mut buf = container();
        buf[sector(2)..sector(2) + stream.len()].copy_from_slice(&stream);
        assert_eq!(validate(&buf), Ok(()));
        // The sheet's EOF cut off: found through the container.
        let end = sector(2) + stream.len();
        buf[end - 4..end].fill(0);
        assert_eq!(
            validate(&buf),
            Err(
                "Excel-Datei beschädigt: Blatt 2 („Tabelle2“) endet nicht mit einem EOF-Satz"
                    .into()
            )
        );
        // In the mini stream the records are read along the mini FAT: the
        // 100 bytes lie in mini sectors 0 and 2, with garbage in 1 between.
        let stream = workbook(&[], &[vec![dimensions((0, 1), (0, 1))]]);
        assert!(stream.len() > 64 && stream.len() <= 100, "{}", stream.len());
        let mut buf = mini_container();
        put_u32(&mut buf, sector(2), 2);
        put_u32(&mut buf, sector(2) + 4, FREE_SECTOR);
        put_u32(&mut buf, sector(2) + 8, END_OF_CHAIN);
        let mini = |n: usize| sector(3) + n * MINI_SECTOR_LEN;
        buf[mini(0)..mini(1)].copy_from_slice(&stream[..64]);
        buf[mini(1)..mini(2)].fill(0xFF);
        buf[mini(2)..mini(2) + stream.len() - 64].copy_from_slice(&stream[64..]);
        assert_eq!(validate(&buf), Ok(()));
        put_u32(&mut buf, sector(2), 1);
        put_u32(&mut buf, sector(2) + 4, END_OF_CHAIN);
        assert!(
            validate(&buf).is_err_and(|reason| reason.starts_with("Excel-Datei beschädigt:")),
            "{:?}",
            validate(&buf)
        );
    }

    /// `mini_container()` with `stream` as `\x05DocumentSummaryInformation`
    /// in mini sectors 2 to 4.
    fn container_with_properties(stream: &[u8]) -> Vec<u8> {
        assert!(stream.len() <= 3 * MINI_SECTOR_LEN);
        let mut buf = mini_container();
        put_u32(&mut buf, sector(2) + 8, 3);
        put_u32(&mut buf, sector(2) + 12, 4);
        put_u32(&mut buf, sector(2) + 16, END_OF_CHAIN);
        let name = "\u{5}DocumentSummaryInformation";
        put_entry(&mut buf, sector(1) + 256, name, 2, 2, stream.len() as u32);
        let at = sector(3) + 2 * MINI_SECTOR_LEN;
        buf[at..at + stream.len()].copy_from_slice(stream);
        buf
    }

    #[test]
    fn damaged_properties_are_noted_not_rejected() {
        let buf = container_with_properties(&sound_properties());
        assert_eq!(validate(&buf), Ok(()));
        assert_eq!(damage(&buf), Vec::<String>::new());
        let mut stream = sound_properties();
        let at = property_value(&stream, 2);
        put_u32(&mut stream, at + 4, 0x8000_0022);
        let buf = container_with_properties(&stream);
        assert_eq!(validate(&buf), Ok(()));
        assert_eq!(
            damage(&buf),
            vec!["Dokumenteigenschaften (DocumentSummaryInformation) beschädigt: Textlänge 2147483682 größer als der Abschnitt (Eigenschaft 2)".to_string()]
        );
        // A property stream whose chain runs in a circle.
        let mut buf = container_with_properties(&sound_properties());
        put_u32(&mut buf, sector(2) + 16, 2);
        assert_eq!(
            damage(&buf),
            vec!["Dokumenteigenschaften (DocumentSummaryInformation) beschädigt: Sektorkette des Eigenschaften-Stroms läuft im Kreis".to_string()]
        );
        // A container that `validate` rejects has no notes.
        let mut buf = container_with_properties(&stream);
        put_u32(&mut buf, sector(2) + 4, 0);
        assert!(validate(&buf).is_err());
        assert_eq!(damage(&buf), Vec::<String>::new());
    }

    /// No good `.xls` in the corpus gets a damage note.
    #[test]
    fn every_good_xls_in_the_corpus_has_no_damage() {
        let Some(files) = corpus("xls") else { return };
        let mut noted = Vec::new();
        for path in files {
            let bytes = std::fs::read(&path).unwrap_or_default();
            if !is_cfb(&bytes) {
                continue;
            }
            let notes = damage(&bytes);
            if !notes.is_empty() {
                noted.push(format!("{}: {notes:?}", path.display()));
            }
        }
        assert!(noted.is_empty(), "{noted:#?}");
    }

    /// The two fuzzed files `validate` lets through are damaged where
    /// calamine does not read: noted, not rejected.
    #[test]
    fn known_damaged_xls_files_get_notes() {
        let Some(files) = corpus("broken") else {
            return;
        };
        for (name, expected) in [
            (
                "poi__poi-fuzz.xls",
                "Dokumenteigenschaften (DocumentSummaryInformation) beschädigt: Textlänge 2147483682 größer als der Abschnitt",
            ),
            (
                "poi__clusterfuzz-testcase-minimized-POIHSSFFuzzer-5285517825277952.xls",
                "Zeichnungsebene in Blatt 1 („Sheet1“) beschädigt: Eintrag vom Typ 0x0000 im CONTINUE-Satz nach OBJ",
            ),
        ] {
            let path = files
                .iter()
                .find(|p| p.file_name().is_some_and(|n| n == name));
            let Some(path) = path else {
                panic!("{name} missing from the corpus")
            };
            let bytes = std::fs::read(path).unwrap_or_default();
            assert_eq!(validate(&bytes), Ok(()), "{name}");
            let notes = damage(&bytes);
            assert!(
                notes.iter().any(|n| n.starts_with(expected)),
                "{name}: {notes:?}"
            );
        }
    }
}
