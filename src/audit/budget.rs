//! The controlling's budget plan: a workbook with a sheet `Budgetplan` and
//! the columns `Jahr`, `Sozialraum`, `Kategorie`, `Budget` (names from the
//! `[budget]` section of the configuration). The header is found like a
//! submission's table header; every line is checked, and every problem is a
//! finding at its cell. A plan the audit cannot use at all (unreadable, no
//! sheet, no header) is an error, not a finding.

use crate::config::Role;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::coerce::{self, Coerced, Value};
use crate::config::{BudgetDef, Column, ColumnDef, Config, FieldType, Sheet, SheetKind, Via};
use crate::finding::arg::{Money, Phrase, Reading};
use crate::finding::violation::{FindingBuilder, Message};
use crate::finding::{CellPos, Finding};
use crate::i18n::Lang;
use crate::locate::{self, HeaderMap};
use crate::read::{Input, Raw, RawCell, ReadError, Unreadable};
use crate::rules::field::{EnumMunicipality, RequiredEmpty, TypeAmbiguous, TypeConverted};
use crate::text::{header_key, match_key};

crate::violation! {
/// Der Budgetplan nennt einen Sozialraum, den der Zuschnitt des Jahres nicht kennt.
/// English: the budget plan names a Sozialraum unknown to the year's cut.
BudgetSozialraum = "BUDGET-SOZIALRAUM", Enum, Error { allowed: Vec<String> }
    de: "„{value}“ ist kein Sozialraum des Zuschnitts; die Zeile wird nicht verwendet.",
    en: "\"{value}\" is not a Sozialraum of the cut; the line is not used.",
    hint_de: "Zulässig: {allowed}.",
    hint_en: "Allowed: {allowed}.";

/// Der Budgetplan nennt eine Kategorie, die es nicht gibt (zulässig: die Kategorien der Tabellenblätter).
/// English: the budget plan names an unknown category.
BudgetCategory = "BUDGET-CATEGORY", Enum, Error { allowed: Vec<String> }
    de: "„{value}“ ist keine Kategorie des Budgets; die Zeile wird nicht verwendet.",
    en: "\"{value}\" is not a budget category; the line is not used.",
    hint_de: "Zulässig: {allowed}.",
    hint_en: "Allowed: {allowed}.";

/// Ein kreisweites Budget gibt es nur in der Strukturarbeit.
/// English: a county-wide budget exists only for Strukturarbeit.
BudgetCountyWide = "BUDGET-COUNTY-WIDE", Enum, Error { sozialraum: String }
    de: "„{sozialraum}“ ist in „{value}“ nicht zulässig; kreisweite Budgets gibt es nur in der Strukturarbeit.",
    en: "\"{sozialraum}\" is not allowed in \"{value}\"; county-wide budgets exist only in Strukturarbeit.",
    hint_de: "",
    hint_en: "";

/// Dieselbe Kombination aus Jahr, Sozialraum und Kategorie steht mehrfach im Budgetplan; es zählt die erste.
/// English: the same year, Sozialraum and category appear more than once in the budget plan; the first counts.
BudgetDuplicate = "BUDGET-DUPLICATE", Unique, Error { first: String }
    de: "{value} steht mehrfach im Budgetplan (zuerst in {first}); es zählt die erste.",
    en: "{value} appears more than once in the budget plan (first in {first}); the first counts.",
    hint_de: "Bitte die doppelte Zeile löschen oder die Beträge zusammenfassen.",
    hint_en: "Delete the duplicate line or add the amounts up.";

/// Ein Budget ist negativ; die Zeile wird nicht verwendet.
/// English: a budget is negative; the line is not used.
BudgetNegative = "BUDGET-NEGATIVE", Range, Error { value: Money }
    de: "Das Budget {value} € ist negativ; die Zeile wird nicht verwendet.",
    en: "The budget {value} € is negative; the line is not used.",
    hint_de: "Ein Budget ist ein Betrag ab 0 €.",
    hint_en: "A budget is an amount of 0 € or more.";

/// Jahr oder Budget einer Zeile des Budgetplans ist keine Zahl (Text, Fehlerwert, Formel ohne Ergebnis).
/// English: the year or budget of a budget plan line is not a number (text, error value, formula without result).
BudgetNotNumber = "BUDGET-NOT-NUMBER", Type, Error { expected: Phrase }
    de: "„{value}“ ist kein gültiger Wert für „{column}“: erwartet {expected}.",
    en: "\"{value}\" is not a valid value for \"{column}\": expected {expected}.",
    hint_de: "",
    hint_en: "";

/// Für einen Sozialraum des Zuschnitts fehlt im Budgetplan des Jahres die Zeile einer Kategorie; es gilt 0 €.
/// English: the year's budget plan lacks a category line for a Sozialraum of the cut; 0 € applies.
BudgetMissing = "BUDGET-MISSING", Required, Error { sozialraum: String, category: String, year: i32 }
    de: "Im Budgetplan {year} fehlt die Zeile für {sozialraum} / {category}; es gilt 0 €.",
    en: "The budget plan {year} lacks the line for {sozialraum} / {category}; 0 € applies.",
    hint_de: "Jeder Sozialraum braucht je Kategorie eine Zeile (auch mit 0 €).",
    hint_en: "Every Sozialraum needs one line per category (0 € included).";
}

