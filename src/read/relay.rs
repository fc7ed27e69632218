//! The biggest part of a large zip inflated once, not twice.
//!
//! The verification (`zipcheck::validate`) inflates every part on its own
//! thread; the sheet reader inflated the biggest one (a worksheet of a
//! million rows: 48 MB that inflate to 340 MB) once more, on the thread that
//! is the check's critical path. With a relay the verifying thread hands its
//! inflated bytes over, and the reader parses them.
//!
//! The readers (calamine over the `zip` crate) open a zip and nothing else,
//! so they get a slightly longer one ([`Tail`]): the original bytes
//! unchanged, then the part once more as a *stored* entry whose data are the
//! relayed bytes, then a central directory that points to the stored entry
//! instead of the deflated one, then its end record. The stored entry keeps
//! the part's name, size and CRC: the zip reader checks the checksum of the
//! relayed bytes as it did of the inflated ones.
//!
//! The relay serves one pass from the start to the end. Any other read of
//! the part (a second pass, a jump, the verification gone) inflates the
//! original bytes on the reader's thread, as before: the relay is a shortcut,
//! never the only way to the bytes.

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};

use flate2::read::DeflateDecoder;

/// Bytes per relayed chunk: large writes keep the inflater in its fast loop.
pub const CHUNK: usize = 128 << 10;
/// Chunks on their way to the reader; with the one being filled and the one
/// being read, at most this + 2 chunks exist (512 KiB).
const QUEUED: usize = 2;

const LOCAL_HEADER: u32 = 0x0403_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const END_OF_DIRECTORY: u32 = 0x0605_4b50;
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
const DEFLATED: u16 = 8;
const STORED: u16 = 0;
/// General-purpose flags: encrypted; sizes in a data descriptor after the data.
const FLAG_ENCRYPTED: u16 = 0x0001;
const FLAG_DESCRIPTOR: u16 = 0x0008;
/// Zeros between the stored data and the new directory: the zip reader looks
/// for the end record in the last kilobyte, and that look must not reach into
/// the relayed bytes (it would have to inflate the part to its end first).
const GAP: usize = 4096;

/// Which part is relayed and the bytes that follow the original ones.
#[derive(Debug)]
pub struct Plan<'a> {
    /// The part's position in the central directory (the zip reader's index).
    pub index: usize,
    /// The part's name as the directory spells it.
    pub name: String,
    /// Its deflated data, in the original bytes.
    deflated: &'a [u8],
    /// Its inflated size (the directory's word; the verification counts).
    size: u64,
    /// The stored entry's local header (placed right after the original bytes).
    head: Vec<u8>,
    /// `GAP`, the new central directory and its end record (after the stored data).
    directory: Vec<u8>,
}

