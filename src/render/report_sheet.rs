//! What an annotated copy adds to a workbook, as data: the report sheet
//! (`Prüfbericht`) and the marks on the finding cells. Two writers render
//! it: the overlay on the original package (`render::overlay`, hand-written
//! sheet XML) and the rebuilt copy (`render::annotate`, rust_xlsxwriter).
//! What the report says is decided where the model is built
//! (`annotate::check_report`); how it looks, here.

use crate::finding::Severity;

/// One cell value of the report.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    /// Counts and amounts are numbers, so a spreadsheet can sum them.
    Number(f64),
}

/// The look of a report cell. Every style but `Title`, `Verdict*`, `Label`,
/// `Plain` and `Notice` wraps its text inside the column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Style {
    Title,
    VerdictOk,
    VerdictBad,
    /// A bold label of the facts block.
    Label,
    /// A fact's value: one line, overflowing into empty neighbours.
    Plain,
    /// A remark about the copy itself (rebuilt, fallback): italic, one line.
    Notice,
    Header,
    Error,
    Warning,
    Info,
    /// Wrapped text of a table cell.
    Text,
    /// A link to a cell of the workbook.
    Link,
}

impl Style {
    /// Every style, in a fixed order (the overlay appends one cell format each).
    pub const ALL: [Style; 12] = [
        Style::Title,
        Style::VerdictOk,
        Style::VerdictBad,
        Style::Label,
        Style::Plain,
        Style::Notice,
        Style::Header,
        Style::Error,
        Style::Warning,
        Style::Info,
        Style::Text,
        Style::Link,
    ];

    pub fn of_severity(s: Severity) -> Style {
        match s {
            Severity::Error => Style::Error,
            Severity::Warning => Style::Warning,
            Severity::Info => Style::Info,
        }
    }

    pub fn look(self) -> Look {
        let base = Look {
            bold: false,
            italic: false,
            size: 11.0,
            font_rgb: None,
            fill_rgb: None,
            underline: false,
            wrap: true,
            border_bottom: false,
        };
        match self {
            Style::Title => Look {
                bold: true,
                size: 14.0,
                wrap: false,
                ..base
            },
            Style::VerdictOk => Look {
                bold: true,
                size: 12.0,
                font_rgb: Some(0x006100),
                fill_rgb: Some(0xC6EFCE),
                wrap: false,
                ..base
            },
            Style::VerdictBad => Look {
                bold: true,
                size: 12.0,
                font_rgb: Some(0x9C0006),
                fill_rgb: Some(0xFFC7CE),
                wrap: false,
                ..base
            },
            Style::Label => Look {
                bold: true,
                wrap: false,
                ..base
            },
            Style::Plain => Look {
                wrap: false,
                ..base
            },
            Style::Notice => Look {
                italic: true,
                wrap: false,
                ..base
            },
            Style::Header => Look {
                bold: true,
                fill_rgb: Some(0xD9D9D9),
                border_bottom: true,
                ..base
            },
            Style::Error | Style::Warning | Style::Info => Look {
                fill_rgb: Some(severity_rgb(match self {
                    Style::Error => Severity::Error,
                    Style::Warning => Severity::Warning,
                    _ => Severity::Info,
                })),
                ..base
            },
            Style::Text => base,
            Style::Link => Look {
                font_rgb: Some(0x0000FF),
                underline: true,
                ..base
            },
        }
    }
}

/// How a style looks, in terms both writers can express. Text is aligned to
/// the top of its cell (rows grow with wrapped neighbours).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Look {
    pub bold: bool,
    pub italic: bool,
    /// Font size in points.
    pub size: f64,
    /// `0xRRGGBB`; `None`: the automatic colour.
    pub font_rgb: Option<u32>,
    /// A solid fill `0xRRGGBB`.
    pub fill_rgb: Option<u32>,
    pub underline: bool,
    pub wrap: bool,
    pub border_bottom: bool,
}

