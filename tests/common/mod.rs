//! Fixtures for the integration tests: a complete, clean quarterly submission
//! built in code, small edits that break (or bend) it, and helpers that run
//! the real binary and look up findings in its JSON report.
//!
//! Layout of `Submission::valid` (rows and columns as Excel shows them):
//!
//! - `Deckblatt`: A1 title; labels in A3..A9 (`Träger-Nr.`, `Träger`,
//!   `Berichtsjahr`, `Quartal`, `Ansprechperson`, `E-Mail`, `Erstellt am`),
//!   values in B3..B9.
//! - `Fallarbeit`: header in row 1, columns A..K = `Fall-ID`, `Sozialraum`,
//!   `Hilfeart`, `Beginn`, `Ende`, `Fachleistungsstunden`, `Stundensatz`,
//!   `Kosten`, `Abweichende Zuständigkeit`, `Begründung`, `Bemerkung`; five
//!   cases in rows 2..6.
//! - `Milieuarbeit`: header in row 1, A..F = `Maßnahme`, `Sozialraum`,
//!   `Quartier`, `Stunden`, `Kosten`, `Teilnehmende`; rows 2..3.
//! - `Strukturarbeit`: header in row 1, A..E = `Projekt`, `Sozialraum`,
//!   `Ehrenamtliche`, `Stunden`, `Kosten`; rows 2..3 (row 2 is `kreisweit`).
//! - `Summen` only after `with_summen()`: labels A3..A6, formulas with cached
//!   results in B3..B6.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::Decimal;
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
use serde_json::Value;

/// One cell of a fixture.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// A real date cell (date number format `dd.mm.yyyy`).
    Date(NaiveDate),
    /// A formula; `result` is the cached value (`None`: rust_xlsxwriter's default).
    Formula {
        formula: String,
        result: Option<String>,
    },
    Bool(bool),
    /// A cell with only a format (a fill), no value.
    Blank,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}
impl From<f64> for Cell {
    fn from(v: f64) -> Self {
        Cell::Number(v)
    }
}
impl From<i32> for Cell {
    fn from(v: i32) -> Self {
        Cell::Number(f64::from(v))
    }
}
impl From<NaiveDate> for Cell {
    fn from(d: NaiveDate) -> Self {
        Cell::Date(d)
    }
}
impl From<bool> for Cell {
    fn from(b: bool) -> Self {
        Cell::Bool(b)
    }
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// A provider of the shipped master data (`schemas/verden.toml`).
#[derive(Debug, Clone, Copy)]
pub struct Provider {
    pub id: &'static str,
    pub name: &'static str,
    pub areas: [&'static str; 2],
    pub rate: &'static str,
}

pub const PROVIDERS: [Provider; 6] = [
    Provider {
        id: "T01",
        name: "Jugendhilfe Aller-Weser e.V.",
        areas: ["Achim", "Oyten/Ottersberg"],
        rate: "62.40",
    },
    Provider {
        id: "T02",
        name: "Familienwerk Verden gGmbH",
        areas: ["Verden", "Verden"],
        rate: "60.80",
    },
    Provider {
        id: "T03",
        name: "Kinder- und Jugendhilfe Geestland gGmbH",
        areas: ["Oyten/Ottersberg", "Langwedel"],
        rate: "63.10",
    },
    Provider {
        id: "T04",
        name: "Diakonische Jugendhilfe Süd gGmbH",
        areas: ["Dörverden/Kirchlinteln", "Dörverden/Kirchlinteln"],
        rate: "59.90",
    },
    Provider {
        id: "T05",
        name: "Lebensraum Thedinghausen e.V.",
        areas: ["Thedinghausen", "Thedinghausen"],
        rate: "61.50",
    },
    Provider {
        id: "T06",
        name: "Brückenschlag Jugendhilfe e.V.",
        areas: ["Achim", "Verden"],
        rate: "64.20",
    },
];

pub fn provider(id: &str) -> Provider {
    *PROVIDERS
        .iter()
        .find(|p| p.id == id)
        .unwrap_or_else(|| panic!("unknown provider {id} in fixture"))
}

pub fn quarter_bounds(year: i32, q: u8) -> (NaiveDate, NaiveDate) {
    let start = date(year, u32::from(q - 1) * 3 + 1, 1);
    let end = if q == 4 {
        date(year, 12, 31)
    } else {
        date(year, u32::from(q) * 3 + 1, 1) - Duration::days(1)
    };
    (start, end)
}

/// `hours × rate`, rounded to the cent, as the number a provider types.
pub fn cost(hours: &str, rate: &str) -> f64 {
    let h: Decimal = hours.parse().expect("hours");
    let r: Decimal = rate.parse().expect("rate");
    let c = (h * r).round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    c.to_string().parse().expect("f64")
}

fn num(s: &str) -> f64 {
    s.parse().expect("number")
}

#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    pub hidden: bool,
    /// 0-based (row, column) → cell.
    pub cells: BTreeMap<(u32, u32), Cell>,
    /// Merged ranges (`A1:D1`) with their text; not moved by `insert_rows`.
    pub merges: Vec<(String, String)>,
    pub hidden_rows: Vec<u32>,
    pub hidden_columns: Vec<u32>,
    pub autofilter: Option<String>,
}

impl Sheet {
    fn new(name: &str) -> Sheet {
        Sheet {
            name: name.to_string(),
            hidden: false,
            cells: BTreeMap::new(),
            merges: Vec::new(),
            hidden_rows: Vec::new(),
            hidden_columns: Vec::new(),
            autofilter: None,
        }
    }
    fn row(&mut self, row: u32, values: Vec<Option<Cell>>) {
        for (c, v) in values.into_iter().enumerate() {
            if let Some(v) = v {
                self.cells.insert((row, c as u32), v);
            }
        }
    }
    /// The column whose header cell (any row) holds exactly `header`.
    fn column_of(&self, header: &str) -> Option<(u32, u32)> {
        self.cells
            .iter()
            .find(|(_, c)| **c == Cell::Text(header.to_string()))
            .map(|(pos, _)| *pos)
    }
}

/// One case of the clean submission; dates in days from the quarter's start.
struct Case {
    number: u32,
    /// Index into the provider's Sozialräume.
    area: usize,
    help: &'static str,
    begin: i64,
    end: Option<i64>,
    hours: &'static str,
    remark: &'static str,
}

/// A quarterly submission workbook held as cells, written on demand.
#[derive(Debug, Clone)]
pub struct Submission {
    pub provider: Provider,
    pub year: i32,
    pub quarter: u8,
    pub sheets: Vec<Sheet>,
    /// Write the workbook in the 1904 date system (dates are shifted accordingly).
    pub date1904: bool,
    /// Remove the cached result (`<v>…</v>`) of every formula after writing.
    pub strip_formula_results: bool,
    /// The file name to write under instead of the suggested one.
    pub name: Option<String>,
}

/// Parses `H12` into 0-based (row, column).
pub fn a1(cell: &str) -> (u32, u32) {
    let split = cell
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or_else(|| panic!("bad A1 reference {cell}"));
    let (letters, digits) = cell.split_at(split);
    let col = letters.chars().fold(0u32, |acc, c| {
        acc * 26 + (c.to_ascii_uppercase() as u32 - 'A' as u32 + 1)
    });
    let row: u32 = digits
        .parse()
        .unwrap_or_else(|_| panic!("bad A1 reference {cell}"));
    (row - 1, col - 1)
}

/// 0-based column → letters.
pub fn letters(col: u32) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        out.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ascii")
}

