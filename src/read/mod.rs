//! Reading workbooks: the format is sniffed from the bytes, the zip container
//! is checked against the limits before a reader sees it, and every sheet is
//! delivered row by row as raw cells (streamed for xlsx/xlsb), so a sheet
//! declaring `A1:XFD1048576` costs two cells, not a dense grid.

pub mod cfb;
pub mod error;
pub mod input;
pub mod relay;
pub mod sniff;
pub mod zipcheck;

use std::io::{Read, Seek};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use calamine::{Data, DataRef, Ods, Reader, SheetVisible, Xls, Xlsb, Xlsx};
use chrono::NaiveDateTime;
use compact_str::CompactString;

use crate::config::Limits;
pub use error::{Damage, Emptiness, Limit, ReadError, Unreadable};
pub use input::{Input, InputReader, Refused};
pub use sniff::Format;

/// A cell as read, before coercion to a column type.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    Empty,
    /// Text; short texts (Fall-IDs, Sozialräume, codes) live inline, without an
    /// allocation: a big sheet holds millions of them.
    Text(CompactString),
    Number(f64),
    Int(i64),
    Bool(bool),
    /// A cell with a date number format.
    DateTime(NaiveDateTime),
    /// An Excel error value (`#DIV/0!`, `#WERT!`, LibreOffice `Err:502` …).
    Error(String),
    /// A formula without a cached result; carries the formula text.
    NoValue(String),
}

