//! A table sheet, fed row by row: finds the header among the first rows,
//! checks every data row (cells, row rules), keys that must be unique and
//! totals rows, and keeps the sums the `Summen` sheet is checked against.

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::coerce::{self, Coerced, Value};
use crate::config::Sheet;
use crate::finding::arg::Amount;
use crate::finding::violation::Message;
use crate::finding::{CellPos, Severity};
use crate::locate::{self, HeaderMap};
use crate::read::{Raw, RawCell};
use crate::rules::field::{check_cell, CellValue};
use crate::rules::field::{FormulaError, FormulaNoValue, TypeInvalid};
use crate::rules::file::SheetEmpty;
use crate::rules::row::{charged_sozialraum, check_row, RowView};
use crate::rules::seen::SeenKeys;
use crate::rules::Ctx;
use crate::text::header_key;

crate::violation! {
/// In den ersten Zeilen des Blatts wurde keine Kopfzeile mit den Pflichtspalten gefunden.
/// English: no header row with the required columns was found in the first rows of the sheet.
HeaderNotFound = "HEADER-NOT-FOUND", Column, Error { rows: u32, expected: Vec<String> }
    de: "Keine Kopfzeile gefunden: In den ersten {rows} Zeilen steht keine Zeile mit den Spalten {expected}.",
    en: "No header row found: none of the first {rows} rows carries the columns {expected}.",
    hint_de: "Die Kopfzeile muss die Spaltenüberschriften der Vorlage enthalten.",
    hint_en: "The header row must carry the column headers of the template.";

/// Eine Pflichtspalte fehlt in der Kopfzeile. Die Zellen dieser Spalte werden nicht einzeln gemeldet.
/// English: a required column is missing from the header row (its cells are not reported one by one).
ColumnMissing = "COLUMN-MISSING", Column, Error { row: String, aliases: String }
    de: "Die Pflichtspalte „{column}“ fehlt in der Kopfzeile (Zeile {row}).",
    en: "The required column \"{column}\" is missing from the header row (row {row}).",
    hint_de: "Erlaubte Überschriften: {aliases}.",
    hint_en: "Accepted headers: {aliases}.";

/// Dieselbe Spalte steht zweimal in der Kopfzeile; die zweite wird nicht gelesen.
/// English: the same column appears twice in the header row; the second is not read.
ColumnDuplicate = "COLUMN-DUPLICATE", Column, Error { first: String }
    de: "Die Spalte „{column}“ steht doppelt in der Kopfzeile (auch in {first}).",
    en: "The column \"{column}\" appears twice in the header row (also in {first}).",
    hint_de: "Bitte eine der beiden Spalten entfernen oder umbenennen.",
    hint_en: "Remove or rename one of the two columns.";

/// Eine Spalte, die die Konfiguration nicht kennt, wird nicht ausgewertet.
/// English: a column unknown to the configuration is ignored.
ColumnExtra = "COLUMN-EXTRA", Column, Info {  }
    de: "Die Spalte „{value}“ wird nicht ausgewertet.",
    en: "The column \"{value}\" is ignored.",
    hint_de: "",
    hint_en: "";

/// Zellen außerhalb der Spalten der Tabelle (ohne Überschrift) werden nicht ausgewertet; genannt werden ihre Anzahl und die erste.
/// English: cells outside the table's columns (without a header) are not read; their number and the first are named.
CellsIgnored = "CELLS-IGNORED", Column, Info { count: u64 }
    de: "{count} Zelle(n) ohne Spaltenüberschrift wurden nicht ausgewertet (die erste hier).",
    en: "{count} cell(s) without a column header were not read (the first here).",
    hint_de: "Gehören sie zur Meldung, bitte eine Spalte der Vorlage verwenden.",
    hint_en: "If they belong to the report, use a column of the template.";

/// Zeilen, die nichts enthalten, was ein Träger eintragen muss – nur Nullen, Formeln ohne Ergebnis und was eine
/// Vorlage vorbelegt (Regel `prefilled`: etwa der vereinbarte Stundensatz; eine laufende Nummer in einer Extraspalte) –,
/// sind vorbereitete Zeilen einer Vorlage, keine Datenzeilen; genannt werden ihre Anzahl und die erste.
/// English: rows holding nothing a provider must enter – only zeros, formulas without a result and what a template
/// pre-fills (rule `prefilled`: e.g. the contracted rate; a running number in an extra column) – are a template's
/// prepared rows, not data rows; their number and the first are named.
RowsPrepared = "ROWS-PREPARED", Sheet, Info { count: u64 }
    de: "{count} Zeile(n) enthalten nur Vorbelegungen der Vorlage, Nullen oder Formeln ohne Ergebnis und wurden als leer gelesen (die erste hier).",
    en: "{count} row(s) hold only a template's pre-filled values, zeros or formulas without a result and were read as empty (the first here).",
    hint_de: "Vorbereitete Zeilen einer Vorlage; gehört eine davon zur Meldung, fehlen ihr alle Angaben.",
    hint_en: "Prepared rows of a template; if one of them belongs to the report, all its details are missing.";

/// Ein Schlüssel (z. B. die Fall-ID) kommt im Blatt mehrfach vor.
/// English: a key (e.g. the case key) occurs more than once in the sheet.
UniqueDuplicate = "UNIQUE-DUPLICATE", Unique, Error { first: String }
    de: "„{value}“ kommt in „{column}“ mehrfach vor (zuerst in {first}).",
    en: "\"{value}\" occurs more than once in \"{column}\" (first in {first}).",
    hint_de: "Jeder Fall steht einmal je Quartal in der Meldung; Stunden eines Falls bitte zusammenfassen.",
    hint_en: "Each case appears once per quarter; add up the hours of one case.";

/// Eine Summenzeile stimmt nicht mit der Summe der Datenzeilen darüber überein.
/// English: a totals row does not equal the sum of the data rows above it.
TotalRow = "TOTAL-ROW", Total, Error { value: Amount, expected: Amount, difference: Amount, note: crate::finding::arg::NoResult }
    de: "Die Summenzeile nennt {value}, die Datenzeilen ergeben {expected} (Differenz {difference}){note}.",
    en: "The totals row says {value}, the data rows add up to {expected} (difference {difference}){note}.",
    hint_de: "Summe über alle Datenzeilen oberhalb der Summenzeile.",
    hint_en: "The sum over all data rows above the totals row.";
}

