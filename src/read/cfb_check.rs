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

use thiserror::Error;

const MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const HEADER_LEN: usize = 512;
/// The byte-order mark `FFFE` as stored (little-endian).
const BYTE_ORDER_MARK: [u8; 2] = [0xFE, 0xFF];
/// Sector numbers above this one are markers, not sectors.
const MAX_REGULAR_SECTOR: u32 = 0xFFFF_FFFA;
const DIFAT_SECTOR: u32 = 0xFFFF_FFFC;
const FAT_SECTOR: u32 = 0xFFFF_FFFD;
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
const FREE_SECTOR: u32 = 0xFFFF_FFFF;
const DIR_ENTRY_LEN: usize = 128;
const MINI_SECTOR_LEN: usize = 64;
/// Streams shorter than this live in the mini stream. calamine uses the fixed
/// value, not the header field, so we do too.
const MINI_STREAM_CUTOFF: u64 = 4096;
const WORKBOOK_NAMES: [&str; 2] = ["Workbook", "Book"];

/// Checks the structure of a CFB container: header, FAT (via the DIFAT, with loop
/// detection), the directory chain, and the sector chain of the workbook stream.
pub fn validate(bytes: &[u8]) -> Result<(), String> {
    check(bytes).map_err(|damage| damage.to_string())
}

/// The parts of a container that own sectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Difat,
    Fat,
    Directory,
    MiniFat,
    MiniStream,
    Workbook,
}

impl Part {
    fn genitive(self) -> &'static str {
        match self {
            Part::Difat => "der DIFAT",
            Part::Fat => "der FAT",
            Part::Directory => "des Verzeichnisses",
            Part::MiniFat => "der Mini-FAT",
            Part::MiniStream => "des Mini-Streams",
            Part::Workbook => "des Workbook-Stroms",
        }
    }
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Part::Difat => "DIFAT",
            Part::Fat => "FAT",
            Part::Directory => "Verzeichnis",
            Part::MiniFat => "Mini-FAT",
            Part::MiniStream => "Mini-Stream",
            Part::Workbook => "Workbook-Strom",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
enum Damage {
    #[error("OLE-Container beschädigt: nur {0} Byte, schon der Kopf braucht 512")]
    TooSmall(usize),
    #[error("OLE-Container beschädigt: falsche Signatur")]
    Signature,
    #[error("OLE-Container beschädigt: falsche Byte-Reihenfolge")]
    ByteOrder,
    #[error("OLE-Container beschädigt: ungültige Sektorgröße 2^{0}")]
    SectorShift(u16),
    #[error("OLE-Container beschädigt: ungültige Mini-Sektorgröße 2^{0}")]
    MiniSectorShift(u16),
    #[error("OLE-Container beschädigt: Sektor {0} liegt hinter dem Dateiende")]
    PastEnd(u32),
    #[error("OLE-Container beschädigt: Sektor {0} ist abgeschnitten")]
    Truncated(u32),
    #[error(
        "OLE-Container beschädigt: Sektor {sector} wird doppelt verwendet ({first} und {second})"
    )]
    Shared {
        sector: u32,
        first: Part,
        second: Part,
    },
    #[error("OLE-Container beschädigt: Sektor {0} steht mehrfach in der DIFAT")]
    ListedTwice(u32),
    #[error("OLE-Container beschädigt: Sektorkette {} läuft im Kreis", .0.genitive())]
    Loop(Part),
    #[error("OLE-Container beschädigt: Sektorkette {} führt in einen freien Sektor", .0.genitive())]
    FreeInChain(Part),
    #[error("OLE-Container beschädigt: Sektorkette {} enthält den ungültigen Verweis 0x{:08X}", .0.genitive(), .1)]
    Marker(Part, u32),
    #[error("OLE-Container beschädigt: Sektor {0} hat keinen Eintrag in der FAT")]
    NoFatEntry(u32),
    #[error("OLE-Container beschädigt: Mini-Sektor {0} liegt hinter dem Ende des Mini-Streams")]
    MiniPastEnd(u32),
    #[error("OLE-Container beschädigt: Mini-Sektor {0} hat keinen Eintrag in der Mini-FAT")]
    NoMiniFatEntry(u32),
    #[error("OLE-Container beschädigt: kein Verzeichnis")]
    NoDirectory,
    #[error("OLE-Container beschädigt: kein Workbook-Strom")]
    NoWorkbook,
    #[error("OLE-Container beschädigt: {0} soll {1} Byte groß sein, größer als die Datei")]
    LargerThanFile(Part, u64),
    #[error("OLE-Container beschädigt: Workbook-Strom ist kürzer als angegeben ({found} von {declared} Byte)")]
    WorkbookShort { declared: u64, found: u64 },
    #[error("OLE-Container beschädigt: Workbook-Strom liegt im Mini-Stream, aber es gibt keine Mini-FAT")]
    NoMiniFat,
}

