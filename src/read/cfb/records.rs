//! The BIFF record stream inside the workbook stream ([MS-XLS] 2.1.4, 2.4).
//!
//! Only what is certainly corrupt is rejected: record headers that leave the
//! stream, substreams without BOF or EOF, sheet positions that miss their BOF,
//! and counts or lengths inside a record that contradict the record's size.
//! calamine trusts several of these numbers (`&stream[pos..]` for a sheet
//! position, `reserve(rows * cols)` from DIMENSIONS, `col_last - col_first`
//! in MULRK), so a fuzzed value becomes a panic or a huge allocation there.
//! After a FILEPASS record the bodies are encrypted and nothing more is checked.

use serde::{Deserialize, Serialize};

use crate::i18n::{t, Lang};

use super::{le_u16, le_u32, u16s};

/// The longest record body BIFF8 allows.
const MAX_RECORD_LEN: usize = 8224;
/// No BIFF version knows a record type from here on: MS-XLS ends at 0x1068
/// (chart records), future records use 0x08xx. The margin is deliberate.
const FIRST_IMPOSSIBLE_TYPE: u16 = 0x2000;
pub(super) const RECORD_HEADER_LEN: usize = 4;
/// Smallest unicode string in the SST: `cch` (2 bytes) and flags (1 byte).
const MIN_SST_STRING_LEN: u64 = 3;
/// Rows and columns a BIFF8 sheet can have.
const MAX_ROWS: u32 = 65_536;
const MAX_COLS: u16 = 256;

pub(super) const RT_FORMULA: u16 = 0x0006;
pub(super) const RT_EOF: u16 = 0x000A;
const RT_FILEPASS: u16 = 0x002F;
pub(super) const RT_CONTINUE: u16 = 0x003C;
pub(super) const RT_BOUNDSHEET: u16 = 0x0085;
pub(super) const RT_MULRK: u16 = 0x00BD;
pub(super) const RT_MULBLANK: u16 = 0x00BE;
pub(super) const RT_SST: u16 = 0x00FC;
pub(super) const RT_LABELSST: u16 = 0x00FD;
pub(super) const RT_DIMENSIONS: u16 = 0x0200;
pub(super) const RT_STRING: u16 = 0x0207;
pub(super) const RT_BOF: u16 = 0x0809;
/// `vers` in the BOF of a BIFF8 stream (BIFF5 has 0x0500).
pub(super) const BIFF8_VERSION: u16 = 0x0600;
/// BOF records of BIFF2, BIFF3 and BIFF4: accepted without further checks.
const OLD_BOFS: [u16; 3] = [0x0009, 0x0209, 0x0409];

/// Where in the workbook stream a damage was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    Globals,
    /// 1-based number of the sheet (in BOUNDSHEET order) and its name.
    Sheet(usize, String),
}

impl Place {
    /// "der globale Teil" / "Blatt 2 („Tabelle2“)".
    pub(super) fn nominative(&self, lang: Lang) -> String {
        match (self, lang) {
            (Place::Globals, Lang::De) => "der globale Teil".into(),
            (Place::Globals, Lang::En) => "the globals".into(),
            (Place::Sheet(number, name), Lang::De) if name.is_empty() => format!("Blatt {number}"),
            (Place::Sheet(number, name), Lang::De) => format!("Blatt {number} („{name}“)"),
            (Place::Sheet(number, name), Lang::En) if name.is_empty() => format!("sheet {number}"),
            (Place::Sheet(number, name), Lang::En) => format!("sheet {number} (\"{name}\")"),
        }
    }

    /// "im globalen Teil" / "in Blatt 2 („Tabelle2“)".
    pub(super) fn dative(&self, lang: Lang) -> String {
        match (self, lang) {
            (Place::Globals, Lang::De) => "im globalen Teil".into(),
            (Place::Globals, Lang::En) => "in the globals".into(),
            (Place::Sheet(..), _) => format!("in {}", self.nominative(lang)),
        }
    }
}

/// The BIFF records whose damage is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordName {
    Boundsheet,
    Sst,
    Mulrk,
    Mulblank,
    Labelsst,
    Formula,
    String,
}

impl std::fmt::Display for RecordName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RecordName::Boundsheet => "BOUNDSHEET",
            RecordName::Sst => "SST",
            RecordName::Mulrk => "MULRK",
            RecordName::Mulblank => "MULBLANK",
            RecordName::Labelsst => "LABELSST",
            RecordName::Formula => "FORMULA",
            RecordName::String => "STRING",
        })
    }
}

