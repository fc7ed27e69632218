//! Benchmark inputs for issue 6 (not test fixtures: nothing asserts on them).
//!
//! ```text
//! cargo run --release --example make_big -- OUTDIR
//! ```
//!
//! writes into `OUTDIR`:
//!
//! - `fall_10k.xlsx`, `fall_100k.xlsx`, `fall_1m.xlsx`: complete submissions
//!   of provider T01 for 2026 Q3 in the real layout (Deckblatt, Fallarbeit
//!   with 10,000 / 100,000 / 1,000,000 data rows and a `Summe` row,
//!   Milieuarbeit, Strukturarbeit, Summen with correct cached totals). About
//!   1 % of the case rows carry one planted problem each: an unknown
//!   Sozialraum, a cost that is not hours × rate, a duplicate Fall-ID, or
//!   hours above 520. The counts go to `OUTDIR/PLANTED.md`.
//! - `hostile_corner.xlsx`: `fall_10k.xlsx` plus one stray `x` in the last
//!   cell of Fallarbeit, XFD1048576 (a dense reader would build a grid of
//!   16,384 × 1,048,576 cells).
//! - `year160/`: 40 providers × 4 quarters of 2026 = 160 clean workbooks of
//!   about 30 cases each, and `year160/config.toml`: `schemas/verden.toml`
//!   with the providers T07–T40 added, so that
//!   `sozialraum --config year160/config.toml consolidate year160/ -o …`
//!   knows every provider.
//!
//! Deterministic (fixed seed, fixed document dates): two runs give the same
//! files. `--only big|year160` restricts the output; `--rows N` writes only
//! `fall_custom.xlsx` with N rows instead of the fixed sizes; `--clean`
//! plants no problem (the portal's load benchmark submits such a file).

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

/// The shipped configuration: providers T01–T06, the Sozialräume, the layout.
const CONFIG: &str = include_str!("../schemas/verden.toml");
const YEAR: i32 = 2026;
const SEED: u64 = 0xB16B_2026_0006_5EED;
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

    fn word(&mut self, items: &[&'static str]) -> &'static str {
        items[self.range(0, items.len() as i64 - 1) as usize]
    }
}

// ------------------------------------------------------------------ master data

struct Provider {
    id: String,
    name: String,
    areas: Vec<String>,
    /// Contracted rate in cents per Fachleistungsstunde.
    rate: i64,
    contact: String,
    email: String,
}

/// Help types (as in the configuration) with a weight and the weekly
/// intensity range in hundredths of an hour.
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

/// Sozialraum names that are in no configuration (planted problem).
const UNKNOWN_AREAS: [&str; 4] = ["Achm", "Bremen-Nord", "Kirchweyhe", "Rotenburg (Wümme)"];

const FIRST: [&str; 12] = [
    "Anke", "Jens", "Sabine", "Martin", "Birte", "Deniz", "Heike", "Tobias", "Svenja", "Olaf",
    "Merle", "Jannik",
];
const LAST: [&str; 12] = [
    "Rohlfs",
    "Meinken",
    "Tietjen",
    "Wöhlke",
    "Oelfke",
    "Kaya",
    "Bruns",
    "Lüdemann",
    "Hoops",
    "Cordes",
    "Behrens",
    "Schwenn",
];
const ORG_KIND: [&str; 8] = [
    "Jugendhilfe",
    "Familienhilfe",
    "Kinder- und Jugendhilfe",
    "Erziehungshilfe",
    "Jugendwerk",
    "Familienzentrum",
    "Hilfen zur Erziehung",
    "Sozialpädagogischer Dienst",
];
const ORG_PLACE: [&str; 10] = [
    "Achim",
    "Verden",
    "Weserbogen",
    "an der Aller",
    "Geestrand",
    "Wümmeniederung",
    "Langwedel",
    "Thedinghausen",
    "Mittelweser",
    "Lintelner Geest",
];
const ORG_FORM: [&str; 3] = ["e.V.", "gGmbH", "gUG"];

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

const REMARKS: [&str; 3] = [
    "Krisenintervention im Quartal",
    "Verlängerung beantragt",
    "Übergang in die Schule begleitet",
];

const ENDINGS: [&str; 3] = [
    "Hilfe planmäßig beendet",
    "Hilfeziele erreicht",
    "Beendigung durch die Sorgeberechtigten",
];

const OUT_OF_AREA_REASON: &str = "Umzug der Familie, bestehende Hilfebeziehung fortgeführt";

/// `"62.40"` → 6240.
fn cents(s: &str) -> Res<i64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, "0"));
    let frac = format!("{frac:0<2}");
    if frac.len() != 2 {
        return Err(format!("rate {s}: more than two decimals").into());
    }
    Ok(whole.parse::<i64>()? * 100 + frac.parse::<i64>()?)
}