fn check(bytes: &[u8]) -> Result<(), Damage> {
    let header = Header::parse(bytes)?;
    let mut sectors = Sectors::new(bytes, header.sector_len);
    let fat = read_fat(&mut sectors, &header)?;
    let entries = read_directory(&mut sectors, &fat, header.dir_start)?;
    let workbook = WORKBOOK_NAMES
        .iter()
        .find_map(|name| entries.iter().find(|e| e.name.eq_ignore_ascii_case(name)))
        .ok_or(Damage::NoWorkbook)?;
    if workbook.size > bytes.len() as u64 {
        return Err(Damage::LargerThanFile(Part::Workbook, workbook.size));
    }
    let mini = if header.mini_fat_sectors > 0 {
        let root = entries.first().ok_or(Damage::NoDirectory)?;
        Some(read_mini_stream(&mut sectors, &fat, &header, root)?)
    } else {
        None
    };
    let found = if workbook.size >= MINI_STREAM_CUTOFF {
        let mut found = 0u64;
        follow(
            &fat,
            workbook.start,
            sectors.count(),
            Part::Workbook,
            |id| {
                found = found.saturating_add(sectors.claim(id, Part::Workbook)?.len() as u64);
                Ok(())
            },
        )?;
        found
    } else {
        mini.ok_or(Damage::NoMiniFat)?.stream_len(workbook.start)?
    };
    if found < workbook.size {
        return Err(Damage::WorkbookShort {
            declared: workbook.size,
            found,
        });
    }
    Ok(())
}

/// The header fields the walk needs.
struct Header<'a> {
    sector_len: usize,
    dir_start: u32,
    mini_fat_start: u32,
    mini_fat_sectors: u32,
    difat_start: u32,
    /// The first 109 DIFAT entries, stored in the header itself.
    difat: &'a [u8],
}

impl<'a> Header<'a> {
    fn parse(bytes: &'a [u8]) -> Result<Self, Damage> {
        let head = bytes
            .get(..HEADER_LEN)
            .ok_or(Damage::TooSmall(bytes.len()))?;
        if head.get(..8) != Some(&MAGIC[..]) {
            return Err(Damage::Signature);
        }
        if head.get(28..30) != Some(&BYTE_ORDER_MARK[..]) {
            return Err(Damage::ByteOrder);
        }
        let sector_len = match le_u16(head, 30) {
            9 => 512,
            12 => 4096,
            shift => return Err(Damage::SectorShift(shift)),
        };
        match le_u16(head, 32) {
            6 => {}
            shift => return Err(Damage::MiniSectorShift(shift)),
        }
        Ok(Header {
            sector_len,
            dir_start: le_u32(head, 48),
            mini_fat_start: le_u32(head, 60),
            mini_fat_sectors: le_u32(head, 64),
            difat_start: le_u32(head, 68),
            difat: head.get(76..HEADER_LEN).unwrap_or_default(),
        })
    }
}

/// The sectors of the file and which part owns each. Sector `n` starts at
/// `(n + 1) * sector_len` (the first sector's room holds the header); the last
/// one may be cut short when the file length is not a multiple.
struct Sectors<'a> {
    bytes: &'a [u8],
    len: usize,
    owner: Vec<Option<Part>>,
}

impl<'a> Sectors<'a> {
    fn new(bytes: &'a [u8], len: usize) -> Self {
        let count = bytes.len().saturating_sub(len).div_ceil(len);
        Sectors {
            bytes,
            len,
            owner: vec![None; count],
        }
    }

    fn count(&self) -> usize {
        self.owner.len()
    }

