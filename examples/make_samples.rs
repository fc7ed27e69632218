//! Writes the example workbooks in `samples/`: clean quarterly submissions of
//! several providers, flawed submissions with planted problems, and the
//! controlling's `Budgetplan`. Deterministic: a fixed seed, fixed document
//! creation dates, so two runs give byte-identical files.
//!
//! ```text
//! cargo run --release --example make_samples -- samples
//! ```

use std::collections::BTreeSet;
use std::error::Error;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate};
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Formula, Workbook, Worksheet,
};

type Res<T> = Result<T, Box<dyn Error>>;

const YEAR: i32 = 2026;
const SEED: u64 = 0x5A17_2026_0B0D_6E7A;
const TITLE: &str = "Quartalsmeldung Sozialraumbudget Landkreis Verden";

// ------------------------------------------------------------------ PRNG

/// SplitMix64: small, fast, and the same sequence on every machine.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi - lo + 1) as u64;
        lo + (self.next_u64() % span) as i64
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as i64 - 1) as usize]
    }

    /// `n` distinct elements (Fisher–Yates on a copy).
    fn sample<T: Clone>(&mut self, items: &[T], n: usize) -> Vec<T> {
        let mut v = items.to_vec();
        for i in (1..v.len()).rev() {
            let j = self.range(0, i as i64) as usize;
            v.swap(i, j);
        }
        v.truncate(n);
        v
    }
}

// ------------------------------------------------------------------ master data (schemas/verden.toml)

#[derive(Clone, Copy, Default)]
struct Style {
    /// A title row (merged) and an empty row above the Fallarbeit header.
    title_row: bool,
    /// Beginn/Ende written as text `01.07.2026`.
    text_dates: bool,
    /// A `Summe` row below the Fallarbeit data.
    totals_row: bool,
    /// Headers broken over lines (`Fach-\nleistungs-\nstunden`).
    wrapped_headers: bool,
    /// `Abweichende Zuständigkeit` filled with `nein` (else left empty).
    says_nein: bool,
}

struct Provider {
    id: &'static str,
    name: &'static str,
    areas: &'static [&'static str],
    /// Contracted rate in cents per Fachleistungsstunde.
    rate: i64,
    contact: &'static str,
    email: &'static str,
    style: Style,
}

const SOZIALRAEUME: [&str; 6] = [
    "Achim",
    "Verden",
    "Oyten/Ottersberg",
    "Langwedel",
    "Dörverden/Kirchlinteln",
    "Thedinghausen",
];

const PROVIDERS: [Provider; 6] = [
    Provider {
        id: "T01",
        name: "Jugendhilfe Aller-Weser e.V.",
        areas: &["Achim", "Oyten/Ottersberg"],
        rate: 6240,
        contact: "Anke Rohlfs",
        email: "controlling@jugendhilfe-aller-weser.example",
        style: Style {
            title_row: false,
            text_dates: false,
            totals_row: true,
            wrapped_headers: false,
            says_nein: true,
        },
    },
    Provider {
        id: "T02",
        name: "Familienwerk Verden gGmbH",
        areas: &["Verden"],
        rate: 6080,
        contact: "Jens Meinken",
        email: "j.meinken@familienwerk-verden.example",
        style: Style {
            title_row: true,
            text_dates: false,
            totals_row: false,
            wrapped_headers: false,
            says_nein: false,
        },
    },
    Provider {
        id: "T03",
        name: "Kinder- und Jugendhilfe Geestland gGmbH",
        areas: &["Oyten/Ottersberg", "Langwedel"],
        rate: 6310,
        contact: "Sabine Tietjen",
        email: "verwaltung@kjh-geestland.example",
        style: Style {
            title_row: false,
            text_dates: true,
            totals_row: false,
            wrapped_headers: false,
            says_nein: true,
        },
    },
    Provider {
        id: "T04",
        name: "Diakonische Jugendhilfe Süd gGmbH",
        areas: &["Dörverden/Kirchlinteln"],
        rate: 5990,
        contact: "Martin Wöhlke",
        email: "abrechnung@diakonie-jugendhilfe-sued.example",
        style: Style {
            title_row: false,
            text_dates: false,
            totals_row: false,
            wrapped_headers: false,
            says_nein: true,
        },
    },
    Provider {
        id: "T05",
        name: "Lebensraum Thedinghausen e.V.",
        areas: &["Thedinghausen"],
        rate: 6150,
        contact: "Birte Oelfke",
        email: "info@lebensraum-thedinghausen.example",
        style: Style {
            title_row: false,
            text_dates: false,
            totals_row: false,
            wrapped_headers: true,
            says_nein: false,
        },
    },
    Provider {
        id: "T06",
        name: "Brückenschlag Jugendhilfe e.V.",
        areas: &["Achim", "Verden"],
        rate: 6420,
        contact: "Deniz Kaya",
        email: "meldung@brueckenschlag-jugendhilfe.example",
        style: Style {
            title_row: false,
            text_dates: false,
            totals_row: false,
            wrapped_headers: false,
            says_nein: true,
        },
    },
];

fn provider(id: &str) -> &'static Provider {
    PROVIDERS
        .iter()
        .find(|p| p.id == id)
        .expect("known provider")
}

/// Help types with a weight and the weekly intensity range (hundredths of an hour).
const HELP: [(&str, u32, i64, i64); 8] = [
    ("§ 27 Abs. 2", 3, 200, 600),
    ("§ 29", 1, 150, 300),
    ("§ 30", 3, 200, 500),
    ("§ 31", 6, 400, 900),
    ("§ 32", 1, 600, 1200),
    ("§ 35", 1, 800, 1300),
    ("§ 35a", 2, 200, 500),
    ("§ 41", 2, 200, 600),
];

fn pick_help(rng: &mut Rng) -> usize {
    let total: u32 = HELP.iter().map(|h| h.1).sum();
    let mut x = rng.range(0, i64::from(total) - 1) as u32;
    for (i, h) in HELP.iter().enumerate() {
        if x < h.1 {
            return i;
        }
        x -= h.1;
    }
    0
}

fn quartiere(area: &str) -> &'static [&'static str] {
    match area {
        "Achim" => &[
            "Achim-Mitte",
            "Baden",
            "Uesen",
            "Bierden",
            "Embsen",
            "Uphusen",
        ],
        "Verden" => &[
            "Verden-Innenstadt",
            "Dauelsen",
            "Eitze",
            "Hönisch",
            "Walle",
            "Borstel",
        ],
        "Oyten/Ottersberg" => &[
            "Oyten-Ortskern",
            "Bassen",
            "Sagehorn",
            "Ottersberg-Ort",
            "Fischerhude",
            "Posthausen",
        ],
        "Langwedel" => &["Langwedel-Ort", "Etelsen", "Daverden", "Völkersen"],
        "Dörverden/Kirchlinteln" => &[
            "Dörverden-Ort",
            "Barme",
            "Westen",
            "Kirchlinteln-Ort",
            "Otersen",
        ],
        _ => &[
            "Thedinghausen-Ort",
            "Emtinghausen",
            "Blender",
            "Riede",
            "Morsum",
        ],
    }
}