impl Raw {
    pub fn is_empty(&self) -> bool {
        match self {
            Raw::Empty => true,
            Raw::Text(s) => crate::text::is_blank(s),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RawCell {
    pub col: u32,
    pub raw: Raw,
}

#[derive(Debug, Clone)]
pub struct SheetInfo {
    pub name: String,
    pub hidden: bool,
    /// A worksheet (not a chart, dialog or macro sheet).
    pub is_worksheet: bool,
}

enum Inner<RS: Read + Seek> {
    Xlsx(Box<Xlsx<RS>>),
    Xlsb(Box<Xlsb<RS>>),
    Xls(Box<Xls<RS>>),
    Ods(Box<Ods<RS>>),
}

/// An open workbook of any supported format.
pub struct Workbook<RS: Read + Seek> {
    pub format: Format,
    /// Cached formula results of 0 are not results (see `Sniffed::uncalculated`).
    pub uncalculated: bool,
    pub sheets: Vec<SheetInfo>,
    pub is_1904: bool,
    inner: Inner<RS>,
}

/// Marks a cell whose text exceeds Excel's limit; the row assembler turns it into a read error.
const TOO_LONG: &str = "\u{0}too-long";

const ERROR_LITERALS: [&str; 16] = [
    "#DIV/0!",
    "#WERT!",
    "#VALUE!",
    "#BEZUG!",
    "#REF!",
    "#NAME?",
    "#NAME!",
    "#NV",
    "#N/A",
    "#ZAHL!",
    "#NUM!",
    "#NULL!",
    "#LEER!",
    "#GETTING_DATA",
    "#SPILL!",
    "#CALC!",
];

/// Excel's own limit for the text of one cell.
pub const MAX_CELL_CHARS: usize = 32_767;

fn text_or_error(s: &str) -> Raw {
    if s.len() > MAX_CELL_CHARS * 4
        || (s.len() > MAX_CELL_CHARS && s.chars().count() > MAX_CELL_CHARS)
    {
        return Raw::Error(TOO_LONG.to_string());
    }
    // Most texts (case keys, names, codes) start with a letter or a digit:
    // no error literal (those start with `#` or `Err:`), nothing to trim.
    if s.as_bytes()
        .first()
        .is_some_and(|&b| b.is_ascii_alphanumeric() && b != b'E')
    {
        return Raw::Text(CompactString::new(s));
    }
    let t = s.trim();
    if t.starts_with('#') && ERROR_LITERALS.iter().any(|e| e.eq_ignore_ascii_case(t)) {
        return Raw::Error(t.to_string());
    }
    if let Some(code) = t.strip_prefix("Err:") {
        if !code.is_empty() && code.len() <= 4 && code.chars().all(|c| c.is_ascii_digit()) {
            return Raw::Error(t.to_string());
        }
    }
    Raw::Text(CompactString::new(s))
}

fn iso_date(s: &str) -> Raw {
    let date_part = s.get(0..10).unwrap_or(s);
    if let Ok(d) = chrono::NaiveDate::parse_from_str(date_part, "%Y-%m-%d") {
        return Raw::DateTime(d.and_hms_opt(0, 0, 0).unwrap_or_default());
    }
    Raw::Text(CompactString::new(s))
}

fn from_ref(d: &DataRef<'_>) -> Raw {
    match d {
        DataRef::Int(i) => Raw::Int(*i),
        DataRef::Float(f) => Raw::Number(*f),
        DataRef::String(s) => text_or_error(s),
        DataRef::SharedString(s) => text_or_error(s),
        DataRef::Bool(b) => Raw::Bool(*b),
        DataRef::DateTime(dt) => match dt.as_datetime() {
            Some(x) if !dt.is_duration() => Raw::DateTime(x),
            _ => Raw::Number(dt.as_f64()),
        },
        DataRef::DateTimeIso(s) => iso_date(s),
        DataRef::DurationIso(s) => Raw::Text(CompactString::new(s)),
        DataRef::Error(e) => Raw::Error(e.to_string()),
        DataRef::Empty => Raw::Empty,
    }
}

fn from_data(d: &Data) -> Raw {
    match d {
        Data::Int(i) => Raw::Int(*i),
        Data::Float(f) => Raw::Number(*f),
        Data::String(s) => text_or_error(s),
        Data::Bool(b) => Raw::Bool(*b),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(x) if !dt.is_duration() => Raw::DateTime(x),
            _ => Raw::Number(dt.as_f64()),
        },
        Data::DateTimeIso(s) => iso_date(s),
        Data::DurationIso(s) => Raw::Text(CompactString::new(s)),
        Data::Error(e) => Raw::Error(e.to_string()),
        Data::Empty => Raw::Empty,
    }
}

/// A reader's error: encrypted, or unreadable in the reader's own words.
fn unreadable<E: PasswordError + std::fmt::Display>(e: E) -> ReadError {
    if e.is_password() {
        ReadError::Encrypted
    } else {
        Unreadable::Reader(e.to_string()).into()
    }
}

/// The error variants by which calamine (and the zip reader beneath it) say
/// that a workbook is encrypted: then it is not damaged, only closed to us.
trait PasswordError {
    fn is_password(&self) -> bool;
}

fn zip_password(e: &zip::result::ZipError) -> bool {
    use zip::result::ZipError;
    match e {
        ZipError::InvalidPassword => true,
        ZipError::UnsupportedArchive(m) => *m == ZipError::PASSWORD_REQUIRED,
        _ => false,
    }
}

impl PasswordError for std::io::Error {
    fn is_password(&self) -> bool {
        false
    }
}

impl PasswordError for calamine::XlsxError {
    fn is_password(&self) -> bool {
        match self {
            calamine::XlsxError::Password => true,
            calamine::XlsxError::Zip(z) => zip_password(z),
            _ => false,
        }
    }
}

impl PasswordError for calamine::XlsbError {
    fn is_password(&self) -> bool {
        match self {
            calamine::XlsbError::Password => true,
            calamine::XlsbError::Zip(z) => zip_password(z),
            _ => false,
        }
    }
}

impl PasswordError for calamine::OdsError {
    fn is_password(&self) -> bool {
        match self {
            calamine::OdsError::Password => true,
            calamine::OdsError::Zip(z) => zip_password(z),
            _ => false,
        }
    }
}

impl PasswordError for calamine::XlsError {
    fn is_password(&self) -> bool {
        matches!(self, calamine::XlsError::Password)
    }
}

impl<RS: Read + Seek> Workbook<RS> {
    /// Opens a workbook whose format was sniffed from its bytes.
    pub fn open(mut reader: RS, format: Format) -> Result<Self, ReadError> {
        reader.rewind().map_err(unreadable)?;
        let (inner, is_1904) = match format {
            Format::Xlsx => {
                let wb = Xlsx::new(reader).map_err(unreadable)?;
                let f = wb.has_1904_epoch();
                (Inner::Xlsx(Box::new(wb)), f)
            }
            Format::Xlsb => {
                let wb = Xlsb::new(reader).map_err(unreadable)?;
                let f = wb.has_1904_epoch();
                (Inner::Xlsb(Box::new(wb)), f)
            }
            Format::Xls => {
                let wb = Xls::new(reader).map_err(unreadable)?;
                let f = wb.has_1904_epoch();
                (Inner::Xls(Box::new(wb)), f)
            }
            Format::Ods => (
                Inner::Ods(Box::new(Ods::new(reader).map_err(unreadable)?)),
                false,
            ),
        };
        let meta = match &inner {
            Inner::Xlsx(w) => w.sheets_metadata().to_vec(),
            Inner::Xlsb(w) => w.sheets_metadata().to_vec(),
            Inner::Xls(w) => w.sheets_metadata().to_vec(),
            Inner::Ods(w) => w.sheets_metadata().to_vec(),
        };
        let sheets = meta
            .into_iter()
            .map(|s| SheetInfo {
                name: s.name,
                hidden: !matches!(s.visible, SheetVisible::Visible),
                is_worksheet: matches!(s.typ, calamine::SheetType::WorkSheet),
            })
            .collect();
        Ok(Workbook {
            format,
            uncalculated: false,
            sheets,
            is_1904,
            inner,
        })
    }

    /// The number formats of a sheet's cells, where the format keeps them (xlsx).
    pub fn number_formats(&mut self, sheet: &str) -> Option<NumberFormats> {
        match &mut self.inner {
            Inner::Xlsx(wb) => wb.worksheet_style(sheet).ok().map(NumberFormats),
            _ => None,
        }
    }

    /// Calls `on_row(row, cells)` for every row with a non-empty cell, in the
    /// sheet's row order; `on_row` returns `false` to stop early. Rows and
    /// columns are 0-based, counted from A1.
    ///
    /// A big sheet is read and handed to `on_row` on two threads: the XML
    /// parse and the rules on the rows take about the same time, so a check
    /// costs little more than the read. Rows travel in recycled batches
    /// through a short queue (memory stays bounded); `on_row` sees them in
    /// order. A sheet of one batch or less stays on this thread.
    ///
    /// xlsx and xlsb cells cross as the reader's borrowed values (see `Met`):
    /// the reading thread only parses, the other one makes `Raw` cells.
    pub fn for_each_row<F>(
        &mut self,
        sheet: &str,
        limits: &Limits,
        on_row: F,
    ) -> Result<(), ReadError>
    where
        F: FnMut(u32, &[RawCell]) -> bool + Send,
    {
        let uncalculated = self.uncalculated;
        match &mut self.inner {
            Inner::Xlsx(wb) => {
                let mut reader = wb.worksheet_cells_reader(sheet).map_err(unreadable)?;
                stream(limits, on_row, |rows| {
                    while let Some(cell) = reader.next_cell_with_formula().map_err(unreadable)? {
                        let met = match (cell.value, cell.formula) {
                            (DataRef::Empty, Some(f)) if !f.is_empty() => {
                                Met::Raw(Raw::NoValue(format!("={f}")))
                            }
                            (DataRef::Float(z), Some(f))
                                if uncalculated && z == 0.0 && !f.is_empty() =>
                            {
                                Met::Raw(Raw::NoValue(format!("={f}")))
                            }
                            (DataRef::Int(0), Some(f)) if uncalculated && !f.is_empty() => {
                                Met::Raw(Raw::NoValue(format!("={f}")))
                            }
                            (v, _) => Met::of(v),
                        };
                        if !rows.push(cell.pos.0, cell.pos.1, met)? {
                            break;
                        }
                    }
                    Ok(())
                })
            }
            Inner::Xlsb(wb) => {
                let mut reader = wb.worksheet_cells_reader(sheet).map_err(unreadable)?;
                stream(limits, on_row, |rows| {
                    while let Some(cell) = reader.next_cell().map_err(unreadable)? {
                        let (r, c) = cell.get_position();
                        if !rows.push(r, c, Met::of(cell.get_value().clone()))? {
                            break;
                        }
                    }
                    Ok(())
                })
            }
            Inner::Xls(wb) => {
                let range = wb.worksheet_range(sheet).map_err(unreadable)?;
                let blank = wb
                    .worksheet_formula(sheet)
                    .map(|f| blank_formulas(&range, &f, true))
                    .unwrap_or_default();
                stream(limits, on_row, |rows| feed_range(&range, blank, rows))
            }
            Inner::Ods(wb) => {
                let range = wb.worksheet_range(sheet).map_err(unreadable)?;
                let blank = wb
                    .worksheet_formula(sheet)
                    .map(|f| blank_formulas(&range, &f, false))
                    .unwrap_or_default();
                stream(limits, on_row, |rows| feed_range(&range, blank, rows))
            }
        }
    }
}

/// Runs `produce` (which pushes a sheet's cells into the row assembler) on
/// this thread and `on_row` on the rows, on a second thread once the sheet
/// fills a batch.
fn stream<'a, F>(
    limits: &Limits,
    on_row: F,
    produce: impl FnOnce(&mut RowAssembler<'_, 'a>) -> Result<(), ReadError>,
) -> Result<(), ReadError>
where
    F: FnMut(u32, &[RawCell]) -> bool + Send,
{
    let stopped = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let mut handoff = Handoff {
            scope,
            stopped: &stopped,
            state: HandoffState::Inline(on_row),
            alone: false,
            scratch: Vec::new(),
        };
        let mut rows = RowAssembler::new(limits, &mut handoff);
        // The rows before an error are delivered too (a damaged sheet is
        // still copied as far as it could be read).
        let read = produce(&mut rows);
        rows.ship(false);
        handoff.finish();
        // A stop comes from a row before the reader's position: what the
        // reader met after it (a limit, a broken part) is not this sheet's business.
        if stopped.load(Ordering::Acquire) {
            Ok(())
        } else {
            read
        }
    })
}