    /// Marks sector `id` as used by `part` and returns its bytes.
    fn claim(&mut self, id: u32, part: Part) -> Result<&'a [u8], Damage> {
        let index = id as usize;
        let slot = self.owner.get_mut(index).ok_or(Damage::PastEnd(id))?;
        match *slot {
            None => *slot = Some(part),
            Some(Part::Fat) if part == Part::Fat => return Err(Damage::ListedTwice(id)),
            Some(first) if first == part => return Err(Damage::Loop(part)),
            Some(first) => {
                return Err(Damage::Shared {
                    sector: id,
                    first,
                    second: part,
                })
            }
        }
        let start = index.saturating_add(1).saturating_mul(self.len);
        let end = start.saturating_add(self.len).min(self.bytes.len());
        Ok(self.bytes.get(start..end).unwrap_or_default())
    }

    /// Like `claim`, for tables (DIFAT, FAT, directory) that must be whole.
    fn claim_whole(&mut self, id: u32, part: Part) -> Result<&'a [u8], Damage> {
        let data = self.claim(id, part)?;
        if data.len() < self.len {
            return Err(Damage::Truncated(id));
        }
        Ok(data)
    }
}

/// Reads the FAT sectors the DIFAT lists: 109 entries in the header, then a
/// chain of DIFAT sectors whose last entry points to the next one.
fn read_fat(sectors: &mut Sectors<'_>, header: &Header<'_>) -> Result<Vec<u32>, Damage> {
    let mut difat: Vec<u32> = u32s(header.difat).collect();
    let mut next = header.difat_start;
    let mut steps = 0usize;
    while next != END_OF_CHAIN && next != FREE_SECTOR {
        steps += 1;
        if steps > sectors.count() + 1 {
            return Err(Damage::Loop(Part::Difat));
        }
        if next >= MAX_REGULAR_SECTOR {
            return Err(Damage::Marker(Part::Difat, next));
        }
        let data = sectors.claim_whole(next, Part::Difat)?;
        let (entries, link) = data.split_at(data.len().saturating_sub(4));
        difat.extend(u32s(entries));
        next = le_u32(link, 0);
    }
    let mut fat = Vec::new();
    for id in difat {
        if matches!(id, END_OF_CHAIN | FREE_SECTOR | DIFAT_SECTOR | FAT_SECTOR) {
            continue;
        }
        fat.extend(u32s(sectors.claim_whole(id, Part::Fat)?));
    }
    Ok(fat)
}

/// Follows the chain from `start` through `table`, calling `visit` for each
/// sector; `visit` detects a sector seen before. `limit` is the number of
/// sectors that exist, so the loop ends even if `visit` did not.
fn follow(
    table: &[u32],
    start: u32,
    limit: usize,
    part: Part,
    mut visit: impl FnMut(u32) -> Result<(), Damage>,
) -> Result<(), Damage> {
    let mut id = start;
    for _ in 0..=limit {
        match id {
            END_OF_CHAIN => return Ok(()),
            FREE_SECTOR => return Err(Damage::FreeInChain(part)),
            marker if marker >= MAX_REGULAR_SECTOR => return Err(Damage::Marker(part, marker)),
            _ => {}
        }
        visit(id)?;
        id = *table.get(id as usize).ok_or(Damage::NoFatEntry(id))?;
    }
    Err(Damage::Loop(part))
}

/// A directory entry, as far as the walk needs it.
struct Entry {
    name: String,
    start: u32,
    size: u64,
}

fn read_directory(
    sectors: &mut Sectors<'_>,
    fat: &[u32],
    start: u32,
) -> Result<Vec<Entry>, Damage> {
    if start == END_OF_CHAIN || start == FREE_SECTOR {
        return Err(Damage::NoDirectory);
    }
    let small_sectors = sectors.len == 512;
    let mut entries = Vec::new();
    follow(fat, start, sectors.count(), Part::Directory, |id| {
        let data = sectors.claim_whole(id, Part::Directory)?;
        entries.extend(
            data.chunks_exact(DIR_ENTRY_LEN)
                .map(|raw| Entry::parse(raw, small_sectors)),
        );
        Ok(())
    })?;
    if entries.is_empty() {
        return Err(Damage::NoDirectory);
    }
    Ok(entries)
}

