//! What can go wrong reading a workbook, as data: why a file could not be
//! read ([`ReadError`]), which limit it exceeded ([`Limit`]), and the damage
//! that did not stop the reading ([`Damage`]). The sentences are made by
//! `describe(lang)`, in German or English, when a finding or a message needs
//! them; the values travel from the guarded child to the parent as JSON.

use serde::{Deserialize, Serialize};

use crate::finding::CellPos;
use crate::i18n::Lang;
use crate::read::cfb::{OleDamage, OleNote};
use crate::read::sniff::NotSpreadsheet;

/// Why a file could not be read at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadError {
    /// Damaged, cut off, crafted, or refused by a reader.
    Unreadable(Unreadable),
    /// Password-protected: closed to us, not damaged.
    Encrypted,
    /// Over one of the configured `[limits]`.
    Limit(Limit),
    /// Nothing to read.
    Empty(Emptiness),
    /// Not a spreadsheet at all (a Word document, a PDF, a CSV text).
    NotSpreadsheet(NotSpreadsheet),
}

impl ReadError {
    /// The reason in the user's language.
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            ReadError::Unreadable(u) => u.describe(lang),
            ReadError::Encrypted => pick(
                lang,
                "die Datei ist kennwortgeschützt",
                "the file is password-protected",
            )
            .into(),
            ReadError::Limit(l) => l.describe(lang),
            ReadError::Empty(e) => e.describe(lang).into(),
            ReadError::NotSpreadsheet(n) => n.describe(lang).into(),
        }
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(Lang::De))
    }
}

impl std::error::Error for ReadError {}

impl From<Unreadable> for ReadError {
    fn from(u: Unreadable) -> Self {
        ReadError::Unreadable(u)
    }
}

impl From<Limit> for ReadError {
    fn from(l: Limit) -> Self {
        ReadError::Limit(l)
    }
}

fn pick(lang: Lang, de: &'static str, en: &'static str) -> &'static str {
    crate::i18n::t(lang, de, en)
}

/// Nothing to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Emptiness {
    ZeroBytes,
    Directory,
}

impl Emptiness {
    pub fn describe(self, lang: Lang) -> &'static str {
        match self {
            Emptiness::ZeroBytes => pick(lang, "0 Byte", "0 bytes"),
            Emptiness::Directory => pick(lang, "ein Verzeichnis", "a directory"),
        }
    }
}

/// Why the bytes of a file could not be made into a workbook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unreadable {
    /// The operating system's error (reading the file, running the guarded process).
    Io(SystemError),
    /// A reader (calamine, the zip reader) refused the file; its own words (English).
    Reader(String),
    /// An Excel 2.x–4.0 worksheet (BIFF2, BIFF3 or BIFF4).
    OldExcel { biff: u8 },
    /// The OLE container of an `.xls`, or its workbook stream, is damaged.
    Ole(OleDamage),
    /// The zip container cannot be opened (the zip reader's words).
    ZipCorrupt(String),
    /// More parts than any workbook has.
    TooManyParts(usize),
    /// A directory entry of the zip container cannot be read.
    ZipEntry { entry: String, detail: String },
    /// The zip directory lists a name twice (the zip reader counts).
    DuplicateNames,
    /// Two parts whose names differ only in case.
    DuplicatePart { part: String },
    /// A part name that leaves the container (`../`, an absolute path).
    PathEscapes { part: String },
    /// `sharedStrings.xml` announces more strings than it has room for.
    ForgedUniqueCount {
        part: String,
        declared: u64,
        room: u64,
    },
    /// A part inflates to more than the zip directory says.
    PartLargerThanDeclared { part: String, declared: u64 },
    /// An XML part with a DTD (how entity bombs come in).
    Dtd { part: String },
    /// An XML part nested more than 10,000 levels deep.
    TooDeep { part: String },
    /// A cell reference outside Excel's grid, or a reversed range.
    CellReference {
        part: String,
        reference: String,
        problem: ReferenceProblem,
    },
    /// The sheet list of an `.xlsb` (`xl/workbook.bin`) is broken.
    XlsbWorkbook(XlsbProblem),
    /// A cell's text is longer than Excel allows.
    CellTooLong { cell: CellPos },
    /// A reader panicked on this file (caught in this process).
    ReaderAborted,
    /// A reader panicked in the guarded check (its message, if any).
    ReaderPanicked(String),
    /// The verification of the zip container panicked.
    VerifyAborted,
    /// The guarded process did not start.
    ChildNotStarted(SystemError),
    /// The guarded process ended otherwise, with the last line it wrote to stderr.
    ChildAborted(String),
    /// The guarded process's answer could not be read.
    ChildAnswer(String),
}