/// One data row as the consolidation needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowRecord {
    /// 0-based sheet row.
    pub row: u32,
    /// Per configured column: the value as read (canonical for enums).
    pub values: Vec<Option<CellData>>,
    /// The Sozialraum the row's cost is charged to, if valid.
    pub charged_to: Option<String>,
    pub errors: u32,
    pub warnings: u32,
}

/// A checked value in a serialisable form (money and numbers as decimal strings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v")]
pub enum CellData {
    Text(String),
    Int(i64),
    Dec(Decimal),
    Date(chrono::NaiveDate),
    Bool(bool),
}

impl CellData {
    pub fn from_value(v: &Value) -> CellData {
        match v {
            Value::Text(t) => CellData::Text(t.clone()),
            Value::Int(i) => CellData::Int(*i),
            Value::Dec(d) => CellData::Dec(*d),
            Value::Date(d) => CellData::Date(*d),
            Value::Bool(b) => CellData::Bool(*b),
            Value::Quarter(q) => CellData::Int(i64::from(*q)),
        }
    }
    pub fn as_dec(&self) -> Option<Decimal> {
        match self {
            CellData::Dec(d) => Some(*d),
            CellData::Int(i) => Some(Decimal::from(*i)),
            _ => None,
        }
    }
    pub fn as_text(&self) -> Option<&str> {
        match self {
            CellData::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// What a table sheet leaves behind after checking.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TableResult {
    pub sheet: String,
    pub header_row: Option<u32>,
    /// Per configured column: sum of the data rows' values (numbers only).
    pub sums: Vec<Decimal>,
    /// Per configured column: whether the column was found.
    pub found: Vec<bool>,
    /// Per configured column: the sheet column it was found in.
    pub columns: Vec<Option<u32>>,
    pub data_rows: usize,
    pub records: Vec<RowRecord>,
    /// Per configured column: the data cells holding a formula without a
    /// result, not counted in `sums` (their totals name them).
    #[serde(default)]
    pub no_result: Vec<NoResult>,
}

/// Formula cells without a result in one column: the first few and how many.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NoResult {
    pub first: Vec<String>,
    pub count: u64,
}

impl NoResult {
    /// How many cells a message names before it says "and n more".
    const NAMED: usize = 3;

