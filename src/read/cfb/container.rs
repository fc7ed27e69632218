//! The container walk: header, FAT through the DIFAT, directory, mini stream
//! and sector chains, each sector claimed by one part only.

use serde::{Deserialize, Serialize};

use super::records::Corrupt;
use super::{le_u16, le_u32, le_u64, u16s, u32s};
use crate::i18n::{t, Lang};

pub(super) const MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const HEADER_LEN: usize = 512;
/// The byte-order mark `FFFE` as stored (little-endian).
const BYTE_ORDER_MARK: [u8; 2] = [0xFE, 0xFF];
/// Sector numbers above this one are markers, not sectors.
const MAX_REGULAR_SECTOR: u32 = 0xFFFF_FFFA;
const DIFAT_SECTOR: u32 = 0xFFFF_FFFC;
pub(super) const FAT_SECTOR: u32 = 0xFFFF_FFFD;
pub(super) const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
pub(super) const FREE_SECTOR: u32 = 0xFFFF_FFFF;
const DIR_ENTRY_LEN: usize = 128;
pub(super) const MINI_SECTOR_LEN: usize = 64;
/// Streams shorter than this live in the mini stream. calamine uses the fixed
/// value, not the header field, so we do too.
const MINI_STREAM_CUTOFF: u64 = 4096;
const WORKBOOK_NAMES: [&str; 2] = ["Workbook", "Book"];

/// The parts of a container that own sectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Difat,
    Fat,
    Directory,
    MiniFat,
    MiniStream,
    Workbook,
    /// A property-set stream (`\x05SummaryInformation` and the like).
    Properties,
}

impl Part {
    fn name(self, lang: Lang) -> &'static str {
        match self {
            Part::Difat => "DIFAT",
            Part::Fat => "FAT",
            Part::Directory => t(lang, "Verzeichnis", "directory"),
            Part::MiniFat => "Mini-FAT",
            Part::MiniStream => t(lang, "Mini-Stream", "mini stream"),
            Part::Workbook => t(lang, "Workbook-Strom", "workbook stream"),
            Part::Properties => t(lang, "Eigenschaften-Strom", "property stream"),
        }
    }

    /// "der FAT" / "of the FAT".
    fn genitive(self, lang: Lang) -> &'static str {
        match self {
            Part::Difat => t(lang, "der DIFAT", "of the DIFAT"),
            Part::Fat => t(lang, "der FAT", "of the FAT"),
            Part::Directory => t(lang, "des Verzeichnisses", "of the directory"),
            Part::MiniFat => t(lang, "der Mini-FAT", "of the mini FAT"),
            Part::MiniStream => t(lang, "des Mini-Streams", "of the mini stream"),
            Part::Workbook => t(lang, "des Workbook-Stroms", "of the workbook stream"),
            Part::Properties => t(lang, "des Eigenschaften-Stroms", "of the property stream"),
        }
    }
}

/// Why an OLE container (or the workbook stream in it) cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OleDamage {
    TooSmall(usize),
    Signature,
    ByteOrder,
    SectorShift(u16),
    MiniSectorShift(u16),
    PastEnd(u32),
    Truncated(u32),
    Shared {
        sector: u32,
        first: Part,
        second: Part,
    },
    ListedTwice(u32),
    Loop(Part),
    FreeInChain(Part),
    Marker(Part, u32),
    NoFatEntry(u32),
    MiniPastEnd(u32),
    NoMiniFatEntry(u32),
    NoDirectory,
    NoWorkbook,
    LargerThanFile(Part, u64),
    Short {
        part: Part,
        declared: u64,
        found: u64,
    },
    NoMiniFat(Part),
    /// The container is sound, the records of its workbook stream are not.
    Records(Corrupt),
}

impl From<Corrupt> for OleDamage {
    fn from(c: Corrupt) -> Self {
        OleDamage::Records(c)
    }
}