impl<'a> Plan<'a> {
    /// The plan for a zip's biggest deflated part, if it inflates to more
    /// than `above` bytes (the parts the verification only counts,
    /// `zipcheck::VERIFY_MAX`); `None` for anything unusual (zip64,
    /// encryption, a directory that does not add up): those are read as they are.
    pub fn of(bytes: &'a [u8], above: u64) -> Option<Plan<'a>> {
        let end = find_end_record(bytes)?;
        let entries = usize::from(u16_at(bytes, end + 10)?);
        let dir_size = usize::try_from(u32_at(bytes, end + 12)?).ok()?;
        let dir_start = usize::try_from(u32_at(bytes, end + 16)?).ok()?;
        if u16_at(bytes, end + 4)? != 0
            || u16_at(bytes, end + 6)? != 0
            || usize::from(u16_at(bytes, end + 8)?) != entries
            || entries == 0xFFFF
            || dir_start.checked_add(dir_size)? != end
            || (end >= 20 && u32_at(bytes, end - 20)? == ZIP64_LOCATOR)
        {
            return None;
        }
        // The records, and the biggest deflated part among them.
        let mut records = Vec::with_capacity(entries);
        let mut at = dir_start;
        let mut best: Option<(usize, u64)> = None;
        for i in 0..entries {
            if u32_at(bytes, at)? != CENTRAL_HEADER {
                return None;
            }
            let flags = u16_at(bytes, at + 8)?;
            let method = u16_at(bytes, at + 10)?;
            let compressed = u32_at(bytes, at + 20)?;
            let size = u32_at(bytes, at + 24)?;
            let local = u32_at(bytes, at + 42)?;
            let len = 46
                + usize::from(u16_at(bytes, at + 28)?)
                + usize::from(u16_at(bytes, at + 30)?)
                + usize::from(u16_at(bytes, at + 32)?);
            let record = at..at.checked_add(len)?;
            if record.end > end {
                return None;
            }
            if [compressed, size, local].contains(&u32::MAX) {
                return None; // zip64 sizes or offsets
            }
            let name_len = usize::from(u16_at(bytes, at + 28)?);
            if method == DEFLATED
                && flags & FLAG_ENCRYPTED == 0
                && u64::from(size) > above
                && is_read_part(bytes.get(at + 46..at + 46 + name_len)?)
                && best.is_none_or(|(_, s)| u64::from(size) > s)
            {
                best = Some((i, u64::from(size)));
            }
            records.push(record);
            at += len;
        }
        if at != end {
            return None;
        }
        let (index, size) = best?;
        let record = records.get(index)?.clone();
        let rec = bytes.get(record.clone())?;
        let name_len = usize::from(u16_at(rec, 28)?);
        let name_raw = rec.get(46..46 + name_len)?;
        let name = std::str::from_utf8(name_raw).ok()?.to_string();
        let flags = u16_at(rec, 8)?;
        let crc = u32_at(rec, 16)?;
        let compressed = usize::try_from(u32_at(rec, 20)?).ok()?;
        let local = usize::try_from(u32_at(rec, 42)?).ok()?;
        // The deflated data start after the local header, whose lengths are its own.
        if u32_at(bytes, local)? != LOCAL_HEADER {
            return None;
        }
        let data_start = local
            + 30
            + usize::from(u16_at(bytes, local + 26)?)
            + usize::from(u16_at(bytes, local + 28)?);
        let data_end = data_start.checked_add(compressed)?;
        if data_end > dir_start {
            return None;
        }
        let deflated = bytes.get(data_start..data_end)?;
        let size32 = u32::try_from(size).ok()?;
        let stored_at = u32::try_from(bytes.len()).ok()?;
        let flags = flags & !FLAG_DESCRIPTOR;

        let mut head = Vec::with_capacity(30 + name_len);
        put_u32(&mut head, LOCAL_HEADER);
        head.extend_from_slice(rec.get(6..8)?); // version needed
        put_u16(&mut head, flags);
        put_u16(&mut head, STORED);
        head.extend_from_slice(rec.get(12..16)?); // time, date
        put_u32(&mut head, crc);
        put_u32(&mut head, size32);
        put_u32(&mut head, size32);
        put_u16(&mut head, u16::try_from(name_len).ok()?);
        put_u16(&mut head, 0);
        head.extend_from_slice(name_raw);

        let new_dir_start = u64::from(stored_at) + head.len() as u64 + size + GAP as u64;
        let new_dir_start = u32::try_from(new_dir_start)
            .ok()
            .filter(|&s| s < u32::MAX)?;
        let mut directory = vec![0; GAP];
        directory.reserve(dir_size + 22);
        for (i, r) in records.iter().enumerate() {
            let mut rec = bytes.get(r.clone())?.to_vec();
            if i == index {
                rec.get_mut(8..10)?.copy_from_slice(&flags.to_le_bytes());
                rec.get_mut(10..12)?.copy_from_slice(&STORED.to_le_bytes());
                rec.get_mut(20..24)?.copy_from_slice(&size32.to_le_bytes());
                rec.get_mut(42..46)?
                    .copy_from_slice(&stored_at.to_le_bytes());
            }
            directory.extend_from_slice(&rec);
        }
        let entries16 = u16::try_from(entries).ok()?;
        put_u32(&mut directory, END_OF_DIRECTORY);
        put_u16(&mut directory, 0);
        put_u16(&mut directory, 0);
        put_u16(&mut directory, entries16);
        put_u16(&mut directory, entries16);
        put_u32(&mut directory, u32::try_from(dir_size).ok()?);
        put_u32(&mut directory, new_dir_start);
        put_u16(&mut directory, 0); // no comment
        Some(Plan {
            index,
            name,
            deflated,
            size,
            head,
            directory,
        })
    }

    /// The length of the zip the reader sees.
    fn len(&self, original: u64) -> u64 {
        original + self.head.len() as u64 + self.size + self.directory.len() as u64
    }
}

/// A part a reader reads (XML, or an xlsb's binary records), not an image or
/// an embedded file: those no reader takes, and the relay would hold the
/// verification up until the reading ends.
fn is_read_part(name: &[u8]) -> bool {
    let name = name.to_ascii_lowercase();
    name.ends_with(b".xml") || name.ends_with(b".bin")
}

/// The end-of-central-directory record: the last one whose comment ends the file.
fn find_end_record(bytes: &[u8]) -> Option<usize> {
    let lowest = bytes.len().saturating_sub(22 + usize::from(u16::MAX));
    let mut at = bytes.len().checked_sub(22)?;
    loop {
        if u32_at(bytes, at)? == END_OF_DIRECTORY
            && at + 22 + usize::from(u16_at(bytes, at + 20)?) == bytes.len()
        {
            return Some(at);
        }
        if at == lowest {
            return None;
        }
        at -= 1;
    }
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// The verifying thread's end of a relay.
pub struct Outlet {
    full: SyncSender<Vec<u8>>,
    empty: Receiver<Vec<u8>>,
}

/// The reader's end.
pub struct Inlet {
    full: Receiver<Vec<u8>>,
    empty: Sender<Vec<u8>>,
}

pub fn channel() -> (Outlet, Inlet) {
    let (full_tx, full_rx) = mpsc::sync_channel(QUEUED);
    let (empty_tx, empty_rx) = mpsc::channel();
    (
        Outlet {
            full: full_tx,
            empty: empty_rx,
        },
        Inlet {
            full: full_rx,
            empty: empty_tx,
        },
    )
}

/// Reads `from` to its end in big chunks, for its length only.
pub fn count(from: &mut impl Read) -> io::Result<u64> {
    let mut buf = vec![0; CHUNK];
    let mut total = 0u64;
    loop {
        let (len, failed) = fill(from, &mut buf);
        total += len as u64;
        if let Some(e) = failed {
            return Err(e);
        }
        if len < buf.len() {
            return Ok(total);
        }
    }
}

impl Outlet {
    /// Reads `from` to its end, handing the bytes to the reader, and returns
    /// their count. Once the reader takes no more (it went on without the
    /// relay), the rest is only counted. An error ends the relay where it
    /// came: the reader, inflating from there itself, meets it too.
    pub fn pump(self, from: &mut impl Read) -> io::Result<u64> {
        let mut total = 0u64;
        loop {
            let mut buf = self
                .empty
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
            buf.resize(CHUNK, 0);
            // The bytes before an error still go to the reader.
            let (len, failed) = fill(from, &mut buf);
            total += len as u64;
            let done = len < CHUNK;
            buf.truncate(len);
            if len > 0 && self.full.send(buf).is_err() {
                return match failed {
                    Some(e) => Err(e),
                    None if done => Ok(total),
                    None => count(from).map(|rest| total + rest),
                };
            }
            if let Some(e) = failed {
                return Err(e);
            }
            if done {
                return Ok(total);
            }
        }
    }
}

/// Reads until `buf` is full, `from` ends or fails; the count read, and the
/// error that stopped it.
fn fill(from: &mut impl Read, buf: &mut [u8]) -> (usize, Option<io::Error>) {
    let mut len = 0;
    while len < buf.len() {
        match from.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (len, Some(e)),
        }
    }
    (len, None)
}

/// What follows the original bytes in the zip the reader sees, and where the
/// stored part's bytes come from.
pub struct Tail<'a> {
    plan: &'a Plan<'a>,
    inlet: Option<Inlet>,
    /// The relay's bytes handed out so far, and the chunk being read (its
    /// bytes from the position on are still to be read).
    relayed: u64,
    chunk: Option<(Vec<u8>, usize)>,
    /// The reader's own inflater, once the relay cannot serve: its position.
    own: Option<(u64, DeflateDecoder<&'a [u8]>)>,
}

impl<'a> Tail<'a> {
    pub fn new(plan: &'a Plan<'a>, inlet: Option<Inlet>) -> Self {
        Tail {
            plan,
            inlet,
            relayed: 0,
            chunk: None,
            own: None,
        }
    }