/// The fill of a finding cell and of the severity column, as `0xRRGGBB`
/// (the colours of `xlsx::severity_fill`, where rust_xlsxwriter wants them).
pub fn severity_rgb(s: Severity) -> u32 {
    match crate::xlsx::severity_fill(s) {
        rust_xlsxwriter::Color::RGB(rgb) => rgb,
        _ => 0xFFC7CE,
    }
}

/// A cell of the report: a value, its style and, for a cell reference, the
/// cell it jumps to (`sheet`, `A1`).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportCell {
    pub value: Value,
    pub style: Style,
    pub link: Option<(String, String)>,
}

impl ReportCell {
    pub fn text(s: impl Into<String>, style: Style) -> ReportCell {
        ReportCell {
            value: Value::Text(s.into()),
            style,
            link: None,
        }
    }

    pub fn number(n: f64, style: Style) -> ReportCell {
        ReportCell {
            value: Value::Number(n),
            style,
            link: None,
        }
    }

    pub fn empty() -> ReportCell {
        ReportCell {
            value: Value::Empty,
            style: Style::Text,
            link: None,
        }
    }

    /// A link to `sheet!a1`, shown as `shown`.
    pub fn link(shown: impl Into<String>, sheet: &str, a1: &str) -> ReportCell {
        ReportCell {
            value: Value::Text(shown.into()),
            style: Style::Link,
            link: Some((sheet.to_string(), a1.to_string())),
        }
    }
}

/// One row: its cells from column A on.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReportRow {
    pub cells: Vec<ReportCell>,
}

impl ReportRow {
    pub fn new(cells: Vec<ReportCell>) -> ReportRow {
        ReportRow { cells }
    }

    pub fn blank() -> ReportRow {
        ReportRow::default()
    }
}

/// A table column: its header and its width in Excel's units (characters
/// of the default font).
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub header: String,
    pub width: f64,
}

/// The report sheet: rows above the table (`top`: title, verdict, facts),
/// then the table's header row (`columns`) and its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSheet {
    pub name: String,
    pub top: Vec<ReportRow>,
    pub columns: Vec<Column>,
    pub rows: Vec<ReportRow>,
    /// The header row is printed on every page (and frozen on screen).
    pub header_row_repeated: bool,
    /// Printed landscape, one page wide.
    pub landscape_fit_to_width: bool,
    /// An autofilter over the header and the rows.
    pub autofilter: bool,
}

/// Points per line of 11 pt text (Excel's default row height).
const LINE_POINTS: f64 = 15.0;

impl ReportSheet {
    /// The 0-based row of the table header.
    pub fn header_row(&self) -> u32 {
        self.top.len() as u32
    }

    /// The 0-based row of the table's last row (the header without rows).
    pub fn last_row(&self) -> u32 {
        self.header_row() + self.rows.len() as u32
    }

    /// The header row as a row of the report.
    pub fn header(&self) -> ReportRow {
        ReportRow::new(
            self.columns
                .iter()
                .map(|c| ReportCell::text(c.header.clone(), Style::Header))
                .collect(),
        )
    }

    /// Every row with its 0-based row number, the header included.
    pub fn all_rows(&self) -> impl Iterator<Item = (u32, std::borrow::Cow<'_, ReportRow>)> {
        let top = self
            .top
            .iter()
            .map(std::borrow::Cow::Borrowed)
            .chain(std::iter::once(std::borrow::Cow::Owned(self.header())))
            .chain(self.rows.iter().map(std::borrow::Cow::Borrowed));
        (0u32..).zip(top)
    }

    fn width(&self, col: usize) -> f64 {
        self.columns.get(col).map_or(8.43, |c| c.width)
    }