/// The Sozialräume of the newest cut and the providers of the shipped configuration.
fn master_data() -> Res<(Vec<String>, Vec<Provider>)> {
    let doc: toml::Table = toml::from_str(CONFIG)?;
    let cut = doc
        .get("cut")
        .and_then(|c| c.as_array())
        .and_then(|a| a.last())
        .ok_or("no [[cut]] in schemas/verden.toml")?;
    let areas: Vec<String> = cut
        .get("sozialraum")
        .and_then(|s| s.as_array())
        .ok_or("no [[cut.sozialraum]]")?
        .iter()
        .filter_map(|s| s.get("name")?.as_str().map(str::to_string))
        .collect();
    let mut providers = Vec::new();
    for (k, p) in doc
        .get("provider")
        .and_then(|p| p.as_array())
        .ok_or("no [[provider]] in schemas/verden.toml")?
        .iter()
        .enumerate()
    {
        let field = |key: &str| -> Res<String> {
            Ok(p.get(key)
                .and_then(|v| v.as_str())
                .ok_or_else(|| format!("provider without {key}"))?
                .to_string())
        };
        let id = field("id")?;
        providers.push(Provider {
            name: field("name")?,
            areas: p
                .get("sozialraeume")
                .and_then(|s| s.as_array())
                .ok_or("provider without sozialraeume")?
                .iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect(),
            rate: cents(&field("rate")?)?,
            contact: format!("{} {}", FIRST[k % FIRST.len()], LAST[k % LAST.len()]),
            email: format!("meldung@{}.example", id.to_lowercase()),
            id,
        });
    }
    Ok((areas, providers))
}

/// Providers `T{from}`..=`T{to}`, invented deterministically.
fn invent_providers(from: u32, to: u32, areas: &[String], taken: &[Provider]) -> Vec<Provider> {
    let mut rng = Rng::new(SEED ^ 0x7EA6);
    let mut names: BTreeSet<String> = taken.iter().map(|p| p.name.clone()).collect();
    let mut out = Vec::new();
    for n in from..=to {
        let name = loop {
            let name = format!(
                "{} {} {}",
                rng.pick(&ORG_KIND),
                rng.pick(&ORG_PLACE),
                rng.pick(&ORG_FORM)
            );
            if names.insert(name.clone()) {
                break name;
            }
        };
        let first = rng.range(0, areas.len() as i64 - 1) as usize;
        let mut own = vec![areas[first].clone()];
        if rng.chance(40) {
            let second = (first + rng.range(1, areas.len() as i64 - 1) as usize) % areas.len();
            own.push(areas[second].clone());
        }
        let id = format!("T{n:02}");
        out.push(Provider {
            contact: format!("{} {}", rng.pick(&FIRST), rng.pick(&LAST)),
            email: format!("meldung@{}.example", id.to_lowercase()),
            rate: rng.range(580, 660) * 10,
            name,
            areas: own,
            id,
        });
    }
    out
}

/// `schemas/verden.toml` with `extra` providers inserted after the existing ones.
fn config_with(extra: &[Provider]) -> Res<String> {
    // Insert before the first `[[sheet]]` and the comment lines right above it.
    let sheet = CONFIG
        .find("\n[[sheet]]")
        .ok_or("no [[sheet]] in schemas/verden.toml")?
        + 1;
    let mut at = sheet;
    while at > 0 {
        let line_start = CONFIG[..at - 1].rfind('\n').map_or(0, |i| i + 1);
        if CONFIG[line_start..at].starts_with('#') {
            at = line_start;
        } else {
            break;
        }
    }
    let mut add = String::new();
    writeln!(
        add,
        "# Benchmark (examples/make_big.rs): weitere Träger T{:02}–T{:02}, erfundene Beispielwerte.",
        7,
        6 + extra.len()
    )?;
    for p in extra {
        let areas: Vec<String> = p.areas.iter().map(|a| format!("\"{a}\"")).collect();
        writeln!(add)?;
        writeln!(add, "[[provider]]")?;
        writeln!(add, "id = \"{}\"", p.id)?;
        writeln!(add, "name = \"{}\"", p.name)?;
        writeln!(add, "sozialraeume = [{}]", areas.join(", "))?;
        writeln!(add, "rate = \"{}\"", dot2(p.rate))?;
    }
    writeln!(add)?;
    let text = format!(
        "# Erzeugt von examples/make_big.rs aus schemas/verden.toml (Benchmark, Issue 6).\n{}{}{}",
        &CONFIG[..at],
        add,
        &CONFIG[at..]
    );
    // Sanity: still valid TOML, with every provider.
    let doc: toml::Table = toml::from_str(&text)?;
    let n = doc
        .get("provider")
        .and_then(|p| p.as_array())
        .map_or(0, |a| a.len());
    if n != 6 + extra.len() {
        return Err(format!("config has {n} providers").into());
    }
    Ok(text)
}