/// An operating-system error in both languages, as `i18n::io_error` says it
/// (the system's own words where it has none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemError {
    pub de: String,
    pub en: String,
}

impl SystemError {
    pub fn of(e: &std::io::Error) -> Self {
        SystemError {
            de: crate::i18n::io_error(Lang::De, e),
            en: crate::i18n::io_error(Lang::En, e),
        }
    }

    pub fn describe(&self, lang: Lang) -> &str {
        match lang {
            Lang::De => &self.de,
            Lang::En => &self.en,
        }
    }
}

/// What is wrong with a cell reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceProblem {
    OutsideGrid,
    Reversed,
}

/// What is wrong with the sheet list of an `.xlsb`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum XlsbProblem {
    EmptyProperties,
    ShortSheetEntry,
    MissingRelationship(String),
}

impl Unreadable {
    /// An operating-system error.
    pub fn io(e: &std::io::Error) -> Self {
        Unreadable::Io(SystemError::of(e))
    }

    pub fn describe(&self, lang: Lang) -> String {
        let de = lang == Lang::De;
        match self {
            Unreadable::Io(e) => e.describe(lang).to_string(),
            Unreadable::Reader(e) => e.clone(),
            Unreadable::OldExcel { .. } => pick(
                lang,
                "eine sehr alte Excel-Datei (Excel 2.x–4.0), die nicht unterstützt wird; bitte als .xlsx speichern",
                "a very old Excel file (Excel 2.x–4.0), which is not supported; please save it as .xlsx",
            )
            .into(),
            Unreadable::Ole(d) => d.describe(lang),
            Unreadable::ZipCorrupt(e) if de => {
                format!("ZIP-Container beschädigt oder abgeschnitten ({e})")
            }
            Unreadable::ZipCorrupt(e) => format!("the zip container is damaged or cut off ({e})"),
            Unreadable::TooManyParts(n) if de => format!(
                "{n} Teile im ZIP-Container (Arbeitsmappen haben höchstens einige Tausend; möglicher Angriff)"
            ),
            Unreadable::TooManyParts(n) => format!(
                "{n} parts in the zip container (workbooks have a few thousand at most; a possible attack)"
            ),
            Unreadable::ZipEntry { entry, detail } if de => format!("ZIP-Eintrag {entry}: {detail}"),
            Unreadable::ZipEntry { entry, detail } => format!("zip entry {entry}: {detail}"),
            Unreadable::DuplicateNames => pick(
                lang,
                "der ZIP-Container verzeichnet Teile mit doppeltem Namen (mehrdeutig)",
                "the zip container lists parts with the same name (ambiguous)",
            )
            .into(),
            Unreadable::DuplicatePart { part } if de => {
                format!("der ZIP-Container enthält den Teil {part} doppelt (mehrdeutig)")
            }
            Unreadable::DuplicatePart { part } => {
                format!("the zip container holds the part {part} twice (ambiguous)")
            }
            Unreadable::PathEscapes { part } if de => format!(
                "der ZIP-Container enthält einen Teil mit unzulässigem Pfad „{part}“ (außerhalb des Containers, möglicher Angriff)"
            ),
            Unreadable::PathEscapes { part } => format!(
                "the zip container holds a part with the forbidden path \"{part}\" (outside the container, a possible attack)"
            ),
            Unreadable::ForgedUniqueCount {
                part,
                declared,
                room,
            } if de => format!(
                "{part} kündigt {declared} Texte an, hat aber nur Platz für {room}: beschädigt oder manipuliert"
            ),
            Unreadable::ForgedUniqueCount {
                part,
                declared,
                room,
            } => format!(
                "{part} announces {declared} strings but has room for only {room}: damaged or tampered with"
            ),
            Unreadable::PartLargerThanDeclared { part, declared } if de => format!(
                "Teil {part} ist entpackt größer als im ZIP-Verzeichnis angegeben ({declared} Byte): beschädigt oder manipuliert"
            ),
            Unreadable::PartLargerThanDeclared { part, declared } => format!(
                "part {part} unpacks to more than the zip directory says ({declared} bytes): damaged or tampered with"
            ),
            Unreadable::Dtd { part } if de => format!(
                "Teil {part} enthält eine DTD mit Entitäten (in Arbeitsmappen unzulässig, möglicher Angriff)"
            ),
            Unreadable::Dtd { part } => format!(
                "part {part} contains a DTD with entities (not allowed in workbooks, a possible attack)"
            ),
            Unreadable::TooDeep { part } if de => format!(
                "Teil {part} ist mehr als 10.000 Ebenen tief verschachtelt (in Arbeitsmappen unüblich, möglicher Angriff)"
            ),
            Unreadable::TooDeep { part } => format!(
                "part {part} is nested more than 10,000 levels deep (unusual in workbooks, a possible attack)"
            ),
            Unreadable::CellReference {
                part,
                reference,
                problem,
            } => {
                let why = match problem {
                    ReferenceProblem::OutsideGrid => pick(
                        lang,
                        "liegt außerhalb des Excel-Rasters A1:XFD1048576",
                        "lies outside Excel's grid A1:XFD1048576",
                    ),
                    ReferenceProblem::Reversed => {
                        pick(lang, "ist ein umgekehrter Bereich", "is a reversed range")
                    }
                };
                if de {
                    format!(
                        "Teil {part}: der Zellbezug „{reference}“ {why} (beschädigt oder manipuliert)"
                    )
                } else {
                    format!(
                        "part {part}: the cell reference \"{reference}\" {why} (damaged or tampered with)"
                    )
                }
            }
            Unreadable::XlsbWorkbook(problem) => {
                let what = match problem {
                    XlsbProblem::EmptyProperties => pick(
                        lang,
                        "die Arbeitsmappen-Eigenschaften sind leer",
                        "the workbook properties are empty",
                    )
                    .to_string(),
                    XlsbProblem::ShortSheetEntry => {
                        pick(lang, "ein Blatteintrag ist zu kurz", "a sheet entry is too short")
                            .to_string()
                    }
                    XlsbProblem::MissingRelationship(id) if de => {
                        format!("ein Blatt verweist auf die Beziehung „{id}“, die es nicht gibt")
                    }
                    XlsbProblem::MissingRelationship(id) => {
                        format!("a sheet refers to the relationship \"{id}\", which does not exist")
                    }
                };
                format!(
                    "xl/workbook.bin: {what} ({})",
                    pick(lang, "beschädigt oder manipuliert", "damaged or tampered with")
                )
            }
            Unreadable::CellTooLong { cell } if de => format!(
                "die Zelle {} enthält mehr als {} Zeichen (Excel-Grenze)",
                cell.a1(),
                crate::read::MAX_CELL_CHARS
            ),
            Unreadable::CellTooLong { cell } => format!(
                "the cell {} holds more than {} characters (Excel's limit)",
                cell.a1(),
                crate::read::MAX_CELL_CHARS
            ),
            Unreadable::ReaderAborted => pick(
                lang,
                "das Leseprogramm brach bei dieser Datei ab",
                "the reader broke down on this file",
            )
            .into(),
            Unreadable::ReaderPanicked(msg) => {
                let base = pick(lang, "Lesefehler im Leseprogramm", "the reader failed");
                if msg.is_empty() {
                    base.into()
                } else {
                    format!("{base} ({msg})")
                }
            }
            Unreadable::VerifyAborted => pick(
                lang,
                "die Prüfung des ZIP-Containers brach ab",
                "the check of the zip container broke down",
            )
            .into(),
            Unreadable::ChildNotStarted(e) if de => format!(
                "Prüfprozess startet nicht (Start, Speichergrenze per setrlimit oder Elternbindung per prctl): {}",
                e.describe(lang)
            ),
            Unreadable::ChildNotStarted(e) => format!(
                "the reading process does not start (spawn, memory limit by setrlimit or parent binding by prctl): {}",
                e.describe(lang)
            ),
            Unreadable::ChildAborted(last) if de => format!("Leseprogramm abgebrochen ({last})"),
            Unreadable::ChildAborted(last) => format!("the reader aborted ({last})"),
            Unreadable::ChildAnswer(e) if de => format!("Antwort des Prüfprozesses unlesbar: {e}"),
            Unreadable::ChildAnswer(e) => {
                format!("the reading process's answer is unreadable: {e}")
            }
        }
    }
}