const MEASURES: [&str; 8] = [
    "Offener Elterntreff",
    "Hausaufgabenhilfe im Quartier",
    "Mädchengruppe",
    "Jungengruppe",
    "Spielplatzaktion",
    "Stadtteilfrühstück",
    "Ferienprogramm",
    "Sprechstunde im Familienzentrum",
];

const PROJECTS: [&str; 6] = [
    "Netzwerk Frühe Hilfen",
    "Lokale Arbeitsgemeinschaft (LokAG)",
    "Kooperation Schule und Jugendhilfe",
    "Fachtag Kinderschutz",
    "Ehrenamtliche Lesepatenschaften",
    "Sozialraumkonferenz",
];

// ------------------------------------------------------------------ dates and money

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// First and last day of a quarter of `YEAR`.
fn quarter_bounds(q: u32) -> (NaiveDate, NaiveDate) {
    let start = date(YEAR, 3 * q - 2, 1);
    let end = if q == 4 {
        date(YEAR, 12, 31)
    } else {
        date(YEAR, 3 * q + 1, 1) - Duration::days(1)
    };
    (start, end)
}

fn excel_date(d: NaiveDate) -> Res<ExcelDateTime> {
    Ok(ExcelDateTime::from_ymd(
        d.year() as u16,
        d.month() as u8,
        d.day() as u8,
    )?)
}

fn de_date(d: NaiveDate) -> String {
    format!("{:02}.{:02}.{}", d.day(), d.month(), d.year())
}

/// `12345` (hundredths) → `123.45`.
fn dot2(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", v.abs() / 100, v.abs() % 100)
}

/// Cost in cents of `quarter_hours` at `rate` cents, rounded half up to the cent.
fn cost_of(quarter_hours: i64, rate: i64) -> i64 {
    (quarter_hours * rate + 2) / 4
}

fn col_letter(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

// ------------------------------------------------------------------ cells and sheets

#[derive(Clone)]
enum Cell {
    Empty,
    Text(String),
    /// A real date cell, format dd.mm.yyyy.
    Date(NaiveDate),
    /// A date typed as text, `01.07.2026`.
    DateText(NaiveDate),
    Int(i64),
    /// Hundredths of an hour, format 0.00.
    Hours(i64),
    /// Cents, format #,##0.00.
    Money(i64),
    /// Any number with its own number format.
    Number(f64, &'static str),
    /// A formula and its cached result (`None`: never calculated).
    Formula {
        text: String,
        result: Option<String>,
        money: bool,
    },
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

struct Formats {
    title: Format,
    label: Format,
    header: Format,
    header_wrap: Format,
    date: Format,
    money: Format,
    hours: Format,
    int: Format,
    plain: Format,
    total_label: Format,
    total_money: Format,
    total_hours: Format,
}

impl Formats {
    fn new() -> Self {
        let header = Format::new()
            .set_bold()
            .set_background_color(0xD9E1F2)
            .set_border_bottom(FormatBorder::Thin)
            .set_align(FormatAlign::Top);
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            label: Format::new().set_bold(),
            header_wrap: header.clone().set_text_wrap(),
            header,
            date: Format::new()
                .set_num_format("dd.mm.yyyy")
                .set_align(FormatAlign::Left),
            money: Format::new().set_num_format("#,##0.00"),
            hours: Format::new().set_num_format("0.00"),
            int: Format::new().set_num_format("0"),
            plain: Format::new(),
            total_label: Format::new().set_bold().set_border_top(FormatBorder::Thin),
            total_money: Format::new()
                .set_bold()
                .set_border_top(FormatBorder::Thin)
                .set_num_format("#,##0.00"),
            total_hours: Format::new()
                .set_bold()
                .set_border_top(FormatBorder::Thin)
                .set_num_format("0.00"),
        }
    }
}

fn write_cell(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    cell: &Cell,
    f: &Formats,
    bold: bool,
) -> Res<()> {
    match cell {
        Cell::Empty => {}
        Cell::Text(s) => {
            ws.write_string_with_format(row, col, s, if bold { &f.total_label } else { &f.plain })?;
        }
        Cell::Date(d) => {
            ws.write_datetime_with_format(row, col, excel_date(*d)?, &f.date)?;
        }
        Cell::DateText(d) => {
            ws.write_string(row, col, de_date(*d))?;
        }
        Cell::Int(v) => {
            ws.write_number_with_format(row, col, *v as f64, &f.int)?;
        }
        Cell::Hours(v) => {
            ws.write_number_with_format(
                row,
                col,
                *v as f64 / 100.0,
                if bold { &f.total_hours } else { &f.hours },
            )?;
        }
        Cell::Money(v) => {
            ws.write_number_with_format(
                row,
                col,
                *v as f64 / 100.0,
                if bold { &f.total_money } else { &f.money },
            )?;
        }
        Cell::Number(v, fmt) => {
            ws.write_number_with_format(row, col, *v, &Format::new().set_num_format(*fmt))?;
        }
        Cell::Formula {
            text,
            result,
            money,
        } => {
            let mut formula = Formula::new(text);
            if let Some(r) = result {
                formula = formula.set_result(r);
            }
            let fmt = match (money, bold) {
                (true, true) => &f.total_money,
                (true, false) => &f.money,
                (false, true) => &f.total_hours,
                (false, false) => &f.hours,
            };
            ws.write_formula_with_format(row, col, formula, fmt)?;
        }
    }
    Ok(())
}

/// A table sheet. `keys` are the canonical column names (for lookups),
/// `headers` what is written (may be broken over lines or duplicated).
struct Table {
    sheet: &'static str,
    title: Option<String>,
    keys: Vec<String>,
    headers: Vec<String>,
    widths: Vec<f64>,
    rows: Vec<Vec<Cell>>,
    totals: Option<Vec<Cell>>,
    wrap: bool,
}

impl Table {
    fn new(sheet: &'static str, cols: &[(&str, f64)]) -> Self {
        Table {
            sheet,
            title: None,
            keys: cols.iter().map(|c| c.0.to_string()).collect(),
            headers: cols.iter().map(|c| c.0.to_string()).collect(),
            widths: cols.iter().map(|c| c.1).collect(),
            rows: Vec::new(),
            totals: None,
            wrap: false,
        }
    }

    /// 0-based row of the header.
    fn header_row(&self) -> u32 {
        if self.title.is_some() {
            2
        } else {
            0
        }
    }

    /// Excel (1-based) row of data row `i`.
    fn excel_row(&self, i: usize) -> u32 {
        self.header_row() + 2 + i as u32
    }

    fn col(&self, key: &str) -> usize {
        self.keys
            .iter()
            .position(|k| k == key)
            .unwrap_or_else(|| panic!("no column {key} in {}", self.sheet))
    }

    fn addr(&self, i: usize, key: &str) -> String {
        format!(
            "{}!{}{}",
            self.sheet,
            col_letter(self.col(key)),
            self.excel_row(i)
        )
    }

    fn set(&mut self, i: usize, key: &str, cell: Cell) {
        let c = self.col(key);
        self.rows[i][c] = cell;
    }

    fn get(&self, i: usize, key: &str) -> &Cell {
        &self.rows[i][self.col(key)]
    }

    /// Sum of the `Hours`/`Money` cells of column `key` in data rows `0..n`.
    fn sum(&self, key: &str, n: usize) -> i64 {
        let c = self.col(key);
        self.rows
            .iter()
            .take(n)
            .map(|r| match r[c] {
                Cell::Money(v) | Cell::Hours(v) => v,
                _ => 0,
            })
            .sum()
    }

    fn insert_column(&mut self, at: usize, key: &str, width: f64, values: Vec<Cell>) {
        self.keys.insert(at, key.to_string());
        self.headers.insert(at, key.to_string());
        self.widths.insert(at, width);
        for (row, v) in self.rows.iter_mut().zip(values) {
            row.insert(at, v);
        }
    }

    fn remove_column(&mut self, key: &str) {
        let c = self.col(key);
        self.keys.remove(c);
        self.headers.remove(c);
        self.widths.remove(c);
        for row in &mut self.rows {
            row.remove(c);
        }
    }

    /// A `Summe` row with formulas over the hours and cost columns; `extra`
    /// cents are added to the cached cost (0 for a correct row).
    fn add_totals(&mut self, label_key: &str, hours_key: Option<&str>, extra: i64) {
        let n = self.rows.len();
        let mut row = vec![Cell::Empty; self.keys.len()];
        row[self.col(label_key)] = text("Summe");
        let first = self.excel_row(0);
        let last = self.excel_row(n - 1);
        if let Some(h) = hours_key {
            let l = col_letter(self.col(h));
            row[self.col(h)] = Cell::Formula {
                text: format!("=SUM({l}{first}:{l}{last})"),
                result: Some(dot2(self.sum(h, n))),
                money: false,
            };
        }
        let l = col_letter(self.col("Kosten"));
        row[self.col("Kosten")] = Cell::Formula {
            text: format!("=SUM({l}{first}:{l}{last})"),
            result: Some(dot2(self.sum("Kosten", n) + extra)),
            money: true,
        };
        self.totals = Some(row);
    }

    fn write(&self, wb: &mut Workbook, f: &Formats) -> Res<()> {
        let ws = wb.add_worksheet();
        ws.set_name(self.sheet)?;
        if let Some(t) = &self.title {
            let last = (self.keys.len() - 1) as u16;
            ws.merge_range(0, 0, 0, last, t, &f.title)?;
        }
        let h = self.header_row();
        for (c, (header, width)) in self.headers.iter().zip(&self.widths).enumerate() {
            let c = c as u16;
            ws.write_string_with_format(
                h,
                c,
                header,
                if self.wrap { &f.header_wrap } else { &f.header },
            )?;
            ws.set_column_width(c, *width)?;
        }
        if self.wrap {
            ws.set_row_height(h, 45)?;
        }
        for (i, row) in self.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                write_cell(ws, h + 1 + i as u32, c as u16, cell, f, false)?;
            }
        }
        if let Some(row) = &self.totals {
            let r = h + 1 + self.rows.len() as u32;
            for (c, cell) in row.iter().enumerate() {
                write_cell(ws, r, c as u16, cell, f, true)?;
            }
        }
        ws.set_freeze_panes(h + 1, 0)?;
        Ok(())
    }
}