// ------------------------------------------------------------------ dates, money, formats

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

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

/// Cost in cents of `hours` hundredths at `rate` cents, rounded half up to the cent.
fn cost_of(hours: i64, rate: i64) -> i64 {
    (hours * rate + 50) / 100
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
    int_left: Format,
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
        let total = Format::new().set_bold().set_border_top(FormatBorder::Thin);
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
            int_left: Format::new()
                .set_num_format("0")
                .set_align(FormatAlign::Left),
            total_money: total.clone().set_num_format("#,##0.00"),
            total_hours: total.clone().set_num_format("0.00"),
            total_label: total,
        }
    }
}

fn money(ws: &mut Worksheet, r: u32, c: u16, cents: i64, f: &Format) -> Res<()> {
    ws.write_number_with_format(r, c, cents as f64 / 100.0, f)?;
    Ok(())
}

/// A `=SUM(...)` formula with its cached result.
fn sum_formula(ws: &mut Worksheet, r: u32, c: u16, text: &str, value: i64, f: &Format) -> Res<()> {
    ws.write_formula_with_format(r, c, Formula::new(text).set_result(dot2(value)), f)?;
    Ok(())
}

fn col_letter(c: u16) -> char {
    (b'A' + c as u8) as char
}

// ------------------------------------------------------------------ sheets

/// Layout variants of a provider's Fallarbeit sheet (all valid).
#[derive(Clone, Copy, Default)]
struct Style {
    title_row: bool,
    text_dates: bool,
    totals_row: bool,
    wrapped_headers: bool,
    says_nein: bool,
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
const COL_HOURS: u16 = 5;
const COL_COST: u16 = 7;

/// One Fallarbeit row.
struct FallRow<'a> {
    id: &'a str,
    area: &'a str,
    help: &'a str,
    begin: NaiveDate,
    end: Option<NaiveDate>,
    /// Hundredths of an hour.
    hours: i64,
    rate: i64,
    cost: i64,
    deviating: Option<&'a str>,
    reason: Option<&'a str>,
    remark: Option<&'a str>,
}

/// The Fallarbeit sheet, written row by row; `fill` calls `emit` once per case.
struct FallSheet<'w> {
    ws: &'w mut Worksheet,
    style: Style,
    /// 0-based row of the header.
    header: u32,
    rows: u32,
    sum_hours: i64,
    sum_cost: i64,
}

impl<'w> FallSheet<'w> {
    fn start(wb: &'w mut Workbook, f: &Formats, style: Style, title: &str) -> Res<Self> {
        let ws = wb.add_worksheet();
        ws.set_name("Fallarbeit")?;
        let header = if style.title_row {
            ws.merge_range(0, 0, 0, FALL_COLS.len() as u16 - 1, title, &f.title)?;
            2
        } else {
            0
        };
        for (c, (name, width)) in FALL_COLS.iter().enumerate() {
            let c = c as u16;
            let text = match (*name, style.wrapped_headers) {
                ("Fachleistungsstunden", true) => "Fach-\nleistungs-\nstunden",
                ("Stundensatz", true) => "Stunden-\nsatz €",
                ("Abweichende Zuständigkeit", true) => "Abweichende\nZuständigkeit",
                (n, _) => n,
            };
            let fmt = if style.wrapped_headers {
                &f.header_wrap
            } else {
                &f.header
            };
            ws.write_string_with_format(header, c, text, fmt)?;
            ws.set_column_width(c, *width)?;
        }
        if style.wrapped_headers {
            ws.set_row_height(header, 45)?;
        }
        ws.set_freeze_panes(header + 1, 0)?;
        Ok(FallSheet {
            ws,
            style,
            header,
            rows: 0,
            sum_hours: 0,
            sum_cost: 0,
        })
    }

    /// A stray value in the last cell of the sheet, XFD1048576 (hostile case:
    /// a dense reader would allocate 16,384 × 1,048,576 cells).
    fn stray_corner(&mut self) -> Res<()> {
        self.ws.write_string(1_048_575, 16_383, "x")?;
        Ok(())
    }