impl Entry {
    fn parse(raw: &[u8], small_sectors: bool) -> Self {
        let units = u16s(raw.get(..64).unwrap_or_default()).take_while(|&u| u != 0);
        let name = char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect();
        // Version 3 files may leave garbage in the high half of the size.
        let size = if small_sectors {
            u64::from(le_u32(raw, 120))
        } else {
            le_u64(raw, 120)
        };
        Entry {
            name,
            start: le_u32(raw, 116),
            size,
        }
    }
}

/// The mini stream (stored in the root entry's chain) and its allocation table.
struct MiniStream {
    len: u64,
    fat: Vec<u32>,
}

fn read_mini_stream(
    sectors: &mut Sectors<'_>,
    fat: &[u32],
    header: &Header<'_>,
    root: &Entry,
) -> Result<MiniStream, Damage> {
    if root.size > sectors.bytes.len() as u64 {
        return Err(Damage::LargerThanFile(Part::MiniStream, root.size));
    }
    let mut stored = 0u64;
    follow(fat, root.start, sectors.count(), Part::MiniStream, |id| {
        stored = stored.saturating_add(sectors.claim(id, Part::MiniStream)?.len() as u64);
        Ok(())
    })?;
    let mut mini_fat = Vec::new();
    follow(
        fat,
        header.mini_fat_start,
        sectors.count(),
        Part::MiniFat,
        |id| {
            mini_fat.extend(u32s(sectors.claim_whole(id, Part::MiniFat)?));
            Ok(())
        },
    )?;
    Ok(MiniStream {
        len: stored.min(root.size),
        fat: mini_fat,
    })
}

impl MiniStream {
    /// Walks a stream's chain in the mini stream and returns the bytes it holds.
    fn stream_len(&self, start: u32) -> Result<u64, Damage> {
        let count =
            usize::try_from(self.len.div_ceil(MINI_SECTOR_LEN as u64)).unwrap_or(usize::MAX);
        let mut seen = vec![false; count];
        let mut found = 0u64;
        let mut id = start;
        for _ in 0..=count {
            match id {
                END_OF_CHAIN => return Ok(found),
                FREE_SECTOR => return Err(Damage::FreeInChain(Part::Workbook)),
                marker if marker >= MAX_REGULAR_SECTOR => {
                    return Err(Damage::Marker(Part::Workbook, marker))
                }
                _ => {}
            }
            let slot = seen.get_mut(id as usize).ok_or(Damage::MiniPastEnd(id))?;
            if *slot {
                return Err(Damage::Loop(Part::Workbook));
            }
            *slot = true;
            let offset = u64::from(id) * MINI_SECTOR_LEN as u64;
            found =
                found.saturating_add(self.len.saturating_sub(offset).min(MINI_SECTOR_LEN as u64));
            id = *self
                .fat
                .get(id as usize)
                .ok_or(Damage::NoMiniFatEntry(id))?;
        }
        Err(Damage::Loop(Part::Workbook))
    }
}

fn le_u16(bytes: &[u8], at: usize) -> u16 {
    bytes
        .get(at..at + 2)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u16::from_le_bytes)
}

fn le_u32(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

fn le_u64(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at + 8)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

fn u16s(bytes: &[u8]) -> impl Iterator<Item = u16> + '_ {
    bytes
        .chunks_exact(2)
        .map(|c| c.try_into().map_or(0, u16::from_le_bytes))
}