/// A cell as the reader met it. xlsx and xlsb values stay calamine's (shared
/// strings borrowed from the workbook) until the thread running the rules
/// turns them into `Raw`: copying texts and computing dates cost about a
/// tenth of the XML parse, and the parse is the slower of the two threads.
/// Whether a cell is empty, and whether its text is too long, is decided at
/// once, by the reader: those decide the limits and where reading stops.
enum Met<'a> {
    Ref(DataRef<'a>),
    Raw(Raw),
}

impl<'a> Met<'a> {
    fn of(value: DataRef<'a>) -> Self {
        match &value {
            DataRef::String(s) if s.len() > MAX_CELL_CHARS => Met::Raw(text_or_error(s)),
            DataRef::SharedString(s) if s.len() > MAX_CELL_CHARS => Met::Raw(text_or_error(s)),
            _ => Met::Ref(value),
        }
    }

    /// As `Raw::is_empty` of the converted cell.
    fn is_empty(&self) -> bool {
        match self {
            Met::Raw(raw) => raw.is_empty(),
            Met::Ref(DataRef::Empty) => true,
            Met::Ref(DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s)) => {
                crate::text::is_blank(s)
            }
            Met::Ref(DataRef::SharedString(s)) => crate::text::is_blank(s),
            Met::Ref(_) => false,
        }
    }

    fn into_raw(self) -> Raw {
        match self {
            Met::Ref(value) => from_ref(&value),
            Met::Raw(raw) => raw,
        }
    }
}