    /// Excel (1-based) row of data row `i`.
    fn excel_row(&self, i: u32) -> u32 {
        self.header + 2 + i
    }

    fn emit(&mut self, f: &Formats, row: &FallRow<'_>) -> Res<()> {
        let r = self.header + 1 + self.rows;
        let ws = &mut *self.ws;
        ws.write_string(r, 0, row.id)?;
        ws.write_string(r, 1, row.area)?;
        ws.write_string(r, 2, row.help)?;
        let dates = [(3, Some(row.begin)), (4, row.end)];
        for (c, d) in dates {
            if let Some(d) = d {
                if self.style.text_dates {
                    ws.write_string(r, c, de_date(d))?;
                } else {
                    ws.write_datetime_with_format(r, c, excel_date(d)?, &f.date)?;
                }
            }
        }
        ws.write_number_with_format(r, COL_HOURS, row.hours as f64 / 100.0, &f.hours)?;
        money(ws, r, 6, row.rate, &f.money)?;
        money(ws, r, COL_COST, row.cost, &f.money)?;
        let texts = [(8, row.deviating), (9, row.reason), (10, row.remark)];
        for (c, t) in texts {
            if let Some(t) = t {
                ws.write_string(r, c, t)?;
            }
        }
        self.rows += 1;
        self.sum_hours += row.hours;
        self.sum_cost += row.cost;
        Ok(())
    }

    /// The optional `Summe` row; returns the `Summen` formula for Fallarbeit.
    fn finish(self, f: &Formats) -> Res<(String, i64)> {
        let first = self.excel_row(0);
        let last = self.excel_row(self.rows.saturating_sub(1));
        if self.style.totals_row && self.rows > 0 {
            let r = self.header + 1 + self.rows;
            self.ws
                .write_string_with_format(r, 0, "Summe", &f.total_label)?;
            for (c, sum, fmt) in [
                (COL_HOURS, self.sum_hours, &f.total_hours),
                (COL_COST, self.sum_cost, &f.total_money),
            ] {
                let l = col_letter(c);
                sum_formula(
                    self.ws,
                    r,
                    c,
                    &format!("=SUM({l}{first}:{l}{last})"),
                    sum,
                    fmt,
                )?;
            }
        }
        let l = col_letter(COL_COST);
        Ok((
            format!("=SUM(Fallarbeit!{l}{first}:{l}{last})"),
            self.sum_cost,
        ))
    }
}

fn deckblatt(wb: &mut Workbook, f: &Formats, p: &Provider, q: u32, created: NaiveDate) -> Res<()> {
    let ws = wb.add_worksheet();
    ws.set_name("Deckblatt")?;
    ws.merge_range(0, 0, 0, 3, TITLE, &f.title)?;
    ws.set_column_width(0, 18)?;
    ws.set_column_width(1, 46)?;
    let texts = [
        (2, "Träger-Nr.", p.id.as_str()),
        (3, "Träger", p.name.as_str()),
        (6, "Ansprechperson", p.contact.as_str()),
        (7, "E-Mail", p.email.as_str()),
    ];
    for (r, label, value) in texts {
        ws.write_string_with_format(r, 0, label, &f.label)?;
        ws.write_string(r, 1, value)?;
    }
    ws.write_string_with_format(4, 0, "Berichtsjahr", &f.label)?;
    ws.write_number_with_format(4, 1, f64::from(YEAR), &f.int_left)?;
    ws.write_string_with_format(5, 0, "Quartal", &f.label)?;
    ws.write_number_with_format(5, 1, f64::from(q), &f.int_left)?;
    ws.write_string_with_format(8, 0, "Erstellt am", &f.label)?;
    ws.write_datetime_with_format(8, 1, excel_date(created)?, &f.date)?;
    Ok(())
}