/// One valid line of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetLine {
    pub year: i32,
    /// Canonical Sozialraum name (or the county-wide name).
    pub sozialraum: String,
    /// Canonical category (`Fallarbeit`, `Milieuarbeit`, `Strukturarbeit`).
    pub category: String,
    pub amount: Decimal,
    /// The `Budget` cell.
    pub cell: CellPos,
}

/// A checked budget plan.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BudgetPlan {
    /// The plan's path as shown to the user.
    pub path: String,
    /// The plan's sheet as named in the workbook.
    pub sheet: String,
    pub lines: Vec<BudgetLine>,
    /// Problems of the plan, each at its cell, each with `path` set.
    pub findings: Vec<Finding>,
    /// Every (year, Sozialraum, category) the plan names, valid budget or not:
    /// a line with a bad amount is reported once, not again as missing.
    named: BTreeSet<(i32, String, String)>,
}

impl BudgetPlan {
    pub fn line(&self, year: i32, sozialraum: &str, category: &str) -> Option<&BudgetLine> {
        self.lines
            .iter()
            .find(|l| l.year == year && l.sozialraum == sozialraum && l.category == category)
    }

    pub fn years(&self) -> BTreeSet<i32> {
        self.named.iter().map(|k| k.0).collect()
    }

    pub fn has_errors(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == crate::finding::Severity::Error)
    }

    /// Checks that the plan has a line for every Sozialraum of `year`'s cut
    /// and every category (`BUDGET-MISSING`). Fails when the plan has no line
    /// for `year` at all: there is nothing to compare with.
    pub fn require_year(&mut self, year: i32, cfg: &Config) -> Result<(), BudgetError> {
        if !self.named.iter().any(|k| k.0 == year) {
            return Err(BudgetError::NoYear {
                path: self.path.clone(),
                year,
                found: self
                    .years()
                    .iter()
                    .map(|y| y.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        for area in cfg.sozialraum_names(Some(year)) {
            for category in categories(cfg) {
                if self
                    .named
                    .contains(&(year, area.to_string(), category.clone()))
                {
                    continue;
                }
                let m = BudgetMissing {
                    sozialraum: area.to_string(),
                    category: category.clone(),
                    year,
                };
                let f = m
                    .finding()
                    .sheet(self.sheet.clone())
                    .value(format!("{area} / {category}"))
                    .path(self.path.clone())
                    .build();
                self.findings.push(f);
            }
        }
        Ok(())
    }
}

#[derive(Debug, Error, Serialize, Deserialize)]
pub enum BudgetError {
    #[error("Budgetplan {path}: {error}")]
    Read { path: String, error: ReadError },
    #[error("Budgetplan {path}: das Blatt „{sheet}“ fehlt (vorhanden: {present})")]
    SheetMissing {
        path: String,
        sheet: String,
        present: String,
    },
    #[error("Budgetplan {path}, Blatt „{sheet}“: in den ersten {rows} Zeilen steht keine Kopfzeile mit {expected}")]
    HeaderNotFound {
        path: String,
        sheet: String,
        rows: u32,
        expected: String,
    },
    #[error("Budgetplan {path}, Blatt „{sheet}“: der Kopfzeile (Zeile {row}) fehlt {missing}")]
    ColumnMissing {
        path: String,
        sheet: String,
        row: u32,
        missing: String,
    },
    #[error("Budgetplan {path}: keine Zeile für das Jahr {year} (Jahre im Plan: {found})")]
    NoYear {
        path: String,
        year: i32,
        found: String,
    },
}

impl BudgetError {
    /// The message in the user's language (`Display` is German).
    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::De {
            return self.to_string();
        }
        match self {
            BudgetError::Read { path, error } => {
                format!("Budget plan {path}: {}", error.describe(lang))
            }
            BudgetError::SheetMissing {
                path,
                sheet,
                present,
            } => format!("Budget plan {path}: the sheet \"{sheet}\" is missing (present: {present})"),
            BudgetError::HeaderNotFound {
                path,
                sheet,
                rows,
                expected,
            } => format!(
                "Budget plan {path}, sheet \"{sheet}\": no header row with {expected} in the first {rows} rows"
            ),
            BudgetError::ColumnMissing {
                path,
                sheet,
                row,
                missing,
            } => format!("Budget plan {path}, sheet \"{sheet}\": the header (row {row}) lacks {missing}"),
            BudgetError::NoYear { path, year, found } => {
                format!("Budget plan {path}: no line for the year {year} (years in the plan: {found})")
            }
        }
    }
}

/// The shipped layout when the configuration has no `[budget]` section.
fn default_def() -> BudgetDef {
    BudgetDef {
        sheet: "Budgetplan".into(),
        header_rows: 20,
        year_header: vec!["Jahr".into()],
        sozialraum_header: vec!["Sozialraum".into()],
        category_header: vec!["Kategorie".into()],
        budget_header: vec!["Budget".into()],
    }
}

/// The budget categories in configuration order.
pub fn categories(cfg: &Config) -> Vec<String> {
    cfg.tables()
        .map(|t| t.category.clone().unwrap_or_else(|| t.name.clone()))
        .collect()
}

const YEAR: usize = 0;
const AREA: usize = 1;
const CATEGORY: usize = 2;
const BUDGET: usize = 3;

fn column(key: &str, headers: &[String], ty: FieldType) -> Column {
    let title = headers.first().cloned().unwrap_or_else(|| key.to_string());
    let def = ColumnDef {
        key: key.to_string(),
        role: None,
        header: Some(title),
        label: None,
        aliases: headers.iter().skip(1).cloned().collect(),
        ty,
        required: true,
        unique: false,
        minimum: None,
        maximum: None,
        exclusive_minimum: None,
        pattern: None,
        pattern_text: None,
        enum_set: None,
        allow_county_wide: false,
        decimal_places: None,
        reference: None,
        privacy: false,
        not_before: None,
        sum_of: Vec::new(),
    };
    let keys = headers.iter().map(|h| header_key(h)).collect();
    Column {
        def,
        pattern: None,
        keys,
    }
}

/// The plan sheet described as a table sheet, so `locate` finds its header.
fn plan_sheet(def: &BudgetDef) -> Sheet {
    Sheet {
        name: def.sheet.clone(),
        kind: SheetKind::Table,
        required: true,
        keys: vec![header_key(&def.sheet)],
        category: None,
        header_rows: def.header_rows.max(1),
        totals_keys: Vec::new(),
        totals_columns: Vec::new(),
        columns: vec![
            column("year", &def.year_header, FieldType::Integer),
            column("sozialraum", &def.sozialraum_header, FieldType::Text),
            column("category", &def.category_header, FieldType::Text),
            column("budget", &def.budget_header, FieldType::Money),
        ],
        rules: Vec::new(),
        label_col: 0,
        value_col: 1,
        first_row: 0,
        last_row: 0,
        sums: Vec::new(),
    }
}

/// Reads and checks the plan at `path`.
pub fn read(path: &Path, shown: &str, cfg: &Config, lang: Lang) -> Result<BudgetPlan, BudgetError> {
    let input = Input::read_file(path, &cfg.limits).map_err(|r| read_error(shown, r.error))?;
    read_input(&input, shown, cfg, lang)
}

/// Reads and checks a plan held in memory.
pub fn read_bytes(
    bytes: &[u8],
    shown: &str,
    cfg: &Config,
    lang: Lang,
) -> Result<BudgetPlan, BudgetError> {
    let input = Input::from_bytes(bytes, &cfg.limits).map_err(|r| read_error(shown, r.error))?;
    read_input(&input, shown, cfg, lang)
}

/// Verifies and checks a plan read already; a reader's panic is a read error.
pub fn read_input(
    input: &Input,
    shown: &str,
    cfg: &Config,
    lang: Lang,
) -> Result<BudgetPlan, BudgetError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_verified(input, shown, cfg, lang)
    }))
    .unwrap_or_else(|_| {
        Err(read_error(
            shown,
            Unreadable::ReaderPanicked(String::new()).into(),
        ))
    })
}