const FALL_COLS: [(&str, f64); 11] = [
    ("Fall-ID", 15.0),
    ("Sozialraum", 22.0),
    ("Hilfeart", 12.0),
    ("Beginn", 11.0),
    ("Ende", 11.0),
    ("Fachleistungsstunden", 12.0),
    ("Stundensatz", 11.0),
    ("Kosten", 12.0),
    ("Abweichende Zuständigkeit", 14.0),
    ("Begründung", 45.0),
    ("Bemerkung", 40.0),
];

const MILIEU_COLS: [(&str, f64); 6] = [
    ("Maßnahme", 32.0),
    ("Sozialraum", 22.0),
    ("Quartier", 20.0),
    ("Stunden", 10.0),
    ("Kosten", 12.0),
    ("Teilnehmende", 13.0),
];

const STRUKTUR_COLS: [(&str, f64); 5] = [
    ("Projekt", 36.0),
    ("Sozialraum", 22.0),
    ("Ehrenamtliche", 14.0),
    ("Stunden", 10.0),
    ("Kosten", 12.0),
];

/// One line of the `Summen` sheet.
struct SumLine {
    label: &'static str,
    formula: String,
    result: Option<String>,
}

/// A whole workbook.
struct Submission {
    /// Path below the output directory.
    path: String,
    provider: &'static Provider,
    /// The quarter of the file name (the cover may say otherwise).
    quarter: u32,
    cover: Vec<(&'static str, Cell)>,
    tables: Vec<Table>,
    summen: Option<Vec<SumLine>>,
    extra_sheet: Option<(&'static str, Vec<&'static str>)>,
}

impl Submission {
    fn table(&mut self, sheet: &str) -> &mut Table {
        self.tables
            .iter_mut()
            .find(|t| t.sheet == sheet)
            .expect("table present")
    }

    /// The fixed creation date of the document: the 5th of the month after the quarter.
    fn creation(&self) -> Res<ExcelDateTime> {
        let (_, end) = quarter_bounds(self.quarter);
        Ok(excel_date(end + Duration::days(5))?.and_hms(9, 0, 0)?)
    }

