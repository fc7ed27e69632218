//! Reading workbooks: the format is sniffed from the bytes, the zip container
//! is checked against the limits before a reader sees it, and every sheet is
//! delivered row by row as raw cells (streamed for xlsx/xlsb), so a sheet
//! declaring `A1:XFD1048576` costs two cells, not a dense grid.

pub mod cfb_check;
pub mod isolate;
pub mod sniff;
pub mod zipcheck;

use std::io::{Read, Seek};

use calamine::{Data, DataRef, Ods, Reader, SheetVisible, Xls, Xlsb, Xlsx};
use chrono::NaiveDateTime;
use thiserror::Error;

use crate::config::Limits;
pub use sniff::Format;

/// A cell as read, before coercion to a column type.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    Empty,
    Text(String),
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
            Raw::Text(s) => crate::coerce::text::is_blank(s),
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

#[derive(Debug, Error)]
pub enum ReadError {
    #[error("{0}")]
    Unreadable(String),
    #[error("encrypted")]
    Encrypted,
    #[error("{detail}")]
    Limit { detail: String, limit: &'static str },
    #[error("empty: {0}")]
    Empty(String),
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
    let t = s.trim();
    if t.starts_with('#') && ERROR_LITERALS.iter().any(|e| e.eq_ignore_ascii_case(t)) {
        return Raw::Error(t.to_string());
    }
    if let Some(code) = t.strip_prefix("Err:") {
        if !code.is_empty() && code.len() <= 4 && code.chars().all(|c| c.is_ascii_digit()) {
            return Raw::Error(t.to_string());
        }
    }
    Raw::Text(s.to_string())
}

fn iso_date(s: &str) -> Raw {
    let date_part = s.get(0..10).unwrap_or(s);
    if let Ok(d) = chrono::NaiveDate::parse_from_str(date_part, "%Y-%m-%d") {
        return Raw::DateTime(d.and_hms_opt(0, 0, 0).unwrap_or_default());
    }
    Raw::Text(s.to_string())
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
        DataRef::DurationIso(s) => Raw::Text(s.clone()),
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
        Data::DurationIso(s) => Raw::Text(s.clone()),
        Data::Error(e) => Raw::Error(e.to_string()),
        Data::Empty => Raw::Empty,
    }
}