    /// The length of the whole zip the reader sees, the original being `original` long.
    pub fn len(&self, original: u64) -> u64 {
        self.plan.len(original)
    }

    /// Reads at `at`, counted from the end of the original bytes.
    pub fn read_at(&mut self, at: u64, buf: &mut [u8]) -> io::Result<usize> {
        let head = self.plan.head.len() as u64;
        if at < head {
            return Ok(copy_from(&self.plan.head, at, buf));
        }
        let at = at - head;
        if at < self.plan.size {
            let room = usize::try_from(self.plan.size - at).unwrap_or(usize::MAX);
            let len = buf.len().min(room);
            return self.stored(at, &mut buf[..len]);
        }
        Ok(copy_from(&self.plan.directory, at - self.plan.size, buf))
    }

    /// The stored part's bytes at `at`: from the relay while it serves this
    /// very position, else inflated here.
    fn stored(&mut self, at: u64, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if at == self.relayed {
            if let Some(n) = self.take_relayed(buf) {
                self.relayed += n as u64;
                return Ok(n);
            }
        }
        // Whatever the relay still brings is not read any more: let the
        // verification go on without waiting for this reader.
        self.inlet = None;
        self.chunk = None;
        self.inflate(at, buf)
    }

    /// The next relayed bytes; `None` once the relay has ended.
    fn take_relayed(&mut self, buf: &mut [u8]) -> Option<usize> {
        let inlet = self.inlet.as_ref()?;
        loop {
            if let Some((chunk, read)) = &mut self.chunk {
                let rest = &chunk[*read..];
                if !rest.is_empty() {
                    let n = rest.len().min(buf.len());
                    buf[..n].copy_from_slice(&rest[..n]);
                    *read += n;
                    return Some(n);
                }
            }
            if let Some((used, _)) = self.chunk.take() {
                // The verification may be done already and take no buffers back.
                let _ = inlet.empty.send(used);
            }
            match inlet.full.recv() {
                Ok(chunk) => self.chunk = Some((chunk, 0)),
                Err(_) => return None,
            }
        }
    }