/// Number formats by cell (a run-length structure: memory follows the styled cells).
pub struct NumberFormats(calamine::StyleRange);

impl NumberFormats {
    pub fn get(&self, row: u32, col: u32) -> Option<&str> {
        let f = self.0.get((row, col))?.number_format.as_ref()?;
        if f.format_code.is_empty() || f.format_code == "General" {
            None
        } else {
            Some(f.format_code.as_str())
        }
    }
}

/// The formula cells (absolute row, column, formula) whose cached result is
/// blank, in row order. xls and ods keep no "no result" state: LibreOffice
/// saves `=WENN(…;"")` as an empty text (ods `office:value-type="string"`
/// without text, xls a FORMULA record with an empty string result), so
/// calamine shows an empty cell where xlsx shows a formula without a result.
/// Read as `Raw::NoValue`, such a cell means the same in every format (a
/// template's prepared row, or a `formula` finding in a filled row).
///
/// calamine decodes no text for xls shared formulas (an empty string in the
/// formula range); in xls an empty text value only ever comes from a formula,
/// so there it suffices (`empty_text_is_formula`).
fn blank_formulas(
    values: &calamine::Range<Data>,
    formulas: &calamine::Range<String>,
    empty_text_is_formula: bool,
) -> Vec<(u32, u32, String)> {
    let Some((r0, c0)) = formulas.start() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (r, c, f) in formulas.cells() {
        let (Ok(r), Ok(c)) = (u32::try_from(r), u32::try_from(c)) else {
            continue;
        };
        let pos = (r0.saturating_add(r), c0.saturating_add(c));
        let f = f.trim();
        let formula = match values.get_value(pos) {
            None | Some(Data::Empty) => !f.is_empty(),
            Some(Data::String(s)) if s.is_empty() => !f.is_empty() || empty_text_is_formula,
            Some(Data::String(s)) => crate::text::is_blank(s) && !f.is_empty(),
            Some(_) => false,
        };
        if formula {
            // ODS writes `of:=…`; show the formula as a user would type it.
            let f = f.strip_prefix("of:").unwrap_or(f);
            let shown = match f {
                "" => "=…".to_string(),
                f if f.starts_with('=') => f.to_string(),
                f => format!("={f}"),
            };
            out.push((pos.0, pos.1, shown));
        }
    }
    out
}