fn read_error(shown: &str, error: ReadError) -> BudgetError {
    BudgetError::Read {
        path: shown.to_string(),
        error,
    }
}

fn read_verified(
    input: &Input,
    shown: &str,
    cfg: &Config,
    _lang: Lang,
) -> Result<BudgetPlan, BudgetError> {
    let def = cfg.budget.clone().unwrap_or_else(default_def);
    let wanted = header_key(&def.sheet);
    // The plan's sheet and its rows, or the sheets there are instead.
    let (found, _damage) = input
        .read_verified(&cfg.limits, |wb| {
            let Some(sheet) = wb
                .sheets
                .iter()
                .find(|s| header_key(&s.name) == wanted)
                .map(|s| s.name.clone())
            else {
                let present: Vec<String> = wb.sheets.iter().map(|s| s.name.clone()).collect();
                return Ok(Err(present.join(", ")));
            };
            let mut rows = Vec::new();
            wb.for_each_row(&sheet, &cfg.limits, |r, cells| {
                rows.push((r, cells.to_vec()));
                true
            })?;
            Ok(Ok((sheet, rows, wb.is_1904)))
        })
        .map_err(|e| read_error(shown, e))?;
    let (sheet, rows, is_1904) = found.map_err(|present| BudgetError::SheetMissing {
        path: shown.to_string(),
        sheet: def.sheet.clone(),
        present,
    })?;
    parse(&rows, shown, &sheet, cfg, is_1904)
}