pub const FALL_HEADERS: [&str; 11] = [
    "Fall-ID",
    "Sozialraum",
    "Hilfeart",
    "Beginn",
    "Ende",
    "Fachleistungsstunden",
    "Stundensatz",
    "Kosten",
    "Abweichende Zuständigkeit",
    "Begründung",
    "Bemerkung",
];

impl Submission {
    /// A complete submission without a single error or warning.
    pub fn valid(provider_id: &str, year: i32, quarter: u8) -> Submission {
        let p = provider(provider_id);
        let (qs, qe) = quarter_bounds(year, quarter);

        let mut cover = Sheet::new("Deckblatt");
        cover.row(
            0,
            vec![Some(
                "Quartalsmeldung Sozialraumbudget – Landkreis Verden".into(),
            )],
        );
        let cover_rows: [(&str, Cell); 7] = [
            ("Träger-Nr.", p.id.into()),
            ("Träger", p.name.into()),
            ("Berichtsjahr", year.into()),
            ("Quartal", i32::from(quarter).into()),
            (
                "Ansprechperson",
                "Fachbereichsleitung ambulante Hilfen".into(),
            ),
            ("E-Mail", "meldung@traeger-beispiel.de".into()),
            ("Erstellt am", (qe + Duration::days(6)).into()),
        ];
        for (i, (label, value)) in cover_rows.into_iter().enumerate() {
            cover.row(2 + i as u32, vec![Some(label.into()), Some(value)]);
        }

        let mut fall = Sheet::new("Fallarbeit");
        fall.row(0, FALL_HEADERS.iter().map(|h| Some((*h).into())).collect());
        let cases = [
            Case {
                number: 417,
                area: 0,
                help: "§ 31",
                begin: -240,
                end: None,
                hours: "120.5",
                remark: "",
            },
            Case {
                number: 102,
                area: 1,
                help: "§ 27 Abs. 2",
                begin: -135,
                end: Some(61),
                hours: "64",
                remark: "Hilfeplangespräch im zweiten Monat",
            },
            Case {
                number: 233,
                area: 0,
                help: "§ 30",
                begin: 0,
                end: None,
                hours: "38.25",
                remark: "",
            },
            Case {
                number: 981,
                area: 1,
                help: "§ 35a",
                begin: -660,
                end: Some(14),
                hours: "12",
                remark: "Hilfe planmäßig beendet",
            },
            Case {
                number: 310,
                area: 0,
                help: "§ 41",
                begin: 47,
                end: None,
                hours: "25.5",
                remark: "",
            },
        ];
        for (i, c) in cases.into_iter().enumerate() {
            let begin = qs + Duration::days(c.begin);
            fall.row(
                1 + i as u32,
                vec![
                    Some(format!("JA-{}-{:05}", begin.year(), c.number).into()),
                    Some(p.areas[c.area].into()),
                    Some(c.help.into()),
                    Some(begin.into()),
                    c.end.map(|e| (qs + Duration::days(e)).into()),
                    Some(num(c.hours).into()),
                    Some(num(p.rate).into()),
                    Some(cost(c.hours, p.rate).into()),
                    Some("nein".into()),
                    None,
                    (!c.remark.is_empty()).then(|| c.remark.into()),
                ],
            );
        }

        let mut milieu = Sheet::new("Milieuarbeit");
        milieu.row(
            0,
            [
                "Maßnahme",
                "Sozialraum",
                "Quartier",
                "Stunden",
                "Kosten",
                "Teilnehmende",
            ]
            .map(|h| Some(h.into()))
            .to_vec(),
        );
        milieu.row(
            1,
            vec![
                Some("Elterncafé".into()),
                Some(p.areas[0].into()),
                Some("Ortskern".into()),
                Some(48.0.into()),
                Some(cost("48", p.rate).into()),
                Some(14.into()),
            ],
        );
        milieu.row(
            2,
            vec![
                Some("Spielmobil".into()),
                Some(p.areas[1].into()),
                None,
                Some(30.0.into()),
                Some(cost("30", p.rate).into()),
                Some(40.into()),
            ],
        );

        let mut struktur = Sheet::new("Strukturarbeit");
        struktur.row(
            0,
            [
                "Projekt",
                "Sozialraum",
                "Ehrenamtliche",
                "Stunden",
                "Kosten",
            ]
            .map(|h| Some(h.into()))
            .to_vec(),
        );
        struktur.row(
            1,
            vec![
                Some("Netzwerk Frühe Hilfen".into()),
                Some("kreisweit".into()),
                Some(0.into()),
                Some(20.0.into()),
                Some(cost("20", p.rate).into()),
            ],
        );
        struktur.row(
            2,
            vec![
                Some("Lokale Arbeitsgemeinschaft".into()),
                Some(p.areas[0].into()),
                Some(6.into()),
                Some(12.5.into()),
                Some(cost("12.5", p.rate).into()),
            ],
        );

        Submission {
            provider: p,
            year,
            quarter,
            sheets: vec![cover, fall, milieu, struktur],
            date1904: false,
            strip_formula_results: false,
            name: None,
        }
    }