    fn add(&mut self, cell: String) {
        self.count += 1;
        if self.first.len() < Self::NAMED {
            self.first.push(cell);
        }
    }

    /// The same cells, named with their sheet (`Fallarbeit!H4`).
    pub fn on_sheet(&self, sheet: &str) -> NoResult {
        NoResult {
            first: self.first.iter().map(|c| format!("{sheet}!{c}")).collect(),
            count: self.count,
        }
    }

    /// The `{note}` of a totals difference: the data cells holding a formula
    /// without a result, which the sum could not count (empty when there are none).
    pub fn note(&self) -> crate::finding::arg::NoResult {
        crate::finding::arg::NoResult {
            first: self.first.clone(),
            count: self.count,
        }
    }

    pub fn extend(&mut self, other: &NoResult) {
        for c in &other.first {
            if self.first.len() < Self::NAMED {
                self.first.push(c.clone());
            }
        }
        self.count += other.count;
    }
}

pub struct TableChecker<'s> {
    sheet: &'s Sheet,
    name: String,
    pending: Vec<(u32, Vec<RawCell>)>,
    header: Option<HeaderMap>,
    failed: bool,
    any_row: bool,
    /// Per unique column: a 64-bit fingerprint of each key seen, and its row.
    /// A million case keys as strings would cost ~90 MiB, as fingerprints
    /// 15–23 MB (`SeenKeys`); two distinct keys of a million-row sheet share
    /// a fingerprint with a probability of about 3·10⁻⁸.
    unique: HashMap<usize, SeenKeys>,
    sums: Vec<Decimal>,
    no_result: Vec<NoResult>,
    data_rows: usize,
    keep_records: bool,
    records: Vec<RowRecord>,
    values: Vec<CellValue>,
    /// First letters (lower case) of the totals labels.
    totals_initials: Vec<char>,
    /// Sheet columns that carry an extra (reported) header.
    extra_cols: Vec<u32>,
    ignored: u64,
    first_ignored: Option<CellPos>,
    /// Per configured column: filled in ahead by an entry template (rule `prefilled`).
    prefilled: Vec<bool>,
    /// Rows with nothing a provider must type, and the first of them.
    prepared: u64,
    first_prepared: Option<CellPos>,
}

/// Whether a cell says anything: not empty, not a formula without a result,
/// not a bare zero.
fn carries_data(raw: &Raw) -> bool {
    match raw {
        Raw::NoValue(_) => false,
        Raw::Number(n) => *n != 0.0,
        Raw::Int(i) => *i != 0,
        other => !other.is_empty(),
    }
}

/// A 64-bit fingerprint of a key (SipHash with fixed keys: the same in every run).
fn fingerprint(key: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = std::hash::DefaultHasher::new();
    h.write(key.as_bytes());
    h.finish()
}

fn initial(t: &str) -> char {
    t.trim_start()
        .chars()
        .next()
        .and_then(|c| c.to_lowercase().next())
        .unwrap_or(' ')
}

impl<'s> TableChecker<'s> {
    pub fn new(sheet: &'s Sheet, name: &str, keep_records: bool) -> Self {
        TableChecker {
            sheet,
            name: name.to_string(),
            pending: Vec::new(),
            header: None,
            failed: false,
            any_row: false,
            unique: HashMap::new(),
            sums: vec![Decimal::ZERO; sheet.columns.len()],
            no_result: vec![NoResult::default(); sheet.columns.len()],
            data_rows: 0,
            keep_records,
            records: Vec::new(),
            values: Vec::with_capacity(sheet.columns.len()),
            totals_initials: sheet.totals_keys.iter().map(|k| initial(k)).collect(),
            extra_cols: Vec::new(),
            ignored: 0,
            first_ignored: None,
            prefilled: (0..sheet.columns.len())
                .map(|i| sheet.is_prefilled(i))
                .collect(),
            prepared: 0,
            first_prepared: None,
        }
    }