/// Why the record structure of a workbook stream cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Corrupt {
    Empty,
    NoBof(u16),
    UnknownType {
        at: usize,
        typ: u16,
    },
    RecordTooLong {
        at: usize,
        typ: u16,
        len: usize,
    },
    RecordPastEnd {
        at: usize,
        typ: u16,
        len: usize,
        stream: usize,
    },
    NoEof(Place),
    TooShort {
        place: Place,
        name: RecordName,
        at: usize,
        len: usize,
        min: usize,
    },
    SheetPastEnd {
        sheet: Place,
        pos: usize,
        len: usize,
    },
    SheetNoBof {
        sheet: Place,
        pos: usize,
    },
    SheetOverlap {
        sheet: Place,
        pos: usize,
        inside: Place,
    },
    SstTooMany {
        unique: u32,
        room: u64,
    },
    Dimensions {
        place: Place,
        row_first: u32,
        row_end: u32,
        col_first: u16,
        col_end: u16,
    },
    DimensionsLen {
        place: Place,
        len: usize,
    },
    CellRange {
        place: Place,
        name: RecordName,
        at: usize,
        first: u16,
        last: u16,
        len: usize,
    },
    SstIndex {
        place: Place,
        at: usize,
        index: u32,
        unique: u32,
    },
    Overrun {
        place: Place,
        name: RecordName,
        at: usize,
        need: usize,
        len: usize,
    },
}

impl Corrupt {
    /// "Excel-Datei beschädigt: …".
    pub fn describe(&self, lang: Lang) -> String {
        format!(
            "{}: {}",
            t(lang, "Excel-Datei beschädigt", "Excel file damaged"),
            self.detail(lang)
        )
    }