/// Feeds a dense range's cells in row order, with the `blank` formula cells
/// (from `blank_formulas`) merged in as `Raw::NoValue`.
fn feed_range(
    range: &calamine::Range<Data>,
    blank: Vec<(u32, u32, String)>,
    rows: &mut RowAssembler,
) -> Result<(), ReadError> {
    let mut blank = blank.into_iter().peekable();
    if let Some((r0, c0)) = range.start() {
        for (r, c, d) in range.used_cells() {
            let (Ok(r), Ok(c)) = (u32::try_from(r), u32::try_from(c)) else {
                continue;
            };
            let pos = (r0.saturating_add(r), c0.saturating_add(c));
            let mut replaced = false;
            while let Some((br, bc, f)) = blank.next_if(|(br, bc, _)| (*br, *bc) <= pos) {
                replaced |= (br, bc) == pos;
                if !rows.push(br, bc, Met::Raw(Raw::NoValue(f)))? {
                    return Ok(());
                }
            }
            if replaced {
                continue;
            }
            if !rows.push(pos.0, pos.1, Met::Raw(from_data(d)))? {
                return Ok(());
            }
        }
    }
    for (br, bc, f) in blank {
        if !rows.push(br, bc, Met::Raw(Raw::NoValue(f)))? {
            return Ok(());
        }
    }
    Ok(())
}

/// Rows per batch: enough to make the hand-over between threads rare.
const BATCH_ROWS: usize = 256;
/// Full batches waiting for the consumer (a stretch of rows rich in findings
/// slows the rules for a moment, not the reader); with the one being filled
/// and the one being checked, at most this + 2 batches exist.
const QUEUED_BATCHES: usize = 4;

/// Rows in one flat cell vector: row `i` holds `cells[starts[i].1..starts[i + 1].1]`.
#[derive(Default)]
struct Batch<'a> {
    starts: Vec<(u32, usize)>,
    cells: Vec<(u32, Met<'a>)>,
}

impl Batch<'_> {
    /// Hands the rows to `on_row` in order, their cells made `Raw` in
    /// `scratch`, and leaves the batch empty; `false` when `on_row` stopped.
    fn deliver(
        &mut self,
        scratch: &mut Vec<RawCell>,
        on_row: &mut impl FnMut(u32, &[RawCell]) -> bool,
    ) -> bool {
        scratch.clear();
        scratch.extend(self.cells.drain(..).map(|(col, met)| RawCell {
            col,
            raw: met.into_raw(),
        }));
        let ends = self
            .starts
            .iter()
            .skip(1)
            .map(|&(_, i)| i)
            .chain(std::iter::once(scratch.len()));
        let complete = self
            .starts
            .iter()
            .zip(ends)
            .all(|(&(row, start), end)| on_row(row, scratch.get(start..end).unwrap_or(&[])));
        self.starts.clear();
        complete
    }
}