/// Checks the plan's rows (0-based row, cells), as read from sheet `sheet`.
pub fn parse(
    rows: &[(u32, Vec<RawCell>)],
    shown: &str,
    sheet: &str,
    cfg: &Config,
    is_1904: bool,
) -> Result<BudgetPlan, BudgetError> {
    let def = cfg.budget.clone().unwrap_or_else(default_def);
    let layout = plan_sheet(&def);
    let header = find_header(&layout, rows, shown, sheet)?;
    let mut plan = BudgetPlan {
        path: shown.to_string(),
        sheet: sheet.to_string(),
        ..BudgetPlan::default()
    };
    let totals: BTreeSet<String> = cfg
        .tables()
        .flat_map(|t| t.totals_keys.iter().cloned())
        .collect();
    let mut first_seen: BTreeMap<(i32, String, String), CellPos> = BTreeMap::new();
    for (r, cells) in rows.iter().filter(|(r, _)| *r > header.row) {
        let mut check = LineCheck {
            plan: &mut plan,
            layout: &layout,
            header: &header,
            row: *r,
            cells,
            is_1904,
        };
        if !check.has_data() || check.is_totals_row(&totals) {
            continue;
        }
        let year = check.year();
        let area = check.sozialraum(cfg, year);
        let category = check.category(cfg);
        let amount = check.amount();
        let (Some(year), Some(area), Some(category)) = (year, area, category) else {
            continue;
        };
        if cfg.is_county_wide(&area) && !county_wide_allowed(cfg, &category) {
            let m = BudgetCountyWide {
                sozialraum: area.clone(),
            };
            check.finding(m, CATEGORY).value(category.clone()).push();
            continue;
        }
        let key = (year, area.clone(), category.clone());
        let pos = check
            .pos(BUDGET)
            .or_else(|| check.pos(AREA))
            .unwrap_or(CellPos::new(*r, 0));
        if let Some(first) = first_seen.get(&key) {
            let m = BudgetDuplicate { first: first.a1() };
            check
                .finding(m, AREA)
                .value(format!("{year} / {area} / {category}"))
                .push();
            continue;
        }
        first_seen.insert(key.clone(), pos);
        plan.named.insert(key);
        if let Some(amount) = amount {
            plan.lines.push(BudgetLine {
                year,
                sozialraum: area,
                category,
                amount,
                cell: pos,
            });
        }
    }
    Ok(plan)
}

