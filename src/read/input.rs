//! One input, read once: a file (or an upload's bytes) comes into memory
//! within `[limits] max_file_bytes`, is hashed while it is read, and is
//! sniffed once. The check, its verification, the annotated copy and the
//! audit's readers then all work on the same buffer; nothing opens the file
//! again.

use std::borrow::Cow;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::config::Limits;
use crate::read::error::{Damage, Emptiness, Limit, ReadError, Unreadable};
use crate::read::sniff::{self, Format, Sniffed};
use crate::read::Workbook;
use crate::read::{relay, zipcheck};

/// A workbook's bytes in memory, their SHA-256 and what sniffing found.
pub struct Input<'a> {
    bytes: Cow<'a, [u8]>,
    sha256: String,
    sniffed: Sniffed,
}

impl std::fmt::Debug for Input<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("len", &self.bytes.len())
            .field("sha256", &self.sha256)
            .field("sniffed", &self.sniffed)
            .finish()
    }
}

/// Why bytes did not become an [`Input`], and their SHA-256 when they were read.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused {
    pub error: ReadError,
    pub sha256: Option<String>,
}

impl From<ReadError> for Refused {
    fn from(error: ReadError) -> Self {
        Refused {
            error,
            sha256: None,
        }
    }
}

/// Unpacked bytes to verify from which the verification runs on a second thread.
const VERIFY_ALONGSIDE_FROM: u64 = 1 << 20;

/// Bytes are read (and hashed) in pieces of this size.
const CHUNK: usize = 64 << 10;

impl Input<'static> {
    /// Reads the file at `path`: a folder, an empty file or one over
    /// `max_file_bytes` is refused before its bytes are read.
    pub fn read_file(path: &Path, limits: &Limits) -> Result<Self, Refused> {
        let meta = std::fs::metadata(path).map_err(|e| ReadError::from(Unreadable::io(&e)))?;
        if meta.is_dir() {
            return Err(ReadError::Empty(Emptiness::Directory).into());
        }
        let file = std::fs::File::open(path).map_err(|e| ReadError::from(Unreadable::io(&e)))?;
        Self::read_from(file, meta.len(), limits)
    }

    /// Reads `reader` to its end (an upload on stdin); `expected` is the
    /// size to make room for, if known.
    pub fn read_from(reader: impl Read, expected: u64, limits: &Limits) -> Result<Self, Refused> {
        let max = limits.max_file_bytes;
        if expected > max {
            return Err(too_big(expected, max).into());
        }
        let (bytes, sha256) = read_hashed(reader, expected, max)?;
        Input::after_sniff(Cow::Owned(bytes), sha256, limits)
    }
}

impl<'a> Input<'a> {
    /// Takes bytes already in memory (an upload, a fuzzer's input).
    ///
    /// ```
    /// use sozialraum::config::Limits;
    /// use sozialraum::read::{Format, Input};
    ///
    /// let mut book = rust_xlsxwriter::Workbook::new();
    /// book.add_worksheet().write(0, 0, "Fall-ID").unwrap();
    /// let bytes = book.save_to_buffer().unwrap();
    ///
    /// let input = Input::from_bytes(&bytes, &Limits::default()).unwrap();
    /// assert_eq!(input.format(), Format::Xlsx);
    /// assert_eq!(input.sha256().len(), 64);
    /// assert!(input.verify(&Limits::default()).unwrap().is_empty());
    /// ```
    pub fn from_bytes(bytes: &'a [u8], limits: &Limits) -> Result<Self, Refused> {
        let len = bytes.len() as u64;
        if len > limits.max_file_bytes {
            return Err(too_big(len, limits.max_file_bytes).into());
        }
        if bytes.is_empty() {
            return Err(ReadError::Empty(Emptiness::ZeroBytes).into());
        }
        let sha256 = hex(&Sha256::digest(bytes));
        Input::after_sniff(Cow::Borrowed(bytes), sha256, limits)
    }