/// Milieuarbeit: 2–4 measures; returns the `Summen` formula and the cost sum.
fn milieu(
    wb: &mut Workbook,
    f: &Formats,
    p: &Provider,
    q: u32,
    rng: &mut Rng,
) -> Res<(String, i64)> {
    let ws = wb.add_worksheet();
    ws.set_name("Milieuarbeit")?;
    let cols = [
        ("Maßnahme", 32.0),
        ("Sozialraum", 22.0),
        ("Quartier", 20.0),
        ("Stunden", 10.0),
        ("Kosten", 12.0),
        ("Teilnehmende", 13.0),
    ];
    for (c, (h, w)) in cols.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &f.header)?;
        ws.set_column_width(c as u16, *w)?;
    }
    let n = rng.range(2, 4) as u32;
    let offset = rng.range(0, MEASURES.len() as i64 - 1) as usize;
    let mut sum = 0;
    let mut written = 0;
    for k in 0..MEASURES.len() {
        if written == n {
            break;
        }
        let m = MEASURES[(offset + k) % MEASURES.len()];
        if m == "Ferienprogramm" && q != 3 {
            continue;
        }
        let r = 1 + written;
        let area = rng.pick(&p.areas).clone();
        let hours = rng.range(40, 480) * 25;
        let cost = cost_of(hours, p.rate);
        ws.write_string(r, 0, m)?;
        ws.write_string(r, 1, &area)?;
        ws.write_string(r, 2, format!("{area}-Mitte"))?;
        ws.write_number_with_format(r, 3, hours as f64 / 100.0, &f.hours)?;
        money(ws, r, 4, cost, &f.money)?;
        ws.write_number_with_format(r, 5, rng.range(6, 40) as f64, &f.int)?;
        sum += cost;
        written += 1;
    }
    Ok((format!("=SUM(Milieuarbeit!E2:E{})", written + 1), sum))
}

/// Strukturarbeit: 1–3 projects; returns the `Summen` formula and the cost sum.
fn struktur(wb: &mut Workbook, f: &Formats, p: &Provider, rng: &mut Rng) -> Res<(String, i64)> {
    let ws = wb.add_worksheet();
    ws.set_name("Strukturarbeit")?;
    let cols = [
        ("Projekt", 36.0),
        ("Sozialraum", 22.0),
        ("Ehrenamtliche", 14.0),
        ("Stunden", 10.0),
        ("Kosten", 12.0),
    ];
    for (c, (h, w)) in cols.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &f.header)?;
        ws.set_column_width(c as u16, *w)?;
    }
    let n = rng.range(1, 3) as u32;
    let offset = rng.range(0, PROJECTS.len() as i64 - 1) as usize;
    let mut sum = 0;
    for k in 0..n {
        let r = 1 + k;
        let area = if rng.chance(30) {
            "kreisweit".to_string()
        } else {
            rng.pick(&p.areas).clone()
        };
        let hours = rng.range(40, 240) * 25;
        let cost = cost_of(hours, p.rate);
        ws.write_string(r, 0, PROJECTS[(offset + k as usize) % PROJECTS.len()])?;
        ws.write_string(r, 1, &area)?;
        ws.write_number_with_format(r, 2, rng.range(0, 12) as f64, &f.int)?;
        ws.write_number_with_format(r, 3, hours as f64 / 100.0, &f.hours)?;
        money(ws, r, 4, cost, &f.money)?;
        sum += cost;
    }
    Ok((format!("=SUM(Strukturarbeit!E2:E{})", n + 1), sum))
}

fn summen(wb: &mut Workbook, f: &Formats, parts: [(String, i64); 3]) -> Res<()> {
    let ws = wb.add_worksheet();
    ws.set_name("Summen")?;
    ws.set_column_width(0, 18)?;
    ws.set_column_width(1, 16)?;
    let labels = ["Fallarbeit", "Milieuarbeit", "Strukturarbeit"];
    let mut total = 0;
    for (r, (label, (formula, sum))) in labels.iter().zip(parts).enumerate() {
        ws.write_string_with_format(r as u32, 0, *label, &f.label)?;
        sum_formula(ws, r as u32, 1, &formula, sum, &f.money)?;
        total += sum;
    }
    ws.write_string_with_format(3, 0, "Gesamt", &f.label)?;
    sum_formula(ws, 3, 1, "=SUM(B1:B3)", total, &f.total_money)?;
    Ok(())
}

fn new_workbook(p: &Provider, q: u32) -> Res<Workbook> {
    let (_, end) = quarter_bounds(q);
    let created = excel_date(end + Duration::days(5))?.and_hms(9, 0, 0)?;
    let mut wb = Workbook::new();
    let props = DocProperties::new()
        .set_title(format!("Quartalsmeldung {} {}-Q{}", p.id, YEAR, q))
        .set_subject("Sozialraumbudget Landkreis Verden")
        .set_author(&p.contact)
        .set_company(&p.name)
        .set_creation_datetime(&created);
    wb.set_properties(&props);
    Ok(wb)
}

// ------------------------------------------------------------------ (a) one big submission

#[derive(Default)]
struct Plants {
    unknown_area: u64,
    cost: u64,
    duplicate: u64,
    hours: u64,
}