fn unreadable(e: impl std::fmt::Display) -> ReadError {
    let s = e.to_string();
    if s.to_lowercase().contains("password") || s.to_lowercase().contains("encrypt") {
        ReadError::Encrypted
    } else {
        ReadError::Unreadable(s)
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
    pub fn for_each_row(
        &mut self,
        sheet: &str,
        limits: &Limits,
        mut on_row: impl FnMut(u32, &[RawCell]) -> bool,
    ) -> Result<(), ReadError> {
        let mut rows = RowAssembler::new(limits);
        let uncalculated = self.uncalculated;
        match &mut self.inner {
            Inner::Xlsx(wb) => {
                let mut reader = wb.worksheet_cells_reader(sheet).map_err(unreadable)?;
                while let Some(cell) = reader.next_cell_with_formula().map_err(unreadable)? {
                    let raw = match (&cell.value, cell.formula) {
                        (DataRef::Empty, Some(f)) if !f.is_empty() => Raw::NoValue(format!("={f}")),
                        (DataRef::Float(z), Some(f))
                            if uncalculated && *z == 0.0 && !f.is_empty() =>
                        {
                            Raw::NoValue(format!("={f}"))
                        }
                        (DataRef::Int(0), Some(f)) if uncalculated && !f.is_empty() => {
                            Raw::NoValue(format!("={f}"))
                        }
                        (v, _) => from_ref(v),
                    };
                    if !rows.push(cell.pos.0, cell.pos.1, raw, &mut on_row)? {
                        return Ok(());
                    }
                }
            }
            Inner::Xlsb(wb) => {
                let mut reader = wb.worksheet_cells_reader(sheet).map_err(unreadable)?;
                while let Some(cell) = reader.next_cell().map_err(unreadable)? {
                    let (r, c) = cell.get_position();
                    if !rows.push(r, c, from_ref(cell.get_value()), &mut on_row)? {
                        return Ok(());
                    }
                }
            }
            Inner::Xls(wb) => {
                let range = wb.worksheet_range(sheet).map_err(unreadable)?;
                feed_range(&range, &mut rows, &mut on_row)?;
            }
            Inner::Ods(wb) => {
                let range = wb.worksheet_range(sheet).map_err(unreadable)?;
                feed_range(&range, &mut rows, &mut on_row)?;
            }
        }
        rows.finish(&mut on_row);
        Ok(())
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

fn feed_range(
    range: &calamine::Range<Data>,
    rows: &mut RowAssembler,
    on_row: &mut impl FnMut(u32, &[RawCell]) -> bool,
) -> Result<(), ReadError> {
    let Some((r0, c0)) = range.start() else {
        return Ok(());
    };
    for (r, c, d) in range.used_cells() {
        let (Ok(r), Ok(c)) = (u32::try_from(r), u32::try_from(c)) else {
            continue;
        };
        if !rows.push(
            r0.saturating_add(r),
            c0.saturating_add(c),
            from_data(d),
            on_row,
        )? {
            return Ok(());
        }
    }
    Ok(())
}

/// Groups a cell stream into rows and enforces the cell limit.
struct RowAssembler {
    max_rows: u32,
    max_columns: u32,
    current: Option<u32>,
    cells: Vec<RawCell>,
    count: u64,
    max_cells: u64,
    stopped: bool,
}

impl RowAssembler {
    fn new(limits: &Limits) -> Self {
        RowAssembler {
            max_rows: limits.max_rows,
            max_columns: limits.max_columns,
            current: None,
            cells: Vec::new(),
            count: 0,
            max_cells: limits.max_cells_per_sheet,
            stopped: false,
        }
    }

    fn push(
        &mut self,
        row: u32,
        col: u32,
        raw: Raw,
        on_row: &mut impl FnMut(u32, &[RawCell]) -> bool,
    ) -> Result<bool, ReadError> {
        if raw.is_empty() {
            return Ok(true);
        }
        if matches!(&raw, Raw::Error(e) if e == TOO_LONG) {
            return Err(ReadError::Unreadable(format!(
                "die Zelle {} enthält mehr als {MAX_CELL_CHARS} Zeichen (Excel-Grenze)",
                crate::finding::CellPos::new(row, col).a1()
            )));
        }
        if row >= self.max_rows || col >= self.max_columns {
            return Err(ReadError::Limit {
                detail: format!(
                    "die Zelle {} liegt jenseits der Grenze von {} Zeilen × {} Spalten",
                    crate::finding::CellPos::new(row, col).a1(),
                    self.max_rows,
                    self.max_columns
                ),
                limit: if row >= self.max_rows {
                    "max_rows"
                } else {
                    "max_columns"
                },
            });
        }
        self.count += 1;
        if self.count > self.max_cells {
            return Err(ReadError::Limit {
                detail: format!("mehr als {} Zellen in einem Blatt", self.max_cells),
                limit: "max_cells_per_sheet",
            });
        }
        if self.current != Some(row) {
            if let Some(r) = self.current {
                if !self.cells.is_empty() && !on_row(r, &self.cells) {
                    self.stopped = true;
                    return Ok(false);
                }
            }
            self.cells.clear();
            self.current = Some(row);
        }
        self.cells.push(RawCell { col, raw });
        Ok(true)
    }

    fn finish(&mut self, on_row: &mut impl FnMut(u32, &[RawCell]) -> bool) {
        if self.stopped {
            return;
        }
        if let Some(r) = self.current {
            if !self.cells.is_empty() {
                on_row(r, &self.cells);
            }
        }
    }
}