fn u32s(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    bytes
        .chunks_exact(4)
        .map(|c| c.try_into().map_or(0, u32::from_le_bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const SECTOR: usize = 512;

    fn put_u32(buf: &mut [u8], at: usize, value: u32) {
        buf[at..at + 4].copy_from_slice(&value.to_le_bytes());
    }

    fn put_entry(buf: &mut [u8], at: usize, name: &str, kind: u8, start: u32, size: u32) {
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
    fn sector(id: usize) -> usize {
        (id + 1) * SECTOR
    }

    /// Offset of FAT entry `id` (the FAT is sector 0).
    fn fat(id: usize) -> usize {
        sector(0) + 4 * id
    }

    /// A minimal version 3 container: sector 0 is the FAT, sector 1 the
    /// directory (root entry, "Workbook"), sectors 2–9 the 4096-byte workbook.
    fn container() -> Vec<u8> {
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
        buf
    }

    /// Like `container`, but the 100-byte workbook lives in the mini stream:
    /// sector 2 is the mini FAT, sector 3 the mini stream (mini sectors 0 and 1).
    fn mini_container() -> Vec<u8> {
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
        buf
    }

    #[test]
    fn a_sound_container_passes() {
        assert_eq!(check(&container()), Ok(()));
        assert_eq!(check(&mini_container()), Ok(()));
    }

    #[test]
    fn the_stream_name_is_matched_without_case() {
        let mut buf = container();
        put_entry(&mut buf, sector(1) + 128, "BOOK", 2, 2, 4096);
        assert_eq!(check(&buf), Ok(()));
    }

    #[test]
    fn a_damaged_container_is_named_by_its_damage() {
        type Edit = fn(&mut Vec<u8>);
        let cases: [(&str, Edit, Damage); 15] = [
            (
                "truncated header",
                |b| b.truncate(300),
                Damage::TooSmall(300),
            ),
            ("bad magic", |b| b[0] = 0xD1, Damage::Signature),
            (
                "big-endian mark",
                |b| b[28..30].copy_from_slice(&[0xFF, 0xFE]),
                Damage::ByteOrder,
            ),
            ("sector shift 10", |b| b[30] = 10, Damage::SectorShift(10)),
            (
                "mini sector shift 7",
                |b| b[32] = 7,
                Damage::MiniSectorShift(7),
            ),
            (
                "directory chain loops",
                |b| put_u32(b, fat(1), 1),
                Damage::Loop(Part::Directory),
            ),
            (
                "workbook chain loops",
                |b| put_u32(b, fat(9), 2),
                Damage::Loop(Part::Workbook),
            ),
            (
                "workbook chain runs into the directory",
                |b| put_u32(b, fat(5), 1),
                Damage::Shared {
                    sector: 1,
                    first: Part::Directory,
                    second: Part::Workbook,
                },
            ),
            (
                "workbook chain leaves the file",
                |b| put_u32(b, fat(5), 4_000_000),
                Damage::PastEnd(4_000_000),
            ),
            (
                "workbook chain ends early",
                |b| put_u32(b, fat(5), END_OF_CHAIN),
                Damage::WorkbookShort {
                    declared: 4096,
                    found: 2048,
                },
            ),
            (
                "workbook chain hits a free sector",
                |b| put_u32(b, fat(5), FREE_SECTOR),
                Damage::FreeInChain(Part::Workbook),
            ),
            (
                "DIFAT lists the FAT sector twice",
                |b| put_u32(b, 80, 0),
                Damage::ListedTwice(0),
            ),
            (
                "no directory",
                |b| put_u32(b, 48, END_OF_CHAIN),
                Damage::NoDirectory,
            ),
            (
                "no workbook stream",
                |b| put_entry(b, sector(1) + 128, "Sheet", 2, 2, 4096),
                Damage::NoWorkbook,
            ),
            (
                "DIFAT chain loops",
                |b| {
                    put_u32(b, 68, 9);
                    put_u32(b, 72, 1);
                    put_u32(b, fat(8), END_OF_CHAIN);
                    put_u32(b, sector(9) + SECTOR - 4, 9);
                },
                Damage::Loop(Part::Difat),
            ),
        ];
        for (name, edit, expected) in cases {
            let mut buf = container();
            edit(&mut buf);
            assert_eq!(check(&buf), Err(expected), "{name}");
        }
    }

    #[test]
    fn a_loop_in_the_mini_stream_is_found() {
        let mut buf = mini_container();
        put_u32(&mut buf, sector(2) + 4, 0);
        assert_eq!(check(&buf), Err(Damage::Loop(Part::Workbook)));
        let mut buf = mini_container();
        put_u32(&mut buf, sector(2) + 4, 40);
        assert_eq!(check(&buf), Err(Damage::MiniPastEnd(40)));
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
        }
    }

    fn corpus(folder: &str) -> Option<Vec<std::path::PathBuf>> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/corpus")
            .join(folder);
        if !dir.exists() {
            return None;
        }
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .ok()?
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
        }
    }
}