    pub fn feed(&mut self, ctx: &mut Ctx, row: u32, cells: &[RawCell]) {
        self.any_row = true;
        if self.failed {
            return;
        }
        if self.header.is_none() {
            if row < self.sheet.header_rows {
                let m = locate::match_header(self.sheet, row, cells);
                if m.is_complete(self.sheet) && m.found() >= 1 {
                    self.set_header(ctx, m);
                    self.replay(ctx);
                } else {
                    self.pending.push((row, cells.to_vec()));
                }
                return;
            }
            self.resolve_partial(ctx);
            if self.failed {
                return;
            }
        }
        self.data_row(ctx, row, cells);
    }

    pub fn finish(mut self, ctx: &mut Ctx) -> TableResult {
        if self.header.is_none() && !self.failed {
            if self.any_row {
                self.resolve_partial(ctx);
            } else {
                let f = SheetEmpty {}.finding().sheet(self.name.clone()).build();
                ctx.push(f);
            }
        }
        // What was read past, once per sheet: how many and the first.
        if let Some(first) = self.first_prepared {
            let m = RowsPrepared {
                count: self.prepared,
            };
            ctx.push(m.finding().sheet(self.name.clone()).cell(first).build());
        }
        if let Some(first) = self.first_ignored {
            let m = CellsIgnored {
                count: self.ignored,
            };
            ctx.push(m.finding().sheet(self.name.clone()).cell(first).build());
        }
        TableResult {
            sheet: self.name,
            header_row: self.header.as_ref().map(|h| h.row),
            sums: self.sums,
            found: self
                .header
                .as_ref()
                .map(|h| h.columns.iter().map(|c| c.is_some()).collect())
                .unwrap_or_default(),
            columns: self
                .header
                .as_ref()
                .map(|h| h.columns.clone())
                .unwrap_or_default(),
            data_rows: self.data_rows,
            records: self.records,
            no_result: self.no_result,
        }
    }

    /// Rows buffered before the header was found: only those below it are data.
    fn replay(&mut self, ctx: &mut Ctx) {
        let Some(header_row) = self.header.as_ref().map(|h| h.row) else {
            return;
        };
        let pending = std::mem::take(&mut self.pending);
        for (r, cells) in pending {
            if r > header_row {
                self.data_row(ctx, r, &cells);
            }
        }
    }

    fn resolve_partial(&mut self, ctx: &mut Ctx) {
        match locate::best_partial_header(self.sheet, &self.pending) {
            Some(m) => {
                self.set_header(ctx, m);
                self.replay(ctx);
            }
            None => {
                self.failed = true;
                let expected = self
                    .sheet
                    .columns
                    .iter()
                    .filter(|c| c.def.required)
                    .map(|c| c.title().to_string())
                    .collect();
                let m = HeaderNotFound {
                    rows: self.sheet.header_rows,
                    expected,
                };
                let f = m.finding().sheet(self.name.clone()).build();
                ctx.push(f);
                self.pending.clear();
            }
        }
    }