/// A configured limit (`[limits]`) the file exceeds, or the guarded
/// process's memory and time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// The file is larger than `max_file_bytes`.
    FileBytes { actual: u64, limit: u64 },
    /// A part declares more than `max_part_bytes`.
    PartBytes {
        part: String,
        actual: u64,
        limit: u64,
    },
    /// A part inflates more than `max_compression_ratio`-fold.
    CompressionRatio {
        part: String,
        actual: u64,
        limit: u64,
    },
    /// The parts together inflate to more than `max_unpacked_bytes`
    /// (`actual` as declared; `None` when counted while inflating).
    UnpackedBytes { actual: Option<u64>, limit: u64 },
    /// A part inflated to more than its declared size (`max_part_bytes`).
    PartBeyondDeclared { part: String, declared: u64 },
    /// A cell beyond `max_rows` × `max_columns`.
    Grid {
        cell: CellPos,
        max_rows: u32,
        max_columns: u32,
    },
    /// More cells in one sheet than `max_cells_per_sheet`.
    CellsPerSheet { limit: u64 },
    /// The guarded process's memory (`memory_mib`).
    Memory { mib: u64, cause: MemoryCause },
    /// The guarded process's time (`timeout_seconds`).
    Time { seconds: u64, job: Job },
}

/// How the guarded process ran out of memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemoryCause {
    /// `memory_mib` lies above the system's hard limit (MiB).
    AboveHardLimit { hard_mib: u64 },
    /// The allocator said so.
    Exhausted,
    /// Killed by a signal (SIGABRT, SIGKILL, SIGSEGV), most likely over its limit.
    Signal(i32),
}