    fn write(&self, out: &Path, f: &Formats) -> Res<()> {
        let mut wb = Workbook::new();
        let p = self.provider;
        let props = DocProperties::new()
            .set_title(format!(
                "Quartalsmeldung {} {}-Q{}",
                p.id, YEAR, self.quarter
            ))
            .set_subject("Sozialraumbudget Landkreis Verden")
            .set_author(p.contact)
            .set_company(p.name)
            .set_creation_datetime(&self.creation()?);
        wb.set_properties(&props);

        let ws = wb.add_worksheet();
        ws.set_name("Deckblatt")?;
        ws.merge_range(0, 0, 0, 3, TITLE, &f.title)?;
        ws.set_column_width(0, 18)?;
        ws.set_column_width(1, 46)?;
        for (i, (label, value)) in self.cover.iter().enumerate() {
            let r = 2 + i as u32;
            ws.write_string_with_format(r, 0, *label, &f.label)?;
            match value {
                // Left-aligned numbers on a form, as people type them.
                Cell::Int(v) => {
                    ws.write_number_with_format(
                        r,
                        1,
                        *v as f64,
                        &f.int.clone().set_align(FormatAlign::Left),
                    )?;
                }
                other => write_cell(ws, r, 1, other, f, false)?,
            }
        }

        for t in &self.tables {
            t.write(&mut wb, f)?;
        }

        if let Some(lines) = &self.summen {
            let ws = wb.add_worksheet();
            ws.set_name("Summen")?;
            ws.set_column_width(0, 18)?;
            ws.set_column_width(1, 16)?;
            for (i, line) in lines.iter().enumerate() {
                let r = i as u32;
                ws.write_string_with_format(r, 0, line.label, &f.label)?;
                let cell = Cell::Formula {
                    text: line.formula.clone(),
                    result: line.result.clone(),
                    money: true,
                };
                write_cell(ws, r, 1, &cell, f, line.label == "Gesamt")?;
            }
        }

        if let Some((name, lines)) = &self.extra_sheet {
            let ws = wb.add_worksheet();
            ws.set_name(*name)?;
            ws.set_column_width(0, 80)?;
            for (i, line) in lines.iter().enumerate() {
                ws.write_string(i as u32, 0, *line)?;
            }
        }

        let path = out.join(&self.path);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        wb.save(&path)?;
        Ok(())
    }
}

// ------------------------------------------------------------------ the simulated case load

struct IdPool(BTreeSet<(i32, i64)>);

impl IdPool {
    /// A case key not used by any provider so far: `JA-<year>-0xxxx`.
    fn fresh(&mut self, rng: &mut Rng, year: i32) -> String {
        loop {
            let n = rng.range(100, 9999);
            if self.0.insert((year, n)) {
                return format!("JA-{year}-{n:05}");
            }
        }
    }
}

struct Case {
    id: String,
    area: &'static str,
    help: usize,
    begin: NaiveDate,
    end: Option<NaiveDate>,
    /// Hundredths of an hour per week.
    weekly: i64,
    out_of_area: bool,
}

/// One provider's cases through quarters 1–3: 25 open at the start of the
/// year (one of them out of area), then each quarter 4–6 end and 5–7 begin.
fn simulate(p: &Provider, rng: &mut Rng, ids: &mut IdPool) -> Vec<Case> {
    let mut cases = Vec::new();
    let new_case = |rng: &mut Rng, ids: &mut IdPool, year: i32, begin: NaiveDate, out: bool| {
        let area = if out {
            let others: Vec<&'static str> = SOZIALRAEUME
                .iter()
                .copied()
                .filter(|s| !p.areas.contains(s))
                .collect();
            *rng.pick(&others)
        } else {
            *rng.pick(p.areas)
        };
        let help = if out { 3 } else { pick_help(rng) };
        let (_, _, lo, hi) = HELP[help];
        Case {
            id: ids.fresh(rng, year),
            area,
            help,
            begin,
            end: None,
            weekly: rng.range(lo, hi),
            out_of_area: out,
        }
    };
    for i in 0..25 {
        let begin = date(2025, 1, 13) + Duration::days(rng.range(0, 340));
        cases.push(new_case(rng, ids, 2025, begin, i == 0));
    }
    for q in 1..=3 {
        let (start, end) = quarter_bounds(q);
        let days = (end - start).num_days();
        let open: Vec<usize> = (0..cases.len())
            .filter(|&i| cases[i].end.is_none() && !cases[i].out_of_area && cases[i].begin < start)
            .collect();
        let n_end = rng.range(4, 6) as usize;
        for i in rng.sample(&open, n_end) {
            cases[i].end = Some(start + Duration::days(rng.range(7, days)));
        }
        for _ in 0..rng.range(5, 7) {
            let begin = start + Duration::days(rng.range(0, days - 14));
            let mut c = new_case(rng, ids, YEAR, begin, false);
            if rng.chance(15) {
                c.end = Some((begin + Duration::days(rng.range(21, 60))).min(end));
            }
            cases.push(c);
        }
    }
    cases.sort_by(|a, b| a.id.cmp(&b.id));
    cases
}

/// What a row carries besides its cells: the quarter-hours and the cost.
struct CaseRow {
    cells: Vec<Cell>,
    begin: NaiveDate,
    ended: bool,
}

/// The Fallarbeit rows of quarter `q` (cells in `FALL_COLS` order).
fn case_rows(p: &Provider, cases: &[Case], q: u32, rng: &mut Rng) -> Vec<CaseRow> {
    let (start, end) = quarter_bounds(q);
    let mut rows = Vec::new();
    for c in cases
        .iter()
        .filter(|c| c.begin <= end && c.end.is_none_or(|e| e >= start))
    {
        let from = c.begin.max(start);
        let to = c.end.map_or(end, |e| e.min(end));
        let days = (to - from).num_days() + 1;
        let jitter = rng.range(85, 115);
        let hundredths = c.weekly * days * jitter / (7 * 100);
        let quarter_hours = ((hundredths + 12) / 25).clamp(20, 720);
        let ending = c.end.filter(|e| *e <= end);
        let date_cell = |d: NaiveDate| {
            if p.style.text_dates {
                Cell::DateText(d)
            } else {
                Cell::Date(d)
            }
        };
        let (deviating, reason) = if c.out_of_area {
            (
                text("ja"),
                text("Umzug der Familie, bestehende Hilfebeziehung fortgeführt"),
            )
        } else if p.style.says_nein {
            (text("nein"), Cell::Empty)
        } else {
            (Cell::Empty, Cell::Empty)
        };
        let remark = if ending.is_some() && rng.chance(50) {
            text(*rng.pick(&[
                "Hilfe planmäßig beendet",
                "Hilfeziele erreicht",
                "Beendigung durch die Sorgeberechtigten",
            ]))
        } else if rng.chance(20) {
            let d = start + Duration::days(rng.range(3, (end - start).num_days() - 3));
            text(format!("Hilfeplangespräch am {}", de_date(d)))
        } else if rng.chance(10) {
            text(*rng.pick(&[
                "Krisenintervention im Quartal",
                "Verlängerung beantragt",
                "Übergang in die Schule begleitet",
            ]))
        } else {
            Cell::Empty
        };
        rows.push(CaseRow {
            cells: vec![
                text(c.id.clone()),
                text(c.area),
                text(HELP[c.help].0),
                date_cell(c.begin),
                ending.map_or(Cell::Empty, date_cell),
                Cell::Hours(quarter_hours * 25),
                Cell::Money(p.rate),
                Cell::Money(cost_of(quarter_hours, p.rate)),
                deviating,
                reason,
                remark,
            ],
            begin: c.begin,
            ended: ending.is_some(),
        });
    }
    rows
}

fn milieu_table(p: &Provider, q: u32, rng: &mut Rng) -> Table {
    let mut t = Table::new("Milieuarbeit", &MILIEU_COLS);
    let n = rng.range(2, 4) as usize;
    let mut measures: Vec<&str> = MEASURES
        .iter()
        .copied()
        .filter(|m| q == 3 || *m != "Ferienprogramm")
        .collect();
    measures = rng.sample(&measures, n);
    for m in measures {
        let area = *rng.pick(p.areas);
        let quarter_hours = rng.range(40, 480);
        t.rows.push(vec![
            text(m),
            text(area),
            text(*rng.pick(quartiere(area))),
            Cell::Hours(quarter_hours * 25),
            Cell::Money(cost_of(quarter_hours, p.rate)),
            Cell::Int(rng.range(6, 40)),
        ]);
    }
    t
}

fn struktur_table(p: &Provider, rng: &mut Rng) -> Table {
    let mut t = Table::new("Strukturarbeit", &STRUKTUR_COLS);
    let n = rng.range(1, 3) as usize;
    for project in rng.sample(&PROJECTS, n) {
        let area = if rng.chance(30) {
            "kreisweit"
        } else {
            *rng.pick(p.areas)
        };
        let quarter_hours = rng.range(40, 240);
        t.rows.push(vec![
            text(project),
            text(area),
            Cell::Int(rng.range(0, 12)),
            Cell::Hours(quarter_hours * 25),
            Cell::Money(cost_of(quarter_hours, p.rate)),
        ]);
    }
    t
}

/// The `Summen` lines; the Fallarbeit formula covers the first `fall_rows` data rows.
fn summen(tables: &[Table], fall_rows: usize) -> Vec<SumLine> {
    let mut lines = Vec::new();
    let mut total = 0;
    for t in tables {
        let n = if t.sheet == "Fallarbeit" {
            fall_rows
        } else {
            t.rows.len()
        };
        let l = col_letter(t.col("Kosten"));
        let sum = t.sum("Kosten", n);
        total += sum;
        lines.push(SumLine {
            label: t.sheet,
            formula: format!(
                "=SUM({}!{l}{}:{l}{})",
                t.sheet,
                t.excel_row(0),
                t.excel_row(n - 1)
            ),
            result: Some(dot2(sum)),
        });
    }
    lines.push(SumLine {
        label: "Gesamt",
        formula: "=SUM(B1:B3)".into(),
        result: Some(dot2(total)),
    });
    lines
}

fn cover(p: &Provider, quarter: u32, created: NaiveDate) -> Vec<(&'static str, Cell)> {
    vec![
        ("Träger-Nr.", text(p.id)),
        ("Träger", text(p.name)),
        ("Berichtsjahr", Cell::Int(i64::from(YEAR))),
        ("Quartal", Cell::Int(i64::from(quarter))),
        ("Ansprechperson", text(p.contact)),
        ("E-Mail", text(p.email)),
        ("Erstellt am", Cell::Date(created)),
    ]
}

/// A correct submission of provider `p` for quarter `q`.
fn clean(p: &'static Provider, q: u32, cases: &[Case], rng: &mut Rng, dir: &str) -> Submission {
    let (_, qend) = quarter_bounds(q);
    let created = qend + Duration::days(rng.range(3, 12));
    let mut fall = Table::new("Fallarbeit", &FALL_COLS);
    fall.rows = case_rows(p, cases, q, rng)
        .into_iter()
        .map(|r| r.cells)
        .collect();
    if p.style.title_row {
        fall.title = Some(format!("Fallarbeit {}. Quartal {} – {}", q, YEAR, p.name));
    }
    if p.style.wrapped_headers {
        fall.wrap = true;
        let wrapped = [
            ("Fachleistungsstunden", "Fach-\nleistungs-\nstunden"),
            ("Stundensatz", "Stunden-\nsatz €"),
            ("Abweichende Zuständigkeit", "Abweichende\nZuständigkeit"),
        ];
        for (key, header) in wrapped {
            let c = fall.col(key);
            fall.headers[c] = header.to_string();
        }
    }
    let n = fall.rows.len();
    if p.style.totals_row {
        fall.add_totals("Fall-ID", Some("Fachleistungsstunden"), 0);
    }
    let tables = vec![fall, milieu_table(p, q, rng), struktur_table(p, rng)];
    let sums = summen(&tables, n);
    Submission {
        path: format!("{dir}{}_{}-Q{}.xlsx", p.id, YEAR, q),
        provider: p,
        quarter: q,
        cover: cover(p, q, created),
        tables,
        summen: Some(sums),
        extra_sheet: None,
    }
}

// ------------------------------------------------------------------ flawed submissions

/// A planted problem: where, what, which finding the checker should give.
struct Plant {
    file: String,
    cell: String,
    what: String,
    code: &'static str,
}

struct Planter<'a> {
    file: String,
    list: &'a mut Vec<Plant>,
}