/// The `idx`-th distinct case key: 100,000 per year, counting back from 2026;
/// the number part is scrambled by a bijection mod 100,000.
fn case_id(idx: u64) -> String {
    let year = YEAR as u64 - idx / 100_000;
    let n = (idx % 100_000 * 7919 + 4711) % 100_000;
    format!("JA-{year}-{n:05}")
}

#[allow(clippy::too_many_arguments)]
fn big(
    out: &Path,
    file: &str,
    rows: u64,
    corner: bool,
    clean: bool,
    p: &Provider,
    areas: &[String],
    f: &Formats,
) -> Res<Plants> {
    let q = 3;
    let (qstart, qend) = quarter_bounds(q);
    let mut rng = Rng::new(SEED ^ rows);
    let mut plants = Plants::default();
    let mut wb = new_workbook(p, q)?;
    deckblatt(&mut wb, f, p, q, qend + Duration::days(7))?;
    let others: Vec<&String> = areas.iter().filter(|a| !p.areas.contains(a)).collect();
    let style = Style {
        totals_row: true,
        says_nein: true,
        ..Style::default()
    };
    let title = format!("Fallarbeit {q}. Quartal {YEAR} – {}", p.name);
    let mut sheet = FallSheet::start(&mut wb, f, style, &title)?;
    let mut next_id: u64 = 0;
    let mut remark = String::new();
    for _ in 0..rows {
        // 0 unknown Sozialraum, 1 cost mismatch, 2 duplicate Fall-ID, 3 hours > 520.
        let plant = if rng.chance(1) && !clean {
            Some(rng.range(0, 3))
        } else {
            None
        };
        let idx = if plant == Some(2) && next_id > 0 {
            plants.duplicate += 1;
            next_id - 1 - rng.range(0, (next_id - 1).min(5000) as i64) as u64
        } else {
            next_id += 1;
            next_id - 1
        };
        let id = case_id(idx);
        let year = YEAR - (idx / 100_000) as i32;
        let begin = if year == YEAR {
            date(YEAR, 1, 1) + Duration::days(rng.range(0, (qend - date(YEAR, 1, 1)).num_days()))
        } else {
            date(year, 1, 1) + Duration::days(rng.range(0, 364))
        };
        let end = if rng.chance(8) {
            let from = begin.max(qstart);
            Some(from + Duration::days(rng.range(0, (qend - from).num_days())))
        } else {
            None
        };
        let help = pick_help(&mut rng);
        let (name, _, lo, hi) = HELP[help];
        let from = begin.max(qstart);
        let days = (end.unwrap_or(qend) - from).num_days() + 1;
        let mut hours = (rng.range(lo, hi) * days * rng.range(85, 115) / 700).clamp(50, 52_000);
        let (mut area, mut deviating, mut reason) = (rng.pick(&p.areas).as_str(), "nein", None);
        if plant == Some(0) {
            area = rng.word(&UNKNOWN_AREAS);
            plants.unknown_area += 1;
        } else if rng.chance(2) {
            area = rng.pick(&others).as_str();
            deviating = "ja";
            reason = Some(OUT_OF_AREA_REASON);
        }
        if plant == Some(3) {
            hours = rng.range(52_001, 80_000);
            plants.hours += 1;
        }
        let mut cost = cost_of(hours, p.rate);
        if plant == Some(1) {
            cost += rng.range(100, 5_000);
            plants.cost += 1;
        }
        remark.clear();
        if end.is_some() && rng.chance(50) {
            remark.push_str(rng.word(&ENDINGS));
        } else if rng.chance(20) {
            let d = qstart + Duration::days(rng.range(3, 88));
            write!(remark, "Hilfeplangespräch am {}", de_date(d))?;
        } else if rng.chance(5) {
            remark.push_str(rng.word(&REMARKS));
        }
        sheet.emit(
            f,
            &FallRow {
                id: &id,
                area,
                help: name,
                begin,
                end,
                hours,
                rate: p.rate,
                cost,
                deviating: Some(deviating),
                reason,
                remark: (!remark.is_empty()).then_some(remark.as_str()),
            },
        )?;
    }
    if corner {
        sheet.stray_corner()?;
    }
    let fall = sheet.finish(f)?;
    let m = milieu(&mut wb, f, p, q, &mut rng)?;
    let s = struktur(&mut wb, f, p, &mut rng)?;
    summen(&mut wb, f, [fall, m, s])?;
    wb.save(out.join(file))?;
    Ok(plants)
}

// ------------------------------------------------------------------ (b) a year of 40 providers

