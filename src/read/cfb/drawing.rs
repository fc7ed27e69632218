//! The drawing layer of the sheets ([MS-XLS] 2.4.168 MsoDrawing, [MS-ODRAW]
//! 2.1): calamine never reads it, so its damage is noted, not rejected.

use serde::{Deserialize, Serialize};

use crate::i18n::{t, Lang};

use super::records::{
    check_globals, record_at, walk_sheet, Place, Record, BIFF8_VERSION, RECORD_HEADER_LEN, RT_BOF,
    RT_CONTINUE,
};
use super::{le_u16, le_u32};

/// Notes about the drawing layer: one per sheet, at most this many.
const MAX_DRAWING_NOTES: usize = 8;

const RT_OBJ: u16 = 0x005D;
const RT_MSODRAWING: u16 = 0x00EC;
const RT_TXO: u16 = 0x01B6;
/// recVer, recInstance, recType and recLen of an OfficeArt record.
const ART_HEADER_LEN: usize = 8;
/// recVer of a container record.
const ART_CONTAINER: u16 = 0xF;
/// OfficeArt record types: 0xF000 to 0xF11F, and 0xF122.
const ART_TYPES: std::ops::RangeInclusive<u16> = 0xF000..=0xF11F;
const ART_TYPE_EXTRA: u16 = 0xF122;

/// Which record carried a piece of the drawing data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Carrier {
    MsoDrawing,
    Continue,
    /// A CONTINUE directly after an OBJ record, or after a TXO and its
    /// text: drawing data again (once the drawing is longer than one record,
    /// Excel goes on in CONTINUE records between the OBJ and TXO records of
    /// the shapes; POI reads them so).
    ContinueAfterObj,
    ContinueAfterTxo,
}

impl Carrier {
    fn dative(self, lang: Lang) -> &'static str {
        match self {
            Carrier::MsoDrawing => t(lang, "im MSODRAWING-Satz", "in the MSODRAWING record"),
            Carrier::Continue => t(lang, "im CONTINUE-Satz", "in the CONTINUE record"),
            Carrier::ContinueAfterObj => t(
                lang,
                "im CONTINUE-Satz nach OBJ",
                "in the CONTINUE record after OBJ",
            ),
            Carrier::ContinueAfterTxo => t(
                lang,
                "im CONTINUE-Satz nach TXO",
                "in the CONTINUE record after TXO",
            ),
        }
    }
}

/// The drawing data of one sheet: the bodies of its MSODRAWING records and
/// their CONTINUE records, joined, and where each piece came from.
#[derive(Default)]
struct Drawing {
    data: Vec<u8>,
    /// Offset in `data`, offset in the workbook stream, carrier.
    pieces: Vec<(usize, usize, Carrier)>,
}

/// What the previous records of the sheet were, for the CONTINUE that
/// follows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Chain {
    None,
    /// After MSODRAWING or a CONTINUE of drawing data.
    Drawing,
    /// After an OBJ record (`ContinueAfterObj`), or after a TXO and all its
    /// text (`ContinueAfterTxo`): a CONTINUE here is drawing data.
    Resume(Carrier),
    /// After a TXO: characters and bytes of formatting runs that its own
    /// CONTINUE records still have to bring.
    Text {
        chars: u32,
        runs: u32,
    },
}

impl Chain {
    /// The state after a TXO record: its `cchText` and `cbRuns`.
    fn text(txo: &[u8]) -> Self {
        Chain::Text {
            chars: u32::from(le_u16(txo, 10)),
            runs: u32::from(le_u16(txo, 12)),
        }
        .settled()
    }

    /// A TXO without text (left) is followed by drawing data, like an OBJ.
    fn settled(self) -> Self {
        match self {
            Chain::Text { chars: 0, runs: 0 } => Chain::Resume(Carrier::ContinueAfterTxo),
            other => other,
        }
    }

    /// Consumes a CONTINUE of a TXO: first the text (each piece a flag
    /// byte, then 8-bit or 16-bit characters), then the formatting runs.
    fn text_continued(chars: u32, runs: u32, body: &[u8]) -> Self {
        if chars > 0 {
            let width = if body.first().is_some_and(|flags| flags & 1 != 0) {
                2
            } else {
                1
            };
            let here = body.len().saturating_sub(1) / width;
            let here = u32::try_from(here).unwrap_or(u32::MAX);
            Chain::Text {
                chars: chars.saturating_sub(here),
                runs,
            }
        } else {
            let here = u32::try_from(body.len()).unwrap_or(u32::MAX);
            Chain::Text {
                chars,
                runs: runs.saturating_sub(here),
            }
        }
        .settled()
    }
}