    fn set_header(&mut self, ctx: &mut Ctx, m: HeaderMap) {
        let row1 = (m.row + 1).to_string();
        for (idx, col) in self.sheet.columns.iter().enumerate() {
            if col.def.required && m.col(idx).is_none() {
                let m = ColumnMissing {
                    row: row1.clone(),
                    aliases: col.accepted(),
                };
                let f = m
                    .finding()
                    .sheet(self.name.clone())
                    .column(col.title())
                    .build();
                ctx.push(f);
            }
        }
        for (idx, c) in &m.duplicates {
            let title = self
                .sheet
                .columns
                .get(*idx)
                .map(|c| c.title())
                .unwrap_or_default();
            let first = m
                .col(*idx)
                .map(|fc| CellPos::new(m.row, fc).a1())
                .unwrap_or_default();
            let f = ColumnDuplicate { first }
                .finding()
                .sheet(self.name.clone())
                .cell(CellPos::new(m.row, *c))
                .column(title)
                .build();
            ctx.push(f);
        }
        self.extra_cols = m.extra.iter().map(|(c, _)| *c).collect();
        for (c, text) in &m.extra {
            let pos = CellPos::new(m.row, *c);
            let f = if ctx.cfg.is_forbidden_header(text) {
                crate::rules::privacy::PrivacyColumn {}
                    .finding()
                    .sheet(self.name.clone())
                    .cell(pos)
                    .column(text.clone())
                    .build()
            } else {
                ColumnExtra {}
                    .finding()
                    .sheet(self.name.clone())
                    .cell(pos)
                    .value(text.clone())
                    .build()
            };
            ctx.push(f);
        }
        self.header = Some(m);
    }

    fn is_totals_row(&self, cells: &[RawCell]) -> bool {
        let first = cells
            .iter()
            .filter(|c| !c.raw.is_empty())
            .min_by_key(|c| c.col);
        match first.map(|c| &c.raw) {
            // Cheap test first: a totals label is short and starts like one.
            Some(Raw::Text(t)) if t.len() > 64 || !self.totals_initials.contains(&initial(t)) => {
                false
            }
            Some(Raw::Text(t)) => {
                let k = header_key(t);
                self.sheet
                    .totals_keys
                    .iter()
                    .any(|tk| k == *tk || (k.starts_with(tk.as_str()) && k.len() < tk.len() + 24))
            }
            _ => false,
        }
    }

    fn data_row(&mut self, ctx: &mut Ctx, row: u32, cells: &[RawCell]) {
        let Some(header) = self.header.take() else {
            return;
        };
        self.data_row_with(ctx, row, cells, &header.columns);
        self.header = Some(header);
    }

    fn data_row_with(&mut self, ctx: &mut Ctx, row: u32, cells: &[RawCell], cols: &[Option<u32>]) {
        let raw_at = |c: u32| cells.iter().find(|x| x.col == c).map(|x| &x.raw);
        // Only what a provider types makes a case: not what a template filled in ahead.
        let has_data = cols
            .iter()
            .zip(&self.prefilled)
            .any(|(c, prefilled)| !prefilled && c.and_then(raw_at).is_some_and(carries_data));
        // Cells in no column of the table (no header, not an extra column) are
        // not read; the sheet gets one info naming how many and the first.
        for cell in cells {
            if !cell.raw.is_empty()
                && !cols.contains(&Some(cell.col))
                && !self.extra_cols.contains(&cell.col)
            {
                self.ignored += 1;
                self.first_ignored
                    .get_or_insert(CellPos::new(row, cell.col));
            }
        }
        if !has_data {
            // Zeros, value-less formulas and pre-filled values only: a
            // template's prepared row (`=WENN(…;"")` for the cost, saved by
            // Excel without a result and by LibreOffice as 0 or an empty
            // text; the contracted rate; a running number in an extra
            // column) that nobody filled in.
            let first = cols
                .iter()
                .flatten()
                .find(|c| raw_at(**c).is_some_and(|r| !r.is_empty()));
            if let Some(c) = first {
                self.prepared += 1;
                self.first_prepared.get_or_insert(CellPos::new(row, *c));
            }
            return;
        }
        if self.is_totals_row(cells) {
            self.totals_row(ctx, row, cols, cells);
            return;
        }
        let before = ctx.findings.len();
        self.data_rows += 1;
        let mut values = std::mem::take(&mut self.values);
        values.clear();
        for (idx, col) in self.sheet.columns.iter().enumerate() {
            let v = match cols.get(idx).copied().flatten() {
                None => CellValue::Empty,
                Some(c) => {
                    let raw = raw_at(c).unwrap_or(&Raw::Empty);
                    if matches!(raw, Raw::NoValue(_)) {
                        if let Some(n) = self.no_result.get_mut(idx) {
                            n.add(CellPos::new(row, c).a1());
                        }
                    }
                    check_cell(ctx, &self.name, col, CellPos::new(row, c), raw)
                }
            };
            values.push(v);
        }
        for (idx, col) in self.sheet.columns.iter().enumerate() {
            if !col.def.unique {
                continue;
            }
            let (Some(CellValue::Ok(Value::Text(key))), Some(c)) =
                (values.get(idx), cols.get(idx).copied().flatten())
            else {
                continue;
            };
            let pos = CellPos::new(row, c);
            let seen = self.unique.entry(idx).or_default();
            if let Some(first) = seen.first_or_insert(fingerprint(key), row) {
                let m = UniqueDuplicate {
                    first: CellPos::new(first, c).a1(),
                };
                let f = ctx
                    .at(m, &self.name, pos, col.title())
                    .value(key.clone())
                    .build();
                ctx.push(f);
            }
        }
        let view = RowView {
            row,
            cols,
            values: &values,
        };
        check_row(ctx, &self.name, self.sheet, &view);
        for (idx, v) in values.iter().enumerate() {
            if let Some(d) = v.value().and_then(|v| v.as_dec()) {
                if let Some(s) = self.sums.get_mut(idx) {
                    *s += d;
                }
            }
        }
        if self.keep_records {
            let new = ctx.findings.get(before..).unwrap_or_default();
            let errors = new.iter().filter(|f| f.severity == Severity::Error).count() as u32;
            let warnings = new
                .iter()
                .filter(|f| f.severity == Severity::Warning)
                .count() as u32;
            let charged_to = charged_sozialraum(ctx, self.sheet, &view);
            self.records.push(RowRecord {
                row,
                values: values
                    .iter()
                    .map(|v| v.value().map(CellData::from_value))
                    .collect(),
                charged_to,
                errors,
                warnings,
            });
        }
        self.values = values;
    }