    /// An unused entry template below the first `cases` cases of `Fallarbeit`
    /// (the others removed): a running number `Nr.` in an extra column L for
    /// every row, and in `prepared` rows after the cases only the contracted
    /// rate in `Stundensatz` and `=F·G` in `Kosten`, never calculated (no
    /// cached result: `strip_formula_results`).
    pub fn with_prepared_rows(&mut self, cases: u32, prepared: u32) -> &mut Self {
        let rate = num(self.provider.rate);
        let fall = self.sheet_mut("Fallarbeit");
        fall.cells.retain(|(r, _), _| *r <= cases);
        fall.cells.insert((0, 11), "Nr.".into());
        for r in 1..=cases + prepared {
            fall.cells.insert((r, 11), Cell::Number(f64::from(r)));
        }
        for r in cases + 1..=cases + prepared {
            let excel = r + 1;
            fall.cells.insert((r, 6), Cell::Number(rate));
            fall.cells.insert(
                (r, 7),
                Cell::Formula {
                    formula: format!("=F{excel}*G{excel}"),
                    result: None,
                },
            );
        }
        self.strip_formula_results = true;
        self
    }

    /// The file name to write under: the suggested `T01_2026-Q3.xlsx` unless `named`.
    pub fn file_name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("{}_{}-Q{}.xlsx", self.provider.id, self.year, self.quarter))
    }

    pub fn named(&mut self, name: &str) -> &mut Self {
        self.name = Some(name.to_string());
        self
    }

    fn sheet_mut(&mut self, name: &str) -> &mut Sheet {
        self.sheets
            .iter_mut()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no sheet {name} in fixture"))
    }

    pub fn sheet(&self, name: &str) -> &Sheet {
        self.sheets
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no sheet {name} in fixture"))
    }

    pub fn get(&self, sheet: &str, cell: &str) -> Option<&Cell> {
        self.sheet(sheet).cells.get(&a1(cell))
    }

    /// Sets a cell (`&str` writes text, `f64`/`i32` a number, `NaiveDate` a date cell).
    pub fn set(&mut self, sheet: &str, cell: &str, value: impl Into<Cell>) -> &mut Self {
        self.sheet_mut(sheet).cells.insert(a1(cell), value.into());
        self
    }

    pub fn clear(&mut self, sheet: &str, cell: &str) -> &mut Self {
        self.sheet_mut(sheet).cells.remove(&a1(cell));
        self
    }

    /// Writes a formula; `result` is the cached value Excel would have stored.
    pub fn formula(
        &mut self,
        sheet: &str,
        cell: &str,
        formula: &str,
        result: Option<&str>,
    ) -> &mut Self {
        let cell_value = Cell::Formula {
            formula: formula.to_string(),
            result: result.map(str::to_string),
        };
        self.set(sheet, cell, cell_value)
    }

    /// The column letter of a header (searched in the whole sheet).
    pub fn col(&self, sheet: &str, header: &str) -> String {
        let (_, c) = self
            .sheet(sheet)
            .column_of(header)
            .unwrap_or_else(|| panic!("no header {header} in {sheet}"));
        letters(c)
    }

    /// The A1 reference of `header`'s column in Excel row `row`.
    pub fn cell_of(&self, sheet: &str, header: &str, row: u32) -> String {
        format!("{}{}", self.col(sheet, header), row)
    }

    pub fn rename_header(&mut self, sheet: &str, old: &str, new: &str) -> &mut Self {
        let s = self.sheet_mut(sheet);
        let pos = s
            .column_of(old)
            .unwrap_or_else(|| panic!("no header {old} in {sheet}"));
        s.cells.insert(pos, Cell::Text(new.to_string()));
        self
    }

    /// Removes the header cell only; the data below stays.
    pub fn remove_header(&mut self, sheet: &str, header: &str) -> &mut Self {
        let s = self.sheet_mut(sheet);
        let pos = s
            .column_of(header)
            .unwrap_or_else(|| panic!("no header {header} in {sheet}"));
        s.cells.remove(&pos);
        self
    }

    /// Removes a whole column (header and data), without moving the others.
    pub fn remove_column(&mut self, sheet: &str, header: &str) -> &mut Self {
        let s = self.sheet_mut(sheet);
        let (_, col) = s
            .column_of(header)
            .unwrap_or_else(|| panic!("no header {header} in {sheet}"));
        s.cells.retain(|(_, c), _| *c != col);
        self
    }

    /// Writes a new column after the last one: header and values from row 2 on.
    pub fn add_column(&mut self, sheet: &str, header: &str, values: &[&str]) -> String {
        let s = self.sheet_mut(sheet);
        let next = s.cells.keys().map(|(_, c)| *c + 1).max().unwrap_or(0);
        let header_row = s.column_of(FALL_HEADERS[1]).map(|(r, _)| r).unwrap_or(0);
        s.cells
            .insert((header_row, next), Cell::Text(header.to_string()));
        for (i, v) in values.iter().enumerate() {
            s.cells.insert(
                (header_row + 1 + i as u32, next),
                Cell::Text((*v).to_string()),
            );
        }
        letters(next)
    }

    /// Reorders the columns of a table: `order` lists the headers from left to right.
    pub fn reorder_columns(&mut self, sheet: &str, order: &[&str]) -> &mut Self {
        let s = self.sheet_mut(sheet);
        let mapping: Vec<u32> = order
            .iter()
            .map(|h| {
                s.column_of(h)
                    .unwrap_or_else(|| panic!("no header {h} in {sheet}"))
                    .1
            })
            .collect();
        let old = std::mem::take(&mut s.cells);
        for ((r, c), v) in old {
            let new_col = mapping
                .iter()
                .position(|m| *m == c)
                .unwrap_or_else(|| panic!("column {c} not in order"));
            s.cells.insert((r, new_col as u32), v);
        }
        self
    }

    /// Inserts `n` empty rows before Excel row `before` (1-based); everything below moves down.
    pub fn insert_rows(&mut self, sheet: &str, before: u32, n: u32) -> &mut Self {
        let s = self.sheet_mut(sheet);
        let old = std::mem::take(&mut s.cells);
        for ((r, c), v) in old {
            let r = if r + 1 >= before { r + n } else { r };
            s.cells.insert((r, c), v);
        }
        self
    }

    /// Puts title rows above the table (the header moves down by `titles.len()`).
    pub fn insert_title_rows(&mut self, sheet: &str, titles: &[&str]) -> &mut Self {
        self.insert_rows(sheet, 1, titles.len() as u32);
        for (i, t) in titles.iter().enumerate() {
            if !t.is_empty() {
                self.set(sheet, &format!("A{}", i + 1), *t);
            }
        }
        self
    }

    /// The Excel row after the last filled row of a sheet.
    pub fn next_row(&self, sheet: &str) -> u32 {
        self.sheet(sheet)
            .cells
            .keys()
            .map(|(r, _)| r + 2)
            .max()
            .unwrap_or(1)
    }

    /// Sum of the numbers in `header`'s column below the header (data rows only).
    pub fn column_sum(&self, sheet: &str, header: &str) -> f64 {
        let s = self.sheet(sheet);
        let (hr, col) = s
            .column_of(header)
            .unwrap_or_else(|| panic!("no header {header} in {sheet}"));
        let cents: i64 = s
            .cells
            .iter()
            .filter(|((r, c), _)| *c == col && *r > hr)
            .filter_map(|(_, v)| match v {
                Cell::Number(x) => Some((x * 100.0).round() as i64),
                _ => None,
            })
            .sum();
        cents as f64 / 100.0
    }

    /// Appends a totals row (`Summe`) carrying the correct sums of `columns`.
    /// Returns its Excel row.
    pub fn add_totals_row(&mut self, sheet: &str, columns: &[&str]) -> u32 {
        let row = self.next_row(sheet);
        let sums: Vec<(String, f64)> = columns
            .iter()
            .map(|h| (self.col(sheet, h), self.column_sum(sheet, h)))
            .collect();
        self.set(sheet, &format!("A{row}"), "Summe");
        for (col, sum) in sums {
            self.set(sheet, &format!("{col}{row}"), sum);
        }
        row
    }

    /// Adds the optional `Summen` sheet: formulas over the tables with correct
    /// cached results, labels in A3..A6, amounts in B3..B6.
    pub fn with_summen(&mut self) -> &mut Self {
        let fall = self.column_sum("Fallarbeit", "Kosten");
        let milieu = self.column_sum("Milieuarbeit", "Kosten");
        let struktur = self.column_sum("Strukturarbeit", "Kosten");
        let total = ((fall + milieu + struktur) * 100.0).round() / 100.0;
        self.add_sheet("Summen");
        self.set("Summen", "A1", "Summen der Quartalsmeldung");
        let rows = [
            ("Fallarbeit", "=SUM(Fallarbeit!H2:H6)", fall),
            ("Milieuarbeit", "=SUM(Milieuarbeit!E2:E3)", milieu),
            ("Strukturarbeit", "=SUM(Strukturarbeit!E2:E3)", struktur),
            ("Gesamt", "=SUM(B3:B5)", total),
        ];
        for (i, (label, f, v)) in rows.into_iter().enumerate() {
            self.set("Summen", &format!("A{}", i + 3), label);
            self.formula("Summen", &format!("B{}", i + 3), f, Some(&v.to_string()));
        }
        self
    }

    /// Merges a range (`A1:D1`) holding `text` in its first cell.
    pub fn merge(&mut self, sheet: &str, range: &str, text: &str) -> &mut Self {
        let (first, last) = range.split_once(':').expect("range like A1:D1");
        let ((r0, c0), (r1, c1)) = (a1(first), a1(last));
        let s = self.sheet_mut(sheet);
        s.cells
            .retain(|(r, c), _| !(r0..=r1).contains(r) || !(c0..=c1).contains(c));
        s.merges.push((range.to_string(), text.to_string()));
        self
    }

    /// Hides Excel row `row` (1-based).
    pub fn hide_row(&mut self, sheet: &str, row: u32) -> &mut Self {
        self.sheet_mut(sheet).hidden_rows.push(row - 1);
        self
    }

    /// Hides a column given by its letters.
    pub fn hide_column(&mut self, sheet: &str, column: &str) -> &mut Self {
        let (_, c) = a1(&format!("{column}1"));
        self.sheet_mut(sheet).hidden_columns.push(c);
        self
    }

    pub fn autofilter(&mut self, sheet: &str, range: &str) -> &mut Self {
        self.sheet_mut(sheet).autofilter = Some(range.to_string());
        self
    }

    pub fn add_sheet(&mut self, name: &str) -> &mut Self {
        self.sheets.push(Sheet::new(name));
        self
    }

    pub fn drop_sheet(&mut self, name: &str) -> &mut Self {
        self.sheets.retain(|s| s.name != name);
        self
    }

    pub fn hide_sheet(&mut self, name: &str) -> &mut Self {
        self.sheet_mut(name).hidden = true;
        self
    }

    pub fn rename_sheet(&mut self, old: &str, new: &str) -> &mut Self {
        self.sheet_mut(old).name = new.to_string();
        self
    }

    /// Writes the workbook under its suggested name into `dir`.
    pub fn write(&self, dir: &Path) -> PathBuf {
        self.write_as(dir, &self.file_name())
    }

    pub fn write_as(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, self.to_bytes()).expect("write fixture");
        path
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut wb = Workbook::new();
        let date_fmt = Format::new().set_num_format("dd.mm.yyyy");
        let fill = Format::new().set_background_color(rust_xlsxwriter::Color::RGB(0xFFF2CC));
        for s in &self.sheets {
            let ws = wb.add_worksheet();
            ws.set_name(&s.name).expect("sheet name");
            if s.hidden {
                ws.set_hidden(true);
            }
            for ((r, c), v) in &s.cells {
                let (r, c) = (*r, *c as u16);
                match v {
                    Cell::Text(t) => ws.write_string(r, c, t).map(|_| ()),
                    Cell::Number(x) => ws.write_number(r, c, *x).map(|_| ()),
                    Cell::Bool(b) => ws.write_boolean(r, c, *b).map(|_| ()),
                    Cell::Blank => ws.write_blank(r, c, &fill).map(|_| ()),
                    Cell::Date(d) if self.date1904 => {
                        let serial = (*d - date(1904, 1, 1)).num_days() as f64;
                        ws.write_number_with_format(r, c, serial, &date_fmt)
                            .map(|_| ())
                    }
                    Cell::Date(d) => {
                        let dt = ExcelDateTime::from_ymd(
                            d.year() as u16,
                            d.month() as u8,
                            d.day() as u8,
                        )
                        .expect("date in Excel range");
                        ws.write_datetime_with_format(r, c, &dt, &date_fmt)
                            .map(|_| ())
                    }
                    Cell::Formula { formula, result } => {
                        let mut f = Formula::new(formula.as_str());
                        if let Some(res) = result {
                            f = f.set_result(res.as_str());
                        }
                        ws.write_formula(r, c, f).map(|_| ())
                    }
                }
                .expect("write cell");
            }
            let range = |r: &str| {
                let (first, last) = r.split_once(':').expect("range like A1:D1");
                let ((r0, c0), (r1, c1)) = (a1(first), a1(last));
                (r0, c0 as u16, r1, c1 as u16)
            };
            for (r, text) in &s.merges {
                let (r0, c0, r1, c1) = range(r);
                ws.merge_range(r0, c0, r1, c1, text, &Format::new().set_bold())
                    .expect("merge");
            }
            for r in &s.hidden_rows {
                ws.set_row_hidden(*r).expect("hide row");
            }
            for c in &s.hidden_columns {
                ws.set_column_hidden(*c as u16).expect("hide column");
            }
            if let Some(r) = &s.autofilter {
                let (r0, c0, r1, c1) = range(r);
                ws.autofilter(r0, c0, r1, c1).expect("autofilter");
            }
        }
        let bytes = wb.save_to_buffer().expect("save workbook");
        let mut bytes = bytes;
        if self.date1904 {
            bytes = patch_zip(&bytes, |name, xml| {
                if name == "xl/workbook.xml" {
                    Some(add_date1904(xml))
                } else {
                    None
                }
            });
        }
        if self.strip_formula_results {
            bytes = patch_zip(&bytes, |name, xml| {
                name.starts_with("xl/worksheets/sheet")
                    .then(|| strip_cached_results(xml))
            });
        }
        bytes
    }
}