    fn detail(&self, lang: Lang) -> String {
        let de = lang == Lang::De;
        match self {
            Corrupt::Empty => t(
                lang,
                "der Workbook-Strom enthält keinen einzigen Satz",
                "the workbook stream holds not a single record",
            )
            .into(),
            Corrupt::NoBof(typ) if de => format!(
                "der Workbook-Strom beginnt nicht mit einem BOF-Satz (sondern mit Satztyp 0x{typ:04X})"
            ),
            Corrupt::NoBof(typ) => format!(
                "the workbook stream does not begin with a BOF record (but with record type 0x{typ:04X})"
            ),
            Corrupt::UnknownType { at, typ } if de => {
                format!("bei Byte {at} steht ein Satz vom unbekannten Typ 0x{typ:04X}")
            }
            Corrupt::UnknownType { at, typ } => {
                format!("at byte {at} stands a record of the unknown type 0x{typ:04X}")
            }
            Corrupt::RecordTooLong { at, typ, len } if de => format!(
                "Satz 0x{typ:04X} bei Byte {at} ist {len} Byte lang, erlaubt sind höchstens 8224"
            ),
            Corrupt::RecordTooLong { at, typ, len } => format!(
                "record 0x{typ:04X} at byte {at} is {len} bytes long, at most 8224 are allowed"
            ),
            Corrupt::RecordPastEnd {
                at,
                typ,
                len,
                stream,
            } if de => format!(
                "Satz 0x{typ:04X} bei Byte {at} ({len} Byte) reicht über das Ende des Workbook-Stroms ({stream} Byte) hinaus"
            ),
            Corrupt::RecordPastEnd {
                at,
                typ,
                len,
                stream,
            } => format!(
                "record 0x{typ:04X} at byte {at} ({len} bytes) reaches past the end of the workbook stream ({stream} bytes)"
            ),
            Corrupt::NoEof(place) if de => {
                format!("{} endet nicht mit einem EOF-Satz", place.nominative(lang))
            }
            Corrupt::NoEof(place) => {
                format!("{} does not end with an EOF record", place.nominative(lang))
            }
            Corrupt::TooShort {
                place,
                name,
                at,
                len,
                min,
            } if de => format!(
                "{name}-Satz bei Byte {at} {} ist mit {len} Byte zu kurz (mindestens {min})",
                place.dative(lang)
            ),
            Corrupt::TooShort {
                place,
                name,
                at,
                len,
                min,
            } => format!(
                "{name} record at byte {at} {} is too short with {len} bytes (at least {min})",
                place.dative(lang)
            ),
            Corrupt::SheetPastEnd { sheet, pos, len } if de => format!(
                "{} soll bei Byte {pos} beginnen, der Workbook-Strom hat aber nur {len} Byte",
                sheet.nominative(lang)
            ),
            Corrupt::SheetPastEnd { sheet, pos, len } => format!(
                "{} is said to begin at byte {pos}, but the workbook stream has only {len} bytes",
                sheet.nominative(lang)
            ),
            Corrupt::SheetNoBof { sheet, pos } if de => format!(
                "{} soll bei Byte {pos} beginnen, dort steht aber kein BOF-Satz",
                sheet.nominative(lang)
            ),
            Corrupt::SheetNoBof { sheet, pos } => format!(
                "{} is said to begin at byte {pos}, but there is no BOF record there",
                sheet.nominative(lang)
            ),
            Corrupt::SheetOverlap { sheet, pos, inside } if de => format!(
                "{} soll bei Byte {pos} beginnen, mitten {}",
                sheet.nominative(lang),
                inside.dative(lang)
            ),
            Corrupt::SheetOverlap { sheet, pos, inside } => format!(
                "{} is said to begin at byte {pos}, in the middle of {}",
                sheet.nominative(lang),
                inside.nominative(lang)
            ),
            Corrupt::SstTooMany { unique, room } if de => format!(
                "die Texttabelle (SST) soll {unique} verschiedene Texte enthalten, hat aber nur Platz für höchstens {room}"
            ),
            Corrupt::SstTooMany { unique, room } => format!(
                "the string table (SST) is said to hold {unique} different strings but has room for at most {room}"
            ),
            Corrupt::Dimensions {
                place,
                row_first,
                row_end,
                col_first,
                col_end,
            } if de => format!(
                "unmögliche Blattgröße (DIMENSIONS) {}: Zeilen {row_first} bis {row_end}, Spalten {col_first} bis {col_end}",
                place.dative(lang)
            ),
            Corrupt::Dimensions {
                place,
                row_first,
                row_end,
                col_first,
                col_end,
            } => format!(
                "impossible sheet size (DIMENSIONS) {}: rows {row_first} to {row_end}, columns {col_first} to {col_end}",
                place.dative(lang)
            ),
            Corrupt::DimensionsLen { place, len } if de => format!(
                "DIMENSIONS-Satz {} hat {len} Byte (erwartet 10 oder 14)",
                place.dative(lang)
            ),
            Corrupt::DimensionsLen { place, len } => format!(
                "DIMENSIONS record {} has {len} bytes (expected 10 or 14)",
                place.dative(lang)
            ),
            Corrupt::CellRange {
                place,
                name,
                at,
                first,
                last,
                len,
            } if de => format!(
                "{name}-Satz bei Byte {at} {}: die Spalten {first} bis {last} passen nicht zu seinen {len} Byte",
                place.dative(lang)
            ),
            Corrupt::CellRange {
                place,
                name,
                at,
                first,
                last,
                len,
            } => format!(
                "{name} record at byte {at} {}: the columns {first} to {last} do not match its {len} bytes",
                place.dative(lang)
            ),
            Corrupt::SstIndex {
                place,
                at,
                index,
                unique,
            } if de => format!(
                "LABELSST-Satz bei Byte {at} {} verweist auf Text Nr. {index}, die Texttabelle hat nur {unique}",
                place.dative(lang)
            ),
            Corrupt::SstIndex {
                place,
                at,
                index,
                unique,
            } => format!(
                "LABELSST record at byte {at} {} refers to string no. {index}, the string table has only {unique}",
                place.dative(lang)
            ),
            Corrupt::Overrun {
                place,
                name,
                at,
                need,
                len,
            } if de => format!(
                "{name}-Satz bei Byte {at} {}: {need} Byte Inhalt passen nicht in {len} Byte",
                place.dative(lang)
            ),
            Corrupt::Overrun {
                place,
                name,
                at,
                need,
                len,
            } => format!(
                "{name} record at byte {at} {}: {need} bytes of content do not fit into {len} bytes",
                place.dative(lang)
            ),
        }
    }
}

impl std::fmt::Display for Corrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(Lang::De))
    }
}

/// One record: its offset in the stream, its type and its body.
#[derive(Debug, Clone, Copy)]
pub(super) struct Record<'a> {
    pub(super) at: usize,
    pub(super) typ: u16,
    pub(super) body: &'a [u8],
}

impl Record<'_> {
    /// Offset of the record after this one.
    fn end(&self) -> usize {
        self.at + RECORD_HEADER_LEN + self.body.len()
    }
}

/// Reads the record at `at`. `Ok(None)` when fewer than four bytes are left.
pub(super) fn record_at(stream: &[u8], at: usize) -> Result<Option<Record<'_>>, Corrupt> {
    let Some(header) = at
        .checked_add(RECORD_HEADER_LEN)
        .and_then(|end| stream.get(at..end))
    else {
        return Ok(None);
    };
    let typ = le_u16(header, 0);
    let len = usize::from(le_u16(header, 2));
    if typ >= FIRST_IMPOSSIBLE_TYPE {
        return Err(Corrupt::UnknownType { at, typ });
    }
    if len > MAX_RECORD_LEN {
        return Err(Corrupt::RecordTooLong { at, typ, len });
    }
    let start = at + RECORD_HEADER_LEN;
    let body = stream
        .get(start..start + len)
        .ok_or(Corrupt::RecordPastEnd {
            at,
            typ,
            len,
            stream: stream.len(),
        })?;
    Ok(Some(Record { at, typ, body }))
}