/// What is broken in the OfficeArt records of a sheet's drawing layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrawingDamage {
    Type {
        typ: u16,
        carrier: Carrier,
        at: usize,
    },
    Length {
        typ: u16,
        carrier: Carrier,
        at: usize,
        len: u32,
        room: usize,
    },
    Header {
        carrier: Carrier,
        at: usize,
        room: usize,
    },
}

impl DrawingDamage {
    pub fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (DrawingDamage::Type { typ, carrier, at }, Lang::De) => format!(
                "Eintrag vom Typ 0x{typ:04X} {} bei Byte {at}",
                carrier.dative(lang)
            ),
            (DrawingDamage::Type { typ, carrier, at }, Lang::En) => format!(
                "entry of type 0x{typ:04X} {} at byte {at}",
                carrier.dative(lang)
            ),
            (
                DrawingDamage::Length {
                    typ,
                    carrier,
                    at,
                    len,
                    room,
                },
                Lang::De,
            ) => format!(
                "Eintrag vom Typ 0x{typ:04X} {} bei Byte {at} soll {len} Byte lang sein, es bleiben nur {room}",
                carrier.dative(lang)
            ),
            (
                DrawingDamage::Length {
                    typ,
                    carrier,
                    at,
                    len,
                    room,
                },
                Lang::En,
            ) => format!(
                "entry of type 0x{typ:04X} {} at byte {at} is said to be {len} bytes long, only {room} remain",
                carrier.dative(lang)
            ),
            (DrawingDamage::Header { carrier, at, room }, Lang::De) => format!(
                "Eintragskopf {} bei Byte {at} ist abgeschnitten ({room} von 8 Byte)",
                carrier.dative(lang)
            ),
            (DrawingDamage::Header { carrier, at, room }, Lang::En) => format!(
                "entry header {} at byte {at} is cut off ({room} of 8 bytes)",
                carrier.dative(lang)
            ),
        }
    }
}

impl std::fmt::Display for DrawingDamage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(Lang::De))
    }
}

impl Drawing {
    fn push(&mut self, record: &Record<'_>, carrier: Carrier) {
        self.pieces
            .push((self.data.len(), record.at + RECORD_HEADER_LEN, carrier));
        self.data.extend_from_slice(record.body);
    }

    /// Where byte `offset` of the drawing data lies in the workbook stream.
    fn locate(&self, offset: usize) -> (usize, Carrier) {
        let piece = self
            .pieces
            .iter()
            .rev()
            .find(|(start, ..)| *start <= offset)
            .or(self.pieces.first());
        piece.map_or((offset, Carrier::MsoDrawing), |&(start, at, carrier)| {
            (at + offset.saturating_sub(start), carrier)
        })
    }

    /// Walks the OfficeArt records: each header must be whole and name an
    /// OfficeArt type, each record must fit into its container (or the
    /// data), and containers nest.
    fn check(&self) -> Result<(), DrawingDamage> {
        let data = &self.data;
        // Ends of the open containers, innermost last.
        let mut open: Vec<usize> = Vec::new();
        let mut pos = 0usize;
        while pos < data.len() {
            while open.last().is_some_and(|&end| end <= pos) {
                open.pop();
            }
            let limit = open.last().copied().unwrap_or(data.len());
            let room = limit - pos;
            let (at, carrier) = self.locate(pos);
            let Some(header) = data
                .get(pos..pos + ART_HEADER_LEN)
                .filter(|_| room >= ART_HEADER_LEN)
            else {
                return Err(DrawingDamage::Header { carrier, at, room });
            };
            let ver = le_u16(header, 0) & 0xF;
            let typ = le_u16(header, 2);
            let len = le_u32(header, 4);
            if !ART_TYPES.contains(&typ) && typ != ART_TYPE_EXTRA {
                return Err(DrawingDamage::Type { typ, carrier, at });
            }
            let body_room = room - ART_HEADER_LEN;
            if len as usize > body_room {
                return Err(DrawingDamage::Length {
                    typ,
                    carrier,
                    at,
                    len,
                    room: body_room,
                });
            }
            let body_start = pos + ART_HEADER_LEN;
            if ver == ART_CONTAINER {
                open.push(body_start + len as usize);
                pos = body_start;
            } else {
                pos = body_start + len as usize;
            }
        }
        Ok(())
    }
}