    /// Inflates the part from the original bytes up to `at`, then into `buf`.
    fn inflate(&mut self, at: u64, buf: &mut [u8]) -> io::Result<usize> {
        if self.own.as_ref().is_none_or(|(pos, _)| *pos > at) {
            self.own = Some((0, DeflateDecoder::new(self.plan.deflated)));
        }
        let Some((pos, decoder)) = &mut self.own else {
            return Ok(0);
        };
        if *pos < at {
            let skipped = io::copy(&mut decoder.by_ref().take(at - *pos), &mut io::sink())?;
            *pos += skipped;
            if *pos < at {
                return Ok(0); // the part ends before `at`
            }
        }
        let n = decoder.read(buf)?;
        *pos += n as u64;
        Ok(n)
    }
}

/// Bytes followed by a relayed part's `Tail`, if there is one: the zip the
/// reader sees.
pub struct Extended<'a> {
    bytes: &'a [u8],
    pos: u64,
    tail: Option<Tail<'a>>,
}

impl<'a> Extended<'a> {
    pub fn new(bytes: &'a [u8], tail: Option<Tail<'a>>) -> Self {
        Extended {
            bytes,
            pos: 0,
            tail,
        }
    }

    fn len(&self) -> u64 {
        let own = self.bytes.len() as u64;
        self.tail.as_ref().map_or(own, |t| t.len(own))
    }

    /// The part's bytes the relay handed out.
    #[cfg(test)]
    fn relayed(&self) -> u64 {
        self.tail.as_ref().map_or(0, |t| t.relayed)
    }
}

impl Read for Extended<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let own = self.bytes.len() as u64;
        let n = match &mut self.tail {
            Some(tail) if self.pos >= own => tail.read_at(self.pos - own, buf)?,
            _ => copy_from(self.bytes, self.pos, buf),
        };
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Extended<'_> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let (base, offset) = match pos {
            SeekFrom::Start(at) => (at, 0),
            SeekFrom::End(offset) => (self.len(), offset),
            SeekFrom::Current(offset) => (self.pos, offset),
        };
        let at = base.checked_add_signed(offset).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "invalid seek to a negative or overflowing position",
            )
        })?;
        self.pos = at;
        Ok(at)
    }
}