/// The bodies of the CONTINUE records directly after `record`, for as long as
/// they are whole (a damaged one is found when the walk reaches it).
fn continued_len(stream: &[u8], record: &Record<'_>) -> u64 {
    let mut total = 0u64;
    let mut at = record.end();
    for _ in 0..=stream.len() / RECORD_HEADER_LEN {
        match record_at(stream, at) {
            Ok(Some(next)) if next.typ == RT_CONTINUE => {
                total = total.saturating_add(next.body.len() as u64);
                at = next.end();
            }
            _ => break,
        }
    }
    total
}

/// What the globals substream tells about the rest.
pub(super) struct Globals {
    /// BIFF8 (version 0x0600 in the globals BOF), else BIFF5. calamine takes
    /// the version from the globals too: BIFF5 files may carry 0x0600 in the
    /// BOF of their sheets.
    biff8: bool,
    /// Where the globals substream ends (after its EOF).
    end: usize,
    /// Stream position, number and name of every sheet.
    pub(super) sheets: Vec<(usize, Place)>,
    /// `cstUnique` of the SST, if there is one.
    sst_unique: Option<u32>,
}

/// Checks the record structure of a workbook stream.
pub(super) fn check_records(stream: &[u8]) -> Result<(), Corrupt> {
    let first = record_at(stream, 0)?.ok_or(Corrupt::Empty)?;
    if OLD_BOFS.contains(&first.typ) {
        return Ok(());
    }
    if first.typ != RT_BOF {
        return Err(Corrupt::NoBof(first.typ));
    }
    let Some(mut globals) = check_globals(stream, le_u16(first.body, 0) == BIFF8_VERSION)? else {
        // Encrypted: the rest is unreadable without the password.
        return Ok(());
    };
    let mut sheets = std::mem::take(&mut globals.sheets);
    sheets.sort_by_key(|(pos, _)| *pos);
    sheets.dedup_by_key(|(pos, _)| *pos);
    // Sheets are separate substreams after the globals: none may start inside
    // another. This also keeps the total work linear in the stream length.
    let mut end = globals.end;
    let mut previous = Place::Globals;
    for (pos, sheet) in sheets {
        if pos >= stream.len() {
            return Err(Corrupt::SheetPastEnd {
                sheet,
                pos,
                len: stream.len(),
            });
        }
        if pos < end {
            return Err(Corrupt::SheetOverlap {
                sheet,
                pos,
                inside: previous,
            });
        }
        end = check_sheet(stream, pos, &sheet, &globals)?;
        previous = sheet;
    }
    Ok(())
}

/// Walks the globals substream up to its first EOF. `None` after a FILEPASS.
pub(super) fn check_globals(stream: &[u8], biff8: bool) -> Result<Option<Globals>, Corrupt> {
    let mut sheets = Vec::new();
    let mut sst_unique = None;
    let mut at = 0usize;
    for _ in 0..=stream.len() / RECORD_HEADER_LEN {
        let record = record_at(stream, at)?.ok_or(Corrupt::NoEof(Place::Globals))?;
        at = record.end();
        match record.typ {
            RT_FILEPASS => return Ok(None),
            RT_EOF => {
                return Ok(Some(Globals {
                    biff8,
                    end: at,
                    sheets,
                    sst_unique,
                }))
            }
            RT_BOUNDSHEET => {
                let body = min_len(&record, Place::Globals, RecordName::Boundsheet, 6)?;
                let pos = le_u32(body, 0) as usize;
                let name = sheet_name(body, biff8);
                sheets.push((pos, Place::Sheet(sheets.len() + 1, name)));
            }
            RT_SST => {
                let body = min_len(&record, Place::Globals, RecordName::Sst, 8)?;
                let unique = le_u32(body, 4);
                let own = body.len().saturating_sub(8) as u64;
                let bytes = own.saturating_add(continued_len(stream, &record));
                let room = bytes / MIN_SST_STRING_LEN;
                if u64::from(unique) > room {
                    return Err(Corrupt::SstTooMany { unique, room });
                }
                sst_unique = Some(unique);
            }
            _ => {}
        }
    }
    Err(Corrupt::NoEof(Place::Globals))
}