impl Planter<'_> {
    fn add(&mut self, cell: impl Into<String>, what: impl Into<String>, code: &'static str) {
        self.list.push(Plant {
            file: self.file.clone(),
            cell: cell.into(),
            what: what.into(),
            code,
        });
    }
}

/// Index of the first row (from `from` on) that satisfies `pred`.
fn find_row(
    rows: &[CaseRow],
    from: usize,
    used: &mut BTreeSet<usize>,
    pred: impl Fn(&CaseRow) -> bool,
) -> usize {
    let i = (from..rows.len())
        .chain(0..from)
        .find(|i| !used.contains(i) && pred(&rows[*i]))
        .expect("a suitable row");
    used.insert(i);
    i
}

/// T04, Q3: wrong values in otherwise well-formed sheets.
fn flawed_t04_q3(cases: &[Case], rng: &mut Rng, plants: &mut Vec<Plant>) -> Submission {
    let p = provider("T04");
    let mut s = clean(p, 3, cases, rng, "fehlerhaft/");
    let mut pl = Planter {
        file: s.path.clone(),
        list: plants,
    };
    let rows = case_rows(p, cases, 3, &mut Rng::new(0));
    let mut used = BTreeSet::new();
    let not_out = |r: &CaseRow| matches!(&r.cells[8], Cell::Text(t) if t == "nein");
    let (start, _) = quarter_bounds(3);
    let t = s.table("Fallarbeit");

    let i = find_row(&rows, 2, &mut used, not_out);
    t.set(i, "Sozialraum", text("Achm"));
    pl.add(
        t.addr(i, "Sozialraum"),
        "Sozialraum `Achm` (Tippfehler, kein Sozialraum)",
        "ENUM-UNKNOWN",
    );

    let i = find_row(&rows, 5, &mut used, not_out);
    if let Cell::Money(v) = t.get(i, "Kosten").clone() {
        t.set(i, "Kosten", Cell::Money(v + 1000));
        pl.add(
            t.addr(i, "Kosten"),
            "Kosten 10,00 € höher als Stunden × Satz",
            "CROSS-COST",
        );
    }

    let i = find_row(&rows, 8, &mut used, |r| {
        not_out(r) && r.begin < start && !r.ended
    });
    t.set(i, "Beginn", Cell::Date(date(YEAR, 8, 20)));
    t.set(i, "Ende", Cell::Date(date(YEAR, 8, 3)));
    pl.add(
        t.addr(i, "Ende"),
        "Ende 03.08.2026 vor Beginn 20.08.2026",
        "CROSS-DATE-ORDER",
    );

    let i = find_row(&rows, 11, &mut used, not_out);
    let j = find_row(&rows, i + 1, &mut used, not_out);
    let id = t.get(i, "Fall-ID").clone();
    t.set(j, "Fall-ID", id);
    pl.add(
        t.addr(j, "Fall-ID"),
        format!("Fall-ID doppelt (wie {})", t.addr(i, "Fall-ID")),
        "UNIQUE-DUPLICATE",
    );

    let i = find_row(&rows, 15, &mut used, not_out);
    t.set(i, "Hilfeart", text("§ 34"));
    pl.add(
        t.addr(i, "Hilfeart"),
        "Hilfeart § 34 (Heimerziehung, nicht aus dem Sozialraumbudget)",
        "ENUM-EXCLUDED",
    );

    let i = find_row(&rows, 18, &mut used, not_out);
    if let Cell::Hours(h) = t.get(i, "Fachleistungsstunden").clone() {
        t.set(i, "Stundensatz", Cell::Money(6240));
        t.set(i, "Kosten", Cell::Money(cost_of(h / 25, 6240)));
        pl.add(
            t.addr(i, "Stundensatz"),
            "Stundensatz 62,40 € statt vertraglich 59,90 € (Kosten dazu passend)",
            "REFERENCE-RATE",
        );
    }

    let i = find_row(&rows, 21, &mut used, not_out);
    t.set(
        i,
        "Bemerkung",
        text("Jugendliche/r geb. 03.04.2015, Schulwechsel steht an"),
    );
    pl.add(
        t.addr(i, "Bemerkung"),
        "Bemerkung mit Geburtsdatum",
        "PRIVACY-VALUE",
    );

    // The provider's Fallarbeit formula misses the last data row.
    let n = t.rows.len();
    s.summen = Some(summen(&s.tables, n - 1));
    let t = &s.tables[0];
    pl.add(
        "Summen!B1",
        format!(
            "Formel `=SUM(Fallarbeit!H2:H{})` lässt die letzte Zeile {} aus",
            t.excel_row(n - 2),
            t.excel_row(n - 1)
        ),
        "TOTAL-SHEET",
    );
    pl.add(
        "Summen!B4",
        "Gesamt folgt dem zu kleinen Fallarbeit-Betrag",
        "TOTAL-SHEET",
    );
    s
}