/// Copies from `part` at `at` into `buf`; the count copied (none past its end).
fn copy_from(part: &[u8], at: u64, buf: &mut [u8]) -> usize {
    let rest = usize::try_from(at)
        .ok()
        .and_then(|at| part.get(at..))
        .unwrap_or_default();
    let n = rest.len().min(buf.len());
    buf[..n].copy_from_slice(&rest[..n]);
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::zipcheck::VERIFY_MAX;
    use std::io::{Cursor, Write};
    use zip::write::SimpleFileOptions;
    use zip::{CompressionMethod, ZipArchive, ZipWriter};

    /// A text part that inflates to just over `VERIFY_MAX`, varied enough to
    /// keep the deflate stream honest.
    fn big_text() -> Vec<u8> {
        let mut text = Vec::with_capacity(VERIFY_MAX as usize + (64 << 10));
        let mut row = 0u64;
        while (text.len() as u64) <= VERIFY_MAX {
            let _ = write!(
                text,
                "<row r=\"{row}\"><c><v>{}</v></c></row>",
                row * 7919 % 10007
            );
            row += 1;
        }
        text
    }

    /// A zip of a small part, the big one (deflated or stored) and another small part.
    fn zip_with(big: &[u8], method: CompressionMethod) -> Vec<u8> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        zip.start_file("a.xml", deflated).unwrap();
        zip.write_all(b"<a>first</a>").unwrap();
        zip.start_file(
            "xl/worksheets/sheet1.xml",
            SimpleFileOptions::default().compression_method(method),
        )
        .unwrap();
        zip.write_all(big).unwrap();
        zip.start_file("z.xml", deflated).unwrap();
        zip.write_all(b"<z>last</z>").unwrap();
        zip.finish().unwrap().into_inner()
    }

    fn part(archive: &mut ZipArchive<impl Read + Seek>, name: &str) -> Vec<u8> {
        let mut out = Vec::new();
        archive
            .by_name(name)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    /// Reads the big part (twice if asked) and the small ones through the
    /// extended zip, the verification's side pumping the relay if `relay`.
    fn read_through(bytes: &[u8], relay: bool, twice: bool) -> (Vec<Vec<u8>>, u64) {
        let plan = Plan::of(bytes, VERIFY_MAX).expect("a plan for the big part");
        assert_eq!(plan.name, "xl/worksheets/sheet1.xml");
        assert_eq!(plan.index, 1);
        let (outlet, inlet) = channel();
        std::thread::scope(|s| {
            if relay {
                s.spawn(|| {
                    let mut original = ZipArchive::new(Cursor::new(bytes)).unwrap();
                    let mut entry = original.by_index(plan.index).unwrap();
                    outlet.pump(&mut entry).unwrap()
                });
            } else {
                drop(outlet);
            }
            let extended = Extended::new(bytes, Some(Tail::new(&plan, Some(inlet))));
            let mut archive = ZipArchive::new(extended).unwrap();
            let mut parts = vec![part(&mut archive, "xl/worksheets/sheet1.xml")];
            if twice {
                parts.push(part(&mut archive, "xl/worksheets/sheet1.xml"));
            }
            parts.push(part(&mut archive, "a.xml"));
            parts.push(part(&mut archive, "z.xml"));
            let relayed = archive.into_inner().relayed();
            (parts, relayed)
        })
    }

    #[test]
    fn the_relayed_part_reads_as_the_original_and_the_others_are_untouched() {
        let big = big_text();
        let bytes = zip_with(&big, CompressionMethod::Deflated);
        let (parts, relayed) = read_through(&bytes, true, false);
        assert_eq!(
            relayed,
            big.len() as u64,
            "every byte came through the relay"
        );
        assert!(parts[0] == big, "the big part as written");
        assert_eq!(parts[1], b"<a>first</a>");
        assert_eq!(parts[2], b"<z>last</z>");
    }

    #[test]
    fn without_the_relay_or_on_a_second_pass_the_reader_inflates_itself() {
        let big = big_text();
        let bytes = zip_with(&big, CompressionMethod::Deflated);
        let (parts, relayed) = read_through(&bytes, false, false);
        assert_eq!(relayed, 0);
        assert!(parts[0] == big);
        let (parts, relayed) = read_through(&bytes, true, true);
        assert_eq!(relayed, big.len() as u64);
        assert!(
            parts[0] == big && parts[1] == big,
            "both passes read the part"
        );
        assert_eq!(parts[3], b"<z>last</z>");
    }

    #[test]
    fn a_relay_that_breaks_off_is_taken_over_by_the_reader() {
        /// Fails after a few chunks, as a broken part would.
        struct Breaks<R>(R, usize);
        impl<R: Read> Read for Breaks<R> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.1 == 0 {
                    return Err(io::Error::other("broken"));
                }
                let room = buf.len().min(self.1);
                let n = self.0.read(&mut buf[..room])?;
                self.1 -= n;
                Ok(n)
            }
        }
        let big = big_text();
        let bytes = zip_with(&big, CompressionMethod::Deflated);
        let plan = Plan::of(&bytes, VERIFY_MAX).unwrap();
        let (outlet, inlet) = channel();
        let got = std::thread::scope(|s| {
            s.spawn(|| {
                let mut original = ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
                let entry = original.by_index(plan.index).unwrap();
                assert!(outlet.pump(&mut Breaks(entry, 3 * CHUNK + 17)).is_err());
            });
            let extended = Extended::new(&bytes, Some(Tail::new(&plan, Some(inlet))));
            part(
                &mut ZipArchive::new(extended).unwrap(),
                "xl/worksheets/sheet1.xml",
            )
        });
        assert!(got == big);
    }

    #[test]
    fn the_verification_relays_the_biggest_part_not_the_first_big_one() {
        let big = big_text();
        let other = &big[..VERIFY_MAX as usize + 1];
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        zip.start_file("xl/sharedStrings.xml", deflated).unwrap();
        zip.write_all(other).unwrap();
        zip.start_file("xl/worksheets/sheet1.xml", deflated)
            .unwrap();
        zip.write_all(&big).unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        let plan = Plan::of(&bytes, VERIFY_MAX).unwrap();
        assert_eq!(
            (plan.index, plan.name.as_str()),
            (1, "xl/worksheets/sheet1.xml")
        );
        let (outlet, inlet) = channel();
        let (verified, got, relayed) = std::thread::scope(|s| {
            let verify = s.spawn(|| {
                let mut archive = ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
                let relayed = crate::read::zipcheck::Relayed {
                    index: plan.index,
                    name: &plan.name,
                    outlet: Some(outlet),
                };
                crate::read::zipcheck::validate(
                    &mut archive,
                    &crate::config::Limits::default(),
                    Some(relayed),
                )
            });
            let extended = Extended::new(&bytes, Some(Tail::new(&plan, Some(inlet))));
            let mut archive = ZipArchive::new(extended).unwrap();
            let got = part(&mut archive, "xl/worksheets/sheet1.xml");
            let relayed = archive.into_inner().relayed();
            (verify.join().unwrap(), got, relayed)
        });
        assert!(verified.is_ok(), "{verified:?}");
        assert!(got == big);
        assert_eq!(
            relayed,
            big.len() as u64,
            "the sheet came through the relay"
        );
    }

    #[test]
    fn small_stored_or_unusual_zips_are_read_as_they_are() {
        let big = big_text();
        assert!(Plan::of(
            &zip_with(b"<small/>", CompressionMethod::Deflated),
            VERIFY_MAX
        )
        .is_none());
        assert!(Plan::of(&zip_with(&big, CompressionMethod::Stored), VERIFY_MAX).is_none());
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        zip.start_file("xl/media/image1.png", deflated).unwrap();
        zip.write_all(&big).unwrap();
        let image = zip.finish().unwrap().into_inner();
        assert!(
            Plan::of(&image, VERIFY_MAX).is_none(),
            "no reader reads an image"
        );
        let mut bytes = zip_with(&big, CompressionMethod::Deflated);
        // A trailing byte after the end record: not the plain zip a plan is made for.
        bytes.push(0);
        assert!(Plan::of(&bytes, VERIFY_MAX).is_none());
        assert!(Plan::of(b"PK\x05\x06", 0).is_none());
        assert!(Plan::of(&[], 0).is_none());
    }
}