    fn totals_row(&mut self, ctx: &mut Ctx, row: u32, cols: &[Option<u32>], cells: &[RawCell]) {
        for idx in &self.sheet.totals_columns {
            let Some(c) = cols.get(*idx).copied().flatten() else {
                continue;
            };
            let Some(raw) = cells.iter().find(|x| x.col == c).map(|x| &x.raw) else {
                continue;
            };
            let Some(col) = self.sheet.columns.get(*idx) else {
                continue;
            };
            let pos = CellPos::new(row, c);
            let title = col.title();
            match coerce::coerce(raw, col.def.ty, ctx.is_1904) {
                Coerced::Empty => {}
                Coerced::Value(v, _) => {
                    let Some(d) = v.as_dec() else { continue };
                    let sum = self.sums.get(*idx).copied().unwrap_or_default();
                    let diff = d - sum;
                    if diff.abs() > Decimal::new(5, 3) {
                        let money = col.def.ty == crate::config::FieldType::Money;
                        let amount = |value| Amount { value, money };
                        let m = TotalRow {
                            value: amount(d),
                            expected: amount(sum),
                            difference: amount(diff),
                            // No such cells: nothing to say.
                            note: self
                                .no_result
                                .get(*idx)
                                .map(NoResult::note)
                                .unwrap_or_default(),
                        };
                        let f = ctx
                            .at(m, &self.name, pos, title)
                            .value(coerce::machine(d, money))
                            .build();
                        ctx.push(f);
                    }
                }
                Coerced::ErrorValue(e) => {
                    let f = ctx
                        .at(FormulaError {}, &self.name, pos, title)
                        .value(e)
                        .build();
                    ctx.push(f);
                }
                Coerced::NoValue(e) => {
                    let f = ctx
                        .at(FormulaNoValue {}, &self.name, pos, title)
                        .value(e)
                        .build();
                    ctx.push(f);
                }
                Coerced::Invalid => {
                    let shown = coerce::display(raw);
                    let m = TypeInvalid {
                        expected: coerce::expected(col.def.ty),
                    };
                    let f = ctx.at(m, &self.name, pos, title).value(shown).build();
                    ctx.push(f);
                }
            }
        }
    }
}
