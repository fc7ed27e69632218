//! Property-set streams (`\x05SummaryInformation` and the like, [MS-OLEPS]
//! 2.20, 2.21): calamine never reads them, so their damage is noted, not
//! rejected.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

use super::{le_u16, le_u32};

/// ByteOrder, Version, SystemIdentifier, CLSID, NumPropertySets.
const PROPERTY_SET_HEADER_LEN: usize = 28;
/// FMTID and Offset of one section.
const SECTION_ENTRY_LEN: usize = 20;
/// [MS-OLEPS]: a property set stream has one or two sections.
const MAX_SECTIONS: u32 = 2;
/// Writers miscount the padding at the end of the last section: its size may
/// reach past the end of the stream (`poi__NoGutsRecords.xls` by 4 bytes).
/// Less than a mini sector is tolerated; the section is cut to the stream.
const SECTION_OVERHANG: u64 = 64;
const PROPERTY_BYTE_ORDER: u16 = 0xFFFE;
const PID_DICTIONARY: u32 = 0;

const VT_BSTR: u16 = 0x0008;
pub(super) const VT_LPSTR: u16 = 0x001E;
pub(super) const VT_LPWSTR: u16 = 0x001F;
const VT_BLOB: u16 = 0x0041;
const VT_CF: u16 = 0x0047;
const VT_VECTOR: u16 = 0x1000;

/// Why the frame of a property-set stream is broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertyDamage {
    TooShort(usize),
    ByteOrder(u16),
    Version(u16),
    Sections(u32),
    SectionTable(usize),
    SectionPastEnd {
        number: usize,
        offset: u32,
        len: usize,
    },
    SectionSize {
        number: usize,
        size: u32,
        room: u64,
    },
    Properties {
        count: u32,
        size: usize,
    },
    PropertyOffset {
        id: u32,
        offset: u32,
        size: usize,
    },
    StringLength {
        id: u32,
        len: u32,
    },
    DataLength {
        id: u32,
        len: u32,
    },
    VectorCount {
        id: u32,
        count: u32,
    },
    Dictionary(u32),
}