impl OleDamage {
    /// "OLE-Container beschädigt: …" (or the record walk's "Excel-Datei beschädigt: …").
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            OleDamage::Records(c) => c.describe(lang),
            _ => format!(
                "{}: {}",
                t(lang, "OLE-Container beschädigt", "OLE container damaged"),
                self.detail(lang)
            ),
        }
    }

    /// What is damaged, without the leading "OLE-Container beschädigt".
    pub fn detail(&self, lang: Lang) -> String {
        let de = lang == Lang::De;
        match self {
            OleDamage::TooSmall(n) if de => format!("nur {n} Byte, schon der Kopf braucht 512"),
            OleDamage::TooSmall(n) => format!("only {n} bytes, the header alone needs 512"),
            OleDamage::Signature => t(lang, "falsche Signatur", "wrong signature").into(),
            OleDamage::ByteOrder => t(lang, "falsche Byte-Reihenfolge", "wrong byte order").into(),
            OleDamage::SectorShift(s) if de => format!("ungültige Sektorgröße 2^{s}"),
            OleDamage::SectorShift(s) => format!("invalid sector size 2^{s}"),
            OleDamage::MiniSectorShift(s) if de => format!("ungültige Mini-Sektorgröße 2^{s}"),
            OleDamage::MiniSectorShift(s) => format!("invalid mini sector size 2^{s}"),
            OleDamage::PastEnd(n) if de => format!("Sektor {n} liegt hinter dem Dateiende"),
            OleDamage::PastEnd(n) => format!("sector {n} lies past the end of the file"),
            OleDamage::Truncated(n) if de => format!("Sektor {n} ist abgeschnitten"),
            OleDamage::Truncated(n) => format!("sector {n} is cut off"),
            OleDamage::Shared {
                sector,
                first,
                second,
            } if de => format!(
                "Sektor {sector} wird doppelt verwendet ({} und {})",
                first.name(lang),
                second.name(lang)
            ),
            OleDamage::Shared {
                sector,
                first,
                second,
            } => format!(
                "sector {sector} is used twice ({} and {})",
                first.name(lang),
                second.name(lang)
            ),
            OleDamage::ListedTwice(n) if de => format!("Sektor {n} steht mehrfach in der DIFAT"),
            OleDamage::ListedTwice(n) => {
                format!("sector {n} is listed more than once in the DIFAT")
            }
            OleDamage::Loop(p) if de => format!("Sektorkette {} läuft im Kreis", p.genitive(lang)),
            OleDamage::Loop(p) => format!("the sector chain {} runs in a circle", p.genitive(lang)),
            OleDamage::FreeInChain(p) if de => {
                format!(
                    "Sektorkette {} führt in einen freien Sektor",
                    p.genitive(lang)
                )
            }
            OleDamage::FreeInChain(p) => {
                format!(
                    "the sector chain {} leads into a free sector",
                    p.genitive(lang)
                )
            }
            OleDamage::Marker(p, m) if de => format!(
                "Sektorkette {} enthält den ungültigen Verweis 0x{m:08X}",
                p.genitive(lang)
            ),
            OleDamage::Marker(p, m) => format!(
                "the sector chain {} holds the invalid reference 0x{m:08X}",
                p.genitive(lang)
            ),
            OleDamage::NoFatEntry(n) if de => format!("Sektor {n} hat keinen Eintrag in der FAT"),
            OleDamage::NoFatEntry(n) => format!("sector {n} has no entry in the FAT"),
            OleDamage::MiniPastEnd(n) if de => {
                format!("Mini-Sektor {n} liegt hinter dem Ende des Mini-Streams")
            }
            OleDamage::MiniPastEnd(n) => {
                format!("mini sector {n} lies past the end of the mini stream")
            }
            OleDamage::NoMiniFatEntry(n) if de => {
                format!("Mini-Sektor {n} hat keinen Eintrag in der Mini-FAT")
            }
            OleDamage::NoMiniFatEntry(n) => format!("mini sector {n} has no entry in the mini FAT"),
            OleDamage::NoDirectory => t(lang, "kein Verzeichnis", "no directory").into(),
            OleDamage::NoWorkbook => t(lang, "kein Workbook-Strom", "no workbook stream").into(),
            OleDamage::LargerThanFile(p, n) if de => {
                format!(
                    "{} soll {n} Byte groß sein, größer als die Datei",
                    p.name(lang)
                )
            }
            OleDamage::LargerThanFile(p, n) => {
                format!(
                    "the {} is said to be {n} bytes, larger than the file",
                    p.name(lang)
                )
            }
            OleDamage::Short {
                part,
                declared,
                found,
            } if de => format!(
                "{} ist kürzer als angegeben ({found} von {declared} Byte)",
                part.name(lang)
            ),
            OleDamage::Short {
                part,
                declared,
                found,
            } => format!(
                "the {} is shorter than declared ({found} of {declared} bytes)",
                part.name(lang)
            ),
            OleDamage::NoMiniFat(p) if de => format!(
                "{} liegt im Mini-Stream, aber es gibt keine Mini-FAT",
                p.name(lang)
            ),
            OleDamage::NoMiniFat(p) => format!(
                "the {} lies in the mini stream, but there is no mini FAT",
                p.name(lang)
            ),
            OleDamage::Records(c) => c.describe(lang),
        }
    }
}