/// T06, file name says Q3, cover says Q2: structural and cover problems.
fn flawed_t06(cases: &[Case], rng: &mut Rng, plants: &mut Vec<Plant>) -> Submission {
    let p = provider("T06");
    let mut s = clean(p, 3, cases, rng, "fehlerhaft/");
    let mut pl = Planter {
        file: s.path.clone(),
        list: plants,
    };
    // Only cases begun by the end of Q2, so that the cover's quarter alone is at odds.
    let (_, q2_end) = quarter_bounds(2);
    let rows: Vec<CaseRow> = case_rows(p, cases, 3, &mut Rng::new(0))
        .into_iter()
        .filter(|r| r.begin <= q2_end)
        .collect();
    let keep: Vec<bool> = {
        let t = s.table("Fallarbeit");
        t.rows
            .iter()
            .map(|r| {
                matches!(&r[3], Cell::Date(d) if *d <= q2_end)
                    || matches!(&r[3], Cell::DateText(d) if *d <= q2_end)
            })
            .collect()
    };
    s.summen = None;

    s.cover[3].1 = Cell::Int(2);
    pl.add(
        "Deckblatt!B6",
        "Quartal 2 auf dem Deckblatt, Dateiname sagt Q3",
        "CONSISTENCY-FILENAME",
    );
    s.cover[5].1 = Cell::Empty;
    pl.add("Deckblatt!B8", "E-Mail leer", "REQUIRED-EMPTY");

    let t = s.table("Fallarbeit");
    let mut k = keep.iter();
    t.rows.retain(|_| *k.next().unwrap_or(&false));
    let mut used = BTreeSet::new();
    let not_out = |r: &CaseRow| matches!(&r.cells[8], Cell::Text(t) if t == "nein");

    let i = find_row(&rows, 4, &mut used, not_out);
    t.set(i, "Sozialraum", text("Langwedel"));

    let i9 = find_row(&rows, 9, &mut used, not_out);
    let r = t.excel_row(i9);
    t.set(
        i9,
        "Kosten",
        Cell::Formula {
            text: format!("=F{r}*G{r}/0"),
            result: Some("#DIV/0!".into()),
            money: true,
        },
    );

    let i14 = find_row(&rows, 14, &mut used, not_out);
    t.set(i14, "Fachleistungsstunden", Cell::Hours(60000));
    t.set(i14, "Kosten", Cell::Money(cost_of(2400, p.rate)));

    t.remove_column("Hilfeart");
    let initials: Vec<Cell> = (0..t.rows.len())
        .map(|_| {
            let a = (b'A' + rng.range(0, 25) as u8) as char;
            let b = (b'A' + rng.range(0, 25) as u8) as char;
            text(format!("{a}. {b}."))
        })
        .collect();
    t.insert_column(1, "Name", 10.0, initials);
    pl.add(
        "Fallarbeit!B1",
        "Spalte `Name` (personenbezogen)",
        "PRIVACY-COLUMN",
    );
    pl.add(
        "Fallarbeit (Kopfzeile)",
        "Spalte `Hilfeart` fehlt",
        "COLUMN-MISSING",
    );
    pl.add(
        t.addr(i, "Sozialraum"),
        "Fall in Langwedel (nicht T06), Abweichende Zuständigkeit `nein`",
        "ASSIGNMENT-OUTSIDE",
    );
    pl.add(
        t.addr(i9, "Kosten"),
        "Formel `=F*G/0` mit Ergebnis `#DIV/0!`",
        "FORMULA-ERROR",
    );
    pl.add(
        t.addr(i14, "Fachleistungsstunden"),
        "600 Fachleistungsstunden (> 520)",
        "RANGE-NUMBER",
    );
    s
}