/// Damage notes for the drawing layers of the sheets of a BIFF8 stream that
/// [`check_records`] accepted.
pub(super) fn drawing_damage(stream: &[u8]) -> Vec<(Place, DrawingDamage)> {
    let Ok(Some(first)) = record_at(stream, 0) else {
        return Vec::new();
    };
    if first.typ != RT_BOF || le_u16(first.body, 0) != BIFF8_VERSION {
        return Vec::new();
    }
    let Ok(Some(mut globals)) = check_globals(stream, true) else {
        return Vec::new();
    };
    let mut sheets = std::mem::take(&mut globals.sheets);
    sheets.sort_by_key(|(pos, _)| *pos);
    sheets.dedup_by_key(|(pos, _)| *pos);
    let mut notes = Vec::new();
    for (pos, sheet) in sheets {
        let mut drawing = Drawing::default();
        let mut chain = Chain::None;
        let walked = walk_sheet(stream, pos, &sheet, |record, depth| {
            if depth != 1 {
                return Ok(());
            }
            chain = match (record.typ, chain) {
                (RT_MSODRAWING, _) => {
                    drawing.push(record, Carrier::MsoDrawing);
                    Chain::Drawing
                }
                (RT_CONTINUE, Chain::Drawing) => {
                    drawing.push(record, Carrier::Continue);
                    Chain::Drawing
                }
                (RT_CONTINUE, Chain::Resume(carrier)) => {
                    drawing.push(record, carrier);
                    Chain::Drawing
                }
                (RT_CONTINUE, Chain::Text { chars, runs }) => {
                    Chain::text_continued(chars, runs, record.body)
                }
                (RT_OBJ, _) => Chain::Resume(Carrier::ContinueAfterObj),
                (RT_TXO, _) => Chain::text(record.body),
                _ => Chain::None,
            };
            Ok(())
        });
        if walked.is_err() {
            break;
        }
        if let Err(damage) = drawing.check() {
            notes.push((sheet, damage));
            if notes.len() >= MAX_DRAWING_NOTES {
                break;
            }
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::cfb::properties::check_property_set;
    use crate::read::cfb::records::check_records;
    use crate::read::cfb::testkit::*;

    /// An OfficeArt record: `ver` (0xF for a container), `typ`, its body.
    fn art(ver: u16, typ: u16, body: &[u8]) -> Vec<u8> {
        let len = body.len() as u32;
        [
            &ver.to_le_bytes()[..],
            &typ.to_le_bytes(),
            &len.to_le_bytes(),
            body,
        ]
        .concat()
    }

    /// A shape: Sp (with its id) and ClientData or ClientTextbox.
    fn shape(id: u8, anchor: u16) -> Vec<u8> {
        let sp = art(0x0A2, 0xF00A, &[id, 4, 0, 0, 0, 0x0A, 0, 0]);
        art(0xF, 0xF004, &[sp, art(0, anchor, &[])].concat())
    }

    /// The drawing of a sheet with four shapes, cut into the pieces the
    /// records carry: the head with the first shape, then one shape each.
    fn drawing_pieces() -> [Vec<u8>; 4] {
        let shapes = [
            shape(0x41, 0xF011),
            shape(0x42, 0xF00D),
            shape(0x43, 0xF011),
            shape(0x44, 0xF011),
        ];
        let dg = art(0x10, 0xF008, &[4, 0, 0, 0, 0x44, 4, 0, 0]);
        let all = art(
            0xF,
            0xF002,
            &[dg, art(0xF, 0xF003, &shapes.concat())].concat(),
        );
        let head = all.len() - shapes.iter().map(Vec::len).sum::<usize>();
        let [first, second, third, fourth] = shapes;
        [[&all[..head], &first[..]].concat(), second, third, fourth]
    }

    /// A sheet carrying `pieces`: MSODRAWING, OBJ, MSODRAWING (with a text
    /// box), TXO with its text and runs, CONTINUE (drawing again), OBJ,
    /// CONTINUE (drawing again), OBJ.
    fn drawing_sheet(pieces: &[Vec<u8>; 4]) -> Vec<Vec<u8>> {
        let mut txo = vec![0u8; 18];
        txo[10] = 3;
        txo[12] = 16;
        vec![
            dimensions((0, 1), (0, 1)),
            record(RT_MSODRAWING, &pieces[0]),
            record(RT_OBJ, &[0; 26]),
            record(RT_MSODRAWING, &pieces[1]),
            record(RT_TXO, &txo),
            record(RT_CONTINUE, b"\x00abc"),
            record(RT_CONTINUE, &[0; 16]),
            record(RT_CONTINUE, &pieces[2]),
            record(RT_OBJ, &[0; 26]),
            record(RT_CONTINUE, &pieces[3]),
            record(RT_OBJ, &[0; 26]),
            // An embedded chart has a drawing of its own, not checked here.
            bof(0x0020),
            record(RT_MSODRAWING, &[0xFF; 12]),
            eof(),
        ]
    }

    #[test]
    fn a_sound_drawing_has_no_notes() {
        let book = workbook(&[], &[sound_sheet(), drawing_sheet(&drawing_pieces())]);
        assert_eq!(check_records(&book), Ok(()));
        assert_eq!(drawing_damage(&book), vec![]);
        // The whole drawing in one MSODRAWING.
        let whole = record(RT_MSODRAWING, &drawing_pieces().concat());
        let book = workbook(&[], &[vec![whole, record(RT_OBJ, &[0; 26])]]);
        assert_eq!(drawing_damage(&book), vec![]);
        // BIFF5 has no OfficeArt drawings.
        let mut book = workbook(&[], &[vec![record(RT_MSODRAWING, &[0xFF; 12])]]);
        book[4] = 0x00;
        book[5] = 0x05;
        assert_eq!(drawing_damage(&book), vec![]);
    }

    #[test]
    fn a_damaged_drawing_is_noted() {
        let pieces = drawing_pieces();
        let sound = workbook(&[], &[drawing_sheet(&pieces)]);
        let piece = |n: usize| find(&sound, &pieces[n]);
        let note = |book: &[u8]| {
            let notes = drawing_damage(book);
            assert_eq!(check_records(book), Ok(()), "{notes:?}");
            notes
                .into_iter()
                .map(|(place, problem)| {
                    crate::read::cfb::OleNote::Drawing { place, problem }.describe(Lang::De)
                })
                .collect::<Vec<_>>()
        };
        let prefix = "Zeichnungsebene in Blatt 1 („Tabelle1“) beschädigt: ";
        // The Sp of the fourth shape (after OBJ) gets type 0x0000.
        let mut book = sound.clone();
        let at = piece(3) + 8;
        book[at + 2..at + 4].fill(0);
        assert_eq!(
            note(&book),
            vec![format!(
                "{prefix}Eintrag vom Typ 0x0000 im CONTINUE-Satz nach OBJ bei Byte {at}"
            )]
        );
        // The Sp of the third shape (after TXO) gets type 0x1234.
        let mut book = sound.clone();
        let at = piece(2) + 8;
        book[at + 2..at + 4].copy_from_slice(&[0x34, 0x12]);
        assert_eq!(
            note(&book),
            vec![format!(
                "{prefix}Eintrag vom Typ 0x1234 im CONTINUE-Satz nach TXO bei Byte {at}"
            )]
        );
        // The Sp of the second shape claims more than its container holds.
        let mut book = sound.clone();
        let at = piece(1) + 8;
        put_u32(&mut book, at + 4, 4096);
        assert_eq!(
            note(&book),
            vec![format!(
                "{prefix}Eintrag vom Typ 0xF00A im MSODRAWING-Satz bei Byte {at} soll 4096 Byte lang sein, es bleiben nur 16"
            )]
        );
        // Four bytes after the drawing: no room for a record header.
        let mut sheet = drawing_sheet(&pieces);
        sheet.insert(11, record(RT_MSODRAWING, &[0xF0; 4]));
        let book = workbook(&[], &[sheet]);
        let at = find(&book, &[0xF0; 4]);
        assert_eq!(
            note(&book),
            vec![format!(
                "{prefix}Eintragskopf im MSODRAWING-Satz bei Byte {at} ist abgeschnitten (4 von 8 Byte)"
            )]
        );
        // Text of a TXO is not drawing data, even when it looks like garbage;
        // a CONTINUE after the last run is.
        let mut sheet = drawing_sheet(&pieces);
        sheet[5] = record(RT_CONTINUE, &[0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        assert_eq!(drawing_damage(&workbook(&[], &[sheet])), vec![]);
    }

    #[test]
    fn no_damaged_drawing_panics() {
        let book = workbook(&[], &[drawing_sheet(&drawing_pieces())]);
        for len in 0..book.len() {
            let _ = drawing_damage(&book[..len]);
        }
        for at in 0..book.len() {
            for value in [0x00, 0x01, 0x0F, 0x7F, 0xF0, 0xFF] {
                let mut buf = book.clone();
                buf[at] = value;
                let _ = drawing_damage(&buf);
            }
        }
        let stream = sound_properties();
        for at in 0..stream.len() {
            for value in [0x00, 0x01, 0x7F, 0xFF] {
                let mut buf = stream.clone();
                buf[at] = value;
                let _ = check_property_set(&buf);
            }
        }
    }
}