/// Where full batches go: first to `on_row` on the reading thread; once a
/// sheet fills a batch, to a consumer thread running `on_row`.
trait RowSink<'a> {
    /// Hands over the rows of `batch` (leaving it empty); `more` when the
    /// sheet goes on. `false` when `on_row` has stopped.
    fn ship(&mut self, batch: &mut Batch<'a>, more: bool) -> bool;
}

struct Handoff<'scope, 'env, 'a, F> {
    scope: &'scope std::thread::Scope<'scope, 'env>,
    stopped: &'env AtomicBool,
    state: HandoffState<'scope, 'a, F>,
    /// No second thread could be started: every row on the reading thread.
    alone: bool,
    /// The cells of the batch being delivered on this thread.
    scratch: Vec<RawCell>,
}

#[cfg(test)]
thread_local! {
    /// Tests: behave as if the consumer thread could not be started.
    static NO_THREADS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

enum HandoffState<'scope, 'a, F> {
    Inline(F),
    Threaded {
        full: mpsc::SyncSender<Batch<'a>>,
        empty: mpsc::Receiver<Batch<'a>>,
        consumer: std::thread::ScopedJoinHandle<'scope, ()>,
    },
    Finished,
}

impl<'scope, 'env, 'a, F> Handoff<'scope, 'env, 'a, F>
where
    F: FnMut(u32, &[RawCell]) -> bool + Send + 'scope,
    'a: 'scope,
{
    /// Moves `on_row` to a new consumer thread; `false` (and `on_row` back in
    /// place) when the thread cannot be started.
    fn start_consumer(&mut self) -> bool {
        let HandoffState::Inline(on_row) =
            std::mem::replace(&mut self.state, HandoffState::Finished)
        else {
            return false;
        };
        #[cfg(test)]
        if NO_THREADS.with(|n| n.get()) {
            self.state = HandoffState::Inline(on_row);
            return false;
        }
        // `on_row` follows the thread once it runs, so a failed start keeps it here.
        let (handler_tx, handler_rx) = mpsc::sync_channel::<F>(1);
        let (full, full_rx) = mpsc::sync_channel::<Batch<'a>>(QUEUED_BATCHES);
        let (empty_tx, empty) = mpsc::channel::<Batch<'a>>();
        let stopped = self.stopped;
        let spawned = std::thread::Builder::new()
            .name("rules".into())
            .spawn_scoped(self.scope, move || {
                if let Ok(on_row) = handler_rx.recv() {
                    consume(full_rx, empty_tx, on_row, stopped);
                }
            });
        match spawned {
            Ok(consumer) => match handler_tx.send(on_row) {
                Ok(()) => {
                    self.state = HandoffState::Threaded {
                        full,
                        empty,
                        consumer,
                    };
                    true
                }
                Err(mpsc::SendError(on_row)) => {
                    self.state = HandoffState::Inline(on_row);
                    false
                }
            },
            Err(_) => {
                self.state = HandoffState::Inline(on_row);
                false
            }
        }
    }

    /// Waits for the consumer to handle every batch sent; its panic is ours.
    fn finish(&mut self) {
        if let HandoffState::Threaded { full, consumer, .. } =
            std::mem::replace(&mut self.state, HandoffState::Finished)
        {
            drop(full);
            if let Err(panic) = consumer.join() {
                std::panic::resume_unwind(panic);
            }
        }
    }
}

impl<'scope, 'env, 'a, F> RowSink<'a> for Handoff<'scope, 'env, 'a, F>
where
    F: FnMut(u32, &[RawCell]) -> bool + Send + 'scope,
    'a: 'scope,
{
    fn ship(&mut self, batch: &mut Batch<'a>, more: bool) -> bool {
        if self.stopped.load(Ordering::Acquire) {
            return false;
        }
        if batch.starts.is_empty() {
            return true;
        }
        if let HandoffState::Inline(on_row) = &mut self.state {
            if !more {
                let complete = batch.deliver(&mut self.scratch, on_row);
                if !complete {
                    self.stopped.store(true, Ordering::Release);
                }
                return complete;
            }
            // The sheet is big: from here on a second thread runs `on_row`
            // (unless no thread can be had, e.g. under a tight memory limit).
            if self.alone || !self.start_consumer() {
                self.alone = true;
                return self.ship(batch, false);
            }
        }
        match &self.state {
            HandoffState::Threaded { full, empty, .. } => {
                let next = empty.try_recv().unwrap_or_default();
                full.send(std::mem::replace(batch, next)).is_ok()
            }
            _ => false,
        }
    }
}

/// The consumer thread: hands each row to `on_row`, returns emptied batches.
fn consume<'a>(
    full: mpsc::Receiver<Batch<'a>>,
    empty: mpsc::Sender<Batch<'a>>,
    mut on_row: impl FnMut(u32, &[RawCell]) -> bool,
    stopped: &AtomicBool,
) {
    let mut scratch = Vec::new();
    for mut batch in full {
        if !batch.deliver(&mut scratch, &mut on_row) {
            stopped.store(true, Ordering::Release);
            return;
        }
        // The reader may be done already and no longer take batches back.
        let _ = empty.send(batch);
    }
}