/// T04, Q2: the remaining rule categories and some tolerated oddities.
fn flawed_t04_q2(cases: &[Case], rng: &mut Rng, plants: &mut Vec<Plant>) -> Submission {
    let p = provider("T04");
    let mut s = clean(p, 2, cases, rng, "fehlerhaft/");
    let mut pl = Planter {
        file: s.path.clone(),
        list: plants,
    };
    let rows = case_rows(p, cases, 2, &mut Rng::new(0));
    let (start, _) = quarter_bounds(2);

    s.cover[1].1 = text("Diakonische Jugendhilfe Süd");
    pl.add(
        "Deckblatt!B4",
        "Trägername ohne `gGmbH` (weicht von den Stammdaten ab)",
        "REFERENCE-PROVIDER-NAME",
    );
    s.cover[3].1 = text("2. Quartal");
    pl.add(
        "Deckblatt!B6",
        "Quartal als `2. Quartal` geschrieben (toleriert)",
        "–",
    );
    s.cover[6].1 = Cell::Date(date(YEAR, 6, 20));
    pl.add(
        "Deckblatt!B9",
        "Erstellt am 20.06.2026, vor Quartalsende",
        "RANGE-CREATED-EARLY",
    );

    s.summen = None;
    s.tables.retain(|t| t.sheet != "Strukturarbeit");
    pl.add("Strukturarbeit", "Blatt fehlt", "SHEET-MISSING");
    s.extra_sheet = Some((
        "Notizen",
        vec![
            "Interne Notizen zur Meldung",
            "Strukturarbeit wird nachgereicht.",
        ],
    ));
    pl.add(
        "Notizen",
        "zusätzliches Blatt (wird ignoriert)",
        "SHEET-EXTRA",
    );

    let t = s.table("Fallarbeit");
    let mut used = BTreeSet::new();
    let not_out = |r: &CaseRow| matches!(&r.cells[8], Cell::Text(t) if t == "nein");
    let mut intended: Vec<i64> = (0..t.rows.len())
        .map(|i| t.sum("Kosten", i + 1) - t.sum("Kosten", i))
        .collect();

    let i = find_row(&rows, 1, &mut used, not_out);
    t.set(i, "Fall-ID", text("JA-26-417"));
    pl.add(
        t.addr(i, "Fall-ID"),
        "Fall-ID `JA-26-417` (Jahr zweistellig, Nummer dreistellig)",
        "PATTERN-MISMATCH",
    );

    let i = find_row(&rows, 3, &mut used, not_out);
    t.set(i, "Sozialraum", text("kreisweit"));
    pl.add(
        t.addr(i, "Sozialraum"),
        "`kreisweit` in der Fallarbeit",
        "ENUM-COUNTY-WIDE",
    );

    let i = find_row(&rows, 5, &mut used, not_out);
    t.set(i, "Sozialraum", text("Kirchlinteln"));
    pl.add(
        t.addr(i, "Sozialraum"),
        "Gemeinde `Kirchlinteln` statt Sozialraum (toleriert)",
        "ENUM-MUNICIPALITY",
    );

    let i = find_row(&rows, 7, &mut used, not_out);
    t.set(i, "Sozialraum", Cell::Empty);
    pl.add(t.addr(i, "Sozialraum"), "Sozialraum leer", "REQUIRED-EMPTY");

    let i = find_row(&rows, 9, &mut used, |r| {
        not_out(r) && r.begin < start && !r.ended
    });
    t.set(i, "Beginn", Cell::Date(date(YEAR, 7, 15)));
    pl.add(
        t.addr(i, "Beginn"),
        "Beginn 15.07.2026 nach Quartalsende",
        "RANGE-QUARTER",
    );

    let i = find_row(&rows, 11, &mut used, |r| {
        not_out(r) && r.begin < date(YEAR, 1, 1) && !r.ended
    });
    t.set(i, "Ende", Cell::Date(date(YEAR, 3, 20)));
    pl.add(
        t.addr(i, "Ende"),
        "Ende 20.03.2026 vor Quartalsbeginn",
        "RANGE-QUARTER",
    );

    let i = find_row(&rows, 13, &mut used, not_out);
    t.set(i, "Sozialraum", text("Verden"));
    t.set(i, "Abweichende Zuständigkeit", text("ja"));
    pl.add(
        t.addr(i, "Begründung"),
        "Abweichende Zuständigkeit `ja` ohne Begründung",
        "CROSS-REQUIRED",
    );

    let i = find_row(&rows, 15, &mut used, not_out);
    t.set(i, "Sozialraum", text("Achim"));
    t.set(i, "Abweichende Zuständigkeit", text("ja"));
    t.set(i, "Begründung", text("Familie Meyer nach Achim verzogen"));
    pl.add(
        t.addr(i, "Begründung"),
        "Begründung nennt einen Familiennamen",
        "PRIVACY-VALUE",
    );

    let i = find_row(&rows, 17, &mut used, not_out);
    t.set(i, "Fachleistungsstunden", text("zwölf"));
    pl.add(
        t.addr(i, "Fachleistungsstunden"),
        "Stunden als Wort `zwölf`",
        "TYPE-INVALID",
    );

    let i = find_row(&rows, 19, &mut used, not_out);
    t.set(i, "Fachleistungsstunden", Cell::Number(12.125, "0.000"));
    t.set(i, "Kosten", Cell::Money(72629));
    intended[i] = 72629;
    pl.add(
        t.addr(i, "Fachleistungsstunden"),
        "12,125 Stunden (drei Nachkommastellen)",
        "TYPE-PRECISION",
    );

    let i = find_row(&rows, 21, &mut used, not_out);
    let r = t.excel_row(i);
    t.set(
        i,
        "Kosten",
        Cell::Formula {
            text: format!("=F{r}*G{r}"),
            result: None,
            money: true,
        },
    );
    pl.add(
        t.addr(i, "Kosten"),
        "Formel ohne gespeichertes Ergebnis",
        "FORMULA-NO-VALUE",
    );

    let i = find_row(&rows, 23, &mut used, not_out);
    t.set(i, "Fachleistungsstunden", Cell::Hours(2075));
    t.set(i, "Stundensatz", text("59,90 €"));
    t.set(i, "Kosten", text("1.242,93"));
    intended[i] = 124293;
    pl.add(
        t.addr(i, "Kosten"),
        "Satz und Kosten als deutscher Text `59,90 €`, `1.242,93` (toleriert)",
        "TYPE-CONVERTED",
    );

    // A second `Bemerkung` column, then a totals row 100 € too high.
    let n = t.rows.len();
    let extra: Vec<Cell> = (0..n)
        .map(|k| {
            if k % 7 == 0 {
                text("Rückfrage Controlling")
            } else {
                Cell::Empty
            }
        })
        .collect();
    t.keys.push("Bemerkung 2".into());
    t.headers.push("Bemerkung".into());
    t.widths.push(24.0);
    for (row, v) in t.rows.iter_mut().zip(extra) {
        row.push(v);
    }
    pl.add(
        format!(
            "Fallarbeit!{}{}",
            col_letter(t.keys.len() - 1),
            t.header_row() + 1
        ),
        "Spalte `Bemerkung` doppelt",
        "COLUMN-DUPLICATE",
    );
    let stated: i64 = intended.iter().sum::<i64>() + 10000;
    t.add_totals("Fall-ID", None, 0);
    if let Some(row) = t.totals.as_mut() {
        let c = t.keys.iter().position(|k| k == "Kosten").unwrap_or(7);
        if let Cell::Formula { result, .. } = &mut row[c] {
            *result = Some(dot2(stated));
        }
    }
    pl.add(
        t.addr(n, "Kosten"),
        "Summenzeile: Kosten 100,00 € über der Summe der Datenzeilen",
        "TOTAL-ROW",
    );

    let m = s.table("Milieuarbeit");
    m.set(0, "Kosten", text("1.234"));
    pl.add(
        m.addr(0, "Kosten"),
        "Kosten `1.234` als Text (Tausender oder Dezimalpunkt?)",
        "TYPE-AMBIGUOUS",
    );
    m.set(1, "Teilnehmende", Cell::Int(-3));
    pl.add(m.addr(1, "Teilnehmende"), "Teilnehmende −3", "RANGE-NUMBER");
    s
}

// ------------------------------------------------------------------ Budgetplan

fn budgetplan(out: &Path, f: &Formats) -> Res<()> {
    const PLAN: [(&str, [i64; 3]); 6] = [
        ("Achim", [2_400_000, 300_000, 120_000]),
        ("Verden", [2_100_000, 280_000, 110_000]),
        ("Oyten/Ottersberg", [1_600_000, 180_000, 90_000]),
        ("Langwedel", [900_000, 90_000, 50_000]),
        ("Dörverden/Kirchlinteln", [1_100_000, 110_000, 60_000]),
        ("Thedinghausen", [800_000, 80_000, 45_000]),
    ];
    let mut t = Table::new(
        "Budgetplan",
        &[
            ("Jahr", 8.0),
            ("Sozialraum", 24.0),
            ("Kategorie", 16.0),
            ("Budget", 16.0),
        ],
    );
    for (area, budgets) in PLAN {
        for (cat, b) in ["Fallarbeit", "Milieuarbeit", "Strukturarbeit"]
            .iter()
            .zip(budgets)
        {
            t.rows.push(vec![
                Cell::Int(i64::from(YEAR)),
                text(area),
                text(*cat),
                Cell::Money(b * 100),
            ]);
        }
    }
    t.rows.push(vec![
        Cell::Int(i64::from(YEAR)),
        text("kreisweit"),
        text("Strukturarbeit"),
        Cell::Money(150_000 * 100),
    ]);

    let mut wb = Workbook::new();
    let props = DocProperties::new()
        .set_title(format!("Budgetplan Sozialraumbudget {YEAR}"))
        .set_author("Controlling Fachdienst Jugend und Familie")
        .set_company("Landkreis Verden")
        .set_creation_datetime(&excel_date(date(YEAR - 1, 12, 15))?.and_hms(9, 0, 0)?);
    wb.set_properties(&props);
    t.write(&mut wb, f)?;
    wb.save(out.join(format!("Budgetplan_{YEAR}.xlsx")))?;
    Ok(())
}