    fn after_sniff(bytes: Cow<'a, [u8]>, sha256: String, limits: &Limits) -> Result<Self, Refused> {
        match sniff::sniff(&bytes, limits) {
            Ok(sniffed) => Ok(Input {
                bytes,
                sha256,
                sniffed,
            }),
            Err(error) => Err(Refused {
                error,
                sha256: Some(sha256),
            }),
        }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The SHA-256 of the bytes, in lowercase hex.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    pub fn format(&self) -> Format {
        self.sniffed.format
    }

    pub fn sniffed(&self) -> &Sniffed {
        &self.sniffed
    }

    /// Whether the parts' bytes need verifying (`verify`): zip containers only,
    /// an OLE file was checked whole by the sniff.
    pub fn is_zipped(&self) -> bool {
        self.sniffed.format != Format::Xls
    }

    /// Verifies the parts' bytes of a zip container (see `sniff::verify_parts`);
    /// the damage it found, which did not stop reading.
    pub fn verify(&self, limits: &Limits) -> Result<Vec<Damage>, ReadError> {
        self.verify_relaying(limits, None)
    }

    fn verify_relaying(
        &self,
        limits: &Limits,
        relayed: Option<zipcheck::Relayed<'_>>,
    ) -> Result<Vec<Damage>, ReadError> {
        match &self.sniffed.directory {
            Some(directory) => sniff::verify_parts(&self.bytes, directory.clone(), limits, relayed),
            None => Ok(Vec::new()),
        }
    }

    /// Opens the workbook on the bytes, with the format the sniff found.
    pub fn workbook(&self) -> Result<Workbook<InputReader<'_>>, ReadError> {
        self.open(None, None)
    }

    /// Opens the workbook and `read`s it while the zip parts are verified
    /// (`verify`): from a megabyte of parts on a second thread alongside the
    /// reading (the two take about as long), below it first, on this thread.
    /// The verifying thread hands the biggest part to the reader as it
    /// inflates it (`relay`): inflated once, not twice.
    /// A failed verification stops the reading where it is (every read of
    /// the bytes fails from then on: inside a part, in a run of empty rows)
    /// and decides the outcome, whatever the reading found or did. Returns
    /// what `read` returned and the damage that did not stop the reading.
    pub fn read_verified<T>(
        &self,
        limits: &Limits,
        read: impl FnOnce(&mut Workbook<InputReader<'_>>) -> Result<T, ReadError>,
    ) -> Result<(T, Vec<Damage>), ReadError> {
        let open_and_read = |cancel, tail| read(&mut self.open(cancel, tail)?);
        // A second thread pays off from about a megabyte to verify; a small
        // file (most submissions, every file of a consolidation) is verified
        // first.
        if !self.is_zipped() || self.sniffed.verify_bytes < VERIFY_ALONGSIDE_FROM {
            let damage = self.verify(limits)?;
            return Ok((open_and_read(None, None)?, damage));
        }
        let plan = relay::Plan::of(self.bytes(), zipcheck::VERIFY_MAX);
        let cancel = Arc::new(AtomicBool::new(false));
        let verify = |outlet: Option<relay::Outlet>| {
            let relayed = plan.as_ref().map(|p| zipcheck::Relayed {
                index: p.index,
                name: &p.name,
                outlet,
            });
            let verified = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.verify_relaying(limits, relayed)
            }))
            .unwrap_or_else(|_| Err(Unreadable::VerifyAborted.into()));
            if verified.is_err() {
                cancel.store(true, Ordering::Relaxed);
            }
            verified
        };
        let (damage, read) = std::thread::scope(|s| {
            let (outlet, inlet) = match &plan {
                Some(_) => {
                    let (outlet, inlet) = relay::channel();
                    (Some(outlet), Some(inlet))
                }
                None => (None, None),
            };
            let verify = &verify;
            let spawned = std::thread::Builder::new()
                .name("verify".into())
                .spawn_scoped(s, move || verify(outlet));
            // Without a second thread (a tight memory limit) the parts are
            // verified first, and nothing is relayed.
            let (verified_first, tail) = match &spawned {
                Err(_) => (Some(verify(None)?), None),
                Ok(_) => (None, plan.as_ref().map(|p| relay::Tail::new(p, inlet))),
            };
            let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                open_and_read(Some(cancel.clone()), tail)
            }));
            let damage = match (spawned, verified_first) {
                (Ok(handle), _) => handle
                    .join()
                    .unwrap_or_else(|_| Err(Unreadable::VerifyAborted.into()))?,
                (_, Some(damage)) => damage,
                (Err(_), None) => Vec::new(),
            };
            Ok::<_, ReadError>((damage, read))
        })?;
        match read {
            Ok(value) => Ok((value?, damage)),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }

    fn open<'r>(
        &'r self,
        cancel: Option<Arc<AtomicBool>>,
        tail: Option<relay::Tail<'r>>,
    ) -> Result<Workbook<InputReader<'r>>, ReadError> {
        let reader = InputReader {
            bytes: relay::Extended::new(self.bytes(), tail),
            cancel,
        };
        let mut wb = Workbook::open(reader, self.sniffed.format)?;
        wb.uncalculated = self.sniffed.uncalculated;
        Ok(wb)
    }
}

/// The bytes of an input as a reader hands them to a workbook reader
/// (followed by a relayed part, see `relay`); every read fails once the
/// verification has failed.
pub struct InputReader<'a> {
    bytes: relay::Extended<'a>,
    cancel: Option<Arc<AtomicBool>>,
}