impl PropertyDamage {
    pub fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (PropertyDamage::TooShort(n), Lang::De) => {
                format!("nur {n} Byte, schon der Kopf braucht 28")
            }
            (PropertyDamage::TooShort(n), Lang::En) => {
                format!("only {n} bytes, the header alone needs 28")
            }
            (PropertyDamage::ByteOrder(b), Lang::De) => {
                format!("falsche Byte-Reihenfolge 0x{b:04X}")
            }
            (PropertyDamage::ByteOrder(b), Lang::En) => format!("wrong byte order 0x{b:04X}"),
            (PropertyDamage::Version(v), Lang::De) => format!("unbekannte Version {v}"),
            (PropertyDamage::Version(v), Lang::En) => format!("unknown version {v}"),
            (PropertyDamage::Sections(n), Lang::De) => {
                format!("{n} Abschnitte angegeben, erlaubt sind höchstens 2")
            }
            (PropertyDamage::Sections(n), Lang::En) => {
                format!("{n} sections declared, at most 2 are allowed")
            }
            (PropertyDamage::SectionTable(n), Lang::De) => format!(
                "die Abschnittstabelle reicht über das Ende des Stroms ({n} Byte) hinaus"
            ),
            (PropertyDamage::SectionTable(n), Lang::En) => format!(
                "the section table reaches past the end of the stream ({n} bytes)"
            ),
            (
                PropertyDamage::SectionPastEnd {
                    number,
                    offset,
                    len,
                },
                Lang::De,
            ) => format!(
                "Abschnitt {number} soll bei Byte {offset} beginnen, der Strom hat nur {len} Byte"
            ),
            (
                PropertyDamage::SectionPastEnd {
                    number,
                    offset,
                    len,
                },
                Lang::En,
            ) => format!(
                "section {number} is said to begin at byte {offset}, the stream has only {len} bytes"
            ),
            (PropertyDamage::SectionSize { number, size, room }, Lang::De) => {
                format!("Abschnitt {number} soll {size} Byte groß sein, es bleiben nur {room}")
            }
            (PropertyDamage::SectionSize { number, size, room }, Lang::En) => {
                format!("section {number} is said to be {size} bytes, only {room} remain")
            }
            (PropertyDamage::Properties { count, size }, Lang::De) => {
                format!("{count} Eigenschaften passen nicht in einen Abschnitt von {size} Byte")
            }
            (PropertyDamage::Properties { count, size }, Lang::En) => {
                format!("{count} properties do not fit into a section of {size} bytes")
            }
            (PropertyDamage::PropertyOffset { id, offset, size }, Lang::De) => format!(
                "Eigenschaft {id} soll bei Byte {offset} des Abschnitts stehen, der nur {size} Byte hat"
            ),
            (PropertyDamage::PropertyOffset { id, offset, size }, Lang::En) => format!(
                "property {id} is said to stand at byte {offset} of the section, which has only {size} bytes"
            ),
            (PropertyDamage::StringLength { id, len }, Lang::De) => {
                format!("Textlänge {len} größer als der Abschnitt (Eigenschaft {id})")
            }
            (PropertyDamage::StringLength { id, len }, Lang::En) => {
                format!("text length {len} larger than the section (property {id})")
            }
            (PropertyDamage::DataLength { id, len }, Lang::De) => {
                format!("Datenlänge {len} größer als der Abschnitt (Eigenschaft {id})")
            }
            (PropertyDamage::DataLength { id, len }, Lang::En) => {
                format!("data length {len} larger than the section (property {id})")
            }
            (PropertyDamage::VectorCount { id, count }, Lang::De) => {
                format!("Liste mit {count} Elementen größer als der Abschnitt (Eigenschaft {id})")
            }
            (PropertyDamage::VectorCount { id, count }, Lang::En) => {
                format!("list of {count} elements larger than the section (property {id})")
            }
            (PropertyDamage::Dictionary(n), Lang::De) => {
                format!("Wörterbuch mit {n} Einträgen größer als der Abschnitt")
            }
            (PropertyDamage::Dictionary(n), Lang::En) => {
                format!("dictionary of {n} entries larger than the section")
            }
        }
    }
}

impl std::fmt::Display for PropertyDamage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(Lang::De))
    }
}

/// Checks the frame of a property-set stream: header, section table, each
/// section's size and property table, and the lengths of strings, blobs and
/// vectors, which must fit into their section. Values are not interpreted.
pub(super) fn check_property_set(stream: &[u8]) -> Result<(), PropertyDamage> {
    if stream.len() < PROPERTY_SET_HEADER_LEN {
        return Err(PropertyDamage::TooShort(stream.len()));
    }
    let order = le_u16(stream, 0);
    if order != PROPERTY_BYTE_ORDER {
        return Err(PropertyDamage::ByteOrder(order));
    }
    let version = le_u16(stream, 2);
    if version > 1 {
        return Err(PropertyDamage::Version(version));
    }
    let count = le_u32(stream, 24);
    if count > MAX_SECTIONS {
        return Err(PropertyDamage::Sections(count));
    }
    // `count` is at most 2.
    let table_end = PROPERTY_SET_HEADER_LEN + SECTION_ENTRY_LEN * count as usize;
    if table_end > stream.len() {
        return Err(PropertyDamage::SectionTable(stream.len()));
    }
    for number in 1..=count as usize {
        let entry = PROPERTY_SET_HEADER_LEN + SECTION_ENTRY_LEN * (number - 1);
        let offset = le_u32(stream, entry + 16);
        let Some(rest) = stream.get(offset as usize..).filter(|r| r.len() >= 8) else {
            return Err(PropertyDamage::SectionPastEnd {
                number,
                offset,
                len: stream.len(),
            });
        };
        let size = le_u32(rest, 0);
        let room = rest.len() as u64;
        if u64::from(size) > room.saturating_add(SECTION_OVERHANG) {
            return Err(PropertyDamage::SectionSize { number, size, room });
        }
        let section = rest.get(..size as usize).unwrap_or(rest);
        check_section(section)?;
    }
    Ok(())
}