    /// The height a row needs (points) when one of its cells wraps onto
    /// more lines or uses a larger font; `None`: the default height fits.
    /// Estimated from the text's length and the column's width: LibreOffice
    /// does not grow rows on opening, so without it wrapped text overlaps
    /// the next row.
    pub fn row_height(&self, row: &ReportRow) -> Option<f64> {
        let mut height: f64 = LINE_POINTS;
        for (col, cell) in row.cells.iter().enumerate() {
            let Value::Text(text) = &cell.value else {
                continue;
            };
            let look = cell.style.look();
            let line = (look.size * LINE_POINTS / 11.0).max(LINE_POINTS);
            let lines = if look.wrap {
                let room = room_of(self.width(col), look.size, look.bold);
                text.split('\n').map(|l| wrapped_lines(l, room)).sum()
            } else {
                1
            };
            height = height.max(line * lines as f64);
        }
        (height > LINE_POINTS).then_some(height)
    }
}

/// Characters of a text that fit one line of a column `width` wide: a
/// little fewer than the width (it counts the digit `0`; bold and larger
/// text run wider), so that the estimate errs towards one line too many.
fn room_of(width: f64, size: f64, bold: bool) -> usize {
    let scale = size / 11.0 * if bold { 1.1 } else { 1.0 };
    ((width - 1.0) / scale).floor().max(1.0) as usize
}

/// Lines one paragraph takes when wrapped at blanks into `room` characters;
/// a word longer than a line is broken (as spreadsheets do).
pub fn wrapped_lines(text: &str, room: usize) -> usize {
    let room = room.max(1);
    let mut lines = 1;
    let mut used = 0;
    for word in text.split(' ').map(|w| w.chars().count()) {
        let need = if used == 0 { word } else { used + 1 + word };
        if need <= room {
            used = need;
            continue;
        }
        if used > 0 {
            lines += 1;
        }
        // A long word fills whole lines, the rest starts the next one.
        lines += word.saturating_sub(1) / room;
        used = word - (word.saturating_sub(1) / room) * room;
    }
    lines
}

/// One finding cell of the copy: its fill (by severity) and its note.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub sheet: String,
    /// 0-based, as `CellPos`.
    pub row: u32,
    pub col: u32,
    pub severity: Severity,
    pub note: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_wrap_at_blanks_and_long_words_break() {
        assert_eq!(wrapped_lines("", 10), 1);
        assert_eq!(wrapped_lines("ab cd", 5), 1);
        assert_eq!(wrapped_lines("ab cd", 4), 2);
        assert_eq!(wrapped_lines("abcdefghij", 4), 3);
        assert_eq!(wrapped_lines("ab abcdefghij", 4), 4);
    }

    #[test]
    fn rows_grow_with_wrapped_text_and_large_fonts() {
        let sheet = ReportSheet {
            name: "R".into(),
            top: vec![ReportRow::new(vec![ReportCell::text(
                "Prüfbericht – sehr langer Titel, der nicht umbricht",
                Style::Title,
            )])],
            columns: vec![
                Column {
                    header: "A".into(),
                    width: 10.0,
                },
                Column {
                    header: "B".into(),
                    width: 21.0,
                },
            ],
            rows: vec![],
            header_row_repeated: true,
            landscape_fit_to_width: true,
            autofilter: true,
        };
        let title = sheet.row_height(&sheet.top[0]).expect("taller");
        assert!((title - 14.0 * 15.0 / 11.0).abs() < 0.01);
        let short = ReportRow::new(vec![ReportCell::text("kurz", Style::Text)]);
        assert_eq!(sheet.row_height(&short), None);
        let long = ReportRow::new(vec![
            ReportCell::empty(),
            ReportCell::text(
                "ein Text mit vielen Wörtern, der umbrechen muss",
                Style::Text,
            ),
        ]);
        assert_eq!(sheet.row_height(&long), Some(45.0));
        let lines = ReportRow::new(vec![ReportCell::text("a\nb\nc\nd", Style::Text)]);
        assert_eq!(sheet.row_height(&lines), Some(60.0));
    }
}