fn county_wide_allowed(cfg: &Config, category: &str) -> bool {
    cfg.tables().any(|t| {
        t.category.as_deref().unwrap_or(&t.name) == category
            && t.role(Role::Sozialraum)
                .and_then(|i| t.columns.get(i))
                .is_some_and(|c| c.def.allow_county_wide)
    })
}

fn find_header(
    layout: &Sheet,
    rows: &[(u32, Vec<RawCell>)],
    shown: &str,
    sheet: &str,
) -> Result<HeaderMap, BudgetError> {
    let candidates: Vec<(u32, Vec<RawCell>)> = rows
        .iter()
        .filter(|(r, _)| *r < layout.header_rows)
        .cloned()
        .collect();
    if let Some(m) = candidates
        .iter()
        .map(|(r, c)| locate::match_header(layout, *r, c))
        .find(|m| m.is_complete(layout))
    {
        return Ok(m);
    }
    let titles = |only_missing: Option<&HeaderMap>| -> String {
        layout
            .columns
            .iter()
            .enumerate()
            .filter(|(i, _)| only_missing.is_none_or(|m| m.col(*i).is_none()))
            .map(|(_, c)| format!("„{}“", c.title()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match locate::best_partial_header(layout, &candidates) {
        Some(m) => Err(BudgetError::ColumnMissing {
            path: shown.to_string(),
            sheet: sheet.to_string(),
            row: m.row + 1,
            missing: titles(Some(&m)),
        }),
        None => Err(BudgetError::HeaderNotFound {
            path: shown.to_string(),
            sheet: sheet.to_string(),
            rows: layout.header_rows,
            expected: titles(None),
        }),
    }
}

fn with_path(mut f: Finding, path: &str) -> Finding {
    f.path = Some(path.to_string());
    f
}

/// The checks of one plan row; findings go straight into the plan.
struct LineCheck<'a> {
    plan: &'a mut BudgetPlan,
    layout: &'a Sheet,
    header: &'a HeaderMap,
    row: u32,
    cells: &'a [RawCell],
    is_1904: bool,
}

/// A finding under construction for one plan cell.
struct Pending<'p> {
    builder: FindingBuilder,
    plan: &'p mut BudgetPlan,
}

impl Pending<'_> {
    fn value(mut self, v: impl Into<String>) -> Self {
        self.builder = self.builder.value(v);
        self
    }
    fn push(self) {
        let f = with_path(self.builder.build(), &self.plan.path);
        self.plan.findings.push(f);
    }
}