/// One section: Size, NumProperties, the (id, offset) table, the values.
fn check_section(section: &[u8]) -> Result<(), PropertyDamage> {
    let size = section.len();
    let count = le_u32(section, 4);
    let table = u64::from(count).saturating_mul(8).saturating_add(8);
    if size < 8 || table > size as u64 {
        return Err(PropertyDamage::Properties { count, size });
    }
    // `table` fits into the section, so `count` is bounded by its size.
    // Writers overstate the count by one (`calamine__biff5-rich-text-string.xls`):
    // the table ends where the first value begins.
    let mut values = Vec::new();
    let mut first_value = size;
    for i in 0..count as usize {
        let entry = 8 + 8 * i;
        if entry + 8 > first_value {
            break;
        }
        let id = le_u32(section, entry);
        let offset = le_u32(section, entry + 4);
        // Every value starts with at least four bytes (type and padding, or
        // the dictionary's entry count).
        if u64::from(offset).saturating_add(4) > size as u64 {
            return Err(PropertyDamage::PropertyOffset { id, offset, size });
        }
        first_value = first_value.min(offset as usize);
        values.push((id, offset as usize));
    }
    for (id, offset) in values {
        check_value(section, id, offset)?;
    }
    Ok(())
}

/// The lengths a value declares must fit into the rest of its section.
fn check_value(section: &[u8], id: u32, offset: usize) -> Result<(), PropertyDamage> {
    // After the 4-byte header (type and padding, or the entry count).
    let room = section.len().saturating_sub(offset).saturating_sub(4) as u64;
    if id == PID_DICTIONARY {
        // Entries of PropertyIdentifier and Length, then the name.
        let entries = le_u32(section, offset);
        if u64::from(entries).saturating_mul(8) > room {
            return Err(PropertyDamage::Dictionary(entries));
        }
        return Ok(());
    }
    let typ = le_u16(section, offset);
    // The 4-byte length or count that follows the type, if there is room.
    let Some(len) = section
        .get(offset + 4..offset + 8)
        .map(|_| le_u32(section, offset + 4))
    else {
        return Ok(());
    };
    let after = room.saturating_sub(4);
    match typ {
        VT_LPSTR | VT_BSTR if u64::from(len) > after => {
            Err(PropertyDamage::StringLength { id, len })
        }
        VT_LPWSTR if u64::from(len).saturating_mul(2) > after => {
            Err(PropertyDamage::StringLength { id, len })
        }
        VT_BLOB | VT_CF if u64::from(len) > after => Err(PropertyDamage::DataLength { id, len }),
        typ if typ & VT_VECTOR != 0 => {
            let element = vector_element_len(typ & !VT_VECTOR);
            if u64::from(len).saturating_mul(element) > after {
                return Err(PropertyDamage::VectorCount { id, count: len });
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The fewest bytes one element of a vector of `base` can take.
fn vector_element_len(base: u16) -> u64 {
    match base {
        // VT_I2, VT_BOOL, VT_UI2
        0x0002 | 0x000B | 0x0012 => 2,
        // VT_I4, VT_R4, VT_ERROR, VT_UI4, VT_BSTR, VT_VARIANT, VT_LPSTR,
        // VT_LPWSTR, VT_CF (each at least a 4-byte header or value)
        0x0003 | 0x0004 | 0x000A | 0x0013 | 0x0008 | 0x000C | 0x001E | 0x001F | 0x0047 => 4,
        // VT_R8, VT_CY, VT_DATE, VT_I8, VT_UI8, VT_FILETIME
        0x0005 | 0x0006 | 0x0007 | 0x0014 | 0x0015 | 0x0040 => 8,
        // VT_CLSID
        0x0048 => 16,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::cfb::testkit::*;

    #[test]
    fn a_sound_property_set_passes() {
        let stream = sound_properties();
        assert_eq!(check_property_set(&stream), Ok(()));
        // No sections at all, a header only: nothing to contradict.
        let empty = [&stream[..24], &[0; 4]].concat();
        assert_eq!(check_property_set(&empty), Ok(()));
        // The last section a few bytes longer than the stream
        // (poi__NoGutsRecords.xls, poi-fuzz.xls's SummaryInformation).
        let mut long = stream.clone();
        let size = le_u32(&long, 48);
        put_u32(&mut long, 48, size + 4);
        assert_eq!(check_property_set(&long), Ok(()));
        // One property more counted than the table holds: the table ends at
        // the first value (calamine__biff5-rich-text-string.xls).
        let mut overcounted = stream.clone();
        put_u32(&mut overcounted, 52, 5);
        assert_eq!(check_property_set(&overcounted), Ok(()));
    }

    #[test]
    fn a_damaged_property_set_is_named_by_its_damage() {
        type Edit = fn(&mut Vec<u8>);
        let cases: [(&str, Edit, PropertyDamage); 12] = [
            (
                "too short",
                |s| s.truncate(20),
                PropertyDamage::TooShort(20),
            ),
            (
                "byte order",
                |s| s[0] = 0xFF,
                PropertyDamage::ByteOrder(0xFFFF),
            ),
            ("version", |s| s[2] = 7, PropertyDamage::Version(7)),
            (
                "sections",
                |s| put_u32(s, 24, 0x0100_0001),
                PropertyDamage::Sections(0x0100_0001),
            ),
            (
                "section table cut",
                |s| {
                    put_u32(s, 24, 2);
                    s.truncate(60);
                },
                PropertyDamage::SectionTable(60),
            ),
            (
                "section past the end",
                |s| put_u32(s, 44, 5000),
                PropertyDamage::SectionPastEnd {
                    number: 1,
                    offset: 5000,
                    len: 144,
                },
            ),
            (
                "section too large",
                |s| put_u32(s, 48, 0x0100_0000),
                PropertyDamage::SectionSize {
                    number: 1,
                    size: 0x0100_0000,
                    room: 96,
                },
            ),
            (
                "too many properties",
                |s| put_u32(s, 52, 0x4000_0000),
                PropertyDamage::Properties {
                    count: 0x4000_0000,
                    size: 96,
                },
            ),
            (
                "property offset past the section",
                |s| put_u32(s, 60, 94),
                PropertyDamage::PropertyOffset {
                    id: 1,
                    offset: 94,
                    size: 96,
                },
            ),
            (
                "8-bit string too long",
                |s| {
                    let at = property_value(s, 2);
                    put_u32(s, at + 4, 0x8000_0022);
                },
                PropertyDamage::StringLength {
                    id: 2,
                    len: 0x8000_0022,
                },
            ),
            (
                "UTF-16 string too long",
                |s| {
                    let at = property_value(s, 3);
                    put_u32(s, at + 4, 40);
                },
                PropertyDamage::StringLength { id: 15, len: 40 },
            ),
            (
                "vector too long",
                |s| {
                    let at = property_value(s, 4);
                    put_u32(s, at + 4, 3);
                },
                PropertyDamage::VectorCount { id: 16, count: 3 },
            ),
        ];
        for (name, edit, expected) in cases {
            let mut stream = sound_properties();
            assert_eq!(stream.len(), 144, "the cases assume this layout");
            edit(&mut stream);
            assert_eq!(check_property_set(&stream), Err(expected), "{name}");
        }
        // The dictionary (property 0) has a count of 8-byte entries.
        let stream = property_set(&[(0, 0x1000_0000u32.to_le_bytes().to_vec())]);
        assert_eq!(
            check_property_set(&stream),
            Err(PropertyDamage::Dictionary(0x1000_0000))
        );
    }
}