/// Groups a cell stream into rows, enforces the cell limits and ships full
/// batches of rows.
struct RowAssembler<'s, 'a> {
    max_rows: u32,
    max_columns: u32,
    max_cells: u64,
    count: u64,
    batch: Batch<'a>,
    sink: &'s mut dyn RowSink<'a>,
}

impl<'s, 'a> RowAssembler<'s, 'a> {
    fn new(limits: &Limits, sink: &'s mut dyn RowSink<'a>) -> Self {
        RowAssembler {
            max_rows: limits.max_rows,
            max_columns: limits.max_columns,
            max_cells: limits.max_cells_per_sheet,
            count: 0,
            batch: Batch::default(),
            sink,
        }
    }

    /// Adds a cell of the stream; `Ok(false)` when `on_row` has stopped.
    fn push(&mut self, row: u32, col: u32, met: Met<'a>) -> Result<bool, ReadError> {
        if met.is_empty() {
            return Ok(true);
        }
        if matches!(&met, Met::Raw(Raw::Error(e)) if e == TOO_LONG) {
            return Err(Unreadable::CellTooLong {
                cell: crate::finding::CellPos::new(row, col),
            }
            .into());
        }
        if row >= self.max_rows || col >= self.max_columns {
            return Err(Limit::Grid {
                cell: crate::finding::CellPos::new(row, col),
                max_rows: self.max_rows,
                max_columns: self.max_columns,
            }
            .into());
        }
        self.count += 1;
        if self.count > self.max_cells {
            return Err(Limit::CellsPerSheet {
                limit: self.max_cells,
            }
            .into());
        }
        if self.batch.starts.last().map(|&(r, _)| r) != Some(row) {
            if self.batch.starts.len() >= BATCH_ROWS && !self.ship(true) {
                return Ok(false);
            }
            self.batch.starts.push((row, self.batch.cells.len()));
        }
        self.batch.cells.push((col, met));
        Ok(true)
    }

    fn ship(&mut self, more: bool) -> bool {
        self.sink.ship(&mut self.batch, more)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn encryption_is_told_by_the_error_variant_not_its_text() {
        use zip::result::ZipError;
        assert!(matches!(
            unreadable(calamine::XlsxError::Password),
            ReadError::Encrypted
        ));
        assert!(matches!(
            unreadable(calamine::XlsError::Password),
            ReadError::Encrypted
        ));
        assert!(matches!(
            unreadable(calamine::OdsError::Password),
            ReadError::Encrypted
        ));
        assert!(matches!(
            unreadable(calamine::XlsbError::Zip(ZipError::UnsupportedArchive(
                ZipError::PASSWORD_REQUIRED
            ))),
            ReadError::Encrypted
        ));
        // A sheet may well be called so: its name is no encryption.
        assert!(matches!(
            unreadable(calamine::XlsxError::WorksheetNotFound(
                "Password encrypted".into()
            )),
            ReadError::Unreadable(_)
        ));
    }

    /// A workbook whose sheet "Daten" has `rows` rows: A = row number, B = "r<row>".
    fn workbook(rows: u32) -> Workbook<Cursor<Vec<u8>>> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        ws.set_name("Daten").unwrap();
        for r in 0..rows {
            ws.write_number(r, 0, f64::from(r)).unwrap();
            ws.write_string(r, 1, format!("r{r}")).unwrap();
        }
        let bytes = book.save_to_buffer().unwrap();
        Workbook::open(Cursor::new(bytes), Format::Xlsx).unwrap()
    }

