//! Byte builders for the tests of the parts: containers, record streams,
//! property sets.

use super::container::{END_OF_CHAIN, FAT_SECTOR, FREE_SECTOR, MAGIC};
use super::le_u32;
use super::properties::{VT_LPSTR, VT_LPWSTR};
use super::records::{
    BIFF8_VERSION, RT_BOF, RT_BOUNDSHEET, RT_CONTINUE, RT_DIMENSIONS, RT_EOF, RT_FORMULA,
    RT_LABELSST, RT_MULBLANK, RT_MULRK, RT_SST, RT_STRING,
};

pub(super) const SECTOR: usize = 512;

pub(super) fn put_u32(buf: &mut [u8], at: usize, value: u32) {
    buf[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

pub(super) fn put_entry(buf: &mut [u8], at: usize, name: &str, kind: u8, start: u32, size: u32) {
    let units: Vec<u16> = name.encode_utf16().collect();
    buf[at..at + 64].fill(0);
    for (i, u) in units.iter().enumerate() {
        buf[at + 2 * i..at + 2 * i + 2].copy_from_slice(&u.to_le_bytes());
    }
    buf[at + 64..at + 66].copy_from_slice(&((units.len() as u16 + 1) * 2).to_le_bytes());
    buf[at + 66] = kind;
    put_u32(buf, at + 116, start);
    put_u32(buf, at + 120, size);
}

/// Offset of sector `id` in the file.
pub(super) fn sector(id: usize) -> usize {
    (id + 1) * SECTOR
}

/// Offset of FAT entry `id` (the FAT is sector 0).
pub(super) fn fat(id: usize) -> usize {
    sector(0) + 4 * id
}

/// A minimal version 3 container: sector 0 is the FAT, sector 1 the
/// directory (root entry, "Workbook"), sectors 2–9 the 4096-byte workbook.
pub(super) fn container() -> Vec<u8> {
    let mut buf = vec![0u8; sector(10)];
    buf[..8].copy_from_slice(&MAGIC);
    buf[24..34].copy_from_slice(&[0x3E, 0, 3, 0, 0xFE, 0xFF, 9, 0, 6, 0]);
    put_u32(&mut buf, 44, 1);
    put_u32(&mut buf, 48, 1);
    put_u32(&mut buf, 56, 4096);
    put_u32(&mut buf, 60, END_OF_CHAIN);
    put_u32(&mut buf, 68, END_OF_CHAIN);
    put_u32(&mut buf, 76, 0);
    for i in 1..109 {
        put_u32(&mut buf, 76 + 4 * i, FREE_SECTOR);
    }
    for i in 0..SECTOR / 4 {
        put_u32(&mut buf, fat(i), FREE_SECTOR);
    }
    put_u32(&mut buf, fat(0), FAT_SECTOR);
    put_u32(&mut buf, fat(1), END_OF_CHAIN);
    for i in 2..9 {
        put_u32(&mut buf, fat(i), i as u32 + 1);
    }
    put_u32(&mut buf, fat(9), END_OF_CHAIN);
    put_entry(&mut buf, sector(1), "Root Entry", 5, END_OF_CHAIN, 0);
    put_entry(&mut buf, sector(1) + 128, "Workbook", 2, 2, 4096);
    let stream = minimal_stream();
    buf[sector(2)..sector(2) + stream.len()].copy_from_slice(&stream);
    buf
}

/// The smallest sound record stream: the globals, BOF and EOF.
pub(super) fn minimal_stream() -> Vec<u8> {
    [bof(0x0005), record(RT_EOF, &[])].concat()
}

/// Like `container`, but the 100-byte workbook lives in the mini stream:
/// sector 2 is the mini FAT, sector 3 the mini stream (mini sectors 0 and 1).
pub(super) fn mini_container() -> Vec<u8> {
    let mut buf = container();
    buf.truncate(sector(4));
    put_u32(&mut buf, 60, 2);
    put_u32(&mut buf, 64, 1);
    put_u32(&mut buf, fat(2), END_OF_CHAIN);
    put_u32(&mut buf, fat(3), END_OF_CHAIN);
    for i in 4..10 {
        put_u32(&mut buf, fat(i), FREE_SECTOR);
    }
    for i in 0..SECTOR / 4 {
        put_u32(&mut buf, sector(2) + 4 * i, FREE_SECTOR);
    }
    put_u32(&mut buf, sector(2), 1);
    put_u32(&mut buf, sector(2) + 4, END_OF_CHAIN);
    put_entry(&mut buf, sector(1), "Root Entry", 5, 3, 512);
    put_entry(&mut buf, sector(1) + 128, "Workbook", 2, 0, 100);
    buf[sector(3)..sector(4)].fill(0);
    let stream = minimal_stream();
    buf[sector(3)..sector(3) + stream.len()].copy_from_slice(&stream);
    buf
}

pub(super) fn record(typ: u16, body: &[u8]) -> Vec<u8> {
    let len = u16::try_from(body.len()).expect("record body fits a u16");
    [&typ.to_le_bytes()[..], &len.to_le_bytes(), body].concat()
}

/// A BIFF8 BOF: `dt` 0x0005 globals, 0x0010 worksheet, 0x0020 chart.
pub(super) fn bof(dt: u16) -> Vec<u8> {
    bof_version(BIFF8_VERSION, dt)
}

pub(super) fn bof_version(version: u16, dt: u16) -> Vec<u8> {
    let mut body = vec![0u8; 16];
    body[..2].copy_from_slice(&version.to_le_bytes());
    body[2..4].copy_from_slice(&dt.to_le_bytes());
    record(RT_BOF, &body)
}

pub(super) fn eof() -> Vec<u8> {
    record(RT_EOF, &[])
}

/// A BIFF8 BOUNDSHEET with an 8-bit name.
pub(super) fn boundsheet(pos: u32, name: &str) -> Vec<u8> {
    let cch = u8::try_from(name.len()).expect("short name");
    let body = [&pos.to_le_bytes()[..], &[0, 0, cch, 0], name.as_bytes()].concat();
    record(RT_BOUNDSHEET, &body)
}

/// The body of an SST: counts, then 8-bit strings.
pub(super) fn sst_body(unique: u32, strings: &[&str]) -> Vec<u8> {
    let mut body = [unique.to_le_bytes(), unique.to_le_bytes()].concat();
    for s in strings {
        body.extend((s.len() as u16).to_le_bytes());
        body.push(0);
        body.extend(s.as_bytes());
    }
    body
}

pub(super) fn sst(strings: &[&str]) -> Vec<u8> {
    record(RT_SST, &sst_body(strings.len() as u32, strings))
}

pub(super) fn dimensions(rows: (u32, u32), cols: (u16, u16)) -> Vec<u8> {
    let body = [
        &rows.0.to_le_bytes()[..],
        &rows.1.to_le_bytes(),
        &cols.0.to_le_bytes(),
        &cols.1.to_le_bytes(),
        &[0, 0],
    ]
    .concat();
    record(RT_DIMENSIONS, &body)
}

pub(super) fn label_sst(row: u16, col: u16, index: u32) -> Vec<u8> {
    let body = [
        &row.to_le_bytes()[..],
        &col.to_le_bytes(),
        &[15, 0],
        &index.to_le_bytes(),
    ]
    .concat();
    record(RT_LABELSST, &body)
}

/// MULRK (`cell` = 6) or MULBLANK (`cell` = 2) with `n` cells from
/// `first`, its last column written as `last`.
pub(super) fn mul_cells(typ: u16, cell: usize, first: u16, n: usize, last: u16) -> Vec<u8> {
    let mut body = [0u16.to_le_bytes(), first.to_le_bytes()].concat();
    body.extend(std::iter::repeat_n(0u8, n * cell));
    body.extend(last.to_le_bytes());
    record(typ, &body)
}

/// FORMULA with `rgce` and a declared token length `cce`.
pub(super) fn formula(cce: u16, rgce: &[u8]) -> Vec<u8> {
    let mut body = vec![0u8; 20];
    body.extend(cce.to_le_bytes());
    body.extend(rgce);
    record(RT_FORMULA, &body)
}

/// STRING (BIFF8, 8-bit characters) declaring `cch` characters.
pub(super) fn string(cch: u16, text: &str) -> Vec<u8> {
    let body = [&cch.to_le_bytes()[..], &[0], text.as_bytes()].concat();
    record(RT_STRING, &body)
}

/// A BIFF8 workbook stream: the globals (BOF, `globals`, one BOUNDSHEET
/// per sheet, EOF), then each sheet as BOF, its records, EOF.
pub(super) fn workbook(globals: &[Vec<u8>], sheets: &[Vec<Vec<u8>>]) -> Vec<u8> {
    let names: Vec<String> = (1..=sheets.len()).map(|i| format!("Tabelle{i}")).collect();
    let bodies: Vec<Vec<u8>> = sheets
        .iter()
        .map(|records| [bof(0x0010), records.concat(), eof()].concat())
        .collect();
    let mut head = [bof(0x0005), globals.concat()].concat();
    let mut pos = head.len() + names.iter().map(|n| 12 + n.len()).sum::<usize>() + 4;
    for (name, body) in names.iter().zip(&bodies) {
        head.extend(boundsheet(pos as u32, name));
        pos += body.len();
    }
    [head, eof(), bodies.concat()].concat()
}

pub(super) fn sound_sheet() -> Vec<Vec<u8>> {
    vec![
        dimensions((0, 4), (0, 5)),
        label_sst(0, 0, 1),
        mul_cells(RT_MULRK, 6, 0, 3, 2),
        mul_cells(RT_MULBLANK, 2, 1, 4, 4),
        formula(3, &[0x1E, 0x01, 0x00]),
        string(5, "Summe"),
        // A long string goes on in a CONTINUE record.
        string(10, "Summe"),
        record(RT_CONTINUE, b"\x00nicht"),
        // An embedded chart nests its own substream; calamine skips it.
        bof(0x0020),
        mul_cells(RT_MULBLANK, 2, 5, 1, 0),
        eof(),
        record(0x023E, &[0; 18]),
    ]
}

pub(super) fn sound_book() -> Vec<u8> {
    workbook(
        &[record(0x0042, &[0xE4, 0x04]), sst(&["a", "bc"])],
        &[sound_sheet(), vec![label_sst(0, 0, 0)]],
    )
}

/// Offset of the first occurrence of `needle` in `haystack`.
pub(super) fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("needle present")
}

/// A property value: the 4-byte type header, then `value`, padded to 4.
pub(super) fn value(typ: u16, value: &[u8]) -> Vec<u8> {
    let mut out = [&typ.to_le_bytes()[..], &[0, 0], value].concat();
    out.resize(out.len().div_ceil(4) * 4, 0);
    out
}

/// A VT_LPSTR value declaring `len` bytes and holding `text`.
pub(super) fn lpstr(len: u32, text: &[u8]) -> Vec<u8> {
    value(VT_LPSTR, &[&len.to_le_bytes()[..], text].concat())
}

/// A property-set stream with one section holding `properties`.
pub(super) fn property_set(properties: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let table_len = 8 + 8 * properties.len();
    let mut table = Vec::new();
    let mut values: Vec<u8> = Vec::new();
    for (id, data) in properties {
        table.extend(id.to_le_bytes());
        table.extend(((table_len + values.len()) as u32).to_le_bytes());
        values.extend(data);
    }
    let size = (table_len + values.len()) as u32;
    let mut stream = vec![0xFE, 0xFF, 0, 0, 5, 2, 2, 0];
    stream.extend([0u8; 16]);
    stream.extend(1u32.to_le_bytes());
    stream.extend([0x02, 0xD5, 0xCD, 0xD5, 0x9C, 0x2E, 0x1B, 0x10]);
    stream.extend([0x93, 0x97, 0x08, 0x00, 0x2B, 0x2C, 0xF9, 0xAE]);
    stream.extend(48u32.to_le_bytes());
    stream.extend(size.to_le_bytes());
    stream.extend((properties.len() as u32).to_le_bytes());
    stream.extend(table);
    stream.extend(values);
    stream
}

/// Codepage 1252, a title, a company name in UTF-16, a vector of two
/// 32-bit numbers.
pub(super) fn sound_properties() -> Vec<u8> {
    let wide: Vec<u8> = "Amt\0".encode_utf16().flat_map(u16::to_le_bytes).collect();
    property_set(&[
        (1, value(0x0002, &1252u16.to_le_bytes())),
        (2, lpstr(6, b"Titel\0")),
        (
            15,
            value(VT_LPWSTR, &[&4u32.to_le_bytes()[..], &wide].concat()),
        ),
        (
            16,
            value(
                0x1003,
                &[2u32.to_le_bytes(), 7u32.to_le_bytes(), 9u32.to_le_bytes()].concat(),
            ),
        ),
    ])
}

/// Offset of the value of the `number`th property (1-based) in
/// `sound_properties()`, from the stream start.
pub(super) fn property_value(stream: &[u8], number: usize) -> usize {
    48 + le_u32(stream, 48 + 8 + 8 * (number - 1) + 4) as usize
}