struct Case {
    id: String,
    area: String,
    help: usize,
    begin: NaiveDate,
    end: Option<NaiveDate>,
    /// Hundredths of an hour per week.
    weekly: i64,
    out_of_area: bool,
}

/// A provider's case load through 2026: ~27 open at the start of the year,
/// each quarter 3–6 end and 3–6 begin. Keys are unique across providers.
fn simulate(
    p: &Provider,
    areas: &[String],
    rng: &mut Rng,
    ids: &mut BTreeSet<(i32, i64)>,
) -> Vec<Case> {
    let others: Vec<String> = areas
        .iter()
        .filter(|a| !p.areas.contains(a))
        .cloned()
        .collect();
    let mut new_case = |rng: &mut Rng, year: i32, begin: NaiveDate, out: bool| {
        let n = loop {
            let n = rng.range(100, 99_999);
            if ids.insert((year, n)) {
                break n;
            }
        };
        let help = if out { 3 } else { pick_help(rng) };
        let (_, _, lo, hi) = HELP[help];
        Case {
            id: format!("JA-{year}-{n:05}"),
            area: if out {
                rng.pick(&others).clone()
            } else {
                rng.pick(&p.areas).clone()
            },
            help,
            begin,
            end: None,
            weekly: rng.range(lo, hi),
            out_of_area: out,
        }
    };
    let mut cases = Vec::new();
    for i in 0..rng.range(25, 29) {
        let begin = date(YEAR - 1, 1, 13) + Duration::days(rng.range(0, 340));
        let out = i == 0 && !others.is_empty();
        cases.push(new_case(rng, YEAR - 1, begin, out));
    }
    for q in 1..=4 {
        let (start, end) = quarter_bounds(q);
        let days = (end - start).num_days();
        let open: Vec<usize> = (0..cases.len())
            .filter(|&i| cases[i].end.is_none() && !cases[i].out_of_area && cases[i].begin < start)
            .collect();
        for _ in 0..rng.range(3, 6) {
            let i = *rng.pick(&open);
            if cases[i].end.is_none() {
                cases[i].end = Some(start + Duration::days(rng.range(7, days)));
            }
        }
        for _ in 0..rng.range(3, 6) {
            let begin = start + Duration::days(rng.range(0, days - 14));
            let mut c = new_case(rng, YEAR, begin, false);
            if rng.chance(15) {
                c.end = Some((begin + Duration::days(rng.range(21, 60))).min(end));
            }
            cases.push(c);
        }
    }
    cases.sort_by(|a, b| a.id.cmp(&b.id));
    cases
}

fn quarter_file(
    dir: &Path,
    p: &Provider,
    style: Style,
    q: u32,
    cases: &[Case],
    rng: &mut Rng,
    f: &Formats,
) -> Res<usize> {
    let (start, end) = quarter_bounds(q);
    let mut wb = new_workbook(p, q)?;
    deckblatt(&mut wb, f, p, q, end + Duration::days(rng.range(3, 12)))?;
    let title = format!("Fallarbeit {q}. Quartal {YEAR} – {}", p.name);
    let mut sheet = FallSheet::start(&mut wb, f, style, &title)?;
    let mut remark = String::new();
    let mut n = 0;
    for c in cases
        .iter()
        .filter(|c| c.begin <= end && c.end.is_none_or(|e| e >= start))
    {
        let from = c.begin.max(start);
        let to = c.end.map_or(end, |e| e.min(end));
        let days = (to - from).num_days() + 1;
        let hours = (c.weekly * days * rng.range(85, 115) / 700).clamp(50, 52_000);
        let ending = c.end.filter(|e| *e <= end);
        let (deviating, reason) = if c.out_of_area {
            (Some("ja"), Some(OUT_OF_AREA_REASON))
        } else if style.says_nein {
            (Some("nein"), None)
        } else {
            (None, None)
        };
        remark.clear();
        if ending.is_some() && rng.chance(50) {
            remark.push_str(rng.word(&ENDINGS));
        } else if rng.chance(20) {
            let d = start + Duration::days(rng.range(3, (end - start).num_days() - 3));
            write!(remark, "Hilfeplangespräch am {}", de_date(d))?;
        } else if rng.chance(10) {
            remark.push_str(rng.word(&REMARKS));
        }
        sheet.emit(
            f,
            &FallRow {
                id: &c.id,
                area: &c.area,
                help: HELP[c.help].0,
                begin: c.begin,
                end: ending,
                hours,
                rate: p.rate,
                cost: cost_of(hours, p.rate),
                deviating,
                reason,
                remark: (!remark.is_empty()).then_some(remark.as_str()),
            },
        )?;
        n += 1;
    }
    let fall = sheet.finish(f)?;
    let m = milieu(&mut wb, f, p, q, rng)?;
    let s = struktur(&mut wb, f, p, rng)?;
    summen(&mut wb, f, [fall, m, s])?;
    wb.save(dir.join(format!("{}_{}-Q{}.xlsx", p.id, YEAR, q)))?;
    Ok(n)
}