/// The sheet name of a BOUNDSHEET body, for messages: an 8-bit count, then
/// (BIFF8 only) a flag byte, then 8-bit or UTF-16 characters. 8-bit names are
/// shown as Latin-1 (the code page is not looked up for a message).
fn sheet_name(body: &[u8], biff8: bool) -> String {
    let cch = usize::from(body.get(6).copied().unwrap_or(0));
    let (wide, chars) = if biff8 {
        let flags = body.get(7).copied().unwrap_or(0);
        (flags & 1 != 0, body.get(8..).unwrap_or_default())
    } else {
        (false, body.get(7..).unwrap_or_default())
    };
    let name: String = if wide {
        char::decode_utf16(u16s(chars).take(cch))
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    } else {
        chars.iter().take(cch).map(|&b| char::from(b)).collect()
    };
    name.chars().filter(|c| !c.is_control()).collect()
}

/// The body of `record` if it has at least `min` bytes.
fn min_len<'a>(
    record: &Record<'a>,
    place: Place,
    name: RecordName,
    min: usize,
) -> Result<&'a [u8], Corrupt> {
    if record.body.len() < min {
        return Err(Corrupt::TooShort {
            place,
            name,
            at: record.at,
            len: record.body.len(),
            min,
        });
    }
    Ok(record.body)
}

/// Walks a sheet substream from its BOF at `pos` to the matching EOF and
/// returns where it ends. Embedded charts nest their own BOF … EOF; the cell
/// checks apply to the sheet's own records only (calamine skips the rest).
fn check_sheet(
    stream: &[u8],
    pos: usize,
    sheet: &Place,
    globals: &Globals,
) -> Result<usize, Corrupt> {
    walk_sheet(stream, pos, sheet, |record, depth| {
        if depth == 1 {
            check_cell_record(stream, record, sheet, globals)?;
        }
        Ok(())
    })
}

/// Walks a sheet substream from its BOF at `pos` to the matching EOF, calls
/// `visit` with every record between them and its nesting depth (1 for the
/// sheet's own records, 2 and more inside embedded charts), and returns
/// where the substream ends.
pub(super) fn walk_sheet<'a>(
    stream: &'a [u8],
    pos: usize,
    sheet: &Place,
    mut visit: impl FnMut(&Record<'a>, usize) -> Result<(), Corrupt>,
) -> Result<usize, Corrupt> {
    let bof = record_at(stream, pos)?
        .filter(|r| r.typ == RT_BOF)
        .ok_or_else(|| Corrupt::SheetNoBof {
            sheet: sheet.clone(),
            pos,
        })?;
    let mut depth = 1usize;
    let mut at = bof.end();
    for _ in 0..=stream.len() / RECORD_HEADER_LEN {
        let record = record_at(stream, at)?.ok_or_else(|| Corrupt::NoEof(sheet.clone()))?;
        at = record.end();
        match record.typ {
            RT_BOF => depth += 1,
            RT_EOF => {
                depth -= 1;
                if depth == 0 {
                    return Ok(at);
                }
            }
            _ => visit(&record, depth)?,
        }
    }
    Err(Corrupt::NoEof(sheet.clone()))
}