// ------------------------------------------------------------------ READMEs

fn readme(out: &Path, clean: &[String]) -> Res<()> {
    let mut s = String::new();
    writeln!(s, "# Beispieldateien")?;
    writeln!(s)?;
    writeln!(
        s,
        "Erzeugt von `examples/make_samples.rs` – nicht von Hand bearbeiten. Neu erzeugen:"
    )?;
    writeln!(s)?;
    writeln!(s, "```sh")?;
    writeln!(s, "cargo run --release --example make_samples -- samples")?;
    writeln!(s, "```")?;
    writeln!(s)?;
    writeln!(s, "Der Generator ist deterministisch (fester Startwert, feste Erstellungsdaten): zwei Läufe ergeben")?;
    writeln!(s, "byte-gleiche Dateien. Trägernamen, Sätze, Fälle und Budgets sind erfunden (Beispielwerte aus")?;
    writeln!(
        s,
        "`schemas/verden.toml`); die Fall-IDs sind Pseudonyme, es gibt keine echten Personen."
    )?;
    writeln!(s)?;
    writeln!(s, "## Fehlerfreie Quartalsmeldungen {YEAR}")?;
    writeln!(s)?;
    writeln!(
        s,
        "{}",
        clean
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    writeln!(s)?;
    writeln!(s, "Je Träger laufen die Fälle über die Quartale weiter (ein Fall ohne Ende in Q1 erscheint in Q2")?;
    writeln!(s, "wieder); je Datei ein Fall außerhalb der eigenen Sozialräume mit `Abweichende Zuständigkeit` = ja.")?;
    writeln!(
        s,
        "Die Träger schreiben ihre Tabellen etwas unterschiedlich, alles zulässig:"
    )?;
    writeln!(s)?;
    writeln!(s, "- T01: Summenzeile `Summe` unter der Fallarbeit (Formeln mit gespeichertem Ergebnis), `nein` ausgeschrieben")?;
    writeln!(s, "- T02: Titelzeile über der Kopfzeile der Fallarbeit (Kopfzeile in Zeile 3), Zuständigkeit leer")?;
    writeln!(s, "- T03: Beginn und Ende als Text (`01.07.2026`)")?;
    writeln!(
        s,
        "- T05: umbrochene Spaltenköpfe (`Fach-⏎leistungs-⏎stunden`, `Stunden-⏎satz €`)"
    )?;
    writeln!(s)?;
    writeln!(
        s,
        "`sozialraum check samples/T0*.xlsx` meldet für diese Dateien keine Fehler."
    )?;
    writeln!(s)?;
    writeln!(s, "## Budgetplan")?;
    writeln!(s)?;
    writeln!(
        s,
        "`Budgetplan_{YEAR}.xlsx`: Blatt `Budgetplan` (Jahr, Sozialraum, Kategorie, Budget) wie in"
    )?;
    writeln!(s, "`stammdaten.md`, `kreisweit` nur für Strukturarbeit.")?;
    writeln!(s)?;
    writeln!(s, "## Fehlerhafte Meldungen")?;
    writeln!(s)?;
    writeln!(s, "`fehlerhaft/` enthält Meldungen mit absichtlich eingebauten Fehlern; was wo steckt, steht in")?;
    writeln!(s, "`fehlerhaft/README.md`.")?;
    fs::write(out.join("README.md"), s)?;
    Ok(())
}

fn readme_flawed(out: &Path, plants: &[Plant]) -> Res<()> {
    let mut s = String::new();
    writeln!(s, "# Fehlerhafte Beispielmeldungen")?;
    writeln!(s)?;
    writeln!(s, "Erzeugt von `examples/make_samples.rs`. Jede Zeile: eingebauter Fehler, Fundstelle, erwarteter")?;
    writeln!(s, "Befund von `sozialraum check samples/fehlerhaft`. „toleriert“ heißt: zulässig, höchstens ein")?;
    writeln!(s, "Hinweis. Alle übrigen Zellen sind korrekt.")?;
    let mut file = "";
    for p in plants {
        if p.file != file {
            file = &p.file;
            writeln!(s)?;
            writeln!(s, "## `{file}`")?;
            writeln!(s)?;
            writeln!(s, "| Stelle | eingebaut | Befund |")?;
            writeln!(s, "|---|---|---|")?;
        }
        let code = if p.code == "–" {
            "–".to_string()
        } else {
            format!("`{}`", p.code)
        };
        writeln!(s, "| `{}` | {} | {} |", p.cell, p.what, code)?;
    }
    writeln!(s)?;
    writeln!(
        s,
        "`T06_2026-Q3.xlsx` hat kein Blatt `Summen` (optional); `T04_2026-Q2.xlsx` auch nicht."
    )?;
    fs::write(out.join("fehlerhaft").join("README.md"), s)?;
    Ok(())
}

// ------------------------------------------------------------------ main

fn main() -> Res<()> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "samples".into());
    let out = Path::new(&out);
    fs::create_dir_all(out.join("fehlerhaft"))?;
    let f = Formats::new();
    let mut ids = IdPool(BTreeSet::new());
    let mut clean_files = Vec::new();

    for (k, id) in ["T01", "T02", "T03", "T05"].iter().enumerate() {
        let p = provider(id);
        let mut rng = Rng::new(SEED ^ (k as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407));
        let cases = simulate(p, &mut rng, &mut ids);
        for q in 1..=3 {
            let s = clean(p, q, &cases, &mut rng, "");
            s.write(out, &f)?;
            clean_files.push(s.path.clone());
        }
    }

    let mut plants = Vec::new();
    let mut rng = Rng::new(SEED ^ 0x0404);
    let cases = simulate(provider("T04"), &mut rng, &mut ids);
    flawed_t04_q3(&cases, &mut rng, &mut plants).write(out, &f)?;
    flawed_t04_q2(&cases, &mut rng, &mut plants).write(out, &f)?;
    let mut rng = Rng::new(SEED ^ 0x0606);
    let cases = simulate(provider("T06"), &mut rng, &mut ids);
    flawed_t06(&cases, &mut rng, &mut plants).write(out, &f)?;

    budgetplan(out, &f)?;
    readme(out, &clean_files)?;
    readme_flawed(out, &plants)?;
    println!("{} Dateien in {}", clean_files.len() + 4, out.display());
    Ok(())
}