    fn row_of(cells: &[RawCell]) -> (f64, String) {
        match cells {
            [RawCell {
                col: 0,
                raw: Raw::Number(n),
            }, RawCell {
                col: 1,
                raw: Raw::Text(t),
            }] => (*n, t.to_string()),
            other => panic!("unexpected row {other:?}"),
        }
    }

    #[test]
    fn rows_arrive_whole_and_in_order_across_batches() {
        let total = 3 * BATCH_ROWS as u32 + 17;
        let mut wb = workbook(total);
        let mut seen = Vec::new();
        wb.for_each_row("Daten", &Limits::default(), |row, cells| {
            seen.push((row, row_of(cells)));
            true
        })
        .unwrap();
        assert_eq!(seen.len(), total as usize);
        for (i, (row, (n, t))) in seen.into_iter().enumerate() {
            assert_eq!(row, i as u32);
            assert_eq!(n, i as f64);
            assert_eq!(t, format!("r{i}"));
        }
    }

    #[test]
    fn a_stop_ends_the_rows_at_that_row() {
        let mut wb = workbook(2 * BATCH_ROWS as u32 + 5);
        let stop_at = BATCH_ROWS as u32 + 3;
        let mut last = None;
        wb.for_each_row("Daten", &Limits::default(), |row, _| {
            last = Some(row);
            row < stop_at
        })
        .unwrap();
        assert_eq!(last, Some(stop_at));
    }

    #[test]
    fn a_limit_behind_the_stop_is_not_an_error_but_one_before_it_is() {
        let limits = Limits {
            max_rows: 3 * BATCH_ROWS as u32,
            ..Limits::default()
        };
        let mut wb = workbook(3 * BATCH_ROWS as u32 + 10);
        let early = wb.for_each_row("Daten", &limits, |row, _| row < 10);
        assert!(early.is_ok(), "{early:?}");
        let mut delivered = 0u32;
        let full = wb.for_each_row("Daten", &limits, |_, _| {
            delivered += 1;
            true
        });
        assert!(
            matches!(
                full,
                Err(ReadError::Limit(ref l)) if l.setting() == "max_rows"
            ),
            "{full:?}"
        );
        assert_eq!(
            delivered,
            3 * BATCH_ROWS as u32,
            "every row before the limit"
        );
    }

    #[test]
    fn a_panic_in_the_row_handler_reaches_the_caller() {
        // A small sheet (handled on the reading thread) and a big one (on a second thread).
        for (rows, fail_at) in [(10, 5), (3 * BATCH_ROWS as u32, 2 * BATCH_ROWS as u32)] {
            let mut wb = workbook(rows);
            let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                wb.for_each_row("Daten", &Limits::default(), |row, _| {
                    assert!(row < fail_at, "row handler fails at row {row}");
                    true
                })
            }));
            assert!(caught.is_err(), "{rows} rows");
        }
    }

    #[test]
    fn without_a_second_thread_every_row_is_handled_on_the_reading_thread() {
        NO_THREADS.with(|n| n.set(true));
        let total = 2 * BATCH_ROWS as u32 + 9;
        let mut wb = workbook(total);
        let reader = std::thread::current().id();
        let mut seen = 0u32;
        let result = wb.for_each_row("Daten", &Limits::default(), |row, cells| {
            assert_eq!(std::thread::current().id(), reader);
            assert_eq!(row_of(cells).1, format!("r{row}"));
            assert_eq!(row, seen);
            seen += 1;
            true
        });
        NO_THREADS.with(|n| n.set(false));
        result.unwrap();
        assert_eq!(seen, total);
    }

    #[test]
    fn small_sheets_are_delivered_and_stopped_like_big_ones() {
        let mut wb = workbook(BATCH_ROWS as u32);
        let mut seen = 0;
        wb.for_each_row("Daten", &Limits::default(), |row, cells| {
            assert_eq!(row_of(cells).1, format!("r{row}"));
            seen += 1;
            true
        })
        .unwrap();
        assert_eq!(seen, BATCH_ROWS);
        let mut last = None;
        wb.for_each_row("Daten", &Limits::default(), |row, _| {
            last = Some(row);
            row < 7
        })
        .unwrap();
        assert_eq!(last, Some(7));
    }
}