impl std::fmt::Display for OleDamage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(Lang::De))
    }
}

/// The parts of a container that every stream needs: the FAT, the directory
/// and (read when first needed) the mini stream. Sectors keep their owners
/// across streams, so two streams sharing a sector are found too.
pub(super) struct Container<'a> {
    header: Header<'a>,
    sectors: Sectors<'a>,
    fat: Vec<u32>,
    pub(super) entries: Vec<Entry>,
    mini: Option<MiniStream>,
}

impl<'a> Container<'a> {
    pub(super) fn open(bytes: &'a [u8]) -> Result<Self, OleDamage> {
        let header = Header::parse(bytes)?;
        let mut sectors = Sectors::new(bytes, header.sector_len);
        let fat = read_fat(&mut sectors, &header)?;
        let entries = read_directory(&mut sectors, &fat, header.dir_start)?;
        Ok(Container {
            header,
            sectors,
            fat,
            entries,
            mini: None,
        })
    }

    /// Reads the mini stream once, if the header announces a mini FAT.
    fn load_mini(&mut self) -> Result<(), OleDamage> {
        if self.mini.is_some() || self.header.mini_fat_sectors == 0 {
            return Ok(());
        }
        let root = self.entries.first().ok_or(OleDamage::NoDirectory)?;
        self.mini = Some(read_mini_stream(
            &mut self.sectors,
            &self.fat,
            &self.header,
            root,
        )?);
        Ok(())
    }

    /// The bytes of the stream of directory entry `index`, cut to its
    /// declared size. Every sector is read at most once, so the result is
    /// never longer than the file.
    pub(super) fn read(&mut self, index: usize, part: Part) -> Result<Vec<u8>, OleDamage> {
        let (start, size) = self
            .entries
            .get(index)
            .map(|e| (e.start, e.size))
            .ok_or(OleDamage::NoDirectory)?;
        if size > self.sectors.bytes.len() as u64 {
            return Err(OleDamage::LargerThanFile(part, size));
        }
        self.load_mini()?;
        // `size` is at most the file length (checked above).
        let wanted = usize::try_from(size).unwrap_or(usize::MAX);
        let mut stream = Vec::new();
        let found = if size >= MINI_STREAM_CUTOFF {
            let mut found = 0u64;
            let sectors = &mut self.sectors;
            follow(&self.fat, start, sectors.count(), part, |id| {
                let data = sectors.claim(id, part)?;
                found = found.saturating_add(data.len() as u64);
                let room = wanted.saturating_sub(stream.len());
                stream.extend_from_slice(data.get(..room.min(data.len())).unwrap_or_default());
                Ok(())
            })?;
            found
        } else {
            let mini = self.mini.as_ref().ok_or(OleDamage::NoMiniFat(part))?;
            mini.read(start, wanted, &mut stream, part)?
        };
        if found < size {
            return Err(OleDamage::Short {
                part,
                declared: size,
                found,
            });
        }
        Ok(stream)
    }
}