fn year160(out: &Path, areas: &[String], base: Vec<Provider>, f: &Formats) -> Res<(usize, usize)> {
    let dir = out.join("year160");
    fs::create_dir_all(&dir)?;
    let extra = invent_providers(7, 40, areas, &base);
    fs::write(dir.join("config.toml"), config_with(&extra)?)?;
    let mut ids = BTreeSet::new();
    let (mut files, mut rows) = (0, 0);
    for (k, p) in base.iter().chain(&extra).enumerate() {
        let style = Style {
            title_row: k % 5 == 1,
            text_dates: k % 7 == 3,
            totals_row: k % 3 == 0,
            wrapped_headers: k % 11 == 4,
            says_nein: k % 2 == 0,
        };
        let mut rng = Rng::new(SEED ^ (k as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407));
        let cases = simulate(p, areas, &mut rng, &mut ids);
        for q in 1..=4 {
            rows += quarter_file(&dir, p, style, q, &cases, &mut rng, f)?;
            files += 1;
        }
    }
    Ok((files, rows))
}

// ------------------------------------------------------------------ main

fn main() -> Res<()> {
    let mut out = None;
    let mut only = None;
    let mut custom = None;
    let mut clean = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--only" => only = args.next(),
            "--rows" => custom = Some(args.next().ok_or("--rows N")?.parse::<u64>()?),
            "--clean" => clean = true,
            "-h" | "--help" => {
                println!("make_big OUTDIR [--only big|year160] [--rows N] [--clean]");
                return Ok(());
            }
            _ => out = Some(a),
        }
    }
    let out = out.ok_or("usage: make_big OUTDIR [--only big|year160] [--rows N]")?;
    let out = Path::new(&out);
    fs::create_dir_all(out)?;
    let f = Formats::new();
    let (areas, base) = master_data()?;
    let t01 = base.iter().find(|p| p.id == "T01").ok_or("no T01")?;

    if only.as_deref() != Some("year160") {
        let mut sizes: Vec<(String, u64, bool)> = vec![
            ("fall_10k.xlsx".into(), 10_000, false),
            ("fall_100k.xlsx".into(), 100_000, false),
            ("fall_1m.xlsx".into(), 1_000_000, false),
            ("hostile_corner.xlsx".into(), 10_000, true),
        ];
        if let Some(n) = custom {
            sizes = vec![("fall_custom.xlsx".into(), n, false)];
        }
        let mut md = String::new();
        writeln!(md, "# Planted problems (examples/make_big.rs)")?;
        writeln!(md)?;
        writeln!(
            md,
            "Provider T01, 2026 Q3. One problem per affected row; expected finding in brackets."
        )?;
        writeln!(md)?;
        writeln!(md, "| file | rows | unknown Sozialraum (ENUM-UNKNOWN) | cost ≠ hours × rate (CROSS-COST) | duplicate Fall-ID (UNIQUE-DUPLICATE) | hours > 520 (RANGE-NUMBER) |")?;
        writeln!(md, "|---|---:|---:|---:|---:|---:|")?;
        for (file, rows, corner) in sizes {
            let t = std::time::Instant::now();
            let p = big(out, &file, rows, corner, clean, t01, &areas, &f)?;
            println!(
                "{file}: {rows} rows, planted {} unknown Sozialraum, {} cost, {} duplicate, {} hours ({:.1} s)",
                p.unknown_area,
                p.cost,
                p.duplicate,
                p.hours,
                t.elapsed().as_secs_f64()
            );
            writeln!(
                md,
                "| {file} | {rows} | {} | {} | {} | {} |",
                p.unknown_area, p.cost, p.duplicate, p.hours
            )?;
        }
        if custom.is_none() {
            fs::write(out.join("PLANTED.md"), md)?;
        }
    }
    if only.as_deref() != Some("big") {
        let t = std::time::Instant::now();
        let (files, rows) = year160(out, &areas, base, &f)?;
        println!(
            "year160/: {files} files, {rows} case rows, config.toml with T01–T40 ({:.1} s)",
            t.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