/// The records of a sheet whose lengths or counts can contradict each other.
fn check_cell_record(
    stream: &[u8],
    record: &Record<'_>,
    sheet: &Place,
    globals: &Globals,
) -> Result<(), Corrupt> {
    let body = record.body;
    let place = || sheet.clone();
    match record.typ {
        RT_DIMENSIONS => {
            let (row_first, row_end, col_first, col_end) = match body.len() {
                10 => (
                    u32::from(le_u16(body, 0)),
                    u32::from(le_u16(body, 2)),
                    le_u16(body, 4),
                    le_u16(body, 6),
                ),
                // BIFF8; some writers add two more bytes.
                14 | 16 => (
                    le_u32(body, 0),
                    le_u32(body, 4),
                    le_u16(body, 8),
                    le_u16(body, 10),
                ),
                len => {
                    return Err(Corrupt::DimensionsLen {
                        place: place(),
                        len,
                    })
                }
            };
            // `colMic > colMac` is left alone: calamine reads such a sheet
            // from column 0 (its test file OOM_alloc2.xls has 512 > 75).
            if row_first > row_end || row_end > MAX_ROWS || col_end > MAX_COLS {
                return Err(Corrupt::Dimensions {
                    place: place(),
                    row_first,
                    row_end,
                    col_first,
                    col_end,
                });
            }
        }
        RT_MULRK | RT_MULBLANK => {
            let (name, cell) = if record.typ == RT_MULRK {
                (RecordName::Mulrk, 6)
            } else {
                (RecordName::Mulblank, 2)
            };
            let body = min_len(record, place(), name, 6 + cell)?;
            let first = le_u16(body, 2);
            let last = le_u16(body, body.len().saturating_sub(2));
            let room = body.len().saturating_sub(6);
            let cells = room / cell;
            let fits = room % cell == 0
                && last
                    .checked_sub(first)
                    .is_some_and(|span| usize::from(span) + 1 == cells);
            if !fits {
                return Err(Corrupt::CellRange {
                    place: place(),
                    name,
                    at: record.at,
                    first,
                    last,
                    len: body.len(),
                });
            }
        }
        RT_LABELSST => {
            let body = min_len(record, place(), RecordName::Labelsst, 10)?;
            let index = le_u32(body, 6);
            if let Some(unique) = globals.sst_unique.filter(|&unique| index >= unique) {
                return Err(Corrupt::SstIndex {
                    place: place(),
                    at: record.at,
                    index,
                    unique,
                });
            }
        }
        RT_FORMULA => {
            let body = min_len(record, place(), RecordName::Formula, 22)?;
            let need = 22 + usize::from(le_u16(body, 20));
            if need > body.len() {
                return Err(Corrupt::Overrun {
                    place: place(),
                    name: RecordName::Formula,
                    at: record.at,
                    need,
                    len: body.len(),
                });
            }
        }
        // A long string continues in CONTINUE records; only a string that
        // does not continue must fit into its own record.
        RT_STRING if globals.biff8 && continued_len(stream, record) == 0 => {
            let body = min_len(record, place(), RecordName::String, 3)?;
            let width = if body.get(2).is_some_and(|flags| flags & 1 != 0) {
                2
            } else {
                1
            };
            let need = 3 + usize::from(le_u16(body, 0)) * width;
            if need > body.len() {
                return Err(Corrupt::Overrun {
                    place: place(),
                    name: RecordName::String,
                    at: record.at,
                    need,
                    len: body.len(),
                });
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::cfb::testkit::*;

    /// Offset of the stream position in the `number`th BOUNDSHEET record.
    fn entry(book: &[u8], number: usize) -> usize {
        let mut at = 0;
        let mut seen = 0;
        while let Ok(Some(r)) = record_at(book, at) {
            if r.typ == RT_BOUNDSHEET {
                seen += 1;
                if seen == number {
                    return r.at + RECORD_HEADER_LEN;
                }
            }
            at = r.end();
        }
        panic!("no BOUNDSHEET number {number}")
    }

    fn sheet(number: usize) -> Place {
        Place::Sheet(number, format!("Tabelle{number}"))
    }

    #[test]
    fn a_sound_record_stream_passes() {
        assert_eq!(check_records(&sound_book()), Ok(()));
        // Padding after the last EOF is not read (poi-fuzz.xls has a stray
        // byte there, and streams end at any offset inside it).
        let padded = [sound_book(), vec![0, 0, 0, 2, 0, 0, 0]].concat();
        assert_eq!(check_records(&padded), Ok(()));
        // BIFF2–4 inside a container: accepted without further checks.
        let old = [record(0x0209, &[0, 3, 0x10, 0, 0, 0]), vec![0xFF; 9]].concat();
        assert_eq!(check_records(&old), Ok(()));
        // `colMic > colMac` is repaired by calamine (OOM_alloc2.xls).
        let book = workbook(&[], &[vec![dimensions((0, 193), (512, 75))]]);
        assert_eq!(check_records(&book), Ok(()));
        // Two sheets at one position are read twice, not rejected.
        let mut book = workbook(&[], &[vec![], vec![]]);
        let first_pos = le_u32(&book, entry(&book, 1));
        let second = entry(&book, 2);
        put_u32(&mut book, second, first_pos);
        assert_eq!(check_records(&book), Ok(()));
    }

    #[test]
    fn the_stream_must_start_with_bof() {
        assert_eq!(check_records(&[]), Err(Corrupt::Empty));
        assert_eq!(check_records(&[0x09, 0x08, 0x10]), Err(Corrupt::Empty));
        let stream = [record(0x0204, &[0; 8]), eof()].concat();
        assert_eq!(check_records(&stream), Err(Corrupt::NoBof(0x0204)));
    }

    #[test]
    fn record_headers_must_fit() {
        let stream = [bof(5), record(0x00E0, &[0; 8225]), eof()].concat();
        assert_eq!(
            check_records(&stream),
            Err(Corrupt::RecordTooLong {
                at: 20,
                typ: 0x00E0,
                len: 8225
            })
        );
        let mut stream = [bof(5), record(0x00E0, &[0; 100])].concat();
        stream.truncate(60);
        assert_eq!(
            check_records(&stream),
            Err(Corrupt::RecordPastEnd {
                at: 20,
                typ: 0x00E0,
                len: 100,
                stream: 60
            })
        );
        let book = workbook(&[], &[vec![record(0xDC5D, &[0; 4])]]);
        let at = find(&book, &[0x5D, 0xDC]);
        assert_eq!(
            check_records(&book),
            Err(Corrupt::UnknownType { at, typ: 0xDC5D })
        );
    }

    #[test]
    fn every_substream_must_end_with_eof() {
        let stream = [bof(5), record(0x0042, &[0xE4, 0x04])].concat();
        assert_eq!(check_records(&stream), Err(Corrupt::NoEof(Place::Globals)));
        let mut book = workbook(&[], &[vec![dimensions((0, 1), (0, 1))]]);
        book.truncate(book.len() - 4);
        assert_eq!(check_records(&book), Err(Corrupt::NoEof(sheet(1))));
        // The EOF of an embedded chart does not end the sheet.
        let mut book = workbook(&[], &[vec![bof(0x0020), eof()]]);
        book.truncate(book.len() - 4);
        assert_eq!(check_records(&book), Err(Corrupt::NoEof(sheet(1))));
    }

    #[test]
    fn sheet_positions_must_point_at_their_bof() {
        let book = workbook(&[], &[vec![], vec![dimensions((0, 1), (0, 1))]]);
        let (first, second) = (entry(&book, 1), entry(&book, 2));
        let (first_pos, second_pos) = (le_u32(&book, first), le_u32(&book, second));
        let cases = [
            (
                "past the end",
                first,
                1_000_000,
                Corrupt::SheetPastEnd {
                    sheet: sheet(1),
                    pos: 1_000_000,
                    len: book.len(),
                },
            ),
            (
                "not at a BOF",
                second,
                second_pos + 20,
                Corrupt::SheetNoBof {
                    sheet: sheet(2),
                    pos: second_pos as usize + 20,
                },
            ),
            (
                "inside the globals",
                first,
                0,
                Corrupt::SheetOverlap {
                    sheet: sheet(1),
                    pos: 0,
                    inside: Place::Globals,
                },
            ),
            (
                "inside the first sheet",
                second,
                first_pos + 20,
                Corrupt::SheetOverlap {
                    sheet: sheet(2),
                    pos: first_pos as usize + 20,
                    inside: sheet(1),
                },
            ),
        ];
        for (name, field, value, expected) in cases {
            let mut buf = book.clone();
            put_u32(&mut buf, field, value);
            assert_eq!(check_records(&buf), Err(expected), "{name}");
        }
    }

    #[test]
    fn the_sst_must_have_room_for_its_strings() {
        let too_many = record(RT_SST, &sst_body(1000, &["a", "b"]));
        let book = workbook(&[too_many], &[]);
        assert_eq!(
            check_records(&book),
            Err(Corrupt::SstTooMany {
                unique: 1000,
                room: 2
            })
        );
        // Strings in CONTINUE records count.
        let continued = [
            record(RT_SST, &sst_body(3, &["a"])),
            record(RT_CONTINUE, &[1, 0, 0, b'b', 1, 0, 0, b'c']),
        ];
        assert_eq!(check_records(&workbook(&continued, &[])), Ok(()));
        let short = record(RT_SST, &[0; 6]);
        assert_eq!(
            check_records(&workbook(&[short], &[])),
            Err(Corrupt::TooShort {
                place: Place::Globals,
                name: RecordName::Sst,
                at: 20,
                len: 6,
                min: 8
            })
        );
    }

    #[test]
    fn cell_records_must_agree_with_their_length() {
        type Check = fn(&Corrupt) -> bool;
        let cases: Vec<(&str, Vec<u8>, Check)> = vec![
            ("LABELSST past the SST", label_sst(3, 0, 2), |c| {
                matches!(
                    c,
                    Corrupt::SstIndex {
                        index: 2,
                        unique: 2,
                        ..
                    }
                )
            }),
            ("rows reversed", dimensions((5, 2), (0, 1)), |c| {
                matches!(c, Corrupt::Dimensions { row_first: 5, .. })
            }),
            (
                "too many rows",
                dimensions((0, 1_468_570_764), (0, 1)),
                |c| matches!(c, Corrupt::Dimensions { .. }),
            ),
            ("too many columns", dimensions((0, 1), (0, 257)), |c| {
                matches!(c, Corrupt::Dimensions { col_end: 257, .. })
            }),
            (
                "DIMENSIONS of 12 bytes",
                record(RT_DIMENSIONS, &[0; 12]),
                |c| matches!(c, Corrupt::DimensionsLen { len: 12, .. }),
            ),
            (
                "MULRK with one cell too few",
                mul_cells(RT_MULRK, 6, 1, 3, 4),
                |c| {
                    matches!(
                        c,
                        Corrupt::CellRange {
                            name: RecordName::Mulrk,
                            first: 1,
                            last: 4,
                            ..
                        }
                    )
                },
            ),
            (
                "MULRK with a broken cell",
                record(RT_MULRK, &[0; 15]),
                |c| {
                    matches!(
                        c,
                        Corrupt::CellRange {
                            name: RecordName::Mulrk,
                            ..
                        }
                    )
                },
            ),
            (
                "MULBLANK ending before it starts",
                mul_cells(RT_MULBLANK, 2, 9, 1, 3),
                |c| {
                    matches!(
                        c,
                        Corrupt::CellRange {
                            name: RecordName::Mulblank,
                            ..
                        }
                    )
                },
            ),
            (
                "MULBLANK without cells",
                record(RT_MULBLANK, &[0; 6]),
                |c| {
                    matches!(
                        c,
                        Corrupt::TooShort {
                            name: RecordName::Mulblank,
                            min: 8,
                            ..
                        }
                    )
                },
            ),
            ("short FORMULA", record(RT_FORMULA, &[0; 20]), |c| {
                matches!(
                    c,
                    Corrupt::TooShort {
                        name: RecordName::Formula,
                        ..
                    }
                )
            }),
            (
                "FORMULA tokens past the record",
                formula(60_000, &[0x1E, 1, 0]),
                |c| {
                    matches!(
                        c,
                        Corrupt::Overrun {
                            name: RecordName::Formula,
                            need: 60_022,
                            len: 25,
                            ..
                        }
                    )
                },
            ),
            ("STRING longer than its record", string(9, "kurz"), |c| {
                matches!(
                    c,
                    Corrupt::Overrun {
                        name: RecordName::String,
                        need: 12,
                        len: 7,
                        ..
                    }
                )
            }),
            ("short LABELSST", record(RT_LABELSST, &[0; 8]), |c| {
                matches!(
                    c,
                    Corrupt::TooShort {
                        name: RecordName::Labelsst,
                        ..
                    }
                )
            }),
        ];
        for (name, bad, expected) in cases {
            let book = workbook(
                &[sst(&["a", "b"])],
                &[vec![label_sst(0, 0, 1)], vec![label_sst(0, 0, 0), bad]],
            );
            let result = check_records(&book);
            assert!(
                result.as_ref().err().is_some_and(expected),
                "{name}: {result:?}"
            );
            assert!(
                matches!(result, Err(ref c) if c.to_string().contains("Blatt 2 („Tabelle2“)")),
                "{name}: {result:?}"
            );
        }
    }

    #[test]
    fn nothing_is_checked_after_filepass() {
        let stream = [
            bof(5),
            record(RT_FILEPASS, &[1, 0, 1, 0, 1, 0]),
            boundsheet(999_999, "verschlüsselt"),
            record(RT_SST, &[0xFF; 12]),
        ]
        .concat();
        assert_eq!(check_records(&stream), Ok(()));
    }

    #[test]
    fn biff5_streams_are_read_as_biff5() {
        // BIFF5: no flag byte before a sheet name, no STRING check (BIFF5
        // writers store 0x0600 in the BOF of their sheets, as sheetjs's
        // 1904.biff5 does; calamine takes the version from the globals).
        let sheet = [bof(0x0010), string(9, "kurz"), eof()].concat();
        let mut name = vec![0u8; 4];
        name.extend([0, 0, 3]);
        name.extend(b"Mai");
        let head_len = 20 + 4 + name.len() + 4;
        put_u32(&mut name, 0, head_len as u32);
        let stream = [
            bof_version(0x0500, 5),
            record(RT_BOUNDSHEET, &name),
            eof(),
            sheet,
        ]
        .concat();
        assert_eq!(check_records(&stream), Ok(()));
        let mut broken = stream.clone();
        put_u32(&mut broken, 24, 4_000_000);
        assert_eq!(
            validate_stream(&broken),
            Err(
                "Excel-Datei beschädigt: Blatt 1 („Mai“) soll bei Byte 4000000 beginnen, \
                 der Workbook-Strom hat aber nur 73 Byte"
                    .into()
            )
        );
    }

    fn validate_stream(stream: &[u8]) -> Result<(), String> {
        check_records(stream).map_err(|c| c.to_string())
    }

    #[test]
    fn no_damaged_record_stream_panics() {
        let book = sound_book();
        for len in 0..book.len() {
            let _ = check_records(&book[..len]);
        }
        for at in 0..book.len() {
            for value in [0x00, 0x01, 0x7F, 0xFF] {
                let mut buf = book.clone();
                buf[at] = value;
                let _ = check_records(&buf);
            }
        }
    }
}