impl LineCheck<'_> {
    fn pos(&self, idx: usize) -> Option<CellPos> {
        self.header.col(idx).map(|c| CellPos::new(self.row, c))
    }

    fn raw(&self, idx: usize) -> &Raw {
        let col = self.header.col(idx);
        self.cells
            .iter()
            .find(|c| Some(c.col) == col)
            .map(|c| &c.raw)
            .unwrap_or(&Raw::Empty)
    }

    fn title(&self, idx: usize) -> String {
        self.layout
            .columns
            .get(idx)
            .map(|c| c.title().to_string())
            .unwrap_or_default()
    }

    fn has_data(&self) -> bool {
        (0..self.layout.columns.len()).any(|i| !self.raw(i).is_empty())
    }

    /// `Summe`/`Gesamt` in the first filled cell: a totals row, not a plan line.
    fn is_totals_row(&self, totals: &BTreeSet<String>) -> bool {
        let first = self
            .cells
            .iter()
            .filter(|c| !c.raw.is_empty())
            .min_by_key(|c| c.col);
        matches!(first.map(|c| &c.raw), Some(Raw::Text(t)) if totals.contains(&header_key(t)))
    }

    fn finding<M: Message>(&mut self, m: M, idx: usize) -> Pending<'_> {
        let mut b = m
            .finding()
            .sheet(self.plan.sheet.clone())
            .column(self.title(idx));
        if let Some(p) = self.pos(idx) {
            b = b.cell(p);
        }
        Pending {
            builder: b,
            plan: self.plan,
        }
    }

    /// Coerces a cell; empty, error values and non-numbers are reported here.
    fn coerced(&mut self, idx: usize, ty: FieldType) -> Option<Value> {
        let raw = self.raw(idx).clone();
        let shown = coerce::display(&raw);
        match coerce::coerce(&raw, ty, self.is_1904) {
            Coerced::Empty => {
                self.finding(RequiredEmpty {}, idx).push();
                None
            }
            Coerced::Value(v, note) => {
                if let Some(n) = note {
                    let reading: Reading = n.reading;
                    if n.ambiguous {
                        self.finding(TypeAmbiguous { reading }, idx)
                            .value(shown)
                            .push();
                    } else {
                        self.finding(TypeConverted { reading }, idx)
                            .value(shown)
                            .push();
                    }
                }
                Some(v)
            }
            Coerced::Invalid | Coerced::ErrorValue(_) | Coerced::NoValue(_) => {
                let m = BudgetNotNumber {
                    expected: coerce::expected(ty),
                };
                self.finding(m, idx).value(shown).push();
                None
            }
        }
    }

    fn year(&mut self) -> Option<i32> {
        match self.coerced(YEAR, FieldType::Integer)? {
            Value::Int(y) if (1900..=2999).contains(&y) => i32::try_from(y).ok(),
            other => {
                let shown = coerce::show_value(&other, Lang::De);
                let m = BudgetNotNumber {
                    expected: Phrase::ExpectYear,
                };
                self.finding(m, YEAR).value(shown).push();
                None
            }
        }
    }

    fn sozialraum(&mut self, cfg: &Config, year: Option<i32>) -> Option<String> {
        let text = self.coerced(AREA, FieldType::Text)?.as_text()?.to_string();
        if cfg.is_county_wide(&text) {
            return Some(cfg.county_wide.name.clone());
        }
        match cfg.sozialraum(year, &text) {
            Some((name, via)) => {
                let name = name.to_string();
                if via == Via::Municipality {
                    let m = EnumMunicipality {
                        reading: name.clone(),
                    };
                    self.finding(m, AREA).value(text).push();
                }
                Some(name)
            }
            None => {
                let mut allowed: Vec<String> = cfg
                    .sozialraum_names(year)
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                allowed.push(cfg.county_wide.name.clone());
                self.finding(BudgetSozialraum { allowed }, AREA)
                    .value(text)
                    .push();
                None
            }
        }
    }

    fn category(&mut self, cfg: &Config) -> Option<String> {
        let text = self
            .coerced(CATEGORY, FieldType::Text)?
            .as_text()?
            .to_string();
        let all = categories(cfg);
        match all.iter().find(|c| match_key(c) == match_key(&text)) {
            Some(c) => Some(c.clone()),
            None => {
                self.finding(BudgetCategory { allowed: all }, CATEGORY)
                    .value(text)
                    .push();
                None
            }
        }
    }

    fn amount(&mut self) -> Option<Decimal> {
        let d = self.coerced(BUDGET, FieldType::Money)?.as_dec()?;
        if d.is_sign_negative() && !d.is_zero() {
            self.finding(BudgetNegative { value: Money(d) }, BUDGET)
                .value(coerce::machine(d, true))
                .push();
            return None;
        }
        Some(d)
    }
}