/// Sets `date1904="1"` in `<workbookPr …/>` (rust_xlsxwriter cannot write it).
fn add_date1904(xml: &str) -> String {
    if let Some(pos) = xml.find("<workbookPr") {
        let mut s = xml.to_string();
        s.insert_str(pos + "<workbookPr".len(), r#" date1904="1""#);
        s
    } else {
        xml.replacen("<bookViews>", r#"<workbookPr date1904="1"/><bookViews>"#, 1)
    }
}

/// `<f>…</f><v>…</v>` → `<f>…</f>`: a formula never calculated, as openpyxl
/// and other non-calculating writers leave it. (A `t="str"`/`t="e"` result
/// type stays; use it with numeric formulas, whose cell has none.)
pub fn strip_cached_results(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(pos) = rest.find("</f><v>") {
        out.push_str(&rest[..pos + 4]);
        let after = &rest[pos + 4..];
        let end = after.find("</v>").expect("closing </v>") + 4;
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Rewrites the parts of a zip container for which `edit` returns new text.
pub fn patch_zip(bytes: &[u8], edit: impl Fn(&str, &str) -> Option<String>) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("zip entry");
        let name = entry.name().expect("entry name").to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("read entry");
        let data = match std::str::from_utf8(&data)
            .ok()
            .and_then(|text| edit(&name, text))
        {
            Some(new) => new.into_bytes(),
            None => data,
        };
        out.start_file(name, opts).expect("start entry");
        out.write_all(&data).expect("write entry");
    }
    out.finish().expect("finish zip").into_inner()
}

/// Reads one part of a zip container as text.
pub fn zip_part(path: &Path, part: &str) -> String {
    let bytes = std::fs::read(path).expect("read file");
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut entry = archive.by_name(part).expect("zip part");
    let mut s = String::new();
    entry.read_to_string(&mut s).expect("utf-8 part");
    s
}

/// The attribute `key` of an XML start tag given as text (`name="x"`).
pub fn xml_attr(tag: &str, key: &str) -> Option<String> {
    let at = tag.find(&format!(" {key}=\""))? + key.len() + 3;
    let end = tag[at..].find('"')? + at;
    Some(
        tag[at..end]
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// The relationship targets of a part's `.rels`, by type's last segment
/// (`worksheet`, `comments`), resolved to part names.
pub fn rel_targets(path: &Path, part: &str) -> Vec<(String, String, String)> {
    let dir = part.rfind('/').map_or("", |i| &part[..=i]);
    let file = &part[dir.len()..];
    let rels = format!("{dir}_rels/{file}.rels");
    let Some(xml) = try_zip_part(path, &rels) else {
        return Vec::new();
    };
    xml.split("<Relationship ")
        .skip(1)
        .filter_map(|tag| {
            let id = xml_attr(&format!(" {tag}"), "Id")?;
            let kind = xml_attr(&format!(" {tag}"), "Type")?;
            let target = xml_attr(&format!(" {tag}"), "Target")?;
            let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
            for seg in target.trim_start_matches('/').split('/') {
                match seg {
                    ".." => {
                        parts.pop();
                    }
                    s => parts.push(s),
                }
            }
            let resolved = if target.starts_with('/') {
                target.trim_start_matches('/').to_string()
            } else {
                parts.join("/")
            };
            Some((id, kind.rsplit('/').next()?.to_string(), resolved))
        })
        .collect()
}

/// The part of the sheet named `sheet` (through the workbook and its relationships).
pub fn sheet_part(path: &Path, sheet: &str) -> Option<String> {
    let wb = try_zip_part(path, "xl/workbook.xml")?;
    let rid = wb.split("<sheet ").skip(1).find_map(|tag| {
        let tag = format!(" {}", tag.split('>').next()?);
        (xml_attr(&tag, "name")? == sheet).then(|| xml_attr(&tag, "r:id"))?
    })?;
    rel_targets(path, "xl/workbook.xml")
        .into_iter()
        .find(|(id, _, _)| *id == rid)
        .map(|(_, _, t)| t)
}

pub fn try_zip_part(path: &Path, part: &str) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut entry = archive.by_name(part).ok()?;
    let mut s = String::new();
    entry.read_to_string(&mut s).ok()?;
    Some(s)
}

// ------------------------------------------------------------------ running the binary

pub fn sozialraum() -> Command {
    Command::cargo_bin("sozialraum").expect("binary sozialraum")
}

/// Runs `sozialraum check --format json PATHS… EXTRA…`; returns the exit code
/// and the parsed report.
pub fn check_json<P: AsRef<Path>>(paths: &[P], extra_args: &[&str]) -> (i32, Value) {
    let mut cmd = sozialraum();
    cmd.arg("check").arg("--format").arg("json");
    for p in paths {
        cmd.arg(p.as_ref());
    }
    cmd.args(extra_args);
    let out = cmd.output().expect("run sozialraum");
    let code = out.status.code().expect("exit code");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let doc: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON on stdout ({e}); exit {code}\nstdout: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, doc)
}

/// Writes the submission into a fresh temp dir and checks it.
pub fn check_submission(s: &Submission) -> (i32, FileReport) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = s.write(dir.path());
    let (code, doc) = check_json(&[&path], &[]);
    (code, FileReport::first(&doc))
}

/// One `files[]` entry of the report.
#[derive(Debug, Clone)]
pub struct FileReport(pub Value);

impl FileReport {
    pub fn first(doc: &Value) -> FileReport {
        FileReport(doc["files"][0].clone())
    }

    /// The entry whose `path` ends with `suffix`.
    pub fn by_path(doc: &Value, suffix: &str) -> FileReport {
        let files = doc["files"].as_array().expect("files[]");
        let f = files
            .iter()
            .find(|f| f["path"].as_str().is_some_and(|p| p.ends_with(suffix)))
            .unwrap_or_else(|| panic!("no file {suffix} in report"));
        FileReport(f.clone())
    }

    pub fn findings(&self) -> &[Value] {
        self.0["findings"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Findings whose code *or* rule is `code_or_rule`, optionally on `sheet` and `cell`.
    pub fn find(&self, code_or_rule: &str, sheet: Option<&str>, cell: Option<&str>) -> Vec<&Value> {
        self.findings()
            .iter()
            .filter(|f| f["code"] == code_or_rule || f["rule"] == code_or_rule)
            .filter(|f| sheet.is_none_or(|s| f["sheet"] == s))
            .filter(|f| cell.is_none_or(|c| f["cell"] == c))
            .collect()
    }

    pub fn has(&self, code_or_rule: &str) -> bool {
        !self.find(code_or_rule, None, None).is_empty()
    }

    pub fn errors(&self) -> u64 {
        self.0["summary"]["errors"]
            .as_u64()
            .expect("summary.errors")
    }
    pub fn warnings(&self) -> u64 {
        self.0["summary"]["warnings"]
            .as_u64()
            .expect("summary.warnings")
    }

    /// Every finding on one line each, for assertion messages.
    pub fn dump(&self) -> String {
        self.findings()
            .iter()
            .map(|f| {
                format!(
                    "  {} {} {} {}!{} value={} – {}",
                    f["severity"].as_str().unwrap_or("?"),
                    f["rule"].as_str().unwrap_or("?"),
                    f["code"].as_str().unwrap_or("?"),
                    f["sheet"].as_str().unwrap_or("-"),
                    f["cell"].as_str().unwrap_or("-"),
                    f["value"],
                    f["message"].as_str().unwrap_or(""),
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A finding a test expects: code, rule, severity and location.
#[derive(Debug, Clone, Copy)]
pub struct Expect {
    pub code: &'static str,
    pub rule: &'static str,
    pub severity: &'static str,
    pub sheet: Option<&'static str>,
    pub cell: Option<&'static str>,
}

pub const fn expect(
    code: &'static str,
    rule: &'static str,
    severity: &'static str,
    sheet: Option<&'static str>,
    cell: Option<&'static str>,
) -> Expect {
    Expect {
        code,
        rule,
        severity,
        sheet,
        cell,
    }
}

impl FileReport {
    /// Checks that exactly one finding of `e.code` sits at `e.sheet`/`e.cell`
    /// with `e.rule` and `e.severity`; returns it, or why not.
    pub fn expect_one(&self, e: &Expect) -> Result<Value, String> {
        let at = self.find(e.code, e.sheet, e.cell);
        let at: Vec<&&Value> = at.iter().filter(|f| f["code"] == e.code).collect();
        match at.as_slice() {
            [f] => {
                if f["rule"] != e.rule || f["severity"] != e.severity {
                    return Err(format!(
                        "{} at {:?}!{:?}: rule {} severity {}, expected {} {}",
                        e.code, e.sheet, e.cell, f["rule"], f["severity"], e.rule, e.severity
                    ));
                }
                if f["sheet"].as_str() != e.sheet || f["cell"].as_str() != e.cell {
                    return Err(format!(
                        "{} located at {}!{}",
                        e.code, f["sheet"], f["cell"]
                    ));
                }
                Ok((**f).clone())
            }
            [] => Err(format!(
                "no {} at {:?}!{:?}; findings:\n{}",
                e.code,
                e.sheet,
                e.cell,
                self.dump()
            )),
            many => Err(format!(
                "{} findings {} at {:?}!{:?}:\n{}",
                many.len(),
                e.code,
                e.sheet,
                e.cell,
                self.dump()
            )),
        }
    }
}

/// A temp dir for a batch of fixtures: one sub-folder per case so that every
/// file keeps its suggested name.
pub struct Batch {
    pub dir: tempfile::TempDir,
    pub paths: Vec<PathBuf>,
}

impl Batch {
    pub fn new() -> Batch {
        Batch {
            dir: tempfile::tempdir().expect("tempdir"),
            paths: Vec::new(),
        }
    }

    /// Writes `s` as `<case>/<suggested name>`; returns its index.
    pub fn add(&mut self, case: &str, s: &Submission) -> usize {
        let sub = self.dir.path().join(case);
        std::fs::create_dir_all(&sub).expect("case dir");
        self.paths.push(s.write(&sub));
        self.paths.len() - 1
    }

    /// Checks every file in one run; returns one report per file, in order.
    pub fn check(&self) -> Vec<FileReport> {
        let (_, doc) = check_json(&self.paths, &[]);
        self.paths
            .iter()
            .map(|p| {
                let shown = p.display().to_string();
                let f = doc["files"]
                    .as_array()
                    .expect("files[]")
                    .iter()
                    .find(|f| f["path"] == shown.as_str())
                    .unwrap_or_else(|| panic!("{shown} missing from report"));
                FileReport(f.clone())
            })
            .collect()
    }
}

impl Default for Batch {
    fn default() -> Self {
        Batch::new()
    }
}

/// A failing case: an edit of the clean submission and the finding it must produce.
pub struct Failing {
    pub name: &'static str,
    pub edit: fn(&mut Submission),
    pub expect: Expect,
}

/// A passing case: an edit that must not produce `absent` (nor any error).
pub struct Passing {
    pub name: &'static str,
    pub edit: fn(&mut Submission),
    pub absent: &'static str,
}

/// Runs a table of failing and passing cases in one check run and reports
/// every case that does not hold.
pub fn run_cases(failing: &[Failing], passing: &[Passing]) {
    let mut batch = Batch::new();
    for c in failing {
        let mut s = Submission::valid("T01", 2026, 3);
        (c.edit)(&mut s);
        batch.add(c.name, &s);
    }
    for c in passing {
        let mut s = Submission::valid("T01", 2026, 3);
        (c.edit)(&mut s);
        batch.add(c.name, &s);
    }
    let reports = batch.check();
    let mut problems = Vec::new();
    for (c, r) in failing.iter().zip(&reports) {
        if let Err(e) = r.expect_one(&c.expect) {
            problems.push(format!("[{}] {e}", c.name));
        }
    }
    for (c, r) in passing.iter().zip(reports.iter().skip(failing.len())) {
        if r.has(c.absent) || r.errors() != 0 {
            problems.push(format!(
                "[{}] expected no {} and 0 errors, got:\n{}",
                c.name,
                c.absent,
                r.dump()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} case(s) failed:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