/// The bytes of the workbook stream (`Workbook`, else `Book`).
pub(super) fn workbook_stream(container: &mut Container<'_>) -> Result<Vec<u8>, OleDamage> {
    let index = WORKBOOK_NAMES
        .iter()
        .find_map(|name| {
            container
                .entries
                .iter()
                .position(|e| e.name.eq_ignore_ascii_case(name))
        })
        .ok_or(OleDamage::NoWorkbook)?;
    container.read(index, Part::Workbook)
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
    fn parse(bytes: &'a [u8]) -> Result<Self, OleDamage> {
        let head = bytes
            .get(..HEADER_LEN)
            .ok_or(OleDamage::TooSmall(bytes.len()))?;
        if head.get(..8) != Some(&MAGIC[..]) {
            return Err(OleDamage::Signature);
        }
        if head.get(28..30) != Some(&BYTE_ORDER_MARK[..]) {
            return Err(OleDamage::ByteOrder);
        }
        let sector_len = match le_u16(head, 30) {
            9 => 512,
            12 => 4096,
            shift => return Err(OleDamage::SectorShift(shift)),
        };
        match le_u16(head, 32) {
            6 => {}
            shift => return Err(OleDamage::MiniSectorShift(shift)),
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
    fn claim(&mut self, id: u32, part: Part) -> Result<&'a [u8], OleDamage> {
        let index = id as usize;
        let slot = self.owner.get_mut(index).ok_or(OleDamage::PastEnd(id))?;
        match *slot {
            None => *slot = Some(part),
            Some(Part::Fat) if part == Part::Fat => return Err(OleDamage::ListedTwice(id)),
            Some(first) if first == part => return Err(OleDamage::Loop(part)),
            Some(first) => {
                return Err(OleDamage::Shared {
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
    fn claim_whole(&mut self, id: u32, part: Part) -> Result<&'a [u8], OleDamage> {
        let data = self.claim(id, part)?;
        if data.len() < self.len {
            return Err(OleDamage::Truncated(id));
        }
        Ok(data)
    }
}

/// Reads the FAT sectors the DIFAT lists: 109 entries in the header, then a
/// chain of DIFAT sectors whose last entry points to the next one.
fn read_fat(sectors: &mut Sectors<'_>, header: &Header<'_>) -> Result<Vec<u32>, OleDamage> {
    let mut difat: Vec<u32> = u32s(header.difat).collect();
    let mut next = header.difat_start;
    let mut steps = 0usize;
    while next != END_OF_CHAIN && next != FREE_SECTOR {
        steps += 1;
        if steps > sectors.count() + 1 {
            return Err(OleDamage::Loop(Part::Difat));
        }
        if next >= MAX_REGULAR_SECTOR {
            return Err(OleDamage::Marker(Part::Difat, next));
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
    mut visit: impl FnMut(u32) -> Result<(), OleDamage>,
) -> Result<(), OleDamage> {
    let mut id = start;
    for _ in 0..=limit {
        match id {
            END_OF_CHAIN => return Ok(()),
            FREE_SECTOR => return Err(OleDamage::FreeInChain(part)),
            marker if marker >= MAX_REGULAR_SECTOR => return Err(OleDamage::Marker(part, marker)),
            _ => {}
        }
        visit(id)?;
        id = *table.get(id as usize).ok_or(OleDamage::NoFatEntry(id))?;
    }
    Err(OleDamage::Loop(part))
}

/// A directory entry, as far as the walk needs it.
pub(super) struct Entry {
    pub(super) name: String,
    /// Object type: 1 storage, 2 stream, 5 root (0 unused).
    pub(super) kind: u8,
    start: u32,
    size: u64,
}

fn read_directory(
    sectors: &mut Sectors<'_>,
    fat: &[u32],
    start: u32,
) -> Result<Vec<Entry>, OleDamage> {
    if start == END_OF_CHAIN || start == FREE_SECTOR {
        return Err(OleDamage::NoDirectory);
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
        return Err(OleDamage::NoDirectory);
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
            kind: raw.get(66).copied().unwrap_or(0),
            start: le_u32(raw, 116),
            size,
        }
    }
}

/// The mini stream (stored in the root entry's chain) and its allocation table.
struct MiniStream {
    data: Vec<u8>,
    fat: Vec<u32>,
}

fn read_mini_stream(
    sectors: &mut Sectors<'_>,
    fat: &[u32],
    header: &Header<'_>,
    root: &Entry,
) -> Result<MiniStream, OleDamage> {
    if root.size > sectors.bytes.len() as u64 {
        return Err(OleDamage::LargerThanFile(Part::MiniStream, root.size));
    }
    // At most the file length (checked above).
    let wanted = usize::try_from(root.size).unwrap_or(usize::MAX);
    let mut data = Vec::new();
    follow(fat, root.start, sectors.count(), Part::MiniStream, |id| {
        let sector = sectors.claim(id, Part::MiniStream)?;
        let room = wanted.saturating_sub(data.len());
        data.extend_from_slice(sector.get(..room.min(sector.len())).unwrap_or_default());
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
        data,
        fat: mini_fat,
    })
}

impl MiniStream {
    /// Walks a stream's chain in the mini stream, appends up to `wanted` of
    /// its bytes to `out` and returns how many bytes the chain holds.
    fn read(
        &self,
        start: u32,
        wanted: usize,
        out: &mut Vec<u8>,
        part: Part,
    ) -> Result<u64, OleDamage> {
        let count = self.data.len().div_ceil(MINI_SECTOR_LEN);
        let mut seen = vec![false; count];
        let mut found = 0u64;
        let mut id = start;
        for _ in 0..=count {
            match id {
                END_OF_CHAIN => return Ok(found),
                FREE_SECTOR => return Err(OleDamage::FreeInChain(part)),
                marker if marker >= MAX_REGULAR_SECTOR => {
                    return Err(OleDamage::Marker(part, marker))
                }
                _ => {}
            }
            let index = id as usize;
            let slot = seen.get_mut(index).ok_or(OleDamage::MiniPastEnd(id))?;
            if *slot {
                return Err(OleDamage::Loop(part));
            }
            *slot = true;
            let offset = index.saturating_mul(MINI_SECTOR_LEN);
            let end = offset.saturating_add(MINI_SECTOR_LEN).min(self.data.len());
            let sector = self.data.get(offset..end).unwrap_or_default();
            found = found.saturating_add(sector.len() as u64);
            let room = wanted.saturating_sub(out.len());
            out.extend_from_slice(sector.get(..room.min(sector.len())).unwrap_or_default());
            id = *self.fat.get(index).ok_or(OleDamage::NoMiniFatEntry(id))?;
        }
        Err(OleDamage::Loop(part))
    }
}

/// The object type of a stream in the directory.
pub(super) const STREAM_OBJECT: u8 = 2;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::cfb::testkit::*;
    use crate::read::cfb::validate as check;

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
        let cases: [(&str, Edit, OleDamage); 15] = [
            (
                "truncated header",
                |b| b.truncate(300),
                OleDamage::TooSmall(300),
            ),
            ("bad magic", |b| b[0] = 0xD1, OleDamage::Signature),
            (
                "big-endian mark",
                |b| b[28..30].copy_from_slice(&[0xFF, 0xFE]),
                OleDamage::ByteOrder,
            ),
            (
                "sector shift 10",
                |b| b[30] = 10,
                OleDamage::SectorShift(10),
            ),
            (
                "mini sector shift 7",
                |b| b[32] = 7,
                OleDamage::MiniSectorShift(7),
            ),
            (
                "directory chain loops",
                |b| put_u32(b, fat(1), 1),
                OleDamage::Loop(Part::Directory),
            ),
            (
                "workbook chain loops",
                |b| put_u32(b, fat(9), 2),
                OleDamage::Loop(Part::Workbook),
            ),
            (
                "workbook chain runs into the directory",
                |b| put_u32(b, fat(5), 1),
                OleDamage::Shared {
                    sector: 1,
                    first: Part::Directory,
                    second: Part::Workbook,
                },
            ),
            (
                "workbook chain leaves the file",
                |b| put_u32(b, fat(5), 4_000_000),
                OleDamage::PastEnd(4_000_000),
            ),
            (
                "workbook chain ends early",
                |b| put_u32(b, fat(5), END_OF_CHAIN),
                OleDamage::Short {
                    part: Part::Workbook,
                    declared: 4096,
                    found: 2048,
                },
            ),
            (
                "workbook chain hits a free sector",
                |b| put_u32(b, fat(5), FREE_SECTOR),
                OleDamage::FreeInChain(Part::Workbook),
            ),
            (
                "DIFAT lists the FAT sector twice",
                |b| put_u32(b, 80, 0),
                OleDamage::ListedTwice(0),
            ),
            (
                "no directory",
                |b| put_u32(b, 48, END_OF_CHAIN),
                OleDamage::NoDirectory,
            ),
            (
                "no workbook stream",
                |b| put_entry(b, sector(1) + 128, "Sheet", 2, 2, 4096),
                OleDamage::NoWorkbook,
            ),
            (
                "DIFAT chain loops",
                |b| {
                    put_u32(b, 68, 9);
                    put_u32(b, 72, 1);
                    put_u32(b, fat(8), END_OF_CHAIN);
                    put_u32(b, sector(9) + SECTOR - 4, 9);
                },
                OleDamage::Loop(Part::Difat),
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
        assert_eq!(check(&buf), Err(OleDamage::Loop(Part::Workbook)));
        let mut buf = mini_container();
        put_u32(&mut buf, sector(2) + 4, 40);
        assert_eq!(check(&buf), Err(OleDamage::MiniPastEnd(40)));
    }
}