/// What the guarded process was doing when its time ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Job {
    /// Checking a submission.
    Check,
    /// Reading an audit input (budget plan, district workbook).
    Read,
}

impl Limit {
    /// The key in `[limits]` that sets it.
    pub fn setting(&self) -> &'static str {
        match self {
            Limit::FileBytes { .. } => "max_file_bytes",
            Limit::PartBytes { .. } | Limit::PartBeyondDeclared { .. } => "max_part_bytes",
            Limit::CompressionRatio { .. } => "max_compression_ratio",
            Limit::UnpackedBytes { .. } => "max_unpacked_bytes",
            Limit::Grid { cell, max_rows, .. } if cell.row >= *max_rows => "max_rows",
            Limit::Grid { .. } => "max_columns",
            Limit::CellsPerSheet { .. } => "max_cells_per_sheet",
            Limit::Memory { .. } => "memory_mib",
            Limit::Time { .. } => "timeout_seconds",
        }
    }

    pub fn describe(&self, lang: Lang) -> String {
        let de = lang == Lang::De;
        match self {
            Limit::FileBytes { actual, limit } if de => {
                format!("{} MiB (Grenze {} MiB)", actual >> 20, limit >> 20)
            }
            Limit::FileBytes { actual, limit } => {
                format!("{} MiB (limit {} MiB)", actual >> 20, limit >> 20)
            }
            Limit::PartBytes {
                part,
                actual,
                limit,
            } if de => format!(
                "Teil {part} entpackt {} MiB (Grenze {} MiB)",
                actual >> 20,
                limit >> 20
            ),
            Limit::PartBytes {
                part,
                actual,
                limit,
            } => format!(
                "part {part} unpacks to {} MiB (limit {} MiB)",
                actual >> 20,
                limit >> 20
            ),
            Limit::CompressionRatio {
                part,
                actual,
                limit,
            } if de => format!(
                "Teil {part} ist {actual}-fach komprimiert (Grenze {limit}): vermutlich eine ZIP-Bombe"
            ),
            Limit::CompressionRatio {
                part,
                actual,
                limit,
            } => format!(
                "part {part} is compressed {actual}-fold (limit {limit}): most likely a zip bomb"
            ),
            Limit::UnpackedBytes {
                actual: Some(actual),
                limit,
            } if de => format!("entpackt {} MiB (Grenze {} MiB)", actual >> 20, limit >> 20),
            Limit::UnpackedBytes {
                actual: Some(actual),
                limit,
            } => format!("unpacks to {} MiB (limit {} MiB)", actual >> 20, limit >> 20),
            Limit::UnpackedBytes {
                actual: None,
                limit,
            } if de => format!("entpackt mehr als {} MiB", limit >> 20),
            Limit::UnpackedBytes {
                actual: None,
                limit,
            } => format!("unpacks to more than {} MiB", limit >> 20),
            Limit::PartBeyondDeclared { part, declared } if de => {
                format!("Teil {part} ist entpackt größer als angegeben ({declared} Byte)")
            }
            Limit::PartBeyondDeclared { part, declared } => {
                format!("part {part} unpacks to more than declared ({declared} bytes)")
            }
            Limit::Grid {
                cell,
                max_rows,
                max_columns,
            } if de => format!(
                "die Zelle {} liegt jenseits der Grenze von {max_rows} Zeilen × {max_columns} Spalten",
                cell.a1()
            ),
            Limit::Grid {
                cell,
                max_rows,
                max_columns,
            } => format!(
                "the cell {} lies beyond the limit of {max_rows} rows × {max_columns} columns",
                cell.a1()
            ),
            Limit::CellsPerSheet { limit } if de => format!("mehr als {limit} Zellen in einem Blatt"),
            Limit::CellsPerSheet { limit } => format!("more than {limit} cells in one sheet"),
            Limit::Memory { mib, cause } => match (cause, lang) {
                (MemoryCause::AboveHardLimit { hard_mib }, Lang::De) => format!(
                    "die Speichergrenze {mib} MiB liegt über der harten Grenze dieses Systems ({hard_mib} MiB, ulimit -Hv): hier muss [limits] memory_mib höchstens {hard_mib} sein"
                ),
                (MemoryCause::AboveHardLimit { hard_mib }, Lang::En) => format!(
                    "the memory limit of {mib} MiB lies above this system's hard limit ({hard_mib} MiB, ulimit -Hv): here [limits] memory_mib must be at most {hard_mib}"
                ),
                (MemoryCause::Exhausted, Lang::De) => {
                    format!("das Lesen brauchte mehr als {mib} MiB Speicher")
                }
                (MemoryCause::Exhausted, Lang::En) => {
                    format!("reading needed more than {mib} MiB of memory (memory limit)")
                }
                (MemoryCause::Signal(signal), Lang::De) => format!(
                    "das Leseprogramm brach ab (Signal {signal}), vermutlich über {mib} MiB Speicher"
                ),
                (MemoryCause::Signal(signal), Lang::En) => format!(
                    "the reader aborted (signal {signal}), probably over {mib} MiB of memory"
                ),
            },
            Limit::Time { seconds, job } => match (job, lang) {
                // The check's own words, as the file finding has always said them.
                (Job::Check, Lang::De) => format!("Prüfung dauerte länger als {seconds} s"),
                (Job::Check, Lang::En) => format!("checking took longer than {seconds} s"),
                (Job::Read, Lang::De) => {
                    format!("das Lesen dauerte länger als {seconds} s (Zeitgrenze)")
                }
                (Job::Read, Lang::En) => format!("reading took longer than {seconds} s (time limit)"),
            },
        }
    }
}