impl Read for InputReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
        {
            return Err(std::io::Error::other("reading cancelled"));
        }
        self.bytes.read(buf)
    }
}

impl Seek for InputReader<'_> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.bytes.seek(pos)
    }
}

fn too_big(actual: u64, limit: u64) -> ReadError {
    Limit::FileBytes { actual, limit }.into()
}

/// Reads `reader` to its end into one buffer, hashing every piece as it
/// comes. Past `max` bytes the rest is only counted, for the message.
fn read_hashed(reader: impl Read, expected: u64, max: u64) -> Result<(Vec<u8>, String), Refused> {
    let io = |e: std::io::Error| ReadError::from(Unreadable::io(&e));
    let mut reader = reader.take(max.saturating_add(1));
    // The size the file says it has: one allocation, no copy when it grows.
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    let mut hasher = Sha256::new();
    let mut piece = vec![0u8; CHUNK];
    loop {
        let n = match reader.read(&mut piece) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io(e).into()),
        };
        let got = piece.get(..n).unwrap_or_default();
        hasher.update(got);
        bytes.extend_from_slice(got);
    }
    let read = bytes.len() as u64;
    if read > max {
        drop(bytes);
        let rest = std::io::copy(&mut reader.into_inner(), &mut std::io::sink()).map_err(io)?;
        return Err(too_big(read.saturating_add(rest), max).into());
    }
    if bytes.is_empty() {
        return Err(ReadError::Empty(Emptiness::ZeroBytes).into());
    }
    Ok((bytes, hex(&hasher.finalize())))
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_file_bytes: u64) -> Limits {
        Limits {
            max_file_bytes,
            ..Limits::default()
        }
    }

    /// An `.xls` is read whole up to `[limits] max_file_bytes` and past it the
    /// limit is named (a fixed cap of 64 MiB once cut a larger file short,
    /// which then looked damaged: "Sektor … liegt hinter dem Dateiende").
    #[test]
    fn a_file_is_limited_by_the_configured_file_size_only() {
        let fixture = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/clean_T01_2026-Q3.xls"
        );
        let xls = std::fs::read(fixture).expect("fixture");
        let len = xls.len() as u64;
        let input = Input::read_file(Path::new(fixture), &limits(len)).expect("within the limit");
        assert_eq!(input.format(), Format::Xls);
        assert_eq!(input.bytes(), xls.as_slice());
        assert_eq!(input.sha256(), hex(&Sha256::digest(&xls)));
        for refused in [
            Input::read_file(Path::new(fixture), &limits(len - 1)).map(|_| ()),
            Input::from_bytes(&xls, &limits(len - 1)).map(|_| ()),
            // A stream that does not say its size is cut at the limit and counted on.
            Input::read_from(xls.as_slice(), 0, &limits(len - 1)).map(|_| ()),
        ] {
            assert_eq!(
                refused,
                Err(Refused {
                    error: ReadError::Limit(Limit::FileBytes {
                        actual: len,
                        limit: len - 1
                    }),
                    sha256: None
                })
            );
        }
    }

    #[test]
    fn every_way_in_hashes_and_sniffs_alike() {
        let fixture = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/clean_T01_2026-Q3.ods"
        );
        let bytes = std::fs::read(fixture).expect("fixture");
        let l = Limits::default();
        let from_file = Input::read_file(Path::new(fixture), &l).expect("file");
        let from_bytes = Input::from_bytes(&bytes, &l).expect("bytes");
        let from_stream = Input::read_from(bytes.as_slice(), 0, &l).expect("stream");
        for input in [&from_bytes, &from_stream] {
            assert_eq!(input.sha256(), from_file.sha256());
            assert_eq!(input.format(), Format::Ods);
            assert_eq!(input.bytes(), from_file.bytes());
        }
    }

    #[test]
    fn nothing_to_read_is_said_so() {
        let l = Limits::default();
        let empty = Err(Refused {
            error: ReadError::Empty(Emptiness::ZeroBytes),
            sha256: None,
        });
        assert_eq!(Input::from_bytes(&[], &l).map(|_| ()), empty);
        assert_eq!(Input::read_from(&[][..], 0, &l).map(|_| ()), empty);
        let dir = std::env::temp_dir();
        assert_eq!(
            Input::read_file(&dir, &l).map(|_| ()),
            Err(Refused {
                error: ReadError::Empty(Emptiness::Directory),
                sha256: None
            })
        );
        // Bytes that are no workbook were read: their hash is known.
        let text = b"Fall-ID;Kosten\n";
        let refused = Input::from_bytes(text, &l).expect_err("text");
        assert_eq!(
            refused.sha256.as_deref(),
            Some(hex(&Sha256::digest(text)).as_str())
        );
    }
}