/// Damage that did not stop the reading: reported as a `FILE-DAMAGED`
/// warning, and what could be read was checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Damage {
    /// A zip part's checksum or size (the zip reader's words).
    PartRead { part: String, detail: String },
    /// A zip part that is no well-formed XML (the XML reader's words).
    MalformedXml {
        part: String,
        position: u64,
        detail: String,
    },
    /// A part of an `.xls` that calamine never reads (properties, drawings).
    Ole(OleNote),
    /// A sheet no rule reads could not be read through.
    Sheet { sheet: String, error: Unreadable },
}

impl Damage {
    pub fn describe(&self, lang: Lang) -> String {
        let de = lang == Lang::De;
        match self {
            Damage::PartRead { part, detail } if de => format!("Teil {part}: {detail}"),
            Damage::PartRead { part, detail } => format!("part {part}: {detail}"),
            Damage::MalformedXml {
                part,
                position,
                detail,
            } if de => format!("Teil {part} ist kein gültiges XML (Position {position}: {detail})"),
            Damage::MalformedXml {
                part,
                position,
                detail,
            } => format!("part {part} is no well-formed XML (position {position}: {detail})"),
            Damage::Ole(note) => note.describe(lang),
            Damage::Sheet { sheet, error } if de => {
                format!("Blatt „{sheet}“: {}", error.describe(lang))
            }
            Damage::Sheet { sheet, error } => {
                format!("sheet \"{sheet}\": {}", error.describe(lang))
            }
        }
    }
}
